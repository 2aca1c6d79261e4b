"""The one shape every error of the API answers with, and the errors every route may answer."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class FieldError(BaseModel):
    field: str | None = Field(description="where the problem is, e.g. `body.reason`")
    message: str


class ErrorPublic(BaseModel):
    """Every error answers with this shape."""

    message: str = Field(description="what went wrong and what to do about it")
    field: str | None = Field(default=None, description="the field at fault, when there is one")
    errors: list[FieldError] | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"message": "a decline needs a reason", "field": "body.reason"}]
        }
    )


# The answers every route of the API documents (OpenAPI `responses`); routes add their own.
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorPublic, "description": "the body could not be read (not JSON)"},
    401: {"model": ErrorPublic, "description": "no token, or an unknown, expired or revoked one"},
    403: {"model": ErrorPublic, "description": "not allowed for this role or town"},
    404: {"model": ErrorPublic, "description": "no such festival (or not yours)"},
    413: {"model": ErrorPublic, "description": "the request body is too large"},
}
