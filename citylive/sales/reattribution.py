"""Attributing the stored lines afresh, and rebuilding the rollup from them.

Runs when what the attribution depends on has changed (a re-plan moved, added or cancelled
sessions; a streamer's account changed in the festival file; a decline took a session off
the air), found by `state.ensure_current` before any figure is read, or called directly after
a re-plan.  Also after a file is removed: its lines go, and the rollup is rebuilt without them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from citylive.festival.storage import load_stored_festival
from citylive.sales import copybin
from citylive.sales._tables import FESTIVAL, ORDER_ROLLUP
from citylive.sales.attribution import SessionWindows
from citylive.sales.rollup import TOUCHED, copy_parts, fetch_lines, parts_of
from citylive.sales.state import bump


def match_all(lines: pa.Table, windows: SessionWindows) -> pa.Array:
    """The session of every line (lines of any enterprise and platform)."""
    n = lines.num_rows
    if n == 0:
        return pa.array([], pa.string())
    keys = pc.binary_join_element_wise(lines["enterprise_id"], lines["platform"], "\x1f")
    keys = keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys
    encoded = keys.dictionary_encode()
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    pieces: list[pa.Array] = []
    for idx in np.split(order, bounds):
        e, p = encoded.dictionary[int(codes[idx[0]])].as_py().split("\x1f")
        take = pa.array(idx)
        pieces.append(
            windows.for_key(e, p).match_columns(
                lines["paid_at"].take(take),
                lines["streamer_account"].take(take),
                lines["live_room"].take(take),
                lines["affiliate"].take(take),
            )
        )
    matched = pa.concat_arrays([p.cast(pa.string()) for p in pieces])
    return matched.take(pa.array(np.argsort(order, kind="stable")))


def reattribute_locked(conn: Connection, festival_id: str, basis: str | None) -> int:
    """Attribute every line of the festival afresh and rebuild its rollup, in `conn`'s
    transaction (which holds the sales lock); returns how many lines changed session."""
    with Session(bind=conn) as db:
        festival = load_stored_festival(db, festival_id)
        windows = SessionWindows.load(db=db, festival=festival)
    lines = fetch_lines(conn, festival_id)
    fresh = match_all(lines, windows)
    old = lines["session_id"]
    same = pc.fill_null(pc.equal(old, fresh), False)
    both_null = pc.and_(pc.is_null(old), pc.is_null(fresh))
    changed = pc.invert(pc.or_(same, both_null))
    moved = lines.filter(changed).append_column("fresh", fresh.filter(changed))
    if moved.num_rows:
        _write_sessions(conn, festival_id, moved)
    lines = lines.set_column(lines.schema.get_field_index("session_id"), "session_id", fresh)
    rebuild_rollup(conn, festival_id, lines, festival.tz.key)
    bump(conn, festival_id, basis)
    return moved.num_rows


def counted(lines: pa.Table) -> pa.Table:
    """The lines that count (not disputed between two enterprises, not settled for another)."""
    return lines.filter(pc.is_null(lines["claim"]))


def rebuild_rollup(conn: Connection, festival_id: str, lines: pa.Table, tz: str) -> None:
    conn.execute(sa.delete(ORDER_ROLLUP).where(ORDER_ROLLUP.c.festival_id == festival_id))
    copy_parts(conn, festival_id, parts_of(counted(lines), tz))


TOUCHED_DDL = "CREATE TEMP TABLE IF NOT EXISTS _touched_order (platform text, order_id text)"


def touch_orders(conn: Connection, select_sql: str, params: Mapping[str, Any]) -> int:
    """Note the orders (platform, order id) a SELECT names for `rebuild_orders`."""
    conn.exec_driver_sql(TOUCHED_DDL)
    conn.execute(sa.text(f"INSERT INTO _touched_order (platform, order_id) {select_sql}"), params)
    return int(conn.exec_driver_sql("SELECT count(*) FROM _touched_order").scalar_one())


def rebuild_orders(conn: Connection, festival_id: str) -> None:
    """The rollup of the orders in `_touched_order` (see touch_orders), afresh from their lines
    that count; the rest of the rollup is left as it is.  Empties `_touched_order`."""
    conn.exec_driver_sql(TOUCHED_DDL)
    tz: str = conn.execute(
        sa.select(FESTIVAL.c.timezone).where(FESTIVAL.c.id == festival_id)
    ).scalar_one()
    conn.execute(
        sa.text(
            "DELETE FROM order_rollup WHERE festival_id = :f AND EXISTS (SELECT 1 FROM "
            "_touched_order t WHERE t.platform = order_rollup.platform "
            "AND t.order_id = order_rollup.order_id)"
        ),
        {"f": festival_id},
    )
    lines = fetch_lines(conn, festival_id, TOUCHED)
    copy_parts(conn, festival_id, parts_of(counted(lines), tz))
    conn.exec_driver_sql("DELETE FROM _touched_order")


def rebuild_from_stored(conn: Connection, festival_id: str) -> None:
    """The rollup from the lines as stored (their sessions unchanged)."""
    tz: str = conn.execute(
        sa.select(FESTIVAL.c.timezone).where(FESTIVAL.c.id == festival_id)
    ).scalar_one()
    rebuild_rollup(conn, festival_id, fetch_lines(conn, festival_id), tz)


def _write_sessions(conn: Connection, festival_id: str, moved: pa.Table) -> None:
    keys = ["platform", "order_id", "line_id", "enterprise_id"]
    if conn.dialect.name == "postgresql":
        cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS _session_move (platform text, order_id text, "
            "line_id text, enterprise_id text, session_id text) ON COMMIT DROP"
        )
        with cur.copy("COPY _session_move FROM STDIN (FORMAT BINARY)") as cp:
            cp.write(copybin.HEADER)
            for batch in moved.to_batches(max_chunksize=100_000):
                cols = [(batch[k], "text") for k in keys] + [(batch["fresh"], "text")]
                cp.write(copybin.rows(cols))
            cp.write(copybin.TRAILER)
        cur.execute(
            "UPDATE order_line o SET session_id = m.session_id FROM _session_move m "
            "WHERE o.festival_id = %s AND o.platform = m.platform AND o.order_id = m.order_id "
            "AND o.line_id = m.line_id AND o.enterprise_id = m.enterprise_id",
            (festival_id,),
        )
        cur.execute("DROP TABLE _session_move")
        return
    rows = zip(
        moved["fresh"].to_pylist(),
        [festival_id] * moved.num_rows,
        *[moved[k].to_pylist() for k in keys],
        strict=True,
    )
    cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    cur.executemany(
        "UPDATE order_line SET session_id = ? WHERE festival_id = ? AND platform = ? "
        "AND order_id = ? AND line_id = ? AND enterprise_id = ?",
        list(rows),
    )
    cur.close()
