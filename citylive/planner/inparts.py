"""A whole city planned in parts: the master allocation (parts.py, by the whole festival's
studio flow in master.py), each part solved alone on a Dask worker (cluster.py), then the
join and the repair of the seams.

Each part is solved as any festival is (the day flow, the warm start, its improvement, the
refill and H8), with one solver thread.  The join puts every part's sessions into one
schedule of the whole festival, each checked against every hard rule again (a themed block
can turn one away).  The seams: the refill places what is still asked for in what the parts
left over (studios of the main venue the split rounded away, sub-venues a neighbouring
part's towns may use, streamer-days a part did not fill); the exchange (exchange.py) gives
a studio-slot a part filled to a more valuable request of any part, or to a request whose
place frees by moving a session to a room of its own; the local search over the whole
city moves sessions where two neighbouring towns of different parts clash (S3) and evens
the main venue; H8 is repaired for every town and district.  The independent checker
(citylive.schedule.checker) reads the result, and its breaches are counted in the stats.
"""

from __future__ import annotations

import time
from typing import Any

from citylive.festival import Festival, parse_festival
from citylive.planner.cluster import DaskTarget, run_jobs
from citylive.planner.data import Problem, build_problem
from citylive.planner.exchange import exchange, main_for_every_town
from citylive.planner.finish import give_ids, in_order, number_studios, scheduled_session
from citylive.planner.greedy import refill, scorer_for
from citylive.planner.ls import local_search
from citylive.planner.master import master_flow
from citylive.planner.onecity import main_possible, repair_one_city
from citylive.planner.parts import make_parts, part_document, split_main, split_streamers
from citylive.planner.pipeline import context, schedule_for
from citylive.planner.progress import Clock
from citylive.planner.reasons import unplaced_reason
from citylive.planner.settings import festival_fairness
from citylive.planner.state import Placed, State
from citylive.planner.stats import figures, sessions_in_play
from citylive.planner.tradeoffs import refill_key
from citylive.schedule.checker import check_schedule
from citylive.schedule.document import ScheduleDocument, ScheduleStats, Unplaced

SEAM_SHARE = 0.25  # of the time limit, at least SEAM_MIN seconds, kept for the join and seams
SEAM_MIN = 5.0
PART_SHARE = 0.85  # of a part's share of the time, for its schedule (its finish takes the rest)
PART_MIN = 5.0  # seconds a part gets however late it starts


def solve_part(document: dict[str, Any], seconds: float, seed: int, until: float) -> dict:
    """One part's schedule (runs on a Dask worker): its sessions as (enterprise, streamer,
    venue, slot) and what it took.  It takes `seconds`, less when it starts so late that
    they would run past `until` (wall-clock time, `time.time()`), at least PART_MIN."""
    cpu0, t0 = time.process_time(), time.monotonic()
    seconds = max(PART_MIN, min(seconds, until - time.time()))
    f = parse_festival(document, "part")
    p = build_problem(f)
    clock = Clock(seconds)
    ctx = context(p, clock, 1, seed)
    fairness = festival_fairness(f)
    state, res, _level = schedule_for(ctx, fairness, PART_SHARE * clock.left(), report=False)
    scorer = scorer_for(state)
    refill(state, scorer, refill_key(state, fairness), clock.at(clock.limit))
    repair_one_city(state, scorer)
    return {
        "sessions": [(pl.enterprise, pl.streamer, pl.venue, pl.g) for pl in state.sessions],
        "value": sum(f.enterprise[pl.enterprise].expected_gmv for pl in state.sessions),
        "status": res.status if res else "warm start",
        "cpu_seconds": round(time.process_time() - cpu0, 2),
        "wall_seconds": round(time.monotonic() - t0, 2),
        "enterprises": len(f.enterprises),
        "requested": f.requested_sessions(),
    }


