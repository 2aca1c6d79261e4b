"""The notifications outbox: one row per message per recipient target."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from models._types import JSONType, UTCDateTime, utcnow
from models.enums import NotificationStatus


class NotificationBase(SQLModel):
    festival_id: str | None = Field(default=None, max_length=64, index=True)
    event: str = Field(max_length=32)  # assignment | change | reminder | receipt | digest | summary
    recipient: str = Field(max_length=128)  # an Apprise tag: organiser, coordinator:<town>, ...
    subject: str
    status: NotificationStatus = Field(
        default=NotificationStatus.pending, sa_type=sa.String(16), index=True
    )
    attempts: int = 0
    last_error: str | None = None


class Notification(NotificationBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=255, unique=True)  # idempotency key: event + recipient + version
    target: str | None = Field(default=None, max_length=255)  # which configured channel, by name
    body_text: str = ""
    body_markdown: str = ""
    body_html: str = ""
    attachments: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    context: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONType, nullable=False)
    )
    next_attempt_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True)
    )
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class NotificationPublic(NotificationBase):
    id: int
    key: str
    created_at: datetime
    sent_at: datetime | None
