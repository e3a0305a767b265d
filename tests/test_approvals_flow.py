"""Approvals end to end through the console: chains from the demo org, one tap per decision, the requester
kept informed, the audit story, bad input refused with nothing changed, races, escalation, restarts."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from sqlmodel import func, select

from bot.capabilities import ToolContext, ToolError
from bot.clock import FrozenClock
from bot.identity import actor_for
from bot.messages import CardAction, Inbound, InboundKind
from bot.models import AuditLog, OutboxMessage
from tests.conftest import SHANGHAI, TEST_NOW, ConsoleClient, running_app

# tools.approvals itself is imported by App (after the other capabilities, so the command list keeps its order)
from tools.approvals.flow import (
    apply_external_status,
    decide,
    link_external,
    remind_and_escalate_overdue,
    status_from_dingtalk,
    status_from_wecom,
)
from tools.approvals.models import ApprovalAssignment, ApprovalRequest, ApprovalStep

SUBMIT_8 = "/审批 华东机械 8折 竞品报价低15%，客户答应签两年"


async def rows(app, model, *where):
    async with app.db.session() as s:
        return (await s.execute(select(model).where(*where).order_by(model.id))).scalars().all()


async def count(app, model, *where) -> int:
    async with app.db.session() as s:
        return (await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def story(app, request_id: int) -> list[str]:
    return [
        a.action
        for a in await rows(app, AuditLog, AuditLog.record_type == "approval_request", AuditLog.record_id == request_id)
    ]


def pushes(app, user: str) -> list:
    return [d.reply for d in app.adapters["console"].delivered if d.is_push and d.target.user_id == user]


def cards_for(app, user: str) -> list:
    return [r.card for r in pushes(app, user) if r.card is not None and not r.card_update]


def press(user: str, card_id: str, action: str, msg_id: str | None = None, **value) -> Inbound:
    return Inbound(
        platform="console",
        msg_id=msg_id or uuid.uuid4().hex,
        sender_id=user,
        conversation_id=user,
        kind=InboundKind.CARD_ACTION,
        card_action=CardAction(card_id=card_id, action=action, value=value),
    )


async def staff_ctx(app, username: str) -> ToolContext:
    user = await app.staff_by_username(username)
    return ToolContext(app, actor_for(user), f"console:{username}")


@pytest.fixture
async def app(tmp_path):
    async with running_app(tmp_path) as app:
        yield app


async def test_8_zhe_goes_manager_then_director_and_the_audit_tells_the_story(app):
    rep, manager, director = (ConsoleClient(app, u) for u in ("zhangwei", "wangqiang", "chenjing"))
    answer = await rep.say(SUBMIT_8)
    assert "已提交 #1" in answer and "1. 直属经理：王强" in answer and "2. 总监：陈静" in answer
    assert "折扣 8 折 < 经理权限 8.5 折 → 需总监审批" in answer
    (card,) = cards_for(app, "wangqiang")
    assert card.card_id.startswith("approval-1-0-") and [b.key for b in card.buttons] == [
        "approve",
        "reject",
        "delegate",
    ]
    assert "为什么找你：折扣 8 折 < 销售权限 9.5 折 → 需直属经理审批" in card.body
    assert cards_for(app, "chenjing") == []  # sequential: the director waits for the manager

    answer = await manager.say("c1")
    assert "已同意 · 王强" in answer and "已转给下一步：总监（陈静）" in answer
    assert any("王强已同意你的申请 #1" in r.text and "下一步：总监（陈静）" in r.text for r in pushes(app, "zhangwei"))
    (card2,) = cards_for(app, "chenjing")
    assert card2.card_id.startswith("approval-1-1-") and "第 2/2 步" in str(card2.fields)

    answer = await director.say("c1")
    assert "已同意 · 陈静" in answer and "审批全部完成" in answer
    assert any("✅ 你的申请 #1 华东机械 8 折 已通过" in r.text for r in pushes(app, "zhangwei"))
    (request,) = await rows(app, ApprovalRequest)
    assert request.status == "approved" and request.decided_by_id == (await app.staff_by_username("chenjing")).id
    assert await story(app, 1) == ["approval.submit", "approval.approve", "approval.approve"]
    events = await rows(app, AuditLog, AuditLog.record_type == "approval_request")
    assert all(e.message_id is not None and e.detail["via"].startswith("console:") for e in events)
    assert events[0].detail["chain"][1]["approvers"][0]["why"] == "折扣 8 折 < 经理权限 8.5 折 → 需总监审批"
    detail = await rep.say("/审批详情 1")
    assert "张伟 提交" in detail and "王强 同意" in detail and "陈静 同意" in detail and "已通过" in detail


async def test_double_tap_and_a_retried_callback_decide_once(app):
    await ConsoleClient(app, "zhangwei").say("/审批 华东机械 9折 客户预算卡死")
    (card,) = cards_for(app, "wangqiang")
    manager = ConsoleClient(app, "wangqiang")
    first = await manager.deliver(press("wangqiang", card.card_id, "approve", msg_id="tap-1"))
    retried = await manager.deliver(press("wangqiang", card.card_id, "approve", msg_id="tap-1"))  # same callback
    second = await manager.deliver(press("wangqiang", card.card_id, "approve"))  # a second tap
    assert "已同意" in first and retried == "" and "你已经同意过" in second
    assert await story(app, 1) == ["approval.submit", "approval.approve"]
    assert len([r for r in pushes(app, "zhangwei") if "通过" in r.text]) == 1


async def test_reject_asks_for_a_reason_then_resubmit_with_changes(app):
    rep, manager = ConsoleClient(app, "zhangwei"), ConsoleClient(app, "wangqiang")
    await rep.say("/审批 华东机械 9折 客户预算卡死")
    assert "请回复拒绝理由" in await manager.say("c2")
    assert (await rows(app, ApprovalRequest))[0].status == "pending"  # nothing decided before the reason
    answer = await manager.say("先报 9.5 折试试")
    assert "已拒绝" in answer
    request = (await rows(app, ApprovalRequest))[0]
    assert request.status == "rejected" and request.decision_comment == "先报 9.5 折试试"
    assert any("被王强拒绝，理由：先报 9.5 折试试" in r.text for r in pushes(app, "zhangwei"))
    # the pressed card is updated too (through the press's reply context, not a new card)
    assert any(
        r.card_update and r.card.status == "已拒绝 · 王强"
        for r in pushes(app, "wangqiang") + [d.reply for d in app.adapters["console"].delivered if not d.is_push]
    )
    answer = await rep.say("/重新提交 1 9.5折 客户同意预付全年")
    assert "基于 #1 重新提交" in answer and "自动通过" in answer
    new = (await rows(app, ApprovalRequest))[-1]
    assert new.resubmitted_from_id == 1 and new.status == "approved" and new.auto_approved


async def test_withdraw_then_a_late_press_changes_nothing(app):
    rep, manager = ConsoleClient(app, "zhangwei"), ConsoleClient(app, "wangqiang")
    await rep.say(SUBMIT_8)
    assert "已撤回" in await rep.say("/撤回")
    assert any(r.card_update and r.card.status == "申请人已撤回" for r in pushes(app, "wangqiang"))
    answer = await manager.say("c1")
    assert "已经被张伟撤回了" in answer
    (request,) = await rows(app, ApprovalRequest)
    assert request.status == "withdrawn" and request.version == 2
    assert await count(app, ApprovalAssignment, ApprovalAssignment.status.in_(["approved", "rejected"])) == 0
    assert "撤回不了" in await rep.say("/撤回 1")
    assert await story(app, 1) == ["approval.submit", "approval.withdraw"]


async def test_delegate_to_a_colleague_who_then_decides(app):
    rep, manager, lina = (ConsoleClient(app, u) for u in ("zhangwei", "wangqiang", "lina"))
    await rep.say("/审批 华东机械 9折 客户预算卡死")
    assert "转交给谁" in await manager.say("c3")
    assert "不能转交给申请人本人" in await manager.say("张伟")
    assert "转交给谁" in await manager.say("c3")
    assert "已把 #1 华东机械 9 折 转交给李娜" in await manager.say("李娜")
    (card,) = cards_for(app, "lina")
    assert "王强转交给你" in card.body
    assert "已同意" in await lina.say("c1")
    assert (await rows(app, ApprovalRequest))[0].status == "approved"
    assert await story(app, 1) == ["approval.submit", "approval.delegate", "approval.approve"]
    assert "已经转交给李娜" in await manager.say("/同意 1")


BAD_REQUESTS = [
    ("/审批 华东机械 120% 理由很充分", "0～100%"),
    ("/审批 华东机械 -5% 理由很充分", "0～100%"),
    ("/审批 华东机械 12折 理由很充分", "0～100%"),
    ("/审批 华东机械 5折 理由很充分", "低于公司底线 6 折"),
    ("/审批 星辰大海科技 8折 理由很充分", "没找到客户「星辰大海科技」"),
    ("/审批 南粤电子 8折 理由很充分", "不是你负责的"),
    ("/审批 华东机械 8折", "请写上申请理由"),
    ("/审批 华东机械 特价 理由很充分", "特价申请要写成交金额"),
    ("/审批 华东机械 8折 旗舰版 50000个账号 理由很充分", "不超过 1 亿"),
    ("/审批 华东机械 合同", "请说明要改哪条合同条款"),
]


async def test_bad_requests_are_refused_and_write_nothing(app):
    """One app for every case: each refusal must leave the database as it found it."""
    rep = ConsoleClient(app, "zhangwei")
    for text, refusal in BAD_REQUESTS:
        answer = await rep.say(text)
        assert refusal in answer, (text, answer)
        assert await count(app, ApprovalRequest) == 0 and await count(app, ApprovalStep) == 0, text
        assert await count(app, AuditLog, AuditLog.record_type == "approval_request") == 0, text
    assert app.adapters["console"].delivered and not any(d.is_push for d in app.adapters["console"].delivered)


async def test_nobody_decides_their_own_or_someone_elses_step_or_a_closed_one(app):
    rep = ConsoleClient(app, "zhangwei")
    await rep.say(SUBMIT_8)
    (card,) = cards_for(app, "wangqiang")
    assert "不能审批自己提交的申请" in await rep.deliver(press("zhangwei", card.card_id, "approve"))
    assert "不能审批自己提交的申请" in await rep.say("/同意 1")
    assert "不是由你审批的" in await ConsoleClient(app, "lina").deliver(press("lina", card.card_id, "approve"))
    assert "不是由你审批的" in await ConsoleClient(app, "lina").say("/同意 1")
    # the director's step has not started: the director cannot jump the queue
    director_assignment = (await rows(app, ApprovalAssignment))[1]
    assert "还没轮到你" in await ConsoleClient(app, "chenjing").say("/同意 1")
    assert director_assignment.status == "waiting"
    (request,) = await rows(app, ApprovalRequest)
    assert request.status == "pending" and request.version == 1
    assert await count(app, ApprovalAssignment, ApprovalAssignment.status.in_(["approved", "rejected"])) == 0
    assert await count(app, AuditLog, AuditLog.action == "approval.denied") >= 2
    # a closed request: decided, then pressed again by the next approver
    await ConsoleClient(app, "wangqiang").say("/拒绝 1 不行")
    assert "已拒绝" in await ConsoleClient(app, "chenjing").say("/同意 1")
    assert (await rows(app, ApprovalRequest))[0].status == "rejected"
    assert await story(app, 1) == ["approval.submit", "approval.denied", "approval.denied", "approval.reject"]


async def test_vip_fast_lane_asks_everyone_at_once(app):
    answer = await ConsoleClient(app, "zhangwei").say("/审批 金陵医药 8折 客户集团统一采购")
    assert "快速通道" in answer
    (step,) = await rows(app, ApprovalStep)
    assert step.mode == "all" and step.time_limit_hours == 4
    assert "金额 52.8 万 ≥ 50 万 → 需财务复核" in answer  # the deal's list value at 8 折
    assert all(len(cards_for(app, u)) == 1 for u in ("wangqiang", "chenjing", "qianfang"))
    await ConsoleClient(app, "chenjing").say("c1")
    await ConsoleClient(app, "qianfang").say("c1")
    assert (await rows(app, ApprovalRequest))[0].status == "pending"  # all: still waiting for the manager
    await ConsoleClient(app, "wangqiang").say("c1")
    assert (await rows(app, ApprovalRequest))[0].status == "approved"


async def test_a_rep_without_a_place_in_the_org_is_refused_clearly(app):
    answer = await ConsoleClient(app, "chenjing").say("/审批 华东机械 8折 战略客户")
    assert "找不到「直属经理」这一步的审批人" in answer
    assert await count(app, ApprovalRequest) == 0


PARALLEL_ANY = """
rules:
  - name: 经理或李娜
    when: {type: discount}
    steps: [{approvers: [direct_manager, "user:lina"], mode: any}]
