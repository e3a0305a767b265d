"""The approval state machine: submit, decide, delegate, withdraw, escalate, and sync from a platform engine.

Every transition is one database transaction that starts with a compare-and-set on the request
(`UPDATE approval_request SET version = version + 1 WHERE id = :id AND version = :seen AND status =
'pending'`). Whoever loses the race re-reads and is told what happened, so double taps, two approvers at
the same moment, a retried callback or a decision after withdrawal end in exactly one recorded outcome,
across processes. The notifications of a transition (cards to the next approvers, the requester's
update, card updates for the others) are written to the outbox in that same transaction: a crash
after the commit resends them, a crash before it leaves nothing half done.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, AsyncIterator
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from bot.capabilities import ToolContext, ToolDenied, ToolError
from bot.messages import Card, CardButton, Reply, Target
from bot.models import STAGE_LABELS, Account, AuditLog, Opportunity, StaffUser
from bot.schedule_config import config_for
from bot.worktime import add_workday_hours, is_ping_time
from tools.approvals.models import ApprovalAssignment, ApprovalRequest, ApprovalStep
from tools.approvals.rules import (
    REQUEST_KINDS,
    TIER_LABELS,
    RulesError,
    RulesFile,
    RulesStore,
    format_discount,
    format_money,
)

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

STATUS_LABELS = {"pending": "审批中", "approved": "已通过", "rejected": "已拒绝", "withdrawn": "已撤回"}
DECISION_LABELS = {"approved": "同意", "rejected": "拒绝"}
MAX_ATTEMPTS = 8
CARD_PREFIX = "approval"


class Conflict(Exception):
    """Someone else changed the request first: re-read and try again."""


class ClosedRequest(ToolError):
    """The request is no longer pending; carries the card status to show."""

    def __init__(self, message: str, card_status: str):
        super().__init__(message)
        self.card_status = card_status


def rules_store(app: "Runtime") -> RulesStore:
    return app.capabilities.state("approval_rules", lambda: RulesStore(app.settings.data_dir))


def load_rules(app: "Runtime") -> RulesFile:
    try:
        return rules_store(app).load()
    except RulesError as exc:
        log.error("approval rules unusable: %s", exc)
        raise ToolError(f"审批规则配置有误，暂时没法提交，请联系管理员。\n{exc}") from None


def utc_now(app: "Runtime") -> datetime:
    return app.clock.now(timezone.utc)


def local_tz(app: "Runtime") -> ZoneInfo:
    return ZoneInfo(app.settings.timezone)


def workday_deadline(app: "Runtime", start: datetime, hours: float) -> datetime:
    """Approval time limits count hours on workdays only: weekends and public holidays stop the clock, and a
    request made outside working hours (SALESBOT_WORK_HOURS) starts it when the next working day starts."""
    work_hours = config_for(app).work_hours
    return add_workday_hours(start.astimezone(local_tz(app)), hours, work_hours).astimezone(timezone.utc)


def when_text(app: "Runtime", at: datetime | None) -> str:
    if at is None:
        return "-"
    local = at.astimezone(local_tz(app))
    return f"{local.month}月{local.day}日 {local:%H:%M}"


# --- reading ---------------------------------------------------------------------------------------


@dataclass
class Snapshot:
    request: ApprovalRequest
    steps: list[ApprovalStep]
    assignments: list[ApprovalAssignment]
    people: dict[int, StaffUser]
    account: Account
    opportunity: Opportunity | None

    def step(self, seq: int) -> ApprovalStep | None:
        return next((s for s in self.steps if s.seq == seq), None)

    def step_by_id(self, step_id: int) -> ApprovalStep:
        return next(s for s in self.steps if s.id == step_id)

    def assignment(self, assignment_id: int) -> ApprovalAssignment | None:
        return next((a for a in self.assignments if a.id == assignment_id), None)

    def in_step(self, step: ApprovalStep) -> list[ApprovalAssignment]:
        return [a for a in self.assignments if a.step_id == step.id]

    def name(self, staff_id: int | None) -> str:
        user = self.people.get(staff_id) if staff_id else None
        return user.name if user else "-"

    @property
    def requester(self) -> StaffUser:
        return self.people[self.request.requester_id]

    @property
    def current(self) -> ApprovalStep | None:
        return self.step(self.request.current_step)


async def load_snapshot(app: "Runtime", request_id: int) -> Snapshot | None:
    async with app.db.session() as s:
        request = await s.get(ApprovalRequest, request_id)
        if request is None:
            return None
        steps = (
            (
                await s.execute(
                    select(ApprovalStep).where(ApprovalStep.request_id == request_id).order_by(ApprovalStep.seq)
                )
            )
            .scalars()
            .all()
        )
        assignments = (
            (
                await s.execute(
                    select(ApprovalAssignment)
                    .where(ApprovalAssignment.request_id == request_id)
                    .order_by(ApprovalAssignment.id)
                )
            )
            .scalars()
            .all()
        )
        ids = {request.requester_id, *(a.approver_id for a in assignments)}
        if request.decided_by_id:
            ids.add(request.decided_by_id)
        people = {u.id: u for u in (await s.execute(select(StaffUser).where(StaffUser.id.in_(ids)))).scalars().all()}
        account = await s.get(Account, request.account_id)
        opportunity = await s.get(Opportunity, request.opportunity_id) if request.opportunity_id else None
    return Snapshot(request, list(steps), list(assignments), people, account, opportunity)


async def request_id_of_assignment(app: "Runtime", assignment_id: int) -> int | None:
    async with app.db.session() as s:
        a = await s.get(ApprovalAssignment, assignment_id)
    return a.request_id if a else None


# --- presenting ------------------------------------------------------------------------------------


def card_id_for(request_id: int, step_seq: int, assignment_id: int) -> str:
    return f"{CARD_PREFIX}-{request_id}-{step_seq}-{assignment_id}"


def parse_card_id(card_id: str) -> tuple[int, int, int] | None:
    parts = card_id.split("-")
    if len(parts) != 4 or parts[0] != CARD_PREFIX or not all(p.isdigit() for p in parts[1:]):
        return None
    return int(parts[1]), int(parts[2]), int(parts[3])


def ask_text(snap: Snapshot) -> str:
    """'8 折（标准价 60 万 → 48 万）': what is asked, in one line."""
    r = snap.request
    if r.kind == "discount":
        money = (
            f"（标准价 {format_money(r.list_amount)} → {format_money(r.amount)}）" if r.list_amount and r.amount else ""
        )
        return f"{format_discount(r.discount_pct)}{money}"
    if r.kind == "special_price":
        ratio = f"，约 {format_discount(r.discount_pct)}" if r.discount_pct else ""
        listed = f"（标准价 {format_money(r.list_amount)}{ratio}）" if r.list_amount else ""
        return f"特价 {format_money(r.amount)}{listed}"
    if r.kind == "expense":
        return f"{format_money(r.amount)} {r.detail or ''}".strip()
    return r.detail or REQUEST_KINDS.get(r.kind, r.kind)


def short_title(snap: Snapshot) -> str:
    """'#12 华东机械 8 折'."""
    r = snap.request
    customer = snap.account.short_name or snap.account.name
    what = format_discount(r.discount_pct) if r.kind == "discount" else REQUEST_KINDS.get(r.kind, r.kind)
    return f"#{r.id} {customer} {what}"


def approval_card(app: "Runtime", snap: Snapshot, assignment: ApprovalAssignment, status: str | None = None) -> Card:
    r, step = snap.request, snap.step_by_id(assignment.step_id)
    account = snap.account
    kind = REQUEST_KINDS.get(r.kind, r.kind)
    body = [f"{snap.requester.name}申请{kind}：{ask_text(snap)}"]
    if r.reason:
        body.append(f"理由：{r.reason}")
    body.append(f"为什么找你：{assignment.why}")
    tier = TIER_LABELS.get(account.tier, account.tier)
    fields = [("客户", f"{account.name}（{tier} · {account.industry or '-'} · {account.region or '-'}）")]
    if snap.opportunity is not None:
        o = snap.opportunity
        fields.append(("商机", f"{o.name} · {STAGE_LABELS.get(o.stage, o.stage)} · {format_money(o.amount)}"))
    if r.amount is not None:
        fields.append(("金额", format_money(r.amount)))
    fields.append(("进度", f"第 {step.seq + 1}/{len(snap.steps)} 步 · {step.label}"))
    if step.due_at is not None:
        fields.append(("时限", f"{when_text(app, step.due_at)} 前"))
    fields.append(("编号", f"#{r.id}"))
    buttons = (
        []
        if status
        else [
            CardButton("approve", "同意"),
            CardButton("reject", "拒绝", "danger"),
            CardButton("delegate", "转交", "default"),
        ]
    )
    return Card(
        card_id=card_id_for(r.id, step.seq, assignment.id),
        title=f"{kind}审批 · {account.short_name or account.name}",
        body="\n".join(body),
        fields=fields[:6],
        buttons=buttons,
        status=status,
    )


# --- writing ---------------------------------------------------------------------------------------


@dataclass
class Notice:
    staff_id: int
    reply: Reply
    key: str
    target: Target | None = None  # default: where the colleague can be reached (a push)
    context: dict[str, Any] = field(default_factory=dict)  # reply context, for updating a pressed card


class Tx:
    """One transition: the session, the audit rows and the notifications it will persist."""

    def __init__(self, app: "Runtime", s, snap: Snapshot | None, now: datetime):
        self.app, self.s, self.snap, self.now = app, s, snap, now
        self.notices: list[Notice] = []

    async def expect_one(self, stmt) -> None:
        res = await self.s.execute(stmt)
        if res.rowcount != 1:
            raise Conflict()

    def notify(
        self, staff_id: int, reply: Reply, key: str, *, target: Target | None = None, context: dict | None = None
    ) -> None:
        self.notices.append(Notice(staff_id, reply, key, target, context or {}))

    def audit(self, ctx: ToolContext | None, action: str, request_id: int, **detail) -> None:
        if ctx is not None:
            row = ctx.audit(action, "approval_request", request_id, **detail)
            if ctx.inbound is not None:
                row.detail = {**row.detail, "via": f"{ctx.inbound.platform}:{ctx.inbound.msg_id}"}
        else:
            row = AuditLog(
                source="SYSTEM", action=action, record_type="approval_request", record_id=request_id, detail=detail
            )
        row.at = self.now
        self.s.add(row)

    async def rows(self) -> list[dict]:
        rows: list[dict] = []
        seen: set[str] = set()
        for n in self.notices:
            if n.key in seen:
                continue
            seen.add(n.key)
            target = n.target
            if target is None:
                user = await self.s.get(StaffUser, n.staff_id)
                target = await self.app.staff_target(user) if user is not None else None
            if target is None or target.platform not in self.app.adapters:
                log.warning("approval notice %s: no channel reaches staff user %s", n.key, n.staff_id)
                continue
            rows += self.app.outbox.prepare(
                platform=target.platform,
                target=target,
                reply=n.reply,
                key=f"push:{n.key}",
                reply_context=n.context,
                is_push=n.target is None,
            )
        return rows


@asynccontextmanager
async def transition(app: "Runtime", snap: Snapshot | None) -> AsyncIterator[Tx]:
    """A transaction that first wins the compare-and-set on the request (when there is one)."""
    now = utc_now(app)
    persisted: list[dict] = []
    try:
        async with app.db.write() as s:
            tx = Tx(app, s, snap, now)
            if snap is not None:
                r = snap.request
                await tx.expect_one(
                    update(ApprovalRequest)
                    .where(
                        ApprovalRequest.id == r.id,
                        ApprovalRequest.version == r.version,
                        ApprovalRequest.status == "pending",
                    )
                    .values(version=r.version + 1, updated_at=now)
                )
            yield tx
            persisted = await app.outbox.persist(await s.connection(), await tx.rows())
    except OperationalError as exc:  # SQLite across processes: the other writer held the lock too long
        if "locked" in str(exc).lower():
            raise Conflict() from exc
        raise
    app.outbox.start(persisted)


async def retrying(app: "Runtime", request_id: int, attempt):
    """Run `attempt(snapshot)` until it wins the compare-and-set (or refuses)."""
    for _ in range(MAX_ATTEMPTS):
        snap = await load_snapshot(app, request_id)
        if snap is None:
            raise ToolError(f"没有编号为 #{request_id} 的审批申请。")
        try:
            return await attempt(snap)
        except Conflict:
            continue
    raise ToolError("这个申请刚好有人在处理，请稍后再试一次。")


def _closed_message(app: "Runtime", snap: Snapshot) -> ClosedRequest:
    r = snap.request
    label = STATUS_LABELS.get(r.status, r.status)
    if r.status == "withdrawn":
        return ClosedRequest(
            f"申请 {short_title(snap)} 已经被{snap.requester.name}撤回了，不用再审批。", "申请人已撤回"
        )
    if r.auto_approved:
        return ClosedRequest(f"申请 {short_title(snap)} 已经自动通过了。", "已自动通过")
    who = snap.name(r.decided_by_id) if r.decided_by_id else "系统"
    return ClosedRequest(
        f"申请 {short_title(snap)} {label}（{who}，{when_text(app, r.decided_at)}），不能再审批。", f"{label} · {who}"
    )


async def _close_open(tx: Tx, snap: Snapshot, except_ids: set[int], status_text: str, key: str) -> None:
    open_ids = [a.id for a in snap.assignments if a.id not in except_ids and a.status in ("pending", "waiting")]
    if open_ids:
        await tx.s.execute(
            update(ApprovalAssignment)
            .where(ApprovalAssignment.id.in_(open_ids), ApprovalAssignment.status.in_(["pending", "waiting"]))
            .values(status="cancelled")
        )
    for a in snap.assignments:
        if a.id in open_ids and a.status == "pending":
            card = approval_card(tx.app, snap, a, status=status_text)
            tx.notify(a.approver_id, Reply(card=card, card_update=True), f"{key}:card:{a.id}")
    await tx.s.execute(
        update(ApprovalStep)
        .where(ApprovalStep.request_id == snap.request.id, ApprovalStep.status.in_(["pending", "waiting"]))
        .values(status="cancelled")
    )


async def activate_step(tx: Tx, snap: Snapshot, step: ApprovalStep, key: str) -> None:
    due = workday_deadline(tx.app, tx.now, step.time_limit_hours)
    await tx.expect_one(
        update(ApprovalStep)
        .where(ApprovalStep.id == step.id, ApprovalStep.status == "waiting")
        .values(status="pending", activated_at=tx.now, due_at=due)
    )
    step.status, step.activated_at, step.due_at = "pending", tx.now, due
    for a in snap.in_step(step):
        if a.status != "waiting":
            continue
        await tx.expect_one(
            update(ApprovalAssignment)
            .where(ApprovalAssignment.id == a.id, ApprovalAssignment.status == "waiting")
            .values(status="pending")
        )
        a.status = "pending"
        tx.notify(a.approver_id, Reply(card=approval_card(tx.app, snap, a)), f"{key}:card:{a.id}")


def pending_names(snap: Snapshot, step: ApprovalStep) -> str:
    return "、".join(snap.name(a.approver_id) for a in snap.in_step(step) if a.status == "pending") or "-"


# --- deciding --------------------------------------------------------------------------------------


@dataclass
class Outcome:
    text: str  # for the person who acted
    card: Card | None = None  # their card, updated
    request_status: str = "pending"
    data: dict[str, Any] = field(default_factory=dict)


def check_can_decide(app: "Runtime", ctx: ToolContext, snap: Snapshot, assignment_id: int) -> ApprovalAssignment:
    """The assignment the acting person may decide now, or why not.

    Raises ToolDenied (own request, someone else's step), ToolError (unknown, not this step's turn yet) or
    ClosedRequest (already decided, delegated, request closed; its card_status updates the card). decide() and
    delegate() check every fresh snapshot they attempt; the card handler (chat.py) checks before asking for a reason.
    """
    r, actor = snap.request, ctx.actor.staff_id
    a = snap.assignment(assignment_id)
    if r.requester_id == actor:
        raise ToolDenied("不能审批自己提交的申请。")
    if a is None or a.request_id != r.id:
        raise ToolError("没找到这条审批。")
    if a.approver_id != actor:
        raise ToolDenied(f"申请 {short_title(snap)} 的这一步不是由你审批的。")
    step = snap.step_by_id(a.step_id)
    if a.status in ("approved", "rejected"):
        word = DECISION_LABELS[a.status]
        raise ClosedRequest(f"你已经{word}过申请 {short_title(snap)} 了。", f"已{word} · {snap.name(actor)}")
    if a.status == "delegated":
        target = next((b for b in snap.assignments if b.delegated_from_id == a.id), None)
        who = snap.name(target.approver_id) if target else "别人"
        raise ClosedRequest(f"这一步你已经转交给{who}了。", f"已转交 · {who}")
    if r.status != "pending":
        raise _closed_message(app, snap)
    if a.status == "waiting":
        raise ToolError("还没轮到你这一步，前面的审批人处理后会发卡片给你。")
    if a.status == "cancelled" or step.status != "pending":
        decided = [b for b in snap.in_step(step) if b.status in ("approved", "rejected")]
        who = snap.name(decided[-1].approver_id) if decided else "别人"
        raise ClosedRequest(f"这一步已经由{who}处理了，不用再审批。", f"已由{who}处理")
    return a


def _step_done(snap: Snapshot, step: ApprovalStep, approving: ApprovalAssignment) -> bool:
    if approving.slot == -1 or step.mode == "any":
        return True
    people = [a for a in snap.in_step(step) if a.slot >= 0 and a.status != "cancelled"]
    slots = {a.slot for a in people}
    approved = {a.slot for a in people if a.status == "approved"} | {approving.slot}
    return slots <= approved


async def decide(
    ctx: ToolContext, assignment_id: int, decision: str, comment: str | None = None, press: dict | None = None
) -> Outcome:
    """Approve or reject one assignment. `press` (platform, sender, conversation, raw) says which card to update
    when the decision arrives later than the press (a reject reason typed afterwards)."""
    if decision not in ("approved", "rejected"):
        raise ValueError(decision)
    app = ctx.app
    request_id = await request_id_of_assignment(app, assignment_id)
    if request_id is None:
        raise ToolError("没找到这条审批，可能已经被删除。")
    comment = (comment or "").strip()[:500] or None

    async def attempt(snap: Snapshot) -> Outcome:
        a = check_can_decide(app, ctx, snap, assignment_id)
        r, step = snap.request, snap.step_by_id(a.step_id)
        actor_name = ctx.actor.name or snap.name(ctx.actor.staff_id)
        key = f"approval:{r.id}:v{r.version + 1}"  # the version this transition creates
        status_text = f"已{DECISION_LABELS[decision]} · {actor_name}"
        async with transition(app, snap) as tx:
            await tx.expect_one(
                update(ApprovalAssignment)
                .where(ApprovalAssignment.id == a.id, ApprovalAssignment.status == "pending")
                .values(status=decision, comment=comment, decided_at=tx.now, decided_message_id=ctx.message_row_id)
            )
            a.status = decision
            next_step, final = None, None
            if decision == "rejected":
                final = "rejected"
            elif _step_done(snap, step, a):
                next_step = snap.step(step.seq + 1)
                final = None if next_step else "approved"
            step_finished = decision == "rejected" or next_step is not None or final == "approved"
            if step_finished:
                await tx.expect_one(
                    update(ApprovalStep)
                    .where(ApprovalStep.id == step.id, ApprovalStep.status == "pending")
                    .values(status=decision, decided_at=tx.now)
                )
                step.status = decision
                others = {b.id for b in snap.in_step(step) if b.status == "pending" and b.id != a.id}
                for b in snap.in_step(step):
                    if b.id in others:
                        card = approval_card(app, snap, b, status=f"已由{actor_name}处理")
                        tx.notify(b.approver_id, Reply(card=card, card_update=True), f"{key}:card:{b.id}")
                if others:
                    await tx.s.execute(
                        update(ApprovalAssignment).where(ApprovalAssignment.id.in_(others)).values(status="cancelled")
                    )
                    for b in snap.in_step(step):
                        if b.id in others:
                            b.status = "cancelled"
            if final is not None:
                if final == "rejected":
                    await _close_open(tx, snap, {a.id}, f"已由{actor_name}拒绝", key)
                await tx.s.execute(
                    update(ApprovalRequest)
                    .where(ApprovalRequest.id == r.id)
                    .values(status=final, decided_at=tx.now, decided_by_id=ctx.actor.staff_id, decision_comment=comment)
                )
            elif next_step is not None:
                await tx.s.execute(
                    update(ApprovalRequest).where(ApprovalRequest.id == r.id).values(current_step=next_step.seq)
                )
                await activate_step(tx, snap, next_step, key)
            tx.audit(
                ctx,
                "approval.approve" if decision == "approved" else "approval.reject",
                r.id,
                step=step.seq,
                step_label=step.label,
                assignment=a.id,
                comment=comment,
                request_status=final or "pending",
            )
            title = short_title(snap)
            if final == "approved":
                requester_text = f"✅ 你的申请 {title} 已通过（最后由{actor_name}同意）。"
                mine = f"已同意 {title}，审批全部完成，已通知{snap.requester.name}。"
            elif final == "rejected":
                why = f"，理由：{comment}" if comment else ""
                requester_text = (
                    f"❌ 你的申请 {title} 被{actor_name}拒绝{why}。\n可以调整后重新提交：/重新提交 {r.id} 新折扣 理由"
                )
                mine = f"已拒绝 {title}，已通知{snap.requester.name}。"
            elif next_step is not None:
                requester_text = (
                    f"👍 {actor_name}已同意你的申请 {title}，"
                    f"下一步：{next_step.label}（{pending_names(snap, next_step)}）审批。"
                )
                mine = f"已同意 {title}，已转给下一步：{next_step.label}（{pending_names(snap, next_step)}）。"
            else:
                requester_text = f"👍 {actor_name}已同意你的申请 {title}，还在等{pending_names(snap, step)}。"
                mine = f"已同意 {title}，这一步还在等{pending_names(snap, step)}。"
            if comment and decision == "approved":
                requester_text += f"\n{actor_name}留言：{comment}"
            tx.notify(r.requester_id, Reply(requester_text), f"{key}:requester")
            card = approval_card(app, snap, a, status=status_text)
            update_pressed_card(tx, ctx, press, card, key)
        return Outcome(
            mine, card=card, request_status=final or "pending", data={"request_id": r.id, "status": final or "pending"}
        )

    return await retrying(app, request_id, attempt)


async def delegate(ctx: ToolContext, assignment_id: int, to: StaffUser, press: dict | None = None) -> Outcome:
    app = ctx.app
    request_id = await request_id_of_assignment(app, assignment_id)
    if request_id is None:
        raise ToolError("没找到这条审批。")

    async def attempt(snap: Snapshot) -> Outcome:
        a = check_can_decide(app, ctx, snap, assignment_id)
        r, step = snap.request, snap.step_by_id(a.step_id)
        if not to.active:
            raise ToolError(f"{to.name}的账号已停用，换个人吧。")
        if to.id == ctx.actor.staff_id:
            raise ToolError("不能转交给自己。")
        if to.id == r.requester_id:
            raise ToolDenied("不能转交给申请人本人：没有人可以审批自己的申请。")
        if any(b.approver_id == to.id and b.status == "pending" for b in snap.in_step(step)):
            raise ToolError(f"{to.name}已经在审批这一步了，不用转交。")
        actor_name = ctx.actor.name or snap.name(ctx.actor.staff_id)
        key = f"approval:{r.id}:v{r.version + 1}"  # the version this transition creates
        async with transition(app, snap) as tx:
            await tx.expect_one(
                update(ApprovalAssignment)
                .where(ApprovalAssignment.id == a.id, ApprovalAssignment.status == "pending")
                .values(status="delegated", decided_at=tx.now, decided_message_id=ctx.message_row_id)
            )
            a.status = "delegated"
            new = ApprovalAssignment(
                request_id=r.id,
                step_id=step.id,
                slot=a.slot,
                approver_id=to.id,
                status="pending",
                why=f"{actor_name}转交给你（原因：{a.why}）",
                delegated_from_id=a.id,
                created_at=tx.now,
            )
            tx.s.add(new)
            await tx.s.flush()
            snap.assignments.append(new)
            snap.people[to.id] = to
            tx.audit(
                ctx,
                "approval.delegate",
                r.id,
                step=step.seq,
                assignment=a.id,
                to_staff_id=to.id,
                to_name=to.name,
                new_assignment=new.id,
            )
            tx.notify(to.id, Reply(card=approval_card(app, snap, new)), f"{key}:card:{new.id}")
            tx.notify(
                r.requester_id,
                Reply(f"你的申请 {short_title(snap)}：{actor_name}把审批转交给了{to.name}。"),
                f"{key}:requester",
            )
            card = approval_card(app, snap, a, status=f"已转交 · {to.name}")
            update_pressed_card(tx, ctx, press, card, key)
        return Outcome(
            f"已把 {short_title(snap)} 转交给{to.name}，卡片已发给他/她。",
            card=card,
            data={"request_id": r.id, "assignment_id": new.id},
        )

    return await retrying(app, request_id, attempt)


async def withdraw(ctx: ToolContext, request_id: int) -> Outcome:
    app = ctx.app

    async def attempt(snap: Snapshot) -> Outcome:
        r = snap.request
        if r.requester_id != ctx.actor.staff_id:
            raise ToolDenied("只有申请人自己可以撤回。")
        if r.status != "pending":
            label = STATUS_LABELS.get(r.status, r.status)
            raise ToolError(f"申请 {short_title(snap)} {label}，撤回不了。")
        key = f"approval:{r.id}:v{r.version + 1}"  # the version this transition creates
        async with transition(app, snap) as tx:
            await _close_open(tx, snap, set(), "申请人已撤回", key)
            await tx.s.execute(
                update(ApprovalRequest)
                .where(ApprovalRequest.id == r.id)
                .values(status="withdrawn", decided_at=tx.now, decided_by_id=ctx.actor.staff_id)
            )
            tx.audit(ctx, "approval.withdraw", r.id, step=r.current_step)
        return Outcome(
            f"已撤回 {short_title(snap)}，审批人那边的卡片也更新了。需要的话可以改一下再 /重新提交 {r.id}。",
            request_status="withdrawn",
            data={"request_id": r.id, "status": "withdrawn"},
        )

    return await retrying(app, request_id, attempt)


# --- overdue: remind, then escalate ----------------------------------------------------------------


async def _escalation_target(app: "Runtime", snap: Snapshot, step: ApprovalStep, rules: RulesFile) -> StaffUser | None:
    taken = {a.approver_id for a in snap.in_step(step) if a.status == "pending"} | {snap.request.requester_id}
    async with app.db.session() as s:
        for a in snap.in_step(step):
            if a.status != "pending":
                continue
            approver = snap.people.get(a.approver_id)
            boss = await s.get(StaffUser, approver.manager_id) if approver and approver.manager_id else None
            if boss is not None and boss.active and boss.id not in taken:
                return boss
        if rules.defaults.fallback_approver:
            user = (
                (await s.execute(select(StaffUser).where(StaffUser.username == rules.defaults.fallback_approver)))
                .scalars()
                .first()
            )
            if user is not None and user.active and user.id not in taken:
                return user
    return None


def update_pressed_card(tx, ctx: ToolContext, press: dict | None, card, key: str) -> None:
    """The card the decider pressed shows the outcome in place (on the platform and chat it was pressed in)."""
    if press is None:
        return
    tx.notify(
        ctx.actor.staff_id,
        Reply(card=card, card_update=True),
        f"{key}:pressed",
        target=Target(press["platform"], user_id=press["sender_id"], conversation_id=press["conversation_id"]),
        context=press.get("raw") or {},
    )


async def remind_and_escalate_overdue(app: "Runtime") -> int:
    """Remind approvers of overdue steps once, then escalate to their manager; returns how many actions ran.

    Safe to call from several processes at once and as often as you like: each action is a compare-and-set
    on the request, and a step is reminded once and escalated once."""
    now = utc_now(app)
    cfg = config_for(app)
    if not is_ping_time(cfg, now.astimezone(cfg.default_tz)):
        return 0  # not at night or on a day off; the first run after catches up
    async with app.db.session() as s:
        steps = (
            (
                await s.execute(
                    select(ApprovalStep)
                    .join(ApprovalRequest, ApprovalRequest.id == ApprovalStep.request_id)
                    .where(
                        ApprovalRequest.status == "pending",
                        ApprovalStep.status == "pending",
                        ApprovalStep.due_at <= now,
                        ApprovalStep.escalated_at.is_(None),
                    )
                )
            )
            .scalars()
            .all()
        )
    try:
        rules = rules_store(app).load()
    except Exception:  # reminders still go out with a broken rules file; escalation falls back to managers
        rules = RulesFile()
    actions = 0
    for step in steps:
        try:
            actions += await _handle_overdue(app, step.request_id, step.id, rules)
        except ToolError as exc:
            log.warning("approval %s: overdue handling skipped: %s", step.request_id, exc)
    return actions


def waited_text(waited: timedelta) -> str:
    hours = waited.total_seconds() / 3600
    if hours < 48:
        return f"{max(1, round(hours))} 小时"
    return f"{round(hours / 24)} 天"


async def _handle_overdue(app: "Runtime", request_id: int, step_id: int, rules: RulesFile) -> int:
    async def attempt(snap: Snapshot) -> int:
        r = snap.request
        step = next((s for s in snap.steps if s.id == step_id), None)
        now = utc_now(app)
        if r.status != "pending" or step is None or step.status != "pending" or step.escalated_at is not None:
            return 0
        if step.due_at is None or step.due_at > now:
            return 0
        escalate_at = workday_deadline(app, step.reminded_at or now, step.escalate_after_hours)
        key = f"approval:{r.id}:v{r.version + 1}"  # the version this transition creates
        title = short_title(snap)
        waiting = [a for a in snap.in_step(step) if a.status == "pending"]
        if step.reminded_at is None:
            async with transition(app, snap) as tx:
                await tx.expect_one(
                    update(ApprovalStep)
                    .where(ApprovalStep.id == step.id, ApprovalStep.reminded_at.is_(None))
                    .values(reminded_at=tx.now)
                )
                waited = waited_text(now - (step.activated_at or now - timedelta(hours=step.time_limit_hours)))
                for a in waiting:
                    tx.notify(
                        a.approver_id,
                        Reply(
                            f"⏰ 催办：{snap.requester.name}的申请 {title} 已等了 {waited}，请尽快处理。\n"
                            f"点上面的卡片，或回复 /同意 {r.id}、/拒绝 {r.id} 理由。"
                        ),
                        f"{key}:remind:{a.id}",
                    )
                tx.notify(
                    r.requester_id,
                    Reply(f"你的申请 {title} 超过时限还没处理，已催办{pending_names(snap, step)}。"),
                    f"{key}:requester",
                )
                tx.audit(None, "approval.remind", r.id, step=step.seq, approvers=[a.approver_id for a in waiting])
            return 1
        if now < escalate_at:
            return 0
        boss = await _escalation_target(app, snap, step, rules)
        async with transition(app, snap) as tx:
            await tx.expect_one(
                update(ApprovalStep)
                .where(ApprovalStep.id == step.id, ApprovalStep.escalated_at.is_(None))
                .values(escalated_at=tx.now, due_at=workday_deadline(app, tx.now, step.escalate_after_hours))
            )
            if boss is None:
                tx.notify(
                    r.requester_id,
                    Reply(
                        f"你的申请 {title} 一直没人处理，也找不到可以升级的上级，"
                        f"建议直接联系{pending_names(snap, step)}。"
                    ),
                    f"{key}:requester",
                )
                tx.audit(None, "approval.escalate", r.id, step=step.seq, to_staff_id=None)
                return 1
            overdue_names = pending_names(snap, step)
            new = ApprovalAssignment(
                request_id=r.id,
                step_id=step.id,
                slot=-1,
                approver_id=boss.id,
                status="pending",
                why=f"「{step.label}」超过时限未处理（{overdue_names}）→ 升级给你，你的决定即本步结果",
                created_at=tx.now,
            )
            tx.s.add(new)
            await tx.s.flush()
            snap.assignments.append(new)
            snap.people[boss.id] = boss
            tx.notify(boss.id, Reply(card=approval_card(app, snap, new)), f"{key}:card:{new.id}")
            for a in waiting:
                tx.notify(
                    a.approver_id,
                    Reply(f"申请 {title} 超时未处理，已升级给{boss.name}；你也仍然可以处理。"),
                    f"{key}:escalated:{a.id}",
                )
            tx.notify(r.requester_id, Reply(f"你的申请 {title} 超时未处理，已升级给{boss.name}。"), f"{key}:requester")
            tx.audit(
                None,
                "approval.escalate",
                r.id,
                step=step.seq,
                to_staff_id=boss.id,
                to_name=boss.name,
                new_assignment=new.id,
                overdue=[a.approver_id for a in waiting],
            )
        return 1

    return await retrying(app, request_id, attempt)


# --- the platforms' own approval engines -----------------------------------------------------------

WECOM_SP_STATUS = {1: "pending", 2: "approved", 3: "rejected", 4: "withdrawn", 6: "withdrawn", 7: "withdrawn"}


def status_from_wecom(sp_status: int | str) -> str | None:
    """WeCom OA `sys_approval_change` SpStatus → our status (1 审批中, 2 已通过, 3 已驳回, 4 已撤销, 6 通过后撤销, 7 已删除)."""
    try:
        return WECOM_SP_STATUS.get(int(sp_status))
    except (TypeError, ValueError):
        return None


def status_from_dingtalk(status: str, result: str | None = None) -> str | None:
    """DingTalk processInstances `status` (NEW|RUNNING|TERMINATED|COMPLETED) + `result` (agree|refuse)."""
    status = (status or "").upper()
    if status in ("NEW", "RUNNING"):
        return "pending"
    if status == "TERMINATED":
        return "withdrawn"
    if status == "COMPLETED":
        return {"agree": "approved", "refuse": "rejected"}.get((result or "").lower())
    return None


async def link_external(app: "Runtime", request_id: int, platform: str, external_ref: str) -> None:
    """Remember the platform engine's id of a request (WeCom SpNo / DingTalk processInstanceId)."""
    async with app.db.write() as s:
        await s.execute(
            update(ApprovalRequest)
            .where(ApprovalRequest.id == request_id)
            .values(external_platform=platform, external_ref=external_ref)
        )
        s.add(
            AuditLog(
                source="SYSTEM",
                action="approval.link_external",
                record_type="approval_request",
                record_id=request_id,
                detail={"platform": platform, "external_ref": external_ref},
            )
        )


