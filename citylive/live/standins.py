"""Stand-ins for a streamer who did not show, and the town's waiting requests for a slot an
enterprise left empty.

Every candidate keeps every hard rule for the slot (the festival file's H2, H4, H5, H6; the
studio, the enterprise and the venue stay as they are): free then, knows the industry and
the platform, within the daily limit, a free slot between two venues of one day, an
in-house streamer only for its employer, available.  Among those the ranking prefers the
enterprise's own in-house streamer, then a streamer based in the venue's town, freshness
(S8: not the same enterprise twice in a day, a change of industry between neighbouring
sessions) and a light day.  Where nobody fits, the reasons say why, in words.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, col

import models
from citylive.festival import Festival
from citylive.live.reasons import Reason
from citylive.live.state import absent_on_the_day
from models.enums import LIVE_STATUSES
from models.live import NoShowWho

S = models.FestivalSession


@dataclass
class Candidate:
    streamer: str
    name: str
    score: int
    reasons: list[str] = field(default_factory=list)

    def public(self) -> dict[str, object]:
        return {
            "streamer": self.streamer,
            "name": self.name,
            "score": self.score,
            "reasons": self.reasons,
        }


@dataclass
class Busy:
    """One streamer's sessions on the session's day: slot index -> (venue, enterprise,
    industry, session id)."""

    slots: dict[int, tuple[str, str, str, str]] = field(default_factory=dict)


def day_of_streamers(db: Session, session: models.FestivalSession) -> dict[str, Busy]:
    """Every streamer's sessions in play on the session's day (the session itself aside)."""
    return streamers_on(db, session, leave_out=session.id)


def streamers_on(
    db: Session, session: models.FestivalSession, *, leave_out: str | None
) -> dict[str, Busy]:
    """Every streamer's sessions in play on the session's day, but `leave_out`."""
    out: dict[str, Busy] = defaultdict(Busy)
    mine = (
        col(S.festival_id) == session.festival_id,
        col(S.day) == session.day,
        col(S.status).in_([s.value for s in LIVE_STATUSES]),
    )
    # six columns: more than sqlmodel's select() types, so the core's
    rows = db.connection().execute(
        sa.select(
            col(S.streamer),
            col(S.slot),
            col(S.venue),
            col(S.enterprise),
            col(S.industry),
            col(S.id),
        ).where(*mine, *([col(S.id) != leave_out] if leave_out is not None else []))
    )
    for streamer, slot, venue, enterprise, industry, sid in rows:
        out[streamer].slots[int(slot)] = (venue, enterprise, industry, sid)
    return out


@dataclass
class StreamersDay:
    """What the stand-ins of every no-show of one day share: each streamer's sessions in play
    that day (all of them) and the streamers who did not show then."""

    busy: dict[str, Busy]
    absent: set[str]


def streamers_day(db: Session, session: models.FestivalSession) -> StreamersDay:
    """The session's day as its stand-ins see it, for all of that day's no-shows: a session
    in `busy` is its own streamer's, who never stands in for it."""
    return StreamersDay(
        busy=streamers_on(db, session, leave_out=None), absent=absent_today(db, session)
    )


def absent_today(db: Session, session: models.FestivalSession) -> set[str]:
    """The streamers who did not show on the session's day (live.state.absent_on_the_day)."""
    return absent_on_the_day(db, session, NoShowWho.streamer)


def breaches(
    festival: Festival, session: models.FestivalSession, streamer_id: str, busy: Busy
) -> list[tuple[str, str]]:
    """The hard rules `streamer_id` would break taking `session`: (kind, words) pairs."""
    st = festival.streamer.get(streamer_id)
    if st is None:
        return [("unknown", f"{streamer_id} is not a streamer of this festival")]
    ent = festival.enterprise[session.enterprise]
    out: list[tuple[str, str]] = []
    if st.employer is not None and st.employer != ent.id:
        out.append(("in-house", f"{st.name} is in-house at {st.employer} and serves only it"))
    if ent.industry not in st.industries:
        out.append(("industry", f"{st.name} does not sell {_industry(festival, ent.industry)}"))
    if session.platform not in st.platforms:
        out.append(("platform", f"{st.name} is not on {session.platform}"))
    day = session.day.isoformat()
    start = festival.slots[session.slot].start
    if _marked(st.unavailable, day, start):
        out.append(("unavailable", f"{st.name} is unavailable on {day} at {start}"))
    taken = busy.slots.get(session.slot)
    if taken is not None:
        out.append(("busy", f"{st.name} has session {taken[3]} at {start}"))
    if len(busy.slots) + 1 > st.max_sessions_per_day:
        out.append(
            (
                "daily limit",
                f"{st.name} already has {len(busy.slots)} of {st.max_sessions_per_day} "
                f"sessions on {day}",
            )
        )
    for near in (session.slot - 1, session.slot + 1):
        other = busy.slots.get(near)
        if other is not None and other[0] != session.venue:
            out.append(
                (
                    "travel",
                    f"{st.name} is at venue {other[0]} in the neighbouring slot "
                    f"({festival.slots[near].start}), with no free slot to travel",
                )
            )
    return out


