"""Between the two stages: the day flow's sessions of each day routed to the enterprises'
venues within their studio-slots (a small min-cost flow per day)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from ortools.graph.python import min_cost_flow

from citylive.planner.assign import Unit
from citylive.planner.data import Problem
from citylive.planner.state import State


def venue_targets(
    problem: Problem, state: State, units: list[Unit]
) -> dict[tuple[str, int], dict[str, int]]:
    """Per enterprise-day, how many of its sessions go to which of its venues: the flow's
    sessions of each day routed to venues within their studio-slots, most valuable first,
    an enterprise's own sub-venue before the main venue.  The day flow does not see studios;
    placed one by one, a town that fills its own sub-venue can leave a neighbour without one
    nowhere to go, while this routing keeps room for it."""
    p = problem
    own_sub = {v.town for v in p.festival.venues if v.kind == "sub"}
    out: dict[tuple[str, int], dict[str, int]] = {}
    for d in range(p.n_days):
        count: dict[str, int] = defaultdict(int)
        for e, _s, dd, _pr in units:
            if dd == d:
                count[e] += 1
        for (e, v), n in _route_day(p, state, d, count, own_sub).items():
            out.setdefault((e, d), {})[v] = n
    return out


class _Arcs:
    def __init__(self) -> None:
        self.tails: list[int] = []
        self.heads: list[int] = []
        self.caps: list[int] = []
        self.costs: list[int] = []
        self.nodes: dict[object, int] = {}

    def node(self, key: object) -> int:
        if key not in self.nodes:
            self.nodes[key] = len(self.nodes)
        return self.nodes[key]

    def arc(self, a: int, b: int, cap: int, cost: int) -> int:
        self.tails.append(a)
        self.heads.append(b)
        self.caps.append(cap)
        self.costs.append(cost)
        return len(self.tails) - 1


def _route_day(
    p: Problem, state: State, d: int, count: dict[str, int], own_sub: set[str]
) -> dict[tuple[str, str], int]:
    if not count:
        return {}
    g_ = _Arcs()
    src, sink = g_.node("src"), g_.node("sink")
    pair: dict[int, tuple[str, str]] = {}
    for e, n in sorted(count.items()):
        en = g_.node(("e", e))
        g_.arc(src, en, n, -2 * (p.festival.enterprise[e].expected_gmv // 1000 + 1))
        for vid in p.e_venues[e]:
            cost = 1 if vid == p.main and p.town(e) in own_sub else 0
            pair[g_.arc(en, g_.node(("v", vid)), n, cost)] = (e, vid)
    for venue in p.festival.venues:
        if ("v", venue.id) in g_.nodes:
            room = sum(
                state.studios[venue.id] - state.studio_used[(venue.id, g)]
                for g in p.day_slots(d)
                if g in p.v_open[venue.id]
            )
            g_.arc(g_.nodes[("v", venue.id)], sink, room, 0)
    total = sum(count.values())
    g_.arc(src, sink, total, 0)
    mcf = min_cost_flow.SimpleMinCostFlow()
    mcf.add_arcs_with_capacity_and_unit_cost(
        np.array(g_.tails, dtype=np.int32),
        np.array(g_.heads, dtype=np.int32),
        np.array(g_.caps, dtype=np.int64),
        np.array(g_.costs, dtype=np.int64),
    )
    supplies = np.zeros(len(g_.nodes), dtype=np.int64)
    supplies[src], supplies[sink] = total, -total
    mcf.set_nodes_supplies(np.arange(len(g_.nodes), dtype=np.int32), supplies)
    if mcf.solve() != mcf.OPTIMAL:
        return {}
    return {ev: int(mcf.flow(a)) for a, ev in pair.items() if mcf.flow(a)}
