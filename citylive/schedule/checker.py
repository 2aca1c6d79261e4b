"""The schedule validator: every hard rule H1-H8 and the themed blocks on any
`citylive/schedule@1` document.

It reads the festival's own fields and the schedule's sessions and shares no code with the
planner, so a planner bug cannot hide itself.  Each breach is one line, starting with the
rule it breaks (`H2 streamer: ...`); an empty list means the schedule keeps every rule.
Only `proposed` and `confirmed` sessions take part in the rules.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from citylive.festival import Festival, Venue

LIVE = ("proposed", "confirmed")
STATUSES = ("proposed", "confirmed", "declined", "cancelled")
_MARK = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}))?$")


def _grid(festival: Festival) -> list[tuple[str, str, datetime, datetime]]:
    """(day, slot start 'HH:MM', start instant, end instant) for every slot of the festival."""
    tz = ZoneInfo(festival.info.timezone)
    out = []
    for day in festival.days:
        for slot in festival.slots:
            sh, sm = (int(x) for x in slot.start.split(":"))
            start = datetime.combine(day, time(sh, sm), tzinfo=tz)
            if slot.end == "24:00":
                end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz)
            else:
                eh, em = (int(x) for x in slot.end.split(":"))
                end = datetime.combine(day, time(eh, em), tzinfo=tz)
            out.append((day.isoformat(), slot.start, start, end))
    return out


def _closed(marks: list[str], day: str, start: str) -> bool:
    for mark in marks:
        m = _MARK.match(mark)
        if m and m.group(1) == day and (m.group(2) is None or m.group(2) == start):
            return True
    return False


def check_schedule(festival: Festival, document: object) -> list[str]:  # noqa: C901 - the rules
    """Every breach of H1-H8 in `document` (a `ScheduleDocument` or the JSON as read)."""
    if hasattr(document, "dump"):
        document = document.dump()
    f = festival
    out: list[str] = []
    if not isinstance(document, dict):
        return ["schedule: not a JSON object"]
    if document.get("format") != "citylive/schedule@1":
        out.append(
            f"schedule: format is {document.get('format')!r}, expected 'citylive/schedule@1'"
        )
    if document.get("festival") != f.id:
        out.append(f"schedule: written for festival {document.get('festival')!r}, not {f.id!r}")
    ents = {e.id: e for e in f.enterprises}
    strs = {s.id: s for s in f.streamers}
    venues = {v.id: v for v in f.venues}
    mains = [v for v in f.venues if v.kind == "main"]
    main = mains[0].id if mains else None
    subs_of_town: dict[str, set[str]] = defaultdict(set)
    for venue in f.venues:
        if venue.kind == "sub":
            subs_of_town[venue.town].add(venue.id)
    district_of = {t: d.id for d in f.doc.districts for t in d.towns}
    nbrs: dict[str, set[str]] = defaultdict(set)
    for t in f.towns:
        for other in t.neighbours:
            nbrs[t.id].add(other)
            nbrs[other].add(t.id)
    grid = _grid(f)
    n_slots = len(f.slots)
    by_instant = {start: i for i, (_d, _s, start, _e) in enumerate(grid)}

    live = []
    themed: list[tuple[str, object, str, int, int, object]] = []
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
        e = ents.get(str(s.get("enterprise")))
        st = strs.get(str(s.get("streamer")))
        v = venues.get(str(s.get("venue")))
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
            idx: int | None = by_instant.get(start) if start.tzinfo is not None else None
        except ValueError:
            idx, end = None, None
        if idx is None or grid[idx][3] != end:
            out.append(
                f"session {sid}: {s.get('start')} to {s.get('end')} is not one slot of the festival"
            )
            bad = True
        if bad or status not in LIVE or e is None or st is None or v is None or idx is None:
            continue
        live.append((sid, e, st, v, s["studio"], idx, s.get("platform")))
        themed.append((sid, e, v.id, s["studio"], idx, s.get("theme")))

    studio: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    s_slot: dict[tuple[str, int], list[str]] = defaultdict(list)
    s_day: dict[tuple[str, str], int] = defaultdict(int)
    s_where: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    e_slot: dict[tuple[str, int], list[str]] = defaultdict(list)
    e_total: dict[str, int] = defaultdict(int)
    e_day: dict[tuple[str, str], int] = defaultdict(int)
    town_placed: dict[str, int] = defaultdict(int)
    town_main: set[str] = set()
    mins = f.info.min_skus_per_session
    for sid, e, st, v, room, idx, platform in live:
        day, hhmm, _start, _end = grid[idx]
        studio[(v.id, room, idx)].append(sid)
        s_slot[(st.id, idx)].append(sid)
        s_day[(st.id, day)] += 1
        s_where[st.id].append((idx, v.id, sid))
        e_slot[(e.id, idx)].append(sid)
        e_total[e.id] += 1
        e_day[(e.id, day)] += 1
        town_placed[e.town] += 1
        if v.id == main:
            town_main.add(e.town)
        # H3 where
        if v.kind == "own" and v.enterprise != e.id:
            out.append(
                f"H3 venue: session {sid} of {e.id} is at {v.id}, the own rooms of {v.enterprise}"
            )
        elif not _venue_ok(e.town, e.id, v, main, subs_of_town, district_of, nbrs):
            out.append(
                f"H3 venue: session {sid} of {e.id} (town {e.town}) is at {v.id}, which is "
                "neither its town's sub-venue nor the main venue"
                + (" (nor its district's venue or its own rooms)" if f.doc.districts else "")
            )
        # H4
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
        # H5
        if e.industry not in st.industries:
            out.append(
                f"H5 fit: session {sid}: streamer {st.id} does not know industry {e.industry}"
            )
        if platform not in e.platforms or platform not in st.platforms:
            out.append(
                f"H5 fit: session {sid}: platform {platform!r} is not in the platforms of both "
                f"{e.id} and {st.id}"
            )
        # H6
        if st.employer is not None and st.employer != e.id:
            out.append(
                f"H6 in-house: session {sid}: streamer {st.id} serves only {st.employer}, not {e.id}"
            )

    def when(idx: int) -> str:
        return f"{grid[idx][0]} {grid[idx][1]}"

    for (vid, room, idx), ids in sorted(studio.items()):
        if len(ids) > 1:
            out.append(
                f"H1 studio: {vid} studio {room} at {when(idx)} holds {len(ids)} sessions: {', '.join(ids)}"
            )
    for (st_id, idx), ids in sorted(s_slot.items()):
        if len(ids) > 1:
            out.append(
                f"H2 streamer: {st_id} has {len(ids)} sessions at {when(idx)}: {', '.join(ids)}"
            )
    for (st_id, day), n in sorted(s_day.items()):
        if n > strs[st_id].max_sessions_per_day:
            out.append(
                f"H2 streamer: {st_id} has {n} sessions on {day}, more than "
                f"max_sessions_per_day {strs[st_id].max_sessions_per_day}"
            )
    for st_id, places in sorted(s_where.items()):
        places.sort()
        for (i1, v1, id1), (i2, v2, id2) in zip(places, places[1:], strict=False):
            if i2 == i1 + 1 and i1 // n_slots == i2 // n_slots and v1 != v2:
                out.append(
                    f"H2 streamer: {st_id} goes from {v1} ({id1}, {when(i1)}) to {v2} "
                    f"({id2}, {when(i2)}) with no free slot between"
                )
    for (e_id, idx), ids in sorted(e_slot.items()):
        if len(ids) > 1:
            out.append(
                f"H3 enterprise: {e_id} has {len(ids)} sessions at {when(idx)}: {', '.join(ids)}"
            )
    for e_id, n in sorted(e_total.items()):
        if n > ents[e_id].sessions:
            out.append(f"H3 enterprise: {e_id} has {n} sessions, asked for {ents[e_id].sessions}")
    for (e_id, day), n in sorted(e_day.items()):
        cap = ents[e_id].skus // mins
        if n > cap:
            out.append(
                f"H7 supply: {e_id} has {n} sessions on {day}; {ents[e_id].skus} SKUs allow {cap} a day"
            )
    out.extend(_themes(f, themed, grid, main))
    # H8
    for town in sorted(town_placed):
        if town in town_main or main is None:
            continue
        if _main_possible(f, town, grid, main):
            out.append(
                f"H8 one city: town {town} has {town_placed[town]} placed "
                f"session{'' if town_placed[town] == 1 else 's'} and none at the main venue {main}"
            )
    out.extend(_districts_at_main(f, town_placed, town_main, grid, main))
    # the unplaced list against the requests
    unplaced: dict[str, int] = defaultdict(int)
    for u in document.get("unplaced") or []:
        if isinstance(u, dict) and isinstance(u.get("count"), int):
            unplaced[str(u.get("enterprise"))] += u["count"]
    for e_id in sorted(set(unplaced) | set(e_total)):
        e = ents.get(e_id)
        if e is None:
            out.append(f"unplaced: unknown enterprise {e_id!r}")
            continue
        if unplaced[e_id] and e_total[e_id] + unplaced[e_id] != e.sessions:
            out.append(
                f"unplaced: {e_id} has {e_total[e_id]} placed and {unplaced[e_id]} unplaced, "
                f"asked for {e.sessions}"
            )
    return out


def _themes(f: Festival, sessions: list, grid: list, main: str | None) -> list[str]:
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
    for sid, e, venue, studio, idx, theme in sessions:
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


def _venue_ok(
    town: str,
    enterprise: str,
    v: Venue,
    main: str | None,
    subs_of_town: dict[str, set[str]],
    district_of: dict[str, str],
    nbrs: dict[str, set[str]],
) -> bool:
    """H3's places: the main venue, a sub-venue of its town (of a neighbouring town when its
    own has none), a venue of its town's district, its own rooms."""
    if v.id == main or v.id in subs_of_town.get(town, ()):
        return True
    if v.kind == "sub" and town not in subs_of_town:
        return v.town in nbrs[town]
    if v.kind == "district":
        return v.district == district_of.get(town, "")
    return v.kind == "own" and v.enterprise == enterprise


