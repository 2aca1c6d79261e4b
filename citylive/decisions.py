"""Coordinators' decisions on sessions: confirm or decline, safely.

- The same decision twice is a no-op (`unchanged`), answered with the current state.
- Two different decisions racing on one session: the status change is a compare-and-set on
  `FestivalSession.row_version`, so exactly one wins (`applied`); the loser re-reads the row
  and gets `conflict` with the state the winner left.
- After the festival's confirmation deadline, changes are `refused`.
- Every attempt, whatever its outcome, is written to the `decision` audit table in the same
  transaction as the change; applied ones also queue a receipt in the notification outbox.

Nothing here commits: the caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

import models
from models._types import utcnow
from models.enums import DecisionAction, Role, SessionStatus

Outcome = Literal["applied", "unchanged", "conflict", "refused"]

TARGET = {"confirm": SessionStatus.confirmed, "decline": SessionStatus.declined}
MAX_REASON = 2000


class SessionNotFound(LookupError):
    """No such session, or (for a coordinator) not one of their town's: the same answer, so
    that nothing about other towns' sessions can be learnt from the error."""

    def __init__(self, session_id: str):
        super().__init__(f"no session {session_id!r} among the sessions you decide on")
        self.session_id = session_id


class DecisionInvalid(ValueError):
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


def find_session_for(
    *, db: Session, session_id: str, role: str, town: str | None, festival_id: str | None = None
) -> models.FestivalSession:
    """The session, if this role/town may see it; SessionNotFound otherwise."""
    row = db.get(models.FestivalSession, session_id)
    if row is None:
        raise SessionNotFound(session_id)
    if Role(role) != Role.organiser and row.town != town:
        raise SessionNotFound(session_id)
    if festival_id is not None and row.festival_id != festival_id:
        raise SessionNotFound(session_id)
    return row


def _reload(db: Session, session_id: str) -> models.FestivalSession:
    row = db.exec(
        select(models.FestivalSession)
        .where(models.FestivalSession.id == session_id)
        .execution_options(populate_existing=True)
    ).one()
    return row


def decide(
    *,
    db: Session,
    session_id: str,
    action: str,
    actor: str,
    role: str,
    town: str | None,
    reason: str | None = None,
    remote_addr: str | None = None,
    token_id: int | None = None,
    festival_id: str | None = None,
    now: datetime | None = None,
) -> DecisionResult:
    """Confirm or decline one session on behalf of `actor`; see the module's docstring."""
    if action not in TARGET:
        raise DecisionInvalid(f"action {action!r} is not one of: confirm, decline", "action")
    reason = (reason or "").strip() or None
    if action == "decline" and reason is None:
        raise DecisionInvalid(
            "a decline needs a reason, so the organisers can re-plan well", "reason"
        )
    if reason is not None and len(reason) > MAX_REASON:
        raise DecisionInvalid(f"the reason is longer than {MAX_REASON} characters", "reason")
    now = now or utcnow()
    target = TARGET[action]
    S, F = models.FestivalSession, models.Festival
    found = db.exec(
        select(S, F.confirmation_deadline, F.timezone)
        .join(F, col(F.id) == col(S.festival_id))
        .where(col(S.id) == session_id)
        .execution_options(populate_existing=True)
    ).first()
    if found is None:
        raise SessionNotFound(session_id)
    row, deadline, timezone = found
    if Role(role) != Role.organiser and row.town != town:
        raise SessionNotFound(session_id)
    if festival_id is not None and row.festival_id != festival_id:
        raise SessionNotFound(session_id)

    outcome: Outcome
    for _attempt in range(5):
        current = SessionStatus(row.status)
        if current == target:
            outcome, message = "unchanged", f"session {row.id} was already {current.value}"
            break
        if deadline is not None and now > deadline:
            outcome = "refused"
            message = (
                f"the confirmation deadline ({deadline.isoformat()}) has passed; "
                "ask the organisers to change the session"
            )
            break
        if current != SessionStatus.proposed:
            outcome = "conflict"
            message = (
                f"session {row.id} is already {current.value}; it cannot be {target.value} now"
            )
            break
        seen = row.row_version
        result = db.execute(
            sa.update(S)
            .where(col(S.id) == row.id, col(S.row_version) == seen, col(S.status) == current.value)
            .values(status=target.value, row_version=seen + 1, updated_at=now)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            # The row now holds exactly these values: no need to read it back.
            set_committed_value(row, "status", target.value)
            set_committed_value(row, "row_version", seen + 1)
            set_committed_value(row, "updated_at", now)
            outcome, message = "applied", f"session {row.id} is now {target.value}"
            break
        # Someone else changed the row between our read and our write: read it, judge again.
        row = _reload(db, session_id)
    else:  # pragma: no cover - five lost races in a row on one session
        outcome, message = "conflict", f"session {row.id} is changing too often; try again"

    decision = models.Decision(
        session_id=row.id,
        festival_id=row.festival_id,
        town=row.town,
        action=DecisionAction(action).value,
        reason=reason,
        actor=actor,
        role=Role(role).value,
        remote_addr=remote_addr,
        token_id=token_id,
        outcome=outcome,
        at=now,
    )
    db.add(decision)
    db.flush()
    if outcome == "applied":
        _enqueue_receipt(db, decision.id)
    return DecisionResult(
        session=row,
        outcome=outcome,
        message=message,
        decision_id=decision.id,
        timezone=timezone,
    )


def _enqueue_receipt(db: Session, decision_id: int | None) -> None:
    from citylive.notify.outbox import enqueue_decision_receipt

    assert decision_id is not None
    enqueue_decision_receipt(db=db, decision_id=decision_id)


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
