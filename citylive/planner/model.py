"""Stage two: the CP-SAT model that puts sessions in a streamer, a venue and a slot.

Per enterprise-day the model gets a demand (how many sessions at most, how many at least) and
the streamers it may take; a boolean per (enterprise, streamer, venue, slot) of that day.
Studios of a venue are interchangeable, so H1 is a capacity per venue-slot (a themed block
is a capacity of its own inside the main venue) and studio numbers come afterwards.  Every
hard rule is a constraint; the soft goals are the objective: value (S1), prime time (S2),
clash pairs near each other (S3), the main venue's duplicates, towns per day and full, varied
blocks (S4), the lowest town share and its floor (S5), streamers at home (S6), staying where
the previous schedule put a session (S7) and fresh streamers (S8).  H8 is a constraint.

The warm start is a complete hint (auxiliary variables too), so CP-SAT starts from it.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from citylive.planner import goals
from citylive.planner.assign import prime_bonus, session_value
from citylive.planner.data import STAY, Problem
from citylive.planner.progress import GUARD
from citylive.planner.spec import Hinted, ModelSpec, Spot
from citylive.planner.state import State

# CP-SAT's deterministic time per second of a deterministic plan's budget: its units are
# about a second of one core's work; two interleaved workers on a loaded two-core machine
# took 2.2 s of the clock per unit (bench "tight"), so a budget buys half a unit per second
DET_PER_SECOND = 0.5


@dataclass
class SolveResult:
    spots: list[Spot]
    status: str
    objective: float | None
    bound: float | None
    hint_objective: int
    seconds: float
    variables: int
    build_seconds: float = 0.0  # building the model, before CP-SAT starts


REPORT_EVERY = 1.0  # seconds between two progress reports from the solver


class _Progress(cp_model.CpSolverSolutionCallback):
    """Hands each better schedule's value, objective and bound to `report`, at most about
    once a second (summing the value reads every variable)."""

    def __init__(
        self, report: Callable[[int, float, float], None] | None, value: cp_model.LinearExpr
    ):
        super().__init__()
        self.report = report
        self.value_expr = value
        self.last = 0.0

    def on_solution_callback(self) -> None:
        now = time.monotonic()
        if self.report is None or now - self.last < REPORT_EVERY:
            return
        self.last = now
        self.report(
            int(self.value(self.value_expr)), self.objective_value, self.best_objective_bound
        )


def solve_spots(
    problem: Problem,
    state: State,
    spec: ModelSpec,
    *,
    time_limit: float,
    workers: int,
    seed: int,
    report: Callable[[int, float, float], None] | None = None,
    deterministic: bool = False,
) -> SolveResult:
    """Build the model over what `state` leaves open and solve it within `time_limit`:
    seconds of the clock, or with `deterministic` CP-SAT's deterministic time (work, about a
    second each on one core), with the workers' search interleaved in a fixed order, so the
    same model and seed give the same solution (a wall-time guard of GUARD x stays)."""
    t0 = time.monotonic()
    m = cp_model.CpModel()
    hv = Hinted(m)
    b = Builder(problem, state, spec, m, hv)
    b.build()
    m.maximize(cp_model.LinearExpr.weighted_sum([v for _c, v in b.obj], [c for c, _v in b.obj]))
    for idx, val in hv.values.items():
        m.add_hint(hv.vars[idx], val)
    hint_obj = b.hint_objective()
    solver = cp_model.CpSolver()
    build = time.monotonic() - t0
    if deterministic:
        solver.parameters.max_deterministic_time = max(0.1, DET_PER_SECOND * time_limit)
        solver.parameters.max_time_in_seconds = GUARD * max(1.0, time_limit)
        solver.parameters.interleave_search = True
    else:
        solver.parameters.max_time_in_seconds = max(0.2, time_limit - build)
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = seed
    # The model is large but simple; a full presolve (probing, symmetry) costs much of a
    # city-size budget and buys little over the complete warm start.
    solver.parameters.symmetry_level = 0
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.max_presolve_iterations = 1
    gmv = problem.festival.enterprise
    keys = list(b.x)
    value = cp_model.LinearExpr.weighted_sum(
        [b.x[k] for k in keys], [gmv[k[0]].expected_gmv for k in keys]
    )
    status = solver.solve(m, _Progress(report, value))
    name = solver.status_name(status)
    spots: list[Spot] = []
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        spots = [key for key, var in b.x.items() if solver.boolean_value(var)]
        objective, bound = solver.objective_value, solver.best_objective_bound
    else:
        spots = list(spec.hint)
        objective, bound = float(hint_obj), None
    return SolveResult(
        spots=spots,
        status=name,
        objective=objective,
        bound=bound,
        hint_objective=hint_obj,
        seconds=time.monotonic() - t0,
        variables=len(b.x),
        build_seconds=build,
    )


class Builder:
    def __init__(
        self,
        problem: Problem,
        state: State,
        spec: ModelSpec,
        m: cp_model.CpModel,
        hv: Hinted,
    ):
        self.p, self.st, self.spec, self.m, self.hv = problem, state, spec, m, hv
        self.x: dict[Spot, cp_model.IntVar] = {}
        self.obj: list[tuple[int, cp_model.IntVar]] = []
        self.hinted = set(spec.hint)

    def hint_objective(self) -> int:
        return sum(c * self.hv.values.get(v.index, 0) for c, v in self.obj)

    def build(self) -> None:
        self._variables()
        self._hard_rules()
        goals.rooms(self)
        goals.clash_and_showcase(self)
        goals.towns(self)
        goals.freshness(self)

    # ------------------------------------------------------------ variables
    def _variables(self) -> None:
        p, st, hv = self.p, self.st, self.hv
        f = p.festival
        w = f.weights
        venue_town = f.venue_town
        streamer_town = {s.id: s.town for s in f.streamers}
        self.by_ed: dict[tuple[str, int], list] = defaultdict(list)
        for dm in self.spec.demands:
            e, d = dm.enterprise, dm.day
            val = session_value(p, e)
            pb = prime_bonus(p, e)
            for g in p.day_slots(d):
                if g not in p.e_open[e] or (e, g) in st.e_busy:
                    continue
                for v in p.e_venues[e]:
                    if not st.studio_free(v, g):
                        continue
                    for s in dm.streamers:
                        if g not in p.s_open[s] or (s, g) in st.s_at or (e, g, s) in p.forbidden:
                            continue
                        # travel against the sessions fixed already (confirmed ones)
                        if any(
                            p.day_of(h) == d and st.s_at.get((s, h), v) != v for h in (g - 1, g + 1)
                        ):
                            continue
                        key = (e, s, v, g)
                        var = self.m.new_bool_var("")
                        self.x[key] = var
                        hv.set(var, 1 if key in self.hinted else 0)
                        self.by_ed[(e, d)].append(var)
                        coef = val + (pb if p.is_prime(g) else 0)
                        if streamer_town[s] == venue_town[v]:
                            coef += w["fit"]
                        if key in self.spec.stays:
                            coef += w["stability"] * STAY
                        self.obj.append((coef, var))

    # ------------------------------------------------------------ hard rules
    def _hard_rules(self) -> None:
        p, st, m = self.p, self.st, self.m
        by_vg: dict[tuple[str, int], list] = defaultdict(list)
        self.by_sg_v: dict[tuple[str, int], dict[str, list]] = defaultdict(
            lambda: defaultdict(list)
        )
        by_eg: dict[tuple[str, int], list] = defaultdict(list)
        by_e: dict[str, list] = defaultdict(list)
        by_sd: dict[tuple[str, int], list] = defaultdict(list)
        for (e, s, v, g), var in self.x.items():
            by_vg[(v, g)].append(var)
            self.by_sg_v[(s, g)][v].append(var)
            by_eg[(e, g)].append(var)
            by_e[e].append(var)
            by_sd[(s, p.day_of(g))].append(var)
        for (v, g), vs in by_vg.items():
            cap = st.studios[v] - st.studio_used[(v, g)]
            if len(vs) > cap:
                m.add(sum(vs) <= cap)
        for (s, g), per_v in self.by_sg_v.items():
            allv = [x for vs in per_v.values() for x in vs]
            if len(allv) > 1:
                m.add_at_most_one(allv)
            # H2 travel: nothing at another venue in the next slot of the same day
            h = g + 1
            if p.day_of(h) != p.day_of(g) or (s, h) not in self.by_sg_v:
                continue
            nxt = self.by_sg_v[(s, h)]
            for v, vs in per_v.items():
                others = [x for u, xs in nxt.items() if u != v for x in xs]
                if others:
                    m.add(sum(vs) + sum(others) <= 1)
        for (s, d), vs in by_sd.items():
            cap = st.max_day[s] - st.s_day[(s, d)]
            if len(vs) > cap:
                m.add(sum(vs) <= cap)
        for vs in by_eg.values():
            if len(vs) > 1:
                m.add_at_most_one(vs)
        for dm in self.spec.demands:
            vs = self.by_ed.get((dm.enterprise, dm.day), [])
            cap = min(dm.most, p.day_cap[dm.enterprise] - st.e_day[(dm.enterprise, dm.day)])
            least = min(dm.least, cap, self.hv.value(vs))
            if len(vs) > cap:
                m.add(sum(vs) <= cap)
            if least > 0:
                m.add(sum(vs) >= least)
        for e, cap in self.spec.total_cap.items():
            vs = by_e.get(e, [])
            if len(vs) > cap:
                m.add(sum(vs) <= cap)
        self.by_e = by_e
