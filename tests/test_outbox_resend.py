"""Duplicate replies at a crash: the "sent" mark commits right after the send (its own group commit, not
behind the turns' writes), and a row that may already have gone out says so to the adapter
(`Delivery.possibly_sent_since`), which WeCom turns into its duplicate check."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta

import aiohttp
from sqlalchemy import select, update

from bot.adapter import Adapter, Delivery, TransientSendError
from bot.messages import Reply, Target
from bot.models import OutboxMessage, utcnow
from tests.conftest import running_app
from tests.wecom_support import wecom_rig

CHANNEL = "testchan"


class RecordingAdapter(Adapter):
    platforms = (CHANNEL,)

    def __init__(self, app):
        super().__init__(app)
        self.deliveries: list[Delivery] = []
        self.seen_since: list = []  # possibly_sent_since at each attempt (the Delivery object is reused)
        self.gate: asyncio.Event | None = None
        self.transient_failures = 0

    async def deliver(self, delivery: Delivery) -> None:
        self.deliveries.append(delivery)
        self.seen_since.append(delivery.possibly_sent_since)
        if self.gate is not None:
            await self.gate.wait()
        if self.transient_failures:
            self.transient_failures -= 1
            raise TransientSendError("timeout: did the platform get it?")


async def status_of(app, row_id: int) -> str:
    async with app.db.session() as s:
        return (await s.execute(select(OutboxMessage.status).where(OutboxMessage.id == row_id))).scalar_one()


async def wait_status(app, row_id: int, status: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await status_of(app, row_id) == status:
            return True
        await asyncio.sleep(0.02)
    return False


async def test_sent_mark_does_not_queue_behind_turn_writes(tmp_path):
    """The turns' group commit is stuck on a batch and has more waiting; the mark of a reply that just
    went out must still commit (before the waiting writes on SQLite's one writer, at once on PostgreSQL)."""
    async with running_app(tmp_path, demo=False) as app:
        adapter = RecordingAdapter(app)
        app.adapters[CHANNEL] = adapter
        adapter.gate = asyncio.Event()
        [row_id] = await app.push(Target(CHANNEL, user_id="u1"), Reply("明天十点拜访华东机械"), key="mark-1")
        while not adapter.deliveries:
            await asyncio.sleep(0.01)

        running, release_running, release_waiting = threading.Event(), threading.Event(), threading.Event()

        def stuck_turn_write(conn):
            running.set()
            release_running.wait(10)

        running_batch = asyncio.create_task(app.db.group.run_sync(stuck_turn_write))
        assert await asyncio.to_thread(running.wait, 5)
        waiting_batch = asyncio.create_task(app.db.group.run_sync(lambda conn: release_waiting.wait(10)))
        try:
            adapter.gate.set()  # the platform accepted the reply: now the mark
            if not app.db.is_sqlite:  # a second writer connection: no wait at all
                assert await wait_status(app, row_id, "sent", 3), "mark waited behind the running batch"
            release_running.set()
            assert await wait_status(app, row_id, "sent", 3), "mark queued behind the waiting turn writes"
            assert not release_waiting.is_set() and not waiting_batch.done()
        finally:
            release_running.set()
            release_waiting.set()
            await asyncio.gather(running_batch, waiting_batch)
        await app.drain()
        assert app.outbox.stats["sent"] == 1


async def test_first_attempt_is_plain_and_a_retry_may_have_been_sent(tmp_path):
    async with running_app(tmp_path, demo=False) as app:
        adapter = RecordingAdapter(app)
        app.adapters[CHANNEL] = adapter
        await app.push(Target(CHANNEL, user_id="u1"), Reply("第一条"), key="plain-1")
        await app.drain()
        assert adapter.seen_since == [None]

        adapter.transient_failures = 1  # e.g. a timeout: the platform may have taken it anyway
        before = utcnow()
        [row_id] = await app.push(Target(CHANNEL, user_id="u1"), Reply("第二条"), key="retry-1")
        await app.drain()
        first, second = adapter.seen_since[1:]
        assert first is None
        assert second is not None and before - timedelta(seconds=1) <= second <= utcnow()
        assert await status_of(app, row_id) == "sent"


async def test_a_row_released_after_a_crash_is_flagged(tmp_path):
    """A replica persisted a reply and died (maybe after sending it, before the mark): the restarted
    replica sends it again, telling the adapter it may be a copy."""
    async with running_app(tmp_path, demo=False) as app:
        adapter = RecordingAdapter(app)
        app.adapters[CHANNEL] = adapter
        rows = app.outbox.prepare(
            platform=CHANNEL, target=Target(CHANNEL, user_id="u1"), reply=Reply("上次没标记"), key="crash-1"
        )
        persisted = await app.db.group.run_sync(lambda conn: app.outbox.persist_sync(conn, rows))  # never started
        row_id = persisted[0]["id"]
        assert await app.leases.release_outbox_on_restart() == 1
        await app.outbox.sweep()
        await app.drain()
        assert len(adapter.deliveries) == 1
        since = adapter.deliveries[0].possibly_sent_since
        assert since is not None and abs((since - persisted[0]["created_at"]).total_seconds()) < 1
        assert await status_of(app, row_id) == "sent"


# --- WeCom: the platform drops the copy -----------------------------------------------------------

USER = {"userid": "zhangsan", "name": "张三", "department": [2], "main_department": 2}


async def test_wecom_resend_after_a_crash_is_dropped_by_the_duplicate_check(tmp_path):
    async with wecom_rig(tmp_path) as rig:
        rig.qyapi.users["zhangsan"] = USER
        text = "好的，明天上午十点提醒你跟进华东机械的报价。"
        [row_id] = await rig.app.push(Target("wecom", user_id="zhangsan"), Reply(text), key="remind-1")
        await rig.settle()
        first = rig.qyapi.calls_to("message/send")[0]["json"]
        assert "enable_duplicate_check" not in first  # a first attempt: nothing to drop

        # the process died after WeCom accepted it and before the mark committed
        async with rig.app.db.write() as s:
            await s.execute(
                update(OutboxMessage).where(OutboxMessage.id == row_id).values(status="sending", sent_at=None)
            )
        await rig.app.leases.release_outbox_on_restart()
        await rig.app.outbox.sweep()
        await rig.settle()

        resend = rig.qyapi.calls_to("message/send")[1]["json"]
        assert resend["enable_duplicate_check"] == 1 and 60 <= resend["duplicate_check_interval"] <= 4 * 3600
        assert resend["text"] == first["text"]
        assert [b["text"]["content"] for b in rig.qyapi.sends()] == [text]  # the colleague sees it once
        assert rig.qyapi.duplicates_dropped == 1 and await status_of(rig.app, row_id) == "sent"

        # the trade-off: an honest second identical answer (a new row, first attempt) still arrives
        await rig.app.push(Target("wecom", user_id="zhangsan"), Reply(text), key="remind-2")
        await rig.settle()
        assert len(rig.qyapi.sends()) == 2


async def test_wecom_send_that_timed_out_after_delivery_is_not_doubled(tmp_path):
    async with wecom_rig(tmp_path) as rig:
        rig.qyapi.users["zhangsan"] = USER
        api = rig.adapter.api
        await api.access_token()
        api.timeout = aiohttp.ClientTimeout(total=0.1)
        # WeCom takes 0.15 s: it delivers, but our side gave up at 0.1 s; the outbox retries at ~0.3 s
        rig.qyapi.inject("message/send", delay=0.15)
        await rig.app.push(Target("wecom", user_id="zhangsan"), Reply("客户要的资料已发你邮箱"), key="slow-1")
        await rig.settle()
        calls = [c["json"] for c in rig.qyapi.calls_to("message/send")]
        assert len(calls) == 2
        assert "enable_duplicate_check" not in calls[0] and calls[1]["enable_duplicate_check"] == 1
        assert len(rig.qyapi.sends()) == 1 and rig.qyapi.duplicates_dropped == 1
        assert rig.app.outbox.stats["sent"] == 1
