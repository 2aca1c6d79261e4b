"""The festival day on the coordinators' portal: one tap on a session card marks it live,
ended or a no-show (the streamer's or the enterprise's), takes a stand-in for a streamer
who did not show or gives an empty slot to a waiting enterprise.  The same actions as the
API's routes (the same rules, audit trail and messages); a coordinator acts on its own
town's sessions, an organiser on any.  Every outcome comes back to the card by a redirect
(post/redirect/get), a race lost (someone took that streamer or that enterprise first) too:
the page names the winner as the database now holds it, in the server's own words."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import DbDep
from api.web.portal import SignedIn, _same_origin
from api.web.render import lang_of, render, url
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
    pick = (streamer if action == "stand-in" else enterprise) or ""
    try:
        done = _act(db, actor, sid, action, who, reason, pick)
    except NotFound:
        done = "not_found"
    except Invalid:
        done = "day_invalid"
    except Conflict as exc:
        winner = exc.details.get("winner") if exc.details else None
        if action in TAKES and isinstance(winner, dict):
            done = "race_streamer" if action == "stand-in" else "race_enterprise"
        else:
            done = "day_conflict"
    lost = done.startswith("race_")
    target = url(
        "/portal",
        lang,
        festival=festival,
        town=town,
        at=at,
        done=done,
        sid=sid,
        pick=pick if lost else None,
    )
    return RedirectResponse(target + f"#{sid}", status_code=303)
