"""Coordinators' decisions on sessions: confirm or decline, safely.

- The same decision twice is a no-op (`unchanged`), answered with the current state.
- Two different decisions racing on one session: the status change is a compare-and-set on
  `FestivalSession.row_version`, so exactly one wins (`applied`); the loser re-reads the row
  and gets `conflict` with the state the winner left.
- After the festival's confirmation deadline, changes are `refused`.
- Every attempt, whatever its outcome, is written to the `decision` audit table in the same
  transaction as the change; applied ones also queue a receipt in the notification outbox.
- A decision can be withdrawn until the deadline (the session is proposed again), except a
  decline that a released re-plan has already answered.

Nothing here commits: the use case (citylive/actions/decisions.py) owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

import models
from citylive.audit import audit_record
from citylive.errors import Invalid, NotFound
from citylive.notify import enqueue_receipt_for
from citylive.scope import Actor, require_writer
from models._types import UTCDateTime, utcnow
from models.enums import DecisionAction, SessionStatus

Outcome = Literal["applied", "unchanged", "conflict", "refused"]

TARGET = {
    "confirm": SessionStatus.confirmed,
    "decline": SessionStatus.declined,
    "expire": SessionStatus.declined,  # silence at the deadline, under `silence: decline`
}
MAX_REASON = 2000


class SessionNotFound(NotFound):
    """No such session, or (for a coordinator) not one of their town's: the same answer, so
    that nothing about other towns' sessions can be learnt from the error."""

    def __init__(self, session_id: str):
        super().__init__(f"no session {session_id!r} among the sessions you decide on")
        self.session_id = session_id


class DecisionInvalid(Invalid):
    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


@dataclass
class DecisionResult:
    session: models.FestivalSession
    outcome: Outcome
    message: str
    decision_id: int | None = None
    timezone: str | None = None  # the festival's, for showing the session's times


def apply_decision(
    *,
    db: Session,
    actor: Actor,
    session_id: str,
    action: str,
    reason: str | None = None,
    now: datetime | None = None,
) -> DecisionResult:
    """Confirm or decline one session on behalf of `actor` (or, for the system, expire it);
    see the module's docstring.  Does not commit."""
    reason = _checked(actor, action, reason)
    now = now or utcnow()
    target = TARGET[action]
    coordinator = not actor.is_organiser
    town, festival_id = actor.town, actor.festival_id
    conn = db.connection()

    # The happy path is one statement: a compare-and-set on the status that also checks the
    # caller's scope and the festival's deadline, and returns the changed row.
    params: dict[str, object] = {"p_sid": session_id, "p_target": target.value, "p_now": now}
    if coordinator:
        params["p_town"] = town
    if festival_id is not None:
        params["p_festival"] = festival_id
    changed = conn.execute(_compare_and_set(coordinator, festival_id is not None), params).first()

    outcome: Outcome
    timezone: str | None
    if changed is not None:
        values = dict(changed._mapping)
        timezone = values.pop("timezone")
        row = _session_object(db, values)
        outcome, message = "applied", f"session {row.id} is now {target.value}"
    else:
        row, deadline, timezone = _judge_read(db, session_id)
        if coordinator and row.town != town:
            raise SessionNotFound(session_id)
        if festival_id is not None and row.festival_id != festival_id:
            raise SessionNotFound(session_id)
        outcome, message = _why_not(row, target, deadline, now)

    return _audited(db, actor, row, action, reason, outcome, message, now, timezone)


def _checked(actor: Actor, action: str, reason: str | None) -> str | None:
    """The reason as stored, once the action and the reason are ones the actor may give."""
    if action not in TARGET or (action == "expire" and actor.kind != "system"):
        raise DecisionInvalid(f"action {action!r} is not one of: confirm, decline", "action")
    require_writer(actor)
    reason = (reason or "").strip() or None
    if action in ("decline", "expire") and reason is None:
        raise DecisionInvalid(
            "a decline needs a reason, so the organisers can re-plan well", "reason"
        )
    if reason is not None and len(reason) > MAX_REASON:
        raise DecisionInvalid(f"the reason is longer than {MAX_REASON} characters", "reason")
    return reason


