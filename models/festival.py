"""A festival and what its file describes: towns, industries, venues, enterprises, streamers.

The whole validated festival file is kept in `Festival.document` (so planning can start from
the stored festival alone); the entity tables hold the same facts in queryable form.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from models._types import JSONType, UTCDateTime, utcnow


class FestivalBase(SQLModel):
    id: str = Field(primary_key=True, max_length=64)
    name: str
    timezone: str = "Asia/Shanghai"


class Festival(FestivalBase, table=True):
    document: dict[str, Any] = Field(sa_column=Column(JSONType, nullable=False))
    # The file's `festival:` section (days, slot grid, settings) and its themes' names: what
    # pages and messages read, so they never load the whole document.
    info: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONType, nullable=False, server_default="{}")
    )
    source_sha256: str = Field(max_length=64)
    confirmation_deadline: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    current_version: int = 0
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class FestivalPublic(FestivalBase):
    days: list[str]
    towns: int
    venues: int
    enterprises: int
    streamers: int
    requested_sessions: int
    current_version: int
    confirmation_deadline: datetime | None = None
    created_at: datetime
    updated_at: datetime


class Town(SQLModel, table=True):
    festival_id: str = Field(
        foreign_key="festival.id", primary_key=True, max_length=64, ondelete="CASCADE"
    )
    id: str = Field(primary_key=True, max_length=64)
    name: str
    neighbours: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    district_id: str | None = Field(default=None, max_length=64)  # the district it belongs to


class District(SQLModel, table=True):
    """A level between the city and its towns (Guangzhou's 11 districts); optional."""

    festival_id: str = Field(
        foreign_key="festival.id", primary_key=True, max_length=64, ondelete="CASCADE"
    )
    id: str = Field(primary_key=True, max_length=64)
    name: str
    position: int = 0  # its place in the festival file: programmes list districts in this order


class Industry(SQLModel, table=True):
    festival_id: str = Field(
        foreign_key="festival.id", primary_key=True, max_length=64, ondelete="CASCADE"
    )
    id: str = Field(primary_key=True, max_length=64)
    name: str


class Venue(SQLModel, table=True):
    festival_id: str = Field(
        foreign_key="festival.id", primary_key=True, max_length=64, ondelete="CASCADE"
    )
    id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=8)
    name: str
    town_id: str = Field(max_length=64)
    studios: int
    closed: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))


class Enterprise(SQLModel, table=True):
    festival_id: str = Field(
        foreign_key="festival.id", primary_key=True, max_length=64, ondelete="CASCADE"
    )
    id: str = Field(primary_key=True, max_length=64)
    name: str
    town_id: str = Field(max_length=64, index=True)
    industry_id: str = Field(max_length=64)
    sessions: int
    skus: int
    expected_gmv: int
    platforms: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    unavailable: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    shops: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))


class Streamer(SQLModel, table=True):
    festival_id: str = Field(
        foreign_key="festival.id", primary_key=True, max_length=64, ondelete="CASCADE"
    )
    id: str = Field(primary_key=True, max_length=64)
    name: str
    agency: str | None = None
    town_id: str = Field(max_length=64)
    employer_id: str | None = Field(default=None, max_length=64)
    max_sessions_per_day: int
    industries: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    platforms: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    unavailable: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    accounts: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSONType, nullable=False)
    )


class SessionRequest(SQLModel, table=True):
    """What an enterprise asked for, and how the latest schedule version answered it."""

    __tablename__ = "session_request"
    festival_id: str = Field(
        foreign_key="festival.id", primary_key=True, max_length=64, ondelete="CASCADE"
    )
    enterprise_id: str = Field(primary_key=True, max_length=64)
    requested: int
    placed: int = 0
    unplaced_reason: str | None = None
