"""The schedule validator: every hard rule H1-H8 and the themed blocks on any
`citylive/schedule@1` document.

It reads the festival's own fields and the schedule's sessions and shares no code with the
planner, so a planner bug cannot hide itself.  Each breach is one line, starting with the
rule it breaks (`H2 streamer: ...`); an empty list means the schedule keeps every rule.
Only `proposed` and `confirmed` sessions take part in the rules.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from citylive.festival import Festival
from citylive.festival.schema import Enterprise, Streamer, Venue
from citylive.schedule.checker_grid import closed as _closed
from citylive.schedule.checker_grid import grid as _grid
from citylive.schedule.checker_grid import main_possible as _main_possible

LIVE = ("proposed", "confirmed")
STATUSES = ("proposed", "confirmed", "declined", "cancelled")


def check_schedule(festival: Festival, document: object) -> list[str]:
    """Every breach of H1-H8 in `document` (a `ScheduleDocument` or the JSON as read)."""
    if hasattr(document, "dump"):
        document = document.dump()
    if not isinstance(document, dict):
        return ["schedule: not a JSON object"]
    g = _Grounds.of(festival)
    out = _header(g, document)
    live = _read_sessions(g, document, out)
    out.extend(_session_rules(g, live))
    tally = _Tally(g, live)
    out.extend(_clashes_and_limits(g, tally))
    out.extend(_themes(festival, live, g.grid, g.main))
    out.extend(_one_city(g, tally))
    out.extend(_unplaced(g, document, tally))
    return out


@dataclass
class _Grounds:
    """What the rules read of the festival: its look-ups and its grid of slots."""

    f: Festival
    ents: dict[str, Enterprise]
    strs: dict[str, Streamer]
    venues: dict[str, Venue]
    main: str | None
    subs_of_town: dict[str, set[str]]
    district_of: dict[str, str]
    nbrs: dict[str, set[str]]
    grid: list[tuple[str, str, datetime, datetime]]
    by_instant: dict[datetime, int]

    @classmethod
    def of(cls, f: Festival) -> _Grounds:
        mains = [v for v in f.venues if v.kind == "main"]
        nbrs: dict[str, set[str]] = defaultdict(set)
        for t in f.towns:
            for other in t.neighbours:
                nbrs[t.id].add(other)
                nbrs[other].add(t.id)
        grid = _grid(f)
        subs_of_town: dict[str, set[str]] = defaultdict(set)
        for venue in f.venues:
            if venue.kind == "sub":
                subs_of_town[venue.town].add(venue.id)
        return cls(
            f=f,
            ents={e.id: e for e in f.enterprises},
            strs={s.id: s for s in f.streamers},
            venues={v.id: v for v in f.venues},
            main=mains[0].id if mains else None,
            subs_of_town=subs_of_town,
            district_of={t: d.id for d in f.doc.districts for t in d.towns},
            nbrs=nbrs,
            grid=grid,
            by_instant={start: i for i, (_d, _s, start, _e) in enumerate(grid)},
        )

    def when(self, idx: int) -> str:
        return f"{self.grid[idx][0]} {self.grid[idx][1]}"


@dataclass
class _Live:
    """A session in play that names what the festival knows, in one slot of it."""

    sid: str
    e: Enterprise
    st: Streamer
    v: Venue
    studio: int
    idx: int
    platform: object
    theme: object


def _header(g: _Grounds, document: dict) -> list[str]:
    out: list[str] = []
    if document.get("format") != "citylive/schedule@1":
        out.append(
            f"schedule: format is {document.get('format')!r}, expected 'citylive/schedule@1'"
        )
    if document.get("festival") != g.f.id:
        out.append(f"schedule: written for festival {document.get('festival')!r}, not {g.f.id!r}")
    return out


def _read_sessions(g: _Grounds, document: dict, out: list[str]) -> list[_Live]:
    """The sessions in play; what cannot be read (unknown names, no slot) goes to `out`."""
    live: list[_Live] = []
    seen: set[str] = set()
    for i, s in enumerate(document.get("sessions") or []):
        sid = str(s.get("id")) if isinstance(s, dict) else f"sessions[{i}]"
        if not isinstance(s, dict):
            out.append(f"{sid}: not an object")
            continue
        if sid in seen:
            out.append(f"session {sid}: the id is used twice")
        seen.add(sid)
        status = s.get("status")
        if status not in STATUSES:
            out.append(f"session {sid}: unknown status {status!r}")
            continue
        found = _read_one(g, sid, s, out)
        if found is not None and status in LIVE:
            live.append(found)
    return live


def _read_one(g: _Grounds, sid: str, s: dict, out: list[str]) -> _Live | None:
    e = g.ents.get(str(s.get("enterprise")))
    st = g.strs.get(str(s.get("streamer")))
    v = g.venues.get(str(s.get("venue")))
    bad = False
    if e is None:
        out.append(f"session {sid}: unknown enterprise {s.get('enterprise')!r}")
        bad = True
    if st is None:
        out.append(f"session {sid}: unknown streamer {s.get('streamer')!r}")
        bad = True
    if v is None:
        out.append(f"session {sid}: unknown venue {s.get('venue')!r}")
        bad = True
    elif not (isinstance(s.get("studio"), int) and 1 <= s["studio"] <= v.studios):
        out.append(f"session {sid}: venue {v.id} has no studio {s.get('studio')!r}")
        bad = True
    try:
        start = datetime.fromisoformat(str(s.get("start")))
        end = datetime.fromisoformat(str(s.get("end")))
        idx: int | None = g.by_instant.get(start) if start.tzinfo is not None else None
    except ValueError:
        idx, end = None, None
    if idx is None or g.grid[idx][3] != end:
        out.append(
            f"session {sid}: {s.get('start')} to {s.get('end')} is not one slot of the festival"
        )
        bad = True
    if bad or e is None or st is None or v is None or idx is None:
        return None
    return _Live(sid, e, st, v, s["studio"], idx, s.get("platform"), s.get("theme"))


def _session_rules(g: _Grounds, live: list[_Live]) -> list[str]:
    """H3 (where), H4, H5 and H6: what each session breaks on its own."""
    out: list[str] = []
    for x in live:
        sid, e, st, v = x.sid, x.e, x.st, x.v
        day, hhmm, _start, _end = g.grid[x.idx]
        if v.kind == "own" and v.enterprise != e.id:
            out.append(
                f"H3 venue: session {sid} of {e.id} is at {v.id}, the own rooms of {v.enterprise}"
            )
        elif not _venue_ok(g, e.town, e.id, v):
            out.append(
                f"H3 venue: session {sid} of {e.id} (town {e.town}) is at {v.id}, which is "
                "neither its town's sub-venue nor the main venue"
                + (" (nor its district's venue or its own rooms)" if g.f.doc.districts else "")
            )
        if _closed(e.unavailable, day, hhmm):
            out.append(
                f"H4 availability: session {sid} at {day} {hhmm}: enterprise {e.id} is unavailable"
            )
        if _closed(st.unavailable, day, hhmm):
            out.append(
                f"H4 availability: session {sid} at {day} {hhmm}: streamer {st.id} is unavailable"
            )
        if _closed(v.closed, day, hhmm):
            out.append(f"H4 availability: session {sid} at {day} {hhmm}: venue {v.id} is closed")
        if e.industry not in st.industries:
            out.append(
                f"H5 fit: session {sid}: streamer {st.id} does not know industry {e.industry}"
            )
        if x.platform not in e.platforms or x.platform not in st.platforms:
            out.append(
                f"H5 fit: session {sid}: platform {x.platform!r} is not in the platforms of both "
                f"{e.id} and {st.id}"
            )
        if st.employer is not None and st.employer != e.id:
            out.append(
                f"H6 in-house: session {sid}: streamer {st.id} serves only {st.employer}, not {e.id}"
            )
    return out


class _Tally:
    """The sessions in play counted by studio, streamer, enterprise and town."""

    def __init__(self, g: _Grounds, live: list[_Live]) -> None:
        self.studio: dict[tuple[str, int, int], list[str]] = defaultdict(list)
        self.s_slot: dict[tuple[str, int], list[str]] = defaultdict(list)
        self.s_day: dict[tuple[str, str], int] = defaultdict(int)
        self.s_where: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
        self.e_slot: dict[tuple[str, int], list[str]] = defaultdict(list)
        self.e_total: dict[str, int] = defaultdict(int)
        self.e_day: dict[tuple[str, str], int] = defaultdict(int)
        self.town_placed: dict[str, int] = defaultdict(int)
        self.town_main: set[str] = set()
        for x in live:
            day = g.grid[x.idx][0]
            self.studio[(x.v.id, x.studio, x.idx)].append(x.sid)
            self.s_slot[(x.st.id, x.idx)].append(x.sid)
            self.s_day[(x.st.id, day)] += 1
            self.s_where[x.st.id].append((x.idx, x.v.id, x.sid))
            self.e_slot[(x.e.id, x.idx)].append(x.sid)
            self.e_total[x.e.id] += 1
            self.e_day[(x.e.id, day)] += 1
            self.town_placed[x.e.town] += 1
            if x.v.id == g.main:
                self.town_main.add(x.e.town)


def _clashes_and_limits(g: _Grounds, t: _Tally) -> list[str]:
    """H1 (a studio), H2 (a streamer's slot, day and travel), H3 (an enterprise's slot and
    total) and H7 (supply per day)."""
    out: list[str] = []
    when, n_slots = g.when, len(g.f.slots)
    for (vid, room, idx), ids in sorted(t.studio.items()):
        if len(ids) > 1:
            out.append(
                f"H1 studio: {vid} studio {room} at {when(idx)} holds {len(ids)} sessions: {', '.join(ids)}"
            )
    for (st_id, idx), ids in sorted(t.s_slot.items()):
        if len(ids) > 1:
            out.append(
                f"H2 streamer: {st_id} has {len(ids)} sessions at {when(idx)}: {', '.join(ids)}"
            )
    for (st_id, day), n in sorted(t.s_day.items()):
        if n > g.strs[st_id].max_sessions_per_day:
            out.append(
                f"H2 streamer: {st_id} has {n} sessions on {day}, more than "
                f"max_sessions_per_day {g.strs[st_id].max_sessions_per_day}"
            )
    for st_id, places in sorted(t.s_where.items()):
        places.sort()
        for (i1, v1, id1), (i2, v2, id2) in zip(places, places[1:], strict=False):
            if i2 == i1 + 1 and i1 // n_slots == i2 // n_slots and v1 != v2:
                out.append(
                    f"H2 streamer: {st_id} goes from {v1} ({id1}, {when(i1)}) to {v2} "
                    f"({id2}, {when(i2)}) with no free slot between"
                )
    for (e_id, idx), ids in sorted(t.e_slot.items()):
        if len(ids) > 1:
            out.append(
                f"H3 enterprise: {e_id} has {len(ids)} sessions at {when(idx)}: {', '.join(ids)}"
            )
    for e_id, n in sorted(t.e_total.items()):
        if n > g.ents[e_id].sessions:
            out.append(f"H3 enterprise: {e_id} has {n} sessions, asked for {g.ents[e_id].sessions}")
    mins = g.f.info.min_skus_per_session
    for (e_id, day), n in sorted(t.e_day.items()):
        cap = g.ents[e_id].skus // mins
        if n > cap:
            out.append(
                f"H7 supply: {e_id} has {n} sessions on {day}; {g.ents[e_id].skus} SKUs allow {cap} a day"
            )
    return out


def _one_city(g: _Grounds, t: _Tally) -> list[str]:
    """H8: every town with a placed session has one at the main venue, where it can."""
    out: list[str] = []
    for town in sorted(t.town_placed):
        if town in t.town_main or g.main is None or not _main_possible(g.f, town, g.grid, g.main):
            continue
        n = t.town_placed[town]
        out.append(
            f"H8 one city: town {town} has {n} placed "
            f"session{'' if n == 1 else 's'} and none at the main venue {g.main}"
        )
    out.extend(_districts_at_main(g, t))
    return out


def _venue_ok(g: _Grounds, town: str, enterprise: str, v: Venue) -> bool:
    """H3's places: the main venue, a sub-venue of its town (of a neighbouring town when its
    own has none), a venue of its town's district, its own rooms."""
    if v.id == g.main or v.id in g.subs_of_town.get(town, ()):
        return True
    if v.kind == "sub" and town not in g.subs_of_town:
        return v.town in g.nbrs[town]
    if v.kind == "district":
        return v.district == g.district_of.get(town, "")
    return v.kind == "own" and v.enterprise == enterprise


