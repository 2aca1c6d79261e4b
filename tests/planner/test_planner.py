"""The planner on known festivals: exact results, unplaced reasons, re-planning and refusals."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from citylive.festival import Festival, load_festival, parse_festival, read_document
from citylive.planner import PlanError
from citylive.planner import plan as plan_document
from citylive.planner.capacity import capacity_report
from citylive.schedule import load_schedule
from citylive.schedule.checker import check_schedule


def plan(festival, previous=None, **options):  # type: ignore[no-untyped-def]
    """The planner on the JSON a user reads and writes."""
    prev = load_schedule(previous) if previous is not None else None
    return plan_document(festival, previous=prev, **options).dump()


SMALL = Path(__file__).resolve().parents[2] / "examples" / "small.yaml"


def small_doc() -> dict[str, Any]:
    return read_document(SMALL)


def festival_with(change) -> Festival:  # noqa: ANN001 - a function editing the document
    doc = small_doc()
    change(doc)
    return parse_festival(doc)


@pytest.fixture(scope="module")
def small() -> Festival:
    return load_festival(SMALL)


@pytest.fixture(scope="module")
def small_plan(small: Festival) -> dict:
    return plan(small, time_limit=5.0, workers=1)


def test_plan_small_places_every_request_proven_optimal(small: Festival, small_plan: dict) -> None:
    doc = small_plan
    assert check_schedule(small, doc) == []
    assert (doc["format"], doc["festival"], doc["version"]) == (
        "citylive/schedule@1",
        "small-2020",
        1,
    )
    st = doc["stats"]
    assert (st["placed"], st["requested"], st["value"]) == (10, 10, 1_670_000)
    assert st["solver_status"] == "OPTIMAL"
    assert st["objective"] == st["bound"]
    assert doc["unplaced"] == []
    assert st["towns_missing_main"] == [] and st["lowest_town_share"] == 1.0
    assert [s["id"] for s in sorted(doc["sessions"], key=lambda s: s["id"])] == [
        f"small-2020-s{n:05d}" for n in range(1, 11)
    ]


def test_plan_small_sessions_have_every_field(small_plan: dict) -> None:
    s = small_plan["sessions"][0]
    assert set(s) >= {
        "id",
        "enterprise",
        "streamer",
        "platform",
        "venue",
        "studio",
        "start",
        "end",
        "status",
    }
    assert s["status"] == "proposed"
    assert s["start"].endswith("+08:00") and s["end"].endswith("+08:00")


def test_plan_time_limit_zero_refused(small: Festival) -> None:
    with pytest.raises(PlanError, match="the time limit must be more than 0 seconds, got 0"):
        plan(small, time_limit=0)
    with pytest.raises(PlanError, match="got -1"):
        plan(small, time_limit=-1)


def test_plan_unplaced_when_no_streamer_knows_industry() -> None:
    def change(doc: dict) -> None:
        doc["industries"].append({"id": "plants", "name": "花木"})
        doc["enterprises"].append(
            {"id": "orchid", "name": "兰花", "town": "guzhen", "industry": "plants", "sessions": 2,
             "skus": 10, "platforms": ["douyin"], "expected_gmv": 90000}
        )  # fmt: skip

    festival = festival_with(change)
    doc = plan(festival, time_limit=5.0, workers=1)
    assert check_schedule(festival, doc) == []
    assert doc["unplaced"] == [
        {
            "enterprise": "orchid",
            "count": 2,
            "reason": "no streamer fits industry 'plants' on platform 'douyin'",
        }
    ]
    assert doc["stats"]["placed"] == 10


def test_plan_unplaced_when_too_few_products() -> None:
    def change(doc: dict) -> None:
        doc["enterprises"][4]["skus"] = 3  # shaxi-denim: below min_skus_per_session 5

    festival = festival_with(change)
    doc = plan(festival, time_limit=5.0, workers=1)
    assert doc["unplaced"] == [
        {
            "enterprise": "shaxi-denim",
            "count": 1,
            "reason": "3 SKUs are fewer than min_skus_per_session (5): not one session can show "
            "enough products",
        }
    ]


def test_plan_unplaced_when_fitting_streamers_are_booked() -> None:
    def change(doc: dict) -> None:
        # one apparel streamer left, one session a day on douyin; three apparel requests on two days
        doc["streamers"] = [s for s in doc["streamers"] if s["id"] != "chen-hua"]
        doc["enterprises"] = [
            e for e in doc["enterprises"] if e["id"] in ("ruiang", "shaxi-denim", "huayi")
        ]

    festival = festival_with(change)
    doc = plan(festival, time_limit=5.0, workers=1)
    assert check_schedule(festival, doc) == []
    assert doc["unplaced"] == [
        {
            "enterprise": "ruiang",
            "count": 1,
            "reason": "no streamer fits industry 'apparel' on platforms 'douyin', '1688' in any free "
            "slot: 1 fitting streamer, each booked, at the daily limit, unavailable or declined then",
        },
        {
            "enterprise": "shaxi-denim",
            "count": 1,
            "reason": "no streamer fits industry 'apparel' on platform '1688'",
        },
    ]


def test_plan_infeasible_town_plans_the_rest_and_explains() -> None:
    def change(doc: dict) -> None:
        for e in doc["enterprises"]:
            if e["town"] == "shaxi":
                e["platforms"] = ["taobao"]  # no apparel streamer sells on taobao

    festival = festival_with(change)
    doc = plan(festival, time_limit=5.0, workers=1)
    assert check_schedule(festival, doc) == []
    assert doc["stats"]["placed"] == 6
    assert [(u["enterprise"], u["count"]) for u in doc["unplaced"]] == [
        ("ruiang", 3),
        ("shaxi-denim", 1),
    ]
    assert {u["reason"] for u in doc["unplaced"]} == {
        "no streamer fits industry 'apparel' on platform 'taobao'"
    }
    assert doc["stats"]["lowest_town_share"] == 0.0


def _decide(doc: dict, statuses: dict[str, str]) -> dict:
    out = copy.deepcopy(doc)
    for s in out["sessions"]:
        s["status"] = statuses.get(s["id"], s["status"])
    return out


def test_replan_keeps_confirmed_and_never_repeats_a_declined_pairing(
    small: Festival, small_plan: dict
) -> None:
    ids = sorted(s["id"] for s in small_plan["sessions"])
    declined_id = ids[0]
    statuses = {sid: "confirmed" for sid in ids[1:6]} | {declined_id: "declined"}
    previous = _decide(small_plan, statuses)
    again = plan(small, previous=previous, time_limit=5.0, workers=1)
    assert again["version"] == 2
    assert check_schedule(small, again) == []
    old = {s["id"]: s for s in previous["sessions"]}
    new = {s["id"]: s for s in again["sessions"]}
    keys = ("enterprise", "streamer", "platform", "venue", "studio", "start", "end", "status")
    for sid in ids[1:6]:
        assert {k: new[sid][k] for k in keys} == {k: old[sid][k] for k in keys}
    assert new[declined_id]["status"] == "declined"
    d = old[declined_id]
    live = [s for s in again["sessions"] if s["status"] in ("proposed", "confirmed")]
    assert not any(
        (s["enterprise"], s["streamer"], s["start"]) == (d["enterprise"], d["streamer"], d["start"])
        for s in live
    )
    # the declined enterprise keeps its request: still 10 placed, nothing unplaced
    assert (again["stats"]["placed"], again["unplaced"]) == (10, [])
    # the four sessions still proposed did not move
    assert again["stats"]["moved"] == 0


def test_replan_refuses_schedule_of_another_festival(small: Festival, small_plan: dict) -> None:
    other = dict(small_plan, festival="zs-2020-06")
    with pytest.raises(PlanError, match="belongs to festival 'zs-2020-06', not 'small-2020'"):
        plan(small, previous=other, time_limit=1.0)


def test_replan_refuses_unknown_sessions(small: Festival, small_plan: dict) -> None:
    prev = copy.deepcopy(small_plan)
    prev["sessions"][0]["enterprise"] = "ghost"
    prev["sessions"][1]["start"] = "2020-06-06T11:00:00+08:00"
    with pytest.raises(PlanError) as exc:
        plan(small, previous=prev, time_limit=1.0)
    msg = str(exc.value)
    assert "unknown enterprise 'ghost'" in msg
    assert "start '2020-06-06T11:00:00+08:00' is no slot of this festival" in msg


def test_replan_refuses_two_confirmed_in_one_studio_slot(small: Festival, small_plan: dict) -> None:
    prev = copy.deepcopy(small_plan)
    a, b = prev["sessions"][0], prev["sessions"][1]
    for k in ("venue", "studio", "start", "end"):
        b[k] = a[k]
    a["status"] = b["status"] = "confirmed"
    with pytest.raises(PlanError, match=f"sessions {a['id']} and {b['id']} are both confirmed in"):
        plan(small, previous=prev, time_limit=1.0)


def test_plan_example_keeps_every_rule_and_beats_the_floor(example_path: Path) -> None:
    import sys

    sys.path.insert(0, str(example_path.parent.parent))
    from bench.baselines import greedy_floor, streamer_flow_bound
    from citylive.planner import schedule_stats

    festival = load_festival(example_path)
    doc = plan(festival, time_limit=6.0, workers=2)
    assert check_schedule(festival, doc) == []
    floor = schedule_stats(festival, greedy_floor(festival))
    st = doc["stats"]
    assert st["value"] >= floor["value"]
    assert st["value"] >= 0.97 * streamer_flow_bound(festival)
    assert st["clash_pairs"] < floor["clash_pairs"]
    assert st["towns_missing_main"] == [] and floor["towns_missing_main"] != []
    placed = sum(1 for s in doc["sessions"] if s["status"] == "proposed")
    assert placed + sum(u["count"] for u in doc["unplaced"]) == festival.requested_sessions()


def test_capacity_shortage_of_streamers_on_a_platform_in_words() -> None:
    def change(doc: dict) -> None:
        for e in doc["enterprises"]:
            if e["industry"] == "lighting":
                e["platforms"] = ["pdd"]
                e["sessions"] = 3

    report = capacity_report(festival_with(change))
    # li-ming: 2 a day on 2 days; chen-hua: 2 a day on 2 days (one slot off on the second)
    assert [(x.key, x.requested, x.supply) for x in report.by_industry_platform] == [
        ("lighting on pdd", 9, 8),
        ("apparel on 1688", 1, 4),
    ]
    assert "lighting on pdd: 9 sessions asked, 8 streamer-slots can serve them" in report.shortages
