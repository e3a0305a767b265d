"""contact.other_phones: a person's further numbers (a desk line beside the mobile), read from transcripts and cards

Revision ID: 0007_contact_other_phones
Revises: 0001_core
Create Date: 2026-12-06 11:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007_contact_other_phones'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('other_phones', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_column('other_phones')
