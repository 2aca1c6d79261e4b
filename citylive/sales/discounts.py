"""Discount depth: sessions whose GMV was bought with deep discounts (赔本赚吆喝).

Per product (the export's product id, else its title; within one enterprise and platform),
the median unit price (amount paid / quantity, one value per line) in the window before the
festival.  Per session, the share of its GMV sold at least the set depth below that median;
sessions above the set share are flagged as loss-leader selling, with the products and
prices as evidence.  A product with no sale in the window before is new: reported as new,
never as discounted.  GMV is what buyers paid, before refunds, as everywhere.  Prices are
compared exactly (fractions of a fen), never as floats.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from citylive.config import Settings
from citylive.sales._tables import ENTERPRISE, FESTIVAL_SESSION, ORDER_LINE, ORDER_ROLLUP
from citylive.sales.cache import cached
from citylive.sales.windows import windows_of

Product = tuple[str, str, str]  # enterprise, platform, product


def fen_text(value: Fraction) -> str:
    """A price in fen (maybe fractional) as yuan with two decimals."""
    d = (Decimal(value.numerator) / Decimal(value.denominator) / 100).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    return str(d)


def median(prices: list[tuple[Fraction, int]]) -> Fraction:
    """The median of a multiset given as (value, how many times)."""
    prices = sorted(prices)
    total = sum(n for _, n in prices)
    lo_rank, hi_rank = (total - 1) // 2, total // 2
    seen = 0
    lo = hi = None
    for value, n in prices:
        if lo is None and seen + n > lo_rank:
            lo = value
        if seen + n > hi_rank:
            hi = value
            break
        seen += n
    assert lo is not None and hi is not None
    return (lo + hi) / 2


def medians_before(conn: Connection, festival_id: str) -> dict[Product, Fraction]:
    ol = ORDER_LINE
    ranges = windows_of(conn, festival_id).utc_ranges("before")
    if not ranges:
        return {}
    lo, hi = ranges[0]
    q = (
        sa.select(
            ol.c.enterprise_id,
            ol.c.platform,
            ol.c.product,
            ol.c.amount_fen,
            ol.c.quantity,
            sa.func.count().label("n"),
        )
        .where(
            ol.c.festival_id == festival_id,
            ol.c.product.is_not(None),
            ol.c.paid_at >= lo,
            ol.c.paid_at < hi,
            ol.c.claim.is_(None),
        )
        .group_by(ol.c.enterprise_id, ol.c.platform, ol.c.product, ol.c.amount_fen, ol.c.quantity)
    )
    prices: dict[Product, list[tuple[Fraction, int]]] = defaultdict(list)
    for r in conn.execute(q):
        prices[(r.enterprise_id, r.platform, r.product)].append(
            (Fraction(int(r.amount_fen), int(r.quantity)), int(r.n))
        )
    return {k: median(v) for k, v in prices.items()}


def session_depths(
    conn: Connection, festival_id: str, settings: Settings, town: str | None = None
) -> list[dict[str, Any]]:
    """Every session with sales: its GMV, the share sold deep below the pre-festival median,
    its new products, and per product the evidence; deepest share first."""
    medians = medians_before(conn, festival_id)
    depth = Fraction(str(settings.discount_depth))
    sessions: dict[str, dict[str, Any]] = {}
    products: dict[tuple[str, Product], dict[str, Any]] = {}
    for r in conn.execute(_priced_lines(festival_id, town)):
        gmv = int(r.amount_fen) * int(r.n)
        unit = Fraction(int(r.amount_fen), int(r.quantity))
        key: Product = (r.enterprise_id, r.platform, r.product or "")
        ses = sessions.setdefault(
            r.session_id,
            {
                "session_id": r.session_id,
                "enterprise": r.enterprise_id,
                "gmv": 0,
                "deep": 0,
                "new": 0,
            },
        )
        ses["gmv"] += gmv
        p = products.setdefault(
            (r.session_id, key),
            {"product": r.product, "title": r.title, "gmv": 0, "deep_gmv": 0, "lowest": unit,
             "highest": unit},
        )  # fmt: skip
        p["gmv"] += gmv
        p["lowest"] = min(p["lowest"], unit)
        p["highest"] = max(p["highest"], unit)
        med = medians.get(key) if r.product else None
        if med is None:
            ses["new"] += gmv
            p["new"] = True
        elif unit <= med * (1 - depth):
            ses["deep"] += gmv
            p["deep_gmv"] += gmv
        if med is not None:
            p["median"] = med
    orders = _orders_per_session(conn, festival_id, set(sessions))
    s = FESTIVAL_SESSION
    info = {
        r.id: r
        for r in conn.execute(
            sa.select(s.c.id, s.c.streamer, s.c.town).where(s.c.festival_id == festival_id)
        )
    }
    out = [
        _session_row(ses, info.get(sid), orders.get(sid, 0), _evidence(sid, products))
        for sid, ses in sessions.items()
    ]
    out.sort(key=lambda x: (-x["deep_share"], x["session_id"]))
    return out


def _priced_lines(festival_id: str, town: str | None) -> sa.Select:
    """The festival's attributed, paid lines grouped by session, product and price."""
    ol, e = ORDER_LINE, ENTERPRISE
    q = (
        sa.select(
            ol.c.session_id,
            ol.c.enterprise_id,
            ol.c.platform,
            ol.c.product,
            ol.c.amount_fen,
            ol.c.quantity,
            sa.func.count().label("n"),
            sa.func.max(ol.c.product_title).label("title"),
        )
        .select_from(
            ol.join(e, sa.and_(e.c.festival_id == ol.c.festival_id, e.c.id == ol.c.enterprise_id))
        )
        .where(
            ol.c.festival_id == festival_id,
            ol.c.session_id.is_not(None),
            ol.c.paid_at.is_not(None),
            ol.c.claim.is_(None),  # a disputed line counts for no one
        )
        .group_by(
            ol.c.session_id,
            ol.c.enterprise_id,
            ol.c.platform,
            ol.c.product,
            ol.c.amount_fen,
            ol.c.quantity,
        )
    )
    return q.where(e.c.town_id == town) if town else q


