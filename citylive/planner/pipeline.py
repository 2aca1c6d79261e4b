"""One schedule under one fairness setting: the day flow's sessions, the warm start, and its
improvement.  The plan runs it once with most of the time; the price of fairness runs it
again for each other setting with a share of what is left, so every row of `tradeoffs`
comes from the same steps."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from citylive.planner.assign import DayFlow, Unit, prime_price
from citylive.planner.data import Problem
from citylive.planner.greedy import Item, place_items, refill, scorer_for
from citylive.planner.onecity import repair_one_city
from citylive.planner.progress import Clock
from citylive.planner.settings import Fairness, assign, lowest_share, town_counts
from citylive.planner.solve import Improved, improve
from citylive.planner.state import Placed, State
from citylive.planner.tradeoffs import refill_key
from citylive.planner.venue_targets import venue_targets

FLOW_ARCS = 600_000  # enterprise-streamer-day pairs the flow offers at most
LEVEL_SHARE = 0.3  # of a schedule's seconds, at most, for the fairness level search


@dataclass
class Context:
    problem: Problem
    pinned: Callable[[], State]
    flow: DayFlow
    clock: Clock
    workers: int
    seed: int
    warm_seconds: float = 0.0  # the longest warm start so far (both variants)
    build_seconds: float = 0.0  # the longest CP-SAT model build so far


def pinned_factory(problem: Problem) -> Callable[[], State]:
    """A fresh state holding the previous schedule's confirmed sessions, exactly."""
    blocks = {(b.theme, g): b.industries for g, bs in problem.blocks.items() for b in bs}
    confirmed = [o for o in problem.old if o.status == "confirmed"]

    def pinned() -> State:
        state = State(problem)
        for o in confirmed:
            in_block = o.venue == problem.main and problem.industry(o.enterprise) in blocks.get(
                (o.theme or "", o.g), ()
            )
            state.place(
                Placed(o.enterprise, o.streamer, o.venue, o.g, id=o.id, status="confirmed",
                       studio=o.studio, theme=o.theme if in_block else None)
            )  # fmt: skip
        return state

    return pinned


