"""Extraction vs the CRM: which values are new or different, as field suggestions (old → new, evidence).

Nothing here writes. A value equal to what the CRM has is not suggested; a new account, opportunity,
contact, visit or task is a `create` suggestion like any other, so nothing is created silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import select

from bot.capabilities import ToolContext
from bot.models import DEAL_ROLE_LABELS, STAGE_LABELS, STAGES, Account, Contact, Opportunity, Visit
from tools.autofill.extract import ContactFact, Extraction, Fact, money_label

PROTECTED = {"amount", "close_date", "stage"}  # never written without a person confirming them
# field -> (label, kind)
OPPORTUNITY_FIELDS: dict[str, tuple[str, str]] = {
    "amount": ("商机金额", "money"),
    "close_date": ("预计成交日期", "date"),
    "stage": ("商机阶段", "stage"),
    "budget": ("客户预算", "money"),
    "seats": ("账号数", "int"),
    "competitors": ("竞争对手", "list"),
    "next_step": ("下一步", "text"),
    "timeline": ("时间计划", "text"),
    "identified_pain": ("痛点", "text"),
    "economic_buyer": ("拍板人", "text"),
    "champion": ("内部支持者", "text"),
    "authority": ("决策权", "text"),
    "metrics": ("量化目标", "text"),
    "decision_criteria": ("决策标准", "text"),
    "decision_process": ("决策流程", "text"),
    "paper_process": ("采购/合同流程", "text"),
}
CONTACT_FIELDS: dict[str, tuple[str, str]] = {
    "title": ("职位", "text"),
    "phone": ("电话", "text"),
    "other_phones": ("其他电话", "text"),
    "email": ("邮箱", "text"),
    "deal_role": ("角色", "role"),
}


def other_phones(c: ContactFact, known: Contact | None = None) -> str | None:
    """A person's further numbers as the contact row keeps them ("、"-separated): the ones the CRM already has,
    then the new ones; None when there are none."""
    have = [p for p in re.split(r"[、,，\s]+", (known.other_phones if known is not None else None) or "") if p]
    main = known.phone if known is not None else c.phone
    new = [p for p in (c.phone, *c.other_phones) if p and p != main]
    return "、".join(dict.fromkeys([*have, *new]))[:128] or None


# what the rep reads for each qualification key (the JSON keeps the English key)
QUALIFICATION_LABELS: dict[str, str] = {
    **{k: v[0] for k, v in OPPORTUNITY_FIELDS.items()},
    "budget": "预算",
    "need": "需求",
}
ROLE_LABELS = DEAL_ROLE_LABELS
CHANNEL_LABELS = {"onsite": "上门", "phone": "电话", "video": "视频", "wechat": "微信"}
KIND_OF: dict[str, str] = {
    **{k: v[1] for k, v in OPPORTUNITY_FIELDS.items()},
    **{k: v[1] for k, v in CONTACT_FIELDS.items()},
}


def show(value: Any, kind: str = "text") -> str:
    """A value as the rep reads it."""
    if value in (None, "", []):
        return "空"
    if kind == "money":
        return money_label(float(value))
    if kind == "date":
        d = value if isinstance(value, date) else date.fromisoformat(str(value))
        return f"{d.year}年{d.month}月{d.day}日"
    if kind == "stage":
        return STAGE_LABELS.get(str(value), str(value))
    if kind == "role":
        return ROLE_LABELS.get(str(value), str(value))
    if kind == "int":
        return f"{int(value)}"
    if kind == "list":
        return "、".join(map(str, value))
    return str(value)


def jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


@dataclass
class Plan:
    """What reconcile proposes: suggestions in display order, and notes for the rep."""

    suggestions: list[dict[str, Any]] = field(default_factory=list)
    opportunity: Opportunity | None = None
    notes: list[str] = field(default_factory=list)

    def add(
        self,
        *,
        action: str,
        record_type: str,
        field_name: str,
        label: str,
        new: Any,
        fact: Fact | None = None,
        old: Any = None,
        record_id: int | None = None,
        evidence: str | None = None,
        confidence: float | None = None,
        origin: str | None = None,
        note: str | None = None,
    ) -> None:
        self.suggestions.append(
            dict(
                seq=len(self.suggestions) + 1,
                action=action,
                record_type=record_type,
                record_id=record_id,
                field=field_name,
                label=label,
                old_value=jsonable(old),
                new_value=jsonable(new),
                evidence=(evidence if evidence is not None else (fact.evidence if fact else ""))[:1000],
                confidence=round(confidence if confidence is not None else (fact.confidence if fact else 0.5), 2),
                origin=origin or (fact.origin if fact else "rule"),
                protected=field_name in PROTECTED,
                note=(note or (fact.note if fact else None) or None),
            )
        )


def _same(a: Any, b: Any, kind: str) -> bool:
    if a in (None, "", []) or b in (None, "", []):
        return a in (None, "", []) and b in (None, "", [])
    if kind == "money":
        return abs(float(a) - float(b)) < 0.5
    if kind == "date":
        return str(a)[:10] == str(b)[:10]
    if kind == "list":
        return set(b) <= set(a)
    return str(a).strip() == str(b).strip()


def _opportunity_values(ex: Extraction) -> dict[str, tuple[Any, Fact]]:
    values: dict[str, tuple[Any, Fact]] = {}
    for name in ("amount", "close_date", "budget", "seats", "timeline"):
        f = getattr(ex, name)
        if f is not None:
            values[name] = (f.value, f)
    if ex.stage is not None:
        values["stage"] = (ex.stage.value, ex.stage)
    if ex.competitors:
        values["competitors"] = ([c.value for c in ex.competitors], ex.competitors[-1])
    rep_steps = [s for s in ex.next_steps if s.owner == "rep"]
    if rep_steps:
        step = rep_steps[0]
        values["next_step"] = (step.action, Fact(step.action, step.evidence, step.pos, step.confidence, step.origin))
    for key, f in ex.qualification.items():
        if key in OPPORTUNITY_FIELDS and key not in values:
            values[key] = (f.value, f)
    if "identified_pain" not in values and ex.pain_points:
        values["identified_pain"] = (ex.pain_points[0].value, ex.pain_points[0])
    return values


def match_contact(fact: ContactFact, existing: list[Contact]) -> Contact | None:
    for c in existing:
        if c.name == fact.name:
            return c
    honorific = re.fullmatch(r"(.)(总|总监|经理|主任|老师|工|总工)", fact.name)
    if honorific:
        surname, title = honorific.groups()
        same = [c for c in existing if c.name.startswith(surname) and (title in (c.title or "") or title == "老师")]
        if len(same) == 1:
            return same[0]
    return None


async def open_opportunities(ctx: ToolContext, account_id: int) -> list[Opportunity]:
    async with ctx.db.session() as s:
        return list(
            (
                await s.execute(
                    select(Opportunity)
                    .where(
                        Opportunity.account_id == account_id, Opportunity.stage.notin_(["closed_won", "closed_lost"])
                    )
                    .order_by(Opportunity.updated_at.desc())
                )
            )
            .scalars()
            .all()
        )


async def plan_updates(
    ctx: ToolContext,
    ex: Extraction,
    account: Account | None,
    new_account_name: str | None,
    meeting: date,
    transcript: str,
) -> Plan:
    plan = Plan()
    values = _opportunity_values(ex)
    existing_contacts: list[Contact] = []
    if account is None:
        plan.add(
            action="create",
            record_type="account",
            field_name="*",
            label="新建客户",
            new={"name": new_account_name},
            fact=ex.account,
            note="CRM 里没有这家客户，接受后才会新建",
        )
    else:
        async with ctx.db.session() as s:
            existing_contacts = list(
                (await s.execute(select(Contact).where(Contact.account_id == account.id))).scalars().all()
            )
        opps = await open_opportunities(ctx, account.id)
        if len(opps) > 1:
            named = [
                o
                for o in opps
                if o.name and (o.name in transcript or o.name.replace(account.short_name or "", "") in transcript)
            ]
            plan.opportunity = named[0] if named else opps[0]
            if not named:
                plan.notes.append(
                    f"这家客户有 {len(opps)} 个进行中的商机，按最近更新的「{plan.opportunity.name}」来更新。"
                )
        elif opps:
            plan.opportunity = opps[0]

    opp = plan.opportunity
    if opp is None:
        # the new deal first; its values follow as field suggestions, each with its own sentence
        name_base = (account.short_name or account.name) if account else (new_account_name or "新客户")
        plan.add(
            action="create",
            record_type="opportunity",
            field_name="*",
            label="新建商机",
            new={"name": f"{name_base} 新商机", "stage": "qualification"},
            evidence=ex.account.evidence if ex.account else "",
            confidence=0.7,
            origin=ex.account.origin if ex.account else "rule",
            note="这家客户没有进行中的商机，下面几条会写到新商机上",
        )
    for name, (label, kind) in OPPORTUNITY_FIELDS.items():
        if name not in values:
            continue
        new, fact = values[name]
        old = getattr(opp, name) if opp is not None else None
        if name == "competitors":
            new = list(dict.fromkeys([*(old or []), *new]))
        if name == "stage":
            current = old or "qualification"
            if new == current or new not in STAGES:
                continue
            # a rule's stage guess only moves a deal forward; the model may also propose a step back
            if fact.origin == "rule" and list(STAGES).index(new) <= list(STAGES).index(current):
                continue
        if _same(old, new, kind):
            continue
        plan.add(
            action="update",
            record_type="opportunity",
            record_id=opp.id if opp else None,
            field_name=name,
            label=label,
            old=old if opp is not None else (None if name != "stage" else "qualification"),
            new=new,
            fact=fact,
        )

    # other products named as alternatives: one line each, for the rep to confirm or drop
    known_rivals = set(values.get("competitors", ([], None))[0]) | set(getattr(opp, "competitors", None) or [])
    for c in ex.possible_competitors:
        if c.value in known_rivals:
            continue
        old = (getattr(opp, "competitors", None) or []) if opp is not None else []
        plan.add(
            action="update",
            record_type="opportunity",
            record_id=opp.id if opp else None,
            field_name="competitors",
            label="可能的竞品（请确认）",
            old=old if opp is not None else None,
            new=list(dict.fromkeys([*old, c.value])),
            fact=c,
            note="不在竞品名单里的产品，确认是竞品再接受",
        )

    for c in ex.contacts:
        match = match_contact(c, existing_contacts)
        if match is None:
            plan.add(
                action="create",
                record_type="contact",
                field_name="*",
                label="新联系人",
                new={
                    "name": c.name,
                    "title": c.title,
                    "phone": c.phone,
                    "other_phones": other_phones(c),
                    "email": c.email,
                    "deal_role": c.deal_role,
                },
                evidence=c.evidence,
                confidence=c.confidence,
                origin=c.origin,
            )
            continue
        for name, (label, kind) in CONTACT_FIELDS.items():
            new = other_phones(c, known=match) if name == "other_phones" else getattr(c, name)
            old = getattr(match, name)
            if new in (None, "") or _same(old, new, kind):
                continue
            if name == "title" and old and new in old:
                continue  # "经理" adds nothing to "采购经理"
            plan.add(
                action="update",
                record_type="contact",
                record_id=match.id,
                field_name=name,
                label=f"{match.name}·{label}",
                old=old,
                new=new,
                evidence=c.evidence,
                confidence=c.confidence,
                origin=c.origin,
            )

    await _plan_visit(ctx, plan, ex, account, meeting)
    for step in ex.next_steps:
        title = step.action if step.owner == "rep" else f"跟进客户：{step.action}"
        plan.add(
            action="create",
            record_type="task",
            field_name="*",
            label="待办",
            new={"title": title[:256], "due_date": step.due, "owner": step.owner},
            evidence=step.evidence,
            confidence=step.confidence,
            origin=step.origin,
        )
    return plan


def visit_summary(ex: Extraction) -> str:
    if ex.summary is not None and ex.summary.value:
        return ex.summary.value
    bits = []
    if ex.budget:
        bits.append(f"预算 {money_label(ex.budget.value)}")
    if ex.amount:
        bits.append(f"报价/总价 {money_label(ex.amount.value)}")
    if ex.seats:
        bits.append(f"{ex.seats.value} 个账号")
    if ex.close_date:
        bits.append(f"计划 {show(ex.close_date.value, 'date')} 前定")
    if ex.competitors:
        bits.append("竞品：" + "、".join(c.value for c in ex.competitors))
    if ex.pain_points:
        bits.append("痛点：" + ex.pain_points[0].value[:40])
    return "；".join(bits) or "会议记录导入"


async def _plan_visit(ctx: ToolContext, plan: Plan, ex: Extraction, account: Account | None, meeting: date) -> None:
    if account is not None:
        async with ctx.db.session() as s:
            same_day = (
                (await s.execute(select(Visit).where(Visit.account_id == account.id, Visit.visit_date == meeting)))
                .scalars()
                .first()
            )
        if same_day is not None:
            plan.notes.append(f"{meeting.month}月{meeting.day}日已经有一条拜访记录，不重复建。")
            return
    channel = ex.channel.value if ex.channel else "onsite"
    attendees = [c.name for c in ex.contacts][:20]
    evidence = ex.meeting_date.evidence if ex.meeting_date else ""
    plan.add(
        action="create",
        record_type="visit",
        field_name="*",
        label="拜访记录",
        new={"visit_date": meeting, "channel": channel, "attendees": attendees, "summary": visit_summary(ex)[:2000]},
        evidence=evidence,
        confidence=0.8,
        origin=ex.summary.origin if ex.summary else "rule",
    )


def describe(s: dict[str, Any] | Any) -> str:
    """One suggestion as one line: "商机金额：80 万 → 96 万"."""
    get = s.get if isinstance(s, dict) else (lambda k: getattr(s, k))
    action, record_type, new = get("action"), get("record_type"), get("new_value")
    if action == "create":
        if record_type == "account":
            return f"新建客户：{new['name']}"
        if record_type == "opportunity":
            parts = [new.get("name", "")]
            for key in ("amount", "budget", "stage", "close_date", "seats"):
                if new.get(key) not in (None, ""):
                    parts.append(f"{OPPORTUNITY_FIELDS[key][0]} {show(new[key], OPPORTUNITY_FIELDS[key][1])}")
            return "新建商机：" + "，".join(p for p in parts if p)
        if record_type == "contact":
            extra = [
                x
                for x in (
                    new.get("title"),
                    new.get("phone"),
                    new.get("other_phones"),
                    new.get("email"),
                    ROLE_LABELS.get(new.get("deal_role") or ""),
                )
                if x
            ]
            return f"新联系人：{new['name']}" + (f"（{' · '.join(extra)}）" if extra else "")
        if record_type == "visit":
            who = f"，{'、'.join(new['attendees'])}" if new.get("attendees") else ""
            return f"拜访记录：{show(new['visit_date'], 'date')} {CHANNEL_LABELS.get(new.get('channel'), '')}{who}"
        if record_type == "task":
            due = f"（{show(new['due_date'], 'date')}前）" if new.get("due_date") else ""
            return f"待办：{new['title']}{due}"
    kind = KIND_OF.get(get("field"), "text")
    return f"{get('label')}：{show(get('old_value'), kind)} → {show(new, kind)}"