def plan_in_parts(
    festival: Festival,
    clock: Clock,
    *,
    workers: int,
    seed: int,
    dask: DaskTarget,
    part_sessions: int,
) -> ScheduleDocument:
    """The schedule document of the whole festival, planned in parts."""
    f = festival
    clock.report("prepare")
    parts = make_parts(f, part_sessions)
    p = build_problem(f)
    part_of_town = {t: pt.name for pt in parts for t in pt.towns}
    master = master_flow(p, part_of_town)
    split_main(f, parts, master)
    split_streamers(f, parts, master)
    full = f.doc.model_dump(mode="json", exclude_none=True)
    t_master = clock.elapsed()
    # the parts' time: what is left after the seams' share, spread over the workers in
    # proportion to each part's requests (the largest starts first)
    seam = max(SEAM_MIN, SEAM_SHARE * clock.limit)
    avail = max(1.0, clock.left() - seam)
    total = sum(pt.requests for pt in parts) or 1
    slots = workers if not dask.address else max(workers, len(parts))
    until = time.time() + avail
    jobs = []
    for i, pt in enumerate(sorted(parts, key=lambda x: (-x.requests, x.name))):
        share = min(avail, avail * slots * pt.requests / total)
        jobs.append((pt.name, (part_document(f, full, pt), max(1.0, share), seed + i, until)))
    done: dict[str, dict] = {}
    value = 0

    def heard(name: str, result: dict) -> None:
        nonlocal value
        done[name] = result
        value += result["value"]
        clock.report(f"part {name} done ({len(done)} of {len(jobs)})", value=value)

    results = run_jobs(solve_part, jobs, workers=workers, target=dask, on_done=heard)
    t_parts = clock.elapsed()
    state = State(p)
    dropped = _join(state, [results[name] for name, _args in jobs])
    clock.report("seams", value=_value(state))
    seams = _seams(state, clock, seam)
    doc, stats = _document(p, state)
    breaches = check_schedule(f, doc)
    stats.update(
        {
            "placed_by": "parts",
            "solver_status": f"{len(parts)} parts on Dask",
            "objective": None,
            "bound": None,
            "refilled": seams["refilled"],
            "hard_violations": len(breaches),
            "parts": {
                name: {k: v for k, v in results[name].items() if k != "sessions"}
                | {"main_studios": next(pt.main_studios for pt in parts if pt.name == name)}
                for name, _args in jobs
            },
            "seams": {"dropped_at_join": dropped} | seams,
            "solve_seconds": round(clock.elapsed(), 3),
            "seconds": {
                "master": round(t_master, 2),
                "parts": round(t_parts - t_master, 2),
                "seams": round(clock.elapsed() - t_parts, 2),
            },
        }
    )
    doc.stats = ScheduleStats(**stats)
    clock.report("finish", value=doc.stats.value)
    return doc


def _seams(state: State, clock: Clock, seam: float) -> dict:
    """The seams get their share even when the parts ran over the time limit: the refill
    first (what the parts left: streamer-days, main-venue studios), the exchange (an open
    request takes the place of a less valuable session, or of one that can move to a free
    room of its own), the refill again, then the local search; H8 repaired after both."""
    scorer = scorer_for(state)
    fairness = festival_fairness(state.p.festival)
    refill_end = max(clock.at(clock.limit - 0.6 * seam), time.monotonic() + 0.3 * seam)
    refilled = refill(state, scorer, refill_key(state, fairness), refill_end)
    swap_end = max(clock.at(clock.limit - 0.35 * seam), time.monotonic() + 0.25 * seam)
    floor = fairness.min_share
    exchanged, gained = 0, 0
    if floor:  # the towns under the festival's floor first (the refill's order too)
        exchanged, gained = exchange(state, scorer, swap_end, floor=floor)
    more, value = exchange(state, scorer, swap_end, keep=floor)
    exchanged, gained = exchanged + more, gained + value
    refilled += refill(state, scorer, refill_key(state, fairness), swap_end)
    h8 = main_for_every_town(state, scorer)
    repair_one_city(state, scorer)
    moves, _sweeps = local_search(state, scorer, deadline=time.monotonic() + 0.25 * seam)
    repair_one_city(state, scorer)
    return {
        "refilled": refilled,
        "exchanged": exchanged,
        "exchange_value": gained,
        "h8_exchanged": h8,
        "moves": moves,
    }


def _join(state: State, results: list[dict]) -> int:
    """Every part's sessions into the whole festival's schedule; returns how many a hard
    rule of the whole turned away."""
    dropped = 0
    for res in results:
        for e, s, v, g in sorted(res["sessions"], key=lambda x: (x[3], x[2], x[0])):
            if state.can_place(e, s, v, g):
                state.place(Placed(e, s, v, g))
            else:
                dropped += 1
    return dropped


def _document(p: Problem, state: State) -> tuple[ScheduleDocument, dict[str, Any]]:
    """The document without its figures, and the figures of its sessions."""
    f = p.festival
    give_ids(f.id, p, state)
    number_studios(p, state)
    sessions = in_order([scheduled_session(p, pl, {}) for pl in state.sessions])
    towns_at_main = {p.town(pl.enterprise) for pl in state.sessions if pl.venue == p.main}
    left = [e.id for e in f.enterprises if state.remaining(e.id) > 0]
    at_main = {t: t in towns_at_main or not main_possible(p, t) for t in {p.town(e) for e in left}}
    unplaced = [
        Unplaced(enterprise=e, count=state.remaining(e), reason=unplaced_reason(p, state, e, at_main))
        for e in left
    ]  # fmt: skip
    doc = ScheduleDocument(festival=f.id, version=p.version, sessions=sessions, unplaced=unplaced)
    return doc, figures(f, sessions_in_play(doc))


def _value(state: State) -> int:
    ents = state.p.festival.enterprise
    return sum(ents[pl.enterprise].expected_gmv for pl in state.sessions)
