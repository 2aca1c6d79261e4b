"""dispatch-notifications: send what is due in the outbox.

A target that fails does not fail the run: its messages stay in the outbox with the error (and
are retried later when the failure may pass), and the run reports them in its result, its log
and a table artifact.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_table_artifact

from citylive.actions import notifications as actions
from citylive.db import db_scope
from citylive.scope import SYSTEM
from flows._common import artifact_key, run_logger


@task(retries=2, retry_delay_seconds=[2, 10])
def send_due(limit: int | None, wait_for_retries: float) -> dict[str, int]:
    """One pass over the outbox (claims rows safely, so several runs may overlap)."""
    result = actions.send_outbox(actor=SYSTEM, limit=limit, wait_for_retries=wait_for_retries)
    return {
        "sent": result.sent,
        "failed": result.failed,
        "pending": result.pending,
        "undeliverable": result.undeliverable,
    }


@task
def outbox_problems(festival_id: str | None) -> list[dict[str, Any]]:
    """Messages not delivered (failed, undeliverable, or pending a retry after an error),
    grouped by recipient tag, state and reason."""
    with db_scope() as db:
        groups = actions.undelivered_messages(db=db, actor=SYSTEM, festival_id=festival_id)
    return [asdict(g) for g in groups]


@flow(name="dispatch-notifications", log_prints=True)
def dispatch_notifications(
    festival_id: str | None = None,
    limit: int | None = None,
    wait_for_retries: float = 0.0,
) -> dict[str, Any]:
    """Send the outbox; report (never raise on) targets that failed."""
    logger = run_logger()
    counts = send_due(limit, wait_for_retries)
    problems = outbox_problems(festival_id)
    if problems:
        create_table_artifact(
            key=artifact_key(festival_id or "all", "undelivered"),
            table=problems,
            description="Messages that were not delivered, by recipient and reason",
        )
        for p in problems[:10]:
            logger.warning(
                "%s message(s) to %s %s: %s",
                p["messages"],
                p["recipient"],
                p["state"],
                p["reason"],
            )
    logger.info("sent=%s failed=%s pending=%s", counts["sent"], counts["failed"], counts["pending"])
    return counts | {"problems": problems, "undelivered": sum(p["messages"] for p in problems)}
