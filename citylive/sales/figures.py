"""The festival's sales figures, grouped by session, streamer, enterprise, town, industry,
platform, venue or hour, computed in the database (one GROUP BY) so they scale to millions of
order lines.

Definitions (docs/sales.md):
- GMV: what buyers paid, before refunds (lines with a paid time);
- net GMV: GMV of the lines whose sale stood (not cancelled, closed or refunded);
- orders: distinct (platform, order id); units: quantities; buyers: distinct buyer accounts,
  where the export names none, each order counts as its own buyer;
- average order value: GMV / orders; refund rate: orders with a line that did not stand / orders;
- where viewer figures were reported: GPM = GMV of those sessions per thousand views,
  conversion = their buyers / views; self-reported GMV beside the computed GMV, with the gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session

import models
from citylive.errors import Invalid
from citylive.sales._tables import (
    ENTERPRISE,
    FESTIVAL_SESSION,
    INDUSTRY,
    ORDER_LINE,
    SESSION_FIGURES,
    STREAMER,
    TOWN,
    VENUE,
)

GROUPINGS = ("session", "streamer", "enterprise", "town", "industry", "platform", "venue", "hour")
OFF_SESSION = None  # the key of lines that count for no session (off-session sales)


class UnknownGrouping(Invalid):
    def __init__(self, by: str):
        super().__init__(f"unknown grouping {by!r}; use one of: {', '.join(GROUPINGS)}")


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


def yuan(fen: int | None) -> str | None:
    """Integer fen as a decimal string in yuan (`12345` -> `"123.45"`)."""
    if fen is None:
        return None
    return str((Decimal(int(fen)) / 100).quantize(Decimal("0.01")))


def _ratio(num: float | int | None, den: float | int | None, places: int = 4) -> float | None:
    if num is None or not den:
        return None
    return round(float(num) / float(den), places)


def _festival_tz(db: Session, festival_id: str) -> ZoneInfo:
    row = db.get(models.Festival, festival_id)
    return ZoneInfo(row.timezone if row else "Asia/Shanghai")


def _sum_if(cond: Any, value: Any) -> Any:
    return sa.func.coalesce(sa.func.sum(sa.case((cond, value), else_=0)), 0)


def _hour_key(db: Session, ol: Any, tz: ZoneInfo) -> Any:
    if db.get_bind().dialect.name == "postgresql":
        # date_trunc of the local time, named in Python: a third of to_char's cost per line
        return sa.func.date_trunc(
            "hour", sa.func.timezone(tz.key, ol.c.paid_at), type_=sa.DateTime()
        )
    # SQLite keeps UTC text; group by the UTC hour and name it in local time afterwards.
    return sa.func.strftime("%Y-%m-%d %H:00", ol.c.paid_at)


def _local_hour(key: Any, tz: ZoneInfo, dialect: str) -> str:
    if dialect == "postgresql":
        return str(key.strftime("%Y-%m-%d %H:00"))  # a local wall-clock hour
    utc = datetime.strptime(key, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo("UTC"))
    return utc.astimezone(tz).strftime("%Y-%m-%d %H:00")


def _day_bounds(day: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    d = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=tz)
    return d, d + timedelta(days=1)


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
    town = town or f.town
    tz = _festival_tz(db, festival_id)
    dialect = db.get_bind().dialect.name
    ol = ORDER_LINE.alias("ol")
    e = ENTERPRISE.alias("e")
    s = FESTIVAL_SESSION.alias("s")
    sf = SESSION_FIGURES.alias("sf")
    key_col = {
        "session": ol.c.session_id,
        "streamer": s.c.streamer,
        "enterprise": ol.c.enterprise_id,
        "town": e.c.town_id,
        "industry": e.c.industry_id,
        "platform": ol.c.platform,
        "venue": s.c.venue,
        "hour": None,
    }[by]
    if key_col is None:
        key_col = _hour_key(db, ol, tz)
    key = key_col.label("key")
    # Two steps, both GROUP BY in the database: lines -> orders (per group), orders -> group.
    # Counting orders and refunds on order rows avoids COUNT(DISTINCT) over every line.
    # Join only what this grouping and these filters use: at a million lines each join counts.
    source: Any = ol
    if by in ("town", "industry") or town or f.industry:
        source = source.join(
            e, sa.and_(e.c.festival_id == ol.c.festival_id, e.c.id == ol.c.enterprise_id)
        )
    if by in ("streamer", "venue") or f.venue or f.streamer:
        source = source.outerjoin(s, s.c.id == ol.c.session_id)
    conn = db.connection()
    has_figures = (
        conn.execute(
            sa.select(sf.c.session_id).where(sf.c.festival_id == festival_id).limit(1)
        ).first()
        is not None
    )
    if has_figures:
        source = source.outerjoin(sf, sf.c.session_id == ol.c.session_id)
        viewed: Any = sf.c.views.is_not(None)
        claimed: Any = sf.c.claimed_gmv_fen.is_not(None)
    else:
        viewed = claimed = sa.false()
    one_if = lambda cond: sa.func.max(sa.case((cond, 1), else_=0))  # noqa: E731
    stmt = (
        sa.select(
            key,
            ol.c.platform.label("platform"),
            sa.func.sum(ol.c.amount_fen).label("gmv"),
            _sum_if(ol.c.stands, ol.c.amount_fen).label("net_gmv"),
            one_if(sa.not_(ol.c.stands)).label("refunded"),
            sa.func.sum(ol.c.quantity).label("units"),
            sa.func.min(sa.func.coalesce(ol.c.buyer, sa.literal("#") + ol.c.order_id)).label(
                "buyer"
            ),
            _sum_if(ol.c.session_id.is_not(None), ol.c.amount_fen).label("session_gmv"),
            _sum_if(viewed, ol.c.amount_fen).label("viewed_gmv"),
            one_if(viewed).label("viewed"),
            _sum_if(claimed, ol.c.amount_fen).label("claimed_sessions_gmv"),
        )
        .select_from(source)
        .where(ol.c.festival_id == festival_id, ol.c.paid_at.is_not(None))
        .group_by(key_col, ol.c.platform, ol.c.order_id)
    )
    if town:
        stmt = stmt.where(e.c.town_id == town)
    if f.industry:
        stmt = stmt.where(e.c.industry_id == f.industry)
    if f.enterprise:
        stmt = stmt.where(ol.c.enterprise_id == f.enterprise)
    if f.platform:
        stmt = stmt.where(ol.c.platform == f.platform)
    if f.venue:
        stmt = stmt.where(s.c.venue == f.venue)
    if f.streamer:
        stmt = stmt.where(s.c.streamer == f.streamer)
    if f.session:
        stmt = stmt.where(ol.c.session_id == f.session)
    if f.day:
        lo, hi = _day_bounds(f.day, tz)
        stmt = stmt.where(ol.c.paid_at >= lo, ol.c.paid_at < hi)
    # orders -> buyers -> groups: every step a plain GROUP BY (hashable, no COUNT DISTINCT)
    o = stmt.subquery("o")
    per_buyer = sa.select(
        o.c.key,
        sa.func.sum(o.c.gmv).label("gmv"),
        sa.func.sum(o.c.net_gmv).label("net_gmv"),
        sa.func.count().label("orders"),
        sa.func.sum(o.c.refunded).label("refunded_orders"),
        sa.func.sum(o.c.units).label("units"),
        sa.func.sum(o.c.session_gmv).label("session_gmv"),
        sa.func.sum(o.c.viewed_gmv).label("viewed_gmv"),
        sa.func.max(o.c.viewed).label("viewed"),
        sa.func.sum(o.c.claimed_sessions_gmv).label("claimed_sessions_gmv"),
    ).group_by(o.c.key, o.c.platform, o.c.buyer)
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
    if dialect == "postgresql":
        # order rows of a million-line festival fit in memory: hash, do not spill to disk
        conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
    rows: dict[Any, dict[str, Any]] = {}
    for r in conn.execute(outer):
        k = r.key
        if by == "hour":
            if k is None:
                continue  # lines never paid have no hour
            k = _local_hour(k, tz, dialect)
            if k in rows:  # two UTC hours in one local hour (a half-hour zone)
                _merge(rows[k], r._asdict())
                continue
        rows[k] = {**r._asdict(), "key": k}
    if by != "hour" and not f.day:
        _add_viewer_figures(db, festival_id, by, town, f, rows)
    out = [_finish(r) for r in rows.values()]
    _label(db, festival_id, by, out)
    if by == "hour":
        out.sort(key=lambda r: r["key"])
    else:
        out.sort(key=lambda r: (-r["gmv_fen"], r["key"] is None, str(r["key"])))
    return out[:limit] if limit else out


_SUMMED = (
    "gmv",
    "net_gmv",
    "orders",
    "refunded_orders",
    "units",
    "buyers",
    "session_gmv",
    "viewed_gmv",
    "viewed_buyers",
    "claimed_sessions_gmv",
)


def _merge(into: dict[str, Any], more: dict[str, Any]) -> None:
    for name in _SUMMED:
        into[name] = (into.get(name) or 0) + (more.get(name) or 0)


def _add_viewer_figures(
    db: Session,
    festival_id: str,
    by: str,
    town: str | None,
    f: Filters,
    rows: dict[Any, dict[str, Any]],
) -> None:
    """Views, peak viewers, new followers and claimed GMV of the sessions in each group."""
    s = FESTIVAL_SESSION.alias("s")
    sf = SESSION_FIGURES.alias("sf")
    col = {
        "session": s.c.id,
        "streamer": s.c.streamer,
        "enterprise": s.c.enterprise,
        "town": s.c.town,
        "industry": s.c.industry,
        "platform": s.c.platform,
        "venue": s.c.venue,
    }[by]
    stmt = (
        sa.select(
            col.label("key"),
            sa.func.sum(sf.c.views).label("views"),
            sa.func.sum(sf.c.peak_viewers).label("peak_viewers"),
            sa.func.sum(sf.c.new_followers).label("new_followers"),
            sa.func.sum(sf.c.claimed_gmv_fen).label("claimed_gmv"),
            sa.func.count().label("reported_sessions"),
        )
        .select_from(sf.join(s, s.c.id == sf.c.session_id))
        .where(sf.c.festival_id == festival_id)
        .group_by(col)
    )
    for name, value in (
        ("town", town),
        ("industry", f.industry),
        ("enterprise", f.enterprise),
        ("platform", f.platform),
        ("venue", f.venue),
        ("streamer", f.streamer),
        ("id", f.session),
    ):
        if value:
            stmt = stmt.where(s.c[name] == value)
    for r in db.connection().execute(stmt):
        row = rows.get(r.key)
        if row is None:
            row = {"key": r.key, **dict.fromkeys(_SUMMED, 0)}
            rows[r.key] = row
        row.update({k: v for k, v in r._asdict().items() if k != "key"})


def _finish(r: dict[str, Any]) -> dict[str, Any]:
    gmv = int(r["gmv"] or 0)
    orders = int(r["orders"] or 0)
    out: dict[str, Any] = {
        "key": r["key"],
        "gmv": yuan(gmv),
        "net_gmv": yuan(int(r["net_gmv"] or 0)),
        "orders": orders,
        "units": int(r["units"] or 0),
        "buyers": int(r["buyers"] or 0),
        "aov": yuan(round(gmv / orders)) if orders else None,
        "refund_rate": _ratio(r["refunded_orders"], orders) if orders else 0.0,
        "refunded_orders": int(r["refunded_orders"] or 0),
        "session_gmv": yuan(int(r["session_gmv"] or 0)),
        "off_session_gmv": yuan(gmv - int(r["session_gmv"] or 0)),
        "gmv_fen": gmv,
        "net_gmv_fen": int(r["net_gmv"] or 0),
    }
    views = r.get("views")
    if views is not None or r.get("claimed_gmv") is not None:
        views = int(views) if views is not None else None
        out.update(
            views=views,
            peak_viewers=int(r["peak_viewers"]) if r.get("peak_viewers") is not None else None,
            new_followers=int(r["new_followers"]) if r.get("new_followers") is not None else None,
            gpm=yuan(round(int(r["viewed_gmv"] or 0) * 1000 / views)) if views else None,
            conversion=_ratio(r["viewed_buyers"], views) if views else None,
        )
        claimed = r.get("claimed_gmv")
        if claimed is not None:
            computed = int(r["claimed_sessions_gmv"] or 0)
            out.update(
                claimed_gmv=yuan(int(claimed)),
                computed_gmv_of_claims=yuan(computed),
                claim_gap=yuan(int(claimed) - computed),
            )
    return out


def _label(db: Session, festival_id: str, by: str, rows: list[dict[str, Any]]) -> None:
    """A human name beside each key (town names, enterprise names, ...)."""
    names: dict[Any, str] = {}
    table = {
        "town": TOWN,
        "industry": INDUSTRY,
        "enterprise": ENTERPRISE,
        "streamer": STREAMER,
        "venue": VENUE,
    }.get(by)
    if table is not None:
        names = {
            r.id: r.name
            for r in db.connection().execute(
                sa.select(table.c.id, table.c.name).where(table.c.festival_id == festival_id)
            )
        }
    elif by == "session":
        s = FESTIVAL_SESSION
        ent = ENTERPRISE
        st = STREAMER
        keys = [r["key"] for r in rows if r["key"]]
        if keys:
            q = (
                sa.select(
                    s.c.id, s.c.start, ent.c.name.label("e"), st.c.name.label("st"), s.c.platform
                )
                .select_from(
                    s.join(
                        ent,
                        sa.and_(ent.c.festival_id == s.c.festival_id, ent.c.id == s.c.enterprise),
                    ).join(
                        st, sa.and_(st.c.festival_id == s.c.festival_id, st.c.id == s.c.streamer)
                    )
                )
                .where(s.c.festival_id == festival_id)
            )
            tz = _festival_tz(db, festival_id)
            for sr in db.connection().execute(q):
                names[sr.id] = (
                    f"{sr.e} · {sr.st} · {sr.platform} · {sr.start.astimezone(tz):%m-%d %H:%M}"
                )
    for r in rows:
        if r["key"] is None:
            r["label"] = "场外销售 (off-session)" if by in ("session", "streamer", "venue") else "—"
        else:
            r["label"] = names.get(r["key"], str(r["key"]))


def festival_refund_rate(*, db: Session, festival_id: str) -> float:
    """`totals(...)["refund_rate"]` of the whole festival, from one grouping of lines by order.

    Orders are (platform, order id) among paid lines; refunded when any line no longer stands.
    """
    ol = ORDER_LINE
    per_order = (
        sa.select(sa.func.max(sa.case((sa.not_(ol.c.stands), 1), else_=0)).label("refunded"))
        .where(ol.c.festival_id == festival_id, ol.c.paid_at.is_not(None))
        .group_by(ol.c.platform, ol.c.order_id)
        .subquery("o")
    )
    conn = db.connection()
    if db.get_bind().dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
    row = conn.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(per_order.c.refunded), 0))
    ).one()
    orders, refunded = int(row[0]), int(row[1])
    return (_ratio(refunded, orders) if orders else 0.0) or 0.0


def totals(*, db: Session, festival_id: str, town: str | None = None) -> dict[str, Any]:
    """The festival's (or one town's) figures in one row."""
    rows = summary(db=db, festival_id=festival_id, by="platform", town=town)
    t = {
        "gmv": 0,
        "net_gmv": 0,
        "orders": 0,
        "units": 0,
        "buyers": 0,
        "refunded_orders": 0,
        "session_gmv": 0,
    }
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
        "refund_rate": _ratio(t["refunded_orders"], t["orders"]) if t["orders"] else 0.0,
        "aov": yuan(round(t["gmv"] / t["orders"])) if t["orders"] else None,
        "gmv_fen": t["gmv"],
        "net_gmv_fen": t["net_gmv"],
    }