async def apply_external_status(
    app: "Runtime", platform: str, external_ref: str, status: str | None, comment: str | None = None
) -> bool:
    """Drive a request from the platform's callback; True if it changed. A callback repeated, late or for
    a request already decided here changes nothing."""
    if status not in ("approved", "rejected", "withdrawn"):
        return False
    async with app.db.session() as s:
        request_id = (
            await s.execute(
                select(ApprovalRequest.id).where(
                    ApprovalRequest.external_platform == platform, ApprovalRequest.external_ref == external_ref
                )
            )
        ).scalar()
    if request_id is None:
        log.info("approval callback for unknown %s:%s", platform, external_ref)
        return False

    async def attempt(snap: Snapshot) -> bool:
        r = snap.request
        if r.status != "pending":
            return False
        key = f"approval:{r.id}:v{r.version + 1}"  # the version this transition creates
        label = STATUS_LABELS[status]
        async with transition(app, snap) as tx:
            await _close_open(tx, snap, set(), f"{label}（{platform} 审批）", key)
            await tx.s.execute(
                update(ApprovalRequest)
                .where(ApprovalRequest.id == r.id)
                .values(status=status, decided_at=tx.now, decision_comment=comment)
            )
            tx.audit(
                None,
                "approval.external",
                r.id,
                platform=platform,
                external_ref=external_ref,
                status=status,
                comment=comment,
            )
            tx.notify(
                r.requester_id, Reply(f"你的申请 {short_title(snap)} 在{platform}审批中{label}。"), f"{key}:requester"
            )
        return True

    return await retrying(app, request_id, attempt)
