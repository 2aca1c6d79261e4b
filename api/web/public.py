"""Public pages: the list of festivals and each festival's printed programme."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.deps import DbDep
from api.web.render import lang_of, render
from citylive.actions import pages
from citylive.errors import NotFound

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def index(request: Request, db: DbDep) -> HTMLResponse:
    lang = lang_of(request)
    return render(request, "index.html", lang, festivals=pages.public_festivals(db=db))


@router.get("/programme/{fid}", response_class=HTMLResponse)
def programme(
    request: Request,
    db: DbDep,
    fid: str,
    day: Annotated[date | None, Query()] = None,
    town: Annotated[str | None, Query(max_length=64)] = None,
    industry: Annotated[str | None, Query(max_length=64)] = None,
    district: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    """The festival's printed programme: per day, venues down (district -> town -> venue
    where the city has districts), slots across."""
    lang = lang_of(request)
    try:
        shown = pages.programme(
            db=db, festival_id=fid, day=day, town=town, industry=industry, district=district
        )
    except NotFound:
        return render(request, "missing.html", lang, 404, what=fid)
    return render(
        request,
        "programme.html",
        lang,
        festival=shown.festival,
        names=shown.names,
        days=shown.days,
        day=shown.day,
        slots=shown.slots,
        venues=shown.venues,
        rows=shown.rows,
        district=shown.district,
        grid=shown.grid,
        town=shown.town,
        industry=shown.industry,
        count=shown.count,
    )
