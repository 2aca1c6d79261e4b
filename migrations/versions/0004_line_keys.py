"""line keys: a line of an export without a line-id column is keyed by its product

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 20:00:00

Exports without a line-id column (taobao, jd, pdd, 1688, kuaishou) hold one row per order or
one per item line.  Their lines were stored with an empty line id, so an order's second item
line was taken for a duplicate of its first.  A line is now keyed by its product (id, else
title; citylive/sales/rows.py `line_key`): the lines stored before get the key they would get
now, so exporting the same file again still finds them as duplicates.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "UPDATE order_line SET line_id = substr(product, 1, 64) "
        "WHERE line_id = '' AND product IS NOT NULL AND product <> ''"
    )


def downgrade() -> None:
    # Lines of one order that differ only by product would share the empty key again.
    op.execute(
        "UPDATE order_line SET line_id = '' "
        "WHERE platform <> 'douyin' AND line_id = substr(product, 1, 64)"
    )
