"""The console's 对话记录: conversations by channel, person and date, and each turn with what the model was asked,
the tools it called, the proposals it made and what became of them, and the replies as they were delivered.

A conversation is the ledger's (platform, conversation_key): a 1:1 chat, or a group. A turn is one inbound
message (the ledger row), its trace (bot/turn_trace.py), its proposals (tools/proposals) and its outbox rows.
Console accounts that may not see personal data (read-only managers) get every text through `mask`
(phone numbers, e-mails, ID numbers); the trace itself is stored masked for everyone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_
from sqlmodel import select

from bot.log_masking import mask
from bot.models import (
    Account,
    AuditLog,
    Contact,
    InboundMessage,
    Opportunity,
    OutboxMessage,
    PlatformIdentity,
    StaffUser,
    Task,
    Visit,
)
from bot.turn_trace import TurnTrace, steps_of
from tools.proposals.models import Proposal

PLATFORM_LABELS = {
    "console": "命令行",
    "wecom": "企业微信自建应用",
    "wecom_aibot": "企业微信智能机器人",
    "wecom_kf": "微信客服",
    "dingtalk": "钉钉",
    "web": "网页聊天",
}
PROPOSAL_STATUS_LABELS = {
    "open": "等确认",
    "confirmed": "已确认写入",
    "cancelled": "已取消",
    "expired": "已过期",
    "superseded": "已修改（被新版本替代）",
    "direct": "已直接写入",
    "undone": "已撤销",
}
OUTBOX_STATUS_LABELS = {"pending": "待发送", "sent": "已送达", "failed": "发送失败"}
ROUTE_LABELS = {
    "agent": "大模型",
    "offline:offline": "离线回复（没有配置大模型）",
    "offline:llm_down": "离线回复（大模型没有响应）",
    "offline:no_tools": "离线回复（模型不支持工具调用）",
    "long_text": "长文本",
    "unknown_user": "未识别的用户",
}
ROUTE_PREFIX_LABELS = {
    "command": "命令",
    "pending": "回答追问",
    "card": "卡片按钮",
    "kind": "文件/语音/位置",
    "event": "事件",
}


def platform_label(platform: str) -> str:
    return PLATFORM_LABELS.get(platform, platform)


def route_label(route: str) -> str:
    if route in ROUTE_LABELS:
        return ROUTE_LABELS[route]
    prefix, _, rest = route.partition(":")
    if prefix in ROUTE_PREFIX_LABELS:
        return f"{ROUTE_PREFIX_LABELS[prefix]} {rest}".strip()
    return route or "-"


@dataclass
class ConversationFilter:
    channel: str = ""
    person: str = ""  # staff username or name, a contact's name, or a platform sender id
    since: date | None = None
    until: date | None = None
    q: str = ""


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def filter_from_query(query) -> ConversationFilter:
    return ConversationFilter(
        channel=query.get("channel", "").strip()[:32],
        person=query.get("person", "").strip()[:64],
        since=_date(query.get("since")),
        until=_date(query.get("until")),
        q=query.get("q", "").strip()[:100],
    )


async def _person_condition(s, person: str):
    """Inbound rows of this person: their platform ids, their console username, or turns traced to them."""
    staff = list(
        (
            await s.execute(select(StaffUser).where((StaffUser.username == person) | (StaffUser.name == person)))
        ).scalars()
    )
    staff_ids = [u.id for u in staff]
    contact_ids = list((await s.execute(select(Contact.id).where(Contact.name == person))).scalars())
    who = [PlatformIdentity.display_name == person]
    if staff_ids:
        who.append(PlatformIdentity.staff_user_id.in_(staff_ids))
    if contact_ids:
        who.append(PlatformIdentity.contact_id.in_(contact_ids))
    ids_query = select(PlatformIdentity.external_id).where(or_(*who))
    sender_ids = {person, *(u.username for u in staff), *(await s.execute(ids_query)).scalars()}
    conditions = [InboundMessage.sender_id.in_(sender_ids)]
    if staff_ids:
        traced = select(TurnTrace.inbound_id).where(TurnTrace.staff_id.in_(staff_ids))
        conditions.append(InboundMessage.id.in_(traced))
    return or_(*conditions)


async def reporting_tree(db, staff_id: int) -> set[int]:
    """This colleague and everyone reporting to them, directly or further down."""
    async with db.session() as s:
        rows = (await s.execute(select(StaffUser.id, StaffUser.manager_id))).all()
    reports: dict[int, list[int]] = {}
    for member, manager in rows:
        if manager is not None:
            reports.setdefault(manager, []).append(member)
    tree, todo = {staff_id}, [staff_id]
    while todo:
        for member in reports.get(todo.pop(), []):
            if member not in tree:
                tree.add(member)
                todo.append(member)
    return tree


async def _conditions(s, f: ConversationFilter, tz: str, scope: set[int] | None = None) -> list:
    """`scope`: only turns of these staff members (a manager's team); None: every turn."""
    zone = ZoneInfo(tz)
    conditions: list = []
    if scope is not None:
        conditions.append(InboundMessage.id.in_(select(TurnTrace.inbound_id).where(TurnTrace.staff_id.in_(scope))))
    if f.channel:
        conditions.append(InboundMessage.platform == f.channel)
    if f.since:
        conditions.append(InboundMessage.received_at >= datetime.combine(f.since, time.min, zone))
    if f.until:
        conditions.append(InboundMessage.received_at < datetime.combine(f.until + timedelta(days=1), time.min, zone))
    if f.person:
        conditions.append(await _person_condition(s, f.person))
    if f.q:
        # the person's words, or anything the trace kept of the turn (the reply, tool arguments and results);
        # traces are stored with Chinese as written, so LIKE finds it
        in_trace = select(TurnTrace.inbound_id).where(TurnTrace.steps.contains(f.q))
        conditions.append(or_(InboundMessage.text.contains(f.q), InboundMessage.id.in_(in_trace)))
    return conditions


@dataclass
class ConversationRow:
    platform: str
    key: str
    turns: int
    first_at: datetime
    last_at: datetime
    people: str
    last_text: str


async def list_conversations(
    db, f: ConversationFilter, tz: str, *, offset: int, limit: int, masked: bool, scope: set[int] | None = None
) -> tuple[list[ConversationRow], int]:
    """One page of conversations (newest activity first) with at least one matching turn, and their count."""
    async with db.session() as s:
        conditions = await _conditions(s, f, tz, scope)
        grouped = (
            select(
                InboundMessage.platform,
                InboundMessage.conversation_key,
                func.count(InboundMessage.id).label("turns"),
                func.min(InboundMessage.received_at).label("first_at"),
                func.max(InboundMessage.received_at).label("last_at"),
                func.max(InboundMessage.id).label("last_id"),
            )
            .where(*conditions)
            .group_by(InboundMessage.platform, InboundMessage.conversation_key)
        )
        total = (await s.execute(select(func.count()).select_from(grouped.subquery()))).scalar_one()
        page = (
            await s.execute(
                grouped.order_by(func.max(InboundMessage.received_at).desc(), func.max(InboundMessage.id).desc())
                .offset(offset)
                .limit(limit)
            )
        ).all()
        last_ids = [r.last_id for r in page]
        last = {
            m.id: m for m in (await s.execute(select(InboundMessage).where(InboundMessage.id.in_(last_ids)))).scalars()
        }
        keys = [r.conversation_key for r in page]
        senders = (
            await s.execute(
                select(InboundMessage.conversation_key, InboundMessage.sender_id)
                .where(InboundMessage.conversation_key.in_(keys))
                .distinct()
                .limit(2000)
            )
        ).all()
        names = await display_names(s, {sender for _, sender in senders})
    by_key: dict[str, list[str]] = {}
    for key, sender in senders:
        by_key.setdefault(key, []).append(names.get(sender, sender))
    rows = []
    for r in page:
        text = last[r.last_id].text if r.last_id in last else ""
        people = by_key.get(r.conversation_key, [])
        rows.append(
            ConversationRow(
                platform=r.platform,
                key=r.conversation_key,
                turns=r.turns,
                first_at=r.first_at,
                last_at=r.last_at,
                people="、".join(sorted(set(people))[:5]) + ("…" if len(set(people)) > 5 else ""),
                last_text=_shown(text[:80], masked),
            )
        )
    return rows, total


async def display_names(s, sender_ids: set[str]) -> dict[str, str]:
    """Sender id → the staff member's name, else the contact's, else the platform's display name."""
    if not sender_ids:
        return {}
    out: dict[str, str] = {}
    rows = (
        await s.execute(
            select(PlatformIdentity, StaffUser.name, Contact.name)
            .outerjoin(StaffUser, StaffUser.id == PlatformIdentity.staff_user_id)
            .outerjoin(Contact, Contact.id == PlatformIdentity.contact_id)
            .where(PlatformIdentity.external_id.in_(sender_ids))
        )
    ).all()
    for identity, staff_name, contact_name in rows:
        name = staff_name or contact_name or identity.display_name
        if name:
            out.setdefault(identity.external_id, name)
    missing = sender_ids - set(out)
    if missing:
        for username, name in (
            await s.execute(select(StaffUser.username, StaffUser.name).where(StaffUser.username.in_(missing)))
        ).all():
            out[username] = name
    return out


def _shown(text: str | None, masked: bool) -> str:
    return mask(text or "") if masked else (text or "")


def _shown_value(value: Any, masked: bool) -> Any:
    if not masked:
        return value
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, (dict, list)):
        return json.loads(mask(json.dumps(value, ensure_ascii=False, default=str)))
    return value


