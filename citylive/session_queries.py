"""Reading the current schedule's sessions: filters, pages, and confirmation counts per town."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import defer
from sqlmodel import Session, col, func, select

import models
from models.enums import SessionStatus


@dataclass(frozen=True)
class SessionFilter:
    """Every filter is an exact match; None means "any"."""

    town: str | None = None
    venue: str | None = None
    day: date | None = None
    industry: str | None = None
    enterprise: str | None = None
    streamer: str | None = None
    status: SessionStatus | None = None
    statuses: tuple[SessionStatus, ...] = field(default=())
    district: str | None = None  # the sessions of the towns of this district


def _where(query: Any, festival_id: str, f: SessionFilter) -> Any:
    S = models.FestivalSession
    query = query.where(col(S.festival_id) == festival_id)
    for column, value in (
        (S.town, f.town),
        (S.venue, f.venue),
        (S.day, f.day),
        (S.industry, f.industry),
        (S.enterprise, f.enterprise),
        (S.streamer, f.streamer),
        (S.status, f.status.value if f.status else None),
    ):
        if value is not None:
            query = query.where(col(column) == value)
    if f.statuses:
        query = query.where(col(S.status).in_([s.value for s in f.statuses]))
    if f.district is not None:
        query = query.where(col(S.town).in_(_towns_of(festival_id, f.district)))
    return query


def _towns_of(festival_id: str, district: str) -> Any:
    T = models.Town
    return select(T.id).where(col(T.festival_id) == festival_id, col(T.district_id) == district)


def list_sessions(
    *,
    db: Session,
    festival_id: str,
    filters: SessionFilter = SessionFilter(),
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[models.FestivalSession], int]:
    """One page of sessions in programme order, and how many match in all."""
    S = models.FestivalSession
    count = db.exec(_where(select(func.count()).select_from(S), festival_id, filters)).one()
    query = _where(select(S), festival_id, filters).order_by(
        col(S.start), col(S.venue), col(S.studio), col(S.id)
    )
    if offset:
        query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(db.exec(query)), int(count)


def festival_zone(db: Session, festival_id: str) -> ZoneInfo:
    tz = db.exec(select(models.Festival.timezone).where(models.Festival.id == festival_id)).first()
    return ZoneInfo(tz or "Asia/Shanghai")


def festival_brief(db: Session, festival_id: str) -> models.Festival | None:
    """The festival's row without its (large) document, which loads only if touched."""
    return db.exec(
        select(models.Festival)
        .where(models.Festival.id == festival_id)
        .options(defer(models.Festival.document))  # type: ignore[arg-type]
    ).first()


def session_public(row: models.FestivalSession, tz: ZoneInfo) -> models.SessionPublic:
    """The schedule file's fields, times in the festival's own offset, plus town and industry."""
    return models.SessionPublic(
        id=row.id,
        festival=row.festival_id,
        enterprise=row.enterprise,
        streamer=row.streamer,
        platform=row.platform,
        venue=row.venue,
        studio=row.studio,
        start=row.start.astimezone(tz),
        end=row.end.astimezone(tz),
        status=SessionStatus(row.status),
        town=row.town,
        industry=row.industry,
        version=row.version,
        theme=row.theme,
    )


@dataclass
class TownConfirmations:
    town: str
    name: str
    district: str | None = None
    proposed: int = 0
    confirmed: int = 0
    declined: int = 0
    cancelled: int = 0

    @property
    def total(self) -> int:
        """Sessions the town's coordinator decides on (cancelled ones are out of play)."""
        return self.proposed + self.confirmed + self.declined


def confirmations_by_town(
    *, db: Session, festival_id: str, town: str | None = None, district: str | None = None
) -> list[TownConfirmations]:
    """How many sessions each town has confirmed, declined and left waiting (proposed);
    `district`: only its towns."""
    towns_q = select(models.Town).where(models.Town.festival_id == festival_id)
    if town is not None:
        towns_q = towns_q.where(models.Town.id == town)
    if district is not None:
        towns_q = towns_q.where(models.Town.district_id == district)
    out = {
        t.id: TownConfirmations(town=t.id, name=t.name, district=t.district_id)
        for t in db.exec(towns_q.order_by(col(models.Town.id)))
    }
    S = models.FestivalSession
    counts = select(S.town, S.status, func.count()).where(S.festival_id == festival_id)
    if town is not None:
        counts = counts.where(S.town == town)
    if district is not None:
        counts = counts.where(col(S.town).in_(_towns_of(festival_id, district)))
    for town_id, status, n in db.exec(counts.group_by(S.town, S.status)):
        line = out.setdefault(town_id, TownConfirmations(town=town_id, name=town_id))
        if status in set(SessionStatus):
            setattr(line, status, int(n))
    return list(out.values())
