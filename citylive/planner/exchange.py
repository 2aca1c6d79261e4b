"""The seams' exchange: a request still open takes the place of a placed session.

Planned in parts, a district's studios and streamer-days are filled by its own requests,
whatever a neighbouring part leaves open; the main venue is shared, so a part's last and
least valuable main-venue sessions may hold studio-slots a more valuable request of another
part could use, and a part's solve may leave a session where a room of its own was free in
another slot.  The exchange goes over the open requests, most valuable first; for each, the
sessions whose place it could take in a slot it is free in: one in a studio of its venues,
or one whose streamer fits it where a studio of its venues is free.  First those that can
move to a free room of their own (nothing is lost), then the less valuable ones, least
valuable first (moved if they can be, else left open).  Every step keeps every hard rule
(State); a town's only main-venue session is never taken, a town not yet at the main venue
gets its place there (H8), a confirmed session is never moved.

`floor` turns it to fairness (S5): the requests of the towns below that share of their
requests displace sessions of towns at least `MARGIN` above it, the least valuable first,
even a more valuable one (the value given up is the price of the floor).  `keep`: the
exchange for value displaces no session of a town that would fall below that share (the
festival's fairness floor, once met).
"""

from __future__ import annotations

import time
from collections import defaultdict

from citylive.planner.greedy import Scorer
from citylive.planner.state import Placed, State

MARGIN = 0.05  # a displaced session's town keeps at least this share above the floor


class _Exchange:
    def __init__(self, state: State, scorer: Scorer, keep: float | None):
        self.st, self.sc, self.keep = state, scorer, keep
        self.p = state.p
        f = self.p.festival
        self.gmv = {e.id: e.expected_gmv for e in f.enterprises}
        self.town = {e.id: e.town for e in f.enterprises}
        self.req = self.p.town_requests()
        self.got: dict[str, int] = defaultdict(int)
        self.at: dict[tuple[str, int], list[Placed]] = defaultdict(list)
        self.by_streamer: dict[tuple[str, int], Placed] = {}
        for pl in state.sessions:
            self.at[(pl.venue, pl.g)].append(pl)
            self.by_streamer[(pl.streamer, pl.g)] = pl
            self.got[self.town[pl.enterprise]] += 1
        self.value = 0  # value gained
        self.free_room: dict[str, bool] = {}
        self.moves = 0

    def share(self, town: str) -> float:
        return self.got[town] / self.req[town]

    def _put(self, pl: Placed) -> Placed:
        pl = self.st.place(pl)
        self.sc.add(pl)
        self.at[(pl.venue, pl.g)].append(pl)
        self.by_streamer[(pl.streamer, pl.g)] = pl
        self.got[self.town[pl.enterprise]] += 1
        self.value += self.gmv[pl.enterprise]
        return pl

    def _take(self, pl: Placed) -> None:
        self.st.remove(pl)
        self.sc.add(pl, -1)
        self.at[(pl.venue, pl.g)].remove(pl)
        del self.by_streamer[(pl.streamer, pl.g)]
        self.got[self.town[pl.enterprise]] -= 1
        self.value -= self.gmv[pl.enterprise]

    def victims(self, e: str, floor: float | None) -> list[tuple[tuple, int, Placed, str]]:
        """The sessions `e` could take the place of, each with the venue `e` would take:
        one in a studio of its venues (its studio-slot), or one whose streamer fits `e` in
        a slot where a studio of its venues is free (its streamer).  First those that
        could move to a free room of their own (nothing lost), then the less valuable,
        least valuable first."""
        p, st = self.p, self.st
        venues = p.e_venues[e]
        if self.sc.main_town[self.town[e]] == 0 and p.main in venues:
            venues = [p.main]  # H8: a town's first session goes to the main venue
        out = []
        for g in sorted(p.e_open[e]):
            if not st.enterprise_free(e, g):
                continue
            free = None
            for v in venues:
                if g not in p.v_open[v]:
                    continue
                if free is None and st.room(e, v, g) is not None:
                    free = v
                for x in self.at[(v, g)]:
                    key = self.rank(e, x, floor, v)
                    if key is not None:
                        out.append((key, g, x, v))
            if free is not None:
                for s in p.fit[e]:
                    y = self.by_streamer.get((s, g))
                    key = None if y is None or y.venue == free else self.rank(e, y, floor, free)
                    if y is not None and key is not None:
                        out.append((key, g, y, free))
        out.sort(key=lambda c: (c[0], c[1], c[3], c[2].enterprise, c[2].streamer))
        return out

    def rank(self, e: str, x: Placed, floor: float | None, v: str) -> tuple | None:
        """Where `x` comes among `e`'s victims (`e` to take venue `v`), None when `e` may
        not take its place."""
        if x.status == "confirmed" or x.enterprise == e:
            return None
        town, xt = self.town[e], self.town[x.enterprise]
        main = self.p.main
        if x.venue == main and self.sc.main_town[xt] <= 1 and (xt != town or v != main):
            return None  # H8: never a town's only session at the main venue
        cheaper = self.gmv[x.enterprise] < self.gmv[e]
        if floor is not None:
            if xt == town or (self.got[xt] - 1) / self.req[xt] < floor + MARGIN:
                return None
            return (1, self.gmv[x.enterprise])
        if self.keep is not None and (self.got[xt] - 1) / self.req[xt] < self.keep:
            return None
        if self.movable(x.enterprise):
            return (0, self.gmv[x.enterprise])
        return (1, self.gmv[x.enterprise]) if cheaper else None

    def movable(self, e: str) -> bool:
        """`e` is free in a slot where a studio of its venues is free (remembered for the
        pass: a hint, every move is checked)."""
        if e not in self.free_room:
            p, st = self.p, self.st
            self.free_room[e] = any(
                (e, g) not in st.e_busy and any(st.room(e, v, g) is not None for v in p.e_venues[e])
                for g in p.e_open[e]
            )
        return self.free_room[e]

    def streamers(self, e: str, x: Placed) -> list[str]:
        fit = self.p.fit[e]
        first = [x.streamer] if x.streamer in set(fit) else []
        return first + [s for s in fit if s != x.streamer]

    def displace(self, e: str, floor: float | None, tries: int) -> bool:
        """One session of `e` in the place of a victim's; the victim moves to a free spot
        of its own if it has one, else it is left open (only a less valuable one)."""
        st = self.st
        for _key, g, x, v in self.victims(e, floor)[:tries]:
            self._take(x)
            s = next((s for s in self.streamers(e, x) if st.can_place(e, s, v, g)), None)
            if s is None:
                self._put(x)
                continue
            mine = self._put(Placed(e, s, v, g))
            spot = self.spot(x.enterprise)
            if spot is not None:
                self._put(Placed(x.enterprise, *spot))
            elif floor is None and self.gmv[x.enterprise] >= self.gmv[e]:
                self._take(mine)  # it could not move after all: undone
                self._put(x)
                continue
            self.moves += 1
            return True
        return False

    def first_main(self, e: str, tries: int) -> bool:
        """H8: a session of `e` (of a town not at the main venue) in the place of the least
        valuable main-venue session of a town that has another there."""
        p, st = self.p, self.st
        out = []
        for g in sorted(p.e_open[e] & p.v_open[p.main]):
            if st.enterprise_free(e, g):
                for x in self.at[(p.main, g)]:
                    xt = self.town[x.enterprise]
                    if x.status != "confirmed" and self.sc.main_town[xt] >= 2:
                        out.append((self.gmv[x.enterprise], g, x.enterprise, x))
        out.sort(key=lambda c: c[:3])
        for _gmv, g, _e, x in out[:tries]:
            self._take(x)
            s = next((s for s in self.streamers(e, x) if st.can_place(e, s, p.main, g)), None)
            if s is None:
                self._put(x)
                continue
            self._put(Placed(e, s, p.main, g))
            spot = self.spot(x.enterprise)
            if spot is not None:
                self._put(Placed(x.enterprise, *spot))
            self.moves += 1
            return True
        return False

    def spot(self, e: str) -> tuple[str, str, int] | None:
        """The best free (streamer, venue, slot) for one more session of `e`."""
        p, st = self.p, self.st
        best: tuple[int, str, str, int] | None = None
        for g in sorted(p.e_open[e]):
            if not st.enterprise_free(e, g):
                continue
            for v in p.e_venues[e]:
                theme = st.room(e, v, g)
                if theme is None:
                    continue
                for s in p.fit[e]:
                    if st.can_place(e, s, v, g):
                        sc = self.sc.score(e, s, v, g, theme or None)
                        if best is None or sc > best[0]:
                            best = (sc, s, v, g)
        return None if best is None else best[1:]


