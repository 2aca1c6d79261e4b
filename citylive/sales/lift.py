"""After the hype: did the festival lift sales, and did they stay?

- Lift, per enterprise, town, industry or platform (or the whole festival): mean daily net GMV
  in the window before the festival, during it, and in the window after; the festival lift
  (during / before - 1) and the retained lift (after / before - 1).  A window's days are its
  calendar days that the festival's data covers (from the first day any line was paid to the
  last), so an export that stops three days after the festival is not read as a collapse.
- Retention: of the buyers whose first order in the data (within the group) falls in a
  session, how many ordered again in the window after.  Buyers are (platform, account); only
  orders that stood count, and unnamed buyers cannot be followed, so they are left out.
- The daily net GMV series per group, for the report's chart.

Net GMV is what stood: refunded, cancelled and closed lines count for nothing.  All of it is
read from the loaded rollup (frame.py) and computed once per data version.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

import numpy as np
from sqlalchemy.engine import Connection
from sqlmodel import Session

from citylive.errors import Invalid
from citylive.sales.cache import cached
from citylive.sales.discounts import fen_text
from citylive.sales.figures import Filters, local_us, select_rows
from citylive.sales.frame import Frame, frame_at
from citylive.sales.labels import label_rows
from citylive.sales.windows import Windows, windows_of

LIFT_GROUPINGS = ("festival", "enterprise", "town", "industry", "platform")
EPOCH = date(1970, 1, 1)


def _known_grouping(by: str) -> None:
    if by not in LIFT_GROUPINGS:
        raise Invalid(
            f"unknown grouping {by!r}; use one of: {', '.join(LIFT_GROUPINGS)}", field="by"
        )


def _groups(
    conn: Connection, festival_id: str, fr: Frame, by: str, town: str | None
) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """Rows kept (the town's, enterprises still in the festival) and their group codes."""
    _known_grouping(by)
    keep, attrs = select_rows(conn, festival_id, fr, town, Filters())
    if by == "festival":
        return keep, np.zeros(fr.n, dtype=np.int64), [None]
    if by in ("town", "industry"):
        codes, names = attrs[by]
        return keep, codes, list(names)
    if by == "enterprise":
        return keep, fr.enterprise, list(fr.enterprises)
    return keep, fr.platform, list(fr.platforms)


def _days(
    w: Windows, fr: Frame, keep: np.ndarray
) -> tuple[dict[str, list[date]], tuple[date, date] | None]:
    """Each window's days that the data covers."""
    if not fr.n:
        return {"before": [], "festival": [], "after": []}, None
    first = EPOCH + timedelta(days=int(fr.day.min()))
    last = EPOCH + timedelta(days=int(fr.day.max()))
    days: dict[str, list[date]] = {"before": [], "festival": [], "after": []}
    for d in w.calendar():
        name = w.window_of(d)
        if name and first <= d <= last:
            days[name].append(d)
    return days, (first, last)


def _daily(
    fr: Frame, keep: np.ndarray, codes: np.ndarray, size: int, w: Windows
) -> tuple[np.ndarray, list[date]]:
    """Net GMV (fen) per group and calendar day of the windows: an array [group, day]."""
    calendar = w.calendar()
    first = (calendar[0] - EPOCH).days
    day = fr.day - first
    rows = keep & (day >= 0) & (day < len(calendar)) & (codes >= 0)
    out = np.zeros(size * len(calendar), dtype=np.int64)
    np.add.at(out, codes[rows] * len(calendar) + day[rows], fr.net[rows])
    return out.reshape(size, len(calendar)), calendar


def _ratio(a: Fraction | None, b: Fraction | None) -> float | None:
    if a is None or not b:
        return None
    return round(float(a / b - 1), 4)


def lift(
    conn: Connection, festival_id: str, by: str, town: str | None, fr: Frame
) -> list[dict[str, Any]]:
    """Per group: mean daily net GMV before / during / after, the lifts, and retention."""
    w = windows_of(conn, festival_id)
    keep, codes, names = _groups(conn, festival_id, fr, by, town)
    daily, calendar = _daily(fr, keep, codes, len(names), w)
    window_days, _ = _days(w, fr, keep)
    column = {d: i for i, d in enumerate(calendar)}
    acquired, returned = _retention(fr, keep, codes, len(names), w)
    present = np.flatnonzero(np.bincount(codes[keep & (codes >= 0)], minlength=len(names)))
    rows = []
    for g in present:
        out: dict[str, Any] = {"key": names[g]}
        means: dict[str, Fraction | None] = {}
        for name, days in window_days.items():
            total = int(sum(daily[g, column[d]] for d in days))
            mean = Fraction(total, len(days)) if days else None
            means[name] = mean
            out[f"{name}_net_gmv"] = fen_text(Fraction(total))
            out[f"{name}_days"] = len(days)
            out[f"{name}_daily"] = fen_text(mean) if mean is not None else None
        out["festival_lift"] = _ratio(means["festival"], means["before"])
        out["retained_lift"] = _ratio(means["after"], means["before"])
        a, r = int(acquired[g]), int(returned[g])
        out.update(session_buyers=a, returning_buyers=r, retention=round(r / a, 4) if a else None)
        rows.append(out)
    if by == "festival":
        for x in rows:
            x["label"] = "全节 (festival)"
        return rows
    label_rows(conn, festival_id, by, rows)
    rows.sort(key=lambda x: (-Fraction(x["festival_net_gmv"]), str(x["key"])))
    return rows


def _retention(
    fr: Frame, keep: np.ndarray, codes: np.ndarray, size: int, w: Windows
) -> tuple[np.ndarray, np.ndarray]:
    """Per group: buyers whose first order (that stood) was in a session, and how many of
    them ordered again in the window after."""
    rows = keep & fr.named & (fr.net > 0) & (codes >= 0)
    acquired = np.zeros(size, dtype=np.int64)
    returned = np.zeros(size, dtype=np.int64)
    if not rows.any():
        return acquired, returned
    width = len(fr.buyer_names)
    pairs, inverse = np.unique(codes[rows] * width + fr.buyer[rows], return_inverse=True)
    paid = fr.paid[rows]
    never = np.iinfo(np.int64).max
    first = np.full(len(pairs), never, dtype=np.int64)
    np.minimum.at(first, inverse, paid)
    first_in_session = np.full(len(pairs), never, dtype=np.int64)
    in_session = fr.session[rows] >= 0
    np.minimum.at(first_in_session, inverse[in_session], paid[in_session])
    lo = local_us_of(w.after[0])
    hi = local_us_of(w.after[1] + timedelta(days=1))
    hour = fr.hour[rows]
    after = np.zeros(len(pairs), dtype=bool)
    inside = (hour >= lo) & (hour < hi)
    after[inverse[inside]] = True
    won = first == first_in_session
    group = pairs // width
    np.add.at(acquired, group, won.astype(np.int64))
    np.add.at(returned, group, (won & after).astype(np.int64))
    return acquired, returned


def local_us_of(d: date) -> int:
    return local_us(datetime(d.year, d.month, d.day))


def daily_series(
    conn: Connection, festival_id: str, by: str, town: str | None, fr: Frame
) -> dict[str, Any]:
    """Net GMV per day of the windows per group (fen), with each day's window."""
    w = windows_of(conn, festival_id)
    keep, codes, names = _groups(conn, festival_id, fr, by, town)
    daily, calendar = _daily(fr, keep, codes, len(names), w)
    _, covered = _days(w, fr, keep)
    groups: list[dict[str, Any]] = []
    for g in np.flatnonzero(daily.any(axis=1)):
        groups.append(
            {
                "key": names[g],
                "net_fen": [int(v) for v in daily[g]],
                "total_fen": int(daily[g].sum()),
            }
        )
    groups.sort(key=lambda x: (-x["total_fen"], str(x["key"])))
    if by != "festival":
        label_rows(conn, festival_id, by, groups)
    return {
        "days": [d.isoformat() for d in calendar],
        "windows": [w.window_of(d) for d in calendar],
        "covered": [covered[0].isoformat(), covered[1].isoformat()] if covered else None,
        "groups": groups,
    }


def lift_figures(
    db: Session, festival_id: str, by: str, town: str | None = None
) -> list[dict[str, Any]]:
    """`lift`, computed once per data version."""
    _known_grouping(by)
    return cached(
        db,
        festival_id,
        {"what": "lift", "by": by, "town": town},
        lambda stamp: lift(
            db.connection(), festival_id, by, town, frame_at(db.connection(), festival_id, stamp)
        ),
    )


def daily_figures(
    db: Session, festival_id: str, by: str = "town", town: str | None = None
) -> dict[str, Any]:
    """`daily_series`, computed once per data version."""
    _known_grouping(by)
    return cached(
        db,
        festival_id,
        {"what": "daily", "by": by, "town": town},
        lambda stamp: daily_series(
            db.connection(), festival_id, by, town, frame_at(db.connection(), festival_id, stamp)
        ),
    )
