"""Leads from the customer-facing bot: capture (asked for naturally by the agent), scoring, routing, hand-off.

At the hand-off the lead is scored (tools/leads/scoring.py: fit and behaviour, with reasons), then routed,
first match wins:
  1. an existing customer (the contact we know, the phone of a CRM contact, or the company name) → its owner;
  2. the lead rules' routing rules (region, industry, source, score, size → a rep or a team), then the older
     /线索规则 table (region and/or industry), most specific first;
  3. reps of the customer's sales region (from the org);
  4. everyone who takes leads.
Within a group the pick is the fewest open leads per unit of capacity, then least recently assigned
(tools/leads/routing.py), so it survives restarts and needs no counter. A rep who is away turns leads off with
`/接单 关`. The rep gets a card with the score and reasons and a first follow-up task due within the band's
SLA (tools/leads/sla.py); the customer is told when they will be contacted (within
SALESBOT_LEAD_RESPONSE_MINUTES inside business hours, else the next working morning).
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from pydantic import BaseModel, Field
from sqlmodel import select

from bot.capabilities import STAFF, Capabilities, Router, ToolContext, ToolError, ToolOutput
from bot.locks import SlidingWindowLimiter
from bot.messages import Reply, Role
from bot.models import Account, Contact, ConversationMessage, StaffUser, utcnow
from bot.schedule_config import config_for
from bot.zh_parse import find_phones, is_workday, next_workday
from bot.zh_parse.dates import day_label
from tools.customers import CLEAR_MATCH, name_score, team_member_ids
from tools.leads.capture import capture, frustrated, wants_human
from tools.leads.lead_rules import LeadFacts, LeadRules, lead_rules
from tools.leads.models import Lead, LeadAvailability, LeadRoutingRule, LeadScore
from tools.leads.routing import available_reps, route
from tools.leads.scoring import Scored, score
from tools.leads.sla import (
    lead_card,
    learned_weights,
    mark,
    open_assignment,
    parse_mark,
    save_score,
    signals_for,
    source_of,
)
from tools.leads.sla import router as sla_router

router = Router("leads")

log = logging.getLogger(__name__)

CUSTOMER = frozenset({Role.CUSTOMER})

# where a customer says they are → our sales region (demo org: 华东 / 华南; unknown places stay as said)
SALES_REGIONS: dict[str, tuple[str, ...]] = {
    "华东": (
        "上海",
        "江苏",
        "浙江",
        "安徽",
        "山东",
        "江西",
        "南京",
        "苏州",
        "无锡",
        "常州",
        "杭州",
        "宁波",
        "合肥",
        "济南",
        "青岛",
        "南昌",
        "温州",
        "绍兴",
    ),
    "华南": (
        "广东",
        "广西",
        "海南",
        "福建",
        "广州",
        "深圳",
        "东莞",
        "佛山",
        "珠海",
        "汕头",
        "厦门",
        "福州",
        "南宁",
        "海口",
        "三亚",
    ),
    "华北": ("北京", "天津", "河北", "山西", "内蒙古", "石家庄", "太原"),
    "华中": ("湖北", "湖南", "河南", "武汉", "长沙", "郑州"),
    "西南": ("四川", "重庆", "云南", "贵州", "西藏", "成都", "昆明", "贵阳"),
    "西北": ("陕西", "甘肃", "宁夏", "青海", "新疆", "西安", "兰州"),
    "东北": ("辽宁", "吉林", "黑龙江", "沈阳", "大连", "长春", "哈尔滨"),
}
_FIELD_LIMITS = {"name": 32, "company": 64, "need": 500, "region": 16, "industry": 32}
_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>\[\]`|*#\\]")  # no markup or control characters in what reps read
FIELD_LABELS = {"name": "称呼", "company": "公司", "phone": "联系电话", "need": "需求", "region": "所在地区"}
REQUIRED_FOR_HANDOFF = ("name", "phone")
_assign_lock = asyncio.Lock()  # one assignment at a time per process, so round-robin does not double up


def sales_region(place: str | None) -> str | None:
    place = (place or "").strip()
    if not place:
        return None
    for region, places in SALES_REGIONS.items():
        if place.startswith(region) or any(p in place for p in places):
            return region
    return place


def clean_field(value: str | None, limit: int) -> str | None:
    value = _UNSAFE.sub(" ", value or "")
    value = re.sub(r"\s+", " ", value).strip()
    return value[:limit] or None


_SCHEME = re.compile(r"\b(h)(tt)(ps?)(?=://|\b)", re.I)
_DOMAIN = re.compile(r"\b((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})\b")


def defang(text: str) -> str:
    """A customer's text as a rep may read it: no clickable links (http → hxxp, example[.]com)."""
    text = _SCHEME.sub(lambda m: m.group(1) + "xx" + m.group(3), text)
    return _DOMAIN.sub(lambda m: m.group(1).replace(".", "[.]"), text)


