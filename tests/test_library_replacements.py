"""Behaviour kept where hand-rolled code gave way to a library: tenacity (database retries), redis-py's Lock,
cachetools' TTLCache (identities, DingTalk msgIds) and markdown-it-py (the Markdown reader)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import exc as sa_exc

from adapters.dingtalk.stream import _RecentIds
from bot.db_retry import retry_db
from bot.locks import shared_lock
from knowledge.readers import read_file
from tests.test_production import TEST_REDIS_URL, needs_redis


def _outage() -> Exception:
    return sa_exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("server closed the connection"))


async def test_retry_db_gives_up_at_the_deadline_and_doubles_its_wait(caplog):
    calls = []

    async def down():
        calls.append(asyncio.get_running_loop().time())
        raise _outage()

    with pytest.raises(sa_exc.OperationalError):
        await retry_db(down, what="test", deadline=0.65, first_delay=0.1, max_delay=0.2)
    waits = [
        float(r.getMessage().rsplit(" ", 1)[1].rstrip("s")) for r in caplog.records if "retrying in" in r.getMessage()
    ]
    # the wait doubles up to max_delay; a wait that would end past the deadline is not taken
    assert waits == [0.1, 0.2, 0.2] and len(calls) == 4
    assert 0.5 <= calls[-1] - calls[0] < 0.65


async def test_recent_ids_expire_and_stay_bounded():
    recent = _RecentIds(ttl=0.05, limit=3)
    recent.add("a")
    assert "a" in recent and "b" not in recent
    await asyncio.sleep(0.08)
    assert "a" not in recent  # expired
    for key in "bcde":
        recent.add(key)
    assert len(recent) == 3 and "b" not in recent and "e" in recent  # the oldest went first


async def test_identity_cache_serves_within_its_ttl_and_forget_clears_it(tmp_path):
    from bot.messages import Inbound, Role
    from tests.conftest import running_app

    async with running_app(tmp_path, demo=False) as app:
        identity = app.dispatcher.identity
        inbound = Inbound("web", "m1", "visitor-1", "visitor-1", text="你好", role_hint=Role.CUSTOMER)
        first = await identity.resolve(inbound)
        assert first is not None and first.role is Role.CUSTOMER
        looked_up = []
        real = identity._resolve

        async def counting(inb):
            looked_up.append(inb)
            return await real(inb)

        identity._resolve = counting
        assert await identity.resolve(inbound) == first and looked_up == []  # cached
        identity.forget()
        assert await identity.resolve(inbound) == first and len(looked_up) == 1


def test_markdown_reader_keeps_lists_with_their_lead_in_and_skips_fenced_headings(tmp_path):
    path = tmp_path / "doc.md"
    path.write_text(
        "---\ntitle: 回款手册\n---\n# 回款\n\n## 账期 ##\n国企可以验收后付款。\n\n常见问法：\n- 先干活后给钱行不行\n- 项目做完再结账\n\n"
        "```\n# 这不是标题\n```\n\n折扣说明\n========\n八五折以下找总监。\n",
        encoding="utf-8",
    )
    parsed = read_file(path)
    assert parsed.title == "回款手册"
    headings = [(b.text, b.level) for b in parsed.blocks if b.kind == "heading"]
    assert headings == [("回款", 1), ("账期", 2), ("折扣说明", 1)]
    paras = [b.text for b in parsed.blocks if b.kind == "para"]
    assert "常见问法：\n- 先干活后给钱行不行\n- 项目做完再结账" in paras
    assert "```\n# 这不是标题\n```" in paras


@needs_redis
async def test_shared_lock_is_held_by_one_replica_at_a_time():
    from redis.exceptions import LockError

    from bot.redis_kv import connect

    r1, r2 = connect(TEST_REDIS_URL), connect(TEST_REDIS_URL)
    name = f"test-{uuid.uuid4().hex[:8]}"
    try:
        async with shared_lock(r1, name, ttl=5):
            with pytest.raises(LockError):
                async with shared_lock(r2, name, ttl=5, wait=0.2):
                    pass
        async with shared_lock(r2, name, ttl=5, wait=0.2):  # released by its owner: free again
            pass
        # a holder that died: its lock expires after ttl
        await shared_lock(r1, name, ttl=0.3).acquire()
        async with shared_lock(r2, name, ttl=5, wait=2):
            pass
    finally:
        for r in (r1, r2):
            await r.aclose()


async def test_a_turn_whose_database_goes_away_runs_again_and_answers_once(tmp_path):
    from tests.conftest import ConsoleClient, running_app

    async with running_app(tmp_path) as app:
        dispatcher = app.dispatcher
        real_handle = dispatcher.handle
        attempts = []

        async def flaky_handle(row_id, inbound, llm_time, memory, traces):
            attempts.append((len(memory), len(traces)))  # each attempt starts from a clean memory and trace
            if len(attempts) < 3:
                memory.append({"role": "user", "content": "half-written"})
                traces.append({"route": "half-written"})
                raise _outage()
            return await real_handle(row_id, inbound, llm_time, memory, traces)

        dispatcher.handle = flaky_handle
        answer = await ConsoleClient(app, "zhangwei").say("/帮助")
    assert attempts == [(0, 0), (0, 0), (0, 0)]
    assert answer.count("/拜访") >= 1 and "half-written" not in answer
