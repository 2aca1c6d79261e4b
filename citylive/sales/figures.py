"""The festival's sales figures, grouped by session, streamer, enterprise, town, industry,
platform, venue or hour, computed in the database from the per-order rollup, and cached per
data version (state.py): a figure asked for again is read back, not recomputed.

Definitions (docs/sales.md):
- GMV: what buyers paid, before refunds (lines with a paid time);
- net GMV: GMV of the lines whose sale stood (not cancelled, closed or refunded);
- orders: distinct (platform, order id) within the group (an order whose lines count for two
  sessions or two hours is an order in each); units: quantities; buyers: distinct (platform,
  buyer account), each unnamed buyer's order its own buyer;
- average order value: GMV / orders; refund rate: orders with a line that did not stand / orders;
- where viewer figures were reported: GPM = GMV of those sessions per thousand views,
  conversion = their buyers / views; self-reported GMV beside the computed GMV, with the gap.

Every grouping reads the enterprise's current town and industry, and the lines of an
enterprise no longer in the festival count in none of them, so the summaries by enterprise,
town and industry always add up to the same totals.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from citylive.errors import Invalid
from citylive.sales._tables import ENTERPRISE, FESTIVAL_SESSION, ORDER_ROLLUP, SESSION_FIGURES
from citylive.sales.labels import add_viewer_figures, label_rows
from citylive.sales.state import cached
from citylive.sales.windows import WINDOWS, day_range, windows_of

GROUPINGS = ("session", "streamer", "enterprise", "town", "industry", "platform", "venue", "hour")
OFF_SESSION = None  # the key of lines that count for no session (off-session sales)


class UnknownGrouping(Invalid):
    def __init__(self, by: str):
        super().__init__(f"unknown grouping {by!r}; use one of: {', '.join(GROUPINGS)}", field="by")


@dataclass(frozen=True)
class Filters:
    town: str | None = None
    industry: str | None = None
    enterprise: str | None = None
    platform: str | None = None
    venue: str | None = None
    streamer: str | None = None
    session: str | None = None
    day: str | None = None  # YYYY-MM-DD, local
    window: str | None = None  # before | festival | after


def yuan(fen: int | None) -> str | None:
    """Integer fen as a decimal string in yuan (`12345` -> `"123.45"`)."""
    if fen is None:
        return None
    return str((Decimal(int(fen)) / 100).quantize(Decimal("0.01")))


def ratio(num: float | int | None, den: float | int | None, places: int = 4) -> float | None:
    if num is None or not den:
        return None
    return round(float(num) / float(den), places)


def summary(
    *,
    db: Session,
    festival_id: str,
    by: str,
    town: str | None = None,
    filters: Filters | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Figures per group, largest GMV first (hours in time order).

    `town` scopes everything to one town's enterprises (a coordinator sees only its own).
    Money is returned as decimal strings in yuan, plus `*_fen` integers for exact arithmetic.
    """
    if by not in GROUPINGS:
        raise UnknownGrouping(by)
    f = filters or Filters()
    if f.window is not None and f.window not in WINDOWS:
        raise Invalid(
            f"unknown window {f.window!r}; use one of: {', '.join(WINDOWS)}", field="window"
        )
    if f.day is not None:
        day_range(f.day)  # refused before anything is cached
    town = town or f.town
    parts = {**asdict(f), "what": "summary", "by": by, "town": town}
    rows = cached(db, festival_id, parts, lambda: _summary(db, festival_id, by, town, f))
    return rows[:limit] if limit else rows


