"""approvals: requests, steps, assignments

Revision ID: 0003_approvals
Revises: 0002_knowledge
Create Date: 2026-11-23 14:56:06.461337
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003_approvals'
down_revision = '0002_knowledge'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('approval_request',
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('source_message_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('requester_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=True),
    sa.Column('discount_pct', sa.Float(), nullable=True),
    sa.Column('list_amount', sa.Float(), nullable=True),
    sa.Column('amount', sa.Float(), nullable=True),
    sa.Column('product', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('seats', sa.Integer(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('auto_approved', sa.Boolean(), nullable=False),
    sa.Column('fast_lane', sa.Boolean(), nullable=False),
    sa.Column('matched_rules', sa.JSON(), nullable=False),
    sa.Column('current_step', sa.Integer(), nullable=False),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_comment', sa.Text(), nullable=True),
    sa.Column('resubmitted_from_id', sa.Integer(), nullable=True),
    sa.Column('external_platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('external_ref', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'], ),
    sa.ForeignKeyConstraint(['decided_by_id'], ['staff_user.id'], ),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunity.id'], ),
    sa.ForeignKeyConstraint(['requester_id'], ['staff_user.id'], ),
    sa.ForeignKeyConstraint(['resubmitted_from_id'], ['approval_request.id'], ),
    sa.ForeignKeyConstraint(['source_message_id'], ['inbound_message.id'], ),
    sa.ForeignKeyConstraint(['updated_by_id'], ['staff_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('external_platform', 'external_ref'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('approval_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_approval_request_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_approval_request_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_approval_request_requester_id'), ['requester_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_approval_request_status'), ['status'], unique=False)

    op.create_table('approval_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('time_limit_hours', sa.Float(), nullable=False),
    sa.Column('escalate_after_hours', sa.Float(), nullable=False),
    sa.Column('activated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('reminded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('escalated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['approval_request.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('request_id', 'seq')
    )
    with op.batch_alter_table('approval_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_approval_step_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_approval_step_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_approval_step_status'), ['status'], unique=False)

    op.create_table('approval_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('approver_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('why', sa.Text(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('delegated_from_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('decided_message_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['approver_id'], ['staff_user.id'], ),
    sa.ForeignKeyConstraint(['delegated_from_id'], ['approval_assignment.id'], ),
    sa.ForeignKeyConstraint(['request_id'], ['approval_request.id'], ),
    sa.ForeignKeyConstraint(['step_id'], ['approval_step.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('approval_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_approval_assignment_approver_id'), ['approver_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_approval_assignment_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_approval_assignment_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_approval_assignment_step_id'), ['step_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('approval_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_approval_assignment_step_id'))
        batch_op.drop_index(batch_op.f('ix_approval_assignment_status'))
        batch_op.drop_index(batch_op.f('ix_approval_assignment_request_id'))
        batch_op.drop_index(batch_op.f('ix_approval_assignment_approver_id'))

    op.drop_table('approval_assignment')
    with op.batch_alter_table('approval_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_approval_step_status'))
        batch_op.drop_index(batch_op.f('ix_approval_step_request_id'))
        batch_op.drop_index(batch_op.f('ix_approval_step_due_at'))

    op.drop_table('approval_step')
    with op.batch_alter_table('approval_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_approval_request_status'))
        batch_op.drop_index(batch_op.f('ix_approval_request_requester_id'))
        batch_op.drop_index(batch_op.f('ix_approval_request_kind'))
        batch_op.drop_index(batch_op.f('ix_approval_request_account_id'))

    op.drop_table('approval_request')