def context(problem: Problem, clock: Clock, workers: int, seed: int) -> Context:
    """The pinned sessions and the day flow, built once for every setting."""
    p = problem
    pinned = pinned_factory(p)
    base = pinned()
    proposed_old = [o for o in p.old if o.status == "proposed"]
    keep: dict[tuple[str, str, int, bool | None], int] = dict(
        Counter((o.enterprise, o.streamer, p.day_of(o.g), p.is_prime(o.g)) for o in proposed_old)
    )
    open_e = sum(1 for e in p.festival.enterprises if base.remaining(e.id) > 0)
    # the flow offers each enterprise a shortlist of its fitting streamers on very large
    # festivals (arcs stay about FLOW_ARCS) and under a short time limit (a quick re-plan)
    shortlist = max(12, FLOW_ARCS // max(1, open_e * p.n_days))
    if clock.limit < 20:
        shortlist = min(shortlist, 16)
    flow = DayFlow(p, base, keep, shortlist, prime_price(p, base))
    return Context(p, pinned, flow, clock, workers, seed)


def schedule_for(
    ctx: Context, fairness: Fairness, seconds: float, *, report: bool
) -> tuple[State, Improved | None, float]:
    """A schedule under `fairness` in about `seconds`: flow (its level search in at most
    LEVEL_SHARE of them), warm start, then what is left for improvement (none below half a
    second); returns it, the improvement's figures and the flow's level."""
    p, clock = ctx.problem, ctx.clock
    det = clock.deterministic
    t_start = clock.elapsed()
    t_end = t_start + seconds
    base = ctx.pinned()
    # a deterministic plan searches the levels to the end (LEVEL_SOLVES at most)
    units, level, _searched = assign(
        p, base, ctx.flow, fairness,
        None if det else clock.at(t_start + LEVEL_SHARE * seconds),
    )  # fmt: skip
    items = ordered_items(p, base, units, fairness.min_share or 0.0)
    if report:
        clock.report("prepare", value=_value(base) + sum(_gmv(p, u[0]) for u in units))
    # the warm start: soft goals first, and sub-venue first (room at the main venue for
    # the towns that have no other); the one placing more value wins
    warm: State | None = None
    t_warm = clock.elapsed()
    targets = venue_targets(p, base, units)
    for sub_first, routed in ((False, False), (True, False), (True, True)):
        trial = ctx.pinned()
        scorer = scorer_for(trial, sub_first, targets if routed else None)
        place_items(trial, scorer, items)
        scorer = scorer_for(trial)
        refill(trial, scorer, refill_key(trial, fairness), clock.until(t_end))
        repair_one_city(trial, scorer)
        if warm is None or _value(trial) > _value(warm):
            warm = trial
    assert warm is not None
    ctx.warm_seconds = max(ctx.warm_seconds, clock.elapsed() - t_warm)
    if report:
        clock.report("warm start", value=_value(warm))
    # building the CP-SAT model cannot be cut short: no improvement when the time left
    # would barely cover building it again; a deterministic plan gives the improvement the
    # schedule's seconds less the flow's and warm start's share, whatever they took
    left = (1 - LEVEL_SHARE) * seconds if det else t_end - clock.elapsed()
    if left < (0.5 if det else max(0.5, 2 * ctx.build_seconds)):
        return warm, None, level
    res = improve(
        p, ctx.pinned, warm, fairness, seconds=left, workers=ctx.workers, seed=ctx.seed,
        clock=clock if report else Clock(clock.limit),
    )  # fmt: skip
    ctx.build_seconds = max(ctx.build_seconds, res.build_seconds)
    return res.state, res, level


def ordered_items(p: Problem, base: State, units: list[Unit], floor: float) -> list[Item]:
    """The flow's sessions in the order the warm start places them: those staying where the
    previous schedule had them; then each town's most valuable up to the fairness floor
    (they must not lose their studio to a more valuable town's); then by value, prime
    pairings first."""
    stays: dict[tuple[str, str, int], list[tuple[str, int]]] = defaultdict(list)
    for o in p.old:
        if o.status == "proposed":
            stays[(o.enterprise, o.streamer, p.day_of(o.g))].append((o.venue, o.g))
    gmv = {e.id: e.expected_gmv for e in p.festival.enterprises}
    quota = {t: math.ceil(floor * n - 1e-9) for t, n in p.town_requests().items()}
    for pl in base.sessions:
        t = p.town(pl.enterprise)
        if t in quota:
            quota[t] -= 1
    items: list[Item] = []
    for e, s, d, prime in units:
        left = stays.get((e, s, d))
        items.append((e, s, d, prime, left.pop() if left else None, None))
    items.sort(key=lambda it: (-gmv[it[0]], it[0], it[1], it[2]))
    keyed = []
    for it in items:
        t = p.town(it[0])
        protected = quota.get(t, 0) > 0
        quota[t] = quota.get(t, 0) - 1
        keyed.append(((it[4] is None, not protected, not it[3], -gmv[it[0]]), it))
    keyed.sort(key=lambda x: x[0])
    return [it for _k, it in keyed]


def _gmv(p: Problem, e: str) -> int:
    return p.festival.enterprise[e].expected_gmv


def _value(state: State) -> int:
    return sum(_gmv(state.p, pl.enterprise) for pl in state.sessions)


def flow_only(ctx: Context, fairness: Fairness, own_weight: int) -> dict | None:
    """What the day flow alone says of a setting (value and lowest share of the sessions it
    assigns, before placing them): the price of fairness when too little time is left to
    plan the setting; None when its weight, above the festival's own, cannot be weighed in
    time (a row that would say nothing of it)."""
    p = ctx.problem
    base = ctx.pinned()
    units, level, searched = assign(
        p, base, ctx.flow, fairness,
        None if ctx.clock.deterministic else ctx.clock.at(ctx.clock.limit),
    )  # fmt: skip
    if not searched and fairness.weight > own_weight:
        return None
    placed = town_counts(p, base)
    for u in units:
        placed[p.town(u[0])] += 1
    return {
        "value": _value(base) + sum(_gmv(p, u[0]) for u in units),
        "lowest_town_share": round(lowest_share(p, placed), 4),
        "prime_value": None,
        "clash_pairs": None,
        "main_duplicates": None,
        "placed": len(base) + len(units),
        "level": level,
    }