def _summary(
    db: Session, festival_id: str, by: str, town: str | None, f: Filters
) -> list[dict[str, Any]]:
    conn = db.connection()
    r = ORDER_ROLLUP.alias("r")
    e = ENTERPRISE.alias("e")
    s = FESTIVAL_SESSION.alias("s")
    sf = SESSION_FIGURES.alias("sf")
    key_col = {
        "session": r.c.session_key,
        "streamer": s.c.streamer,
        "enterprise": r.c.enterprise_id,
        "town": e.c.town_id,
        "industry": e.c.industry_id,
        "platform": r.c.platform,
        "venue": s.c.venue,
        "hour": r.c.local_hour,
    }[by]
    key = key_col.label("key")
    source: Any = r.join(
        e, sa.and_(e.c.festival_id == r.c.festival_id, e.c.id == r.c.enterprise_id)
    )
    if by in ("streamer", "venue") or f.venue or f.streamer:
        source = source.outerjoin(
            s, sa.and_(s.c.festival_id == r.c.festival_id, s.c.id == r.c.session_key)
        )
    has_figures = (
        f.window in (None, "festival")
        and conn.execute(
            sa.select(sf.c.session_id).where(sf.c.festival_id == festival_id).limit(1)
        ).first()
        is not None
    )
    if has_figures:
        source = source.outerjoin(sf, sf.c.session_id == r.c.session_key)
        viewed: Any = sf.c.views.is_not(None)
        claimed: Any = sf.c.claimed_gmv_fen.is_not(None)
    else:
        viewed = claimed = sa.false()

    def sum_if(cond: Any, value: Any) -> Any:
        return sa.func.coalesce(sa.func.sum(sa.case((cond, value), else_=0)), 0)

    def one_if(cond: Any) -> Any:
        return sa.func.max(sa.case((cond, 1), else_=0))

    # rollup rows are orders: one GROUP BY to (group, buyer), one to the group
    per_buyer = (
        sa.select(
            key,
            sa.func.sum(r.c.gmv_fen).label("gmv"),
            sa.func.sum(r.c.net_fen).label("net_gmv"),
            sa.func.count().label("orders"),
            sum_if(r.c.refunded, 1).label("refunded_orders"),
            sa.func.sum(r.c.units).label("units"),
            sum_if(r.c.session_key != "", r.c.gmv_fen).label("session_gmv"),
            sum_if(viewed, r.c.gmv_fen).label("viewed_gmv"),
            one_if(viewed).label("viewed"),
            sum_if(claimed, r.c.gmv_fen).label("claimed_sessions_gmv"),
        )
        .select_from(source)
        .where(r.c.festival_id == festival_id)
        .group_by(key_col, r.c.platform, r.c.buyer)
    )
    for name, value in (
        ("town_id", town),
        ("industry_id", f.industry),
    ):
        if value:
            per_buyer = per_buyer.where(e.c[name] == value)
    if f.enterprise:
        per_buyer = per_buyer.where(r.c.enterprise_id == f.enterprise)
    if f.platform:
        per_buyer = per_buyer.where(r.c.platform == f.platform)
    if f.venue:
        per_buyer = per_buyer.where(s.c.venue == f.venue)
    if f.streamer:
        per_buyer = per_buyer.where(s.c.streamer == f.streamer)
    if f.session:
        per_buyer = per_buyer.where(r.c.session_key == f.session)
    ranges = []
    if f.window:
        ranges = windows_of(conn, festival_id).ranges(f.window)
        if not ranges:
            return []
    if f.day:
        ranges = (
            [day_range(f.day)]
            if not ranges
            else [(max(lo, day_range(f.day)[0]), min(hi, day_range(f.day)[1])) for lo, hi in ranges]
        )
    if ranges:
        per_buyer = per_buyer.where(
            sa.or_(*[sa.and_(r.c.local_hour >= lo, r.c.local_hour < hi) for lo, hi in ranges])
        )
    b = per_buyer.subquery("b")
    outer = sa.select(
        b.c.key,
        sa.func.sum(b.c.gmv).label("gmv"),
        sa.func.sum(b.c.net_gmv).label("net_gmv"),
        sa.func.sum(b.c.orders).label("orders"),
        sa.func.sum(b.c.refunded_orders).label("refunded_orders"),
        sa.func.sum(b.c.units).label("units"),
        sa.func.count().label("buyers"),
        sa.func.sum(b.c.session_gmv).label("session_gmv"),
        sa.func.sum(b.c.viewed_gmv).label("viewed_gmv"),
        sa.func.sum(b.c.viewed).label("viewed_buyers"),
        sa.func.sum(b.c.claimed_sessions_gmv).label("claimed_sessions_gmv"),
    ).group_by(b.c.key)
    if conn.dialect.name == "postgresql":
        # the festival's orders fit in memory: hash, do not spill to disk
        conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
    rows: dict[Any, dict[str, Any]] = {}
    for row in conn.execute(outer):
        k = row.key
        if by == "session" and k == "":
            k = None
        elif by == "hour":
            k = _hour_text(k)
        rows[k] = {**row._asdict(), "key": k}
    if by != "hour" and not f.day and f.window in (None, "festival"):
        add_viewer_figures(conn, festival_id, by, town, f, rows)
    out = [_finish(r) for r in rows.values()]
    label_rows(conn, festival_id, by, out)
    if by == "hour":
        out.sort(key=lambda r: r["key"])
    else:
        out.sort(key=lambda r: (-r["gmv_fen"], r["key"] is None, str(r["key"])))
    return out


