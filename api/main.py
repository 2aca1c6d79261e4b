"""The CityLive web application: the JSON API under /api/v1 and the web pages."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from api import errors, web
from api.middleware import LimitsAndHeaders
from api.routes import exports, festivals, live, sessions, tokens
from api.routes import notifications as notification_routes
from api.routes import sales as sales_routes
from api.web import portal

API_PREFIX = "/api/v1"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Warm each server process before it takes requests: the database migrated and a pool
    of connections open, the message templates compiled."""
    await run_in_threadpool(warm, app)
    yield


def warm(app: FastAPI) -> None:
    from sqlalchemy.exc import OperationalError

    from citylive.db import get_engine, init_db, warm_pool
    from citylive.notify.messages import compile_templates

    compile_templates()
    try:
        engine = getattr(app.state, "engine", None) or init_db(get_engine())
        app.state.engine = engine
        warm_pool(engine, 8)
    except OperationalError as exc:  # the server starts anyway; requests answer 503 until then
        logging.getLogger("citylive.api").warning("database not reachable at start: %s", exc.orig)


app = FastAPI(
    title="CityLive",
    version="1.0",
    summary="Plan, run and account for a city's 1+N livestream-commerce festival",
    description=(
        "Organisers import festivals, plan schedules and follow confirmations; town "
        "coordinators confirm or decline their town's sessions.  Every route needs "
        "`Authorization: Bearer <token>` (make one with `citylive token create`); calendar "
        "feeds also take a read-only feed token as `?token=`.  Errors answer "
        '`{"message": ..., "field": ...}`.'
    ),
    openapi_url=f"{API_PREFIX}/openapi.json",
    docs_url="/docs",
    redoc_url=None,
    lifespan=lifespan,
)
errors.install(app)
app.add_middleware(LimitsAndHeaders)

app.include_router(festivals.router, prefix=API_PREFIX)
app.include_router(sessions.router, prefix=API_PREFIX)
app.include_router(live.router, prefix=API_PREFIX)
app.include_router(exports.router, prefix=API_PREFIX)
app.include_router(tokens.router, prefix=API_PREFIX)
app.include_router(sales_routes.router, prefix=API_PREFIX)
app.include_router(notification_routes.router, prefix=API_PREFIX)
app.include_router(web.router)
app.add_exception_handler(portal.SignInFirst, portal.sign_in_first)
