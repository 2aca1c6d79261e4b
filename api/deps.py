"""Request dependencies: one database session per request, and who is asking."""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.errors import ApiError
from citylive.auth import verify_token
from citylive.db import get_engine, init_db
from citylive.decisions import DecisionResult, decide
from citylive.scope import Actor
from models.enums import Role

bearer = HTTPBearer(
    auto_error=False,
    description="a token from `citylive token create --role organiser|coordinator`",
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
        session = Session(get_app_engine(request), expire_on_commit=False)
        try:
            yield session
        finally:
            session.close()  # on the event loop: never waits for a worker thread


SessionDep = Annotated[Session, Depends(get_db)]


def _principal(db: Session, token: str | None) -> Actor:
    if not token:
        raise ApiError(
            401,
            "sign in: send `Authorization: Bearer <token>` (make one with `citylive token create`)",
            field="Authorization",
            headers={"WWW-Authenticate": "Bearer"},
        )
    principal = verify_token(db=db, token=token)
    if principal is None:
        raise ApiError(
            401,
            "this token is unknown or revoked; ask the organisers for a new one",
            field="Authorization",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    if db.dirty:
        db.commit()  # last_used_at, when it was due (once in a few minutes per token)
    return principal


def get_current_user(
    db: SessionDep,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    return _principal(db, creds.credentials if creds else None)


CurrentUser = Annotated[Actor, Depends(get_current_user)]


def get_feed_user(
    request: Request,
    db: SessionDep,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    """Calendar apps cannot send headers, so feeds also take `?token=`."""
    token = creds.credentials if creds else request.query_params.get("token")
    return _principal(db, token)


FeedUser = Annotated[Actor, Depends(get_feed_user)]


def require_organiser(user: CurrentUser) -> Actor:
    if user.role != Role.organiser:
        raise ApiError(403, "only organisers may do this", field="Authorization")
    return user


OrganiserUser = Annotated[Actor, Depends(require_organiser)]


def portal_user(request: Request, db: Session) -> Actor | None:
    """The web portal's sign-in: the same token, kept in an HttpOnly cookie."""
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    principal = verify_token(db=db, token=token)
    if principal is not None and db.dirty:
        db.commit()
    return principal


def scope_town(user: Actor, town: str | None) -> str | None:
    """The town filter a request may use: a coordinator's own town, whatever it asked."""
    if user.role == Role.organiser:
        return town
    if town is not None and town != user.town:
        raise ApiError(403, f"a coordinator sees only the sessions of town {user.town!r}", "town")
    return user.town


def check_festival_scope(user: Actor, festival_id: str) -> None:
    """A token made for one festival does not open the others (they answer 404)."""
    if user.festival_id is not None and user.festival_id != festival_id:
        raise ApiError(404, f"no festival {festival_id!r}", field="fid")


def decide_as(
    *,
    db: Session,
    user: Actor,
    request: Request,
    session_id: str,
    action: str,
    reason: str | None,
) -> DecisionResult:
    """A coordinator's or organiser's decision, from the API or the portal, committed."""
    result = decide(
        db=db,
        session_id=session_id,
        action=action,
        actor=user.name,
        role=user.role,
        town=user.town,
        reason=reason,
        remote_addr=request.client.host if request.client else None,
        token_id=user.token_id,
        festival_id=user.festival_id,
    )
    db.commit()
    return result
