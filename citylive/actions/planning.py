"""Planning and releasing schedule versions: the one owner of both actions.

`plan_and_release` is what the command line (`citylive plan --festival`), the API's planning
jobs and the Prefect flows run; `release_version` is its last step, and what a caller with a
document already in hand (a flow that solved in another task) uses.  Both take the festival's
write lock and check the version the plan was made against, so two planners never release
twice and a decision taken while the solver ran is never lost: the late release is refused
(StaleSchedule), and the caller plans again from the new state.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlmodel import Session, col, func, select

import models
from citylive.db import lock_festival
from citylive.errors import Conflict, NotFound
from citylive.festival import Festival
from citylive.festival.storage import FestivalNotFound, load_stored_festival
from citylive.notify import enqueue_schedule_release
from citylive.planner import ProgressCallback, plan
from citylive.schedule import ScheduleDocument, current_document, load_schedule, store_schedule
from citylive.schedule.readout import Readout, readout
from citylive.scope import Actor, require_festival, require_organiser


class StaleSchedule(Conflict):
    """The festival's schedule changed since this plan was made against it."""


@dataclass
class Release:
    festival_id: str
    version: int
    document: ScheduleDocument
    changes: dict[str, int] = field(default_factory=dict)
    released: bool = True  # False: the version was already current, nothing was written


def release_version(
    *, db: Session, festival_id: str, document: ScheduleDocument, expected_version: int
) -> Release:
    """Release `document` as the next version, if the festival is still at `expected_version`.

    Takes the festival's write lock, checks the version, stores the sessions and their
    changes, queues the messages, and commits.  StaleSchedule when another version was
    released meanwhile (nothing is written).
    """
    current = lock_festival(db, festival_id)
    if current is None:
        db.rollback()
        raise FestivalNotFound(festival_id)
    if current != expected_version:
        db.rollback()
        raise StaleSchedule(
            f"festival {festival_id!r} is at schedule version {current}, not "
            f"{expected_version}: another plan was released meanwhile; plan again from it",
            details={"current_version": current},
        )
    festival = load_stored_festival(db, festival_id)
    stored = store_schedule(db=db, festival=festival, document=document)
    released = document.model_copy(update={"version": stored.version})
    enqueue_schedule_release(
        db=db, festival_id=festival_id, version=stored.version, document=released
    )
    changes = {k: len(v) for k, v in (stored.changes or {}).items()}
    db.commit()
    return Release(festival_id, stored.version, released, changes)


def solve_stored(
    *,
    db: Session,
    festival_id: str,
    time_limit: float = 30.0,
    workers: int = 2,
    previous: ScheduleDocument | None = None,
    reason: str | None = None,
    progress: ProgressCallback | None = None,
    fast: bool = False,
) -> tuple[ScheduleDocument, int]:
    """Plan the stored festival (from its current schedule, or `previous`); returns the
    document and the version it was planned against.  Writes nothing, and ends the read
    transaction before the solver starts, so no lock or snapshot is held while it runs."""
    row = db.get(models.Festival, festival_id)
    if row is None:
        raise FestivalNotFound(festival_id)
    festival = load_stored_festival(db, festival_id)
    against = int(row.current_version or 0)
    source_sha256 = row.source_sha256
    if previous is None and against:
        current = current_document(db=db, festival_id=festival_id)
        previous = current if current.sessions else None
    db.rollback()
    document = plan(
        festival, previous=previous, time_limit=time_limit, workers=workers, progress=progress,
        deterministic=not fast,
    )  # fmt: skip
    document.reason = reason
    document.source_sha256 = source_sha256
    return document, against


def plan_and_release(
    *,
    db: Session,
    festival_id: str,
    time_limit: float = 30.0,
    workers: int = 2,
    previous: ScheduleDocument | None = None,
    reason: str | None = None,
    progress: ProgressCallback | None = None,
    expected_version: int | None = None,
    fast: bool = False,
) -> Release:
    """Plan the stored festival again from its current schedule and release the result.
    With `expected_version`, nothing is solved unless the festival is still at that version
    (StaleSchedule otherwise): a re-plan for declines that another run already answered."""
    if expected_version is not None:
        current = db.exec(
            select(models.Festival.current_version).where(models.Festival.id == festival_id)
        ).first()
        db.rollback()
        if current is not None and current != expected_version:
            raise StaleSchedule(
                f"festival {festival_id!r} is at schedule version {current}, not "
                f"{expected_version}",
                details={"current_version": current},
            )
    document, against = solve_stored(
        db=db,
        festival_id=festival_id,
        time_limit=time_limit,
        workers=workers,
        previous=previous,
        reason=reason,
        progress=progress,
        fast=fast,
    )
    return release_version(
        db=db, festival_id=festival_id, document=document, expected_version=against
    )


