"""Fast constructive planning: the solver's warm start, its fallback, and the refill after it.

Each session goes to the legal (streamer, venue, slot) that scores best right now on the soft
goals: prime time (S2), no clash nearby (S3), a varied main venue with many towns and full
themed blocks (S4), a streamer at home (S6), where the previous schedule had it (S7), and a
fresh streamer (S8).  Sessions come most valuable first, so prime time and scarce studios go
to value (S1).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable

from citylive.planner.assign import prime_bonus
from citylive.planner.data import STAY, Problem
from citylive.planner.onecity import main_possible
from citylive.planner.state import Placed, State

# (enterprise, streamer, day, prime wanted, (old venue, old slot) or None, old id or None)
Item = tuple[str, str, int, bool, tuple[str, int] | None, str | None]
H8_FIRST = 10**12  # a town's first main-venue session outranks every other goal (H8)
SUB_FIRST = 10**9  # the sub-venue-first warm start's charge for the main venue
TARGET = 10**10  # a session at the venue the venue routing meant for it


class Scorer:
    """Running soft-goal counts, to score one more session against what is placed."""

    def __init__(
        self,
        problem: Problem,
        sub_first: bool = False,
        targets: dict[tuple[str, int], dict[str, int]] | None = None,
    ):
        self.p = problem
        # targets: per enterprise-day, sessions meant for each venue (venue_targets.venue_targets)
        self.targets = {k: dict(v) for k, v in (targets or {}).items()}
        # sub_first: a town with a sub-venue of its own goes to the main venue only for its
        # first session there (H8) or when its own is full: room at the main venue for the
        # towns that have no other (studio-bound festivals)
        self.sub_first = sub_first
        self.own_sub = {v.town for v in problem.festival.venues if v.kind == "sub"}
        # S7: the previous schedule's proposed sessions, as (enterprise, streamer, venue, g)
        self.stays = {
            (o.enterprise, o.streamer, o.venue, o.g) for o in problem.old if o.status == "proposed"
        }
        f = problem.festival
        self.w = f.weights
        self.main = f.main_venue.id
        self.venue_town = f.venue_town
        sub_towns = {v.town for v in f.venues if v.kind == "sub"}
        self.nbrs = {t: [u for u in f.neighbours[t] if u in sub_towns] for t in f.neighbours}
        self.sub_n: dict[tuple[str, str, int], int] = defaultdict(int)  # (town, industry, g)
        self.main_n: dict[tuple[str, int], int] = defaultdict(int)  # (industry, g)
        self.block_n: dict[tuple[str, str, int], int] = defaultdict(int)  # (theme, ind, g)
        self.main_town_day: dict[tuple[str, int], int] = defaultdict(int)
        self.main_town: dict[str, int] = defaultdict(int)
        self.ent = f.enterprise
        self.streamer_town = {s.id: s.town for s in f.streamers}
        self.varied = {s.id for s in f.streamers if len(s.industries) > 1}
        self.s_ind: dict[tuple[str, int], str] = {}  # (streamer, g) -> industry
        self.pair_day: dict[tuple[str, str, int], int] = defaultdict(int)  # (s, e, day)

    def _neighbours_ind(self, s: str, g: int) -> tuple[str | None, str | None]:
        """The industries of the streamer's sessions just before and after `g` that day."""
        p = self.p
        d = p.day_of(g)
        before = after = None
        for h in range(g - 1, d * p.n_slots - 1, -1):
            if (s, h) in self.s_ind:
                before = self.s_ind[(s, h)]
                break
        for h in range(g + 1, (d + 1) * p.n_slots):
            if (s, h) in self.s_ind:
                after = self.s_ind[(s, h)]
                break
        return before, after

    def repeats(self, e: str, s: str, g: int) -> int:
        """S8 repeats one more session of `e` with `s` in `g` adds."""
        ind = self.ent[e].industry
        n = 1 if self.pair_day[(s, e, self.p.day_of(g))] else 0
        if s in self.varied:
            before, after = self._neighbours_ind(s, g)
            n += (before == ind) + (after == ind) - (before is not None and before == after)
        return n

    def score(
        self,
        e: str,
        s: str,
        v: str,
        g: int,
        theme: str | None = None,
    ) -> int:
        ent = self.ent[e]
        w = self.w
        sc = 0
        if self.targets.get((e, self.p.day_of(g)), {}).get(v, 0) > 0:
            sc += TARGET
        if self.p.is_prime(g):
            sc += prime_bonus(self.p, e)
        if v == self.main:
            sc -= w["showcase"] * self.main_n[(ent.industry, g)]
            if self.main_town_day[(ent.town, self.p.day_of(g))] == 0:
                sc += w["showcase"]
            if self.main_town[ent.town] == 0:
                sc += H8_FIRST
            elif self.sub_first and ent.town in self.own_sub:
                sc -= SUB_FIRST
            if theme:
                sc += w["showcase"] * (2 if self.block_n[(theme, ent.industry, g)] == 0 else 1)
        else:
            t = self.venue_town[v]
            near = self.sub_n[(t, ent.industry, g)] + sum(
                self.sub_n[(u, ent.industry, g)] for u in self.nbrs.get(t, [])
            )
            sc -= w["clash"] * near
        if self.streamer_town[s] == self.venue_town[v]:
            sc += w["fit"]
        if (e, s, v, g) in self.stays:
            sc += w["stability"] * STAY
        sc -= w["freshness"] * self.repeats(e, s, g)
        return sc

    def add(self, pl: Placed, sign: int = 1) -> None:
        ent = self.ent[pl.enterprise]
        d = self.p.day_of(pl.g)
        meant = self.targets.get((pl.enterprise, d))
        if meant is not None and (sign < 0 or meant.get(pl.venue, 0) > 0):
            meant[pl.venue] = meant.get(pl.venue, 0) - sign
        if pl.venue == self.main:
            self.main_n[(ent.industry, pl.g)] += sign
            self.main_town_day[(ent.town, d)] += sign
            self.main_town[ent.town] += sign
            if pl.theme:
                self.block_n[(pl.theme, ent.industry, pl.g)] += sign
        else:
            self.sub_n[(self.venue_town[pl.venue], ent.industry, pl.g)] += sign
        self.pair_day[(pl.streamer, pl.enterprise, d)] += sign
        if sign > 0:
            self.s_ind[(pl.streamer, pl.g)] = ent.industry
        else:
            self.s_ind.pop((pl.streamer, pl.g), None)


