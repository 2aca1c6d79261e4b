"""dispatch-notifications: send what is due in the outbox.

A target that fails does not fail the run: its messages stay in the outbox with the error (and
are retried later when the failure may pass), and the run reports them in its result, its log
and a table artifact.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from prefect import flow, task
from prefect.artifacts import create_table_artifact
from sqlmodel import col, func, select

import models
from citylive.db import session_scope
from flows._common import artifact_key, run_logger


@task(retries=2, retry_delay_seconds=[2, 10])
def send_due(limit: int | None, wait_for_retries: float) -> dict[str, int]:
    """One pass over the outbox (claims rows safely, so several runs may overlap)."""
    from citylive.notify.dispatch import dispatch

    result = dispatch(limit=limit, wait_for_retries=wait_for_retries)
    return {
        "sent": result.sent,
        "failed": result.failed,
        "pending": result.pending,
        "undeliverable": getattr(result, "undeliverable", 0),
    }


@task
def outbox_problems(festival_id: str | None) -> list[dict[str, Any]]:
    """Messages not delivered (failed, undeliverable, or pending a retry after an error),
    grouped by recipient tag, state and reason."""
    N = models.Notification
    with session_scope() as db:
        query = (
            select(N.status, N.recipient, N.last_error, func.count())
            .where(
                sa.or_(
                    col(N.status).in_(["failed", "undeliverable"]),
                    sa.and_(col(N.status) == "pending", col(N.last_error).is_not(None)),
                )
            )
            .group_by(N.status, N.recipient, col(N.last_error))
            .order_by(N.recipient)
        )
        if festival_id is not None:
            query = query.where(N.festival_id == festival_id)
        rows = db.exec(query).all()
    return [
        {
            "state": "retrying" if s == "pending" else str(s),
            "recipient": r,
            "messages": int(n),
            "reason": (e or "")[:200],
        }
        for s, r, e, n in rows
    ]


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
