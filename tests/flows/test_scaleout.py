"""Scale-out on one machine: a Prefect server on PostgreSQL, two process workers on the
`citylive` pool, the deployments from prefect.yaml, the API as its own process.

plan-festival runs through its deployment; a coordinator declines a session through the API;
the API's event fires the debounced trigger and replan-festival runs on a worker; an organiser
asks the API for a plan, and the API starts the deployment and follows its job.  Everything
started here is stopped here, and the two databases it created are dropped.

It runs as README "Running for a whole city" says: the server with
PREFECT_SERVER_API_AUTH_STRING, every client (workers, the API, the CLI) with the same
PREFECT_API_AUTH_STRING, and the pool made from prefect-work-pool.json.  An anonymous call
answers 401, and a run cannot replace the workers' command or environment.

Run alone with `pytest -m scaleout` (a few minutes: the server migrates a fresh database).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SMALL = ROOT / "examples" / "small.yaml"
AUTH = ("citylive", "a-long-random-secret")

pytestmark = [pytest.mark.scaleout, pytest.mark.postgres, pytest.mark.xdist_group("scaleout")]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(what: str, check, timeout: float, poll: float = 1.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            got = check()
        except (httpx.HTTPError, OSError):
            got = None
        if got:
            return got
        time.sleep(poll)
    raise AssertionError(f"{what} did not happen within {timeout:.0f} s")


@pytest.fixture
def databases(pg_url: str) -> Iterator[tuple[str, str]]:
    """Two fresh PostgreSQL databases: Prefect's and CityLive's."""
    suffix = uuid.uuid4().hex[:10]
    names = (f"prefect_ci_{suffix}", f"citylive_ci_{suffix}")
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    base = pg_url.rsplit("/", 1)[0].split("://", 1)[1]
    try:
        yield (f"postgresql+asyncpg://{base}/{names[0]}", f"postgresql+psycopg://{base}/{names[1]}")
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Processes:
    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        self.started.append(proc)
        return proc

    def stop_all(self) -> None:
        """Last started first, each gone before the next (workers before their server)."""
        for proc in reversed(self.started):
            if proc.poll() is None:
                proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_scaleout_decline_through_api_triggers_replan_on_a_worker(
    databases: tuple[str, str], tmp_path: Path
) -> None:
    prefect_db, citylive_db = databases
    port, api_port = _free_port(), _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CITYLIVE_"))}
    base |= {
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_UI_ENABLED": "false",
    }
    server_env = base | {
        "PREFECT_API_DATABASE_CONNECTION_URL": prefect_db,
        "PREFECT_SERVER_API_AUTH_STRING": ":".join(AUTH),
    }
    city_env = base | {
        "PREFECT_API_URL": api_url,
        "PREFECT_API_AUTH_STRING": ":".join(AUTH),
        "CITYLIVE_DATABASE_URL": citylive_db,
        "CITYLIVE_DATA_DIR": str(tmp_path / "data"),
    }
    procs = Processes(tmp_path)
    try:
        procs.start(
            "server",
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            server_env,
        )
        _wait(
            "the Prefect server",
            lambda: httpx.get(f"{api_url}/health", timeout=5).status_code == 200,
            240,
        )
        run = lambda *a: subprocess.run(  # noqa: E731
            [str(BIN / "prefect"), "--no-prompt", *a],
            env=city_env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        made = run(
            "work-pool",
            "create",
            "citylive",
            "--type",
            "process",
            "--base-job-template",
            str(ROOT / "prefect-work-pool.json"),
        )
        assert made.returncode == 0, made.stdout + made.stderr
        deployed = run("deploy", "--all")
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        for n in (1, 2):
            procs.start(
                f"worker{n}",
                [str(BIN / "prefect"), "worker", "start", "--pool", "citylive", "--name", f"w{n}"],
                city_env,
            )
        client = httpx.Client(base_url=api_url, timeout=30, auth=AUTH)
        plan = client.get("/deployments/name/plan-festival/citylive").json()

        # nobody without the auth string reads or starts anything; nobody with it replaces
        # the command or the environment a worker starts a flow run with
        anonymous = httpx.Client(base_url=api_url, timeout=30)
        command = {"job_variables": {"command": "sh -c 'id > /tmp/owned'"}}
        assert anonymous.get("/deployments/name/plan-festival/citylive").status_code == 401
        assert (
            anonymous.post(f"/deployments/{plan['id']}/create_flow_run", json=command).status_code
            == 401
        )
        assert anonymous.post("/flow_runs/filter", json={}).status_code == 401
        wrong = httpx.post(f"{api_url}/flow_runs/filter", json={}, auth=("citylive", "guess"))
        assert wrong.status_code == 401
        for job_variables in ({"command": "id"}, {"env": {"PATH": "/tmp"}}, {"env.PATH": "/tmp"}):
            refused = client.post(
                f"/deployments/{plan['id']}/create_flow_run",
                json={"job_variables": job_variables},
            )
            assert refused.status_code == 422, refused.text
        flow_run = client.post(
            f"/deployments/{plan['id']}/create_flow_run",
            json={"parameters": {"festival_file": str(SMALL), "time_limit": 3}},
        ).json()

        def finished(run_id: str) -> str | None:
            state = client.get(f"/flow_runs/{run_id}").json()["state"]["type"]
            return state if state in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") else None

        assert (
            _wait("plan-festival through its deployment", lambda: finished(flow_run["id"]), 240)
            == "COMPLETED"
        )

        # a coordinator declines through the API (its own process, emitting Prefect events)
        token = subprocess.run(
            [str(BIN / "citylive"), "token", "create", "--role", "coordinator", "--town", "guzhen"],
            env=city_env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert token.returncode == 0, token.stderr
        bearer = {"Authorization": f"Bearer {token.stdout.strip().splitlines()[-1]}"}
        procs.start(
            "api",
            [str(BIN / "citylive"), "serve", "--host", "127.0.0.1", "--port", str(api_port)],
            city_env,
        )
        web = f"http://127.0.0.1:{api_port}/api/v1"
        sessions = _wait(
            "the CityLive API",
            lambda: httpx.get(
                f"{web}/festivals/small-2020/sessions", headers=bearer, timeout=5
            ).json()["data"],
            180,  # two workers importing the app on a busy machine
        )
        declined = httpx.post(
            f"{web}/sessions/{sessions[0]['id']}/decline",
            json={"reason": "the streamer is ill"},
            headers=bearer,
            timeout=30,
        )
        assert declined.status_code == 200, declined.text

        def replan_run() -> dict | None:
            runs = client.post(
                "/flow_runs/filter",
                json={"flows": {"name": {"any_": ["replan-festival"]}}, "limit": 5},
            ).json()
            return runs[0] if runs else None

        triggered = _wait("the trigger's replan-festival run", replan_run, 120)
        assert triggered["parameters"]["festival_id"] == "small-2020"
        assert (
            _wait("replan-festival on a worker", lambda: finished(triggered["id"]), 180)
            == "COMPLETED"
        )

        # an organiser asks the API for a plan: it starts the plan-festival deployment on a
        # worker, answers with the flow run's id, and the job row follows the run to its end
        organiser = subprocess.run(
            [str(BIN / "citylive"), "token", "create", "--role", "organiser"],
            env=city_env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert organiser.returncode == 0, organiser.stderr
        boss = {"Authorization": f"Bearer {organiser.stdout.strip().splitlines()[-1]}"}
        asked = httpx.post(
            f"{web}/festivals/small-2020/plan", json={"time_limit": 3}, headers=boss, timeout=60
        )
        assert asked.status_code == 202, asked.text
        job = asked.json()
        assert (job["runner"], job["festival"]) == ("prefect", "small-2020")
        assert job["flow_run_id"] is not None
        started = client.get(f"/flow_runs/{job['flow_run_id']}").json()
        assert started["parameters"] == {  # workers: the deployment's default (prefect.yaml)
            "festival_id": "small-2020",
            "time_limit": 3.0,
            "job_id": job["id"],
            "workers": 2,
        }
        again = httpx.post(f"{web}/festivals/small-2020/plan", headers=boss, timeout=60)
        assert again.status_code == 409, again.text
        assert again.json()["job"] == job["id"]
        assert (
            _wait("the API's plan-festival run", lambda: finished(job["flow_run_id"]), 240)
            == "COMPLETED"
        )
        done = httpx.get(f"{web}/festivals/small-2020/plan/{job['id']}", headers=boss, timeout=30)
        assert done.status_code == 200, done.text
        assert (done.json()["status"], done.json()["version"]) == ("completed", 3)

        engine = sa.create_engine(citylive_db)
        with engine.connect() as conn:
            versions = (
                conn.execute(
                    sa.text(
                        "select version from schedule_version where festival_id = 'small-2020' order by version"
                    )
                )
                .scalars()
                .all()
            )
        engine.dispose()
        assert versions == [1, 2, 3]
    finally:
        procs.stop_all()
