"""`citylive schedule show|export`: a schedule as a table people read."""

from __future__ import annotations

from pathlib import Path

import typer

from citylive.cli.app import app, console, fail
from citylive.cli.festival import load_or_fail

schedule_app = typer.Typer(
    help="Read a schedule: show it as a table, or export it as xlsx, csv or md.",
    no_args_is_help=True,
)
app.add_typer(schedule_app, name="schedule")


def _load(schedule: Path | None, festival_file: Path | None, festival_id: str | None):  # type: ignore[no-untyped-def]
    """(festival, document): a schedule file with its festival file, or a stored festival's
    current version."""
    from citylive.errors import CityLiveError
    from citylive.schedule import read_schedule

    if festival_id is not None:
        from citylive.actions.planning import released_schedule
        from citylive.db import db_scope
        from citylive.festival.storage import load_stored_festival
        from citylive.scope import Actor

        try:
            with db_scope() as db:
                doc = released_schedule(db=db, actor=Actor.system("cli"), festival_id=festival_id)
                return load_stored_festival(db, festival_id), doc
        except CityLiveError as exc:
            fail(str(exc))
    if schedule is None or festival_file is None:
        fail("give a SCHEDULE file and --festival-file FILE, or --festival ID (a stored one)")
    festival = load_or_fail(festival_file)
    try:
        return festival, read_schedule(schedule)
    except CityLiveError as exc:
        fail(str(exc))


SCHEDULE = typer.Argument(None, help="a schedule file (citylive/schedule@1)")
FESTIVAL_FILE = typer.Option(None, "--festival-file", help="the festival file it was planned for")
FESTIVAL_ID = typer.Option(None, "--festival", help="a stored festival: its current version")


@schedule_app.command("show")
def show(
    schedule: Path | None = SCHEDULE,
    festival_file: Path | None = FESTIVAL_FILE,
    festival_id: str | None = FESTIVAL_ID,
) -> None:
    """Print the schedule as a Markdown table: sessions with names, each town, the unplaced."""
    from citylive.schedule.readable import as_markdown

    festival, doc = _load(schedule, festival_file, festival_id)
    console.print(as_markdown(festival, doc), highlight=False, markup=False, soft_wrap=True)


@schedule_app.command("export")
def export(
    schedule: Path | None = SCHEDULE,
    festival_file: Path | None = FESTIVAL_FILE,
    festival_id: str | None = FESTIVAL_ID,
    fmt: str = typer.Option("xlsx", "--format", help="xlsx | csv | md"),
    out: Path = typer.Option(..., "--out", help="where to write it"),
) -> None:
    """Write the schedule as an Excel workbook, a CSV file or Markdown."""
    from citylive.schedule.readable import FORMATS, as_csv, as_markdown, as_xlsx

    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    festival, doc = _load(schedule, festival_file, festival_id)
    if fmt == "xlsx":
        out.write_bytes(as_xlsx(festival, doc))
    else:
        text = as_csv(festival, doc) if fmt == "csv" else as_markdown(festival, doc)
        out.write_text(text, encoding="utf-8")
    console.print(f"wrote {out} ({len(doc.sessions):,} sessions)", highlight=False, soft_wrap=True)
