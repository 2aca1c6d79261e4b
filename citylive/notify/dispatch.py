"""The dispatcher: claims due outbox rows, sends each to its one channel, records the outcome.

Claiming is one statement that flips rows from `pending` to `sending` with this worker's id
and a lease (`claimed_until`): on PostgreSQL the candidate rows are picked with
`SELECT ... FOR UPDATE SKIP LOCKED`, so two dispatchers never take the same row; on SQLite the
`UPDATE ... WHERE id IN (SELECT ... LIMIT n) RETURNING id` runs under SQLite's single writer
lock, which makes it just as exclusive.  A row claimed by a worker that died is claimable
again once its lease has run out.  Every outcome is written with `WHERE claimed_by = me`, so
a worker whose lease was taken over cannot overwrite the new owner's result.

Sending is at-least-once by nature (a worker killed between the receiver's answer and the
row's update cannot know), so every send carries the row's idempotency key (the
`X-Idempotency-Key` header on webhooks and mail); outcomes are written within milliseconds of
the answer, keeping that window small.

A failed send is retried with exponential backoff and jitter; after `max_attempts` the row is
`failed` with the reason.  A row whose recipient has no channel is `undeliverable` with the
reason (no config at all, or no tag for it).
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import socket
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from apprise import Apprise, AppriseAttachment
from apprise.common import NotifyFormat
from apprise.result import AppriseResultStatus
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

import models
from citylive.db import get_engine, init_db
from citylive.notify.routing import Routes, Target, routes_from_settings
from citylive.notify.settings import NotifySettings, get_notify_settings
from models._types import UTCDateTime, utcnow

log = logging.getLogger("citylive.notify")
N = models.Notification

NO_CONFIG = (
    "no notification config: CITYLIVE_NOTIFY_CONFIG is not set; point it at an Apprise YAML "
    "file (docs/notifications.md) and re-queue with `citylive notifications --requeue`"
)


@dataclass
class DispatchResult:
    sent: int = 0
    failed: int = 0
    pending: int = 0
    undeliverable: int = 0
    retried: int = 0  # sends that failed and were scheduled again

    def line(self) -> str:
        return f"sent={self.sent} failed={self.failed} pending={self.pending}"


@dataclass
class _Outcome:
    row_id: int
    ok: bool
    reason: str = ""
    deferred_until: datetime | None = None  # released untried (vendor pacing)


class _Pacer:
    """Spaces sends to one channel at the vendor's allowed rate, shared by all threads."""

    def __init__(self) -> None:
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, target: Target) -> float:
        """The monotonic time this send may start."""
        if target.rate_per_minute <= 0:
            return time.monotonic()
        interval = 60.0 / target.rate_per_minute
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(target.name, now))
            self._next[target.name] = slot + interval
            return slot

    def unreserve(self, target: Target) -> None:
        if target.rate_per_minute <= 0:
            return
        with self._lock:
            self._next[target.name] -= 60.0 / target.rate_per_minute


