"""What the planning routes take and give: planning jobs and their answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.errors import ErrorPublic
from citylive.schedule.readout import Readout


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
