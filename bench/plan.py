"""Planner benchmark: the example, city and xl festivals against the greedy floor and the
flow bounds, and a re-plan of the city festival after 10% of its sessions are declined.

    .venv/bin/python bench/plan.py                 # all, writes the "Planner" part of RESULTS.md
    .venv/bin/python bench/plan.py --sizes example city --no-write

Each measured run is its own process, so wall time and peak memory (max RSS) are its own.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TIME_LIMITS = {"example": 20.0, "city": 50.0, "xl": 240.0}


def _child(args: argparse.Namespace) -> None:
    """Run one measured step and print its figures as JSON (the parent reads them)."""
    from bench.baselines import flow_value_bound, greedy_floor, streamer_flow_bound
    from citylive.festival import load_festival
    from citylive.planner import plan, schedule_stats
    from citylive.schedule.checker import check_schedule

    festival = load_festival(args.festival)
    t0 = time.monotonic()
    out: dict = {}
    if args.step == "planner":
        previous = json.loads(Path(args.previous).read_text()) if args.previous else None
        doc = plan(festival, previous=previous, time_limit=args.time_limit, workers=2)
        out = dict(doc["stats"])
        Path(args.out).write_text(json.dumps(doc, ensure_ascii=False))
    elif args.step == "floor":
        doc = greedy_floor(festival)
        out = schedule_stats(festival, doc)
        Path(args.out).write_text(json.dumps(doc, ensure_ascii=False))
    elif args.step == "bound":
        out = {"flow_bound": flow_value_bound(festival)}
    elif args.step == "sbound":
        out = {"streamer_bound": streamer_flow_bound(festival)}
    out["wall"] = round(time.monotonic() - t0, 2)
    out["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    if args.step in ("planner", "floor"):
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


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--child")
    ap.add_argument("--festival")
    ap.add_argument("--out")
    ap.add_argument("--previous")
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--sizes", nargs="*", default=["example", "city", "xl"])
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    if args.child:
        args.step = args.child
        _child(args)
        return 0

    from bench.generate import dump, generate

    tmp = Path(tempfile.mkdtemp(prefix="citylive-bench-plan-"))
    rows = []
    replan: dict | None = None
    for size in args.sizes:
        fest = tmp / f"{size}.json"
        dump(generate(size), fest)
        tl = TIME_LIMITS[size]
        print(f"[{size}] planner (time limit {tl:g}s) ...", file=sys.stderr)
        planner = _run("planner", fest, tmp / f"{size}-plan.json", time_limit=tl)
        floor = _run("floor", fest, tmp / f"{size}-floor.json")
        bound = _run("bound", fest)
        sbound = _run("sbound", fest)
        rows.append((size, tl, planner, floor, bound, sbound))
        print(
            json.dumps(
                {"size": size, "planner": planner, "floor": floor, "bound": bound, "sbound": sbound}
            ),
            file=sys.stderr,
        )
        if size == "city":
            prev, confirmed = _declines(json.loads((tmp / "city-plan.json").read_text()))
            (tmp / "city-prev.json").write_text(json.dumps(prev, ensure_ascii=False))
            t0 = time.monotonic()
            re = _run(
                "planner",
                fest,
                tmp / "city-replan.json",
                time_limit=8.0,
                previous=tmp / "city-prev.json",
            )
            wall_total = time.monotonic() - t0
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
            unchanged = sum(
                1
                for s in proposed
                if s["id"] in new_by and all(new_by[s["id"]][k] == s[k] for k in keys[:5])
            )
            replan = {
                "declined": sum(1 for s in prev["sessions"] if s["status"] == "declined"),
                "confirmed": len(confirmed),
                "confirmed_kept": kept,
                "proposed": len(proposed),
                "proposed_unchanged": unchanged,
                "wall_process": round(wall_total, 2),
                **re,
            }
            print(json.dumps({"replan": replan}), file=sys.stderr)
    md = _markdown(rows, replan)
    print(md)
    if not args.no_write:
        _write_section(ROOT / "bench" / "RESULTS.md", md)
    return 0


def _pct(a: float, b: float) -> str:
    return f"{100 * a / b:.1f}%" if b else "-"


def _markdown(rows: list, replan: dict | None) -> str:
    lines = [
        "## Planner",
        "",
        "`make bench-plan` (`bench/plan.py`). Machine: 2 cores, 24 GiB, Python 3.11, OR-Tools "
        "9.15, `--workers 2`. Each step runs in its own process (wall time and max RSS are its "
        "own). Floor = `bench/baselines.py` greedy (requests by expected GMV, first legal slot, "
        "prime time first, own sub-venue before the main venue). Flow bound = min-cost flow "
        "enterprise -> day -> slot -> venue-slot capacity, ignoring streamers; streamer bound = "
        "flow enterprise -> day -> streamer-day (slots, studios and travel relaxed). Both are "
        "upper bounds on the value any legal schedule can place.",
        "",
        "| instance | run | wall s | peak MB | placed/requested | value (CNY) | % flow bound | "
        "% streamer bound | clash pairs | main dups | towns missing at main | lowest town share "
        "| objective | bound | gap | hard-rule breaches |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size, tl, pl, fl, b, sb in rows:
        fb, sbv = b["flow_bound"], sb["streamer_bound"]
        gap = (
            (pl["bound"] - pl["objective"]) / abs(pl["bound"]) if pl.get("bound") else float("nan")
        )
        for name, r in ((f"planner (limit {tl:g}s)", pl), ("greedy floor", fl)):
            lines.append(
                f"| {size} | {name} | {r['wall']} | {r['peak_mb']} | {r['placed']}/{r['requested']} | "
                f"{r['value']:,} | {_pct(r['value'], fb)} | {_pct(r['value'], sbv)} | {r['clash_pairs']} | "
                f"{r['main_duplicates']} | {len(r['towns_missing_main'])} | {r['lowest_town_share']:.3f} | "
                + (
                    f"{r['objective'] or 0:.0f} | {r['bound'] or 0:.0f} | {gap:.1%} | "
                    if name != "greedy floor"
                    else "- | - | - | "
                )
                + f"{r['breaches']} {' '.join(r['breach_kinds'])} |"
            )
        lines.append(
            f"| {size} | bounds | {b['wall']} + {sb['wall']} | {max(b['peak_mb'], sb['peak_mb'])} | - | "
            f"flow {fb:,}; streamer {sbv:,} | | | | | | | | | | |"
        )
    if replan:
        r = replan
        lines += [
            "",
            f"Re-plan of the city schedule after declines (seeded: {r['declined']} declined, "
            f"{r['confirmed']} confirmed, {r['proposed']} still proposed), time limit 8 s: "
            f"wall {r['wall']} s inside the planner ({r['wall_process']} s for the whole process "
            f"with Python start-up and file reading), peak {r['peak_mb']} MB; confirmed kept exactly "
            f"{r['confirmed_kept']}/{r['confirmed']}; proposed unchanged "
            f"{r['proposed_unchanged']}/{r['proposed']} (moved {r['moved']}); placed "
            f"{r['placed']}/{r['requested']}; hard-rule breaches {r['breaches']}.",
        ]
    return "\n".join(lines) + "\n"


def _write_section(path: Path, md: str) -> None:
    """Replace the "## Planner" section (up to the next "## ") and keep everything else."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n\n"
    start = text.find("## Planner")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + md
    else:
        nxt = text.find("\n## ", start + 3)
        text = text[:start] + md + (text[nxt + 1 :] if nxt >= 0 else "")
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