def _districts_at_main(
    f: Festival, town_placed: dict[str, int], town_main: set[str], grid: list, main: str | None
) -> list[str]:
    """H8 with districts: every district with a placed session has one at the main venue
    (from any of its towns) when one of its towns could have one at all."""
    out: list[str] = []
    if main is None:
        return out
    for d in f.doc.districts:
        placed = sum(town_placed.get(t, 0) for t in d.towns)
        if not placed or any(t in town_main for t in d.towns):
            continue
        if any(_main_possible(f, t, grid, main) for t in d.towns):
            out.append(
                f"H8 one city: district {d.id} has {placed} placed "
                f"session{'' if placed == 1 else 's'} and none at the main venue {main}"
            )
    return out


def _main_possible(f: Festival, town: str, grid: list, main: str) -> bool:
    """H8 holds 'when that is possible at all': some enterprise of the town, with products
    for a session, and some streamer who fits it are both free in a slot the main venue is
    open."""
    main_v = next(v for v in f.venues if v.id == main)
    mins = f.info.min_skus_per_session
    for e in f.enterprises:
        if e.town != town or e.sessions == 0 or e.skus // mins == 0:
            continue
        fitting = [
            s
            for s in f.streamers
            if e.industry in s.industries
            and set(e.platforms) & set(s.platforms)
            and (s.employer is None or s.employer == e.id)
        ]
        for day, hhmm, _a, _b in grid:
            if _closed(main_v.closed, day, hhmm) or _closed(e.unavailable, day, hhmm):
                continue
            if any(not _closed(s.unavailable, day, hhmm) for s in fitting):
                return True
    return False
