"""Embedded (ephemeral) Prefect as `citylive` runs it: every task run recorded, a clean console,
and the demo from start to end.  Each run gets a copy of the test server's migrated Prefect
database, so no run pays for Prefect's migrations.

A process that runs flows embedded waits before it exits until Prefect has recorded their task
runs (`embedded_runs`, or `wait_until_recorded` as the demo does), so Prefect's temporary server
is stopped only once its task-run recorder is idle (docs/orchestration.md, "Shutdown")."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import flows  # noqa: F401 - CityLive's Prefect defaults before prefect is imported

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.xdist_group("prefect")

HUNDRED = """
from flows._prefect import embedded_runs
from prefect import flow, task

@task
def work(i: int) -> int:
    return i * 2

@flow(name="hundred")
def hundred() -> int:
    return sum(work(i) for i in range(100))

with embedded_runs():
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


def test_recorder_flush_interval_is_whole_seconds() -> None:
    # Prefect's recorder sleeps int(flush_interval) between flushes: below 1 it never sleeps
    from flows._prefect import configure

    env: dict[str, str] = {}
    configure(env)
    interval = float(env["PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL"])
    assert interval == int(interval) == 1


def test_embedded_runs_without_a_flow_starts_no_server(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CITYLIVE_"))}
    env["CITYLIVE_DATA_DIR"] = str(tmp_path)
    code = "from flows._prefect import embedded_runs\nwith embedded_runs():\n    print('inside')\n"
    run = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert (run.returncode, run.stdout, run.stderr) == (0, "inside\n", "")


def _demo(prefect_server: str, data_dir: Path) -> tuple[str, Path]:
    """Run `citylive demo` on the small festival in its own data folder; its output and report."""
    env = _embedded_env(prefect_server, data_dir)
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
    return output, Path(output.split("Report: ", 1)[1].split()[0])


def _figures(output: str, report: Path, data_dir: Path) -> tuple[list[str], str]:
    """What a demo run tells, without what differs by nature: ports, paths, run ids, the
    clock, and how the messages split between the two sends (the coordinators answer while
    the first send runs, so a notice of theirs goes in the first or the second; the
    "Delivered" total is compared)."""
    told = output.split("What happened", 1)[1].split("Report: ", 1)[0]
    by_nature = ("Prefect", "Told")
    lines = [line for line in told.splitlines() if not line.lstrip().startswith(by_nature)]
    lines += [
        line
        for line in output.splitlines()
        if line.lstrip().startswith(("Live day", "Stand-ins", "Replaced"))
    ]
    html = report.read_text(encoding="utf-8").replace(str(data_dir), "DATA")
    return lines, re.sub(r"生成时间 [0-9: -]+", "生成时间 T", html)


def test_demo_on_the_small_festival_tells_the_same_story_with_the_same_figures_twice(
    prefect_server: str,
    tmp_path: Path,
) -> None:
    first, report = _demo(prefect_server, tmp_path / "one")
    assert report.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
    assert "Planned     version 1: 10 of 10 requested sessions" in first
    assert "3 town coordinators answered through the API" in first
    assert "Figures     GMV 109,452.56 yuan, net 106,667.04 yuan, 359 orders, 317 buyers." in first
    assert "Live day    2020-06-06 21:15: 2 live, 1 late, 1 no-show, 0 ended" in first
    assert (
        "Replaced    none for small-2020-s00011 (juhao did not show): no waiting request of "
        "古镇镇 fits session small-2020-s00011: of 0 waiting." in first
    )
    board = Path(first.split("  Board       ", 1)[1].split()[0]).read_text(encoding="utf-8")
    assert (
        '<article class="live-card no_show" id="small-2020-s00011" '
        'data-session="small-2020-s00011" data-state="no_show">' in board
    )
    second, again = _demo(prefect_server, tmp_path / "two")
    assert _figures(second, again, tmp_path / "two") == _figures(first, report, tmp_path / "one")
