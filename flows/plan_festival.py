"""plan-festival: validate and store the festival file, check capacity, solve, release.

Safe to run again with the same parameters (after a crash, a killed worker, a retry): the
festival is stored in place, a schedule is solved only when none is stored for the festival as
it now stands, and releasing a version re-checks the current version under the festival's
write lock, so a second run releases nothing twice and queues no message twice.  Started for
a planning job of the API (`job_id`), it runs that job instead and records its outcome.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from citylive.actions.festivals import capacity, import_festival_file
from citylive.actions.plan_jobs import run_plan_job
from citylive.actions.planning import StaleSchedule, planning_state, release_version, solve_stored
from citylive.db import db_scope, get_engine, init_db
from citylive.festival import FestivalFileError, load_festival
from citylive.paths import confined
from citylive.schedule import ScheduleDocument
from citylive.scope import SYSTEM
from flows._common import publish_schedule_artifacts, read_version, run_logger


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
def import_festival_from_file(path: str) -> str:
    """Read, validate and store (or update in place) the festival; returns its id.  The file
    must lie inside the folders flows may read (citylive/paths.py)."""
    festival = load_festival(confined(Path(path), what="festival_file"))
    with db_scope() as db:
        result = import_festival_file(db=db, actor=SYSTEM, festival=festival).result
    run_logger().info(
        "festival %s %s",
        result.festival_id,
        "stored" if result.created else ("updated" if result.changed else "unchanged"),
    )
    return result.festival_id


@task
def check_capacity(festival_id: str) -> dict[str, Any]:
    """The feasibility check before the solver: shortages explained in words."""
    with db_scope() as db:
        report = capacity(db=db, actor=SYSTEM, festival_id=festival_id)
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
def current_state(festival_id: str) -> dict[str, Any]:
    with db_scope() as db:
        state = planning_state(db=db, festival_id=festival_id)
    return {"current_version": state.current_version, "stale": state.stale}


@task(cache_policy=NO_CACHE)
def solve(festival_id: str, time_limit: float, workers: int) -> tuple[ScheduleDocument, int]:
    """Run the planner; from the stored schedule when the festival already has one."""
    logger = run_logger()

    def progress(p: Any) -> None:
        logger.info(
            "%s %.0fs: value %s, objective %s, bound %s", p.stage, p.elapsed, p.value,
            p.objective, p.bound,
        )  # fmt: skip

    with db_scope() as db:
        return solve_stored(
            db=db,
            festival_id=festival_id,
            time_limit=time_limit,
            workers=workers,
            reason="plan",
            progress=progress,
        )


@task(retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def release(festival_id: str, document: ScheduleDocument, solved_against: int) -> int:
    """Store the schedule as the next version and queue its messages, in one transaction.

    When another run released a version since this one read `solved_against`, that version
    stands and this document is dropped: one release per change, never two.
    """
    with db_scope() as db:
        try:
            return release_version(
                db=db, festival_id=festival_id, document=document, expected_version=solved_against
            ).version
        except StaleSchedule as exc:
            run_logger().info("version %s was released meanwhile; keeping it", exc.details)
            return int(exc.details["current_version"])


@task(cache_policy=NO_CACHE)
def run_job(job_id: str, workers: int) -> dict[str, Any]:
    """A planning job requested through the API: plan, release, record its outcome."""
    job = run_plan_job(engine=init_db(get_engine()), job_id=job_id, workers=workers)
    run_logger().info("planning job %s: %s (%s)", job.id, job.state, job.message)
    return {"festival_id": job.festival_id, "state": job.state, "version": job.version}


@flow(name="plan-festival", log_prints=True)
def plan_festival(
    festival_file: str | None = None,
    festival_id: str | None = None,
    time_limit: float = 30.0,
    workers: int = 2,
    job_id: str | None = None,
) -> dict[str, Any]:
    """Plan a festival from its file (or an imported festival by id) and release the schedule.

    Returns the festival id, the version released (or already current), and the figures.
    """
    if job_id is not None:
        done = run_job(job_id, workers)
        if done["version"]:
            publish_schedule_artifacts(done["festival_id"], done["version"])
        return done
    if festival_file is None and festival_id is None:
        raise ValueError("give festival_file (a festival file) or festival_id (an imported one)")
    if festival_file is not None:
        festival_id = import_festival_from_file(festival_file)
    assert festival_id is not None
    needs = check_capacity(festival_id)
    state = current_state(festival_id)
    logger = run_logger()
    if state["stale"]:
        document, against = solve(festival_id, time_limit, workers)
        version = release(festival_id, document, against)
    else:
        version = int(state["current_version"])
        logger.info("schedule version %s is current for %s; nothing to solve", version, festival_id)
    shown = publish_schedule_artifacts(festival_id, version)
    report = read_version(festival_id, version)
    logger.info(
        "%s: version %s, %s of %s sessions placed in %s venues, %s messages queued",
        festival_id,
        version,
        shown["sessions"],
        needs["requested"],
        shown["venues"],
        report.queued,
    )
    return {
        "festival_id": festival_id,
        "version": version,
        "requested": needs["requested"],
        "shortages": len(needs["shortages"]),
        "sessions": shown["sessions"],
        "venues": shown["venues"],
        "queued": report.queued,
    }
