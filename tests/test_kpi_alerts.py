"""KPI alerts end to end through the WeCom and DingTalk fakes: once per period across restarts and
replicas, quiet hours and days off, snoozing from the card; the weekly data-health line."""

from __future__ import annotations

import asyncio
import json
from datetime import date

from sqlmodel import func, select

from adapters.dingtalk.stream import CARD_TOPIC
from bot.clock import FrozenClock
from bot.models import Opportunity, OutboxMessage, StaffUser, Task
from scheduler import kpi_jobs
from scheduler.models import ScheduledNotice
from tests.conftest import running_app
from tests.fakes.dingtalk import FakeDingTalk
from tests.fakes.wecom import FakeQyapi, card_event_xml
from tests.kpi_support import LONG_AGO, at, make_sales_org
from tests.test_scheduler_leader import second_app
from tests.wecom_support import CORP_ID, SECRET, wecom_rig
from tools.kpi.models import SalesTarget


def cards_to(qyapi, user: str) -> list[dict]:
    return [b["template_card"] for b in qyapi.sends() if b["touser"] == user and b["msgtype"] == "template_card"]


def texts_to(qyapi, user: str) -> list[str]:
    return [b["text"]["content"] for b in qyapi.sends() if b["touser"] == user and b["msgtype"] == "text"]


def card_text(card: dict) -> str:
    return card["main_title"]["title"] + "\n" + card.get("sub_title_text", "")


async def kpi_notices(app) -> list[str]:
    async with app.db.session() as s:
        return sorted(
            (await s.execute(select(ScheduledNotice.key).where(ScheduledNotice.kind == "kpi_alert"))).scalars()
        )


async def passes(app) -> list[str]:
    async with app.db.session() as s:
        return list(
            (
                await s.execute(select(ScheduledNotice.key).where(ScheduledNotice.key.like("pass:kpi_alerts:%")))
            ).scalars()
        )


async def test_alerts_reach_the_right_people_once_with_numbers_and_a_next_step_across_a_restart(tmp_path):
    clock = FrozenClock(at(2026, 12, 16, 10, 35))  # Wednesday, 52% of December gone
    qyapi = await FakeQyapi(CORP_ID, SECRET).start()
    try:
        async with wecom_rig(tmp_path, qyapi=qyapi, clock=clock) as rig:
            await make_sales_org(rig.app)
            assert await kpi_jobs.run_kpi_alerts(rig.app) == 5
            await rig.settle()
            (zw,) = cards_to(qyapi, "zhangwei")
            assert zw["main_title"]["title"] == "KPI 预警 · 目标进度落后"
            body = card_text(zw)
            assert "本月过半（2026年12月已过 52%），完成率 31%：目标 100 万，已赢单 31 万，还差 69 万" in body
            assert (
                "建议今天推进「华东机械 · 二期扩容」（商务谈判，40 万，预计 12月20日（周日）签），拿下它完成率到 71%"
                in body
            )
            assert [b["key"] for b in zw["button_list"]] == ["snooze", "period"]
            (mgr,) = cards_to(qyapi, "wangqiang")
            assert "张伟本月过半" in card_text(mgr) and "李娜本月过半" in card_text(mgr)
            assert "建议和张伟过一下「华东机械 · 二期扩容」" in card_text(mgr)
            lina = sorted(c["main_title"]["title"] for c in cards_to(qyapi, "lina"))
            assert lina == ["KPI 预警 · 目标进度落后", "KPI 预警 · 连续3天无新增跟进"]
            assert (
                cards_to(qyapi, "chenmin") == [] and cards_to(qyapi, "chenjing") == []
            )  # on pace; not a rep's manager

            # the next sweeps the same day and the next day: nothing new
            assert await kpi_jobs.run_kpi_alerts(rig.app) == 0
            clock.set(at(2026, 12, 17, 10, 40))
            assert await kpi_jobs.run_kpi_alerts(rig.app) == 0
            await rig.settle()
            sent = len(qyapi.sends())
        async with wecom_rig(tmp_path, qyapi=qyapi, clock=clock) as rig:  # a restarted process
            assert await kpi_jobs.run_kpi_alerts(rig.app) == 0
            await rig.settle()
            assert len(qyapi.sends()) == sent
            # a new period: the weekly rule speaks again; pace is judged on January's targets (none set: quiet)
            clock.set(at(2027, 1, 18, 10, 35))
            assert await kpi_jobs.run_kpi_alerts(rig.app) > 0
            await rig.settle()
            assert [c["main_title"]["title"] for c in cards_to(qyapi, "lina")][-1] == "KPI 预警 · 连续3天无新增跟进"
            assert not [k for k in await kpi_notices(rig.app) if k.endswith(":2027-01")]
    finally:
        await qyapi.stop()


