"""A slot an enterprise left empty, offered to its town's requests the schedule could not
place: enterprises of the session's town that have fewer sessions than they asked for and
could hold this one keeping every hard rule (H3: the venue is one of theirs and they have no
other session then; H4: available; H5: the streamer knows their industry and shares a
platform with them; H6: an in-house streamer serves only its employer; H7: the day's supply
allows one more; the themed block's industries where the slot is in one).  The streamer,
the studio and the venue stay as they are, so H1, H2 and H8 (the town keeps its session)
hold as before.  Best expected GMV first; where nobody fits, the reasons say why."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlmodel import Session, col, func, select

import models
from citylive.festival import Festival
from citylive.festival.schema import Enterprise
from citylive.live.reasons import Reason
from citylive.live.state import absent_on_the_day
from models.enums import LIVE_STATUSES
from models.live import NoShowWho

S = models.FestivalSession


@dataclass
class Tally:
    """The sessions in play of the town's enterprises: per (enterprise, slot) and per
    (enterprise, -1) on the session's day, and in the whole festival."""

    day: Counter[tuple[str, int]]
    total: Counter[str]


def _marked(marks: list[str], day: str, start: str) -> bool:
    return any(m == day or m == f"{day}T{start}" for m in marks)


def tally(db: Session, session: models.FestivalSession, ids: list[str]) -> Tally:
    out = Tally(day=Counter(), total=Counter())
    if not ids:
        return out
    in_play = col(S.status).in_([s.value for s in LIVE_STATUSES])
    for enterprise, slot in db.exec(
        select(S.enterprise, S.slot).where(
            S.festival_id == session.festival_id,
            S.day == session.day,
            col(S.enterprise).in_(ids),
            in_play,
        )
    ):
        out.day[(enterprise, int(slot))] += 1
        out.day[(enterprise, -1)] += 1
    for enterprise, n in db.exec(
        select(S.enterprise, func.count())
        .where(S.festival_id == session.festival_id, col(S.enterprise).in_(ids), in_play)
        .group_by(col(S.enterprise))
    ):
        out.total[enterprise] = int(n)
    return out


def absent_enterprises(db: Session, session: models.FestivalSession) -> set[str]:
    """The enterprises who did not show on the session's day (live.state.absent_on_the_day)."""
    return absent_on_the_day(db, session, NoShowWho.enterprise)


def platform_for(festival: Festival, session: models.FestivalSession, ent: Enterprise) -> str:
    """The session's platform when the enterprise is on it, else their first in common."""
    st = festival.streamer[session.streamer]
    shared = [p for p in ent.platforms if p in st.platforms]
    return session.platform if session.platform in shared else (shared or [session.platform])[0]


def breaches(
    festival: Festival, session: models.FestivalSession, ent: Enterprise, t: Tally
) -> list[tuple[str, str]]:
    """The hard rules `ent` would break taking the session's slot: (kind, words) pairs."""
    st = festival.streamer[session.streamer]
    day, start = session.day.isoformat(), festival.slots[session.slot].start
    out: list[tuple[str, str]] = []
    if session.venue not in {v.id for v in festival.allowed_venues(ent)}:
        out.append(("venue", f"{ent.name} may not use venue {session.venue}"))
    if t.day[(ent.id, session.slot)]:
        out.append(("busy", f"{ent.name} has another session at {start}"))
    if _marked(ent.unavailable, day, start):
        out.append(("unavailable", f"{ent.name} is unavailable on {day} at {start}"))
    per_day = ent.skus // max(festival.info.min_skus_per_session, 1)
    if t.day[(ent.id, -1)] + 1 > per_day:
        out.append(("supply", f"{ent.name}'s {ent.skus} SKUs allow {per_day} sessions on {day}"))
    if ent.industry not in st.industries:
        out.append(("industry", f"{st.name} does not sell {ent.industry}"))
    if st.employer not in (None, ent.id):
        out.append(("in-house", f"{st.name} is in-house at {st.employer} and serves only it"))
    if not any(p in st.platforms for p in ent.platforms):
        out.append(("platform", f"{ent.name} shares no platform with {st.name}"))
    theme = next((x for x in festival.themes if x.id == session.theme), None)
    if theme is not None and ent.industry not in theme.industries:
        out.append(("theme", f"{ent.name} does not sell an industry of the {theme.name} block"))
    return out


def waiting(festival: Festival, session: models.FestivalSession, t: Tally) -> list[Enterprise]:
    """The town's enterprises with fewer sessions than they asked for (the session's own
    enterprise aside)."""
    return [
        e
        for e in festival.enterprises
        if e.town == session.town and e.id != session.enterprise and t.total[e.id] < e.sessions
    ]


def offer(
    festival: Festival, session: models.FestivalSession, ent: Enterprise, t: Tally
) -> dict[str, object]:
    st = festival.streamer[session.streamer]
    platform = platform_for(festival, session, ent)
    got = t.total[ent.id]
    day, start = session.day.isoformat(), festival.slots[session.slot].start
    return {
        "enterprise": ent.id,
        "name": ent.name,
        "platform": platform,
        "score": ent.expected_gmv,
        "reasons": [
            Reason("waiting", asked=ent.sessions, got=got, missing=ent.sessions - got),
            Reason("streamer_sells", streamer=st.name, platform=platform),
            Reason("free_gmv", day=day, start=start, gmv=f"{ent.expected_gmv:,}"),
        ],
    }


@dataclass
class TownDay:
    """What the waiting requests of every no-show of one town and day share: the town's
    enterprises' sessions in play (tally) and the enterprises who did not show that day."""

    tally: Tally
    absent: set[str]


def town_day(db: Session, festival: Festival, session: models.FestivalSession) -> TownDay:
    """The session's town and day as its waiting requests see them."""
    town_ids = [e.id for e in festival.enterprises if e.town == session.town]
    return TownDay(tally=tally(db, session, town_ids), absent=absent_enterprises(db, session))


def offers(
    db: Session,
    festival: Festival,
    session: models.FestivalSession,
    known: TownDay | None = None,
) -> tuple[list[dict[str, object]], list[str]]:
    """The town's unplaced requests that could take the session's slot, best first; when
    none, why not (in words).  `known`: the session's town and day read already (town_day),
    shared by its no-shows."""
    known = known or town_day(db, festival, session)
    t, absent = known.tally, known.absent
    out: list[dict[str, object]] = []
    why: Counter[str] = Counter()
    candidates = waiting(festival, session, t)
    for ent in candidates:
        broken = [("absent", "")] if ent.id in absent else breaches(festival, session, ent, t)
        if broken:
            why[broken[0][0]] += 1
            continue
        out.append(offer(festival, session, ent, t))
    out.sort(key=lambda o: (-int(o["score"]), str(o["enterprise"])))  # type: ignore[call-overload]
    return out, ([] if out else _no_one(festival, session, len(candidates), why))


def _no_one(
    festival: Festival, session: models.FestivalSession, n: int, why: Counter[str]
) -> list[str]:
    town = festival.town.get(session.town)
    name = town.name if town else session.town
    words = {"venue": session.venue, "start": festival.slots[session.slot].start}
    out: list[str] = [Reason("no_request", town=name, session=session.id, n=n)]
    out += [Reason(f"offer_{k}", n=c, **words) for k, c in why.most_common()]
    return out
