"""Stage one: who sells with whom on which day, as a min-cost flow.

source -> town (fairness tiers) -> enterprise (value) -> enterprise-day (H7, availability)
-> streamer-day (fit H5/H6, free common slots) -> sink (max sessions a day, load spread).

The flow is exact for the value of the day-level problem and takes well under a second at
city size; the slot, venue and studio of each session are the CP-SAT model's business.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from ortools.graph.python import min_cost_flow

from citylive.planner.data import STAY, Problem
from citylive.planner.state import State

FAIR_SHARE = (3, 4)  # the share of each town's requests placed before value decides
FAIR_BONUS = 2_000_000  # above any one session's value (1000 x 800 CNY-thousand)


def session_value(problem: Problem, e: str) -> int:
    """S1 per session: value weight per CNY-thousand of expected GMV, plus one thousand for
    the session itself (so every placed session counts)."""
    return problem.festival.weights["value"] * (
        problem.festival.enterprise[e].expected_gmv // 1000 + 1
    )


def assign_days(
    problem: Problem,
    state: State,
    keep: dict[tuple[str, str, int], int],
    max_streamers: int | None = None,
) -> list[tuple[str, str, int]]:
    """(enterprise, streamer, day) per session to place, on top of what `state` holds.

    `keep` counts the previous schedule's proposed sessions per (enterprise, streamer, day);
    keeping them earns the stability weight.  `max_streamers` shortlists the fitting
    streamers offered to each enterprise (kept pairings, then its own town's, then those with
    the most sessions a day) when time is short: fewer arcs, a little less value.
    """
    p = problem
    f = p.festival
    w = f.weights
    tails: list[int] = []
    heads: list[int] = []
    caps: list[int] = []
    costs: list[int] = []
    nodes: dict[object, int] = {}

    def node(key: object) -> int:
        n = nodes.get(key)
        if n is None:
            n = nodes[key] = len(nodes)
        return n

    def arc(a: int, b: int, cap: int, cost: int) -> int:
        tails.append(a)
        heads.append(b)
        caps.append(cap)
        costs.append(cost)
        return len(tails) - 1

    src, sink = node("src"), node("sink")
    streamer_town = {s.id: s.town for s in f.streamers}
    town_req: dict[str, int] = defaultdict(int)
    for e in f.enterprises:
        town_req[e.town] += max(0, state.remaining(e.id))

    kept_of: dict[str, set[str]] = defaultdict(set)
    for x, s_id, _d in keep:
        kept_of[x].add(s_id)
    pair_arcs: dict[int, tuple[str, str, int]] = {}
    s_day_used: set[tuple[str, int]] = set()
    # free slots as bit masks (bit g), so "slots both are free" is one AND and a popcount
    s_free: dict[str, int] = {}
    for st in f.streamers:
        mask = 0
        for g in p.s_open[st.id]:
            if (st.id, g) not in state.s_at:
                mask |= 1 << g
        s_free[st.id] = mask
    banned: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for e_id, g, s_id in p.forbidden:
        banned[e_id].append((g, s_id))
    for e in f.enterprises:
        rem = state.remaining(e.id)
        if rem <= 0 or not p.fit[e.id]:
            continue
        en = node(("e", e.id))
        arc(node(("t", e.town)), en, rem, -session_value(p, e.id))
        kept = kept_of.get(e.id, set())
        shortlist = sorted(
            p.fit[e.id],
            key=lambda s: (s not in kept, streamer_town[s] != e.town, -state.max_day[s], s),
        )[:max_streamers]
        for d in range(p.n_days):
            free_e = 0
            n_free = 0
            for g in p.day_slots(d):
                if state.enterprise_free(e.id, g) and any(
                    state.studio_free(v, g) for v in p.e_venues[e.id]
                ):
                    free_e |= 1 << g
                    n_free += 1
            cap = min(n_free, p.day_cap[e.id] - state.e_day[(e.id, d)])
            if cap <= 0:
                continue
            ed = node(("ed", e.id, d))
            arc(en, ed, cap, 0)
            for s in shortlist:
                if state.s_day[(s, d)] >= state.max_day[s]:
                    continue
                both = free_e & s_free[s]
                for g, s_id in banned.get(e.id, ()):
                    if s_id == s:
                        both &= ~(1 << g)
                common = both.bit_count()
                if common == 0:
                    continue
                sd = node(("sd", s, d))
                s_day_used.add((s, d))
                bonus = w["fit"] if streamer_town[s] == e.town else 0
                k = min(keep.get((e.id, s, d), 0), common)
                if k:
                    pair_arcs[arc(ed, sd, k, -bonus - w["stability"] * STAY)] = (e.id, s, d)
                if common - k > 0:
                    pair_arcs[arc(ed, sd, common - k, -bonus)] = (e.id, s, d)
    for s, d in s_day_used:
        free_s = sum(1 for g in p.day_slots(d) if g in p.s_open[s] and (s, g) not in state.s_at)
        cap = min(free_s, state.max_day[s] - state.s_day[(s, d)])
        sd = node(("sd", s, d))
        for i in range(cap):
            # every further session of a streamer's day costs a little more: spread the work
            arc(sd, sink, 1, w["fit"] * i)
    total = 0
    for town, req in town_req.items():
        if req <= 0 or ("t", town) not in nodes:
            continue
        tn = node(("t", town))
        # S5 fairness comes first up to FAIR_SHARE of each town's requests: those units earn
        # more than any session's value, the lowest tier most, so the flow fills every
        # town's first third of that before any town's second (max-min share, in steps);
        # above it, value decides.
        top = -(-req * FAIR_SHARE[0] // FAIR_SHARE[1])
        tiers = [top // 3 + (1 if i < top % 3 else 0) for i in range(3)] + [req - top]
        for i, cap in enumerate(tiers):
            if cap:
                bonus = FAIR_BONUS * (3 - i) if i < 3 else 0
                arc(src, tn, cap, -bonus - (w["fairness"] * 100) // req)
        total += req
    if total == 0:
        return []
    arc(src, sink, total, 0)
    mcf = min_cost_flow.SimpleMinCostFlow()
    mcf.add_arcs_with_capacity_and_unit_cost(
        np.array(tails, dtype=np.int32),
        np.array(heads, dtype=np.int32),
        np.array(caps, dtype=np.int64),
        np.array(costs, dtype=np.int64),
    )
    supplies = np.zeros(len(nodes), dtype=np.int64)
    supplies[src] = total
    supplies[sink] = -total
    mcf.set_nodes_supplies(np.arange(len(nodes), dtype=np.int32), supplies)
    status = mcf.solve()
    if status != mcf.OPTIMAL:
        raise RuntimeError(f"the day assignment flow failed: status {status}")
    out: list[tuple[str, str, int]] = []
    arcs = list(pair_arcs)
    flows = mcf.flows(np.array(arcs, dtype=np.int32)) if arcs else []
    for a, fl in zip(arcs, flows, strict=True):
        if fl:
            out.extend([pair_arcs[a]] * int(fl))
    return out
