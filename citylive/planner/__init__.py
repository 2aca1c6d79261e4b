"""The planner: a `citylive/schedule@1` document for a festival, optionally re-planned from an
earlier one.

1. the capacity of each enterprise, streamer and venue, with an earlier schedule's confirmed
   sessions pinned exactly and its declined (enterprise, slot, streamer) triples forbidden;
2. a min-cost flow decides who sells with whom on which day, and which sessions want prime
   time (value, fairness floor and weight, stability, freshness; assign.py, settings.py);
3. a greedy puts those sessions in a streamer, venue and slot, most valuable first: the warm
   start (a complete hint) and the fallback when the solver has nothing in time;
4. CP-SAT improves it for the soft goals S1-S8 under every hard rule (solve.py, model.py);
5. a refill uses what is left, H8 is repaired where needed, ids and studios are given, and
   every request still open gets the reason that stopped it;
6. the price of fairness: what other fairness settings would give (tradeoffs.py).

Time: the flow and the warm start take what they take (a few seconds at city size); the
price of fairness gets TRADEOFF_SHARE of the limit, the finish FINISH_SHARE (at most a few
seconds), and CP-SAT the rest.
"""

from __future__ import annotations

from citylive.config import get_settings
from citylive.festival import Festival
from citylive.planner.cluster import dask_target
from citylive.planner.data import PlanError, Problem, build_problem, read_previous
from citylive.planner.finish import (
    declined_session,
    give_ids,
    in_order,
    moved_count,
    number_studios,
    scheduled_session,
)
from citylive.planner.greedy import refill, scorer_for
from citylive.planner.inparts import plan_in_parts
from citylive.planner.onecity import repair_one_city
from citylive.planner.pipeline import Context, context, flow_only, schedule_for
from citylive.planner.progress import Clock, ProgressCallback, SolveProgress
from citylive.planner.reasons import unplaced_reason
from citylive.planner.settings import Fairness, festival_fairness, tradeoff_settings
from citylive.planner.state import State
from citylive.planner.stats import figures, schedule_stats, sessions_in_play
from citylive.planner.tradeoffs import placed_in_play, refill_key, row
from citylive.schedule.document import ScheduleDocument, ScheduleStats, Tradeoff, Unplaced

__all__ = ["PlanError", "ProgressCallback", "SolveProgress", "plan", "schedule_stats"]

TRADEOFF_SHARE = 0.2  # of the time limit, for the price of fairness
TRADEOFF_MIN = 0.2  # seconds, at least, for each other fairness setting
# requested sessions above which a deterministic plan prices the other settings by the day
# flow alone (planning each again would pass the share on a city-size festival)
TRADEOFF_PLAN_MAX = 2_000
FINISH_SHARE = 0.1  # of the time limit, at most 1 s + 1 s per 800 sessions, for the finish


def plan(
    festival: Festival,
    *,
    previous: ScheduleDocument | None = None,
    time_limit: float = 30.0,
    workers: int = 2,
    seed: int = 1,
    progress: ProgressCallback | None = None,
    deterministic: bool = True,
    parts: bool | None = None,
) -> ScheduleDocument:
    """Plan (or re-plan from `previous`) and return the schedule document; `progress` hears
    of each stage and, about once a second, of the best schedule so far while CP-SAT runs.
    `deterministic` (the default): the same festival, previous schedule and seed give the
    same sessions, unplaced requests and tradeoffs; off, the fastest solve by the clock.

    A new plan of a festival asking more than `plan_parts_above` sessions (or any, with
    `parts=True`) is made in parts on Dask (inparts.py): `workers` local worker processes,
    or the cluster at `CITYLIVE_DASK_ADDRESS`."""
    if not time_limit > 0:
        raise PlanError(f"the time limit must be more than 0 seconds, got {time_limit}")
    if workers < 1:
        raise PlanError(f"workers must be at least 1, got {workers}")
    clock = Clock(time_limit, progress, deterministic=deterministic)
    settings = get_settings()
    if parts is None:
        parts = previous is None and festival.requested_sessions() > settings.plan_parts_above
    if parts:
        if previous is not None:
            raise PlanError("a re-plan from a previous schedule is made in one piece")
        dask = dask_target(
            settings.dask_address, settings.dask_tls_ca, settings.dask_tls_cert,
            settings.dask_tls_key,
        )  # fmt: skip
        return plan_in_parts(
            festival, clock, workers=workers, seed=seed, dask=dask,
            part_sessions=settings.plan_part_sessions,
        )  # fmt: skip
    clock.report("prepare")
    problem = build_problem(festival)
    if previous is not None:
        read_previous(problem, previous)
    return _plan(problem, clock, workers, seed)