def customer_words(value: str | None, limit: int) -> str:
    """What the customer wrote, cleaned and defanged, for a rep's message."""
    return defang(clean_field(value, limit) or "-")


# --- business hours ------------------------------------------------------------------------------


def business_hours(settings) -> tuple[time, time]:
    try:
        start, end = (datetime.strptime(x.strip(), "%H:%M").time() for x in settings.business_hours.split("-"))
    except ValueError:
        raise ToolError(f"SALESBOT_BUSINESS_HOURS 格式应为 09:00-18:00，现在是 {settings.business_hours!r}") from None
    return start, end


def in_business_hours(now: datetime, settings) -> bool:
    start, end = business_hours(settings)
    return is_workday(now.date()) and start <= now.time() < end


def contact_promise(now: datetime, settings) -> tuple[str, datetime]:
    """What we tell the customer about when the rep will contact them, and that moment (local time)."""
    start, end = business_hours(settings)
    minutes = max(10, int(settings.lead_response_minutes))
    if in_business_hours(now, settings):
        deadline = now + timedelta(minutes=minutes)
        if deadline.time() <= end and deadline.date() == now.date():
            return f"今天 {deadline:%H:%M} 前（{_span(minutes)}内）", deadline
        return f"今天下班前（{end:%H:%M} 前）", now.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    day = (
        now.date() if (is_workday(now.date()) and now.time() < start) else next_workday(now.date() + timedelta(days=1))
    )
    at = datetime.combine(day, start, now.tzinfo) + timedelta(minutes=minutes)
    label = "今天" if day == now.date() else ("明天" if day == now.date() + timedelta(days=1) else day_label(day))
    return f"{label}上午 {at:%H:%M} 前", at


def _span(minutes: int) -> str:
    if minutes % 60 == 0:
        return f"{minutes // 60} 小时"
    return f"{minutes} 分钟"


def out_of_hours_note(now: datetime, settings) -> str:
    start, end = business_hours(settings)
    return f"现在是非工作时间（我们的工作时间是工作日 {start:%H:%M}-{end:%H:%M}），我先帮您登记，顾问上班后第一时间联系您。"


# --- the lead of a conversation -------------------------------------------------------------------


def _chat_key(ctx: ToolContext) -> str:
    """Where the customer talks (a customer group, not the member's session): the rep who takes the lead goes
    there. `ctx.conversation_key` is the session, (group, member) in a group."""
    return ctx.inbound.conversation_key if ctx.inbound is not None else ctx.conversation_key


def _customer_id(ctx: ToolContext) -> tuple[str, str]:
    inbound = ctx.inbound
    if inbound is None:
        return "console", ctx.conversation_key
    return inbound.platform, inbound.sender_id


def _address_limiters(ctx: ToolContext) -> tuple[SlidingWindowLimiter, SlidingWindowLimiter]:
    """Shared through Redis when configured (so the budget holds across replicas), and a local fallback."""
    settings = ctx.app.settings
    return ctx.capabilities.state(
        "leads.per_address",
        lambda: (
            SlidingWindowLimiter(
                settings.leads_per_address,
                redis=ctx.app.redis,
                prefix=settings.redis_prefix,
                name="leads-per-address",
            ),
            SlidingWindowLimiter(settings.leads_per_address),
        ),
    )


async def _may_open_lead(ctx: ToolContext) -> bool:
    """A new lead from a network address within its budget: a visitor without a cookie is a new conversation
    on every post, so only the address ties a flood of invented phone numbers together."""
    address = (ctx.inbound.raw or {}).get("address") if ctx.inbound is not None else None
    if not address:
        return True
    shared, local = _address_limiters(ctx)
    key = f"{ctx.inbound.platform}:{address}"
    try:
        return await shared.allow(key)
    except Exception as exc:  # Redis is away: count in this process rather than stop counting
        log.warning("lead address limit: Redis unavailable (%s), counting locally", exc)
        return await local.allow(key)


