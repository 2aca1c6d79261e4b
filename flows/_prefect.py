"""Prefect's configuration for CityLive, applied before `prefect` is imported.

Prefect reads its settings from the environment once, when it is first imported, so this module
only touches `os.environ` and must run first: `flows/__init__.py` imports it, and Python runs a
package's `__init__` before any of its modules, so `import flows.plan_festival` configures
Prefect before that module imports it.  Each value is a default: a variable already set in
the environment wins.  docs/orchestration.md explains each one and the measurements behind it.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

# Embedded (ephemeral) mode, measured with Prefect 3.9.1 on a flow of 100 tasks:
# with Prefect's defaults 10-20 of the 100 task runs reached Prefect's database, with the
# values below all of them did (100/100, 500/500), and nothing was printed at ERROR level.
EMBEDDED_DEFAULTS: dict[str, str] = {
    # The server's telemetry sends a heartbeat to Prefect's analytics service: offline it logs
    # an ERROR ("Failed to send telemetry"), and on a fresh database it races the migrations
    # for SQLite's write lock ("database is locked", with a traceback).
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # The client's own usage analytics (Prefect reads the DO_NOT_TRACK convention): a city's
    # planning machine has no business calling out, and often cannot.
    "DO_NOT_TRACK": "1",
    # The task-run recorder writes one task run per transaction by default (batch size 1), falls
    # behind, and is cancelled with its queue still full when the temporary server stops
    # (CancelledError tracebacks, task runs lost).  Batches keep it level with the flow.
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "200",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_READ_BATCH_SIZE": "200",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "0.5",
    # A fresh Prefect database is migrated when the temporary server first starts; on two
    # cores that took 20-25 s, past the default 20 s start-up limit.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}


def prefect_home() -> Path:
    """Prefect's state lives in the data folder (`CITYLIVE_DATA_DIR/prefect`), not in ~/.prefect."""
    data_dir = Path(os.environ.get("CITYLIVE_DATA_DIR") or "./.citylive")
    return (data_dir / "prefect").resolve()


def configure(environ: dict[str, str] | None = None) -> dict[str, str]:
    """Set CityLive's Prefect defaults in `environ` (os.environ); returns what was set."""
    env = os.environ if environ is None else environ
    wanted = {"PREFECT_HOME": str(prefect_home()), **EMBEDDED_DEFAULTS}
    applied = {}
    for key, value in wanted.items():
        if key not in env:
            env[key] = value
            applied[key] = value
    # Prefect creates its home without parents and warns when that fails
    Path(env["PREFECT_HOME"]).expanduser().mkdir(parents=True, exist_ok=True)
    return applied


# Prefect reads the environment when first imported; configuring after that has no effect.
PREFECT_IMPORTED_FIRST = "prefect" in sys.modules
APPLIED = configure()


def wait_until_recorded(flow_run_ids: list[str], *, timeout: float = 15.0) -> tuple[int, int]:
    """Wait until Prefect has recorded every task run of these flow runs (and their subflows).

    The task-run recorder writes asynchronously; the CLI calls this before the process (and
    with it the temporary server) ends, so the runs shown in Prefect's UI are complete.
    Returns (task runs recorded, of which finished).  Stops waiting after `timeout` seconds.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        FlowRunFilterParentFlowRunId,
    )

    deadline = time.monotonic() + timeout
    last = (-1, -1)
    stable = 0
    with get_client(sync_client=True) as client:
        ids = set(flow_run_ids)
        frontier = set(ids)
        while frontier:  # subflow runs, level by level
            children = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=list(frontier))  # type: ignore[arg-type]
                ),
                limit=200,
            )
            frontier = {str(f.id) for f in children} - ids
            ids |= frontier
        while True:
            runs: list = []
            while True:  # the API returns at most 200 at a time
                page = client.read_task_runs(
                    flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=list(ids))),  # type: ignore[arg-type]
                    limit=200,
                    offset=len(runs),
                )
                runs.extend(page)
                if len(page) < 200:
                    break
            done = sum(1 for r in runs if r.state is not None and r.state.is_final())
            now = (len(runs), done)
            stable = stable + 1 if now == last and done == len(runs) else 0
            if stable >= 2 or time.monotonic() > deadline:
                return now
            last = now
            time.sleep(0.3)
