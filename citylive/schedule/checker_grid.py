"""The festival's grid as the schedule validator reads it (checker.py): every slot as an
instant, closed marks, and whether a town could have a main-venue session at all (H8).  Like
the validator, it reads the festival's own fields and shares no code with the planner."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from citylive.festival import Festival

_MARK = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}))?$")


def grid(festival: Festival) -> list[tuple[str, str, datetime, datetime]]:
    """(day, slot start 'HH:MM', start instant, end instant) for every slot of the festival."""
    tz = ZoneInfo(festival.info.timezone)
    out = []
    for day in festival.days:
        for slot in festival.slots:
            sh, sm = (int(x) for x in slot.start.split(":"))
            start = datetime.combine(day, time(sh, sm), tzinfo=tz)
            if slot.end == "24:00":
                end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz)
            else:
                eh, em = (int(x) for x in slot.end.split(":"))
                end = datetime.combine(day, time(eh, em), tzinfo=tz)
            out.append((day.isoformat(), slot.start, start, end))
    return out


def closed(marks: list[str], day: str, start: str) -> bool:
    for mark in marks:
        m = _MARK.match(mark)
        if m and m.group(1) == day and (m.group(2) is None or m.group(2) == start):
            return True
    return False


def main_possible(f: Festival, town: str, grid: list, main: str) -> bool:
    """H8 holds 'when that is possible at all': some enterprise of the town, with products
    for a session, and some streamer who fits it are both free in a slot the main venue is
    open."""
    main_v = next(v for v in f.venues if v.id == main)
    mins = f.info.min_skus_per_session
    for e in f.enterprises:
        if e.town != town or e.sessions == 0 or e.skus // mins == 0:
            continue
        fitting = [
            s
            for s in f.streamers
            if e.industry in s.industries
            and set(e.platforms) & set(s.platforms)
            and (s.employer is None or s.employer == e.id)
        ]
        for day, hhmm, _a, _b in grid:
            if closed(main_v.closed, day, hhmm) or closed(e.unavailable, day, hhmm):
                continue
            if any(not closed(s.unavailable, day, hhmm) for s in fitting):
                return True
    return False
