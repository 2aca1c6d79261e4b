"""The portal's messages after a festival-day action, written by the server from the
outcome's code and the session's own state (a link cannot put words on the page)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from citylive.actions.day_cards import PortalDay, lost_race
from citylive.actions.pages import Portal
from citylive.scope import Actor

DAY_CODES = (
    "day_applied",
    "day_unchanged",
    "day_conflict",
    "day_invalid",
    "day_stand_in",
    "day_replacement",
)
RACES = ("race_streamer", "race_enterprise")


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


def race_flash(
    db: Session, actor: Actor, t: dict[str, str], done: str, sid: str, pick: str
) -> str | None:
    """The message of a race lost on session `sid` picking `pick`: the winner as the
    database holds it now (never words from the link), or None when it shows no such race."""
    found = lost_race(
        db=db, actor=actor, session_id=sid, kind=done.removeprefix("race_"), picked=pick
    )
    if found is None:
        return None
    here, words = found
    return t[done + ("_here" if here else "")].format(**words)