def _why_not(
    row: models.FestivalSession,
    target: SessionStatus,
    deadline: datetime | None,
    now: datetime,
) -> tuple[Outcome, str]:
    """Why the compare-and-set changed nothing: already so, too late, or already decided."""
    current = SessionStatus(row.status)
    if current == target:
        return "unchanged", f"session {row.id} was already {current.value}"
    if deadline is not None and now > deadline:
        return "refused", (
            f"the confirmation deadline ({deadline.isoformat()}) has passed; "
            "ask the organisers to change the session"
        )
    if current != SessionStatus.proposed:
        return "conflict", (
            f"session {row.id} is already {current.value}; it cannot be {target.value} now"
        )
    # proposed and open, yet the compare-and-set missed it
    return "conflict", f"session {row.id} is changing; try again"  # pragma: no cover


def _audit(
    conn: Connection,
    row: models.FestivalSession,
    actor: Actor,
    action: str,
    reason: str | None,
    outcome: Outcome,
    now: datetime,
) -> models.Decision:
    """Every attempt, whatever its outcome, in the `decision` table."""
    decision = audit_record(
        actor=actor,
        session=row,
        action=DecisionAction(action).value,
        outcome=outcome,
        at=now,
        reason=reason,
    )
    decision.id = conn.execute(_AUDIT, decision.model_dump(exclude={"id"})).scalar_one()
    return decision


_SESSION_COLUMNS = tuple(models.FestivalSession.__table__.c)  # type: ignore[attr-defined]
# Statements built once: a decision is the hot path of a festival's busiest hour, and building
# and keying a statement costs more than running it.
_AUDIT = sa.insert(models.Decision).returning(col(models.Decision.id))


@lru_cache(maxsize=4)
def _compare_and_set(coordinator: bool, festival_bound: bool) -> sa.Update:
    S, F = models.FestivalSession, models.Festival
    where = [col(S.id) == sa.bindparam("p_sid"), col(S.status) == SessionStatus.proposed.value]
    if coordinator:
        where.append(col(S.town) == sa.bindparam("p_town"))
    if festival_bound:
        where.append(col(S.festival_id) == sa.bindparam("p_festival"))
    now = sa.bindparam("p_now", type_=UTCDateTime())
    open_festival = ~sa.exists().where(
        col(F.id) == col(S.festival_id),
        col(F.confirmation_deadline).is_not(None),
        col(F.confirmation_deadline) < now,
    )
    zone = sa.select(col(F.timezone)).where(col(F.id) == col(S.festival_id)).scalar_subquery()
    return (
        sa.update(S)
        .where(*where, open_festival)
        .values(status=sa.bindparam("p_target"), row_version=col(S.row_version) + 1, updated_at=now)
        .returning(*_SESSION_COLUMNS, zone.label("timezone"))
    )


@lru_cache(maxsize=1)
def _judge_statement() -> sa.Select:
    S, F = models.FestivalSession, models.Festival
    return (
        sa.select(*_SESSION_COLUMNS, col(F.confirmation_deadline), col(F.timezone))
        .join(F, col(F.id) == col(S.festival_id))
        .where(col(S.id) == sa.bindparam("p_sid"))
    )


def _session_object(db: Session, values: dict[str, object]) -> models.FestivalSession:
    """The session as the ORM object this database session already holds (brought up to date),
    or a detached one built from the row: no extra read."""
    key = db.identity_key(models.FestivalSession, values["id"])
    held = db.identity_map.get(key)
    if isinstance(held, models.FestivalSession):
        for name, value in values.items():
            set_committed_value(held, name, value)
        return held
    return models.FestivalSession.model_construct(**values)  # type: ignore[arg-type]


def _judge_read(
    db: Session, session_id: str
) -> tuple[models.FestivalSession, datetime | None, str | None]:
    found = db.connection().execute(_judge_statement(), {"p_sid": session_id}).first()
    if found is None:
        raise SessionNotFound(session_id)
    values = dict(found._mapping)
    deadline = values.pop("confirmation_deadline")
    timezone = values.pop("timezone")
    return _session_object(db, values), deadline, timezone


