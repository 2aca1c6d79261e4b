"""The master's yardstick for splitting what the parts share: the whole festival's studio flow.

One min-cost flow over every enterprise, day, slot and studio of the festival (H3's venues,
H4's availability, H7's sessions a day; streamers left out) places the most valuable
sessions the studios can hold.  Its optimum is where the marginal values of the main
venue's studio-slots meet: a studio-slot goes to the part whose next request it carries is
worth most.  So the master gives each part the main-venue studios the flow uses for it,
and asks the streamers' days for the sessions the flow can place in each part (industry by
industry), not for every request (a part asking far above its studios would take streamers
it cannot use).

H8 first: before the flow, each town's most valuable enterprise that may go to the main
venue has one of its sessions there (a slot round the day in turn), so the towns' first
main-venue sessions are counted in their parts' shares.

The flow's value without the H8 sessions' pinning is an upper bound on any schedule's
value (streamers, travel and H8 relaxed); `studio_bound` gives it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow

from citylive.planner.data import Problem


@dataclass
class Master:
    main_units: dict[str, int] = field(default_factory=dict)  # part -> main studio-slots used
    placed: dict[tuple[str, str], int] = field(default_factory=dict)  # (part, industry) -> n
    value: int = 0  # the flow's value (H8 sessions included)


class _Net:
    def __init__(self) -> None:
        self.t: list[int] = []
        self.h: list[int] = []
        self.c: list[int] = []
        self.w: list[int] = []
        self.n = 2  # 0 the source, 1 the sink

    def node(self) -> int:
        self.n += 1
        return self.n - 1

    def arc(self, a: int, b: int, cap: int, cost: int) -> int:
        self.t.append(a)
        self.h.append(b)
        self.c.append(cap)
        self.w.append(cost)
        return len(self.t) - 1

    def solve(self, total: int) -> min_cost_flow.SimpleMinCostFlow:
        self.arc(0, 1, total, 0)  # what no studio holds
        mcf = min_cost_flow.SimpleMinCostFlow()
        mcf.add_arcs_with_capacity_and_unit_cost(
            np.array(self.t, dtype=np.int32),
            np.array(self.h, dtype=np.int32),
            np.array(self.c, dtype=np.int64),
            np.array(self.w, dtype=np.int64),
        )
        sup = np.zeros(self.n, dtype=np.int64)
        sup[0], sup[1] = total, -total
        mcf.set_nodes_supplies(np.arange(self.n, dtype=np.int32), sup)
        if mcf.solve() != mcf.OPTIMAL:
            raise RuntimeError("the master's studio flow was not solved")
        return mcf


def h8_pins(p: Problem) -> dict[str, int]:
    """Each town's most valuable enterprise that may go to the main venue, and the main
    slot of its pinned session: the towns in turn over the main venue's open slots."""
    f = p.festival
    main_open = sorted(p.v_open[p.main])
    best: dict[str, tuple[int, str]] = {}
    for e in f.enterprises:
        if e.sessions and p.e_open[e.id] & p.v_open[p.main]:
            key = (e.expected_gmv, e.id)
            if e.town not in best or key > best[e.town]:
                best[e.town] = key
    pins: dict[str, int] = {}
    for i, town in enumerate(sorted(best)):
        e_id = best[town][1]
        slots = [g for g in main_open[i % len(main_open) :] + main_open if g in p.e_open[e_id]]
        pins[e_id] = slots[0]
    return pins


def master_flow(
    p: Problem,
    part_of_town: dict[str, str],
    *,
    pin_h8: bool = True,
    bonus: dict[str, int] | None = None,
) -> Master:
    """The studio flow of the whole festival and what it gives each part; `bonus` (CNY
    per main-venue session, by town) is added to the flow's objective, not to `value`."""
    bonus = bonus or {}
    f = p.festival
    net = _Net()
    pins = h8_pins(p) if pin_h8 else {}
    v_node: dict[tuple[str, int], int] = {}
    for v in f.venues:
        for g in p.v_open[v.id]:
            pinned = sum(1 for x in pins.values() if x == g) if v.id == p.main else 0
            v_node[(v.id, g)] = net.node()
            net.arc(v_node[(v.id, g)], 1, max(0, v.studios - pinned), 0)
    out = Master()
    main_arcs: list[tuple[int, str]] = []
    ent_arcs: list[tuple[int, str]] = []
    total = 0
    for e in f.enterprises:
        part = part_of_town[e.town]
        pinned_g = pins.get(e.id)
        if pinned_g is not None:
            out.main_units[part] = out.main_units.get(part, 0) + 1
            key = (part, e.industry)
            out.placed[key] = out.placed.get(key, 0) + 1
            out.value += e.expected_gmv
        n = e.sessions - (pinned_g is not None)
        if n <= 0:
            continue
        total += n
        en = net.node()
        ent_arcs.append((net.arc(0, en, n, -e.expected_gmv), e.id))
        days: dict[int, int] = {}
        for g in sorted(p.e_open[e.id]):
            if g == pinned_g:
                continue
            d = p.day_of(g)
            if d not in days:
                days[d] = net.node()
                cap = p.day_cap[e.id] - (pinned_g is not None and p.day_of(pinned_g) == d)
                net.arc(en, days[d], cap, 0)
            eg = net.node()
            net.arc(days[d], eg, 1, 0)
            for v_id in p.e_venues[e.id]:
                if (v_id, g) in v_node:
                    cost = -bonus.get(e.town, 0) if v_id == p.main else 0
                    a = net.arc(eg, v_node[(v_id, g)], 1, cost)
                    if v_id == p.main:
                        main_arcs.append((a, part))
    if total == 0:
        return out
    mcf = net.solve(total)
    for a, part in main_arcs:
        out.main_units[part] = out.main_units.get(part, 0) + mcf.flow(a)
    ent = f.enterprise
    for a, e_id in ent_arcs:
        x = mcf.flow(a)
        if x:
            key = (part_of_town[ent[e_id].town], ent[e_id].industry)
            out.placed[key] = out.placed.get(key, 0) + x
            out.value += x * ent[e_id].expected_gmv
    return out


def studio_bound(p: Problem) -> int:
    """An upper bound on any schedule's value: the studio flow without H8's pinning."""
    towns = {e.town: "all" for e in p.festival.enterprises}
    return master_flow(p, towns, pin_h8=False).value


def per_part(values: dict[tuple[str, str], int]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for (part, _ind), n in values.items():
        out[part] += n
    return dict(out)
