"""Yardsticks for the planner's schedules, built from the festival file alone (no planner code).

- `lp_bound`: an upper bound on the placed value (S1, CNY) of any legal schedule: the linear
  relaxation (GLOP) of studios and streamers together.  Per enterprise-day the sessions are
  split both ways, over streamers (pair-day amounts, each at most the slots both are free)
  and over venue-slots (each at most one, studios per venue-slot); per slot and industry no
  more sessions than streamers who know it and are free.  Every legal schedule is a point of
  it, so no schedule places more value.
- `exact_optimum`: the best value any schedule keeping H1-H8 places, by CP-SAT on the full
  model (enterprise x streamer x venue x slot); proven only on small festivals.
- `even_spread`: the fewest S3 clash pairs and S4 main-venue duplicates that the schedule's
  own placement allows: every session keeps its venue and day and every venue-slot keeps how
  many sessions it holds; only which industry sits in which slot is free (streamers and
  enterprises ignored).  The clash part is a CP-SAT minimum (its proven lower bound when
  not proven optimal); the duplicate part is exact (convex, by min-cost flow).
- `prime_value`: the expected GMV of the sessions in prime slots (S2).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import numpy as np
from ortools.graph.python import min_cost_flow
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from bench.baselines import _fits, _open
from citylive.festival import Festival, SlotRef


def _blocks(f: Festival) -> dict[int, list[tuple[set[str], int]]]:
    """Per slot g, the themed blocks at the main venue: (industries, studios)."""
    n = len(f.slots)
    out: dict[int, list[tuple[set[str], int]]] = defaultdict(list)
    for ref, blocks in f.theme_blocks().items():
        out[ref.day * n + ref.slot] = [(set(t.industries), k) for t, k in blocks]
    return out


def lp_bound(f: Festival) -> dict:
    """The LP upper bound on placed value, with its size and solve time."""
    import time

    t0 = time.monotonic()
    n = len(f.slots)
    n_days = len(f.days)
    mins = f.info.min_skus_per_session
    lp = pywraplp.Solver.CreateSolver("GLOP")
    inf = lp.infinity()
    e_open = {e.id: _open(f, e.unavailable) for e in f.enterprises}
    s_open = {s.id: _open(f, s.unavailable) for s in f.streamers}
    v_open = {v.id: _open(f, v.closed) for v in f.venues}
    main = f.main_venue
    blocks = _blocks(f)
    by_ind: dict[str, list] = defaultdict(list)
    for s in f.streamers:
        for ind in s.industries:
            by_ind[ind].append(s)
    s_day: dict[tuple[str, int], pywraplp.Constraint] = {}
    vg: dict[tuple[str, int], pywraplp.Constraint] = {}
    main_plain: dict[int, pywraplp.Constraint] = {}
    ind_slot: dict[tuple[str, int], pywraplp.Constraint] = {}
    objective = lp.Objective()
    n_vars = 0

    def studio_row(v: str, g: int, cap: int) -> pywraplp.Constraint:
        c = vg.get((v, g))
        if c is None:
            c = vg[(v, g)] = lp.Constraint(-inf, cap)
        return c

    free_in: dict[tuple[str, int], int] = defaultdict(int)  # (industry, g) -> streamers free
    for ind, ss in by_ind.items():
        for s in ss:
            if s.employer is not None and f.enterprise[s.employer].industry != ind:
                continue
            for g in s_open[s.id]:
                free_in[(ind, g)] += 1
    totals: dict[str, pywraplp.Constraint] = {}

    def _enterprise_day(e, d: int, mine: list[int], link: pywraplp.Constraint) -> None:  # noqa: ANN001
        nonlocal n_vars
        if e.id not in totals:
            totals[e.id] = lp.Constraint(-inf, e.sessions)
        total = totals[e.id]
        day = lp.Constraint(-inf, e.skus // mins)
        venues = f.allowed_venues(e)
        for g in mine:
            if free_in[(e.industry, g)] == 0:
                continue
            slot = lp.Constraint(-inf, 1)
            row_i = ind_slot.get((e.industry, g))
            if row_i is None:
                row_i = ind_slot[(e.industry, g)] = lp.Constraint(-inf, free_in[(e.industry, g)])
            for v in venues:
                if g not in v_open[v.id]:
                    continue
                y = lp.NumVar(0, 1, "")
                n_vars += 1
                objective.SetCoefficient(y, e.expected_gmv)
                link.SetCoefficient(y, -1)
                slot.SetCoefficient(y, 1)
                day.SetCoefficient(y, 1)
                total.SetCoefficient(y, 1)
                row_i.SetCoefficient(y, 1)
                studio_row(v.id, g, v.studios).SetCoefficient(y, 1)
                if v.id == main.id and g in blocks:
                    # sessions outside every block's industries keep out of the blocks
                    if not any(e.industry in inds for inds, _k in blocks[g]):
                        row_m = main_plain.get(g)
                        if row_m is None:
                            free = main.studios - sum(k for _i, k in blocks[g])
                            row_m = main_plain[g] = lp.Constraint(-inf, free)
                        row_m.SetCoefficient(y, 1)

    # enterprises that fit the same streamers on the same days share the streamer side (a
    # class): its pair-day amounts are at most the class's size times the slots both are
    # free; summing a schedule's amounts over a class keeps every row, so the bound holds
    employers = {s.employer for s in f.streamers if s.employer}
    classes: dict[tuple, list] = defaultdict(list)
    for e in f.enterprises:
        if e.sessions == 0 or e.skus // mins == 0:
            continue
        key = (
            e.industry,
            frozenset(e.platforms),
            e.id if e.id in employers else None,
            frozenset(e_open[e.id]),
        )
        classes[key].append(e)
    for members in classes.values():
        e0 = members[0]
        fitting = [s for s in by_ind.get(e0.industry, []) if _fits(e0, s)]
        if not fitting:
            continue
        for d in range(n_days):
            mine = [g for g in range(d * n, (d + 1) * n) if g in e_open[e0.id]]
            if not mine:
                continue
            link = lp.Constraint(0, 0)
            any_pair = False
            for s in fitting:
                common = sum(1 for g in mine if g in s_open[s.id])
                if not common:
                    continue
                cap_s = min(
                    s.max_sessions_per_day,
                    sum(1 for g in range(d * n, (d + 1) * n) if g in s_open[s.id]),
                )
                a = lp.NumVar(0, min(len(members) * common, cap_s), "")
                n_vars += 1
                any_pair = True
                link.SetCoefficient(a, 1)
                row = s_day.get((s.id, d))
                if row is None:
                    row = s_day[(s.id, d)] = lp.Constraint(-inf, cap_s)
                row.SetCoefficient(a, 1)
            if not any_pair:
                continue
            for e in members:
                _enterprise_day(e, d, mine, link)

    objective.SetMaximization()
    t_build = time.monotonic() - t0
    status = lp.Solve()
    if status != pywraplp.Solver.OPTIMAL:
        raise RuntimeError(f"LP bound: GLOP status {status}")
    return {
        "lp_bound": int(objective.Value() + 1e-6),
        "lp_vars": n_vars,
        "lp_rows": lp.NumConstraints(),
        "lp_build_s": round(t_build, 2),
        "lp_solve_s": round(time.monotonic() - t0 - t_build, 2),
    }


def exact_optimum(
    f: Festival,
    *,
    time_limit: float = 120.0,
    workers: int = 2,
    params: dict | None = None,
    prime_at_value: int | None = None,
) -> dict:
    """The most value a schedule keeping H1-H8 (and the themed blocks) can place: CP-SAT on
    every (enterprise, streamer, venue, slot).  `optimal` says whether it is proven.

    With `prime_at_value`: the most prime-time value (S2) a schedule keeping the same rules
    can have while placing at least that much value; `optimum` is then that prime value."""
    n = len(f.slots)
    mins = f.info.min_skus_per_session
    e_open = {e.id: _open(f, e.unavailable) for e in f.enterprises}
    s_open = {s.id: _open(f, s.unavailable) for s in f.streamers}
    v_open = {v.id: _open(f, v.closed) for v in f.venues}
    main = f.main_venue
    blocks = _blocks(f)
    m = cp_model.CpModel()
    by_room: dict[tuple[str, int, int], list] = defaultdict(list)  # (venue, block, g)
    by_vg: dict[tuple[str, int], list] = defaultdict(list)
    by_sg: dict[tuple[str, int], dict[str, list]] = defaultdict(lambda: defaultdict(list))
    by_sd: dict[tuple[str, int], list] = defaultdict(list)
    by_eg: dict[tuple[str, int], list] = defaultdict(list)
    by_ed: dict[tuple[str, int], list] = defaultdict(list)
    by_e: dict[str, list] = defaultdict(list)
    by_town: dict[str, list] = defaultdict(list)
    main_town: dict[str, list] = defaultdict(list)
    obj = []
    prime_obj = []
    prime = f.prime_slot_indices
    for e in f.enterprises:
        if e.sessions == 0 or e.skus // mins == 0:
            continue
        fitting = [s for s in f.streamers if _fits(e, s)]
        for g in sorted(e_open[e.id]):
            for v in f.allowed_venues(e):
                if g not in v_open[v.id]:
                    continue
                rooms = [-1]
                if v.id == main.id and g in blocks:
                    rooms += [j for j, (inds, _k) in enumerate(blocks[g]) if e.industry in inds]
                for s in fitting:
                    if g not in s_open[s.id]:
                        continue
                    for r in rooms:
                        x = m.new_bool_var("")
                        by_room[(v.id, r, g)].append(x)
                        by_vg[(v.id, g)].append(x)
                        by_sg[(s.id, g)][v.id].append(x)
                        by_sd[(s.id, g // n)].append(x)
                        by_eg[(e.id, g)].append(x)
                        by_ed[(e.id, g // n)].append(x)
                        by_e[e.id].append(x)
                        by_town[e.town].append(x)
                        if v.id == main.id:
                            main_town[e.town].append(x)
                        obj.append(e.expected_gmv * x)
                        if g % n in prime:
                            prime_obj.append(e.expected_gmv * x)
    venues = f.venue
    for (v, _g), xs in by_vg.items():
        m.add(sum(xs) <= venues[v].studios)
    for (v, r, g), xs in by_room.items():
        if r >= 0:
            m.add(sum(xs) <= blocks[g][r][1])
        elif v == main.id and g in blocks:
            m.add(sum(xs) <= main.studios - sum(k for _i, k in blocks[g]))
    for (s_id, g), per_v in by_sg.items():
        allx = [x for xs in per_v.values() for x in xs]
        m.add_at_most_one(allx)
        h = g + 1
        if h // n != g // n or (s_id, h) not in by_sg:
            continue
        nxt = by_sg[(s_id, h)]
        for v, xs in per_v.items():
            others = [x for u, ys in nxt.items() if u != v for x in ys]
            if others:
                m.add(sum(xs) + sum(others) <= 1)
    strs = f.streamer
    for (s_id, _d), xs in by_sd.items():
        m.add(sum(xs) <= strs[s_id].max_sessions_per_day)
    for xs in by_eg.values():
        m.add_at_most_one(xs)
    ents = f.enterprise
    for (e_id, _d), xs in by_ed.items():
        m.add(sum(xs) <= ents[e_id].skus // mins)
    for e_id, xs in by_e.items():
        m.add(sum(xs) <= ents[e_id].sessions)
    for town, xs in by_town.items():
        mains = main_town.get(town)
        if not mains:
            continue  # H8 holds only where the main venue is possible at all
        placed = m.new_bool_var("")
        for x in xs:
            m.add_implication(x, placed)
        m.add(sum(mains) >= placed)
    if prime_at_value is None:
        m.maximize(sum(obj))
    else:
        m.add(sum(obj) >= prime_at_value)
        m.maximize(sum(prime_obj))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    for k, v in (params or {}).items():
        setattr(solver.parameters, k, v)
    status = solver.solve(m)
    ok = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    return {
        "optimum": int(solver.objective_value) if ok else None,
        "optimum_bound": int(solver.best_objective_bound) if ok else None,
        "optimal": status == cp_model.OPTIMAL,
        "optimum_s": round(solver.wall_time, 1),
        "optimum_vars": len(by_e and [x for xs in by_e.values() for x in xs]),
    }


def prime_value(f: Festival, doc: dict) -> int:
    """S2 as a figure: the expected GMV of the live sessions in prime-time slots."""
    prime = set(f.info.prime_slots)
    ents = f.enterprise
    return sum(
        ents[s["enterprise"]].expected_gmv
        for s in doc["sessions"]
        if s["status"] in ("proposed", "confirmed")
        and datetime.fromisoformat(s["start"]).strftime("%H:%M") in prime
    )


def _convex_min(counts: dict[str, int], occ: list[int]) -> int:
    """Fewest same-industry pairs when `counts[industry]` sessions fill slots holding
    `occ[j]` sessions each: min-cost flow with unit arcs of cost 0, 1, 2, ... per cell."""
    inds = [i for i, c in counts.items() if c > 0]
    total = sum(counts[i] for i in inds)
    if total == 0:
        return 0
    t, h, c, w = [], [], [], []
    src, sink = 0, 1
    ni = {i: 2 + k for k, i in enumerate(inds)}
    nj = [2 + len(inds) + j for j in range(len(occ))]
    for i in inds:
        t.append(src), h.append(ni[i]), c.append(counts[i]), w.append(0)
        for j, cap in enumerate(occ):
            for k in range(min(cap, counts[i])):
                t.append(ni[i]), h.append(nj[j]), c.append(1), w.append(k)
    for j, cap in enumerate(occ):
        if cap:
            t.append(nj[j]), h.append(sink), c.append(cap), w.append(0)
    mcf = min_cost_flow.SimpleMinCostFlow()
    mcf.add_arcs_with_capacity_and_unit_cost(
        np.array(t, dtype=np.int32),
        np.array(h, dtype=np.int32),
        np.array(c, dtype=np.int64),
        np.array(w, dtype=np.int64),
    )
    sup = np.zeros(2 + len(inds) + len(occ), dtype=np.int64)
    sup[src], sup[sink] = total, -total
    mcf.set_nodes_supplies(np.arange(len(sup), dtype=np.int32), sup)
    if mcf.solve() != mcf.OPTIMAL:
        raise RuntimeError("even spread: flow not solved")
    return int(mcf.optimal_cost())


def even_spread(
    f: Festival,
    doc: dict,
    *,
    keep_occupancy: bool = False,
    keep_prime: bool = False,
    time_limit: float = 20.0,
) -> dict:
    """The fewest clash pairs (S3) and main-venue duplicates (S4) that the schedule's own
    placement allows: every session keeps its venue and day, and the sessions of each
    venue-day are spread over its open slots (at most the studios each); with
    `keep_occupancy`, each venue-slot also keeps how many sessions it holds (so prime time
    stays as full as the schedule made it); with `keep_prime` too, each session stays in
    prime time or out of it (S2 ranks above S3 and S4: this is what spreading may change
    without giving up prime-time value)."""
    n = len(f.slots)
    tz_start = {}
    for d in range(len(f.days)):
        for j in range(n):
            tz_start[f.slot_start(SlotRef(d, j))] = d * n + j
    main = f.main_venue.id
    venue_town = {v.id: v.town for v in f.venues}
    ents = f.enterprise
    prime = f.prime_slot_indices
    keep_occupancy = keep_occupancy or keep_prime
    count: dict[tuple[str, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    occ: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0] * n)
    for s in doc["sessions"]:
        if s["status"] not in ("proposed", "confirmed"):
            continue
        g = tz_start[datetime.fromisoformat(s["start"])]
        # with keep_prime a day is two groups of slots, prime and not
        d = 2 * (g // n) + (g % n in prime) if keep_prime else g // n
        count[(s["venue"], d)][ents[s["enterprise"]].industry] += 1
        occ[(s["venue"], d)][g % n] += 1
    if not keep_occupancy:
        v_open = {v.id: _open(f, v.closed) for v in f.venues}
        for (v, d), row in occ.items():
            for j in range(n):
                row[j] = f.venue[v].studios if d * n + j in v_open[v] else 0
    dups = sum(_convex_min(c, occ[(v, d)]) for (v, d), c in count.items() if v == main)
    # S3: the sub-venues of one day together (neighbouring towns share pairs); spread
    # freely, industries only meet through the studios, so each industry's neighbouring
    # venues are a model of their own (the studios shared with other industries relaxed)
    clash_lb = clash_best = 0
    proven = True
    nbr = f.neighbours

    def near(a: str, b: str) -> bool:
        return venue_town[b] in nbr[venue_town[a]]

    for d in sorted({dd for (_v, dd) in count}):
        subs = [v for (v, dd) in count if dd == d and v != main]
        if keep_occupancy:
            groups = [(subs, None)] if subs else []
        else:
            groups = []
            for ind in sorted({i for v in subs for i in count[(v, d)]}):
                left = {v for v in subs if count[(v, d)].get(ind)}
                while left:
                    comp, todo = set(), [left.pop()]
                    while todo:
                        a = todo.pop()
                        comp.add(a)
                        for b in list(left):
                            if venue_town[b] in nbr[venue_town[a]]:
                                left.discard(b)
                                todo.append(b)
                    groups.append((sorted(comp), ind))
        for venues_, only in groups:
            sub_counts = {
                v: {i: c for i, c in count[(v, d)].items() if only in (None, i)} for v in venues_
            }
            caps = {v: occ[(v, d)] for v in venues_}
            if keep_occupancy:
                lb, best, opt = _clash_min(
                    sub_counts, caps, near, exact_fill=True, time_limit=time_limit
                )
            else:
                lb = _clique_bound(sub_counts, caps, near)
                best, opt = lb, True
            clash_lb += lb
            clash_best += best
            proven = proven and opt
    return {
        "spread_clash": clash_lb,
        "spread_clash_found": clash_best,
        "spread_proven": proven,
        "spread_dups": dups,
    }


def _clash_min(
    counts: dict[str, dict[str, int]],
    caps: dict[str, list[int]],
    near: object,
    *,
    exact_fill: bool,
    time_limit: float,
) -> tuple[int, int, bool]:
    """Fewest S3 pairs for these venues' industry counts over the slots: (proven lower
    bound, best found, proven optimal)."""
    venues = sorted(counts)
    if len(venues) == 1 and len(counts[venues[0]]) == 1:
        v = venues[0]
        ((ind, c),) = counts[v].items()
        best = _convex_min({ind: c}, caps[v]) if not exact_fill else None
        if best is not None:
            return best, best, True
    n = len(next(iter(caps.values())))
    m = cp_model.CpModel()
    cells: dict[tuple[str, str], list] = {}
    obj = []
    for v in venues:
        for ind, c in counts[v].items():
            row = []
            for j in range(n):
                x = m.new_int_var(0, min(c, caps[v][j]), "")
                row.append(x)
                y = m.new_int_var(0, c * c, "")
                for k in range(1, min(c, caps[v][j]) + 1):
                    m.add(y >= k * x - k * (k + 1) // 2)
                obj.append(y)
            m.add(sum(row) == c)
            cells[(v, ind)] = row
        for j in range(n):
            here = sum(cells[(v, ind)][j] for ind in counts[v])
            if exact_fill:
                m.add(here == caps[v][j])
            else:
                m.add(here <= caps[v][j])
    for a in venues:
        for b in venues:
            if a >= b or not near(a, b):  # type: ignore[operator]
                continue
            for ind in counts[a]:
                if ind not in counts[b]:
                    continue
                for j in range(n):
                    xa, xb = cells[(a, ind)][j], cells[(b, ind)][j]
                    p = m.new_int_var(0, counts[a][ind] * counts[b][ind], "")
                    m.add_multiplication_equality(p, [xa, xb])
                    obj.append(p)
    m.minimize(sum(obj))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 2
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RuntimeError("even spread: no arrangement found")
    return (
        int(round(solver.best_objective_bound)),
        int(round(solver.objective_value)),
        status == cp_model.OPTIMAL,
    )


def _clique_bound(
    counts: dict[str, dict[str, int]], caps: dict[str, list[int]], near: object
) -> int:
    """A lower bound on one industry's S3 pairs over neighbouring venues: for venues that
    are all neighbours of each other, the pairs within and between them are the pairs of
    their union, so any split of the venues into such cliques gives a bound (pairs between
    cliques dropped); the best split over all of them is exact on cliques and paths of two."""
    venues = sorted(counts)
    total = {v: sum(counts[v].values()) for v in venues}
    best = 0

    def spread(group: list[str]) -> int:
        cap = [sum(caps[v][j] for v in group) for j in range(len(caps[group[0]]))]
        return _convex_min({"x": sum(total[v] for v in group)}, cap)

    memo: dict[tuple[str, ...], int] = {}

    def go(left: tuple[str, ...]) -> int:
        if not left:
            return 0
        if left in memo:
            return memo[left]
        first, rest = left[0], left[1:]
        out = 0
        # every clique holding `first` among the venues left
        cands = [v for v in rest if near(first, v)]  # type: ignore[operator]
        for mask in range(1 << len(cands)):
            group = [first] + [cands[i] for i in range(len(cands)) if mask >> i & 1]
            if any(not near(a, b) for a in group for b in group if a < b):  # type: ignore[operator]
                continue
            remain = tuple(v for v in rest if v not in group)
            out = max(out, spread(group) + go(remain))
        memo[left] = out
        return out

    best = go(tuple(venues))
    return best
