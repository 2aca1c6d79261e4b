"""send-digest: the organisers' daily digest of every festival in play, sent nightly.

Scheduled once a day (prefect.yaml).  The outbox keys a digest by festival and day, so a
second run on the same day queues nothing new.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from prefect import flow, task

from citylive.actions import notifications as actions
from citylive.db import db_scope
from citylive.scope import SYSTEM
from flows._common import run_logger
from flows.dispatch_notifications import dispatch_notifications
from models._types import utcnow


@task
def festivals_in_play(now: datetime) -> list[str]:
    """Festivals with a session still to come, or one that ended less than a day ago."""
    with db_scope() as db:
        return actions.festivals_for_digest(db=db, actor=SYSTEM, now=now)


@task(retries=2, retry_delay_seconds=[1, 5])
def queue_digest(festival_id: str, day: date | None, now: datetime) -> dict[str, Any]:
    with db_scope() as db:
        done = actions.queue_digest(db=db, actor=SYSTEM, festival_id=festival_id, day=day, now=now)
    return {"day": done.day.isoformat(), "queued": done.queued}


@flow(name="send-digest", log_prints=True)
def send_digest(
    festival_id: str | None = None, day: date | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Queue the digest of `day` (default: today in each festival's time zone) for one
    festival or every one in play, and send it."""
    now = now or utcnow()
    ids = [festival_id] if festival_id else festivals_in_play(now)
    queued = {fid: queue_digest(fid, day, now) for fid in ids}
    run_logger().info("digests queued: %s", queued or "no festival in play")
    fresh = any(q["queued"] for q in queued.values())
    sent = dispatch_notifications(festival_id=festival_id) if fresh else None
    return {"queued": queued, "dispatch": sent}
