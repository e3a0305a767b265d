"""Production mode: replicas sharing a database, Redis-backed state, metrics, structured logs.

Runs on SQLite by default; with scripts/ci_services.sh's SALESBOT_TEST_DATABASE_URL / _REDIS_URL the
same tests run on PostgreSQL and Redis, and the Redis-only ones stop being skipped.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db_retry import is_db_unavailable, retry_db
from bot.locks import SlidingWindowLimiter, parse_rate
from bot.models import InboundMessage, OutboxMessage, utcnow
from bot.structured_logging import TRACE_ID, JsonFormatter, TraceIdFilter
from tests.conftest import running_app
from tests.services import TEST_DATABASE_URL, TEST_REDIS_URL

needs_redis = pytest.mark.skipif(not TEST_REDIS_URL, reason="SALESBOT_TEST_REDIS_URL not set (scripts/ci_services.sh)")
needs_postgres = pytest.mark.skipif(not TEST_DATABASE_URL, reason="SALESBOT_TEST_DATABASE_URL not set")


async def _claim_as(app, inbound, owner: str, lease_in: timedelta) -> int:
    app.ledger.claim_extra = lambda: {"owner": owner, "lease_until": utcnow() + lease_in}
    try:
        return await app.ledger.claim(inbound)
    finally:
        app.ledger.claim_extra = app.leases.claim_values


async def _row(app, row_id: int) -> InboundMessage:
    async with app.db.session() as s:
        return (await s.execute(select(InboundMessage).where(InboundMessage.id == row_id))).scalar_one()


async def test_dead_replicas_message_is_taken_over_and_answered_once(tmp_path):
    async with running_app(tmp_path, SALESBOT_REPLICA_ID="r2") as app:
        console = app.adapters["console"]
        dead = await _claim_as(app, console.make_inbound("/帮助", "zhangwei"), "r1", timedelta(seconds=-1))
        alive = await _claim_as(app, console.make_inbound("/帮助", "lina"), "r3", timedelta(seconds=60))

        taken = await app.leases.take_over()
        assert [row_id for row_id, _ in taken] == [dead]  # r3 is alive and keeps its message
        assert await app.leases.take_over() == []  # now r2 holds it
        row = await _row(app, dead)
        assert row.owner == "r2" and row.lease_until > utcnow()

        before = len(app.console_lines)
        for row_id, inbound in taken:
            app.dispatcher.submit(row_id, inbound)
            app.dispatcher.submit(row_id, inbound)  # a second take-over of a queued row is ignored
        await app.drain()
        assert len(app.console_lines) - before == 1 and "/拜访" in app.console_lines[-1]
        assert (await _row(app, dead)).status == "done"
        assert (await _row(app, alive)).status == "received"


async def test_restarted_replica_takes_back_its_own_messages_at_once(tmp_path):
    async with running_app(tmp_path, SALESBOT_REPLICA_ID="r1") as app:
        console = app.adapters["console"]
        mine = await _claim_as(app, console.make_inbound("/帮助", "zhangwei"), "r1", timedelta(seconds=60))
        other = await _claim_as(app, console.make_inbound("/帮助", "lina"), "r2", timedelta(seconds=60))
        assert [r for r, _ in await app.leases.take_over()] == []  # both leases are live
        assert [r for r, _ in await app.leases.take_over(startup=True)] == [mine]
        assert (await _row(app, other)).owner == "r2"


async def test_lease_renewal_keeps_a_long_turn_and_outbox_rows_record_their_replica(tmp_path):
    async with running_app(tmp_path, SALESBOT_REPLICA_ID="r1") as app:
        console = app.adapters["console"]
        row_id = await _claim_as(app, console.make_inbound("/帮助", "zhangwei"), "r1", timedelta(seconds=1))
        await app.leases.renew([row_id])
        assert (await _row(app, row_id)).lease_until > utcnow() + timedelta(seconds=30)
        await app.receive(console.make_inbound("/帮助", "lina"))
        await app.drain()
        async with app.db.session() as s:
            owners = (await s.execute(select(OutboxMessage.owner, OutboxMessage.status))).all()
        assert owners and all(owner == "r1" and status == "sent" for owner, status in owners)


@needs_postgres
async def test_turn_waits_for_an_earlier_message_of_its_conversation_on_another_replica(tmp_path):
    async with running_app(tmp_path, SALESBOT_REPLICA_ID="r1") as app:
        console = app.adapters["console"]
        earlier = await _claim_as(app, console.make_inbound("/帮助", "zhangwei"), "r2", timedelta(seconds=60))
        later = await app.ledger.claim(console.make_inbound("/帮助", "zhangwei"))
        waiter = asyncio.create_task(app.leases.wait_for_earlier(later, "console:zhangwei"))
        await asyncio.sleep(0.3)
        assert not waiter.done()
        await app.ledger.finish(earlier)  # r2 finished its turn
        await asyncio.wait_for(waiter, 3)
        assert app.leases.stats["order_waits"] == 1


async def test_metrics_are_prometheus_with_stage_histograms(tmp_path):
    from aiohttp.test_utils import TestClient, TestServer

    from salesbot.server import build_web_app

    async with running_app(tmp_path) as app:
        await app.receive(app.adapters["console"].make_inbound("/帮助", "zhangwei"))
        await app.drain()
        async with TestClient(TestServer(build_web_app(app))) as client:
            text = await (await client.get("/metrics")).text()
            health = await (await client.get("/healthz")).json()
    for stage in ("ledger_claim", "turn", "outbox_send"):
        assert f'salesbot_stage_seconds_count{{stage="{stage}"}}' in text
    assert 'salesbot_outbox_sends_total{outcome="sent"}' in text
    assert 'salesbot_db_rows{queue="inbound_unfinished"} 0.0' in text
    assert "salesbot_turns_queued 0.0" in text
    assert health["replica"] and (health.get("redis") == "up" if TEST_REDIS_URL else "redis" not in health)


def test_json_log_lines_carry_the_trace_id_and_mask_personal_data():
    from bot.log_masking import PersonalDataFilter

    record = logging.LogRecord(
        "bot.x", logging.INFO, __file__, 1, "客户电话 %s 邮箱 %s", ("13812345678", "li.ming@example.com"), None
    )
    token = TRACE_ID.set("wecom-42")
    try:
        TraceIdFilter().filter(record)
    finally:
        TRACE_ID.reset(token)
    PersonalDataFilter().filter(record)
    line = json.loads(JsonFormatter(replica="r1").format(record))
    assert line["trace_id"] == "wecom-42" and line["replica"] == "r1" and line["level"] == "INFO"
    assert "13812345678" not in line["msg"] and "138****5678" in line["msg"] and "li.ming" not in line["msg"]


async def test_db_retry_rides_out_an_outage_but_not_a_bug():
    from sqlalchemy.exc import IntegrityError, OperationalError

    calls = []

    async def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))
        return "ok"

    assert await retry_db(flaky, what="test", first_delay=0.01) == "ok" and len(calls) == 3
    bug = IntegrityError("INSERT", {}, ValueError("duplicate key"))
    assert not is_db_unavailable(bug)

    async def broken():
        raise bug

    with pytest.raises(IntegrityError):
        await retry_db(broken, what="test", first_delay=0.01)


async def test_hot_path_reads_decode_like_the_orm(tmp_path):
    """Database.fetch skips SQLAlchemy's execution layer on PostgreSQL: JSON, times and literals still agree."""
    from bot.memory import _RECENT_MEMORY
    from bot.models import ConversationMessage, PendingAction
    from bot.pending import _OPEN_PENDING

    async with running_app(tmp_path, demo=False) as app:
        now = utcnow()
        async with app.db.write() as s:
            s.add(
                PendingAction(
                    conversation_key="c1", kind="pick", payload={"选项": [1, 2]}, expires_at=now + timedelta(hours=1)
                )
            )
            s.add(
                PendingAction(
                    conversation_key="c1", kind="old", payload={}, status="done", expires_at=now + timedelta(hours=1)
                )
            )
            s.add_all(
                [
                    ConversationMessage(conversation_key="c1", role=r, content=c)
                    for r, c in (("user", "一"), ("assistant", "二"), ("user", "三"))
                ]
            )
        [row] = await app.db.fetch(_OPEN_PENDING, {"key": "c1", "now": now})  # the literal 'open' is bound too
        pending = PendingAction(**row)
        assert pending.kind == "pick" and pending.payload == {"选项": [1, 2]}
        assert pending.expires_at > now
        rows = await app.db.fetch(_RECENT_MEMORY, {"key": "c1", "limit": 2})
        assert [(r["role"], r["content"]) for r in rows] == [("user", "三"), ("assistant", "二")]
        assert await app.db.fetch(_OPEN_PENDING, {"key": "nobody", "now": now}) == []
        assert await app.db.fetch_value(_RECENT_MEMORY, {"key": "c1", "limit": 5}) == "user"