class _Channels:
    """Apprise objects kept alive for the whole run: one per channel per worker thread (a
    plugin's headers are set per send, so threads must not share one)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def get(self, target: Target) -> Apprise:
        cache: dict[str, Apprise] | None = getattr(self._local, "cache", None)
        if cache is None:
            cache = self._local.cache = {}
        ap = cache.get(target.name)
        if ap is None:
            ap = cache[target.name] = target.make_apprise()
        return ap


def _backoff(settings: NotifySettings, attempts: int) -> float:
    base = settings.backoff_seconds * settings.backoff_factor ** max(0, attempts - 1)
    base = min(base, settings.backoff_max_seconds)
    return max(0.0, base * (1.0 + random.uniform(-settings.jitter, settings.jitter)))


def default_worker_id() -> str:
    return f"{socket.gethostname()[:24]}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def _claim(engine: Engine, worker: str, n: int, settings: NotifySettings) -> list[int]:
    now = utcnow()
    due = sa.or_(
        sa.and_(col(N.status) == "pending", col(N.next_attempt_at) <= now),
        # another worker's expired lease: it died (its own queued rows a worker never retakes)
        sa.and_(
            col(N.status) == "sending", col(N.claimed_until) < now, col(N.claimed_by) != worker
        ),
    )
    pick = select(N.id).where(due).order_by(col(N.next_attempt_at), col(N.id)).limit(n)
    if engine.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    stmt = (
        sa.update(N)
        .where(col(N.id).in_(pick.scalar_subquery()))
        .values(
            status="sending",
            claimed_by=worker,
            claimed_until=now + timedelta(seconds=settings.claim_seconds),
            attempts=N.attempts + 1,
        )
        .returning(col(N.id))
    )
    with engine.begin() as conn:
        return [int(r[0]) for r in conn.execute(stmt) if r[0] is not None]


def _fan_key(key: str, target: Target) -> str:
    return f"{key[:200]}~{hashlib.sha1(target.name.encode()).hexdigest()[:10]}"


def _route(
    db: Session, rows: list[models.Notification], routes: Routes | None, worker: str
) -> tuple[list[tuple[models.Notification, Target]], int]:
    """Give each claimed row its one channel; rows with none become undeliverable.

    A recipient with several channels gets a copy of the row per extra channel (its own key,
    status and retries), all in this transaction, so a copy is made once.
    """
    ready: list[tuple[models.Notification, Target]] = []
    undeliverable = 0
    now = utcnow()
    for row in rows:
        town = (row.context or {}).get("town")
        targets: list[Target] = []
        reason = NO_CONFIG
        if routes is not None:
            known = routes.by_name.get(row.target) if row.target else None
            if row.target and known is None and "~" in row.key:
                # A copy made for one extra channel that the config no longer has: routing
                # it again would send the recipient's first channel a second message.
                reason = f"channel {row.target} is no longer in {routes.source}"
            else:
                targets = [known] if known else routes.resolve(row.recipient, town)
            if not targets and reason == NO_CONFIG:
                tried = ", ".join(repr(t) for t in routes.candidates(row.recipient, town))
                reason = f"no channel in {routes.source} for this recipient (tags tried: {tried})"
        if not targets:
            row.status = "undeliverable"  # type: ignore[assignment]
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


def _body_for(ap: Apprise, row: models.Notification) -> tuple[str, NotifyFormat]:
    plugin = ap[0]
    fmt = plugin.resolve_format(None)
    if fmt == NotifyFormat.HTML:
        return row.body_html or row.body_text, NotifyFormat.HTML
    if fmt == NotifyFormat.MARKDOWN:
        return row.body_markdown or row.body_text, NotifyFormat.MARKDOWN
    return row.body_text, NotifyFormat.TEXT


def _send(
    channels: _Channels,
    routes: Routes,
    row: models.Notification,
    target: Target,
    start_at: float,
    lease_margin: timedelta,
) -> _Outcome:
    assert row.id is not None
    delay = start_at - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    if row.claimed_until is not None and utcnow() + lease_margin >= row.claimed_until:
        # Too little of the lease is left to finish a send: another dispatcher may take the
        # row once it runs out, so hand it back untried rather than risk sending it twice.
        return _Outcome(row.id, False, "lease ran out before sending", deferred_until=utcnow())
    try:
        ap = channels.get(target)
        plugin = ap[0]
        headers = getattr(plugin, "headers", None)
        if isinstance(headers, dict):
            # The receiver can drop a repeat: a send that timed out may have arrived.
            headers["X-Idempotency-Key"] = row.key
        body, fmt = _body_for(ap, row)
        files = [p for p in (row.attachments or []) if Path(p).is_file()]
        attach = (
            AppriseAttachment(list[Any](files))
            if files and getattr(plugin, "attachment_support", False)
            else None
        )
        result = ap.notify(body=body, title=row.subject, body_format=fmt, attach=attach)
    except Exception as exc:  # noqa: BLE001 - one row's failure must not stop the batch
        return _Outcome(row.id, False, routes.redact(f"{exc.__class__.__name__}: {exc}")[:500])
    if result.status == AppriseResultStatus.SUCCESS:
        return _Outcome(row.id, True)
    return _Outcome(row.id, False, routes.redact(_reason(result, plugin))[:500])


def _reason(result: Any, plugin: Any) -> str:
    if result.status == AppriseResultStatus.TIMEOUT:
        return "timed out (it may have arrived; the receiver has the idempotency key)"
    own = getattr(plugin, "last_error", None)
    if own:
        return str(own)
    messages = []
    for service in result:
        for entry in service.logs():
            if entry.level in ("WARNING", "ERROR", "CRITICAL"):
                messages.append(entry.message)
    if messages:
        return "; ".join(dict.fromkeys(messages))
    return f"channel reported {result.status.name}"


def _record(
    engine: Engine,
    worker: str,
    outcomes: list[_Outcome],
    settings: NotifySettings,
    tally: DispatchResult,
) -> None:
    """Write outcomes: one UPDATE for all the sent rows, one executemany for the rest.

    Every statement is limited to rows this worker still holds (`claimed_by`), so a worker
    whose lease ran out and was taken over never overwrites the new owner's outcome.
    """
    if not outcomes:
        return
    now = utcnow()
    sent = [o.row_id for o in outcomes if o.ok]
    rest = [o for o in outcomes if not o.ok]
    with engine.begin() as conn:
        if sent:
            n = conn.execute(
                sa.update(N)
                .where(col(N.id).in_(sent), col(N.claimed_by) == worker)
                .values(
                    status="sent", sent_at=now, last_error=None, claimed_by=None, claimed_until=None
                )
            ).rowcount
            tally.sent += n
            if n != len(sent):
                log.warning("%d sent notification(s) had lost their lease", len(sent) - n)
        if not rest:
            return
        attempts: dict[int, int] = dict(
            conn.execute(
                select(N.id, N.attempts).where(col(N.id).in_([o.row_id for o in rest]))
            ).all()  # type: ignore[arg-type]
        )
        params = []
        failed = retried = 0
        for o in rest:
            tries = attempts.get(o.row_id, 1)
            if o.deferred_until is not None:  # released untried: the claim's attempt is undone
                params.append(
                    {
                        "rid": o.row_id,
                        "st": "pending",
                        "err": None,
                        "nxt": o.deferred_until,
                        "dec": 1,
                    }
                )
            elif tries >= settings.max_attempts:
                failed += 1
                err = f"after {tries} attempts: {o.reason}"
                params.append({"rid": o.row_id, "st": "failed", "err": err, "nxt": now, "dec": 0})
            else:
                retried += 1
                nxt = now + timedelta(seconds=_backoff(settings, tries))
                params.append(
                    {"rid": o.row_id, "st": "pending", "err": o.reason, "nxt": nxt, "dec": 0}
                )
        stmt = (
            sa.update(N)
            .where(col(N.id) == sa.bindparam("rid"), col(N.claimed_by) == worker)
            .values(
                status=sa.bindparam("st"),
                last_error=sa.func.coalesce(sa.bindparam("err", type_=sa.String()), N.last_error),
                next_attempt_at=sa.bindparam("nxt", type_=UTCDateTime()),
                attempts=N.attempts - sa.bindparam("dec", type_=sa.Integer()),
                claimed_by=None,
                claimed_until=None,
            )
        )
        conn.execute(stmt, params)
        tally.failed += failed
        tally.retried += retried


def pending_count(engine: Engine) -> int:
    with Session(engine) as db:
        return int(
            db.exec(
                select(func.count()).select_from(N).where(col(N.status).in_(["pending", "sending"]))
            ).one()
        )


def _next_due(engine: Engine) -> datetime | None:
    with Session(engine) as db:
        a = db.exec(select(func.min(N.next_attempt_at)).where(col(N.status) == "pending")).one()
        b = db.exec(select(func.min(N.claimed_until)).where(col(N.status) == "sending")).one()
    times = [t for t in (a, b) if t is not None]
    return min(times) if times else None


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
    pacer = _Pacer()
    channels = _Channels()
    deadline = time.monotonic() + wait_for_retries
    handled = 0
    margin = timedelta(seconds=min(settings.request_timeout, settings.claim_seconds / 4))
    in_flight: set[Future[_Outcome]] = set()

    def drain(until: int) -> None:
        # Outcomes are written as they come (a few ms apart), keeping the window in which a
        # killed worker could leave a delivered row unrecorded small.
        nonlocal in_flight
        while len(in_flight) > until:
            done, in_flight = wait(in_flight, timeout=0.05, return_when="FIRST_COMPLETED")
            _record(engine, worker, [f.result() for f in done], settings, tally)

    with ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="notify") as pool:
        while True:
            # Claim the next batch while the last one is still sending, so no thread idles.
            drain(settings.workers)
            room = (
                settings.batch_size if limit is None else min(settings.batch_size, limit - handled)
            )
            ids = _claim(engine, worker, room, settings) if room > 0 else []
            if not ids:
                drain(0)
                if wait_for_retries <= 0 or (limit is not None and handled >= limit):
                    break
                due = _next_due(engine)
                if due is None or time.monotonic() >= deadline:
                    break
                pause = (due - utcnow()).total_seconds()
                time.sleep(min(max(pause, 0.01), max(0.0, deadline - time.monotonic()), 1.0))
                continue
            handled += len(ids)
            with Session(engine, expire_on_commit=False) as db:
                rows = list(
                    db.exec(select(N).where(col(N.id).in_(ids), col(N.claimed_by) == worker))
                )
                ready, undeliverable = _route(db, rows, routes, worker)
            tally.undeliverable += undeliverable
            deferred: list[_Outcome] = []
            horizon = time.monotonic() + settings.claim_seconds / 2
            for row, target in ready:
                assert row.id is not None
                start_at = pacer.reserve(target)
                if start_at > horizon:
                    # Beyond what this lease covers: hand the row back, untried, for later.
                    pacer.unreserve(target)
                    later = utcnow() + timedelta(seconds=start_at - time.monotonic())
                    deferred.append(_Outcome(row.id, False, deferred_until=later))
                    continue
                assert routes is not None
                in_flight.add(pool.submit(_send, channels, routes, row, target, start_at, margin))
            _record(engine, worker, deferred, settings, tally)
        drain(0)
    tally.pending = pending_count(engine)
    return tally
