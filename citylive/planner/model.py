"""Stage two: the CP-SAT model that puts each session in a venue and a slot of its day.

With enterprise, streamer and day decided by the flow, a session has only (allowed venue x
slot of that day) candidates, about a dozen; studios of one venue are interchangeable, so H1
is a capacity per venue-slot and studio numbers are given afterwards.  The soft goals:
value (a session may still be left out), prime time, clash pairs near each other (S3), the
main venue's duplicates and towns per day (S4), the lowest town share (S5), streamers at
home (S6) and staying where the previous schedule put a session (S7).  H8 is a constraint.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from citylive.planner.assign import session_value
from citylive.planner.data import STAY, Problem
from citylive.planner.greedy import main_possible
from citylive.planner.state import State

Item = tuple[str, str, int, tuple[str, int] | None, str | None]


@dataclass
class SolveResult:
    placements: dict[int, tuple[str, int]]  # item index -> (venue, g)
    status: str
    objective: float | None
    bound: float | None
    hint_objective: int | None
    seconds: float
    variables: int


class _Hinted:
    """Builds aux variables together with their value under the warm start, so the hint is
    complete (CP-SAT then takes it as its first solution instead of repairing it)."""

    def __init__(self, model: cp_model.CpModel):
        self.m = model
        self.values: dict[int, int] = {}
        self.vars: dict[int, cp_model.IntVar] = {}

    def value(self, terms: list) -> int:
        return sum(t if isinstance(t, int) else self.values.get(t.index, 0) for t in terms)

    def pairs(self, terms: list, top: int, name: str) -> cp_model.IntVar | None:
        """An integer >= C(n, 2) for n = sum(terms): tangent lines of the convex pair count."""
        if len(terms) < 2 or top < 2:
            return None
        m = self.m
        hn = self.value(terms)
        n = m.new_int_var(0, len(terms), f"n_{name}")
        m.add(n == sum(terms))
        y = m.new_int_var(0, top * (top - 1) // 2 + len(terms) ** 2, f"y_{name}")
        for k in range(1, min(top, 40)):
            m.add(y >= k * n - k * (k + 1) // 2)
        self.set(n, hn)
        self.set(y, hn * (hn - 1) // 2)
        return y

    def boolean(self, name: str, value: int) -> cp_model.IntVar:
        b = self.m.new_bool_var(name)
        self.set(b, value)
        return b

    def set(self, var: cp_model.IntVar, value: int) -> None:
        self.values[var.index] = value
        self.vars[var.index] = var


def solve_slots(
    problem: Problem,
    state: State,
    items: list[Item],
    hint: dict[int, tuple[str, int]],
    *,
    time_limit: float,
    workers: int,
    seed: int = 1,
) -> SolveResult:
    t0 = time.monotonic()
    p = problem
    f = p.festival
    w = f.weights
    ents = f.enterprise
    main = f.main_venue.id
    venue_town = {v.id: v.town for v in f.venues}
    streamer_town = {s.id: s.town for s in f.streamers}
    prime = f.prime_slot_indices
    m = cp_model.CpModel()
    hv = _Hinted(m)
    hinted = {(k, v, g) for k, (v, g) in hint.items()}
    hint_obj = 0  # the warm start's objective value, reported when the solver has nothing

    x: dict[tuple[int, str, int], cp_model.IntVar] = {}
    by_item: dict[int, list] = defaultdict(list)
    by_vg: dict[tuple[str, int], list] = defaultdict(list)
    by_sg_v: dict[tuple[str, int], dict[str, list]] = defaultdict(lambda: defaultdict(list))
    by_eg: dict[tuple[str, int], list] = defaultdict(list)
    by_town: dict[str, list] = defaultdict(list)
    main_town: dict[str, list] = defaultdict(list)
    main_town_day: dict[tuple[str, int], list] = defaultdict(list)
    main_ind: dict[tuple[str, int], list] = defaultdict(list)
    sub_ind: dict[tuple[str, str, int], list] = defaultdict(list)
    obj: list = []

    for k, (e, s, d, stay, _sid) in enumerate(items):
        ent = ents[e]
        val = session_value(p, e)
        for g in p.day_slots(d):
            if g not in p.e_open[e] or g not in p.s_open[s] or (e, g, s) in p.forbidden:
                continue
            if (e, g) in state.e_busy or (s, g) in state.s_at:
                continue
            for v in p.e_venues[e]:
                if not state.studio_free(v, g):
                    continue
                # travel against sessions already fixed (confirmed ones)
                if any(p.day_of(h) == d and state.s_at.get((s, h), v) != v for h in (g - 1, g + 1)):
                    continue
                var = m.new_bool_var(f"x{k}_{v}_{g}")
                x[(k, v, g)] = var
                hv.set(var, 1 if (k, v, g) in hinted else 0)
                by_item[k].append(var)
                by_vg[(v, g)].append(var)
                by_sg_v[(s, g)][v].append(var)
                by_eg[(e, g)].append(var)
                by_town[ent.town].append(var)
                coef = val
                if g % p.n_slots in prime:
                    coef += w["prime"] * (ent.expected_gmv // 1000)
                if streamer_town[s] == venue_town[v]:
                    coef += w["fit"]
                if stay is not None and stay == (v, g):
                    coef += w["stability"] * STAY
                obj.append(coef * var)
                if (k, v, g) in hinted:
                    hint_obj += coef
                if v == main:
                    main_town[ent.town].append(var)
                    main_town_day[(ent.town, d)].append(var)
                    main_ind[(ent.industry, g)].append(var)
                else:
                    sub_ind[(venue_town[v], ent.industry, g)].append(var)

    for vs in by_item.values():
        m.add_at_most_one(vs)
    for (v, g), vs in by_vg.items():
        cap = state.studios[v] - state.studio_used[(v, g)]
        if len(vs) > cap:
            m.add(sum(vs) <= cap)
    for (s, g), per_v in by_sg_v.items():
        allv = [x for vs in per_v.values() for x in vs]
        if len(allv) > 1:
            m.add_at_most_one(allv)
        # H2 travel: nothing at another venue in the next slot of the same day
        h = g + 1
        if p.day_of(h) != p.day_of(g) or (s, h) not in by_sg_v:
            continue
        nxt = by_sg_v[(s, h)]
        for v, vs in per_v.items():
            others = [x for u, xs in nxt.items() if u != v for x in xs]
            if others:
                m.add(sum(vs) + sum(others) <= 1)
    for vs in by_eg.values():
        if len(vs) > 1:
            m.add_at_most_one(vs)

    # H8: a town with a placed session has one at the main venue
    confirmed_main = {ents[pl.enterprise].town for pl in state.sessions if pl.venue == main}
    town_of_item = {k: ents[it[0]].town for k, it in enumerate(items)}
    placed_item = {k: sum(vs) for k, vs in by_item.items()}
    for town, vs in by_town.items():
        if town in confirmed_main:
            continue
        mains = main_town.get(town, [])
        if mains:
            any_placed = hv.boolean(f"placed_{town}", 1 if hv.value(vs) else 0)
            for k in (k for k in by_item if town_of_item[k] == town):
                m.add(placed_item[k] <= any_placed)
            m.add(sum(mains) >= any_placed)
        elif main_possible(p, town) and not any(
            ents[pl.enterprise].town == town for pl in state.sessions
        ):
            # its sessions could only go to sub-venues here; a town kept away from the main
            # venue is left for the refill, which puts its first session there
            for var in vs:
                m.add(var == 0)

    # S3: same-industry sessions at nearby sub-venues in one slot
    sub_towns = {v.town for v in f.venues if v.kind == "sub"}
    fixed_sub: dict[tuple[str, str, int], int] = defaultdict(int)
    fixed_main: dict[tuple[str, int], int] = defaultdict(int)
    for pl in state.sessions:
        ind = ents[pl.enterprise].industry
        if pl.venue == main:
            fixed_main[(ind, pl.g)] += 1
        else:
            fixed_sub[(venue_town[pl.venue], ind, pl.g)] += 1
    penalties: list = []
    for (town, ind, g), vs in list(sub_ind.items()):
        terms = list(vs) + [1] * fixed_sub[(town, ind, g)]
        y = hv.pairs(terms, len(terms), f"c_{town}_{ind}_{g}")
        if y is not None:
            penalties.append(w["clash"] * y)
            hint_obj -= w["clash"] * hv.values[y.index]
        for u in f.neighbours[town]:
            if u not in sub_towns or u < town:
                continue
            other = sub_ind.get((u, ind, g), [])
            both = terms + list(other) + [1] * fixed_sub[(u, ind, g)]
            if other and vs:
                y2 = hv.pairs(both, len(both), f"n_{town}_{u}_{ind}_{g}")
                if y2 is not None:
                    penalties.append(w["clash"] * y2)
                    hint_obj -= w["clash"] * hv.values[y2.index]
    # S4: duplicates at the main venue, and towns present there each day
    for (ind, g), vs in main_ind.items():
        terms = list(vs) + [1] * fixed_main[(ind, g)]
        y = hv.pairs(terms, min(len(terms), state.studios[main]), f"m_{ind}_{g}")
        if y is not None:
            penalties.append(w["showcase"] * y)
            hint_obj -= w["showcase"] * hv.values[y.index]
    confirmed_town_day = {
        (ents[pl.enterprise].town, p.day_of(pl.g)) for pl in state.sessions if pl.venue == main
    }
    for (town, d), vs in main_town_day.items():
        if (town, d) in confirmed_town_day:
            continue
        b = hv.boolean(f"present_{town}_{d}", 1 if hv.value(vs) else 0)
        m.add(b <= sum(vs))
        obj.append(w["showcase"] * b)
        hint_obj += w["showcase"] * hv.values[b.index]
    # S5: the lowest town share, in percent
    town_req: dict[str, int] = defaultdict(int)
    for ent_ in f.enterprises:
        town_req[ent_.town] += ent_.sessions
    fixed_town: dict[str, int] = defaultdict(int)
    for pl in state.sessions:
        fixed_town[ents[pl.enterprise].town] += 1
    low = m.new_int_var(0, 100, "lowest_share")
    low_hint = 100
    for town, req in town_req.items():
        if req > 0:
            placed = list(by_town.get(town, [])) + [fixed_town[town]]
            m.add(req * low <= 100 * sum(placed))
            low_hint = min(low_hint, 100 * hv.value(placed) // req)
    hv.set(low, low_hint)
    obj.append(w["fairness"] * low)
    hint_obj += w["fairness"] * low_hint

    m.maximize(sum(obj) - sum(penalties))
    for idx, val in hv.values.items():
        m.add_hint(hv.vars[idx], val)

    solver = cp_model.CpSolver()
    build = time.monotonic() - t0
    solver.parameters.max_time_in_seconds = max(0.5, time_limit - build)
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = seed
    # The model is large but simple; a full presolve (probing, symmetry) costs a third of a
    # city-size budget and buys nothing over the complete warm start.
    solver.parameters.symmetry_level = 0
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.max_presolve_iterations = 1
    status = solver.solve(m)
    name = solver.status_name(status)
    placements: dict[int, tuple[str, int]] = {}
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        for (k, v, g), var in x.items():
            if solver.boolean_value(var):
                placements[k] = (v, g)
        objective, bound = solver.objective_value, solver.best_objective_bound
    else:
        objective, bound = float(hint_obj), None
    return SolveResult(
        placements=placements,
        status=name,
        objective=objective,
        bound=bound,
        hint_objective=hint_obj,
        seconds=time.monotonic() - t0,
        variables=len(x),
    )
