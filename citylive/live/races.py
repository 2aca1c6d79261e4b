"""Who won a stand-in or replacement race, read back from the database: the session that
now has the streamer a loser picked in that slot (a stand-in taken there), or the session
the enterprise was given (the same slot, then the same day, then the festival; the newest
first), or the session's own stand-in or newcomer when its slot was taken first.  The same
winner the Conflict of the lost attempt named, found again later (a page after a redirect)."""

from __future__ import annotations

from sqlmodel import Session, col, select

import models
from citylive.live.replacement import taken_by
from citylive.live.takeover import stand_in_winner
from models.enums import LIVE_STATUSES

S = models.FestivalSession
L = models.SessionLive


def race_winner(
    db: Session, session: models.FestivalSession, kind: str, picked: str
) -> dict[str, object] | None:
    """The winner of a race lost on `session` picking `picked` (a `streamer` or an
    `enterprise`, as `kind` says), as the lost attempt's Conflict named it; None when the
    database shows no such race."""
    live = db.exec(select(L).where(L.session_id == session.id)).first()
    replaced = None
    if live is not None:
        replaced = live.replaced_streamer if kind == "streamer" else live.replaced_enterprise
    if live is not None and replaced is not None and live.stand_in_by is not None:
        return {
            "session": session.id,
            kind: session.streamer if kind == "streamer" else session.enterprise,
            "by": live.stand_in_by,
        }
    if kind == "enterprise":
        for kinds in ({"busy"}, {"supply"}, {"total"}):
            found = taken_by(db, session, picked, kinds)
            if found is not None:
                return found
        return None
    sid = db.exec(
        select(S.id)
        .join(L, col(L.session_id) == col(S.id))
        .where(
            S.festival_id == session.festival_id,
            S.day == session.day,
            S.slot == session.slot,
            S.streamer == picked,
            S.id != session.id,
            col(S.status).in_([s.value for s in LIVE_STATUSES]),
            col(L.replaced_streamer).is_not(None),
        )
    ).first()
    return {**stand_in_winner(db, sid), "streamer": picked} if sid is not None else None
