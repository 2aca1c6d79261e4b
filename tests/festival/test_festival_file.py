"""Reading and validating `citylive/festival@1` files."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from citylive.festival import FestivalFileError, load_festival, load_festival_text, parse_festival

BASE: dict[str, Any] = {
    "format": "citylive/festival@1",
    "festival": {
        "id": "t-1",
        "name": "测试直播节",
        "timezone": "Asia/Shanghai",
        "days": ["2020-06-06", "2020-06-07"],
        "slots": [{"start": "10:00", "end": "12:00"}, {"start": "19:00", "end": "21:00"}],
        "prime_slots": ["19:00"],
        "min_skus_per_session": 5,
    },
    "towns": [
        {"id": "shaxi", "name": "沙溪镇", "neighbours": ["dayong"]},
        {"id": "dayong", "name": "大涌镇"},
        {"id": "shiqi", "name": "石岐街道"},
    ],
    "industries": [{"id": "apparel", "name": "服装"}],
    "platforms": ["douyin", "1688"],
    "venues": [
        {"id": "main", "kind": "main", "name": "主会场", "town": "shiqi", "studios": 2},
        {"id": "shaxi-base", "kind": "sub", "name": "沙溪分会场", "town": "shaxi", "studios": 3},
    ],
    "enterprises": [
        {
            "id": "ruiang",
            "name": "瑞昂制衣",
            "town": "shaxi",
            "industry": "apparel",
            "sessions": 2,
            "skus": 20,
            "platforms": ["douyin"],
            "expected_gmv": 100000,
        }
    ],
    "streamers": [
        {
            "id": "ren-jing",
            "name": "任静",
            "town": "shaxi",
            "industries": ["apparel"],
            "platforms": ["douyin"],
            "max_sessions_per_day": 2,
        }
    ],
}


def _errors(doc: Any) -> list[str]:
    with pytest.raises(FestivalFileError) as info:
        parse_festival(doc, "f.yaml")
    return info.value.errors


def _with(path: str, value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    target: Any = doc
    parts = path.split(".")
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target[part]
    last = parts[-1]
    if last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return doc


def test_festival_base_document_valid() -> None:
    f = parse_festival(copy.deepcopy(BASE))
    assert f.id == "t-1"
    assert f.days == [date(2020, 6, 6), date(2020, 6, 7)]
    assert f.requested_sessions() == 2
    assert f.studio_slots() == (2 + 3) * 2 * 2
    assert f.prime_slot_indices == frozenset({1})
    assert f.platforms == ["douyin", "1688"]


def test_festival_neighbours_one_sided_read_as_symmetric() -> None:
    f = parse_festival(copy.deepcopy(BASE))
    assert f.neighbours["shaxi"] == frozenset({"dayong"})
    assert f.neighbours["dayong"] == frozenset({"shaxi"})
    assert f.neighbours["shiqi"] == frozenset()


def test_festival_allowed_venues_neighbour_only_without_own_sub_venue() -> None:
    doc = copy.deepcopy(BASE)
    doc["enterprises"].append(dict(doc["enterprises"][0], id="dy-1", town="dayong"))
    f = parse_festival(doc)
    assert [v.id for v in f.allowed_venues(f.enterprise["ruiang"])] == ["main", "shaxi-base"]
    assert [v.id for v in f.allowed_venues(f.enterprise["dy-1"])] == ["main", "shaxi-base"]
    doc["enterprises"].append(dict(doc["enterprises"][0], id="sq-1", town="shiqi"))
    f = parse_festival(doc)
    assert [v.id for v in f.allowed_venues(f.enterprise["sq-1"])] == ["main"]


def test_festival_unknown_town_suggests_closest() -> None:
    errors = _errors(_with("enterprises.0.town", "shaxii"))
    assert errors == ["enterprises[0].town: unknown town 'shaxii' (did you mean 'shaxi'?)"]


def test_festival_unknown_references_all_reported_at_once() -> None:
    doc = copy.deepcopy(BASE)
    doc["enterprises"][0]["industry"] = "lights"
    doc["enterprises"][0]["platforms"] = ["tiktok"]
    doc["streamers"][0]["employer"] = "nobody"
    doc["venues"][1]["town"] = "xiaolan"
    doc["towns"][0]["neighbours"] = ["dayong", "henglan"]
    assert _errors(doc) == [
        "towns[0].neighbours[1]: unknown town 'henglan'",
        "venues[1].town: unknown town 'xiaolan'",
        "enterprises[0].industry: unknown industry 'lights'",
        "enterprises[0].platforms[0]: unknown platform 'tiktok'",
        "streamers[0].employer: unknown enterprise 'nobody'",
    ]


def _refusal(doc: Any) -> FestivalFileError:
    with pytest.raises(FestivalFileError) as info:
        parse_festival(doc, "f.yaml")
    return info.value


def test_schema_errors_and_the_rest_s_cross_references_come_at_once() -> None:
    """A broken time zone and an enterprise without `skus` do not hide the errors elsewhere;
    what only follows from setting the broken enterprise aside is not reported."""
    doc = copy.deepcopy(BASE)
    doc["festival"]["timezone"] = "Asia/Nowhere"
    doc["festival"]["prime_slots"] = ["20:00"]
    doc["enterprises"].append(dict(doc["enterprises"][0], id="dy-1", town="dayongg"))
    del doc["enterprises"][0]["skus"]
    doc["streamers"][0]["employer"] = "ruiang"  # the broken enterprise: not an unknown one
    doc["streamers"][0]["platforms"] = ["weibo"]
    refused = _refusal(doc)
    assert refused.errors == [
        "festival.timezone: unknown time zone 'Asia/Nowhere'; use an IANA name like "
        "'Asia/Shanghai'",
        "enterprises[0].skus: missing; this field is required",
        "festival.prime_slots[0]: '20:00' is the start of no slot (slots start at 10:00, 19:00)",
        "enterprises[1].town: unknown town 'dayongg' (did you mean 'dayong'?)",
        "streamers[0].platforms[0]: unknown platform 'weibo'",
    ]
    assert refused.more is None


def test_a_broken_main_venue_does_not_read_as_a_missing_one() -> None:
    doc = _with("venues.0.studios", 0)
    doc["towns"][0]["neighbours"] = ["atlantis"]
    refused = _refusal(doc)
    assert refused.errors == [
        "venues[0].studios: Input should be greater than or equal to 1",
        "towns[0].neighbours[0]: unknown town 'atlantis'",
    ]
    assert refused.more is None


def test_cross_references_wait_for_a_broken_slot_grid_and_say_so() -> None:
    doc = _with("festival.slots", [{"start": "10:00"}])
    doc["towns"][0]["neighbours"] = ["atlantis"]
    refused = _refusal(doc)
    assert refused.errors == ["festival.slots[0].end: missing; this field is required"]
    assert refused.more == (
        "(the cross-references are checked once these are fixed: more errors may follow)"
    )
    assert str(refused).endswith(refused.more)


def test_festival_duplicate_ids_refused() -> None:
    doc = copy.deepcopy(BASE)
    doc["enterprises"].append(copy.deepcopy(doc["enterprises"][0]))
    doc["towns"].append({"id": "shaxi", "name": "again"})
    assert _errors(doc) == [
        "towns[3].id: duplicate id 'shaxi' (first at towns[0])",
        "enterprises[1].id: duplicate id 'ruiang' (first at enterprises[0])",
    ]


def test_festival_two_main_venues_refused() -> None:
    doc = copy.deepcopy(BASE)
    doc["venues"][1]["kind"] = "main"
    assert _errors(doc) == [
        "venues[1].kind: a second main venue (venues[0] is main); exactly one venue may be `kind: main`"
    ]


def test_festival_no_main_venue_refused() -> None:
    doc = copy.deepcopy(BASE)
    doc["venues"][0]["kind"] = "sub"
    assert _errors(doc) == ["venues: no venue has `kind: main`; mark exactly one as the main venue"]


def test_festival_two_sub_venues_in_one_town_accepted() -> None:
    # the format now allows several sub-venues per town (Guangzhou's 1+11+N)
    doc = copy.deepcopy(BASE)
    doc["venues"].append({"id": "b2", "kind": "sub", "name": "x", "town": "shaxi", "studios": 1})
    f = parse_festival(doc)
    assert [v.id for v in f.allowed_venues(f.enterprise["ruiang"])] == ["main", "shaxi-base", "b2"]


def test_festival_overlapping_slots_refused() -> None:
    doc = _with(
        "festival.slots", [{"start": "10:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}]
    )
    doc["festival"]["prime_slots"] = []
    assert _errors(doc) == ["festival.slots[1]: 11:00-13:00 overlaps slot 0 (10:00-12:00)"]


def test_festival_unordered_slots_refused() -> None:
    doc = _with(
        "festival.slots", [{"start": "19:00", "end": "21:00"}, {"start": "10:00", "end": "12:00"}]
    )
    assert _errors(doc) == [
        "festival.slots[1]: starts 10:00, before slot 0 (19:00); list slots in time order"
    ]


def test_festival_end_before_start_refused() -> None:
    doc = _with("festival.slots", [{"start": "12:00", "end": "10:00"}])
    doc["festival"]["prime_slots"] = []
    assert _errors(doc) == ["festival.slots[0]: end 10:00 is not after start 12:00"]


def test_festival_time_outside_day_refused() -> None:
    doc = _with("festival.slots", [{"start": "23:00", "end": "25:00"}])
    doc["festival"]["prime_slots"] = []
    assert _errors(doc) == [
        'festival.slots[0].end: \'25:00\' is not a time of day; write it as "HH:MM", e.g. "19:00"'
    ]


def test_festival_unavailable_not_a_day_or_slot_refused() -> None:
    doc = copy.deepcopy(BASE)
    doc["enterprises"][0]["unavailable"] = ["2020-06-09", "2020-06-06T11:00", "tomorrow"]
    doc["venues"][1]["closed"] = ["2020-06-07T19:00"]
    assert _errors(doc) == [
        "enterprises[0].unavailable[0]: 2020-06-09 is not a festival day (2020-06-06, 2020-06-07)",
        "enterprises[0].unavailable[1]: no slot starts at 11:00 (slots start at 10:00, 19:00)",
        "enterprises[0].unavailable[2]: 'tomorrow' is neither a day (YYYY-MM-DD) nor a slot start "
        "(YYYY-MM-DDTHH:MM)",
    ]


def test_festival_prime_slot_not_a_slot_start_refused() -> None:
    assert _errors(_with("festival.prime_slots", ["20:00"])) == [
        "festival.prime_slots[0]: '20:00' is the start of no slot (slots start at 10:00, 19:00)"
    ]


def test_festival_missing_field_named() -> None:
    doc = copy.deepcopy(BASE)
    del doc["enterprises"][0]["skus"]
    assert _errors(doc) == ["enterprises[0].skus: missing; this field is required"]


def test_festival_wrong_format_refused() -> None:
    assert _errors(_with("format", "citylive/festival@2")) == [
        "format: expected 'citylive/festival@1', got 'citylive/festival@2'"
    ]


def test_festival_unknown_weight_refused() -> None:
    assert _errors(_with("weights", {"clsh": 10})) == [
        "weights.clsh: unknown weight (did you mean 'clash'?); known: value, prime, clash, "
        "showcase, fairness, fit, stability, freshness"
    ]


def test_festival_bad_time_zone_refused() -> None:
    assert _errors(_with("festival.timezone", "China/Zhongshan")) == [
        "festival.timezone: unknown time zone 'China/Zhongshan'; use an IANA name like 'Asia/Shanghai'"
    ]


def test_festival_bad_id_refused() -> None:
    assert _errors(_with("festival.id", "ZS 2020")) == [
        "festival.id: 'ZS 2020' may use only a-z, 0-9 and '-'"
    ]


def test_festival_unquoted_yaml_times_and_dates_read_as_written(tmp_path: Path) -> None:
    text = yaml.safe_dump(BASE, allow_unicode=True)
    text = (
        text.replace("'10:00'", "10:00")
        .replace("'19:00'", "19:00")
        .replace("'2020-06-06'", "2020-06-06")
    )
    assert "start: 10:00" in text and "- 2020-06-06" in text
    # PyYAML's own safe loader would silently read these as 600 and a date:
    plain = yaml.safe_load(text)
    assert plain["festival"]["slots"][0]["start"] == 600
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    f = load_festival(path)
    assert [s.start for s in f.slots] == ["10:00", "19:00"]
    assert f.days[0] == date(2020, 6, 6)
    assert f.info.prime_slots == ["19:00"]


def test_festival_numeric_time_in_json_refused() -> None:
    doc = _with("festival.slots", [{"start": 600, "end": "12:00"}])
    doc["festival"]["prime_slots"] = []
    assert _errors(doc) == [
        'festival.slots[0].start: got the number 600; write times as quoted strings like "10:00"'
    ]


def test_festival_unquoted_platform_number_read_as_name() -> None:
    text = yaml.safe_dump(BASE, allow_unicode=True).replace("- '1688'", "- 1688")
    assert "- 1688" in text
    assert load_festival_text(text).platforms == ["douyin", "1688"]


def test_festival_json_with_bom_accepted(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(BASE, ensure_ascii=False).encode("utf-8"))
    assert load_festival(path).id == "t-1"


def test_festival_empty_file_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("  \n", encoding="utf-8")
    with pytest.raises(FestivalFileError) as info:
        load_festival(path)
    assert info.value.errors == [
        f"{path}: the file is empty; write a `citylive/festival@1` festival file"
    ]


def test_festival_not_yaml_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("festival: [unclosed\n  towns: {\n", encoding="utf-8")
    with pytest.raises(FestivalFileError) as info:
        load_festival(path)
    assert len(info.value.errors) == 1
    assert info.value.errors[0].startswith(f"{path}:2:8: not valid YAML or JSON: expected")


def test_festival_scalar_document_refused() -> None:
    with pytest.raises(FestivalFileError) as info:
        load_festival_text("just some words", "x.yaml")
    assert info.value.errors == [
        "x.yaml: expected a `citylive/festival@1` mapping at the top level, found str"
    ]


def test_festival_not_utf8_refused(tmp_path: Path) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes("名字: 中山".encode("gbk"))
    with pytest.raises(FestivalFileError) as info:
        load_festival(path)
    assert info.value.errors == [
        f"{path}: not UTF-8 text (byte 0); save the festival file as UTF-8"
    ]


def test_festival_example_files_valid(example_path: Path, small_path: Path) -> None:
    f = load_festival(example_path)
    assert (len(f.towns), len(f.enterprises), len(f.streamers), len(f.days)) == (23, 300, 80, 3)
    assert f.requested_sessions() == 532
    assert f.main_venue.id == "main"
    assert f.venue["shaxi-1688-base"].studios == 17
    for named in (
        "vatti",
        "homa",
        "yage-locks",
        "jindian-atom",
        "juhao-lighting",
        "electrite",
        "ruiang",
    ):
        assert named in f.enterprise
    assert f.streamer["ren-jing"].agency == "玄度科技"
    assert sum(1 for s in f.streamers if s.employer == "vatti") == 8
    s = load_festival(small_path)
    assert (len(s.towns), len(s.enterprises), len(s.streamers)) == (4, 5, 4)
