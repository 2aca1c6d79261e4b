"""Rendering the web pages: templates from the installed package, texts from the i18n
catalogue (zh-CN first; `?lang=en` for English), and the site's one stylesheet."""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from citylive.i18n import words
from citylive.live.reasons import localized

templates = Jinja2Templates(directory=str(resources.files("citylive.templates") / "web"))
assets = APIRouter(include_in_schema=False)


@assets.get("/static/site.css")
def stylesheet() -> Response:
    css = (resources.files("citylive.templates") / "web" / "site.css").read_text("utf-8")
    return Response(css, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})


def lang_of(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "zh-CN"


def texts(lang: str) -> dict[str, str]:
    out: dict[str, str] = words(lang, "web")
    return out


def moment(value: str | None) -> datetime | None:
    """A moment given in a page's query (`at=`): ISO, China's time when it has no offset
    (a `+` sent unescaped arrives as a space)."""
    if not value:
        return None
    found = datetime.fromisoformat(value.replace(" ", "+"))
    return found if found.tzinfo else found.replace(tzinfo=ZoneInfo("Asia/Shanghai"))


def url(path: str, lang: str, **params: Any) -> str:
    query = {k: v for k, v in params.items() if v not in (None, "")}
    if lang == "en":
        query["lang"] = "en"
    return path + ("?" + urlencode(query) if query else "")


def render(
    request: Request, name: str, lang: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    here = request.url.path
    other = "zh-CN" if lang == "en" else "en"
    params = {
        k: v
        for k, v in request.query_params.items()
        if k in ("festival", "day", "town", "industry", "district", "at")
    }
    return templates.TemplateResponse(
        request,
        name,
        {
            "t": texts(lang),
            "platforms": words(lang, "platforms"),
            "lang": lang,
            "html_lang": "en" if lang == "en" else "zh-CN",
            "url": lambda path, **p: url(path, lang, **p),
            "reason": lambda r: localized(r, lang),
            "other_lang_url": url(here, other, **params),
        }
        | context,
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )
