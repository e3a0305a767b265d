"""Data migrations, upgrade and downgrade, with rows in the tables (SQLite; PostgreSQL too when
SALESBOT_TEST_DATABASE_URL is set, see tests/services.py)."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
import sqlmodel
from alembic import command
from alembic.config import Config
from sqlalchemy.exc import IntegrityError

from bot.db import MIGRATIONS_DIR, sync_url
from tests.services import TEST_DATABASE_URL, _admin, _url_for

CREATED = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)

STAFF = sa.table(
    "staff_user",
    sa.column("id", sa.Integer),
    sa.column("username", sa.String),
    sa.column("name", sa.String),
    sa.column("role", sa.String),
    sa.column("timezone", sa.String),
    sa.column("active", sa.Boolean),
    sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime()),
    sa.column("wecom_userid", sa.String),
    sa.column("dingtalk_staff_id", sa.String),
)
IDENT = sa.table(
    "platform_identity",
    sa.column("platform", sa.String),
    sa.column("external_id", sa.String),
    sa.column("staff_user_id", sa.Integer),
    sa.column("display_name", sa.String),
    sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime()),
)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    if not TEST_DATABASE_URL:
        pytest.skip("SALESBOT_TEST_DATABASE_URL not set")
    name = f"salesbot_mig_{uuid.uuid4().hex[:12]}"
    with _admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield sync_url(_url_for(name))
    finally:
        with _admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _alembic(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _identities(conn) -> set[tuple]:
    rows = conn.execute(sa.text("SELECT platform, external_id, staff_user_id FROM platform_identity"))
    return {tuple(row) for row in rows}


def _staff_ids(conn) -> dict[int, tuple]:
    rows = conn.execute(sa.text("SELECT id, wecom_userid, dingtalk_staff_id FROM staff_user ORDER BY id"))
    return {row[0]: (row[1], row[2]) for row in rows}


def test_staff_platform_ids_move_to_platform_identity_and_back(database_url):
    cfg = _alembic(database_url)
    command.upgrade(cfg, "0001_core")
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as conn:
            people = [  # id, username, wecom_userid, dingtalk_staff_id
                (1, "zhangwei", "zhangwei", "dt_zhangwei"),  # mapped in the admin: rows beside the columns
                (2, "lina", "lina", None),  # the demo's people: columns only
                (3, "wangqiang", "shared", None),  # a column whose id a row gives to someone else
                (4, "chenjing", None, None),
                (5, "wecom_aibot_bot01", "bot01", None),  # first wrote through the AI bot
                (6, "zhaolei", None, "dt_zhaolei"),
                (7, "empty", "", ""),
            ]
            conn.execute(
                STAFF.insert(),
                [
                    dict(
                        id=i,
                        username=u,
                        name=u,
                        role="rep",
                        timezone="Asia/Shanghai",
                        active=True,
                        created_at=CREATED,
                        wecom_userid=w,
                        dingtalk_staff_id=d,
                    )
                    for i, u, w, d in people
                ],
            )
            conn.execute(
                IDENT.insert(),
                [
                    dict(platform=p, external_id=e, staff_user_id=s, display_name=None, created_at=CREATED)
                    for p, e, s in [
                        ("wecom", "zhangwei", 1),
                        ("wecom_aibot", "zhangwei", 1),
                        ("wecom", "shared", 4),
                        ("wecom_aibot", "bot01", 5),
                        ("wecom_kf", "customer-1", None),
                    ]
                ],
            )
            if engine.dialect.name == "postgresql":  # the explicit ids above did not advance the sequence
                conn.execute(sa.text("SELECT setval('staff_user_id_seq', 100)"))

        command.upgrade(cfg, "0005_staff_identity")
        upgraded = {
            ("wecom", "zhangwei", 1),
            ("dingtalk", "dt_zhangwei", 1),
            ("wecom", "lina", 2),
            ("wecom", "shared", 4),
            ("wecom", "bot01", 5),
            ("dingtalk", "dt_zhaolei", 6),
            ("wecom_kf", "customer-1", None),
        }
        with engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("staff_user")}
            assert "wecom_userid" not in columns and "dingtalk_staff_id" not in columns
            assert _identities(conn) == upgraded
            names = conn.execute(
                sa.text(
                    "SELECT display_name FROM platform_identity "
                    "WHERE platform = 'dingtalk' AND external_id = 'dt_zhaolei'"
                )
            ).scalar()
            assert names == "zhaolei"
        with engine.begin() as conn:  # the namespace still holds one id once
            with pytest.raises(IntegrityError):
                with conn.begin_nested():
                    conn.execute(
                        IDENT.insert().values(platform="wecom", external_id="lina", staff_user_id=3, created_at=CREATED)
                    )

        command.downgrade(cfg, "0001_core")
        with engine.connect() as conn:
            # "shared" went to the person identity already routed it to
            assert _staff_ids(conn) == {
                1: ("zhangwei", "dt_zhangwei"),
                2: ("lina", None),
                3: (None, None),
                4: ("shared", None),
                5: ("bot01", None),
                6: (None, "dt_zhaolei"),
                7: (None, None),
            }
            aibot = {(e, s) for p, e, s in _identities(conn) if p == "wecom_aibot"}
            assert aibot == {("zhangwei", 1), ("lina", 2), ("shared", 4), ("bot01", 5)}
        with engine.begin() as conn:  # the columns are unique again
            with pytest.raises(IntegrityError):
                with conn.begin_nested():
                    conn.execute(sa.text("UPDATE staff_user SET wecom_userid = 'lina' WHERE id = 3"))

        command.upgrade(cfg, "0005_staff_identity")  # and forward again: the same rows
        with engine.connect() as conn:
            assert _identities(conn) == upgraded
    finally:
        engine.dispose()
