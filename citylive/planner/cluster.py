"""The one way the planner reaches Dask: jobs run as Prefect tasks on Dask workers, through
prefect-dask's task runner.

`workers` local worker processes (a temporary `distributed.LocalCluster`, one thread each,
on 127.0.0.1 with a certificate made for it alone, so no other user of the machine can
connect), or the running cluster at `CITYLIVE_DASK_ADDRESS` (e.g. `tls://10.0.0.5:8786`,
whose workers run in an environment where `citylive` is installed).  A Dask worker runs any
code its scheduler is sent, so the planner reaches another machine only over mutual TLS
(`dask_target`: the cluster's CA, and the planner's certificate and key signed by it); plain
`tcp://` is for a scheduler on this machine.  Prefect records the flow and each task run:
against the server at `PREFECT_API_URL`, or a temporary embedded one.  Prefect and Dask are
imported only when a plan is made in parts.
"""

from __future__ import annotations

import ipaddress
import itertools
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from citylive.planner.data import PlanError

# Prefect reads its settings once, when first imported: the same defaults as the flows'
# (docs/orchestration.md), for a command line that plans in parts without them.
_PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}

Job = tuple[str, tuple[Any, ...]]  # a name for the progress line, the function's arguments
TLS_SETTINGS = ("CITYLIVE_DASK_TLS_CA", "CITYLIVE_DASK_TLS_CERT", "CITYLIVE_DASK_TLS_KEY")
FIX = (
    "use a tls:// address and set CITYLIVE_DASK_TLS_CA, CITYLIVE_DASK_TLS_CERT and "
    'CITYLIVE_DASK_TLS_KEY (README, "Running for a whole city")'
)


@dataclass(frozen=True)
class DaskTarget:
    """Where the parts are solved: the scheduler at `address` (none: local workers), reached
    with `tls` (the cluster's CA, the planner's certificate and its key) when set."""

    address: str | None = None
    tls: tuple[Path, Path, Path] | None = None


def dask_target(
    address: str | None, ca: Path | None, cert: Path | None, key: Path | None
) -> DaskTarget:
    """The checked target of `CITYLIVE_DASK_ADDRESS` and the TLS settings, refused (PlanError,
    naming the setting and the fix) before anything connects: a scheduler on another machine
    only over tls:// with the three files; tcp:// (or no scheme) only on loopback."""
    if not address:
        return DaskTarget()
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    setting = f"CITYLIVE_DASK_ADDRESS={address}"
    files = dict(zip(TLS_SETTINGS, (ca, cert, key), strict=True))
    given = {name: Path(path) for name, path in files.items() if path is not None}
    if scheme == "tls":
        if len(given) < len(files):
            unset = [name for name in files if name not in given]
            raise PlanError(
                f"{setting} needs the Dask cluster's CA and this planner's certificate and "
                f"key signed by it: set {' and '.join(unset)}"
            )
        absent = [f"{name}={path}" for name, path in given.items() if not path.is_file()]
        if absent:
            raise PlanError(f"{setting}: no such file: {', '.join(absent)}")
        return DaskTarget(
            address, (given[TLS_SETTINGS[0]], given[TLS_SETTINGS[1]], given[TLS_SETTINGS[2]])
        )
    if scheme != "tcp":
        raise PlanError(f"{setting}: the planner reaches a Dask scheduler by tls:// only; {FIX}")
    if not _loopback(urlsplit(f"//{rest}").hostname or ""):
        raise PlanError(
            f"{setting} would send work in the clear to a Dask scheduler on another machine, "
            f"and whoever reaches its port can run any code on its workers: {FIX}"
        )
    if given:
        raise PlanError(f"{setting} is plain tcp:// but {' and '.join(given)} set: {FIX}")
    return DaskTarget(address)


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run_jobs(
    fn: Callable[..., dict],
    jobs: list[Job],
    *,
    workers: int,
    target: DaskTarget,
    on_done: Callable[[str, dict], None],
) -> dict[str, dict]:
    """Run `fn(*args)` for every job on Dask, in the order given (so put the longest
    first); `on_done(name, result)` hears of each as it finishes.  Returns the results by
    name."""
    for key, value in _PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value() or target.address:
        return _run(fn, jobs, workers=workers, target=target, on_done=on_done)
    # no Prefect server: one temporary server for the flow and every local worker (each
    # would start its own otherwise); its address goes to the workers in the environment
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start(timeout=int(_PREFECT_DEFAULTS["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"]))
    os.environ["PREFECT_API_URL"] = server.api_url
    try:
        with temporary_settings({PREFECT_API_URL: server.api_url}):
            return _run(fn, jobs, workers=workers, target=target, on_done=on_done)
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
    target: DaskTarget,
    on_done: Callable[[str, dict], None],
) -> dict[str, dict]:
    from prefect import flow, task
    from prefect.cache_policies import NO_CACHE
    from prefect_dask import DaskTaskRunner

    # Dask's own INFO lines (the scheduler's start, each worker's registration) would bury
    # the plan's live line; its warnings and errors still show.
    for name in ("distributed", "prefect.task_runner.dask"):
        logging.getLogger(name).setLevel(logging.WARNING)
    if target.address:
        runner = DaskTaskRunner(
            address=target.address, client_kwargs={"security": client_security(target)}
        )
    else:
        runner = DaskTaskRunner(cluster_kwargs=local_cluster_kwargs(workers))
    solve = task(name="plan-part", cache_policy=NO_CACHE, persist_result=False)(fn)
    key = next(_run_keys)
    _RUNS[key] = (jobs, on_done)

    # Prefect sends the flow run's context, this flow included, with every task it submits:
    # the flow holds a key, not the jobs (every part's document) nor `on_done` (a CLI's
    # live line holds a lock that cannot be pickled).
    @flow(name="plan-in-parts", task_runner=runner, log_prints=False, persist_result=False)  # type: ignore[arg-type]
    def plan_in_parts() -> dict[str, dict]:
        return _submit_all(key, solve)

    try:
        return plan_in_parts()
    finally:
        del _RUNS[key]


_RUNS: dict[int, tuple[list[Job], Callable[[str, dict], None]]] = {}
_run_keys = itertools.count()


def _submit_all(key: int, solve: Any) -> dict[str, dict]:
    """Inside the flow: submit every job, hear of each as it finishes."""
    from prefect.futures import as_completed

    jobs, on_done = _RUNS[key]
    futures = {solve.submit(*args): name for name, args in jobs}
    out: dict[str, dict] = {}
    for fut in as_completed(list(futures)):
        name = futures[fut]
        out[name] = fut.result()
        on_done(name, out[name])
    return out


def client_security(target: DaskTarget) -> Any:
    """The planner's `distributed.security.Security` for `target`: mutual TLS with its files,
    or none (a scheduler on loopback)."""
    from distributed.security import Security

    if target.tls is None:
        return Security()
    ca, cert, key = target.tls
    return Security(
        tls_ca_file=str(ca),
        tls_client_cert=str(cert),
        tls_client_key=str(key),
        require_encryption=True,
    )


def local_cluster_kwargs(workers: int) -> dict[str, Any]:
    """`distributed.LocalCluster`'s arguments for `workers` local worker processes: on
    127.0.0.1, over TLS with a key and certificate made for this cluster alone (in memory),
    so another user of the machine can neither connect nor send work."""
    from distributed.security import Security

    return {
        "n_workers": workers,
        "threads_per_worker": 1,
        "processes": True,
        "host": "127.0.0.1",
        "security": Security.temporary(),
        "dashboard_address": None,
        "silence_logs": logging.WARNING,
    }
