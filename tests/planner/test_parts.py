"""The master allocation of a plan in parts: parts, main-venue studios, streamer-days, and
each part's own festival file."""

from __future__ import annotations

from citylive.festival import parse_festival
from citylive.planner.parts import (
    make_parts,
    part_document,
    split_main,
    split_streamers,
)
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
