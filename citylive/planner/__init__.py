"""The planner: a `citylive/schedule@1` document for a festival, optionally re-planned from an
earlier one.

1. the capacity of each enterprise, streamer and venue, with an earlier schedule's confirmed
   sessions pinned exactly and its declined (enterprise, slot, streamer) triples forbidden;
2. a min-cost flow decides who sells with whom on which day (value, fairness, stability);
3. a fast greedy puts those sessions in venues and slots: the warm start (AddHint) and the
   fallback when the solver has nothing in time;
4. CP-SAT places them for the soft goals S1-S7 under every hard rule;
5. a refill uses what is left, H8 is repaired where needed, studios are numbered, and every
   request still open gets the reason that stopped it.
"""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict

from citylive.festival import Festival
from citylive.planner.assign import FAIR_SHARE, assign_days, session_value
from citylive.planner.data import PlanError, Problem, build_problem, read_previous
from citylive.planner.greedy import place_fixed, refill, repair_one_city, scorer_for
from citylive.planner.model import Item, SolveResult, solve_slots
from citylive.planner.progress import ProgressCallback, SolveProgress
from citylive.planner.reasons import unplaced_reason
from citylive.planner.state import Placed, State
from citylive.schedule.document import ScheduleDocument, load_schedule

__all__ = ["PlanError", "ProgressCallback", "SolveProgress", "plan", "schedule_stats"]

FORMAT = "citylive/schedule@1"
FLOW_ARCS = 600_000


def _pinned_state(problem: Problem) -> State:
    state = State(problem)
    for o in problem.old:
        if o.status == "confirmed":
            state.place(
                Placed(
                    o.enterprise,
                    o.streamer,
                    o.venue,
                    o.g,
                    id=o.id,
                    status="confirmed",
                    studio=o.studio,
                )
            )
    return state


def plan(
    festival: Festival,
    *,
    previous: ScheduleDocument | None = None,
    time_limit: float = 30.0,
    workers: int = 2,
    seed: int = 1,
    progress: ProgressCallback | None = None,
) -> ScheduleDocument:
    """Plan (or re-plan from `previous`) and return the schedule document; `progress` hears
    of the best schedule so far while the solver runs."""
    return load_schedule(
        _plan(festival, previous=previous, time_limit=time_limit, workers=workers, seed=seed),
        "the planner's schedule",
    )


