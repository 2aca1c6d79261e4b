"""send-reminders: during the festival days, remind people a set time before each session.

Scheduled every few minutes (prefect.yaml).  The outbox keys a reminder by session and
recipient, so overlapping or repeated runs never send one twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow, task

from citylive.actions import notifications as actions
from citylive.db import db_scope
from citylive.scope import SYSTEM
from flows._common import run_logger
from flows.dispatch_notifications import dispatch_notifications
from models._types import utcnow


@task
def running_festivals(now: datetime) -> list[str]:
    """Festivals with a released schedule and a session still to start."""
    with db_scope() as db:
        return actions.festivals_to_remind(db=db, actor=SYSTEM, now=now)


@task(retries=2, retry_delay_seconds=[1, 5])
def queue_reminders(festival_id: str, now: datetime) -> int:
    with db_scope() as db:
        return actions.queue_reminders(db=db, actor=SYSTEM, festival_id=festival_id, now=now)


@flow(name="send-reminders", log_prints=True)
def send_reminders(festival_id: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Queue the reminders now due (all running festivals, or one) and send them."""
    now = now or utcnow()
    ids = [festival_id] if festival_id else running_festivals(now)
    queued = {fid: queue_reminders(fid, now) for fid in ids}
    run_logger().info("reminders queued: %s", queued or "none due")
    sent = dispatch_notifications(festival_id=festival_id) if any(queued.values()) else None
    return {"queued": queued, "dispatch": sent}
