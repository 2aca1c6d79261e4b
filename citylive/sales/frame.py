"""The festival's per-order rollup, loaded once per data version into columns (numpy), where
every summary, lift and retention figure is a few sorts and counts.

Measured on one million lines (bench/RESULTS.md): PostgreSQL needs about a second of CPU per
two-level GROUP BY (order -> buyer -> group) over the 625,000 rollup rows, whatever the key,
and the report needs a dozen of them; loading the rollup costs about as much as one, and each
figure from the loaded columns a few tens of milliseconds.  The loaded frame is kept per
process for its stamp (state.py), so a second figure at the same data version does not load
it again.

Sums are exact: integer fen, added as int64 (numpy), never as floats.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from citylive.sales._tables import ENTERPRISE, FESTIVAL_SESSION, TOWN

KEEP = 2  # frames kept per process (a festival's current one and the one before)
_COLUMNS = {
    "platform": pa.string(),
    "enterprise_id": pa.string(),
    "session_key": pa.string(),
    "buyer": pa.string(),
    "hour_us": pa.int64(),
    "paid_us": pa.int64(),
    "gmv": pa.int64(),
    "net": pa.int64(),
    "units": pa.int64(),
    "refunded": pa.bool_(),
}
_US_PER_DAY = 86_400_000_000


def _codes(array: Any) -> tuple[np.ndarray, list[Any]]:
    """Dictionary codes (int64) and the values they stand for."""
    encoded = pc.dictionary_encode(array).combine_chunks()
    return (
        encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64),
        encoded.dictionary.to_pylist(),
    )


@dataclass
class Frame:
    """One festival's rollup rows (orders) as columns; codes index the lists beside them."""

    n: int
    platform: np.ndarray
    platforms: list[str]
    enterprise: np.ndarray
    enterprises: list[str]
    session: np.ndarray  # -1: off-session
    sessions: list[str]
    buyer: np.ndarray  # a code per (platform, buyer account)
    named: np.ndarray  # the export named the buyer (else the order is its own buyer)
    buyer_names: list[str]
    hour: np.ndarray  # local wall-clock microseconds since 1970, whole hours
    paid: np.ndarray  # UTC microseconds since 1970
    gmv: np.ndarray
    net: np.ndarray
    units: np.ndarray
    refunded: np.ndarray

    @property
    def day(self) -> np.ndarray:
        """Local days since 1970-01-01."""
        return self.hour // _US_PER_DAY

    def per_enterprise(self, values: dict[str, str]) -> tuple[np.ndarray, list[str]]:
        """An enterprise attribute (town, industry) per row, as codes into the sorted values;
        -2 for an enterprise no longer in the festival (its orders count nowhere)."""
        names = sorted(set(values.values()))
        index = {v: i for i, v in enumerate(names)}
        table = np.array(
            [index[values[e]] if e in values else -2 for e in self.enterprises] + [-2],
            dtype=np.int64,
        )
        return table[self.enterprise], names

    def per_session(self, values: dict[str, str]) -> tuple[np.ndarray, list[str]]:
        """A session attribute (streamer, venue) per row; -1 off-session or unknown."""
        names = sorted(set(values.values()))
        index = {v: i for i, v in enumerate(names)}
        table = np.array(
            [index[values[sid]] if sid in values else -1 for sid in self.sessions] + [-1],
            dtype=np.int64,
        )
        return table[self.session], names  # code -1 picks the last entry: -1


def _fetch(conn: Connection, festival_id: str) -> pa.Table:
    cols = "platform, enterprise_id, session_key, buyer"
    if conn.dialect.name == "postgresql":
        sql = (
            f"COPY (SELECT {cols}, (extract(epoch FROM local_hour) * 1000000)::bigint, "
            "(extract(epoch FROM paid_at) * 1000000)::bigint, gmv_fen, net_fen, units, refunded "
            "FROM order_rollup WHERE festival_id = %s) TO STDOUT (FORMAT CSV)"
        )
        cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        buf = io.BytesIO()
        with cur.copy(sql, (festival_id,)) as cp:
            for chunk in cp:
                buf.write(chunk)
        if not buf.tell():
            return pa.table({n: pa.array([], t) for n, t in _COLUMNS.items()})
        buf.seek(0)
        return pacsv.read_csv(
            buf,
            read_options=pacsv.ReadOptions(column_names=list(_COLUMNS)),
            convert_options=pacsv.ConvertOptions(
                column_types=_COLUMNS,
                strings_can_be_null=False,
                true_values=["t"],
                false_values=["f"],
            ),
        )
    cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    cur.execute(
        f"SELECT {cols}, local_hour, paid_at, gmv_fen, net_fen, units, refunded "
        "FROM order_rollup WHERE festival_id = ?",
        (festival_id,),
    )
    rows = cur.fetchall()
    cur.close()
    names = list(_COLUMNS)
    data: dict[str, Any] = {n: [r[i] for r in rows] for i, n in enumerate(names)}
    for name in ("hour_us", "paid_us"):  # SQLite keeps SQLAlchemy's text form
        text = pa.array(data[name], pa.string())
        data[name] = pc.cast(pc.cast(text, pa.timestamp("us")), pa.int64())
    data["refunded"] = [bool(v) for v in data["refunded"]]
    return pa.table({n: pa.array(v, _COLUMNS[n]) for n, v in data.items()})


