"""Planning jobs: a plan requested through the API, durable across restarts and seen by every
server worker.  At most one job per festival is scheduled or running at a time (a partial
unique index), so concurrent requests find the running one instead of starting another."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from models._types import UTCDateTime, utcnow

ACTIVE_JOB_STATES = ("scheduled", "running")


class PlanJob(SQLModel, table=True):
    __tablename__ = "plan_job"
    __table_args__ = (
        sa.Index(
            "uq_plan_job_active",
            "festival_id",
            unique=True,
            sqlite_where=sa.text("state IN ('scheduled', 'running')"),
            postgresql_where=sa.text("state IN ('scheduled', 'running')"),
        ),
    )
    id: str = Field(primary_key=True, max_length=64)
    festival_id: str = Field(
        foreign_key="festival.id", max_length=64, index=True, ondelete="CASCADE"
    )
    state: str = Field(default="scheduled", max_length=16)  # PlanJobState
    requested_by: str = Field(max_length=128)
    time_limit: float
    runner: str = Field(default="embedded", max_length=16)  # embedded | prefect
    flow_run_id: str | None = Field(default=None, max_length=64)
    version: int | None = None  # the schedule version it released
    message: str | None = None
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    started_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # the runner's heartbeat: a running job whose heartbeat stopped was abandoned
    heartbeat_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
