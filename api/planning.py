"""Launching planning from the API.

The launcher is a hook: by default planning runs in a thread of this process; a deployment
with an orchestrator replaces it with `set_launcher(...)` (for example one that starts the
plan flow and reads the flow run's state).
"""

from __future__ import annotations

import logging
import threading
import uuid
from typing import Protocol

from sqlalchemy.engine import Engine

from api.schemas import PlanRunPublic
from citylive.db import session_scope
from models._types import utcnow

log = logging.getLogger("citylive.api.planning")


class PlanLauncher(Protocol):
    def launch(
        self, *, festival_id: str, time_limit: float, engine: Engine | None = None
    ) -> PlanRunPublic: ...

    def status(self, run_id: str) -> PlanRunPublic | None: ...


def plan_and_store(*, festival_id: str, time_limit: float, engine: Engine | None = None) -> int:
    """Plan the stored festival (from its current schedule, if any) and store the version."""
    from citylive.actions.planning import plan_and_release

    with session_scope(engine) as db:
        return plan_and_release(
            db=db, festival_id=festival_id, time_limit=time_limit, reason="api"
        ).version


class ThreadLauncher:
    """Runs each plan in a daemon thread; keeps the runs' states in memory."""

    def __init__(self) -> None:
        self._runs: dict[str, PlanRunPublic] = {}
        self._lock = threading.Lock()

    def launch(
        self, *, festival_id: str, time_limit: float, engine: Engine | None = None
    ) -> PlanRunPublic:
        run = PlanRunPublic(id=uuid.uuid4().hex, festival=festival_id, status="scheduled")
        with self._lock:
            self._runs[run.id] = run
        threading.Thread(
            target=self._run, args=(run.id, festival_id, time_limit, engine), daemon=True
        ).start()
        return run

    def _set(self, run_id: str, **changes: object) -> None:
        with self._lock:
            self._runs[run_id] = self._runs[run_id].model_copy(update=changes)

    def _run(self, run_id: str, festival_id: str, time_limit: float, engine: Engine | None) -> None:
        self._set(run_id, status="running", started_at=utcnow())
        try:
            version = plan_and_store(festival_id=festival_id, time_limit=time_limit, engine=engine)
        except Exception as exc:  # noqa: BLE001 - the run's status carries the failure
            log.exception("planning %s failed", festival_id)
            self._set(run_id, status="failed", finished_at=utcnow(), message=str(exc)[:500])
            return
        self._set(
            run_id,
            status="completed",
            finished_at=utcnow(),
            version=version,
            message=f"stored schedule version {version}",
        )

    def status(self, run_id: str) -> PlanRunPublic | None:
        with self._lock:
            return self._runs.get(run_id)


_launcher: PlanLauncher = ThreadLauncher()


def get_launcher() -> PlanLauncher:
    return _launcher


def set_launcher(launcher: PlanLauncher) -> None:
    global _launcher
    _launcher = launcher
