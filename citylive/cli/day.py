"""The festival day on the command line: `citylive day watch --festival ID [--at ISO]`."""

from __future__ import annotations

from datetime import datetime

import typer

from citylive.actions import live as actions
from citylive.cli.app import app, console, fail
from citylive.db import db_scope

day_app = typer.Typer(help="The festival day: late sessions, alerts.", no_args_is_help=True)
app.add_typer(day_app, name="day")


@day_app.command("watch")
def watch_command(
    festival: str = typer.Option(..., "--festival", help="the festival's id"),
    at: str | None = typer.Option(
        None,
        "--at",
        help="the moment to judge, ISO 8601 (default: now; without an offset: the "
        "festival's local time)",
    ),
) -> None:
    """One pass: find the late sessions and queue one alert per late session to its town's
    coordinator and the organisers (never twice); prints the counts."""
    moment = None
    if at is not None:
        try:
            moment = datetime.fromisoformat(at)
        except ValueError:
            fail(f"--at {at!r} is not an ISO 8601 time, e.g. 2020-06-06T19:11:00+08:00")
    with db_scope() as db:
        result = actions.watch(db=db, festival_id=festival, at=moment)
    for town, ids in result.by_town.items():
        console.print(f"late in {town}: {', '.join(ids)}", highlight=False, markup=False)
    console.print(result.line(), highlight=False, markup=False)