async def current_lead(ctx: ToolContext) -> Lead | None:
    async with ctx.db.session() as s:
        return (
            (
                await s.execute(
                    select(Lead).where(Lead.conversation_key == _chat_key(ctx)).order_by(Lead.id.desc()).limit(1)
                )
            )
            .scalars()
            .first()
        )


def missing_fields(lead: Lead | None) -> list[str]:
    return [f for f in ("name", "company", "phone", "need", "region") if not getattr(lead, f, None)]


def normalize_phone(raw: str) -> str:
    found = find_phones(raw or "")
    if len(found) != 1 or found[0].kind not in ("mobile", "landline"):
        raise ToolError("这个电话号码好像不太对，麻烦您再核对一下？手机号是 11 位数字。")
    return found[0].value


class SaveContactArgs(BaseModel):
    name: str | None = Field(None, description="客户的称呼，如「王先生」「李总」「张敏」")
    company: str | None = Field(None, description="客户的公司名称")
    phone: str | None = Field(None, description="客户的手机号或座机，原样填写")
    need: str | None = Field(None, description="客户的需求，用客户的原话概括，如「30 人销售团队想管拜访和报价」")
    region: str | None = Field(None, description="客户所在城市或省份，如「苏州」")
    industry: str | None = Field(None, description="客户所在行业，如「制造业」")


@router.tool(
    "save_contact_info",
    "记下客户主动告诉你的信息（称呼、公司、电话、需求、地区、行业），只填客户说过的，没说的不要填。"
    "返回还缺哪些信息；缺的信息在聊天中自然地顺带问一句，不要像填表一样连续追问。",
    SaveContactArgs,
    roles=CUSTOMER,
    writes=True,
)
async def save_contact_info(ctx: ToolContext, args: SaveContactArgs) -> ToolOutput:
    values = {name: clean_field(getattr(args, name), limit) for name, limit in _FIELD_LIMITS.items()}
    if args.phone and args.phone.strip():
        values["phone"] = normalize_phone(args.phone)
    values = {k: v for k, v in values.items() if v}
    if not values:
        raise ToolError("没有要记录的信息。")
    platform, external_id = _customer_id(ctx)
    limited = False
    async with ctx.db.write() as s:
        # one conversation is one lead, handed off or not: details given after a hand-off update it
        lead = (
            (
                await s.execute(
                    select(Lead).where(Lead.conversation_key == _chat_key(ctx)).order_by(Lead.id.desc()).limit(1)
                )
            )
            .scalars()
            .first()
        )
        # one phone number is one lead: the same person from another chat (or a new cookie) continues it
        same_phone = None
        if values.get("phone") and (lead is None or lead.phone != values["phone"]):
            same_phone = (
                (await s.execute(select(Lead).where(Lead.phone == values["phone"]).order_by(Lead.id.desc()).limit(1)))
                .scalars()
                .first()
            )
        if same_phone is not None and (lead is None or lead.status == "collecting"):
            if lead is not None:  # fold what this chat collected into the number's lead
                for name in _FIELD_LIMITS:
                    if getattr(lead, name) and not getattr(same_phone, name):
                        setattr(same_phone, name, getattr(lead, name))
                await s.delete(lead)
            lead = same_phone
            lead.conversation_key, lead.platform, lead.external_id = ctx.conversation_key, platform, external_id
        if lead is None and not await _may_open_lead(ctx):
            limited = True
            s.add(ctx.audit("lead.address_limited", platform=platform))
        elif lead is None:
            lead = Lead(
                conversation_key=_chat_key(ctx),
                platform=platform,
                external_id=external_id,
                source_message_id=ctx.message_row_id,
            )
        if lead is not None:
            for name, value in values.items():
                setattr(lead, name, value)
            lead.updated_at = utcnow()
            s.add(lead)
            await s.flush()
            s.add(ctx.audit("lead.update", "lead", lead.id, fields=sorted(values)))
    if limited:
        raise ToolError("您这边刚刚已经留过联系方式了，销售顾问会尽快联系，请稍候～")
    missing = missing_fields(lead)
    got = "、".join(FIELD_LABELS.get(k, k) for k in values if k in FIELD_LABELS) or "信息"
    text = f"已记下{got}。"
    if missing:
        text += "还不知道：" + "、".join(FIELD_LABELS[m] for m in missing) + "（合适时自然地问一句，不必一次问完）。"
    return ToolOutput(text, data={"lead_id": lead.id, "missing": missing})


# --- routing ----------------------------------------------------------------------------------------


@dataclass
class Assignment:
    staff: StaffUser
    reason: str  # account_owner | rule | region | round_robin
    account: Account | None = None
    rule: str | None = None  # the routing rule's name
    team: str | None = None


