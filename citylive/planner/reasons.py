"""Why a request stayed unplaced: the resource that ran out, found by asking the final
schedule where one more session of the enterprise could go and what stops each spot."""

from __future__ import annotations

from citylive.planner.data import Problem
from citylive.planner.onecity import main_possible
from citylive.planner.state import State


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def unplaced_reason(
    problem: Problem, state: State, e_id: str, at_main: dict[str, bool] | None = None
) -> str:
    """Why `e_id` has sessions left; `at_main` (town -> has a session at the main venue, or
    cannot have one), when given, saves asking the whole schedule for each enterprise."""
    p = problem
    f = p.festival
    e = f.enterprise[e_id]
    plats = ("platform " if len(e.platforms) == 1 else "platforms ") + ", ".join(
        f"'{x}'" for x in e.platforms
    )
    if p.day_cap[e_id] == 0:
        return (
            f"{_plural(e.skus, 'SKU')} are fewer than min_skus_per_session "
            f"({f.info.min_skus_per_session}): not one session can show enough products"
        )
    if not p.e_open[e_id]:
        return "the enterprise is unavailable on every day of the festival"
    if not p.fit[e_id]:
        return f"no streamer fits industry '{e.industry}' on {plats}"
    days_open = {p.day_of(g) for g in p.e_open[e_id]}
    most = sum(
        min(p.day_cap[e_id], sum(1 for g in p.day_slots(d) if g in p.e_open[e_id]))
        for d in days_open
    )
    if most < e.sessions:
        return (
            f"products and availability allow at most {_plural(most, 'session')}: "
            f"{_plural(e.skus, 'SKU')} make {p.day_cap[e_id]} a day on "
            f"{_plural(len(days_open), 'available day')}"
        )
    slots = [g for g in sorted(p.e_open[e_id]) if state.enterprise_free(e_id, g)]
    if not slots:
        return "every slot the enterprise is available in already holds one of its sessions"
    venues = p.e_venues[e_id]
    stage = _furthest(p, state, e_id, slots, venues)
    if stage == 0:
        return (
            f"no streamer fits industry '{e.industry}' on {plats} in any free slot: "
            f"{_plural(len(p.fit[e_id]), 'fitting streamer')}, each booked, at the daily "
            "limit, unavailable or declined then"
        )
    if stage == 1:
        return (
            f"no free studio at {', '.join(venues)} in the slots where the enterprise and a "
            "fitting streamer are both free"
        )
    if stage == 2:
        return (
            "the fitting streamers free then have a session at another venue in the slot "
            "before or after (no time to travel)"
        )
    main = f.main_venue.id
    if at_main is not None:
        lacks_main = not at_main.get(e.town, False)
    else:
        lacks_main = main_possible(p, e.town) and not any(
            pl.venue == main and f.enterprise[pl.enterprise].town == e.town for pl in state.sessions
        )
    if lacks_main:
        return (
            f"town {e.town} has no session at the main venue, and the main venue has no spot for "
            "one (a town's sessions need one there first)"
        )
    return "left out for higher-value sessions within the time limit"


def _furthest(p: Problem, state: State, e_id: str, slots: list[int], venues: list[str]) -> int:
    """How far one more session of `e_id` gets: 0 no fitting streamer free in any of
    `slots`, 1 a streamer but no studio with it, 2 both but no time to travel, 3 a spot."""
    stage = 0
    for g in slots:
        rooms = [v for v in venues if state.room(e_id, v, g) is not None]
        if not rooms and stage >= 1:
            continue  # nothing more to learn from this slot
        d = p.day_of(g)
        for s in p.fit[e_id]:
            if (
                g not in p.s_open[s]
                or (s, g) in state.s_at
                or state.s_day[(s, d)] >= state.max_day[s]
                or (e_id, g, s) in p.forbidden
            ):
                continue
            stage = max(stage, 1)
            if not rooms:
                break
            stage = max(stage, 2)
            if any(state.streamer_free(s, g, v) for v in rooms):
                return 3
    return stage