@dataclass
class Delivered:
    text: str
    card_title: str
    status: str
    sent_at: datetime | None
    attempts: int
    error: str


@dataclass
class ProposalView:
    id: int
    status: str
    lines: list[str]
    corrections: list[dict]
    decided_by: str
    decided_at: datetime | None
    expires_at: datetime


@dataclass
class Turn:
    inbound: InboundMessage
    who: str
    text: str
    route: str
    steps: list[dict]
    llm_ms: int
    error: str = ""  # why the turn failed (the ledger's record), when it did
    proposals: list[ProposalView] = field(default_factory=list)
    replies: list[Delivered] = field(default_factory=list)


def _reply_text(payload: dict) -> tuple[str, str]:
    reply = (payload or {}).get("reply") or {}
    card = reply.get("card") or {}
    body = reply.get("text") or ""
    if card:
        lines = [card.get("body") or "", *(f"{k}：{v}" for k, v, *_ in card.get("fields") or [])]
        buttons = " / ".join(b.get("label", "") for b in card.get("buttons") or [])
        body = "\n".join(x for x in [body, *lines, f"[{buttons}]" if buttons else ""] if x)
    return body, card.get("title") or reply.get("title") or ""


async def turns(db, inbound_ids: list[int], *, masked: bool, scope: set[int] | None = None) -> list[Turn]:
    """The turns of these ledger rows, in the order given (with a scope: only its staff members' turns)."""
    if not inbound_ids:
        return []
    async with db.session() as s:
        if scope is not None:
            allowed = select(TurnTrace.inbound_id).where(
                TurnTrace.inbound_id.in_(inbound_ids), TurnTrace.staff_id.in_(scope)
            )
            inbound_ids = [i for i in inbound_ids if i in set((await s.execute(allowed)).scalars())]
        inbound = {
            m.id: m
            for m in (await s.execute(select(InboundMessage).where(InboundMessage.id.in_(inbound_ids)))).scalars()
        }
        traces = {
            t.inbound_id: t
            for t in (await s.execute(select(TurnTrace).where(TurnTrace.inbound_id.in_(inbound_ids)))).scalars()
        }
        proposals = list(
            (
                await s.execute(
                    select(Proposal).where(Proposal.source_message_id.in_(inbound_ids)).order_by(Proposal.id)
                )
            ).scalars()
        )
        outbox = list(
            (
                await s.execute(
                    select(OutboxMessage)
                    .where(OutboxMessage.inbound_id.in_(inbound_ids))
                    .order_by(OutboxMessage.created_at, OutboxMessage.seq, OutboxMessage.id)
                )
            ).scalars()
        )
        staff_ids = {t.staff_id for t in traces.values() if t.staff_id} | {
            p.decided_by for p in proposals if p.decided_by
        }
        staff = {
            u.id: u.name for u in (await s.execute(select(StaffUser).where(StaffUser.id.in_(staff_ids)))).scalars()
        }
        names = await display_names(s, {m.sender_id for m in inbound.values()})
    out = []
    for row_id in inbound_ids:
        m = inbound.get(row_id)
        if m is None:
            continue
        trace = traces.get(row_id)
        who = staff.get(trace.staff_id) if trace and trace.staff_id else None
        turn = Turn(
            inbound=m,
            who=who or names.get(m.sender_id, m.sender_id),
            text=_shown(m.text, masked),
            route=trace.route if trace else "",
            steps=_shown_value(steps_of(trace), masked),
            llm_ms=trace.llm_ms if trace else 0,
            error=_shown(m.error, masked)[:500] if m.status == "failed" else "",
        )
        for p in proposals:
            if p.source_message_id != row_id:
                continue
            lines = [line for item in p.items for line in [item.get("title", ""), *(item.get("lines") or [])] if line]
            turn.proposals.append(
                ProposalView(
                    id=p.id,
                    status=p.status,
                    lines=[_shown(x, masked) for x in lines],
                    corrections=_shown_value(p.corrections or [], masked),
                    decided_by=staff.get(p.decided_by, "") if p.decided_by else "",
                    decided_at=p.decided_at,
                    expires_at=p.expires_at,
                )
            )
        for o in outbox:
            if o.inbound_id != row_id:
                continue
            text, title = _reply_text(o.payload)
            turn.replies.append(
                Delivered(
                    text=_shown(text, masked),
                    card_title=_shown(title, masked),
                    status=o.status,
                    sent_at=o.sent_at,
                    attempts=o.attempts,
                    error=_shown(o.last_error or "", masked)[:300],
                )
            )
        out.append(turn)
    return out


