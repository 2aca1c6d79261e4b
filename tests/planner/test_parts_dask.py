"""A festival with districts planned in parts on a real Dask cluster: a `dask scheduler` and two
`dask worker` processes on loopback, reached through CITYLIVE_DASK_ADDRESS, the part solves
reported to the Prefect test server; the independent checker reads the schedule.

Run alone with `pytest -m scaleout tests/planner/test_parts_dask.py` (about a minute)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from citylive import config
from citylive.festival import parse_festival
from citylive.planner import plan
from citylive.schedule.checker import check_schedule

pytestmark = [pytest.mark.scaleout, pytest.mark.xdist_group("scaleout")]

BIN = Path(sys.executable).parent
TOWNS = {"d1": ["a", "b"], "d2": ["c", "d"]}


def _festival() -> dict[str, Any]:
    towns = [t for ts in TOWNS.values() for t in ts]
    venues: list[dict[str, Any]] = [
        {"id": "main", "kind": "main", "name": "主会场", "town": "a", "studios": 4}
    ]
    for d in TOWNS:
        venues.append(
            {"id": f"{d}-hall", "kind": "district", "district": d, "name": d, "studios": 2}
        )
    for t in towns:
        venues.append({"id": f"{t}-1", "kind": "sub", "town": t, "name": f"{t}1", "studios": 1})
    venues.append({"id": "a-2", "kind": "sub", "town": "a", "name": "a2", "studios": 1})
    ents = [
        {"id": f"{t}-e{i}", "name": f"{t}{i}", "town": t, "industry": "apparel",
         "sessions": 2, "skus": 10, "platforms": ["douyin"], "expected_gmv": 10000 * (i + 1)}
        for t in towns for i in range(3)
    ]  # fmt: skip
    venues.append({"id": "a-e0-rooms", "kind": "own", "enterprise": "a-e0", "studios": 1})
    streamers = [
        {"id": f"s{i}", "name": f"s{i}", "town": towns[i % 4], "industries": ["apparel"],
         "platforms": ["douyin"], "max_sessions_per_day": 3}
        for i in range(8)
    ]  # fmt: skip
    return {
        "format": "citylive/festival@1",
        "festival": {"id": "parts-test", "name": "parts", "days": ["2020-06-06", "2020-06-07"],
                     "slots": [{"start": f"{h}:00", "end": f"{h + 2}:00"} for h in (10, 12, 14)],
                     "min_skus_per_session": 5},
        "towns": [{"id": t, "name": t, "neighbours": [u for u in towns if u != t][:1]}
                  for t in towns],
        "districts": [{"id": d, "name": d, "towns": ts} for d, ts in TOWNS.items()],
        "industries": [{"id": "apparel", "name": "服装"}],
        "platforms": ["douyin"],
        "venues": venues,
        "enterprises": ents,
        "streamers": streamers,
    }  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_cluster(
    prefect_server: str,
    scheduler_tls: tuple[str, ...] = (),
    worker_tls: tuple[str, ...] = (),
    security: Any = None,
) -> Iterator[str]:
    """A scheduler and two single-threaded workers on loopback (their HTTP servers too, which
    `--no-dashboard` leaves on), started with `scheduler_tls` and `worker_tls` (their `--tls-*`
    flags: then a tls:// cluster), reached here with `security`; yields the scheduler's
    address."""
    port = _free_port()
    address = f"{'tls' if scheduler_tls else 'tcp'}://127.0.0.1:{port}"
    env = os.environ | {"PREFECT_API_URL": prefect_server}
    http = ("--no-dashboard", "--dashboard-address", "127.0.0.1:0")
    scheduler = ["scheduler", "--host", "127.0.0.1", "--port", str(port), *http, *scheduler_tls]
    worker = ["worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--nworkers", "1"]
    procs = [
        subprocess.Popen(
            [BIN / "dask", *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for args in (scheduler, [*worker, *http, *worker_tls], [*worker, *http, *worker_tls])
    ]
    try:
        from distributed import Client

        with Client(address, timeout=60, security=security) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.fixture
def dask_cluster(prefect_server: str) -> Iterator[str]:
    """A plain-tcp scheduler and two workers on loopback; yields the address."""
    with running_cluster(prefect_server) as address:
        yield address


def test_plan_in_parts_on_dask_cluster_keeps_every_rule(
    dask_cluster: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_planned_in_parts(monkeypatch, {"CITYLIVE_DASK_ADDRESS": dask_cluster})


def assert_planned_in_parts(monkeypatch: pytest.MonkeyPatch, settings: dict[str, str]) -> None:
    """The festival with districts planned in parts with `settings` (the environment) keeps
    every rule, each district a part."""
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    config.get_settings.cache_clear()
    festival = parse_festival(_festival())
    stages: list[str] = []
    t0 = time.monotonic()
    try:
        doc = plan(festival, time_limit=20.0, workers=2, parts=True,
                   progress=lambda p: stages.append(p.stage)).dump()  # fmt: skip
    finally:
        config.get_settings.cache_clear()
    assert time.monotonic() - t0 < 120
    assert check_schedule(festival, doc) == []
    st = doc["stats"]
    assert st["hard_violations"] == 0
    assert st["placed_by"] == "parts"
    assert sorted(st["parts"]) == ["d1", "d2"]
    assert [st["parts"][d]["main_studios"] for d in ("d1", "d2")] == [2, 2]
    assert st["placed"] == 24 and st["requested"] == 24
    # the progress heard of each part as it finished
    assert sorted(s.split(" done (")[0] for s in stages if s.startswith("part ")) == [
        "part d1", "part d2",
    ]  # fmt: skip
    live = [s for s in doc["sessions"] if s["status"] == "proposed"]
    at_main = {s["enterprise"][0] for s in live if s["venue"] == "main"}
    assert at_main == {"a", "b", "c", "d"}
    assert {s["enterprise"] for s in live if s["venue"] == "a-e0-rooms"} <= {"a-e0"}
