"""Local search on a large festival's schedule, for the soft goals the warm start leaves.

CP-SAT on a city-size day (40,000 booleans) spends its time in presolve and finds a few
hundred objective units in 20 s on two loaded cores; these moves find far more:
- bump: a session out of prime time takes a prime seat held by a less valuable session of
  its venues that day (with its own streamer or one with a session to spare), and the
  bumped one goes wherever it scores best that day (S2);
- swap: two sessions of one venue-day trade slots when their industries crowd there (S3,
  S4 at a full venue, where nothing can move on its own);
- relocate: a session moves to the best free spot of its day with its streamer (S3, S4,
  S6, S8).
Every move keeps every hard rule (State) and is taken only when the Scorer's sum of the
soft goals rises, value never falls (no move unplaces a session), and a town's only
main-venue session stays there (the Scorer's H8 term).  Sessions are taken most valuable
first and the sweeps repeat until one finds nothing or time is up: deterministic.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable

from citylive.planner.greedy import Scorer
from citylive.planner.state import Placed, State

BUMP_CANDIDATES = 3  # least valuable sessions tried per prime venue-slot
CHAIN_STREAMERS = 3  # streamers with no session to spare tried per prime seat


class _Search:
    def __init__(self, state: State, scorer: Scorer, deadline: float):
        self.st, self.sc, self.deadline = state, scorer, deadline
        self.p = state.p
        self.gmv = {e.id: e.expected_gmv for e in self.p.festival.enterprises}
        self.at: dict[tuple[str, int], list[Placed]] = defaultdict(list)
        for pl in state.sessions:
            self.at[(pl.venue, pl.g)].append(pl)
        self.moves = 0
        self.fits = {e: set(ss) for e, ss in self.p.fit.items()}
        self.fitted_by: dict[str, set[str]] = defaultdict(set)  # streamer -> enterprises
        for e, ss in self.p.fit.items():
            for x in ss:
                self.fitted_by[x].add(e)

    # ---------------------------------------------------------------- helpers
    def _out(self, pl: Placed) -> None:
        self.st.remove(pl)
        self.sc.add(pl, -1)
        self.at[(pl.venue, pl.g)].remove(pl)

    def _in(self, pl: Placed, s: str, v: str, g: int) -> None:
        pl.streamer, pl.venue, pl.g = s, v, g
        self.st.place(pl)
        self.sc.add(pl)
        self.at[(v, g)].append(pl)

    def _score(self, pl: Placed, s: str, v: str, g: int) -> int:
        theme = self.st.room(pl.enterprise, v, g)
        return self.sc.score(pl.enterprise, s, v, g, theme or None)

    def _best(
        self, pl: Placed, streamers: list[str], slots: range | list[int]
    ) -> tuple[int, str, str, int] | None:
        st, p = self.st, self.p
        e = pl.enterprise
        best: tuple[int, str, str, int] | None = None
        for g in slots:
            if not st.enterprise_free(e, g):
                continue
            for v in p.e_venues[e]:
                if st.room(e, v, g) is None:
                    continue
                for s in streamers:
                    if (e, g, s) in p.forbidden or not st.streamer_free(s, g, v):
                        continue
                    sc = self._score(pl, s, v, g)
                    if best is None or sc > best[0]:
                        best = (sc, s, v, g)
        return best

    def _spare(self, e: str, d: int, but: str) -> list[str]:
        st = self.st
        return [s for s in self.p.fit[e] if s != but and st.s_day[(s, d)] < st.max_day[s]]

    # ---------------------------------------------------------------- moves
    def relocate(self, pl: Placed) -> bool:
        old = (pl.streamer, pl.venue, pl.g)
        self._out(pl)
        here = self._score(pl, *old)
        best = self._best(pl, [pl.streamer], self.p.day_slots(self.p.day_of(pl.g)))
        if best is not None and best[0] > here:
            self._in(pl, best[1], best[2], best[3])
            self.moves += 1
            return True
        self._in(pl, *old)
        return False

    def bump(self, a: Placed) -> bool:
        """`a` into a prime seat of a less valuable session `b`; `b` anywhere that day."""
        p = self.p
        d = p.day_of(a.g)
        va = self.gmv[a.enterprise]
        for g in p.day_slots(d):
            if not p.is_prime(g):
                continue
            for v in p.e_venues[a.enterprise]:
                held = sorted(
                    (
                        b
                        for b in self.at[(v, g)]
                        if b.status == "proposed" and self.gmv[b.enterprise] < va
                    ),
                    key=lambda b: self.gmv[b.enterprise],
                )
                for b in held[:BUMP_CANDIDATES]:
                    if self._try_bump(a, b):
                        return True
                if time.monotonic() > self.deadline:
                    return False
        return False

    def chain(self, a: Placed) -> bool:
        """`a` into a prime seat (free, or held by a less valuable `b`) with a streamer `t`
        who is free then but has no session to spare: `t` hands one of its sessions `c`
        to `a`'s own streamer, freed by the move; `b` goes wherever it scores best."""
        p, st = self.p, self.st
        d = p.day_of(a.g)
        va = self.gmv[a.enterprise]
        for g in p.day_slots(d):
            if not p.is_prime(g) or not st.enterprise_free(a.enterprise, g):
                continue
            for v in p.e_venues[a.enterprise]:
                held = [
                    b
                    for b in self.at[(v, g)]
                    if b.status == "proposed" and self.gmv[b.enterprise] < va
                ]
                b = min(held, key=lambda x: self.gmv[x.enterprise]) if held else None
                if b is None and st.room(a.enterprise, v, g) is None:
                    continue
                tried = 0
                for t in self.p.fit[a.enterprise]:
                    if tried >= CHAIN_STREAMERS:
                        break
                    if t == a.streamer or g not in p.s_open[t] or (t, g) in st.s_at:
                        continue
                    if st.s_day[(t, d)] < st.max_day[t] or not self._travel_ok(t, g, v):
                        continue
                    if (a.enterprise, g, t) in p.forbidden:
                        continue
                    tried += 1
                    cs = [
                        c
                        for c in self.by_streamer_day(t, d)
                        if c.status == "proposed" and c is not b
                        and c.enterprise in self.fitted_by[a.streamer]
                    ]  # fmt: skip
                    for c in sorted(cs, key=lambda x: self.gmv[x.enterprise])[:1]:
                        if self._try_chain(a, v, g, b, t, c):
                            return True
            if time.monotonic() > self.deadline:
                return False
        return False

    def by_streamer_day(self, s: str, d: int) -> list[Placed]:
        p = self.p
        return [
            pl
            for g in p.day_slots(d)
            for (v, h) in [(self.st.s_at.get((s, g)), g)]
            if v is not None
            for pl in self.at[(v, h)]
            if pl.streamer == s
        ]

    def _travel_ok(self, s: str, g: int, v: str) -> bool:
        p = self.p
        d = p.day_of(g)
        for h in (g - 1, g + 1):
            if p.day_of(h) == d and 0 <= h < p.n_g:
                other = self.st.s_at.get((s, h))
                if other is not None and other != v:
                    return False
        return True

    def _try_chain(self, a: Placed, v: str, g: int, b: Placed | None, t: str, c: Placed) -> bool:
        p = self.p
        d = p.day_of(a.g)
        moved = [x for x in (a, b, c) if x is not None]
        olds = [(x.streamer, x.venue, x.g) for x in moved]
        before = 0
        for x, o in zip(moved, olds, strict=True):
            self._out(x)
            before += self._score(x, *o)
        after = 0
        placed: list[Placed] = []
        ok = self.st.can_place(a.enterprise, t, v, g)
        if ok:
            after += self._score(a, t, v, g)
            self._in(a, t, v, g)
            placed.append(a)
            to = self._best(c, [olds[0][0]], p.day_slots(d))
            ok = to is not None
            if to is not None:
                after += to[0]
                self._in(c, to[1], to[2], to[3])
                placed.append(c)
        if ok and b is not None:
            to = self._best(b, list(dict.fromkeys([olds[1][0], olds[0][0]])), p.day_slots(d))
            ok = to is not None
            if to is not None:
                after += to[0]
                self._in(b, to[1], to[2], to[3])
                placed.append(b)
        if ok and after > before:
            self.moves += 1
            return True
        for x in reversed(placed):
            self._out(x)
        for x, o in zip(reversed(moved), reversed(olds), strict=True):
            self._in(x, *o)
        return False

    def _try_bump(self, a: Placed, b: Placed) -> bool:
        p = self.p
        old_a = (a.streamer, a.venue, a.g)
        old_b = (b.streamer, b.venue, b.g)
        d = p.day_of(a.g)
        self._out(a)
        before = self._score(a, *old_a)
        self._out(b)
        before += self._score(b, *old_b)
        # a in b's seat: with b's streamer (whose day around that seat is unchanged), its
        # own, or one with a session to spare
        mine = [old_b[0]] if old_b[0] in self.fits[a.enterprise] else []
        mine += [a.streamer, *self._spare(a.enterprise, d, a.streamer)]
        into = self._best(a, list(dict.fromkeys(mine)), [old_b[2]])
        if into is not None and into[2] == old_b[1]:
            self._in(a, into[1], into[2], into[3])
            # b where it scores best that day, with its own streamer or a's ...
            theirs = self._usable(b, [old_b[0], old_a[0]])
            to = self._best(b, theirs, p.day_slots(d))
            if to is not None and into[0] + to[0] > before:
                self._in(b, to[1], to[2], to[3])
                self.moves += 1
                return True
            # ... or in another prime seat of its venues, bumping a less valuable one in turn
            if self._bump_on(b, old_b, [old_a[0]], before - into[0]):
                self.moves += 1
                return True
            self._out(a)
        self._in(b, *old_b)
        self._in(a, *old_a)
        return False

    def _usable(self, x: Placed, streamers: list[str]) -> list[str]:
        return [s for s in dict.fromkeys(streamers) if s in self.fits[x.enterprise]]

    def _bump_on(self, b: Placed, old_b: tuple[str, str, int], freed: list[str], need: int) -> bool:
        """`b` (out of the schedule) into a prime seat held by a less valuable `c`, and `c`
        wherever it scores best: taken when the two score more than `need`."""
        p = self.p
        d = p.day_of(old_b[2])
        vb = self.gmv[b.enterprise]
        for g in p.day_slots(d):
            if not p.is_prime(g) or not self.st.enterprise_free(b.enterprise, g):
                continue
            for v in p.e_venues[b.enterprise]:
                if (v, g) == old_b[1:]:
                    continue
                held = [
                    c
                    for c in self.at[(v, g)]
                    if c.status == "proposed" and self.gmv[c.enterprise] < vb
                ]
                if not held:
                    continue
                c = min(held, key=lambda x: self.gmv[x.enterprise])
                old_c = (c.streamer, c.venue, c.g)
                self._out(c)
                lost = self._score(c, *old_c)
                into = self._best(b, self._usable(b, [old_c[0], old_b[0], *freed]), [g])
                if into is not None and into[2] == v:
                    self._in(b, into[1], into[2], into[3])
                    to = self._best(
                        c, self._usable(c, [old_c[0], old_b[0], *freed]), p.day_slots(d)
                    )
                    if to is not None and into[0] + to[0] > need + lost:
                        self._in(c, to[1], to[2], to[3])
                        return True
                    self._out(b)
                self._in(c, *old_c)
        return False

    def swap(self, a: Placed) -> bool:
        """`a` trades slots with a session of its venue-day whose industry crowds less
        where `a` is and more where it would go."""
        p = self.p
        ind_a = p.industry(a.enterprise)
        here = self._crowd(a.venue, ind_a, a.g)
        if here <= 1:
            return False
        for g in p.day_slots(p.day_of(a.g)):
            if g == a.g or self._crowd(a.venue, ind_a, g) >= here - 1:
                continue
            for b in self.at[(a.venue, g)]:
                if b.status != "proposed":
                    continue
                ind_b = p.industry(b.enterprise)
                if (
                    ind_b == ind_a
                    or self._crowd(a.venue, ind_b, a.g) >= self._crowd(a.venue, ind_b, g) - 1
                ):
                    continue
                if self._try_swap(a, b):
                    return True
        return False

    def _crowd(self, v: str, ind: str, g: int) -> int:
        sc = self.sc
        if v == sc.main:
            return sc.main_n[(ind, g)]
        t = sc.venue_town[v]
        return sc.sub_n[(t, ind, g)] + sum(sc.sub_n[(u, ind, g)] for u in sc.nbrs.get(t, []))

    def _try_swap(self, a: Placed, b: Placed) -> bool:
        old_a = (a.streamer, a.venue, a.g)
        old_b = (b.streamer, b.venue, b.g)
        self._out(a)
        before = self._score(a, *old_a)
        self._out(b)
        before += self._score(b, *old_b)
        ok = False
        if self.st.can_place(a.enterprise, a.streamer, old_b[1], old_b[2]):
            after = self._score(a, a.streamer, old_b[1], old_b[2])
            self._in(a, a.streamer, old_b[1], old_b[2])
            if self.st.can_place(b.enterprise, b.streamer, old_a[1], old_a[2]):
                after += self._score(b, b.streamer, old_a[1], old_a[2])
                if after > before:
                    self._in(b, b.streamer, old_a[1], old_a[2])
                    self.moves += 1
                    ok = True
            if not ok:
                self._out(a)
        if not ok:
            self._in(b, *old_b)
            self._in(a, *old_a)
        return ok


def local_search(
    state: State,
    scorer: Scorer,
    *,
    deadline: float,
    report: Callable[[int], None] | None = None,
    max_sweeps: int | None = None,
) -> tuple[int, int]:
    """Improve `state` in place until a sweep finds nothing, `max_sweeps` sweeps are done or
    `deadline` passes; returns (moves, sweeps)."""
    s = _Search(state, scorer, deadline)
    p = state.p
    sweeps = 0
    while time.monotonic() < deadline and (max_sweeps is None or sweeps < max_sweeps):
        before = s.moves
        order = sorted(
            (pl for pl in state.sessions if pl.status == "proposed"),
            key=lambda pl: (-s.gmv[pl.enterprise], pl.enterprise, pl.g),
        )
        for pl in order:
            if time.monotonic() > deadline:
                break
            if not p.is_prime(pl.g) and not s.bump(pl):
                s.chain(pl)
        for pl in order:
            if time.monotonic() > deadline:
                break
            if not s.swap(pl):
                s.relocate(pl)
        sweeps += 1
        if report is not None:
            report(s.moves)
        if s.moves == before:
            break
    return s.moves, sweeps
