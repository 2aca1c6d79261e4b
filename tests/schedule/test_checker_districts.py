"""The checker's H3 and H8 with districts, district venues and own rooms."""

from __future__ import annotations

from typing import Any

from citylive.festival import parse_festival
from citylive.planner import plan
from citylive.schedule.checker import check_schedule
from tests.festival.test_districts import _doc


def _session(i: int, ent: str, venue: str, day: str, start: str, end: str) -> dict[str, Any]:
    return {
        "id": f"s{i}", "enterprise": ent, "streamer": "ren-jing", "platform": "douyin",
        "venue": venue, "studio": 1, "start": f"{day}T{start}:00+08:00",
        "end": f"{day}T{end}:00+08:00", "status": "proposed",
    }  # fmt: skip


def test_check_districts_own_rooms_of_another_enterprise_and_district_h8() -> None:
    f = parse_festival(_doc())
    doc = {
        "format": "citylive/schedule@1", "festival": "t-1", "version": 1, "unplaced": [],
        "sessions": [_session(1, "dy-1", "ruiang-rooms", "2020-06-06", "10:00", "12:00"),
                     _session(2, "ruiang", "west-hall", "2020-06-07", "19:00", "21:00")],
    }  # fmt: skip
    assert check_schedule(f, doc) == [
        "H3 venue: session s1 of dy-1 is at ruiang-rooms, the own rooms of ruiang",
        "H8 one city: town dayong has 1 placed session and none at the main venue main",
        "H8 one city: town shaxi has 1 placed session and none at the main venue main",
        "H8 one city: district west-d has 2 placed sessions and none at the main venue main",
    ]


def test_plan_districts_keeps_every_rule() -> None:
    f = parse_festival(_doc())
    schedule = plan(f, time_limit=3.0, workers=1)
    doc = schedule.dump()
    assert check_schedule(f, doc) == []
    placed = [s for s in doc["sessions"] if s["status"] == "proposed"]
    assert len(placed) == 4
    assert all(s["enterprise"] == "ruiang" for s in placed if s["venue"] == "ruiang-rooms")
    assert {s["enterprise"] for s in placed if s["venue"] == "main"} == {"ruiang", "dy-1"}
