"""org profile: our company's names, products and competitors as edited in the console (公司与竞品)

The settings SALESBOT_ORG_NAME / SALESBOT_COMPETITORS seed the profile; a saved row overrides them, so an
admin can add an ASR variant of our name or a competitor's alias without a redeploy.

Revision ID: 0007_org_profile
Revises: 0001_core
Create Date: 2026-12-06 07:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007_org_profile'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('org_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('org_profile')
