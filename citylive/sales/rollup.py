"""The per-order rollup (`order_rollup`): paid lines summed per order, session and local hour.

Built here from arrow tables of lines: after a first ingest of a platform's lines (copied in
whole) and when the whole festival is rebuilt (a re-attribution, a file removed).  An ingest
that adds lines to a platform already holding some adds to the rollup in SQL instead, from
the lines the database actually stored (writers.py), so a duplicate never counts twice.
"""

from __future__ import annotations

import io
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy.engine import Connection

from citylive.sales import copybin

PART_COLUMNS: list[tuple[str, str]] = [
    ("festival_id", "text"),
    ("platform", "text"),
    ("order_id", "text"),
    ("enterprise_id", "text"),
    ("session_key", "text"),
    ("local_hour", "timestamp"),
    ("paid_at", "timestamp"),
    ("buyer", "text"),
    ("gmv_fen", "int8"),
    ("net_fen", "int8"),
    ("units", "int8"),
    ("lines", "int4"),
    ("refunded", "bool"),
]
LINE_FETCH = {
    "platform": pa.string(),
    "enterprise_id": pa.string(),
    "order_id": pa.string(),
    "line_id": pa.string(),
    "paid_us": pa.int64(),
    "streamer_account": pa.string(),
    "session_id": pa.string(),
    "buyer": pa.string(),
    "amount_fen": pa.int64(),
    "stands": pa.bool_(),
    "quantity": pa.int64(),
    "live_room": pa.bool_(),
    "affiliate": pa.bool_(),
    "claim": pa.string(),
}
# the lines of the orders listed in `_touched_order` (reattribution.rebuild_orders)
TOUCHED = (
    " AND EXISTS (SELECT 1 FROM _touched_order t WHERE t.platform = order_line.platform "
    "AND t.order_id = order_line.order_id)"
)


def local_hours(paid_at: Any, tz: str) -> Any:
    """UTC timestamps -> the wall-clock hour they fall in, in the festival's zone (naive)."""
    local = pc.local_timestamp(pc.cast(paid_at, pa.timestamp("us", tz)))
    return pc.floor_temporal(local, unit="hour")


def parts_of(lines: pa.Table, tz: str) -> pa.Table:
    """Lines (platform, enterprise_id, order_id, session_id, paid_at, buyer, amount_fen,
    stands, quantity) -> rollup rows (without festival_id)."""
    lines = lines.filter(pc.is_valid(lines["paid_at"]))
    if lines.num_rows == 0:
        return pa.table({name: [] for name, _ in PART_COLUMNS[1:]})
    order = lines["order_id"]
    work = pa.table(
        {
            "platform": lines["platform"],
            "order_id": order,
            "enterprise_id": lines["enterprise_id"],
            "session_key": pc.fill_null(lines["session_id"], ""),
            "local_hour": local_hours(lines["paid_at"], tz),
            "paid_at": lines["paid_at"],
            "buyer": pc.coalesce(lines["buyer"], pc.binary_join_element_wise("#", order, "")),
            "amount": lines["amount_fen"],
            "net": pc.if_else(lines["stands"], lines["amount_fen"], 0),
            "units": lines["quantity"],
            "refunded": pc.invert(lines["stands"]),
        }
    )
    # one file's lines share their platform and enterprise: no need to hash them per line
    constant = {
        name: work[name][0].as_py()
        for name in ("platform", "enterprise_id")
        if pc.count_distinct(work[name]).as_py() == 1
    }
    keys = [
        k
        for k in ("platform", "order_id", "enterprise_id", "session_key", "local_hour")
        if k not in constant
    ]
    g = (
        work.drop_columns(list(constant))
        .group_by(keys, use_threads=False)
        .aggregate(
            [
                ("paid_at", "min"),
                ("buyer", "min"),
                ("amount", "sum"),
                ("net", "sum"),
                ("units", "sum"),
                ("amount", "count"),
                ("refunded", "any"),
            ]
        )
    )
    n = g.num_rows

    def key(name: str) -> pa.Array:
        return pa.array([constant[name]] * n, pa.string()) if name in constant else g[name]

    return pa.table(
        {
            "platform": key("platform"),
            "order_id": g["order_id"],
            "enterprise_id": key("enterprise_id"),
            "session_key": g["session_key"],
            "local_hour": g["local_hour"],
            "paid_at": g["paid_at_min"],
            "buyer": g["buyer_min"],
            "gmv_fen": g["amount_sum"],
            "net_fen": g["net_sum"],
            "units": g["units_sum"],
            "lines": g["amount_count"],
            "refunded": g["refunded_any"],
        }
    )


