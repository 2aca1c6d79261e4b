"""Exports: iCalendar feeds (per town, venue, enterprise, streamer) and the Excel workbook.

Calendar apps cannot send headers, so the feed also takes a read-only feed token as
`?token=` (POST /api/v1/tokens/feed makes one); a full token only in the header.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api.deps import DbDep, FeedActor, FilterDep
from api.middleware import content_disposition
from api.schemas.errors import ERRORS
from citylive.actions import sessions as actions

router = APIRouter(prefix="/festivals/{fid}", tags=["exports"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/calendar.ics",
    response_class=Response,
    responses=ERRORS
    | {200: {"content": {"text/calendar": {}}, "description": "an iCalendar feed"}},
    summary="Calendar feed of sessions (per town, venue, enterprise or streamer)",
)
def calendar_feed(
    db: DbDep,
    actor: FeedActor,
    fid: str,
    filters: FilterDep,
) -> Response:
    """Subscribe in a calendar app.  A coordinator's feed holds only its own town's sessions."""
    out = actions.calendar(db=db, actor=actor, festival_id=fid, filters=filters)
    return Response(
        out.body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": content_disposition("inline", out.name)},
    )


@router.get(
    "/schedule.xlsx",
    response_class=Response,
    responses=ERRORS | {200: {"content": {XLSX: {}}, "description": "an Excel workbook"}},
    summary="The schedule as an Excel workbook",
)
def schedule_xlsx(
    db: DbDep,
    actor: FeedActor,
    fid: str,
    filters: FilterDep,
) -> Response:
    out = actions.workbook(db=db, actor=actor, festival_id=fid, filters=filters)
    return Response(
        out.body,
        media_type=XLSX,
        headers={"Content-Disposition": content_disposition("attachment", out.name)},
    )
