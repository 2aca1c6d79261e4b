"""Festival commands: validate, import, festivals."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from citylive.cli.app import app, console, err_console
from citylive.festival import Festival, FestivalFileError, load_festival
from citylive.planner.capacity import CapacityReport, capacity_report


def load_or_fail(path: Path) -> Festival:
    try:
        return load_festival(path)
    except FestivalFileError as exc:
        err_console.print(
            f"[bold red]{exc.source}: {len(exc.errors)} error(s); nothing was written[/]",
            highlight=False,
        )
        for line in exc.errors:
            err_console.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)
        if exc.more:
            err_console.print(f"  {exc.more}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(1) from None


def print_capacity(report: CapacityReport) -> None:
    console.print(
        f"[bold]{report.festival_id}[/]: {report.towns} towns, {report.venues} venues, "
        f"{report.studios} studios, {report.days} days x {report.slots_per_day} slots = "
        f"{report.studio_slots} studio-slots; {report.requested} sessions requested",
        highlight=False,
    )
    for title, lines in (
        ("town", report.by_town),
        *((("district", report.by_district),) if report.by_district else ()),
        ("industry", report.by_industry),
        # demand from enterprises that sell on one platform only
        ("platform", report.by_platform),
        ("industry on platform", report.by_industry_platform),
    ):
        table = Table(title=f"capacity per {title}", show_edge=False, pad_edge=False)
        table.add_column(title)
        table.add_column("requested", justify="right")
        table.add_column("supply", justify="right")
        table.add_column("short", justify="right")
        for line in lines:
            short = f"[red]{line.short}[/]" if line.short else "0"
            table.add_row(line.key, str(line.requested), str(line.supply), short)
        console.print(table)
    if report.shortages:
        console.print("[bold yellow]shortages:[/]")
        for s in report.shortages:
            console.print(f"  - {s}", highlight=False, markup=False)
    else:
        console.print("no shortages: every request has room, products and streamers")


@app.command()
def validate(file: Path = typer.Argument(..., help="festival file, YAML or JSON")) -> None:
    """Check a festival file; print its capacity summary (exit 1 and every error if invalid)."""
    festival = load_or_fail(file)
    console.print(f"[green]valid[/]: {file}", highlight=False)
    print_capacity(capacity_report(festival))


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="festival file, YAML or JSON"),
    force: bool = typer.Option(
        False,
        "--force",
        help="remove what the file dropped: its enterprises' sessions and orders, and the "
        "live sessions of its streamers and venues",
    ),
) -> None:
    """Store a festival, or update the stored one with the same id in place; prints its id."""
    from citylive.actions.festivals import import_festival_file
    from citylive.db import db_scope
    from citylive.scope import SYSTEM

    festival = load_or_fail(file)
    with db_scope() as db:
        done = import_festival_file(db=db, actor=SYSTEM, festival=festival, force=force)
    result = done.result
    what = "created" if result.created else ("updated" if result.changed else "unchanged")
    err_console.print(f"{what}: festival {result.festival_id}", highlight=False)
    print(result.festival_id)


@app.command()
def festivals() -> None:
    """List the stored festivals."""
    from citylive.actions.festivals import festivals as stored
    from citylive.db import db_scope
    from citylive.scope import SYSTEM

    with db_scope() as db:
        rows = stored(db=db, actor=SYSTEM)
    if not rows:
        console.print("no festivals stored yet; add one with `citylive import FILE`")
        return
    table = Table(show_edge=False)
    table.add_column("id", no_wrap=True)
    table.add_column("name")
    table.add_column("days")
    for col in ("enterprises", "requested", "version"):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(
            r.id,
            r.name,
            f"{r.days[0]}..{r.days[-1]}",
            str(r.enterprises),
            str(r.requested_sessions),
            str(r.current_version),
        )
    console.print(table)
