"""API tokens for organisers and town coordinators; only hashes are stored."""

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from models._types import UTCDateTime, utcnow


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=128)
    role: str = Field(max_length=16)  # Role
    town: str | None = Field(default=None, max_length=64)
    festival_id: str | None = Field(default=None, max_length=64)
    token_hash: str = Field(max_length=128, unique=True)
    prefix: str = Field(max_length=16)  # first characters, to tell tokens apart in lists
    kind: str = Field(default="api", max_length=8, sa_column_kwargs={"server_default": "api"})
    # The token that made this one (a feed token's maker): it dies with its maker.
    parent_id: int | None = Field(default=None, foreign_key="api_token.id", index=True)
    expires_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