def _marked(marks: list[str], day: str, start: str) -> bool:
    return any(m == day or m == f"{day}T{start}" for m in marks)


def _industry(festival: Festival, industry: str) -> str:
    found = festival.industry.get(industry)
    return found.name if found else industry


def score(
    festival: Festival, session: models.FestivalSession, streamer_id: str, busy: Busy
) -> Candidate:
    """The ranking of a streamer that keeps every hard rule, with its reasons in words."""
    st = festival.streamer[streamer_id]
    ent = festival.enterprise[session.enterprise]
    venue = festival.venue[session.venue]
    points, reasons = 0, list[str]()
    if st.employer == ent.id:
        points += 1000
        reasons.append(Reason("in_house", enterprise=ent.name))
    if st.town == venue.town:
        points += 30
        reasons.append(Reason("venue_town", town=_town(festival, st.town)))
    elif st.town == ent.town:
        points += 20
        reasons.append(Reason("enterprise_town", town=_town(festival, st.town)))
    if any(e == ent.id for _v, e, _i, _s in busy.slots.values()):
        points -= 20
        reasons.append(Reason("sold_today", enterprise=ent.name))
    else:
        points += 10
        reasons.append(Reason("fresh", enterprise=ent.name))
    neighbours = [busy.slots.get(session.slot + d) for d in (-1, 1)]
    if any(n is not None and n[2] == ent.industry for n in neighbours):
        points -= 5
        reasons.append(Reason("same_industry_near"))
    used, limit = len(busy.slots), st.max_sessions_per_day
    points += 10 * (limit - used) // max(limit, 1)
    reasons.append(Reason("free_day") if used == 0 else Reason("day_load", used=used, limit=limit))
    reasons.append(
        Reason("sells_on", industry=_industry(festival, ent.industry), platform=session.platform)
    )
    return Candidate(streamer=st.id, name=st.name, score=points, reasons=reasons)


def _town(festival: Festival, town: str) -> str:
    found = festival.town.get(town)
    return found.name if found else town


def candidates(
    db: Session,
    festival: Festival,
    session: models.FestivalSession,
    known: StreamersDay | None = None,
) -> tuple[list[Candidate], list[str]]:
    """Streamers who may take the session, best first; when none, why not (in words).
    `known`: the session's day read already (streamers_day), shared by its no-shows."""
    if known is None:
        day, absent = day_of_streamers(db, session), absent_today(db, session)
    else:
        day, absent = known.busy, known.absent
    found: list[Candidate] = []
    why: Counter[str] = Counter()
    for st in festival.streamers:
        if st.id == session.streamer:
            continue
        if st.id in absent:
            why["absent"] += 1
            continue
        broken = breaches(festival, session, st.id, day[st.id] if st.id in day else Busy())
        if broken:
            why[broken[0][0]] += 1
            continue
        found.append(score(festival, session, st.id, day.get(st.id, Busy())))
    found.sort(key=lambda c: (-c.score, c.streamer))
    return found, ([] if found else _no_one(festival, session, why))


def _no_one(festival: Festival, session: models.FestivalSession, why: Counter[str]) -> list[str]:
    ent = festival.enterprise[session.enterprise]
    words = {
        "industry": _industry(festival, ent.industry),
        "platform": session.platform,
        "start": festival.slots[session.slot].start,
    }
    out: list[str] = [Reason("no_streamer", session=session.id, n=len(festival.streamers) - 1)]
    out += [Reason(f"why_{k}", n=n, **words) for k, n in why.most_common()]
    return out
