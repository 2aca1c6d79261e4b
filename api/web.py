"""Server-rendered pages: the coordinator's portal, the organisers' overview, and the public
festival programme.  zh-CN first; `?lang=en` for English."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

import models
from api.deps import COOKIE, SessionDep, decide_as, portal_user
from api.events import emit_session_event
from citylive.auth import verify_token
from citylive.decisions import DecisionInvalid, SessionNotFound
from citylive.schedule.publish import names_of
from citylive.scope import Actor
from citylive.sessions import (
    SessionFilter,
    confirmations_by_town,
    list_sessions,
)
from models._types import utcnow
from models.enums import Role, SessionStatus

ROOT = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(directory=str(ROOT / "templates" / "web"))
router = APIRouter(include_in_schema=False)
COOKIE_MAX_AGE = 30 * 24 * 3600

TEXT: dict[str, dict[str, str]] = {
    "zh-CN": {
        "app": "城市直播节",
        "programme": "节目单",
        "portal": "镇街协调员",
        "overview": "确认总览",
        "signin": "登录",
        "signin_help": "请输入通知邮件中的访问令牌。",
        "token": "访问令牌",
        "signout": "退出",
        "deadline": "确认截止",
        "deadline_passed": "确认已截止，如需变更请联系主办方。",
        "no_deadline": "未设截止时间",
        "confirm": "确认",
        "decline": "拒绝",
        "reason": "拒绝原因",
        "reason_placeholder": "例如：主播当天无法到场",
        "proposed": "待确认",
        "confirmed": "已确认",
        "declined": "已拒绝",
        "cancelled": "已取消",
        "time": "时间",
        "venue": "会场",
        "studio": "直播间",
        "enterprise": "企业",
        "streamer": "主播",
        "platform": "平台",
        "status": "状态",
        "town": "镇街",
        "industry": "行业",
        "all": "全部",
        "filter": "筛选",
        "total": "合计",
        "waiting": "待确认",
        "no_sessions": "暂无场次。",
        "festivals": "直播节",
        "applied": "已保存：场次 {sid} 现为{status}。",
        "unchanged": "场次 {sid} 已是{status}，无需重复操作。",
        "conflict": "未能保存：场次 {sid} 已被{status}。",
        "refused": "未能保存：确认已截止。",
        "invalid": "未能保存：{message}",
        "not_found": "没有找到该场次。",
        "bad_token": "令牌无效或已被撤销。",
        "lang_other": "English",
        "sessions_of": "{town} 的场次",
        "exports": "导出",
        "count": "共 {n} 场",
    },
    "en": {
        "app": "CityLive",
        "programme": "Programme",
        "portal": "Town coordinator",
        "overview": "Confirmations",
        "signin": "Sign in",
        "signin_help": "Enter the access token from your notification message.",
        "token": "Access token",
        "signout": "Sign out",
        "deadline": "Confirm by",
        "deadline_passed": "The confirmation deadline has passed; ask the organisers for changes.",
        "no_deadline": "no deadline set",
        "confirm": "Confirm",
        "decline": "Decline",
        "reason": "Reason for declining",
        "reason_placeholder": "e.g. the streamer cannot come that day",
        "proposed": "waiting",
        "confirmed": "confirmed",
        "declined": "declined",
        "cancelled": "cancelled",
        "time": "Time",
        "venue": "Venue",
        "studio": "Studio",
        "enterprise": "Enterprise",
        "streamer": "Streamer",
        "platform": "Platform",
        "status": "Status",
        "town": "Town",
        "industry": "Industry",
        "all": "all",
        "filter": "Filter",
        "total": "Total",
        "waiting": "Waiting",
        "no_sessions": "No sessions yet.",
        "festivals": "Festivals",
        "applied": "Saved: session {sid} is now {status}.",
        "unchanged": "Session {sid} was already {status}.",
        "conflict": "Not saved: session {sid} was already {status}.",
        "refused": "Not saved: the confirmation deadline has passed.",
        "invalid": "Not saved: {message}",
        "not_found": "No such session.",
        "bad_token": "This token is unknown or revoked.",
        "lang_other": "中文",
        "sessions_of": "Sessions of {town}",
        "exports": "Export",
        "count": "{n} sessions",
    },
}


def _lang(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "zh-CN"


def _url(path: str, lang: str, **params: Any) -> str:
    query = {k: v for k, v in params.items() if v not in (None, "")}
    if lang == "en":
        query["lang"] = "en"
    return path + ("?" + urlencode(query) if query else "")


def _render(
    request: Request, name: str, lang: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    t = TEXT[lang]
    here = request.url.path
    other = "zh-CN" if lang == "en" else "en"
    params = {k: v for k, v in request.query_params.items() if k not in ("lang", "token", "msg")}
    return templates.TemplateResponse(
        request,
        name,
        {
            "t": t,
            "lang": lang,
            "html_lang": "en" if lang == "en" else "zh-CN",
            "url": lambda path, **p: _url(path, lang, **p),
            "other_lang_url": _url(here, other, **params),
        }
        | context,
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


def _fmt_time(value: datetime, tz: Any) -> str:
    return value.astimezone(tz).strftime("%H:%M")


def _festival_for(db: Session, user: Actor | None, requested: str | None) -> models.Festival | None:
    if user is not None and user.festival_id is not None:
        return db.get(models.Festival, user.festival_id)
    if requested:
        return db.get(models.Festival, requested)
    return db.exec(select(models.Festival).order_by(col(models.Festival.updated_at).desc())).first()


# --------------------------------------------------------------------------- public pages
@router.get("/", response_class=HTMLResponse)
def index(request: Request, db: SessionDep) -> HTMLResponse:
    lang = _lang(request)
    festivals = db.exec(select(models.Festival).order_by(col(models.Festival.id))).all()
    return _render(request, "index.html", lang, festivals=festivals)


@router.get("/programme/{fid}", response_class=HTMLResponse)
def programme(
    request: Request,
    db: SessionDep,
    fid: str,
    day: Annotated[date | None, Query()] = None,
    town: Annotated[str | None, Query(max_length=64)] = None,
    industry: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    """The festival's printed programme: per day, venues down, slots across."""
    lang = _lang(request)
    festival = db.get(models.Festival, fid)
    if festival is None:
        return _render(request, "missing.html", lang, 404, what=fid)
    names = names_of(db=db, festival_id=fid)
    days = [date.fromisoformat(str(d)) for d in festival.document["festival"]["days"]]
    slots = festival.document["festival"]["slots"]
    day = day if day in days else days[0]
    town = town if town in names.towns else None
    industry = industry if industry in names.industries else None
    rows, _ = list_sessions(
        db=db,
        festival_id=fid,
        filters=SessionFilter(
            day=day,
            town=town,
            industry=industry,
            statuses=(SessionStatus.proposed, SessionStatus.confirmed),
        ),
    )
    venues = db.exec(
        select(models.Venue)
        .where(models.Venue.festival_id == fid)
        .order_by(col(models.Venue.kind), col(models.Venue.id))
    ).all()
    slot_of = {s["start"]: i for i, s in enumerate(slots)}
    grid: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for s in rows:
        i = slot_of.get(_fmt_time(s.start, names.tz), s.slot)
        grid[(s.venue, i)].append(
            {
                "id": s.id,
                "studio": s.studio,
                "enterprise": names.enterprises.get(s.enterprise, s.enterprise),
                "streamer": names.streamers.get(s.streamer, s.streamer),
                "platform": s.platform,
                "status": s.status,
            }
        )
    for cell in grid.values():
        cell.sort(key=lambda x: x["studio"])
    return _render(
        request,
        "programme.html",
        lang,
        festival=festival,
        names=names,
        days=days,
        day=day,
        slots=slots,
        venues=venues,
        grid=grid,
        town=town,
        industry=industry,
        count=len(rows),
    )


