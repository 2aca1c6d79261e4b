"""exports ownership: disputed order lines, the files that also hold a line, settlements

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 04:37:23

- `order_line.claim`: a line two enterprises' files hold counts for neither ('disputed') until
  an organiser settles it (the other enterprise's line is then 'lost'); a partial index finds
  the few claimed lines.
- `order_line_file`: the later files of the same enterprise that hold a line already stored
  (an export sent again), so taking out the first file leaves the line to them.
- `sales_settlement`: who settled which dispute, when.
- `sales_file.collective_store`: a collective store's file, split by product owner.
Lines quarantined as clashes before this version stay in the quarantine, with their reason.
Downgrading forgets the disputes and settlements: both copies of a disputed line count again.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy import Text  # noqa: F401 - used by JSONB(astext_type=Text())
from sqlalchemy.dialects import postgresql
import models._types

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('order_line_file',
    sa.Column('festival_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('order_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('line_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('enterprise_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['festival_id'], ['festival.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('festival_id', 'platform', 'order_id', 'line_id', 'enterprise_id', 'file_id')
    )
    op.create_table('sales_settlement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('festival_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('keep', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('against', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('lines', sa.Integer(), nullable=False),
    sa.Column('lost', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('settled_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('settled_at', models._types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['festival_id'], ['festival.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sales_settlement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_settlement_festival_id'), ['festival_id'], unique=False)

    # added in place (no table copy: order_line may hold millions of lines, and SQLite's
    # festival trigger names it)
    op.add_column('order_line', sa.Column('claim', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
    op.create_index('ix_order_line_claim', 'order_line', ['festival_id', 'claim'], unique=False, postgresql_where=sa.text('claim IS NOT NULL'), sqlite_where=sa.text('claim IS NOT NULL'))
    op.add_column('sales_file', sa.Column('collective_store', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))



def downgrade() -> None:
    op.drop_index('ix_order_line_claim', table_name='order_line')
    op.drop_column('sales_file', 'collective_store')  # SQLite 3.35+ drops a column in place
    op.drop_column('order_line', 'claim')

    with op.batch_alter_table('sales_settlement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_settlement_festival_id'))

    op.drop_table('sales_settlement')
    op.drop_table('order_line_file')
