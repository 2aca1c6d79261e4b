"""Festivals in the database: import (create or update in place) and loading back."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import defer
from sqlmodel import Session, col, delete, func, select

import models
from citylive.errors import Conflict, NotFound
from citylive.festival import Festival, parse_festival
from models._types import utcnow
from models.enums import LIVE_STATUSES, SessionStatus


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
    # enterprises a forced import dropped: their sales go too, removed by the caller
    dropped: list[str] = field(default_factory=list)


def document_of(festival: Festival) -> dict:
    return festival.doc.model_dump(mode="json")


def _sha(doc: dict) -> str:
    return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def import_festival(db: Session, festival: Festival, *, force: bool = False) -> ImportResult:
    """Store a validated festival, or update the stored one with the same id in place (does
    not commit).

    The stored data stays consistent with the file: a session follows its enterprise's town
    and industry.  A file that drops an enterprise with sessions or orders, or a streamer or
    venue with live sessions, is refused with the list (ImportRefused); `force` removes them
    explicitly: the dropped enterprises' sessions and order lines are deleted (so every
    summary still adds up), live sessions of dropped streamers and venues are cancelled.
    The dropped enterprises are returned: their sales are the caller's to remove, in the same
    transaction (`citylive.actions.festivals` does both).
    """
    doc = document_of(festival)
    sha = _sha(doc)
    row = db.get(models.Festival, festival.id)
    created = row is None
    if row is not None and row.source_sha256 == sha:
        return ImportResult(festival.id, created=False, changed=False)
    dropped: list[str] = []
    if row is not None:
        dropped = _drop_what_the_file_dropped(db, festival, force)
        _clear_festival_parts(db, festival.id)
    _store_festival_row(db, festival, row, doc, sha)
    db.add_all(_festival_parts(festival))
    _requests_follow_the_file(db, festival)
    _sessions_follow_their_enterprises(db, festival)
    db.flush()
    return ImportResult(festival.id, created=created, changed=True, dropped=dropped)


def _clear_festival_parts(db: Session, festival_id: str) -> None:
    """Towns, districts, industries, venues, enterprises and streamers go: the file's are
    written anew."""
    for table in (
        models.Town,
        models.District,
        models.Industry,
        models.Venue,
        models.Enterprise,
        models.Streamer,
    ):
        db.exec(delete(table).where(col(table.festival_id) == festival_id))  # type: ignore[attr-defined]
    db.flush()


def _store_festival_row(
    db: Session, festival: Festival, row: models.Festival | None, doc: dict, sha: str
) -> None:
    """The festival's own row, created or updated in place with the file's document."""
    deadline = festival.info.confirmation_deadline
    if deadline is not None and deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=festival.tz)
    # what pages and messages read without the whole document
    info = doc["festival"] | {"themes": [{"id": t.id, "name": t.name} for t in festival.themes]}
    if row is None:
        row = models.Festival(
            id=festival.id,
            name=festival.name,
            timezone=festival.info.timezone,
            document=doc,
            info=info,
            source_sha256=sha,
            confirmation_deadline=deadline,
        )
        db.add(row)
    else:
        row.name = festival.name
        row.timezone = festival.info.timezone
        row.document = doc
        row.info = info
        row.source_sha256 = sha
        row.confirmation_deadline = deadline
        row.updated_at = utcnow()
        db.add(row)
    db.flush()


def _festival_parts(festival: Festival) -> list[Any]:
    """The file's towns (each with its district), districts, industries, venues, enterprises
    and streamers as rows."""
    fid = festival.id
    district_of = festival.district_of_town
    return (
        [
            models.Town(
                festival_id=fid,
                id=t.id,
                name=t.name,
                neighbours=sorted(festival.neighbours[t.id]),
                district_id=district_of.get(t.id),
            )
            for t in festival.towns
        ]
        + [
            models.District(festival_id=fid, id=d.id, name=d.name, position=i)
            for i, d in enumerate(festival.districts)
        ]
        + [models.Industry(festival_id=fid, id=i.id, name=i.name) for i in festival.industries]
        + [
            models.Venue(
                festival_id=fid,
                id=v.id,
                kind=v.kind,
                name=v.name,
                town_id=festival.venue_town[v.id],
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


def _requests_follow_the_file(db: Session, festival: Festival) -> None:
    """Each enterprise's session request takes the file's count; a dropped one's goes."""
    fid = festival.id
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


