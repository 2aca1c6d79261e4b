"""Schedule versions and the sessions of the festival's current schedule."""

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from models._types import JSONType, UTCDateTime, utcnow
from models.enums import SessionStatus


class ScheduleVersion(SQLModel, table=True):
    """A released schedule: the `citylive/schedule@1` document exactly as written."""

    __tablename__ = "schedule_version"
    __table_args__ = (sa.UniqueConstraint("festival_id", "version", name="uq_schedule_version"),)
    id: int | None = Field(default=None, primary_key=True)
    festival_id: str = Field(
        foreign_key="festival.id", max_length=64, index=True, ondelete="CASCADE"
    )
    version: int
    document: dict[str, Any] = Field(sa_column=Column(JSONType, nullable=False))
    stats: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    # what this version changed against the one before: session ids per kind
    changes: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONType, nullable=False)
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class SessionBase(SQLModel):
    id: str = Field(primary_key=True, max_length=96)
    enterprise: str = Field(max_length=64)
    streamer: str = Field(max_length=64)
    platform: str = Field(max_length=32)
    venue: str = Field(max_length=64)
    studio: int
    start: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    end: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    status: SessionStatus = Field(default=SessionStatus.proposed, sa_type=sa.String(16))


class FestivalSession(SessionBase, table=True):
    """One session: an enterprise selling with a streamer on a platform in a studio-slot."""

    __tablename__ = "festival_session"
    __table_args__ = (
        sa.Index("ix_session_festival_town", "festival_id", "town"),
        sa.Index("ix_session_festival_venue_start", "festival_id", "venue", "start"),
    )
    festival_id: str = Field(foreign_key="festival.id", max_length=64, ondelete="CASCADE")
    town: str = Field(max_length=64)  # the enterprise's town, whose coordinator decides
    industry: str = Field(max_length=64)
    theme: str | None = Field(default=None, max_length=64)  # the themed showcase block it is in
    day: date
    slot: int
    version: int  # the schedule version that last placed or changed it
    row_version: int = 1  # bumped on every change; decisions compare-and-set on it
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class SessionPublic(SQLModel):
    id: str
    festival: str
    enterprise: str
    streamer: str
    platform: str
    venue: str
    studio: int
    start: datetime
    end: datetime
    status: SessionStatus
    town: str
    industry: str
    version: int
    theme: str | None = None
