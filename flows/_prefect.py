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
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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
    # The task-run recorder and the event persister write to the database from two places: the
    # message consumer, whenever `batch_size` events are queued, and a periodic flush.  When the
    # temporary server stops, a write in the consumer is cancelled again at every await
    # (anyio's cancel scope), its rollback too ("Exception during reset or similar"), and a
    # periodic recorder flush cut short logs "Error flushing N events" with its traceback.
    # With batches no flow reaches, only the periodic flush writes: one transaction a second
    # with all that is queued, in the order it came.  `wait_until_recorded` relies on that
    # order to know the recorder is idle before the server stops (docs/orchestration.md,
    # "Shutdown").  By default the recorder wrote one task run per transaction and fell behind.
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "1000",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_READ_BATCH_SIZE": "1000",
    # Whole seconds: the recorder sleeps `int(flush_interval)` between flushes, so 0.5 became 0,
    # a loop that never slept (a tenth of a core while idle) and flushed each event on arrival.
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "1",
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_BATCH_SIZE": "1000",
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_FLUSH_INTERVAL": "1",
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

# Prefect's API returns at most this many rows per read
PAGE = 200


def wait_until_recorded(flow_run_ids: list[str], *, timeout: float = 60.0) -> tuple[int, int]:
    """Wait until Prefect has recorded every task run of these flow runs (and their subflows).

    Call it (from sync code) after the last flow run of a process and before the process ends:
    in embedded mode Prefect stops its temporary server when the process exits, and a stop that
    lands while the task-run recorder is writing cancels that write and prints its traceback
    (docs/orchestration.md, "Shutdown").  Returns (task runs recorded, of which finished);
    stops waiting after `timeout` seconds.

    Done means: every task run named in the runs' log lines is recorded in a final state, and
    a second look finds the same counts.  Prefect logs "Finished in state ..." for every task
    run that ran, and the recorder writes events in the order they came, one flush at a time
    (see EMBEDDED_DEFAULTS), so once those final states are there nothing of these runs is left
    to write.  A task run whose process was killed never finishes and is not waited for.
    """
    from prefect.client.orchestration import get_client
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    deadline = time.monotonic() + timeout
    # What this process still holds goes to the server first: the events the recorder turns
    # into task runs, and the log lines that name every task run that finished.
    for worker in (EventsWorker, APILogWorker):
        worker.drain_all(timeout=max(deadline - time.monotonic(), 0.0))
    last: tuple[int, int] | None = None
    with get_client(sync_client=True) as client:
        ids = _with_subflows(client, set(flow_run_ids))
        if not ids:
            return (0, 0)
        expected = _task_runs_named_in_logs(client, ids)
        while True:
            runs = _task_runs(client, ids)
            finished = {str(r.id) for r in runs if r.state is not None and r.state.is_final()}
            now = (len(runs), len(finished))
            complete = expected <= finished
            if (complete and now == last) or time.monotonic() > deadline:
                return now
            last = now if complete else None
            time.sleep(0.3)


@contextmanager
def embedded_runs(*, timeout: float = 60.0) -> Iterator[None]:
    """Run flows in this block; leaving it waits until Prefect has recorded their task runs.

    For a command that runs flows in its own process: with no PREFECT_API_URL (embedded mode)
    it calls `wait_until_recorded` for every flow run started inside the block, so the
    temporary server is idle when it stops at exit.  Against a Prefect server, or when no flow
    ran, it waits for nothing.
    """
    from prefect.settings import PREFECT_API_URL

    started = datetime.now(UTC)
    try:
        yield
    finally:
        if not PREFECT_API_URL.value() and _temporary_server_running():
            wait_until_recorded(flow_runs_started_since(started), timeout=timeout)


def _temporary_server_running() -> bool:
    """Whether this process started Prefect's temporary server (asking the API would start it)."""
    server = sys.modules.get("prefect.server.api.server")  # imported by the client to start it
    return server is not None and bool(server.SubprocessASGIServer().running)


def flow_runs_started_since(started: datetime) -> list[str]:
    """Ids of the flow runs that started at or after `started` (UTC), subflow runs included."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterStartTime

    ids: list[str] = []
    with get_client(sync_client=True) as client:
        while True:  # the API returns at most PAGE at a time
            page = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(start_time=FlowRunFilterStartTime(after_=started)),
                limit=PAGE,
                offset=len(ids),
            )
            ids.extend(str(f.id) for f in page)
            if len(page) < PAGE:
                return ids


def _with_subflows(client: Any, ids: set[str]) -> list[str]:
    """These flow runs and their subflow runs, level by level."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

    frontier = set(ids)
    while frontier:
        children = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=sorted(frontier))
            ),
            limit=PAGE,
        )
        frontier = {str(f.id) for f in children} - ids
        ids |= frontier
    return sorted(ids)


def _task_runs_named_in_logs(client: Any, flow_run_ids: list[str]) -> set[str]:
    """Task runs that wrote a log line: each finished one did ("Finished in state ...")."""
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    log_filter = LogFilter(flow_run_id=LogFilterFlowRunId(any_=flow_run_ids))
    named: set[str] = set()
    offset = 0
    while True:  # the API returns at most PAGE at a time
        page = client.read_logs(log_filter=log_filter, limit=PAGE, offset=offset)
        named |= {str(line.task_run_id) for line in page if line.task_run_id is not None}
        offset += len(page)
        if len(page) < PAGE:
            return named


def _task_runs(client: Any, flow_run_ids: list[str]) -> list[Any]:
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    runs: list[Any] = []
    while True:  # the API returns at most PAGE at a time
        page = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=flow_run_ids)),
            limit=PAGE,
            offset=len(runs),
        )
        runs.extend(page)
        if len(page) < PAGE:
            return runs
