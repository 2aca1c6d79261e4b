"""Is "prime-time value at least the greedy's" reachable at the planner's value?

For the small festivals (where CP-SAT proves optima), the most prime-time value (S2) any
schedule keeping H1-H8 can have while placing at least a given value: at the greedy's value,
at the planner's, and at the optimum.  The greedy breaks H8, so its prime time is measured
beside what the rules allow, not as a target the rules must reach.

    .venv/bin/python -m bench.prime_frontier --sizes small tight [--seed-offset 100]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from bench.baselines import greedy_floor
from bench.bounds import exact_optimum, prime_value
from bench.generate import SIZES, dump, generate
from citylive.festival import load_festival
from citylive.planner import plan, schedule_stats


def measure(size: str, seed_offset: int, time_limit: float, prove: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{size}.json"
        dump(generate(size, seed=SIZES[size]["seed"] + seed_offset), path)
        f = load_festival(path)
    greedy = greedy_floor(f)
    g_stats = schedule_stats(f, greedy)
    planned = plan(f, time_limit=time_limit, workers=2).dump()
    p_stats = schedule_stats(f, planned)
    best = exact_optimum(f, time_limit=prove)
    row = {
        "size": size,
        "seed_offset": seed_offset,
        "greedy_value": g_stats["value"],
        "greedy_prime": prime_value(f, greedy),
        "greedy_towns_missing_main": len(g_stats["towns_missing_main"]),
        "planner_value": p_stats["value"],
        "planner_prime": prime_value(f, planned),
        "optimum": best["optimum"],
        "optimum_proven": best["optimal"],
    }
    for name, value in (
        ("at_greedy_value", row["greedy_value"]),
        ("at_planner_value", row["planner_value"]),
        ("at_optimum", row["optimum"]),
    ):
        t0 = time.monotonic()
        got = exact_optimum(f, time_limit=prove, prime_at_value=value)
        row[f"max_prime_{name}"] = got["optimum"]
        row[f"max_prime_{name}_bound"] = got["optimum_bound"]
        row[f"max_prime_{name}_proven"] = got["optimal"]
        row[f"max_prime_{name}_s"] = round(time.monotonic() - t0, 1)
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", nargs="*", default=["small", "tight"])
    ap.add_argument("--seed-offset", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=30.0, help="the planner's")
    ap.add_argument("--prove", type=float, default=120.0, help="CP-SAT's, per question")
    args = ap.parse_args()
    for size in args.sizes:
        print(json.dumps(measure(size, args.seed_offset, args.time_limit, args.prove)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
