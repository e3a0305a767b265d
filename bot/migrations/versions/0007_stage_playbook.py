"""stage playbook: answers to a deal's key questions (deal_answer) and stage moves (stage_move)

Revision ID: 0007_stage_playbook
Revises: 0001_core
Create Date: 2026-12-06 07:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007_stage_playbook'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('deal_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('question', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=False),
    sa.Column('source_message_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['staff_user.id'], ),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunity.id'], ),
    sa.ForeignKeyConstraint(['source_message_id'], ['inbound_message.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('opportunity_id', 'key')
    )
    op.create_index(op.f('ix_deal_answer_opportunity_id'), 'deal_answer', ['opportunity_id'], unique=False)
    op.create_table('stage_move',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('from_stage', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('to_stage', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('forward', sa.Boolean(), nullable=False),
    sa.Column('moved_at', sa.DateTime(), nullable=False),
    sa.Column('moved_by_id', sa.Integer(), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('missing', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['moved_by_id'], ['staff_user.id'], ),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunity.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_stage_move_opportunity_id'), 'stage_move', ['opportunity_id'], unique=False)
    op.create_index(op.f('ix_stage_move_moved_at'), 'stage_move', ['moved_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_stage_move_moved_at'), table_name='stage_move')
    op.drop_index(op.f('ix_stage_move_opportunity_id'), table_name='stage_move')
    op.drop_table('stage_move')
    op.drop_index(op.f('ix_deal_answer_opportunity_id'), table_name='deal_answer')
    op.drop_table('deal_answer')
