"""The master allocation of a plan in parts: parts, main-venue studios, streamer-days, and
each part's own festival file."""

from __future__ import annotations

import time

from citylive.festival import parse_festival
from citylive.planner.data import build_problem
from citylive.planner.exchange import exchange, main_for_every_town
from citylive.planner.greedy import refill, scorer_for
from citylive.planner.inparts import _document
from citylive.planner.master import h8_pins, master_flow, studio_bound
from citylive.planner.parts import (
    make_parts,
    part_document,
    split_main,
    split_streamers,
)
from citylive.planner.settings import town_counts
from citylive.planner.state import Placed, State
from citylive.schedule.checker import check_schedule
from tests.planner.test_parts_dask import _festival


def test_parts_master_splits_main_venue_and_streamer_days() -> None:
    doc = _festival()
    doc["enterprises"] = [e for e in doc["enterprises"] if e["town"] != "d"] + [
        e | {"id": f"{e['id']}x"} for e in doc["enterprises"] if e["town"] == "a"
    ]
    f = parse_festival(doc)
    parts = make_parts(f, 4000)
    assert [(pt.name, pt.towns, pt.requests) for pt in parts] == [
        ("d1", ["a", "b"], 18), ("d2", ["c", "d"], 6),
    ]  # fmt: skip
    split_main(f, parts)
    assert [pt.main_studios for pt in parts] == [3, 1]
    split_streamers(f, parts)
    days = {pt.name: sum(len(d) for d in pt.streamer_days.values()) for pt in parts}
    # 8 streamers x 2 days, near three to one like the requests (home parts tip one day)
    assert days == {"d1": 11, "d2": 5}
    sub = parse_festival(
        part_document(f, f.doc.model_dump(mode="json", exclude_none=True), parts[1])
    )
    assert [v.id for v in sub.venues] == ["main", "d2-hall", "c-1", "d-1"]
    assert sub.main_venue.studios == 1
    assert {e.town for e in sub.enterprises} == {"c"}
    assert sum(len(s.unavailable) for s in sub.streamers) == len(sub.streamers) * 2 - 5


def test_parts_city_without_districts_in_two_parts() -> None:
    doc = _festival()
    del doc["districts"]
    doc["venues"] = [v for v in doc["venues"] if v["kind"] != "district"]
    f = parse_festival(doc)
    parts = make_parts(f, 4000)
    assert [(pt.name, pt.towns, pt.requests) for pt in parts] == [
        ("towns-1", ["a", "b"], 12), ("towns-2", ["c", "d"], 12),
    ]  # fmt: skip


def _studio_bound_festival() -> dict:
    """Only the main venue (3 studios) and the towns' own sub-venues: d1 asks for more
    sessions (many of little value), d2 for fewer that are worth far more than its own
    studios can hold."""
    doc = _festival()
    doc["venues"] = [
        v | ({"studios": 3} if v["kind"] == "main" else {})
        for v in doc["venues"]
        if v["kind"] in ("main", "sub")
    ]
    c0 = next(e for e in doc["enterprises"] if e["town"] == "c")
    doc["enterprises"] += [
        c0 | {"id": f"c-big{i}", "expected_gmv": 90000 + 1000 * i} for i in range(6)
    ]
    doc["enterprises"] += [
        e | {"id": f"{e['id']}y{k}", "expected_gmv": 1000 + k}
        for e in doc["enterprises"]
        if e["town"] in ("a", "b")
        for k in range(3)
    ]
    return doc


