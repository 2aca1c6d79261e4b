"""Festivals: import a file (create or update in place), read, capacity, confirmations, the
confirmation deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session

import models
from citylive.errors import Forbidden, Invalid
from citylive.festival import Festival, load_festival_text, parse_festival
from citylive.festival.storage import (
    ImportResult,
    festival_public,
    import_festival,
    list_festivals,
    load_stored_festival,
)
from citylive.planner.capacity import CapacityReport, capacity_report
from citylive.sales.files import remove_enterprises
from citylive.scope import (
    Actor,
    festival_visible,
    require_festival,
    require_organiser,
    require_writer,
    town_filter,
)
from citylive.session_queries import TownConfirmations, confirmations_by_town
from models._types import utcnow


@dataclass
class Imported:
    result: ImportResult
    festival: models.FestivalPublic


def import_festival_file(
    *, db: Session, actor: Actor, festival: Festival, force: bool = False
) -> Imported:
    """Store a validated festival (or update it in place), if the actor may: organisers only,
    and a token made for one festival imports only that festival.  Committed."""
    require_writer(actor)
    require_organiser(actor, "import festivals")
    if not festival_visible(actor, festival.id):
        raise Forbidden(
            f"this token is for festival {actor.festival_id!r}; it cannot create or change "
            f"festival {festival.id!r}",
            field="festival.id",
        )
    result = import_festival(db, festival, force=force)
    if result.dropped:  # their order lines go with them, so every summary still adds up
        remove_enterprises(db.connection(), festival.id, result.dropped)
    db.commit()
    row = db.get(models.Festival, result.festival_id)
    assert row is not None
    return Imported(result, festival_public(db, row))


def import_festival_data(
    *, db: Session, actor: Actor, data: object, source: str, force: bool = False
) -> Imported:
    """A festival document sent as text (YAML or JSON) or as parsed JSON: read within the
    limits, validated, stored.  CPU-bound: callers on an event loop run it in a thread."""
    require_organiser(actor, "import festivals")
    festival = (
        load_festival_text(data, source) if isinstance(data, str) else parse_festival(data, source)
    )
    return import_festival_file(db=db, actor=actor, festival=festival, force=force)


def festivals(*, db: Session, actor: Actor) -> list[models.FestivalPublic]:
    """The festivals the actor may see (a festival's token sees that one)."""
    rows = [r for r in list_festivals(db) if festival_visible(actor, r.id)]
    return [festival_public(db, r) for r in rows]


def festival(*, db: Session, actor: Actor, festival_id: str) -> models.FestivalPublic:
    return festival_public(db, require_festival(db, actor, festival_id))


def capacity(*, db: Session, actor: Actor, festival_id: str) -> CapacityReport:
    """Demand against supply per town and industry, shortages in words (organisers)."""
    require_organiser(actor)
    require_festival(db, actor, festival_id)
    return capacity_report(load_stored_festival(db, festival_id))


@dataclass
class Confirmations:
    festival: models.Festival
    lines: list[TownConfirmations]


def confirmations(*, db: Session, actor: Actor, festival_id: str) -> Confirmations:
    """Sessions per town confirmed, declined and waiting (a coordinator: its own town)."""
    row = require_festival(db, actor, festival_id)
    lines = confirmations_by_town(db=db, festival_id=festival_id, town=town_filter(actor, None))
    return Confirmations(row, lines)


def set_deadline(
    *, db: Session, actor: Actor, festival_id: str, deadline: datetime | None
) -> models.FestivalPublic:
    """Move (or clear) the confirmation deadline; `now` closes the round.  Organisers only.
    Committed."""
    require_writer(actor)
    require_organiser(actor, "move the confirmation deadline")
    row = require_festival(db, actor, festival_id)
    if deadline is not None:
        if deadline.tzinfo is None:
            raise Invalid(
                "give the deadline with its UTC offset, e.g. 2020-06-05T18:00:00+08:00",
                field="confirmation_deadline",
            )
        if not 1970 <= deadline.year <= 2200:
            raise Invalid(
                "the deadline is outside the years 1970-2200", field="confirmation_deadline"
            )
        deadline = deadline.astimezone(UTC)
    row.confirmation_deadline = deadline
    row.updated_at = utcnow()
    db.add(row)
    db.commit()
    return festival_public(db, row)
