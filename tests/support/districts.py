"""The small festival with two districts: 西部组团 (west: guzhen, henglan) and 中心组团
(centre: shiqi), shaxi in none; a district venue for the west and 华艺's own live rooms.

Same id as examples/small.yaml (small-2020), so the sales data sets build on it unchanged."""

from __future__ import annotations

from typing import Any

import yaml
from sqlmodel import Session

import models
from citylive.festival import Festival, SlotRef, parse_festival
from citylive.festival.storage import import_festival
from citylive.schedule.document import ScheduleDocument, ScheduledSession
from support.factories import SMALL_SESSIONS, add_session
from support.sales_factories import SMALL

DISTRICTS = [
    {"id": "west", "name": "西部组团", "towns": ["guzhen", "henglan"]},
    {"id": "centre", "name": "中心组团", "towns": ["shiqi"]},
]
EXTRA_VENUES = [
    {"id": "west-hall", "kind": "district", "district": "west", "name": "西部分会场", "studios": 1},
    {"id": "huayi-rooms", "kind": "own", "enterprise": "huayi", "name": "华艺直播间", "studios": 1},
]


def districts_doc() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(SMALL.read_text(encoding="utf-8"))
    doc["districts"] = DISTRICTS
    doc["venues"] = doc["venues"] + EXTRA_VENUES
    return doc


def districts_festival() -> Festival:
    return parse_festival(districts_doc(), "districts.yaml")


# SMALL_SESSIONS of tests/support/factories.py, with 华艺's taobao session (2) in its own
# rooms and 钜豪's (3) at the west's district venue
MOVED = {2: "huayi-rooms", 3: "west-hall"}


def seed_districts(db: Session, statuses: dict[int, str] | None = None) -> Festival:
    """The district festival imported with the six sessions (version 1)."""
    festival = districts_festival()
    import_festival(db, festival)
    for n, ent, st, platform, venue, studio, day, slot in SMALL_SESSIONS:
        status = (statuses or {}).get(n, "proposed")
        place, room = (MOVED[n], 1) if n in MOVED else (venue, studio)
        add_session(db, festival, n, ent, st, platform, place, room, day, slot, status)
    row = db.get(models.Festival, festival.id)
    assert row is not None
    row.current_version = 1
    db.add(row)
    db.commit()
    return festival


def districts_schedule(festival: Festival) -> ScheduleDocument:
    """The six sessions of seed_districts as a schedule document (all proposed)."""
    sessions = []
    for n, ent, st, platform, venue, studio, day, slot in SMALL_SESSIONS:
        place, room = (MOVED[n], 1) if n in MOVED else (venue, studio)
        ref = SlotRef(day, slot)
        sessions.append(
            ScheduledSession(
                id=f"{festival.id}-s{n:05d}",
                enterprise=ent,
                streamer=st,
                platform=platform,
                venue=place,
                studio=room,
                start=festival.slot_start(ref),
                end=festival.slot_end(ref),
            )
        )
    return ScheduleDocument(festival=festival.id, sessions=sessions)
