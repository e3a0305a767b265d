"""Scheduler jobs driven directly with a frozen clock: local times, holidays and 调休, quiet hours, escalation."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.clock import FrozenClock
from bot.identity import set_staff_id
from bot.models import Account, Opportunity, StaffUser, Task, Visit
from bot.settings import ConfigError
from scheduler import jobs, start_scheduler
from tests.conftest import ConsoleClient, running_app

SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=10, mi=0, tz=SH) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=tz)


async def make_org(app, *, rep_tz: str = "Asia/Shanghai") -> dict:
    async with app.db.write() as s:
        mgr = StaffUser(username="wangqiang", name="王强", role="manager")
        s.add(mgr)
        await s.flush()
        rep = StaffUser(username="zhangwei", name="张伟", role="rep", manager_id=mgr.id, timezone=rep_tz)
        s.add(rep)
        await s.flush()
        for user in (mgr, rep):
            await set_staff_id(s, user, "wecom", user.username)
            await set_staff_id(s, user, "dingtalk", f"dt_{user.username}")
        acc = Account(
            name="上海华东机械制造有限公司", short_name="华东机械", industry="制造业", region="华东", owner_id=rep.id
        )
        s.add(acc)
        await s.flush()
        return {"mgr": mgr.id, "rep": rep.id, "account": acc.id}


async def add_task(app, org, title, due: date, due_at: datetime | None = None, created: datetime | None = None) -> int:
    async with app.db.write() as s:
        task = Task(title=title, due_date=due, due_at=due_at, owner_id=org["rep"], account_id=org["account"])
        if created is not None:
            task.created_at = created
        s.add(task)
        await s.flush()
        return task.id


def pushes(app) -> list[tuple[str, str]]:
    console = app.adapters["console"]
    return [
        (d.target.user_id, d.reply.text or (d.reply.card.title if d.reply.card else ""))
        for d in console.delivered
        if d.is_push
    ]


async def run(app, job) -> list[tuple[str, str]]:
    before = len(pushes(app))
    await job(app)
    await app.drain()
    return pushes(app)[before:]


async def test_stated_time_reminder_fires_at_that_local_time_once(tmp_path):
    clock = FrozenClock(at(2026, 11, 23, 10))
    async with running_app(tmp_path, demo=False, clock=clock) as app:
        await make_org(app)
        out = await ConsoleClient(app, "zhangwei").say("/任务 周五下午3点跟进华东机械的合同")
        assert "11月27日（周五） 15:00 提醒你" in out
        async with app.db.session() as s:
            task = (await s.execute(select(Task))).scalars().one()
        assert task.due_at == at(2026, 11, 27, 15) and task.due_date == date(2026, 11, 27)
        clock.set(at(2026, 11, 27, 14, 59))
        assert await run(app, jobs.run_reminders) == []
        clock.set(at(2026, 11, 27, 15, 0))
        sent = await run(app, jobs.run_reminders)
        assert len(sent) == 1 and sent[0][0] == "zhangwei"
        assert "跟进华东机械的合同" in sent[0][1] and "15:00" in sent[0][1]
        clock.set(at(2026, 11, 27, 15, 1))
        assert await run(app, jobs.run_reminders) == []  # once


async def test_daypart_without_hour_gets_a_sensible_time_and_past_times_are_refused(tmp_path):
    clock = FrozenClock(at(2026, 11, 23, 16))
    async with running_app(tmp_path, demo=False, clock=clock) as app:
        await make_org(app)
        client = ConsoleClient(app, "zhangwei")
        assert "14:00 提醒你" in await client.say("/任务 提醒我周五下午跟进华东机械")
        refused = await client.say("/任务 今天上午10点给华东机械回电话")
        assert "已经过了" in refused
        async with app.db.session() as s:
            assert len((await s.execute(select(Task))).scalars().all()) == 1


async def test_due_day_reminder_follows_the_owners_time_zone(tmp_path):
    clock = FrozenClock(at(2026, 11, 23, 10))
    async with running_app(tmp_path, demo=False, clock=clock) as app:
        org = await make_org(app, rep_tz="Europe/Berlin")
        await add_task(app, org, "发正式报价", date(2026, 11, 23), created=at(2026, 11, 20))
        assert await run(app, jobs.run_reminders) == []  # 03:00 in Berlin
        clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Berlin")))
        sent = await run(app, jobs.run_reminders)
        assert len(sent) == 1 and "今天到期" in sent[0][1]


async def test_quiet_hours_hold_a_daily_reminder_until_they_end(tmp_path):
    clock = FrozenClock(at(2026, 11, 23, 7, 30))
    async with running_app(
        tmp_path, demo=False, clock=clock, SALESBOT_REMINDER_TIME="07:30", SALESBOT_QUIET_HOURS="21:00-08:00"
    ) as app:
        org = await make_org(app)
        await add_task(app, org, "发正式报价", date(2026, 11, 23), created=at(2026, 11, 20))
        assert await run(app, jobs.run_reminders) == []
        clock.set(at(2026, 11, 23, 8, 0))
        assert len(await run(app, jobs.run_reminders)) == 1
        clock.set(at(2026, 11, 23, 12, 0))  # past the catch-up window: stale, and already sent anyway
        assert await run(app, jobs.run_reminders) == []


async def test_holiday_due_date_is_reminded_on_the_last_workday_before(tmp_path):
    clock = FrozenClock(at(2026, 9, 30, 10))  # Wednesday; Oct 1-7 is the National Day holiday
    async with running_app(tmp_path, demo=False, clock=clock) as app:
        org = await make_org(app)
        await add_task(app, org, "提交安全评估材料", date(2026, 10, 3), created=at(2026, 9, 28))
        sent = await run(app, jobs.run_reminders)
        assert len(sent) == 1 and "10月3日（周六）到期，那天休息" in sent[0][1]
        clock.set(at(2026, 10, 3, 10))
        assert await run(app, jobs.run_reminders) == []


async def test_overdue_is_re_reminded_on_workdays_and_escalated_after_n_working_days(tmp_path):
    clock = FrozenClock(at(2026, 10, 1, 10, 5))  # holiday
    async with running_app(tmp_path, demo=False, clock=clock, SALESBOT_ESCALATE_AFTER_WORKDAYS="2") as app:
        org = await make_org(app)
        task_id = await add_task(app, org, "发送合同草稿", date(2026, 9, 30), created=at(2026, 9, 25))
        assert await run(app, jobs.run_followups) == []  # Oct 1: a holiday, nobody is nagged
        clock.set(at(2026, 10, 8, 10, 5))  # Thu, first workday after the holiday: 1 working day late
        sent = await run(app, jobs.run_followups)
        assert [u for u, _ in sent] == ["zhangwei"] and f"#{task_id}" in sent[0][1] and "晚了 1 个工作日" in sent[0][1]
        assert await run(app, jobs.run_followups) == []  # same day, second pass: nothing
        clock.set(at(2026, 10, 9, 10, 5))  # Fri: 2 working days late -> the manager hears of it
        sent = dict(await run(app, jobs.run_followups))
        assert set(sent) == {"zhangwei", "wangqiang"}
        assert "已同步给王强" in sent["zhangwei"]
        assert "张伟" in sent["wangqiang"] and "发送合同草稿" in sent["wangqiang"]
        clock.set(at(2026, 10, 10, 10, 5))  # Saturday, but a 调休 workday: reminded again, not re-escalated
        sent = await run(app, jobs.run_followups)
        assert [u for u, _ in sent] == ["zhangwei"]
        clock.set(at(2026, 10, 11, 10, 5))  # Sunday
        assert await run(app, jobs.run_followups) == []
        async with app.db.write() as s:
            task = await s.get(Task, task_id)
            task.status = "done"
            s.add(task)
        clock.set(at(2026, 10, 12, 10, 5))
        assert await run(app, jobs.run_followups) == []


async def test_stalled_deals_use_the_threshold_of_their_stage(tmp_path):
    clock = FrozenClock(at(2026, 11, 23, 10, 5))
    async with running_app(
        tmp_path, demo=False, clock=clock, SALESBOT_STALLED_DAYS="negotiation=5,prospecting=14"
    ) as app:
        org = await make_org(app)
        old = at(2026, 11, 17, 9)
        async with app.db.write() as s:
            acc2 = Account(name="杭州云帆物流有限公司", short_name="云帆物流", owner_id=org["rep"])
            s.add(acc2)
            await s.flush()
            for name, stage, account in (
                ("华东机械二期", "negotiation", org["account"]),
                ("云帆物流一期", "prospecting", acc2.id),
            ):
                s.add(
                    Opportunity(
                        account_id=account, name=name, stage=stage, owner_id=org["rep"], created_at=old, updated_at=old
                    )
                )
            s.add(Visit(account_id=acc2.id, owner_id=org["rep"], visit_date=date(2026, 11, 10), status="held"))
        sent = await run(app, jobs.run_followups)
        assert len(sent) == 1
        assert "华东机械二期" in sent[0][1] and "6 天没有拜访或跟进" in sent[0][1] and "云帆物流一期" not in sent[0][1]
        clock.set(at(2026, 11, 24, 10, 5))
        assert await run(app, jobs.run_followups) == []  # reported once per stall
        async with app.db.write() as s:
            s.add(Visit(account_id=org["account"], owner_id=org["rep"], visit_date=date(2026, 11, 24), status="held"))
        clock.set(at(2026, 12, 1, 10, 5))  # stalled again 7 days after the new visit: a new report
        sent = await run(app, jobs.run_followups)
        assert len(sent) == 1 and "7 天没有" in sent[0][1]


async def test_morning_brief_and_manager_digest_on_workdays_only(tmp_path):
    clock = FrozenClock(at(2026, 11, 28, 8, 35))  # Saturday
    async with running_app(tmp_path, demo=False, clock=clock) as app:
        org = await make_org(app)
        await add_task(app, org, "发正式报价", date(2026, 11, 30), created=at(2026, 11, 20))
        async with app.db.write() as s:
            s.add(
                Visit(
                    account_id=org["account"],
                    owner_id=org["rep"],
                    visit_date=date(2026, 11, 30),
                    status="planned",
                    start_at=at(2026, 11, 30, 14),
                )
            )
        assert await run(app, jobs.run_briefs) == []
        clock.set(at(2026, 11, 30, 8, 35))  # Monday
        sent = await run(app, jobs.run_briefs)
        assert len(sent) == 1 and sent[0][0] == "zhangwei"
        assert "14:00 华东机械" in sent[0][1] and "发正式报价" in sent[0][1]
        assert await run(app, jobs.run_briefs) == []
        async with app.db.write() as s:
            s.add(
                Visit(
                    account_id=org["account"],
                    owner_id=org["rep"],
                    visit_date=date(2026, 11, 30),
                    status="held",
                    summary="聊了二期",
                )
            )
        clock.set(at(2026, 11, 30, 17, 59))
        assert await run(app, jobs.run_digests) == []
        clock.set(at(2026, 11, 30, 18, 0))
        sent = await run(app, jobs.run_digests)
        assert len(sent) == 1 and sent[0][0] == "wangqiang"
        assert "团队日报" in sent[0][1] and "张伟：拜访 1" in sent[0][1]
        assert await run(app, jobs.run_digests) == []


async def test_bad_scheduler_settings_fail_at_start_naming_the_setting(tmp_path):
    async with running_app(tmp_path, demo=False, SALESBOT_QUIET_HOURS="25:00-08:00") as app:
        with pytest.raises(ConfigError, match="SALESBOT_QUIET_HOURS"):
            await start_scheduler(app)
    async with running_app(tmp_path, demo=False, SALESBOT_STALLED_DAYS="proposal=7,won=3") as app:
        with pytest.raises(ConfigError, match="阶段「won」不认识"):
            await start_scheduler(app)


async def test_other_capabilities_clocks_run_through_the_scheduler(tmp_path, monkeypatch):
    import tools.approvals
    import tools.autofill

    async with running_app(tmp_path, demo=False) as app:
        await make_org(app)
        # the real ones run cleanly on an org with nothing pending
        assert await jobs.run_approvals(app) == 0
        assert await jobs.run_autofill(app) == 0
        calls = []

        async def fake(app_, name):
            calls.append((name, app_ is app))
            return 3

        monkeypatch.setattr(tools.approvals, "remind_and_escalate_overdue", lambda a: fake(a, "approvals"))
        monkeypatch.setattr(tools.autofill, "expire_and_remind", lambda a: fake(a, "autofill"))
        assert await jobs.run_approvals(app) == 3 and await jobs.run_autofill(app) == 3
    assert calls == [("approvals", True), ("autofill", True)]


def test_workday_hours_skip_weekends_and_public_holidays():
    from bot.worktime import add_workday_hours as add_hours

    def add_workday_hours(start, hours):
        return add_hours(start, hours, (time(9, 0), time(18, 0)))

    shanghai = ZoneInfo("Asia/Shanghai")
    tuesday = datetime(2026, 11, 24, 10, 0, tzinfo=shanghai)
    assert add_workday_hours(tuesday, 24) == datetime(2026, 11, 25, 10, 0, tzinfo=shanghai)
    friday = datetime(2026, 11, 27, 15, 0, tzinfo=shanghai)
    assert add_workday_hours(friday, 4) == datetime(2026, 11, 27, 19, 0, tzinfo=shanghai)
    assert add_workday_hours(friday, 24) == datetime(2026, 11, 30, 15, 0, tzinfo=shanghai)  # Sat, Sun skipped
    # set outside working hours, the clock starts when the next working day starts (09:00), not at midnight
    saturday = datetime(2026, 11, 28, 11, 0, tzinfo=shanghai)
    assert add_workday_hours(saturday, 2) == datetime(2026, 11, 30, 11, 0, tzinfo=shanghai)
    assert add_workday_hours(datetime(2026, 11, 29, 20, 0, tzinfo=shanghai), 4) == datetime(
        2026, 11, 30, 13, 0, tzinfo=shanghai
    )
    assert add_workday_hours(datetime(2026, 11, 30, 3, 0, tzinfo=shanghai), 4) == datetime(
        2026, 11, 30, 13, 0, tzinfo=shanghai
    )
    assert add_workday_hours(datetime(2026, 11, 27, 20, 0, tzinfo=shanghai), 4) == datetime(
        2026, 11, 30, 13, 0, tzinfo=shanghai
    )
    # 国庆 2026: 1-7 Oct are off, so 12 h are left on 30 Sep and the other 12 run on 8 Oct
    assert add_workday_hours(datetime(2026, 9, 30, 12, 0, tzinfo=shanghai), 24) == datetime(
        2026, 10, 8, 12, 0, tzinfo=shanghai
    )