async def find_existing_account(s, ctx: ToolContext, lead: Lead) -> Account | None:
    """The customer is already ours: a known contact, a CRM contact's phone, or a clearly matching company name."""
    contact = None
    if ctx.actor.contact_id:
        contact = await s.get(Contact, ctx.actor.contact_id)
    if contact is None and lead.phone:
        contact = (await s.execute(select(Contact).where(Contact.phone == lead.phone).limit(1))).scalars().first()
    if contact is not None and contact.account_id:
        return await s.get(Account, contact.account_id)
    if lead.company:
        accounts = (await s.execute(select(Account))).scalars().all()
        scored = sorted(((name_score(lead.company, a), a) for a in accounts), key=lambda x: -x[0])
        if scored and scored[0][0] >= CLEAR_MATCH and (len(scored) == 1 or scored[1][0] < CLEAR_MATCH):
            return scored[0][1]
    return None


def lead_region(lead: Lead, account: Account | None = None) -> str | None:
    """The sales region: where the customer said they are, else a place in their company's name
    (「苏州恒远机械」), else the CRM account's region."""
    if lead.region:
        return sales_region(lead.region)
    company = lead.company or ""
    place = next((p for p in PLACES if p in company), None)
    if place is not None:
        return sales_region(place)
    return account.region if account is not None and account.region else None


async def score_for(ctx: ToolContext, lead: Lead, rules: LeadRules) -> tuple[Scored, Account | None]:
    """The lead's score (fit and behaviour, from the conversation and the CRM) and its existing account."""
    learned = await learned_weights(ctx.db, rules) if rules.scoring.mode != "default" else None
    async with ctx.db.session() as s:
        account = await find_existing_account(s, ctx, lead)
        signals = await signals_for(s, lead, account, lead_region(lead, account) in SALES_REGIONS)
    return score(signals, rules, ctx.app.clock.now(timezone.utc), learned), account


async def assign(
    ctx: ToolContext,
    lead: Lead,
    scored: Scored | None = None,
    rules: LeadRules | None = None,
    account: Account | None = None,
    *,
    looked_up: bool = False,
) -> Assignment:
    """An existing customer's owner first; then the routing rules and fallbacks (tools/leads/routing.py).
    `looked_up`: the caller already searched the CRM for the lead's account (`account`, None if not found)."""
    rules = rules or lead_rules(ctx.app.settings)
    async with ctx.db.session() as s:
        if not looked_up:
            account = await find_existing_account(s, ctx, lead)
        if account is not None and account.owner_id:
            owner = await s.get(StaffUser, account.owner_id)
            if owner is not None and owner.active:
                return Assignment(owner, "account_owner", account, team=owner.team)
        facts = LeadFacts(
            region=lead_region(lead, account),
            industry=(scored.industry if scored else None) or lead.industry,
            source=source_of(lead),
            score=scored.score if scored else 0,
            size=scored.size if scored else None,
        )
        found = await route(
            s,
            lead,
            facts,
            rules,
            config_for(ctx.app),
            ctx.app.clock.now(timezone.utc),
            await available_reps(s),
            region_of=sales_region,
        )
    if found is not None:
        return Assignment(found.staff, found.reason, account, found.rule, found.team)
    raise ToolError("现在没有可以接待的销售顾问。")


REASON_LABELS = {
    "own": "销售自录",
    "reassigned": "超时改派",
    "account_owner": "老客户，归属负责人",
    "rule": "分配规则",
    "region": "按地区",
    "round_robin": "轮流分配",
}


async def conversation_excerpt(ctx: ToolContext, limit: int = 6) -> list[str]:
    async with ctx.db.session() as s:
        rows = (
            (
                await s.execute(
                    select(ConversationMessage)
                    .where(
                        ConversationMessage.conversation_key == ctx.conversation_key, ConversationMessage.role == "user"
                    )
                    .order_by(ConversationMessage.id.desc())
                    .limit(limit)
                )
            )
            .scalars()
            .all()
        )
    lines = [clean_field(r.content, 80) for r in reversed(rows)]
    if ctx.inbound is not None and ctx.inbound.text:
        lines.append(clean_field(ctx.inbound.text, 80))
    return [x for x in lines if x]


CHANNEL_LABELS = {
    "wecom_kf": "微信客服",
    "web": "官网在线咨询",
    "dingtalk": "钉钉客户群",
    "console": "控制台",
    "import": "导入",
    "rep": "销售自录",
}


