"""What the session routes take and give: decisions and their outcomes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.errors import ErrorPublic
from models import DecisionPublic, SessionPublic

SESSION_EXAMPLE: dict[str, Any] = {
    "id": "zs-2020-06-s00123",
    "festival": "zs-2020-06",
    "enterprise": "vatti",
    "streamer": "ren-jing",
    "platform": "douyin",
    "venue": "main",
    "studio": 3,
    "start": "2020-06-06T19:00:00+08:00",
    "end": "2020-06-06T21:00:00+08:00",
    "status": "confirmed",
    "town": "xiaolan",
    "industry": "appliances",
    "version": 1,
}


class DecisionOutcome(SessionPublic):
    """The session after a decision, with what the decision did."""

    outcome: Literal["applied", "unchanged", "conflict", "refused"]
    message: str
    decision_id: int | None = None

    model_config = ConfigDict(  # type: ignore[assignment]
        json_schema_extra={
            "examples": [
                SESSION_EXAMPLE
                | {"outcome": "applied", "message": "session zs-2020-06-s00123 is now confirmed"}
            ]
        }
    )


class ConflictPublic(ErrorPublic):
    """A decision that lost (or came too late): the current state of the session."""

    outcome: Literal["conflict", "refused"]
    session: SessionPublic


class DeclineBody(BaseModel):
    reason: str = Field(
        min_length=1,
        max_length=2000,
        description="why the town cannot hold this session; the organisers re-plan with it",
        examples=["主播当天在外地，无法到场"],
    )


class ConfirmBody(BaseModel):
    note: str | None = Field(default=None, max_length=2000, description="optional remark")


class SessionsPublic(BaseModel):
    data: list[SessionPublic]
    count: int


class DecisionsPublic(BaseModel):
    data: list[DecisionPublic]
    count: int
