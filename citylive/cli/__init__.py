"""The `citylive` command.  Each feature keeps its commands in a module of its own here."""

from citylive.cli import demo  # noqa: F401 - registers commands
from citylive.cli import festival  # noqa: F401 - registers commands
from citylive.cli import notify  # noqa: F401 - registers commands
from citylive.cli import plan  # noqa: F401 - registers commands
from citylive.cli import sales  # noqa: F401 - registers commands
from citylive.cli import serve  # noqa: F401 - registers commands
from citylive.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
