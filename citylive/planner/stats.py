"""A schedule's figures, counted from its sessions alone (so any document can be measured)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, NamedTuple

from citylive.festival import Festival
from citylive.schedule.document import ScheduleDocument
from models.enums import LIVE_STATUSES


class Seen(NamedTuple):
    """What the figures read of a session in play."""

    enterprise: str
    streamer: str
    venue: str
    start: datetime
    theme: str | None


def schedule_stats(festival: Festival, doc: ScheduleDocument | Mapping[str, Any]) -> dict:
    """The figures of a document, or of a document's JSON as it was read (a baseline's or
    a hand-made one, which need not carry every field of a session)."""
    return figures(festival, sessions_in_play(doc))


def sessions_in_play(doc: ScheduleDocument | Mapping[str, Any]) -> list[Seen]:
    if isinstance(doc, ScheduleDocument):
        return [
            Seen(s.enterprise, s.streamer, s.venue, s.start, s.theme) for s in doc.live_sessions
        ]
    return [
        Seen(s["enterprise"], s["streamer"], s["venue"], datetime.fromisoformat(s["start"]),
             s.get("theme"))
        for s in doc["sessions"]
        if s["status"] in LIVE_STATUSES
    ]  # fmt: skip


def figures(festival: Festival, live: list[Seen]) -> dict:
    """S1 value, S2 prime-time value, S3 clash pairs, S4 main-venue duplicates, towns per
    day and themed sessions, S5 lowest town share, S8 freshness repeats."""
    f = festival
    main = f.main_venue.id
    venue_town = f.venue_town
    sub_towns = {v.town for v in f.venues if v.kind == "sub"}
    ents = f.enterprise
    prime = set(f.info.prime_slots)
    value = prime_value = 0
    sub_n: Counter = Counter()
    main_n: Counter = Counter()
    towns_day: dict[str, set[str]] = {d.isoformat(): set() for d in f.days}
    placed_town: Counter = Counter()
    themed: Counter = Counter()
    for s in live:
        ent = ents[s.enterprise]
        value += ent.expected_gmv
        if s.start.strftime("%H:%M") in prime:
            prime_value += ent.expected_gmv
        placed_town[ent.town] += 1
        if s.theme:
            themed[s.theme] += 1
        if s.venue == main:
            main_n[(ent.industry, s.start)] += 1
            towns_day.setdefault(s.start.date().isoformat(), set()).add(ent.town)
        else:
            sub_n[(venue_town[s.venue], ent.industry, s.start)] += 1
    clash = sum(n * (n - 1) // 2 for n in sub_n.values())
    for (town, ind, start), n in sub_n.items():
        for u in f.neighbours.get(town, ()):
            if u in sub_towns and u > town:
                clash += n * sub_n.get((u, ind, start), 0)
    dups = sum(n * (n - 1) // 2 for n in main_n.values())
    req: Counter = Counter()
    for e in f.enterprises:
        req[e.town] += e.sessions
    shares = {t: placed_town[t] / r for t, r in req.items() if r > 0}
    at_main = set().union(*towns_day.values()) if towns_day else set()
    same_pair, in_a_row = freshness_repeats(festival, live)
    return {
        "placed": len(live),
        "requested": f.requested_sessions(),
        "value": value,
        "prime_value": prime_value,
        "clash_pairs": clash,
        "main_duplicates": dups,
        "towns_per_day": {d: len(ts) for d, ts in sorted(towns_day.items())},
        "towns_missing_main": sorted(t for t in placed_town if t not in at_main),
        "lowest_town_share": round(min(shares.values()), 4) if shares else 1.0,
        "themed_sessions": dict(sorted(themed.items())),
        "freshness_repeats": same_pair + in_a_row,
        "freshness": {"same_enterprise_day": same_pair, "same_industry_in_a_row": in_a_row},
    }


def freshness_repeats(festival: Festival, live: list[Seen]) -> tuple[int, int]:
    """S8: (a streamer's further sessions with one enterprise on one day, consecutive
    sessions of one streamer's day in one industry for different enterprises; counted only
    for streamers who know more than one industry, where a change is possible at all)."""
    ents = festival.enterprise
    varied = {s.id for s in festival.streamers if len(s.industries) > 1}
    pair: Counter = Counter()
    days: dict[tuple[str, date], list[tuple[datetime, str]]] = defaultdict(list)
    for s in live:
        day = s.start.date()
        pair[(s.streamer, s.enterprise, day)] += 1
        days[(s.streamer, day)].append((s.start, s.enterprise))
    same_pair = sum(n - 1 for n in pair.values() if n > 1)
    in_a_row = 0
    for (streamer, _day), seq in days.items():
        if streamer not in varied:
            continue
        seq.sort()
        for (_a, e1), (_b, e2) in zip(seq, seq[1:], strict=False):
            if e1 != e2 and ents[e1].industry == ents[e2].industry:
                in_a_row += 1
    return same_pair, in_a_row
