"""Reading the outbox: a page of rows, the count in each state, and what was not delivered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

import models
from citylive.notify.queue import UNDELIVERED
from models.enums import NotificationStatus

N = models.Notification


@dataclass(frozen=True)
class OutboxFilter:
    festival_id: str | None = None
    status: NotificationStatus | None = None
    undelivered: bool = False  # only failed and undeliverable rows

    def conditions(self) -> list[Any]:
        out: list[Any] = []
        if self.festival_id is not None:
            out.append(col(N.festival_id) == self.festival_id)
        if self.status is not None:
            out.append(col(N.status) == NotificationStatus(self.status).value)
        if self.undelivered:
            out.append(col(N.status).in_([s.value for s in UNDELIVERED]))
        return out


def outbox_page(
    db: Session, *, filters: OutboxFilter, limit: int, offset: int
) -> tuple[list[models.Notification], int]:
    """Rows newest first, and how many match in all."""
    where = filters.conditions()
    count = db.exec(select(func.count()).select_from(N).where(*where)).one()
    rows = db.exec(select(N).where(*where).order_by(col(N.id).desc()).offset(offset).limit(limit))
    return list(rows), int(count)


def outbox_counts(db: Session, *, festival_id: str | None) -> dict[NotificationStatus, int]:
    """Rows in each state (every state present, 0 when none)."""
    query = select(N.status, func.count()).group_by(N.status)
    if festival_id is not None:
        query = query.where(N.festival_id == festival_id)
    found = {str(s): int(n) for s, n in db.exec(query)}
    return {s: found.get(s.value, 0) for s in NotificationStatus}


@dataclass(frozen=True)
class Undelivered:
    """Messages not delivered, grouped: their state (`failed`, `undeliverable`, or
    `retrying` for pending after an error), the recipient's tag and the reason."""

    state: str
    recipient: str
    messages: int
    reason: str


def undelivered(db: Session, *, festival_id: str | None) -> list[Undelivered]:
    query = (
        select(N.status, N.recipient, N.last_error, func.count())
        .where(
            sa.or_(
                col(N.status).in_([s.value for s in UNDELIVERED]),
                sa.and_(
                    col(N.status) == NotificationStatus.pending.value,
                    col(N.last_error).is_not(None),
                ),
            )
        )
        .group_by(N.status, N.recipient, col(N.last_error))
        .order_by(N.recipient, N.status)
    )
    if festival_id is not None:
        query = query.where(N.festival_id == festival_id)
    return [
        Undelivered(
            state="retrying" if str(s) == NotificationStatus.pending.value else str(s),
            recipient=r,
            messages=int(n),
            reason=(e or "")[:200],
        )
        for s, r, e, n in db.exec(query)
    ]