def test_master_flow_splits_main_venue_by_marginal_value() -> None:
    f = parse_festival(_studio_bound_festival())
    parts = make_parts(f, 4000)
    assert [(pt.name, pt.requests) for pt in parts] == [("d1", 48), ("d2", 24)]
    p = build_problem(f)
    # H8 first: each town's most valuable enterprise, one main-venue slot each in turn
    assert h8_pins(p) == {"a-e2": 0, "b-e2": 1, "c-big5": 2, "d-e2": 3}
    master = master_flow(p, {t: pt.name for pt in parts for t in pt.towns})
    assert master.main_units == {"d1": 5, "d2": 13}
    assert master.placed == {("d1", "apparel"): 23, ("d2", "apparel"): 24}
    assert master.value == 1_601_021
    # the bound (no pinning) is above the pinned flow by what H8's pins cost the flow
    assert studio_bound(p) == 1_602_024
    split_main(f, parts)
    assert [pt.main_studios for pt in parts] == [2, 1]  # by requests
    split_main(f, parts, master)
    assert [pt.main_studios for pt in parts] == [1, 2]  # by what the studios can carry
    split_streamers(f, parts, master)
    days = {pt.name: sum(len(d) for d in pt.streamer_days.values()) for pt in parts}
    assert days == {"d1": 7, "d2": 9}


def test_exchange_gives_studio_slots_to_more_valuable_requests_and_to_a_floor() -> None:
    f = parse_festival(_studio_bound_festival())
    p = build_problem(f)
    state = State(p)
    scorer = scorer_for(state)
    gmv = {e.id: e.expected_gmv for e in f.enterprises}

    def value() -> int:
        return sum(gmv[pl.enterprise] for pl in state.sessions)

    # the least valuable first: studios and streamers go to the requests worth least
    assert refill(state, scorer, key=lambda e: (gmv[e], e)) == 33
    assert value() == 70_024
    assert [e for e in gmv if e.startswith("c-big") and state.remaining(e)] == [
        f"c-big{i}" for i in range(6)
    ]
    assert exchange(state, scorer, time.monotonic() + 60) == (34, 1_457_992)
    assert (len(state), value()) == (40, 1_528_016)
    assert not any(state.remaining(e) for e in gmv if e.startswith("c-big"))
    # every hard rule holds, H8 included (town d's first session went to the main venue)
    assert check_schedule(f, _document(p, state)[0]) == []
    assert town_counts(p, state) == {"a": 10, "b": 10, "c": 18, "d": 2}
    # a floor of half the requests: towns a, b and d take places of town c's sessions
    assert exchange(state, scorer, time.monotonic() + 60, floor=0.5) == (5, -188_992)
    assert town_counts(p, state) == {"a": 12, "b": 12, "c": 13, "d": 3}
    assert check_schedule(f, _document(p, state)[0]) == []


def test_main_for_every_town_takes_a_main_studio_from_a_town_with_two() -> None:
    f = parse_festival(_studio_bound_festival())
    p = build_problem(f)
    state = State(p)
    scorer = scorer_for(state)
    gmv = {e.id: e.expected_gmv for e in f.enterprises}
    refill(state, scorer, key=lambda e: (gmv[e], e))
    # the main venue full (3 studios x 6 slots), towns a and b there, c and d nowhere
    assert sum(1 for pl in state.sessions if pl.venue == "main") == 18
    assert dict(scorer.main_town) == {"a": 12, "b": 6, "c": 0, "d": 0}
    # town d gets a session at its own sub-venue (a streamer freed from town a)
    freed = next(pl for pl in state.sessions if (pl.enterprise, pl.g) == ("a-e0y2", 3))
    state.remove(freed)
    scorer.add(freed, -1)
    assert state.can_place("d-e2", "s3", "d-1", 3)
    scorer.add(state.place(Placed("d-e2", "s3", "d-1", 3)))
    assert len(check_schedule(f, _document(p, state)[0])) == 2  # H8: town d and district d2
    assert main_for_every_town(state, scorer) == 1
    assert dict(scorer.main_town) == {"a": 11, "b": 6, "c": 0, "d": 1}
    assert town_counts(p, state) == {"a": 19, "b": 12, "c": 0, "d": 2}
    assert check_schedule(f, _document(p, state)[0]) == []
