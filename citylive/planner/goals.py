"""The soft goals' terms of the CP-SAT model (model.py builds the variables and the hard
rules): the themed blocks' rooms, S3 clash pairs, S4 main-venue duplicates, towns per day
and blocks, H8 and S5 over towns, S8 freshness.  Each adds its auxiliary variables with
their warm-start values (the hint stays complete) and its (weight, variable) pairs to the
objective."""

from __future__ import annotations

import math
from collections import defaultdict

from ortools.sat.python import cp_model

from citylive.planner.onecity import main_possible
from citylive.planner.spec import Terms


def rooms(b: Terms) -> None:
    """Themed blocks: the main venue's sessions of a block slot split between the
    blocks (their industries only) and the other studios; S4 rewards a full block and
    each industry in it."""
    p, st, m, hv = b.p, b.st, b.m, b.hv
    w = p.festival.weights
    main = p.main
    by_ind: dict[tuple[int, str], list] = defaultdict(list)
    for (e, _s, v, g), var in b.x.items():
        if v == main and g in p.blocks:
            by_ind[(g, p.industry(e))].append(var)
    for g, blocks in p.blocks.items():
        inds = sorted({i for (h, i) in by_ind if h == g})
        if not inds:
            continue
        general: list = []
        in_block: dict[str, list] = defaultdict(list)
        hint_left = {i: hv.value(by_ind[(g, i)]) for i in inds}
        for i in inds:
            parts = []
            for blk in blocks:
                if i not in blk.industries:
                    continue
                room = blk.studios - st.block_used[(blk.theme, g)]
                if room <= 0:
                    continue
                hint = min(hint_left[i], room - hv.value(in_block[blk.theme]))
                hint = max(0, hint)
                hint_left[i] -= hint
                u = hv.integer(0, room, "", hint)
                in_block[blk.theme].append(u)
                parts.append(u)
                present = hv.integer(0, 1, "", 1 if hint else 0)
                m.add(present <= u)
                b.obj.append((w["showcase"], u))
                b.obj.append((w["showcase"], present))
            rest = hv.integer(0, len(by_ind[(g, i)]), "", hint_left[i])
            general.append(rest)
            m.add(sum(parts) + rest == sum(by_ind[(g, i)]))
        for blk in blocks:
            if in_block[blk.theme]:
                m.add(sum(in_block[blk.theme]) <= blk.studios - st.block_used[(blk.theme, g)])
        m.add(sum(general) <= st.general_cap(g) - st.general_used(g))


# ------------------------------------------------------------ S3, S4
def clash_and_showcase(b: Terms) -> None:
    p, st, hv = b.p, b.st, b.hv
    f = p.festival
    w = f.weights
    main = p.main
    venue_town = f.venue_town
    sub_towns = {v.town for v in f.venues if v.kind == "sub"}
    main_ind: dict[tuple[str, int], list] = defaultdict(list)
    sub_ind: dict[tuple[str, str, int], list] = defaultdict(list)
    for (e, _s, v, g), var in b.x.items():
        if v == main:
            main_ind[(p.industry(e), g)].append(var)
        else:
            sub_ind[(venue_town[v], p.industry(e), g)].append(var)
    fixed_sub: dict[tuple[str, str, int], int] = defaultdict(int)
    fixed_main: dict[tuple[str, int], int] = defaultdict(int)
    for pl in st.sessions:
        ind = p.industry(pl.enterprise)
        if pl.venue == main:
            fixed_main[(ind, pl.g)] += 1
        else:
            fixed_sub[(venue_town[pl.venue], ind, pl.g)] += 1
    counts: dict[tuple[str, str, int], cp_model.IntVar | int] = {}

    def count(key: tuple[str, str, int]) -> cp_model.IntVar | int:
        if key not in counts:
            terms = list(sub_ind.get(key, [])) + [1] * fixed_sub[key]
            if all(isinstance(t, int) for t in terms):
                counts[key] = len(terms)
            else:
                c = hv.integer(0, len(terms), "", hv.value(terms))
                b.m.add(c == sum(terms))
                counts[key] = c
        return counts[key]

    for (town, ind, g), vs in list(sub_ind.items()):
        terms = list(vs) + [1] * fixed_sub[(town, ind, g)]
        y = hv.pairs(terms, len(terms), "c")
        if y is not None:
            b.obj.append((-w["clash"], y))
        for u in f.neighbours.get(town, ()):
            if u not in sub_towns:
                continue
            other = (u, ind, g)
            if other not in sub_ind and not fixed_sub[other]:
                continue
            if other in sub_ind and u < town:
                continue  # counted from the other town
            a, c = count((town, ind, g)), count(other)
            if isinstance(a, int) and isinstance(c, int):
                continue
            hi = len(terms) * (len(sub_ind.get(other, [])) + fixed_sub[other])
            prod = hv.integer(0, hi, "", hv.value([a]) * hv.value([c]))
            b.m.add_multiplication_equality(prod, [a, c])
            b.obj.append((-w["clash"], prod))
    for (ind, g), vs in main_ind.items():
        terms = list(vs) + [1] * fixed_main[(ind, g)]
        y = hv.pairs(terms, min(len(terms), st.studios[main]), "m")
        if y is not None:
            b.obj.append((-w["showcase"], y))