def scorer_for(
    state: State,
    sub_first: bool = False,
    targets: dict[tuple[str, int], dict[str, int]] | None = None,
) -> Scorer:
    sc = Scorer(state.p, sub_first, targets)
    for pl in state.sessions:
        sc.add(pl)
    return sc


def place_items(
    state: State,
    scorer: Scorer,
    items: list[Item],
    where: dict[int, tuple[str, str, int]] | None = None,
) -> list[int]:
    """Place sessions whose enterprise, streamer and day the flow decided, in the order
    given.  For prime time, or when its own streamer is full, a session may take another
    fitting streamer of its day: one with a session to spare after the sessions still to
    come, or one whose session still to come can take this session's streamer instead (the
    two trade streamers; the day's counts stay as the flow made them).  When none of those
    fits on any day, any fitting streamer with a session left will do.  Returns the indices
    of items that fit nowhere."""
    p = state.p
    items = list(items)
    fits = {e: set(ss) for e, ss in p.fit.items()}
    reserved: dict[tuple[str, int], int] = defaultdict(int)
    waiting: dict[tuple[str, int], list[int]] = defaultdict(list)
    for k, (_e, s, d, _pr, _stay, _sid) in enumerate(items):
        reserved[(s, d)] += 1
        waiting[(s, d)].append(k)
    left = []
    for k in range(len(items)):
        e, s, d, _prime, stay, sid = items[k]
        reserved[(s, d)] -= 1
        waiting[(s, d)].remove(k)
        best: tuple[int, str, str, int] | None = None
        if stay is not None and state.can_place(e, s, stay[0], stay[1]):
            best = (0, s, stay[0], stay[1])  # S7: where people were told it would be
        else:
            for days in ([d], [x for x in range(p.n_days) if x != d]):
                for dd in days:
                    best = _best_spot(state, scorer, e, [s], p.day_slots(dd), best)
                    if best is None or not p.is_prime(best[3]):
                        spare = [
                            x
                            for x in p.fit[e]
                            if x != s
                            and state.s_day[(x, dd)] + reserved[(x, dd)] < state.max_day[x]
                        ]
                        slots = p.day_slots(dd) if best is None else _prime_slots(p, dd)
                        best = _best_spot(state, scorer, e, spare, slots, best)
                    if dd == d and (best is None or not p.is_prime(best[3])):
                        partner: dict[str, int] = {}
                        for x in p.fit[e]:
                            if x == s:
                                continue
                            for j in waiting[(x, d)]:
                                if items[j][4] is None and s in fits[items[j][0]]:
                                    partner[x] = j
                                    break
                        if partner:
                            before = best
                            best = _best_spot(
                                state, scorer, e, list(partner), _prime_slots(p, d), best
                            )
                            if best is not before and best is not None and best[1] in partner:
                                _trade(items, partner[best[1]], s, reserved, waiting)
                if best is not None:
                    break
            if best is None:
                # last, any fitting streamer with a session left that day, even one the
                # flow meant for a session still to come (a less valuable one, which then
                # looks for another in turn): what a greedy would do
                for dd in [d] + [x for x in range(p.n_days) if x != d]:
                    best = _best_spot(state, scorer, e, p.fit[e], p.day_slots(dd), best)
                    if best is not None:
                        break
        if best is None:
            left.append(k)
            continue
        pl = state.place(Placed(e, best[1], best[2], best[3], id=sid))
        scorer.add(pl)
        if where is not None:
            where[k] = (best[1], best[2], best[3])
    return left


