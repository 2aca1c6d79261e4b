"""Stage one: who sells with whom on which day, and whether in prime time, as a min-cost flow.

    source -> town -> enterprise -> enterprise-day -> enterprise-day prime | other
           -> streamer-day prime | other -> streamer-day -> sink

The town arcs carry the fairness floor and level (see settings.py), the enterprise arcs the
value (S1), the prime arcs S2 (minus a per-day price that keeps the prime units near the
prime studio-slots there are), the pair arcs S6 (a streamer of the enterprise's town), S7
(the previous schedule's pairings) and S8 (a second session of one pair on one day costs the
freshness weight), the streamer-day arcs the daily limit and an even load.  Studios are not
in the flow (the placement's business), except that a day only offers the slots where one of
the enterprise's venues has a studio free for it.

The arcs are built once; fairness settings change only the town arcs' capacities and the
prime price only the prime arcs' costs, so trying several settings costs one solve each.
"""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np
from ortools.graph.python import min_cost_flow

from citylive.planner.data import STAY, Problem
from citylive.planner.state import State

Unit = tuple[str, str, int, bool]  # enterprise, streamer, day, prime


def session_value(problem: Problem, e: str) -> int:
    """S1 per session: value weight per CNY-thousand of expected GMV, plus one thousand for
    the session itself (so every placed session counts)."""
    return problem.festival.weights["value"] * (
        problem.festival.enterprise[e].expected_gmv // 1000 + 1
    )


