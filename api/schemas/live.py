"""What the festival-day routes take: live marks, no-shows, stand-ins, replacements, running
figures."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field


class LiveBody(BaseModel):
    at: datetime | None = Field(default=None, description="when it happened (default: now)")


class NoShowBody(BaseModel):
    who: Literal["streamer", "enterprise"]
    reason: str | None = Field(default=None, max_length=2000)


class StandInBody(BaseModel):
    streamer: str = Field(min_length=1, max_length=64)


class ReplacementBody(BaseModel):
    enterprise: str = Field(min_length=1, max_length=64)


class RunningFiguresBody(BaseModel):
    """Figures as the platform's live screen shows them during the session (provisional)."""

    views: int | None = Field(default=None, ge=0, le=10**12)
    gmv: Decimal | None = Field(default=None, ge=0, le=10**13, description="CNY")
