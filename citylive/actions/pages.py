"""What the web pages show: the public programme, a coordinator's portal, the organisers'
overview.  Read-only; the portal's decisions go through actions/decisions.py."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

import models
from citylive.errors import NotFound
from citylive.festival.storage import list_festivals
from citylive.schedule.grouping import Row, district_key, programme_rows
from citylive.schedule.publish import Names, names_of
from citylive.scope import Actor, festival_visible, require_festival
from citylive.session_queries import (
    SessionFilter,
    TownConfirmations,
    confirmations_by_town,
    list_sessions,
)
from models._types import utcnow
from models.enums import LIVE_STATUSES, DecisionAction, SessionStatus


def theme_names(festival: models.Festival) -> dict[str, str]:
    """Theme id -> name (themed showcase blocks), from the festival's stored info."""
    return {t["id"]: t["name"] for t in (festival.info or {}).get("themes", [])}


def public_festivals(*, db: Session) -> list[models.Festival]:
    """Every festival's programme is public: ids and names (documents not loaded)."""
    return list_festivals(db)


@dataclass
class Programme:
    festival: models.Festival
    names: Names
    days: list[date]
    day: date
    slots: list[dict[str, str]]
    venues: list[models.Venue]
    grid: dict[tuple[str, int], list[dict[str, Any]]]
    town: str | None
    industry: str | None
    count: int
    rows: list[Row] = field(default_factory=list)  # venues with district and town headings
    district: str | None = None


def programme(
    *,
    db: Session,
    festival_id: str,
    day: date | None = None,
    town: str | None = None,
    industry: str | None = None,
    district: str | None = None,
) -> Programme:
    """One day of the festival's printed programme: venues down (by district and town where
    the city has districts), slots across (public)."""
    festival = require_festival(db, Actor.system("public"), festival_id)
    names = names_of(db=db, festival_id=festival_id)
    info = festival.info or {}
    days = [date.fromisoformat(str(d)) for d in info.get("days", [])]
    slots = [{"start": s["start"], "end": s["end"]} for s in info.get("slots", [])]
    day = day if day in days else days[0]  # a festival has at least one day
    town = town if town in names.towns else None
    industry = industry if industry in names.industries else None
    district = district if district in names.districts else None
    rows, _ = list_sessions(
        db=db,
        festival_id=festival_id,
        filters=SessionFilter(
            day=day,
            town=town,
            industry=industry,
            district=district,
            statuses=tuple(sorted(LIVE_STATUSES)),
        ),
    )
    venues = list(
        db.exec(
            select(models.Venue)
            .where(models.Venue.festival_id == festival_id)
            .order_by(col(models.Venue.kind), col(models.Venue.id))
        )
    )
    slot_of = {s["start"]: i for i, s in enumerate(slots)}
    themes = theme_names(festival)
    grid: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for s in rows:
        i = slot_of.get(s.start.astimezone(names.tz).strftime("%H:%M"), s.slot)
        grid[(s.venue, i)].append(
            {
                "id": s.id,
                "studio": s.studio,
                "enterprise": names.enterprises.get(s.enterprise, s.enterprise),
                "streamer": names.streamers.get(s.streamer, s.streamer),
                "platform": s.platform,
                "status": s.status,
                "theme": themes.get(s.theme or ""),
            }
        )
    for cell in grid.values():
        cell.sort(key=lambda x: x["studio"])
    return Programme(
        festival=festival,
        names=names,
        days=days,
        day=day,
        slots=slots,
        venues=venues,
        grid=dict(grid),
        town=town,
        industry=industry,
        count=len(rows),
        rows=programme_rows(venues, names, district),
        district=district,
    )


def _festival_for(db: Session, actor: Actor, requested: str | None) -> models.Festival:
    """The festival a signed-in page shows: the token's own, the one asked for, or the one
    changed last."""
    if actor.festival_id is not None:
        return require_festival(db, actor, actor.festival_id)
    if requested:
        return require_festival(db, actor, requested)
    newest = [f for f in list_festivals(db) if festival_visible(actor, f.id)]
    if not newest:
        raise NotFound("no festival is stored yet", field="festival")
    return require_festival(db, actor, max(newest, key=lambda f: f.updated_at).id)


def _deadline(festival: models.Festival, names: Names) -> tuple[str | None, bool]:
    deadline = festival.confirmation_deadline
    if deadline is None:
        return None, False
    return deadline.astimezone(names.tz).strftime("%Y-%m-%d %H:%M"), utcnow() > deadline


