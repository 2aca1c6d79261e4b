"""Sales after the festival: ingested files, order lines, quarantined rows, viewer figures."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from models._types import JSONType, UTCDateTime, utcnow


class SalesFile(SQLModel, table=True):
    __tablename__ = "sales_file"
    id: int | None = Field(default=None, primary_key=True)
    festival_id: str = Field(
        foreign_key="festival.id", max_length=64, index=True, ondelete="CASCADE"
    )
    enterprise_id: str | None = Field(default=None, max_length=64)
    platform: str = Field(max_length=32)
    filename: str
    sha256: str = Field(max_length=64)
    read: int = 0
    stored: int = 0
    quarantined: int = 0
    duplicates: int = 0
    ingested_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class OrderLine(SQLModel, table=True):
    __tablename__ = "order_line"
    __table_args__ = (
        sa.UniqueConstraint("festival_id", "platform", "order_id", "line_id", name="uq_order_line"),
    )
    id: int | None = Field(default=None, primary_key=True)
    festival_id: str = Field(foreign_key="festival.id", max_length=64, ondelete="CASCADE")
    # The file is written first in the same transaction, so no per-row foreign-key check
    # (at a million lines the trigger costs as much as the insert's own index upkeep).
    file_id: int | None = None
    enterprise_id: str = Field(max_length=64)
    platform: str = Field(max_length=32)
    order_id: str = Field(max_length=64)
    line_id: str = Field(default="", max_length=64)
    paid_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    amount_fen: int  # paid, before refunds
    refund_fen: int = 0
    quantity: int
    status: str = Field(max_length=32)
    after_sale: str | None = Field(default=None, max_length=32)
    stands: bool = True  # False when cancelled or refunded
    streamer_account: str | None = Field(default=None, max_length=128)
    buyer: str | None = Field(default=None, max_length=128)
    note: str | None = None
    session_id: str | None = Field(default=None, max_length=96, index=True)


class QuarantinedRow(SQLModel, table=True):
    __tablename__ = "quarantined_row"
    id: int | None = Field(default=None, primary_key=True)
    festival_id: str = Field(
        foreign_key="festival.id", max_length=64, index=True, ondelete="CASCADE"
    )
    file_id: int | None = Field(default=None, foreign_key="sales_file.id")
    row_number: int
    reason: str
    raw: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class SessionFigures(SQLModel, table=True):
    """Viewer figures and self-reported GMV for a session, as an agency or streamer reports them."""

    __tablename__ = "session_figures"
    session_id: str = Field(primary_key=True, max_length=96)
    festival_id: str = Field(
        foreign_key="festival.id", max_length=64, index=True, ondelete="CASCADE"
    )
    views: int | None = None
    peak_viewers: int | None = None
    new_followers: int | None = None
    claimed_gmv_fen: int | None = None
    reported_by: str | None = None
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
