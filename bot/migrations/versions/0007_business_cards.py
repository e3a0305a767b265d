"""business cards: the card a contact was saved from (all its numbers, address, website)

Revision ID: 0007_business_cards
Revises: 0001_core
Create Date: 2026-12-16 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007_business_cards'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('business_card',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('company', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('phones', sa.JSON(), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
    sa.Column('website', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('source_message_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'], ),
    sa.ForeignKeyConstraint(['source_message_id'], ['inbound_message.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('business_card', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_business_card_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_business_card_contact_id'), ['contact_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('business_card', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_business_card_contact_id'))
        batch_op.drop_index(batch_op.f('ix_business_card_account_id'))
    op.drop_table('business_card')