async def test_group_committed_writes_agree_on_both_forms(tmp_path):
    """Claims, turn results and marks: per item on SQLite, a few pipelined statements per batch on PostgreSQL."""
    from bot.dispatcher import TurnResult
    from bot.messages import Reply, Target
    from bot.models import ConversationMessage

    async with running_app(tmp_path, demo=False) as app:
        console = app.adapters["console"]
        first, again, other = (
            console.make_inbound("你好", "zhangwei"),
            console.make_inbound("在吗", "lina"),
            console.make_inbound("再见", "lina"),
        )
        again.msg_id = first.msg_id  # a platform redelivery racing the first delivery
        bad = console.make_inbound("坏的", "lina")
        bad.msg_id = "x" * 300  # longer than PostgreSQL's column (SQLite does not check): fails alone
        claims = (first, again, other) + (() if app.db.is_sqlite else (bad,))
        batches = app.db.claims.batches
        ids = await asyncio.gather(*(app.ledger.claim(m) for m in claims), return_exceptions=True)
        assert isinstance(ids[0], int) and ids[1] is None and isinstance(ids[2], int) and ids[0] != ids[2]
        if not app.db.is_sqlite:
            assert isinstance(ids[3], Exception) and not is_db_unavailable(ids[3])
            assert app.db.claims.batches - batches == 3  # none as a batch; then isolated: 3 good, 1 bad

        row_id = ids[0]
        target = Target("console", user_id="zhangwei")
        rows = app.outbox.prepare(
            platform="console", target=target, reply=Reply("好的"), key=f"reply:{row_id}:0", inbound_row_id=row_id
        )
        memory = [dict(conversation_key="k1", role="user", content="你好", created_at=utcnow())]
        turn = TurnResult(app.ledger.finish_params(row_id), rows, memory)
        # the same turn finished twice in one batch (a retried commit, a take-over): written once
        results = await asyncio.gather(
            *(app.db.group.run_batched(app.dispatcher._turn_results, turn) for _ in range(2))
        )
        assert [len(r) for r in results] == [1, 0]
        assert results[0][0]["key"] == f"reply:{row_id}:0#0" and isinstance(results[0][0]["id"], int)
        assert (await _row(app, row_id)).status == "done"

        outbox_id = results[0][0]["id"]
        await asyncio.gather(
            app.outbox._mark(outbox_id, status="sent", sent_at=utcnow(), last_error=None),
            app.outbox._mark(outbox_id, last_error="写入两次也无妨"),
        )
        async with app.db.session() as s:
            memory_rows = (
                await s.execute(select(ConversationMessage).where(ConversationMessage.conversation_key == "k1"))
            ).all()
            outbox = (await s.execute(select(OutboxMessage).where(OutboxMessage.inbound_id == row_id))).scalars().all()
        assert len(memory_rows) == 1
        assert [(o.status, o.last_error) for o in outbox] == [("sent", "写入两次也无妨")]
        assert outbox[0].sent_at is not None


