"""The one shape every error of the API answers with."""

from __future__ import annotations

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
