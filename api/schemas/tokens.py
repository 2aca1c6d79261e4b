"""What the token routes give: a feed token, shown once."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class FeedTokenPublic(BaseModel):
    token: str = Field(description="shown once; read-only, for calendar feeds")
    expires_at: datetime | None
    calendar_url: str = Field(description="a feed URL with the token, for calendar apps")
