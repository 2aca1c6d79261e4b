"""plan-festival: validate and store the festival file, check capacity, solve, release version 1.

Safe to run again with the same parameters (after a crash, a killed worker, a retry): the
festival is stored in place, a schedule is solved only when none is stored for the festival as
it now stands, and releasing a version re-checks the current version in the same transaction,
so a second run releases nothing twice and queues no message twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from sqlmodel import col, select

import models
from citylive.actions.planning import StaleSchedule, release_version, solve_stored
from citylive.db import session_scope
from citylive.festival import FestivalFileError, load_festival
from citylive.planner.capacity import capacity_report
from citylive.schedule import ScheduleDocument
from citylive.festival.storage import import_festival, load_stored_festival
from flows._common import publish_schedule_artifacts, run_logger, version_counts


def _transient(task: Any, task_run: Any, state: Any) -> bool:
    """Retry database and file-system hiccups, never a festival file that is wrong."""
    try:
        state.result()
    except (FestivalFileError, ValueError, LookupError):
        return False
    except Exception:  # noqa: BLE001 - anything else may pass on a second try
        return True
    return False


@task(retries=2, retry_delay_seconds=[1, 5], retry_condition_fn=_transient)
def import_festival_file(path: str) -> str:
    """Read, validate and store (or update in place) the festival; returns its id."""
    festival = load_festival(Path(path))
    with session_scope() as db:
        result = import_festival(db, festival)
    run_logger().info(
        "festival %s %s",
        result.festival_id,
        "stored" if result.created else ("updated" if result.changed else "unchanged"),
    )
    return result.festival_id


@task
def check_capacity(festival_id: str) -> dict[str, Any]:
    """The feasibility check before the solver: shortages explained in words."""
    with session_scope() as db:
        festival = load_stored_festival(db, festival_id)
    report = capacity_report(festival)
    logger = run_logger()
    # expected on a real festival; the planner gives each unplaced request its reason
    for line in report.shortages:
        logger.info("capacity: %s", line)
    return {
        "requested": report.requested,
        "studio_slots": report.studio_slots,
        "shortages": list(report.shortages),
    }


@task
def planning_state(festival_id: str) -> dict[str, Any]:
    """The version stored now, and whether the festival changed since it was solved."""
    with session_scope() as db:
        festival = db.get(models.Festival, festival_id)
        if festival is None:
            raise LookupError(f"festival {festival_id!r} is not stored; give its file")
        latest = db.exec(
            select(models.ScheduleVersion)
            .where(models.ScheduleVersion.festival_id == festival_id)
            .order_by(col(models.ScheduleVersion.version).desc())
        ).first()
    return {
        "current_version": festival.current_version,
        # the file's hash rides in the released document: a changed file means a re-plan
        "stale": latest is None or latest.document.get("source_sha256") != festival.source_sha256,
        "source_sha256": festival.source_sha256,
    }


@task(cache_policy=NO_CACHE)
def solve(festival_id: str, time_limit: float, workers: int) -> tuple[ScheduleDocument, int]:
    """Run the planner; from the stored schedule when the festival already has one."""
    with session_scope() as db:
        return solve_stored(
            db=db, festival_id=festival_id, time_limit=time_limit, workers=workers, reason="plan"
        )


@task(retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def release(festival_id: str, document: ScheduleDocument, solved_against: int) -> int:
    """Store the schedule as the next version and queue its messages, in one transaction.

    When another run released a version since this one read `solved_against`, that version
    stands and this document is dropped: one release per change, never two.
    """
    with session_scope() as db:
        try:
            return release_version(
                db=db, festival_id=festival_id, document=document, expected_version=solved_against
            ).version
        except StaleSchedule as exc:
            run_logger().info("version %s was released meanwhile; keeping it", exc.details)
            return int(exc.details["current_version"])


@flow(name="plan-festival", log_prints=True)
def plan_festival(
    festival_file: str | None = None,
    festival_id: str | None = None,
    time_limit: float = 30.0,
    workers: int = 2,
) -> dict[str, Any]:
    """Plan a festival from its file (or an imported festival by id) and release the schedule.

    Returns the festival id, the version released (or already current), and the figures.
    """
    if festival_file is None and festival_id is None:
        raise ValueError("give festival_file (a festival file) or festival_id (an imported one)")
    if festival_file is not None:
        festival_id = import_festival_file(festival_file)
    assert festival_id is not None
    capacity = check_capacity(festival_id)
    state = planning_state(festival_id)
    logger = run_logger()
    if state["stale"]:
        document, against = solve(festival_id, time_limit, workers)
        version = release(festival_id, document, against)
    else:
        version = int(state["current_version"])
        logger.info("schedule version %s is current for %s; nothing to solve", version, festival_id)
    shown = publish_schedule_artifacts(festival_id, version)
    counts = version_counts(festival_id, version)
    summary = {
        "festival_id": festival_id,
        "version": version,
        "requested": capacity["requested"],
        "shortages": len(capacity["shortages"]),
        "sessions": shown["sessions"],
        "venues": shown["venues"],
        "queued": counts["queued"],
    }
    logger.info(
        "%s: version %s, %s of %s sessions placed in %s venues, %s messages queued",
        festival_id,
        version,
        shown["sessions"],
        capacity["requested"],
        shown["venues"],
        counts["queued"],
    )
    return summary
