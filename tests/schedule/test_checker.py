"""The schedule validator: a schedule breaking exactly one hard rule gives exactly its line."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from citylive.festival import Festival, load_festival, parse_festival, read_document
from citylive.schedule.checker import check_schedule

SMALL = Path(__file__).resolve().parents[2] / "examples" / "small.yaml"


def _s(
    sid: str, e: str, st: str, p: str, v: str, studio: int, when: str, status: str = "proposed"
) -> dict:
    start = {"10:00": "12:00", "14:00": "16:00", "19:00": "21:00", "21:00": "23:00"}
    day, hhmm = when.split(" ")
    return {
        "id": sid,
        "enterprise": e,
        "streamer": st,
        "platform": p,
        "venue": v,
        "studio": studio,
        "start": f"{day}T{hhmm}:00+08:00",
        "end": f"{day}T{start[hhmm]}:00+08:00",
        "status": status,
    }


BASE = [
    _s("s1", "huayi", "huayi-host", "douyin", "main", 1, "2020-06-06 19:00"),
    _s("s2", "ruiang", "ren-jing", "douyin", "main", 2, "2020-06-06 19:00"),
    _s("s3", "juhao", "li-ming", "pdd", "guzhen-venue", 1, "2020-06-06 10:00"),
]


def _doc(*extra: dict, base: list[dict] | None = None) -> dict:
    return {
        "format": "citylive/schedule@1",
        "festival": "small-2020",
        "version": 1,
        "sessions": copy.deepcopy(base if base is not None else BASE) + list(extra),
        "unplaced": [],
    }


@pytest.fixture(scope="module")
def small() -> Festival:
    return load_festival(SMALL)


def test_check_base_schedule_keeps_every_rule(small: Festival) -> None:
    assert check_schedule(small, _doc()) == []


def test_check_h1_two_sessions_in_one_studio(small: Festival) -> None:
    s4 = _s("s4", "shaxi-denim", "chen-hua", "1688", "main", 1, "2020-06-06 19:00")
    assert check_schedule(small, _doc(s4)) == [
        "H1 studio: main studio 1 at 2020-06-06 19:00 holds 2 sessions: s1, s4"
    ]


def test_check_h2_streamer_in_two_places_at_once(small: Festival) -> None:
    s4 = _s("s4", "shaxi-denim", "chen-hua", "1688", "shaxi-base", 1, "2020-06-06 14:00")
    s5 = _s("s5", "juhao", "chen-hua", "pdd", "guzhen-venue", 2, "2020-06-06 14:00")
    assert check_schedule(small, _doc(s4, s5)) == [
        "H2 streamer: chen-hua has 2 sessions at 2020-06-06 14:00: s4, s5"
    ]


def test_check_h2_streamer_over_daily_limit(small: Festival) -> None:
    s4 = _s("s4", "huayi", "li-ming", "douyin", "guzhen-venue", 1, "2020-06-06 14:00")
    s5 = _s("s5", "juhao", "li-ming", "pdd", "guzhen-venue", 1, "2020-06-06 21:00")
    assert check_schedule(small, _doc(s4, s5)) == [
        "H2 streamer: li-ming has 3 sessions on 2020-06-06, more than max_sessions_per_day 2"
    ]


def test_check_h2_streamer_without_time_to_travel(small: Festival) -> None:
    s4 = _s("s4", "juhao", "li-ming", "pdd", "main", 1, "2020-06-06 14:00")
    assert check_schedule(small, _doc(s4)) == [
        "H2 streamer: li-ming goes from guzhen-venue (s3, 2020-06-06 10:00) to main "
        "(s4, 2020-06-06 14:00) with no free slot between"
    ]


def test_check_h3_enterprise_twice_in_one_slot(small: Festival) -> None:
    s4 = _s("s4", "huayi", "li-ming", "douyin", "guzhen-venue", 2, "2020-06-06 19:00")
    assert check_schedule(small, _doc(s4)) == [
        "H3 enterprise: huayi has 2 sessions at 2020-06-06 19:00: s1, s4"
    ]


def test_check_h3_more_sessions_than_asked(small: Festival) -> None:
    s4 = _s("s4", "shaxi-denim", "chen-hua", "1688", "shaxi-base", 1, "2020-06-06 14:00")
    s5 = _s("s5", "shaxi-denim", "chen-hua", "1688", "shaxi-base", 1, "2020-06-07 14:00")
    assert check_schedule(small, _doc(s4, s5)) == [
        "H3 enterprise: shaxi-denim has 2 sessions, asked for 1"
    ]


def test_check_h3_venue_of_another_town(small: Festival) -> None:
    base = copy.deepcopy(BASE)
    base[2] = _s("s3", "juhao", "li-ming", "pdd", "shaxi-base", 1, "2020-06-06 14:00")
    assert check_schedule(small, _doc(base=base)) == [
        "H3 venue: session s3 of juhao (town guzhen) is at shaxi-base, which is neither its "
        "town's sub-venue nor the main venue"
    ]


def test_check_h3_neighbour_sub_venue_allowed_without_own(small: Festival) -> None:
    # henglan has no sub-venue; its neighbour guzhen has one
    s4 = _s("s4", "henglan-light", "li-ming", "pdd", "guzhen-venue", 2, "2020-06-07 10:00")
    s5 = _s("s5", "henglan-light", "chen-hua", "pdd", "main", 1, "2020-06-07 19:00")
    assert check_schedule(small, _doc(s4, s5)) == []


def test_check_h4_enterprise_unavailable(small: Festival) -> None:
    s4 = _s("s4", "henglan-light", "li-ming", "pdd", "main", 1, "2020-06-06 21:00")
    assert check_schedule(small, _doc(s4)) == [
        "H4 availability: session s4 at 2020-06-06 21:00: enterprise henglan-light is unavailable"
    ]


def test_check_h4_streamer_unavailable(small: Festival) -> None:
    s4 = _s("s4", "shaxi-denim", "chen-hua", "1688", "shaxi-base", 1, "2020-06-07 21:00")
    assert check_schedule(small, _doc(s4)) == [
        "H4 availability: session s4 at 2020-06-07 21:00: streamer chen-hua is unavailable"
    ]


def test_check_h4_venue_closed(small: Festival) -> None:
    s4 = _s("s4", "shaxi-denim", "chen-hua", "1688", "shaxi-base", 1, "2020-06-06 10:00")
    assert check_schedule(small, _doc(s4)) == [
        "H4 availability: session s4 at 2020-06-06 10:00: venue shaxi-base is closed"
    ]


def test_check_h5_streamer_does_not_know_industry(small: Festival) -> None:
    s4 = _s("s4", "huayi", "ren-jing", "douyin", "guzhen-venue", 1, "2020-06-07 10:00")
    assert check_schedule(small, _doc(s4)) == [
        "H5 fit: session s4: streamer ren-jing does not know industry lighting"
    ]


def test_check_h5_platform_not_common(small: Festival) -> None:
    s4 = _s("s4", "ruiang", "chen-hua", "douyin", "shaxi-base", 1, "2020-06-07 10:00")
    assert check_schedule(small, _doc(s4)) == [
        "H5 fit: session s4: platform 'douyin' is not in the platforms of both ruiang and chen-hua"
    ]


def test_check_h6_in_house_streamer_for_another_enterprise(small: Festival) -> None:
    s4 = _s("s4", "henglan-light", "huayi-host", "douyin", "main", 1, "2020-06-07 10:00")
    assert check_schedule(small, _doc(s4)) == [
        "H6 in-house: session s4: streamer huayi-host serves only huayi, not henglan-light"
    ]


def test_check_h7_more_sessions_a_day_than_products_allow() -> None:
    data = read_document(SMALL)
    for e in data["enterprises"]:
        if e["id"] == "ruiang":
            e["skus"] = 10  # 2 sessions a day at 5 SKUs each
    festival = parse_festival(data)
    s4 = _s("s4", "ruiang", "chen-hua", "1688", "shaxi-base", 1, "2020-06-06 14:00")
    s5 = _s("s5", "ruiang", "chen-hua", "1688", "shaxi-base", 1, "2020-06-06 21:00")
    assert check_schedule(festival, _doc(s4, s5)) == [
        "H7 supply: ruiang has 3 sessions on 2020-06-06; 10 SKUs allow 2 a day"
    ]


def test_check_h8_town_without_main_venue_session(small: Festival) -> None:
    base = copy.deepcopy(BASE)
    base[1] = _s("s2", "ruiang", "ren-jing", "douyin", "shaxi-base", 1, "2020-06-06 19:00")
    assert check_schedule(small, _doc(base=base)) == [
        "H8 one city: town shaxi has 1 placed session and none at the main venue main"
    ]


def test_check_declined_and_cancelled_sessions_take_no_part(small: Festival) -> None:
    s4 = _s("s4", "shaxi-denim", "chen-hua", "1688", "main", 1, "2020-06-06 19:00", "declined")
    s5 = _s("s5", "huayi", "li-ming", "douyin", "main", 1, "2020-06-06 19:00", "cancelled")
    assert check_schedule(small, _doc(s4, s5)) == []


def test_check_unknown_names_and_off_grid_times(small: Festival) -> None:
    s4 = _s("s4", "nobody", "li-ming", "pdd", "main", 1, "2020-06-07 10:00")
    s5 = _s("s5", "juhao", "li-ming", "pdd", "main", 9, "2020-06-07 10:00")
    s6 = _s("s6", "juhao", "li-ming", "pdd", "main", 2, "2020-06-07 10:00")
    s6["start"] = "2020-06-07T11:00:00+08:00"
    doc = _doc(s4, s5, s6)
    doc["festival"] = "other-fest"
    assert check_schedule(small, doc) == [
        "schedule: written for festival 'other-fest', not 'small-2020'",
        "session s4: unknown enterprise 'nobody'",
        "session s5: venue main has no studio 9",
        "session s6: 2020-06-07T11:00:00+08:00 to 2020-06-07T12:00:00+08:00 is not one slot of "
        "the festival",
    ]


def test_check_unplaced_count_against_requests(small: Festival) -> None:
    doc = _doc()
    doc["unplaced"] = [{"enterprise": "huayi", "count": 2, "reason": "x"}]
    assert check_schedule(small, doc) == [
        "unplaced: huayi has 1 placed and 2 unplaced, asked for 2"
    ]


def _themed(studios: int = 1) -> Festival:
    data = read_document(SMALL)
    data["themes"] = [
        {"id": "guangdu", "name": "灯都之夜", "industries": ["lighting"],
         "slots": ["2020-06-06T19:00"], "studios": studios},
    ]  # fmt: skip
    return parse_festival(data)


def test_check_theme_block_with_its_sessions_keeps_every_rule() -> None:
    base = copy.deepcopy(BASE)
    base[0]["theme"] = "guangdu"  # huayi (lighting) in main studio 1 at 19:00
    assert check_schedule(_themed(), _doc(base=base)) == []


def test_check_theme_block_studio_holding_another_industry() -> None:
    base = copy.deepcopy(BASE)
    base[0]["studio"], base[1]["studio"] = 2, 1  # ruiang (apparel) now in the block's studio
    assert check_schedule(_themed(), _doc(base=base)) == [
        "Theme guangdu: main studio 1 at 2020-06-06 19:00 belongs to the block, but session s2 "
        "(apparel) does not carry the theme"
    ]


def test_check_theme_session_outside_its_block_or_industry() -> None:
    base = copy.deepcopy(BASE)
    base[1]["theme"] = "guangdu"  # ruiang: apparel, in main studio 2, outside the block
    base[2]["theme"] = "nowhere"
    base[0]["theme"] = "guangdu"
    assert check_schedule(_themed(), _doc(base=base)) == [
        "Theme guangdu: session s2 carries the theme but sits outside its block (main studio 2 "
        "at 2020-06-06 19:00)",
        "Theme guangdu: session s2 sells apparel, not one of the block's industries (lighting)",
        "Theme: session s3 names unknown theme 'nowhere'",
    ]


def test_check_two_blocks_of_one_slot_take_studios_in_file_order() -> None:
    data = read_document(SMALL)
    data["themes"] = [
        {"id": "guangdu", "name": "灯都", "industries": ["lighting"],
         "slots": ["2020-06-06T19:00"], "studios": 1},
        {"id": "fuzhuang", "name": "服装", "industries": ["apparel"],
         "slots": ["2020-06-06T19:00"], "studios": 1},
    ]  # fmt: skip
    festival = parse_festival(data)
    base = copy.deepcopy(BASE)
    base[0]["theme"], base[1]["theme"] = "guangdu", "fuzhuang"
    assert check_schedule(festival, _doc(base=base)) == []
    base[0]["studio"], base[1]["studio"] = 2, 1
    assert check_schedule(festival, _doc(base=base)) == [
        "Theme guangdu: session s1 carries the theme but sits outside its block (main studio 2 "
        "at 2020-06-06 19:00)",
        "Theme fuzhuang: session s2 carries the theme but sits outside its block (main studio 1 "
        "at 2020-06-06 19:00)",
    ]
