"""The planner's soft goals on festivals small enough to know the answer: fairness as a weight
and a floor (and the price of fairness), themed blocks, streamer freshness, progress."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from citylive.festival import DEFAULT_WEIGHTS, Festival, parse_festival, read_document
from citylive.planner import SolveProgress
from citylive.planner import plan as plan_document
from citylive.planner.stats import schedule_stats
from citylive.schedule.checker import check_schedule

SMALL = Path(__file__).resolve().parents[2] / "examples" / "small.yaml"


def plan(festival: Festival, **options: Any) -> dict:
    return plan_document(festival, **{"time_limit": 3.0, "workers": 1, **options}).dump()


def two_towns(**extra: Any) -> Festival:
    """One main studio, one streamer with a session a day on two days: room for two
    sessions, asked three: Guzhen's valuable enterprise twice, Henglan's once."""
    doc: dict[str, Any] = {
        "format": "citylive/festival@1",
        "festival": {
            "id": "two-towns",
            "name": "两镇",
            "days": ["2020-06-06", "2020-06-07"],
            "slots": [{"start": "19:00", "end": "21:00"}],
            "prime_slots": ["19:00"],
            "min_skus_per_session": 5,
        },
        "towns": [{"id": "guzhen", "name": "古镇"}, {"id": "henglan", "name": "横栏"}],
        "industries": [{"id": "lighting", "name": "灯饰"}],
        "platforms": ["douyin"],
        "venues": [
            {"id": "main", "kind": "main", "name": "主会场", "town": "guzhen", "studios": 1}
        ],
        "enterprises": [
            {
                "id": "huayi",
                "name": "华艺",
                "town": "guzhen",
                "industry": "lighting",
                "sessions": 2,
                "skus": 10,
                "platforms": ["douyin"],
                "expected_gmv": 300000,
            },
            {
                "id": "henglan-light",
                "name": "横栏灯饰",
                "town": "henglan",
                "industry": "lighting",
                "sessions": 1,
                "skus": 10,
                "platforms": ["douyin"],
                "expected_gmv": 50000,
            },
        ],  # fmt: skip
        "streamers": [
            {
                "id": "li-ming",
                "name": "李明",
                "town": "guzhen",
                "industries": ["lighting"],
                "platforms": ["douyin"],
                "max_sessions_per_day": 1,
            }
        ],  # fmt: skip
    }
    doc.update(extra)
    return parse_festival(doc)


VALUE_FIRST = {"value": 600_000, "min_town_share": 0.0, "prime_value": 600_000}
FAIR = {"value": 350_000, "min_town_share": 0.5, "prime_value": 350_000}


def _figures(row: dict) -> dict:
    return {k: row[k] for k in ("fairness", "value", "min_town_share", "prime_value")}


def test_plan_without_weights_puts_value_first() -> None:
    festival = two_towns()
    assert festival.weights == DEFAULT_WEIGHTS and festival.min_share is None
    doc = plan(festival)
    assert check_schedule(festival, doc) == []
    st = doc["stats"]
    assert (st["value"], st["lowest_town_share"]) == (600_000, 0.0)
    assert st["fairness"] == {"weight": 2000, "min_share": None}
    assert [(s["enterprise"], s["start"][:10]) for s in doc["sessions"]] == [
        ("huayi", "2020-06-06"),
        ("huayi", "2020-06-07"),
    ]
    assert doc["unplaced"] == [
        {
            "enterprise": "henglan-light",
            "count": 1,
            "reason": "no streamer fits industry 'lighting' on platform 'douyin' in any free "
            "slot: 1 fitting streamer, each booked, at the daily limit, unavailable or "
            "declined then",
        }
    ]


def test_plan_tradeoffs_show_the_price_of_fairness() -> None:
    doc = plan(two_towns())
    assert [_figures(t) for t in doc["tradeoffs"]] == [
        {"fairness": "none", **VALUE_FIRST},
        {"fairness": "default", **VALUE_FIRST},
        {"fairness": "floor 0.5", **FAIR},
        {"fairness": "strong", **FAIR},
    ]
    assert [(t["weight"], t.get("min_share")) for t in doc["tradeoffs"]] == [
        (0, None),
        (2000, None),
        (2000, 0.5),
        (50_000, None),
    ]
    assert all(t["clash_pairs"] == 0 and t["placed"] == 2 for t in doc["tradeoffs"])


def test_plan_fairness_floor_gives_each_town_its_share() -> None:
    festival = two_towns(fairness={"min_share": 0.5})
    doc = plan(festival)
    assert check_schedule(festival, doc) == []
    st = doc["stats"]
    assert (st["value"], st["lowest_town_share"]) == (350_000, 0.5)
    assert sorted(s["enterprise"] for s in doc["sessions"]) == ["henglan-light", "huayi"]
    assert [_figures(t) for t in doc["tradeoffs"]][:2] == [
        {"fairness": "none", **VALUE_FIRST},
        {"fairness": "default", **FAIR},
    ]


def test_plan_strong_fairness_weight_outweighs_value() -> None:
    doc = plan(two_towns(weights={"fairness": 50_000}))
    assert (doc["stats"]["value"], doc["stats"]["lowest_town_share"]) == (350_000, 0.5)


def test_plan_fairness_weight_zero_is_value_alone() -> None:
    doc = plan(two_towns(weights={"fairness": 0}))
    assert (doc["stats"]["value"], doc["stats"]["lowest_town_share"]) == (600_000, 0.0)
    assert doc["stats"]["fairness"] == {"weight": 0, "min_share": None}


# ------------------------------------------------------------------ themed blocks


def themed_small(studios: int = 1) -> Festival:
    doc = read_document(SMALL)
    doc["themes"] = [
        {
            "id": "guangdu",
            "name": "灯都之夜",
            "industries": ["lighting"],
            "slots": ["2020-06-06T19:00", "2020-06-06T21:00", "2020-06-07T19:00"],
            "studios": studios,
        }
    ]
    return parse_festival(doc)


def test_plan_fills_the_themed_block_with_its_industry() -> None:
    festival = themed_small()
    doc = plan(festival)
    assert check_schedule(festival, doc) == []
    block = [s for s in doc["sessions"] if s.get("theme")]
    assert [(s["start"][:16], s["venue"], s["studio"], s["industry"]) for s in block] == [
        ("2020-06-06T19:00", "main", 1, "lighting"),
        ("2020-06-06T21:00", "main", 1, "lighting"),
        ("2020-06-07T19:00", "main", 1, "lighting"),
    ]
    # the block's studio holds nothing else; the other studio holds the rest
    in_block_slots = [
        s
        for s in doc["sessions"]
        if s["venue"] == "main"
        and s["start"][:16] in ("2020-06-06T19:00", "2020-06-06T21:00", "2020-06-07T19:00")
    ]
    assert all((s["studio"] == 1) == (s.get("theme") == "guangdu") for s in in_block_slots)
    st = doc["stats"]
    assert (st["placed"], st["value"], st["themed_sessions"]) == (10, 1_670_000, {"guangdu": 3})


def test_plan_themed_block_keeps_other_industries_out() -> None:
    # both main studios are the block's at 2020-06-06 19:00: no apparel session there
    festival = themed_small(studios=2)
    doc = plan(festival)
    assert check_schedule(festival, doc) == []
    at_block = [
        s for s in doc["sessions"] if s["venue"] == "main" and s["start"][:16] == "2020-06-06T19:00"
    ]
    assert at_block and {s["industry"] for s in at_block} == {"lighting"}
    assert {s["theme"] for s in at_block} == {"guangdu"}


# ------------------------------------------------------------------ S8 freshness


def one_streamer_day(streamers: int) -> Festival:
    """An enterprise asking two sessions on one day, with one or two streamers."""
    doc = read_document(SMALL)
    doc["festival"]["days"] = ["2020-06-06"]
    doc["enterprises"] = [
        {"id": "huayi", "name": "华艺", "town": "guzhen", "industry": "lighting", "sessions": 2,
         "skus": 20, "platforms": ["douyin"], "expected_gmv": 300000}
    ]  # fmt: skip
    doc["streamers"] = [
        {"id": f"host-{i}", "name": f"主播{i}", "town": "guzhen", "industries": ["lighting"],
         "platforms": ["douyin"], "max_sessions_per_day": 2}
        for i in range(1, streamers + 1)
    ]  # fmt: skip
    return parse_festival(doc)


def test_plan_streamer_does_not_sell_for_one_enterprise_twice_a_day() -> None:
    doc = plan(one_streamer_day(streamers=2))
    assert sorted(s["streamer"] for s in doc["sessions"]) == ["host-1", "host-2"]
    assert doc["stats"]["freshness"] == {"same_enterprise_day": 0, "same_industry_in_a_row": 0}
    assert doc["stats"]["freshness_repeats"] == 0


def test_plan_reports_a_repeat_it_cannot_avoid() -> None:
    doc = plan(one_streamer_day(streamers=1))
    assert [s["streamer"] for s in doc["sessions"]] == ["host-1", "host-1"]
    assert doc["stats"]["freshness"] == {"same_enterprise_day": 1, "same_industry_in_a_row": 0}
    assert doc["stats"]["freshness_repeats"] == 1


def test_plan_streamer_changes_industry_between_sessions() -> None:
    # one streamer who knows both industries, two lighting and two apparel enterprises,
    # one day of four slots: lighting, apparel, lighting, apparel (or the other way round)
    doc = read_document(SMALL)
    doc["festival"]["days"] = ["2020-06-06"]
    doc["venues"][2]["closed"] = []
    doc["enterprises"] = [
        {"id": e, "name": e, "town": town, "industry": ind, "sessions": 1, "skus": 10,
         "platforms": ["douyin"], "expected_gmv": 100000}
        for e, town, ind in [("l1", "guzhen", "lighting"), ("l2", "guzhen", "lighting"),
                             ("a1", "shaxi", "apparel"), ("a2", "shaxi", "apparel")]
    ]  # fmt: skip
    doc["streamers"] = [
        {"id": "ren-jing", "name": "任静", "town": "shaxi", "industries": ["apparel", "lighting"],
         "platforms": ["douyin"], "max_sessions_per_day": 4}
    ]  # fmt: skip
    festival = parse_festival(doc)
    out = plan(festival)
    assert check_schedule(festival, out) == []
    seq = [s["industry"] for s in sorted(out["sessions"], key=lambda s: s["start"])]
    assert len(seq) == 4 and all(a != b for a, b in zip(seq, seq[1:], strict=False))
    assert out["stats"]["freshness_repeats"] == 0


def test_stats_count_freshness_repeats_exactly() -> None:
    festival = parse_festival(read_document(SMALL))

    def s(e: str, st: str, when: str) -> dict:
        return {"enterprise": e, "streamer": st, "venue": "guzhen-venue", "status": "proposed",
                "start": f"2020-06-06T{when}:00+08:00"}  # fmt: skip

    doc = {
        "sessions": [
            # chen-hua knows lighting and apparel: huayi twice (a repeat), then juhao (the
            # same industry in a row), then ruiang (a change)
            s("huayi", "chen-hua", "10:00"),
            s("huayi", "chen-hua", "14:00"),
            s("juhao", "chen-hua", "19:00"),
            s("ruiang", "chen-hua", "21:00"),
            # li-ming knows only lighting: the same industry in a row is no repeat for him
            s("henglan-light", "li-ming", "10:00"),
            s("juhao", "li-ming", "14:00"),
        ]
    }
    st = schedule_stats(festival, doc)
    assert st["freshness"] == {"same_enterprise_day": 1, "same_industry_in_a_row": 1}
    assert st["freshness_repeats"] == 2


# ------------------------------------------------------------------ progress


def test_plan_reports_progress_by_stage() -> None:
    seen: list[SolveProgress] = []
    doc = plan(parse_festival(read_document(SMALL)), progress=seen.append)
    stages = [p.stage for p in seen]
    assert stages[0] == "prepare" and "warm start" in stages and stages[-1] == "tradeoffs"
    assert stages.count("tradeoffs") == 4
    assert [p.elapsed for p in seen] == sorted(p.elapsed for p in seen)
    finish = next(p for p in seen if p.stage == "finish")
    assert finish.value == doc["stats"]["value"] == 1_670_000
    assert finish.objective == doc["stats"]["objective"]


def test_plan_with_every_weight_zero_still_keeps_the_rules() -> None:
    doc = read_document(SMALL)
    doc["weights"] = {k: 0 for k in DEFAULT_WEIGHTS}
    festival = parse_festival(copy.deepcopy(doc))
    out = plan(festival)
    assert check_schedule(festival, out) == []
    # nothing is worth anything, yet the refill still places what fits
    assert (out["stats"]["placed"], [(u["enterprise"], u["count"]) for u in out["unplaced"]]) == (
        9,
        [("shaxi-denim", 1)],
    )
