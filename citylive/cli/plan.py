"""Planning commands: plan (from a file or for a stored festival) and check."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer

from citylive.cli.app import app, console, err_console, fail
from citylive.cli.festival import load_or_fail
from citylive.schedule import ScheduleDocument


def _summary(document: ScheduleDocument) -> None:
    doc = document.dump()
    st = doc["stats"]
    err_console.print(
        f"placed {st['placed']} of {st['requested']} sessions, value {st['value']:,} CNY, "
        f"clash pairs {st['clash_pairs']}, main-venue duplicates {st['main_duplicates']}, "
        f"lowest town share {st['lowest_town_share']:.0%}, "
        f"solver {st['solver_status']} in {st['solve_seconds']:.1f}s "
        f"(objective {'none' if st['objective'] is None else format(st['objective'], '.0f')}, bound "
        f"{'unknown' if st['bound'] is None else format(st['bound'], '.0f')})",
        highlight=False,
    )
    per: Counter = Counter()
    for s in doc["sessions"]:
        if s["status"] in ("proposed", "confirmed"):
            per[(s["venue"], s["start"][:10])] += 1
    days = sorted({d for _v, d in per})
    venues = sorted({v for v, _d in per})
    if venues:
        err_console.print("sessions per venue and day:", highlight=False)
        err_console.print(
            "  " + "venue".ljust(20) + "".join(d[5:].rjust(8) for d in days), highlight=False
        )
        for v in venues:
            err_console.print(
                "  " + v.ljust(20) + "".join(str(per[(v, d)]).rjust(8) for d in days),
                highlight=False,
            )
    if doc["unplaced"]:
        n = sum(u["count"] for u in doc["unplaced"])
        err_console.print(f"{n} requested sessions unplaced, for example:", highlight=False)
        for u in doc["unplaced"][:5]:
            err_console.print(
                f"  {u['enterprise']} x{u['count']}: {u['reason']}", highlight=False, markup=False
            )


@app.command()
def plan(
    file: Path | None = typer.Argument(None, help="festival file, YAML or JSON"),
    out: Path = typer.Option(..., "--out", help="where to write the schedule (JSON)"),
    previous: Path | None = typer.Option(
        None, "--previous", help="an earlier schedule to re-plan from"
    ),
    time_limit: float = typer.Option(30.0, "--time-limit", help="seconds the solver may use"),
    workers: int = typer.Option(2, "--workers", help="solver threads"),
    festival_id: str | None = typer.Option(
        None, "--festival", help="plan a stored festival and release the version"
    ),
) -> None:
    """Plan a festival into a `citylive/schedule@1` file (re-plan with --previous)."""
    from citylive.actions.planning import plan_and_release, plan_file
    from citylive.errors import CityLiveError
    from citylive.planner.capacity import capacity_report
    from citylive.schedule import read_schedule, write_schedule

    if time_limit <= 0:
        fail(f"--time-limit must be more than 0 seconds, got {time_limit:g}")
    if workers < 1:
        fail(f"--workers must be at least 1, got {workers}")
    if (file is None) == (festival_id is None):
        fail("give either a festival FILE or --festival ID (an imported festival)")
    try:
        prev_doc = read_schedule(previous) if previous is not None else None
        if file is not None:
            festival = load_or_fail(file)
            for line in capacity_report(festival).shortages:
                err_console.print(f"shortage: {line}", highlight=False, markup=False)
            doc = plan_file(
                festival=festival, previous=prev_doc, time_limit=time_limit, workers=workers
            )
            write_schedule(out, doc)
            _summary(doc)
            console.print(f"wrote {out} (version {doc.version})", highlight=False)
            return
        from citylive.db import session_scope

        assert festival_id is not None
        with session_scope() as db:
            release = plan_and_release(
                db=db,
                festival_id=festival_id,
                time_limit=time_limit,
                workers=workers,
                previous=prev_doc,
                reason="citylive plan",
            )
    except CityLiveError as exc:
        fail(str(exc))
    write_schedule(out, release.document)
    _summary(release.document)
    console.print(
        f"released version {release.version} of {festival_id}: "
        + ", ".join(f"{k} {n}" for k, n in release.changes.items()),
        highlight=False,
    )
    console.print(f"wrote {out}", highlight=False)


@app.command()
def check(
    file: Path = typer.Argument(..., help="festival file, YAML or JSON"),
    schedule: Path = typer.Argument(..., help="schedule file (citylive/schedule@1)"),
) -> None:
    """Check a schedule against every hard rule; exit 1 with one line per breach."""
    import json

    from citylive.schedule.checker import check_schedule

    festival = load_or_fail(file)
    try:
        doc = json.loads(schedule.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{schedule}: cannot read the schedule: {exc}")
    breaches = check_schedule(festival, doc)
    for line in breaches:
        print(line)
    if breaches:
        raise typer.Exit(1)
    live = sum(1 for s in doc.get("sessions", []) if s.get("status") in ("proposed", "confirmed"))
    console.print(f"ok: {live} sessions keep every hard rule (H1-H8)", highlight=False)
