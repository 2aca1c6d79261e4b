"""The festival day: live states, stand-ins, running figures and the live board as JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import CurrentActor, DbDep
from api.schemas.errors import ERRORS, ErrorPublic
from api.schemas.live import LiveBody, NoShowBody, ReplacementBody, RunningFiguresBody, StandInBody
from citylive.actions import live as live_actions

router = APIRouter(tags=["festival day"])

LIVE_ERRORS: dict[int | str, dict[str, Any]] = ERRORS | {
    404: {"model": ErrorPublic, "description": "no such session among those you act on"},
    409: {"model": ErrorPublic, "description": "the session's state does not allow it now"},
    422: {"model": ErrorPublic, "description": "the request is invalid"},
}


@router.post(
    "/sessions/{sid}/live",
    responses=LIVE_ERRORS,
    operation_id="mark_session_live",
    summary="The session started (idempotent)",
)
def mark_live(
    db: DbDep, actor: CurrentActor, sid: str, body: LiveBody | None = None
) -> dict[str, Any]:
    return live_actions.mark(
        db=db, actor=actor, session_id=sid, state="live", at=body.at if body else None
    ).public()


@router.post(
    "/sessions/{sid}/ended",
    responses=LIVE_ERRORS,
    operation_id="mark_session_ended",
    summary="The session ended (idempotent)",
)
def mark_ended(
    db: DbDep, actor: CurrentActor, sid: str, body: LiveBody | None = None
) -> dict[str, Any]:
    return live_actions.mark(
        db=db, actor=actor, session_id=sid, state="ended", at=body.at if body else None
    ).public()


@router.post(
    "/sessions/{sid}/no-show",
    responses=LIVE_ERRORS,
    operation_id="mark_session_no_show",
    summary="The streamer or the enterprise did not show; the answer offers stand-ins",
)
def mark_no_show(db: DbDep, actor: CurrentActor, sid: str, body: NoShowBody) -> dict[str, Any]:
    return live_actions.mark(
        db=db, actor=actor, session_id=sid, state="no_show", who=body.who, reason=body.reason
    ).public()


@router.get(
    "/sessions/{sid}/stand-ins",
    responses=LIVE_ERRORS,
    operation_id="read_stand_ins",
    summary="Who may stand in, best first, each keeping every hard rule",
)
def read_stand_ins(db: DbDep, actor: CurrentActor, sid: str) -> dict[str, Any]:
    """Streamers who may take the session, best first, with the reasons of their rank; when
    nobody fits, `reasons` says why.  For an enterprise that did not show: the town's
    waiting requests that fit the slot."""
    found, reasons = live_actions.stand_ins(db=db, actor=actor, session_id=sid)
    return {"data": found, "count": len(found), "reasons": reasons}


@router.post(
    "/sessions/{sid}/stand-in",
    responses=LIVE_ERRORS,
    operation_id="take_stand_in",
    summary="Give the session to a stand-in, in a new schedule version",
)
def take_stand_in(db: DbDep, actor: CurrentActor, sid: str, body: StandInBody) -> dict[str, Any]:
    """409 when the streamer was taken meanwhile (the answer names the winner); 422 when
    the streamer would break a hard rule."""
    return live_actions.take_stand_in(
        db=db, actor=actor, session_id=sid, streamer=body.streamer
    ).public()


@router.get(
    "/sessions/{sid}/replacements",
    responses=LIVE_ERRORS,
    operation_id="read_replacements",
    summary="The town's waiting requests that may take an empty slot, best first",
)
def read_replacements(db: DbDep, actor: CurrentActor, sid: str) -> dict[str, Any]:
    """For a session whose enterprise did not show: the town's enterprises that asked for
    more sessions than they got and may take its slot keeping every hard rule, best
    expected GMV first, with reasons; when none fits, `reasons` says why."""
    found, reasons = live_actions.replacements(db=db, actor=actor, session_id=sid)
    return {"data": found, "count": len(found), "reasons": reasons}


@router.post(
    "/sessions/{sid}/replacement",
    responses=LIVE_ERRORS,
    operation_id="take_replacement",
    summary="Give an empty slot to a waiting request, in a new schedule version",
)
def take_replacement(
    db: DbDep, actor: CurrentActor, sid: str, body: ReplacementBody
) -> dict[str, Any]:
    """409 when the enterprise was taken meanwhile (the answer names the winner) or the
    session is not an enterprise's no-show; 422 when it would break a hard rule."""
    return live_actions.take_replacement(
        db=db, actor=actor, session_id=sid, enterprise=body.enterprise
    ).public()


@router.post(
    "/sessions/{sid}/figures",
    responses=LIVE_ERRORS,
    operation_id="post_live_figures",
    summary="Running figures (views, GMV) as the platform shows them: provisional",
)
def post_figures(
    db: DbDep, actor: CurrentActor, sid: str, body: RunningFiguresBody
) -> dict[str, Any]:
    return live_actions.post_figures(
        db=db, actor=actor, session_id=sid, views=body.views, gmv=body.gmv
    ).public()


@router.get(
    "/festivals/{fid}/live",
    responses=ERRORS,
    operation_id="read_live_board",
    summary="Now and next per venue, the counts, the stand-ins taken",
)
def read_live_board(
    db: DbDep,
    actor: CurrentActor,
    fid: str,
    at: Annotated[datetime | None, Query(description="ISO time with offset (default: now)")] = None,
) -> Response:
    """The live board as data; a coordinator sees its own town's sessions only.  Encoded once
    per board and shared by every screen polling it."""
    board = live_actions.board(db=db, actor=actor, festival_id=fid, at=at)
    return Response(board.json_bytes(), media_type="application/json")
