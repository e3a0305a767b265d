"""Submitting an approval request: validate against the customer, the deal and the price list, resolve the
chain the rules chose to people in the org, and write the request with its whole chain at once."""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz import fuzz
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot.capabilities import ToolContext, ToolDenied, ToolError
from bot.models import STAGE_LABELS, Account, Opportunity, StaffUser
from tools.approvals.flow import (
    Outcome,
    Snapshot,
    activate_step,
    ask_text,
    load_rules,
    short_title,
    transition,
    when_text,
)
from tools.approvals.models import ApprovalAssignment, ApprovalRequest, ApprovalStep
from tools.approvals.rules import (
    BUILTIN_APPROVERS,
    REQUEST_KINDS,
    ChainPlan,
    Facts,
    RulesFile,
    approver_label,
    format_discount,
    format_money,
    parse_discount,
    plan_chain,
)
from tools.customers import ensure_account_access

CLOSED_STAGES = ("closed_won", "closed_lost")
NEEDS_DETAIL = {
    "clause": "要改哪条合同条款、改成什么",
    "payment_terms": "付款条件要改成什么（比如 3-3-4 分期）",
    "poc": "要什么资源（几个账号、多长时间、要不要售前）",
}


@dataclass
class Draft:
    kind: str
    account: Account
    opportunity: Opportunity | None
    reason: str
    discount_pct: float | None = None
    list_amount: float | None = None
    amount: float | None = None
    product: str | None = None
    seats: int | None = None
    detail: str | None = None
    resubmitted_from_id: int | None = None

    def facts(self) -> Facts:
        return Facts(
            kind=self.kind,
            discount_pct=self.discount_pct,
            amount=self.amount,
            list_amount=self.list_amount,
            tier=self.account.tier,
            industry=self.account.industry,
            region=self.account.region,
            customer=self.account.short_name or self.account.name,
        )


async def pick_opportunity(ctx: ToolContext, account: Account, name: str | None) -> Opportunity | None:
    async with ctx.db.session() as s:
        opps = (
            (
                await s.execute(
                    select(Opportunity)
                    .where(Opportunity.account_id == account.id)
                    .order_by(Opportunity.updated_at.desc())
                )
            )
            .scalars()
            .all()
        )
    if name:
        scored = sorted(
            ((max(fuzz.partial_ratio(name, o.name), 100 if name in o.name else 0), o) for o in opps),
            key=lambda x: -x[0],
        )
        if not scored or scored[0][0] < 70:
            known = "、".join(o.name for o in opps) or "（还没有商机）"
            raise ToolError(f"「{account.name}」下没找到商机「{name}」。现有：{known}")
        chosen = scored[0][1]
    else:
        open_ones = [o for o in opps if o.stage not in CLOSED_STAGES]
        chosen = open_ones[0] if len(open_ones) == 1 else None
    if chosen is not None and chosen.stage in CLOSED_STAGES:
        raise ToolError(f"商机「{chosen.name}」已经{STAGE_LABELS[chosen.stage]}了，不能再申请。")
    return chosen


def _number(value, label: str) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ToolError(f"{label}「{value}」不是数字。") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ToolError(f"{label}「{value}」不是有效的数字。")
    return number


