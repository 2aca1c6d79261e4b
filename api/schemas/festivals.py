"""What the festival routes take and give: imports, capacity, confirmations, the deadline."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from models import FestivalPublic


class CapacityLinePublic(BaseModel):
    key: str
    requested: int
    supply: int
    what: str
    short: int


class CapacityPublic(BaseModel):
    festival: str
    towns: int
    venues: int
    studios: int
    days: int
    slots_per_day: int
    studio_slots: int
    requested: int
    by_town: list[CapacityLinePublic]
    by_industry: list[CapacityLinePublic]
    shortages: list[str]


class TownConfirmationPublic(BaseModel):
    town: str
    name: str
    proposed: int = Field(description="waiting for the coordinator")
    confirmed: int
    declined: int
    cancelled: int
    total: int = Field(description="proposed + confirmed + declined")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "town": "guzhen",
                    "name": "古镇镇",
                    "proposed": 3,
                    "confirmed": 10,
                    "declined": 1,
                    "cancelled": 0,
                    "total": 14,
                }
            ]
        }
    )


class ConfirmationsPublic(BaseModel):
    festival: str
    confirmation_deadline: datetime | None
    data: list[TownConfirmationPublic]
    count: int


class FestivalImportPublic(BaseModel):
    festival: FestivalPublic
    created: bool
    changed: bool


class FestivalUpdate(BaseModel):
    """What an organiser may change on a stored festival without re-importing its file."""

    confirmation_deadline: datetime | None = Field(
        description="with its UTC offset; null clears it; a time in the past closes the round"
    )


class FestivalsPublic(BaseModel):
    data: list[FestivalPublic]
    count: int
