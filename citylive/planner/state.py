"""Occupancy of a schedule being built: what is taken, and whether one more session is legal.

Greedy construction, the refill after the solver, and the unplaced reasons all ask this one
object, so a session it accepts keeps every hard rule H1-H7 and the themed blocks (H8 is a
property of the whole schedule and is repaired at the end, see greedy.repair_one_city).

A themed block is a room of its own inside the main venue: in a block slot the main venue's
other sessions share the studios the blocks leave over, and a session of a block's
industries takes a block studio first.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from citylive.planner.data import Problem


@dataclass(eq=False)
class Placed:
    enterprise: str
    streamer: str
    venue: str
    g: int
    id: str | None = None
    status: str = "proposed"
    studio: int | None = None
    theme: str | None = None


class State:
    def __init__(self, problem: Problem):
        self.p = problem
        f = problem.festival
        self.studios = {v.id: v.studios for v in f.venues}
        self.max_day = {s.id: s.max_sessions_per_day for s in f.streamers}
        self.asked = {e.id: e.sessions for e in f.enterprises}
        self.studio_used: dict[tuple[str, int], int] = defaultdict(int)
        self.block_used: dict[tuple[str, int], int] = defaultdict(int)  # (theme, g)
        self.s_at: dict[tuple[str, int], str] = {}  # (streamer, g) -> venue
        self.s_day: dict[tuple[str, int], int] = defaultdict(int)
        self.e_busy: set[tuple[str, int]] = set()
        self.e_day: dict[tuple[str, int], int] = defaultdict(int)
        self.e_count: dict[str, int] = defaultdict(int)
        self._sessions: dict[int, Placed] = {}

    @property
    def sessions(self) -> list[Placed]:
        """The sessions placed, in the order they were placed."""
        return list(self._sessions.values())

    def __len__(self) -> int:
        return len(self._sessions)

    # ----------------------------------------------------------------- rules
    def streamer_free(self, s: str, g: int, v: str) -> bool:
        """H2 for streamer `s` at `v` in slot `g`: free then, under the day limit, and no
        session at another venue in the slot just before or after on the same day."""
        p = self.p
        if g not in p.s_open[s] or (s, g) in self.s_at:
            return False
        d = p.day_of(g)
        if self.s_day[(s, d)] >= self.max_day[s]:
            return False
        for h in (g - 1, g + 1):
            if p.day_of(h) == d and 0 <= h < p.n_g:
                other = self.s_at.get((s, h))
                if other is not None and other != v:
                    return False
        return True

    def enterprise_free(self, e: str, g: int) -> bool:
        """H3 (one slot, count) and H4 (availability) and H7 (a day) for enterprise `e`."""
        p = self.p
        return (
            g in p.e_open[e]
            and (e, g) not in self.e_busy
            and self.e_count[e] < self.asked[e]
            and self.e_day[(e, p.day_of(g))] < p.day_cap[e]
        )

    def studio_free(self, v: str, g: int) -> bool:
        """Some studio of `v` is free in `g` (for some industry)."""
        return g in self.p.v_open[v] and self.studio_used[(v, g)] < self.studios[v]

    def room(self, e: str, v: str, g: int) -> str | None:
        """Where a session of `e` at `v` in `g` would sit: a block's theme id, "" for an
        ordinary studio, None when nothing is free for it."""
        if not self.studio_free(v, g):
            return None
        blocks = self.p.blocks.get(g) if v == self.p.main else None
        if not blocks:
            return ""
        ind = self.p.industry(e)
        for b in blocks:
            if ind in b.industries and self.block_used[(b.theme, g)] < b.studios:
                return b.theme
        return "" if self.general_used(g) < self.general_cap(g) else None

    def general_cap(self, g: int) -> int:
        """Main-venue studios outside the blocks in slot `g`."""
        return self.studios[self.p.main] - sum(b.studios for b in self.p.blocks.get(g, ()))

    def general_used(self, g: int) -> int:
        used = self.studio_used[(self.p.main, g)]
        return used - sum(self.block_used[(b.theme, g)] for b in self.p.blocks.get(g, ()))

    def can_place(self, e: str, s: str, v: str, g: int) -> bool:
        return (
            self.enterprise_free(e, g)
            and self.room(e, v, g) is not None
            and (e, g, s) not in self.p.forbidden
            and self.streamer_free(s, g, v)
        )

    # ----------------------------------------------------------------- changes
    def place(self, pl: Placed) -> Placed:
        """Record `pl`; a proposed session at the main venue takes a block studio when one
        of its industry is free (its `theme` is set here; a confirmed one keeps its own)."""
        d = self.p.day_of(pl.g)
        if pl.status != "confirmed":
            pl.theme = self.room(pl.enterprise, pl.venue, pl.g) or None
        if pl.theme:
            self.block_used[(pl.theme, pl.g)] += 1
        self.studio_used[(pl.venue, pl.g)] += 1
        self.s_at[(pl.streamer, pl.g)] = pl.venue
        self.s_day[(pl.streamer, d)] += 1
        self.e_busy.add((pl.enterprise, pl.g))
        self.e_day[(pl.enterprise, d)] += 1
        self.e_count[pl.enterprise] += 1
        self._sessions[id(pl)] = pl
        return pl

    def remove(self, pl: Placed) -> None:
        d = self.p.day_of(pl.g)
        if pl.theme:
            self.block_used[(pl.theme, pl.g)] -= 1
        self.studio_used[(pl.venue, pl.g)] -= 1
        del self.s_at[(pl.streamer, pl.g)]
        self.s_day[(pl.streamer, d)] -= 1
        self.e_busy.discard((pl.enterprise, pl.g))
        self.e_day[(pl.enterprise, d)] -= 1
        self.e_count[pl.enterprise] -= 1
        del self._sessions[id(pl)]

    def remaining(self, e: str) -> int:
        return self.asked[e] - self.e_count[e]