async def build_draft(
    ctx: ToolContext,
    account: Account,
    *,
    kind: str,
    reason: str,
    discount=None,
    amount=None,
    opportunity_name: str | None = None,
    product: str | None = None,
    seats=None,
    detail: str | None = None,
    rules: RulesFile | None = None,
) -> Draft:
    """Every check before anything is written; a ToolError explains the first problem."""
    if kind not in REQUEST_KINDS:
        raise ToolError(f"不认识的申请类型「{kind}」，可以申请：{'、'.join(REQUEST_KINDS.values())}。")
    await ensure_account_access(ctx, account)
    rules = rules or load_rules(ctx.app)
    detail = (detail or "").strip() or None
    if kind in NEEDS_DETAIL and not detail:
        raise ToolError(f"请说明{NEEDS_DETAIL[kind]}。")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ToolError("请写上申请理由（客户情况、竞争对手、我们换来的条件），审批人才好判断。")
    opportunity = await pick_opportunity(ctx, account, opportunity_name)
    amount = _number(amount, "金额")
    seat_count = _number(seats, "账号数")
    if seat_count is not None and not (1 <= seat_count <= 100_000 and seat_count == int(seat_count)):
        raise ToolError("账号数要是 1～100000 之间的整数。")
    if product:
        product = product.strip()
        if product not in rules.price_list:
            known = "、".join(rules.price_list) or "（价目表为空）"
            raise ToolError(f"价目表里没有「{product}」，可选：{known}。")
    if seat_count is None and product and opportunity is not None and opportunity.seats:
        seat_count = opportunity.seats
    list_amount = None
    if product and seat_count:
        list_amount = rules.price_list[product] * seat_count
    elif opportunity is not None and opportunity.amount:
        list_amount = opportunity.amount  # an opportunity's amount is its value at list price
    pct = None
    if discount not in (None, ""):
        try:
            pct = parse_discount(discount)
        except ValueError as exc:
            raise ToolError(str(exc)) from None
    if kind == "discount":
        if pct is None:
            raise ToolError("申请几折？例如：/审批 华东机械 8折 理由……")
        if amount is not None and list_amount:
            expected = list_amount * pct / 100
            if abs(amount - expected) > max(1.0, expected * 0.01):
                raise ToolError(
                    f"金额和折扣对不上：标准价 {format_money(list_amount)}，{format_discount(pct)} "
                    f"应该是 {format_money(expected)}，你写的是 {format_money(amount)}。"
                )
        if amount is None and list_amount:
            amount = round(list_amount * pct / 100, 2)
    elif kind == "special_price":
        if amount is None:
            raise ToolError("特价申请要写成交金额（元），例如：特价 45 万。")
        if list_amount:
            if amount > list_amount:
                raise ToolError(f"特价 {format_money(amount)} 比标准价 {format_money(list_amount)} 还高，不用申请。")
            implied = round(amount / list_amount * 100, 2)
            if pct is not None and abs(implied - pct) > 1:
                raise ToolError(
                    f"金额和折扣对不上：标准价 {format_money(list_amount)}，特价 {format_money(amount)} "
                    f"约是 {format_discount(implied)}，不是 {format_discount(pct)}。"
                )
            pct = implied
    elif kind == "expense":
        if amount is None:
            raise ToolError("费用申请要写金额（元）。")
    elif kind == "payment_terms" and amount is None and list_amount:
        amount = list_amount
    if pct is not None and pct < rules.limits.min_discount:
        raise ToolError(f"{format_discount(pct)} 低于公司底线 {format_discount(rules.limits.min_discount)}，不能申请。")
    if amount is not None and not (0 < amount <= rules.limits.max_amount):
        raise ToolError(
            f"金额 {format_money(amount)} 不对：要大于 0，且不超过 {format_money(rules.limits.max_amount)}。"
        )
    return Draft(
        kind=kind,
        account=account,
        opportunity=opportunity,
        reason=reason[:1000],
        discount_pct=pct,
        list_amount=list_amount,
        amount=amount,
        product=product or None,
        seats=int(seat_count) if seat_count else None,
        detail=detail[:1000] if detail else None,
    )


# --- the chain, in people --------------------------------------------------------------------------


@dataclass
class ResolvedApprover:
    user: StaffUser
    slot: int
    why: str
    spec: str = ""  # the rules' approver spec this person stands for (the rules editor shows it)


@dataclass
class ResolvedStep:
    label: str
    mode: str
    hours: float
    approvers: list[ResolvedApprover] = field(default_factory=list)