def plan_file(
    *,
    festival: Festival,
    previous: ScheduleDocument | None = None,
    time_limit: float = 30.0,
    workers: int = 2,
    progress: ProgressCallback | None = None,
    fast: bool = False,
    seed: int = 1,
) -> ScheduleDocument:
    """Plan a festival file into a schedule document (nothing is stored).  The same file,
    previous schedule and seed give the same sessions; `fast`: the fastest solve by the
    clock, which may differ from run to run."""
    return plan(
        festival, previous=previous, time_limit=time_limit, workers=workers, progress=progress,
        seed=seed, deterministic=not fast,
    )  # fmt: skip


@dataclass
class PlanningState:
    current_version: int
    stale: bool  # the festival file changed since the current version was solved
    source_sha256: str


def planning_state(*, db: Session, festival_id: str) -> PlanningState:
    """The version stored now, and whether the festival changed since it was solved."""
    row = db.get(models.Festival, festival_id)
    if row is None:
        raise FestivalNotFound(festival_id)
    # the file's hash rides in the released document (read alone, not the whole document):
    # a changed file, or no version yet, means a re-plan
    solved_for = db.exec(
        select(col(models.ScheduleVersion.document)["source_sha256"].as_string())
        .where(models.ScheduleVersion.festival_id == festival_id)
        .order_by(col(models.ScheduleVersion.version).desc())
    ).first()
    stale = solved_for is None or solved_for != row.source_sha256
    return PlanningState(int(row.current_version or 0), stale, row.source_sha256)


@dataclass
class VersionReport:
    """A released version in figures: for the flows' artifacts and logs."""

    festival_id: str
    festival_name: str
    version: int
    days: list[str]
    per_venue: list[dict[str, object]]  # venue, name, one count per day, total
    stats: dict[str, object]
    changes: dict[str, int]
    unplaced: list[dict[str, object]]
    tradeoffs: list[dict[str, object]]
    by_status: dict[str, int]
    queued: int  # messages this version queued


def version_report(*, db: Session, festival_id: str, version: int) -> VersionReport:
    stored = db.exec(
        select(models.ScheduleVersion).where(
            models.ScheduleVersion.festival_id == festival_id,
            models.ScheduleVersion.version == version,
        )
    ).first()
    festival = db.get(models.Festival, festival_id)
    if stored is None or festival is None:
        raise FestivalNotFound(festival_id)
    document = load_schedule(stored.document, f"festival {festival_id} version {version}")
    venue_names = dict(
        db.exec(
            select(models.Venue.id, models.Venue.name).where(
                models.Venue.festival_id == festival_id
            )
        ).all()
    )
    live = document.live_sessions
    days = sorted({s.start.date().isoformat() for s in live})
    grid: dict[str, Counter[str]] = defaultdict(Counter)
    for s in live:
        grid[s.venue][s.start.date().isoformat()] += 1
    per_venue: list[dict[str, object]] = []
    for venue in sorted(grid, key=lambda v: (v != "main", v)):
        line: dict[str, object] = {"venue": venue, "name": venue_names.get(venue, venue)}
        line.update({day: grid[venue][day] for day in days})
        line["total"] = sum(grid[venue].values())
        per_venue.append(line)
    S, N = models.FestivalSession, models.Notification
    by_status = dict(
        db.exec(
            select(S.status, func.count()).where(S.festival_id == festival_id).group_by(S.status)
        ).all()
    )
    queued = db.exec(
        select(func.count()).select_from(N).where(col(N.key).like(f"%:{festival_id}:v{version}:%"))
    ).one()
    return VersionReport(
        festival_id=festival_id,
        festival_name=festival.name,
        version=version,
        days=days,
        per_venue=per_venue,
        stats=document.stats.model_dump(mode="json"),
        changes={k: len(v) for k, v in (stored.changes or {}).items()},
        unplaced=[u.model_dump(mode="json") for u in document.unplaced],
        tradeoffs=[t.model_dump(mode="json") for t in document.tradeoffs or []],
        by_status={str(k): int(v) for k, v in by_status.items()},
        queued=int(queued),
    )


def released_schedule(
    *, db: Session, actor: Actor, festival_id: str, version: int | None = None
) -> ScheduleDocument:
    """A released version as its `citylive/schedule@1` document, with its figures and the
    price of fairness (organisers: the document names every town's sessions)."""
    require_organiser(actor, "read whole schedule versions")
    row = require_festival(db, actor, festival_id)
    wanted = version if version is not None else row.current_version
    stored = db.exec(
        select(models.ScheduleVersion.document).where(
            models.ScheduleVersion.festival_id == festival_id,
            models.ScheduleVersion.version == wanted,
        )
    ).first()
    if stored is None:
        raise NotFound(
            f"festival {festival_id!r} has no schedule version {wanted}", field="version"
        )
    return load_schedule(stored, f"festival {festival_id} version {wanted}")


def plan_readout(
    *, db: Session, actor: Actor, festival_id: str, version: int | None = None
) -> Readout:
    """A released version in words: each town's requested, placed, share and sessions at the
    main venue; every unplaced request with what ran out and what would place it; the
    solver's terms explained.  Organisers."""
    document = released_schedule(db=db, actor=actor, festival_id=festival_id, version=version)
    return readout(load_stored_festival(db, festival_id), document)
