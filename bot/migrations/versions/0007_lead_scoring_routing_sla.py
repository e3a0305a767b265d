"""lead scoring, routing and response SLA: a score with reasons per lead, one row per rep holding a lead

Revision ID: 0007_lead_scoring_routing_sla
Revises: 0003_leads
Create Date: 2026-12-06 07:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007_lead_scoring_routing_sla'
down_revision = '0003_leads'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lead_score',
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('band', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('features', sa.JSON(), nullable=False),
    sa.Column('weights', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('scored_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('outcome_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['lead_id'], ['lead.id'], ),
    sa.PrimaryKeyConstraint('lead_id')
    )
    op.create_index(op.f('ix_lead_score_source'), 'lead_score', ['source'], unique=False)
    op.create_index(op.f('ix_lead_score_outcome'), 'lead_score', ['outcome'], unique=False)
    op.create_table('lead_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('team', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('rule', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('band', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('assigned_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('act_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('accepted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('contacted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('reminded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('escalated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('ended_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('end_reason', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.ForeignKeyConstraint(['lead_id'], ['lead.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id'], ),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_lead_assignment_lead_id'), 'lead_assignment', ['lead_id'], unique=False)
    op.create_index(op.f('ix_lead_assignment_staff_id'), 'lead_assignment', ['staff_id'], unique=False)
    op.create_index(op.f('ix_lead_assignment_assigned_at'), 'lead_assignment', ['assigned_at'], unique=False)
    op.create_index(op.f('ix_lead_assignment_ended_at'), 'lead_assignment', ['ended_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_lead_assignment_ended_at'), table_name='lead_assignment')
    op.drop_index(op.f('ix_lead_assignment_assigned_at'), table_name='lead_assignment')
    op.drop_index(op.f('ix_lead_assignment_staff_id'), table_name='lead_assignment')
    op.drop_index(op.f('ix_lead_assignment_lead_id'), table_name='lead_assignment')
    op.drop_table('lead_assignment')
    op.drop_index(op.f('ix_lead_score_outcome'), table_name='lead_score')
    op.drop_index(op.f('ix_lead_score_source'), table_name='lead_score')
    op.drop_table('lead_score')
