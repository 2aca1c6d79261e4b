"""Planning requested through the API, as durable jobs.

A job is a row (`plan_job`): every server worker sees it, and it survives a restart.  At most
one job per festival is scheduled or running (a partial unique index decides between
concurrent requests: one job, the others answer PlanJobRunning naming it).  Whoever runs the
job (a thread of the API server on the embedded default, or a `plan-festival` flow run on a
Prefect worker) calls `run_plan_job`, which beats a heartbeat while the solver works; a job
whose heartbeat stopped (its server or worker died) is reported as abandoned, and the
festival can be planned again.

The command line plans in its own process but takes the same lock (`plan_lock`): its plan is
a job of runner `cli`, so an API request while it works answers 409 naming it, and the
command refuses to start while another job holds the festival.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

import models
from citylive.actions.planning import plan_and_release
from citylive.errors import CityLiveError, Conflict, Invalid, NotFound
from citylive.festival.storage import FestivalNotFound
from citylive.scope import Actor, require_festival, require_organiser, require_writer
from models._types import utcnow
from models.enums import PlanJobState
from models.planning import ACTIVE_JOB_STATES

log = logging.getLogger("citylive.planning")

HEARTBEAT = timedelta(seconds=5)
ABANDONED_AFTER = timedelta(seconds=60)
MAX_TIME_LIMIT = 3600.0


class PlanJobRunning(Conflict):
    """The festival is being planned already; `details["job"]` is that job's id."""


def _abandon_stale(db: Session, festival_id: str, now: datetime) -> None:
    J = models.PlanJob
    stale = now - ABANDONED_AFTER
    db.execute(
        sa.update(J)
        .where(
            col(J.festival_id) == festival_id,
            col(J.state).in_(ACTIVE_JOB_STATES),
            sa.func.coalesce(col(J.heartbeat_at), col(J.created_at)) < stale,
        )
        .values(
            state=PlanJobState.failed.value,
            finished_at=now,
            message="abandoned: whatever ran it stopped (a restart, a crash); plan again",
        )
    )


def request_plan(
    *, db: Session, actor: Actor, festival_id: str, time_limit: float, runner: str = "embedded"
) -> models.PlanJob:
    """Record a planning job for the festival; PlanJobRunning when one is under way.
    Committed."""
    require_writer(actor)
    require_organiser(actor, "plan festivals")
    require_festival(db, actor, festival_id)
    if not 0 < time_limit <= MAX_TIME_LIMIT:
        raise Invalid(f"time_limit is more than 0 and at most {MAX_TIME_LIMIT:g} seconds")
    now = utcnow()
    _abandon_stale(db, festival_id, now)
    db.commit()
    job = models.PlanJob(
        id=uuid.uuid4().hex,
        festival_id=festival_id,
        requested_by=actor.name[:128],
        time_limit=time_limit,
        runner=runner,
        created_at=now,
        heartbeat_at=now,
    )
    db.add(job)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        running = active_job(db=db, festival_id=festival_id)
        if running is None:  # it finished between our insert and this read
            raise Conflict("another plan just finished; ask again") from None
        raise PlanJobRunning(
            f"festival {festival_id!r} is being planned already by job {running.id} "
            f"({running.state} since {running.created_at.isoformat(timespec='seconds')}); "
            f"follow it at /api/v1/festivals/{festival_id}/plan/{running.id}",
            field="fid",
            details={"job": running.id},
        ) from None
    return job


def active_job(*, db: Session, festival_id: str) -> models.PlanJob | None:
    J = models.PlanJob
    return db.exec(
        select(J).where(J.festival_id == festival_id, col(J.state).in_(ACTIVE_JOB_STATES))
    ).first()


def plan_job(*, db: Session, actor: Actor, festival_id: str, job_id: str) -> models.PlanJob:
    """A job of the festival, as it stands (stale ones reported as abandoned)."""
    require_organiser(actor)
    require_festival(db, actor, festival_id)
    _abandon_stale(db, festival_id, utcnow())
    db.commit()
    job = db.get(models.PlanJob, job_id) if len(job_id) <= 64 else None
    if job is None or job.festival_id != festival_id:
        raise NotFound(f"no planning job {job_id!r} for festival {festival_id!r}", field="job_id")
    return job


def attach_flow_run(*, db: Session, job_id: str, flow_run_id: str) -> None:
    J = models.PlanJob
    db.execute(sa.update(J).where(col(J.id) == job_id).values(flow_run_id=flow_run_id))
    db.commit()


