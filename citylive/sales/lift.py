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

Net GMV is what stood: refunded, cancelled and closed lines count for nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from citylive.errors import Invalid
from citylive.sales._tables import ENTERPRISE, ORDER_ROLLUP
from citylive.sales.discounts import fen_text
from citylive.sales.labels import label_rows
from citylive.sales.windows import Windows, windows_of

LIFT_GROUPINGS = ("festival", "enterprise", "town", "industry", "platform")


def _key(by: str, r: Any, e: Any) -> Any:
    return {
        "festival": sa.literal("all"),
        "enterprise": r.c.enterprise_id,
        "town": e.c.town_id,
        "industry": e.c.industry_id,
        "platform": r.c.platform,
    }[by]


def _day(value: Any) -> date:
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        return value.date()
    return value  # type: ignore[no-any-return]


def daily_net(
    conn: Connection, festival_id: str, by: str, town: str | None = None
) -> tuple[Windows, dict[Any, dict[date, int]], tuple[date, date] | None]:
    """Net GMV (fen) per group and local day within the windows, and the days the data covers."""
    if by not in LIFT_GROUPINGS:
        raise Invalid(
            f"unknown grouping {by!r}; use one of: {', '.join(LIFT_GROUPINGS)}", field="by"
        )
    w = windows_of(conn, festival_id)
    r, e = ORDER_ROLLUP.alias("r"), ENTERPRISE.alias("e")
    source = r.join(e, sa.and_(e.c.festival_id == r.c.festival_id, e.c.id == r.c.enterprise_id))
    lo = datetime.combine(w.before[0], datetime.min.time())
    hi = datetime.combine(w.after[1] + timedelta(days=1), datetime.min.time())
    # grouped by local hour in SQL (the rollup's own key), into days in Python
    key = _key(by, r, e).label("key")
    q = (
        sa.select(key, r.c.local_hour, sa.func.sum(r.c.net_fen).label("net"))
        .select_from(source)
        .where(r.c.festival_id == festival_id, r.c.local_hour >= lo, r.c.local_hour < hi)
        .group_by(key, r.c.local_hour)
    )
    span = (
        sa.select(sa.func.min(r.c.local_hour), sa.func.max(r.c.local_hour))
        .select_from(source)
        .where(r.c.festival_id == festival_id)
    )
    if town:
        q = q.where(e.c.town_id == town)
    out: dict[Any, dict[date, int]] = {}
    for row in conn.execute(q):
        days = out.setdefault(row.key, {})
        d = _day(row.local_hour)
        days[d] = days.get(d, 0) + int(row.net or 0)
    first, last = conn.execute(span).one()
    covered = (_day(first), _day(last)) if first is not None else None
    return w, out, covered


def _window_days(w: Windows, covered: tuple[date, date] | None) -> dict[str, list[date]]:
    days: dict[str, list[date]] = {"before": [], "festival": [], "after": []}
    for d in w.calendar():
        name = w.window_of(d)
        if name and covered and covered[0] <= d <= covered[1]:
            days[name].append(d)
    return days


def _ratio(a: Fraction | None, b: Fraction | None) -> float | None:
    if a is None or not b:
        return None
    return round(float(a / b - 1), 4)


def lift(
    conn: Connection, festival_id: str, by: str, town: str | None = None
) -> list[dict[str, Any]]:
    """Per group: mean daily net GMV before / during / after, the lifts, and retention."""
    w, daily, covered = daily_net(conn, festival_id, by, town)
    window_days = _window_days(w, covered)
    retention = _retention(conn, festival_id, by, town, w)
    rows = []
    for key in sorted(set(daily) | set(retention), key=str):
        per_day = daily.get(key, {})
        means: dict[str, Fraction | None] = {}
        out: dict[str, Any] = {"key": None if by == "festival" else key}
        for name, days in window_days.items():
            total = sum(per_day.get(d, 0) for d in days)
            mean = Fraction(total, len(days)) if days else None
            means[name] = mean
            out[f"{name}_net_gmv"] = fen_text(Fraction(total))
            out[f"{name}_days"] = len(days)
            out[f"{name}_daily"] = fen_text(mean) if mean is not None else None
        out["festival_lift"] = _ratio(means["festival"], means["before"])
        out["retained_lift"] = _ratio(means["after"], means["before"])
        acquired, returned = retention.get(key, (0, 0))
        out.update(
            session_buyers=acquired,
            returning_buyers=returned,
            retention=round(returned / acquired, 4) if acquired else None,
        )
        rows.append(out)
    if by != "festival":
        label_rows(conn, festival_id, by, rows)
        rows.sort(key=lambda x: (-Fraction(x["festival_net_gmv"]), str(x["key"])))
    else:
        for x in rows:
            x["label"] = "全节 (festival)"
    return rows


def _retention(
    conn: Connection, festival_id: str, by: str, town: str | None, w: Windows
) -> dict[Any, tuple[int, int]]:
    r, e = ORDER_ROLLUP.alias("r"), ENTERPRISE.alias("e")
    after_lo = datetime.combine(w.after[0], datetime.min.time())
    after_hi = datetime.combine(w.after[1] + timedelta(days=1), datetime.min.time())
    key = _key(by, r, e).label("key")
    per_buyer = (
        sa.select(
            key,
            sa.func.min(r.c.paid_at).label("first_at"),
            sa.func.min(sa.case((r.c.session_key != "", r.c.paid_at))).label("first_in_session"),
            sa.func.max(
                sa.case(
                    (sa.and_(r.c.local_hour >= after_lo, r.c.local_hour < after_hi), 1), else_=0
                )
            ).label("came_back"),
        )
        .select_from(
            r.join(e, sa.and_(e.c.festival_id == r.c.festival_id, e.c.id == r.c.enterprise_id))
        )
        .where(r.c.festival_id == festival_id, r.c.net_fen > 0, sa.not_(r.c.buyer.startswith("#")))
        .group_by(key, r.c.platform, r.c.buyer)
    )
    if town:
        per_buyer = per_buyer.where(e.c.town_id == town)
    b = per_buyer.subquery("b")
    acquired = b.c.first_at == b.c.first_in_session
    q = sa.select(
        b.c.key,
        sa.func.sum(sa.case((acquired, 1), else_=0)).label("acquired"),
        sa.func.sum(sa.case((sa.and_(acquired, b.c.came_back == 1), 1), else_=0)).label("returned"),
    ).group_by(b.c.key)
    return {row.key: (int(row.acquired or 0), int(row.returned or 0)) for row in conn.execute(q)}


def daily_series(
    conn: Connection, festival_id: str, by: str = "town", town: str | None = None
) -> dict[str, Any]:
    """Net GMV per day of the windows per group (yuan strings), with each day's window."""
    w, daily, covered = daily_net(conn, festival_id, by, town)
    days = w.calendar()
    groups: list[dict[str, Any]] = []
    for key, per_day in daily.items():
        groups.append(
            {
                "key": None if by == "festival" else key,
                "net_fen": [per_day.get(d, 0) for d in days],
                "total_fen": sum(per_day.values()),
            }
        )
    groups.sort(key=lambda g: (-g["total_fen"], str(g["key"])))
    if by != "festival":
        label_rows(conn, festival_id, by, groups)
    return {
        "days": [d.isoformat() for d in days],
        "windows": [w.window_of(d) for d in days],
        "covered": [covered[0].isoformat(), covered[1].isoformat()] if covered else None,
        "groups": groups,
    }
