"""staff identity: staff_user.wecom_userid / dingtalk_staff_id become platform_identity rows

A staff member's platform ids now live only in platform_identity, keyed by identity namespace: "wecom" (a
WeCom userid, shared by the self-built app and the AI bot) and "dingtalk" (a DingTalk staffId). The AI bot's
rows ("wecom_aibot", written beside the "wecom" ones until now) move into "wecom". An id that is already
mapped in its namespace keeps its row: identity read that table before the columns, so it already won.

Revision ID: 0005_staff_identity
Revises: 0001_core
Create Date: 2026-12-10 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005_staff_identity'
down_revision = '0001_core'
branch_labels = None
depends_on = None

# the namespace each former column's ids belong to
COLUMNS = {'wecom_userid': 'wecom', 'dingtalk_staff_id': 'dingtalk'}
# the AI bot's platform name, whose rows share the "wecom" namespace from this revision on
AIBOT = 'wecom_aibot'
# the columns' length; platform_identity.external_id allows 128
ID_LENGTH = 64

ident = sa.table('platform_identity', sa.column('id', sa.Integer), sa.column('platform', sa.String),
                 sa.column('external_id', sa.String), sa.column('staff_user_id', sa.Integer),
                 sa.column('contact_id', sa.Integer), sa.column('display_name', sa.String),
                 sa.column('created_at'))
staff = sa.table('staff_user', sa.column('id', sa.Integer), sa.column('name', sa.String),
                 sa.column('created_at'), *(sa.column(c, sa.String) for c in COLUMNS))


def _mapped(namespace: str, external_id) -> sa.Exists:
    """Whether the id already has a row in the namespace (another alias of the table, for correlation)."""
    other = ident.alias('other')
    return sa.exists().where(other.c.platform == namespace, other.c.external_id == external_id)


def upgrade() -> None:
    # the AI bot's rows first, so a column's value (inserted below, newer) wins when a person has both
    op.execute(ident.update()
               .where(ident.c.platform == AIBOT, ~_mapped('wecom', ident.c.external_id))
               .values(platform='wecom'))
    op.execute(ident.delete().where(ident.c.platform == AIBOT))
    for column, namespace in COLUMNS.items():
        value = staff.c[column]
        op.execute(ident.insert().from_select(
            ['platform', 'external_id', 'staff_user_id', 'display_name', 'created_at'],
            sa.select(sa.literal_column(f"'{namespace}'"), value, staff.c.id, staff.c.name, staff.c.created_at)
            .where(value.is_not(None), value != '', ~_mapped(namespace, value))))
    # batch mode: SQLite drops a column by copying the table; PostgreSQL drops the unique constraints with it
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.drop_column(column)


def downgrade() -> None:
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.add_column(sa.Column(column, sqlmodel.sql.sqltypes.AutoString(length=ID_LENGTH), nullable=True))
            # PostgreSQL's name for the unnamed constraint 0001_core created
            batch_op.create_unique_constraint(f'staff_user_{column}_key', [column])
    for column, namespace in COLUMNS.items():
        # a person's newest id in the namespace; one id maps to one person, so the values stay unique
        newest = (sa.select(ident.c.external_id)
                  .where(ident.c.staff_user_id == staff.c.id, ident.c.platform == namespace,
                         sa.func.length(ident.c.external_id) <= ID_LENGTH)
                  .order_by(ident.c.id.desc()).limit(1).scalar_subquery())
        op.execute(staff.update().values({column: newest}))
    # the AI bot looked its senders up under its own platform name again
    op.execute(ident.insert().from_select(
        ['platform', 'external_id', 'staff_user_id', 'contact_id', 'display_name', 'created_at'],
        sa.select(sa.literal_column(f"'{AIBOT}'"), ident.c.external_id, ident.c.staff_user_id, ident.c.contact_id,
                  ident.c.display_name, ident.c.created_at)
        .where(ident.c.platform == 'wecom', ~_mapped(AIBOT, ident.c.external_id))))
