"""Taking a stand-in: a new schedule version that changes only the one session's streamer.

The caller holds the festival's write lock, so two stand-ins (or a stand-in and a release)
never interleave: of two coordinators naming the same streamer for the same slot, the second
finds the streamer busy with the first's session, and is told whose.  The version's document
is the schedule as the database holds it (decisions included) with that one change; its
`changes` name the session as moved, so the release's change notices go to the stand-in,
the enterprise, the town's coordinator and the streamer replaced.  Nothing here commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

import models
from citylive.errors import Conflict, Invalid
from citylive.festival import Festival
from citylive.live.standins import Busy, absent_today, breaches, day_of_streamers
from citylive.live.state import audit, locked_live
from citylive.schedule.release import current_document
from citylive.scope import Actor
from models.enums import LIVE_STATUSES
from models.live import LiveState, NoShowWho


def _previous_stats(db: Session, festival_id: str, version: int) -> dict:
    SV = models.ScheduleVersion
    found = db.exec(
        select(SV.stats).where(SV.festival_id == festival_id, SV.version == version)
    ).first()
    return dict(found or {})


def stand_in_winner(db: Session, sid: str) -> dict[str, object]:
    """Who took the streamer for the other session: the session and the stand-in's author."""
    L = models.SessionLive
    live = db.exec(select(L).where(L.session_id == sid)).first()
    return {
        "session": sid,
        "by": live.stand_in_by if live is not None else None,
        "at": live.stand_in_at.isoformat() if live and live.stand_in_at else None,
    }


def check_taker(
    db: Session,
    festival: Festival,
    session: models.FestivalSession,
    live: models.SessionLive,
    streamer: str,
) -> str | None:
    """None when `streamer` may take the session now; `unchanged` when they already have.
    Raises Conflict (the state or a race) or Invalid (a hard rule)."""
    if live.replaced_streamer is not None and live.state == LiveState.scheduled.value:
        if session.streamer == streamer:
            return "unchanged"
        raise Conflict(
            f"session {session.id} already has a stand-in, {session.streamer}, taken by "
            f"{live.stand_in_by}",
            field="streamer",
            details={
                "winner": {
                    "session": session.id,
                    "streamer": session.streamer,
                    "by": live.stand_in_by,
                }
            },
        )
    if live.state != LiveState.no_show.value or live.no_show_who != NoShowWho.streamer.value:
        raise Conflict(
            f"session {session.id} is {live.state}; a stand-in is for a streamer marked as "
            "not showing (POST .../no-show with who=streamer first)",
            field="state",
        )
    day = day_of_streamers(db, session)
    broken = breaches(festival, session, streamer, day.get(streamer, Busy()))
    taken = day[streamer].slots.get(session.slot) if streamer in day else None
    winner = stand_in_winner(db, taken[3]) if taken is not None else None
    if taken is not None and winner is not None and winner["by"] is not None:
        # busy with a session they stood in for: a racer got there first
        raise Conflict(
            f"{streamer} was taken meanwhile: they now have session {taken[3]} at that time "
            f"(stand-in taken by {winner['by']})",
            field="streamer",
            details={"winner": winner},
        )
    if broken:
        raise Invalid(
            f"{streamer} cannot stand in for session {session.id}: "
            + "; ".join(words for _k, words in broken),
            field="streamer",
            details={"breaches": [words for _k, words in broken]},
        )
    if streamer in absent_today(db, session):
        raise Invalid(f"{streamer} did not show today", field="streamer")
    return None


def record_version(
    db: Session, festival: Festival, session: models.FestivalSession, now: datetime, kind: str
) -> int:
    """Store the schedule as the database holds it, with the session's one change already
    made on `session`, as the festival's next version; its `changes` name the session as
    moved and as `kind` (stand_in, replacement).  Returns the version."""
    row = db.get(models.Festival, festival.id)
    assert row is not None
    version = (row.current_version or 0) + 1
    session.version = version
    session.row_version += 1
    session.updated_at = now
    db.add(session)
    db.flush()
    doc = current_document(db=db, festival_id=festival.id).model_copy(update={"version": version})
    S = models.FestivalSession
    others = db.exec(
        select(S.id).where(
            S.festival_id == festival.id,
            col(S.status).in_([s.value for s in LIVE_STATUSES]),
            S.id != session.id,
        )
    )
    db.add(
        models.ScheduleVersion(
            festival_id=festival.id,
            version=version,
            document=doc.dump(),
            stats=_previous_stats(db, festival.id, row.current_version or 0),
            changes={
                "new": [],
                "moved": [session.id],
                "cancelled": [],
                "unchanged": sorted(others),
                kind: [session.id],
            },
        )
    )
    row.current_version = version
    row.updated_at = now
    db.add(row)
    return version


def release_stand_in(
    db: Session,
    *,
    festival: Festival,
    session: models.FestivalSession,
    streamer: str,
    actor: Actor,
    now: datetime,
) -> tuple[models.FestivalSession, models.SessionLive, str]:
    """Check and take the stand-in under the festival's lock (held by the caller); returns
    the session (its version the new one), its live row and `applied` or `unchanged`.  The
    caller queues the new version's messages."""
    live = locked_live(db, session)
    if check_taker(db, festival, session, live, streamer) == "unchanged":
        audit(db, actor=actor, session=session, action="stand_in", outcome="unchanged", at=now)
        return session, live, "unchanged"
    replaced = session.streamer
    session.streamer = streamer
    record_version(db, festival, session, now, "stand_in")
    live.replaced_streamer = replaced
    taken(db, actor, session, live, now, "stand_in", f"{streamer} for {replaced}")
    return session, live, "applied"


def taken(
    db: Session,
    actor: Actor,
    session: models.FestivalSession,
    live: models.SessionLive,
    now: datetime,
    action: str,
    reason: str,
) -> None:
    """A slot taken over (a stand-in, a waiting request): the session is scheduled again,
    who took it and when are kept, and the attempt is audited."""
    live.state = LiveState.scheduled.value
    live.stand_in_at = now
    live.stand_in_by = actor.name
    live.row_version += 1
    live.updated_at = now
    db.add(live)
    audit(db, actor=actor, session=session, action=action, outcome="applied", at=now, reason=reason)
    db.flush()
