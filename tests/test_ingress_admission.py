"""Ingress first: turn admission by event-loop lag, the claims-first write lock, the busy notice, and a
platform ACK that does not wait for turns (bot/admission.py, bot/group_commit.py WriteLock)."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlmodel import select

from bot import replies
from bot.admission import TurnAdmission
from bot.group_commit import WriteLock
from bot.models import InboundMessage
from tests.conftest import running_app
from tests.fakes.dingtalk import FakeDingTalk
from tests.services import TEST_DATABASE_URL
from tests.test_dingtalk_e2e import REP, dingtalk_app, sends_to

needs_postgres = pytest.mark.skipif(not TEST_DATABASE_URL, reason="SALESBOT_TEST_DATABASE_URL not set")

# --- admission ----------------------------------------------------------------------------------


async def test_lag_halves_the_limit_and_a_quiet_loop_grows_it_back():
    gate = TurnAdmission(10, min_turns=2, lag_target=0.01)
    gate.limit = 10
    for _ in range(8):
        await gate.acquire()
    gate.observe_lag(0.05)  # the loop is late: half of what runs now may run
    assert gate.limit == 4
    gate.observe_lag(0.05)
    assert gate.limit == 2  # never below min_turns
    gate.observe_lag(0.05)
    assert gate.limit == 2
    for _ in range(3):
        gate.observe_lag(0.0)
    assert gate.limit == 5
    for _ in range(20):
        gate.observe_lag(0.0)
    assert gate.limit == 10  # capped at max_turns
    gate.close()


async def test_turns_beyond_the_limit_wait_and_all_of_them_run():
    gate = TurnAdmission(3, min_turns=1, lag_target=10.0)  # a lag that never triggers: only max_turns binds
    gate.limit = 3
    running, peak, done = 0, 0, []

    async def turn(i: int) -> None:
        nonlocal running, peak
        async with gate:
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0.01)
            running -= 1
            done.append(i)

    await asyncio.gather(*(turn(i) for i in range(20)))
    assert sorted(done) == list(range(20))  # nothing dropped
    assert peak == 3
    assert gate.running == 0 and gate.waiting == 0
    gate.close()


async def test_cpu_bound_turns_are_throttled_while_the_loop_lags():
    """Turns that burn CPU between awaits (a 0 s model): the limit falls, fewer run at once, all finish."""
    gate = TurnAdmission(100, min_turns=2, lag_target=0.005, probe_every=0.002)
    running, peak_late, done = 0, 0, 0

    async def turn() -> None:
        nonlocal running, peak_late, done
        async with gate:
            running += 1
            for _ in range(5):
                end = time.perf_counter() + 0.003  # 3 ms of CPU per step, like ORM and prompt work
                while time.perf_counter() < end:
                    pass
                await asyncio.sleep(0)
            if gate.stats["admitted"] > 50:
                peak_late = max(peak_late, running)
            running -= 1
            done += 1

    await asyncio.gather(*(turn() for _ in range(200)))
    assert done == 200
    assert gate.stats["limit_min"] < 100 and gate.stats["waited"] > 0
    assert peak_late < 100  # once the probe saw the lag, far fewer than max_turns ran together
    gate.close()


async def test_a_cancelled_waiter_leaves_the_queue():
    gate = TurnAdmission(1, min_turns=1)
    await gate.acquire()
    waiter = asyncio.create_task(gate.acquire())
    await asyncio.sleep(0)
    assert gate.waiting == 1
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert gate.waiting == 0
    gate.release()
    await gate.acquire()  # the slot was not leaked
    assert gate.running == 1
    gate.close()


# --- SQLite's write lock: claims first -----------------------------------------------------------


async def test_claims_take_the_write_lock_before_earlier_turn_writes():
    lock = WriteLock()
    order: list[str] = []
    await lock.acquire()  # a turn batch is committing

    async def write(name: str, first: bool) -> None:
        async with lock.first() if first else lock:
            order.append(name)
            await asyncio.sleep(0)

    tasks = [asyncio.create_task(write(f"turn{i}", False)) for i in range(3)]
    await asyncio.sleep(0)
    tasks.append(asyncio.create_task(write("claim", True)))  # arrives last
    await asyncio.sleep(0)
    lock.release()
    await asyncio.gather(*tasks)
    assert order == ["claim", "turn0", "turn1", "turn2"]
    assert not lock.locked()


async def test_a_cancelled_lock_waiter_does_not_keep_the_lock():
    lock = WriteLock()
    await lock.acquire()
    waiter = asyncio.create_task(lock.acquire(first=True))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    lock.release()
    assert not lock.locked()
    async with lock:
        assert lock.locked()


async def test_app_database_uses_the_claims_first_lock(tmp_path):
    async with running_app(tmp_path, demo=False) as app:
        if app.db.is_sqlite:
            assert isinstance(app.db.write_lock, WriteLock)
        else:  # PostgreSQL has no single writer: the claims' own pool is their lane
            assert app.db.write_lock is None
        assert app.db.claims.first and not app.db.group.first


# --- back-pressure that tells people ----------------------------------------------------------------


async def test_queued_turns_get_one_busy_notice_then_their_answer(tmp_path):
    async with running_app(tmp_path, SALESBOT_BUSY_NOTICE_AFTER="1", SALESBOT_MAX_CONCURRENT_TURNS="1") as app:
        console = app.adapters["console"]
        gate = app.dispatcher.admission
        await gate.acquire()  # every turn slot is busy (a long turn)
        try:
            first = console.make_inbound("/帮助", "zhangwei")
            assert await app.receive(first)
            await asyncio.sleep(0.05)
            assert gate.waiting == 1  # queued, already in the ledger
            assert replies.BUSY not in app.console_lines  # below the bound: no notice
            second = console.make_inbound("/帮助", "lina")
            assert await app.receive(second)
            third = console.make_inbound("/客户", "lina")  # same person again: still one notice
            assert await app.receive(third)
            assert not await app.receive(second)  # a redelivery is a duplicate: no second notice either
            for _ in range(100):
                if replies.BUSY in app.console_lines:
                    break
                await asyncio.sleep(0.02)
            assert app.console_lines.count(replies.BUSY) == 1
            notice_at = app.console_lines.index(replies.BUSY)
            assert not any("我能帮你做这些" in line for line in app.console_lines[notice_at:])  # no answer yet
        finally:
            gate.release()
        await app.drain()
        assert app.console_lines.count(replies.BUSY) == 1
        answers = [line for line in app.console_lines if "我能帮你做这些" in line]
        assert len(answers) == 2  # both /帮助 answered once, after the notice
        async with app.db.session() as s:
            statuses = [r.status for r in (await s.execute(select(InboundMessage))).scalars()]
        assert statuses == ["done", "done", "done"]  # nothing dropped
        assert app.dispatcher.stats["busy_notices"] == 1


async def test_no_busy_notice_when_turned_off(tmp_path):
    async with running_app(tmp_path, SALESBOT_BUSY_NOTICE_AFTER="0", SALESBOT_MAX_CONCURRENT_TURNS="1") as app:
        console = app.adapters["console"]
        gate = app.dispatcher.admission
        await gate.acquire()
        try:
            for user in ("zhangwei", "lina", "wangqiang"):
                assert await app.receive(console.make_inbound("/帮助", user))
                await asyncio.sleep(0.02)
            assert gate.waiting == 3
        finally:
            gate.release()
        await app.drain()
        assert replies.BUSY not in app.console_lines


# --- DingTalk: the ACK does not wait for turns -----------------------------------------------------


@pytest.fixture
async def fake():
    gateway = FakeDingTalk()
    await gateway.start()
    yield gateway
    await gateway.close()


async def test_dingtalk_frame_is_acked_once_claimed_while_turns_cannot_start(tmp_path, fake):
    async with dingtalk_app(tmp_path, fake) as (app, adapter):
        gate = app.dispatcher.admission
        gate.limit = gate.max_turns
        held = [await gate.acquire() for _ in range(gate.max_turns)]  # every turn slot taken: none can start
        try:
            payload = fake.robot_message("/帮助", staff_id=REP)
            frame_id = await fake.send_callback(payload)
            assert (await fake.wait_acked(frame_id))["code"] == 200  # ACKed with every turn slot taken
            async with app.db.session() as s:
                row = (
                    await s.execute(select(InboundMessage).where(InboundMessage.msg_id == payload["msgId"]))
                ).scalar_one()
            assert row.status == "received"  # durable before the ACK, turn not yet run
            assert sends_to(fake, payload) == []
        finally:
            for _ in held:
                gate.release()
        await fake.wait_for(lambda: sends_to(fake, payload), 5.0)
        await app.drain()
        assert len(sends_to(fake, payload)) == 1


# --- PostgreSQL: the claims' own connections ---------------------------------------------------------


@needs_postgres
async def test_a_claim_commits_while_turn_work_holds_every_shared_connection(tmp_path):
    async with running_app(tmp_path, demo=False) as app:
        console = app.adapters["console"]
        assert await app.ledger.claim(console.make_inbound("/帮助", "warm")) is not None
        pool = app.db._raw_pool or await app.db._open_raw_pool()
        held = [await pool.acquire() for _ in range(pool.get_max_size())]  # turn reads and writes hold them all
        try:
            row_id = await asyncio.wait_for(app.ledger.claim(console.make_inbound("/帮助", "zhangwei")), 5)
            assert row_id is not None
        finally:
            for conn in held:
                await pool.release(conn)
        async with app.db.session() as s:
            assert (await s.get(InboundMessage, row_id)).status == "received"
