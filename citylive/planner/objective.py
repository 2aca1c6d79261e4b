"""The soft goals' weighted sum of a whole schedule, as the CP-SAT model counts them: what
the local search reports as its objective."""

from __future__ import annotations

from citylive.planner.assign import prime_bonus, session_value
from citylive.planner.data import STAY
from citylive.planner.settings import lowest_share, town_counts
from citylive.planner.state import State
from citylive.planner.stats import figures
from citylive.planner.tradeoffs import placed_in_play


def objective(state: State) -> int:
    """The soft goals' weighted sum of a whole schedule, as the CP-SAT model counts them."""
    p = state.p
    w = p.festival.weights
    stays = {(o.enterprise, o.streamer, o.venue, o.g) for o in p.old if o.status == "proposed"}
    venue_town = p.festival.venue_town
    streamer_town = {x.id: x.town for x in p.festival.streamers}
    total = 0
    blocks: set[tuple[str, int, str]] = set()
    for pl in state.sessions:
        total += session_value(p, pl.enterprise)
        if p.is_prime(pl.g):
            total += prime_bonus(p, pl.enterprise)
        if streamer_town[pl.streamer] == venue_town[pl.venue]:
            total += w["fit"]
        if (pl.enterprise, pl.streamer, pl.venue, pl.g) in stays:
            total += w["stability"] * STAY
        if pl.theme:
            total += w["showcase"]
            blocks.add((pl.theme, pl.g, p.industry(pl.enterprise)))
    st = figures(p.festival, placed_in_play(state))
    total += w["showcase"] * (len(blocks) + sum(st["towns_per_day"].values()))
    total -= w["clash"] * st["clash_pairs"] + w["showcase"] * st["main_duplicates"]
    total -= w["freshness"] * st["freshness_repeats"]
    total += int(w["fairness"] * 100 * lowest_share(p, town_counts(p, state)))
    return total
