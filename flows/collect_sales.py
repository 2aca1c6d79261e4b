"""collect-sales: ingest the platform exports dropped in a festival's inbox folder.

The inbox is `CITYLIVE_DATA_DIR/inbox/<festival>/` (uploads through the API land there too).
One task per file: a file is stored in its own transaction, then moved to `done/`; a file that
cannot be read moves to `refused/` with a `.why.txt` next to it, and the run goes on.  Ingesting
the same file again is counted as duplicates, never stored twice.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task

import flows  # noqa: F401 - Prefect's defaults first
from citylive.config import get_settings
from citylive.db import get_engine, init_db

EXPORT_SUFFIXES = {".csv", ".xlsx", ".txt", ".tsv"}


def inbox_of(festival_id: str) -> Path:
    return get_settings().data_dir / "inbox" / festival_id


@task
def waiting_files(festival_id: str) -> list[str]:
    inbox = inbox_of(festival_id)
    if not inbox.is_dir():
        return []
    return sorted(
        str(p) for p in inbox.iterdir() if p.is_file() and p.suffix.lower() in EXPORT_SUFFIXES
    )


def _move(path: Path, folder: str) -> Path:
    target = path.parent / folder
    target.mkdir(exist_ok=True)
    return Path(shutil.move(str(path), str(target / path.name)))


@task(retries=2, retry_delay_seconds=[2, 10], retry_condition_fn=lambda t, r, s: _io_error(s))
def ingest_file(festival_id: str, path: str, move: bool) -> dict[str, Any]:
    """Ingest one export file; returns its counts (or why it was refused)."""
    from citylive.sales.ingest import IngestError, ingest_files

    p = Path(path)
    try:
        result = ingest_files(engine=init_db(get_engine()), festival_id=festival_id, paths=[p])
    except IngestError as exc:
        get_run_logger().warning("%s refused: %s", p.name, exc)
        if move:
            moved = _move(p, "refused")
            moved.with_name(moved.name + ".why.txt").write_text(f"{exc}\n", encoding="utf-8")
        return {
            "file": p.name,
            "refused": str(exc),
            "read": 0,
            "stored": 0,
            "quarantined": 0,
            "duplicates": 0,
        }
    if move:
        _move(p, "done")
    return {
        "file": p.name,
        "refused": None,
        "read": result.read,
        "stored": result.stored,
        "quarantined": result.quarantined,
        "duplicates": result.duplicates,
    }


def _io_error(state: Any) -> bool:
    try:
        state.result()
    except OSError:
        return True
    except Exception:  # noqa: BLE001 - bad data does not get better by retrying
        return False
    return False


@flow(name="collect-sales", log_prints=True)
def collect_sales(festival_id: str | None = None, paths: list[str] | None = None) -> dict[str, Any]:
    """Ingest the given export files, or everything waiting in the inbox (of one festival or
    of every festival with an inbox folder)."""
    from_inbox = paths is None
    if festival_id is None:
        if not from_inbox:
            raise ValueError("give festival_id with paths: exports belong to one festival")
        inbox = get_settings().data_dir / "inbox"
        ids = sorted(p.name for p in inbox.iterdir() if p.is_dir()) if inbox.is_dir() else []
        per = {fid: collect_sales(festival_id=fid) for fid in ids}
        return {
            k: sum(r[k] for r in per.values())
            for k in ("read", "stored", "quarantined", "duplicates", "refused")
        } | {"festivals": per}
    files = waiting_files(festival_id) if from_inbox else list(paths or [])
    results = [ingest_file(festival_id, f, from_inbox) for f in files]
    totals = {
        k: sum(r[k] for r in results) for k in ("read", "stored", "quarantined", "duplicates")
    }
    refused = [r for r in results if r["refused"]]
    get_run_logger().info(
        "%s files: read=%s stored=%s quarantined=%s duplicates=%s, %s refused",
        len(files),
        totals["read"],
        totals["stored"],
        totals["quarantined"],
        totals["duplicates"],
        len(refused),
    )
    return totals | {"files": results, "refused": len(refused)}
