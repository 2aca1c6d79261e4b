"""The live board (`/live/{fid}`): now and next per venue, late and no-show first, counts per
town, stand-ins taken; for the command centre's big screen and a coordinator's phone.

Server-rendered (Jinja2, no build step).  The page polls its own body (`/live/{fid}/body`)
every few seconds and swaps it in, so it refreshes itself; the buttons (开播 / 结束 / 未到场)
post with the portal's sign-in cookie and work without script too.  A coordinator sees its
own town's sessions."""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api.deps import DbDep, portal_actor
from api.web.portal import _same_origin
from api.web.render import lang_of, render, texts, url
from citylive.actions import live as live_actions
from citylive.errors import CityLiveError, NotFound
from citylive.scope import Actor

router = APIRouter(include_in_schema=False)
_root = resources.files("citylive.templates")
templates = Jinja2Templates(directory=[str(_root / "live"), str(_root / "web")])
ACTIONS = {"live": "live", "ended": "ended", "no-show": "no_show"}

LABELS = {
    "zh-CN": {
        "board": "直播大屏",
        "now": "正在直播",
        "next": "下一场",
        "scheduled": "待开播",
        "live": "直播中",
        "late": "迟到",
        "no_show": "未到场",
        "ended": "已结束",
        "towns": "各镇街",
        "town": "镇街",
        "stand_ins": "替补上场",
        "replaced": "替下",
        "studio": "直播间",
        "go_live": "开播",
        "end": "结束",
        "mark_no_show": "未到场",
        "provisional": "实时（未核实）",
        "views": "观看",
        "gmv": "成交额",
        "updated": "更新于",
        "nothing": "此刻没有场次。",
        "your_town": "本镇街",
        "taken_slot": "企业接场",
        "find_taker": "找替补 →",
    },
    "en": {
        "board": "Live board",
        "now": "On air",
        "next": "Next",
        "scheduled": "Scheduled",
        "live": "Live",
        "late": "Late",
        "no_show": "No-show",
        "ended": "Ended",
        "towns": "Towns",
        "town": "Town",
        "stand_ins": "Stand-ins taken",
        "replaced": "replacing",
        "studio": "Studio",
        "go_live": "Live",
        "end": "End",
        "mark_no_show": "No-show",
        "provisional": "provisional",
        "views": "views",
        "gmv": "GMV",
        "updated": "Updated",
        "nothing": "No sessions at this moment.",
        "your_town": "your town",
        "taken_slot": "Slot given",
        "find_taker": "Find a stand-in →",
    },
}


@router.get("/live/static/{name}")
def board_asset(name: str) -> Response:
    """The board's stylesheet and script (files, so the page's policy needs no inline code)."""
    kinds = {"board.css": "text/css", "board.js": "text/javascript"}
    if name not in kinds:
        raise HTTPException(404)
    text = (_root / "live" / name).read_text("utf-8")
    return Response(text, media_type=kinds[name], headers={"Cache-Control": "public, max-age=300"})


def _at(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value.replace(" ", "+"))
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("Asia/Shanghai"))


def _context(request: Request, actor: Actor, board: Any, lang: str, **extra: Any) -> dict:
    return {
        "request": request,
        "t": texts(lang),
        "L": LABELS[lang],
        "lang": lang,
        "html_lang": "en" if lang == "en" else "zh-CN",
        "url": lambda path, **p: url(path, lang, **p),
        "other_lang_url": url(request.url.path, "zh-CN" if lang == "en" else "en"),
        "board": board,
        "user": actor,
        "can_act": actor.kind != "feed" and not extra.get("standalone"),  # a saved page: no buttons
        "hhmm": lambda d: d.astimezone(board.tz).strftime("%H:%M"),
        "at_param": request.query_params.get("at"),
    } | extra


def _board_or_page(
    request: Request, db: DbDep, fid: str, at: str | None, name: str, **extra: Any
) -> Response:
    lang = lang_of(request)
    actor = portal_actor(request, db)
    if actor is None:
        return render(request, "signin.html", lang, 401, error=None)
    try:
        board = live_actions.board(db=db, actor=actor, festival_id=fid, at=_at(at))
    except (NotFound, ValueError):
        return render(request, "missing.html", lang, 404, what=fid)
    return templates.TemplateResponse(
        request,
        name,
        _context(request, actor, board, lang, **extra),
        headers={"Cache-Control": "no-store"},
    )


@router.get("/live/{fid}", response_class=HTMLResponse)
def live_board(
    request: Request,
    db: DbDep,
    fid: str,
    at: Annotated[str | None, Query(max_length=40)] = None,
    layout: Annotated[str | None, Query(pattern="^(screen|phone)$")] = None,
    refresh: Annotated[int, Query(ge=1, le=300)] = 5,
    standalone: bool = False,
) -> Response:
    """The board; `at` fixes the moment shown (default: now), `layout` forces the big
    screen or the phone, `refresh` is the polling period in seconds; `standalone` gives a
    page to save (styles inside it, no script)."""
    body = url(f"/live/{fid}/body", lang_of(request), at=at)
    return _board_or_page(
        request,
        db,
        fid,
        at,
        "board.html",
        layout=layout,
        refresh=refresh,
        body_url=body,
        standalone=standalone,
    )


@router.get("/live/{fid}/body", response_class=HTMLResponse)
def live_board_body(
    request: Request,
    db: DbDep,
    fid: str,
    at: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    return _board_or_page(request, db, fid, at, "board_body.html")


@router.post("/live/{fid}/sessions/{sid}/{action}")
def live_board_mark(
    request: Request,
    db: DbDep,
    fid: str,
    sid: str,
    action: str,
    who: Annotated[str | None, Form(max_length=16)] = None,
) -> Response:
    """A board button: mark the session live, ended or a no-show, then back to the board
    (a script's request gets the status alone)."""
    lang = lang_of(request)
    actor = portal_actor(request, db)
    if actor is None:
        return render(request, "signin.html", lang, 401, error=None)
    if not _same_origin(request) or action not in ACTIONS:
        return render(request, "missing.html", lang, 403, what=sid)
    status = 204
    try:
        live_actions.mark(
            db=db,
            actor=actor,
            session_id=sid,
            state=ACTIONS[action],
            who=(who or "streamer") if action == "no-show" else None,
        )
    except CityLiveError as exc:
        status = 404 if isinstance(exc, NotFound) else 409
    if request.headers.get("x-board") == "1":
        return Response(status_code=status)
    return RedirectResponse(url(f"/live/{fid}", lang) + f"#{sid}", status_code=303)
