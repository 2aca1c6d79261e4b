"""Signs of inflated or bought figures, each flagged with the evidence that raised it.

- refund: a session's refund rate far above the festival's (orders placed, then refunded);
- buyers: a few buyer accounts holding a large share of a session's orders;
- conversion: buyers / views beyond what is plausible;
- claim: self-reported GMV far above the GMV computed from the exports;
- brushing: merchant notes that mark orders as 刷单;
- loss_leader: most of a session's GMV sold deep below the product's pre-festival price;
- clash: rows refused because they are another enterprise's (the same order line already
  stored for it, or its shop or in-house streamer named in the row): for the organisers.

Thresholds come from the settings (`CITYLIVE_FLAG_*`, `CITYLIVE_DISCOUNT_*`, docs/sales.md).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from citylive.config import Settings, get_settings
from citylive.sales._tables import (
    ENTERPRISE,
    FESTIVAL_SESSION,
    ORDER_LINE,
    QUARANTINED_ROW,
    SALES_FILE,
)
from citylive.sales.cache import cached
from citylive.sales.discounts import depth_figures, loss_leaders
from citylive.sales.disputes import list_disputes
from citylive.sales.figures import festival_refund_rate, summary, yuan
from citylive.sales.frame import Frame, frame_at

BRUSHING_WORDS = ("刷单", "补单", "刷销量")
KINDS = ("refund", "buyers", "conversion", "claim", "brushing", "loss_leader", "clash", "dispute")


@dataclass
class Flag:
    kind: str
    session_id: str | None  # None: off-session lines of the enterprise, or a whole file
    enterprise: str
    streamer: str | None
    town: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def flag_sessions(
    *, db: Session, festival_id: str, town: str | None = None, settings: Settings | None = None
) -> list[Flag]:
    """Every flag of the festival (or of one town's sessions), grouped by session."""
    cfg = settings or get_settings()
    parts = {"what": "flags", "town": town, "settings": cfg.model_dump(mode="json")}
    rows = cached(db, festival_id, parts, lambda stamp: _flags(db, festival_id, town, cfg, stamp))
    return [Flag(**r) for r in rows]


def _flags(
    db: Session, festival_id: str, town: str | None, cfg: Settings, stamp: str
) -> list[dict[str, Any]]:
    conn = db.connection()
    sessions = _sessions(conn, festival_id)
    rows = [r for r in summary(db=db, festival_id=festival_id, by="session", town=town) if r["key"]]
    festival_rate = festival_refund_rate(db=db, festival_id=festival_id)
    conn = db.connection()
    flags: list[Flag] = []

    def make(kind: str, sid: str, message: str, evidence: dict[str, Any]) -> Flag:
        info = sessions[sid]
        return Flag(kind, sid, info.enterprise, info.streamer, info.town, message, evidence)

    top = _top_buyers(frame_at(conn, festival_id, stamp), cfg.flag_top_buyers)
    for r in rows:
        sid = r["key"]
        if sid not in sessions:
            continue
        for kind, found in (
            ("refund", _refund(r, cfg, festival_rate)),
            ("buyers", _buyers(r, cfg, top.get(sid))),
            ("conversion", _conversion(r, cfg)),
            ("claim", _claim(r, cfg)),
        ):
            if found is not None:
                flags.append(make(kind, sid, *found))
    flags.extend(_brushing(conn, festival_id, town, sessions))
    for d in loss_leaders(depth_figures(db, festival_id, cfg, town), cfg):
        if d["session_id"] in sessions:
            flags.append(make("loss_leader", d["session_id"], *_loss_leader(d, cfg)))
    if town is None:
        flags.extend(_clashes(conn, festival_id))
    flags.extend(_disputes(conn, festival_id, town))
    order = {k: i for i, k in enumerate(KINDS)}
    flags.sort(key=lambda f: (f.session_id is None, f.session_id or f.enterprise, order[f.kind]))
    return [f.as_dict() for f in flags]


Found = tuple[str, dict[str, Any]] | None  # a flag's message and evidence, or no flag


def _refund(r: dict[str, Any], cfg: Settings, festival_rate: float) -> Found:
    orders = r["orders"]
    rate = r["refund_rate"] or 0.0
    if not (
        orders >= cfg.flag_min_orders
        and rate >= cfg.flag_refund_rate_min
        and rate > cfg.flag_refund_rate_factor * festival_rate
    ):
        return None
    return (
        f"退款率 {rate:.0%}，全节平均 {festival_rate:.0%} (refund rate {rate:.0%} vs festival {festival_rate:.0%})",
        {
            "refund_rate": rate,
            "festival_refund_rate": festival_rate,
            "orders": orders,
            "refunded_orders": r["refunded_orders"],
        },
    )


def _buyers(r: dict[str, Any], cfg: Settings, counts: list[tuple[str, int]] | None) -> Found:
    orders = r["orders"]
    if orders < cfg.flag_min_orders or counts is None:
        return None
    share = round(sum(n for _, n in counts) / orders, 4)
    if not share > cfg.flag_top_buyers_share:
        return None
    return (
        f"前 {len(counts)} 个买家占 {share:.0%} 的订单 (top {len(counts)} buyers hold {share:.0%} of orders)",
        {
            "top_buyers": [{"buyer": b, "orders": n} for b, n in counts],
            "share": share,
            "orders": orders,
        },
    )


def _conversion(r: dict[str, Any], cfg: Settings) -> Found:
    conversion = r.get("conversion")
    if conversion is None or not conversion > cfg.flag_conversion_max:
        return None
    return (
        f"转化率 {conversion:.0%}（买家 {r['buyers']} / 场观 {r['views']}）(conversion beyond plausible)",
        {
            "conversion": conversion,
            "buyers": r["buyers"],
            "views": r["views"],
            "threshold": cfg.flag_conversion_max,
        },
    )


def _claim(r: dict[str, Any], cfg: Settings) -> Found:
    claimed = r.get("claimed_gmv")
    if claimed is None:
        return None
    claimed_fen = int(Decimal(claimed) * 100)
    computed_fen = int(Decimal(r["computed_gmv_of_claims"]) * 100)
    if not claimed_fen > cfg.flag_claim_ratio * computed_fen:
        return None
    ratio = round(claimed_fen / computed_fen, 2) if computed_fen else None
    return (
        f"自报 GMV ¥{claimed}，订单数据 ¥{yuan(computed_fen)} (claimed vs computed"
        + (f", {ratio}×)" if ratio else ")"),
        {
            "claimed_gmv": claimed,
            "computed_gmv": yuan(computed_fen),
            "gap": yuan(claimed_fen - computed_fen),
            "ratio": ratio,
        },
    )


def _loss_leader(d: dict[str, Any], cfg: Settings) -> tuple[str, dict[str, Any]]:
    deep = [p for p in d["products"] if p["depth"] is not None and p["deep_gmv"] != "0.00"]
    return (
        f"{d['deep_share']:.0%} 的 GMV 低于节前中位价 {cfg.discount_depth:.0%} 以上 "
        f"({d['deep_share']:.0%} of GMV sold at least {cfg.discount_depth:.0%} below the "
        "pre-festival median price)",
        {
            "deep_share": d["deep_share"],
            "gmv": d["gmv"],
            "deep_gmv": d["deep_gmv"],
            "new_gmv": d["new_gmv"],
            "products": deep[:5],
        },
    )


def _sessions(conn: Connection, festival_id: str) -> dict[str, Any]:
    s = FESTIVAL_SESSION
    return {
        r.id: r
        for r in conn.execute(
            sa.select(s.c.id, s.c.enterprise, s.c.streamer, s.c.town).where(
                s.c.festival_id == festival_id
            )
        )
    }


def _top_buyers(fr: Frame, n: int) -> dict[str, list[tuple[str, int]]]:
    """Per session: its top-n named buyer accounts with 2+ orders, and their order counts."""
    rows = (fr.session >= 0) & fr.named
    if not rows.any():
        return {}
    width = len(fr.buyer_names)
    pairs, counts = np.unique(fr.session[rows] * width + fr.buyer[rows], return_counts=True)
    multi: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for pair, count in zip(pairs[counts > 1], counts[counts > 1], strict=True):
        session, buyer = divmod(int(pair), width)
        multi[fr.sessions[session]].append((fr.buyer_names[buyer].split("\x1f", 1)[1], int(count)))
    out = {}
    for sid, found in multi.items():
        found.sort(key=lambda c: (-c[1], c[0]))
        out[sid] = found[:n]
    return out


def _brushing(
    conn: Connection, festival_id: str, town: str | None, sessions: dict[str, Any]
) -> list[Flag]:
    ol = ORDER_LINE
    e = ENTERPRISE
    cond = sa.or_(*[ol.c.note.contains(w) for w in BRUSHING_WORDS])
    stmt = (
        sa.select(
            ol.c.session_id,
            ol.c.enterprise_id,
            e.c.town_id,
            ol.c.order_id,
            ol.c.note,
            ol.c.amount_fen,
        )
        .select_from(
            ol.join(e, sa.and_(e.c.festival_id == ol.c.festival_id, e.c.id == ol.c.enterprise_id))
        )
        .where(ol.c.festival_id == festival_id, cond, ol.c.claim.is_(None))
        .order_by(ol.c.session_id, ol.c.order_id)
    )
    if town:
        stmt = stmt.where(e.c.town_id == town)
    groups: dict[tuple[str | None, str, str], list[Any]] = defaultdict(list)
    for r in conn.execute(stmt):
        groups[(r.session_id, r.enterprise_id, r.town_id)].append(r)
    flags = []
    for (sid, enterprise, town_id), lines in groups.items():
        amount = sum(int(r.amount_fen) for r in lines)
        orders = sorted({r.order_id for r in lines})
        info = sessions.get(sid) if sid else None
        flags.append(
            Flag(
                "brushing",
                sid,
                enterprise,
                info.streamer if info else None,
                town_id,
                f"{len(orders)} 笔订单备注含“刷单” (merchant notes mark {len(orders)} orders as brushing)",
                {
                    "orders": len(orders),
                    "amount": yuan(amount),
                    "order_ids": orders[:10],
                    "notes": sorted({r.note for r in lines})[:5],
                },
            )
        )
    return flags


def _clashes(conn: Connection, festival_id: str) -> list[Flag]:
    """Rows refused as another enterprise's, per file and other enterprise."""
    q, f, e = QUARANTINED_ROW, SALES_FILE, ENTERPRISE
    stmt = (
        sa.select(
            f.c.id,
            f.c.filename,
            f.c.enterprise_id,
            e.c.town_id,
            q.c.clash_with,
            sa.func.count().label("n"),
            sa.func.min(q.c.reason).label("reason"),
        )
        .select_from(
            q.join(f, f.c.id == q.c.file_id).outerjoin(
                e, sa.and_(e.c.festival_id == f.c.festival_id, e.c.id == f.c.enterprise_id)
            )
        )
        .where(q.c.festival_id == festival_id, q.c.clash_with.is_not(None))
        .group_by(f.c.id, f.c.filename, f.c.enterprise_id, e.c.town_id, q.c.clash_with)
        .order_by(f.c.id, q.c.clash_with)
    )
    return [
        Flag(
            "clash",
            None,
            str(r.enterprise_id),
            None,
            str(r.town_id or ""),
            f"文件 {r.filename} 有 {r.n} 行属于企业 {r.clash_with} (file {r.id}: {r.n} rows are "
            f"enterprise {r.clash_with!r}'s; refused)",
            {
                "file_id": int(r.id),
                "filename": r.filename,
                "other_enterprise": r.clash_with,
                "rows": int(r.n),
                "example": r.reason,
            },
        )
        for r in conn.execute(stmt)
    ]


def _disputes(conn: Connection, festival_id: str, town: str | None) -> list[Flag]:
    """Each side of each dispute (lines two enterprises' files hold, counting for neither until
    an organiser settles): for both enterprises' towns and the organisers."""
    flags = []
    for d in list_disputes(conn, festival_id, town):
        pairs = zip(d["enterprises"], reversed(d["enterprises"]), strict=True)
        for side, (me, other) in enumerate(pairs):
            if town is not None and d["towns"][side] != town:
                continue
            flags.append(
                Flag(
                    "dispute",
                    None,
                    me,
                    None,
                    str(d["towns"][side] or ""),
                    f"{d['lines']} 行订单同时在企业 {other} 的文件中，待主办方裁定，暂不计入 "
                    f"({d['lines']} order lines are also in enterprise {other!r}'s files: they "
                    "count for neither until the organisers settle)",
                    {
                        "other_enterprise": other,
                        "lines": d["lines"],
                        "gmv": d["gmv"][me],
                        "files": d["files"],
                    },
                )
            )
    return flags
