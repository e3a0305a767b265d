"""sales signals: price objections, competitor mentions … found in visits, transcripts and chats (sales_signal)

Revision ID: 0007_sales_signals
Revises: 0001_core
Create Date: 2026-12-06 07:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007_sales_signals'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sales_signal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedup', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('quote', sa.Text(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('team', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('opportunity_id', sa.Integer(), nullable=True),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunity.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedup')
    )
    op.create_index(op.f('ix_sales_signal_kind'), 'sales_signal', ['kind'], unique=False)
    op.create_index(op.f('ix_sales_signal_staff_id'), 'sales_signal', ['staff_id'], unique=False)
    op.create_index(op.f('ix_sales_signal_team'), 'sales_signal', ['team'], unique=False)
    op.create_index(op.f('ix_sales_signal_week'), 'sales_signal', ['week'], unique=False)


def downgrade() -> None:
    for name in ('week', 'team', 'staff_id', 'kind'):
        op.drop_index(op.f(f'ix_sales_signal_{name}'), table_name='sales_signal')
    op.drop_table('sales_signal')
