"""Storing a parsed export in one transaction: its lines, their rollup, its quarantine.

PostgreSQL, a platform's first lines in the festival: the lines go in by one binary COPY
straight into `order_line` (nothing stored can clash with them, and duplicates inside the
file were already dropped), the rollup by another.  Otherwise, batch by batch: binary COPY
into a staging table; one statement inserts its lines (`ON CONFLICT DO NOTHING`: re-sent
lines are duplicates, and the file is noted as holding them too, `order_line_file`) and adds
exactly the inserted ones to the rollup.  Lines another enterprise's file also holds are
noted set-wise by a join of the staging table; once the file is in, they and the other
enterprise's same lines are marked disputed (they count for neither until an organiser
settles, sales/disputes.py) and their orders' rollup is made afresh.  SQLite takes the second
way with `executemany`.  The festival's sales lock (state.lock_state) is held throughout.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from citylive.sales import copybin
from citylive.sales._tables import QUARANTINED_ROW, SALES_FILE
from citylive.sales.disputes import DISPUTE_DDL, mark_disputes, note_disputes, note_holders
from citylive.sales.rollup import copy_parts, in_key_order, local_hours, parts_of, sqlite_time
from citylive.sales.rows import Refused
from models._types import utcnow

# (column, binary COPY kind) of the parsed lines, in the staging table's order
LINE_FIELDS: list[tuple[str, str]] = [
    ("order_id", "text"),
    ("line_id", "text"),
    ("paid_at", "timestamp"),
    ("amount_fen", "int4"),
    ("refund_fen", "int4"),
    ("quantity", "int4"),
    ("status", "text"),
    ("after_sale", "text"),
    ("stands", "bool"),
    ("streamer_account", "text"),
    ("buyer", "text"),
    ("note", "text"),
    ("product", "text"),
    ("product_title", "text"),
    ("live_room", "bool"),
    ("affiliate", "bool"),
    ("session_id", "text"),
]
STAGE_DDL = (
    "CREATE TEMP TABLE IF NOT EXISTS _order_line_stage (order_id text, line_id text, "
    "paid_at {ts}, amount_fen integer, refund_fen integer, quantity integer, status text, "
    "after_sale text, stands boolean, streamer_account text, buyer text, note text, "
    "product text, product_title text, live_room boolean, affiliate boolean, session_id text, "
    "row_number bigint, local_hour {lh})"
)
_COLS = ", ".join(n for n, _ in LINE_FIELDS)
_ROLLUP_SET = (
    "paid_at = {least}(order_rollup.paid_at, excluded.paid_at), "
    "buyer = {least}(order_rollup.buyer, excluded.buyer), "
    "gmv_fen = order_rollup.gmv_fen + excluded.gmv_fen, "
    "net_fen = order_rollup.net_fen + excluded.net_fen, "
    "units = order_rollup.units + excluded.units, "
    "lines = order_rollup.lines + excluded.lines, "
    "refunded = {either}"
)
_ROLLUP_KEY = "(festival_id, platform, order_id, enterprise_id, session_key, local_hour)"
_ROLLUP_COLS = (
    "festival_id, platform, enterprise_id, order_id, session_key, local_hour, paid_at, buyer, "
    "gmv_fen, net_fen, units, lines, refunded"
)


@dataclass
class Target:
    """Where a file's lines go."""

    festival_id: str
    platform: str
    enterprise_id: str
    file_id: int
    tz: str
    headers: list[str]


@dataclass
class Written:
    stored: int = 0
    attributed: int = 0
    disputed: int = 0  # of the file's lines, those another enterprise's file also holds


def festival_has_platform(conn: Connection, festival_id: str, platform: str) -> bool:
    return (
        conn.execute(
            sa.text("SELECT 1 FROM order_line WHERE festival_id = :f AND platform = :p LIMIT 1"),
            {"f": festival_id, "p": platform},
        ).first()
        is not None
    )


def others_on_platform(conn: Connection, t: Target) -> bool:
    """Whether another enterprise has lines on this platform (else nothing can clash)."""
    return (
        conn.execute(
            sa.text(
                "SELECT 1 FROM order_line WHERE festival_id = :f AND platform = :p "
                "AND enterprise_id <> :e LIMIT 1"
            ),
            {"f": t.festival_id, "p": t.platform, "e": t.enterprise_id},
        ).first()
        is not None
    )


