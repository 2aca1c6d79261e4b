"""Reading the schedule: sessions filtered and paged, one session, and what is published from
them (calendar feeds, the workbook), always within the actor's scope."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlmodel import Session

import models
from citylive.errors import Invalid
from citylive.schedule.publish import calendar_ics, schedule_workbook
from citylive.scope import Actor, require_festival, require_session, town_filter
from citylive.session_queries import SessionFilter, festival_zone, list_sessions, session_public

MAX_PAGE = 1000
MAX_OFFSET = 10_000_000


@dataclass
class SessionsPage:
    data: list[models.SessionPublic]
    count: int


def sessions(
    *,
    db: Session,
    actor: Actor,
    festival_id: str,
    filters: SessionFilter = SessionFilter(),
    limit: int | None = None,
    offset: int = 0,
) -> SessionsPage:
    """One page of sessions in programme order (a coordinator: only its own town's)."""
    if limit is not None and not 1 <= limit <= MAX_PAGE:
        raise Invalid(f"limit is 1 to {MAX_PAGE}", field="limit")
    if not 0 <= offset <= MAX_OFFSET:
        raise Invalid(f"offset is 0 to {MAX_OFFSET:,}", field="offset")
    require_festival(db, actor, festival_id)
    scoped = replace(filters, town=town_filter(actor, filters.town))
    rows, count = list_sessions(
        db=db, festival_id=festival_id, filters=scoped, limit=limit, offset=offset
    )
    tz = festival_zone(db, festival_id)
    return SessionsPage([session_public(r, tz) for r in rows], count)


def session(*, db: Session, actor: Actor, session_id: str) -> models.SessionPublic:
    row = require_session(db, actor, session_id)
    return session_public(row, festival_zone(db, row.festival_id))


@dataclass
class Export:
    body: bytes
    name: str  # a file name: the festival and the filters, unsafe characters replaced later


def _export_name(festival_id: str, filters: SessionFilter) -> str:
    parts = [festival_id] + [
        v
        for v in (
            filters.district,
            filters.town,
            filters.venue,
            filters.enterprise,
            filters.streamer,
        )
        if v
    ]
    return "-".join(parts)


def calendar(
    *, db: Session, actor: Actor, festival_id: str, filters: SessionFilter = SessionFilter()
) -> Export:
    """An iCalendar feed of the sessions in scope (feed tokens may read it)."""
    require_festival(db, actor, festival_id)
    scoped = replace(filters, town=town_filter(actor, filters.town))
    title = " · ".join(
        [festival_id]
        + [v for v in (scoped.town, scoped.venue, scoped.enterprise, scoped.streamer) if v]
    )
    body = calendar_ics(db=db, festival_id=festival_id, filters=scoped, title=title)
    return Export(body, _export_name(festival_id, scoped) + ".ics")


def workbook(
    *, db: Session, actor: Actor, festival_id: str, filters: SessionFilter = SessionFilter()
) -> Export:
    """The sessions in scope as an Excel workbook."""
    require_festival(db, actor, festival_id)
    scoped = replace(filters, town=town_filter(actor, filters.town))
    body = schedule_workbook(db=db, festival_id=festival_id, filters=scoped)
    return Export(body, _export_name(festival_id, scoped) + ".xlsx")
