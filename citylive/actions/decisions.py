"""Deciding on sessions: a coordinator's confirm or decline, and silence settled at the
deadline.  Both go through the same compare-and-set (citylive/decision_rules.py), so a late answer
and the deadline race cleanly, every attempt is audited, and every applied change sends its
receipt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

import models
from citylive.decision_rules import DecisionResult, apply_decision, history, withdraw_decision
from citylive.festival.storage import FestivalNotFound, load_stored_festival
from citylive.scope import SYSTEM, Actor, require_festival, require_session, town_filter
from models._types import utcnow
from models.enums import DecisionAction, SessionStatus

SILENCE_REASON = "no answer by the confirmation deadline"


def decide(
    *,
    db: Session,
    actor: Actor,
    session_id: str,
    action: str,
    reason: str | None = None,
    now: datetime | None = None,
) -> DecisionResult:
    """Confirm or decline a session in the actor's scope; committed before it returns."""
    result = apply_decision(
        db=db, actor=actor, session_id=session_id, action=action, reason=reason, now=now
    )
    db.commit()
    return result


def withdraw(
    *,
    db: Session,
    actor: Actor,
    session_id: str,
    reason: str | None = None,
    now: datetime | None = None,
) -> DecisionResult:
    """Take back a decision on a session in the actor's scope until the deadline (audited);
    committed before it returns."""
    result = withdraw_decision(db=db, actor=actor, session_id=session_id, reason=reason, now=now)
    db.commit()
    return result


@dataclass
class Silence:
    rule: str  # the festival's `silence` setting
    unanswered: int  # sessions still proposed when the deadline was settled
    declined: int  # of which declined for silence (rule `decline`)


def expire_unanswered(*, db: Session, festival_id: str, now: datetime | None = None) -> Silence:
    """Settle silence at the confirmation deadline, as the festival's `silence` rule says.

    `decline`: every session still proposed is declined (audited as `expire` by "system",
    with a receipt to its town's coordinator); `remind`: they stay as planned and are left
    to the reminders before each session.  Does nothing before a deadline that is set, so a
    stray run cannot close the round early (a festival without one closes when its caller
    says).  Committed before it returns.
    """
    now = now or utcnow()
    festival = load_stored_festival(db, festival_id)
    row = db.get(models.Festival, festival_id)
    if row is None:
        raise FestivalNotFound(festival_id)
    S = models.FestivalSession
    open_ids = list(
        db.exec(
            select(S.id)
            .where(S.festival_id == festival_id, S.status == SessionStatus.proposed)
            .order_by(col(S.id))
        )
    )
    rule = festival.info.silence
    deadline = row.confirmation_deadline
    if rule != "decline" or (deadline is not None and now < deadline):
        db.rollback()
        return Silence(rule=rule, unanswered=len(open_ids), declined=0)
    declined = 0
    for sid in open_ids:
        result = apply_decision(
            db=db, actor=SYSTEM, session_id=sid, action="expire", reason=SILENCE_REASON, now=now
        )
        declined += result.outcome == "applied"
    db.commit()
    return Silence(rule=rule, unanswered=len(open_ids), declined=declined)


def declines_since_release(*, db: Session, festival_id: str) -> tuple[int | None, int]:
    """The current version and the declines (coordinators' and silence's) applied since it
    was released: what a re-plan would answer."""
    festival = db.get(models.Festival, festival_id)
    if festival is None:
        raise FestivalNotFound(festival_id)
    if not festival.current_version:
        return None, 0
    released = db.exec(
        select(models.ScheduleVersion.created_at).where(
            models.ScheduleVersion.festival_id == festival_id,
            models.ScheduleVersion.version == festival.current_version,
        )
    ).one()
    D = models.Decision
    declines = db.exec(
        select(func.count())
        .select_from(D)
        .where(
            D.festival_id == festival_id,
            D.outcome == "applied",
            col(D.action).in_([DecisionAction.decline.value, DecisionAction.expire.value]),
            D.at >= released,
        )
    ).one()
    return int(festival.current_version), int(declines)


def session_decisions(
    *, db: Session, actor: Actor, session_id: str
) -> tuple[list[models.Decision], int]:
    """The audit trail of one session in the actor's scope, newest first."""
    require_session(db, actor, session_id)
    return history(db=db, session_id=session_id)


def festival_decisions(
    *,
    db: Session,
    actor: Actor,
    festival_id: str,
    town: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[models.Decision], int]:
    """Decisions on a festival's sessions, newest first (a coordinator: its own town's)."""
    require_festival(db, actor, festival_id)
    return history(
        db=db, festival_id=festival_id, town=town_filter(actor, town), limit=limit, offset=offset
    )
