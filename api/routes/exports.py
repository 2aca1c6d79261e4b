"""Exports: iCalendar feeds (per town, venue, enterprise, streamer) and the Excel workbook."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import FeedUser, SessionDep, check_festival_scope, scope_town
from api.routes.festivals import ERRORS
from citylive.schedule.publish import calendar_ics, schedule_workbook
from citylive.sessions import SessionFilter, festival_brief
from citylive.festival.storage import FestivalNotFound
from models.enums import SessionStatus

router = APIRouter(prefix="/festivals/{fid}", tags=["exports"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filters(
    db: SessionDep,
    user: FeedUser,
    fid: str,
    town: str | None,
    venue: str | None,
    enterprise: str | None,
    streamer: str | None,
    day: date | None = None,
    status: SessionStatus | None = None,
) -> SessionFilter:
    check_festival_scope(user, fid)
    if festival_brief(db, fid) is None:
        raise FestivalNotFound(fid)
    return SessionFilter(
        town=scope_town(user, town),
        venue=venue,
        enterprise=enterprise,
        streamer=streamer,
        day=day,
        status=status,
    )


@router.get(
    "/calendar.ics",
    response_class=Response,
    responses=ERRORS
    | {200: {"content": {"text/calendar": {}}, "description": "an iCalendar feed"}},
    summary="Calendar feed of sessions (per town, venue, enterprise or streamer)",
)
def calendar_feed(
    db: SessionDep,
    user: FeedUser,
    fid: str,
    town: Annotated[str | None, Query(max_length=64)] = None,
    venue: Annotated[str | None, Query(max_length=64)] = None,
    enterprise: Annotated[str | None, Query(max_length=64)] = None,
    streamer: Annotated[str | None, Query(max_length=64)] = None,
    token: Annotated[
        str | None, Query(description="the token, for calendar apps that cannot send headers")
    ] = None,
) -> Response:
    """Subscribe in a calendar app.  A coordinator's feed holds only its own town's sessions."""
    filters = _filters(db, user, fid, town, venue, enterprise, streamer)
    title = " · ".join([fid] + [v for v in (filters.town, venue, enterprise, streamer) if v])
    body = calendar_ics(db=db, festival_id=fid, filters=filters, title=title)
    name = "-".join([fid] + [v for v in (filters.town, venue, enterprise, streamer) if v])
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{name}.ics"'},
    )


@router.get(
    "/schedule.xlsx",
    response_class=Response,
    responses=ERRORS | {200: {"content": {XLSX: {}}, "description": "an Excel workbook"}},
    summary="The schedule as an Excel workbook",
)
def schedule_xlsx(
    db: SessionDep,
    user: FeedUser,
    fid: str,
    town: Annotated[str | None, Query(max_length=64)] = None,
    venue: Annotated[str | None, Query(max_length=64)] = None,
    enterprise: Annotated[str | None, Query(max_length=64)] = None,
    streamer: Annotated[str | None, Query(max_length=64)] = None,
    day: date | None = None,
    status: SessionStatus | None = None,
) -> Response:
    filters = _filters(db, user, fid, town, venue, enterprise, streamer, day, status)
    body = schedule_workbook(db=db, festival_id=fid, filters=filters)
    name = "-".join([fid] + [v for v in (filters.town, venue, enterprise, streamer) if v])
    return Response(
        body,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )
