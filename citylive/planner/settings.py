"""Fairness (S5) as the organiser sets it, and the settings the price of fairness compares.

S5 is a weight like the others (per percent of the lowest town's share of its requests) plus
an optional floor (`fairness.min_share`): each town gets at least that share where the
capacity allows it.  In the day flow the floor is a first tier of each town's units; the
weight is met by a level: the flow is solved for rising levels (each town's first
`level x requests` units next after the floor) and the level whose value plus weight times
lowest share is best wins.  With the default weights a percent of the lowest share is worth
less than any one session, so the level rarely rises above what value alone gives.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from citylive.festival import Festival
from citylive.planner.assign import DayFlow, Unit, session_value
from citylive.planner.data import Problem
from citylive.planner.state import State

# "a strong weight" in the price of fairness: a percent of the lowest town's share is worth
# this many times the value weight, i.e. 50 CNY-thousand of expected GMV at the defaults
STRONG = 50
# the level search: first step above the share value alone gives, and the most solves
LEVEL_STEP = 0.05
LEVEL_SOLVES = 4


@dataclass(frozen=True)
class Fairness:
    label: str  # how the schedule's `tradeoffs` name it
    weight: int  # S5 per percent of the lowest town's share
    min_share: float | None  # the floor, or None


def festival_fairness(festival: Festival) -> Fairness:
    return Fairness("default", festival.weights["fairness"], festival.min_share)


def tradeoff_settings(festival: Festival) -> list[Fairness]:
    """None, the festival's own, a floor of 0.5, a strong weight: in that order, each
    setting once (a file whose own floor is 0.5 has no separate `floor 0.5` row: its own
    row is that setting)."""
    own = festival_fairness(festival)
    floor = max(0.5, own.min_share or 0.0)
    out: list[Fairness] = []
    for setting in (
        Fairness("none", 0, None),
        own,
        Fairness(f"floor {floor:g}", own.weight, floor),
        Fairness("strong", STRONG * festival.weights["value"], own.min_share),
    ):
        same = next(
            (x for x in out if (x.weight, x.min_share) == (setting.weight, setting.min_share)),
            None,
        )
        if same is None:
            out.append(setting)
        elif setting is own:  # the file's own setting keeps its name
            out[out.index(same)] = own
    return out


def town_counts(problem: Problem, state: State) -> dict[str, int]:
    out: dict[str, int] = {t: 0 for t in problem.town_requests()}
    for pl in state.sessions:
        t = problem.town(pl.enterprise)
        if t in out:
            out[t] += 1
    return out


def lowest_share(problem: Problem, placed: dict[str, int]) -> float:
    req = problem.town_requests()
    return min((placed.get(t, 0) / n for t, n in req.items()), default=1.0)


def assign(
    problem: Problem,
    state: State,
    flow: DayFlow,
    fairness: Fairness,
    deadline: float | None = None,
) -> tuple[list[Unit], float, bool]:
    """The flow's units under `fairness`, and the level chosen (0 for value alone).  The
    level search stops when one more solve, as long as the last, would pass `deadline`
    (time.monotonic()); `searched` tells whether the weight was weighed at all."""
    p = problem
    req = p.town_requests()
    fixed = town_counts(p, state)
    floor: dict[str, int] = {}
    if fairness.min_share:
        floor = {t: math.ceil(fairness.min_share * n - 1e-9) - fixed[t] for t, n in req.items()}

    last = [0.0]
    searched = [True]

    def run(level: float) -> tuple[list[Unit], float, float]:
        lv = {t: math.ceil(level * n - 1e-9) - fixed[t] for t, n in req.items()}
        t0 = time.monotonic()
        units = flow.solve(floor, lv)
        last[0] = max(last[0], time.monotonic() - t0)
        placed = dict(fixed)
        for e, _s, _d, _pr in units:
            placed[p.town(e)] += 1
        low = lowest_share(p, placed)
        score = sum(session_value(p, u[0]) for u in units) + fairness.weight * 100 * low
        return units, low, score

    units, low, score = run(0.0)
    best = (score, units, 0.0, low)
    if fairness.weight <= 0 or low >= 1.0:
        return units, 0.0, True
    # levels above the value-only share: climb by LEVEL_STEP, doubling while it pays, then
    # halve the last step once
    step, tried = LEVEL_STEP, 0
    searched[0] = False
    while tried < LEVEL_SOLVES and best[3] < 1.0:
        if deadline is not None and time.monotonic() + 1.2 * last[0] > deadline:
            break
        level = min(1.0, best[3] + step)
        units, low, score = run(level)
        tried += 1
        searched[0] = True
        if score > best[0]:
            best = (score, units, level, low)
            step *= 2
        elif step > LEVEL_STEP / 2:
            step /= 4
        else:
            break
    return best[1], best[2], searched[0]