def exchange(
    state: State,
    scorer: Scorer,
    deadline: float,
    *,
    floor: float | None = None,
    keep: float | None = None,
    tries: int = 6,
    passes: int = 3,
) -> tuple[int, int]:
    """Open requests displace less valuable sessions (or, with `floor`, the requests of the
    towns below it displace sessions of towns well above it), in passes over the open
    requests until one moves nothing; returns (moves, value gained: negative when a floor
    costs value)."""
    ex = _Exchange(state, scorer, keep)
    ents = state.p.festival.enterprise
    for _ in range(passes):
        before = ex.moves
        ex.free_room.clear()
        order = sorted((e for e in ents if state.remaining(e) > 0), key=lambda e: (-ex.gmv[e], e))
        for e in order:
            if time.monotonic() > deadline:
                return ex.moves, ex.value
            while state.remaining(e) > 0 and (floor is None or ex.share(ex.town[e]) < floor):
                if not ex.displace(e, floor, tries):
                    break
        if ex.moves == before:
            break
    return ex.moves, ex.value


def main_for_every_town(state: State, scorer: Scorer, tries: int = 12) -> int:
    """H8 where the main venue is full: each town with a placed session and none at the
    main venue gets one there in the place of the least valuable main-venue session of a
    town with another (its own open request, else one of its sessions moved there).
    Returns the towns given one; H8's repair (onecity.py) handles the rest."""
    ex = _Exchange(state, scorer, None)
    p = state.p
    mine: dict[str, list[Placed]] = defaultdict(list)
    for pl in state.sessions:
        mine[ex.town[pl.enterprise]].append(pl)
    ents = sorted(p.festival.enterprises, key=lambda e: (-e.expected_gmv, e.id))
    for town in sorted(mine):
        if scorer.main_town[town] > 0:
            continue
        asking = [e.id for e in ents if e.town == town and state.remaining(e.id) > 0]
        if any(ex.first_main(e, tries) for e in asking):
            continue
        for pl in sorted(mine[town], key=lambda x: (-ex.gmv[x.enterprise], x.g)):
            if pl.status == "confirmed":
                continue
            ex._take(pl)
            if ex.first_main(pl.enterprise, tries):
                break
            ex._put(pl)
    return ex.moves