"""
PARALLEL_ALL = PARALLEL_ANY.replace("mode: any", "mode: all")


async def _submit_with_rules(app, rules_text: str) -> int:
    (app.settings.data_dir / "approval_rules.yaml").write_text(rules_text, encoding="utf-8")
    answer = await ConsoleClient(app, "zhangwei").say("/审批 华东机械 8折 客户预算卡死")
    assert "已提交" in answer, answer
    return (await rows(app, ApprovalRequest))[-1].id


async def test_n_simultaneous_decisions_from_two_processes_end_in_one_outcome(tmp_path):
    async with running_app(tmp_path) as first, running_app(tmp_path, demo=False) as second:
        request_id = await _submit_with_rules(first, PARALLEL_ANY)
        assignments = {a.approver_id: a.id for a in await rows(first, ApprovalAssignment)}
        attempts = []
        for app in (first, second):
            for username, decision in [("wangqiang", "approved"), ("lina", "rejected")] * 3:
                ctx = await staff_ctx(app, username)
                attempts.append(decide(ctx, assignments[ctx.actor.staff_id], decision, comment=f"{username} 说了算"))
        results = await asyncio.gather(*attempts, return_exceptions=True)
        winners = [r for r in results if not isinstance(r, Exception)]
        assert len(winners) == 1, results
        assert all(isinstance(r, ToolError) for r in results if isinstance(r, Exception))
        request = (await rows(second, ApprovalRequest))[0]
        decided = await rows(second, ApprovalAssignment, ApprovalAssignment.status.in_(["approved", "rejected"]))
        assert len(decided) == 1 and request.status == decided[0].status == winners[0].request_status
        assert request.version == 2
        decisions = [a for a in await story(second, request_id) if a in ("approval.approve", "approval.reject")]
        assert len(decisions) == 1


async def test_two_approvers_of_an_all_step_at_the_same_moment_both_count(tmp_path):
    async with running_app(tmp_path) as first, running_app(tmp_path, demo=False) as second:
        request_id = await _submit_with_rules(first, PARALLEL_ALL)
        assignments = {a.approver_id: a.id for a in await rows(first, ApprovalAssignment)}
        manager, lina = await staff_ctx(first, "wangqiang"), await staff_ctx(second, "lina")
        await asyncio.gather(
            decide(manager, assignments[manager.actor.staff_id], "approved"),
            decide(lina, assignments[lina.actor.staff_id], "approved"),
        )
        request = (await rows(first, ApprovalRequest))[0]
        assert request.status == "approved"
        assert (await story(first, request_id)).count("approval.approve") == 2


async def test_overdue_step_is_reminded_then_escalated_with_a_controlled_clock(tmp_path):
    clock = FrozenClock(TEST_NOW)
    async with running_app(tmp_path, clock=clock) as app:
        await ConsoleClient(app, "zhangwei").say("/审批 华东机械 9折 客户预算卡死")
        clock.advance(hours=23)
        assert await remind_and_escalate_overdue(app) == 0
        clock.advance(hours=2)
        assert await remind_and_escalate_overdue(app) == 1
        await app.drain()
        assert any("催办" in r.text for r in pushes(app, "wangqiang"))
        assert any("已催办王强" in r.text for r in pushes(app, "zhangwei"))
        assert await remind_and_escalate_overdue(app) == 0  # reminded once
        clock.advance(hours=23)
        assert await remind_and_escalate_overdue(app) == 0
        clock.advance(hours=2)
        assert await asyncio.gather(remind_and_escalate_overdue(app), remind_and_escalate_overdue(app)) in (
            [1, 0],
            [0, 1],
        )
        await app.drain()
        (card,) = cards_for(app, "chenjing")  # 王强's manager
        assert "超过时限未处理" in card.body
        assert any("已升级给陈静" in r.text for r in pushes(app, "zhangwei"))
        assert "已同意" in await ConsoleClient(app, "chenjing").say("c1")
        assert (await rows(app, ApprovalRequest))[0].status == "approved"
        assert await story(app, 1) == ["approval.submit", "approval.remind", "approval.escalate", "approval.approve"]
        clock.advance(hours=100)
        assert await remind_and_escalate_overdue(app) == 0


async def test_approval_time_limits_stop_at_the_weekend_and_nobody_is_chased_at_night(tmp_path):
    submitted = TEST_NOW.replace(day=27, hour=15)  # Fri 27 Nov 2026 15:00: the 24 h limit runs out Mon 15:00
    clock = FrozenClock(submitted)
    async with running_app(tmp_path, clock=clock) as app:
        await ConsoleClient(app, "zhangwei").say("/审批 华东机械 9折 客户预算卡死")
        (step,) = await rows(app, ApprovalStep)
        assert step.due_at.astimezone(SHANGHAI) == submitted.replace(day=30)
        for day, hour in ((28, 15), (29, 10), (30, 14)):  # Sat, Sun, Mon before the limit
            clock.set(submitted.replace(day=day, hour=hour))
            assert await remind_and_escalate_overdue(app) == 0, clock.now()
        clock.set(submitted.replace(day=30, hour=15, minute=30))
        assert await remind_and_escalate_overdue(app) == 1
        await app.drain()
        (chase,) = [r.text for r in pushes(app, "wangqiang") if "催办" in r.text]
        assert "已等了 3 天" in chase  # the real wait, Fri 15:00 -> Mon 15:30
        # escalation is due 24 workday hours after the reminder (Tue 15:30), but not in quiet hours
        clock.set(submitted.replace(day=1, month=12, hour=15, minute=0))
        assert await remind_and_escalate_overdue(app) == 0
        clock.set(submitted.replace(day=1, month=12, hour=23, minute=0))  # due, but 23:00 is quiet
        assert await remind_and_escalate_overdue(app) == 0
        clock.set(submitted.replace(day=2, month=12, hour=8, minute=30))
        assert await remind_and_escalate_overdue(app) == 1
        await app.drain()
        assert any("已升级给陈静" in r.text for r in pushes(app, "zhangwei"))


async def test_a_restart_in_the_middle_of_a_chain_loses_nothing(tmp_path):
    async with running_app(tmp_path) as app:
        await ConsoleClient(app, "zhangwei").say(SUBMIT_8)
        app.outbox.lease = timedelta(0)
        app.outbox.start = lambda persisted: None  # the process dies right after the decision's commit
        await ConsoleClient(app, "wangqiang").say("c1")
        assert cards_for(app, "chenjing") == []
    async with running_app(tmp_path, demo=False) as app:  # a new process on the same data dir
        await app.drain()
        (card,) = cards_for(app, "chenjing")  # the director's card was in the outbox: sent on start
        assert card.card_id.startswith("approval-1-1-")
        assert any("王强已同意" in r.text for r in pushes(app, "zhangwei"))
        assert "已同意" in await ConsoleClient(app, "chenjing").say("c1")
        assert (await rows(app, ApprovalRequest))[0].status == "approved"
        assert await count(app, OutboxMessage, OutboxMessage.status != "sent") == 0


async def test_platform_engine_callbacks_drive_the_status_once(app):
    await ConsoleClient(app, "zhangwei").say(SUBMIT_8)
    await link_external(app, 1, "wecom", "202611230001")
    assert (
        status_from_wecom(2) == "approved"
        and status_from_wecom("3") == "rejected"
        and status_from_wecom(1) == "pending"
    )
    assert (
        status_from_dingtalk("COMPLETED", "refuse") == "rejected" and status_from_dingtalk("TERMINATED") == "withdrawn"
    )
    assert await apply_external_status(app, "wecom", "202611230001", status_from_wecom(1)) is False
    assert await apply_external_status(app, "wecom", "202611230001", status_from_wecom(2)) is True
    assert await apply_external_status(app, "wecom", "202611230001", status_from_wecom(3)) is False  # late, repeated
    assert await apply_external_status(app, "wecom", "unknown", "approved") is False
    await app.drain()
    request = (await rows(app, ApprovalRequest))[0]
    assert request.status == "approved"
    assert any(r.card_update for r in pushes(app, "wangqiang"))
    assert "已经通过" in await ConsoleClient(app, "wangqiang").say("c1") or "已通过" in await ConsoleClient(
        app, "wangqiang"
    ).say("/同意 1")


async def test_overview_lists_mine_and_what_waits_for_me(app):
    await ConsoleClient(app, "zhangwei").say(SUBMIT_8)
    mine = await ConsoleClient(app, "zhangwei").say("/审批")
    assert "#1 华东机械 8 折 · 审批中：等王强（第 1/2 步）" in mine
    waiting = await ConsoleClient(app, "wangqiang").say("/审批")
    assert "等你审批的（1）" in waiting and "张伟申请" in waiting
    from tools.approvals import digest_lines

    lines = await digest_lines(app, (await app.staff_by_username("wangqiang")).id)
    assert lines and "待你审批：#1 华东机械 8 折" in lines[0]


async def test_the_agent_submits_through_the_same_service(llm_app, fake_llm):
    from tests.fakes.openai_server import text, tool_call

    fake_llm.script(
        tool_call(
            "submit_approval", account_name="华东机械", kind="discount", discount="8折", reason="竞品低 15%，客户签两年"
        ),
        text("已帮你提交，等王强审批。"),
    )
    rep = ConsoleClient(llm_app, "zhangwei")
    answer = await rep.say("华东机械二期想给 8 折，竞品低 15%，客户签两年，帮我提审批")
    # the model proposes: the rep sees the request and its chain, nothing is submitted before 确认
    assert "提交折扣审批" in answer and "王强" in answer and "已帮你提交" not in answer
    assert await rows(llm_app, ApprovalRequest) == []
    assert "等用户确认后才会写入" in fake_llm.requests[1]["messages"][-1]["content"]
    answer = await rep.say("确认")
    (request,) = await rows(llm_app, ApprovalRequest)
    assert request.discount_pct == 80 and request.created_source == "AGENT" and request.source_message_id
    assert "已提交 #1" in answer
    offered = [t["function"]["name"] for t in fake_llm.requests[0]["tools"]]
    assert {"submit_approval", "list_approvals", "withdraw_approval"} <= set(offered)
    assert not any(name in offered for name in ("approve", "decide_approval"))  # people decide, not the model
