"""Benchmark: festival-lifecycle end to end, Prefect's overhead against the work, peak memory.

Each instance runs in a fresh child process with a fresh data folder (embedded SQLite, Prefect
in embedded mode).  The lifecycle runs without waiting for people: no answers by the deadline
(the silence rule applies); the platforms' exports (demo/exports.py, 20-60 orders per
session) are written to the inbox by a thread once version 1 is out.  Work = the time spent inside the leaf
tasks, as Prefect recorded them (start to end of each task run); Prefect's overhead = the flow
call's wall time minus that work (task and flow run bookkeeping, the API calls, subflows,
artifacts).  The temporary server's start-up is reported apart.

    python bench/lifecycle.py [--instances example city] [--time-limit 30]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, sys, threading, time
t0 = time.monotonic()
import flows
from flows import _prefect
from demo.story import _current_version, _exports_writer, _wait_for
from flows.collect_sales import inbox_of
from flows.lifecycle import festival_lifecycle
from citylive.db import get_engine
from citylive.festival import load_festival

fid = load_festival(sys.argv[1]).id

def platforms():  # the exports arrive once version 1 is out
    _wait_for(lambda: _current_version(fid) >= 1, timeout=1200)
    _exports_writer()(engine=get_engine(), festival_id=fid, out_dir=inbox_of(fid), seed=2020)

threading.Thread(target=platforms, daemon=True).start()
from prefect.client.orchestration import get_client
with get_client(sync_client=True) as c:  # starts the temporary server
    c.hello()
started = time.monotonic()
state = festival_lifecycle(festival_file=sys.argv[1], time_limit=float(sys.argv[2]),
                           decision_window=0.0, sales_window=1200.0, return_state=True)
ended = time.monotonic()
state.result()
run_id = str(state.state_details.flow_run_id)
recorded = _prefect.wait_until_recorded([run_id])
print(json.dumps({"flow_run": run_id, "server_start": started - t0, "flow_wall": ended - started,
                  "recorded": recorded, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

LEAVES = """
with runs(id) as (
  select id from flow_run where id = :root
  union select f.id from flow_run f join task_run t on f.parent_task_run_id = t.id
  where t.flow_run_id in (select id from flow_run where id = :root)
)
select t.name, t.start_time, t.end_time from task_run t
where t.flow_run_id in (select id from runs)
  and not exists (select 1 from flow_run f where f.parent_task_run_id = t.id)
"""


def _seconds(a: str, b: str) -> float:
    return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds()


def run(instance: str, time_limit: float, prefect_db: Path | None) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"citylive-bench-life-{instance}-") as tmp:
        data = Path(tmp)
        if instance == "example":
            festival = ROOT / "examples" / "zhongshan-2020.yaml"
        else:
            sys.path.insert(0, str(ROOT))
            from bench.generate import generate

            festival = data / f"{instance}.json"
            festival.write_text(
                json.dumps(generate(instance), ensure_ascii=False), encoding="utf-8"
            )
        home = data / "prefect"
        home.mkdir()
        if prefect_db is not None and prefect_db.exists():  # skip Prefect's migrations
            with sqlite3.connect(prefect_db) as src, sqlite3.connect(home / "prefect.db") as dst:
                src.backup(dst)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CITYLIVE_"))}
        env |= {"CITYLIVE_DATA_DIR": str(data), "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING"}
        t0 = time.monotonic()
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(festival), str(time_limit)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        total = time.monotonic() - t0
        if child.returncode != 0:
            raise SystemExit(f"{instance}: the lifecycle failed:\n{child.stderr[-3000:]}")
        out = json.loads(child.stdout.strip().splitlines()[-1])
        with sqlite3.connect(home / "prefect.db") as db:
            leaves = db.execute(LEAVES, {"root": out["flow_run"]}).fetchall()
        work = sum(_seconds(a, b) for _, a, b in leaves if a and b)
        waiting = sum(_seconds(a, b) for n, a, b in leaves if a and b and n.startswith("await_"))
        by_task: dict[str, float] = {}
        for n, a, b in leaves:
            if a and b:
                key = n.rsplit("-", 1)[0]
                by_task[key] = by_task.get(key, 0.0) + _seconds(a, b)
        if prefect_db is not None and not prefect_db.exists():
            prefect_db.parent.mkdir(parents=True, exist_ok=True)
            with sqlite3.connect(home / "prefect.db") as src, sqlite3.connect(prefect_db) as dst:
                src.backup(dst)
        overhead = out["flow_wall"] - work
        return {
            "instance": instance,
            "process_s": round(total, 1),
            "server_start_s": round(out["server_start"], 1),
            "flow_wall_s": round(out["flow_wall"], 1),
            "work_s": round(work, 1),
            "of_which_waiting_for_exports_s": round(waiting, 1),
            "prefect_overhead_s": round(overhead, 1),
            "overhead_pct": round(100 * overhead / out["flow_wall"], 1),
            "task_runs": len(leaves),
            "recorded": out["recorded"],
            "peak_rss_mib": round(out["peak_rss_mib"]),
            "largest_tasks_s": {
                k: round(v, 1) for k, v in sorted(by_task.items(), key=lambda kv: -kv[1])[:6]
            },
        }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--instances", nargs="+", default=["example", "city"])
    p.add_argument("--time-limit", type=float, default=30.0)
    args = p.parse_args(argv)
    template = Path(tempfile.gettempdir()) / "citylive-bench-life-prefect.db"
    rows = [run(i, args.time_limit, template) for i in args.instances]
    for r in rows:
        print(json.dumps(r))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