def _plan(p: Problem, clock: Clock, workers: int, seed: int) -> ScheduleDocument:
    f = p.festival
    fairness = festival_fairness(f)
    # 1-4: the day flow, the warm start and its improvement, leaving the finish and the
    # price of fairness their share
    ctx = context(p, clock, workers, seed)
    n = f.requested_sessions()
    finish = min(FINISH_SHARE * clock.limit, 1.0 + n / 800)
    left = clock.limit if clock.deterministic else clock.left()
    seconds = left - finish - TRADEOFF_SHARE * clock.limit
    state, res, _level = schedule_for(ctx, fairness, seconds, report=True)
    source = "greedy" if res is None else "cp-sat" if res.models else "local search"
    t_solved = clock.elapsed()
    objective, bound = (res.objective, res.bound) if res else (None, None)
    clock.report("cp-sat" if source == "cp-sat" else "local search", value=_value(state),
                 objective=objective, bound=bound)  # fmt: skip

    # 5: refill, H8, ids, studios, reasons
    scorer = scorer_for(state)
    refilled = refill(state, scorer, refill_key(state, fairness), clock.until(clock.limit))
    repair_one_city(state, scorer)
    doc = _finished(p, state)
    stats = figures(f, sessions_in_play(doc))
    t_finish = clock.elapsed() - t_solved
    clock.report("finish", value=stats["value"], objective=objective, bound=bound)

    # 6: the price of fairness
    t_trade = clock.elapsed()
    tradeoffs = _price_of_fairness(ctx, fairness, stats)
    stats.update(
        {
            # the solver's figures; with no solution in time, the warm start's objective and
            # no bound (null)
            "objective": res.objective if res else None,
            "bound": res.bound if res else None,
            "warm_start_objective": res.hint_objective if res else None,
            "solver_status": res.status if res else "NOT RUN (time limit)",
            "solver_variables": res.variables if res else 0,
            "solver_models": res.models if res else 0,
            "placed_by": source,
            "refilled": refilled,
            "moved": moved_count(p, doc.sessions),
            "fairness": {"weight": fairness.weight, "min_share": fairness.min_share},
            "solve_seconds": round(clock.elapsed(), 3),
            "seconds": {
                "prepare": round(t_solved - (res.seconds if res else 0.0), 2),
                "solver": round(res.seconds, 2) if res else 0.0,
                "finish": round(t_finish, 2),
                "tradeoffs": round(clock.elapsed() - t_trade, 2),
            },
        }
    )
    doc.stats = ScheduleStats(**stats)
    doc.tradeoffs = [Tradeoff(**t) for t in tradeoffs]
    return doc


def _finished(p: Problem, state: State) -> ScheduleDocument:
    """Ids and studios given, the declined sessions kept, every open request with its
    reason: the document without its figures."""
    f = p.festival
    give_ids(f.id, p, state)
    number_studios(p, state)
    old_platform = {o.id: o.platform for o in p.old}
    sessions = [scheduled_session(p, pl, old_platform) for pl in state.sessions]
    sessions += [declined_session(p, o) for o in p.old if o.status == "declined"]
    unplaced = [
        Unplaced(enterprise=e.id, count=state.remaining(e.id), reason=unplaced_reason(p, state, e.id))
        for e in f.enterprises
        if state.remaining(e.id) > 0
    ]  # fmt: skip
    return ScheduleDocument(festival=f.id, version=p.version, sessions=in_order(sessions),
                            unplaced=unplaced)  # fmt: skip


def _price_of_fairness(ctx: Context, fairness: Fairness, stats: dict) -> list[dict]:
    """Each other setting planned the same way, in equal shares of TRADEOFF_SHARE of the
    limit (at least TRADEOFF_MIN seconds each); the festival's own row is the plan's.  A
    setting without the time to plan it (a fast plan: by the time the flow and warm start
    took; a deterministic one: by the festival's size) gets what the day flow alone says."""
    clock, f = ctx.clock, ctx.problem.festival
    settings = tradeoff_settings(f)
    t0 = clock.elapsed()
    big = f.requested_sessions() > TRADEOFF_PLAN_MAX
    rows = []
    for i, setting in enumerate(settings):
        if setting == fairness:
            rows.append(row(setting, stats))
            clock.report("tradeoffs", value=stats["value"])
            continue
        others = sum(1 for x in settings[i:] if x != fairness)
        share = TRADEOFF_SHARE * clock.limit
        if clock.deterministic:
            budget = max(TRADEOFF_MIN, share / (len(settings) - 1))
            too_short = big
        else:
            left = min(clock.left(), share - (clock.elapsed() - t0))
            budget = max(TRADEOFF_MIN, left / others)
            too_short = budget < 1.5 * (ctx.flow.solve_seconds + ctx.warm_seconds)
        if too_short:
            # what the day flow alone says (the figures that need placed sessions left out)
            estimate = flow_only(ctx, setting, fairness.weight)
            if estimate is not None:
                rows.append(row(setting, estimate, estimate["level"]) | {"estimate": "flow"})
        else:
            other, _res, level = schedule_for(ctx, setting, budget, report=False)
            scorer = scorer_for(other)
            refill(other, scorer, refill_key(other, setting), clock.until(clock.limit))
            repair_one_city(other, scorer)
            rows.append(row(setting, figures(f, placed_in_play(other)), level))
        clock.report("tradeoffs", value=stats["value"])
    return rows


def _value(state: State) -> int:
    ents = state.p.festival.enterprise
    return sum(ents[pl.enterprise].expected_gmv for pl in state.sessions)
