"""replan-festival: after declines, and at the confirmation deadline, release a new version.

Confirmed sessions stay exactly as they are; declined ones are placed elsewhere if the rules
allow; only people whose sessions are new, moved or cancelled are told (the outbox does that
from the version's changes).  A burst of declines gives one re-plan: a run that finds no
decision newer than the current version does nothing, so runs queued by the same burst after
the first are no-ops.

At the deadline (`at_deadline=True`) silence is settled first, as the festival's `silence`
setting says: `decline` declines every session still unanswered (audited as `expire` by
"system"), `remind` keeps them as planned and leaves them to the reminders before each session.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from prefect import flow, task
from sqlmodel import col, func, select

import models
from citylive.db import lock_festival, session_scope
from citylive.festival.storage import load_stored_festival
from flows._common import publish_schedule_artifacts, run_logger, version_counts
from models._types import utcnow
from models.enums import DecisionAction, SessionStatus

SILENCE_REASON = "no answer by the confirmation deadline"


@task(retries=2, retry_delay_seconds=[1, 5])
def settle_silence(festival_id: str) -> dict[str, Any]:
    """Apply the festival's `silence` rule to sessions nobody answered by the deadline."""
    with session_scope() as db:
        festival = load_stored_festival(db, festival_id)
        rule = festival.info.silence
        S = models.FestivalSession
        open_rows = list(
            db.exec(
                select(S).where(S.festival_id == festival_id, S.status == SessionStatus.proposed)
            )
        )
        if rule != "decline":
            return {"rule": rule, "unanswered": len(open_rows), "declined": 0}
        now = utcnow()
        declined = 0
        for row in open_rows:
            # the same compare-and-set as a coordinator's decision: a late answer wins or loses
            # cleanly, never half
            done = db.execute(
                sa.update(S)
                .where(
                    col(S.id) == row.id,
                    col(S.row_version) == row.row_version,
                    col(S.status) == SessionStatus.proposed.value,
                )
                .values(
                    status=SessionStatus.declined.value,
                    row_version=row.row_version + 1,
                    updated_at=now,
                )
            )
            if done.rowcount == 1:  # type: ignore[attr-defined]
                declined += 1
                db.add(
                    models.Decision(
                        session_id=row.id,
                        action=DecisionAction.expire.value,
                        reason=SILENCE_REASON,
                        actor="system",
                        role="organiser",
                        outcome="applied",
                        festival_id=festival_id,
                        town=row.town,
                        at=now,
                    )
                )
    return {"rule": rule, "unanswered": len(open_rows), "declined": declined}


@task
def pending_declines(festival_id: str) -> dict[str, Any]:
    """Declines applied since the current version was released: what a re-plan would answer."""
    with session_scope() as db:
        festival = db.get(models.Festival, festival_id)
        if festival is None or festival.current_version is None:
            return {"current_version": None, "declines": 0}
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
    return {"current_version": festival.current_version, "declines": int(declines)}


@task(retries=1, retry_delay_seconds=[5])
def replan(festival_id: str, time_limit: float, reason: str, expected_version: int) -> int:
    """Plan again from the stored schedule and release the next version (with its notices)."""
    from citylive.actions.planning import StaleSchedule, plan_and_release

    with session_scope() as db:
        if lock_festival(db, festival_id) != expected_version:
            return int(lock_festival(db, festival_id) or 0)  # another run answered them
        db.rollback()
        try:
            return plan_and_release(
                db=db, festival_id=festival_id, time_limit=time_limit, reason=reason
            ).version
        except StaleSchedule as exc:
            return int(exc.details["current_version"])


@flow(name="replan-festival", log_prints=True)
def replan_festival(
    festival_id: str,
    reason: str = "sessions declined",
    at_deadline: bool = False,
    time_limit: float = 30.0,
) -> dict[str, Any]:
    """Re-plan the declined sessions of a festival; at the deadline, settle silence first."""
    logger = run_logger()
    silence: dict[str, Any] = {}
    if at_deadline:
        silence = settle_silence(festival_id)
        logger.info(
            "deadline: %s sessions unanswered, silence rule %r, %s declined",
            silence["unanswered"],
            silence["rule"],
            silence["declined"],
        )
    pending = pending_declines(festival_id)
    if pending["current_version"] is None:
        raise LookupError(f"festival {festival_id!r} has no schedule yet; run plan-festival first")
    result: dict[str, Any] = {
        "festival_id": festival_id,
        "declines": pending["declines"],
        "silence": silence,
        "previous_version": pending["current_version"],
    }
    if pending["declines"] == 0:
        logger.info("no declines since version %s; nothing to re-plan", pending["current_version"])
        return result | {"version": pending["current_version"], "replanned": False, "queued": 0}
    version = replan(festival_id, time_limit, reason, pending["current_version"])
    publish_schedule_artifacts(festival_id, version)
    counts = version_counts(festival_id, version)
    logger.info(
        "%s: %s declines answered by version %s; %s change notices queued",
        festival_id,
        pending["declines"],
        version,
        counts["queued"],
    )
    return result | {
        "version": version,
        "replanned": version != pending["current_version"],
        "queued": counts["queued"],
        "by_status": counts["by_status"],
    }
