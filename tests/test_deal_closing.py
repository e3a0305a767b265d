"""Closing a deal: /赢单 /输单 and the same in words, through the proposal (nothing written before 确认),
the reason asked for when missing, reopening audited; win/loss analysis over what was closed."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from bot.models import Account, AuditLog, Opportunity
from tests.conftest import ConsoleClient, running_app

COMPETITORS = "纷享销客/纷享,销售易/销售e,速工云"


@pytest.fixture
async def app(tmp_path):
    async with running_app(tmp_path, SALESBOT_COMPETITORS=COMPETITORS) as app:
        yield app


async def deal(app, short: str) -> Opportunity:
    async with app.db.session() as s:
        acc = (await s.execute(select(Account).where(Account.short_name == short))).scalars().one()
        return (await s.execute(select(Opportunity).where(Opportunity.account_id == acc.id))).scalars().one()


async def reopen_first(app, short: str) -> Opportunity:
    """The demo closes some deals at random: make this one open, at the proposal stage."""
    d = await deal(app, short)
    async with app.db.write() as s:
        row = await s.get(Opportunity, d.id)
        row.stage, row.amount, row.closed_on, row.forecast_category = "proposal", 500000.0, None, None
        s.add(row)
    return await deal(app, short)


async def test_a_loss_in_words_is_proposed_then_written_with_reason_and_competitor(app):
    await reopen_first(app, "华东机械")
    rep = ConsoleClient(app, "zhangwei")
    answer = await rep.say("华东机械输单了，价格没谈拢，被速工云拿走了")
    assert "输单：上海华东机械制造有限公司" in answer and "原因：价格" in answer and "竞争对手：速工云" in answer
    assert (await deal(app, "华东机械")).stage == "proposal"  # nothing written before 确认
    done = await rep.say("是")
    assert "已记输单" in done and "速工云" in done
    d = await deal(app, "华东机械")
    assert d.stage == "closed_lost" and d.stage_reached == "proposal" and d.close_reason == "价格"
    assert d.close_competitor == "速工云" and d.closed_on == date(2026, 11, 23)
    assert d.lost_reason == "华东机械输单了，价格没谈拢，被速工云拿走了" and "速工云" in d.competitors


async def test_a_win_by_command_records_the_signed_amount_and_date(app):
    await reopen_first(app, "云帆物流")
    rep = ConsoleClient(app, "zhangwei")
    answer = await rep.say("/赢单 云帆物流 48万")
    assert "赢单：杭州云帆物流有限公司" in answer and "签约金额：48 万" in answer
    assert (await deal(app, "云帆物流")).stage == "proposal"
    assert "已记赢单" in await rep.say("确认")
    d = await deal(app, "云帆物流")
    assert (d.stage, d.amount, d.closed_on, d.stage_reached) == ("closed_won", 480000.0, date(2026, 11, 23), "proposal")
    assert d.probability == 100


async def test_a_loss_without_a_reason_is_asked_for_one(app):
    await reopen_first(app, "金陵医药")
    rep = ConsoleClient(app, "zhangwei")
    ask = await rep.say("/输单 金陵医药")
    assert "主要原因是哪一类" in ask and "无决策" in ask
    assert "没听出是哪一类" in await rep.say("唉")
    proposal = await rep.say("时机，他们预算冻结了")
    assert "原因：时机" in proposal
    await rep.say("是")
    d = await deal(app, "金陵医药")
    assert d.stage == "closed_lost" and d.close_reason == "时机"


async def test_reopening_puts_the_stage_back_and_is_audited(app):
    await reopen_first(app, "华东机械")
    rep = ConsoleClient(app, "zhangwei")
    await rep.say("/输单 华东机械 价格太高，选了纷享")
    await rep.say("是")
    assert (await deal(app, "华东机械")).close_competitor == "纷享销客"  # the alias, matched to the profile
    answer = await rep.say("/重开 华东机械 客户又回来谈了")
    assert "重新打开" in answer and "回到 报价" in answer
    await rep.say("是")
    d = await deal(app, "华东机械")
    assert d.stage == "proposal" and d.closed_on is None and d.close_reason is None and d.lost_reason is None
    async with app.db.session() as s:
        audit = (await s.execute(select(AuditLog).where(AuditLog.action == "opportunity.reopen"))).scalars().one()
    assert audit.detail["undone"]["reason"] == "价格" and audit.detail["reason"] == "客户又回来谈了"


async def test_another_reps_deal_cannot_be_closed(app):
    await reopen_first(app, "华东机械")
    answer = await ConsoleClient(app, "lina").say("/赢单 华东机械 10万")
    assert "不是你负责的" in answer
    assert (await deal(app, "华东机械")).stage == "proposal"


async def test_a_question_about_losing_is_not_a_closing(app):
    await reopen_first(app, "东方证券信息")
    answer = await ConsoleClient(app, "zhangwei").say("东方证券信息怕输给销售易，怎么应对")
    assert "输单：" not in answer
    assert (await deal(app, "东方证券信息")).stage == "proposal"