def fail_job(*, db: Session, job_id: str, message: str) -> None:
    """Mark a job failed (its runner could not be started)."""
    J = models.PlanJob
    db.execute(
        sa.update(J)
        .where(col(J.id) == job_id, col(J.state).in_(ACTIVE_JOB_STATES))
        .values(state=PlanJobState.failed.value, finished_at=utcnow(), message=message[:500])
    )
    db.commit()


def run_plan_job(*, engine: Engine, job_id: str, workers: int = 2) -> models.PlanJob:
    """Run a scheduled job to its end: plan, release, record the outcome.  Never raises for a
    planning failure: the job's state and message carry it."""
    J = models.PlanJob
    with Session(engine, expire_on_commit=False) as db:
        started = db.execute(
            sa.update(J)
            .where(col(J.id) == job_id, col(J.state) == PlanJobState.scheduled.value)
            .values(state=PlanJobState.running.value, started_at=utcnow(), heartbeat_at=utcnow())
        )
        db.commit()
        job = db.get(J, job_id)
        if job is None:
            raise NotFound(f"no planning job {job_id!r}", field="job_id")
        if started.rowcount != 1:  # type: ignore[attr-defined]
            return job  # another runner has it, or it is over
        stop = threading.Event()
        beat = threading.Thread(target=_beat, args=(engine, job_id, stop), daemon=True)
        beat.start()
        values: dict[str, object]
        try:
            release = plan_and_release(
                db=db,
                festival_id=job.festival_id,
                time_limit=job.time_limit,
                workers=workers,
                reason=f"requested by {job.requested_by}",
            )
            values = {
                "state": PlanJobState.completed.value,
                "version": release.version,
                "message": f"stored schedule version {release.version}",
            }
        except CityLiveError as exc:
            db.rollback()
            values = {"state": PlanJobState.failed.value, "message": str(exc)[:500]}
        except Exception as exc:  # noqa: BLE001 - the job records it; the log has the rest
            db.rollback()
            log.exception("planning job %s failed", job_id)
            values = {
                "state": PlanJobState.failed.value,
                "message": f"planning failed ({exc.__class__.__name__}); the server log has "
                "the details",
            }
        finally:
            stop.set()
            beat.join(timeout=10)
        db.execute(sa.update(J).where(col(J.id) == job_id).values(finished_at=utcnow(), **values))
        db.commit()
        db.refresh(job)
        return job


@dataclass
class HeldLock:
    """The job holding a festival's planning lock for this process; set `version` when a
    version was released."""

    job: models.PlanJob
    version: int | None = None


@contextmanager
def plan_lock(
    *, engine: Engine, actor: Actor, festival_id: str, time_limit: float, runner: str = "cli"
) -> Iterator[HeldLock]:
    """Hold the festival's planning lock (a running job with a heartbeat) while planning in
    this process; PlanJobRunning naming the job that holds it already.  The job ends
    completed with the version set on the yielded lock, or failed with the error."""
    J = models.PlanJob
    with Session(engine, expire_on_commit=False) as db:
        if db.get(models.Festival, festival_id) is None:
            raise FestivalNotFound(festival_id)
        job = request_plan(
            db=db,
            actor=actor,
            festival_id=festival_id,
            time_limit=min(time_limit, MAX_TIME_LIMIT),
            runner=runner,
        )
        now = utcnow()
        db.execute(
            sa.update(J)
            .where(col(J.id) == job.id)
            .values(state=PlanJobState.running.value, started_at=now, heartbeat_at=now)
        )
        db.commit()
    held = HeldLock(job)
    stop = threading.Event()
    beat = threading.Thread(target=_beat, args=(engine, job.id, stop), daemon=True)
    beat.start()
    values: dict[str, object] = {"state": PlanJobState.failed.value}
    try:
        yield held
        values = {
            "state": PlanJobState.completed.value,
            "version": held.version,
            "message": f"stored schedule version {held.version}"
            if held.version is not None
            else "released no version",
        }
    except BaseException as exc:
        values["message"] = (str(exc) or exc.__class__.__name__)[:500]
        raise
    finally:
        stop.set()
        beat.join(timeout=10)
        with engine.begin() as conn:
            conn.execute(
                sa.update(J).where(col(J.id) == job.id).values(finished_at=utcnow(), **values)
            )


def _beat(engine: Engine, job_id: str, stop: threading.Event) -> None:
    J = models.PlanJob
    while not stop.wait(HEARTBEAT.total_seconds()):
        try:
            with engine.begin() as conn:
                conn.execute(
                    sa.update(J)
                    .where(col(J.id) == job_id, col(J.state) == PlanJobState.running.value)
                    .values(heartbeat_at=utcnow())
                )
        except Exception:  # noqa: BLE001 - a missed beat is retried at the next one
            log.warning("planning job %s: heartbeat not written", job_id, exc_info=True)