def copy_fresh(conn: Connection, t: Target, batches: list[pa.Table]) -> Written:
    """PostgreSQL, the platform's first lines in the festival: COPY lines and rollup."""
    cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    consts = [
        (pa.scalar(t.festival_id), "text"),
        (pa.scalar(t.platform), "text"),
        (pa.scalar(t.enterprise_id), "text"),
        (pa.scalar(t.file_id), "int4"),
    ]
    out = Written()
    cols = "festival_id, platform, enterprise_id, file_id, " + _COLS
    # the rollup is summed (pyarrow, which lets go of the GIL) while the lines are sent
    with ThreadPoolExecutor(1, thread_name_prefix="citylive-rollup") as pool:
        parts = pool.submit(lambda: in_key_order(parts_of(_for_rollup(t, batches), t.tz)))
        with cur.copy(f"COPY order_line ({cols}) FROM STDIN (FORMAT BINARY)") as cp:
            cp.write(copybin.HEADER)
            for batch in batches:
                cp.write(copybin.rows(consts + [(batch[n], k) for n, k in LINE_FIELDS]))
                out.stored += batch.num_rows
                out.attributed += batch.num_rows - batch["session_id"].null_count
            cp.write(copybin.TRAILER)
        copy_parts(conn, t.festival_id, parts.result(), ordered=True)
    return out


def _for_rollup(t: Target, batches: list[pa.Table]) -> pa.Table:
    names = ["order_id", "session_id", "paid_at", "buyer", "amount_fen", "stands", "quantity"]
    table = pa.concat_tables([b.select(names) for b in batches]) if batches else None
    if table is None:
        return pa.table({n: [] for n in names})
    n = table.num_rows
    return table.append_column("platform", pa.array([t.platform] * n)).append_column(
        "enterprise_id", pa.array([t.enterprise_id] * n)
    )


class StagedWriter:
    """Batches through a staging table (PostgreSQL and SQLite)."""

    def __init__(self, conn: Connection, t: Target, check_clashes: bool):
        self.conn = conn
        self.t = t
        self.pg = conn.dialect.name == "postgresql"
        self.check_clashes = check_clashes
        self.cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        self.cur.execute(
            STAGE_DDL.format(
                ts="timestamptz" if self.pg else "text", lh="timestamp" if self.pg else "text"
            )
        )
        self.cur.execute("DELETE FROM _order_line_stage")
        self.cur.execute(DISPUTE_DDL)  # disputes.py fills and empties it
        self.cur.execute("DELETE FROM _dispute_key")
        self.out = Written()

    def add(self, batch: pa.Table) -> None:
        self._stage(batch)
        before = self.out.stored
        if self.pg:
            self._insert_pg()
        else:
            self._insert_sqlite()
        if self.out.stored - before < batch.num_rows:
            note_holders(self.conn, self._params())
        if self.check_clashes:
            note_disputes(self.conn, self._params())
        self.cur.execute("DELETE FROM _order_line_stage")

    def _stage(self, batch: pa.Table) -> None:
        hours = local_hours(batch["paid_at"], self.t.tz)
        if self.pg:
            cols = [(batch[n], k) for n, k in LINE_FIELDS] + [
                (batch["row_number"], "int8"),
                (hours, "timestamp"),
            ]
            names = _COLS + ", row_number, local_hour"
            with self.cur.copy(
                f"COPY _order_line_stage ({names}) FROM STDIN (FORMAT BINARY)"
            ) as cp:
                cp.write(copybin.HEADER)
                cp.write(copybin.rows(cols))
                cp.write(copybin.TRAILER)
            if self.check_clashes:
                self.cur.execute("ANALYZE _order_line_stage")
            return
        values = []
        for n, _ in LINE_FIELDS:
            col = batch[n]
            values.append((sqlite_time(col) if n == "paid_at" else col).to_pylist())
        values.append(batch["row_number"].to_pylist())
        values.append(sqlite_time(hours).to_pylist())
        marks = ", ".join("?" * (len(LINE_FIELDS) + 2))
        self.cur.executemany(
            f"INSERT INTO _order_line_stage ({_COLS}, row_number, local_hour) VALUES ({marks})",
            list(zip(*values, strict=True)),
        )

    def _params(self) -> dict[str, Any]:
        t = self.t
        return {
            "f": t.festival_id,
            "p": t.platform,
            "e": t.enterprise_id,
            "file": t.file_id,
            "tz": t.tz,
        }

    def finish(self) -> int:
        """Mark the file's disputed lines, and the other enterprises' same lines, as disputed
        (they count for neither until settled); their orders' rollup is made afresh.  Returns
        how many of the file's lines are disputed."""
        if not self.check_clashes:
            return 0
        return mark_disputes(self.conn, self._params())

    def _insert_pg(self) -> None:
        either = "order_rollup.refunded OR excluded.refunded"
        sql = (
            "WITH ins AS (INSERT INTO order_line (festival_id, platform, enterprise_id, file_id, "
            f"{_COLS}) SELECT %(f)s, %(p)s, %(e)s, %(file)s, {_COLS} FROM _order_line_stage "
            "ON CONFLICT DO NOTHING RETURNING order_id, session_id, paid_at, amount_fen, stands, "
            "quantity, buyer), "
            "parts AS (SELECT order_id, coalesce(session_id, '') AS session_key, "
            "date_trunc('hour', paid_at AT TIME ZONE %(tz)s) AS local_hour, "
            "min(paid_at) AS paid_at, min(coalesce(buyer, '#' || order_id) COLLATE \"C\") AS buyer, "
            "sum(amount_fen) AS gmv, sum(CASE WHEN stands THEN amount_fen ELSE 0 END) AS net, "
            "sum(quantity) AS units, count(*) AS lines, bool_or(NOT stands) AS refunded "
            "FROM ins WHERE paid_at IS NOT NULL GROUP BY 1, 2, 3), "
            f"up AS (INSERT INTO order_rollup ({_ROLLUP_COLS}) SELECT %(f)s, %(p)s, %(e)s, "
            "order_id, session_key, local_hour, paid_at, buyer, gmv, net, units, lines, refunded "
            f"FROM parts ON CONFLICT {_ROLLUP_KEY} DO UPDATE SET "
            + _ROLLUP_SET.format(least="least", either=either).replace(
                "least(order_rollup.buyer, excluded.buyer)",
                'least(order_rollup.buyer COLLATE "C", excluded.buyer COLLATE "C")',
            )
            + " RETURNING 1) "
            "SELECT (SELECT count(*) FROM ins), (SELECT count(session_id) FROM ins), "
            "(SELECT count(*) FROM up)"
        )
        self.cur.execute(sql, self._params())
        stored, attributed, _ = self.cur.fetchone()
        self.out.stored += int(stored)
        self.out.attributed += int(attributed)

    def _insert_sqlite(self) -> None:
        p = self._params()
        cur = self.cur
        cur.execute(
            f"INSERT INTO order_line (festival_id, platform, enterprise_id, file_id, {_COLS}) "
            f"SELECT ?, ?, ?, ?, {_COLS} FROM _order_line_stage WHERE true ON CONFLICT DO NOTHING",
            (p["f"], p["p"], p["e"], p["file"]),
        )
        self.out.stored += cur.rowcount
        either = "max(order_rollup.refunded, excluded.refunded)"
        cur.execute(
            f"INSERT INTO order_rollup ({_ROLLUP_COLS}) SELECT ?, ?, ?, s.order_id, "
            "coalesce(s.session_id, ''), s.local_hour, min(s.paid_at), "
            "min(coalesce(s.buyer, '#' || s.order_id)), sum(s.amount_fen), "
            "sum(CASE WHEN s.stands THEN s.amount_fen ELSE 0 END), sum(s.quantity), count(*), "
            "max(NOT s.stands) FROM _order_line_stage s JOIN order_line l "
            "ON l.festival_id = ? AND l.platform = ? AND l.enterprise_id = ? "
            "AND l.order_id = s.order_id AND l.line_id = s.line_id AND l.file_id = ? "
            "WHERE s.paid_at IS NOT NULL GROUP BY s.order_id, coalesce(s.session_id, ''), "
            f"s.local_hour ON CONFLICT {_ROLLUP_KEY} DO UPDATE SET "
            + _ROLLUP_SET.format(least="min", either=either),
            (p["f"], p["p"], p["e"], p["f"], p["p"], p["e"], p["file"]),
        )
        cur.execute(
            "SELECT count(*) FROM _order_line_stage s JOIN order_line l ON l.festival_id = ? "
            "AND l.platform = ? AND l.enterprise_id = ? AND l.order_id = s.order_id "
            "AND l.line_id = s.line_id AND l.file_id = ? AND l.session_id IS NOT NULL",
            (p["f"], p["p"], p["e"], p["file"]),
        )
        self.out.attributed += int(cur.fetchone()[0])


