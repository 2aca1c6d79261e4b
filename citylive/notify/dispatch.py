"""The dispatcher: claims due outbox rows, gives each its channel, sends, records the outcome.

    claims.py   claiming rows under a lease, and writing outcomes only while still holding them
    sending.py  one send through Apprise: pacing, the body the channel takes, the reason
    here        the loop, and routing each claimed row to its channel

Outcomes are written within milliseconds of the answer, keeping small the window in which a
killed worker leaves a delivered row unrecorded (it is then sent again, with the same
idempotency key).  A failed send is retried with exponential backoff and jitter; after
`max_attempts` the row is `failed` with the reason.  A row whose recipient has no channel is
`undeliverable` with the reason (no config at all, or no tag for it).
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

import models
from citylive.db import get_engine, init_db
from citylive.notify.claims import (
    DispatchResult,
    Outcome,
    claim,
    claimed_rows,
    next_due,
    pending_count,
    record,
)
from citylive.notify.recipients import Recipient, RecipientError
from citylive.notify.routing import Routes, Target, routes_from_settings
from citylive.notify.sending import Channels, Pacer, send
from citylive.notify.settings import NotifySettings, get_notify_settings
from models._types import utcnow
from models.enums import NotificationStatus

__all__ = ["NO_CONFIG", "DispatchResult", "default_worker_id", "dispatch", "pending_count"]

NO_CONFIG = (
    "no notification config: CITYLIVE_NOTIFY_CONFIG is not set; point it at an Apprise YAML "
    "file (docs/notifications.md) and re-queue with `citylive notifications --requeue`"
)


def default_worker_id() -> str:
    return f"{socket.gethostname()[:24]}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def _fan_key(key: str, target: Target) -> str:
    return f"{key[:200]}~{hashlib.sha1(target.name.encode()).hexdigest()[:10]}"


def _targets(row: models.Notification, routes: Routes | None) -> tuple[list[Target], str]:
    """The row's channels, or none and the reason."""
    if routes is None:
        return [], NO_CONFIG
    known = routes.by_name.get(row.target) if row.target else None
    if row.target and known is None and "~" in row.key:
        # A copy made for one extra channel that the config no longer has: routing it
        # again would send the recipient's first channel a second message.
        return [], f"channel {row.target} is no longer in {routes.source}"
    if known is not None:
        return [known], ""
    try:
        recipient = Recipient.parse(row.recipient)
    except RecipientError as exc:
        return [], str(exc)
    town = (row.context or {}).get("town")
    targets = routes.resolve(recipient, town)
    if not targets:
        tried = ", ".join(repr(t) for t in routes.candidates(recipient, town))
        return [], f"no channel in {routes.source} for this recipient (tags tried: {tried})"
    return targets, ""


def _route(
    db: Session, rows: list[models.Notification], routes: Routes | None
) -> tuple[list[tuple[models.Notification, Target]], int]:
    """Give each claimed row its one channel; rows with none become undeliverable.

    A recipient with several channels gets a copy of the row per extra channel (its own key,
    status and retries), all in this transaction, so a copy is made once.
    """
    ready: list[tuple[models.Notification, Target]] = []
    undeliverable = 0
    now = utcnow()
    for row in rows:
        targets, reason = _targets(row, routes)
        if not targets:
            row.status = NotificationStatus.undeliverable
            row.last_error = reason
            row.attempts = max(0, row.attempts - 1)
            row.claimed_by = None
            row.claimed_until = None
            db.add(row)
            undeliverable += 1
            continue
        if row.target != targets[0].name:
            row.target = targets[0].name
            db.add(row)
            for extra in targets[1:]:
                db.add(
                    models.Notification(
                        festival_id=row.festival_id,
                        event=row.event,
                        recipient=row.recipient,
                        subject=row.subject,
                        key=_fan_key(row.key, extra),
                        target=extra.name,
                        body_text=row.body_text,
                        body_markdown=row.body_markdown,
                        body_html=row.body_html,
                        attachments=list(row.attachments),
                        context=dict(row.context),
                        next_attempt_at=now,
                    )
                )
        ready.append((row, targets[0]))
    db.commit()
    return ready, undeliverable


def dispatch(
    *,
    engine: Engine | None = None,
    limit: int | None = None,
    worker_id: str | None = None,
    routes: Routes | None = None,
    wait_for_retries: float = 0.0,
    settings: NotifySettings | None = None,
) -> DispatchResult:
    """Send what is due in the outbox; commits itself.

    `limit` caps rows handled this run.  `routes` defaults to CITYLIVE_NOTIFY_CONFIG.
    `wait_for_retries` > 0 keeps going (sleeping until the next retry is due) for up to that
    many seconds while rows are still pending; 0 sends what is due now and returns.
    """
    engine = init_db(engine or get_engine())
    settings = settings or get_notify_settings()
    if routes is None:
        routes = routes_from_settings()
    worker = worker_id or default_worker_id()
    tally = DispatchResult()
    pacer = Pacer()
    channels = Channels()
    deadline = time.monotonic() + wait_for_retries
    handled = 0
    margin = timedelta(seconds=min(settings.request_timeout, settings.claim_seconds / 4))
    in_flight: set[Future[Outcome]] = set()

    def drain(until: int) -> None:
        # Outcomes are written as they come (a few ms apart).
        nonlocal in_flight
        while len(in_flight) > until:
            done, in_flight = wait(in_flight, timeout=0.05, return_when="FIRST_COMPLETED")
            record(engine, worker, [f.result() for f in done], settings, tally)

    with ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="notify") as pool:
        while True:
            # Claim the next batch while the last one is still sending, so no thread idles.
            drain(settings.workers)
            room = (
                settings.batch_size if limit is None else min(settings.batch_size, limit - handled)
            )
            ids = claim(engine, worker, room, settings) if room > 0 else []
            if not ids:
                drain(0)
                if wait_for_retries <= 0 or (limit is not None and handled >= limit):
                    break
                due = next_due(engine)
                if due is None or time.monotonic() >= deadline:
                    break
                pause = (due - utcnow()).total_seconds()
                time.sleep(min(max(pause, 0.01), max(0.0, deadline - time.monotonic()), 1.0))
                continue
            handled += len(ids)
            with Session(engine, expire_on_commit=False) as db:
                ready, undeliverable = _route(db, claimed_rows(db, ids, worker), routes)
            tally.undeliverable += undeliverable
            deferred: list[Outcome] = []
            horizon = time.monotonic() + settings.claim_seconds / 2
            for row, target in ready:
                assert row.id is not None and routes is not None
                start_at = pacer.reserve(target)
                if start_at > horizon:
                    # Beyond what this lease covers: hand the row back, untried, for later.
                    pacer.unreserve(target)
                    later = utcnow() + timedelta(seconds=start_at - time.monotonic())
                    deferred.append(Outcome(row.id, False, deferred_until=later))
                    continue
                in_flight.add(pool.submit(send, channels, routes, row, target, start_at, margin))
            record(engine, worker, deferred, settings, tally)
        drain(0)
    tally.pending = pending_count(engine)
    return tally