def test_postgres_urls_run_async_on_asyncpg_and_sync_on_psycopg():
    from bot.db import async_url, sync_url

    for url in ("postgresql://u:p@h:5/d", "postgresql+psycopg://u:p@h:5/d", "postgresql+asyncpg://u:p@h:5/d"):
        assert async_url(url) == "postgresql+asyncpg://u:p@h:5/d"
        assert sync_url(async_url(url)) == "postgresql+psycopg://u:p@h:5/d"
    assert async_url("sqlite+aiosqlite:///x.db") == "sqlite+aiosqlite:///x.db"


@needs_postgres
async def test_an_unreachable_postgres_reads_as_unavailable_not_as_a_bug():
    from sqlalchemy import literal, select, text
    from sqlalchemy.engine import make_url

    from bot.db import Database

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = Database(make_url(TEST_DATABASE_URL).set(port=port).render_as_string(hide_password=False))
    try:

        async def through_the_engine():
            async with db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

        for attempt in (through_the_engine, lambda: db.fetch_value(select(literal(1)), {})):  # and the raw pool
            with pytest.raises(Exception) as raised:
                await attempt()
            assert is_db_unavailable(raised.value), repr(raised.value)
    finally:
        await db.close()


def _driver_paths(db) -> tuple:
    """One small statement through each way the app reaches PostgreSQL: the SQLAlchemy async engine, the raw
    asyncpg pool (reads and batched writes) and the group-commit writer thread (psycopg)."""
    from sqlalchemy import literal, select, text

    async def through_the_engine():
        async with db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def raw_write():
        async with db.raw_connection() as conn:
            await conn.fetch(select(literal(1)), {})

    def on_the_writer_thread():
        with db.writer_engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    return (
        through_the_engine,
        lambda: db.fetch_value(select(literal(1)), {}),
        raw_write,
        lambda: asyncio.to_thread(on_the_writer_thread),
    )


