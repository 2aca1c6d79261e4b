"""Sales after the festival: ingested files, order lines and their per-order rollup,
quarantined rows, viewer figures, and the data version that keeps cached figures honest."""

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
    # lines another enterprise's file also holds (disputed: they count for neither until settled)
    clashes: int = 0
    # a collective store's file (split by product owner; `enterprise_id` is then empty)
    collective_store: str | None = Field(default=None, max_length=64)
    ingested_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class OrderLine(SQLModel, table=True):
    """One order line of one enterprise.  The key leads with (festival, platform, order id,
    line id), so finding the same line under another enterprise is one index probe."""

    __tablename__ = "order_line"
    __table_args__ = (
        # the few lines in dispute, found without reading the festival's other lines
        sa.Index(
            "ix_order_line_claim",
            "festival_id",
            "claim",
            postgresql_where=sa.text("claim IS NOT NULL"),
            sqlite_where=sa.text("claim IS NOT NULL"),
        ),
    )
    # No foreign key: a per-row check doubled the server's work at a million lines.  The
    # festival's deletion still takes its lines with it (a trigger, migration 0002), and the
    # ingest holds the festival's sales lock (sales_state, which has the key) while it writes.
    festival_id: str = Field(primary_key=True, max_length=64)
    platform: str = Field(primary_key=True, max_length=32)
    order_id: str = Field(primary_key=True, max_length=64)
    line_id: str = Field(default="", primary_key=True, max_length=64)
    enterprise_id: str = Field(primary_key=True, max_length=64)
    # The file is written first in the same transaction, so no per-row foreign-key check
    # (at a million lines the trigger costs as much as the insert's own index upkeep).
    file_id: int | None = None
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
    product: str | None = Field(default=None, max_length=128)  # product id, else its title
    product_title: str | None = Field(default=None, max_length=200)
    live_room: bool | None = None  # made in a live room; None: the file does not say
    affiliate: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    session_id: str | None = Field(default=None, max_length=96)
    # None: the line counts; 'disputed': another enterprise's file holds it too, so it counts
    # for neither until an organiser settles it; 'lost': settled for another enterprise
    claim: str | None = Field(default=None, max_length=16)


class OrderLineFile(SQLModel, table=True):
    """Another file of the same enterprise that holds an already stored line (an export sent
    again, or one overlapping an earlier one): taking out the line's first file leaves the line
    to this one."""

    __tablename__ = "order_line_file"
    festival_id: str = Field(
        foreign_key="festival.id", primary_key=True, max_length=64, ondelete="CASCADE"
    )
    platform: str = Field(primary_key=True, max_length=32)
    order_id: str = Field(primary_key=True, max_length=64)
    line_id: str = Field(default="", primary_key=True, max_length=64)
    enterprise_id: str = Field(primary_key=True, max_length=64)
    file_id: int = Field(primary_key=True)


class SalesSettlement(SQLModel, table=True):
    """An organiser's settlement of disputed order lines: who kept them, from whom, who
    decided and when (the audit trail of `citylive sales settle`)."""

    __tablename__ = "sales_settlement"
    id: int | None = Field(default=None, primary_key=True)
    festival_id: str = Field(
        foreign_key="festival.id", max_length=64, index=True, ondelete="CASCADE"
    )
    keep: str = Field(max_length=64)
    against: str | None = Field(default=None, max_length=64)
    lines: int  # the keeper's lines that count again
    lost: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    settled_by: str = Field(max_length=200)
    reason: str | None = None
    settled_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class OrderRollup(SQLModel, table=True):
    """Paid order lines summed per order, session and local hour: what every summary reads.

    Filled at ingest from the lines actually stored (never from duplicates), rebuilt after a
    re-attribution.  `session_key` is '' for off-session sales (a key column cannot be NULL).
    """

    __tablename__ = "order_rollup"
    # No foreign key, as order_line: derived from it, rebuilt from it, deleted with it.
    festival_id: str = Field(primary_key=True, max_length=64)
    platform: str = Field(primary_key=True, max_length=32)
    order_id: str = Field(primary_key=True, max_length=64)
    enterprise_id: str = Field(primary_key=True, max_length=64)
    session_key: str = Field(default="", primary_key=True, max_length=96)
    # the wall-clock hour in the festival's zone (naive: it names a local hour)
    local_hour: datetime = Field(primary_key=True, sa_type=sa.DateTime())
    paid_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))  # the first
    buyer: str = Field(max_length=130)  # the buyer account, or '#<order id>' when unnamed
    gmv_fen: int = Field(sa_type=sa.BigInteger)
    net_fen: int = Field(sa_type=sa.BigInteger)
    units: int = Field(sa_type=sa.BigInteger)
    lines: int
    refunded: bool  # a line of this order no longer stands


class SalesState(SQLModel, table=True):
    """The festival's sales data version: every ingest, figures upload, re-attribution or
    file removal makes a new one, and cached figures are only read back at their version.
    `basis` fingerprints what the attribution was computed against (the sessions on air and
    the festival file); when it no longer matches, the lines are attributed afresh."""

    __tablename__ = "sales_state"
    festival_id: str = Field(
        foreign_key="festival.id", primary_key=True, max_length=64, ondelete="CASCADE"
    )
    version: int = 0
    basis: str | None = Field(default=None, max_length=64)
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class SalesCache(SQLModel, table=True):
    """A computed figure (summary, lift, flags...) kept for the data version it was made at."""

    __tablename__ = "sales_cache"
    festival_id: str = Field(
        foreign_key="festival.id", primary_key=True, max_length=64, ondelete="CASCADE"
    )
    key: str = Field(primary_key=True, max_length=64)
    stamp: str = Field(max_length=200)
    payload: Any = Field(sa_column=Column(JSONType, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class QuarantinedRow(SQLModel, table=True):
    __tablename__ = "quarantined_row"
    id: int | None = Field(default=None, primary_key=True)
    festival_id: str = Field(
        foreign_key="festival.id", max_length=64, index=True, ondelete="CASCADE"
    )
    file_id: int | None = Field(default=None, foreign_key="sales_file.id")
    row_number: int
    reason: str
    # the enterprise that already holds this order line (a clash), for the organisers
    clash_with: str | None = Field(default=None, max_length=64)
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
    views: int | None = Field(default=None, sa_type=sa.BigInteger)
    peak_viewers: int | None = Field(default=None, sa_type=sa.BigInteger)
    new_followers: int | None = Field(default=None, sa_type=sa.BigInteger)
    claimed_gmv_fen: int | None = Field(default=None, sa_type=sa.BigInteger)
    reported_by: str | None = None
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