# --------------------------------------------------------------------------- portal
@router.get("/portal", response_class=HTMLResponse)
def portal(
    request: Request,
    db: SessionDep,
    token: Annotated[str | None, Query(max_length=200)] = None,
    festival: Annotated[str | None, Query(max_length=64)] = None,
    msg: Annotated[str | None, Query(max_length=300)] = None,
) -> Response:
    lang = _lang(request)
    if token is not None:
        # Sign in with the link from the notification: keep the token in an HttpOnly cookie
        # and take it out of the address bar (and the browser's history).
        principal = verify_token(db=db, token=token)
        if principal is None:
            return _render(request, "signin.html", lang, 401, error=TEXT[lang]["bad_token"])
        db.commit()
        response = RedirectResponse(_url("/portal", lang, festival=festival), status_code=303)
        response.set_cookie(
            COOKIE,
            token,
            max_age=COOKIE_MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/",
        )
        return response
    user = portal_user(request, db)
    if user is None:
        return _render(request, "signin.html", lang, 401, error=None)
    if user.role == Role.organiser:
        return RedirectResponse(_url("/portal/overview", lang, festival=festival), status_code=303)
    fest = _festival_for(db, user, festival)
    if fest is None:
        return _render(request, "missing.html", lang, 404, what=festival or "")
    names = names_of(db=db, festival_id=fest.id)
    rows, _ = list_sessions(db=db, festival_id=fest.id, filters=SessionFilter(town=user.town))
    by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for s in rows:
        start = s.start.astimezone(names.tz)
        by_day[start.date()].append(
            {
                "id": s.id,
                "time": f"{start:%H:%M}–{_fmt_time(s.end, names.tz)}",
                "venue": names.venues.get(s.venue, s.venue),
                "studio": s.studio,
                "enterprise": names.enterprises.get(s.enterprise, s.enterprise),
                "streamer": names.streamers.get(s.streamer, s.streamer),
                "platform": s.platform,
                "status": s.status,
            }
        )
    counts = confirmations_by_town(db=db, festival_id=fest.id, town=user.town)
    deadline = fest.confirmation_deadline
    festivals = (
        db.exec(
            select(models.Festival)
            .options(defer(models.Festival.document))  # type: ignore[arg-type]
            .order_by(col(models.Festival.id))
        ).all()
        if user.festival_id is None
        else [fest]
    )
    return _render(
        request,
        "portal.html",
        lang,
        user=user,
        festival=fest,
        festivals=festivals,
        town_name=names.towns.get(user.town or "", user.town),
        by_day=sorted(by_day.items()),
        counts=counts[0] if counts else None,
        deadline=deadline.astimezone(names.tz).strftime("%Y-%m-%d %H:%M") if deadline else None,
        deadline_passed=deadline is not None and utcnow() > deadline,
        flash=msg,
    )


