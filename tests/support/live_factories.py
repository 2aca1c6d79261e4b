"""Factories for the festival-day tests: the festival tests/live/day.yaml (the small festival with two more
streamers) and seven confirmed sessions that keep every hard rule, released as version 1;
an API on SQLite and on PostgreSQL with an organiser's and two coordinators' tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import models
from citylive.festival import Festival, load_festival
from citylive.festival.storage import import_festival
from citylive.schedule.release import current_document
from support.factories import add_session

DAY_FILE = Path(__file__).resolve().parents[1] / "live" / "day.yaml"
DFID = "day-2020"
TZ = ZoneInfo("Asia/Shanghai")

# (n, enterprise, streamer, platform, venue, studio, day index, slot index); slots 10:00,
# 14:00, 19:00, 21:00 on 2020-06-06 (day 0) and 2020-06-07 (day 1)
DAY_SESSIONS = [
    (1, "huayi", "li-ming", "douyin", "main", 1, 0, 2),  # guzhen, 06-06 19:00
    (2, "juhao", "chen-hua", "pdd", "guzhen-venue", 1, 0, 2),  # guzhen, 06-06 19:00
    (3, "ruiang", "ren-jing", "douyin", "shaxi-base", 1, 0, 2),  # shaxi, 06-06 19:00
    (4, "shaxi-denim", "chen-hua", "1688", "shaxi-base", 2, 1, 2),  # shaxi, 06-07 19:00
    (5, "henglan-light", "li-ming", "pdd", "main", 2, 1, 1),  # henglan, 06-07 14:00
    (6, "huayi", "huayi-host", "taobao", "guzhen-venue", 1, 1, 0),  # guzhen, 06-07 10:00
    (7, "ruiang", "ren-jing", "douyin", "main", 2, 1, 2),  # shaxi, 06-07 19:00
]


def dsid(n: int) -> str:
    return f"{DFID}-s{n:05d}"


def local(text: str) -> datetime:
    """A wall-clock time of the festival (`2020-06-06 19:10`) as an aware datetime."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ)


def seed_day(db: Session) -> Festival:
    festival = load_festival(DAY_FILE)
    import_festival(db, festival)
    for n, *rest in DAY_SESSIONS:
        add_session(db, festival, n, *rest, status="confirmed")  # type: ignore[arg-type]
    row = db.get(models.Festival, festival.id)
    assert row is not None
    row.current_version = 1
    db.add(row)
    placed: dict[str, int] = {}
    for _n, enterprise, *_rest in DAY_SESSIONS:
        placed[enterprise] = placed.get(enterprise, 0) + 1
    for req in db.exec(
        select(models.SessionRequest).where(models.SessionRequest.festival_id == DFID)
    ):
        req.placed = placed.get(req.enterprise_id, 0)
        db.add(req)
    db.flush()
    doc = current_document(db=db, festival_id=festival.id)
    db.add(
        models.ScheduleVersion(
            festival_id=festival.id, version=1, document=doc.dump(), stats={}, changes={}
        )
    )
    db.commit()
    return festival


@dataclass
class DayApi:
    client: TestClient
    engine: Engine
    festival: Festival
    organiser: dict[str, str]
    guzhen: dict[str, str]
    shaxi: dict[str, str]

    def post(self, path: str, who: dict[str, str], body: object = None) -> object:
        return self.client.post(f"/api/v1{path}", headers=who, json=body)

    def get(self, path: str, who: dict[str, str]) -> object:
        return self.client.get(f"/api/v1{path}", headers=who)
