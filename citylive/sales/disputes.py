"""Disputed order lines: the same line in two enterprises' files counts for neither until an
organiser settles it for one of them.

A line is disputed (`order_line.claim = 'disputed'`) under each enterprise whose file holds
it; settling keeps it for one (its claim cleared: it counts) and marks the others' copies
'lost' (kept as evidence; the same file sent again stays a duplicate and never reopens it).
Everything here is set-wise SQL over the few claimed lines (a partial index finds them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from citylive.errors import NotFound
from citylive.sales._tables import ENTERPRISE, SALES_FILE, SALES_SETTLEMENT
from citylive.sales.reattribution import rebuild_orders, touch_orders
from citylive.sales.state import bump, lock_state
from models._types import UTCDateTime, utcnow

DISPUTE_DDL = "CREATE TEMP TABLE IF NOT EXISTS _dispute_key (order_id text, line_id text)"
EVIDENCE_LINES = 50  # order lines shown per dispute (the counts and sums cover them all)

# two enterprises' copies of the same disputed line
_PAIRS = (
    "FROM order_line a JOIN order_line b ON b.festival_id = a.festival_id "
    "AND b.platform = a.platform AND b.order_id = a.order_id AND b.line_id = a.line_id "
    "AND a.enterprise_id < b.enterprise_id "
    "WHERE a.festival_id = :f AND a.claim = 'disputed' AND b.claim = 'disputed'"
)
_SAME_KEY = (
    "k.festival_id = order_line.festival_id AND k.platform = order_line.platform "
    "AND k.order_id = order_line.order_id AND k.line_id = order_line.line_id"
)


def _yuan(fen: int | None) -> str:
    fen = int(fen or 0)
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def _towns(conn: Connection, festival_id: str) -> dict[str, str]:
    e = ENTERPRISE
    rows = conn.execute(sa.select(e.c.id, e.c.town_id).where(e.c.festival_id == festival_id))
    return {r.id: r.town_id for r in rows}


def _file_names(conn: Connection, festival_id: str) -> dict[int, str]:
    f = SALES_FILE
    rows = conn.execute(sa.select(f.c.id, f.c.filename).where(f.c.festival_id == festival_id))
    return {int(r.id): r.filename for r in rows}


def list_disputes(conn: Connection, festival_id: str, town: str | None = None) -> list[dict]:
    """The disputes, one per pair of enterprises: lines, each side's GMV, the files and the
    lines as evidence.  `town`: only pairs with an enterprise of that town."""
    params = {"f": festival_id}
    totals = conn.execute(
        sa.text(
            "SELECT a.enterprise_id AS one, b.enterprise_id AS other, a.file_id AS one_file, "
            "b.file_id AS other_file, count(*) AS n, sum(a.amount_fen) AS one_fen, "
            f"sum(b.amount_fen) AS other_fen {_PAIRS} GROUP BY a.enterprise_id, "
            "b.enterprise_id, a.file_id, b.file_id ORDER BY 1, 2, 3, 4"
        ),
        params,
    ).all()
    towns = _towns(conn, festival_id)
    names = _file_names(conn, festival_id)
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for r in totals:
        if town is not None and town not in (towns.get(r.one), towns.get(r.other)):
            continue
        d = out.setdefault((r.one, r.other), _new_dispute(r.one, r.other, towns))
        d["lines"] += int(r.n)
        d["fen"][r.one] += int(r.one_fen or 0)
        d["fen"][r.other] += int(r.other_fen or 0)
        for e, fid in ((r.one, r.one_file), (r.other, r.other_file)):
            files = d["file_lines"][(e, fid)]
            d["file_lines"][(e, fid)] = files + int(r.n)
    if not out:
        return []
    for (one, other), d in out.items():
        d["evidence"] = _evidence(conn, festival_id, one, other, names)
    return [_finished(d, names) for d in out.values()]


def _new_dispute(one: str, other: str, towns: dict[str, str]) -> dict[str, Any]:
    return {
        "enterprises": [one, other],
        "towns": [towns.get(one), towns.get(other)],
        "lines": 0,
        "fen": {one: 0, other: 0},
        "file_lines": defaultdict(int),
    }


def _finished(d: dict[str, Any], names: dict[int, str]) -> dict[str, Any]:
    files = [
        {"id": fid, "enterprise": e, "filename": names.get(fid or 0), "lines": n}
        for (e, fid), n in sorted(d.pop("file_lines").items(), key=lambda x: x[0][1] or 0)
    ]
    fen = d.pop("fen")
    return d | {"gmv": {e: _yuan(v) for e, v in fen.items()}, "files": files}


def _evidence(
    conn: Connection, festival_id: str, one: str, other: str, names: dict[int, str]
) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.text(
            "SELECT a.platform, a.order_id, a.line_id, a.paid_at, a.product_title, a.status, "
            "a.amount_fen AS one_fen, b.amount_fen AS other_fen, a.file_id AS one_file, "
            f"b.file_id AS other_file {_PAIRS} AND a.enterprise_id = :one "
            "AND b.enterprise_id = :other ORDER BY a.platform, a.order_id, a.line_id LIMIT :n"
        ).columns(paid_at=UTCDateTime()),
        {"f": festival_id, "one": one, "other": other, "n": EVIDENCE_LINES},
    ).all()
    return [
        {
            "platform": r.platform,
            "order_id": r.order_id,
            "line_id": r.line_id,
            "paid_at": r.paid_at,
            "product_title": r.product_title,
            "status": r.status,
            "amounts": {one: _yuan(r.one_fen), other: _yuan(r.other_fen)},
            "files": {
                one: {"id": r.one_file, "filename": names.get(r.one_file or 0)},
                other: {"id": r.other_file, "filename": names.get(r.other_file or 0)},
            },
        }
        for r in rows
    ]


def enterprises_in_dispute(conn: Connection, festival_id: str) -> set[str]:
    rows = conn.execute(
        sa.text(
            "SELECT DISTINCT enterprise_id FROM order_line WHERE festival_id = :f "
            "AND claim = 'disputed'"
        ),
        {"f": festival_id},
    )
    return {r[0] for r in rows}


def undispute_orphans(conn: Connection, festival_id: str) -> int:
    """Disputed lines no other enterprise's file holds any more (its file taken out, or the
    dispute settled) count again."""
    return int(
        conn.execute(
            sa.text(
                "UPDATE order_line SET claim = NULL WHERE festival_id = :f AND claim = 'disputed' "
                f"AND NOT EXISTS (SELECT 1 FROM order_line k WHERE {_SAME_KEY} "
                "AND k.enterprise_id <> order_line.enterprise_id "
                "AND (k.claim IS NULL OR k.claim = 'disputed'))"
            ),
            {"f": festival_id},
        ).rowcount
        or 0
    )


def settle(
    conn: Connection,
    festival_id: str,
    keep: str,
    against: str | None,
    settled_by: str,
    reason: str | None = None,
) -> dict[str, Any]:
    """In `conn`'s transaction: the lines `keep` and `against` (any other enterprise, without
    it) both hold count for `keep` from now on; the others' copies are 'lost'.  Audited in
    `sales_settlement`; the rollup of those orders is made afresh; a new data version."""
    lock_state(conn, festival_id)
    params = {"f": festival_id, "keep": keep, "against": against}
    theirs = "k.enterprise_id = :against" if against else "k.enterprise_id <> :keep"
    mine = "k.enterprise_id = :keep"
    # the keeper's disputed lines that the other side holds too
    disputed = (
        "order_line.claim = 'disputed' AND EXISTS (SELECT 1 FROM order_line k WHERE "
        f"{_SAME_KEY} AND k.claim = 'disputed' AND {{side}})"
    )
    touched = touch_orders(
        conn,
        "SELECT DISTINCT platform, order_id FROM order_line WHERE festival_id = :f "
        "AND enterprise_id = :keep AND " + disputed.format(side=theirs),
        params,
    )
    if touched == 0:
        between = f"{keep!r} and {against!r}" if against else f"{keep!r} and another enterprise"
        raise NotFound(
            f"no disputed order line between {between} in festival {festival_id!r}",
            field="against" if against else "keep",
        )
    lost_rows = conn.execute(
        sa.text(
            "SELECT enterprise_id, count(*) AS n FROM order_line WHERE festival_id = :f AND "
            + ("enterprise_id = :against" if against else "enterprise_id <> :keep")
            + " AND "
            + disputed.format(side=mine)
            + " GROUP BY enterprise_id ORDER BY enterprise_id"
        ),
        params,
    ).all()
    conn.execute(
        sa.text(
            "UPDATE order_line SET claim = 'lost' WHERE festival_id = :f AND "
            + ("enterprise_id = :against" if against else "enterprise_id <> :keep")
            + " AND "
            + disputed.format(side=mine)
        ),
        params,
    )
    kept = undispute_orphans(conn, festival_id)
    rebuild_orders(conn, festival_id)
    lost = {r.enterprise_id: int(r.n) for r in lost_rows}
    now = utcnow()
    conn.execute(
        sa.insert(SALES_SETTLEMENT).values(
            festival_id=festival_id,
            keep=keep,
            against=against,
            lines=kept,
            lost=lost,
            settled_by=settled_by[:200],
            reason=reason,
            settled_at=now,
        )
    )
    bump(conn, festival_id)
    return {"keep": keep, "against": against, "lines": kept, "lost": lost, "settled_at": now}


def settlements(conn: Connection, festival_id: str, town: str | None = None) -> list[dict]:
    s = SALES_SETTLEMENT
    rows = conn.execute(
        sa.select(s).where(s.c.festival_id == festival_id).order_by(s.c.id)
    ).mappings()
    towns = _towns(conn, festival_id)
    out = []
    for r in rows:
        involved = {r["keep"], *(r["lost"] or {})}
        if town is not None and town not in {towns.get(e) for e in involved}:
            continue
        out.append(
            {
                k: r[k]
                for k in (
                    "id",
                    "keep",
                    "against",
                    "lines",
                    "lost",
                    "settled_by",
                    "reason",
                    "settled_at",
                )
            }
        )
    return out


# -- at ingest: in the ingest's transaction, with the staged batch in `_order_line_stage`;
# params f (festival), p (platform), e (enterprise), file (the file's id)


def note_disputes(conn: Connection, params: Mapping[str, Any]) -> None:
    """The staged lines another enterprise's file also holds (and has not lost in a
    settlement): noted set-wise in `_dispute_key`, marked once the whole file is in."""
    conn.execute(
        sa.text(
            "INSERT INTO _dispute_key (order_id, line_id) SELECT DISTINCT s.order_id, "
            "s.line_id FROM _order_line_stage s JOIN order_line o ON o.festival_id = :f "
            "AND o.platform = :p AND o.order_id = s.order_id AND o.line_id = s.line_id "
            "AND o.enterprise_id <> :e WHERE o.claim IS NULL OR o.claim <> 'lost'"
        ),
        params,
    )


def note_holders(conn: Connection, params: Mapping[str, Any]) -> None:
    """Staged lines the enterprise already had from another file (an export sent again):
    that file is noted as holding them too (files.remove_file)."""
    conn.execute(
        sa.text(
            "INSERT INTO order_line_file (festival_id, platform, order_id, line_id, "
            "enterprise_id, file_id) SELECT :f, :p, s.order_id, s.line_id, :e, :file "
            "FROM _order_line_stage s JOIN order_line o ON o.festival_id = :f "
            "AND o.platform = :p AND o.order_id = s.order_id AND o.line_id = s.line_id "
            "AND o.enterprise_id = :e WHERE o.file_id <> :file ON CONFLICT DO NOTHING"
        ),
        params,
    )


def mark_disputes(conn: Connection, params: Mapping[str, Any]) -> int:
    """The keys noted in `_dispute_key` disputed on every side (but a line this enterprise
    lost in a settlement, sent again: it reopens nothing); the rollup of their orders made
    afresh.  Returns how many of the file's lines are disputed; empties `_dispute_key`."""
    conn.execute(
        sa.text(
            "DELETE FROM _dispute_key WHERE EXISTS (SELECT 1 FROM order_line m "
            "WHERE m.festival_id = :f AND m.platform = :p "
            "AND m.order_id = _dispute_key.order_id AND m.line_id = _dispute_key.line_id "
            "AND m.enterprise_id = :e AND m.claim = 'lost')"
        ),
        params,
    )
    n = int(conn.exec_driver_sql("SELECT count(*) FROM _dispute_key").scalar_one())
    if n == 0:
        return 0
    conn.execute(
        sa.text(
            "UPDATE order_line SET claim = 'disputed' WHERE festival_id = :f "
            "AND platform = :p AND claim IS NULL AND EXISTS (SELECT 1 FROM _dispute_key k "
            "WHERE k.order_id = order_line.order_id AND k.line_id = order_line.line_id)"
        ),
        params,
    )
    touch_orders(conn, "SELECT DISTINCT :p, order_id FROM _dispute_key", params)
    rebuild_orders(conn, params["f"])
    conn.exec_driver_sql("DELETE FROM _dispute_key")
    return n
