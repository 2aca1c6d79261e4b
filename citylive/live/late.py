"""Late detection: one pass of the festival-day watch.

A session is late when it is still `scheduled` more than the festival's `late_after_minutes`
after its slot began (or after a stand-in was taken for it).  Each late session gets one
alert to its town's coordinator and one to the organisers, through the outbox, keyed
`late:<festival>:<session>:<recipient>`: the key's unique index means a second pass, or a
pass repeated after one that died halfway, queues nothing already queued.  Nothing here
commits; the use case (citylive/actions/live.py) commits each town's alerts as it goes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

import models
from citylive.live.state import clock_start, festival_live_rows, is_late, late_after
from citylive.notify.directory import Directory, festival_directory
from citylive.notify.queue import Outgoing, message_key, queue
from citylive.notify.recipients import MessageEvent, Recipient
from models.enums import LIVE_STATUSES
from models.live import LiveState

S = models.FestivalSession


@dataclass
class LatePass:
    festival_id: str
    at: datetime
    late: int = 0  # sessions late at `at`
    queued: int = 0  # alerts queued by this pass
    by_town: dict[str, list[str]] = field(default_factory=dict)

    def line(self) -> str:
        return f"festival={self.festival_id} late={self.late} alerts_queued={self.queued}"


def late_sessions(
    db: Session, festival_id: str, at: datetime, grace: timedelta
) -> list[models.FestivalSession]:
    """Sessions late at `at`, in start order."""
    lives = festival_live_rows(db, festival_id)
    started = db.exec(
        select(S)
        .where(
            S.festival_id == festival_id,
            col(S.status).in_([s.value for s in LIVE_STATUSES]),
            col(S.start) < at - grace,
        )
        .order_by(col(S.start), col(S.id))
    )
    out = []
    for s in started:
        live = lives.get(s.id)
        if live is not None and live.state != LiveState.scheduled.value:
            continue
        if is_late(s, live, at, grace):
            out.append(s)
    return out


def alerts(
    d: Directory, sessions: list[models.FestivalSession], grace: timedelta
) -> list[Outgoing]:
    minutes = int(grace.total_seconds() // 60)
    out: list[Outgoing] = []
    for s in sessions:
        for recipient in (Recipient.coordinator(s.town), Recipient.organiser()):
            ctx = d.base_context(recipient)
            ctx.update(
                session_id=s.id,
                start=d.when(clock_start(s, None)),
                lead_minutes=minutes,
                count=1,
                session_rows=[d.session_row(s)],
            )
            key = message_key(MessageEvent.late, d.festival.id, s.id, recipient)
            out.append(Outgoing(key, MessageEvent.late, recipient, ctx))
    return out


def queue_alerts(
    db: Session, d: Directory, sessions: list[models.FestivalSession], grace: timedelta
) -> int:
    """Queue the alerts of these late sessions; the key's unique index skips the ones a pass
    before queued (insert ... on conflict do nothing, so two passes at once are safe too)."""
    return queue(db, d, alerts(d, sessions, grace), fresh=True)


def by_town(sessions: list[models.FestivalSession]) -> dict[str, list[models.FestivalSession]]:
    out: dict[str, list[models.FestivalSession]] = defaultdict(list)
    for s in sessions:
        out[s.town].append(s)
    return dict(sorted(out.items()))


def grace_of(db: Session, festival_id: str) -> timedelta:
    row = db.get(models.Festival, festival_id)
    return late_after(row.info if row is not None else None)


__all__ = ["LatePass", "by_town", "festival_directory", "grace_of", "late_sessions", "queue_alerts"]
