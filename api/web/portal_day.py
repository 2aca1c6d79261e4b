"""The festival day on the coordinators' portal: one tap on a session card marks it live,
ended or a no-show (the streamer's or the enterprise's), takes a stand-in for a streamer
who did not show or gives an empty slot to a waiting enterprise.  The same actions as the
API's routes (the same rules, audit trail and messages); a coordinator acts on its own
town's sessions, an organiser on any.  A race lost (someone took that streamer or that
enterprise first) answers 409 with the portal and the winner's name."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import DbDep
from api.web.portal import Shown, SignedIn, _same_origin, portal_page
from api.web.render import lang_of, render, texts, url
from citylive.actions import day_cards
from citylive.actions import live as live_actions
from citylive.errors import Conflict, Invalid, NotFound
from citylive.scope import Actor

router = APIRouter(include_in_schema=False)
MARKS = {"live": "live", "ended": "ended", "no-show": "no_show"}
TAKES = ("stand-in", "replacement")


def _act(
    db: DbDep, actor: Actor, sid: str, action: str, who: str | None, reason: str | None, pick: str
) -> str:
    """Run the action; returns the outcome's code for the message."""
    if action in MARKS:
        no_show = action == "no-show"
        done = live_actions.mark(
            db=db,
            actor=actor,
            session_id=sid,
            state=MARKS[action],
            who=(who or "streamer") if no_show else None,
            reason=reason if no_show else None,
        ).outcome
        return f"day_{done}"
    if action == "stand-in":
        done = live_actions.take_stand_in(db=db, actor=actor, session_id=sid, streamer=pick).outcome
    else:
        done = live_actions.take_replacement(
            db=db, actor=actor, session_id=sid, enterprise=pick
        ).outcome
    return "day_unchanged" if done == "unchanged" else f"day_{action.replace('-', '_')}"


@router.post("/portal/day/{sid}/{action}")
def portal_day_action(
    request: Request,
    db: DbDep,
    actor: SignedIn,
    sid: str,
    action: str,
    who: Annotated[str | None, Form(max_length=16)] = None,
    reason: Annotated[str | None, Form(max_length=2000)] = None,
    streamer: Annotated[str | None, Form(max_length=64)] = None,
    enterprise: Annotated[str | None, Form(max_length=64)] = None,
    festival: Annotated[str | None, Form(max_length=64)] = None,
    town: Annotated[str | None, Form(max_length=64)] = None,
    at: Annotated[str | None, Form(max_length=40)] = None,
) -> Response:
    """A card's button, then back to the card with the outcome's message."""
    lang = lang_of(request)
    if not _same_origin(request) or action not in (*MARKS, *TAKES):
        return render(request, "missing.html", lang, 403, what=sid)
    which = Shown(festival, town, at)
    pick = (streamer if action == "stand-in" else enterprise) or ""
    try:
        done = _act(db, actor, sid, action, who, reason, pick)
    except NotFound:
        done = "not_found"
    except Invalid:
        done = "day_invalid"
    except Conflict as exc:
        winner = exc.details.get("winner") if exc.details else None
        if action not in TAKES or not isinstance(winner, dict):
            done = "day_conflict"
        else:
            kind = "streamer" if action == "stand-in" else "enterprise"
            words = day_cards.race_words(db=db, actor=actor, winner=winner, picked=pick, kind=kind)
            key = f"race_{kind}_here" if winner.get("session") == sid else f"race_{kind}"
            flash = texts(lang)[key].format(**words)
            return portal_page(request, db, actor, which, sid=sid, flash=flash, status_code=409)
    target = url("/portal", lang, festival=festival, town=town, at=at, done=done, sid=sid)
    return RedirectResponse(target + f"#{sid}", status_code=303)
