"""collect-sales: ingest the platform exports dropped in a festival's inbox folder.

The inbox is `CITYLIVE_DATA_DIR/inbox/<festival>/` (uploads through the API land there too);
viewer figures and self-reported GMV per session go in its `figures/` folder as CSV.
One task per batch of files (per-task overhead is tens of milliseconds, and each batch loads
the festival's session windows once): each file is stored in its own transaction, then moved
to `done/`; a file that cannot be read moves to `refused/` with a `.why.txt` next to it, and
the run goes on.  Ingesting
the same file again is counted as duplicates, never stored twice.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from prefect import flow, task

from citylive.config import get_settings
from citylive.db import get_engine, init_db, session_scope
from flows._common import run_logger

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


@task
def waiting_figures(festival_id: str) -> list[str]:
    folder = inbox_of(festival_id) / "figures"
    if not folder.is_dir():
        return []
    return sorted(str(p) for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv")


@task(retries=1, retry_delay_seconds=[2])
def store_viewer_figures(festival_id: str, path: str) -> dict[str, Any]:
    """Views, peak viewers, followers and self-reported GMV per session (replaces earlier)."""
    from citylive.sales.session_figures import FiguresError, read_figures_csv, store_figures

    p = Path(path)
    try:
        rows = read_figures_csv(p)
        with session_scope() as db:
            stored = store_figures(db=db, festival_id=festival_id, rows=rows, reported_by=p.name)
    except FiguresError as exc:
        run_logger().warning("%s refused: %s", p.name, exc)
        moved = _move(p, "refused")
        moved.with_name(moved.name + ".why.txt").write_text(f"{exc}\n", encoding="utf-8")
        return {"file": p.name, "refused": str(exc), "sessions": 0}
    _move(p, "done")
    return {"file": p.name, "refused": None, "sessions": int(stored)}


def _move(path: Path, folder: str) -> Path:
    target = path.parent / folder
    target.mkdir(exist_ok=True)
    return Path(shutil.move(str(path), str(target / path.name)))


BATCH = 40


@task(retries=2, retry_delay_seconds=[2, 10], retry_condition_fn=lambda t, r, s: _io_error(s))
def ingest_batch(festival_id: str, paths: list[str], move: bool) -> list[dict[str, Any]]:
    """Ingest a batch of export files; returns each file's counts (or why it was refused)."""
    from citylive.sales.ingest import IngestError, ingest_files

    engine = init_db(get_engine())
    try:
        result = ingest_files(
            engine=engine, festival_id=festival_id, paths=[Path(p) for p in paths]
        )
        files = result.files
    except Exception:  # noqa: BLE001 - some file is wrong: one by one keeps the good ones
        files = []
    out = []
    if not files:
        for p in paths:
            out.append(_one(engine, festival_id, Path(p), move, IngestError, ingest_files))
        return out
    for fr in files:
        if move:
            _move(Path(fr.path), "done")
        out.append(
            {
                "file": Path(fr.path).name,
                "refused": None,
                "read": fr.read,
                "stored": fr.stored,
                "quarantined": fr.quarantined,
                "duplicates": fr.duplicates,
            }
        )
    return out


def _one(
    engine: Any, festival_id: str, p: Path, move: bool, error: type, ingest: Any
) -> dict[str, Any]:
    try:
        result = ingest(engine=engine, festival_id=festival_id, paths=[p])
    except OSError:
        raise  # the disk or the database: the task's retries are for this
    except Exception as exc:  # noqa: BLE001 - reported, the file stays in the inbox
        if not isinstance(exc, error):
            run_logger().warning(
                "%s could not be ingested (%s: %s); it stays in the inbox for the next run",
                p.name,
                exc.__class__.__name__,
                exc,
            )
            return {
                "file": p.name,
                "refused": None,
                "failed": f"{exc.__class__.__name__}: {exc}",
                "read": 0,
                "stored": 0,
                "quarantined": 0,
                "duplicates": 0,
            }
        run_logger().warning("%s refused: %s", p.name, exc)
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
    batches = [files[i : i + BATCH] for i in range(0, len(files), BATCH)]
    results = [r for batch in batches for r in ingest_batch(festival_id, batch, from_inbox)]
    figures = (
        [store_viewer_figures(festival_id, f) for f in waiting_figures(festival_id)]
        if from_inbox
        else []
    )
    totals = {
        k: sum(r[k] for r in results) for k in ("read", "stored", "quarantined", "duplicates")
    }
    refused = [r for r in results if r["refused"]]
    failed = [r for r in results if r.get("failed")]
    run_logger().info(
        "%s files: read=%s stored=%s quarantined=%s duplicates=%s, %s refused",
        len(files),
        totals["read"],
        totals["stored"],
        totals["quarantined"],
        totals["duplicates"],
        len(refused),
    )
    return totals | {
        "files": results,
        "refused": len(refused),
        "failed": len(failed),
        "figures_sessions": sum(f["sessions"] for f in figures),
    }
