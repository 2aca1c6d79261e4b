"""exports layouts: where an order line was made (live room) and whether an affiliate sold it

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 05:00:00

Exports say whether an order was made in a live room (pdd 是否直播间成交, kuaishou 订单载体,
douyin 流量体裁) and whether an affiliate sold it (douyin 流量来源 精选联盟, kuaishou 渠道 分销,
a CPS达人ID).  Attribution reads both: a line made outside a live room, or an affiliate's, is
not the session's.  Lines stored before keep NULL (the file did not say) and false.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ADD COLUMN (SQLite too): a batch copy of the table would trip its triggers
    op.add_column('order_line', sa.Column('live_room', sa.Boolean(), nullable=True))
    op.add_column(
        'order_line',
        sa.Column('affiliate', sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column('order_line', 'affiliate')
    op.drop_column('order_line', 'live_room')
