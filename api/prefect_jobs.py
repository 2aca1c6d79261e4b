"""Who runs a planning job requested through the API.

With a Prefect server configured (`PREFECT_API_URL`), the `plan-festival/citylive` deployment
runs it on a worker (the answer carries the flow run's id).  On the embedded default, a thread
of this server runs it.  Either way the job is a database row (citylive/actions/plan_jobs.py):
its state survives a restart and every server worker sees it.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Protocol

from sqlalchemy.engine import Engine

import models
from citylive.actions.plan_jobs import attach_flow_run, fail_job, run_plan_job
from citylive.db import open_db
from citylive.errors import Unavailable

log = logging.getLogger("citylive.api.prefect_jobs")
DEPLOYMENT = "plan-festival/citylive"


class Launcher(Protocol):
    name: str

    def start(self, *, engine: Engine, job: models.PlanJob) -> str | None:
        """Start the job's runner; the flow run's id when there is one."""
        ...


class ThreadLauncher:
    """Runs the job in a daemon thread of this process (the embedded default)."""

    name = "embedded"

    def start(self, *, engine: Engine, job: models.PlanJob) -> str | None:
        threading.Thread(
            target=self._run, args=(engine, job.id), name=f"plan-{job.id[:8]}", daemon=True
        ).start()
        return None

    @staticmethod
    def _run(engine: Engine, job_id: str) -> None:
        try:
            run_plan_job(engine=engine, job_id=job_id)
        except Exception:  # noqa: BLE001 - the job row carries the failure; log the rest
            log.exception("planning job %s could not run", job_id)


class PrefectLauncher:
    """Starts a `plan-festival` flow run on the city's Prefect workers."""

    name = "prefect"

    def start(self, *, engine: Engine, job: models.PlanJob) -> str | None:
        try:
            from prefect.deployments import run_deployment

            run = run_deployment(
                name=DEPLOYMENT,
                parameters={
                    "festival_id": job.festival_id,
                    "time_limit": job.time_limit,
                    "job_id": job.id,
                },
                timeout=0,
            )
        except Exception as exc:  # noqa: BLE001 - told to the caller as 503, job marked
            log.warning("could not start %s for job %s", DEPLOYMENT, job.id, exc_info=True)
            with open_db(engine) as db:
                fail_job(db=db, job_id=job.id, message=f"could not start {DEPLOYMENT}")
            raise Unavailable(
                f"the Prefect server could not start {DEPLOYMENT} ({exc.__class__.__name__}); "
                "check PREFECT_API_URL and that the deployment exists (`prefect deploy --all`)"
            ) from None
        with open_db(engine) as db:
            attach_flow_run(db=db, job_id=job.id, flow_run_id=str(run.id))
        return str(run.id)


_launcher: Launcher | None = None


def get_launcher() -> Launcher:
    if _launcher is not None:
        return _launcher
    return PrefectLauncher() if os.environ.get("PREFECT_API_URL") else ThreadLauncher()


def set_launcher(launcher: Launcher | None) -> None:
    """Choose the runner (None: by the environment, as above)."""
    global _launcher
    _launcher = launcher
