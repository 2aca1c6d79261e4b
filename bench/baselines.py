"""Baselines to judge the planner by.

- `greedy_floor`: what a town office would do by hand, city-wide: requests by expected GMV,
  each into the first legal slot (prime time first), own sub-venue before the main venue,
  the first free streamer who fits.  No coordination beyond that.
- `flow_value_bound`: an upper bound on the placed value that ignores streamers: a min-cost
  flow from enterprises through days and slots to venue-slot capacity (H1, H3, H4, H7).
- `streamer_flow_bound`: a tighter upper bound that keeps streamers at day level: enterprise
  -> enterprise-day -> streamer-day, with each pair capped by the slots both are free.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from ortools.graph.python import min_cost_flow

from citylive.festival import Festival, SlotRef


def _fits(e, s) -> bool:  # noqa: ANN001 - festival entities
    if s.employer is not None and s.employer != e.id:
        return False
    return e.industry in s.industries and bool(set(e.platforms) & set(s.platforms))


def _open(f: Festival, marks: list[str]) -> set[int]:
    n = len(f.slots)
    blocked = {r.day * n + r.slot for r in f.blocked(marks)}
    return {g for g in range(len(f.days) * n) if g not in blocked}


def greedy_floor(f: Festival) -> dict:
    """A legal schedule (H1-H7; H8 is not attempted) built the simple way."""
    n = len(f.slots)
    n_g = len(f.days) * n
    prime = f.prime_slot_indices
    order_g = [g for g in range(n_g) if g % n in prime] + [
        g for g in range(n_g) if g % n not in prime
    ]
    mins = f.info.min_skus_per_session
    e_open = {e.id: _open(f, e.unavailable) for e in f.enterprises}
    s_open = {s.id: _open(f, s.unavailable) for s in f.streamers}
    v_open = {v.id: _open(f, v.closed) for v in f.venues}
    used: dict[tuple[str, int], int] = defaultdict(int)
    s_at: dict[tuple[str, int], str] = {}
    s_day: dict[tuple[str, int], int] = defaultdict(int)
    e_at: set[tuple[str, int]] = set()
    e_day: dict[tuple[str, int], int] = defaultdict(int)
    sessions = []
    unplaced = []
    by_industry: dict[str, list] = defaultdict(list)  # in the file's order
    for s in f.streamers:
        for ind in s.industries:
            by_industry[ind].append(s)
    for e in sorted(f.enterprises, key=lambda x: -x.expected_gmv):
        venues = [v for v in f.allowed_venues(e) if v.kind != "main"] + [f.main_venue]
        fitting = [s for s in by_industry[e.industry] if _fits(e, s)]
        left = e.sessions
        for _ in range(e.sessions):
            done = False
            for g in order_g:
                d = g // n
                if g not in e_open[e.id] or (e.id, g) in e_at or e_day[(e.id, d)] >= e.skus // mins:
                    continue
                # the venues with a free studio, then the streamers free then (in the same
                # order as venue by venue: the same first legal spot, found faster)
                rooms = [v for v in venues if g in v_open[v.id] and used[(v.id, g)] < v.studios]
                if not rooms:
                    continue
                free = [
                    s
                    for s in fitting
                    if g in s_open[s.id]
                    and (s.id, g) not in s_at
                    and s_day[(s.id, d)] < s.max_sessions_per_day
                ]
                for v in rooms:
                    for s in free:
                        if any(
                            h // n == d and s_at.get((s.id, h), v.id) != v.id
                            for h in (g - 1, g + 1)
                        ):
                            continue
                        used[(v.id, g)] += 1
                        s_at[(s.id, g)] = v.id
                        s_day[(s.id, d)] += 1
                        e_at.add((e.id, g))
                        e_day[(e.id, d)] += 1
                        ref = SlotRef(d, g % n)
                        platform = next(p for p in e.platforms if p in s.platforms)
                        sessions.append(
                            {
                                "id": f"{f.id}-s{len(sessions) + 1:05d}",
                                "enterprise": e.id,
                                "streamer": s.id,
                                "platform": platform,
                                "venue": v.id,
                                "studio": used[(v.id, g)],
                                "start": f.slot_start(ref).isoformat(),
                                "end": f.slot_end(ref).isoformat(),
                                "status": "proposed",
                            }
                        )
                        done = True
                        break
                    if done:
                        break
                if done:
                    break
            if not done:
                break
            left -= 1
        if left:
            unplaced.append(
                {"enterprise": e.id, "count": left, "reason": "greedy found no legal spot"}
            )
    return {
        "format": "citylive/schedule@1",
        "festival": f.id,
        "version": 1,
        "sessions": sessions,
        "unplaced": unplaced,
    }


class _Flow:
    def __init__(self) -> None:
        self.t: list[int] = []
        self.h: list[int] = []
        self.c: list[int] = []
        self.w: list[int] = []
        self.nodes: dict[object, int] = {}

    def node(self, key: object) -> int:
        if key not in self.nodes:
            self.nodes[key] = len(self.nodes)
        return self.nodes[key]

    def arc(self, a: int, b: int, cap: int, cost: int) -> None:
        if cap > 0:
            self.t.append(a)
            self.h.append(b)
            self.c.append(cap)
            self.w.append(cost)

    def min_cost(self, src: int, sink: int, total: int) -> int:
        self.arc(src, sink, total, 0)
        mcf = min_cost_flow.SimpleMinCostFlow()
        mcf.add_arcs_with_capacity_and_unit_cost(
            np.array(self.t, dtype=np.int32),
            np.array(self.h, dtype=np.int32),
            np.array(self.c, dtype=np.int64),
            np.array(self.w, dtype=np.int64),
        )
        sup = np.zeros(len(self.nodes), dtype=np.int64)
        sup[src], sup[sink] = total, -total
        mcf.set_nodes_supplies(np.arange(len(self.nodes), dtype=np.int32), sup)
        if mcf.solve() != mcf.OPTIMAL:
            raise RuntimeError("flow bound: not solved")
        return int(mcf.optimal_cost())


def flow_value_bound(f: Festival) -> int:
    """Upper bound on the sum of expected GMV over placed sessions, streamers ignored."""
    n = len(f.slots)
    mins = f.info.min_skus_per_session
    fl = _Flow()
    src, sink = fl.node("src"), fl.node("sink")
    v_open = {v.id: _open(f, v.closed) for v in f.venues}
    for v in f.venues:
        for g in v_open[v.id]:
            fl.arc(fl.node(("v", v.id, g)), sink, v.studios, 0)
    total = 0
    for e in f.enterprises:
        if e.sessions == 0:
            continue
        total += e.sessions
        en = fl.node(("e", e.id))
        fl.arc(src, en, e.sessions, -e.expected_gmv)
        venues = f.allowed_venues(e)
        for g in _open(f, e.unavailable):
            d = g // n
            ed = fl.node(("ed", e.id, d))
            if ("edarc", e.id, d) not in fl.nodes:
                fl.node(("edarc", e.id, d))
                fl.arc(en, ed, e.skus // mins, 0)
            eg = fl.node(("eg", e.id, g))
            fl.arc(ed, eg, 1, 0)
            for v in venues:
                if g in v_open[v.id]:
                    fl.arc(eg, fl.node(("v", v.id, g)), 1, 0)
    if total == 0:
        return 0
    return -fl.min_cost(src, sink, total)


def streamer_flow_bound(f: Festival) -> int:
    """Upper bound on placed value keeping streamers at day level (slots, studios and travel
    relaxed): no schedule can place more value than this."""
    n = len(f.slots)
    mins = f.info.min_skus_per_session
    fl = _Flow()
    src, sink = fl.node("src"), fl.node("sink")
    s_open = {s.id: _open(f, s.unavailable) for s in f.streamers}
    total = 0
    for s in f.streamers:
        for d in range(len(f.days)):
            free = sum(1 for g in range(d * n, (d + 1) * n) if g in s_open[s.id])
            fl.arc(fl.node(("sd", s.id, d)), sink, min(free, s.max_sessions_per_day), 0)
    for e in f.enterprises:
        if e.sessions == 0:
            continue
        total += e.sessions
        en = fl.node(("e", e.id))
        fl.arc(src, en, e.sessions, -e.expected_gmv)
        e_open = _open(f, e.unavailable)
        fitting = [s for s in f.streamers if _fits(e, s)]
        for d in range(len(f.days)):
            mine = [g for g in range(d * n, (d + 1) * n) if g in e_open]
            if not mine:
                continue
            ed = fl.node(("ed", e.id, d))
            fl.arc(en, ed, min(len(mine), e.skus // mins), 0)
            for s in fitting:
                common = sum(1 for g in mine if g in s_open[s.id])
                fl.arc(ed, fl.node(("sd", s.id, d)), common, 0)
    if total == 0:
        return 0
    return -fl.min_cost(src, sink, total)
