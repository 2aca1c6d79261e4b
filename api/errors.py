"""Errors as JSON: `{"message": ..., "field": ...}` for every failure, never a traceback or SQL.

The core's errors (citylive/errors.py) map by kind; a database that cannot be reached is 503;
anything else is logged with its details and answered 500 with no internals.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from citylive.decision_rules import DecisionInvalid
from citylive.errors import (
    CityLiveError,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    TooLarge,
    Unauthorized,
    Unavailable,
)
from citylive.festival import FestivalFileError

log = logging.getLogger("citylive.api")

STATUS: list[tuple[type[CityLiveError], int]] = [
    (Unauthorized, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (TooLarge, 413),
    (Invalid, 422),
    (Unavailable, 503),
]


class ApiError(HTTPException):
    def __init__(
        self,
        status_code: int,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ):
        super().__init__(status_code=status_code, detail=message, headers=headers)
        self.field = field
        self.extra = extra or {}


def status_of(exc: CityLiveError) -> int:
    for kind, status in STATUS:
        if isinstance(exc, kind):
            return status
    return 422


def _body(message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"message": message, "field": field} | extra


def _loc(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(p) for p in loc)


def _field_of(error_line: str) -> str | None:
    """`towns[2].id: ...` -> `towns[2].id` (festival file errors name their place first)."""
    head = error_line.split(": ", 1)[0]
    return head if head and " " not in head else None


def error_response(exc: CityLiveError) -> JSONResponse:
    status = status_of(exc)
    if isinstance(exc, FestivalFileError):
        errors = [{"field": _field_of(e), "message": e} for e in exc.errors]
        return JSONResponse(
            _body(
                f"{exc.source}: {len(exc.errors)} error(s); nothing was stored. "
                + " | ".join(exc.errors[:5]),
                errors[0]["field"] if errors else None,
                errors=errors,
            ),
            status_code=status,
        )
    field = exc.field
    if isinstance(exc, DecisionInvalid):  # the decision's fields come in the request body
        field = f"body.{field}"
    # 403/404 carry the message and field only: nothing of what the caller may not see
    extra = exc.details if status in (409, 413, 422) else {}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(_body(exc.message, field, **extra), status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        field = getattr(exc, "field", None)
        extra = getattr(exc, "extra", {})
        message = str(exc.detail)
        if exc.status_code == 400 and message.startswith("There was an error parsing the body"):
            message, field = "the request body is not valid JSON (or form data); fix it", "body"
        return JSONResponse(
            _body(message, field, **extra),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _loc(e.get("loc", ())), "message": str(e.get("msg", "invalid"))[:300]}
            for e in exc.errors()
        ]
        message = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "invalid request"
        return JSONResponse(
            _body(message, errors[0]["field"] if errors else None, errors=errors),
            status_code=422,
        )

    @app.exception_handler(CityLiveError)
    async def citylive_error(request: Request, exc: CityLiveError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(OperationalError)
    async def database_down(request: Request, exc: OperationalError) -> JSONResponse:
        log.error("database error on %s %s: %s", request.method, request.url.path, exc.orig)
        return JSONResponse(
            _body("the database cannot be reached or is busy; try again shortly"),
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(IntegrityError)
    async def integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("conflicting write on %s %s: %s", request.method, request.url.path, exc.orig)
        return JSONResponse(
            _body("this change conflicts with another one made at the same time; try again"),
            status_code=409,
        )

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        log.error("database error on %s %s: %s", request.method, request.url.path, exc.orig)
        return JSONResponse(
            _body("the database refused this request; the organisers' logs have the details"),
            status_code=500,
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Log the details; the client learns nothing about the internals (or other towns).
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            _body("internal error; the organisers' logs have the details"), status_code=500
        )
