"""Approval rules editor: validate, preview "who would approve this request?", save as a version.

The rules in force are the file <SALESBOT_DATA_DIR>/approval_rules.yaml (tools/approvals/rules.py reads
it, re-reading when it changes, so a save needs no restart). Every save is also kept as a
RulesVersion row, so an admin can see the history and roll back.
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, update
from sqlmodel import select

from bot.capabilities import ToolContext, ToolDenied, ToolError
from bot.identity import actor_for
from bot.models import STAGE_LABELS, Account, StaffUser
from salesbot.admin import audit
from salesbot.admin.auth import Principal
from salesbot.admin.models import RulesVersion
from tools.approvals.flow import when_text, workday_deadline
from tools.approvals.rules import (
    DEFAULT_RULES_PATH,
    REQUEST_KINDS,
    RULES_FILE_NAME,
    ChainPlan,
    Facts,
    RulesError,
    RulesFile,
    approver_label,
    format_money,
    parse_discount,
    parse_rules,
    plan_chain,
)
from tools.approvals.submit import Draft, build_draft, plan_request
from tools.customers import name_score

MAX_AMOUNT = 1e12  # yuan; a preview amount beyond this is a typo or an attack, not a deal


def rules_path(settings) -> Path:
    return Path(settings.data_dir) / RULES_FILE_NAME


def current_text(settings) -> str:
    path = rules_path(settings)
    return (path if path.exists() else DEFAULT_RULES_PATH).read_text(encoding="utf-8")


def validate(text: str) -> RulesFile:
    """The parsed rules, or RulesError with where and why (Chinese)."""
    return parse_rules(text.replace("\r\n", "\n"), "（编辑中的规则）")


async def unknown_people(db, rules: RulesFile) -> list[str]:
    """Usernames the rules name that no active staff user has: the chain would have nobody there."""
    names = {u for people in rules.people.values() for u in people}
    specs = [s for r in rules.rules for st in r.steps for s in st.specs] + [
        s for st in rules.fallback for s in st.specs
    ]
    names |= {s[5:] for s in specs if s.startswith("user:")}
    if rules.defaults.fallback_approver:
        names.add(rules.defaults.fallback_approver)
    if not names:
        return []
    async with db.session() as s:
        known = set(
            (
                await s.execute(select(StaffUser.username).where(StaffUser.username.in_(names), StaffUser.active))
            ).scalars()
        )
    return sorted(names - known)


@dataclass
class PreviewRequest:
    kind: str = "discount"
    discount: str = ""
    amount: str = ""
    customer: str = ""
    requester: str = ""


@dataclass
class PreviewStep:
    label: str
    mode: str
    hours: float
    approvers: list[tuple[str, str, str]] = field(default_factory=list)  # (spec label, people, why)
    due_at: datetime | None = None  # the first step's deadline if submitted now (later steps start on its end)


@dataclass
class Preview:
    plan: ChainPlan
    steps: list[PreviewStep]
    facts: Facts
    refused: str = ""
    notes: list[str] = field(default_factory=list)
    due_text: str = ""  # 「12月7日 13:00」: when the first step runs out if the request went in now
    deal: str = ""  # the opportunity the amount came from, when it was not typed


async def _people_for(s, spec: str, requester: StaffUser | None, rules: RulesFile) -> str:
    """Who stands behind an approver spec when nobody is named as the requester (no chain can be resolved)."""

    async def user(uid):
        return await s.get(StaffUser, uid) if uid else None

    if spec == "direct_manager":
        manager = await user(requester.manager_id) if requester else None
        return manager.name if manager else "（申请人没有直属经理）"
    if spec == "director":
        manager = await user(requester.manager_id) if requester else None
        director = await user(manager.manager_id) if manager else None
        return director.name if director else "（没有上级的上级）"
    usernames = [spec[5:]] if spec.startswith("user:") else rules.people.get(spec, [])
    found = {
        u.username: u.name
        for u in (await s.execute(select(StaffUser).where(StaffUser.username.in_(usernames)))).scalars()
    }
    return "、".join(found.get(u, f"{u}（不存在）") for u in usernames) or "（没人）"


async def _find(app, req: PreviewRequest, notes: list[str]) -> tuple[Account | None, StaffUser | None]:
    async with app.db.session() as s:
        account = None
        if req.customer.strip():
            accounts = list((await s.execute(select(Account))).scalars())
            scored = sorted(((name_score(req.customer, a), a) for a in accounts), key=lambda x: -x[0])
            if scored and scored[0][0] >= 90:
                account = scored[0][1]
            else:
                notes.append(f"没找到客户「{req.customer}」，按没有客户等级/行业预览")
        requester = None
        who = req.requester.strip()
        if who:
            requester = (
                (await s.execute(select(StaffUser).where((StaffUser.username == who) | (StaffUser.name == who))))
                .scalars()
                .first()
            )
            if requester is None:
                notes.append(f"没找到申请人「{req.requester}」，直属经理/总监无法落到具体的人")
        elif account is not None and account.owner_id:
            requester = await s.get(StaffUser, account.owner_id)
            if requester is not None:
                notes.append(f"没填申请人，按客户负责人{requester.name}提交来预览")
    return account, requester


async def preview(app, text: str, req: PreviewRequest) -> Preview:
    """What submitting this request would create under the edited rules: the same draft checks, the same
    chain (fast lane merged into one parallel step, people resolved, time limits) as a real submission,
    with the deal's own amount, tier and stage when they are not typed."""
    rules = validate(text)
    if req.kind not in REQUEST_KINDS:
        raise RulesError(f"申请类型只能是：{'、'.join(REQUEST_KINDS)}")
    notes: list[str] = []
    discount = parse_discount(req.discount) if req.discount.strip() else None
    try:
        amount = float(req.amount.replace(",", "").replace("，", "")) if req.amount.strip() else None
    except ValueError:
        raise RulesError(f"金额「{req.amount}」不是数字（单位：元）") from None
    if amount is not None and not (math.isfinite(amount) and abs(amount) <= MAX_AMOUNT):
        raise RulesError(f"金额「{req.amount[:24]}」超出范围（最多 {MAX_AMOUNT:,.0f} 元）")
    account, requester = await _find(app, req, notes)
    facts = Facts(
        kind=req.kind,
        discount_pct=discount,
        amount=amount,
        tier=account.tier if account else None,
        industry=account.industry if account else None,
        region=account.region if account else None,
        customer=account.name if account else req.customer,
    )
    if requester is None:  # nobody to resolve the chain for: the rules' steps, by role
        return await _by_role(app, rules, facts, notes)
    ctx = ToolContext(app, actor_for(requester), "admin:rules-preview")
    deal = ""
    try:
        if account is not None:
            draft = await build_draft(
                ctx,
                account,
                kind=req.kind,
                reason="（规则预览）",
                discount=req.discount.strip() or None,
                amount=amount,
                detail="（规则预览）",
                rules=rules,
            )
            if draft.opportunity is not None and amount is None and draft.amount is not None:
                deal = f"{draft.opportunity.name}（{STAGE_LABELS.get(draft.opportunity.stage, '')}）"
                notes.append(f"金额按商机「{draft.opportunity.name}」算：{format_money(draft.amount)}")
        else:  # no customer named: the typed figures only, still through the submission's chain
            draft = Draft(req.kind, Account(name=req.customer.strip()), None, "（规则预览）", discount, amount=amount)
        facts = draft.facts()
        facts.customer = account.name if account else req.customer
        _, _, plan, chain = await plan_request(ctx, draft, rules)
    except (ToolError, ToolDenied) as exc:
        return Preview(plan_chain(rules, facts), [], facts, str(exc), notes, deal=deal)
    steps = [
        PreviewStep(
            step.label,
            step.mode,
            step.hours,
            [(approver_label(a.spec), a.user.name, a.why) for a in step.approvers],
        )
        for step in chain
    ]
    due_text = ""
    if steps:
        # the first step starts when the request goes in; the same deadline a submission sets
        steps[0].due_at = workday_deadline(app, app.clock.now(timezone.utc), steps[0].hours)
        due_text = when_text(app, steps[0].due_at)
    return Preview(plan, steps, facts, "", notes, due_text, deal)


