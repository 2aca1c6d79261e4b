"""What the sales routes take and give (money as decimal strings in yuan)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class SummaryRow(BaseModel):
    """Figures of one group.  Money as decimal strings in yuan; viewer figures where reported."""

    model_config = ConfigDict(extra="allow")
    key: str | None = Field(
        description="the group's id (null: off-session lines; by district: towns in no district)"
    )
    label: str
    gmv: str = Field(
        description="paid, before refunds: yuan as a decimal string for machines; people read "
        "it with separators and 万 (¥20.81万 on Chinese pages, ¥208,106.00 in English)",
        examples=["208106.00"],
    )
    net_gmv: str = Field(
        description="after refunds and cancellations (yuan; ¥19.87万 as people read it)",
        examples=["198713.40"],
    )
    orders: int
    units: int
    buyers: int
    aov: str | None = Field(default=None, description="average order value (yuan)")
    refund_rate: float
    session_gmv: str
    off_session_gmv: str


class SummaryPublic(BaseModel):
    by: str
    window: str | None = None
    data: list[SummaryRow]
    count: int


class FlagPublic(BaseModel):
    kind: str = Field(
        description="refund|buyers|conversion|claim|brushing|loss_leader|clash|dispute"
    )
    session_id: str | None
    enterprise: str
    streamer: str | None
    town: str
    message: str
    evidence: dict[str, Any]


class FlagsPublic(BaseModel):
    data: list[FlagPublic]
    count: int


class LiftRow(BaseModel):
    model_config = ConfigDict(extra="allow")
    key: str | None = Field(description="the group's id (null: the whole festival)")
    label: str
    before_daily: str | None = Field(description="mean daily net GMV in the window before (yuan)")
    festival_daily: str | None = Field(description="... during the festival")
    after_daily: str | None = Field(description="... in the window after")
    before_days: int
    festival_days: int
    after_days: int
    festival_lift: float | None = Field(description="festival / before - 1")
    retained_lift: float | None = Field(description="after / before - 1")
    session_buyers: int = Field(description="buyers whose first order in the data was in a session")
    returning_buyers: int = Field(description="... who ordered again in the window after")
    retention: float | None


class LiftPublic(BaseModel):
    by: str
    data: list[LiftRow]
    count: int


class DiscountRow(BaseModel):
    model_config = ConfigDict(extra="allow")
    session_id: str
    enterprise: str
    streamer: str | None
    town: str | None
    orders: int
    gmv: str
    deep_gmv: str = Field(description="GMV sold at least the set depth below the median before")
    new_gmv: str = Field(description="GMV of products with no sale before the festival")
    deep_share: float
    new_share: float
    products: list[dict[str, Any]]


class DiscountsPublic(BaseModel):
    data: list[DiscountRow]
    count: int


class FileIngestPublic(BaseModel):
    filename: str
    platform: str
    enterprise: str
    encoding: str
    read: int
    stored: int
    quarantined: int
    duplicates: int
    attributed: int
    clashes: int = Field(
        description="lines stored but disputed: another enterprise's file holds them too"
    )


class IngestPublic(BaseModel):
    read: int
    stored: int
    quarantined: int
    duplicates: int
    files: list[FileIngestPublic]


class FiguresIn(BaseModel):
    session_id: str = Field(max_length=96)
    views: int | None = Field(default=None, ge=0, description="场观")
    peak_viewers: int | None = Field(default=None, ge=0, description="人数峰值")
    new_followers: int | None = Field(default=None, ge=0, description="新增粉丝")
    claimed_gmv: str | None = Field(
        default=None, max_length=32, description='self-reported GMV in yuan, e.g. "12345.60"'
    )


class FiguresBody(BaseModel):
    data: list[FiguresIn] = Field(max_length=10_000)
    reported_by: str | None = Field(default=None, max_length=200)


class FiguresStoredPublic(BaseModel):
    sessions: int


class SalesFilePublic(BaseModel):
    id: int
    enterprise_id: str | None
    platform: str
    filename: str
    read: int
    stored: int
    quarantined: int
    duplicates: int
    clashes: int = Field(description="lines another enterprise's file also holds (disputed)")
    collective_store: str | None = None
    ingested_at: datetime


class SalesFilesPublic(BaseModel):
    data: list[SalesFilePublic]
    count: int


class RemovedFilePublic(BaseModel):
    file_id: int
    filename: str
    enterprise: str | None
    lines: int = Field(description="lines that went")
    quarantined: int
    kept: int = Field(0, description="lines of the file another listed file still holds")


class ReattributedPublic(BaseModel):
    changed: int = Field(description="order lines whose session changed")


class DisputeFile(BaseModel):
    id: int | None
    enterprise: str
    filename: str | None
    lines: int


class DisputeLine(BaseModel):
    platform: str
    order_id: str
    line_id: str
    paid_at: datetime | None
    product_title: str | None
    status: str
    amounts: dict[str, str] = Field(description="each enterprise's amount paid, yuan")
    files: dict[str, dict[str, Any]] = Field(description="each enterprise's file (id, filename)")


class DisputePublic(BaseModel):
    enterprises: list[str]
    towns: list[str | None]
    lines: int
    gmv: dict[str, str] = Field(description="each enterprise's GMV of the disputed lines, yuan")
    files: list[DisputeFile]
    evidence: list[DisputeLine] = Field(description="the first lines in dispute")


class SettlementPublic(BaseModel):
    id: int | None = None
    keep: str
    against: str | None
    lines: int = Field(description="the keeper's lines that count again")
    lost: dict[str, int] = Field(description="lines each other enterprise no longer holds")
    settled_by: str | None = None
    reason: str | None = None
    settled_at: datetime


class DisputesPublic(BaseModel):
    data: list[DisputePublic]
    settled: list[SettlementPublic]


class SettleBody(BaseModel):
    keep: str = Field(max_length=64)
    against: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=2000)
