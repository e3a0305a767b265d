"""staff public contact: what a customer may be given to reach a rep (staff_user.public_contact)

A customer used to be told the rep's personal mobile on every hand-off. From this revision a customer gets
only what an admin published for the rep (a WeCom 「联系我」 link, a hotline) or nothing; NULL means nothing.

Revision ID: 0006_staff_public_contact
Revises: 0005_staff_identity
Create Date: 2026-12-14 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006_staff_public_contact'
down_revision = '0005_staff_identity'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite alters a table by copying it
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_contact', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_column('public_contact')
