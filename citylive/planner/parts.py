"""Planning a whole city in parts: the master allocation of what the parts share.

A part is a district (its towns), the towns in no district, or, in a city without districts,
a group of neighbouring towns of about `plan_part_sessions` requests.  The parts share the
main venue and the streamers; the master splits both before any part is solved:

- the main venue's studios, in proportion to each part's requests (largest remainder; every
  part with requests at least one studio while there are enough), so each part can give
  every town its H8 session and none takes the whole showcase;
- each streamer's days: a streamer works for one part on a day (so H2's slot, day and
  travel rules hold inside each part), the part whose industries are furthest behind their
  requests, its home part a little ahead on ties (S6);
- a sub-venue to the part of its town, a district venue to its district, own rooms to their
  enterprise's part.

Each part is then a festival file of its own (`part_document`), solved alone; inparts.py
joins them and repairs the seams.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from citylive.festival import Festival
from citylive.planner.master import Master

HOME = 1.2  # a streamer's home part's edge in the master's choice of part for a day


@dataclass
class Part:
    name: str
    towns: list[str]
    requests: int = 0
    main_studios: int = 0
    streamer_days: dict[str, set[int]] = field(default_factory=dict)  # streamer -> days


def make_parts(festival: Festival, part_sessions: int) -> list[Part]:
    """The parts: each district, then the towns in none (grouped by neighbourhood into
    parts of about `part_sessions` requests when the city has no districts)."""
    f = festival
    req: dict[str, int] = defaultdict(int)
    for e in f.enterprises:
        req[e.town] += e.sessions
    parts = [Part(d.id, list(d.towns)) for d in f.districts]
    rest = [t.id for t in f.towns if t.id not in f.district_of_town]
    if rest:
        total = sum(req[t] for t in rest)
        k = max(1 if f.districts else 2, math.ceil(total / part_sessions))
        for i, group in enumerate(_groups(f, rest, req, k)):
            parts.append(Part(f"towns-{i + 1}" if f.districts or k > 1 else "towns", group))
    for pt in parts:
        pt.requests = sum(req[t] for t in pt.towns)
    return [pt for pt in parts if pt.towns]


def _groups(f: Festival, towns: list[str], req: dict[str, int], k: int) -> list[list[str]]:
    """`towns` in `k` groups of about equal requests, each grown along neighbours."""
    target = sum(req[t] for t in towns) / k
    left = list(towns)
    out: list[list[str]] = []
    while left:
        group = [left.pop(0)]
        load = req[group[0]]
        frontier = [group[0]]
        while frontier and (load < target or len(out) == k - 1) and left:
            t = frontier.pop(0)
            for n in sorted(f.neighbours.get(t, ())):
                if n in left and (load < target or len(out) == k - 1):
                    left.remove(n)
                    group.append(n)
                    frontier.append(n)
                    load += req[n]
            if not frontier and left and (load < target or len(out) == k - 1):
                nxt = left.pop(0)  # not connected: the next town in file order
                group.append(nxt)
                frontier.append(nxt)
                load += req[nxt]
        out.append(group)
    return out


def split_main(festival: Festival, parts: list[Part], master: Master | None = None) -> None:
    """Each part's studios of the main venue: in proportion to the studio-slots the master's
    flow uses for it (what is left over, and everything without a master, in proportion to
    its requests); largest remainder, every part with requests at least one studio while
    there are enough (H8)."""
    studios = festival.main_venue.studios
    asking = [pt for pt in parts if pt.requests > 0]
    total = sum(pt.requests for pt in asking) or 1
    base = 1 if studios >= len(asking) else 0
    spread = studios - base * len(asking)
    used = {pt.name: 0.0 for pt in asking}
    if master is not None:
        slots = len(festival.days) * len(festival.slots)
        units = {pt.name: master.main_units.get(pt.name, 0) / slots for pt in asking}
        # the studios the flow fills, less the one each part has already
        used = {k: max(0.0, x - base) for k, x in units.items()}
        scale = min(1.0, spread / (sum(used.values()) or 1))
        used = {k: x * scale for k, x in used.items()}
    free = spread - sum(used.values())
    exact = {pt.name: used[pt.name] + free * pt.requests / total for pt in asking}
    for pt in asking:
        pt.main_studios = base + math.floor(exact[pt.name] + 1e-9)
    left = studios - sum(pt.main_studios for pt in asking)
    for pt in sorted(asking, key=lambda x: (-(exact[x.name] % 1), x.name))[:left]:
        pt.main_studios += 1


def split_streamers(festival: Festival, parts: list[Part], master: Master | None = None) -> None:
    """Each streamer's festival days, one part a day (an in-house streamer's all to its
    employer's part): the part whose industries have the fewest streamer-slots per
    session asked for so far; with a master, the sessions its flow can place."""
    f = festival
    part_of_town = {t: pt.name for pt in parts for t in pt.towns}
    need: dict[tuple[str, str], int] = defaultdict(int)  # (part, industry) -> requests
    for e in f.enterprises:
        need[(part_of_town[e.town], e.industry)] += e.sessions
    if master is not None:
        need = defaultdict(int, {k: n for k, n in master.placed.items() if n > 0})
    got: dict[tuple[str, str], float] = defaultdict(float)
    by_name = {pt.name: pt for pt in parts}
    order = []
    for s in f.streamers:
        if s.employer is not None:
            own = part_of_town[f.enterprise[s.employer].town]
            by_name[own].streamer_days[s.id] = set(range(len(f.days)))
            continue
        options = sorted({pt for (pt, ind) in need if ind in s.industries})
        order.append((len(options), s.id, options))
    order.sort()
    for _n, sid, options in order:
        s = f.streamer[sid]
        if not options:
            continue
        home = part_of_town.get(s.town)
        for d in range(len(f.days)):
            scored = []
            for pt in options:
                gap = sum(
                    need[(pt, ind)] / (1.0 + got[(pt, ind)])
                    for ind in s.industries
                    if need[(pt, ind)]
                )
                scored.append((gap * (HOME if pt == home else 1.0), pt == home, pt))
            best = max(scored)[2]
            by_name[best].streamer_days.setdefault(sid, set()).add(d)
            inds = [ind for ind in s.industries if need[(best, ind)]]
            for ind in inds:
                got[(best, ind)] += s.max_sessions_per_day / len(inds)


def part_document(festival: Festival, full: dict[str, Any], part: Part) -> dict[str, Any]:
    """The festival file of one part: its towns' enterprises and venues, the main venue
    with the part's studios, the streamers on their days for it (other days unavailable),
    no themed blocks (the join puts sessions in them)."""
    f = festival
    towns = set(part.towns)
    ents = [e for e in full["enterprises"] if e["town"] in towns]
    ent_ids = {e["id"] for e in ents}
    venues = []
    for v in full["venues"]:
        kind = v["kind"]
        if kind == "main":
            studios = max(1, part.main_studios)
            closed = list(v.get("closed", [])) if part.main_studios else [
                d.isoformat() for d in f.days
            ]  # fmt: skip
            venues.append(v | {"studios": studios, "closed": closed})
        elif (
            (kind == "sub" and v["town"] in towns)
            or (kind == "district" and v["district"] == part.name)
            or (kind == "own" and v["enterprise"] in ent_ids)
        ):
            venues.append(v)
    streamers = []
    for s in full["streamers"]:
        days = part.streamer_days.get(s["id"])
        if not days:
            continue
        off = [d.isoformat() for i, d in enumerate(f.days) if i not in days]
        streamers.append(s | {"unavailable": list(s.get("unavailable", [])) + off})
    doc = {k: v for k, v in full.items() if k not in ("themes", "collective_stores")}
    doc.update(
        {
            "festival": full["festival"] | {"id": full["festival"]["id"]},
            "districts": [d for d in full.get("districts", []) if d["id"] == part.name],
            "venues": venues,
            "enterprises": ents,
            "streamers": streamers,
        }
    )
    return doc
