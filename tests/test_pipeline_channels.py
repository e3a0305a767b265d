"""Closing and forecasting end to end: chat (console channel, WeCom and DingTalk fakes) → proposal → 确认 →
the console's 「预测与赢输单」 page shows the same numbers as /预测."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import date

from sqlmodel import select

from adapters.dingtalk.stream import CARD_TOPIC
from bot.models import Account, Opportunity
from tests.admin_support import MANAGER_PASSWORD, make_accounts, serving, signed_in
from tests.conftest import ConsoleClient, running_app
from tests.fakes.dingtalk import FakeDingTalk
from tests.fakes.wecom import card_event_xml, text_xml
from tests.wecom_support import CORP_ID, wecom_rig

COMPETITORS = "纷享销客/纷享,销售易/销售e,速工云"


async def open_deal(app, short: str, **values) -> Opportunity:
    async with app.db.write() as s:
        acc = (await s.execute(select(Account).where(Account.short_name == short))).scalars().one()
        opp = (await s.execute(select(Opportunity).where(Opportunity.account_id == acc.id))).scalars().one()
        for k, v in {
            "stage": "proposal",
            "amount": 500000.0,
            "closed_on": None,
            "close_date": date(2026, 11, 27),
            **values,
        }.items():
            setattr(opp, k, v)
        s.add(opp)
    return opp


async def deal(app, short: str) -> Opportunity:
    async with app.db.session() as s:
        acc = (await s.execute(select(Account).where(Account.short_name == short))).scalars().one()
        return (await s.execute(select(Opportunity).where(Opportunity.account_id == acc.id))).scalars().one()


def cell_row(page: str, attr: str, value: str) -> str:
    m = re.search(rf'<tr {attr}="{re.escape(value)}">(.*?)</tr>', page, re.S)
    assert m, f"no row {attr}={value}"
    return m.group(1)


async def test_chat_closings_and_forecast_show_on_the_console(tmp_path):
    async with running_app(tmp_path, SALESBOT_COMPETITORS=COMPETITORS) as app:
        for short in ("华东机械", "云帆物流", "金陵医药"):
            await open_deal(app, short)
        rep = ConsoleClient(app, "zhangwei")
        await rep.say("华东机械输单了，价格没谈拢，被速工云拿走了")
        await rep.say("是")
        await rep.say("云帆物流签了，合同金额48万")
        await rep.say("是")
        await rep.say("金陵医药这单本月能签")
        await rep.say("是")
        assert (await deal(app, "金陵医药")).forecast_category == "commit"
        chat = await rep.say("/预测")
        await make_accounts(app)
        async with serving(app) as base:
            async with signed_in(base) as admin:
                status, page = await admin.get("/admin/pipeline")
                assert status == 200 and "预测与赢输单" in page
                row = cell_row(page, "data-rep", "张伟")
                # the same numbers as /预测: won 48万, commit 48万 + 金陵医药 50万
                assert "48 万" in row and "98 万" in row
                assert "【11月】已赢 48 万 · 承诺 98 万" in chat
                losses = re.search(r'<table data-dimension="competitor">(.*?)</table>', page, re.S).group(1)
                assert "速工云" in losses
                reasons = re.search(r'<table data-dimension="reason">(.*?)</table>', page, re.S).group(1)
                assert "<td>价格</td><td>0</td><td>1</td>" in reasons
                assert "<svg" in page and "输单原因（单数）" in page and 'id="stage-probabilities"' in page
                status, _ = await admin.get("/admin/pipeline?period=year")
                assert status == 400
            async with signed_in(base, "viewer", MANAGER_PASSWORD) as manager:
                status, page = await manager.get("/admin/pipeline?period=quarter")
                assert status == 200 and "本季度预测" in page and 'href="/admin/pipeline"' in page


async def test_wecom_loss_by_command_confirmed_on_the_card_and_forecast_in_words(tmp_path):
    async with wecom_rig(tmp_path, demo=True, SALESBOT_COMPETITORS=COMPETITORS) as rig:
        app = rig.app
        await open_deal(app, "华东机械")
        await open_deal(app, "云帆物流")
        await rig.sender.post_xml(text_xml(CORP_ID, "zhangwei", "/输单 华东机械 价格没谈拢，被速工云拿走了", "wm-1"))
        await rig.settle()
        cards = [b for b in rig.qyapi.sends() if b["msgtype"] == "template_card"]
        assert len(cards) == 1
        card = cards[0]["template_card"]
        assert card["task_id"].startswith("proposal-") and "速工云" in json.dumps(card, ensure_ascii=False)
        assert (await deal(app, "华东机械")).stage == "proposal"
        click = card_event_xml(CORP_ID, "zhangwei", card["task_id"], "confirm", "RC-1", 1700000300)
        await rig.sender.post_xml(click)
        await rig.sender.post_xml(click)  # redelivered: written once
        await rig.settle()
        d = await deal(app, "华东机械")
        assert (d.stage, d.close_reason, d.close_competitor) == ("closed_lost", "价格", "速工云")
        assert len(rig.qyapi.calls_to("message/update_template_card")) == 1

        await rig.sender.post_xml(text_xml(CORP_ID, "zhangwei", "云帆物流这单有希望，争取月底签", "wm-2"))
        await rig.settle()
        await rig.sender.post_xml(text_xml(CORP_ID, "zhangwei", "是", "wm-3"))
        await rig.settle()
        assert (await deal(app, "云帆物流")).forecast_category == "best_case"
        await rig.sender.post_xml(text_xml(CORP_ID, "zhangwei", "/预测", "wm-4"))
        await rig.settle()
        sent = json.dumps(rig.qyapi.sends()[-1], ensure_ascii=False)
        assert "可能 50 万" in sent


async def test_dingtalk_win_by_command_confirmed_on_the_card(tmp_path):
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
        async with running_app(tmp_path, **env) as app:
            await open_deal(app, "云帆物流")
            adapter = app.adapters["dingtalk"]
            adapter.api.backoff_max = 0.05
            await adapter.start()
            await fake.wait_for_connections(1)
            await fake.send_callback(fake.robot_message("/赢单 云帆物流 48万", staff_id="dt_zhangwei", nick="张伟"))
            await fake.wait_for(lambda: any(k.startswith("proposal-") for k in fake.cards), 8)
            await app.drain()
            card_id = next(k for k in fake.cards if k.startswith("proposal-"))
            sent = fake.cards[card_id]
            assert "48 万" in json.dumps(sent, ensure_ascii=False)
            assert (await deal(app, "云帆物流")).stage == "proposal"
            await fake.send_callback(fake.card_press(card_id, "dt_zhangwei", "confirm", {}), topic=CARD_TOPIC)
            await fake.wait_for(lambda: sent["updates"], 8)
            await asyncio.sleep(0.1)
            await app.drain()
            d = await deal(app, "云帆物流")
            assert (d.stage, d.amount, d.closed_on) == ("closed_won", 480000.0, date(2026, 11, 23))
            await fake.send_callback(fake.robot_message("/预测", staff_id="dt_wangqiang", nick="王强"))
            await fake.wait_for(lambda: any("团队" in json.dumps(s, ensure_ascii=False) for s in fake.webhook_sends), 8)
            team = next(s for s in fake.webhook_sends if "团队" in json.dumps(s, ensure_ascii=False))
            assert "张伟：已赢 48 万" in json.dumps(team, ensure_ascii=False)
            await adapter.stop()
    finally:
        await fake.close()
