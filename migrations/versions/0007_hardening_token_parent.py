"""hardening: a token remembers the token that made it

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 05:00:00

A feed token made through the API belongs to its maker: it expires no later than the maker
and stops working when the maker is revoked (citylive/tokens.py checks the chain on every
use).  Feed tokens made before have no recorded maker and keep their own expiry.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_api_token_parent_id'), ['parent_id'], unique=False)
        batch_op.create_foreign_key(
            'fk_api_token_parent_id_api_token', 'api_token', ['parent_id'], ['id']
        )


def downgrade() -> None:
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_constraint('fk_api_token_parent_id_api_token', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_api_token_parent_id'))
        batch_op.drop_column('parent_id')