def _districts_at_main(g: _Grounds, t: _Tally) -> list[str]:
    """H8 with districts: every district with a placed session has one at the main venue
    (from any of its towns) when one of its towns could have one at all."""
    out: list[str] = []
    if g.main is None:
        return out
    for d in g.f.doc.districts:
        placed = sum(t.town_placed.get(town, 0) for town in d.towns)
        if not placed or any(town in t.town_main for town in d.towns):
            continue
        if any(_main_possible(g.f, town, g.grid, g.main) for town in d.towns):
            out.append(
                f"H8 one city: district {d.id} has {placed} placed "
                f"session{'' if placed == 1 else 's'} and none at the main venue {g.main}"
            )
    return out


def _unplaced(g: _Grounds, document: dict, t: _Tally) -> list[str]:
    """The unplaced list against the requests."""
    out: list[str] = []
    unplaced: dict[str, int] = defaultdict(int)
    for u in document.get("unplaced") or []:
        if isinstance(u, dict) and isinstance(u.get("count"), int):
            unplaced[str(u.get("enterprise"))] += u["count"]
    for e_id in sorted(set(unplaced) | set(t.e_total)):
        e = g.ents.get(e_id)
        if e is None:
            out.append(f"unplaced: unknown enterprise {e_id!r}")
            continue
        if unplaced[e_id] and t.e_total[e_id] + unplaced[e_id] != e.sessions:
            out.append(
                f"unplaced: {e_id} has {t.e_total[e_id]} placed and {unplaced[e_id]} unplaced, "
                f"asked for {e.sessions}"
            )
    return out


