"""Data shapes of the API that are not tables: errors, decisions, capacity, confirmations,
planning runs.  Table models are never returned from a route."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from citylive.schedule.readout import Readout
from models import FestivalPublic, SessionPublic


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


class CapacityLinePublic(BaseModel):
    key: str
    requested: int
    supply: int
    what: str
    short: int


class CapacityPublic(BaseModel):
    festival: str
    towns: int
    venues: int
    studios: int
    days: int
    slots_per_day: int
    studio_slots: int
    requested: int
    by_town: list[CapacityLinePublic]
    by_industry: list[CapacityLinePublic]
    shortages: list[str]


class TownConfirmationPublic(BaseModel):
    town: str
    name: str
    proposed: int = Field(description="waiting for the coordinator")
    confirmed: int
    declined: int
    cancelled: int
    total: int = Field(description="proposed + confirmed + declined")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "town": "guzhen",
                    "name": "古镇镇",
                    "proposed": 3,
                    "confirmed": 10,
                    "declined": 1,
                    "cancelled": 0,
                    "total": 14,
                }
            ]
        }
    )


class ConfirmationsPublic(BaseModel):
    festival: str
    confirmation_deadline: datetime | None
    data: list[TownConfirmationPublic]
    count: int


class FestivalImportPublic(BaseModel):
    festival: FestivalPublic
    created: bool
    changed: bool


class PlanRequest(BaseModel):
    time_limit: float = Field(default=30.0, gt=0, le=3600, description="solver seconds")


class PlanRunPublic(BaseModel):
    """A planning job: durable (a restarted server still reports it), one per festival at a
    time."""

    id: str
    festival: str
    status: Literal["scheduled", "running", "completed", "failed"]
    runner: str = Field(default="embedded", description="embedded (this server) or prefect")
    flow_run_id: str | None = Field(default=None, description="the Prefect flow run, if any")
    requested_by: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    version: int | None = Field(default=None, description="the schedule version it stored")
    message: str | None = None
    readout: Readout | None = Field(
        default=None,
        description="once completed: each town's requested and placed sessions (share, at the "
        "main venue), every unplaced request with the resource that ran out and what would "
        "place it, and the solver's terms (status, objective, bound) explained",
    )

    @classmethod
    def of(cls, job: Any) -> PlanRunPublic:
        return cls(
            id=job.id,
            festival=job.festival_id,
            status=job.state,
            runner=job.runner,
            flow_run_id=job.flow_run_id,
            requested_by=job.requested_by,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            version=job.version,
            message=job.message,
        )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "6c0e2f0a-plan",
                    "festival": "zs-2020-06",
                    "status": "completed",
                    "version": 2,
                    "message": "stored schedule version 2",
                }
            ]
        }
    )


class PlanConflictPublic(ErrorPublic):
    """Planning was asked for while a job of the festival is under way: that job's id."""

    job: str


class FestivalUpdate(BaseModel):
    """What an organiser may change on a stored festival without re-importing its file."""

    confirmation_deadline: datetime | None = Field(
        description="with its UTC offset; null clears it; a time in the past closes the round"
    )


class FeedTokenPublic(BaseModel):
    token: str = Field(description="shown once; read-only, for calendar feeds")
    expires_at: datetime | None
    calendar_url: str = Field(description="a feed URL with the token, for calendar apps")