def _evidence(sid: str, products: dict[tuple[str, Product], dict[str, Any]]) -> list[dict]:
    """Per product of the session: its prices against the median before, new or deep."""
    evidence = []
    for (psid, _), p in products.items():
        if psid != sid:
            continue
        med = p.get("median")
        evidence.append(
            {
                "product": p["product"],
                "title": p["title"],
                "new": bool(p.get("new")),
                "median_before": fen_text(med) if med is not None else None,
                "lowest_price": fen_text(p["lowest"]),
                "highest_price": fen_text(p["highest"]),
                "depth": round(float(1 - p["lowest"] / med), 4) if med else None,
                "gmv": fen_text(Fraction(p["gmv"])),
                "deep_gmv": fen_text(Fraction(p["deep_gmv"])),
            }
        )
    evidence.sort(key=lambda x: (x["new"], -(x["depth"] or 0), str(x["product"])))
    return evidence


def _session_row(
    ses: dict[str, Any], meta: Any, orders: int, evidence: list[dict]
) -> dict[str, Any]:
    gmv = ses["gmv"]
    return {
        "session_id": ses["session_id"],
        "enterprise": ses["enterprise"],
        "streamer": meta.streamer if meta else None,
        "town": meta.town if meta else None,
        "orders": orders,
        "gmv": fen_text(Fraction(gmv)),
        "deep_gmv": fen_text(Fraction(ses["deep"])),
        "new_gmv": fen_text(Fraction(ses["new"])),
        "deep_share": round(ses["deep"] / gmv, 4) if gmv else 0.0,
        "new_share": round(ses["new"] / gmv, 4) if gmv else 0.0,
        "products": evidence,
    }


def _orders_per_session(conn: Connection, festival_id: str, sessions: set[str]) -> dict[str, int]:
    if not sessions:
        return {}
    r = ORDER_ROLLUP
    q = (
        sa.select(r.c.session_key, sa.func.count())
        .where(r.c.festival_id == festival_id, r.c.session_key != "")
        .group_by(r.c.session_key)
    )
    return {str(row[0]): int(row[1]) for row in conn.execute(q) if row[0] in sessions}


def loss_leaders(depths: list[dict[str, Any]], settings: Settings) -> list[dict[str, Any]]:
    """The sessions to flag: deep-discount share above the set share, enough orders."""
    return [
        d
        for d in depths
        if d["deep_share"] > settings.discount_share and d["orders"] >= settings.discount_min_orders
    ]


def depth_figures(
    db: Any, festival_id: str, settings: Settings, town: str | None = None
) -> list[dict[str, Any]]:
    """`session_depths`, computed once per data version."""
    parts = {"what": "discounts", "town": town, "depth": settings.discount_depth}
    return cached(
        db,
        festival_id,
        parts,
        lambda stamp: session_depths(db.connection(), festival_id, settings, town),
    )