def _themes(f: Festival, sessions: list[_Live], grid: list, main: str | None) -> list[str]:
    """Themed blocks: in each of its slots a block takes the main venue's lowest studio
    numbers left by the blocks listed before it; a block studio holds only sessions that
    carry the block's theme, and a session carrying a theme sits in that theme's block and
    sells one of its industries."""
    out: list[str] = []
    slot_of = {f"{day}T{hhmm}": i for i, (day, hhmm, _a, _b) in enumerate(grid)}
    themes = {t.id: t for t in f.themes}
    block: dict[tuple[int, int], str] = {}  # (slot, studio) -> theme id
    for th in f.themes:
        for mark in th.slots:
            i = slot_of.get(mark)
            if i is None:
                continue
            first = 1 + sum(1 for (j, _k) in block if j == i)
            for k in range(first, first + th.studios):
                block[(i, k)] = th.id
    for x in sessions:
        sid, e, venue, studio, idx, theme = x.sid, x.e, x.v.id, x.studio, x.idx, x.theme
        when = f"{grid[idx][0]} {grid[idx][1]}"
        owner = block.get((idx, studio)) if venue == main else None
        if theme is not None:
            t = themes.get(str(theme))
            if t is None:
                out.append(f"Theme: session {sid} names unknown theme {theme!r}")
                continue
            if owner != t.id:
                out.append(
                    f"Theme {t.id}: session {sid} carries the theme but sits outside its block "
                    f"({venue} studio {studio} at {when})"
                )
            if e.industry not in t.industries:
                out.append(
                    f"Theme {t.id}: session {sid} sells {e.industry}, not one of the block's "
                    f"industries ({', '.join(t.industries)})"
                )
        elif owner is not None:
            out.append(
                f"Theme {owner}: {venue} studio {studio} at {when} belongs to the block, but "
                f"session {sid} ({e.industry}) does not carry the theme"
            )
    return out
