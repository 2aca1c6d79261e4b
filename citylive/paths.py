"""The files a flow may touch: only those inside CityLive's own folders.

A flow runs with whatever parameters its caller gives (a deployment run, an automation), so
every path it takes (a festival file, an export, a report's output) must resolve, symlinks
followed and `..` taken out, inside `CITYLIVE_DATA_DIR`, inside one of the folders listed in
`CITYLIVE_ALLOWED_PATHS` (separated by the system's path separator, `:` on Linux), or, for
reading only, inside the examples that come with CityLive.  Anything else is refused with the
path named and nothing of its content read.

The command line is the organisers' own machine: it reads any file its user names and does
not come through here.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from citylive.config import get_settings
from citylive.errors import Forbidden


class PathRefused(Forbidden, ValueError):
    """A path outside the folders a flow may use; `details["path"]` is the path as given."""


def _examples() -> Path | None:
    try:
        return Path(str(resources.files("citylive.examples")))
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - a broken install
        return None


def allowed_roots(*, writing: bool = False) -> list[Path]:
    """The folders a flow may use, resolved: the data folder, the allow-list, and for
    reading the packaged examples."""
    settings = get_settings()
    roots = [settings.data_dir]
    roots += [Path(p) for p in settings.allowed_paths.split(os.pathsep) if p.strip()]
    examples = None if writing else _examples()
    if examples is not None:
        roots.append(examples)
    return [root.expanduser().resolve() for root in roots]


def confined(path: str | os.PathLike[str], *, what: str, writing: bool = False) -> Path:
    """`path` resolved (symlinks followed), when it lies inside an allowed folder; else
    `PathRefused` naming the path.  Reads nothing of the file."""
    given = str(path)
    if not given or "\x00" in given:
        raise PathRefused(f"{what} {given!r}: not a path", field=what, details={"path": given})
    resolved = Path(given).expanduser().resolve()
    roots = allowed_roots(writing=writing)
    if not any(resolved == root or resolved.is_relative_to(root) for root in roots):
        raise PathRefused(
            f"{what} {given!r} is outside the folders flows may "
            f"{'write' if writing else 'read'} (CITYLIVE_DATA_DIR {roots[0]}, or a folder "
            "listed in CITYLIVE_ALLOWED_PATHS); move the file there or add its folder",
            field=what,
            details={"path": given},
        )
    return resolved