async def test_two_replicas_running_the_alert_sweep_at_once_send_each_alert_once(tmp_path):
    clock = FrozenClock(at(2026, 12, 16, 10, 35))
    async with running_app(tmp_path, demo=False, clock=clock) as a:
        await make_sales_org(a)
        b = await second_app(tmp_path, clock)
        try:
            results = await asyncio.gather(*(kpi_jobs.run_kpi_alerts(app) for app in (a, b, a, b)))
            await a.drain()
            await b.drain()
            assert sum(results) == 5
            delivered = [d for app in (a, b) for d in app.adapters["console"].delivered if d.is_push]
            assert len(delivered) == 4  # 张伟 1, 李娜 2, 王强 1 (two reps in one message)
            async with a.db.session() as s:
                rows = (
                    await s.execute(
                        select(func.count())
                        .select_from(OutboxMessage)
                        .where(OutboxMessage.key.like("push:sched:kpi_alert:%"))
                    )
                ).scalar_one()
            assert rows == 4 and len(await kpi_notices(a)) == 5
        finally:
            await b.stop()


async def test_quiet_hours_and_days_off_hold_alerts_until_they_may_go(tmp_path):
    clock = FrozenClock(at(2026, 12, 13, 10, 35))  # a Sunday
    async with running_app(tmp_path, demo=False, clock=clock, SALESBOT_QUIET_HOURS="21:00-10:45") as app:
        await make_sales_org(app)
        assert await kpi_jobs.run_kpi_alerts(app) == 0
        clock.set(at(2026, 12, 16, 10, 35))  # Wednesday, but quiet until 10:45
        assert await kpi_jobs.run_kpi_alerts(app) == 0
        assert await kpi_notices(app) == []  # nothing claimed: nothing lost
        assert not await passes(app)  # held back: the day is not done, the next sweep looks again
        clock.set(at(2026, 12, 16, 10, 50))
        assert await kpi_jobs.run_kpi_alerts(app) == 5
        assert await passes(app) == ["pass:kpi_alerts:2026-12-16"]
        assert await kpi_jobs.run_kpi_alerts(app) == 0


async def test_a_manager_snoozes_a_rule_from_the_wecom_card_until_the_period_ends(tmp_path):
    clock = FrozenClock(at(2026, 12, 16, 10, 35))
    async with wecom_rig(tmp_path, clock=clock) as rig:
        ids = await make_sales_org(rig.app)
        await kpi_jobs.run_kpi_alerts(rig.app)
        await rig.settle()
        (card,) = cards_to(rig.qyapi, "wangqiang")
        press = card_event_xml(CORP_ID, "wangqiang", card["task_id"], "period", "RC-1", 1700000100)
        await rig.sender.post_xml(press)
        await rig.sender.post_xml(press)  # WeCom redelivers the callback
        await rig.settle()
        assert any("「目标进度落后」12月31日（周四）之前不再提醒你" in t for t in texts_to(rig.qyapi, "wangqiang"))
        # someone else pressing a forwarded card changes nothing
        await rig.sender.post_xml(card_event_xml(CORP_ID, "zhangwei", card["task_id"], "snooze", "RC-2", 1700000200))
        await rig.settle()
        assert any("发给别的同事" in t for t in texts_to(rig.qyapi, "zhangwei"))

        # a new rep falls behind the next day: they hear it, their snoozed manager does not
        async with rig.app.db.write() as s:
            s.add(
                StaffUser(
                    username="zhaolei",
                    name="赵磊",
                    role="rep",
                    team="华东组",
                    manager_id=ids["wangqiang"],
                    created_at=LONG_AGO,
                )
            )
            s.add(SalesTarget(scope="rep", scope_key="zhaolei", period="2026-12", amount=300000))
        clock.set(at(2026, 12, 17, 10, 35))
        await kpi_jobs.run_kpi_alerts(rig.app)
        await rig.settle()
        assert len(cards_to(rig.qyapi, "wangqiang")) == 1
        async with rig.app.db.session() as s:
            told = (
                await s.execute(
                    select(ScheduledNotice.staff_id, ScheduledNotice.detail).where(
                        ScheduledNotice.kind == "kpi_alert", ScheduledNotice.local_date == at(2026, 12, 17).date()
                    )
                )
            ).all()
        zhaolei = (await rig.app.staff_by_username("zhaolei")).id
        assert sorted((who, d["rule"]) for who, d in told) == [
            (zhaolei, "目标进度落后"),
            (zhaolei, "连续3天无新增跟进"),
        ]
        # January: the snooze has run out
        clock.set(at(2027, 1, 18, 10, 35))
        async with rig.app.db.write() as s:
            s.add(SalesTarget(scope="rep", scope_key="lina", period="2027-01", amount=500000))
        await kpi_jobs.run_kpi_alerts(rig.app)
        await rig.settle()
        january = [card_text(c) for c in cards_to(rig.qyapi, "wangqiang")[1:]]
        assert any(t.startswith("KPI 预警 · 目标进度落后") and "李娜本月过半" in t for t in january)


