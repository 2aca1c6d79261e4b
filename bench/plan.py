"""Planner benchmark: one command for the whole table in bench/RESULTS.md ("## Planner").

    .venv/bin/python bench/plan.py                       # all instances, writes RESULTS.md
    .venv/bin/python bench/plan.py --sizes small tight --no-write
    .venv/bin/python bench/plan.py --seed-offset 100 --no-write   # held-out festivals

Instances come from bench/generate.py (small, tight, example, city, xl; `--seed-offset`
makes held-out ones the same way with other seeds).  For each: the planner at the default
weights, the greedy baseline (bench/baselines.py), the LP bound and, on small and tight, the
exact optimum (bench/bounds.py).  Each measured run is its own process, so wall time and
peak memory (max RSS) are its own.  A re-plan of the city after 10% of its sessions are
declined (60% confirmed) checks S7.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TIME_LIMITS = {"small": 30.0, "tight": 30.0, "example": 30.0, "city": 60.0, "xl": 240.0}
OPTIMUM_LIMIT = 600.0  # seconds CP-SAT may take to prove the best value (small, tight)
REPLAN_LIMIT = 20.0


def _child(args: argparse.Namespace) -> None:
    """Run one measured step and print its figures as JSON (the parent reads them)."""
    from bench.baselines import greedy_floor
    from bench.bounds import even_spread, exact_optimum, lp_bound, prime_value
    from citylive.festival import load_festival
    from citylive.planner import plan, schedule_stats
    from citylive.schedule import load_schedule
    from citylive.schedule.checker import check_schedule

    festival = load_festival(args.festival)
    t0 = time.monotonic()
    out: dict = {}
    if args.child == "planner":
        previous = None
        if args.previous:
            previous = load_schedule(json.loads(Path(args.previous).read_text()))
        doc = plan(festival, previous=previous, time_limit=args.time_limit, workers=2).dump()
        out = dict(doc["stats"])
        out["tradeoffs"] = doc.get("tradeoffs")
        Path(args.out).write_text(json.dumps(doc, ensure_ascii=False))
    elif args.child == "greedy":
        doc = greedy_floor(festival)
        out = schedule_stats(festival, doc)
        Path(args.out).write_text(json.dumps(doc, ensure_ascii=False))
    elif args.child == "lp":
        out = lp_bound(festival)
    elif args.child == "optimum":
        out = exact_optimum(festival, time_limit=OPTIMUM_LIMIT)
    elif args.child == "spread":
        doc = json.loads(Path(args.out).read_text())
        loose = even_spread(festival, doc)
        kept = even_spread(festival, doc, keep_occupancy=True)
        primed = even_spread(festival, doc, keep_prime=True)
        out = {
            "spread_clash": kept["spread_clash"],
            "spread_dups": kept["spread_dups"],
            "free_clash": loose["spread_clash"],
            "free_dups": loose["spread_dups"],
            "prime_clash": primed["spread_clash"],
            "prime_dups": primed["spread_dups"],
            "prime_value": prime_value(festival, doc),
        }
    out["wall"] = round(time.monotonic() - t0, 2)
    out["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    if args.child in ("planner", "greedy"):
        breaches = check_schedule(festival, json.loads(Path(args.out).read_text()))
        out["breaches"] = len(breaches)
        out["breach_kinds"] = sorted({b.split(":")[0] for b in breaches})
    print(json.dumps(out))


def _run(step: str, festival: Path, out: Path | None = None, **kw: object) -> dict:
    cmd = [sys.executable, __file__, "--child", step, "--festival", str(festival)]
    if out is not None:
        cmd += ["--out", str(out)]
    for k, v in kw.items():
        if v is not None:
            cmd += [f"--{k.replace('_', '-')}", str(v)]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise SystemExit(f"{step} on {festival} failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def _declines(schedule: dict, seed: int = 7) -> tuple[dict, set[str]]:
    """10% of sessions declined, 60% confirmed, the rest still proposed."""
    rng = random.Random(seed)
    doc = json.loads(json.dumps(schedule))
    confirmed = set()
    for s in doc["sessions"]:
        r = rng.random()
        if r < 0.10:
            s["status"] = "declined"
        elif r < 0.70:
            s["status"] = "confirmed"
            confirmed.add(s["id"])
    return doc, confirmed


def _replan(tmp: Path, fest: Path) -> dict:
    prev, confirmed = _declines(json.loads((tmp / "city-plan.json").read_text()))
    (tmp / "city-prev.json").write_text(json.dumps(prev, ensure_ascii=False))
    re = _run(
        "planner",
        fest,
        tmp / "city-replan.json",
        time_limit=REPLAN_LIMIT,
        previous=tmp / "city-prev.json",
    )
    new = json.loads((tmp / "city-replan.json").read_text())
    old_by = {s["id"]: s for s in prev["sessions"]}
    new_by = {s["id"]: s for s in new["sessions"]}
    keys = ("enterprise", "streamer", "venue", "studio", "start", "status")
    kept = sum(
        1
        for sid in confirmed
        if sid in new_by and all(new_by[sid][k] == old_by[sid][k] for k in keys)
    )
    proposed = [s for s in prev["sessions"] if s["status"] == "proposed"]
    return {
        "declined": sum(1 for s in prev["sessions"] if s["status"] == "declined"),
        "confirmed": len(confirmed),
        "confirmed_kept": kept,
        "proposed": len(proposed),
        "moved": re["moved"],
        "placed": re["placed"],
        "requested": re["requested"],
        "value": re["value"],
        "wall": re["wall"],
        "peak_mb": re["peak_mb"],
        "breaches": re["breaches"],
    }


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--child")
    ap.add_argument("--festival")
    ap.add_argument("--out")
    ap.add_argument("--previous")
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--sizes", nargs="*", default=["small", "tight", "example", "city", "xl"])
    ap.add_argument("--seed-offset", type=int, default=0, help="held-out festivals")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--json", type=Path, help="also keep every figure measured, as JSON")
    ap.add_argument("--from-json", type=Path, help="only print the table of an earlier --json")
    args = ap.parse_args()
    if args.child:
        _child(args)
        return 0
    if args.from_json:
        kept = json.loads(args.from_json.read_text())
        md = _markdown(
            kept["rows"], kept["replan"], tuple(kept["before"]), tuple(kept["after"]),
            kept["offset"], kept["uptime"],
        )  # fmt: skip
        print(md)
        if not args.no_write:
            _write_section(ROOT / "bench" / "RESULTS.md", md)
        return 0

    from bench.generate import SIZES, dump, generate

    tmp = Path(tempfile.mkdtemp(prefix="citylive-bench-plan-"))
    load_before = os.getloadavg()
    rows = []
    replan: dict | None = None
    for size in args.sizes:
        fest = tmp / f"{size}.json"
        seed = SIZES[size]["seed"] + args.seed_offset
        dump(generate(size, seed=seed), fest)
        tl = TIME_LIMITS[size]
        print(f"[{size}] planner (time limit {tl:g}s) ...", file=sys.stderr)
        r: dict = {"size": size, "seed": seed, "limit": tl, "load": os.getloadavg()[0]}
        r["planner"] = _run("planner", fest, tmp / f"{size}-plan.json", time_limit=tl)
        r["greedy"] = _run("greedy", fest, tmp / f"{size}-greedy.json")
        r["lp"] = _run("lp", fest)
        if size in ("small", "tight"):
            r["optimum"] = _run("optimum", fest)
        r["spread"] = _run("spread", fest, tmp / f"{size}-plan.json")
        r["greedy_spread"] = _run("spread", fest, tmp / f"{size}-greedy.json")
        rows.append(r)
        print(json.dumps(r), file=sys.stderr)
        if size == "city":
            replan = _replan(tmp, fest)
            print(json.dumps({"replan": replan}), file=sys.stderr)
    load_after = os.getloadavg()
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    if args.json:
        args.json.write_text(
            json.dumps(
                {"rows": rows, "replan": replan, "before": load_before, "after": load_after,
                 "offset": args.seed_offset, "uptime": uptime},
                ensure_ascii=False,
            )
        )  # fmt: skip
    md = _markdown(rows, replan, load_before, load_after, args.seed_offset, uptime)
    print(md)
    if not args.no_write:
        _write_section(ROOT / "bench" / "RESULTS.md", md)
    return 0


def _pct(a: float | None, b: float | None) -> str:
    return f"{100 * a / b:.1f}%" if a is not None and b else "-"


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else ("1.00" if a == 0 else "bound 0")


def _markdown(
    rows: list, replan: dict | None, before: tuple, after: tuple, offset: int, uptime: str
) -> str:
    lines = [
        "## Planner",
        "",
        "`make bench-plan` (`bench/plan.py`"
        + (f" --seed-offset {offset}" if offset else "")
        + f"). Machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, OR-Tools "
        f"{_ortools()}, `workers=2`; load average {before[0]:.1f} at the start, "
        f"{after[0]:.1f} at the end (`uptime` then: {uptime}). Each step runs in its own "
        "process. Value = sum of expected GMV of placed sessions (S1); LP = bench/bounds.py "
        "`lp_bound` (GLOP, studios and streamers together; an upper bound); optimum = "
        "CP-SAT's proven best value under H1-H8 (small festivals only); prime = expected GMV "
        "in prime slots (S2); clash/dups = S3/S4 pairs and, in brackets, their ratio to the "
        "even-spread bound of the schedule's own placement: `occ` each session keeps venue "
        "and day and each venue-slot its number of sessions, industries spread as evenly as "
        "they can (bench/bounds.py `even_spread`); `prime` the same with each session also "
        "staying in or out of prime time; `free` the number per slot freed too.",
        "",
        "| instance | run | wall s | peak MB | placed/req | value | % LP | % optimum | prime "
        "| prime vs greedy | clash (x occ / prime / free) | main dups (x occ / prime / free) "
        "| lowest share | S8 repeats | breaches |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lp = r["lp"]["lp_bound"]
        opt = r.get("optimum", {})
        optimum = opt.get("optimum") if opt.get("optimal") else None
        gp = r["greedy_spread"]["prime_value"]
        for name, x, sp in (
            (f"planner ({r['limit']:g} s)", r["planner"], r["spread"]),
            ("greedy", r["greedy"], r["greedy_spread"]),
        ):
            lines.append(
                f"| {r['size']} | {name} | {x['wall']} | {x['peak_mb']} | "
                f"{x['placed']}/{x['requested']} | {x['value']:,} | {_pct(x['value'], lp)} | "
                f"{_pct(x['value'], optimum)} | {sp['prime_value']:,} | "
                f"{_pct(sp['prime_value'], gp)} | {x['clash_pairs']} "
                f"({_ratio(x['clash_pairs'], sp['spread_clash'])} / "
                f"{_ratio(x['clash_pairs'], sp.get('prime_clash', 0))} / "
                f"{_ratio(x['clash_pairs'], sp['free_clash'])}) | {x['main_duplicates']} "
                f"({_ratio(x['main_duplicates'], sp['spread_dups'])} / "
                f"{_ratio(x['main_duplicates'], sp.get('prime_dups', 0))} / "
                f"{_ratio(x['main_duplicates'], sp['free_dups'])}) | "
                f"{x['lowest_town_share']:.3f} | {x.get('freshness_repeats', '-')} | "
                f"{x['breaches']} {' '.join(x['breach_kinds'])} |"
            )
        bound = f"LP {lp:,} ({r['lp']['lp_vars']:,} variables, {r['lp']['lp_solve_s']} s)"
        if opt:
            bound += (
                f"; optimum {opt['optimum']:,} ({'proven' if opt['optimal'] else 'not proven'}, "
                f"bound {opt['optimum_bound']:,}, {opt['optimum_s']} s)"
            )
        lines.append(f"| {r['size']} | bounds | | | | {bound} | | | | | | | | | |")
    lines += ["", "Price of fairness (the planner's `tradeoffs`):", ""]
    lines.append("| instance | setting | value | lowest share | prime | clash pairs | main dups |")
    lines.append("|---|---|---|---|---|---|---|")
    for r in rows:
        for t in r["planner"].get("tradeoffs") or []:
            est = " (flow estimate)" if t.get("estimate") else ""
            prime = f"{t['prime_value']:,}" if "prime_value" in t else "-"
            lines.append(
                f"| {r['size']} | {t['fairness']}{est} | {t['value']:,} | "
                f"{t['min_town_share']:.3f} | {prime} | {t.get('clash_pairs', '-')} | "
                f"{t.get('main_duplicates', '-')} |"
            )
    lines += ["", "Where the time went (planner, seconds):", ""]
    lines.append("| instance | prepare | solver | finish | tradeoffs | solver status |")
    lines.append("|---|---|---|---|---|---|")
    for r in rows:
        s = r["planner"]["seconds"]
        lines.append(
            f"| {r['size']} | {s['prepare']} | {s['solver']} | {s['finish']} | "
            f"{s.get('tradeoffs', '-')} | {r['planner']['solver_status']} |"
        )
    if replan:
        x = replan
        lines += [
            "",
            f"Re-plan of the city schedule after declines (seeded: {x['declined']} declined, "
            f"{x['confirmed']} confirmed, {x['proposed']} still proposed), time limit "
            f"{REPLAN_LIMIT:g} s: wall {x['wall']} s, peak {x['peak_mb']} MB; confirmed kept "
            f"exactly {x['confirmed_kept']}/{x['confirmed']}; proposed moved {x['moved']}/"
            f"{x['proposed']} ({_pct(x['moved'], x['proposed'])}); placed "
            f"{x['placed']}/{x['requested']}, value {x['value']:,}; hard-rule breaches "
            f"{x['breaches']}.",
        ]
    return "\n".join(lines) + "\n"


def _ortools() -> str:
    import ortools

    return ortools.__version__


def _write_section(path: Path, md: str) -> None:
    """Replace the "## Planner" section (up to the next "## ") and keep everything else."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n\n"
    start = text.find("## Planner\n")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + md
    else:
        nxt = text.find("\n## ", start + 3)
        text = text[:start] + md + (text[nxt + 1 :] if nxt >= 0 else "")
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
