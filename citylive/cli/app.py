"""The `citylive` Typer app and what every command module shares.

Every command's errors end the same way: one line naming the problem and what to do, exit 1,
no traceback (the core's errors, an unreachable database, a file that cannot be read).
"""

from __future__ import annotations

import os
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.exc import DBAPIError, OperationalError
from typer.core import TyperGroup

from citylive.errors import CityLiveError

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print a user-facing error (no traceback) and exit non-zero."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _database() -> str:
    from sqlalchemy.engine import make_url

    from citylive.config import get_settings

    try:
        return make_url(get_settings().resolved_database_url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only for the message
        return "the configured database"


def _fit_width() -> None:
    """The consoles are made at import and would keep that moment's width: each command reads
    it anew (COLUMNS, else the terminal's)."""
    columns = os.environ.get("COLUMNS", "")
    for c in (console, err_console):
        c._width = int(columns) if columns.isdigit() else None  # noqa: SLF001 - rich's own slot


class CityLiveGroup(TyperGroup):
    def invoke(self, ctx: Any) -> Any:
        _fit_width()
        try:
            return super().invoke(ctx)
        except CityLiveError as exc:
            fail(str(exc))
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0][:200] if exc.orig else "no answer"
            fail(
                f"cannot reach the database {_database()}: {reason}; check "
                "CITYLIVE_DATABASE_URL and that the server runs"
            )
        except DBAPIError as exc:
            fail(f"the database refused the command ({exc.orig.__class__.__name__}); see its log")


app = typer.Typer(
    name="citylive",
    cls=CityLiveGroup,
    help="CityLive: plan, run and account for a city's 1+N livestream-commerce festival.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    add_completion=False,
)
