"""Which session an order line counts for.

An order line counts for a session when it is from that session's enterprise and platform, its
paid time falls in the session's slot or the grace minutes after it (30 by default), and, where
the export has a streamer column, the streamer account matches the session streamer's account
on that platform.  Lines that match no session are kept as the enterprise's off-session sales.

Only sessions that took place count: proposed or confirmed ones (declined and cancelled
sessions did not go on air).  When a line's time is inside one session's slot and inside the
grace minutes of an earlier one, the session on air wins; among several, the latest started.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import bindparam, update
from sqlmodel import Session, col, select

import models
from citylive.config import get_settings
from citylive.festival import Festival
from citylive.sales._tables import ORDER_LINE

ON_AIR_STATUSES = ("proposed", "confirmed")


@dataclass(frozen=True)
class Window:
    session_id: str
    start: datetime
    end: datetime
    grace_end: datetime
    account: str | None  # the session streamer's account on the platform, if the file names one


class SessionWindows:
    """The sessions of a festival, indexed by (enterprise, platform), for fast look-ups."""

    def __init__(self, windows: dict[tuple[str, str], list[Window]]):
        self._by_key = {k: sorted(v, key=lambda w: w.start) for k, v in windows.items()}
        self._starts = {k: [w.start for w in v] for k, v in self._by_key.items()}

    @classmethod
    def load(
        cls, *, db: Session, festival: Festival, grace_minutes: int | None = None
    ) -> SessionWindows:
        grace = timedelta(
            minutes=get_settings().attribution_grace_minutes
            if grace_minutes is None
            else grace_minutes
        )
        rows = db.exec(
            select(models.FestivalSession).where(
                models.FestivalSession.festival_id == festival.id,
                col(models.FestivalSession.status).in_(ON_AIR_STATUSES),
            )
        ).all()
        by_key: dict[tuple[str, str], list[Window]] = defaultdict(list)
        for s in rows:
            streamer = festival.streamer.get(s.streamer)
            account = streamer.accounts.get(s.platform) if streamer else None
            by_key[(s.enterprise, s.platform)].append(
                Window(s.id, s.start, s.end, s.end + grace, account)
            )
        return cls(dict(by_key))

    def for_key(self, enterprise: str, platform: str) -> KeyWindows:
        return KeyWindows(
            self._by_key.get((enterprise, platform), []),
            self._starts.get((enterprise, platform), []),
        )

    def match(
        self, enterprise: str, platform: str, paid_at: datetime | None, streamer_account: str | None
    ) -> str | None:
        return self.for_key(enterprise, platform).match(paid_at, streamer_account)


class KeyWindows:
    """The sessions of one enterprise on one platform, sorted by start."""

    def __init__(self, windows: list[Window], starts: list[datetime]):
        self.windows = windows
        self.starts = starts
        self.longest = max((w.grace_end - w.start for w in windows), default=timedelta(0))

    def match(self, paid_at: datetime | None, streamer_account: str | None) -> str | None:
        if paid_at is None or not self.windows:
            return None
        # Only windows starting at or before the paid time, and not longer ago than the longest.
        hi = bisect_right(self.starts, paid_at)
        in_grace: str | None = None
        k = hi - 1
        while k >= 0:
            w = self.windows[k]
            if paid_at - w.start > self.longest:
                break
            k -= 1
            if paid_at >= w.grace_end:
                continue
            if (
                streamer_account is not None
                and w.account is not None
                and streamer_account != w.account
            ):
                continue
            if paid_at < w.end:
                return w.session_id  # on air: the latest-started session on air wins
            if in_grace is None:
                in_grace = w.session_id
        return in_grace


def reattribute(*, db: Session, festival: Festival, batch: int = 20_000) -> int:
    """Attribute every stored line of the festival afresh (after the schedule changed).

    Returns how many lines changed session.
    """
    windows = SessionWindows.load(db=db, festival=festival)
    table = ORDER_LINE
    changed = 0
    last_id = 0
    conn = db.connection()
    while True:
        rows = conn.execute(
            sa.select(
                table.c.id,
                table.c.enterprise_id,
                table.c.platform,
                table.c.paid_at,
                table.c.streamer_account,
                table.c.session_id,
            )
            .where(table.c.festival_id == festival.id, table.c.id > last_id)
            .order_by(table.c.id)
            .limit(batch)
        ).all()
        if not rows:
            break
        last_id = rows[-1].id
        updates = []
        for r in rows:
            sid = windows.match(r.enterprise_id, r.platform, r.paid_at, r.streamer_account)
            if sid != r.session_id:
                updates.append({"b_id": r.id, "b_session": sid})
        if updates:
            conn.execute(
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(session_id=bindparam("b_session")),
                updates,
            )
            changed += len(updates)
    return changed