async def resolve_chain(
    ctx: ToolContext, rules: RulesFile, plan: ChainPlan, requester: StaffUser
) -> list[ResolvedStep]:
    """The planned steps as people from the org. Nobody is in a chain twice, nobody approves their own
    request: such a place goes to the fallback approver, or the request is refused with the reason."""
    async with ctx.db.session() as s:
        users = (await s.execute(select(StaffUser))).scalars().all()
    by_id = {u.id: u for u in users}
    by_username = {u.username: u for u in users}
    ancestors: list[StaffUser] = []
    cursor = requester
    while cursor.manager_id and cursor.manager_id in by_id and by_id[cursor.manager_id] not in ancestors:
        cursor = by_id[cursor.manager_id]
        ancestors.append(cursor)

    def lookup(spec: str) -> list[StaffUser]:
        if spec == "direct_manager":
            return ancestors[:1]
        if spec == "director":
            return ancestors[1:2] or ancestors[-1:]
        if spec.startswith("user:"):
            user = by_username.get(spec[5:])
            if user is None:
                raise ToolError(f"审批规则里的审批人「{spec[5:]}」在通讯录里找不到，请联系管理员。")
            return [user]
        found = [by_username[name] for name in rules.people.get(spec, []) if name in by_username]
        if not found:
            names = "、".join(rules.people.get(spec, [])) or "没有配置"
            raise ToolError(f"审批规则里的「{approver_label(spec)}」（{names}）在通讯录里找不到，请联系管理员。")
        return found

    fallback = by_username.get(rules.defaults.fallback_approver or "")
    placed: dict[int, ResolvedApprover] = {}
    steps: list[ResolvedStep] = []
    for planned in plan.steps:
        step = ResolvedStep(planned.label, planned.mode, planned.time_limit_hours)
        for slot, approver in enumerate(planned.approvers):
            people = [u for u in lookup(approver.spec) if u.active and u.id != requester.id]
            why = approver.why
            if not people:
                if fallback is not None and fallback.active and fallback.id != requester.id:
                    people = [fallback]
                    why += f"（没有合适的{approver_label(approver.spec)}，改由{fallback.name}审批）"
                else:
                    raise ToolError(
                        f"找不到「{approver_label(approver.spec)}」这一步的审批人"
                        f"（{'你没有上级' if approver.spec in BUILTIN_APPROVERS else '只有你自己'}），"
                        f"没法提交。请联系管理员在审批规则里设置 fallback_approver。"
                    )
            for user in people:
                if user.id in placed:  # already in the chain: one decision each, with every reason kept
                    placed[user.id].why += f"；{why}"
                    continue
                entry = ResolvedApprover(user, slot, why, approver.spec)
                placed[user.id] = entry
                step.approvers.append(entry)
        if step.approvers:
            steps.append(step)
    if plan.fast_lane and len(steps) > 1:
        merged = ResolvedStep("快速通道（同时审批）", "all", plan.fast_lane_hours or steps[0].hours)
        for index, step in enumerate(steps):
            for a in step.approvers:
                a.slot = index * 100 + a.slot
                a.why += f"；{plan.fast_lane_reason}"
                merged.approvers.append(a)
        steps = [merged]
    elif plan.fast_lane and steps:
        steps[0].hours = plan.fast_lane_hours or steps[0].hours
    return steps


# --- writing the request ---------------------------------------------------------------------------


async def _existing(ctx: ToolContext, key: str | None) -> ApprovalRequest | None:
    if key is None:
        return None
    async with ctx.db.session() as s:
        return (
            (await s.execute(select(ApprovalRequest).where(ApprovalRequest.idempotency_key == key))).scalars().first()
        )


async def plan_request(
    ctx: ToolContext, draft: Draft, rules: RulesFile | None = None
) -> tuple[RulesFile, StaffUser, ChainPlan, list[ResolvedStep]]:
    """Who would be asked, and why: the rules, the requester, the plan and the chain in people. A submission
    writes exactly this; a proposal shows it before anyone is asked; the rules editor previews it with the
    rules being edited (`rules`), so what it shows is what a submission would create."""
    rules = rules or load_rules(ctx.app)
    async with ctx.db.session() as s:
        requester = await s.get(StaffUser, ctx.actor.staff_id)
    if requester is None:
        raise ToolDenied("只有公司同事可以提交审批。")
    plan = plan_chain(rules, draft.facts())
    chain = [] if plan.auto_approved else await resolve_chain(ctx, rules, plan, requester)
    return rules, requester, plan, chain


def planned_lines(plan: ChainPlan, chain: list[ResolvedStep]) -> list[str]:
    """The chain a request would go through, for a person to read before it is submitted."""
    if plan.auto_approved:
        return [f"审批：{plan.auto_reason}，会自动通过"]
    lines = ["审批链："]
    for seq, step in enumerate(chain, 1):
        who = "、".join(a.user.name for a in step.approvers)
        lines.append(f"{seq}. {step.label}：{who}")
    return lines