def rep_summary(lead: Lead, assignment: Assignment, excerpt: list[str], promise: str, reason: str = "") -> str:
    """The rep's message. Everything but the phone and the routing was typed by an anonymous visitor: it is
    labelled as their words and its links defanged, so a visitor cannot write the rep a convincing notice
    or a link to click."""
    lines = [
        "【新客户线索】请及时联系（以下客户信息均为客户自述，未经核实）",
        f"客户：{customer_words(lead.name, 32)}　公司：{customer_words(lead.company, 64)}",
        f"电话：{lead.phone or '-'}　地区：{customer_words(lead.region, 16)}　行业：{customer_words(lead.industry, 32)}",
        f"需求（客户原话）：「{customer_words(lead.need, 300)}」",
        f"来源：{CHANNEL_LABELS.get(lead.platform, lead.platform)}　分配：{REASON_LABELS[assignment.reason]}",
    ]
    if assignment.account is not None:
        lines.append(f"已有客户：{assignment.account.name}（按客户自报的公司或电话匹配，请先核实身份）")
    if excerpt:
        lines.append("客户原话：" + " / ".join(f"「{defang(x)}」" for x in excerpt[-4:]))
    if reason:
        lines.append(f"转人工原因：{customer_words(reason, 60)}")
    lines.append(f"已告诉客户：{promise}联系。")
    return "\n".join(lines)


class HandoffArgs(BaseModel):
    reason: str | None = Field(None, description="为什么转人工，如「想要报价」「要求人工」，一句话")


def published_contact(rep: StaffUser, reason: str, settings) -> str:
    """What the customer may be given to reach us: the rep's published contact, else the company's; never a
    rep's own phone. A lead routed to an existing account's owner gets only the company's, so claiming a
    company's name does not reveal who looks after it."""
    own = (rep.public_contact or "").strip() if reason != "account_owner" else ""
    return own or (getattr(settings, "public_contact", "") or "").strip()


def announcement(promise: str, contact: str) -> str:
    text = f"已为您安排销售顾问，会在{promise}联系您。"
    if contact:
        text += f"着急的话也可以直接联系：{contact}"
    return text


@router.tool(
    "handoff_to_sales",
    "把客户转给人工销售顾问：客户要报价、折扣、合同、演示、试用开通，或者明确要找人时调用。"
    "需要先知道客户的称呼和电话（用 save_contact_info 记下）；回复客户时说清什么时候联系，不提销售的姓名和电话。",
    HandoffArgs,
    roles=CUSTOMER,
    writes=True,
)
async def handoff_to_sales(ctx: ToolContext, args: HandoffArgs) -> ToolOutput:
    lead = await current_lead(ctx)
    if lead is not None and lead.status == "handed_off" and lead.assigned_staff_id:
        return ToolOutput(
            "已经安排销售顾问跟进了，请稍等，会尽快联系您。",
            data={"lead_id": lead.id, "staff_id": lead.assigned_staff_id, "duplicate": True},
        )
    missing = [f for f in REQUIRED_FOR_HANDOFF if not getattr(lead, f, None)]
    if missing:
        return ToolOutput(
            "还不能转人工：需要先知道客户的"
            + "、".join(FIELD_LABELS[m] for m in missing)
            + "。请礼貌地问一下，拿到后用 save_contact_info 记下再转。",
            data={"missing": missing},
        )
    now = ctx.now()
    promise, deadline = contact_promise(now, ctx.app.settings)
    rules = lead_rules(ctx.app.settings)
    # scoring reads only this lead's own conversation and the CRM: outside the lock, so a burst of leads
    # waits in line only for the pick and the write (the open-lead loads must not change under a pick)
    scored, account = await score_for(ctx, lead, rules)
    excerpt = await conversation_excerpt(ctx)
    async with _assign_lock:
        assignment = await assign(ctx, lead, scored, rules, account, looked_up=True)
        summary = rep_summary(lead, assignment, excerpt, promise, args.reason or "")
        async with ctx.db.write() as s:
            row = await s.get(Lead, lead.id)
            if row.status == "handed_off":  # a concurrent turn got here first
                return ToolOutput("已经安排销售顾问跟进了，请稍等。", data={"lead_id": row.id, "duplicate": True})
            row.status = "handed_off"
            row.assigned_staff_id = assignment.staff.id
            row.assignment_reason = assignment.reason
            row.account_id = assignment.account.id if assignment.account else None
            row.industry = row.industry or scored.industry
            row.summary = summary
            row.handed_off_at = utcnow()
            row.updated_at = row.handed_off_at
            s.add(row)
            score_row = await save_score(s, row, scored, source_of(row))
            held = await open_assignment(
                s,
                row,
                assignment.staff,
                reason=assignment.reason,
                rule=assignment.rule,
                team=assignment.team,
                band=rules.band_named(scored.band),
                reasons=scored.reasons_text(),
                settings=ctx.app.settings,
                tz=ctx.tz,
                now=ctx.app.clock.now(timezone.utc),
            )
            s.add(
                ctx.audit(
                    "lead.handoff",
                    "lead",
                    row.id,
                    staff_id=assignment.staff.id,
                    reason=assignment.reason,
                    rule=assignment.rule,
                    score=scored.score,
                    band=scored.band,
                )
            )
        card = lead_card(row, score_row, rules, summary, held.due_at, ctx.tz)
    await ctx.app.notify_staff(assignment.staff.id, Reply(card=card), key=f"lead:{lead.id}:handoff")
    rep = assignment.staff
    contact = published_contact(rep, assignment.reason, ctx.app.settings)
    # who the rep is stays with us: an anonymous visitor gets a time and what an admin chose to publish
    text = announcement(promise, contact)
    if not in_business_hours(now, ctx.app.settings):
        text = out_of_hours_note(now, ctx.app.settings) + text
    return ToolOutput(
        text,
        data={
            "lead_id": lead.id,
            "staff_id": rep.id,
            "reason": assignment.reason,
            "deadline": f"{deadline:%H:%M}",
            "announce": text,
            "public_contact": contact,
            "score": scored.score,
            "band": scored.band,
            "reasons": scored.reasons_text(),
            "rule": assignment.rule,
            "due_at": held.due_at.isoformat(),
        },
    )


