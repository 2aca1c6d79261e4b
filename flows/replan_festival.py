"""replan-festival: after declines, and at the confirmation deadline, release a new version.

Confirmed sessions stay exactly as they are; declined ones are placed elsewhere if the rules
allow; only people whose sessions are new, moved or cancelled are told (the outbox does that
from the version's changes).  A burst of declines gives one re-plan: a run that finds no
decline newer than the current version does nothing, so runs queued by the same burst after
the first are no-ops.

At the deadline (`at_deadline=True`) silence is settled first, as the festival's `silence`
setting says: `decline` declines every session still unanswered (audited as `expire` by
"system", with a receipt), `remind` keeps them as planned and leaves them to the reminders.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, task

from citylive.actions.decisions import declines_since_release, expire_unanswered
from citylive.actions.planning import StaleSchedule, plan_and_release
from citylive.db import db_scope
from flows._common import publish_schedule_artifacts, read_version, run_logger


@task(retries=2, retry_delay_seconds=[1, 5])
def settle_silence(festival_id: str) -> dict[str, Any]:
    """Apply the festival's `silence` rule to sessions nobody answered by the deadline."""
    with db_scope() as db:
        done = expire_unanswered(db=db, festival_id=festival_id)
    return {"rule": done.rule, "unanswered": done.unanswered, "declined": done.declined}


@task
def pending_declines(festival_id: str) -> dict[str, Any]:
    """Declines applied since the current version was released: what a re-plan would answer."""
    with db_scope() as db:
        version, declines = declines_since_release(db=db, festival_id=festival_id)
    return {"current_version": version, "declines": declines}


@task(retries=1, retry_delay_seconds=[5])
def replan(festival_id: str, time_limit: float, reason: str, expected_version: int) -> int:
    """Plan again from the stored schedule and release the next version (with its notices).
    If another run released a version meanwhile, that one answered these declines."""
    logger = run_logger()

    def progress(p: Any) -> None:
        logger.info("%s %.0fs: value %s, bound %s", p.stage, p.elapsed, p.value, p.bound)

    with db_scope() as db:
        try:
            return plan_and_release(
                db=db,
                festival_id=festival_id,
                time_limit=time_limit,
                reason=reason,
                expected_version=expected_version,
                progress=progress,
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
    report = read_version(festival_id, version)
    logger.info(
        "%s: %s declines answered by version %s; %s change notices queued",
        festival_id,
        pending["declines"],
        version,
        report.queued,
    )
    return result | {
        "version": version,
        "replanned": version != pending["current_version"],
        "queued": report.queued,
        "by_status": report.by_status,
    }