def withdraw_decision(
    *,
    db: Session,
    actor: Actor,
    session_id: str,
    reason: str | None = None,
    now: datetime | None = None,
) -> DecisionResult:
    """Take back a confirm or a decline: the session is proposed again, audited as
    `withdraw`.  Refused after the deadline; a conflict when a re-plan released since the
    decline has already answered it, or when another decision won the race.  Does not
    commit."""
    require_writer(actor)
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > MAX_REASON:
        raise DecisionInvalid(f"the reason is longer than {MAX_REASON} characters", "reason")
    now = now or utcnow()
    row, deadline, timezone = _judge_read(db, session_id)
    if (not actor.is_organiser and row.town != actor.town) or (
        actor.festival_id is not None and row.festival_id != actor.festival_id
    ):
        raise SessionNotFound(session_id)
    current = SessionStatus(row.status)
    outcome: Outcome = "conflict"
    if current == SessionStatus.proposed:
        outcome, message = "unchanged", f"session {row.id} has no decision to withdraw"
    elif deadline is not None and now > deadline:
        outcome = "refused"
        message = (
            f"the confirmation deadline ({deadline.isoformat()}) has passed; "
            "ask the organisers to change the session"
        )
    elif current == SessionStatus.declined and _replanned_since_decline(
        db, row.id, row.festival_id
    ):
        message = (
            f"session {row.id} was declined and a re-plan has already answered it; ask the "
            "organisers to change the session"
        )
    elif current not in (SessionStatus.confirmed, SessionStatus.declined):
        message = f"session {row.id} is {current.value}; there is no decision to withdraw"
    else:
        S = models.FestivalSession
        changed = db.connection().execute(
            sa.update(S)
            .where(col(S.id) == row.id, col(S.row_version) == row.row_version,
                   col(S.status) == current.value)
            .values(status=SessionStatus.proposed.value, row_version=col(S.row_version) + 1,
                    updated_at=now)
            .returning(*_SESSION_COLUMNS)
        ).first()  # fmt: skip
        if changed is None:
            message = f"session {row.id} is changing; try again"
        else:
            row = _session_object(db, dict(changed._mapping))
            outcome = "applied"
            message = f"the {current.value} decision on session {row.id} is withdrawn"
    return _audited(db, actor, row, "withdraw", reason, outcome, message, now, timezone)


def _replanned_since_decline(db: Session, session_id: str, festival_id: str) -> bool:
    """A schedule version released after the session's last applied decline."""
    D, V = models.Decision, models.ScheduleVersion
    declined_at = db.exec(
        select(sa.func.max(D.at)).where(
            D.session_id == session_id,
            D.outcome == "applied",
            col(D.action).in_([DecisionAction.decline.value, DecisionAction.expire.value]),
        )
    ).one()
    if declined_at is None:
        return False
    later = db.exec(
        select(sa.func.count())
        .select_from(V)
        .where(V.festival_id == festival_id, col(V.created_at) > declined_at)
    ).one()
    return int(later) > 0


def _audited(
    db: Session,
    actor: Actor,
    row: models.FestivalSession,
    action: str,
    reason: str | None,
    outcome: Outcome,
    message: str,
    now: datetime,
    timezone: str | None,
) -> DecisionResult:
    """The attempt in the audit table, and an applied one's receipt."""
    decision = _audit(db.connection(), row, actor, action, reason, outcome, now)
    if outcome == "applied":
        enqueue_receipt_for(db=db, decision=decision, session=row)
    return DecisionResult(row, outcome, message, decision.id, timezone)


def history(
    *,
    db: Session,
    festival_id: str | None = None,
    session_id: str | None = None,
    town: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[models.Decision], int]:
    """Decisions, newest first, for a session or a festival (optionally one town's)."""
    D = models.Decision
    base = select(D)
    if festival_id is not None:
        base = base.where(D.festival_id == festival_id)
    if session_id is not None:
        base = base.where(D.session_id == session_id)
    if town is not None:
        base = base.where(D.town == town)
    count = db.exec(select(sa.func.count()).select_from(base.subquery())).one()
    query = base.order_by(col(D.at).desc(), col(D.id).desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(db.exec(query)), int(count)
