"""Console card buttons across sessions: `cN` presses the latest card sent to that person, even when the
card was printed by another `salesbot chat` process (or pushed while the person was not connected)."""

from __future__ import annotations

from sqlmodel import select

from bot.models import Visit
from tests.conftest import ConsoleClient, running_app
from tests.fakes.openai_server import text, tool_call
from tools.approvals.models import ApprovalRequest
from tools.proposals.models import Proposal

SUBMIT = "/审批 华东机械 8折 竞品报价低15%，客户答应签两年"


async def _all(app, model):
    async with app.db.session() as s:
        return (await s.execute(select(model).order_by(model.id))).scalars().all()


async def test_manager_presses_an_approval_card_from_an_earlier_process(tmp_path):
    async with running_app(tmp_path) as first:
        await ConsoleClient(first, "zhangwei").say(SUBMIT)
        pushed = [d for d in first.adapters["console"].delivered if d.is_push and d.target.user_id == "wangqiang"]
        assert any(d.reply.card is not None and d.reply.card.buttons for d in pushed)
    async with running_app(tmp_path, demo=False) as second:  # a new `salesbot chat` on the same data dir
        assert second.adapters["console"].delivered == []  # nothing re-sent: the card lives in the first
        # someone else's c1 does not press the manager's card
        assert "已同意" not in await ConsoleClient(second, "lina").say("c1")
        assert (await _all(second, ApprovalRequest))[0].status != "approved"
        answer = await ConsoleClient(second, "wangqiang").say("c1")
        assert "已同意 · 王强" in answer and "总监（陈静）" in answer
    async with running_app(tmp_path, demo=False) as third:
        # the director's card was printed by the second process; the third one presses it
        assert "已同意 · 陈静" in await ConsoleClient(third, "chenjing").say("c1")
        assert (await _all(third, ApprovalRequest))[0].status == "approved"


async def test_rep_confirms_a_proposal_card_in_a_new_session(tmp_path, fake_llm):
    env = dict(OPENAI_BASE_URL=fake_llm.base_url, OPENAI_API_KEY="t", SALESBOT_LLM_MODEL="fake")
    visit = dict(account_name="华东机械", summary="聊了二期扩容", visit_date="今天", contacts=["李总"])
    async with running_app(tmp_path, **env) as first:
        fake_llm.script(tool_call("log_visit", **visit), text("请确认。"))
        answer = await ConsoleClient(first, "zhangwei").say("今天拜访了华东机械的李总，聊了二期扩容")
        assert "[c1] 确认" in answer
    async with running_app(tmp_path, demo=False) as second:
        before = [v.id for v in await _all(second, Visit)]
        answer = await ConsoleClient(second, "zhangwei").say("c1")
        assert "已记录" in answer
        visits = [v for v in await _all(second, Visit) if v.id not in before]
        assert len(visits) == 1 and visits[0].created_source == "AGENT"
        assert [p.status for p in await _all(second, Proposal)] == ["confirmed"]
