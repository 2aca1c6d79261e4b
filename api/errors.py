"""Errors as JSON: `{"message": ..., "field": ...}` for every failure."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from citylive.auth import TokenError
from citylive.decisions import DecisionInvalid, SessionNotFound
from citylive.festival import FestivalFileError
from citylive.festival.storage import FestivalNotFound, ImportRefused

log = logging.getLogger("citylive.api")


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


def _body(message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"message": message, "field": field} | extra


def _loc(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(p) for p in loc)


def _field_of(error_line: str) -> str | None:
    """`towns[2].id: ...` -> `towns[2].id` (festival file errors name their place first)."""
    head = error_line.split(": ", 1)[0]
    return head if head and " " not in head else None


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
            {"field": _loc(e.get("loc", ())), "message": str(e.get("msg", "invalid"))}
            for e in exc.errors()
        ]
        message = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "invalid request"
        return JSONResponse(
            _body(message, errors[0]["field"] if errors else None, errors=errors),
            status_code=422,
        )

    @app.exception_handler(FestivalFileError)
    async def festival_file_error(request: Request, exc: FestivalFileError) -> JSONResponse:
        errors = [{"field": _field_of(e), "message": e} for e in exc.errors]
        return JSONResponse(
            _body(
                f"{exc.source}: {len(exc.errors)} error(s); nothing was stored. "
                + " | ".join(exc.errors[:5]),
                errors[0]["field"] if errors else None,
                errors=errors,
            ),
            status_code=422,
        )

    @app.exception_handler(FestivalNotFound)
    async def festival_not_found(request: Request, exc: FestivalNotFound) -> JSONResponse:
        return JSONResponse(_body(f"no festival {exc.festival_id!r}", "fid"), status_code=404)

    @app.exception_handler(SessionNotFound)
    async def session_not_found(request: Request, exc: SessionNotFound) -> JSONResponse:
        return JSONResponse(_body(str(exc), "sid"), status_code=404)

    @app.exception_handler(DecisionInvalid)
    async def decision_invalid(request: Request, exc: DecisionInvalid) -> JSONResponse:
        return JSONResponse(_body(str(exc), f"body.{exc.field}"), status_code=422)

    @app.exception_handler(ImportRefused)
    async def import_refused(request: Request, exc: ImportRefused) -> JSONResponse:
        return JSONResponse(_body(str(exc), "body"), status_code=409)

    @app.exception_handler(TokenError)
    async def token_error(request: Request, exc: TokenError) -> JSONResponse:
        return JSONResponse(_body(str(exc), None), status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Log the details; the client learns nothing about the internals (or other towns).
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            _body("internal error; the organisers' logs have the details"), status_code=500
        )
