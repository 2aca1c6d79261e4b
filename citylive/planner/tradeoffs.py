"""The price of fairness: the lines of `tradeoffs`, and the refill's order per setting.

Each other setting is planned by the same steps as the schedule itself (pipeline.py), on the
day flow already built (a setting changes only its town arcs, so a few solves), with a
share of the time the plan leaves; see the package docstring for the split.
"""

from __future__ import annotations

from collections.abc import Callable

from citylive.planner.settings import Fairness, town_counts
from citylive.planner.state import State
from citylive.planner.stats import Seen
from models.enums import LIVE_STATUSES


def refill_key(state: State, fairness: Fairness) -> Callable[[str], tuple]:
    """The refill's order: towns under the floor first; with a weight that makes a percent
    of the lowest share worth a CNY-thousand of value or more, the towns furthest behind
    next; then the most valuable."""
    p = state.p
    req = p.town_requests()
    got = town_counts(p, state)
    ents = p.festival.enterprise
    strong = fairness.weight >= p.festival.weights["value"]

    def key(e: str) -> tuple:
        t = ents[e].town
        below = bool(fairness.min_share) and got[t] < (fairness.min_share or 0) * req[t]
        share = round(got[t] / req[t], 1) if strong else 0.0
        return (not below, share, -ents[e].expected_gmv, e)

    return key


def placed_in_play(state: State) -> list[Seen]:
    """The placed sessions as the figures read them (no ids or studios needed)."""
    p = state.p
    return [
        Seen(pl.enterprise, pl.streamer, pl.venue, p.start_at(pl.g), pl.theme)
        for pl in state.sessions
        if pl.status in LIVE_STATUSES
    ]


def row(fairness: Fairness, stats: dict, level: float | None = None) -> dict:
    """One line of the schedule's `tradeoffs`."""
    out = {
        "fairness": fairness.label,
        "value": stats["value"],
        "min_town_share": stats["lowest_town_share"],
        "prime_value": stats["prime_value"],
        "clash_pairs": stats["clash_pairs"],
        "main_duplicates": stats["main_duplicates"],
        "placed": stats["placed"],
        "weight": fairness.weight,
        "min_share": fairness.min_share,
    }
    if level is not None:
        out["level"] = round(level, 3)
    return out
