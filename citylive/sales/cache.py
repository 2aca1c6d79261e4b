"""Figures cached at the festival's sales data version (state.py).

A cached figure is read back only at the stamp it was computed at; before a stamp is given,
the lines are attributed afresh if what the attribution depends on changed
(reattribution.py), so every figure reads the sessions as they stand.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from citylive.sales._tables import SALES_CACHE, SALES_STATE
from citylive.sales.reattribution import reattribute_locked
from citylive.sales.state import current_basis, digest, lock_state
from models._types import utcnow

T = TypeVar("T")


def ensure_current(db: Session, festival_id: str) -> str:
    """The stamp figures are cached at, after attributing the lines afresh if what the
    attribution depends on changed.  Commits what it writes."""
    conn = db.connection()
    basis = current_basis(conn, festival_id)
    st = SALES_STATE
    row = conn.execute(
        sa.select(st.c.version, st.c.basis).where(st.c.festival_id == festival_id)
    ).first()
    if row is None or row.basis != basis.attribution:
        db.commit()  # end the read; the re-attribution takes the write lock itself
        conn = db.connection()
        version, stored = lock_state(conn, festival_id)
        basis = current_basis(conn, festival_id)
        if stored != basis.attribution:
            reattribute_locked(conn, festival_id, basis.attribution)
        db.commit()
        conn = db.connection()
        row = conn.execute(
            sa.select(st.c.version, st.c.basis).where(st.c.festival_id == festival_id)
        ).one()
    return f"{row.version}:{basis.figures[:32]}"


def cache_key(parts: dict[str, Any]) -> str:
    return digest(parts)[:64]


def cached(db: Session, festival_id: str, parts: dict[str, Any], compute: Callable[[str], T]) -> T:
    """`compute(stamp)` at the festival's current data version, computed once per version
    (and kept in the database, so every process reads it back)."""
    stamp = ensure_current(db, festival_id)
    key = cache_key(parts)
    c = SALES_CACHE
    conn = db.connection()
    hit = conn.execute(
        sa.select(c.c.payload).where(
            c.c.festival_id == festival_id, c.c.key == key, c.c.stamp == stamp
        )
    ).first()
    if hit is not None:
        return hit.payload  # type: ignore[no-any-return]
    value = json.loads(json.dumps(compute(stamp), default=str))  # as a reader gets it back
    conn = db.connection()
    row = {
        "festival_id": festival_id,
        "key": key,
        "stamp": stamp,
        "payload": value,
        "created_at": utcnow(),
    }
    insert: Any = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(c).values(
        **row
    )
    conn.execute(
        insert.on_conflict_do_update(
            index_elements=[c.c.festival_id, c.c.key],
            set_={
                "stamp": row["stamp"],
                "payload": row["payload"],
                "created_at": row["created_at"],
            },
        )
    )
    return value  # type: ignore[no-any-return]