def _sessions_follow_their_enterprises(db: Session, festival: Festival) -> None:
    """A session belongs to its enterprise's town (whose coordinator decides) and industry."""
    S = models.FestivalSession
    rows = db.exec(select(S.enterprise, S.town, S.industry).where(S.festival_id == festival.id))
    moved = {
        e
        for e, town, industry in rows
        if e in festival.enterprise
        and (festival.enterprise[e].town, festival.enterprise[e].industry) != (town, industry)
    }
    for e in sorted(moved):
        ent = festival.enterprise[e]
        db.execute(
            sa.update(S)
            .where(col(S.festival_id) == festival.id, col(S.enterprise) == e)
            .values(town=ent.town, industry=ent.industry, row_version=col(S.row_version) + 1)
        )


def _drop_what_the_file_dropped(db: Session, festival: Festival, force: bool) -> list[str]:
    """Refuse what the file drops, or (forced) delete the dropped enterprises' sessions and
    cancel the stranded ones; returns the dropped enterprises."""
    S = models.FestivalSession
    sessions = db.exec(select(S).where(S.festival_id == festival.id).order_by(col(S.id))).all()
    lines = dict(
        db.exec(
            select(models.OrderLine.enterprise_id, func.count())
            .where(models.OrderLine.festival_id == festival.id)
            .group_by(models.OrderLine.enterprise_id)
        ).all()
    )
    dropped = sorted(({s.enterprise for s in sessions} | set(lines)) - set(festival.enterprise))
    problems = [
        f"enterprise {e!r} is no longer in the file, but has "
        f"{sum(1 for s in sessions if s.enterprise == e)} session(s) and "
        f"{int(lines.get(e, 0))} order line(s)"
        for e in dropped
    ]
    stranded = [
        s
        for s in sessions
        if s.enterprise not in dropped
        and s.status in LIVE_STATUSES
        and (s.streamer not in festival.streamer or s.venue not in festival.venue)
    ]
    for s in stranded:
        what = (
            f"streamer {s.streamer!r}"
            if s.streamer not in festival.streamer
            else f"venue {s.venue!r}"
        )
        problems.append(f"session {s.id} ({s.status}): {what} is no longer in the file")
    if not problems:
        return []
    if not force:
        shown = problems[:10] + (
            [f"... and {len(problems) - 10} more"] if len(problems) > 10 else []
        )
        raise ImportRefused(
            f"festival {festival.id!r} is already stored, and this file drops what its "
            f"schedule or sales depend on ({len(problems)}):\n  "
            + "\n  ".join(shown)
            + "\nKeep those entries in the file, or import again with --force to remove them "
            "(their sessions and order lines are deleted, live sessions of dropped streamers "
            "and venues cancelled)."
        )
    now = utcnow()
    if dropped:
        db.execute(
            sa.delete(S).where(col(S.festival_id) == festival.id, col(S.enterprise).in_(dropped))
        )
    for s in stranded:
        s.status = SessionStatus.cancelled
        s.row_version += 1
        s.updated_at = now
        db.add(s)
    db.flush()
    return dropped


def load_stored_festival(db: Session, festival_id: str) -> Festival:
    """The stored festival, validated; the same file is parsed once per process."""
    F = models.Festival
    sha = db.exec(select(F.source_sha256).where(F.id == festival_id)).first()
    if sha is None:
        raise FestivalNotFound(festival_id)
    cached = _parsed.get((festival_id, sha))
    if cached is not None:
        return cached
    document = db.exec(select(F.document).where(F.id == festival_id)).one()
    festival = parse_festival(document, f"festival {festival_id!r} (stored)")
    if len(_parsed) >= 16:
        _parsed.pop(next(iter(_parsed)))
    _parsed[(festival_id, sha)] = festival
    return festival


# (festival id, file hash) -> parsed festival; a Festival is never changed once parsed
_parsed: dict[tuple[str, str], Festival] = {}


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
        days=[str(d) for d in (row.info or {}).get("days", [])],
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
    """Every stored festival, without its (large) document."""
    return list(
        db.exec(
            select(models.Festival)
            .options(defer(models.Festival.document))  # type: ignore[arg-type]
            .order_by(models.Festival.id)
        )
    )
