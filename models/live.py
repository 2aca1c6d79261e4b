"""The festival day: each session's live state (separate from its decision status) and the
running figures posted while it is on air."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from models._types import UTCDateTime, utcnow


class LiveState(StrEnum):
    scheduled = "scheduled"  # not started yet (late once its slot is under way)
    live = "live"
    ended = "ended"
    no_show = "no_show"


class NoShowWho(StrEnum):
    streamer = "streamer"
    enterprise = "enterprise"


class SessionLive(SQLModel, table=True):
    """A session's live state; a session without a row is `scheduled`.  Who changed what and
    when is in the `decision` audit table (actions live, ended, no_show, stand_in)."""

    __tablename__ = "session_live"
    session_id: str = Field(
        foreign_key="festival_session.id", primary_key=True, max_length=96, ondelete="CASCADE"
    )
    festival_id: str = Field(
        foreign_key="festival.id", max_length=64, index=True, ondelete="CASCADE"
    )
    state: str = Field(default=LiveState.scheduled.value, max_length=16)
    started_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    no_show_who: str | None = Field(default=None, max_length=16)
    no_show_reason: str | None = None
    # the streamer a stand-in replaced, and when: a stand-in restarts the session's clock
    replaced_streamer: str | None = Field(default=None, max_length=64)
    stand_in_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    stand_in_by: str | None = Field(default=None, max_length=128)
    # the enterprise a waiting request replaced (an enterprise's no-show), taken the same way
    replaced_enterprise: str | None = Field(default=None, max_length=64)
    # running figures as the platform's live screen shows them (provisional)
    views: int | None = Field(default=None, sa_type=sa.BigInteger)
    gmv_fen: int | None = Field(default=None, sa_type=sa.BigInteger)
    figures_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    figures_by: str | None = Field(default=None, max_length=128)
    row_version: int = 1
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