def _hour_text(value: Any) -> str:
    if isinstance(value, str):  # SQLite keeps the local hour as text
        return value[:13] + ":00"
    return str(value.strftime("%Y-%m-%d %H:00"))


def _finish(r: dict[str, Any]) -> dict[str, Any]:
    gmv = int(r.get("gmv") or 0)
    orders = int(r.get("orders") or 0)
    session_gmv = int(r.get("session_gmv") or 0)
    out: dict[str, Any] = {
        "key": r["key"],
        "gmv": yuan(gmv),
        "net_gmv": yuan(int(r.get("net_gmv") or 0)),
        "orders": orders,
        "units": int(r.get("units") or 0),
        "buyers": int(r.get("buyers") or 0),
        "aov": yuan(round(gmv / orders)) if orders else None,
        "refund_rate": ratio(r.get("refunded_orders"), orders) if orders else 0.0,
        "refunded_orders": int(r.get("refunded_orders") or 0),
        "session_gmv": yuan(session_gmv),
        "off_session_gmv": yuan(gmv - session_gmv),
        "gmv_fen": gmv,
        "net_gmv_fen": int(r.get("net_gmv") or 0),
    }
    views = r.get("views")
    if views is not None or r.get("claimed_gmv") is not None:
        views = int(views) if views is not None else None
        out.update(
            views=views,
            peak_viewers=int(r["peak_viewers"]) if r.get("peak_viewers") is not None else None,
            new_followers=int(r["new_followers"]) if r.get("new_followers") is not None else None,
            gpm=yuan(round(int(r.get("viewed_gmv") or 0) * 1000 / views)) if views else None,
            conversion=ratio(r.get("viewed_buyers"), views) if views else None,
        )
        claimed = r.get("claimed_gmv")
        if claimed is not None:
            computed = int(r.get("claimed_sessions_gmv") or 0)
            out.update(
                claimed_gmv=yuan(int(claimed)),
                computed_gmv_of_claims=yuan(computed),
                claim_gap=yuan(int(claimed) - computed),
            )
    return out


def festival_refund_rate(*, db: Session, festival_id: str) -> float:
    """The festival's refund rate: orders with a line that did not stand / orders."""
    t = totals(db=db, festival_id=festival_id)
    return float(t["refund_rate"] or 0.0)


def totals(
    *, db: Session, festival_id: str, town: str | None = None, window: str | None = None
) -> dict[str, Any]:
    """The festival's (or one town's) figures in one row."""
    rows = summary(
        db=db, festival_id=festival_id, by="platform", town=town, filters=Filters(window=window)
    )
    t = dict.fromkeys(
        ("gmv", "net_gmv", "orders", "units", "buyers", "refunded_orders", "session_gmv"), 0
    )
    for r in rows:
        t["gmv"] += r["gmv_fen"]
        t["net_gmv"] += r["net_gmv_fen"]
        t["orders"] += r["orders"]
        t["units"] += r["units"]
        t["buyers"] += r["buyers"]
        t["refunded_orders"] += r["refunded_orders"]
        t["session_gmv"] += int(Decimal(r["session_gmv"]) * 100)
    return {
        "gmv": yuan(t["gmv"]),
        "net_gmv": yuan(t["net_gmv"]),
        "session_gmv": yuan(t["session_gmv"]),
        "off_session_gmv": yuan(t["gmv"] - t["session_gmv"]),
        "orders": t["orders"],
        "units": t["units"],
        "buyers": t["buyers"],
        "refund_rate": ratio(t["refunded_orders"], t["orders"]) if t["orders"] else 0.0,
        "aov": yuan(round(t["gmv"] / t["orders"])) if t["orders"] else None,
        "gmv_fen": t["gmv"],
        "net_gmv_fen": t["net_gmv"],
    }
