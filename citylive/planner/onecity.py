"""H8, one city: whether a town can have a main-venue session at all, and the repair that
gives every town with a placed session one there."""

from __future__ import annotations

from collections import defaultdict
from typing import Protocol

from citylive.planner.data import Problem
from citylive.planner.state import Placed, State


class Scores(Protocol):
    """What the repair keeps up to date as it moves sessions (greedy.Scorer is one)."""

    def add(self, pl: Placed, sign: int = 1) -> None: ...


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


def repair_one_city(state: State, scorer: Scores) -> None:
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
    repair_districts(state, scorer)


def repair_districts(state: State, scorer: Scores) -> None:
    """H8 with districts: a district with a placed session and none of its towns at the main
    venue gets one there, from the first of its towns that can have one (a town whose every
    session is elsewhere is in no district's way: the town repair has run)."""
    p = state.p
    f = p.festival
    main = f.main_venue.id
    placed: dict[str, int] = defaultdict(int)
    at_main: set[str] = set()
    for pl in state.sessions:
        t = p.town(pl.enterprise)
        placed[t] += 1
        if pl.venue == main:
            at_main.add(t)
    for d in f.districts:
        if not any(placed[t] for t in d.towns) or any(t in at_main for t in d.towns):
            continue
        towns = set(d.towns)
        for e in sorted(x.id for x in f.enterprises if x.town in towns):
            new = _first_main(state, e)
            if new is not None:
                scorer.add(new)
                break


def _first_main(state: State, e: str) -> Placed | None:
    p = state.p
    for g in range(p.n_g):
        for s in p.fit[e]:
            if state.can_place(e, s, p.main, g):
                return state.place(Placed(e, s, p.main, g))
    return None
