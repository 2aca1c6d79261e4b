"""Planning commands: plan (from a file or for a stored festival) and check."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from citylive.cli.app import app, console, err_console, fail
from citylive.cli.festival import load_or_fail
from citylive.festival import Festival
from citylive.planner.progress import ProgressCallback, SolveProgress
from citylive.schedule import ScheduleDocument
from citylive.schedule.readout import Terms, TownLine, UnplacedLine, readout
from models.enums import LIVE_STATUSES

if TYPE_CHECKING:
    from citylive.actions.planning import Release


def _figure(value: object, spec: str = "") -> str:
    return "-" if value is None else format(value, spec)


def _summary(document: ScheduleDocument, festival: Festival) -> None:
    """The plan in words: the figures, the solver's terms, each town, every unplaced request."""
    st = document.stats.model_dump()
    out = readout(festival, document)
    lowest = f" ({out.lowest_town})" if out.lowest_town else ""
    err_console.print(
        f"placed {st['placed']:,} of {st['requested']:,} sessions, value {st['value']:,} CNY, "
        f"clash pairs {_figure(st.get('clash_pairs'))}, main-venue duplicates "
        f"{_figure(st.get('main_duplicates'))}, lowest town share "
        f"{_figure(st.get('lowest_town_share'), '.0%')}{lowest}",
        highlight=False,
        markup=False,
    )
    _terms(out.terms, st.get("solve_seconds"))
    _towns(out.towns)
    per: Counter[tuple[str, str]] = Counter(
        (s.venue, s.start.date().isoformat()) for s in document.live_sessions
    )
    days = sorted({d for _v, d in per})
    venues = sorted({v for v, _d in per})
    if venues:
        table = Table(title="sessions per venue and day", show_edge=False, pad_edge=False)
        table.add_column("venue")
        for d in days:
            table.add_column(d[5:], justify="right")
        for v in venues:
            table.add_row(v, *(str(per[(v, d)]) for d in days))
        err_console.print(table)
    if document.tradeoffs:
        table = Table(title="the price of fairness", show_edge=False, pad_edge=False)
        for column in (
            "fairness",
            "value (CNY)",
            "lowest town share",
            "prime-time value",
            "clash pairs",
        ):
            table.add_column(column, justify="left" if column == "fairness" else "right")
        for t in document.tradeoffs:
            table.add_row(
                t.fairness,
                f"{t.value:,}",
                f"{t.min_town_share:.0%}",
                _figure(t.prime_value, ","),
                _figure(t.clash_pairs),
            )
        err_console.print(table)
    _unplaced(out.unplaced)


def _terms(t: Terms, seconds: float | None) -> None:
    gap = "" if t.gap is None else f", gap {t.gap:.1%}"
    err_console.print(
        f"solver: {t.status} in {_figure(seconds, '.1f')}s: {t.status_means}\n"
        f"  objective {_figure(t.objective, ',.0f')}: {t.objective_means}\n"
        f"  bound {_figure(t.bound, ',.0f')}{gap}: {t.bound_means}",
        highlight=False,
        markup=False,
    )


def _towns(towns: list[TownLine]) -> None:
    table = Table(title="each town", show_edge=False, pad_edge=False)
    for column in ("town", "requested", "placed", "share", "at main venue"):
        table.add_column(column, justify="left" if column == "town" else "right", no_wrap=True)
    for t in towns:
        table.add_row(f"{t.name} ({t.town})", f"{t.requested:,}", f"{t.placed:,}",
                      f"{t.share:.0%}" if t.requested else "-", f"{t.at_main:,}")  # fmt: skip
    err_console.print(table)


def _unplaced(lines: list[UnplacedLine]) -> None:
    if not lines:
        err_console.print("every requested session is placed", highlight=False)
        return
    n = sum(u.count for u in lines)
    err_console.print(
        f"{n} requested sessions of {len(lines)} enterprises unplaced:", highlight=False
    )
    for u in lines:
        err_console.print(
            f"  {u.name} ({u.enterprise}, {u.town}) x{u.count}: {u.reason}\n"
            f"    short of: {u.scarce}; would place it: {u.remedy}",
            highlight=False,
            markup=False,
        )


@contextmanager
def _progress_line(time_limit: float) -> Iterator[ProgressCallback]:
    """A live line while the solver works: the best value so far, the bound, the time."""
    with err_console.status("planning ...", spinner="dots") as status:

        def show(p: SolveProgress) -> None:
            value = "-" if p.value is None else f"{p.value:,} CNY"
            bound = "-" if p.bound is None else f"{p.bound:,.0f}"
            status.update(
                f"planning: {p.stage}, best value {value}, objective "
                f"{_figure(p.objective, ',.0f')}, bound {bound}, "
                f"{p.elapsed:.0f}s of {time_limit:.0f}s"
            )

        yield show


