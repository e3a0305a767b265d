"""targets and alerts: sales targets per rep/team and period, snoozed KPI alerts, alert rules versions

Revision ID: 0007_targets_alerts
Revises: 0001_core
Create Date: 2026-12-06 07:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007_targets_alerts'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sales_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('scope_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('amount', sa.Float(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scope', 'scope_key', 'period')
    )
    with op.batch_alter_table('sales_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_target_period'), ['period'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_target_scope_key'), ['scope_key'], unique=False)

    op.create_table('kpi_alert_snooze',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('rule_key', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('rule_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('until', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('staff_id', 'rule_key')
    )
    with op.batch_alter_table('kpi_alert_snooze', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kpi_alert_snooze_staff_id'), ['staff_id'], unique=False)

    op.create_table('kpi_alert_rules_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('version')
    )


def downgrade() -> None:
    op.drop_table('kpi_alert_rules_version')
    with op.batch_alter_table('kpi_alert_snooze', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kpi_alert_snooze_staff_id'))
    op.drop_table('kpi_alert_snooze')
    with op.batch_alter_table('sales_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_target_scope_key'))
        batch_op.drop_index(batch_op.f('ix_sales_target_period'))
    op.drop_table('sales_target')
