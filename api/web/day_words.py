"""The portal's messages after a festival-day action, written by the server from the
outcome's code and the session's own state (a link cannot put words on the page)."""

from __future__ import annotations

from typing import Any

from citylive.actions.day_cards import PortalDay
from citylive.actions.pages import Portal

DAY_CODES = (
    "day_applied",
    "day_unchanged",
    "day_conflict",
    "day_invalid",
    "day_stand_in",
    "day_replacement",
)


def _card(shown: Portal, sid: str) -> dict[str, Any] | None:
    for _day, cards in shown.by_day:
        for card in cards:
            if card["id"] == sid:
                return card
    return None


def day_flash(t: dict[str, str], done: str, sid: str, shown: Portal, day: PortalDay) -> str | None:
    """The message of a festival-day outcome on session `sid`, or None."""
    card, live = _card(shown, sid), day.cards.get(sid)
    if done not in DAY_CODES or card is None:
        return None
    if done == "day_invalid":
        return t[done]
    state = t["live_" + live.state] if live is not None else ""
    return t[done].format(
        sid=sid, state=state, streamer=card["streamer"], enterprise=card["enterprise"]
    )
