"""`citylive workbook new|export`: the festival as an Excel workbook to fill in instead of
YAML; `validate`, `import` and `plan` read it like a festival file."""

from __future__ import annotations

from pathlib import Path

import typer

from citylive.cli.app import app, console, fail
from citylive.cli.festival import load_or_fail

workbook_app = typer.Typer(
    help="The festival as an Excel workbook: a template to fill in, or a festival written out.",
    no_args_is_help=True,
)
app.add_typer(workbook_app, name="workbook")


@workbook_app.command("new")
def new(out: Path = typer.Option(..., "--out", help="where to write the .xlsx")) -> None:
    """Write an empty festival workbook: a sheet per part, Chinese headers with notes,
    drop-downs for ids.  Fill it in, then `citylive validate FILE.xlsx`."""
    from citylive.festival.workbook import write_workbook

    out.write_bytes(write_workbook(None))
    console.print(f"wrote {out}", highlight=False, soft_wrap=True)


@workbook_app.command("export")
def export(
    out: Path = typer.Option(..., "--out", help="where to write the .xlsx"),
    festival_id: str | None = typer.Option(None, "--festival", help="a stored festival"),
    file: Path | None = typer.Option(None, "--from", help="a festival file (YAML or JSON)"),
) -> None:
    """Write a stored festival (or a festival file) as a workbook."""
    from citylive.festival.workbook import write_workbook

    if (festival_id is None) == (file is None):
        fail("give either --festival ID (a stored festival) or --from FILE")
    if file is not None:
        festival = load_or_fail(file)
    else:
        from citylive.db import db_scope
        from citylive.errors import CityLiveError
        from citylive.festival.storage import load_stored_festival

        assert festival_id is not None
        try:
            with db_scope() as db:
                festival = load_stored_festival(db, festival_id)
        except CityLiveError as exc:
            fail(str(exc))
    out.write_bytes(write_workbook(festival.doc.model_dump(mode="json")))
    console.print(
        f"wrote {out} ({len(festival.enterprises):,} enterprises, "
        f"{len(festival.streamers):,} streamers)",
        highlight=False,
        soft_wrap=True,
    )
