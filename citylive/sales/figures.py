"""The festival's sales figures, grouped by session, streamer, enterprise, town, district,
industry, platform, venue or hour, computed in the database from the per-order rollup, and cached per
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
town, district and industry always add up to the same totals.  By district, an enterprise
counts for its town's district (its own rooms too); the enterprises of towns in no district
(every one, in a city without districts) are the row whose key is None.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlmodel import Session

from citylive.errors import Invalid
from citylive.sales._tables import ORDER_LINE, SESSION_FIGURES
from citylive.sales.cache import cached
from citylive.sales.frame import (
    Frame,
    add_by,
    distinct_by,
    enterprise_attributes,
    frame_at,
    session_attributes,
)
from citylive.sales.labels import add_viewer_figures, label_rows
from citylive.sales.windows import WINDOWS, day_range, windows_of

GROUPINGS = (
    "session",
    "streamer",
    "enterprise",
    "town",
    "district",
    "industry",
    "platform",
    "venue",
    "hour",
)
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
    district: str | None = None  # the enterprises of this district's towns


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
    rows = cached(
        db, festival_id, parts, lambda stamp: _summary(db, festival_id, by, town, f, stamp)
    )
    return rows[:limit] if limit else rows


def select_rows(
    conn: Any, festival_id: str, fr: Frame, town: str | None, f: Filters
) -> tuple[np.ndarray, dict[str, tuple[np.ndarray, list[str]]]]:
    """Which rollup rows (orders) the town and filters keep, and the per-row codes of the
    enterprise and session attributes.  Orders of an enterprise no longer in the festival
    are kept by no filter."""
    ents = enterprise_attributes(conn, festival_id)
    attrs = {name: fr.per_enterprise(values) for name, values in ents.items()}
    keep = attrs["town"][0] != -2
    for name, value in (("town", town), ("industry", f.industry), ("district", f.district)):
        if value:
            codes, names = attrs[name]
            keep &= codes == (names.index(value) if value in names else -3)

    def one(codes: np.ndarray, names: list[str], value: str) -> np.ndarray:
        return codes == (names.index(value) if value in names else -3)  # type: ignore[no-any-return]

    if f.enterprise:
        keep &= one(fr.enterprise, fr.enterprises, f.enterprise)
    if f.platform:
        keep &= one(fr.platform, fr.platforms, f.platform)
    if f.session:
        keep &= one(fr.session, fr.sessions, f.session)
    if f.venue or f.streamer:
        sess = session_attributes(conn, festival_id)
        attrs.update({name: fr.per_session(values) for name, values in sess.items()})
        for name, value in (("venue", f.venue), ("streamer", f.streamer)):
            if value:
                keep &= one(*attrs[name], value)
    ranges = []
    if f.window:
        ranges = windows_of(conn, festival_id).ranges(f.window)
        if not ranges:
            return np.zeros(fr.n, dtype=bool), attrs
    if f.day:
        lo, hi = day_range(f.day)
        ranges = [(lo, hi)] if not ranges else [(max(a, lo), min(b, hi)) for a, b in ranges]
    if ranges:
        inside = np.zeros(fr.n, dtype=bool)
        for lo, hi in ranges:
            inside |= (fr.hour >= local_us(lo)) & (fr.hour < local_us(hi))
        keep &= inside
    return keep, attrs


def _summary(
    db: Session, festival_id: str, by: str, town: str | None, f: Filters, stamp: str
) -> list[dict[str, Any]]:
    conn = db.connection()
    fr = frame_at(conn, festival_id, stamp)
    keep, attrs = select_rows(conn, festival_id, fr, town, f)
    names: list[Any]
    if by == "session":
        codes, names = fr.session, fr.sessions
    elif by in ("streamer", "venue"):
        if by not in attrs:
            attrs.update(
                {k: fr.per_session(v) for k, v in session_attributes(conn, festival_id).items()}
            )
        codes, names = attrs[by]
    elif by in ("town", "industry"):
        codes, names = attrs[by]
    elif by == "district":  # towns in no district: no key (orders of no enterprise are not kept)
        codes, names = attrs[by]
        codes = np.where(codes == -2, -1, codes)
    elif by == "enterprise":
        codes, names = fr.enterprise, fr.enterprises
    elif by == "platform":
        codes, names = fr.platform, fr.platforms
    else:
        hours, codes = np.unique(fr.hour, return_inverse=True)
        names = [hour_text(int(h)) for h in hours]
    viewed = claimed = np.zeros(fr.n, dtype=bool)
    if f.window in (None, "festival"):
        views, claims = sessions_with_figures(conn, festival_id)
        if views or claims:
            index = {sid: i for i, sid in enumerate(fr.sessions)}
            has_views = np.zeros(len(fr.sessions) + 1, dtype=bool)
            has_claim = np.zeros(len(fr.sessions) + 1, dtype=bool)
            has_views[[index[s] for s in views if s in index]] = True
            has_claim[[index[s] for s in claims if s in index]] = True
            viewed, claimed = has_views[fr.session], has_claim[fr.session]
    k = codes[keep] + 1  # 0: no key (off-session)
    size = len(names) + 1
    buyer = fr.buyer[keep]
    gmv = fr.gmv[keep]
    in_session = fr.session[keep] >= 0
    v = viewed[keep]
    totals_by = {
        "gmv": add_by(k, gmv, size),
        "net_gmv": add_by(k, fr.net[keep], size),
        "orders": np.bincount(k, minlength=size).astype(np.int64),
        "refunded_orders": add_by(k, fr.refunded[keep].astype(np.int64), size),
        "units": add_by(k, fr.units[keep], size),
        "buyers": distinct_by(k, buyer, size),
        "session_gmv": add_by(k, np.where(in_session, gmv, 0), size),
        "viewed_gmv": add_by(k, np.where(v, gmv, 0), size),
        "viewed_buyers": distinct_by(k[v], buyer[v], size),
        "claimed_sessions_gmv": add_by(k, np.where(claimed[keep], gmv, 0), size),
    }
    rows: dict[Any, dict[str, Any]] = {}
    for code in np.flatnonzero(totals_by["orders"]):
        key = None if code == 0 else names[code - 1]
        rows[key] = {"key": key, **{name: int(values[code]) for name, values in totals_by.items()}}
    if by != "hour" and not f.day and f.window in (None, "festival"):
        add_viewer_figures(conn, festival_id, by, town, f, rows)
    out = [_finish(r) for r in rows.values()]
    if by == "enterprise" and not f.day and f.window is None:
        add_affiliate_gmv(conn, festival_id, f.platform, out)
    label_rows(conn, festival_id, by, out)
    if by == "hour":
        out.sort(key=lambda r: r["key"])
    else:
        out.sort(key=lambda r: (-r["gmv_fen"], r["key"] is None, str(r["key"])))
    return out


def add_affiliate_gmv(
    conn: Any, festival_id: str, platform: str | None, out: list[dict[str, Any]]
) -> None:
    """Per enterprise: GMV of its lines that an affiliate sold (精选联盟, 分销, another
    account than its session streamers'): the affiliate's sales, not any session's."""
    line = ORDER_LINE.c
    q = (
        sa.select(line.enterprise_id, sa.func.sum(line.amount_fen))
        .where(line.festival_id == festival_id, line.affiliate, line.paid_at.is_not(None))
        .group_by(line.enterprise_id)
    )
    if platform:
        q = q.where(line.platform == platform)
    fen = {str(e): int(v or 0) for e, v in conn.execute(q).all()}
    for r in out:
        if r["key"] is not None:
            r["affiliate_gmv"] = yuan(fen.get(str(r["key"]), 0))


def hour_text(local_us_value: int) -> str:
    return (datetime(1970, 1, 1) + timedelta(microseconds=local_us_value)).strftime(
        "%Y-%m-%d %H:00"
    )


def local_us(t: datetime) -> int:
    """A local wall-clock time as the frame keeps it (microseconds since 1970, as if UTC)."""
    return (t - datetime(1970, 1, 1)) // timedelta(microseconds=1)


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


def sessions_with_figures(conn: Any, festival_id: str) -> tuple[set[str], set[str]]:
    """Sessions with reported views, and with a self-reported GMV."""
    sf = SESSION_FIGURES
    rows = conn.execute(
        sa.select(sf.c.session_id, sf.c.views, sf.c.claimed_gmv_fen).where(
            sf.c.festival_id == festival_id
        )
    ).all()
    return (
        {r.session_id for r in rows if r.views is not None},
        {r.session_id for r in rows if r.claimed_gmv_fen is not None},
    )


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
