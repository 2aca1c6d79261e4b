"""The inbox: export files dropped in a folder per festival, collected and ingested.

`CITYLIVE_DATA_DIR/inbox/<festival>/` holds exports (uploads through the API land beside it);
viewer figures and self-reported GMV per session go in its `figures/` folder as CSV.  Each file
is stored in its own transaction, then moved to `done/`; a file that cannot be read moves to
`refused/` with a `.why.txt` next to it, and the run goes on.  A file that failed for another
reason (the database went away) stays in the inbox for the next run.  Ingesting the same file
again is counted as duplicates, never stored twice.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from citylive.config import get_settings
from citylive.errors import CityLiveError
from citylive.paths import PathRefused, confined
from citylive.sales.ingest import ingest_files
from citylive.sales.session_figures import read_figures_csv, store_figures

EXPORT_SUFFIXES = {".csv", ".xlsx", ".txt", ".tsv"}
log = logging.getLogger("citylive.sales.inbox")


@dataclass
class InboxFile:
    file: str
    refused: str | None = None  # why the file was refused (it moved to refused/)
    failed: str | None = None  # why it could not be ingested now (it stays in the inbox)
    read: int = 0
    stored: int = 0
    quarantined: int = 0
    duplicates: int = 0
    sessions: int = 0  # viewer figures: sessions stored


@dataclass
class InboxResult:
    files: list[InboxFile] = field(default_factory=list)
    figures: list[InboxFile] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        out = {
            k: sum(getattr(f, k) for f in self.files)
            for k in ("read", "stored", "quarantined", "duplicates")
        }
        out["refused"] = sum(1 for f in self.files if f.refused)
        out["failed"] = sum(1 for f in self.files if f.failed)
        out["figures_sessions"] = sum(f.sessions for f in self.figures)
        return out

    def as_dict(self) -> dict[str, Any]:
        return self.totals() | {
            "files": [asdict(f) for f in self.files],
            "figures": [asdict(f) for f in self.figures],
        }


def inbox_of(festival_id: str) -> Path:
    return get_settings().data_dir / "inbox" / festival_id


def inbox_festivals() -> list[str]:
    inbox = get_settings().data_dir / "inbox"
    return sorted(p.name for p in inbox.iterdir() if p.is_dir()) if inbox.is_dir() else []


def waiting_files(festival_id: str) -> list[str]:
    inbox = inbox_of(festival_id)
    if not inbox.is_dir():
        return []
    return sorted(
        str(p) for p in inbox.iterdir() if p.is_file() and p.suffix.lower() in EXPORT_SUFFIXES
    )


def waiting_figures(festival_id: str) -> list[str]:
    folder = inbox_of(festival_id) / "figures"
    if not folder.is_dir():
        return []
    return sorted(str(p) for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv")


def _move(path: Path, folder: str) -> Path:
    target = path.parent / folder
    target.mkdir(exist_ok=True)
    return Path(shutil.move(str(path), str(target / path.name)))


def _refuse(path: Path, why: str, move: bool) -> None:
    if move and path.exists():
        moved = _move(path, "refused")
        moved.with_name(moved.name + ".why.txt").write_text(f"{why}\n", encoding="utf-8")


def within_reach(paths: list[str], move: bool) -> tuple[list[Path], list[InboxFile]]:
    """The paths that resolve inside the folders flows may read, and a refusal naming each
    other one (a path elsewhere, a symlink out of the inbox); nothing of those is read."""
    ok: list[Path] = []
    refused: list[InboxFile] = []
    for given in paths:
        try:
            confined(given, what="file")
        except PathRefused as exc:
            log.warning("%s", exc)
            if move and Path(given).is_symlink():
                _refuse(Path(given), str(exc), move)
            refused.append(InboxFile(given, refused=str(exc)))
            continue
        ok.append(Path(given))
    return ok, refused


def ingest_inbox_files(
    engine: Engine, festival_id: str, paths: list[Path], move: bool
) -> list[InboxFile]:
    """Ingest these files together; if one is wrong, one by one, so the good ones go in."""
    try:
        result = ingest_files(engine=engine, festival_id=festival_id, paths=paths)
    except Exception:  # noqa: BLE001 - some file is wrong: one by one keeps the good ones
        return [_one(engine, festival_id, p, move) for p in paths]
    out = []
    for fr in result.files:
        if move:
            _move(Path(fr.path), "done")
        out.append(
            InboxFile(
                Path(fr.path).name, None, None, fr.read, fr.stored, fr.quarantined, fr.duplicates
            )
        )
    return out


def _one(engine: Engine, festival_id: str, p: Path, move: bool) -> InboxFile:
    try:
        result = ingest_files(engine=engine, festival_id=festival_id, paths=[p])
    except OSError:
        raise  # the disk or the database: worth trying again
    except CityLiveError as exc:
        log.warning("%s refused: %s", p.name, exc)
        _refuse(p, str(exc), move)
        return InboxFile(p.name, refused=str(exc))
    except Exception as exc:  # noqa: BLE001 - reported; the file stays for the next run
        log.warning(
            "%s could not be ingested (%s); it stays in the inbox", p.name, exc.__class__.__name__
        )
        return InboxFile(p.name, failed=exc.__class__.__name__)
    if move:
        _move(p, "done")
    return InboxFile(
        p.name, None, None, result.read, result.stored, result.quarantined, result.duplicates
    )


def store_inbox_figures(db: Session, festival_id: str, path: Path, move: bool) -> InboxFile:
    try:
        rows = read_figures_csv(path)
        n = store_figures(db=db, festival_id=festival_id, rows=rows, reported_by=path.name)
        db.commit()
    except CityLiveError as exc:
        db.rollback()
        log.warning("%s refused: %s", path.name, exc)
        _refuse(path, str(exc), move)
        return InboxFile(path.name, refused=str(exc))
    if move:
        _move(path, "done")
    return InboxFile(path.name, sessions=n)
