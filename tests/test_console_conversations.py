"""The console's 对话记录: each turn with what the model was asked, the tools it called (also when it sent
unreadable arguments), the proposal and its outcome (a correction with its reason, then confirmed), the replies
as delivered; search and filters; personal data masked for read-only managers; links from the audit log and
from a customer's page; traces pruned after their retention."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import select

from bot.models import Account, InboundMessage, Visit, utcnow
from bot.turn_trace import TurnTrace, prune, steps_of
from salesbot.admin import auth
from tests.admin_support import MANAGER_PASSWORD, make_accounts, serving, signed_in
from tests.conftest import ConsoleClient, running_app
from tests.fakes.openai_server import FakeOpenAI, text, tool_call

VISIT = dict(
    account_name="华东机械",
    summary="聊了二期扩容，李总手机 13812345678",
    visit_date="今天",
    contacts=["李总"],
    next_step="发报价",
    next_step_due="下周三",
)
SAID = "今天拜访了华东机械的李总，聊了二期扩容，他手机 13812345678，下周三前发报价"


def llm_env(llm) -> dict[str, str]:
    return dict(OPENAI_BASE_URL=llm.base_url, OPENAI_API_KEY="t", SALESBOT_LLM_MODEL="fake")


async def _talk(app, llm) -> None:
    llm.script(
        # a model that misbehaves first: arguments that are no JSON at all, then it tries again
        tool_call("log_visit", '{"account_name": "华东机械", "summary": 聊了'),
        tool_call("log_visit", **VISIT),
        text("请确认。"),
        tool_call("log_visit", **{**VISIT, "next_step_due": "下周四"}),
        text("改好了。"),
        tool_call("create_task", title="给金陵医药发方案", due="周五"),
        text("要建这个待办吗？"),
    )
    rep = ConsoleClient(app, "zhangwei")
    await rep.say(SAID)
    assert "改的原因？" in await rep.say("改成下周四")
    assert "记下了原因" in await rep.say("客户临时把会挪了")
    assert "已记录" in await rep.say("确认")
    await rep.say("提醒我周五给金陵医药发方案")
    assert "没写" in await rep.say("取消")


async def _inbound_id(app, said: str) -> int:
    async with app.db.session() as s:
        return (await s.execute(select(InboundMessage.id).where(InboundMessage.text == said))).scalar_one()


async def test_a_turn_shows_the_model_the_tools_the_proposal_and_the_delivered_reply(tmp_path):
    async with FakeOpenAI() as llm, running_app(tmp_path, **llm_env(llm)) as app:
        await make_accounts(app)
        await _talk(app, llm)
        first = await _inbound_id(app, SAID)
        async with app.db.session() as s:
            trace = (await s.execute(select(TurnTrace).where(TurnTrace.inbound_id == first))).scalar_one()
        steps = steps_of(trace)
        assert trace.route == "agent" and [s["kind"] for s in steps][:2] == ["asked", "llm"]
        # stored masked, whoever reads it later
        assert "13812345678" not in trace.steps and "138****5678" in trace.steps

        async with serving(app) as base, signed_in(base) as admin:
            status, page = await admin.get("/admin/conversations")
            assert status == 200 and "命令行" in page and "张伟" in page
            link = re.search(r'href="(/admin/conversations/view\?[^"]+)"', page).group(1).replace("&amp;", "&")
            status, page = await admin.get(link)
            assert status == 200
            assert "问模型" in page and "staff_system" in page  # what the model was asked
            assert "参数无法解析" in page  # the unreadable tool call is shown, not hidden
            assert "调用工具" in page and "log_visit" in page and "工具结果" in page
            assert "已修改（被新版本替代）" in page and "已确认写入" in page  # the proposals and their outcome
            assert "已取消" in page and "给金陵医药发方案" in page
            assert "改了" in page and "下周三 → 下周四" in page and "客户临时把会挪了" in page
            assert "已送达" in page and "已记录" in page  # the replies as delivered
            assert "13812345678" in page  # an admin sees the phone number

            # search: the person's words and the replies
            status, page = await admin.get("/admin/conversations?q=挪了")
            assert "data-conversation=" in page
            status, page = await admin.get("/admin/conversations?q=已记录")
            assert "data-conversation=" in page
            status, page = await admin.get("/admin/conversations?q=没有说过的话")
            assert "没有符合条件的对话" in page
            # filters: channel, person, date
            for query, found in [
                ("channel=console", True),
                ("channel=wecom", False),
                ("person=zhangwei", True),
                ("person=张伟", True),
                ("person=lina", False),
                ("since=2020-01-01", True),
                ("until=2020-01-01", False),
            ]:
                status, page = await admin.get(f"/admin/conversations?{query}")
                assert status == 200 and ("data-conversation=" in page) is found, query
            # inside a conversation, the search narrows the turns
            status, page = await admin.get(link + "&q=" + "挪了")
            assert page.count('class="card turn"') == 1 and "客户临时把会挪了" in page

            # from the audit log to the turn that confirmed
            status, page = await admin.get("/admin/audit?action=proposal.confirmed")
            turn_link = re.search(r'href="(/admin/conversations/turns/(\d+))"', page)
            confirmed = await _inbound_id(app, "确认")
            assert int(turn_link.group(2)) == confirmed
            status, page = await admin.get(turn_link.group(1))
            assert status == 200 and "已记录" in page and "回答追问" in page and "整段对话" in page

            # from the customer's page
            async with app.db.session() as s:
                account = (await s.execute(select(Account).where(Account.name.contains("华东机械")))).scalar_one()
                visit = (
                    (await s.execute(select(Visit).where(Visit.account_id == account.id).order_by(Visit.id.desc())))
                    .scalars()
                    .first()
                )
            status, page = await admin.get("/admin/accounts?q=华东")
            assert f'href="/admin/accounts/{account.id}"' in page
            status, page = await admin.get(f"/admin/accounts/{account.id}")
            assert status == 200 and f'data-turn="{visit.source_message_id}"' in page  # the turn that wrote it
            assert f'data-turn="{confirmed}"' in page and "已记录" in page  # and the one that confirmed it

        # a read-only manager reads the conversations, with the phone number masked everywhere
        async with serving(app) as base, signed_in(base, "viewer", MANAGER_PASSWORD) as viewer:
            status, page = await viewer.get("/admin/conversations")
            assert status == 200 and "已打码" in page
            status, page = await viewer.get(link)
            assert status == 200 and "13812345678" not in page and "138****5678" in page
            status, page = await viewer.get(f"/admin/conversations/turns/{first}")
            assert status == 200 and "13812345678" not in page
            status, _ = await viewer.get(f"/admin/accounts/{account.id}")
            assert status == 403  # customers' pages (contacts' phones) stay with admins

        # a manager of another team (刘洋, 华南组) does not see 张伟's turns at all
        await auth.create_admin(app.db, "south", MANAGER_PASSWORD, role="manager", staff_username="liuyang")
        async with serving(app) as base, signed_in(base, "south", MANAGER_PASSWORD) as south:
            status, page = await south.get("/admin/conversations")
            assert status == 200 and "没有符合条件的对话" in page
            status, _ = await south.get(f"/admin/conversations/turns/{first}")
            assert status == 404
            status, page = await south.get(link)
            assert status == 404


async def test_every_kind_of_turn_gets_one_trace_and_old_traces_are_pruned(tmp_path):
    async with running_app(tmp_path) as app:  # offline: commands, offline answers, unknown users
        rep = ConsoleClient(app, "zhangwei")
        await rep.say("/帮助")
        await rep.say("华东机械最近怎么样")
        await ConsoleClient(app, "nobody-here").say("你好")
        async with app.db.session() as s:
            routes = dict(
                (
                    await s.execute(
                        select(InboundMessage.text, TurnTrace.route).join(
                            TurnTrace, TurnTrace.inbound_id == InboundMessage.id
                        )
                    )
                ).all()
            )
        assert routes["/帮助"] == "command:帮助"
        assert routes["华东机械最近怎么样"] == "offline:offline"
        assert routes["你好"] in ("unknown_user", "offline:offline")
        assert len(routes) == 3

        assert await prune(app.db, 30, utcnow()) == 0  # all fresh
        assert await prune(app.db, 30, utcnow() + timedelta(days=31)) == 3
        async with app.db.session() as s:
            assert (await s.execute(select(func.count(TurnTrace.id)))).scalar_one() == 0
            # the messages themselves are untouched
            assert (await s.execute(select(func.count(InboundMessage.id)))).scalar_one() == 3


async def test_a_failed_turn_keeps_its_trace_and_shows_the_error(tmp_path, test_registries):
    _, _, command = test_registries

    async def explode(ctx, arg):
        raise RuntimeError(f"数据库里的电话 {arg} 对不上")

    command("炸", explode)
    async with running_app(tmp_path) as app:
        await make_accounts(app)
        await ConsoleClient(app, "zhangwei").say("/炸 13812345678")
        row_id = await _inbound_id(app, "/炸 13812345678")
        async with app.db.session() as s:
            trace = (await s.execute(select(TurnTrace).where(TurnTrace.inbound_id == row_id))).scalar_one()
        assert trace.route == "command:炸"
        async with serving(app) as base:
            async with signed_in(base) as admin:
                status, page = await admin.get(f"/admin/conversations/turns/{row_id}")
                assert status == 200 and "处理出错：RuntimeError" in page and "对不上" in page and "命令 炸" in page
            async with signed_in(base, "viewer", MANAGER_PASSWORD) as viewer:
                status, page = await viewer.get(f"/admin/conversations/turns/{row_id}")
                assert "138****5678" in page and "13812345678" not in page


async def test_the_daily_retention_job_deletes_old_traces(tmp_path):
    from scheduler.service import JOB_KINDS

    async with running_app(tmp_path, SALESBOT_TURN_TRACE_DAYS="0.00001") as app:  # under a second
        await ConsoleClient(app, "zhangwei").say("/帮助")
        await asyncio.sleep(1.2)
        assert await JOB_KINDS["trace_retention"].run(app) == 1
        async with app.db.session() as s:
            assert (await s.execute(select(func.count(TurnTrace.id)))).scalar_one() == 0
            assert (await s.execute(select(func.count(InboundMessage.id)))).scalar_one() == 1