def prime_bonus(problem: Problem, e: str) -> int:
    """S2 per session in a prime slot: prime weight per CNY-thousand of expected GMV."""
    return problem.festival.weights["prime"] * (problem.festival.enterprise[e].expected_gmv // 1000)


class DayFlow:
    """The day-assignment flow over what `state` leaves open; `solve` per fairness setting."""

    def __init__(
        self,
        problem: Problem,
        state: State,
        keep: dict[tuple[str, str, int, bool | None], int],
        max_streamers: int | None = None,
        price: dict[int, int] | None = None,
    ):
        self.p = p = problem
        f = p.festival
        w = f.weights
        self.tails: list[int] = []
        self.heads: list[int] = []
        self.caps: list[int] = []
        self.costs: list[int] = []
        self.nodes: dict[object, int] = {}
        node, arc = self._node, self._arc
        self.src, self.sink = node("src"), node("sink")
        streamer_town = {s.id: s.town for s in f.streamers}
        kept_of: dict[str, set[str]] = defaultdict(set)
        for x, s_id, _d, _pr in keep:
            kept_of[x].add(s_id)
        self.pair_arcs: dict[int, Unit] = {}
        price = price or {}
        prime_mask = 0
        for g in range(p.n_g):
            if p.is_prime(g):
                prime_mask |= 1 << g
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
        s_day_used: set[tuple[str, int]] = set()
        self.town_need: dict[str, int] = defaultdict(int)
        self.best_unit = 1
        fresh = w["freshness"]
        for e in f.enterprises:
            rem = state.remaining(e.id)
            if rem <= 0 or not p.fit[e.id]:
                continue
            en = node(("e", e.id))
            value = session_value(p, e.id)
            bonus_p = prime_bonus(p, e.id)
            arc(node(("t", e.town)), en, rem, -value)
            self.town_need[e.town] += rem
            self.best_unit = max(self.best_unit, value + bonus_p)
            kept = kept_of.get(e.id, set())
            shortlist = sorted(
                p.fit[e.id],
                key=lambda s: (s not in kept, streamer_town[s] != e.town, -state.max_day[s], s),
            )[:max_streamers]
            for d in range(p.n_days):
                free_e = 0
                for g in p.day_slots(d):
                    if state.enterprise_free(e.id, g) and any(
                        state.room(e.id, v, g) is not None for v in p.e_venues[e.id]
                    ):
                        free_e |= 1 << g
                n_free = free_e.bit_count()
                cap = min(n_free, p.day_cap[e.id] - state.e_day[(e.id, d)])
                if cap <= 0:
                    continue
                ed = node(("ed", e.id, d))
                arc(en, ed, cap, 0)
                # prime pairings only for sessions worth the day's prime price; the others
                # take any slot (a relaxation: they may sit in prime time too)
                halves: tuple[tuple[bool | None, int], ...] = ((None, free_e),)
                if bonus_p > price.get(d, 0) and free_e & prime_mask:
                    halves = ((True, free_e & prime_mask), (False, free_e & ~prime_mask))
                for prime, mask in halves:
                    if not mask:
                        continue
                    half = node(("edh", e.id, d, prime))
                    arc(ed, half, mask.bit_count(), price.get(d, 0) - bonus_p if prime else 0)
                    # a second session of one pair that day needs room for two
                    twice = cap >= 2 and mask.bit_count() >= 2
                    for s in shortlist:
                        if state.s_day[(s, d)] >= state.max_day[s]:
                            continue
                        both = mask & s_free[s]
                        for g, s_id in banned.get(e.id, ()):
                            if s_id == s:
                                both &= ~(1 << g)
                        common = both.bit_count()
                        if common == 0:
                            continue
                        sdh = node(("sdh", s, d, prime))
                        s_day_used.add((s, d))
                        base = -(w["fit"] if streamer_town[s] == e.town else 0)
                        kept_n = (
                            keep.get((e.id, s, d, True), 0) + keep.get((e.id, s, d, False), 0)
                            if prime is None
                            else keep.get((e.id, s, d, prime), 0)
                        )
                        k = min(kept_n, common)
                        unit = (e.id, s, d, bool(prime))
                        if k:
                            self.pair_arcs[arc(half, sdh, k, base - w["stability"] * STAY)] = unit
                        left = common - k if twice else min(1, common - k)
                        if left > 0 and not k:
                            self.pair_arcs[arc(half, sdh, 1, base)] = unit
                            left -= 1
                        if left > 0:
                            # S8: the same pair again that day
                            self.pair_arcs[arc(half, sdh, left, base + fresh)] = unit
        for s, d in sorted(s_day_used):
            sd = node(("sd", s, d))
            for prime in (True, False, None):
                key = ("sdh", s, d, prime)
                if key in self.nodes:
                    free_h = sum(
                        1
                        for g in p.day_slots(d)
                        if prime in (None, p.is_prime(g))
                        and g in p.s_open[s]
                        and (s, g) not in state.s_at
                    )
                    arc(self.nodes[key], sd, free_h, 0)
            cap = state.max_day[s] - state.s_day[(s, d)]
            for i in range(cap):
                # every further session of a streamer's day costs a little more: spread the work
                arc(sd, self.sink, 1, w["fit"] * i)
        # fairness tiers: floor units, level units, the rest (capacities set per solve)
        self.tier_arcs: dict[str, tuple[int, int, int]] = {}
        big = 4 * self.best_unit + 4 * w["stability"] * STAY + 4
        for town in sorted(self.town_need):
            tn = self.nodes[("t", town)]
            self.tier_arcs[town] = (
                self._arc(self.src, tn, 0, -2 * big),
                self._arc(self.src, tn, 0, -big),
                self._arc(self.src, tn, 0, 0),
            )
        self.total = sum(self.town_need.values())
        self._arc(self.src, self.sink, self.total, 0)
        self.a_tails = np.array(self.tails, dtype=np.int32)
        self.a_heads = np.array(self.heads, dtype=np.int32)
        self.a_caps = np.array(self.caps, dtype=np.int64)
        self.a_costs = np.array(self.costs, dtype=np.int64)
        self._memo: dict[tuple, list[Unit]] = {}
        self.solves = 0
        self.solve_seconds = 0.0  # the longest solve so far

    def _node(self, key: object) -> int:
        n = self.nodes.get(key)
        if n is None:
            n = self.nodes[key] = len(self.nodes)
        return n

    def _arc(self, a: int, b: int, cap: int, cost: int) -> int:
        self.tails.append(a)
        self.heads.append(b)
        self.caps.append(cap)
        self.costs.append(cost)
        return len(self.tails) - 1

    def solve(self, floor: dict[str, int], level: dict[str, int]) -> list[Unit]:
        """Units placed, with each town's first `floor[t]` units before any other and its
        first `level[t]` next (where capacity allows), value deciding the rest."""
        key = (tuple(sorted(floor.items())), tuple(sorted(level.items())))
        if key in self._memo:
            return self._memo[key]
        # a floor the same level's solution already keeps changes nothing
        free = self._memo.get(((), key[1]))
        if free is not None and floor:
            got: dict[str, int] = defaultdict(int)
            for u in free:
                got[self.p.town(u[0])] += 1
            if all(got[t] >= min(n, self.town_need.get(t, 0)) for t, n in floor.items()):
                return free
        t0 = time.monotonic()
        caps = self.a_caps.copy()
        for town, (a1, a2, a3) in self.tier_arcs.items():
            need = self.town_need[town]
            f1 = min(need, max(0, floor.get(town, 0)))
            f2 = min(need, max(f1, level.get(town, 0)))
            caps[a1], caps[a2], caps[a3] = f1, f2 - f1, need - f2
        if self.total == 0:
            return []
        mcf = min_cost_flow.SimpleMinCostFlow()
        mcf.add_arcs_with_capacity_and_unit_cost(self.a_tails, self.a_heads, caps, self.a_costs)
        supplies = np.zeros(len(self.nodes), dtype=np.int64)
        supplies[self.src] = self.total
        supplies[self.sink] = -self.total
        mcf.set_nodes_supplies(np.arange(len(self.nodes), dtype=np.int32), supplies)
        status = mcf.solve()
        if status != mcf.OPTIMAL:
            raise RuntimeError(f"the day assignment flow failed: status {status}")
        out: list[Unit] = []
        arcs = list(self.pair_arcs)
        flows = mcf.flows(np.array(arcs, dtype=np.int32)) if arcs else []
        for a, fl in zip(arcs, flows, strict=True):
            if fl:
                out.extend([self.pair_arcs[a]] * int(fl))
        self._memo[key] = out
        self.solves += 1
        self.solve_seconds = max(self.solve_seconds, time.monotonic() - t0)
        return out


def prime_price(problem: Problem, state: State) -> dict[int, int]:
    """Per day, the prime bonus of the session that just misses a prime studio-slot when
    the requests are ranked by value and spread evenly over the days (0 when all fit):
    charged on every prime unit, it leaves prime pairings to the sessions that will get a
    prime studio-slot."""
    p = problem
    bonuses = sorted(
        (
            prime_bonus(p, e.id)
            for e in p.festival.enterprises
            for _ in range(state.remaining(e.id))
        ),
        reverse=True,
    )
    out: dict[int, int] = {}
    for d in range(p.n_days):
        room = sum(
            state.studios[v.id] - state.studio_used[(v.id, g)]
            for v in p.festival.venues
            for g in p.day_slots(d)
            if p.is_prime(g) and g in p.v_open[v.id]
        )
        rank = room * p.n_days
        if 0 < rank < len(bonuses):
            out[d] = bonuses[rank]
    return out


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
