"""scheduler: pushed-notice memory and the APScheduler job store

Revision ID: 0003_scheduler
Revises: 0001_core
Create Date: 2026-11-23 16:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003_scheduler'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('scheduled_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('record_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('local_date', sa.Date(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('scheduled_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scheduled_notice_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_scheduled_notice_local_date'), ['local_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_scheduled_notice_staff_id'), ['staff_id'], unique=False)

    op.create_table('apscheduler_jobs',
    sa.Column('id', sa.Unicode(length=191), nullable=False),
    sa.Column('next_run_time', sa.Float(precision=25), nullable=True),
    sa.Column('job_state', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_apscheduler_jobs_next_run_time'), ['next_run_time'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_apscheduler_jobs_next_run_time'))
    op.drop_table('apscheduler_jobs')
    with op.batch_alter_table('scheduled_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scheduled_notice_staff_id'))
        batch_op.drop_index(batch_op.f('ix_scheduled_notice_local_date'))
        batch_op.drop_index(batch_op.f('ix_scheduled_notice_kind'))
    op.drop_table('scheduled_notice')
