"""Claiming due outbox rows and recording what became of them.

Claiming is one statement that flips rows from `pending` to `sending` with the worker's id
and a lease (`claimed_until`): on PostgreSQL the candidate rows are picked with
`SELECT ... FOR UPDATE SKIP LOCKED`, so two dispatchers never take the same row; on SQLite the
`UPDATE ... WHERE id IN (SELECT ... LIMIT n) RETURNING id` runs under SQLite's single writer
lock, which makes it just as exclusive.  A row claimed by a worker that died is claimable
again once its lease has run out.  Every outcome is written with `WHERE claimed_by = me`, so
a worker whose lease was taken over cannot overwrite the new owner's result.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

import models
from citylive.notify.settings import NotifySettings
from models._types import UTCDateTime, utcnow
from models.enums import NotificationStatus

log = logging.getLogger("citylive.notify")
N = models.Notification
PENDING, SENDING = NotificationStatus.pending.value, NotificationStatus.sending.value


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
class Outcome:
    row_id: int
    ok: bool
    reason: str = ""
    deferred_until: datetime | None = None  # released untried (vendor pacing, a short lease)


def backoff(settings: NotifySettings, attempts: int) -> float:
    base = settings.backoff_seconds * settings.backoff_factor ** max(0, attempts - 1)
    base = min(base, settings.backoff_max_seconds)
    return max(0.0, base * (1.0 + random.uniform(-settings.jitter, settings.jitter)))


def claim(engine: Engine, worker: str, n: int, settings: NotifySettings) -> list[int]:
    """Take up to `n` due rows for `worker`; returns their ids."""
    now = utcnow()
    due = sa.or_(
        sa.and_(col(N.status) == PENDING, col(N.next_attempt_at) <= now),
        # another worker's expired lease: it died (its own queued rows a worker never retakes)
        sa.and_(col(N.status) == SENDING, col(N.claimed_until) < now, col(N.claimed_by) != worker),
    )
    pick = select(N.id).where(due).order_by(col(N.next_attempt_at), col(N.id)).limit(n)
    if engine.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    stmt = (
        sa.update(N)
        .where(col(N.id).in_(pick.scalar_subquery()))
        .values(
            status=SENDING,
            claimed_by=worker,
            claimed_until=now + timedelta(seconds=settings.claim_seconds),
            attempts=N.attempts + 1,
        )
        .returning(col(N.id))
    )
    with engine.begin() as conn:
        return [int(r[0]) for r in conn.execute(stmt) if r[0] is not None]


def claimed_rows(db: Session, ids: list[int], worker: str) -> list[models.Notification]:
    """The rows among `ids` that `worker` still holds."""
    return list(db.exec(select(N).where(col(N.id).in_(ids), col(N.claimed_by) == worker)))


def record(
    engine: Engine,
    worker: str,
    outcomes: list[Outcome],
    settings: NotifySettings,
    tally: DispatchResult,
) -> None:
    """Write outcomes: one UPDATE for all the sent rows, one executemany for the rest."""
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
                    status=NotificationStatus.sent.value,
                    sent_at=now,
                    last_error=None,
                    claimed_by=None,
                    claimed_until=None,
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
                    {"rid": o.row_id, "st": PENDING, "err": None, "nxt": o.deferred_until, "dec": 1}
                )
            elif tries >= settings.max_attempts:
                failed += 1
                err = f"after {tries} attempts: {o.reason}"
                params.append(
                    {
                        "rid": o.row_id,
                        "st": NotificationStatus.failed.value,
                        "err": err,
                        "nxt": now,
                        "dec": 0,
                    }
                )
            else:
                retried += 1
                nxt = now + timedelta(seconds=backoff(settings, tries))
                params.append(
                    {"rid": o.row_id, "st": PENDING, "err": o.reason, "nxt": nxt, "dec": 0}
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
                select(func.count()).select_from(N).where(col(N.status).in_([PENDING, SENDING]))
            ).one()
        )


def next_due(engine: Engine) -> datetime | None:
    """When the next row becomes claimable: a retry's time, or a lease's end."""
    with Session(engine) as db:
        a = db.exec(select(func.min(N.next_attempt_at)).where(col(N.status) == PENDING)).one()
        b = db.exec(select(func.min(N.claimed_until)).where(col(N.status) == SENDING)).one()
    times = [t for t in (a, b) if t is not None]
    return min(times) if times else None
