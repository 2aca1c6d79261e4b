"""Occupancy of a schedule being built: what is taken, and whether one more session is legal.

Greedy construction, the refill after the solver, and the unplaced reasons all ask this one
object, so a session it accepts keeps every hard rule H1-H7 (H8 is a property of the whole
schedule and is repaired at the end, see greedy.repair_one_city).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from citylive.planner.data import Problem


@dataclass
class Placed:
    enterprise: str
    streamer: str
    venue: str
    g: int
    id: str | None = None
    status: str = "proposed"
    studio: int | None = None


class State:
    def __init__(self, problem: Problem):
        self.p = problem
        f = problem.festival
        self.studios = {v.id: v.studios for v in f.venues}
        self.max_day = {s.id: s.max_sessions_per_day for s in f.streamers}
        self.asked = {e.id: e.sessions for e in f.enterprises}
        self.studio_used: dict[tuple[str, int], int] = defaultdict(int)
        self.s_at: dict[tuple[str, int], str] = {}  # (streamer, g) -> venue
        self.s_day: dict[tuple[str, int], int] = defaultdict(int)
        self.e_busy: set[tuple[str, int]] = set()
        self.e_day: dict[tuple[str, int], int] = defaultdict(int)
        self.e_count: dict[str, int] = defaultdict(int)
        self.sessions: list[Placed] = []

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
        return g in self.p.v_open[v] and self.studio_used[(v, g)] < self.studios[v]

    def can_place(self, e: str, s: str, v: str, g: int) -> bool:
        return (
            self.enterprise_free(e, g)
            and self.studio_free(v, g)
            and (e, g, s) not in self.p.forbidden
            and self.streamer_free(s, g, v)
        )

    # ----------------------------------------------------------------- changes
    def place(self, pl: Placed) -> Placed:
        d = self.p.day_of(pl.g)
        self.studio_used[(pl.venue, pl.g)] += 1
        self.s_at[(pl.streamer, pl.g)] = pl.venue
        self.s_day[(pl.streamer, d)] += 1
        self.e_busy.add((pl.enterprise, pl.g))
        self.e_day[(pl.enterprise, d)] += 1
        self.e_count[pl.enterprise] += 1
        self.sessions.append(pl)
        return pl

    def remove(self, pl: Placed) -> None:
        d = self.p.day_of(pl.g)
        self.studio_used[(pl.venue, pl.g)] -= 1
        del self.s_at[(pl.streamer, pl.g)]
        self.s_day[(pl.streamer, d)] -= 1
        self.e_busy.discard((pl.enterprise, pl.g))
        self.e_day[(pl.enterprise, d)] -= 1
        self.e_count[pl.enterprise] -= 1
        self.sessions.remove(pl)

    def remaining(self, e: str) -> int:
        return self.asked[e] - self.e_count[e]