def _plan(
    festival: Festival,
    *,
    previous: ScheduleDocument | None,
    time_limit: float,
    workers: int,
    seed: int,
) -> dict:
    t0 = time.monotonic()
    if not time_limit > 0:
        raise PlanError(f"the time limit must be more than 0 seconds, got {time_limit}")
    if workers < 1:
        raise PlanError(f"workers must be at least 1, got {workers}")
    problem = build_problem(festival)
    if previous is not None:
        read_previous(problem, previous.dump())
    p = problem
    d_of = p.day_of

    # 1-2: who with whom on which day
    base = _pinned_state(p)
    proposed_old = [o for o in p.old if o.status == "proposed"]
    keep = Counter((o.enterprise, o.streamer, d_of(o.g)) for o in proposed_old)
    # the flow offers each enterprise a shortlist of its fitting streamers under a short time
    # limit (a quick re-plan) and on very large festivals (arcs stay about FLOW_ARCS)
    open_e = sum(1 for e in festival.enterprises if base.remaining(e.id) > 0)
    shortlist = max(12, FLOW_ARCS // max(1, open_e * p.n_days))
    if time_limit < 20:
        shortlist = min(shortlist, 16)
    triples = assign_days(p, base, keep, shortlist)
    pool: dict[tuple[str, str, int], list] = defaultdict(list)
    for o in proposed_old:
        pool[(o.enterprise, o.streamer, d_of(o.g))].append(o)
    items: list[Item] = []
    for e, s, d in triples:
        olds = pool.get((e, s, d))
        if olds:
            o = olds.pop()
            items.append((e, s, d, (o.venue, o.g), o.id))
        else:
            items.append((e, s, d, None, None))
    items = _fair_order(festival, items)

    # 3: greedy warm start
    # two warm starts: soft goals first, and sub-venue first (room at the main venue for
    # towns that need it); the one placing more value wins
    best_value = -1
    for sub_first in (False, True):
        st = _pinned_state(p)
        where: dict[int, tuple[str, int]] = {}
        place_fixed(st, scorer_for(st, sub_first), items, where)
        value = sum(session_value(p, items[k][0]) for k in where)
        if value > best_value:
            best_value, hint_state, hint = value, st, where
    # a session the warm start moved to another day keeps that day in the model
    items = [
        (e, s, p.day_of(hint[k][1]), stay, sid) if k in hint else (e, s, d, stay, sid)
        for k, (e, s, d, stay, sid) in enumerate(items)
    ]

    # 4: CP-SAT
    t_prep = time.monotonic() - t0
    # what follows the solver (refill, reasons, the document) takes a few seconds at city size
    budget = time_limit - t_prep - min(0.15 * time_limit, 1.0 + len(items) / 800)
    if budget >= 1.0 + len(items) / 1500:
        result = solve_slots(p, base, items, hint, time_limit=budget, workers=workers, seed=seed)
    else:
        # no time left to build and solve the model: the warm start is the schedule
        result = SolveResult({}, "NOT RUN (time limit)", None, None, None, 0.0, 0)
    if result.placements:
        state = _pinned_state(p)
        for k, (v, g) in sorted(result.placements.items()):
            e, s, _d, _stay, sid = items[k]
            if state.can_place(e, s, v, g):
                state.place(Placed(e, s, v, g, id=sid))
        source = "cp-sat"
    else:
        state = hint_state
        source = "greedy"

    t_solved = time.monotonic() - t0
    # 5: repair, refill, studios, ids, reasons
    scorer = scorer_for(state)
    repair_one_city(state, scorer)
    refilled = refill(state, scorer, deadline=t0 + time_limit - min(1.0, 0.05 * time_limit))
    _number_studios(p, state)
    _give_ids(festival.id, p, state)
    old_platform = {o.id: o.platform for o in p.old}
    sessions = [_session_doc(p, pl, old_platform) for pl in state.sessions]
    for o in p.old:
        if o.status == "declined":
            sessions.append(
                {
                    "id": o.id, "enterprise": o.enterprise, "streamer": o.streamer,
                    "platform": o.platform, "venue": o.venue, "studio": o.studio,
                    "start": p.start_iso(o.g), "end": p.end_iso(o.g), "status": "declined",
                }
            )  # fmt: skip
    sessions.sort(key=lambda s: (s["start"], s["venue"], s["studio"], s["status"]))
    unplaced = [
        {
            "enterprise": e.id,
            "count": state.remaining(e.id),
            "reason": unplaced_reason(p, state, e.id),
        }
        for e in festival.enterprises
        if state.remaining(e.id) > 0
    ]
    doc = {
        "format": FORMAT,
        "festival": festival.id,
        "version": p.version,
        "sessions": sessions,
        "unplaced": unplaced,
    }
    stats = schedule_stats(festival, doc)
    old_by_id = {o.id: o for o in p.old if o.status == "proposed"}
    moved = 0
    new_by_id = {s["id"]: s for s in sessions}
    for sid, o in old_by_id.items():
        n = new_by_id.get(sid)
        if n is None or (n["streamer"], n["venue"], n["studio"], n["start"]) != (
            o.streamer, o.venue, o.studio, p.start_iso(o.g),
        ):  # fmt: skip
            moved += 1
    stats.update(
        {
            # the solver's figures; with no solution in time, the warm start's objective and
            # no bound (null)
            "objective": result.objective,
            "bound": result.bound,
            "warm_start_objective": result.hint_objective,
            "solver_status": result.status,
            "solver_variables": result.variables,
            "placed_by": source,
            "refilled": refilled,
            "moved": moved,
            "solve_seconds": round(time.monotonic() - t0, 3),
            "seconds": {
                "prepare": round(t_prep, 2),
                "solver": round(result.seconds, 2),
                "finish": round(time.monotonic() - t0 - t_solved, 2),
            },
        }
    )
    doc["stats"] = stats
    return doc


def _fair_order(festival: Festival, items: list[Item]) -> list[Item]:
    """Kept sessions first; then, up to FAIR_SHARE of each town's requests, the town with the
    lowest share so far goes next (max-min fairness, S5); then by expected GMV (S1)."""
    ents = festival.enterprise
    req: Counter = Counter()
    for e in festival.enterprises:
        req[e.town] += e.sessions
    rank: Counter = Counter()
    keyed = []
    for it in sorted(items, key=lambda it: (-ents[it[0]].expected_gmv, it[0], it[1], it[2])):
        town = ents[it[0]].town
        share = rank[town] / req[town]
        rank[town] += 1
        fair = share < FAIR_SHARE[0] / FAIR_SHARE[1]
        keyed.append(
            ((it[3] is None, not fair, share if fair else 0.0, -ents[it[0]].expected_gmv), it)
        )
    keyed.sort(key=lambda x: x[0])
    return [it for _k, it in keyed]


def _number_studios(p: Problem, state: State) -> None:
    """Studios of a venue are interchangeable in the model; number them here, keeping the
    previous schedule's studio for a session that stayed in its venue-slot."""
    taken: dict[tuple[str, int], set[int]] = defaultdict(set)
    for pl in state.sessions:
        if pl.status == "confirmed" and pl.studio is not None:
            taken[(pl.venue, pl.g)].add(pl.studio)
    old = {o.id: o for o in p.old if o.status == "proposed"}
    rest = []
    for pl in state.sessions:
        if pl.status == "confirmed":
            continue
        o = old.get(pl.id or "")
        if (
            o is not None
            and (o.venue, o.g) == (pl.venue, pl.g)
            and o.studio not in taken[(pl.venue, pl.g)]
        ):
            pl.studio = o.studio
            taken[(pl.venue, pl.g)].add(o.studio)
        else:
            rest.append(pl)
    for pl in rest:
        used = taken[(pl.venue, pl.g)]
        n = 1
        while n in used:
            n += 1
        pl.studio = n
        used.add(n)


def _give_ids(fid: str, p: Problem, state: State) -> None:
    pat = re.compile(rf"^{re.escape(fid)}-s(\d+)$")
    top = 0
    for o in p.old:
        m = pat.match(o.id)
        if m:
            top = max(top, int(m.group(1)))
    # a proposed session whose (enterprise, streamer, day) changed keeps an old id of the same
    # enterprise, so it reads as moved rather than cancelled and new
    used = {pl.id for pl in state.sessions if pl.id}
    spare: dict[str, list[str]] = defaultdict(list)
    for o in p.old:
        if o.status == "proposed" and o.id not in used:
            spare[o.enterprise].append(o.id)
    for pl in sorted(state.sessions, key=lambda x: (x.g, x.venue, x.studio or 0)):
        if pl.id:
            continue
        if spare.get(pl.enterprise):
            pl.id = spare[pl.enterprise].pop(0)
        else:
            top += 1
            pl.id = f"{fid}-s{top:05d}"


def _session_doc(p: Problem, pl: Placed, old_platform: dict[str, str]) -> dict:
    f = p.festival
    e, s = f.enterprise[pl.enterprise], f.streamer[pl.streamer]
    platform: str | None = old_platform.get(pl.id or "")
    if platform not in e.platforms or platform not in s.platforms:
        platform = None
    return {
        "id": pl.id,
        "enterprise": pl.enterprise,
        "streamer": pl.streamer,
        "platform": platform or p.platform(e, s),
        "venue": pl.venue,
        "studio": pl.studio,
        "start": p.start_iso(pl.g),
        "end": p.end_iso(pl.g),
        "status": pl.status,
        "town": e.town,
        "industry": e.industry,
    }


def schedule_stats(festival: Festival, doc: dict) -> dict:
    """The schedule's figures, counted from its sessions: S1 value, S3 clash pairs, S4
    main-venue duplicates and towns per day, S5 lowest town share."""
    f = festival
    main = f.main_venue.id
    venue_town = {v.id: v.town for v in f.venues}
    sub_towns = {v.town for v in f.venues if v.kind == "sub"}
    live = [s for s in doc["sessions"] if s["status"] in ("proposed", "confirmed")]
    ents = f.enterprise
    value = sum(ents[s["enterprise"]].expected_gmv for s in live)
    sub_n: Counter = Counter()
    main_n: Counter = Counter()
    towns_day: dict[str, set[str]] = {d.isoformat(): set() for d in f.days}
    placed_town: Counter = Counter()
    for s in live:
        ent = ents[s["enterprise"]]
        placed_town[ent.town] += 1
        if s["venue"] == main:
            main_n[(ent.industry, s["start"])] += 1
            towns_day.setdefault(s["start"][:10], set()).add(ent.town)
        else:
            sub_n[(venue_town[s["venue"]], ent.industry, s["start"])] += 1
    clash = sum(n * (n - 1) // 2 for n in sub_n.values())
    for (town, ind, start), n in sub_n.items():
        for u in f.neighbours[town]:
            if u in sub_towns and u > town:
                clash += n * sub_n.get((u, ind, start), 0)
    dups = sum(n * (n - 1) // 2 for n in main_n.values())
    req: Counter = Counter()
    for e in f.enterprises:
        req[e.town] += e.sessions
    shares = {t: placed_town[t] / r for t, r in req.items() if r > 0}
    at_main = set().union(*towns_day.values()) if towns_day else set()
    return {
        "placed": len(live),
        "requested": f.requested_sessions(),
        "value": value,
        "clash_pairs": clash,
        "main_duplicates": dups,
        "towns_per_day": {d: len(ts) for d, ts in sorted(towns_day.items())},
        "towns_missing_main": sorted(t for t in placed_town if t not in at_main),
        "lowest_town_share": round(min(shares.values()), 4) if shares else 1.0,
    }
