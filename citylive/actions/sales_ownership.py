"""Whose sales they are: the disputes between enterprises' files, and their settlement.

A coordinator sees the disputes of its own town's enterprises (and may upload a collective
store's file only when every enterprise of the store is its town's); only organisers settle.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from citylive.festival.storage import load_stored_festival
from citylive.sales.disputes import list_disputes, settle, settlements
from citylive.sales.ownership import collective_stores
from citylive.scope import (
    Actor,
    require_enterprise,
    require_festival,
    require_organiser,
    require_writer,
    town_filter,
)


def require_file_owner(db: Session, actor: Actor, festival_id: str, owner: str) -> None:
    """The enterprise (or collective store) a file is uploaded for, within the actor's scope."""
    store = collective_stores(load_stored_festival(db, festival_id)).get(owner)
    if store is None:
        require_enterprise(db, actor, festival_id, owner)
        return
    for product in store.products:
        require_enterprise(db, actor, festival_id, product.enterprise)


def sales_disputes(
    *, db: Session, actor: Actor, festival_id: str, town: str | None = None
) -> dict[str, Any]:
    """The order lines two enterprises' files both hold, per pair of enterprises, with the
    files and the lines as evidence, and the settlements made; a coordinator's cover the
    disputes of its own town's enterprises."""
    require_festival(db, actor, festival_id)
    scoped = town_filter(actor, town)
    conn = db.connection()
    out = {
        "data": list_disputes(conn, festival_id, scoped),
        "settled": settlements(conn, festival_id, scoped),
    }
    db.commit()
    return out


def settle_disputes(
    *,
    db: Session,
    actor: Actor,
    festival_id: str,
    keep: str,
    against: str | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """The disputed lines between `keep` and `against` (without it: every dispute of `keep`)
    count for `keep` from now on; audited; the figures move at once.  Organisers only."""
    require_writer(actor)
    require_organiser(actor, "settle disputed order lines")
    require_festival(db, actor, festival_id)
    require_enterprise(db, actor, festival_id, keep)
    if against is not None:
        require_enterprise(db, actor, festival_id, against)
    db.commit()
    out = settle(db.connection(), festival_id, keep, against, actor.name, reason)
    db.commit()
    return out
