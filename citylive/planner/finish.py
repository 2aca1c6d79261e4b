"""From placed sessions to the schedule's sessions: studio numbers, ids, platforms, themes."""

from __future__ import annotations

import re
from collections import defaultdict

from citylive.planner.data import OldSession, Problem
from citylive.planner.state import Placed, State
from citylive.schedule.document import ScheduledSession
from models.enums import SessionStatus


def number_studios(p: Problem, state: State) -> None:
    """Studios of a venue are interchangeable in the model; number them here.  A themed
    block takes its own studio numbers (see data.Block); a session keeps the previous
    schedule's studio when it stayed in its venue-slot and that studio is still its kind."""
    taken: dict[tuple[str, int], set[int]] = defaultdict(set)
    for pl in state.sessions:
        if pl.status == "confirmed" and pl.studio is not None:
            taken[(pl.venue, pl.g)].add(pl.studio)

    def allowed(pl: Placed) -> list[int]:
        n = state.studios[pl.venue]
        blocks = p.blocks.get(pl.g, []) if pl.venue == p.main else []
        if pl.theme:
            b = next(b for b in blocks if b.theme == pl.theme)
            return list(range(b.first, b.first + b.studios))
        inside = {k for b in blocks for k in range(b.first, b.first + b.studios)}
        return [k for k in range(1, n + 1) if k not in inside]

    old = {o.id: o for o in p.old if o.status == "proposed"}
    rest = []
    for pl in state.sessions:
        if pl.status == "confirmed":
            continue
        o = old.get(pl.id or "")
        if (
            o is not None
            and (o.venue, o.g) == (pl.venue, pl.g)
            and o.studio not in taken[(pl.venue, pl.g)]
            and o.studio in allowed(pl)
        ):
            pl.studio = o.studio
            taken[(pl.venue, pl.g)].add(o.studio)
        else:
            rest.append(pl)
    for pl in rest:
        used = taken[(pl.venue, pl.g)]
        free = [k for k in allowed(pl) if k not in used]
        if not free:  # a confirmed session sits in a studio the blocks now take
            free = [k for k in range(1, state.studios[pl.venue] + 1) if k not in used]
        pl.studio = free[0]
        used.add(free[0])


def give_ids(fid: str, p: Problem, state: State) -> None:
    """A session keeps the id of the previous schedule's proposed session it continues: the
    same spot first, then the same streamer that day, then the same enterprise (so a move
    reads as moved rather than cancelled and new); new sessions count on from the highest."""
    pat = re.compile(rf"^{re.escape(fid)}-s(\d+)$")
    top = 0
    for o in p.old:
        m = pat.match(o.id)
        if m:
            top = max(top, int(m.group(1)))
    spare = [o for o in p.old if o.status == "proposed"]
    fresh = [pl for pl in state.sessions if pl.status != "confirmed"]
    for pl in fresh:
        pl.id = None
    keys = (
        lambda o, pl: (
            (o.enterprise, o.streamer, o.venue, o.g) == (pl.enterprise, pl.streamer, pl.venue, pl.g)
        ),
        lambda o, pl: (
            (o.enterprise, o.streamer, p.day_of(o.g))
            == (pl.enterprise, pl.streamer, p.day_of(pl.g))
        ),
        lambda o, pl: o.enterprise == pl.enterprise,
    )
    for same in keys:
        by_e: dict[str, list] = defaultdict(list)
        for o in spare:
            by_e[o.enterprise].append(o)
        used: set[str] = set()
        for pl in sorted(fresh, key=lambda x: (x.g, x.venue, x.enterprise)):
            if pl.id is not None:
                continue
            for o in by_e.get(pl.enterprise, ()):
                if o.id not in used and same(o, pl):
                    pl.id = o.id
                    used.add(o.id)
                    break
        spare = [o for o in spare if o.id not in used]
    for pl in sorted(fresh, key=lambda x: (x.g, x.venue, x.studio or 0)):
        if pl.id is None:
            top += 1
            pl.id = f"{fid}-s{top:05d}"


def scheduled_session(p: Problem, pl: Placed, old_platform: dict[str, str]) -> ScheduledSession:
    """A placed session as the schedule document holds it."""
    assert pl.id is not None and pl.studio is not None  # given by give_ids, number_studios
    f = p.festival
    e, s = f.enterprise[pl.enterprise], f.streamer[pl.streamer]
    platform: str | None = old_platform.get(pl.id or "")
    if platform not in e.platforms or platform not in s.platforms:
        platform = None
    return ScheduledSession(
        id=pl.id,
        enterprise=pl.enterprise,
        streamer=pl.streamer,
        platform=platform or p.platform(e, s),
        venue=pl.venue,
        studio=pl.studio,
        start=p.start_at(pl.g),
        end=p.end_at(pl.g),
        status=SessionStatus(pl.status),
        town=e.town,
        industry=e.industry,
        theme=pl.theme or None,
    )


def declined_session(p: Problem, o: OldSession) -> ScheduledSession:
    """A declined session of the previous schedule, kept as it was."""
    return ScheduledSession(
        id=o.id, enterprise=o.enterprise, streamer=o.streamer, platform=o.platform,
        venue=o.venue, studio=o.studio, start=p.start_at(o.g), end=p.end_at(o.g),
        status=SessionStatus.declined,
    )  # fmt: skip


def in_order(sessions: list[ScheduledSession]) -> list[ScheduledSession]:
    """The document's order: by start, venue, studio, status."""
    return sorted(sessions, key=lambda s: (s.start, s.venue, s.studio, s.status.value))


def moved_count(p: Problem, sessions: list[ScheduledSession]) -> int:
    """Proposed sessions of the previous schedule not kept exactly (streamer, venue, studio,
    slot): S7's count."""
    new_by_id = {s.id: s for s in sessions}
    moved = 0
    for o in p.old:
        if o.status != "proposed":
            continue
        n = new_by_id.get(o.id)
        if n is None or (n.streamer, n.venue, n.studio, n.start) != (
            o.streamer, o.venue, o.studio, p.start_at(o.g),
        ):  # fmt: skip
            moved += 1
    return moved
