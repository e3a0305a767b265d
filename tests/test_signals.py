"""Signals → actions end to end: detection with quoted evidence, weekly counts per team, a competitor surge that
alerts the manager exactly once (frozen clock, reruns and a restart), a strong deal signal that proposes a next
step to the rep, confirmed with 「是」."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import func, select

from bot.clock import FrozenClock
from bot.identity import set_staff_id
from bot.messages import Role
from bot.models import Account, Contact, InboundMessage, Opportunity, PlatformIdentity, StaffUser, Task, Visit
from bot.org import Competitor, OrgProfile
from scheduler.models import ScheduledNotice
from scheduler.signal_jobs import run_signals
from tests.conftest import ConsoleClient, running_app
from tools.signals import detect, service
from tools.signals.models import SalesSignal

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=SH)  # a workday
COMPETITORS = "纷享销客/纷享,销售易/销售e,励销云/励销"
ENV = dict(SALESBOT_COMPETITORS=COMPETITORS, SALESBOT_SIGNAL_SURGE_MIN="4")


async def make_team(app) -> dict:
    async with app.db.write() as s:
        mgr = StaffUser(username="wangqiang", name="王强", role="manager", team="华东组")
        s.add(mgr)
        await s.flush()
        reps = []
        for username, name in (("zhangwei", "张伟"), ("lina", "李娜")):
            rep = StaffUser(username=username, name=name, role="rep", manager_id=mgr.id, team="华东组")
            s.add(rep)
            await s.flush()
            reps.append(rep.id)
        for user_id, username in ((mgr.id, "wangqiang"),):
            await set_staff_id(s, await s.get(StaffUser, user_id), "wecom", username)
        acc = Account(name="上海华东机械制造有限公司", short_name="华东机械", owner_id=reps[0])
        acc2 = Account(name="南京金陵医药有限公司", short_name="金陵医药", owner_id=reps[1])
        s.add_all([acc, acc2])
        await s.flush()
        opp = Opportunity(account_id=acc.id, name="华东机械二期扩容", stage="proposal", owner_id=reps[0])
        s.add(opp)
        await s.flush()
        return {"mgr": mgr.id, "reps": reps, "accounts": [acc.id, acc2.id], "opp": opp.id}


async def visit(app, owner, account, day: date, summary: str) -> None:
    async with app.db.write() as s:
        s.add(Visit(account_id=account, owner_id=owner, visit_date=day, summary=summary, status="held"))


def pushes(app, who: str) -> list[str]:
    return [
        d.reply.text or (d.reply.card.body if d.reply.card else "")
        for d in app.adapters["console"].delivered
        if d.is_push and d.target.user_id == who
    ]


async def run(app) -> int:
    sent = await run_signals(app)
    await app.drain()
    return sent


def test_detector_quotes_the_sentence_and_uses_the_org_profile_competitors():
    org = OrgProfile(competitors=(Competitor("纷享销客", ("纷享",)), Competitor("海纳CRM", ("海纳",))))
    found = detect("今天聊得不错。客户说纷享便宜一半，海纳电器是他们的大客户！预算也被砍了", org)
    assert [(s.kind, s.quote, s.detail) for s in found] == [
        ("price_objection", "客户说纷享便宜一半，海纳电器是他们的大客户！", ""),
        ("competitor", "客户说纷享便宜一半，海纳电器是他们的大客户！", "纷享销客"),
        ("budget_cut", "预算也被砍了", ""),
    ]
    assert detect("客户提到销售易", OrgProfile()) == []  # no competitor configured, none found


async def test_competitor_surge_alerts_the_manager_once_across_reruns_and_a_restart(tmp_path):
    clock = FrozenClock(MONDAY)
    async with running_app(tmp_path, demo=False, clock=clock, **ENV) as app:
        org = await make_team(app)
        zhang, li = org["reps"]
        hd, jl = org["accounts"]
        # four weeks before: two competitor mentions a week (average 2)
        for weeks_ago in range(1, 5):
            day = date(2026, 11, 30 - 7 * weeks_ago) if 30 - 7 * weeks_ago > 0 else None
            day = day or date(2026, 11, 2)
            await visit(app, zhang, hd, day, f"第{weeks_ago}周：客户也在看纷享销客。")
            await visit(app, li, jl, day, f"第{weeks_ago}周：他们现在用的是销售易。")
        # this week: three mentions — more than the average but not double (4): no alert
        await visit(app, zhang, hd, date(2026, 11, 30), "客户说纷享的移动端更顺手。价格这块没意见。")
        await visit(app, li, jl, date(2026, 11, 30), "采购问了我们和销售e的区别。")
        rep = ConsoleClient(app, "zhangwei")
        await rep.say("华东机械的IT说励销云上周刚来做过演示")
        async with app.db.write() as s:  # the ledger stamps real time; put the message in the frozen week
            await s.execute(update(InboundMessage).values(received_at=MONDAY))
        await run(app)
        async with app.db.session() as s:
            kinds = (await s.execute(select(SalesSignal.kind, SalesSignal.source, SalesSignal.detail))).all()
        assert ("competitor", "chat", "励销云") in kinds and ("competitor", "visit", "销售易") in kinds
        assert not any(k == "price_objection" for k, _, _ in kinds)  # 「价格这块没意见」 is no objection
        assert pushes(app, "wangqiang") == []
        assert "竞品提及：3 次（平均 2）" in await ConsoleClient(app, "wangqiang").say("/信号")

        # one more mention: 4 = double the average and the minimum → the manager hears it, with the quotes
        await visit(app, li, jl, date(2026, 12, 1), "客户又提到纷享销客给了七折。")
        clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=SH))
        await run(app)
        alerts = pushes(app, "wangqiang")
        assert len(alerts) == 1
        alert = alerts[0]
        assert "团队本周「竞品提及（纷享销客" in alert and "已经 4 次，前四周平均 2 次" in alert
        assert "「华东机械的IT说励销云上周刚来做过演示」（张伟 · 华东机械）" in alert
        assert "「客户又提到纷享销客给了七折。」（李娜 · 金陵医药）" in alert
        assert "建议：把竞品对比话术发给团队" in alert
        # more mentions the same week, and reruns: nothing more
        await visit(app, zhang, hd, date(2026, 12, 2), "客户还在比销售易。")
        await run(app)
        await run(app)
        assert len(pushes(app, "wangqiang")) == 1

    # a restarted process (same database, clock still frozen in that week): still once
    async with running_app(
        tmp_path, demo=False, clock=FrozenClock(datetime(2026, 12, 2, 15, 0, tzinfo=SH)), **ENV
    ) as app:
        await run(app)
        assert pushes(app, "wangqiang") == []
        async with app.db.session() as s:
            keys = (
                (await s.execute(select(ScheduledNotice.key).where(ScheduledNotice.kind == "signal_surge")))
                .scalars()
                .all()
            )
        assert keys == [f"signal-surge:{org['mgr']}:competitor:2026-11-30"]


async def test_no_alert_in_quiet_hours_then_once_in_the_morning(tmp_path):
    clock = FrozenClock(datetime(2026, 11, 30, 22, 30, tzinfo=SH))
    async with running_app(tmp_path, demo=False, clock=clock, **ENV) as app:
        org = await make_team(app)
        zhang = org["reps"][0]
        for i in range(4):
            await visit(app, zhang, org["accounts"][0], date(2026, 11, 30), f"第{i}次，客户嫌我们太贵了。")
        await run(app)
        assert pushes(app, "wangqiang") == []
        clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=SH))
        await run(app)
        alerts = pushes(app, "wangqiang")
        assert len(alerts) == 1 and "「价格异议」已经 4 次，前四周没有" in alerts[0]
        assert "建议：组织一次价格评审" in alerts[0]


async def test_a_strong_deal_signal_proposes_a_next_step_confirmed_with_yes(tmp_path):
    async with running_app(tmp_path, demo=False, clock=FrozenClock(MONDAY), **ENV) as app:
        org = await make_team(app)
        rep = ConsoleClient(app, "zhangwei")
        await rep.say("华东机械的法务要一份标准合同审一下条款")
        await run(app)
        proposals = pushes(app, "zhangwei")
        assert len(proposals) == 1
        assert "听到一个信号（要合同）：「华东机械的法务要一份标准合同审一下条款」" in proposals[0]
        assert "给客户发合同模板，约法务对条款" in proposals[0]
        async with app.db.session() as s:
            assert (await s.execute(select(func.count()).select_from(Task))).scalar_one() == 0
        await run(app)  # once per deal, kind and week
        assert len(pushes(app, "zhangwei")) == 1
        said = await rep.say("是")
        assert "给客户发合同模板" in said
        async with app.db.session() as s:
            task = (await s.execute(select(Task))).scalars().one()
        assert task.owner_id == org["reps"][0] and task.account_id == org["accounts"][0]
        assert task.due_date == date(2026, 12, 2) and task.created_source == "AGENT"


async def test_customer_bot_conversations_count_for_the_account_owner(tmp_path):
    async with running_app(tmp_path, demo=False, clock=FrozenClock(MONDAY), **ENV) as app:
        org = await make_team(app)
        async with app.db.write() as s:
            contact = Contact(account_id=org["accounts"][0], name="王芳")
            s.add(contact)
            await s.flush()
            s.add(PlatformIdentity(platform="console", external_id="wangfang_wx", contact_id=contact.id))
        customer = ConsoleClient(app, "wangfang_wx", Role.CUSTOMER)
        await customer.say("你们有没有制造业的成功案例？我们老板想参考一下。")
        await customer.say("你好")
        await run(app)
        async with app.db.session() as s:
            found = (await s.execute(select(SalesSignal))).scalars().all()
        assert [(x.kind, x.source, x.staff_id, x.account_id) for x in found] == [
            ("reference_request", "customer", org["reps"][0], org["accounts"][0])
        ]
        assert found[0].quote == "你们有没有制造业的成功案例？"
        # a strong signal on the deal: the owner is proposed a next step
        assert "整理同行业案例，约一家参考客户" in pushes(app, "zhangwei")[0]


async def test_a_backlog_is_caught_up_in_batches_and_a_rescan_stores_nothing_twice(tmp_path, monkeypatch):
    monkeypatch.setattr(service, "BATCH", 3)
    async with running_app(tmp_path, demo=False, clock=FrozenClock(MONDAY), **ENV) as app:
        org = await make_team(app)
        for i in range(10):
            await visit(app, org["reps"][0], org["accounts"][0], date(2026, 11, 30), f"第{i}次：客户说太贵了。")
        assert await service.scan(app) == 10
        await app.kv.set("signals:cursor:visit", "0")  # a lost cursor: the same sentences again
        assert await service.scan(app) == 0
        async with app.db.session() as s:
            assert (await s.execute(select(func.count()).select_from(SalesSignal))).scalar_one() == 10
