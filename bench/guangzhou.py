"""The whole-city benchmark: the Guangzhou-like festival planned in parts on 2 Dask workers
beside the greedy, and the city festival planned in parts against its single solve.

    .venv/bin/python bench/guangzhou.py                      # everything, prints JSON lines
    .venv/bin/python bench/guangzhou.py --only greedy planner bound

Each measured step runs in its own process; peak memory is the largest sum of the resident
sizes of that process and all its children (the Dask workers and Prefect's server), sampled
every half second.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GZ_LIMIT = 540.0  # seconds for the Guangzhou plan (the 15-minute target leaves room for start-up and the checks)
CITY_LIMIT = 120.0  # seconds for each city plan


def _at_main(festival, doc: dict) -> dict:  # noqa: ANN001 - a Festival
    """Towns and districts with a placed session, and how many of them have one at the main
    venue."""
    live = [s for s in doc["sessions"] if s["status"] in ("proposed", "confirmed")]
    town = {e.id: e.town for e in festival.enterprises}
    placed = {town[s["enterprise"]] for s in live}
    main = {town[s["enterprise"]] for s in live if s["venue"] == festival.main_venue.id}
    d_of = festival.district_of_town
    return {
        "towns_placed": len(placed), "towns_at_main": len(main & placed),
        "districts_placed": len({d_of[t] for t in placed if t in d_of}),
        "districts_at_main": len({d_of[t] for t in main if t in d_of}),
    }  # fmt: skip


def _child(args: argparse.Namespace) -> None:
    from bench.baselines import flow_value_bound, greedy_floor
    from citylive.festival import load_festival
    from citylive.planner import plan, schedule_stats
    from citylive.schedule.checker import check_schedule

    festival = load_festival(args.festival)
    t0 = time.monotonic()
    out: dict = {}
    if args.child == "greedy":
        doc = greedy_floor(festival)
        out = schedule_stats(festival, doc)
    elif args.child in ("planner", "single"):
        parts = args.child == "planner"
        stages: Counter = Counter()

        def heard(p) -> None:  # noqa: ANN001
            if p.stage.startswith("part "):
                print(f"{p.elapsed:7.1f}s {p.stage} value {p.value:,}", file=sys.stderr)
            stages[p.stage.split(" ")[0]] += 1

        doc = plan(festival, time_limit=args.time_limit, workers=2, parts=parts,
                   progress=heard).dump()  # fmt: skip
        out = dict(doc["stats"])
        out.pop("tradeoffs", None)
    elif args.child == "bound":
        out = {"flow_value_bound": flow_value_bound(festival)}
        out.update(_class_bound(festival))
        out.update(_h8_bound(festival))
        doc = None
    if doc is not None:
        t_check = time.monotonic()
        breaches = check_schedule(festival, doc)
        out["check_seconds"] = round(time.monotonic() - t_check, 2)
        out["breaches"] = len(breaches)
        out["breach_kinds"] = dict(Counter(b.split(":")[0] for b in breaches))
        out.update(_at_main(festival, doc))
    out["wall"] = round(time.monotonic() - t0, 2)
    print(json.dumps(out, ensure_ascii=False, default=str))


def _class_bound(f) -> dict:  # noqa: ANN001 - a Festival
    """A valid upper bound on placed value keeping streamers at day level, in classes:
    streamers alike in industries, platforms and days off share one node a day whose
    capacity is the sum of theirs; enterprises alike in industry and platforms share one
    node a day.  Every schedule is a flow here (each enterprise-day sends its sessions to
    its class, the class to the classes of the streamers that sold them), so the flow's best
    value is at least any schedule's."""
    from bench.baselines import _Flow, _open

    t0 = time.monotonic()
    n = len(f.slots)
    mins = f.info.min_skus_per_session
    fl = _Flow()
    src, sink = fl.node("src"), fl.node("sink")
    s_cap: Counter = Counter()
    s_class: dict[tuple, tuple] = {}
    for s in f.streamers:
        if s.employer is not None:
            key: tuple = ("own", s.employer)
        else:
            key = (frozenset(s.industries), frozenset(s.platforms))
        s_class[key] = key
        free = _open(f, s.unavailable)
        for d in range(len(f.days)):
            k = sum(1 for g in range(d * n, (d + 1) * n) if g in free)
            s_cap[(key, d)] += min(k, s.max_sessions_per_day)
    for (key, d), cap in s_cap.items():
        fl.arc(fl.node(("sc", key, d)), sink, cap, 0)
    e_classes: set = set()
    total = 0
    for e in f.enterprises:
        if e.sessions == 0:
            continue
        total += e.sessions
        en = fl.node(("e", e.id))
        fl.arc(src, en, e.sessions, -e.expected_gmv)
        e_open = _open(f, e.unavailable)
        ek = (e.industry, frozenset(e.platforms))
        e_classes.add(ek)
        for d in range(len(f.days)):
            mine = sum(1 for g in range(d * n, (d + 1) * n) if g in e_open)
            if mine:
                fl.arc(en, fl.node(("ec", ek, d)), min(mine, e.skus // mins), 0)
        own = ("own", e.id)
        if own in s_class:
            for d in range(len(f.days)):
                fl.arc(fl.node(("ec", ek, d)), fl.node(("sc", own, d)), 10**6, 0)
    for ind, plats in e_classes:
        for key in s_class:
            if key[0] == "own" or ind not in key[0] or not plats & key[1]:
                continue
            for d in range(len(f.days)):
                fl.arc(fl.node(("ec", (ind, plats), d)), fl.node(("sc", key, d)), 10**6, 0)
    value = -fl.min_cost(src, sink, total) if total else 0
    return {"class_bound": value, "class_bound_seconds": round(time.monotonic() - t0, 2)}


def _h8_bound(f, steps: int = 7) -> dict:  # noqa: ANN001 - a Festival
    """A valid upper bound on the value of any schedule that gives every town a session at
    the main venue (H8 as the plans here meet it: 71/71 towns), by Lagrangian relaxation of
    that rule in the studio flow: for any bonus L >= 0 per main-venue session of the towns
    the plain flow leaves out of the main venue, value <= flow value + L x sum over those
    towns of (their main-venue sessions - 1) <= the flow's optimum with the bonus, less L
    per town.  Each L gives a bound; the bisection looks for the least (the bound is convex
    in L)."""
    from citylive.planner.data import build_problem
    from citylive.planner.master import master_flow

    t0 = time.monotonic()
    p = build_problem(f)
    towns = {e.town: e.town for e in f.enterprises}
    plain = master_flow(p, towns, pin_h8=False)
    out_of_main = sorted(t for t in set(towns) if plain.main_units.get(t, 0) == 0)

    def bound(bonus: int) -> tuple[int, int]:
        m = master_flow(p, towns, pin_h8=False, bonus={t: bonus for t in out_of_main})
        slack = sum(m.main_units.get(t, 0) - 1 for t in out_of_main)
        return m.value + bonus * slack, slack

    best, lo, hi = plain.value, 0, 400_000
    for _ in range(steps):
        mid = (lo + hi) // 2
        value, slack = bound(mid)
        best = min(best, value)
        lo, hi = (mid, hi) if slack < 0 else (lo, mid)
    return {
        "studio_bound": plain.value,
        "h8_bound": best,
        "towns_out_of_main_in_flow": len(out_of_main),
        "h8_bound_seconds": round(time.monotonic() - t0, 2),
    }


def _measure(cmd: list[str]) -> dict:
    """Run `cmd`, sampling the resident memory of it and its children; its JSON line."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        root = psutil.Process(proc.pid)
        while not stop.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
            except psutil.Error:
                pass
            stop.wait(0.5)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    out, _ = proc.communicate()
    stop.set()
    t.join()
    line = [x for x in out.splitlines() if x.startswith("{")][-1]
    return json.loads(line) | {"peak_mb": round(peak / 2**20)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--child")
    ap.add_argument("--festival")
    ap.add_argument("--time-limit", type=float, default=GZ_LIMIT)
    ap.add_argument("--only", nargs="*", default=["greedy", "planner", "bound", "city"])
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.child:
        _child(args)
        return
    tmp = Path(tempfile.mkdtemp(prefix="gz-bench-"))
    gz, city = tmp / "guangzhou.json", tmp / "city.json"
    py = sys.executable
    subprocess.run([py, "bench/generate.py", "guangzhou", "--seed", str(args.seed), "--out", str(gz)],
                   cwd=ROOT, check=True)  # fmt: skip
    subprocess.run([py, "bench/generate.py", "city", "--out", str(city)], cwd=ROOT, check=True)
    me = [py, str(Path(__file__).resolve())]
    print(
        json.dumps(
            {"uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()}
        )
    )
    for step in ("planner", "greedy", "bound"):
        if step in args.only:
            res = _measure(
                [*me, "--child", step, "--festival", str(gz), "--time-limit", str(args.time_limit)]
            )
            print(json.dumps({"guangzhou": step} | res, ensure_ascii=False), flush=True)
    if "city" in args.only:
        for step in ("planner", "single"):
            res = _measure(
                [*me, "--child", step, "--festival", str(city), "--time-limit", str(CITY_LIMIT)]
            )
            print(json.dumps({"city": step} | res, ensure_ascii=False), flush=True)
    print(
        json.dumps(
            {"uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()}
        )
    )


if __name__ == "__main__":
    main()
