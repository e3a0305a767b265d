"""turn trace: what happened inside each turn (route, model calls, tool calls), for the console's 对话记录

Revision ID: 0007_turn_trace
Revises: 0001_core
Create Date: 2026-12-20 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007_turn_trace'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('turn_trace',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inbound_id', sa.Integer(), nullable=False),
    sa.Column('session_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('route', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('steps', sa.Text(), nullable=False),
    sa.Column('llm_ms', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('turn_trace', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_turn_trace_inbound_id'), ['inbound_id'], unique=True)
        batch_op.create_index(batch_op.f('ix_turn_trace_created_at'), ['created_at'], unique=False)
    # the console lists turns by channel and date and finds a person's turns by sender
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_message_received_at', ['received_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_message_received_at')
    with op.batch_alter_table('turn_trace', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_turn_trace_created_at'))
        batch_op.drop_index(batch_op.f('ix_turn_trace_inbound_id'))
    op.drop_table('turn_trace')
