"""Approvals in the chat: a rep asks ("华东机械二期给 8 折"), the rules pick the approvers, each approver
decides on a card with one tap, and the requester hears about every step.

Paths in: the agent's `submit_approval` tool, the `/审批` command, the card buttons (同意 / 拒绝 / 转交), the
answer to "拒绝理由？" / "转交给谁？", and commands for chats without cards (/同意 /拒绝 /转交 /撤回 /重新提交
/审批详情). The model may submit, list and withdraw but never decide: people decide.

The scheduler calls `remind_and_escalate_overdue(app)` periodically; a platform approval engine's callback
calls `apply_external_status(...)`; both live in flow.py and are exposed by the package (tools/approvals/__init__.py).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, Field
from sqlmodel import or_, select

from bot.arg_types import ACCOUNT_ALIASES, AccountName, Count, Money
from bot.capabilities import STAFF, Capabilities, Router, ToolContext, ToolDenied, ToolError, ToolOutput
from bot.messages import CardAction, Reply, Role
from bot.models import Account, AuditLog, StaffUser
from bot.pending import CANCEL_WORDS, close_pending, open_pending, yes_or_no
from bot.zh_parse import find_money, find_quantities
from tools.approvals.flow import (
    STATUS_LABELS,
    ClosedRequest,
    Snapshot,
    approval_card,
    ask_text,
    check_can_decide,
    decide,
    delegate,
    load_rules,
    load_snapshot,
    parse_card_id,
    pending_names,
    short_title,
    when_text,
    withdraw,
)
from tools.approvals.models import ApprovalAssignment, ApprovalRequest, ApprovalStep
from tools.approvals.rules import REQUEST_KINDS, format_discount, format_money, parse_discount
from tools.approvals.submit import build_draft, plan_request, planned_lines, submit
from tools.customers import accounts_mentioned, choice_text, match_account, not_yours_text, team_member_ids

router = Router("approvals")

KindName = Literal["discount", "special_price", "clause", "payment_terms", "poc", "expense"]
ASK_TTL = timedelta(hours=12)  # an approver may press 拒绝 now and type the reason after a meeting


# --- the agent's tools -----------------------------------------------------------------------------


class SubmitApprovalArgs(BaseModel):
    account_name: AccountName = Field(
        validation_alias=ACCOUNT_ALIASES, description="客户名称，按用户原话，例如「华东机械」"
    )
    kind: KindName = Field(
        "discount",
        description="申请类型：discount 折扣 / special_price 特价 / clause 合同条款变更 / "
        "payment_terms 付款条件 / poc POC或试用资源 / expense 费用",
    )
    discount: str | None = Field(None, description="申请的折扣，按用户原话，如「8折」「八五折」「75%」")
    amount: Money = Field(None, description="金额（元）：特价的成交价、费用金额；折扣申请一般不用填")
    reason: str = Field(description="申请理由：客户情况、竞争对手、我们换来的条件")
    opportunity_name: str | None = Field(None, description="商机名称（客户有多个商机时）")
    product: str | None = Field(None, description="版本：标准版 / 专业版 / 旗舰版（可选）")
    seats: Count = Field(None, description="账号数（可选）")
    detail: str | None = Field(None, description="条款、付款条件、POC 资源、费用的具体内容")


async def _account_for(ctx: ToolContext, name: str) -> Account:
    match = await match_account(ctx, name)
    if match.status == "one":
        return match.account
    if match.status == "not_yours":
        raise ToolDenied(not_yours_text(match))
    if match.status == "ambiguous":
        raise ToolError(
            choice_text(name, match.candidates).replace("回复序号就行，回复「取消」放弃。", "请用全称再提交一次。")
        )
    raise ToolError(f"没找到客户「{name}」，没法提交审批。先用 /新建客户 建一下，或者检查一下名字。")


async def submit_for(ctx: ToolContext, args: SubmitApprovalArgs, resubmitted_from_id: int | None = None) -> ToolOutput:
    draft = await _draft_for(ctx, args)
    draft.resubmitted_from_id = resubmitted_from_id
    out = await submit(ctx, draft)
    return ToolOutput(out.text, data=out.data)


async def _draft_for(ctx: ToolContext, args: SubmitApprovalArgs):
    account = await _account_for(ctx, args.account_name)
    return await build_draft(
        ctx,
        account,
        kind=args.kind,
        reason=args.reason,
        discount=args.discount,
        amount=args.amount,
        opportunity_name=args.opportunity_name,
        product=args.product,
        seats=args.seats,
        detail=args.detail,
    )


async def describe_approval(ctx: ToolContext, args: SubmitApprovalArgs) -> list[str]:
    """What `submit_approval` would submit, and the chain it would ask: the same checks and the same planning
    as the submission itself, so what the person confirms is what happens."""
    draft = await _draft_for(ctx, args)
    _, _, plan, chain = await plan_request(ctx, draft)
    what = REQUEST_KINDS[draft.kind]
    ask = []
    if draft.discount_pct is not None:
        ask.append(format_discount(draft.discount_pct))
    if draft.amount is not None:
        ask.append(format_money(draft.amount))
    opp = f"（{draft.opportunity.name}）" if draft.opportunity else ""
    lines = [f"提交{what}审批：{draft.account.name}{opp} {' '.join(ask)}".rstrip()]
    if draft.detail:
        lines.append(f"内容：{draft.detail}")
    lines.append(f"理由：{draft.reason}")
    return lines + planned_lines(plan, chain)


@router.tool(
    "submit_approval",
    "提交审批申请（折扣、特价、合同条款、付款条件、POC 资源、费用），系统按规则找审批人并推送卡片。",
    SubmitApprovalArgs,
    roles=STAFF,
    writes=True,
    describe=describe_approval,
)
async def submit_approval(ctx: ToolContext, args: SubmitApprovalArgs) -> ToolOutput:
    return await submit_for(ctx, args)


class ListApprovalsArgs(BaseModel):
    pass


@router.tool("list_approvals", "看我提交的审批进度，以及等我审批的申请。", ListApprovalsArgs, roles=STAFF)
async def list_approvals(ctx: ToolContext, args: ListApprovalsArgs) -> ToolOutput:
    return await approvals_overview(ctx)


class WithdrawApprovalArgs(BaseModel):
    request_id: Count = Field(None, description="申请编号（#后面的数字）；不填就是我最近一条审批中的申请")


async def describe_withdraw(ctx: ToolContext, args: WithdrawApprovalArgs) -> list[str]:
    request_id = args.request_id or await _latest_pending_of(ctx)
    return [f"撤回审批申请 #{request_id}"]


@router.tool(
    "withdraw_approval",
    "撤回我提交的、还在审批中的申请。",
    WithdrawApprovalArgs,
    roles=STAFF,
    writes=True,
    describe=describe_withdraw,
)
async def withdraw_approval(ctx: ToolContext, args: WithdrawApprovalArgs) -> ToolOutput:
    request_id = args.request_id or await _latest_pending_of(ctx)
    out = await withdraw(ctx, request_id)
    return ToolOutput(out.text, data=out.data)


async def _latest_pending_of(ctx: ToolContext) -> int:
    async with ctx.db.session() as s:
        request_id = (
            (
                await s.execute(
                    select(ApprovalRequest.id)
                    .where(ApprovalRequest.requester_id == ctx.actor.staff_id, ApprovalRequest.status == "pending")
                    .order_by(ApprovalRequest.id.desc())
                )
            )
            .scalars()
            .first()
        )
    if request_id is None:
        raise ToolError("你现在没有审批中的申请。")
    return request_id


# --- overview and story ----------------------------------------------------------------------------


async def approvals_overview(ctx: ToolContext) -> ToolOutput:
    me = ctx.actor.staff_id
    async with ctx.db.session() as s:
        waiting_ids = (
            (
                await s.execute(
                    select(ApprovalAssignment.request_id)
                    .join(ApprovalStep, ApprovalStep.id == ApprovalAssignment.step_id)
                    .join(ApprovalRequest, ApprovalRequest.id == ApprovalAssignment.request_id)
                    .where(
                        ApprovalAssignment.approver_id == me,
                        ApprovalAssignment.status == "pending",
                        ApprovalStep.status == "pending",
                        ApprovalRequest.status == "pending",
                    )
                    .order_by(ApprovalAssignment.request_id)
                )
            )
            .scalars()
            .all()
        )
        mine_ids = (
            (
                await s.execute(
                    select(ApprovalRequest.id)
                    .where(ApprovalRequest.requester_id == me)
                    .order_by(ApprovalRequest.id.desc())
                    .limit(10)
                )
            )
            .scalars()
            .all()
        )
    lines = []
    if waiting_ids:
        lines.append(f"等你审批的（{len(waiting_ids)}）：")
        for request_id in waiting_ids[:10]:
            snap = await load_snapshot(ctx.app, request_id)
            step = snap.current
            lines.append(
                f"· {short_title(snap)} · {snap.requester.name}申请 · {step.label} · "
                f"时限 {when_text(ctx.app, step.due_at)}"
            )
        lines.append("回复 /同意 编号 或 /拒绝 编号 理由；/审批详情 编号 看完整信息。")
    if mine_ids:
        lines.append("我提交的（最近 10 条）：")
        for request_id in mine_ids:
            snap = await load_snapshot(ctx.app, request_id)
            r = snap.request
            state = STATUS_LABELS.get(r.status, r.status)
            if r.status == "pending" and snap.current is not None:
                state += f"：等{pending_names(snap, snap.current)}（第 {r.current_step + 1}/{len(snap.steps)} 步）"
            elif r.auto_approved:
                state = "已自动通过"
            lines.append(f"· {short_title(snap)} · {state}")
    if not lines:
        return ToolOutput(
            "你没有审批中的申请，也没有等你审批的。要申请折扣可以说「华东机械申请 8 折，理由……」"
            "或发 /审批 华东机械 8折 理由",
            data={"waiting": [], "mine": []},
        )
    return ToolOutput("\n".join(lines), data={"waiting": list(waiting_ids), "mine": list(mine_ids)})


async def _may_read(ctx: ToolContext, snap: Snapshot) -> bool:
    me = ctx.actor.staff_id
    if ctx.actor.role is Role.ADMIN or me == snap.request.requester_id:
        return True
    if any(a.approver_id == me for a in snap.assignments):
        return True
    if ctx.actor.role is Role.MANAGER:
        return snap.request.requester_id in await team_member_ids(ctx, ctx.actor)
    return False


ACTION_LABELS = {
    "approval.submit": "提交",
    "approval.auto_approve": "自动通过",
    "approval.approve": "同意",
    "approval.reject": "拒绝",
    "approval.delegate": "转交",
    "approval.withdraw": "撤回",
    "approval.remind": "超时催办",
    "approval.escalate": "超时升级",
    "approval.external": "平台审批回写",
    "approval.link_external": "关联平台审批",
    "approval.denied": "被拒绝的操作",
}


async def approval_story(ctx: ToolContext, request_id: int) -> ToolOutput:
    snap = await load_snapshot(ctx.app, request_id)
    if snap is None or not await _may_read(ctx, snap):
        raise ToolError(f"没有你能查看的 #{request_id} 号申请。")
    r = snap.request
    lines = [
        f"{short_title(snap)} · {STATUS_LABELS.get(r.status, r.status)}",
        f"{snap.requester.name}申请{REQUEST_KINDS[r.kind]}：{ask_text(snap)}",
        f"理由：{r.reason}",
    ]
    if r.matched_rules:
        lines.append(f"命中规则：{'、'.join(r.matched_rules)}")
    if r.auto_approved:
        lines.append(f"自动通过：{r.decision_comment}")
    for step in snap.steps:
        lines.append(
            f"第 {step.seq + 1} 步 {step.label}（{STATUS_LABELS.get(step.status, _STEP_LABELS.get(step.status, step.status))}）"
        )
        for a in snap.in_step(step):
            state = _ASSIGNMENT_LABELS.get(a.status, a.status)
            note = f"，留言：{a.comment}" if a.comment else ""
            lines.append(f"   · {snap.name(a.approver_id)} {state}{note} —— {a.why}")
    async with ctx.db.session() as s:
        events = (
            (
                await s.execute(
                    select(AuditLog)
                    .where(AuditLog.record_type == "approval_request", AuditLog.record_id == r.id)
                    .order_by(AuditLog.id)
                )
            )
            .scalars()
            .all()
        )
        actor_ids = {e.actor_staff_id for e in events if e.actor_staff_id}
        names = {
            u.id: u.name for u in (await s.execute(select(StaffUser).where(StaffUser.id.in_(actor_ids)))).scalars()
        }
    lines.append("记录：")
    for e in events:
        who = names.get(e.actor_staff_id, "系统") if e.actor_staff_id else "系统"
        via = f"（{e.detail.get('via')}）" if e.detail.get("via") else ""
        extra = f"：{e.detail['comment']}" if e.detail.get("comment") else ""
        if e.action == "approval.delegate":
            extra = f" → {e.detail.get('to_name')}"
        if e.action == "approval.escalate" and e.detail.get("to_name"):
            extra = f" → {e.detail.get('to_name')}"
        lines.append(f"   {when_text(ctx.app, e.at)} {who} {ACTION_LABELS.get(e.action, e.action)}{extra}{via}")
    return ToolOutput(
        "\n".join(lines), data={"request_id": r.id, "status": r.status, "events": [e.action for e in events]}
    )


_STEP_LABELS = {"waiting": "未开始", "cancelled": "已取消"}
_ASSIGNMENT_LABELS = {
    "waiting": "未开始",
    "pending": "待审批",
    "approved": "已同意",
    "rejected": "已拒绝",
    "delegated": "已转交",
    "cancelled": "无需处理",
}


# --- commands --------------------------------------------------------------------------------------

_KIND_WORDS = [
    ("special_price", ("特价",)),
    ("clause", ("合同条款", "合同", "条款")),
    ("payment_terms", ("付款条件", "付款", "账期")),
    ("poc", ("POC", "poc", "试用")),
    ("expense", ("费用", "报销")),
    ("discount", ("折扣",)),
]
_REASON_SPLIT = re.compile(r"\s*(?:理由|原因)\s*[:：]?\s*")


def parse_approval_text(text: str, products: list[str]) -> dict:
    """'8折 专业版 200个账号 客户预算有限' → discount, product, seats, reason (the command's grammar)."""
    kind, rest = "discount", text.strip()
    for name, words in _KIND_WORDS:
        word = next((w for w in words if rest.startswith(w)), None)
        if word:
            kind, rest = name, rest[len(word) :].strip()
            break
    args: dict = {"kind": kind}
    parts = _REASON_SPLIT.split(rest, maxsplit=1)
    head, reason = (parts[0], parts[1]) if len(parts) == 2 else (rest, None)
    tokens = head.split()
    remaining = []
    for token in tokens:
        if (
            "discount" not in args
            and kind in ("discount", "special_price")
            and ("折" in token or "%" in token or "％" in token)
        ):
            args["discount"] = token
        elif token in products and "product" not in args:
            args["product"] = token
        elif "seats" not in args and (q := find_quantities(token)) and q[0].text == token:
            args["seats"] = int(q[0].value)
        elif (
            "amount" not in args
            and kind in ("special_price", "expense", "payment_terms")
            and (m := find_money(token))
            and m[0].text == token
        ):
            args["amount"] = float(m[0].value)
        else:
            remaining.append(token)
    if kind == "discount" and "discount" not in args and remaining:
        try:
            parse_discount(remaining[0])
            args["discount"] = remaining.pop(0)
        except ValueError:
            pass
    free = " ".join(remaining).strip()
    if kind in ("clause", "payment_terms", "poc", "expense"):
        args["detail"] = free or None
        args["reason"] = (reason or free or "").strip()
    else:
        args["reason"] = " ".join(x for x in (free, reason or "") if x).strip()
    return args


USAGE = (
    "用法：/审批 客户 折扣 理由\n例如：/审批 华东机械 8折 竞品报价低 15%，客户答应签两年\n"
    "其他类型：/审批 华东机械 特价 45万 理由…｜/审批 华东机械 合同 违约金上限改为10% 理由 客户法务坚持｜"
    "/审批 华东机械 付款 3-3-4 分期｜/审批 华东机械 POC 20个账号 两周｜/审批 华东机械 费用 3000元 客户招待\n"
    "不带参数发 /审批 看进度。"
)


_ABOUT_APPROVALS = re.compile(r"审批|申请|批了|批下来")
_ASKING_STATUS = re.compile(r"哪些|什么|进度|怎么样|到哪|了没|了吗|没有|有几|多少|等我|待我|要我|看看|看下|看一下|查")


@router.offline_intent(22)
async def approvals_from_text(ctx: ToolContext, text: str) -> ToolOutput | None:
    """「我的折扣批了没」「有哪些要我审批的」: the approvals overview. A request itself needs /审批."""
    if not (_ABOUT_APPROVALS.search(text) and _ASKING_STATUS.search(text)):
        return None
    return await approvals_overview(ctx)


_ASKING_FOR = re.compile(r"申请\s*(?P<discount>[\d一二三四五六七八九十.]+\s*(折|%|％))")
_REASON_WORDS = re.compile(r"(理由|原因|因为)[是:：，,]?\s*")


@router.offline_intent(21)
async def request_from_text(ctx: ToolContext, text: str) -> ToolOutput | None:
    """「华东机械申请 8 折，理由客户预算卡死」: the discount request, shown and submitted after 「是」."""
    m = _ASKING_FOR.search(text)
    if not m:
        return None
    mentioned = await accounts_mentioned(ctx, text[: m.start()])
    if len(mentioned) != 1:
        return None  # no customer named (or several): the overview or the help explains /审批
    account = await _account_for(ctx, mentioned[0].name)
    discount = re.sub(r"\s+", "", m.group("discount"))
    try:
        parse_discount(discount)
    except ValueError as exc:
        raise ToolError(str(exc)) from None
    rest = text[m.end() :]
    why = _REASON_WORDS.search(rest)
    reason = (rest[why.end() :] if why else rest).strip(" ，,。.…")
    if len(reason) < 2:
        raise ToolError(
            f"申请 {discount} 的理由是什么？比如「{account.short_name or account.name}申请 {discount}，理由客户预算卡死」。"
        )
    args = SubmitApprovalArgs(account_name=account.name, discount=discount, reason=reason)
    await open_pending(ctx, "approval_confirm", {"args": args.model_dump()}, ttl=timedelta(minutes=30))
    return ToolOutput(
        f"要提交这个折扣申请吗？\n客户：{account.name}\n折扣：{discount}\n理由：{reason}\n"
        "回复「是」提交；不对的话用「/审批 客户 折扣 理由」重新发。",
        data={"pending": "approval_confirm"},
    )


@router.pending("approval_confirm")
async def answer_approval_confirm(ctx: ToolContext, pending, answer: str) -> ToolOutput | None:
    verdict = await yes_or_no(ctx, pending, answer, "好，没提交。")
    if verdict is not True:
        return verdict or None
    return await submit_for(ctx, SubmitApprovalArgs(**pending.payload["args"]))


@router.command(
    "审批", "/审批 客户 折扣 理由", "申请折扣/特价/合同条款等；不带参数看审批进度", roles=STAFF, aliases=("申请",)
)
async def approval_command(ctx: ToolContext, arg: str) -> ToolOutput:
    if not arg.strip():
        return await approvals_overview(ctx)
    parts = arg.split(maxsplit=1)
    if len(parts) < 2:
        raise ToolError(USAGE)
    account_name, rest = parts
    try:
        products = list(load_rules(ctx.app).price_list)
    except ToolError:
        products = []
    parsed = parse_approval_text(rest, products)
    if parsed["kind"] == "discount" and "discount" not in parsed:
        raise ToolError(f"没看出申请几折。\n{USAGE}")
    return await submit_for(ctx, SubmitApprovalArgs(account_name=account_name, **parsed))


@router.command("撤回", "/撤回 [编号]", "撤回我提交的审批申请", roles=STAFF)
async def withdraw_command(ctx: ToolContext, arg: str) -> ToolOutput:
    request_id = _request_number(arg) if arg.strip() else await _latest_pending_of(ctx)
    out = await withdraw(ctx, request_id)
    return ToolOutput(out.text, data=out.data)


@router.command("重新提交", "/重新提交 编号 [新折扣] 理由", "撤回或被拒绝后，改一下再提交", roles=STAFF)
async def resubmit_command(ctx: ToolContext, arg: str) -> ToolOutput:
    parts = arg.split(maxsplit=1)
    if not parts:
        raise ToolError("用法：/重新提交 编号 [新折扣] 理由，例如：/重新提交 12 8.5折 客户同意签两年")
    old = await load_snapshot(ctx.app, _request_number(parts[0]))
    if old is None or old.request.requester_id != ctx.actor.staff_id:
        raise ToolError(f"没有你提交的 #{parts[0].lstrip('#')} 号申请。")
    r = old.request
    if r.status not in ("withdrawn", "rejected"):
        hint = f"，要改的话先 /撤回 {r.id}" if r.status == "pending" else ""
        raise ToolError(f"申请 {short_title(old)} {STATUS_LABELS[r.status]}，只有撤回或被拒绝的申请能重新提交{hint}。")
    products = list(load_rules(ctx.app).price_list)
    changes = parse_approval_text(
        f"{REQUEST_KINDS_WORD.get(r.kind, '')} {parts[1] if len(parts) > 1 else ''}".strip(), products
    )
    args = SubmitApprovalArgs(
        account_name=old.account.name,
        kind=r.kind,
        discount=changes.get("discount")
        or (f"{r.discount_pct:g}%" if r.discount_pct and r.kind == "discount" else None),
        amount=changes.get("amount") or (r.amount if r.kind in ("special_price", "expense") else None),
        reason=changes.get("reason") or r.reason,
        opportunity_name=old.opportunity.name if old.opportunity else None,
        product=changes.get("product") or r.product,
        seats=changes.get("seats") or r.seats,
        detail=changes.get("detail") or r.detail,
    )
    out = await submit_for(ctx, args, resubmitted_from_id=r.id)
    return ToolOutput(f"（基于 #{r.id} 重新提交）\n{out.text}", data=out.data)


REQUEST_KINDS_WORD = {
    "special_price": "特价",
    "clause": "合同",
    "payment_terms": "付款",
    "poc": "POC",
    "expense": "费用",
}


def _request_number(text: str) -> int:
    m = re.fullmatch(r"\s*[#＃]?\s*(\d{1,9})\s*", text or "")
    if not m:
        raise ToolError(f"「{text.strip()}」不是申请编号，编号是 # 后面的数字，比如 12。")
    return int(m.group(1))


async def _my_assignment(ctx: ToolContext, request_id: int) -> int:
    snap = await load_snapshot(ctx.app, request_id)
    if snap is None:
        raise ToolError(f"没有编号为 #{request_id} 的审批申请。")
    mine = [a for a in snap.assignments if a.approver_id == ctx.actor.staff_id]
    if not mine:
        if snap.request.requester_id == ctx.actor.staff_id:
            raise ToolDenied("不能审批自己提交的申请。")
        raise ToolDenied(f"申请 {short_title(snap)} 不是由你审批的。")
    current = [a for a in mine if a.status == "pending"]
    return (current or mine)[-1].id


@router.command("同意", "/同意 编号 [留言]", "同意一条等你审批的申请", roles=STAFF, aliases=("批准",))
async def approve_command(ctx: ToolContext, arg: str) -> ToolOutput:
    number, _, comment = arg.strip().partition(" ")
    out = await decide(ctx, await _my_assignment(ctx, _request_number(number)), "approved", comment=comment)
    return ToolOutput(out.text, data=out.data)


@router.command("拒绝", "/拒绝 编号 理由", "拒绝一条等你审批的申请（要写理由）", roles=STAFF, aliases=("驳回",))
async def reject_command(ctx: ToolContext, arg: str) -> ToolOutput:
    number, _, reason = arg.strip().partition(" ")
    assignment_id = await _my_assignment(ctx, _request_number(number))
    if not reason.strip():
        raise ToolError(f"拒绝要写理由，申请人才知道怎么改：/拒绝 {number} 理由")
    out = await decide(ctx, assignment_id, "rejected", comment=reason)
    return ToolOutput(out.text, data=out.data)


@router.command("转交", "/转交 编号 同事", "把一条等你审批的申请转给别人", roles=STAFF)
async def delegate_command(ctx: ToolContext, arg: str) -> ToolOutput:
    number, _, who = arg.strip().partition(" ")
    assignment_id = await _my_assignment(ctx, _request_number(number))
    if not who.strip():
        raise ToolError(f"转交给谁？/转交 {number} 同事姓名")
    out = await delegate(ctx, assignment_id, await _colleague(ctx, who))
    return ToolOutput(out.text, data=out.data)


@router.command("审批详情", "/审批详情 编号", "一条申请的审批链、每个人为什么在链上、完整记录", roles=STAFF)
async def story_command(ctx: ToolContext, arg: str) -> ToolOutput:
    if not arg.strip():
        raise ToolError("用法：/审批详情 编号")
    return await approval_story(ctx, _request_number(arg))


async def _colleague(ctx: ToolContext, who: str) -> StaffUser:
    who = who.strip().lstrip("@")
    async with ctx.db.session() as s:
        found = (
            (
                await s.execute(
                    select(StaffUser).where(
                        or_(StaffUser.name == who, StaffUser.username == who), StaffUser.active.is_(True)
                    )
                )
            )
            .scalars()
            .all()
        )
    if not found:
        raise ToolError(f"通讯录里没找到「{who}」，请写同事的姓名，例如 李娜。")
    if len(found) > 1:
        raise ToolError(f"叫「{who}」的同事有 {len(found)} 位，请写用户名：{'、'.join(u.username for u in found)}")
    return found[0]


# --- cards -----------------------------------------------------------------------------------------


def _press(ctx: ToolContext) -> dict:
    inbound = ctx.inbound
    return {
        "platform": inbound.platform,
        "sender_id": inbound.sender_id,
        "conversation_id": inbound.conversation_id,
        "raw": inbound.raw,
    }


async def _audit_refusal(ctx: ToolContext, request_id: int, action: str, reason: str) -> None:
    async with ctx.db.write() as s:
        row = ctx.audit("approval.denied", "approval_request", request_id, attempted=action, reason=reason)
        row.at = ctx.app.clock.now()
        s.add(row)


@router.card("approval")
async def on_approval_card(ctx: ToolContext, action: CardAction) -> list[Reply]:
    ids = parse_card_id(action.card_id)
    if ids is None:
        return [Reply("这张审批卡片已经失效了。")]
    request_id, _step, assignment_id = ids
    value = action.value or {}
    typed_reason = next((str(value[k]).strip() for k in ("reason", "comment", "note") if value.get(k)), None)
    try:
        if action.action == "approve":
            out = await decide(ctx, assignment_id, "approved", comment=typed_reason)
            return [Reply(card=out.card, card_update=True), Reply(out.text)]
        if action.action == "reject" and typed_reason:
            out = await decide(ctx, assignment_id, "rejected", comment=typed_reason)
            return [Reply(card=out.card, card_update=True), Reply(out.text)]
        if action.action in ("reject", "delegate"):
            snap = await load_snapshot(ctx.app, request_id)
            if snap is None:
                return [Reply("这条申请已经不存在了。")]
            check_can_decide(ctx.app, ctx, snap, assignment_id)
            kind = "approval_reject" if action.action == "reject" else "approval_delegate"
            await open_pending(
                ctx, kind, {"assignment_id": assignment_id, "request_id": request_id, "press": _press(ctx)}, ttl=ASK_TTL
            )
            if action.action == "reject":
                return [Reply(f"拒绝 {short_title(snap)}：请回复拒绝理由（申请人会看到），回复「取消」就先不拒绝。")]
            return [Reply(f"{short_title(snap)} 转交给谁？回复同事的姓名，例如「李娜」；回复「取消」放弃。")]
        return [Reply("这个按钮我不认识，请直接回复 /同意 或 /拒绝。")]
    except ClosedRequest as exc:
        snap = await load_snapshot(ctx.app, request_id)
        assignment = snap.assignment(assignment_id) if snap else None
        out = [Reply(str(exc))]
        if assignment is not None and assignment.approver_id == ctx.actor.staff_id:
            out.insert(
                0, Reply(card=approval_card(ctx.app, snap, assignment, status=exc.card_status), card_update=True)
            )
        return out
    except ToolDenied as exc:
        await _audit_refusal(ctx, request_id, action.action, str(exc))
        return [Reply(str(exc))]
    except ToolError as exc:
        return [Reply(str(exc))]


@router.pending("approval_reject")
async def answer_reject_reason(ctx: ToolContext, pending, answer: str) -> ToolOutput | None:
    answer = answer.strip()
    if answer in CANCEL_WORDS:
        await close_pending(ctx, pending, "cancelled")
        return ToolOutput("好，先不拒绝，卡片还可以继续处理。")
    if len(answer) < 2:
        return ToolOutput("理由写具体一点吧（至少两个字），申请人才知道怎么改。回复「取消」就先不拒绝。")
    if not await close_pending(ctx, pending):
        return ToolOutput("这个问题已经处理过了。")
    p = pending.payload
    out = await decide(ctx, p["assignment_id"], "rejected", comment=answer, press=p.get("press"))
    return ToolOutput(out.text, data=out.data)


@router.pending("approval_delegate")
async def answer_delegate_to(ctx: ToolContext, pending, answer: str) -> ToolOutput | None:
    answer = answer.strip()
    if answer in CANCEL_WORDS:
        await close_pending(ctx, pending, "cancelled")
        return ToolOutput("好，不转交了，卡片还可以继续处理。")
    if len(answer) > 32:
        return None  # not a name: handle the message normally
    try:
        colleague = await _colleague(ctx, answer)
    except ToolError as exc:
        return ToolOutput(f"{exc}\n回复「取消」就不转交了。")
    if not await close_pending(ctx, pending):
        return ToolOutput("这个问题已经处理过了。")
    p = pending.payload
    out = await delegate(ctx, p["assignment_id"], colleague, press=p.get("press"))
    return ToolOutput(out.text, data=out.data)


async def digest_lines(app, staff_id: int) -> list[str]:
    """For the scheduler's manager digest: what waits for this person's decision, oldest first."""
    async with app.db.session() as s:
        request_ids = (
            (
                await s.execute(
                    select(ApprovalAssignment.request_id)
                    .join(ApprovalStep, ApprovalStep.id == ApprovalAssignment.step_id)
                    .join(ApprovalRequest, ApprovalRequest.id == ApprovalAssignment.request_id)
                    .where(
                        ApprovalAssignment.approver_id == staff_id,
                        ApprovalAssignment.status == "pending",
                        ApprovalStep.status == "pending",
                        ApprovalRequest.status == "pending",
                    )
                    .order_by(ApprovalStep.due_at)
                )
            )
            .scalars()
            .all()
        )
    lines = []
    for request_id in request_ids[:10]:
        snap = await load_snapshot(app, request_id)
        late = " ⏰已超时" if snap.current and snap.current.due_at and snap.current.due_at <= app.clock.now() else ""
        lines.append(
            f"待你审批：{short_title(snap)}（{snap.requester.name}，时限 {when_text(app, snap.current.due_at)}）{late}"
        )
    if len(request_ids) > 10:
        lines.append(f"……还有 {len(request_ids) - 10} 条，发 /审批 查看")
    return lines


def register(capabilities: Capabilities) -> None:
    capabilities.include(router)
