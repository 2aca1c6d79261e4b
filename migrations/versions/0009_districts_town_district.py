"""districts: a level between the city and its towns, and each town's district

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 07:40:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('district',
    sa.Column('festival_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['festival_id'], ['festival.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('festival_id', 'id')
    )
    with op.batch_alter_table('town', schema=None) as batch_op:
        batch_op.add_column(sa.Column('district_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('town', schema=None) as batch_op:
        batch_op.drop_column('district_id')

    op.drop_table('district')