# --- without a model: details in any order, a wish for a person, frustration ---------------------------

ASK_CONTACT = "好的，这就帮您转人工。麻烦留下您的称呼和电话（比如「王先生 13812345678」），销售顾问会尽快联系您。"
PLACES = tuple(p for places in SALES_REGIONS.values() for p in places)


async def earlier_messages(ctx: ToolContext, limit: int = 4) -> list[str]:
    """The customer's previous messages in this conversation, oldest first."""
    async with ctx.db.session() as s:
        rows = (
            (
                await s.execute(
                    select(ConversationMessage.content)
                    .where(
                        ConversationMessage.conversation_key == ctx.conversation_key, ConversationMessage.role == "user"
                    )
                    .order_by(ConversationMessage.id.desc())
                    .limit(limit)
                )
            )
            .scalars()
            .all()
        )
    return list(reversed(rows))


async def asks_for_a_person(ctx: ToolContext, text: str) -> bool:
    """「转人工」「我要找销售」, or frustration: 「你们到底有没有人」, the same question three times."""
    return wants_human(text) or frustrated(text, await earlier_messages(ctx))


async def hand_off_now(ctx: ToolContext, reason: str) -> str:
    """Hands the conversation's lead to a rep with what was captured; asks for a phone when there is none."""
    lead = await current_lead(ctx)
    if lead is None or not lead.phone:
        return ASK_CONTACT
    if not lead.name:  # a phone is enough to call back; the rep asks the name
        await save_contact_info(ctx, SaveContactArgs(name=ctx.actor.name or "客户"))
    return (await handoff_to_sales(ctx, HandoffArgs(reason=reason))).text


async def offline_customer_answer(ctx: ToolContext, text: str) -> str | None:
    """A customer's message without a model: details are captured (in any order, over several messages), a
    phone number or a wish for a person hands the lead off; None when there is nothing of the sort."""
    found = capture(text, PLACES)
    values = found.fields()
    person = await asks_for_a_person(ctx, text)
    try:
        # a question alone opens no lead; with a name, company or phone its words are the need
        if found.phone or found.name or found.company:
            await save_contact_info(ctx, SaveContactArgs(**values))
        if found.phone or person:
            return await hand_off_now(ctx, "客户要求人工" if person else "客户留了电话")
    except ToolError as exc:
        return str(exc)
    if found.name or found.company:
        return "好的，记下了。再留个电话，销售顾问就能联系您。"
    return None


def leave_contact_hint() -> str:
    return "想让销售顾问联系您的话，留下您的称呼和电话就行，比如「王先生 13812345678」。"


# --- staff side: my leads, availability, routing rules ------------------------------------------------


