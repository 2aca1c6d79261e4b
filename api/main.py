"""The CityLive web application: the JSON API under /api/v1 and the web pages."""

from __future__ import annotations

from fastapi import FastAPI

from api import errors, web
from api.middleware import LimitsAndHeaders
from api.routes import exports, festivals, sessions, tokens
from api.routes import notifications as notification_routes
from api.routes import sales as sales_routes

API_PREFIX = "/api/v1"

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
)
errors.install(app)
app.add_middleware(LimitsAndHeaders)

app.include_router(festivals.router, prefix=API_PREFIX)
app.include_router(sessions.router, prefix=API_PREFIX)
app.include_router(exports.router, prefix=API_PREFIX)
app.include_router(tokens.router, prefix=API_PREFIX)
app.include_router(sales_routes.router, prefix=API_PREFIX)
app.include_router(notification_routes.router, prefix=API_PREFIX)
app.include_router(web.router)
