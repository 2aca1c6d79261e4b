"""The windows the after-the-hype figures compare: the weeks before the festival, its days,
and the weeks after (`sales_windows` in the festival file; 28 days each way by default).

Bounds are local wall-clock times (the rollup's `local_hour` is local), plus their UTC instants
for queries on `order_line.paid_at`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from citylive.errors import Invalid, NotFound
from citylive.sales._tables import FESTIVAL

WINDOWS = ("before", "festival", "after")
# Days a summary may be asked for: far enough either way for any festival, near enough that
# every bound is a valid time in every zone.
FIRST_DAY = date(1970, 1, 2)
LAST_DAY = date(2200, 12, 30)


@dataclass(frozen=True)
class Windows:
    tz: ZoneInfo
    days: tuple[date, ...]  # the festival's days, in order
    before_days: int
    after_days: int

    @property
    def before(self) -> tuple[date, date]:
        """First and last day of the window before (inclusive)."""
        first = self.days[0]
        return first - timedelta(days=self.before_days), first - timedelta(days=1)

    @property
    def after(self) -> tuple[date, date]:
        last = self.days[-1]
        return last + timedelta(days=1), last + timedelta(days=self.after_days)

    def ranges(self, window: str) -> list[tuple[datetime, datetime]]:
        """The window as half-open ranges of local (naive) times."""
        if window == "festival":
            return [(_local(d), _local(d + timedelta(days=1))) for d in self.days]
        if window == "before":
            lo, hi = self.before
        elif window == "after":
            lo, hi = self.after
        else:
            raise Invalid(
                f"unknown window {window!r}; use one of: {', '.join(WINDOWS)}", field="window"
            )
        if hi < lo:
            return []
        return [(_local(lo), _local(hi + timedelta(days=1)))]

    def utc_ranges(self, window: str) -> list[tuple[datetime, datetime]]:
        return [
            (
                lo.replace(tzinfo=self.tz).astimezone(ZoneInfo("UTC")),
                hi.replace(tzinfo=self.tz).astimezone(ZoneInfo("UTC")),
            )
            for lo, hi in self.ranges(window)
        ]

    def window_of(self, day: date) -> str | None:
        if day in self.days:
            return "festival"
        lo, hi = self.before
        if lo <= day <= hi:
            return "before"
        lo, hi = self.after
        if lo <= day <= hi:
            return "after"
        return None

    def calendar(self) -> list[date]:
        """Every day from the first of the window before to the last of the window after."""
        lo = self.before[0]
        hi = self.after[1]
        return [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]


def _local(d: date) -> datetime:
    return datetime.combine(d, time(0, 0))


def windows_of(conn: Connection, festival_id: str) -> Windows:
    f = FESTIVAL
    row = conn.execute(
        sa.select(
            f.c.timezone,
            f.c.document["festival"]["days"].label("days"),
            f.c.document["sales_windows"].label("windows"),
        ).where(f.c.id == festival_id)
    ).first()
    if row is None:
        raise NotFound(f"no festival {festival_id!r}", field="fid")
    days = tuple(sorted(date.fromisoformat(str(d)) for d in (row.days or [])))
    if not days:
        raise Invalid(f"festival {festival_id!r} has no days", field="fid")
    sw = row.windows or {}
    return Windows(
        ZoneInfo(row.timezone), days, int(sw.get("before_days", 28)), int(sw.get("after_days", 28))
    )


def day_range(day: str) -> tuple[datetime, datetime]:
    """A local day asked for by a caller, as a half-open local range; refused outside the
    years any sale can have."""
    try:
        d = date.fromisoformat(day)
    except ValueError as exc:
        raise Invalid(f"day {day!r} is not a date (YYYY-MM-DD)", field="day") from exc
    if not FIRST_DAY <= d <= LAST_DAY:
        raise Invalid(
            f"day {day} is outside {FIRST_DAY}..{LAST_DAY}: no sale falls there", field="day"
        )
    return _local(d), _local(d + timedelta(days=1))