@needs_postgres
async def test_a_failover_reads_as_unavailable_on_every_driver_path():
    """Connections terminated by the server, then a database that refuses new ones (a failover, a restart)."""
    import psycopg
    from sqlalchemy.engine import make_url

    from bot.db import Database

    admin = make_url(TEST_DATABASE_URL)
    name = f"salesbot_failover_{uuid.uuid4().hex[:8]}"

    def as_admin(*statements):
        with psycopg.connect(
            host=admin.host,
            port=admin.port,
            user=admin.username,
            password=admin.password,
            dbname=admin.database,
            autocommit=True,
        ) as conn:
            for statement in statements:
                conn.execute(statement)

    as_admin(f'CREATE DATABASE "{name}"')
    db = Database(admin.set(database=name).render_as_string(hide_password=False))
    try:
        paths = _driver_paths(db)
        for path in paths:
            await path()  # every pool holds a live connection now
        as_admin(
            f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false',
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
        )
        for round_ in ("terminated", "refused"):
            for path in paths:
                with pytest.raises(Exception) as raised:
                    await path()
                assert is_db_unavailable(raised.value), (round_, repr(raised.value))
        as_admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        for path in paths:  # back: no pool hands out a connection broken by the cut
            for _ in range(3):
                await retry_db(path, what="after the failover", first_delay=0.05)
    finally:
        await db.close()
        as_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@needs_postgres
@pytest.mark.parametrize("change", [{"database": "salesbot_no_such_db"}, {"username": "no_such_role"}])
async def test_a_wrong_database_or_role_is_a_configuration_error_not_an_outage(change):
    """Retrying these forever would hide the mistake behind 'database unavailable' in the log."""
    from sqlalchemy.engine import make_url

    from bot.db import Database

    db = Database(make_url(TEST_DATABASE_URL).set(**change).render_as_string(hide_password=False))
    try:
        for path in (*_driver_paths(db), lambda: asyncio.to_thread(db.migrate_sync)):
            with pytest.raises(Exception) as raised:
                await path()
            assert not is_db_unavailable(raised.value), repr(raised.value)
    finally:
        await db.close()