def new_file(
    conn: Connection, t: Target, filename: str, sha256: str, store: str | None = None
) -> int:
    """The file's row (a collective store's file names its store, not one enterprise)."""
    return int(
        conn.execute(
            sa.insert(SALES_FILE).values(
                festival_id=t.festival_id,
                enterprise_id=None if store else t.enterprise_id,
                collective_store=store,
                platform=t.platform,
                filename=filename[:200],
                sha256=sha256,
                ingested_at=utcnow(),
            )
        ).inserted_primary_key[0]  # type: ignore[index]
    )


def write_quarantine(
    conn: Connection, festival_id: str, file_id: int, refused_path: Path | None, more: list[Refused]
) -> int:
    """The refused rows (a JSONL spill of the parse, and the clashes), in chunks."""
    n = 0
    chunk: list[dict[str, Any]] = []

    def flush() -> None:
        if chunk:
            conn.execute(sa.insert(QUARANTINED_ROW), chunk)
            chunk.clear()

    def rows() -> Any:
        if refused_path is not None and refused_path.exists():
            with refused_path.open(encoding="utf-8") as fh:
                for line in fh:
                    d = json.loads(line)
                    yield Refused(d["row_number"], d["reason"], d["raw"], d.get("clash_with"))
        yield from more

    now = utcnow()
    for r in rows():
        chunk.append(
            {
                "festival_id": festival_id,
                "file_id": file_id,
                "row_number": r.row_number,
                "reason": r.reason[:2000],
                "clash_with": r.clash_with,
                "raw": r.raw,
                "created_at": now,
            }
        )
        n += 1
        if len(chunk) >= 5000:
            flush()
    flush()
    return n
