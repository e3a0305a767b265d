"""transcript-to-CRM: suggestion batches and field suggestions

Revision ID: 0003_autofill
Revises: 0001_core
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003_autofill'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('autofill_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('sender_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('conversation_id', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('conversation_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('source_message_id', sa.Integer(), nullable=True),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=True),
    sa.Column('input_kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('input_name', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
    sa.Column('transcript_chars', sa.Integer(), nullable=False),
    sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('account_name', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('opportunity_id', sa.Integer(), nullable=True),
    sa.Column('meeting_date', sa.Date(), nullable=True),
    sa.Column('extraction', sa.JSON(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('reminded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunity.id'], ),
    sa.ForeignKeyConstraint(['source_message_id'], ['inbound_message.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('autofill_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_autofill_batch_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_autofill_batch_conversation_key'), ['conversation_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_autofill_batch_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_autofill_batch_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_autofill_batch_status'), ['status'], unique=False)

    op.create_table('autofill_suggestion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('record_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('field', sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('old_value', sa.JSON(), nullable=True),
    sa.Column('new_value', sa.JSON(), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('origin', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('protected', sa.Boolean(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('edited_value', sa.JSON(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('decision_message_id', sa.Integer(), nullable=True),
    sa.Column('applied_record_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('applied_record_id', sa.Integer(), nullable=True),
    sa.Column('applied_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['autofill_batch.id'], ),
    sa.ForeignKeyConstraint(['decided_by_id'], ['staff_user.id'], ),
    sa.ForeignKeyConstraint(['decision_message_id'], ['inbound_message.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('batch_id', 'seq')
    )
    with op.batch_alter_table('autofill_suggestion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_autofill_suggestion_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_autofill_suggestion_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('autofill_suggestion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_autofill_suggestion_status'))
        batch_op.drop_index(batch_op.f('ix_autofill_suggestion_batch_id'))

    op.drop_table('autofill_suggestion')
    with op.batch_alter_table('autofill_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_autofill_batch_status'))
        batch_op.drop_index(batch_op.f('ix_autofill_batch_staff_id'))
        batch_op.drop_index(batch_op.f('ix_autofill_batch_expires_at'))
        batch_op.drop_index(batch_op.f('ix_autofill_batch_conversation_key'))
        batch_op.drop_index(batch_op.f('ix_autofill_batch_account_id'))

    op.drop_table('autofill_batch')
