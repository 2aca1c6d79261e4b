"""The coordinators' portal and the organisers' overview: sign in by POST (the token goes in
an HttpOnly cookie, never in a URL), decide on sessions, see the confirmations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import COOKIE, DbDep, DecideDep, portal_actor
from api.web.day_words import RACES, day_flash, race_flash
from api.web.render import lang_of, moment, render, texts, url
from citylive.actions import day_cards, pages
from citylive.actions.tokens import sign_in
from citylive.config import get_settings
from citylive.errors import Invalid, NotFound
from citylive.scope import Actor
from models.enums import Role

router = APIRouter(include_in_schema=False)
OUTCOMES = ("applied", "unchanged", "conflict", "refused", "not_found", "invalid", "withdrawn")


class SignInFirst(Exception):
    """A portal page asked for with no valid token in the cookie."""


def signed_in(request: Request, db: DbDep) -> Actor:
    """The portal's guard: who is signed in, or the sign-in form instead of the page."""
    actor = portal_actor(request, db)
    if actor is None:
        raise SignInFirst
    return actor


def sign_in_first(request: Request, exc: Exception) -> Response:
    return render(request, "signin.html", lang_of(request), 401, error=None)


SignedIn = Annotated[Actor, Depends(signed_in)]


def _same_origin(request: Request) -> bool:
    """Forms post only from our own pages (the cookie is SameSite=Lax too)."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.url.netloc


@router.post("/portal/signin")
def signin(
    request: Request,
    db: DbDep,
    token: Annotated[str, Form(max_length=200)],
) -> Response:
    """Sign in with the token from the organisers: kept in an HttpOnly cookie."""
    lang = lang_of(request)
    if not _same_origin(request):
        return render(request, "missing.html", lang, 403, what="")
    actor = sign_in(db=db, token=token.strip())
    if actor is None:
        return render(request, "signin.html", lang, 401, error=texts(lang)["bad_token"])
    response = RedirectResponse(url("/portal", lang), status_code=303)
    response.set_cookie(
        COOKIE,
        token.strip(),
        max_age=get_settings().token_days * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


def _flash(db: DbDep, actor: Actor, lang: str, done: str | None, sid: str | None) -> str | None:
    """The message after a decision, written by the server from the outcome's code and the
    session's own state: a link cannot put words on the page."""
    if done not in OUTCOMES or not sid:
        return None
    t = texts(lang)
    if done in ("not_found", "invalid", "refused"):
        return t[done]
    status = pages.session_status(db=db, actor=actor, session_id=sid)
    if status is None:
        return None
    return t[done].format(sid=sid, status=t[status])


@router.get("/portal", response_class=HTMLResponse)
def portal(
    request: Request,
    db: DbDep,
    actor: SignedIn,
    festival: Annotated[str | None, Query(max_length=64)] = None,
    done: Annotated[str | None, Query(max_length=16)] = None,
    sid: Annotated[str | None, Query(max_length=96)] = None,
    town: Annotated[str | None, Query(max_length=64)] = None,
    at: Annotated[str | None, Query(max_length=40)] = None,
    pick: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """A coordinator's sessions (an organiser's: one town's, with `town`); `at` fixes the
    moment the festival day is shown at (default: now); `pick` the streamer or enterprise
    a lost race was for (an id: the page finds the winner itself)."""
    lang = lang_of(request)
    if actor.role == Role.organiser and not town:
        return RedirectResponse(url("/portal/overview", lang, festival=festival), status_code=303)
    which = Shown(festival, town, at)
    return portal_page(request, db, actor, which, done=done, sid=sid, pick=pick)


@dataclass
class Shown:
    """Which portal page: the festival, the town (an organiser's choice) and the moment."""

    festival: str | None = None
    town: str | None = None
    at: str | None = None


def portal_page(
    request: Request,
    db: DbDep,
    actor: Actor,
    which: Shown,
    *,
    done: str | None = None,
    sid: str | None = None,
    pick: str | None = None,
) -> Response:
    """The portal's page: the cards by day with their decisions and their festival day;
    the message of the outcome `done` on card `sid` (for a lost race, on `pick`), always in
    the server's own words."""
    lang = lang_of(request)
    try:
        shown = pages.portal(db=db, actor=actor, festival_id=which.festival, town=which.town)
        day = day_cards.portal_day(
            db=db,
            actor=actor,
            festival_id=shown.festival.id,
            session_ids=sorted(shown.session_ids),
            at=moment(which.at),
            names=shown.names,
        )
    except (NotFound, Invalid, ValueError):
        return render(request, "missing.html", lang, 404, what=which.festival or "")
    mine = sid in shown.session_ids
    flash = None
    if mine and done in RACES:
        flash = race_flash(db, actor, texts(lang), done or "", sid or "", pick or "")
    elif mine and done and done.startswith("day_"):
        flash = day_flash(texts(lang), done, sid or "", shown, day)
    elif mine:
        flash = _flash(db, actor, lang, done, sid)
    return render(
        request,
        "portal.html",
        lang,
        user=actor,
        festival=shown.festival,
        festivals=shown.festivals,
        town_name=shown.town_name,
        by_day=shown.by_day,
        counts=shown.counts,
        deadline=shown.deadline,
        deadline_passed=shown.deadline_passed,
        district_name=shown.district_name,
        flash=flash,
        flash_sid=sid if mine else None,
        live_day=day,
        shown=which,
    )


@router.post("/portal/sessions/{sid}/{action}")
def portal_decide(
    request: Request,
    actor: SignedIn,
    decide: DecideDep,
    sid: str,
    action: str,
    reason: Annotated[str | None, Form(max_length=2000)] = None,
    festival: Annotated[str | None, Form(max_length=64)] = None,
) -> Response:
    lang = lang_of(request)
    if not _same_origin(request) or action not in ("confirm", "decline", "withdraw"):
        return render(request, "missing.html", lang, 403, what=sid)
    try:
        done = decide(actor=actor, session_id=sid, action=action, reason=reason).outcome
        if action == "withdraw" and done == "applied":
            done = "withdrawn"
    except NotFound:
        done = "not_found"
    except Invalid:
        done = "invalid"
    return RedirectResponse(
        url("/portal", lang, festival=festival, done=done, sid=sid) + f"#{sid}", status_code=303
    )


@router.get("/portal/overview", response_class=HTMLResponse)
def overview(
    request: Request,
    db: DbDep,
    actor: SignedIn,
    festival: Annotated[str | None, Query(max_length=64)] = None,
    district: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    lang = lang_of(request)
    if actor.role != Role.organiser:
        return RedirectResponse(url("/portal", lang), status_code=303)
    try:
        shown = pages.overview(db=db, actor=actor, festival_id=festival, district=district)
    except NotFound:
        return render(request, "missing.html", lang, 404, what=festival or "")
    return render(
        request,
        "overview.html",
        lang,
        user=actor,
        festival=shown.festival,
        festivals=shown.festivals,
        lines=shown.lines,
        totals=shown.totals,
        deadline=shown.deadline,
        districts=shown.districts,
        district=shown.district,
    )


@router.post("/portal/signout")
@router.get("/portal/signout")
def signout(request: Request) -> Response:
    response = RedirectResponse(url("/portal", lang_of(request)), status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
