"""Writing outbox rows, in the caller's transaction (nothing here commits).

One row per recipient per event: a coordinator with 40 sessions gets one message with a
table, not 40.  Each row has an idempotency key, `<event>:<festival>:<occasion>:<recipient>`
(`message_key`); a key already in the table is skipped, so running a cause again never
queues a message twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

import models
from citylive.notify.directory import Directory
from citylive.notify.messages import render
from citylive.notify.recipients import MessageEvent, Recipient
from models._types import utcnow
from models.enums import NotificationStatus

N = models.Notification
KEY_CHUNK = 500  # keys looked up per query: well under every database's bound-parameter limit
UNDELIVERED = (NotificationStatus.failed, NotificationStatus.undeliverable)


@dataclass(frozen=True)
class Outgoing:
    """One message to queue: its key, what caused it, whom it is for, what it says."""

    key: str
    event: MessageEvent
    recipient: Recipient
    context: Mapping[str, Any]
    attachments: tuple[str, ...] = ()


def message_key(
    event: MessageEvent, festival_id: str, occasion: str | None, recipient: Recipient
) -> str:
    """`event:festival[:occasion]:recipient`; the occasion tells apart the same event's rounds
    (a version `v2`, a decision `d17`, a session or start time, a day)."""
    parts = [event.value, festival_id, *([occasion] if occasion else []), recipient.tag]
    return ":".join(parts)


def _known(db: Session, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(keys), KEY_CHUNK):
        chunk = keys[i : i + KEY_CHUNK]
        found |= set(db.exec(select(N.key).where(col(N.key).in_(chunk))))
    return found


def queue(
    db: Session, directory: Directory, messages: Iterable[Outgoing], *, fresh: bool = False
) -> int:
    """Add the messages whose key is new; returns how many rows were added.  `fresh`: the
    keys are almost surely new (a receipt's names a decision just made), so instead of
    looking them up first the insert skips the ones the key's unique index already holds."""
    wanted = {m.key: m for m in messages}
    if not wanted:
        return 0
    existing = set() if fresh else _known(db, list(wanted))
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for m in wanted.values():
        if m.key in existing:
            continue
        body = render(m.event, dict(m.context), directory.locale)
        rows.append(
            {
                "festival_id": directory.festival.id,
                "event": m.event.value,
                "recipient": m.recipient.tag,
                "subject": body.subject[:500],
                "status": NotificationStatus.pending.value,
                "attempts": 0,
                "last_error": None,
                "key": m.key,
                "target": None,
                "body_text": body.text,
                "body_markdown": body.markdown,
                "body_html": body.html,
                "attachments": list(m.attachments),
                "context": {"town": directory.town_of(m.recipient), "locale": directory.locale},
                "next_attempt_at": now,
                "claimed_by": None,
                "claimed_until": None,
                "created_at": now,
                "sent_at": None,
            }
        )
    if not rows:
        return 0
    if fresh:
        conn = db.connection()
        return len(conn.execute(_insert_new(conn.dialect.name), rows).all())
    # One multi-row INSERT in the caller's transaction: building 10,000 ORM objects costs
    # more than rendering their messages.
    db.execute(_INSERT, rows)
    return len(rows)


_INSERT = sa.insert(N)


@lru_cache(maxsize=2)
def _insert_new(dialect: str) -> Any:
    """INSERT ... ON CONFLICT (key) DO NOTHING, in the database's own words."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    return insert(N).on_conflict_do_nothing(index_elements=[col(N.key)]).returning(col(N.id))


def requeue(
    *,
    db: Session,
    statuses: Iterable[NotificationStatus] = UNDELIVERED,
    festival_id: str | None = None,
) -> int:
    """Put failed or undeliverable rows back to pending (after fixing the config); returns
    how many.  Does not commit."""
    wanted = [NotificationStatus(s).value for s in statuses]
    stmt = sa.update(N).where(col(N.status).in_(wanted))
    if festival_id is not None:
        stmt = stmt.where(col(N.festival_id) == festival_id)
    result = db.execute(
        stmt.values(
            status=NotificationStatus.pending.value,
            attempts=0,
            next_attempt_at=utcnow(),
            claimed_by=None,
            claimed_until=None,
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
