"""The `citylive` command.  Each feature keeps its commands in a module of its own here;
packages that add commands (the demo) register them through the `citylive.commands` entry
point group.  A command imports what it runs inside its own function, so `citylive --help`
and a quick command load neither the solver nor the sales engine."""

from importlib.metadata import entry_points

from citylive.cli import (
    day,  # noqa: F401 - registers commands
    festival,  # noqa: F401 - registers commands
    notify,  # noqa: F401 - registers commands
    plan,  # noqa: F401 - registers commands
    sales,  # noqa: F401 - registers commands
    schedule,  # noqa: F401 - registers commands
    serve,  # noqa: F401 - registers commands
    tokens,  # noqa: F401 - registers commands
    workbook,  # noqa: F401 - registers commands
)
from citylive.cli.app import app

for _plugin in entry_points(group="citylive.commands"):
    _plugin.load()(app)


def main() -> None:
    app()


__all__ = ["app", "main"]
