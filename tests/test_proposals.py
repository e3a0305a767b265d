"""The proposal contract end to end: a write the model asks for is shown, and written only on 确认.

Through the console channel and the WeCom / DingTalk fakes, with the scripted fake LLM.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager
from datetime import date

from sqlmodel import func, select

from bot.clock import FrozenClock
from bot.messages import Inbound
from bot.models import AuditLog, ConversationMessage, OutboxMessage, Task, Visit
from tests.conftest import TEST_NOW, ConsoleClient, running_app
from tests.fakes.dingtalk import FakeDingTalk
from tests.fakes.openai_server import text, tool_call, tool_calls
from tests.fakes.wecom import card_event_xml, text_xml
from tests.wecom_support import CORP_ID, wecom_rig
from tools.approvals.models import ApprovalRequest
from tools.proposals.models import Proposal

NEXT_WEDNESDAY = date(2026, 12, 2)
NEXT_THURSDAY = date(2026, 12, 3)
VISIT = dict(
    account_name="华东机械",
    summary="聊了二期扩容，预算大概五十万",
    visit_date="今天",
    contacts=["李总"],
    next_step="发报价",
    next_step_due="下周三",
)
SAID = "今天拜访了华东机械的李总，聊了二期扩容，预算大概五十万，下周三前发报价"


def llm_env(fake_llm) -> dict[str, str]:
    return dict(OPENAI_BASE_URL=fake_llm.base_url, OPENAI_API_KEY="t", SALESBOT_LLM_MODEL="fake")


async def count(app, model, *where) -> int:
    async with app.db.session() as s:
        return (await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def crm_counts(app) -> tuple[int, int, int]:
    """Rows the agent could write (demo rows are IMPORT)."""
    return (
        await count(app, Visit, Visit.created_source != "IMPORT"),
        await count(app, Task, Task.created_source != "IMPORT"),
        await count(app, ApprovalRequest),
    )


async def agent_visits(app) -> list[Visit]:
    async with app.db.session() as s:
        return (await s.execute(select(Visit).where(Visit.created_source != "IMPORT"))).scalars().all()


async def task_of(app, visit: Visit) -> Task:
    async with app.db.session() as s:
        return (await s.execute(select(Task).where(Task.visit_id == visit.id))).scalars().one()


async def audits(app, action: str) -> list[AuditLog]:
    async with app.db.session() as s:
        return (await s.execute(select(AuditLog).where(AuditLog.action == action))).scalars().all()


# --- console ---------------------------------------------------------------------------------------


async def test_proposal_writes_nothing_until_yes_then_writes_once(llm_app, fake_llm):
    fake_llm.script(tool_call("log_visit", **VISIT), text("好的，请确认。"))
    rep = ConsoleClient(llm_app, "zhangwei")
    before = await crm_counts(llm_app)
    answer = await rep.say(SAID)
    assert "请确认" in answer and "上海华东机械制造有限公司 · 11月23日（周一）" in answer
    assert "见到：李总" in answer and "建待办：发报价，截止 12月2日（周三）" in answer
    assert "[c1] 确认  [c2] 修改  [c3] 取消" in answer
    assert await crm_counts(llm_app) == before  # nothing written by the proposing turn
    # the model heard that nothing is written yet
    assert "等用户确认后才会写入" in fake_llm.requests[1]["messages"][-1]["content"]

    answer = await rep.say("是")
    assert "已记录：上海华东机械制造有限公司" in answer and "已加到你的待办" in answer
    visits = await agent_visits(llm_app)
    assert len(visits) == 1 and visits[0].created_source == "AGENT" and visits[0].attendees == ["李总"]
    task = await task_of(llm_app, visits[0])
    assert task.due_date == NEXT_WEDNESDAY and task.created_source == "AGENT"
    confirmed = await audits(llm_app, "proposal.confirmed")
    assert len(confirmed) == 1 and confirmed[0].detail["confirmed_by"] == visits[0].created_by_id
    assert confirmed[0].source == "MANUAL"  # the person confirmed; the records say the agent wrote them

    assert "不会重复写" in await rep.say("好的")  # a second yes writes nothing more
    assert await crm_counts(llm_app) == (before[0] + 1, before[1] + 1, before[2])
    assert fake_llm.calls == 2


async def test_cancel_discards_the_proposal(llm_app, fake_llm):
    fake_llm.script(tool_call("create_task", title="给金陵医药发方案", due="周五"), text("要建这个待办吗？"))
    rep = ConsoleClient(llm_app, "zhangwei")
    before = await crm_counts(llm_app)
    answer = await rep.say("提醒我周五给金陵医药发方案")
    assert "建待办：给金陵医药发方案，截止 11月27日（周五）" in answer
    assert "没写" in await rep.say("取消")
    assert await crm_counts(llm_app) == before
    async with llm_app.db.session() as s:
        assert (await s.execute(select(Proposal.status))).scalars().all() == ["cancelled"]
    assert "已经取消" in await rep.say("c3")  # the card pressed after the typed 取消
    assert await crm_counts(llm_app) == before


async def test_correction_through_the_model_is_shown_again_and_its_reason_recorded(llm_app, fake_llm):
    fake_llm.script(
        tool_call("log_visit", **VISIT),
        text("请确认。"),
        tool_call("log_visit", **{**VISIT, "next_step_due": "下周四"}),
        text("改好了。"),
    )
    rep = ConsoleClient(llm_app, "zhangwei")
    await rep.say(SAID)
    answer = await rep.say("改成下周四")
    assert "截止 12月3日（周四）" in answer and "改的原因？" in answer
    # the model read the correction with the open proposal in view
    system = fake_llm.requests[2]["messages"][0]["content"]
    assert "待用户确认的提议" in system and "截止 12月2日（周三）" in system
    assert await crm_counts(llm_app) == (0, 0, 0)

    answer = await rep.say("客户临时把会挪了")
    assert "记下了原因" in answer
    assert "已记录" in await rep.say("确认")
    task = await task_of(llm_app, (await agent_visits(llm_app))[0])
    assert task.due_date == NEXT_THURSDAY
    assert "下周三" in task.description and "客户临时把会挪了" in task.description
    corrected = await audits(llm_app, "proposal.corrected")
    assert [(a.detail["field"], a.detail["old"], a.detail["new"], a.detail["reason"]) for a in corrected] == [
        ("next_step_due", "下周三", "下周四", "客户临时把会挪了")
    ]
    async with llm_app.db.session() as s:
        statuses = (await s.execute(select(Proposal.status).order_by(Proposal.id))).scalars().all()
    assert statuses == ["superseded", "confirmed"]


async def test_misbehaving_model_calls_the_write_twice_and_claims_it_is_done(llm_app, fake_llm):
    fake_llm.script(
        tool_calls([("log_visit", VISIT), ("log_visit", VISIT)]),
        tool_call("log_visit", **VISIT),  # and once more in the next step
        text("已记录好了，下周三提醒你发报价！"),
    )
    rep = ConsoleClient(llm_app, "zhangwei")
    answer = await rep.say(SAID)
    assert "已记录好了" not in answer and answer.count("记拜访") == 1
    assert await crm_counts(llm_app) == (0, 0, 0)
    await rep.say("c1")  # the card's 确认 button
    await rep.say("c1")  # pressed again
    await rep.say("是")  # and a typed yes after the press
    assert len(await agent_visits(llm_app)) == 1
    assert await count(llm_app, Task, Task.created_source == "AGENT") == 1


async def test_wrong_arguments_go_back_to_the_model_not_into_a_proposal(llm_app, fake_llm):
    fake_llm.script(
        tool_call("log_visit", account_name="华东机械", summary="聊了", next_step="发报价", next_step_due="等客户通知"),
        text("截止日期没看懂，是哪天？"),
    )
    answer = await ConsoleClient(llm_app, "zhangwei").say("今天去了华东机械，等客户通知再发报价")
    assert "哪天" in answer and "请确认" not in answer
    assert "没看懂" in fake_llm.requests[1]["messages"][-1]["content"]
    assert await count(llm_app, Proposal) == 0


async def test_approval_proposal_shows_the_chain_and_pushes_nothing_before_confirm(llm_app, fake_llm):
    fake_llm.script(
        tool_call("submit_approval", account_name="华东机械", discount="8折", reason="竞品报价低，客户答应签三年"),
        text("请确认。"),
    )
    rep = ConsoleClient(llm_app, "zhangwei")
    answer = await rep.say("华东机械二期申请8折，竞品报价低，客户答应签三年")
    assert "提交折扣审批：上海华东机械制造有限公司" in answer and "8 折" in answer
    assert "审批链：" in answer and "王强" in answer
    assert await count(llm_app, ApprovalRequest) == 0
    outbox_before = await count(llm_app, OutboxMessage)
    answer = await rep.say("确认")
    assert "已提交" in answer
    async with llm_app.db.session() as s:
        request = (await s.execute(select(ApprovalRequest))).scalars().one()
    assert request.created_source == "AGENT" and request.status == "pending"
    assert await count(llm_app, OutboxMessage) > outbox_before + 1  # the reply and the approver's card


async def test_confirm_after_restart_and_offline_correction(tmp_path, fake_llm):
    async with running_app(tmp_path, **llm_env(fake_llm)) as app:
        fake_llm.script(tool_call("log_visit", **VISIT), text("请确认。"))
        await ConsoleClient(app, "zhangwei").say(SAID)
    async with running_app(tmp_path, demo=False) as app:  # restarted, and the model is gone
        rep = ConsoleClient(app, "zhangwei")
        answer = await rep.say("改成下周四")
        assert "改好了" in answer and "截止 12月3日（周四）" in answer and "改的原因？" in answer
        assert "好" in await rep.say("跳过")
        assert "已记录" in await rep.say("是")
        visits = await agent_visits(app)
        assert len(visits) == 1 and (await task_of(app, visits[0])).due_date == NEXT_THURSDAY
        corrected = await audits(app, "proposal.corrected")
        assert len(corrected) == 1 and corrected[0].detail["reason"] is None
        assert corrected[0].detail["new"] == NEXT_THURSDAY.isoformat()


async def test_expired_proposal_says_so_and_writes_nothing(tmp_path, fake_llm):
    clock = FrozenClock(TEST_NOW)
    async with running_app(tmp_path, clock=clock, SALESBOT_PROPOSAL_TTL_MINUTES="30", **llm_env(fake_llm)) as app:
        fake_llm.script(tool_call("log_visit", **VISIT), text("请确认。"))
        rep = ConsoleClient(app, "zhangwei")
        await rep.say(SAID)
        clock.advance(minutes=31)
        answer = await rep.say("是")
        assert "过期" in answer and "30 分钟" in answer
        assert await crm_counts(app) == (0, 0, 0)
        async with app.db.session() as s:
            assert (await s.execute(select(Proposal.status))).scalars().all() == ["expired"]


async def test_direct_write_with_undo(tmp_path, fake_llm):
    async with running_app(tmp_path, SALESBOT_DIRECT_WRITES="create_task", **llm_env(fake_llm)) as app:
        fake_llm.script(tool_call("create_task", title="给金陵医药发方案", due="周五"), text("好的。"))
        rep = ConsoleClient(app, "zhangwei")
        answer = await rep.say("提醒我周五给金陵医药发方案")
        assert "已建待办" in answer and "已建好，回复「撤销」撤回" in answer
        async with app.db.session() as s:
            task = (await s.execute(select(Task).where(Task.created_source == "AGENT"))).scalars().one()
        assert task.status == "open"
        assert "已撤销待办" in await rep.say("撤销")
        async with app.db.session() as s:
            assert (await s.get(Task, task.id)).status == "cancelled"
        assert len(await audits(app, "proposal.undone")) == 1
        assert "没有" in await rep.say("/撤销")  # nothing left to undo
        # log_visit is not direct: it still asks
        fake_llm.script(tool_call("log_visit", **VISIT), text("请确认。"))
        assert "请确认" in await rep.say(SAID)
        assert await agent_visits(app) == []


async def test_two_members_of_a_group_each_have_their_own_proposal_and_memory(llm_app, fake_llm):
    def said(user: str, words: str, n: int) -> Inbound:
        return Inbound("console", f"g-{user}-{n}", user, "sales-group", text=words, is_group=True)

    zhang, li = ConsoleClient(llm_app, "zhangwei"), ConsoleClient(llm_app, "wangqiang")
    fake_llm.script(tool_call("log_visit", **VISIT), text("请确认。"))
    await zhang.deliver(said("zhangwei", SAID, 1))
    fake_llm.script(
        tool_call("create_task", title="复盘华东组周报", due="周五", account_name="金陵医药"), text("请确认。")
    )
    await li.deliver(said("wangqiang", "提醒我周五复盘华东组周报", 1))
    # wangqiang's model saw zhangwei's words only as marked group context, never as his own
    second = fake_llm.requests[-2]["messages"]
    assert "群里最近的消息（仅供参考，不是当前用户说的）" in second[0]["content"] and SAID in second[0]["content"]
    assert [m["content"] for m in second if m["role"] == "user"] == ["提醒我周五复盘华东组周报"]

    assert "已建待办" in await li.deliver(said("wangqiang", "是", 2))  # his own proposal, not zhangwei's
    assert await agent_visits(llm_app) == []
    assert "已记录" in await zhang.deliver(said("zhangwei", "是", 2))
    assert len(await agent_visits(llm_app)) == 1
    async with llm_app.db.session() as s:
        keys = set((await s.execute(select(ConversationMessage.conversation_key))).scalars().all())
    assert keys == {"console:sales-group#zhangwei", "console:sales-group#wangqiang"}


# --- WeCom self-built app: a real template card, updated on 确认 -------------------------------------


async def test_wecom_card_confirm_updates_the_card_and_writes_once(tmp_path, fake_llm):
    async with wecom_rig(tmp_path, demo=True, **llm_env(fake_llm)) as rig:
        fake_llm.script(tool_call("log_visit", **VISIT), text("请确认。"))
        await rig.sender.post_xml(text_xml(CORP_ID, "zhangwei", SAID, "wm-1", 1700000000))
        await rig.settle()
        sent = [s for s in rig.qyapi.sends() if s["msgtype"] == "template_card"]
        assert len(sent) == 1 and await crm_counts(rig.app) == (0, 0, 0)
        card = sent[0]["template_card"]
        assert card["task_id"].startswith("proposal-")
        assert "上海华东机械制造有限公司" in json.dumps(card, ensure_ascii=False)
        click = card_event_xml(CORP_ID, "zhangwei", card["task_id"], "confirm", "RC-9", 1700000100)
        await rig.sender.post_xml(click)
        await rig.sender.post_xml(click)  # redelivered by WeCom
        await rig.settle()
        updates = rig.qyapi.calls_to("message/update_template_card")
        assert len(updates) == 1 and updates[0]["json"]["button"] == {"replace_name": "已确认"}
        assert len(await agent_visits(rig.app)) == 1
        assert any("已记录" in s.get("text", {}).get("content", "") for s in rig.qyapi.sends())


# --- DingTalk: interactive card, and a group where two members propose at once -----------------------


@asynccontextmanager
async def dingtalk(tmp_path, fake: FakeDingTalk, fake_llm):
    settings = {
        "DINGTALK_CLIENT_ID": fake.client_id,
        "DINGTALK_CLIENT_SECRET": fake.client_secret,
        "DINGTALK_OPENAPI_ENDPOINT": fake.base_url,
        "DINGTALK_CARD_TEMPLATE_ID": "salesbot_card.schema",
        **llm_env(fake_llm),
    }
    async with running_app(tmp_path, **settings) as app:
        adapter = app.adapters["dingtalk"]
        adapter.api.backoff_max = 0.05
        await adapter.start()
        await fake.wait_for_connections(1)
        yield app


async def test_dingtalk_group_card_press_confirms_only_the_pressers_proposal(tmp_path, fake_llm):
    from adapters.dingtalk.stream import CARD_TOPIC

    fake = FakeDingTalk()
    await fake.start()
    try:
        async with dingtalk(tmp_path, fake, fake_llm) as app:
            fake_llm.script(tool_call("log_visit", **VISIT), text("请确认。"))
            first = fake.robot_message(SAID, staff_id="dt_zhangwei", group=True)
            await fake.send_callback(first)
            await fake.wait_for(lambda: len(fake.cards) == 1)
            await app.drain()
            fake_llm.script(tool_call("create_task", title="复盘周报", due="周五"), text("请确认。"))
            second = fake.robot_message("提醒我周五复盘周报", staff_id="dt_wangqiang", group=True)
            second["conversationId"] = first["conversationId"]
            await fake.send_callback(second)
            await fake.wait_for(lambda: len(fake.cards) == 2)
            await app.drain()
            assert await crm_counts(app) == (0, 0, 0)

            visit_card = next(cid for cid, c in fake.cards.items() if "华东机械" in c["params"]["content"])
            # the manager presses the rep's card: refused, nothing written
            await fake.send_callback(fake.card_press(visit_card, "dt_wangqiang", "confirm"), topic=CARD_TOPIC)
            await asyncio.sleep(0.3)
            await app.drain()
            assert await crm_counts(app) == (0, 0, 0)
            for _ in range(2):  # the rep presses 确认 twice
                await fake.send_callback(fake.card_press(visit_card, "dt_zhangwei", "confirm"), topic=CARD_TOPIC)
            await fake.wait_for(lambda: fake.cards[visit_card]["updates"])
            await asyncio.sleep(0.3)
            await app.drain()
            assert fake.cards[visit_card]["params"]["status"] == "已确认"
            assert len(await agent_visits(app)) == 1
            assert await count(app, Task, Task.created_source == "AGENT") == 1  # the manager's is still open
            async with app.db.session() as s:
                statuses = dict((await s.execute(select(Proposal.conversation_key, Proposal.status))).all())
            group = f"dingtalk:{first['conversationId']}"
            assert statuses == {f"{group}#dt_zhangwei": "confirmed", f"{group}#dt_wangqiang": "open"}
    finally:
        await fake.close()
