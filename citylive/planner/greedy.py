"""Fast constructive planning: the solver's warm start, its fallback, and the refill after it.

Each session goes to the legal (venue, slot) that scores best right now on the soft goals
(prime time, no clash nearby, a varied main venue with many towns, a streamer at home).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable

from citylive.planner.data import Problem
from citylive.planner.state import Placed, State


class Scorer:
    """Running soft-goal counts, to score one more session against what is placed."""

    def __init__(self, problem: Problem, sub_first: bool = False):
        self.p = problem
        # sub_first: the main venue only for a town's first session (H8) or when its own
        # sub-venue is full; keeps main-venue room for towns that need it (studio-bound
        # festivals), at the price of more clash pairs
        self.sub_first = sub_first
        f = problem.festival
        self.w = f.weights
        self.main = f.main_venue.id
        self.venue_town = {v.id: v.town for v in f.venues}
        self.sub_towns = {v.town for v in f.venues if v.kind == "sub"}
        self.nbrs = {t: [u for u in f.neighbours[t] if u in self.sub_towns] for t in f.neighbours}
        self.sub_n: dict[tuple[str, str, int], int] = defaultdict(int)  # (town, industry, g)
        self.main_n: dict[tuple[str, int], int] = defaultdict(int)  # (industry, g)
        self.main_town_day: dict[tuple[str, int], int] = defaultdict(int)
        self.main_town: dict[str, int] = defaultdict(int)
        self.ent = f.enterprise
        self.streamer_town = {s.id: s.town for s in f.streamers}
        self.prime = f.prime_slot_indices

    def score(self, e: str, s: str, v: str, g: int, stay: tuple[str, int] | None = None) -> int:
        ent = self.ent[e]
        w = self.w
        sc = 0
        if g % self.p.n_slots in self.prime:
            sc += w["prime"] * (ent.expected_gmv // 1000)
        if v == self.main:
            sc -= w["showcase"] * self.main_n[(ent.industry, g)]
            if self.main_town_day[(ent.town, self.p.day_of(g))] == 0:
                sc += w["showcase"]
            if self.main_town[ent.town] == 0:
                sc += 10 * (w["showcase"] + w["clash"]) + 1_000_000
            elif self.sub_first:
                sc -= 1_000_000
        else:
            t = self.venue_town[v]
            near = self.sub_n[(t, ent.industry, g)] + sum(
                self.sub_n[(u, ent.industry, g)] for u in self.nbrs.get(t, [])
            )
            sc -= w["clash"] * near
        if self.streamer_town[s] == self.venue_town[v]:
            sc += w["fit"]
        if stay is not None and stay == (v, g):
            sc += w["stability"] * 10
        return sc

    def add(self, pl: Placed, sign: int = 1) -> None:
        ent = self.ent[pl.enterprise]
        if pl.venue == self.main:
            self.main_n[(ent.industry, pl.g)] += sign
            self.main_town_day[(ent.town, self.p.day_of(pl.g))] += sign
            self.main_town[ent.town] += sign
        else:
            self.sub_n[(self.venue_town[pl.venue], ent.industry, pl.g)] += sign


def scorer_for(state: State, sub_first: bool = False) -> Scorer:
    sc = Scorer(state.p, sub_first)
    for pl in state.sessions:
        sc.add(pl)
    return sc


def place_fixed(
    state: State,
    scorer: Scorer,
    items: Iterable[tuple[str, str, int, tuple[str, int] | None, str | None]],
    where: dict[int, tuple[str, int]] | None = None,
) -> list[tuple[str, str, int, tuple[str, int] | None, str | None]]:
    """Place sessions whose enterprise, streamer and day are decided; returns those that fit
    nowhere.  Items: (enterprise, streamer, day, (old venue, old slot) or None, old id)."""
    p = state.p
    left = []
    for k, (e, s, d, stay, sid) in enumerate(items):
        best: tuple[int, str, int] | None = None
        if stay is not None and state.can_place(e, s, stay[0], stay[1]):
            best = (0, stay[0], stay[1])  # S7: where people were told it would be
            pl = state.place(Placed(e, s, stay[0], stay[1], id=sid))
            scorer.add(pl)
            if where is not None:
                where[k] = stay
            continue
        # its own day first; another day with the same streamer when that day is full
        for days in ([d], [x for x in range(p.n_days) if x != d]):
            for dd in days:
                for g in p.day_slots(dd):
                    for v in p.e_venues[e]:
                        if state.can_place(e, s, v, g):
                            sc = scorer.score(e, s, v, g, stay)
                            if best is None or sc > best[0]:
                                best = (sc, v, g)
            if best is not None:
                break
        if best is None:
            left.append((e, s, d, stay, sid))
            continue
        pl = state.place(Placed(e, s, best[1], best[2], id=sid))
        scorer.add(pl)
        if where is not None:
            where[k] = (best[1], best[2])
    return left


def refill(
    state: State,
    scorer: Scorer,
    enterprises: list[str] | None = None,
    deadline: float | None = None,
) -> int:
    """Place what is still asked for wherever a legal spot is left, the towns furthest
    behind first, then highest value; stops at `deadline` (time.monotonic())."""
    p = state.p
    ents = p.festival.enterprise
    req: dict[str, int] = defaultdict(int)
    got: dict[str, int] = defaultdict(int)
    for x in p.festival.enterprises:
        req[x.town] += x.sessions
    for pl in state.sessions:
        got[ents[pl.enterprise].town] += 1
    # the towns furthest behind first (S5), then by value (S1)
    order = enterprises or sorted(
        (e for e in ents if state.remaining(e) > 0),
        key=lambda e: (round(got[ents[e].town] / req[ents[e].town], 1), -ents[e].expected_gmv),
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
            main_first = {town: possible[town] and scorer.main_town[town] == 0}
            best: tuple[int, str, str, int] | None = None
            for g in sorted(p.e_open[e]):
                if not state.enterprise_free(e, g):
                    continue
                d = p.day_of(g)
                # streamers free in this slot and under their daily limit, before venues
                free = [
                    s
                    for s in p.fit[e]
                    if (s, g) not in state.s_at
                    and g in p.s_open[s]
                    and state.s_day[(s, d)] < state.max_day[s]
                ]
                if not free:
                    continue
                for v in p.e_venues[e]:
                    if not state.studio_free(v, g) or (v != scorer.main and main_first[town]):
                        continue
                    for s in free:
                        if state.can_place(e, s, v, g):
                            sc = scorer.score(e, s, v, g)
                            if best is None or sc > best[0]:
                                best = (sc, s, v, g)
            if best is None:
                break
            pl = state.place(Placed(e, best[1], best[2], best[3]))
            scorer.add(pl)
            added += 1
    return added


def main_possible(problem: Problem, town: str) -> bool:
    """H8's 'when that is possible at all': some enterprise of the town could meet some
    fitting streamer in some slot the main venue is open."""
    f = problem.festival
    main_open = problem.v_open[f.main_venue.id]
    for e in f.enterprises:
        if e.town != town or e.sessions == 0 or problem.day_cap[e.id] == 0:
            continue
        for g in problem.e_open[e.id] & main_open:
            if any(g in problem.s_open[s] for s in problem.fit[e.id]):
                return True
    return False


def repair_one_city(state: State, scorer: Scorer) -> None:
    """H8: every town with a placed session gets one at the main venue; move one there, add
    one there, or, where neither is possible, take the town's proposed sessions out."""
    p = state.p
    f = p.festival
    main = f.main_venue.id
    town_of = {e.id: e.town for e in f.enterprises}
    by_town: dict[str, list[Placed]] = defaultdict(list)
    for pl in state.sessions:
        by_town[town_of[pl.enterprise]].append(pl)
    for town, pls in by_town.items():
        if any(pl.venue == main for pl in pls) or not main_possible(p, town):
            continue
        done = False
        # move one of its proposed sessions to the main venue (same streamer, any slot)
        for pl in sorted(pls, key=lambda x: f.enterprise[x.enterprise].expected_gmv):
            if pl.status != "proposed":
                continue
            state.remove(pl)
            scorer.add(pl, -1)
            for g in range(p.n_g):
                if state.can_place(pl.enterprise, pl.streamer, main, g):
                    new = state.place(Placed(pl.enterprise, pl.streamer, main, g, id=pl.id))
                    scorer.add(new)
                    done = True
                    break
            if done:
                break
            state.place(pl)
            scorer.add(pl)
        if done:
            continue
        # add one more session of the town at the main venue
        for e in sorted(
            {pl.enterprise for pl in pls} | {x.id for x in f.enterprises if x.town == town}
        ):
            for g in range(p.n_g):
                for s in p.fit[e]:
                    if state.can_place(e, s, main, g):
                        new = state.place(Placed(e, s, main, g))
                        scorer.add(new)
                        done = True
                        break
                if done:
                    break
            if done:
                break
        if done:
            continue
        for pl in pls:
            if pl.status == "proposed":
                state.remove(pl)
                scorer.add(pl, -1)
