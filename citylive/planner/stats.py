"""A schedule's figures, counted from its sessions alone (so any document can be measured)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from citylive.festival import Festival
from models.enums import LIVE_STATUSES


def schedule_stats(festival: Festival, doc: dict) -> dict:
    """S1 value, S2 prime-time value, S3 clash pairs, S4 main-venue duplicates, towns per
    day and themed sessions, S5 lowest town share, S8 freshness repeats."""
    f = festival
    main = f.main_venue.id
    venue_town = f.venue_town
    sub_towns = {v.town for v in f.venues if v.kind == "sub"}
    live = [s for s in doc["sessions"] if s["status"] in LIVE_STATUSES]
    ents = f.enterprise
    prime = set(f.info.prime_slots)
    value = prime_value = 0
    sub_n: Counter = Counter()
    main_n: Counter = Counter()
    towns_day: dict[str, set[str]] = {d.isoformat(): set() for d in f.days}
    placed_town: Counter = Counter()
    themed: Counter = Counter()
    for s in live:
        ent = ents[s["enterprise"]]
        value += ent.expected_gmv
        if s["start"][11:16] in prime:
            prime_value += ent.expected_gmv
        placed_town[ent.town] += 1
        if s.get("theme"):
            themed[s["theme"]] += 1
        if s["venue"] == main:
            main_n[(ent.industry, s["start"])] += 1
            towns_day.setdefault(s["start"][:10], set()).add(ent.town)
        else:
            sub_n[(venue_town[s["venue"]], ent.industry, s["start"])] += 1
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


def freshness_repeats(festival: Festival, live: list[dict]) -> tuple[int, int]:
    """S8: (a streamer's further sessions with one enterprise on one day, consecutive
    sessions of one streamer's day in one industry for different enterprises; counted only
    for streamers who know more than one industry, where a change is possible at all)."""
    ents = festival.enterprise
    varied = {s.id for s in festival.streamers if len(s.industries) > 1}
    pair: Counter = Counter()
    days: dict[tuple[str, str], list[tuple[datetime, str]]] = defaultdict(list)
    for s in live:
        pair[(s["streamer"], s["enterprise"], s["start"][:10])] += 1
        days[(s["streamer"], s["start"][:10])].append(
            (datetime.fromisoformat(s["start"]), s["enterprise"])
        )
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
