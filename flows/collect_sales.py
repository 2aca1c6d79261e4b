"""collect-sales: ingest the platform exports dropped in a festival's inbox folder.

The inbox protocol (done/, refused/ with a reason, files that failed stay) is
`citylive.actions.sales.collect_inbox`; this flow only cuts the waiting files into batches,
one task each (per-task overhead is tens of milliseconds, and each batch loads the festival's
session windows once), and stores the viewer figures last.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, task

from citylive.actions import sales as actions
from citylive.db import db_scope
from citylive.sales.inbox import inbox_of  # noqa: F401 - where the demo and tests drop files
from flows._common import run_logger

BATCH = 40


@task
def waiting_files(festival_id: str) -> list[str]:
    return actions.waiting_in_inbox(festival_id=festival_id)


def _io_error(state: Any) -> bool:
    try:
        state.result()
    except OSError:
        return True
    except Exception:  # noqa: BLE001 - bad data does not get better by retrying
        return False
    return False


@task(retries=2, retry_delay_seconds=[2, 10], retry_condition_fn=lambda t, r, s: _io_error(s))
def ingest_batch(festival_id: str, paths: list[str], move: bool) -> list[dict[str, Any]]:
    """Ingest a batch of export files; returns each file's counts (or why it was refused)."""
    with db_scope() as db:
        result = actions.collect_inbox(
            db=db, festival_id=festival_id, files=paths, figures=[], move=move
        )
    return result.as_dict()["files"]


@task(retries=1, retry_delay_seconds=[2])
def store_viewer_figures(festival_id: str) -> dict[str, Any]:
    """Views, peak viewers, followers and self-reported GMV per session (replaces earlier)."""
    with db_scope() as db:
        result = actions.collect_inbox(db=db, festival_id=festival_id, files=[])
    return result.as_dict()


@flow(name="collect-sales", log_prints=True)
def collect_sales(festival_id: str | None = None, paths: list[str] | None = None) -> dict[str, Any]:
    """Ingest the given export files, or everything waiting in the inbox (of one festival or
    of every festival with an inbox folder)."""
    from_inbox = paths is None
    if festival_id is None:
        if not from_inbox:
            raise ValueError("give festival_id with paths: exports belong to one festival")
        per = {fid: collect_sales(festival_id=fid) for fid in actions.festivals_with_inbox()}
        return {
            k: sum(r[k] for r in per.values())
            for k in ("read", "stored", "quarantined", "duplicates", "refused")
        } | {"festivals": per}
    files = waiting_files(festival_id) if from_inbox else list(paths or [])
    batches = [files[i : i + BATCH] for i in range(0, len(files), BATCH)]
    results = [r for batch in batches for r in ingest_batch(festival_id, batch, from_inbox)]
    figures = store_viewer_figures(festival_id)["figures"] if from_inbox else []
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
