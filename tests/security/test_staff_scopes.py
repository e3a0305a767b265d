"""Authorization in the services: each staff tool checked for reps and managers, and every tool for customers.

Demo org: 陈静 (director) → 王强 (华东 manager: 张伟, 李娜, 赵磊) and 刘洋 (华南 manager: 陈敏, 周杰, 孙丽).
"""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import func, select

from bot.capabilities import ToolContext, ToolDenied, ToolError, run_tool
from bot.identity import actor_for
from bot.messages import Actor, Inbound, Role
from bot.models import AuditLog, Task, Visit

OWN = "华东机械"  # 张伟's
TEAMMATE = "华东机电"  # 李娜's (same team as 张伟)
OTHER_TEAM = "南粤电子"  # 陈敏's (华南)


async def ctx_for(app, username: str) -> ToolContext:
    user = await app.staff_by_username(username)
    inbound = Inbound(platform="console", msg_id=uuid.uuid4().hex, sender_id=username, conversation_id=username)
    return ToolContext(app, actor_for(user), inbound.conversation_key, inbound)


async def visits_on(app, short_name: str) -> int:
    from bot.models import Account

    async with app.db.session() as s:
        return (
            await s.execute(
                select(func.count())
                .select_from(Visit)
                .join(Account, Account.id == Visit.account_id)
                .where(Account.short_name == short_name, Visit.created_source != "IMPORT")
            )
        ).scalar_one()


async def denials(app) -> list[AuditLog]:
    async with app.db.session() as s:
        return list((await s.execute(select(AuditLog).where(AuditLog.action == "tool.denied"))).scalars().all())


# --- lookup_customer ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user, account, allowed",
    [
        ("zhangwei", OWN, True),
        ("zhangwei", TEAMMATE, False),
        ("zhangwei", OTHER_TEAM, False),
        ("wangqiang", OWN, True),
        ("wangqiang", TEAMMATE, True),
        ("wangqiang", OTHER_TEAM, False),
        ("liuyang", OTHER_TEAM, True),
        ("liuyang", OWN, False),
        ("chenjing", OWN, True),
        ("chenjing", OTHER_TEAM, True),  # the director's tree is both teams
        ("admin", OTHER_TEAM, True),
    ],
)
async def test_lookup_customer_scope(offline_app, user, account, allowed):
    ctx = await ctx_for(offline_app, user)
    if allowed:
        out = await run_tool(ctx, "lookup_customer", {"name": account})
        assert "负责人" in out.text and out.data.get("account_id")
    else:
        with pytest.raises(ToolDenied, match="没有权限|不是你负责"):
            await run_tool(ctx, "lookup_customer", {"name": account})
        rows = await denials(offline_app)
        assert (
            rows
            and rows[-1].detail["detail_tool"] == "lookup_customer"
            and rows[-1].actor_staff_id == ctx.actor.staff_id
        )


# --- log_visit -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user, account, allowed",
    [
        ("zhangwei", OWN, True),
        ("zhangwei", TEAMMATE, False),
        ("zhangwei", OTHER_TEAM, False),
        ("wangqiang", TEAMMATE, True),
        ("wangqiang", OTHER_TEAM, False),
        ("liuyang", OTHER_TEAM, True),
    ],
)
async def test_log_visit_scope(offline_app, user, account, allowed):
    ctx = await ctx_for(offline_app, user)
    before = await visits_on(offline_app, account)
    args = {"account_name": account, "summary": "权限测试", "visit_date": "今天"}
    if allowed:
        out = await run_tool(ctx, "log_visit", args)
        assert "已记录" in out.text and await visits_on(offline_app, account) == before + 1
    else:  # refused like every other tool: an exception the caller shows, and an audit row
        with pytest.raises(ToolDenied, match="没有权限"):
            await run_tool(ctx, "log_visit", args)
        assert await visits_on(offline_app, account) == before


# --- create_task / list_tasks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user, account, allowed",
    [
        ("zhangwei", OWN, True),
        ("zhangwei", TEAMMATE, False),
        ("wangqiang", TEAMMATE, True),
        ("wangqiang", OTHER_TEAM, False),
    ],
)
async def test_create_task_scope(offline_app, user, account, allowed):
    ctx = await ctx_for(offline_app, user)
    args = {"title": "权限测试待办", "due": "明天", "account_name": account}
    if allowed:
        assert "已建待办" in (await run_tool(ctx, "create_task", args)).text
    else:
        with pytest.raises(ToolDenied):
            await run_tool(ctx, "create_task", args)
        async with offline_app.db.session() as s:
            assert (await s.execute(select(Task).where(Task.title == "权限测试待办"))).scalars().all() == []


async def test_list_tasks_shows_only_the_speakers_own(offline_app):
    rep = await ctx_for(offline_app, "zhangwei")
    await run_tool(rep, "create_task", {"title": "张伟自己的待办", "due": "明天"})
    other = await ctx_for(offline_app, "lina")
    assert "张伟自己的待办" not in (await run_tool(other, "list_tasks", {})).text
    assert "张伟自己的待办" in (await run_tool(rep, "list_tasks", {})).text


async def test_internal_knowledge_tool_is_staff_only(offline_app):
    spec = offline_app.capabilities.tools["search_talk_tracks"]
    assert Role.CUSTOMER not in spec.roles and {Role.REP, Role.MANAGER, Role.ADMIN} <= spec.roles


# --- customers: nothing internal, whatever tool is named ----------------------------------------------------


async def test_customer_is_refused_every_staff_tool_and_each_refusal_is_audited(offline_app):
    from agents.customer import CUSTOMER_TOOLS

    inbound = Inbound(platform="web", msg_id="probe", sender_id="v1", conversation_id="v1", role_hint=Role.CUSTOMER)
    ctx = ToolContext(offline_app, Actor(role=Role.CUSTOMER), inbound.conversation_key, inbound)
    staff_tools = [name for name, spec in offline_app.capabilities.tools.items() if Role.CUSTOMER not in spec.roles]
    assert {"lookup_customer", "log_visit", "create_task", "list_tasks", "search_talk_tracks"} <= set(staff_tools)
    for name in staff_tools:
        with pytest.raises(ToolDenied):
            await run_tool(ctx, name, {})
    audited = [row.detail["detail_tool"] for row in await denials(offline_app)]
    assert sorted(audited) == sorted(staff_tools)
    # the reviewed customer list only holds tools that exist and are registered for customers
    for name in CUSTOMER_TOOLS:
        assert name in offline_app.capabilities.tools and Role.CUSTOMER in offline_app.capabilities.tools[name].roles, (
            name
        )


async def test_customer_tools_are_refused_to_staff(offline_app):
    ctx = await ctx_for(offline_app, "zhangwei")
    for name in ("save_contact_info", "handoff_to_sales"):
        with pytest.raises(ToolDenied):
            await run_tool(ctx, name, {})


async def test_unknown_tool_is_an_error_not_a_crash(offline_app):
    ctx = await ctx_for(offline_app, "zhangwei")
    with pytest.raises(ToolError, match="没有这个功能"):
        await run_tool(ctx, "drop_all_tables", {})