@app.command()
def plan(
    file: Path | None = typer.Argument(None, help="festival file, YAML or JSON"),
    out: Path = typer.Option(..., "--out", help="where to write the schedule (JSON)"),
    previous: Path | None = typer.Option(
        None, "--previous", help="an earlier schedule to re-plan from"
    ),
    time_limit: float = typer.Option(30.0, "--time-limit", help="seconds the solver may use"),
    workers: int = typer.Option(
        2, "--workers", help="solver threads; planned in parts: local Dask worker processes"
    ),
    festival_id: str | None = typer.Option(
        None, "--festival", help="plan a stored festival and release the version"
    ),
    fast: bool = typer.Option(
        False,
        "--fast",
        help="the fastest solve by the clock; two runs may give different plans "
        "(without it the same file and seed give the same plan)",
    ),
    seed: int = typer.Option(1, "--seed", help="the solver's seed"),
) -> None:
    """Plan a festival into a `citylive/schedule@1` file (re-plan with --previous)."""
    from citylive.errors import CityLiveError
    from citylive.schedule import read_schedule

    if time_limit <= 0:
        fail(f"--time-limit must be more than 0 seconds, got {time_limit:g}")
    if workers < 1:
        fail(f"--workers must be at least 1, got {workers}")
    if (file is None) == (festival_id is None):
        fail("give either a festival FILE or --festival ID (an imported festival)")
    try:
        prev_doc = read_schedule(previous) if previous is not None else None
        if file is not None:
            _plan_file(file, out, prev_doc, time_limit, workers, fast, seed)
            return
        assert festival_id is not None
        release, stored = _plan_stored(festival_id, prev_doc, time_limit, workers, fast)
    except CityLiveError as exc:
        fail(str(exc))
    _report_release(out, festival_id, release, stored)


def _plan_file(
    file: Path,
    out: Path,
    prev_doc: ScheduleDocument | None,
    time_limit: float,
    workers: int,
    fast: bool,
    seed: int,
) -> None:
    """Plan a festival file (shortages said first) and write its schedule."""
    from citylive.actions.planning import plan_file
    from citylive.planner.capacity import capacity_report
    from citylive.schedule import write_schedule

    festival = load_or_fail(file)
    for line in capacity_report(festival).shortages:
        err_console.print(f"shortage: {line}", highlight=False, markup=False)
    with _progress_line(time_limit) as progress:
        doc = plan_file(
            festival=festival,
            previous=prev_doc,
            time_limit=time_limit,
            workers=workers,
            progress=progress,
            fast=fast,
            seed=seed,
        )
    write_schedule(out, doc)
    _summary(doc, festival)
    console.print(f"wrote {out} (version {doc.version})", highlight=False)


def _plan_stored(
    festival_id: str,
    prev_doc: ScheduleDocument | None,
    time_limit: float,
    workers: int,
    fast: bool,
) -> tuple[Release, Festival]:
    """Plan a stored festival and release the version, under the planning lock."""
    from citylive.actions.plan_jobs import plan_lock
    from citylive.actions.planning import plan_and_release
    from citylive.db import db_scope, get_engine, init_db
    from citylive.festival.storage import load_stored_festival
    from citylive.scope import Actor

    engine = init_db(get_engine())
    # the same lock as the API's planning jobs: one planner per festival at a time
    with plan_lock(
        engine=engine,
        actor=Actor.system("citylive plan"),
        festival_id=festival_id,
        time_limit=time_limit,
    ) as lock:
        with db_scope(engine) as db, _progress_line(time_limit) as progress:
            release = plan_and_release(
                db=db,
                festival_id=festival_id,
                time_limit=time_limit,
                workers=workers,
                previous=prev_doc,
                reason="citylive plan",
                progress=progress,
                fast=fast,
            )
            stored = load_stored_festival(db, festival_id)
        lock.version = release.version
    return release, stored


def _report_release(out: Path, festival_id: str, release: Release, stored: Festival) -> None:
    """Write the released schedule and say what changed."""
    from citylive.schedule import write_schedule

    write_schedule(out, release.document)
    _summary(release.document, stored)
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
    live = sum(1 for s in doc.get("sessions", []) if s.get("status") in LIVE_STATUSES)
    console.print(
        f"ok: {live} sessions keep every hard rule (H1-H8) and the themed blocks",
        highlight=False,
    )
