"""knowledge base: documents and chunks

Revision ID: 0002_knowledge
Revises: 0001_core
Create Date: 2026-11-23 14:17:09.030633
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002_knowledge'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kb_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('file_type', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('audience', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('chunk_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('kb_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_document_audience'), ['audience'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_document_source'), ['source'], unique=True)
        batch_op.create_index(batch_op.f('ix_kb_document_updated_at'), ['updated_at'], unique=False)

    op.create_table('kb_chunk',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('heading_path', sa.JSON(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('audience', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['kb_document.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('kb_chunk', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_chunk_audience'), ['audience'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_chunk_document_id'), ['document_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('kb_chunk', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_chunk_document_id'))
        batch_op.drop_index(batch_op.f('ix_kb_chunk_audience'))

    op.drop_table('kb_chunk')
    with op.batch_alter_table('kb_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_document_updated_at'))
        batch_op.drop_index(batch_op.f('ix_kb_document_source'))
        batch_op.drop_index(batch_op.f('ix_kb_document_audience'))

    op.drop_table('kb_document')
