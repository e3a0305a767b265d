"""One conversation turn end to end through the console channel, with the fake LLM and offline."""

from __future__ import annotations

from datetime import date

from sqlmodel import func, select

from bot.messages import Inbound
from bot.models import AuditLog, ConversationMessage, InboundMessage, OutboxMessage, Task, Visit
from tests.conftest import ConsoleClient, running_app
from tests.fakes.openai_server import error, text, tool_call

NEXT_WEDNESDAY = date(2026, 12, 2)  # TEST_NOW is Monday 2026-11-23; 下周三 is the Wednesday of next week


async def count(app, model, *where) -> int:
    async with app.db.session() as s:
        return (await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def visits_for(app, account_name_part: str) -> list[Visit]:
    from bot.models import Account

    async with app.db.session() as s:
        return (
            (
                await s.execute(
                    select(Visit)
                    .join(Account, Visit.account_id == Account.id)
                    .where(Account.name.contains(account_name_part), Visit.created_source != "IMPORT")
                )
            )
            .scalars()
            .all()
        )


async def test_llm_path_logs_visit_with_account_date_and_task(llm_app, fake_llm):
    fake_llm.script(
        tool_call(
            "log_visit",
            account_name="华东机械",
            summary="聊了二期扩容，预算大概五十万",
            visit_date="今天",
            contacts=["李总"],
            next_step="发报价",
            next_step_due="下周三",
        ),
        text("记好了：华东机械今天的拜访，下周三前发报价。"),
    )
    rep = ConsoleClient(llm_app, "zhangwei")
    answer = await rep.say("今天下午拜访了华东机械的李总，聊了二期扩容，预算大概五十万，下周三前要发报价")
    # the model proposes; nothing is written until the rep confirms (and its "记好了" is not passed on)
    assert "上海华东机械制造有限公司" in answer and "11月23日（周一）" in answer
    assert "发报价，截止 12月2日（周三）" in answer and "记好了" not in answer
    assert await visits_for(llm_app, "华东机械制造") == []
    answer = await rep.say("是")
    assert "已记录" in answer

    visits = await visits_for(llm_app, "华东机械制造")
    assert len(visits) == 1
    visit = visits[0]
    assert visit.visit_date == date(2026, 11, 23)
    assert visit.attendees == ["李总"]
    assert visit.created_source == "AGENT"
    assert visit.source_message_id is not None
    async with llm_app.db.session() as s:
        task = (await s.execute(select(Task).where(Task.visit_id == visit.id))).scalars().one()
    assert task.title == "发报价" and task.due_date == NEXT_WEDNESDAY
    assert task.created_source == "AGENT"
    # the model was offered the staff tools and saw the tool's confirmation
    assert "log_visit" in fake_llm.requests[0]["tools"][0]["function"]["name"] or "log_visit" in [
        t["function"]["name"] for t in fake_llm.requests[0]["tools"]
    ]
    tool_result = fake_llm.requests[1]["messages"][-1]
    assert tool_result["role"] == "tool" and "等用户确认后才会写入" in tool_result["content"]
    assert fake_llm.calls == 2  # the 「是」 was answered without the model


async def test_same_message_delivered_twice_gives_one_reply_and_one_visit(llm_app, fake_llm):
    fake_llm.script(
        tool_call(
            "log_visit", account_name="华东机械", summary="聊了二期扩容", next_step="发报价", next_step_due="下周三"
        ),
        text("已记录。"),
    )
    rep = ConsoleClient(llm_app, "zhangwei")
    inbound = Inbound(
        platform="console",
        msg_id="m-dup-1",
        sender_id="zhangwei",
        conversation_id="zhangwei",
        text="今天拜访华东机械，聊了二期扩容，下周三发报价",
    )
    first = await rep.deliver(inbound)
    second = await rep.deliver(Inbound(**{**inbound.__dict__}))
    assert "请确认" in first and "上海华东机械制造有限公司" in first and second == ""
    assert await count(llm_app, OutboxMessage) == 1
    assert "已记录" in await rep.say("是")  # the proposal is confirmed once
    assert len(await visits_for(llm_app, "华东机械制造")) == 1
    assert await count(llm_app, InboundMessage, InboundMessage.msg_id == "m-dup-1") == 1
    assert fake_llm.calls == 2
    assert llm_app.ledger.duplicates_dropped == 1


async def test_llm_failing_twice_then_succeeding_gives_one_answer(llm_app, fake_llm):
    fake_llm.script(error(500, times=2, retry_after=0.01), text("您好，有什么要记的？"))
    answer = await ConsoleClient(llm_app, "zhangwei").say("在吗")
    assert answer == "您好，有什么要记的？"
    assert fake_llm.calls == 3
    assert await count(llm_app, OutboxMessage) == 1


async def test_llm_down_gives_the_offline_answer_and_loses_nothing(llm_app, fake_llm):
    fake_llm.script(error(503, times=3, retry_after=0.01))  # the first call and its 2 retries
    answer = await ConsoleClient(llm_app, "zhangwei").say("帮我看看今天该干嘛")
    assert "AI 暂时连不上" in answer and "/拜访" in answer
    async with llm_app.db.session() as s:
        row = (await s.execute(select(InboundMessage))).scalars().one()
    assert row.status == "done" and row.text == "帮我看看今天该干嘛"
    assert llm_app.dispatcher.stats["llm_fallbacks"] == 1
    # once the model is back, the conversation simply continues
    fake_llm.script(text("好的，我来看看。"))
    assert await ConsoleClient(llm_app, "zhangwei").say("再试一次") == "好的，我来看看。"


async def test_offline_mode_says_so_and_visit_command_works(offline_app):
    rep = ConsoleClient(offline_app, "zhangwei")
    # a sentence that is understood needs no excuse; one that is not says why, once a day
    answer = await rep.say("今天拜访了华东机械")
    assert "像是一条拜访记录" in answer and "离线模式" not in answer
    assert "离线模式" in await rep.say("帮我看看今天该干嘛")
    answer = await rep.say("/拜访 华东机械 今天和李总聊了二期扩容，预算五十万 下周三发报价")
    assert "已记录：上海华东机械制造有限公司" in answer and "下一步：发报价" in answer
    visits = await visits_for(offline_app, "华东机械制造")
    assert len(visits) == 1 and visits[0].created_source == "MANUAL" and visits[0].visit_date == date(2026, 11, 23)
    assert "李总" in visits[0].attendees
    async with offline_app.db.session() as s:
        task = (await s.execute(select(Task).where(Task.visit_id == visits[0].id))).scalars().one()
    assert task.due_date == NEXT_WEDNESDAY and task.title == "发报价"


async def test_restart_keeps_conversation_memory(tmp_path, fake_llm):
    env = dict(OPENAI_BASE_URL=fake_llm.base_url, OPENAI_API_KEY="t", SALESBOT_LLM_MODEL="fake")
    async with running_app(tmp_path, **env) as app:
        fake_llm.script(text("记住了，你关注华东机械。"))
        await ConsoleClient(app, "zhangwei").say("我最近主要跟华东机械")
    async with running_app(tmp_path, **env) as app:  # a new process on the same data dir
        fake_llm.script(text("是华东机械。"))
        await ConsoleClient(app, "zhangwei").say("我刚才说主要跟哪家？")
    contents = [m["content"] for m in fake_llm.requests[-1]["messages"]]
    assert "我最近主要跟华东机械" in contents and "记住了，你关注华东机械。" in contents


async def test_unknown_user_gets_a_clear_answer_and_nothing_is_written(offline_app):
    answer = await ConsoleClient(offline_app, "nobody").say("/拜访 华东机械 今天聊了 下周三发报价")
    assert "还不认识你" in answer
    assert await visits_for(offline_app, "华东") == []


async def test_empty_long_and_control_character_messages(offline_app):
    rep = ConsoleClient(offline_app, "zhangwei")
    assert "没收到内容" in await rep.say("   \x00\x07  ")
    long_answer = await rep.say("报价" * 50_000)  # 100 KB
    # either refused as too long, or read as a transcript that holds nothing to write
    assert "太长" in long_answer or "什么也没写" in long_answer
    assert await count(offline_app, Visit, Visit.created_source != "IMPORT") == 0
    assert await count(offline_app, Task, Task.created_source != "IMPORT") == 0
    answer = await rep.say("/拜访 华东机械 今天\x1b[31m聊了\x00二期 下周三发报价")
    assert "已记录" in answer
    visit = (await visits_for(offline_app, "华东机械制造"))[0]
    assert "\x1b" not in visit.summary and "\x00" not in visit.summary
    assert await count(offline_app, Visit, Visit.created_source != "IMPORT") == 1


async def test_ambiguous_account_is_asked_then_recorded(offline_app):
    rep = ConsoleClient(offline_app, "wangqiang")  # a manager sees both 华东 accounts of the team
    answer = await rep.say("/拜访 华东 今天聊了续约")
    assert "好几家" in answer and "1." in answer and "2." in answer
    assert await visits_for(offline_app, "华东") == []
    answer = await rep.say("2")
    assert "已记录" in answer
    assert len(await visits_for(offline_app, "华东")) == 1
    assert "处理" in await rep.say("2") or len(await visits_for(offline_app, "华东")) == 1


async def test_unknown_account_is_never_created_silently(offline_app):
    rep = ConsoleClient(offline_app, "zhangwei")
    answer = await rep.say("/拜访 星辰大海科技 今天初次拜访")
    assert "没找到客户" in answer
    assert await visits_for(offline_app, "星辰大海") == []
    answer = await rep.say("新建")
    assert "已新建客户「星辰大海科技」" in answer
    assert len(await visits_for(offline_app, "星辰大海")) == 1


async def test_rep_cannot_log_visits_on_another_reps_account(offline_app):
    answer = await ConsoleClient(offline_app, "zhangwei").say("/拜访 南粤电子 今天聊了")
    # the refusal says only that the customer is not theirs: neither its owner nor its full name
    assert "没有权限" in answer and "陈敏" not in answer and "广州南粤电子科技有限公司" not in answer
    assert await visits_for(offline_app, "南粤") == []


async def test_tool_denied_for_role_is_audited_and_not_executed(llm_app, fake_llm):
    """A customer turn where the model asks for a staff tool: refused by the service layer, audited."""
    fake_llm.script(tool_call("log_visit", account_name="华东机械", summary="假拜访"), text("好的"))
    client = ConsoleClient(llm_app, "guest-1", role_hint=__import__("bot.messages").messages.Role.CUSTOMER)
    await client.say("帮我记一条华东机械的拜访")
    assert await visits_for(llm_app, "华东") == []
    if fake_llm.requests:  # the customer agent must not even offer the tool
        offered = [t["function"]["name"] for t in fake_llm.requests[0].get("tools", [])]
        assert "log_visit" not in offered
        assert await count(llm_app, AuditLog, AuditLog.action == "tool.denied") >= 1


async def test_task_commands_create_list_and_complete(offline_app):
    rep = ConsoleClient(offline_app, "zhangwei")
    answer = await rep.say("/任务 周五给金陵医药发方案")
    assert "已建待办" in answer and "11月27日" in answer
    listing = await rep.say("/任务")
    assert "给金陵医药发方案" in listing
    task_id = int(answer.split("#")[1].split("：")[0])
    assert "已完成" in await rep.say(f"/完成 {task_id}")
    async with offline_app.db.session() as s:
        assert (await s.get(Task, task_id)).status == "done"


async def test_lookup_customer_command(offline_app):
    answer = await ConsoleClient(offline_app, "zhangwei").say("/客户 华东机械")
    assert "上海华东机械制造有限公司" in answer and "负责人 张伟" in answer


async def test_unknown_command_lists_the_real_ones(offline_app):
    answer = await ConsoleClient(offline_app, "zhangwei").say("/飞起来")
    assert "没有「/飞起来」" in answer and "/拜访" in answer


async def test_memory_is_kept_per_conversation(offline_app):
    await ConsoleClient(offline_app, "zhangwei").say("/帮助")
    async with offline_app.db.session() as s:
        rows = (await s.execute(select(ConversationMessage))).scalars().all()
    assert [r.role for r in rows] == ["user", "assistant"]
    assert all(r.conversation_key == "console:zhangwei" for r in rows)


async def test_conversations_run_concurrently_but_each_in_order(llm_app, fake_llm):
    import asyncio

    fake_llm.latency = 0.3
    fake_llm.responder = lambda body: text("答：" + body["messages"][-1]["content"])
    console = llm_app.adapters["console"]
    users = ["zhangwei", "lina", "zhaolei", "chenmin"]
    started = asyncio.get_running_loop().time()
    for round_ in range(2):
        for user in users:
            await llm_app.receive(console.make_inbound(f"{user}-{round_}", user))
    await llm_app.drain()
    elapsed = asyncio.get_running_loop().time() - started
    assert elapsed < 2.0  # 8 turns of 0.3 s: concurrent across conversations (sequential would be 2.4 s)
    for user in users:
        mine = [line for line in llm_app.console_lines if line.startswith(f"答：{user}-")]
        assert mine == [f"答：{user}-0", f"答：{user}-1"]
