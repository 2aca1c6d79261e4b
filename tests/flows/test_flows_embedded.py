"""Embedded (ephemeral) Prefect as `citylive` runs it: every task run recorded, a clean console,
and the demo from start to end.  Each run gets a copy of the test server's migrated Prefect
database, so no run pays for Prefect's migrations."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import flows  # noqa: F401 - CityLive's Prefect defaults before prefect is imported

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.xdist_group("prefect")

HUNDRED = """
from flows._prefect import wait_until_recorded
from prefect import flow, task

@task
def work(i: int) -> int:
    return i * 2

@flow(name="hundred")
def hundred() -> int:
    return sum(work(i) for i in range(100))

state = hundred(return_state=True)
print("result", state.result(), "flow_run", state.state_details.flow_run_id)
"""


def _embedded_env(prefect_server: str, data_dir: Path) -> dict[str, str]:
    """A data folder whose Prefect home holds a migrated copy of the test server's database."""
    from prefect.settings import PREFECT_SERVER_DATABASE_CONNECTION_URL

    source = str(PREFECT_SERVER_DATABASE_CONNECTION_URL.value()).split("///", 1)[1]
    home = data_dir / "prefect"
    home.mkdir(parents=True)
    with sqlite3.connect(source) as src, sqlite3.connect(home / "prefect.db") as dst:
        src.backup(dst)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CITYLIVE_"))}
    env["CITYLIVE_DATA_DIR"] = str(data_dir)
    return env


def test_embedded_flow_of_100_tasks_records_all_and_prints_no_error(
    prefect_server: str,
    tmp_path: Path,
) -> None:
    env = _embedded_env(prefect_server, tmp_path)
    code = "import flows\n" + HUNDRED
    run = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "Traceback" not in output
    assert "| ERROR" not in output
    assert "database is locked" not in output
    flow_run = output.split("flow_run ", 1)[1].split()[0]
    with sqlite3.connect(tmp_path / "prefect" / "prefect.db") as db:
        states = dict(
            db.execute(
                "select state_type, count(*) from task_run where flow_run_id = ? group by state_type",
                (flow_run.replace("-", ""),),
            ).fetchall()
            or db.execute(
                "select state_type, count(*) from task_run where flow_run_id = ? group by state_type",
                (flow_run,),
            ).fetchall()
        )
    assert states == {"COMPLETED": 100}


def test_demo_on_the_small_festival_tells_the_story_without_error(
    prefect_server: str,
    tmp_path: Path,
) -> None:
    env = _embedded_env(prefect_server, tmp_path / "data")
    env["COLUMNS"] = "200"
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "citylive"),
            "demo",
            "--festival",
            "examples/small.yaml",
            "--time-limit",
            "3",
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "Traceback" not in output
    assert "ERROR" not in output
    report = Path(output.split("Report: ", 1)[1].split()[0])
    assert report.is_file()
    assert report.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
    assert "Planned     version 1: 10 of 10 requested sessions" in output
    assert "3 town coordinators answered through the API" in output
