"""A session's live state on the festival day: scheduled, live, ended, no_show.

The state is kept apart from the decision status (a confirmed session is still confirmed
when it goes live) in `session_live`; a session without a row there is `scheduled`.  Every
attempt to change it is written to the `decision` audit table with its time and actor, the
same trail as confirmations.  Repeating a change answers `unchanged`; a change the state does
not allow (ending a no-show, say) is a Conflict.  Nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

import models
from citylive.audit import audit_record
from citylive.errors import Conflict, Invalid
from citylive.scope import Actor
from models._types import utcnow
from models.enums import LIVE_STATUSES
from models.live import LiveState, NoShowWho

DEFAULT_LATE_AFTER_MINUTES = 10
MAX_REASON = 2000
L = models.SessionLive

# the states a change may start from; anything else is a Conflict
ALLOWED_FROM = {
    LiveState.live: (LiveState.scheduled, LiveState.no_show),
    LiveState.ended: (LiveState.scheduled, LiveState.live),
    LiveState.no_show: (LiveState.scheduled,),
}
ACTION_OF = {LiveState.live: "live", LiveState.ended: "ended", LiveState.no_show: "no_show"}


@dataclass
class LiveView:
    """What the API shows as a session's `live`."""

    state: str
    started_at: datetime | None = None
    ended_at: datetime | None = None
    no_show_who: str | None = None
    no_show_reason: str | None = None
    replaced_streamer: str | None = None
    replaced_enterprise: str | None = None
    stand_in_at: datetime | None = None
    late: bool = False
    views: int | None = None
    gmv_fen: int | None = None
    figures_at: datetime | None = None

    def public(self, tz: tzinfo | None = None) -> dict[str, object]:
        """Times in the festival's zone (`tz`), as the session's own."""
        out: dict[str, object] = {"state": self.state, "late": self.late}
        for name in ("started_at", "ended_at", "stand_in_at", "figures_at"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value.astimezone(tz).isoformat()
        for name in (
            "no_show_who",
            "no_show_reason",
            "replaced_streamer",
            "replaced_enterprise",
            "views",
        ):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.gmv_fen is not None:
            out["gmv"] = round(self.gmv_fen / 100, 2)
            out["provisional"] = True
        return out


def check_moment(at: datetime) -> None:
    """A moment of a festival: aware, and within the years festivals are held."""
    if at.tzinfo is None:
        raise Invalid("`at` needs a time zone offset, e.g. 2020-06-06T19:02:00+08:00", field="at")
    if not 2000 <= at.year <= 2100:
        raise Invalid("`at` is outside the years 2000-2100", field="at")


def late_after(info: dict | None) -> timedelta:
    minutes = (info or {}).get("late_after_minutes") or DEFAULT_LATE_AFTER_MINUTES
    return timedelta(minutes=int(minutes))


def clock_start(session: models.FestivalSession, live: models.SessionLive | None) -> datetime:
    """When the session should have gone live: its slot's start, or the moment a stand-in
    was taken for it, whichever is later."""
    if live is not None and live.stand_in_at is not None and live.stand_in_at > session.start:
        return live.stand_in_at
    return session.start


def is_late(
    session: models.FestivalSession,
    live: models.SessionLive | None,
    at: datetime,
    grace: timedelta,
) -> bool:
    """Still scheduled more than `grace` after its start (a session on air in the plan)."""
    state = live.state if live is not None else LiveState.scheduled.value
    if state != LiveState.scheduled.value or session.status not in LIVE_STATUSES:
        return False
    return at - clock_start(session, live) > grace


def view(
    session: models.FestivalSession,
    live: models.SessionLive | None,
    at: datetime | None = None,
    grace: timedelta | None = None,
) -> LiveView:
    late = at is not None and grace is not None and is_late(session, live, at, grace)
    if live is None:
        return LiveView(state=LiveState.scheduled.value, late=late)
    return LiveView(
        state=live.state,
        started_at=live.started_at,
        ended_at=live.ended_at,
        no_show_who=live.no_show_who,
        no_show_reason=live.no_show_reason,
        replaced_streamer=live.replaced_streamer,
        replaced_enterprise=live.replaced_enterprise,
        stand_in_at=live.stand_in_at,
        late=late,
        views=live.views,
        gmv_fen=live.gmv_fen,
        figures_at=live.figures_at,
    )


def locked_live(db: Session, session: models.FestivalSession) -> models.SessionLive:
    """The session's live row, created if missing, locked for the rest of the transaction
    (PostgreSQL: the row; SQLite: the one writer), so two changes never interleave."""
    conn = db.connection()
    values = {
        "session_id": session.id,
        "festival_id": session.festival_id,
        "state": LiveState.scheduled.value,
        "row_version": 1,
        "updated_at": utcnow(),
    }
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]

        raw = conn.connection.dbapi_connection
        if raw is not None and not raw.in_transaction:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    conn.execute(insert(L).values(**values).on_conflict_do_nothing(index_elements=["session_id"]))
    row = db.exec(
        select(L)
        .where(col(L.session_id) == session.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return row


def audit(
    db: Session,
    *,
    actor: Actor,
    session: models.FestivalSession,
    action: str,
    outcome: str,
    at: datetime,
    reason: str | None = None,
) -> models.Decision:
    decision = audit_record(
        actor=actor, session=session, action=action, outcome=outcome, at=at, reason=reason
    )
    db.add(decision)
    return decision


def change_state(
    db: Session,
    *,
    actor: Actor,
    session: models.FestivalSession,
    target: LiveState,
    at: datetime | None = None,
    who: str | None = None,
    reason: str | None = None,
) -> tuple[models.SessionLive, str]:
    """Move the session to `target`; returns its live row and `applied` or `unchanged`."""
    now = utcnow()
    at = at or now
    check_moment(at)
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > MAX_REASON:
        raise Invalid(f"the reason is longer than {MAX_REASON} characters", field="reason")
    if target == LiveState.no_show:
        if who not in {w.value for w in NoShowWho}:
            raise Invalid("who did not show: `streamer` or `enterprise`", field="who")
    if session.status not in LIVE_STATUSES:
        raise Conflict(
            f"session {session.id} is {session.status}; only a planned session goes on air",
            field="status",
        )
    live = locked_live(db, session)
    current = LiveState(live.state)
    action = ACTION_OF[target]
    if current == target:
        audit(db, actor=actor, session=session, action=action, outcome="unchanged", at=now)
        return live, "unchanged"
    if current not in ALLOWED_FROM[target]:
        audit(db, actor=actor, session=session, action=action, outcome="conflict", at=now)
        db.flush()
        raise Conflict(
            f"session {session.id} is {current.value}; it cannot be marked {target.value}",
            field="state",
            details={"live": view(session, live).public()},
        )
    live.state = target.value
    if target == LiveState.live:
        live.started_at = at
    elif target == LiveState.ended:
        live.ended_at = at
    else:
        live.no_show_who, live.no_show_reason = who, reason
    live.row_version += 1
    live.updated_at = now
    db.add(live)
    note = reason if target == LiveState.no_show else None
    label = f"{who}: {note}" if target == LiveState.no_show and note else (who or None)
    audit(db, actor=actor, session=session, action=action, outcome="applied", at=at, reason=label)
    db.flush()
    return live, "applied"


def live_rows(db: Session, session_ids: list[str]) -> dict[str, models.SessionLive]:
    out: dict[str, models.SessionLive] = {}
    for i in range(0, len(session_ids), 500):
        chunk = session_ids[i : i + 500]
        out.update(
            {r.session_id: r for r in db.exec(select(L).where(col(L.session_id).in_(chunk)))}
        )
    return out


def festival_live_rows(db: Session, festival_id: str) -> dict[str, models.SessionLive]:
    return {r.session_id: r for r in db.exec(select(L).where(L.festival_id == festival_id))}


def stamp(db: Session, festival_id: str) -> tuple[object, ...]:
    """Changes when any session's live state, figures or the schedule's version change."""
    found = (
        db.connection()
        .execute(
            sa.select(sa.func.max(col(L.updated_at)), sa.func.count()).where(
                col(L.festival_id) == festival_id
            )
        )
        .first()
    )
    return tuple(found or ())


def absent_on_the_day(db: Session, session: models.FestivalSession, who: NoShowWho) -> set[str]:
    """The streamers (or enterprises) who did not show for a session of the same day as
    `session`: marked so now, or replaced by a stand-in (a waiting request) since."""
    S, L = models.FestivalSession, models.SessionLive
    party = S.streamer if who is NoShowWho.streamer else S.enterprise
    taken_from = L.replaced_streamer if who is NoShowWho.streamer else L.replaced_enterprise
    # the festival on the live rows (their own index, few of them no-shows) rather than on
    # the sessions: PostgreSQL then reads the live rows first whatever its statistics say
    same_day = (L.festival_id == session.festival_id, S.day == session.day)
    marked = db.exec(
        select(party)
        .join(L, col(L.session_id) == col(S.id))
        .where(*same_day, L.state == LiveState.no_show.value, L.no_show_who == who.value)
    )
    replaced = db.exec(
        select(taken_from)
        .join(S, col(L.session_id) == col(S.id))
        .where(*same_day, col(taken_from).is_not(None))
    )
    return set(marked) | {p for p in replaced if p is not None}
