"""Storing festivals: import (create or update in place) and loading back."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, delete, func, select

import models
from citylive.errors import Conflict, NotFound
from citylive.festival import Festival, parse_festival
from models._types import utcnow


class FestivalNotFound(NotFound):
    def __init__(self, festival_id: str):
        super().__init__(
            f"no festival {festival_id!r} is stored; import it first with `citylive import FILE`"
        )
        self.festival_id = festival_id


class ImportRefused(Conflict):
    pass


@dataclass
class ImportResult:
    festival_id: str
    created: bool
    changed: bool


def document_of(festival: Festival) -> dict:
    return festival.doc.model_dump(mode="json")


def _sha(doc: dict) -> str:
    return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def import_festival(db: Session, festival: Festival) -> ImportResult:
    """Store a validated festival, or update the stored one with the same id in place.

    An update that would orphan sessions of the current schedule (their enterprise, streamer
    or venue gone from the file) is refused: re-plan from the new file instead.
    """
    doc = document_of(festival)
    sha = _sha(doc)
    row = db.get(models.Festival, festival.id)
    created = row is None
    if row is not None and row.source_sha256 == sha:
        return ImportResult(festival.id, created=False, changed=False)
    if row is not None:
        _refuse_orphans(db, festival)
        for table in (
            models.Town,
            models.Industry,
            models.Venue,
            models.Enterprise,
            models.Streamer,
        ):
            db.exec(delete(table).where(col(table.festival_id) == festival.id))  # type: ignore[attr-defined]
        db.flush()
    deadline = festival.info.confirmation_deadline
    if deadline is not None and deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=festival.tz)
    if row is None:
        row = models.Festival(
            id=festival.id,
            name=festival.name,
            timezone=festival.info.timezone,
            document=doc,
            source_sha256=sha,
            confirmation_deadline=deadline,
        )
        db.add(row)
    else:
        row.name = festival.name
        row.timezone = festival.info.timezone
        row.document = doc
        row.source_sha256 = sha
        row.confirmation_deadline = deadline
        row.updated_at = utcnow()
        db.add(row)
    db.flush()
    fid = festival.id
    db.add_all(
        [
            models.Town(
                festival_id=fid, id=t.id, name=t.name, neighbours=sorted(festival.neighbours[t.id])
            )
            for t in festival.towns
        ]
        + [models.Industry(festival_id=fid, id=i.id, name=i.name) for i in festival.industries]
        + [
            models.Venue(
                festival_id=fid,
                id=v.id,
                kind=v.kind,
                name=v.name,
                town_id=v.town,
                studios=v.studios,
                closed=v.closed,
            )
            for v in festival.venues
        ]
        + [
            models.Enterprise(
                festival_id=fid,
                id=e.id,
                name=e.name,
                town_id=e.town,
                industry_id=e.industry,
                sessions=e.sessions,
                skus=e.skus,
                expected_gmv=e.expected_gmv,
                platforms=e.platforms,
                unavailable=e.unavailable,
                shops=e.shops,
            )
            for e in festival.enterprises
        ]
        + [
            models.Streamer(
                festival_id=fid,
                id=s.id,
                name=s.name,
                agency=s.agency,
                town_id=s.town,
                employer_id=s.employer,
                max_sessions_per_day=s.max_sessions_per_day,
                industries=s.industries,
                platforms=s.platforms,
                unavailable=s.unavailable,
                accounts=s.accounts,
            )
            for s in festival.streamers
        ]
    )
    existing = {
        r.enterprise_id: r
        for r in db.exec(
            select(models.SessionRequest).where(models.SessionRequest.festival_id == fid)
        )
    }
    for e in festival.enterprises:
        req = existing.pop(e.id, None)
        if req is None:
            db.add(models.SessionRequest(festival_id=fid, enterprise_id=e.id, requested=e.sessions))
        else:
            req.requested = e.sessions
            db.add(req)
    for gone in existing.values():
        db.delete(gone)
    db.flush()
    return ImportResult(fid, created=created, changed=True)


def _refuse_orphans(db: Session, festival: Festival) -> None:
    sessions = db.exec(
        select(models.FestivalSession).where(
            models.FestivalSession.festival_id == festival.id,
            col(models.FestivalSession.status).in_(["proposed", "confirmed"]),
        )
    ).all()
    problems = []
    for s in sessions:
        if s.enterprise not in festival.enterprise:
            problems.append(f"session {s.id}: enterprise {s.enterprise!r} is no longer in the file")
        if s.streamer not in festival.streamer:
            problems.append(f"session {s.id}: streamer {s.streamer!r} is no longer in the file")
        if s.venue not in festival.venue:
            problems.append(f"session {s.id}: venue {s.venue!r} is no longer in the file")
    if problems:
        shown = problems[:10] + (
            [f"... and {len(problems) - 10} more"] if len(problems) > 10 else []
        )
        raise ImportRefused(
            f"festival {festival.id!r} is already stored with a schedule, and this file would orphan "
            f"{len(problems)} of its sessions:\n  "
            + "\n  ".join(shown)
            + "\nKeep those entries in the file, or import it under a new festival id."
        )


def load_stored_festival(db: Session, festival_id: str) -> Festival:
    row = db.get(models.Festival, festival_id)
    if row is None:
        raise FestivalNotFound(festival_id)
    return parse_festival(row.document, f"festival {festival_id!r} (stored)")


def festival_public(db: Session, row: models.Festival) -> models.FestivalPublic:
    def count(table: Any) -> int:
        stmt = select(func.count()).select_from(table).where(table.festival_id == row.id)
        return int(db.exec(stmt).one())

    requested = db.exec(
        select(func.coalesce(func.sum(models.SessionRequest.requested), 0)).where(
            models.SessionRequest.festival_id == row.id
        )
    ).one()
    return models.FestivalPublic(
        id=row.id,
        name=row.name,
        timezone=row.timezone,
        days=[str(d) for d in row.document["festival"]["days"]],
        towns=count(models.Town),
        venues=count(models.Venue),
        enterprises=count(models.Enterprise),
        streamers=count(models.Streamer),
        requested_sessions=int(requested),
        current_version=row.current_version,
        confirmation_deadline=row.confirmation_deadline,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def list_festivals(db: Session) -> list[models.Festival]:
    return list(db.exec(select(models.Festival).order_by(models.Festival.id)))
