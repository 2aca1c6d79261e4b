"""The festival's sales data version: the lock, the stamp, and what the attribution rests on.

Every write that can change a figure (an ingest, a figures upload, a re-attribution, a file
removed) makes a new version in `sales_state`, in its own transaction.  A cached figure is
read back only at the stamp it was computed at: the version, plus fingerprints of the
sessions and of the festival file, since a re-plan or a re-import changes what a summary
groups by without touching a sales row.

`basis` records what the stored attribution was computed against (the sessions on air, their
times and streamers, the streamers' accounts, the grace minutes).  When it no longer matches,
the lines are attributed afresh before any figure is read (cache.py, with reattribution.py),
so a re-plan that moves sessions moves their sales with them, whoever calls first.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from citylive.config import get_settings
from citylive.errors import NotFound
from citylive.sales._tables import FESTIVAL, FESTIVAL_SESSION, SALES_CACHE, SALES_STATE
from citylive.sales.attribution import ON_AIR_STATUSES
from models._types import utcnow


@dataclass(frozen=True)
class Basis:
    attribution: str  # what the stored session of each line depends on
    figures: str  # what any figure depends on besides the sales rows


def digest(parts: Any) -> str:
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def current_basis(conn: Connection, festival_id: str) -> Basis:
    f = FESTIVAL
    festival = conn.execute(
        sa.select(f.c.source_sha256, f.c.timezone).where(f.c.id == festival_id)
    ).first()
    if festival is None:
        raise NotFound(f"no festival {festival_id!r}", field="fid")
    grace = get_settings().attribution_grace_minutes
    if conn.dialect.name == "postgresql":
        # fingerprinted in the database: a festival's thousands of sessions never leave it
        on_air, every = _session_digests_pg(conn, festival_id)
    else:
        on_air, every = _session_digests(conn, festival_id)
    attribution = digest([festival.source_sha256, grace, on_air])
    figures = digest([attribution, every])
    return Basis(attribution, figures)


_SESSION_FIELDS = ("id", "enterprise", "platform", "streamer", "start", "end")
_FIGURE_FIELDS = ("status", "venue", "town", "industry")


def _session_digests(conn: Connection, festival_id: str) -> tuple[str, str]:
    s = FESTIVAL_SESSION
    cols = [s.c[name] for name in _SESSION_FIELDS + _FIGURE_FIELDS]
    rows = conn.execute(
        sa.select(*cols).where(s.c.festival_id == festival_id).order_by(s.c.id)
    ).all()

    def text(r: Any, fields: tuple[str, ...]) -> str:
        return "|".join(
            str(int(v.timestamp())) if name in ("start", "end") else str(v)
            for name, v in zip(fields, r, strict=False)
        )

    on_air = ",".join(text(r, _SESSION_FIELDS) for r in rows if str(r.status) in ON_AIR_STATUSES)
    every = ",".join(text(r, _SESSION_FIELDS + _FIGURE_FIELDS) for r in rows)
    return hashlib.md5(on_air.encode()).hexdigest(), hashlib.md5(every.encode()).hexdigest()


def _session_digests_pg(conn: Connection, festival_id: str) -> tuple[str, str]:
    def text(fields: tuple[str, ...]) -> str:
        parts = [
            f'extract(epoch FROM "{f}")::bigint::text' if f in ("start", "end") else f'"{f}"'
            for f in fields
        ]
        return "concat_ws('|', " + ", ".join(parts) + ")"

    statuses = ", ".join(f"'{x}'" for x in ON_AIR_STATUSES)
    row = conn.execute(
        sa.text(
            f"SELECT md5(coalesce(string_agg({text(_SESSION_FIELDS)}, ',' ORDER BY id) "
            f"FILTER (WHERE status IN ({statuses})), '')), "
            f"md5(coalesce(string_agg({text(_SESSION_FIELDS + _FIGURE_FIELDS)}, ',' ORDER BY id), '')) "
            "FROM festival_session WHERE festival_id = :f"
        ),
        {"f": festival_id},
    ).one()
    return str(row[0]), str(row[1])


def lock_state(conn: Connection, festival_id: str) -> tuple[int, str | None]:
    """Take the festival's sales write lock for the rest of `conn`'s transaction (creating
    its state row if need be); returns (version, basis).  Ingests, re-attributions and file
    removals of one festival run one at a time."""
    st = SALES_STATE
    if conn.dialect.name == "sqlite":
        raw = conn.connection.dbapi_connection
        if raw is not None and not raw.in_transaction:  # type: ignore[attr-defined]
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        conn.exec_driver_sql(
            "INSERT INTO sales_state (festival_id, version, updated_at) VALUES (?, 0, ?) "
            "ON CONFLICT (festival_id) DO NOTHING",
            (festival_id, utcnow().strftime("%Y-%m-%d %H:%M:%S.%f")),
        )
        query = sa.select(st.c.version, st.c.basis).where(st.c.festival_id == festival_id)
    else:
        conn.exec_driver_sql(
            "INSERT INTO sales_state (festival_id, version, updated_at) VALUES (%s, 0, now()) "
            "ON CONFLICT (festival_id) DO NOTHING",
            (festival_id,),
        )
        query = (
            sa.select(st.c.version, st.c.basis)
            .where(st.c.festival_id == festival_id)
            .with_for_update()
        )
    row = conn.execute(query).one()
    return int(row.version), row.basis


def bump(conn: Connection, festival_id: str, basis: str | None = None) -> int:
    """A new data version (in the caller's transaction, which holds the lock); cached
    figures of the older ones are dropped."""
    st = SALES_STATE
    values: dict[str, Any] = {"version": st.c.version + 1, "updated_at": utcnow()}
    if basis is not None:
        values["basis"] = basis
    conn.execute(sa.update(st).where(st.c.festival_id == festival_id).values(**values))
    conn.execute(sa.delete(SALES_CACHE).where(SALES_CACHE.c.festival_id == festival_id))
    return int(
        conn.execute(sa.select(st.c.version).where(st.c.festival_id == festival_id)).scalar_one()
    )
