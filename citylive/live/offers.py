"""A slot an enterprise left empty, offered to its town's requests the schedule could not
place: enterprises that asked for more sessions than they got and could hold this one (the
venue is one of theirs, they are free and available then, the streamer fits their industry
and a platform of theirs, the day's supply allows it)."""

from __future__ import annotations

from collections import Counter

from sqlmodel import Session, col, select

import models
from citylive.festival import Festival
from models.enums import LIVE_STATUSES

S = models.FestivalSession


def _marked(marks: list[str], day: str, start: str) -> bool:
    return any(m == day or m == f"{day}T{start}" for m in marks)


def _waiting(db: Session, session: models.FestivalSession) -> list[models.SessionRequest]:
    R, E = models.SessionRequest, models.Enterprise
    return list(
        db.exec(
            select(R)
            .join(
                E, (col(E.festival_id) == col(R.festival_id)) & (col(E.id) == col(R.enterprise_id))
            )
            .where(
                R.festival_id == session.festival_id,
                E.town_id == session.town,
                col(R.placed) < col(R.requested),
                R.enterprise_id != session.enterprise,
            )
        )
    )


def _their_day(db: Session, session: models.FestivalSession, ids: list[str]) -> Counter[tuple]:
    """(enterprise, slot) and (enterprise, -1 for the day's count) of the session's day."""
    out: Counter[tuple] = Counter()
    if not ids:
        return out
    for enterprise, slot in db.exec(
        select(S.enterprise, S.slot).where(
            S.festival_id == session.festival_id,
            S.day == session.day,
            col(S.enterprise).in_(ids),
            col(S.status).in_([s.value for s in LIVE_STATUSES]),
        )
    ):
        out[(enterprise, int(slot))] += 1
        out[(enterprise, -1)] += 1
    return out


def offers(
    db: Session, festival: Festival, session: models.FestivalSession
) -> list[dict[str, object]]:
    """The town's unplaced requests that could take the session's slot, best first."""
    waiting = _waiting(db, session)
    taken = _their_day(db, session, [r.enterprise_id for r in waiting])
    st = festival.streamer.get(session.streamer)
    day, start = session.day.isoformat(), festival.slots[session.slot].start
    per_day = festival.info.min_skus_per_session
    out: list[dict[str, object]] = []
    for req in waiting:
        ent = festival.enterprise.get(req.enterprise_id)
        if ent is None or st is None:
            continue
        if session.venue not in {v.id for v in festival.allowed_venues(ent)}:
            continue
        if taken[(ent.id, session.slot)] or _marked(ent.unavailable, day, start):
            continue
        if taken[(ent.id, -1)] + 1 > ent.skus // per_day:
            continue
        if ent.industry not in st.industries or st.employer not in (None, ent.id):
            continue
        platforms = [p for p in ent.platforms if p in st.platforms]
        if not platforms:
            continue
        platform = session.platform if session.platform in platforms else platforms[0]
        missing = req.requested - req.placed
        out.append(
            {
                "enterprise": ent.id,
                "name": ent.name,
                "platform": platform,
                "score": ent.expected_gmv,
                "reasons": [
                    f"asked for {req.requested} sessions and got {req.placed} ({missing} waiting)",
                    f"{st.name} sells its industry on {platform}",
                    f"free on {day} at {start}; expected GMV {ent.expected_gmv:,} CNY",
                ],
            }
        )
    out.sort(key=lambda o: (-int(o["score"]), str(o["enterprise"])))  # type: ignore[call-overload]
    return out
