"""The audit trail of coordinators' decisions on sessions."""

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from models._types import UTCDateTime, utcnow


class DecisionBase(SQLModel):
    session_id: str = Field(max_length=96, index=True)
    action: str = Field(max_length=16)  # DecisionAction
    reason: str | None = None
    actor: str = Field(max_length=128)  # the token's name, or "system"
    role: str = Field(max_length=16)
    remote_addr: str | None = Field(default=None, max_length=64)
    outcome: str = Field(max_length=16)  # applied | unchanged | conflict | refused


class Decision(DecisionBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    festival_id: str = Field(
        foreign_key="festival.id", max_length=64, index=True, ondelete="CASCADE"
    )
    town: str = Field(max_length=64)
    token_id: int | None = None
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class DecisionPublic(DecisionBase):
    id: int
    at: datetime
