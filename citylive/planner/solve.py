"""Improving the warm start: CP-SAT on a small festival, local search on a large one.

A small festival (at most FULL_MODEL candidate spots) gets one CP-SAT model over every day
and every fitting streamer, with the request counts, H8, the fairness floor and the lowest
share free: the warm start is only its first solution.  On a large one CP-SAT measured
poorly (ls.py), and the local search takes the time.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from citylive.planner.data import Problem
from citylive.planner.greedy import scorer_for
from citylive.planner.ls import local_search
from citylive.planner.model import solve_spots
from citylive.planner.objective import objective
from citylive.planner.progress import GUARD, Clock
from citylive.planner.settings import Fairness
from citylive.planner.spec import Demand, ModelSpec, Spot
from citylive.planner.state import Placed, State

FULL_MODEL = 40_000  # candidate spots up to which one model covers the whole festival
PRE_SEARCH = 0.1  # of a small festival's improvement time, at most, for local search first
DAY_MODEL = 20_000  # candidate spots of one day up to which CP-SAT follows the local search
# a deterministic plan's local search stops after this many sweeps (or when one finds
# nothing), instead of at a moment of the clock
PRE_SWEEPS = 2
LS_SWEEPS = 30
DAYS_SHARE = 0.5  # of a large festival's improvement, for CP-SAT on days (deterministic)


@dataclass
class Improved:
    state: State
    status: str
    objective: float | None
    bound: float | None
    hint_objective: int
    variables: int
    seconds: float
    models: int
    build_seconds: float = 0.0  # building the CP-SAT model


def _spot(pl: Placed) -> Spot:
    return (pl.enterprise, pl.streamer, pl.venue, pl.g)


def full_size(problem: Problem, base: State) -> int:
    p = problem
    n = 0
    for e in p.festival.enterprises:
        if base.remaining(e.id) > 0:
            n += len(p.fit[e.id]) * len(p.e_venues[e.id]) * len(p.e_open[e.id])
    return n


def improve(
    problem: Problem,
    pinned: Callable[[], State],
    warm: State,
    fairness: Fairness,
    *,
    seconds: float,
    workers: int,
    seed: int,
    clock: Clock,
) -> Improved:
    """The warm start improved by CP-SAT within `seconds`; the warm start itself when the
    solver finds nothing better in time."""
    p = problem
    base = pinned()
    if full_size(p, base) <= FULL_MODEL:
        return _by_full_model(p, pinned, base, warm, fairness, seconds, workers, seed, clock)
    return _improve_large(p, pinned, warm, seconds=seconds, workers=workers, seed=seed,
                          clock=clock)  # fmt: skip


def _improve_large(
    p: Problem,
    pinned: Callable[[], State],
    warm: State,
    *,
    seconds: float,
    workers: int,
    seed: int,
    clock: Clock,
) -> Improved:
    """A large festival: local search on the warm start (ls.py says why not CP-SAT), then
    CP-SAT on days where a day model stays small."""
    det = clock.deterministic
    t0 = time.monotonic()
    scorer = scorer_for(warm)
    before = objective(warm)

    def tell(moves: int) -> None:
        clock.report("local search", _value(warm), objective(warm), None)

    moves, sweeps = local_search(
        warm, scorer, deadline=t0 + (GUARD * max(1.0, seconds) if det else seconds),
        report=tell, max_sweeps=LS_SWEEPS if det else None,
    )  # fmt: skip
    status = f"LOCAL SEARCH ({moves} moves, {sweeps} sweeps)"
    # time left once the search has converged: CP-SAT on each day where every session may
    # take any fitting streamer, when such a day model stays small (a deterministic plan
    # gives the days half the stage's share, in deterministic time)
    state, days = _days_by_cpsat(
        p, pinned, warm, deadline=t0 + seconds, workers=workers, seed=seed,
        budget=DAYS_SHARE * seconds if det else None,
    )  # fmt: skip
    if days:
        status += f", then CP-SAT on {days} day{'s' if days > 1 else ''}"
        clock.report("cp-sat", _value(state), objective(state), None)
    return Improved(
        state=state,
        status=status,
        objective=float(objective(state)),
        bound=None,
        hint_objective=before,
        variables=0,
        seconds=time.monotonic() - t0,
        models=0,
    )


def _by_full_model(
    p: Problem,
    pinned: Callable[[], State],
    base: State,
    warm: State,
    fairness: Fairness,
    seconds: float,
    workers: int,
    seed: int,
    clock: Clock,
) -> Improved:
    """One CP-SAT model of the whole festival, started from the warm start."""
    # a few local-search sweeps first: CP-SAT starts from a better schedule
    det = clock.deterministic
    t_ls = time.monotonic()
    share = PRE_SEARCH * seconds
    local_search(
        warm, scorer_for(warm), deadline=t_ls + (GUARD * max(1.0, share) if det else share),
        max_sweeps=PRE_SWEEPS if det else None,
    )  # fmt: skip
    if not det:
        seconds -= time.monotonic() - t_ls
    spec = _full_spec(p, base, warm, fairness)
    fixed = sum(p.festival.enterprise[pl.enterprise].expected_gmv for pl in base.sessions)

    def report(value: int, objective: float, bound: float) -> None:
        clock.report("cp-sat", fixed + value, objective, bound)

    res = solve_spots(
        p, base, spec, time_limit=seconds, workers=workers, seed=seed, report=report,
        deterministic=det,
    )  # fmt: skip
    state = warm
    if res.status in ("OPTIMAL", "FEASIBLE"):
        trial = _apply(pinned(), res.spots)
        if len(trial.sessions) - len(base.sessions) == len(res.spots):
            state = trial
    return Improved(
        state, res.status, res.objective, res.bound, res.hint_objective, res.variables,
        res.seconds, 1, res.build_seconds,
    )  # fmt: skip


def _full_spec(p: Problem, base: State, warm: State, fairness: Fairness) -> ModelSpec:
    """Every open request on every day, the warm start as the hint, the previous schedule's
    proposed sessions as the places to stay, H8 everywhere, the fairness floor."""
    stays = {(o.enterprise, o.streamer, o.venue, o.g) for o in p.old if o.status == "proposed"}
    own = [pl for pl in warm.sessions if pl.status != "confirmed"]
    req = p.town_requests()
    return ModelSpec(
        demands=[
            Demand(e.id, d, min(p.day_cap[e.id], base.remaining(e.id)), 0, p.fit[e.id])
            for e in p.festival.enterprises
            if base.remaining(e.id) > 0 and p.fit[e.id]
            for d in range(p.n_days)
        ],
        hint=[_spot(pl) for pl in own],
        stays=stays,
        total_cap={e: base.remaining(e) for e in base.asked if base.remaining(e) > 0},
        h8_all=True,
        fairness_weight=fairness.weight,
        floor={t: math.ceil(fairness.min_share * n - 1e-9) for t, n in req.items()}
        if fairness.min_share
        else {},
    )


def _days_by_cpsat(
    p: Problem,
    pinned: Callable[[], State],
    state: State,
    *,
    deadline: float,
    workers: int,
    seed: int,
    budget: float | None = None,
) -> tuple[State, int]:
    """Each day's sessions (their number per enterprise kept) re-placed by CP-SAT over every
    fitting streamer, venue and slot of the day, the schedule so far as the hint; a day is
    kept only when the solver improves it.  Skipped when a day model would pass DAY_MODEL
    candidate spots or less than a second per day is left."""
    own = [pl for pl in state.sessions if pl.status != "confirmed"]
    by_day: dict[int, list[Placed]] = {}
    for pl in own:
        by_day.setdefault(p.day_of(pl.g), []).append(pl)
    sizes = {
        d: sum(len(p.fit[pl.enterprise]) * len(p.e_venues[pl.enterprise]) * p.n_slots for pl in pls)
        for d, pls in by_day.items()
    }
    if not by_day or max(sizes.values()) > DAY_MODEL:
        return state, 0
    stays = {(o.enterprise, o.streamer, o.venue, o.g) for o in p.old if o.status == "proposed"}
    confirmed_main = {
        p.town(pl.enterprise)
        for pl in state.sessions
        if pl.status == "confirmed" and pl.venue == p.main
    }
    h8_day: dict[str, int] = {}
    for pl in sorted(own, key=lambda x: x.g):
        if pl.venue == p.main and p.town(pl.enterprise) not in confirmed_main:
            h8_day.setdefault(p.town(pl.enterprise), p.day_of(pl.g))
    current = {d: [_spot(pl) for pl in pls] for d, pls in by_day.items()}
    improved = 0
    order = sorted(by_day)
    for i, d in enumerate(order):
        share = (
            budget / len(order)
            if budget is not None
            else (deadline - time.monotonic()) / (len(order) - i)
        )
        if share < 1.0:
            break
        base = pinned()
        for dd, spots in current.items():
            if dd != d:
                _apply(base, spots)
        count: dict[str, int] = {}
        for e, _s, _v, _g in current[d]:
            count[e] = count.get(e, 0) + 1
        spec = ModelSpec(
            demands=[Demand(e, d, n, n, p.fit[e]) for e, n in sorted(count.items())],
            hint=current[d],
            stays={x for x in stays if p.day_of(x[3]) == d},
            h8_towns={t for t, dd in h8_day.items() if dd == d},
        )
        res = solve_spots(
            p, base, spec, time_limit=share, workers=workers, seed=seed + i,
            deterministic=budget is not None,
        )  # fmt: skip
        if (
            res.status in ("OPTIMAL", "FEASIBLE")
            and res.objective is not None
            and res.objective > res.hint_objective
        ):
            before = len(base)
            if len(_apply(base, res.spots)) - before == len(res.spots):
                current[d] = res.spots
                improved += 1
    if not improved:
        return state, 0
    out = pinned()
    for spots in current.values():
        _apply(out, spots)
    return out, improved


def _value(state: State) -> int:
    ents = state.p.festival.enterprise
    return sum(ents[pl.enterprise].expected_gmv for pl in state.sessions)


def _apply(state: State, spots: list[Spot]) -> State:
    for e, s, v, g in sorted(spots, key=lambda x: (x[3], x[2], x[0])):
        if state.can_place(e, s, v, g):
            state.place(Placed(e, s, v, g))
    return state
