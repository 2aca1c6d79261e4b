"""Taking a waiting request for a slot an enterprise left empty: a new schedule version that
changes only that session's enterprise (and its platform where the newcomer is not on it).

The caller holds the festival's write lock, so two replacements (or a replacement and a
stand-in or a release) never interleave: of two coordinators naming the same enterprise for
the same slot, or for its last session wanted, the second finds it taken and is told by
whom.  The enterprise's request counts follow (one more placed for the newcomer, one fewer
for the enterprise that did not show).  Nothing here commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

import models
from citylive.errors import Conflict, Invalid
from citylive.festival import Festival
from citylive.live.offers import absent_enterprises, breaches, platform_for, tally
from citylive.live.state import audit, locked_live
from citylive.live.takeover import record_version, taken
from citylive.scope import Actor
from models.enums import LIVE_STATUSES
from models.live import LiveState, NoShowWho

S = models.FestivalSession
RACED = {"busy", "supply", "total"}  # what a racer who got there first leaves behind


def taken_by(
    db: Session, session: models.FestivalSession, enterprise: str, kinds: set[str]
) -> dict[str, object] | None:
    """The session `enterprise` took as a replacement that causes one of the breaches
    `kinds` (a racer's win): in the same slot (busy), on the same day (supply), anywhere in
    the festival (its sessions all taken); the newest first."""
    L = models.SessionLive
    query = (
        select(S.id, L.stand_in_by, L.stand_in_at)
        .join(L, col(L.session_id) == col(S.id))
        .where(
            S.festival_id == session.festival_id,
            S.enterprise == enterprise,
            col(S.status).in_([s.value for s in LIVE_STATUSES]),
            col(L.replaced_enterprise).is_not(None),
            S.id != session.id,
        )
        .order_by(col(L.stand_in_at).desc())
    )
    if "total" not in kinds:
        query = query.where(S.day == session.day)
        if "supply" not in kinds:
            query = query.where(S.slot == session.slot)
    found = db.exec(query).first()
    if found is None:
        return None
    sid, by, at = found
    return {
        "session": sid,
        "enterprise": enterprise,
        "by": by,
        "at": at.isoformat() if at else None,
    }


def _already(session: models.FestivalSession, live: models.SessionLive, enterprise: str) -> str:
    if session.enterprise == enterprise:
        return "unchanged"
    raise Conflict(
        f"session {session.id} was already given to {session.enterprise} by {live.stand_in_by}",
        field="enterprise",
        details={
            "winner": {
                "session": session.id,
                "enterprise": session.enterprise,
                "by": live.stand_in_by,
            }
        },
    )


def check_replacement(
    db: Session,
    festival: Festival,
    session: models.FestivalSession,
    live: models.SessionLive,
    enterprise: str,
) -> str | None:
    """None when `enterprise` may take the session now; `unchanged` when it already has.
    Raises Conflict (the state or a race) or Invalid (a hard rule, or not a waiting
    request of the town)."""
    if live.replaced_enterprise is not None and live.state == LiveState.scheduled.value:
        return _already(session, live, enterprise)
    if live.state != LiveState.no_show.value or live.no_show_who != NoShowWho.enterprise.value:
        raise Conflict(
            f"session {session.id} is {live.state}; a replacement is for an enterprise marked "
            "as not showing (POST .../no-show with who=enterprise first)",
            field="state",
        )
    ent = festival.enterprise.get(enterprise)
    if ent is None or ent.town != session.town or ent.id == session.enterprise:
        raise Invalid(
            f"{enterprise} is not another enterprise of town {session.town}", field="enterprise"
        )
    t = tally(db, session, [ent.id])
    broken = breaches(festival, session, ent, t)
    if t.total[ent.id] >= ent.sessions:
        broken.insert(0, ("total", f"{ent.name} has all {ent.sessions} sessions it asked for"))
    if broken:
        kinds = {k for k, _w in broken} & RACED
        winner = taken_by(db, session, ent.id, kinds) if kinds else None
        if winner is not None:
            raise Conflict(
                f"{enterprise} was taken meanwhile: session {winner['session']} "
                f"(taken by {winner['by']})",
                field="enterprise",
                details={"winner": winner},
            )
        raise Invalid(
            f"{enterprise} cannot take session {session.id}: "
            + "; ".join(words for _k, words in broken),
            field="enterprise",
            details={"breaches": [words for _k, words in broken]},
        )
    if ent.id in absent_enterprises(db, session):
        raise Invalid(f"{enterprise} did not show today", field="enterprise")
    return None


def _count_requests(db: Session, festival_id: str, gained: str, lost: str) -> None:
    R = models.SessionRequest
    for req in db.exec(
        select(R).where(R.festival_id == festival_id, col(R.enterprise_id).in_([gained, lost]))
    ):
        req.placed = max(req.placed + (1 if req.enterprise_id == gained else -1), 0)
        db.add(req)


def release_replacement(
    db: Session,
    *,
    festival: Festival,
    session: models.FestivalSession,
    enterprise: str,
    actor: Actor,
    now: datetime,
) -> tuple[models.FestivalSession, models.SessionLive, str]:
    """Check and give the slot to `enterprise` under the festival's lock (held by the
    caller); returns the session (its version the new one), its live row and `applied` or
    `unchanged`.  The caller queues the new version's messages."""
    live = locked_live(db, session)
    if check_replacement(db, festival, session, live, enterprise) == "unchanged":
        audit(db, actor=actor, session=session, action="replacement", outcome="unchanged", at=now)
        return session, live, "unchanged"
    ent = festival.enterprise[enterprise]
    replaced = session.enterprise
    session.platform = platform_for(festival, session, ent)
    session.enterprise, session.industry = ent.id, ent.industry
    record_version(db, festival, session, now, "replacement")
    _count_requests(db, festival.id, ent.id, replaced)
    live.replaced_enterprise = replaced
    taken(db, actor, session, live, now, "replacement", f"{enterprise} for {replaced}")
    return session, live, "applied"