def in_key_order(parts: pa.Table) -> pa.Table:
    """Rollup rows in the key's order: the index then grows at its end instead of splitting
    pages at random."""
    keys = ("platform", "order_id", "enterprise_id", "session_key", "local_hour")
    return parts.sort_by([(k, "ascending") for k in keys]) if parts.num_rows else parts


def copy_parts(conn: Connection, festival_id: str, parts: pa.Table, ordered: bool = False) -> None:
    """Insert rollup rows whose keys are not stored yet (a first ingest, a rebuild)."""
    if parts.num_rows == 0:
        return
    if not ordered:
        parts = in_key_order(parts)
    parts = parts.add_column(0, "festival_id", pa.array([festival_id] * parts.num_rows))
    names = [n for n, _ in PART_COLUMNS]
    if conn.dialect.name == "postgresql":
        cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cur.copy(f"COPY order_rollup ({', '.join(names)}) FROM STDIN (FORMAT BINARY)") as cp:
            cp.write(copybin.HEADER)
            for batch in parts.to_batches(max_chunksize=100_000):
                cp.write(copybin.rows([(batch[n], kind) for n, kind in PART_COLUMNS]))
            cp.write(copybin.TRAILER)
        return
    rows = _sqlite_rows(parts, names)
    marks = ", ".join("?" * len(names))
    cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    cur.executemany(f"INSERT INTO order_rollup ({', '.join(names)}) VALUES ({marks})", rows)
    cur.close()


def sqlite_time(column: Any) -> Any:
    """Timestamps as SQLite keeps them (SQLAlchemy's text form, UTC for aware ones)."""
    if pa.types.is_timestamp(column.type) and column.type.tz is not None:
        column = pc.cast(column, pa.timestamp("us"))
    return pc.strftime(column, format="%Y-%m-%d %H:%M:%S")


def _sqlite_rows(table: pa.Table, names: list[str]) -> list[tuple[Any, ...]]:
    cols = []
    for n in names:
        c = table[n]
        if pa.types.is_timestamp(c.type):
            c = sqlite_time(c)
        cols.append(c.to_pylist())
    return list(zip(*cols, strict=True))


def fetch_lines(conn: Connection, festival_id: str, where: str = "") -> pa.Table:
    """Every stored line of the festival with what attribution and the rollup need (`where`:
    a further condition of this module's, such as TOUCHED)."""
    cols = ", ".join(c for c in LINE_FETCH if c != "paid_us")
    if conn.dialect.name == "postgresql":
        sql = (
            f"COPY (SELECT {cols}, (extract(epoch FROM paid_at) * 1000000)::bigint AS paid_us "
            f"FROM order_line WHERE festival_id = %s{where}) TO STDOUT (FORMAT CSV, HEADER)"
        )
        cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        buf = io.BytesIO()
        with cur.copy(sql, (festival_id,)) as cp:
            for chunk in cp:
                buf.write(chunk)
        buf.seek(0)
        table = pacsv.read_csv(
            buf,
            convert_options=pacsv.ConvertOptions(
                column_types=LINE_FETCH,
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
                true_values=["t"],
                false_values=["f"],
            ),
        )
        # COPY writes NULL as an empty unquoted field and '' as a quoted one
    else:
        cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cur.execute(
            f"SELECT {cols}, paid_at FROM order_line WHERE festival_id = ?{where}", (festival_id,)
        )
        rows = cur.fetchall()
        cur.close()
        types = {**LINE_FETCH, "paid_us": pa.string()}
        names = [c for c in LINE_FETCH if c != "paid_us"] + ["paid_us"]
        columns = {n: [r[i] for r in rows] for i, n in enumerate(names)}
        for name in ("stands", "live_room", "affiliate"):
            columns[name] = [None if v is None else bool(v) for v in columns[name]]
        table = pa.table({n: pa.array(v, types[n]) for n, v in columns.items()})
        # SQLite keeps UTC text; arrow reads it as exactly as it was written
        text = table["paid_us"]
        table = table.set_column(
            table.schema.get_field_index("paid_us"),
            "paid_us",
            pc.cast(pc.cast(text, pa.timestamp("us")), pa.int64()),
        )
    paid = pc.cast(table["paid_us"], pa.timestamp("us", "UTC"))
    return table.drop_columns(["paid_us"]).append_column("paid_at", paid)