async def rep_entry(ctx: ToolContext, text: str) -> ToolOutput:
    """A lead a rep found themselves: scored like any other, kept by that rep, with a task due within its SLA."""
    found = capture(text, PLACES)
    if not (found.phone and (found.name or found.company)):
        raise ToolError("录线索至少要有称呼或公司，和电话，例如：/线索 新 王总 13912345678 苏州恒远机械 想要报价")
    phone = normalize_phone(found.phone)
    rules = lead_rules(ctx.app.settings)
    now = ctx.app.clock.now(timezone.utc)
    async with ctx.db.session() as s:
        rep = await s.get(StaffUser, ctx.actor.staff_id)
        if (await s.execute(select(Lead.id).where(Lead.phone == phone))).first() is not None:
            raise ToolError(f"电话 {phone} 已经有线索了，发 /线索 看看。")
    lead = Lead(
        conversation_key=f"rep:{rep.id}:{phone}",
        platform="rep",
        external_id=f"rep-entry:{phone}",
        name=clean_field(found.name, 32),
        company=clean_field(found.company, 64),
        phone=phone,
        need=clean_field(found.need, 500),
        region=clean_field(found.region, 16),
        source_message_id=ctx.message_row_id,
    )
    scored, account = await score_for(ctx, lead, rules)
    async with ctx.db.write() as s:
        lead.status, lead.assigned_staff_id, lead.assignment_reason = "handed_off", rep.id, "own"
        lead.account_id = account.id if account else None
        lead.industry = scored.industry
        lead.handed_off_at = utcnow()
        s.add(lead)
        await s.flush()
        await save_score(s, lead, scored, "rep")
        held = await open_assignment(
            s,
            lead,
            rep,
            reason="own",
            rule=None,
            team=rep.team,
            band=rules.band_named(scored.band),
            reasons=scored.reasons_text(),
            settings=ctx.app.settings,
            tz=ctx.tz,
            now=now,
        )
        s.add(ctx.audit("lead.create", "lead", lead.id, score=scored.score, band=scored.band))
    due = held.due_at.astimezone(ctx.tz)
    return ToolOutput(
        f"已录线索 #{lead.id}：{lead.name or '-'}（{lead.company or '-'}）{scored.score} 分。"
        f"评分理由：{scored.reasons_text()}。已建待办，请在 {due:%m-%d %H:%M} 前联系。",
        data={"lead_id": lead.id, "score": scored.score, "band": scored.band},
    )


@router.command(
    "线索",
    "/线索 [接|联系了|成交|无效 编号]",
    "看分给我（经理：团队）的客户线索；接单、记联系、记成交或无效",
    roles=STAFF,
)
async def leads_command(ctx: ToolContext, arg: str) -> ToolOutput:
    if (arg or "").strip():
        words = arg.strip().split(maxsplit=1)
        if words[0] in ("新", "录入", "新建"):
            return await rep_entry(ctx, words[1] if len(words) > 1 else "")
        marked = parse_mark(arg)
        if marked is None:
            raise ToolError(
                "用法：/线索 看列表；/线索 新 王总 13912345678 苏州恒远机械 想要报价；"
                "/线索 接 12、/线索 联系了 12、/线索 成交 12、/线索 无效 12"
            )
        what, lead_id = marked
        return ToolOutput(await mark(ctx, lead_id, what), data={"lead_id": lead_id, "marked": what})
    if ctx.actor.role is Role.ADMIN:
        scope = Lead.assigned_staff_id.is_not(None)
    elif ctx.actor.role is Role.MANAGER:
        scope = Lead.assigned_staff_id.in_(await team_member_ids(ctx, ctx.actor))
    else:
        scope = Lead.assigned_staff_id == ctx.actor.staff_id
    async with ctx.db.session() as s:
        rows = (
            await s.execute(
                select(Lead, StaffUser.name, LeadScore.score)
                .join(StaffUser, StaffUser.id == Lead.assigned_staff_id)
                .join(LeadScore, LeadScore.lead_id == Lead.id, isouter=True)
                .where(scope)
                .order_by(Lead.handed_off_at.desc())
                .limit(10)
            )
        ).all()
    if not rows:
        return ToolOutput("暂时没有分给你的客户线索。")
    lines = ["最近的客户线索："]
    for lead, rep_name, points in rows:
        when = lead.handed_off_at.astimezone(ctx.tz) if lead.handed_off_at else None
        scored = f" {points} 分" if points is not None else ""
        lines.append(
            f"· #{lead.id}{scored} {lead.name or '-'}（{lead.company or '-'}）{lead.phone or ''} "
            f"{when:%m-%d %H:%M} → {rep_name}"
            if when
            else f"· #{lead.id}{scored} {lead.name or '-'} → {rep_name}"
        )
    return ToolOutput("\n".join(lines), data={"lead_ids": [row[0].id for row in rows]})