async def test_weekly_digest_has_the_completeness_line_and_the_records_to_fix_on_dingtalk(tmp_path):
    fake = FakeDingTalk()
    await fake.start()
    try:
        env = {
            "DINGTALK_CLIENT_ID": fake.client_id,
            "DINGTALK_CLIENT_SECRET": fake.client_secret,
            "DINGTALK_OPENAPI_ENDPOINT": fake.base_url,
            "DINGTALK_CARD_TEMPLATE_ID": "salesbot_card.schema",
            "DINGTALK_STREAM_IDLE_TIMEOUT": "0.5",
        }
        clock = FrozenClock(at(2026, 12, 14, 8, 40))  # Monday, brief time
        async with running_app(tmp_path, demo=False, clock=clock, **env) as app:
            ids = await make_sales_org(app)
            adapter = app.adapters["dingtalk"]
            adapter.api.backoff_max = 0.05
            await adapter.start()
            await fake.wait_for_connections(1)
            assert await kpi_jobs.run_kpi_weekly(app) >= 3
            assert await kpi_jobs.run_kpi_weekly(app) == 0  # once a week
            await app.drain()
            pushed = {s["body"]["userIds"][0]: s["param"].get("content", "") for s in fake.robot_sends}
            zw = pushed["dt_zhangwei"]
            assert "你的客户资料完整度 58%（目标 90%），缺 1 个商机的金额、1 个商机的预计成交日期" in zw
            assert "· 金陵医药 · HIS 集成：商机金额" in zw and "回复「补资料」" in zw
            assert "本月到今天：赢单 31 万 / 目标 100 万（31%）" in zw
            assert "团队资料完整度" in pushed["dt_wangqiang"] and "· 张伟 58%" in pushed["dt_wangqiang"]

            # the rep fixes the first record right there, confirming on the card
            msg = fake.robot_message("补资料", staff_id="dt_zhangwei", nick="张伟")
            await fake.send_callback(msg)
            await fake.wait_for(
                lambda: any("缺商机金额" in json.dumps(s, ensure_ascii=False) for s in fake.webhook_sends)
            )
            await app.drain()
            await fake.send_callback(fake.robot_message("35万", staff_id="dt_zhangwei", nick="张伟"))
            await fake.wait_for(lambda: any(k.startswith("proposal-") for k in fake.cards))
            await app.drain()
            card_id = next(k for k in fake.cards if k.startswith("proposal-"))
            assert "商机金额：35 万" in fake.cards[card_id]["params"]["content"]
            await fake.send_callback(fake.card_press(card_id, "dt_zhangwei", "confirm"), topic=CARD_TOPIC)
            await fake.wait_for(lambda: fake.cards[card_id]["updates"])
            await asyncio.sleep(0.2)
            await app.drain()
            async with app.db.session() as s:
                assert (await s.get(Opportunity, ids["gap_zw"])).amount == 350000
    finally:
        await fake.close()


async def test_big_deal_stalled_deals_and_overdue_pile_say_why_and_what_to_do(tmp_path):
    rules = """
send_at: "10:30"
rules:
  - {name: 大单没拜访, kind: high_value_no_visit, amount_at_least: 300000, days: 10, notify: [owner, manager]}
  - {name: 停滞商机, kind: stalled, count_at_least: 1, notify: owner}
  - {name: 逾期堆积, kind: overdue_pile, count_at_least: 2, notify: owner, period: month}
"""
    clock = FrozenClock(at(2026, 12, 28, 10, 35))  # Monday
    async with running_app(tmp_path, demo=False, clock=clock) as app:
        ids = await make_sales_org(app)
        (tmp_path / "data" / "alert_rules.yaml").write_text(rules, encoding="utf-8")
        async with app.db.write() as s:
            for day in (10, 11):
                s.add(Task(title=f"发资料{day}", due_date=date(2026, 12, day), owner_id=ids["zhangwei"]))
        assert await kpi_jobs.run_kpi_alerts(app) == 4
        await app.drain()
        by_user = {}
        for d in app.adapters["console"].delivered:
            if d.is_push:
                by_user.setdefault(d.target.user_id, []).append(d.reply.text)
        zw = "\n".join(by_user["zhangwei"])
        assert "「华东机械 · 二期扩容」40 万，已经 13 天没有拜访了（上次拜访是12月15日（周二））" in zw
        assert "建议这周约一次上门拜访，当面确认决策人和签约时间" in zw
        assert (
            "你有 2 个商机停滞：金陵医药 · HIS 集成（报价，27 天没动）；华东机械 · 二期扩容（商务谈判，13 天没动）"
            in zw
            and "建议今天先给「金陵医药」打个电话" in zw
        )
        assert "你有 2 条待办已逾期，最早的是12月10日（周四）到期的" in zw
        assert "做完的回复「/完成 编号」" in zw
        (mgr,) = by_user["wangqiang"]
        assert "张伟的商机「华东机械 · 二期扩容」40 万" in mgr and "建议提醒张伟这周上门拜访一次" in mgr
