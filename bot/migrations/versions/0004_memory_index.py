"""memory: index conversation_message on (conversation_key, id) for the latest-messages read

Revision ID: 0004_memory_index
Revises: 0001_core
Create Date: 2026-12-03 23:15:00
"""
from alembic import op


revision = '0004_memory_index'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('conversation_message', schema=None) as batch_op:
        batch_op.create_index('ix_conversation_message_key_id', ['conversation_key', 'id'], unique=False)
        batch_op.drop_index('ix_conversation_message_conversation_key')


def downgrade() -> None:
    with op.batch_alter_table('conversation_message', schema=None) as batch_op:
        batch_op.create_index('ix_conversation_message_conversation_key', ['conversation_key'], unique=False)
        batch_op.drop_index('ix_conversation_message_key_id')
