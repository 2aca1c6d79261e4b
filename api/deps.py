"""Request dependencies: one database session per request, who is asking (an Actor), and
deciding on a session (the one path of the API and the portal, which tells Prefect too)."""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Query, Request
from fastapi.security import APIKeyQuery, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.errors import ApiError
from api.prefect_events import emit_decision
from citylive.actions.decisions import decide, withdraw
from citylive.actions.tokens import sign_in
from citylive.db import get_engine, init_db, open_db
from citylive.decision_rules import DecisionResult
from citylive.scope import Actor
from citylive.session_queries import SessionFilter
from models.enums import SessionStatus, TokenKind

bearer = HTTPBearer(
    auto_error=False,
    description="a token from `citylive token create --role organiser|coordinator`",
)
feed_key = APIKeyQuery(
    name="token",
    auto_error=False,
    description="a calendar feed token (read-only; make one with POST /api/v1/tokens/feed)",
)
COOKIE = "citylive_token"

_engine_lock = threading.Lock()


def get_app_engine(request: Request) -> Engine:
    engine = getattr(request.app.state, "engine", None)
    if engine is None:
        # The first requests arrive together; migrate (Alembic) once, in one thread.
        with _engine_lock:
            engine = getattr(request.app.state, "engine", None)
            if engine is None:
                engine = init_db(get_engine())
                request.app.state.engine = engine
    return engine


EngineDep = Annotated[Engine, Depends(get_app_engine)]

# At most this many requests of one process hold a database session at a time; the others
# wait on the event loop, holding neither a connection nor a worker thread.  Kept below both
# the connection pool (20 + 20 overflow) and the worker threads (40), so a request that holds
# a connection never waits for a thread that is itself waiting for a connection.
DB_SLOTS = 32
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def _slots_for_loop() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    slots = _slots.get(loop)
    if slots is None:
        slots = _slots[loop] = asyncio.Semaphore(DB_SLOTS)
    return slots


async def get_db(request: Request) -> AsyncIterator[Session]:
    async with _slots_for_loop():
        db = open_db(get_app_engine(request))
        try:
            yield db
        finally:
            db.close()  # on the event loop: never waits for a worker thread


DbDep = Annotated[Session, Depends(get_db)]


def _unauthorized(message: str, error: str | None = None) -> ApiError:
    challenge = f'Bearer error="{error}"' if error else "Bearer"
    return ApiError(401, message, field="Authorization", headers={"WWW-Authenticate": challenge})


def _actor(request: Request, db: Session, token: str | None, kinds: tuple[TokenKind, ...]) -> Actor:
    if not token:
        raise _unauthorized(
            "sign in: send `Authorization: Bearer <token>` (make one with `citylive token create`)"
        )
    actor = sign_in(db=db, token=token, kinds=kinds)
    if actor is None:
        raise _unauthorized(
            "this token is unknown, expired or revoked; ask the organisers for a new one",
            "invalid_token",
        )
    return actor.at(request.client.host if request.client else None)


def get_current_actor(
    request: Request,
    db: DbDep,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    return _actor(request, db, creds.credentials if creds else None, (TokenKind.api,))


CurrentActor = Annotated[Actor, Depends(get_current_actor)]


def get_feed_actor(
    request: Request,
    db: DbDep,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    token: Annotated[str | None, Depends(feed_key)],
) -> Actor:
    """Calendar apps cannot send headers: feeds take a read-only feed token as `?token=`.
    A full token is accepted only in the header, so it never lands in a URL or a log."""
    if creds:
        return _actor(request, db, creds.credentials, (TokenKind.api, TokenKind.feed))
    if not token and request.cookies.get(COOKIE):
        return _actor(request, db, request.cookies[COOKIE], (TokenKind.api,))
    return _actor(request, db, token, (TokenKind.feed,))


FeedActor = Annotated[Actor, Depends(get_feed_actor)]


def get_reader_actor(
    request: Request,
    db: DbDep,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    """Downloads a browser opens from the portal (the report): the bearer token, or the
    portal's signed-in cookie (an API token; a GET only reads, within the token's scope)."""
    if creds:
        return _actor(request, db, creds.credentials, (TokenKind.api,))
    return _actor(request, db, request.cookies.get(COOKIE), (TokenKind.api,))


ReaderActor = Annotated[Actor, Depends(get_reader_actor)]


def portal_actor(request: Request, db: Session) -> Actor | None:
    """The portal's sign-in: an API token kept in an HttpOnly, SameSite cookie."""
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    actor = sign_in(db=db, token=token)
    return actor.at(request.client.host if request.client else None) if actor else None


class Decider:
    """Confirm, decline or withdraw a decision (`citylive.actions.decisions`, which commits);
    once the answer is sent, an applied decision is told to Prefect as an event.  The API and
    the portal both decide through it."""

    def __init__(self, db: DbDep, background: BackgroundTasks) -> None:
        self.db = db
        self.background = background

    def __call__(
        self, *, actor: Actor, session_id: str, action: str, reason: str | None = None
    ) -> DecisionResult:
        if action == "withdraw":
            result = withdraw(db=self.db, actor=actor, session_id=session_id, reason=reason)
        else:
            result = decide(
                db=self.db, actor=actor, session_id=session_id, action=action, reason=reason
            )
        self.background.add_task(emit_decision, result)
        return result


DecideDep = Annotated[Decider, Depends()]


def session_filter(
    town: Annotated[str | None, Query(max_length=64)] = None,
    venue: Annotated[str | None, Query(max_length=64)] = None,
    day: Annotated[date | None, Query(description="a festival day, YYYY-MM-DD")] = None,
    industry: Annotated[str | None, Query(max_length=64)] = None,
    enterprise: Annotated[str | None, Query(max_length=64)] = None,
    streamer: Annotated[str | None, Query(max_length=64)] = None,
    status: SessionStatus | None = None,
    district: Annotated[
        str | None, Query(max_length=64, description="the sessions of this district's towns")
    ] = None,
) -> SessionFilter:
    """The session filters every schedule route takes (the list, the calendar, the workbook)."""
    return SessionFilter(
        town=town,
        venue=venue,
        day=day,
        industry=industry,
        enterprise=enterprise,
        streamer=streamer,
        status=status,
        district=district,
    )


FilterDep = Annotated[SessionFilter, Depends(session_filter)]
