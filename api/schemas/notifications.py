"""What the outbox route gives: a page of messages."""

from __future__ import annotations

from pydantic import BaseModel

from models import NotificationPublic


class NotificationsPublic(BaseModel):
    data: list[NotificationPublic]
    count: int
