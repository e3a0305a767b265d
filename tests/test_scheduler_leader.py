"""One leader, exactly-once pushes across restarts and processes, the APScheduler job store, real channels."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import func, select

from bot.clock import FrozenClock
from bot.models import OutboxMessage
from salesbot.app import App
from scheduler import jobs, start_scheduler
from scheduler.models import ScheduledNotice
from scheduler.service import JOB_KINDS, SchedulerService
from tests.conftest import make_settings, running_app
from tests.test_scheduler_jobs import add_task, at, make_org


async def push_rows(app) -> int:
    async with app.db.session() as s:
        return (
            await s.execute(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.key.like("push:sched:%"))
            )
        ).scalar_one()


async def second_app(tmp_path, clock) -> App:
    """Another process on the same database file (its own engine, pools and locks)."""
    lines: list[str] = []
    app = App(make_settings(tmp_path), clock=clock, console_output=lines.append, enable_knowledge=False)
    app.console_lines = lines
    await app.start(connect_channels=False)
    return app


async def test_a_push_goes_out_once_across_a_restart(tmp_path):
    clock = FrozenClock(at(2026, 11, 23, 10, 1))
    async with running_app(tmp_path, demo=False, clock=clock) as app:
        org = await make_org(app)
        await add_task(app, org, "发正式报价", date(2026, 11, 23), created=at(2026, 11, 20))
        assert await jobs.run_reminders(app) == 1
        await app.drain()
    clock.advance(minutes=1)
    async with running_app(tmp_path, demo=False, clock=clock) as app:  # the restarted process
        assert await jobs.run_reminders(app) == 0
        assert await push_rows(app) == 1
        async with app.db.session() as s:
            keys = (await s.execute(select(ScheduledNotice.key))).scalars().all()
        assert any(k.startswith("remind:") for k in keys)


async def test_two_scheduler_processes_send_each_push_once(tmp_path):
    clock = FrozenClock(at(2026, 11, 23, 10, 1))
    async with running_app(tmp_path, demo=False, clock=clock) as a:
        org = await make_org(a)
        for i in range(5):
            await add_task(a, org, f"跟进事项 {i}", date(2026, 11, 23), created=at(2026, 11, 20))
        b = await second_app(tmp_path, clock)
        try:
            results = await asyncio.gather(
                jobs.run_reminders(a), jobs.run_reminders(b), jobs.run_followups(a), jobs.run_followups(b)
            )
            await a.drain()
            await b.drain()
            assert sorted(results[:2]) == [0, 5]  # one process claimed all five tasks
            assert await push_rows(a) == 1  # bundled into one message, sent by one process
            delivered = [d for app in (a, b) for d in app.adapters["console"].delivered if d.is_push]
            assert len(delivered) == 1
        finally:
            await b.stop()


async def test_leader_lease_is_exclusive_and_taken_over_when_the_leader_dies(tmp_path):
    clock = FrozenClock(at(2026, 11, 23, 10))
    async with running_app(tmp_path, demo=False, clock=clock) as a:
        b = await second_app(tmp_path, clock)
        # services without their background loop: leadership is driven by hand, deterministically
        leader = SchedulerService(a, lease_ttl=30)
        follower = SchedulerService(b, lease_ttl=30)
        try:
            assert await leader.step() is True
            assert await follower.step() is False
            assert leader.scheduler is not None and follower.scheduler is None
            assert await follower.run_kind("reminders") == 0  # a follower never runs jobs
            clock.advance(seconds=20)
            assert await leader.step() is True  # renewed
            clock.advance(seconds=25)
            assert await follower.step() is False  # 25 s after the renewal: still the leader's
            # the leader dies (no more renewals); after the TTL the follower takes over
            clock.advance(seconds=31)
            assert await follower.step() is True and follower.scheduler is not None
            assert await leader.step() is False and leader.scheduler is None
        finally:
            await follower.stop()
            await leader.stop()
            await b.stop()


async def test_stopping_the_leader_hands_over_at_once(tmp_path):
    clock = FrozenClock(at(2026, 11, 23, 10))
    async with running_app(tmp_path, demo=False, clock=clock) as a:
        b = await second_app(tmp_path, clock)
        first, second = SchedulerService(a), SchedulerService(b)
        try:
            assert await first.step() and not await second.step()
            await first.stop()  # a clean shutdown releases the lease
            assert await second.step() is True
        finally:
            await second.stop()
            await b.stop()


async def test_jobs_are_persisted_in_the_database_job_store_with_their_misfire_policy(tmp_path):
    clock = FrozenClock(at(2026, 11, 23, 10))
    async with running_app(tmp_path, demo=False, clock=clock) as app:
        service = await start_scheduler(app)
        try:
            assert await service.step()
            jobs_ = await asyncio.to_thread(service.scheduler.get_jobs)
            assert {j.id for j in jobs_} == set(JOB_KINDS)
            by_id = {j.id: j for j in jobs_}
            assert by_id["reminders"].misfire_grace_time == 30 and by_id["reminders"].coalesce
            assert by_id["contact_model"].misfire_grace_time == 6 * 3600
            assert by_id["reminders"].func_ref == "scheduler.service:run_job"
            async with app.db.session() as s:
                stored = (await s.execute(text("select count(*) from apscheduler_jobs"))).scalar_one()
            assert stored == len(JOB_KINDS)
            refresh_at = by_id["contact_model"].next_run_time
        finally:
            await service.stop()
    async with running_app(tmp_path, demo=False, clock=clock) as app:  # restart: the stored schedule is kept
        service = await start_scheduler(app)
        try:
            assert await service.step()
            job = await asyncio.to_thread(service.scheduler.get_job, "contact_model")
            assert job.next_run_time == refresh_at and job.args[0] == service.id
        finally:
            await service.stop()


async def test_the_apscheduler_runs_a_due_job_through_the_leader(tmp_path):
    clock = FrozenClock(at(2026, 11, 23, 10, 1))
    async with running_app(tmp_path, demo=False, clock=clock) as app:
        org = await make_org(app)
        await add_task(app, org, "发正式报价", date(2026, 11, 23), created=at(2026, 11, 20))
        service = await start_scheduler(app)
        try:
            assert await service.step()
            from datetime import datetime, timezone

            await asyncio.to_thread(service.scheduler.modify_job, "reminders", next_run_time=datetime.now(timezone.utc))
            service.scheduler.wakeup()
            for _ in range(100):
                if service.stats.get("reminders"):
                    break
                await asyncio.sleep(0.05)
            assert service.stats.get("reminders") == 1
            await app.drain()
            assert await push_rows(app) == 1
        finally:
            await service.stop()


# --- real channels --------------------------------------------------------------------------------


async def test_reminder_reaches_the_wecom_fake_through_the_outbox(tmp_path):
    from tests.wecom_support import wecom_rig

    clock = FrozenClock(at(2026, 11, 23, 10, 1))
    async with wecom_rig(tmp_path, clock=clock) as rig:
        org = await make_org(rig.app)
        await add_task(rig.app, org, "发正式报价", date(2026, 11, 23), created=at(2026, 11, 20))
        assert await jobs.run_reminders(rig.app) == 1
        await rig.settle()
        sends = rig.qyapi.sends()
        assert len(sends) == 1 and sends[0]["touser"] == "zhangwei"
        assert "发正式报价" in sends[0]["text"]["content"]
        assert await jobs.run_reminders(rig.app) == 0
        await rig.settle()
        assert len(rig.qyapi.sends()) == 1


async def test_escalation_reaches_the_dingtalk_fake_through_the_openapi(tmp_path):
    from tests.fakes.dingtalk import FakeDingTalk

    fake = FakeDingTalk()
    await fake.start()
    try:
        clock = FrozenClock(at(2026, 10, 9, 10, 5))
        env = {
            "DINGTALK_CLIENT_ID": fake.client_id,
            "DINGTALK_CLIENT_SECRET": fake.client_secret,
            "DINGTALK_OPENAPI_ENDPOINT": fake.base_url,
        }
        async with running_app(tmp_path, demo=False, clock=clock, **env) as app:
            org = await make_org(app)
            await add_task(app, org, "发送合同草稿", date(2026, 9, 30), created=at(2026, 9, 25))
            assert await jobs.run_followups(app) == 2  # overdue to the rep, escalation to the manager
            await fake.wait_for(lambda: len(fake.robot_sends) == 2)
            await app.drain()
            users = sorted(tuple(s["body"]["userIds"]) for s in fake.robot_sends)
            assert users == [("dt_wangqiang",), ("dt_zhangwei",)]
            assert all(s["path"] == "/v1.0/robot/oToMessages/batchSend" for s in fake.robot_sends)
    finally:
        await fake.close()


@pytest.mark.parametrize("bad", ["not-a-zone"])
async def test_unknown_user_time_zone_falls_back_to_the_default(tmp_path, bad):
    clock = FrozenClock(at(2026, 11, 23, 10, 1))
    async with running_app(tmp_path, demo=False, clock=clock) as app:
        org = await make_org(app, rep_tz=bad)
        await add_task(app, org, "发正式报价", date(2026, 11, 23), created=at(2026, 11, 20))
        assert await jobs.run_reminders(app) == 1


class _FakeRedis:
    """SET NX PX and the lease's two compare-and-set scripts, on a controllable clock (no server here)."""

    def __init__(self):
        self.now = 0.0
        self.data: dict[str, tuple[str, float]] = {}

    def _live(self, key):
        value = self.data.get(key)
        return value[0] if value and value[1] > self.now else None

    async def set(self, key, value, nx=False, px=None):
        if nx and self._live(key) is not None:
            return None
        self.data[key] = (value, self.now + px / 1000)
        return True

    def register_script(self, source):
        async def run(keys, args):
            key, token = keys[0], args[0]
            if self._live(key) != token:
                return 0
            if "PEXPIRE" in source:
                self.data[key] = (token, self.now + int(args[1]) / 1000)
            else:
                del self.data[key]
            return 1

        return run


async def test_redis_lease_takes_renews_hands_over_and_releases():
    from scheduler.leader import RedisLease

    redis = _FakeRedis()
    a = RedisLease(redis, ttl=30, holder="a", key="salesbot:scheduler:leader")
    b = RedisLease(redis, ttl=30, holder="b", key="salesbot:scheduler:leader")
    assert await a.acquire() and not await b.acquire()
    redis.now += 20
    assert await a.acquire()  # renewed until 50
    redis.now += 25
    assert not await b.acquire()
    redis.now += 6  # a died at 20: its lease ran out at 50
    assert await b.acquire() and not await a.acquire()
    await a.release()  # not the holder: releasing does nothing
    assert redis._live("salesbot:scheduler:leader") == "b"
    await b.release()
    assert await a.acquire()