async def _by_role(app, rules: RulesFile, facts: Facts, notes: list[str]) -> Preview:
    refused = ""
    if facts.discount_pct is not None and facts.discount_pct < rules.limits.min_discount:
        refused = f"折扣低于下限（{rules.limits.min_discount:g}%），申请会被直接拒收"
    if facts.amount is not None and facts.amount > rules.limits.max_amount:
        refused = "金额超过单笔上限，申请会被直接拒收"
    plan = plan_chain(rules, facts)
    notes.append("没填申请人，审批人按角色列出；填上申请人可以看到具体的人和时限")
    steps = []
    async with app.db.session() as s:
        for step in plan.steps:
            people = [
                (approver_label(a.spec), await _people_for(s, a.spec, None, rules), a.why) for a in step.approvers
            ]
            steps.append(PreviewStep(step.label, step.mode, step.time_limit_hours, people))
    return Preview(plan, steps, facts, refused, notes)


async def history(db) -> list[RulesVersion]:
    async with db.session() as s:
        return list((await s.execute(select(RulesVersion).order_by(RulesVersion.version.desc()))).scalars())


async def get_version(db, version_id: int) -> RulesVersion | None:
    async with db.session() as s:
        return await s.get(RulesVersion, version_id)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".approval_rules.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


async def save(db, settings, principal: Principal, text: str, note: str = "") -> RulesVersion:
    """Validate, keep a version, and put it in force. Invalid rules change nothing."""
    text = text.replace("\r\n", "\n")
    validate(text)
    async with db.write() as s:
        latest = (await s.execute(select(func.max(RulesVersion.version)))).scalar_one() or 0
        if latest == 0:  # keep what was in force before the first console edit
            s.add(RulesVersion(version=1, text=current_text(settings), note="编辑前的规则", created_by="system"))
            latest = 1
        await s.execute(update(RulesVersion).values(published=False))
        row = RulesVersion(
            version=latest + 1, text=text, note=note[:256], published=True, created_by=principal.username
        )
        s.add(row)
        await s.flush()
        await audit.record(
            s,
            principal,
            "approval_rules.save",
            record_type="approval_rules_version",
            record_id=row.id,
            version=row.version,
            note=note[:256],
        )
        _write_atomically(rules_path(settings), text)  # inside the transaction: a failed write saves no version
    return row


async def rollback(db, settings, principal: Principal, version_id: int) -> RulesVersion:
    old = await get_version(db, version_id)
    if old is None:
        raise RulesError("没有这个版本")
    return await save(db, settings, principal, old.text, note=f"回滚到 v{old.version}")