def load_frame(conn: Connection, festival_id: str) -> Frame:
    t = _fetch(conn, festival_id)
    n = t.num_rows
    platform, platforms = _codes(t["platform"])
    enterprise, enterprises = _codes(t["enterprise_id"])
    session_codes, sessions = _codes(t["session_key"])
    if "" in sessions:  # off-session rows: -1
        off = sessions.index("")
        session_codes = np.where(session_codes == off, -1, session_codes)
        session_codes = np.where(session_codes > off, session_codes - 1, session_codes)
        sessions.pop(off)
    # A buyer is (platform, account); an unnamed one ('#order') is never anyone else.
    buyer_codes, buyer_names = _codes(
        pc.binary_join_element_wise(t["platform"], t["buyer"], "\x1f")
    )
    named = np.logical_not(pc.starts_with(t["buyer"], "#").to_numpy(zero_copy_only=False))

    def ints(name: str) -> np.ndarray:
        return t[name].to_numpy().astype(np.int64) if n else np.zeros(0, dtype=np.int64)

    return Frame(
        n,
        platform,
        platforms,
        enterprise,
        enterprises,
        session_codes,
        sessions,
        buyer_codes,
        named if n else np.zeros(0, dtype=bool),
        buyer_names,
        ints("hour_us"),
        ints("paid_us"),
        ints("gmv"),
        ints("net"),
        ints("units"),
        t["refunded"].to_numpy(zero_copy_only=False).astype(bool) if n else np.zeros(0, dtype=bool),
    )


_frames: OrderedDict[tuple[str, str], tuple[str, Frame]] = OrderedDict()
_lock = threading.Lock()


def frame_at(conn: Connection, festival_id: str, stamp: str) -> Frame:
    """The festival's frame at this stamp: loaded once, then kept (a few per process)."""
    key = (conn.engine.url.render_as_string(hide_password=True), festival_id)
    with _lock:
        kept = _frames.get(key)
        if kept is not None and kept[0] == stamp:
            _frames.move_to_end(key)
            return kept[1]
    frame = load_frame(conn, festival_id)
    with _lock:
        _frames[key] = (stamp, frame)
        _frames.move_to_end(key)
        while len(_frames) > KEEP:
            _frames.popitem(last=False)
    return frame


def add_by(codes: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Exact int64 sums of `values` per code (0..size-1)."""
    out = np.zeros(size, dtype=np.int64)
    np.add.at(out, codes, values)
    return out


def distinct_by(codes: np.ndarray, items: np.ndarray, size: int) -> np.ndarray:
    """How many distinct items per code."""
    if codes.size == 0:
        return np.zeros(size, dtype=np.int64)
    pairs = np.unique(codes.astype(np.int64) * (int(items.max()) + 1) + items)
    return np.bincount(pairs // (int(items.max()) + 1), minlength=size).astype(np.int64)


def enterprise_attributes(conn: Connection, festival_id: str) -> dict[str, dict[str, str]]:
    """Each enterprise's town, industry and district (its town's; only the enterprises whose
    town belongs to a district)."""
    e, t = ENTERPRISE, TOWN
    rows = conn.execute(
        sa.select(e.c.id, e.c.town_id, e.c.industry_id, t.c.district_id)
        .select_from(
            e.outerjoin(t, sa.and_(t.c.festival_id == e.c.festival_id, t.c.id == e.c.town_id))
        )
        .where(e.c.festival_id == festival_id)
    ).all()
    return {
        "town": {r.id: r.town_id for r in rows},
        "industry": {r.id: r.industry_id for r in rows},
        "district": {r.id: r.district_id for r in rows if r.district_id is not None},
    }


def session_attributes(conn: Connection, festival_id: str) -> dict[str, dict[str, str]]:
    s = FESTIVAL_SESSION
    rows = conn.execute(
        sa.select(s.c.id, s.c.streamer, s.c.venue).where(s.c.festival_id == festival_id)
    ).all()
    return {"streamer": {r.id: r.streamer for r in rows}, "venue": {r.id: r.venue for r in rows}}