def _same_origin(request: Request) -> bool:
    """Forms post only from our own pages (the cookie is SameSite=Lax too)."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.url.netloc


@router.post("/portal/sessions/{sid}/{action}")
def portal_decide(
    request: Request,
    db: SessionDep,
    sid: str,
    action: str,
    reason: Annotated[str | None, Form(max_length=2000)] = None,
    festival: Annotated[str | None, Form(max_length=64)] = None,
) -> Response:
    lang = _lang(request)
    t = TEXT[lang]
    user = portal_user(request, db)
    if user is None:
        return _render(request, "signin.html", lang, 401, error=None)
    if not _same_origin(request) or action not in ("confirm", "decline"):
        return _render(request, "missing.html", lang, 403, what=sid)
    try:
        result = decide_as(
            db=db, user=user, request=request, session_id=sid, action=action, reason=reason
        )
        row = result.session
        message = t[result.outcome].format(sid=sid, status=t[row.status])
        if result.outcome == "applied":
            emit_session_event(
                f"citylive.session.{row.status}",
                session_id=row.id,
                festival_id=row.festival_id,
                town=row.town,
            )
    except SessionNotFound:
        message = t["not_found"]
    except DecisionInvalid as exc:
        message = t["invalid"].format(message=str(exc))
    return RedirectResponse(
        _url("/portal", lang, festival=festival, msg=message) + f"#{sid}", status_code=303
    )


@router.get("/portal/overview", response_class=HTMLResponse)
def overview(
    request: Request,
    db: SessionDep,
    festival: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    lang = _lang(request)
    user = portal_user(request, db)
    if user is None:
        return _render(request, "signin.html", lang, 401, error=None)
    if user.role != Role.organiser:
        return RedirectResponse(_url("/portal", lang), status_code=303)
    fest = _festival_for(db, user, festival)
    if fest is None:
        return _render(request, "missing.html", lang, 404, what=festival or "")
    lines = confirmations_by_town(db=db, festival_id=fest.id)
    totals = {k: sum(getattr(x, k) for x in lines) for k in ("proposed", "confirmed", "declined")}
    festivals = db.exec(select(models.Festival).order_by(col(models.Festival.id))).all()
    deadline = fest.confirmation_deadline
    return _render(
        request,
        "overview.html",
        lang,
        user=user,
        festival=fest,
        festivals=festivals,
        lines=lines,
        totals=totals,
        deadline=deadline.isoformat() if deadline else None,
    )


@router.get("/portal/signout")
def signout(request: Request) -> Response:
    response = RedirectResponse(_url("/portal", _lang(request)), status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
