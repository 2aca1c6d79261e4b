"""sales: order lines keyed by their enterprise, the per-order rollup, the data version and
the figures cache; clash records; viewer figures as 64-bit numbers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 16:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy import Text  # noqa: F401 - used by JSONB(astext_type=Text())
from sqlalchemy.dialects import postgresql
import models._types

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LINE_COLUMNS = (
    'festival_id', 'platform', 'order_id', 'line_id', 'enterprise_id', 'file_id', 'paid_at',
    'amount_fen', 'refund_fen', 'quantity', 'status', 'after_sale', 'stands',
    'streamer_account', 'buyer', 'note', 'session_id',
)
# Viewer figures above these were never real (the checks now refuse them): clear them so the
# summaries that add them up cannot overflow.
MAX_COUNT = 10**12
MAX_CLAIMED_FEN = 10**14


def _order_line(name: str) -> None:
    op.create_table(name,
    sa.Column('festival_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('order_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('line_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('enterprise_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=True),
    sa.Column('paid_at', models._types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('refund_fen', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('after_sale', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('stands', sa.Boolean(), nullable=False),
    sa.Column('streamer_account', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('buyer', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('product', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('product_title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('session_id', sqlmodel.sql.sqltypes.AutoString(length=96), nullable=True),
    sa.PrimaryKeyConstraint('festival_id', 'platform', 'order_id', 'line_id', 'enterprise_id')
    )


def upgrade() -> None:
    # order_line: the enterprise joins the key and the surrogate id goes (nothing reads it);
    # a new table, the lines copied over, then renamed, the same on SQLite and PostgreSQL.
    _order_line('order_line_new')
    cols = ', '.join(LINE_COLUMNS)
    op.execute(f'INSERT INTO order_line_new ({cols}) SELECT {cols} FROM order_line')
    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_line_session_id'))
    op.drop_table('order_line')
    op.rename_table('order_line_new', 'order_line')
    if op.get_context().dialect.name == 'postgresql':
        op.execute('ALTER TABLE order_line RENAME CONSTRAINT order_line_new_pkey TO order_line_pkey')

    op.create_table('order_rollup',
    sa.Column('festival_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('order_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('enterprise_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('session_key', sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
    sa.Column('local_hour', sa.DateTime(), nullable=False),
    sa.Column('paid_at', models._types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('buyer', sqlmodel.sql.sqltypes.AutoString(length=130), nullable=False),
    sa.Column('gmv_fen', sa.BigInteger(), nullable=False),
    sa.Column('net_fen', sa.BigInteger(), nullable=False),
    sa.Column('units', sa.BigInteger(), nullable=False),
    sa.Column('lines', sa.Integer(), nullable=False),
    sa.Column('refunded', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('festival_id', 'platform', 'order_id', 'enterprise_id', 'session_key', 'local_hour')
    )
    op.create_table('sales_cache',
    sa.Column('festival_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('stamp', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', models._types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['festival_id'], ['festival.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('festival_id', 'key')
    )
    # order_line and order_rollup carry no foreign key (a per-row check doubled the ingest's
    # server work): deleting a festival deletes its sales rows by a trigger instead.
    if op.get_context().dialect.name == 'postgresql':
        op.execute(
            'CREATE FUNCTION citylive_festival_sales_gone() RETURNS trigger LANGUAGE plpgsql AS $$ '
            'BEGIN DELETE FROM order_line WHERE festival_id = OLD.id; '
            'DELETE FROM order_rollup WHERE festival_id = OLD.id; RETURN OLD; END $$'
        )
        op.execute(
            'CREATE TRIGGER festival_sales_gone AFTER DELETE ON festival FOR EACH ROW '
            'EXECUTE FUNCTION citylive_festival_sales_gone()'
        )
    else:
        op.execute(
            'CREATE TRIGGER festival_sales_gone AFTER DELETE ON festival FOR EACH ROW BEGIN '
            'DELETE FROM order_line WHERE festival_id = OLD.id; '
            'DELETE FROM order_rollup WHERE festival_id = OLD.id; END'
        )
    # No state row yet: the first figures read finds no basis and builds the rollup of the
    # lines already stored (see citylive/sales/state.py).
    op.create_table('sales_state',
    sa.Column('festival_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('basis', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('updated_at', models._types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['festival_id'], ['festival.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('festival_id')
    )
    with op.batch_alter_table('quarantined_row', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clash_with', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))

    with op.batch_alter_table('sales_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clashes', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('sales_file', schema=None) as batch_op:
        batch_op.alter_column('clashes', server_default=None)

    for name in ('views', 'peak_viewers', 'new_followers'):
        op.execute(f'UPDATE session_figures SET {name} = NULL WHERE {name} > {MAX_COUNT}')
    op.execute(f'UPDATE session_figures SET claimed_gmv_fen = NULL WHERE claimed_gmv_fen > {MAX_CLAIMED_FEN}')
    with op.batch_alter_table('session_figures', schema=None) as batch_op:
        for name in ('views', 'peak_viewers', 'new_followers', 'claimed_gmv_fen'):
            batch_op.alter_column(name, existing_type=sa.INTEGER(), type_=sa.BigInteger(), existing_nullable=True)


def downgrade() -> None:
    op.execute('DROP TRIGGER IF EXISTS festival_sales_gone' + (' ON festival' if op.get_context().dialect.name == 'postgresql' else ''))
    if op.get_context().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION IF EXISTS citylive_festival_sales_gone()')
    with op.batch_alter_table('session_figures', schema=None) as batch_op:
        for name in ('views', 'peak_viewers', 'new_followers', 'claimed_gmv_fen'):
            batch_op.alter_column(name, existing_type=sa.BigInteger(), type_=sa.INTEGER(), existing_nullable=True)
    with op.batch_alter_table('sales_file', schema=None) as batch_op:
        batch_op.drop_column('clashes')
    with op.batch_alter_table('quarantined_row', schema=None) as batch_op:
        batch_op.drop_column('clash_with')
    op.drop_table('sales_state')
    op.drop_table('sales_cache')
    op.drop_table('order_rollup')
    # Lines of two enterprises with the same key cannot go back under the old key: the first
    # one stays.
    op.create_table('order_line_old',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('festival_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=True),
    sa.Column('enterprise_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('order_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('line_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('paid_at', models._types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('refund_fen', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('after_sale', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('stands', sa.Boolean(), nullable=False),
    sa.Column('streamer_account', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('buyer', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('session_id', sqlmodel.sql.sqltypes.AutoString(length=96), nullable=True),
    sa.ForeignKeyConstraint(['festival_id'], ['festival.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('festival_id', 'platform', 'order_id', 'line_id', name='uq_order_line')
    )
    cols = ', '.join(LINE_COLUMNS)
    op.execute(
        f'INSERT INTO order_line_old ({cols}) SELECT {cols} FROM order_line o WHERE o.enterprise_id = '
        '(SELECT min(x.enterprise_id) FROM order_line x WHERE x.festival_id = o.festival_id '
        'AND x.platform = o.platform AND x.order_id = o.order_id AND x.line_id = o.line_id)'
    )
    op.drop_table('order_line')
    op.rename_table('order_line_old', 'order_line')
    if op.get_context().dialect.name == 'postgresql':
        op.execute('ALTER TABLE order_line RENAME CONSTRAINT order_line_old_pkey TO order_line_pkey')
        op.execute('ALTER SEQUENCE order_line_old_id_seq RENAME TO order_line_id_seq')
    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_line_session_id'), ['session_id'], unique=False)
