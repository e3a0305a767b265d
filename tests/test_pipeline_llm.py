"""Closing and forecasting through the model (the OpenAI-compatible fake): the model's write is a proposal;
its mistakes (Chinese words for enum values, Chinese numerals, a missing reason, a bad category) are read or
sent back to it, never shown to the rep as raw errors."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from bot.models import Account, Opportunity
from tests.conftest import ConsoleClient, running_app
from tests.fakes.openai_server import text, tool_call
from tools.proposals.models import Proposal


@pytest.fixture
async def app(tmp_path, fake_llm):
    async with running_app(
        tmp_path,
        OPENAI_BASE_URL=fake_llm.base_url,
        OPENAI_API_KEY="test",
        SALESBOT_LLM_MODEL="fake",
        SALESBOT_LLM_MAX_RETRIES="2",
        SALESBOT_COMPETITORS="纷享销客/纷享,销售易/销售e,速工云",
    ) as app:
        async with app.db.write() as s:
            for opp in (await s.execute(select(Opportunity))).scalars().all():
                opp.stage, opp.amount, opp.closed_on, opp.close_date = "negotiation", 600000.0, None, date(2026, 12, 20)
                s.add(opp)
        yield app


async def huadong(app) -> Opportunity:
    async with app.db.session() as s:
        acc = (await s.execute(select(Account).where(Account.short_name == "华东机械"))).scalars().one()
        return (await s.execute(select(Opportunity).where(Opportunity.account_id == acc.id))).scalars().one()


async def test_a_loss_the_model_words_loosely_is_proposed_then_written_as_the_agents(app, fake_llm):
    fake_llm.script(
        # wrong argument name for the customer, Chinese for the outcome, a sentence for the category
        tool_call("close_deal", customer="华东机械", outcome="输单", reason_category="价格没谈拢", competitor="速工云"),
        text("<think>用户说输单了</think>好的，请确认这条输单记录。"),
    )
    rep = ConsoleClient(app, "zhangwei")
    answer = await rep.say("华东机械输单了，价格没谈拢，被速工云拿走了")
    assert "输单：上海华东机械制造有限公司" in answer and "原因：价格" in answer and "竞争对手：速工云" in answer
    assert "<think>" not in answer and (await huadong(app)).stage == "negotiation"
    await rep.say("是")
    d = await huadong(app)
    assert (d.stage, d.close_reason, d.close_competitor, d.updated_source) == ("closed_lost", "价格", "速工云", "AGENT")


async def test_a_win_with_a_chinese_amount(app, fake_llm):
    fake_llm.script(
        tool_call("close_deal", account_name="华东机械", outcome="won", amount="四十八万"), text("请确认。")
    )
    rep = ConsoleClient(app, "zhangwei")
    assert "签约金额：48 万" in await rep.say("华东机械签了，四十八万")
    await rep.say("确认")
    d = await huadong(app)
    assert (d.stage, d.amount, d.stage_reached) == ("closed_won", 480000.0, "negotiation")


async def test_a_loss_without_a_reason_goes_back_to_the_model(app, fake_llm):
    fake_llm.script(
        tool_call("close_deal", account_name="华东机械", outcome="lost"),
        text("输单原因是哪一类呢？价格、产品功能、竞品、时机、关系还是无决策？"),
    )
    answer = await ConsoleClient(app, "zhangwei").say("华东机械输了")
    assert "哪一类" in answer and "请确认" not in answer
    assert "输单原因是哪一类" in fake_llm.requests[1]["messages"][-1]["content"]
    async with app.db.session() as s:
        assert (await s.execute(select(Proposal))).first() is None


async def test_an_unknown_outcome_or_category_is_sent_back_to_the_model(app, fake_llm):
    fake_llm.script(
        tool_call("set_forecast_category", account_name="华东机械", category="very likely"),
        tool_call("set_forecast_category", account_name="华东机械", category="承诺", close_date="月底"),
        text("请确认。"),
    )
    rep = ConsoleClient(app, "zhangwei")
    answer = await rep.say("华东机械这单本月能签")
    assert "commit（承诺）" in fake_llm.requests[1]["messages"][-1]["content"]
    assert "未设 → 承诺" in answer and "预计签约：12月20日 → 11月30日" in answer
    await rep.say("是")
    d = await huadong(app)
    assert d.forecast_category == "commit" and d.close_date == date(2026, 11, 30)
