"""watch-festival: on festival days, find the sessions not yet live a set time after their
start and alert their coordinator and the organisers, once per session.

Scheduled every minute (prefect.yaml).  The outbox keys an alert by session and recipient,
so overlapping runs, or a run repeated after one that died halfway, never alert twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow, task

from citylive.actions import live as actions
from citylive.db import open_db
from flows._common import run_logger
from flows.dispatch_notifications import dispatch_notifications
from models._types import utcnow


@task
def festivals_on_day(now: datetime) -> list[str]:
    """Festivals with a released schedule whose festival day it is."""
    db = open_db()
    try:
        return actions.festivals_on_day(db=db, now=now)
    finally:
        db.close()


@task(retries=2, retry_delay_seconds=[1, 5])
def watch_one(festival_id: str, now: datetime) -> dict[str, Any]:
    db = open_db()
    try:
        result = actions.watch(db=db, festival_id=festival_id, at=now)
    finally:
        db.close()
    return {"late": result.late, "queued": result.queued, "by_town": result.by_town}


@flow(name="watch-festival", log_prints=True)
def watch_festival(festival_id: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """One watch pass over the festivals of the day (or one), then send what it queued."""
    now = now or utcnow()
    ids = [festival_id] if festival_id else festivals_on_day(now)
    found = {fid: watch_one(fid, now) for fid in ids}
    run_logger().info(
        "late sessions: %s", {fid: (r["late"], r["queued"]) for fid, r in found.items()} or "none"
    )
    queued = any(r["queued"] for r in found.values())
    sent = dispatch_notifications(festival_id=festival_id) if queued else None
    return {"festivals": found, "dispatch": sent}