# ------------------------------------------------------------ towns: H8, S4, S5
def towns(b: Terms) -> None:
    p, st, m, hv, spec = b.p, b.st, b.m, b.hv, b.spec
    w = p.festival.weights
    main = p.main
    by_town: dict[str, list] = defaultdict(list)
    main_town: dict[str, list] = defaultdict(list)
    main_town_day: dict[tuple[str, int], list] = defaultdict(list)
    for (e, _s, v, g), var in b.x.items():
        t = p.town(e)
        by_town[t].append(var)
        if v == main:
            main_town[t].append(var)
            main_town_day[(t, p.day_of(g))].append(var)
    for town in sorted(spec.h8_towns):
        mains = main_town.get(town, [])
        if mains and hv.value(mains):
            m.add(sum(mains) >= 1)
    if spec.h8_all:
        at_main = {p.town(pl.enterprise) for pl in st.sessions if pl.venue == main}
        for town, vs in by_town.items():
            if town in at_main:
                continue
            mains = main_town.get(town, [])
            if mains:
                any_placed = hv.integer(0, 1, "", 1 if hv.value(vs) else 0)
                for var in vs:
                    m.add_implication(var, any_placed)
                m.add(sum(mains) >= any_placed)
            elif main_possible(p, town) and not any(
                p.town(pl.enterprise) == town for pl in st.sessions
            ):
                # no main-venue spot for it here: its sessions wait for the repair
                for var in vs:
                    m.add(var == 0)
    present_fixed = {
        (p.town(pl.enterprise), p.day_of(pl.g)) for pl in st.sessions if pl.venue == main
    }
    for (town, d), vs in main_town_day.items():
        if (town, d) in present_fixed:
            continue
        there = hv.integer(0, 1, "", 1 if hv.value(vs) else 0)
        m.add(there <= sum(vs))
        b.obj.append((w["showcase"], there))
    if not spec.fairness_weight and not spec.floor:
        return
    req = p.town_requests()
    fixed: dict[str, int] = defaultdict(int)
    for pl in st.sessions:
        fixed[p.town(pl.enterprise)] += 1
    for town, need in spec.floor.items():
        vs = by_town.get(town, [])
        least = min(need - fixed[town], hv.value(vs))
        if least > 0:
            m.add(sum(vs) >= least)
    if spec.fairness_weight:
        # S5 in tenths of a percent of the lowest share
        hint_low = min(
            (1000 * (fixed[t] + hv.value(by_town.get(t, []))) // n for t, n in req.items()),
            default=1000,
        )
        low = hv.integer(0, 1000, "lowest_share", hint_low)
        for town, n in req.items():
            m.add(n * low <= 1000 * (fixed[town] + sum(by_town.get(town, []))))
        b.obj.append((math.ceil(spec.fairness_weight / 10), low))


# ------------------------------------------------------------ S8
def freshness(b: Terms) -> None:
    p, st, m, hv = b.p, b.st, b.m, b.hv
    f = p.festival
    wf = f.weights["freshness"]
    if wf <= 0:
        return
    pair: dict[tuple[str, str, int], list] = defaultdict(list)
    ind_at: dict[tuple[str, int, str], list] = defaultdict(list)
    busy: dict[tuple[str, int], list] = defaultdict(list)
    for (e, s, _v, g), var in b.x.items():
        pair[(e, s, p.day_of(g))].append(var)
        ind_at[(s, g, p.industry(e))].append(var)
        busy[(s, g)].append(var)
    for pl in st.sessions:
        pair[(pl.enterprise, pl.streamer, p.day_of(pl.g))].append(1)
        ind_at[(pl.streamer, pl.g, p.industry(pl.enterprise))].append(1)
        busy[(pl.streamer, pl.g)].append(1)
    for (_e, _s, _d), vs in pair.items():
        if sum(1 for v in vs if not isinstance(v, int)) and len(vs) > 1:
            r = hv.integer(0, len(vs), "", max(0, hv.value(vs) - 1))
            m.add(r >= sum(vs) - 1)
            b.obj.append((-wf, r))
    varied = {s.id for s in f.streamers if len(s.industries) > 1}
    slots_of: dict[tuple[str, int], list[int]] = defaultdict(list)
    for s, g in busy:
        if s in varied:
            slots_of[(s, p.day_of(g))].append(g)
    for (s, _d), gs in slots_of.items():
        gs.sort()
        for i, g in enumerate(gs):
            for h in gs[i + 1 :]:
                between = [x for j in range(g + 1, h) for x in busy.get((s, j), [])]
                for ind in f.streamer[s].industries:
                    a, c = ind_at.get((s, g, ind)), ind_at.get((s, h, ind))
                    if not a or not c:
                        continue
                    if all(isinstance(t, int) for t in a + c + between):
                        continue
                    hint = max(0, hv.value(a) + hv.value(c) - hv.value(between) - 1)
                    r = hv.integer(0, 1, "", min(1, hint))
                    m.add(r >= sum(a) + sum(c) - sum(between) - 1)
                    b.obj.append((-wf, r))