@dataclass
class Portal:
    festival: models.Festival
    festivals: list[models.Festival]
    town_name: str
    by_day: list[tuple[date, list[dict[str, Any]]]]
    counts: TownConfirmations | None
    deadline: str | None
    deadline_passed: bool
    session_ids: set[str] = field(default_factory=set)
    district_name: str | None = None  # the coordinator's town's district, where it has one
    names: Names | None = None  # the festival's names, for the page's festival day


def portal(
    *, db: Session, actor: Actor, festival_id: str | None = None, town: str | None = None
) -> Portal:
    """A coordinator's sessions by day, with the counts and the deadline; an organiser's
    view of one town's (`town`)."""
    festival = _festival_for(db, actor, festival_id)
    names = names_of(db=db, festival_id=festival.id)
    if actor.is_organiser and town not in names.towns:
        raise NotFound(f"no town {town!r} in festival {festival.id}", field="town")
    town = town if actor.is_organiser else actor.town
    rows, _ = list_sessions(db=db, festival_id=festival.id, filters=SessionFilter(town=town))
    themes = theme_names(festival)
    reasons = _decline_reasons(db, festival.id, town)
    by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for s in rows:
        start = s.start.astimezone(names.tz)
        by_day[start.date()].append(
            {
                "id": s.id,
                "time": f"{start:%H:%M}–{s.end.astimezone(names.tz):%H:%M}",
                "venue": names.venues.get(s.venue, s.venue),
                "studio": s.studio,
                "enterprise": names.enterprises.get(s.enterprise, s.enterprise),
                "streamer": names.streamers.get(s.streamer, s.streamer),
                "platform": s.platform,
                "status": s.status,
                "theme": themes.get(s.theme or ""),
                "reason": reasons.get(s.id) if s.status == SessionStatus.declined else None,
            }
        )
    counts = confirmations_by_town(db=db, festival_id=festival.id, town=town)
    deadline, passed = _deadline(festival, names)
    festivals = (
        [f for f in list_festivals(db) if festival_visible(actor, f.id)]
        if actor.festival_id is None
        else [festival]
    )
    return Portal(
        festival=festival,
        festivals=festivals,
        town_name=names.towns.get(town or "", town or ""),
        by_day=sorted(by_day.items()),
        counts=counts[0] if counts else None,
        deadline=deadline,
        deadline_passed=passed,
        session_ids={s.id for s in rows},
        district_name=names.district_of(actor.town),
        names=names,
    )


def _decline_reasons(db: Session, festival_id: str, town: str | None) -> dict[str, str]:
    """Each declined session's reason: that of its latest applied decline, or `expire` for a
    session declined for silence at the deadline (the page words that itself)."""
    D = models.Decision
    query = (
        select(D.session_id, D.reason, D.action)
        .where(
            D.festival_id == festival_id,
            D.outcome == "applied",
            col(D.action).in_([DecisionAction.decline.value, DecisionAction.expire.value]),
        )
        .order_by(col(D.at), col(D.id))
    )
    if town is not None:
        query = query.where(D.town == town)
    return {
        sid: "expire" if action == DecisionAction.expire.value else reason
        for sid, reason, action in db.exec(query)
        if reason
    }


@dataclass
class Overview:
    festival: models.Festival
    festivals: list[models.Festival]
    lines: list[TownConfirmations]
    totals: dict[str, int]
    deadline: str | None
    districts: dict[str, str] = field(default_factory=dict)  # id -> name; empty: none
    district: str | None = None  # the district the organiser filtered by


def overview(
    *, db: Session, actor: Actor, festival_id: str | None = None, district: str | None = None
) -> Overview:
    """Confirmations per town for the organisers: by district, then town, where the city has
    districts (`district`: only its towns)."""
    festival = _festival_for(db, actor, festival_id)
    names = names_of(db=db, festival_id=festival.id)
    district = district if district in names.districts else None
    lines = confirmations_by_town(db=db, festival_id=festival.id, district=district)
    lines.sort(key=lambda x: (district_key(names, x.town), x.town))
    totals = {
        k: sum(getattr(x, k) for x in lines)
        for k in (SessionStatus.proposed, SessionStatus.confirmed, SessionStatus.declined)
    }
    return Overview(
        festival=festival,
        festivals=[f for f in list_festivals(db) if festival_visible(actor, f.id)],
        lines=lines,
        totals={str(k): v for k, v in totals.items()},
        deadline=_deadline(festival, names)[0],
        districts=names.districts,
        district=district,
    )


def session_status(*, db: Session, actor: Actor, session_id: str) -> str | None:
    """The status of one of the actor's sessions (for the portal's message after a
    decision), or None when it is not one of theirs."""
    row = db.get(models.FestivalSession, session_id) if len(session_id) <= 96 else None
    if row is None or not festival_visible(actor, row.festival_id):
        return None
    if not actor.is_organiser and row.town != actor.town:
        return None
    return str(row.status)