@router.command("接单", "/接单 开|关", "开关新客户线索的分配（休假时关掉）", roles=STAFF)
async def availability_command(ctx: ToolContext, arg: str) -> ToolOutput:
    arg = (arg or "").strip()
    if arg not in ("开", "关", "on", "off"):
        raise ToolError("用法：/接单 开 或 /接单 关")
    accepting = arg in ("开", "on")
    async with ctx.db.write() as s:
        row = await s.get(LeadAvailability, ctx.actor.staff_id)
        row = row or LeadAvailability(staff_id=ctx.actor.staff_id)
        row.accepting, row.updated_at = accepting, utcnow()
        s.add(row)
        s.add(ctx.audit("lead.availability", "staff_user", ctx.actor.staff_id, accepting=accepting))
    return ToolOutput("好的，新线索会继续分给你。" if accepting else "好的，暂停给你分配新线索，回来后发「/接单 开」。")


@router.command(
    "线索规则", "/线索规则 [地区] [行业] 负责人用户名或团队 | 删 编号", "管理员：线索分配规则", roles={Role.ADMIN}
)
async def rules_command(ctx: ToolContext, arg: str) -> ToolOutput:
    parts = (arg or "").split()
    if not parts:
        async with ctx.db.session() as s:
            rules = (
                (
                    await s.execute(
                        select(LeadRoutingRule)
                        .where(LeadRoutingRule.active.is_(True))
                        .order_by(LeadRoutingRule.priority, LeadRoutingRule.id)
                    )
                )
                .scalars()
                .all()
            )
            names = {u.id: u.name for u in (await s.execute(select(StaffUser))).scalars().all()}
        if not rules:
            return ToolOutput(
                "还没有分配规则：老客户给负责人，其余按地区、再轮流分配。\n用法：/线索规则 华东 制造业 zhangwei"
            )
        return ToolOutput(
            "\n".join(
                f"#{r.id} {r.region or '任意地区'} · {r.industry or '任意行业'} → {names.get(r.staff_id) or r.team}"
                for r in rules
            )
        )
    if parts[0] in ("删", "删除") and len(parts) == 2 and parts[1].lstrip("#").isdigit():
        async with ctx.db.write() as s:
            rule = await s.get(LeadRoutingRule, int(parts[1].lstrip("#")))
            if rule is None or not rule.active:
                raise ToolError(f"没有规则 #{parts[1]}。")
            rule.active = False
            s.add(rule)
            s.add(ctx.audit("lead.rule.delete", "lead_routing_rule", rule.id))
        return ToolOutput(f"已删除规则 #{rule.id}。")
    *conditions, who = parts
    if not conditions or len(conditions) > 2:
        raise ToolError("用法：/线索规则 华东 制造业 zhangwei（地区、行业至少写一个）")
    region = next((c for c in conditions if sales_region(c) in SALES_REGIONS), None)
    industry = next((c for c in conditions if c != region), None)
    async with ctx.db.session() as s:
        user = (await s.execute(select(StaffUser).where(StaffUser.username == who))).scalars().first()
        team_exists = user is None and (await s.execute(select(StaffUser.id).where(StaffUser.team == who))).first()
    if user is None and not team_exists:
        raise ToolError(f"没有用户或团队「{who}」。")
    rule = LeadRoutingRule(
        region=region, industry=industry, staff_id=user.id if user else None, team=None if user else who
    )
    async with ctx.db.write() as s:
        s.add(rule)
        await s.flush()
        s.add(ctx.audit("lead.rule.create", "lead_routing_rule", rule.id, region=region, industry=industry, who=who))
    return ToolOutput(f"已添加规则 #{rule.id}：{region or '任意地区'} · {industry or '任意行业'} → {who}。")


__all__ = [
    "Lead",
    "assign",
    "contact_promise",
    "in_business_hours",
    "asks_for_a_person",
    "hand_off_now",
    "offline_customer_answer",
    "sales_region",
    "save_contact_info",
    "handoff_to_sales",
]


def register(capabilities: Capabilities) -> None:
    capabilities.include(router)
    capabilities.include(sla_router)