def _trade(
    items: list[Item],
    j: int,
    s: str,
    reserved: dict[tuple[str, int], int],
    waiting: dict[tuple[str, int], list[int]],
) -> None:
    """Item `j` takes streamer `s` instead of its own (who served the item just placed)."""
    e, x, d, prime, stay, sid = items[j]
    items[j] = (e, s, d, prime, stay, sid)
    reserved[(x, d)] -= 1
    waiting[(x, d)].remove(j)
    reserved[(s, d)] += 1
    waiting[(s, d)].append(j)
    waiting[(s, d)].sort()


def _prime_slots(p: Problem, d: int) -> list[int]:
    return [g for g in p.day_slots(d) if p.is_prime(g)]


def _best_spot(
    state: State,
    scorer: Scorer,
    e: str,
    streamers: list[str],
    slots: Iterable[int],
    best: tuple[int, str, str, int] | None,
) -> tuple[int, str, str, int] | None:
    p = state.p
    for g in slots:
        if not state.enterprise_free(e, g):
            continue
        for v in p.e_venues[e]:
            theme = state.room(e, v, g)
            if theme is None:
                continue
            for s in streamers:
                if (e, g, s) in p.forbidden or not state.streamer_free(s, g, v):
                    continue
                sc = scorer.score(e, s, v, g, theme or None)
                if best is None or sc > best[0]:
                    best = (sc, s, v, g)
    return best


def refill(
    state: State,
    scorer: Scorer,
    key: Callable[[str], tuple] | None = None,
    deadline: float | None = None,
) -> int:
    """Place what is still asked for wherever a legal spot is left, in the order of `key`
    over enterprises (most valuable first without one); stops at `deadline`."""
    p = state.p
    ents = p.festival.enterprise
    order = sorted(
        (e for e in ents if state.remaining(e) > 0),
        key=key or (lambda e: (-ents[e].expected_gmv, e)),
    )
    added = 0
    possible: dict[str, bool] = {}
    for e in order:
        if deadline is not None and time.monotonic() > deadline:
            break
        town = ents[e].town
        while state.remaining(e) > 0:
            if town not in possible:
                possible[town] = main_possible(p, town)
            # H8: a town not yet at the main venue gets its next session there
            main_first = possible[town] and scorer.main_town[town] == 0
            best: tuple[int, str, str, int] | None = None
            for g in sorted(p.e_open[e]):
                if not state.enterprise_free(e, g):
                    continue
                # the rooms first (a full city is mostly out of studios), then the streamers
                rooms = [
                    (v, theme)
                    for v in p.e_venues[e]
                    if not (v != scorer.main and main_first)
                    and (theme := state.room(e, v, g)) is not None
                ]
                if not rooms:
                    continue
                d = p.day_of(g)
                free = [
                    s
                    for s in p.fit[e]
                    if (s, g) not in state.s_at
                    and g in p.s_open[s]
                    and state.s_day[(s, d)] < state.max_day[s]
                ]
                for v, theme in rooms:
                    for s in free:
                        if state.can_place(e, s, v, g):
                            sc = scorer.score(e, s, v, g, theme or None)
                            if best is None or sc > best[0]:
                                best = (sc, s, v, g)
            if best is None:
                break
            pl = state.place(Placed(e, best[1], best[2], best[3]))
            scorer.add(pl)
            added += 1
    return added
