"""The one way the planner reaches Dask: jobs run as Prefect tasks on Dask workers, through
prefect-dask's task runner.

`workers` local worker processes (a temporary `distributed.LocalCluster`, one thread each),
or the running cluster at `address` (`CITYLIVE_DASK_ADDRESS`, e.g. `tcp://10.0.0.5:8786`,
whose workers run in an environment where `citylive` is installed).  Prefect records the
flow and each task run: against the server at `PREFECT_API_URL`, or a temporary embedded one.
Prefect and Dask are imported only when a plan is made in parts.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

# Prefect reads its settings once, when first imported: the same defaults as the flows'
# (docs/orchestration.md), for a command line that plans in parts without them.
_PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}

Job = tuple[str, tuple[Any, ...]]  # a name for the progress line, the function's arguments


def run_jobs(
    fn: Callable[..., dict],
    jobs: list[Job],
    *,
    workers: int,
    address: str | None,
    on_done: Callable[[str, dict], None],
) -> dict[str, dict]:
    """Run `fn(*args)` for every job on Dask, in the order given (so put the longest
    first); `on_done(name, result)` hears of each as it finishes.  Returns the results by
    name."""
    for key, value in _PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value() or address:
        return _run(fn, jobs, workers=workers, address=address, on_done=on_done)
    # no Prefect server: one temporary server for the flow and every local worker (each
    # would start its own otherwise); its address goes to the workers in the environment
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start(timeout=int(_PREFECT_DEFAULTS["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"]))
    os.environ["PREFECT_API_URL"] = server.api_url
    try:
        with temporary_settings({PREFECT_API_URL: server.api_url}):
            return _run(fn, jobs, workers=workers, address=None, on_done=on_done)
    finally:
        from prefect.logging.handlers import APILogHandler

        APILogHandler().flush()  # the run's last log lines, while the server still listens
        del os.environ["PREFECT_API_URL"]
        server.stop()


def _run(
    fn: Callable[..., dict],
    jobs: list[Job],
    *,
    workers: int,
    address: str | None,
    on_done: Callable[[str, dict], None],
) -> dict[str, dict]:
    from prefect import flow, task
    from prefect.cache_policies import NO_CACHE
    from prefect.futures import as_completed
    from prefect_dask import DaskTaskRunner

    if address:
        runner = DaskTaskRunner(address=address)
    else:
        runner = DaskTaskRunner(
            cluster_kwargs={
                "n_workers": workers,
                "threads_per_worker": 1,
                "processes": True,
                "dashboard_address": None,
                "silence_logs": logging.WARNING,
            }
        )
    solve = task(name="plan-part", cache_policy=NO_CACHE, persist_result=False)(fn)

    @flow(name="plan-in-parts", task_runner=runner, log_prints=False, persist_result=False)  # type: ignore[arg-type]
    def plan_in_parts() -> dict[str, dict]:
        futures = {solve.submit(*args): name for name, args in jobs}
        out: dict[str, dict] = {}
        for fut in as_completed(list(futures)):
            name = futures[fut]
            out[name] = fut.result()
            on_done(name, out[name])
        return out

    return plan_in_parts()