@needs_postgres
def test_serve_with_a_wrong_database_says_so_and_exits(tmp_path, monkeypatch, capsys):
    from sqlalchemy.engine import make_url

    from salesbot.cli import main

    monkeypatch.setenv("SALESBOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv(
        "SALESBOT_DATABASE_URL",
        make_url(TEST_DATABASE_URL).set(database="salesbot_no_such_db").render_as_string(hide_password=False),
    )
    assert main(["serve", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "SALESBOT_DATABASE_URL" in err and "salesbot_no_such_db" in err


async def test_local_rate_limit_counts_a_sliding_window():
    assert parse_rate("3/60") == (3, 60) and parse_rate("junk") == (20, 600)
    limiter = SlidingWindowLimiter("2/60")
    assert [await limiter.allow("a"), await limiter.allow("a"), await limiter.allow("a"), await limiter.allow("b")] == [
        True,
        True,
        False,
        True,
    ]


@needs_redis
async def test_redis_rate_limit_is_shared_between_replicas():
    import uuid

    from bot.redis_kv import connect

    r1, r2 = connect(TEST_REDIS_URL), connect(TEST_REDIS_URL)
    prefix = f"test:{uuid.uuid4().hex[:8]}:"
    try:
        a, b = (
            SlidingWindowLimiter("3/60", redis=r1, prefix=prefix),
            SlidingWindowLimiter("3/60", redis=r2, prefix=prefix),
        )
        results = [await a.allow("cust"), await b.allow("cust"), await a.allow("cust"), await b.allow("cust")]
        assert results == [True, True, True, False]
    finally:
        for r in (r1, r2):
            await r.aclose()


@needs_redis
async def test_tokens_live_in_redis_and_cursors_in_the_database(tmp_path):
    async with running_app(tmp_path, demo=False) as app:
        await app.kv.set("wecom:token", "t1", ttl_seconds=60)
        await app.kv.set("wecom:kf_cursor", "c1")
        assert await app.redis.get(app.settings.redis_prefix + "kv:wecom:token") == "t1"
        assert await app.kv.durable.get("wecom:token") is None
        assert await app.kv.durable.get("wecom:kf_cursor") == "c1"
        assert await app.kv.get("wecom:token") == "t1" and await app.kv.get("wecom:kf_cursor") == "c1"
        await app.kv.set("short", "x", ttl_seconds=0.05)
        await asyncio.sleep(0.15)
        assert await app.kv.get("short") is None
        await app.kv.delete("wecom:kf_cursor")
        assert await app.kv.get("wecom:kf_cursor") is None


async def test_a_turn_finished_twice_writes_once(tmp_path):
    """A commit retried after a lost acknowledgement, or a taken-over turn run twice, writes nothing twice."""
    from bot.messages import Reply
    from bot.models import ConversationMessage

    async with running_app(tmp_path, demo=False) as app:
        inbound = app.adapters["console"].make_inbound("你好", "zhangwei")
        row_id = await app.ledger.claim(inbound)
        memory = [dict(conversation_key=inbound.conversation_key, role="user", content="你好", created_at=utcnow())]
        for _ in range(2):
            await app.dispatcher._finish(row_id, inbound, [Reply("第一次的回答")], list(memory))
        await app.drain()
        async with app.db.session() as s:
            remembered = (await s.execute(select(ConversationMessage.content))).scalars().all()
            keys = (await s.execute(select(OutboxMessage.key))).scalars().all()
        assert remembered == ["你好"] and keys == [f"reply:{row_id}:0#0"]
        assert app.console_lines.count("第一次的回答") == 1 or sum("第一次的回答" in x for x in app.console_lines) == 1


def _customer_agents(app, count: int):
    from agents.customer import CustomerAgent

    return [CustomerAgent(app) for _ in range(count)]  # each one like the agent of another replica


@needs_redis
async def test_customer_message_budget_holds_across_replicas(tmp_path, fake_llm):
    import uuid

    async with running_app(
        tmp_path,
        OPENAI_BASE_URL=fake_llm.base_url,
        OPENAI_API_KEY="t",
        SALESBOT_LLM_MODEL="fake",
        SALESBOT_CUSTOMER_RATE_LIMIT="2/600",
        SALESBOT_REDIS_PREFIX=f"test:{uuid.uuid4().hex[:8]}:",
    ) as app:
        first, second = _customer_agents(app, 2)
        assert first.limiter.shared
        budget = [
            await first._within_budget("web:guest"),
            await second._within_budget("web:guest"),
            await first._within_budget("web:guest"),
            await second._within_budget("web:other"),
        ]
        assert budget == [True, True, False, True]


async def test_customer_budget_is_counted_locally_while_redis_is_away(tmp_path, fake_llm):
    from bot.redis_kv import connect

    async with running_app(
        tmp_path,
        OPENAI_BASE_URL=fake_llm.base_url,
        OPENAI_API_KEY="t",
        SALESBOT_LLM_MODEL="fake",
        SALESBOT_CUSTOMER_RATE_LIMIT="2/600",
    ) as app:
        [agent] = _customer_agents(app, 1)
        unreachable = connect("redis://127.0.0.1:1/0")
        agent.limiter = SlidingWindowLimiter("2/600", redis=unreachable)
        try:
            assert [await agent._within_budget("web:guest") for _ in range(3)] == [True, True, False]
        finally:
            await unreachable.aclose()
