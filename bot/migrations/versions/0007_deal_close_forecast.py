"""deal close and forecast: closing fields and the forecast category on opportunity, weekly forecast snapshots
(totals per rep, and the deals each forecast counted)

Revision ID: 0007_deal_close_forecast
Revises: 0001_core
Create Date: 2026-12-06 07:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007_deal_close_forecast'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite alters a table by copying it
    with op.batch_alter_table('opportunity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('close_reason', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('close_competitor', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('close_note', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True))
        batch_op.add_column(sa.Column('stage_reached', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('forecast_category', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.create_index(batch_op.f('ix_opportunity_closed_on'), ['closed_on'], unique=False)
    op.create_table('forecast_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('won', sa.Float(), nullable=False),
    sa.Column('commit', sa.Float(), nullable=False),
    sa.Column('best_case', sa.Float(), nullable=False),
    sa.Column('weighted', sa.Float(), nullable=False),
    sa.Column('weighted_default', sa.Float(), nullable=False),
    sa.Column('pipeline', sa.Float(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['staff_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('week_start', 'period', 'owner_id')
    )
    with op.batch_alter_table('forecast_snapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forecast_snapshot_week_start'), ['week_start'], unique=False)
        batch_op.create_index(batch_op.f('ix_forecast_snapshot_period_start'), ['period_start'], unique=False)
        batch_op.create_index(batch_op.f('ix_forecast_snapshot_owner_id'), ['owner_id'], unique=False)
    op.create_table('forecast_deal_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('taken_on', sa.Date(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('amount', sa.Float(), nullable=False),
    sa.Column('close_date', sa.Date(), nullable=False),
    sa.Column('forecast_category', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunity.id'], ),
    sa.ForeignKeyConstraint(['owner_id'], ['staff_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('taken_on', 'opportunity_id')
    )
    with op.batch_alter_table('forecast_deal_snapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forecast_deal_snapshot_taken_on'), ['taken_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_forecast_deal_snapshot_opportunity_id'), ['opportunity_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('forecast_deal_snapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forecast_deal_snapshot_opportunity_id'))
        batch_op.drop_index(batch_op.f('ix_forecast_deal_snapshot_taken_on'))
    op.drop_table('forecast_deal_snapshot')
    with op.batch_alter_table('forecast_snapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forecast_snapshot_owner_id'))
        batch_op.drop_index(batch_op.f('ix_forecast_snapshot_period_start'))
        batch_op.drop_index(batch_op.f('ix_forecast_snapshot_week_start'))
    op.drop_table('forecast_snapshot')
    with op.batch_alter_table('opportunity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opportunity_closed_on'))
        batch_op.drop_column('forecast_category')
        batch_op.drop_column('stage_reached')
        batch_op.drop_column('close_note')
        batch_op.drop_column('close_competitor')
        batch_op.drop_column('close_reason')
        batch_op.drop_column('closed_on')
