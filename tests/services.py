"""Run the suite against a real PostgreSQL and Redis (scripts/ci_services.sh starts both).

SALESBOT_TEST_DATABASE_URL is a superuser URL (`postgresql+psycopg://postgres@127.0.0.1:55432/postgres`);
each test gets a fresh database cloned from a template migrated once per session, so the tests stay as
isolated as with a SQLite file in tmp_path. SALESBOT_TEST_REDIS_URL turns on the Redis-backed parts, with
a key prefix per test. Both are read at import time: conftest's clean_env removes SALESBOT_* afterwards.
"""

from __future__ import annotations

import os
import uuid

from sqlalchemy.engine import make_url

TEST_DATABASE_URL = os.environ.get("SALESBOT_TEST_DATABASE_URL") or None
TEST_REDIS_URL = os.environ.get("SALESBOT_TEST_REDIS_URL") or None
_TEMPLATE = f"salesbot_tpl_{os.getpid()}"

_by_tmp_path: dict[str, dict[str, str]] = {}  # the same tmp_path (a restarted app) = the same database
_created: list[str] = []
_template_ready = False


def _admin():
    import psycopg

    url = make_url(TEST_DATABASE_URL)
    return psycopg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=url.database or "postgres",
        autocommit=True,
    )


def _url_for(name: str) -> str:
    return make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)


def _ensure_template() -> None:
    global _template_ready
    if _template_ready:
        return
    from bot.db import Database

    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{_TEMPLATE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{_TEMPLATE}"')
    db = Database(_url_for(_TEMPLATE))
    db.migrate_sync()
    db.sync_engine.dispose()
    _template_ready = True


def service_env(tmp_path) -> dict[str, str]:
    """Settings that point one test at its own PostgreSQL database and Redis key space (empty when off)."""
    key = str(tmp_path)
    if key in _by_tmp_path:
        return _by_tmp_path[key]
    env: dict[str, str] = {}
    if TEST_DATABASE_URL:
        _ensure_template()
        name = f"salesbot_t_{uuid.uuid4().hex[:16]}"
        with _admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{_TEMPLATE}"')
        _created.append(name)
        env["SALESBOT_DATABASE_URL"] = _url_for(name)
    if TEST_REDIS_URL:
        env["SALESBOT_REDIS_URL"] = TEST_REDIS_URL
        env["SALESBOT_REDIS_PREFIX"] = f"test:{uuid.uuid4().hex[:12]}:"
    _by_tmp_path[key] = env
    return env


def drop_test_databases() -> None:
    """After each test: its databases and Redis keys go (FORCE closes what a failed test left open)."""
    prefixes = [env["SALESBOT_REDIS_PREFIX"] for env in _by_tmp_path.values() if "SALESBOT_REDIS_PREFIX" in env]
    if prefixes:
        import redis

        client = redis.Redis.from_url(TEST_REDIS_URL)
        try:
            for prefix in prefixes:
                keys = list(client.scan_iter(match=prefix + "*", count=500))
                if keys:
                    client.delete(*keys)
        finally:
            client.close()
    _by_tmp_path.clear()
    if not _created:
        return
    with _admin() as conn:
        while _created:
            conn.execute(f'DROP DATABASE IF EXISTS "{_created.pop()}" WITH (FORCE)')


def drop_template() -> None:
    if _template_ready:
        with _admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{_TEMPLATE}" WITH (FORCE)')