async def conversation_turn_ids(
    db,
    platform: str,
    key: str,
    f: ConversationFilter,
    tz: str,
    *,
    offset: int,
    limit: int,
    scope: set[int] | None = None,
) -> tuple[list[int], int]:
    """One page of a conversation's turns, oldest first (a chat reads top to bottom), with the filter's date
    range and search applied, and their count."""
    async with db.session() as s:
        conditions = [
            InboundMessage.platform == platform,
            InboundMessage.conversation_key == key,
            *await _conditions(s, ConversationFilter(since=f.since, until=f.until, q=f.q), tz, scope),
        ]
        total = (await s.execute(select(func.count(InboundMessage.id)).where(*conditions))).scalar_one()
        ids = list(
            (
                await s.execute(
                    select(InboundMessage.id)
                    .where(*conditions)
                    .order_by(InboundMessage.received_at, InboundMessage.id)
                    .offset(offset)
                    .limit(limit)
                )
            ).scalars()
        )
    return ids, total


async def channels_seen(db) -> list[str]:
    async with db.session() as s:
        return sorted((await s.execute(select(InboundMessage.platform).distinct())).scalars())


async def account_turn_ids(db, account_id: int, *, offset: int, limit: int) -> tuple[list[int], int]:
    """Turns about a customer, newest first: messages that wrote its records (visits, tasks, deals, contacts,
    the account itself), messages audited against it, and what its contacts wrote to the customer bot."""
    async with db.session() as s:
        sources = [
            select(model.source_message_id).where(model.account_id == account_id, model.source_message_id.is_not(None))
            for model in (Visit, Task, Opportunity, Contact)
        ]
        sources.append(select(Account.source_message_id).where(Account.id == account_id))
        audited = select(AuditLog.message_id).where(
            AuditLog.record_type == "account", AuditLog.record_id == account_id, AuditLog.message_id.is_not(None)
        )
        # the turns that opened, corrected, confirmed or cancelled the proposals behind those records
        proposals = select(Proposal.id).where(or_(*(Proposal.source_message_id.in_(q) for q in sources)))
        decided = select(AuditLog.message_id).where(
            AuditLog.record_type == "proposal", AuditLog.record_id.in_(proposals), AuditLog.message_id.is_not(None)
        )
        contacts = select(Contact.id).where(Contact.account_id == account_id)
        senders = select(PlatformIdentity.external_id).where(PlatformIdentity.contact_id.in_(contacts))
        external = select(Contact.external_userid).where(
            Contact.account_id == account_id, Contact.external_userid.is_not(None)
        )
        condition = or_(
            *(InboundMessage.id.in_(q) for q in [*sources, audited, decided]),
            InboundMessage.sender_id.in_(senders),
            InboundMessage.sender_id.in_(external),
        )
        total = (await s.execute(select(func.count(InboundMessage.id)).where(condition))).scalar_one()
        ids = list(
            (
                await s.execute(
                    select(InboundMessage.id)
                    .where(condition)
                    .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
                    .offset(offset)
                    .limit(limit)
                )
            ).scalars()
        )
    return ids, total