async def submit(ctx: ToolContext, draft: Draft) -> Outcome:
    app = ctx.app
    key = ctx.idempotency_key("approval")
    if (done := await _existing(ctx, key)) is not None:  # the same message handled again
        return Outcome(
            f"这个申请已经提交过了（#{done.id}）。",
            request_status=done.status,
            data={"request_id": done.id, "duplicate": True},
        )
    rules, requester, plan, chain = await plan_request(ctx, draft)
    try:
        async with transition(app, None) as tx:
            now = tx.now
            request = ApprovalRequest(
                kind=draft.kind,
                status="approved" if plan.auto_approved else "pending",
                requester_id=requester.id,
                account_id=draft.account.id,
                opportunity_id=draft.opportunity.id if draft.opportunity else None,
                discount_pct=draft.discount_pct,
                list_amount=draft.list_amount,
                amount=draft.amount,
                product=draft.product,
                seats=draft.seats,
                detail=draft.detail,
                reason=draft.reason,
                auto_approved=plan.auto_approved,
                fast_lane=plan.fast_lane,
                matched_rules=plan.matched,
                decided_at=now if plan.auto_approved else None,
                decision_comment=plan.auto_reason or None,
                resubmitted_from_id=draft.resubmitted_from_id,
                idempotency_key=key,
                created_at=now,
                updated_at=now,
                **ctx.provenance(),
            )
            tx.s.add(request)
            await tx.s.flush()
            steps, assignments = [], []
            for seq, resolved in enumerate(chain):
                step = ApprovalStep(
                    request_id=request.id,
                    seq=seq,
                    label=resolved.label[:64],
                    mode=resolved.mode,
                    time_limit_hours=resolved.hours,
                    escalate_after_hours=rules.defaults.escalate_after_hours,
                )
                tx.s.add(step)
                await tx.s.flush()
                steps.append(step)
                for a in resolved.approvers:
                    row = ApprovalAssignment(
                        request_id=request.id,
                        step_id=step.id,
                        slot=a.slot,
                        approver_id=a.user.id,
                        why=a.why,
                        created_at=now,
                    )
                    tx.s.add(row)
                    assignments.append(row)
            await tx.s.flush()
            people = {requester.id: requester, **{a.user.id: a.user for st in chain for a in st.approvers}}
            snap = Snapshot(request, steps, assignments, people, draft.account, draft.opportunity)
            chain_detail = [
                {
                    "step": st.seq,
                    "label": st.label,
                    "mode": st.mode,
                    "approvers": [
                        {"staff_id": a.approver_id, "name": people[a.approver_id].name, "why": a.why}
                        for a in assignments
                        if a.step_id == st.id
                    ],
                }
                for st in steps
            ]
            tx.audit(
                ctx,
                "approval.submit",
                request.id,
                kind=draft.kind,
                account=draft.account.name,
                discount_pct=draft.discount_pct,
                amount=draft.amount,
                matched_rules=plan.matched,
                chain=chain_detail,
                resubmitted_from=draft.resubmitted_from_id,
            )
            if plan.auto_approved:
                tx.audit(ctx, "approval.auto_approve", request.id, reason=plan.auto_reason)
            else:
                await activate_step(tx, snap, steps[0], f"approval:{request.id}:v1")
    except IntegrityError:  # a concurrent run of the same message got there first
        if (done := await _existing(ctx, key)) is not None:
            return Outcome(
                f"这个申请已经提交过了（#{done.id}）。",
                request_status=done.status,
                data={"request_id": done.id, "duplicate": True},
            )
        raise
    return Outcome(
        submitted_text(app, snap, plan),
        request_status=request.status,
        data={
            "request_id": request.id,
            "status": request.status,
            "auto_approved": plan.auto_approved,
            "chain": chain_detail,
        },
    )


def submitted_text(app, snap: Snapshot, plan: ChainPlan) -> str:
    r = snap.request
    head = f"已提交 {short_title(snap)}：{REQUEST_KINDS[r.kind]} {ask_text(snap)}"
    if plan.auto_approved:
        return f"{head}\n{plan.auto_reason}，已自动通过，可以直接推进。"
    lines = [head, "审批链："]
    for step in snap.steps:
        people = [a for a in snap.in_step(step)]
        who = "、".join(snap.name(a.approver_id) for a in people)
        lines.append(
            f"{step.seq + 1}. {step.label}：{who}"
            + ("（同时审批）" if len(people) > 1 and step.mode == "all" and "同时" not in step.label else "")
        )
        for a in people:
            lines.append(f"   · {snap.name(a.approver_id)}：{a.why}")
    first = snap.steps[0]
    names = "、".join(snap.name(a.approver_id) for a in snap.in_step(first))
    lines.append(f"卡片已发给{names}，时限 {when_text(app, first.due_at)}。有进展我会告诉你；要撤回就发 /撤回 {r.id}。")
    return "\n".join(lines)
