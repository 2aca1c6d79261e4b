"""Sessions: the schedule with filters and pages, confirm / decline, the decision history."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from api.deps import CurrentActor, DbDep, DecideDep, FilterDep
from api.schemas.errors import ERRORS, ErrorPublic
from api.schemas.sessions import (
    ConfirmBody,
    ConflictPublic,
    DecisionOutcome,
    DecisionsPublic,
    DeclineBody,
    SessionsPublic,
)
from citylive.actions import decisions as decision_actions
from citylive.actions import sessions as session_actions
from citylive.decision_rules import DecisionResult
from citylive.session_queries import session_public
from models import DecisionPublic, SessionPublic

router = APIRouter(tags=["sessions"])
SESSION_LINKS = {
    name: {"operationId": op, "parameters": {"sid": "$response.body#/data/0/id"}}
    for name, op in (
        ("ReadSession", "read_session"),
        ("Confirm", "confirm_session"),
        ("Decline", "decline_session"),
        ("Withdraw", "withdraw_decision"),
        ("ReadDecisions", "read_session_decisions"),
    )
}

DECISION_ERRORS: dict[int | str, dict[str, Any]] = ERRORS | {
    404: {"model": ErrorPublic, "description": "no such session among those you decide on"},
    409: {
        "model": ConflictPublic,
        "description": "the session was decided otherwise, or the deadline has passed; "
        "the body carries its current state",
    },
    422: {"model": ErrorPublic, "description": "the request is invalid (e.g. no reason)"},
}


@router.get(
    "/festivals/{fid}/sessions",
    response_model=SessionsPublic,
    responses=ERRORS | {200: {"links": SESSION_LINKS}},
    operation_id="read_sessions",
    summary="The schedule, filtered and paged",
)
def read_sessions(
    db: DbDep,
    actor: CurrentActor,
    fid: str,
    filters: FilterDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> SessionsPublic:
    """Sessions of the current schedule in programme order.  A coordinator gets only its own
    town's sessions (asking for another town answers 403)."""
    page = session_actions.sessions(
        db=db, actor=actor, festival_id=fid, filters=filters, limit=limit, offset=offset
    )
    return SessionsPublic(data=page.data, count=page.count)


@router.get(
    "/sessions/{sid}",
    response_model=SessionPublic,
    responses=DECISION_ERRORS,
    operation_id="read_session",
)
def read_session(db: DbDep, actor: CurrentActor, sid: str) -> SessionPublic:
    return session_actions.session(db=db, actor=actor, session_id=sid)


def _answer(result: DecisionResult) -> Any:
    row = result.session
    public = session_public(row, ZoneInfo(result.timezone or "Asia/Shanghai"))
    if result.outcome in ("conflict", "refused"):
        body = ConflictPublic(
            message=result.message, field="status", outcome=result.outcome, session=public
        )
        return JSONResponse(body.model_dump(mode="json"), status_code=409)
    return DecisionOutcome(
        **public.model_dump(),
        outcome=result.outcome,
        message=result.message,
        decision_id=result.decision_id,
    )


@router.post(
    "/sessions/{sid}/confirm",
    response_model=DecisionOutcome,
    responses=DECISION_ERRORS,
    summary="Confirm a session (idempotent)",
    operation_id="confirm_session",
)
def confirm_session(
    decide: DecideDep,
    actor: CurrentActor,
    sid: str,
    body: ConfirmBody | None = None,
) -> Any:
    """Confirm that the town will hold this session.  Confirming again answers 200 with
    `outcome: unchanged`; a declined session answers 409 with its current state."""
    note = body.note if body else None
    return _answer(decide(actor=actor, session_id=sid, action="confirm", reason=note))


@router.post(
    "/sessions/{sid}/decline",
    response_model=DecisionOutcome,
    responses=DECISION_ERRORS,
    summary="Decline a session, with a reason (idempotent)",
    operation_id="decline_session",
)
def decline_session(
    decide: DecideDep,
    actor: CurrentActor,
    sid: str,
    body: DeclineBody,
) -> Any:
    """Decline this session; the reason goes to the organisers, who re-plan.  Declining again
    answers 200 with `outcome: unchanged`; a confirmed session answers 409."""
    return _answer(decide(actor=actor, session_id=sid, action="decline", reason=body.reason))


@router.post(
    "/sessions/{sid}/withdraw",
    response_model=DecisionOutcome,
    responses=DECISION_ERRORS,
    summary="Withdraw a confirm or decline before the deadline (audited)",
    operation_id="withdraw_decision",
)
def withdraw_decision(
    decide: DecideDep,
    actor: CurrentActor,
    sid: str,
    body: ConfirmBody | None = None,
) -> Any:
    """Take back the decision on this session: it is proposed again, and the withdrawal is in
    its audit trail.  A session with no decision answers 200 with `outcome: unchanged`; after
    the deadline, or when a re-plan has already answered a decline, 409."""
    note = body.note if body else None
    return _answer(decide(actor=actor, session_id=sid, action="withdraw", reason=note))


@router.get(
    "/sessions/{sid}/decisions",
    response_model=DecisionsPublic,
    responses=DECISION_ERRORS,
    operation_id="read_session_decisions",
)
def read_session_decisions(db: DbDep, actor: CurrentActor, sid: str) -> DecisionsPublic:
    """The audit trail of one session: who decided what, when, why and from where."""
    rows, count = decision_actions.session_decisions(db=db, actor=actor, session_id=sid)
    return DecisionsPublic(data=[DecisionPublic.model_validate(r) for r in rows], count=count)


@router.get("/festivals/{fid}/decisions", response_model=DecisionsPublic, responses=ERRORS)
def read_festival_decisions(
    db: DbDep,
    actor: CurrentActor,
    fid: str,
    town: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> DecisionsPublic:
    """Decisions on the festival's sessions, newest first (a coordinator: its own town's)."""
    rows, count = decision_actions.festival_decisions(
        db=db, actor=actor, festival_id=fid, town=town, limit=limit, offset=offset
    )
    return DecisionsPublic(data=[DecisionPublic.model_validate(r) for r in rows], count=count)
