"""The `citylive` command.  Each feature keeps its commands in a module of its own here."""

from citylive.cli import (
    demo,  # noqa: F401 - registers commands
    festival,  # noqa: F401 - registers commands
    notify,  # noqa: F401 - registers commands
    plan,  # noqa: F401 - registers commands
    sales,  # noqa: F401 - registers commands
    serve,  # noqa: F401 - registers commands
)
from citylive.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
