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
from dataclasses import dataclass, field

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


@dataclass
class _Open:
    """What the flow's arcs are built from, worked out once per flow."""

    state: State
    keep: dict[tuple[str, str, int, bool | None], int]
    price: dict[int, int]
    streamer_town: dict[str, str]
    kept_of: dict[str, set[str]]
    prime_mask: int  # the prime slots
    s_free: dict[str, int]  # each streamer's open slots not yet taken
    banned: dict[str, list[tuple[int, str]]]  # enterprise -> (slot, streamer) not allowed
    s_day_used: set[tuple[str, int]] = field(default_factory=set)


def _open(
    p: Problem,
    state: State,
    keep: dict[tuple[str, str, int, bool | None], int],
    price: dict[int, int],
) -> _Open:
    f = p.festival
    kept_of: dict[str, set[str]] = defaultdict(set)
    for x, s_id, _d, _pr in keep:
        kept_of[x].add(s_id)
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
    return _Open(
        state=state,
        keep=keep,
        price=price,
        streamer_town={s.id: s.town for s in f.streamers},
        kept_of=kept_of,
        prime_mask=prime_mask,
        s_free=s_free,
        banned=banned,
    )


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
        self.w = p.festival.weights
        self.tails: list[int] = []
        self.heads: list[int] = []
        self.caps: list[int] = []
        self.costs: list[int] = []
        self.nodes: dict[object, int] = {}
        self.src, self.sink = self._node("src"), self._node("sink")
        self.pair_arcs: dict[int, Unit] = {}
        self.town_need: dict[str, int] = defaultdict(int)
        self.best_unit = 1
        o = _open(p, state, keep, price or {})
        for e in p.festival.enterprises:
            self._enterprise_arcs(o, e.id, e.town, max_streamers)
        self._streamer_day_arcs(o)
        self._tier_arcs()
        self.a_tails = np.array(self.tails, dtype=np.int32)
        self.a_heads = np.array(self.heads, dtype=np.int32)
        self.a_caps = np.array(self.caps, dtype=np.int64)
        self.a_costs = np.array(self.costs, dtype=np.int64)
        self._memo: dict[tuple, list[Unit]] = {}
        self.solves = 0
        self.solve_seconds = 0.0  # the longest solve so far

    def _enterprise_arcs(self, o: _Open, e: str, town: str, max_streamers: int | None) -> None:
        """The town -> enterprise arc (S1) and the enterprise's days."""
        p, state = self.p, o.state
        rem = state.remaining(e)
        if rem <= 0 or not p.fit[e]:
            return
        en = self._node(("e", e))
        value = session_value(p, e)
        bonus_p = prime_bonus(p, e)
        self._arc(self._node(("t", town)), en, rem, -value)
        self.town_need[town] += rem
        self.best_unit = max(self.best_unit, value + bonus_p)
        kept = o.kept_of.get(e, set())
        shortlist = sorted(
            p.fit[e],
            key=lambda s: (s not in kept, o.streamer_town[s] != town, -state.max_day[s], s),
        )[:max_streamers]
        for d in range(p.n_days):
            self._enterprise_day_arcs(o, e, town, d, en, bonus_p, shortlist)

    def _enterprise_day_arcs(
        self, o: _Open, e: str, town: str, d: int, en: int, bonus_p: int, shortlist: list[str]
    ) -> None:
        """The enterprise's day, split into prime and other slots when it is worth the price."""
        p, state, price = self.p, o.state, o.price
        free_e = 0
        for g in p.day_slots(d):
            if state.enterprise_free(e, g) and any(
                state.room(e, v, g) is not None for v in p.e_venues[e]
            ):
                free_e |= 1 << g
        n_free = free_e.bit_count()
        cap = min(n_free, p.day_cap[e] - state.e_day[(e, d)])
        if cap <= 0:
            return
        ed = self._node(("ed", e, d))
        self._arc(en, ed, cap, 0)
        # prime pairings only for sessions worth the day's prime price; the others
        # take any slot (a relaxation: they may sit in prime time too)
        halves: tuple[tuple[bool | None, int], ...] = ((None, free_e),)
        if bonus_p > price.get(d, 0) and free_e & o.prime_mask:
            halves = ((True, free_e & o.prime_mask), (False, free_e & ~o.prime_mask))
        for prime, mask in halves:
            if not mask:
                continue
            half = self._node(("edh", e, d, prime))
            self._arc(ed, half, mask.bit_count(), price.get(d, 0) - bonus_p if prime else 0)
            # a second session of one pair that day needs room for two
            twice = cap >= 2 and mask.bit_count() >= 2
            self._pair_arcs(o, e, town, d, prime, mask, half, twice, shortlist)

    def _pair_arcs(
        self,
        o: _Open,
        e: str,
        town: str,
        d: int,
        prime: bool | None,
        mask: int,
        half: int,
        twice: bool,
        shortlist: list[str],
    ) -> None:
        """Enterprise-day half -> streamer-day half: S6 (same town), S7 (kept), S8 (again)."""
        state, keep, w = o.state, o.keep, self.w
        for s in shortlist:
            if state.s_day[(s, d)] >= state.max_day[s]:
                continue
            both = mask & o.s_free[s]
            for g, s_id in o.banned.get(e, ()):
                if s_id == s:
                    both &= ~(1 << g)
            common = both.bit_count()
            if common == 0:
                continue
            sdh = self._node(("sdh", s, d, prime))
            o.s_day_used.add((s, d))
            base = -(w["fit"] if o.streamer_town[s] == town else 0)
            kept_n = (
                keep.get((e, s, d, True), 0) + keep.get((e, s, d, False), 0)
                if prime is None
                else keep.get((e, s, d, prime), 0)
            )
            k = min(kept_n, common)
            unit = (e, s, d, bool(prime))
            if k:
                self.pair_arcs[self._arc(half, sdh, k, base - w["stability"] * STAY)] = unit
            left = common - k if twice else min(1, common - k)
            if left > 0 and not k:
                self.pair_arcs[self._arc(half, sdh, 1, base)] = unit
                left -= 1
            if left > 0:
                # S8: the same pair again that day
                self.pair_arcs[self._arc(half, sdh, left, base + w["freshness"])] = unit

    def _streamer_day_arcs(self, o: _Open) -> None:
        """Streamer-day halves -> streamer-day -> sink: the daily limit and an even load."""
        p, state = self.p, o.state
        for s, d in sorted(o.s_day_used):
            sd = self._node(("sd", s, d))
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
                    self._arc(self.nodes[key], sd, free_h, 0)
            cap = state.max_day[s] - state.s_day[(s, d)]
            for i in range(cap):
                # every further session of a streamer's day costs a little more: spread the work
                self._arc(sd, self.sink, 1, self.w["fit"] * i)

    def _tier_arcs(self) -> None:
        """Fairness tiers: floor units, level units, the rest (capacities set per solve)."""
        self.tier_arcs: dict[str, tuple[int, int, int]] = {}
        big = 4 * self.best_unit + 4 * self.w["stability"] * STAY + 4
        for town in sorted(self.town_need):
            tn = self.nodes[("t", town)]
            self.tier_arcs[town] = (
                self._arc(self.src, tn, 0, -2 * big),
                self._arc(self.src, tn, 0, -big),
                self._arc(self.src, tn, 0, 0),
            )
        self.total = sum(self.town_need.values())
        self._arc(self.src, self.sink, self.total, 0)

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
