"""Database tables: the CRM, the turn pipeline's ledger/outbox, memory, audit.

Times are timezone-aware (UTC in the database), dates are the user's local calendar date.
Every CRM row says who wrote it (Twenty's createdBy.source idea): `created_source` is
MANUAL / AGENT / SYSTEM / IMPORT, `created_by_id` the staff user who asked, `source_message_id`
the ledger row of the inbound message that caused it.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Optional

from sqlalchemy import JSON, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Provenance(SQLModel):
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    created_by_id: Optional[int] = Field(default=None, foreign_key="staff_user.id")
    created_source: str = Field(default="MANUAL", max_length=16)
    updated_by_id: Optional[int] = Field(default=None, foreign_key="staff_user.id")
    updated_source: Optional[str] = Field(default=None, max_length=16)
    source_message_id: Optional[int] = Field(default=None, foreign_key="inbound_message.id")


# --- org -------------------------------------------------------------------------------------


class StaffUser(SQLModel, table=True):
    __tablename__ = "staff_user"
    id: Optional[int] = Field(default=None, primary_key=True)
    username: str = Field(index=True, unique=True, max_length=64)
    name: str = Field(max_length=64)
    role: str = Field(default="rep", max_length=16)  # rep | manager | admin
    title: Optional[str] = Field(default=None, max_length=64)
    manager_id: Optional[int] = Field(default=None, foreign_key="staff_user.id")
    team: Optional[str] = Field(default=None, max_length=64, index=True)
    region: Optional[str] = Field(default=None, max_length=32)
    phone: Optional[str] = Field(default=None, max_length=32)
    email: Optional[str] = Field(default=None, max_length=128)
    # what a customer may be given to reach this rep (a WeCom 「联系我」 link, a hotline); never `phone`
    public_contact: Optional[str] = Field(default=None, max_length=200)
    timezone: str = Field(default="Asia/Shanghai", max_length=48)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class PlatformIdentity(SQLModel, table=True):
    """Maps a user id in an identity namespace to a staff user or a customer contact.

    `platform` is the namespace: a platform's name, or the name of the platform whose ids it shares (the
    adapter's `identity_namespaces`). A staff member's ids on the chat platforms live only here.
    """

    __tablename__ = "platform_identity"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    platform: str = Field(max_length=32)
    external_id: str = Field(max_length=128)
    staff_user_id: Optional[int] = Field(default=None, foreign_key="staff_user.id")
    contact_id: Optional[int] = Field(default=None, foreign_key="contact.id")
    display_name: Optional[str] = Field(default=None, max_length=128)
    created_at: datetime = Field(default_factory=utcnow)


# --- CRM -------------------------------------------------------------------------------------


class Account(Provenance, table=True):
    __tablename__ = "account"
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=128)
    short_name: Optional[str] = Field(default=None, max_length=64)
    industry: Optional[str] = Field(default=None, max_length=64)
    region: Optional[str] = Field(default=None, max_length=32)
    tier: str = Field(default="standard", max_length=16)  # vip | key | standard
    owner_id: Optional[int] = Field(default=None, foreign_key="staff_user.id", index=True)
    address: Optional[str] = Field(default=None, max_length=256)
    notes: Optional[str] = Field(default=None, sa_type=Text)


class Contact(Provenance, table=True):
    __tablename__ = "contact"
    id: Optional[int] = Field(default=None, primary_key=True)
    account_id: Optional[int] = Field(default=None, foreign_key="account.id", index=True)
    name: str = Field(max_length=64)
    title: Optional[str] = Field(default=None, max_length=64)
    phone: Optional[str] = Field(default=None, max_length=32)
    # more numbers of the same person, "、"-separated: a desk line beside the mobile, a second mobile
    other_phones: Optional[str] = Field(default=None, max_length=128)
    email: Optional[str] = Field(default=None, max_length=128)
    # economic_buyer | champion | user | technical_evaluator | procurement | other
    deal_role: Optional[str] = Field(default=None, max_length=32)
    external_userid: Optional[str] = Field(default=None, max_length=128, index=True)


STAGES: dict[str, int] = {
    # stage -> default win probability (%), EspoCRM-style probability map
    "prospecting": 10,
    "qualification": 20,
    "needs_analysis": 30,
    "proposal": 50,
    "negotiation": 70,
    "closed_won": 100,
    "closed_lost": 0,
}
#: account tiers as people say them (exports with Chinese headers, approval cards)
TIER_LABELS: dict[str, str] = {"vip": "VIP", "key": "重点客户", "standard": "普通客户"}
#: a contact's part in the deal, as people say it
DEAL_ROLE_LABELS: dict[str, str] = {
    "economic_buyer": "拍板人",
    "champion": "内部支持者",
    "user": "使用者",
    "technical_evaluator": "技术评估",
    "procurement": "采购",
    "other": "其他",
}

STAGE_LABELS: dict[str, str] = {
    "prospecting": "初步接触",
    "qualification": "需求确认",
    "needs_analysis": "方案沟通",
    "proposal": "报价",
    "negotiation": "商务谈判",
    "closed_won": "赢单",
    "closed_lost": "输单",
}


class Opportunity(Provenance, table=True):
    __tablename__ = "opportunity"
    id: Optional[int] = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    name: str = Field(max_length=128)
    stage: str = Field(default="prospecting", max_length=32)
    probability: int = 10
    amount: Optional[float] = None  # CNY
    close_date: Optional[date] = None
    owner_id: Optional[int] = Field(default=None, foreign_key="staff_user.id", index=True)
    seats: Optional[int] = None
    next_step: Optional[str] = Field(default=None, max_length=256)
    lost_reason: Optional[str] = Field(default=None, max_length=256)
    competitors: list[str] = Field(default_factory=list, sa_type=JSON)
    # BANT
    budget: Optional[float] = None
    authority: Optional[str] = Field(default=None, max_length=256)
    need: Optional[str] = Field(default=None, sa_type=Text)
    timeline: Optional[str] = Field(default=None, max_length=256)
    # MEDDPICC
    metrics: Optional[str] = Field(default=None, sa_type=Text)
    economic_buyer: Optional[str] = Field(default=None, max_length=128)
    decision_criteria: Optional[str] = Field(default=None, sa_type=Text)
    decision_process: Optional[str] = Field(default=None, sa_type=Text)
    paper_process: Optional[str] = Field(default=None, sa_type=Text)
    identified_pain: Optional[str] = Field(default=None, sa_type=Text)
    champion: Optional[str] = Field(default=None, max_length=128)
    competition: Optional[str] = Field(default=None, sa_type=Text)
    # closing (tools/pipeline): when, why (one of SALESBOT_CLOSE_REASONS), to or against whom, and the stage
    # the deal had reached, which the learned stage probabilities count
    closed_on: Optional[date] = Field(default=None, index=True)
    close_reason: Optional[str] = Field(default=None, max_length=32)
    close_competitor: Optional[str] = Field(default=None, max_length=64)
    close_note: Optional[str] = Field(default=None, max_length=256)
    stage_reached: Optional[str] = Field(default=None, max_length=32)
    # the rep's call on an open deal: commit (承诺) | best_case (可能) | pipeline (管道)
    forecast_category: Optional[str] = Field(default=None, max_length=16)


class Visit(Provenance, table=True):
    """EspoCRM Meeting: planned / held / not_held, with its parent account and opportunity."""

    __tablename__ = "visit"
    id: Optional[int] = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    opportunity_id: Optional[int] = Field(default=None, foreign_key="opportunity.id")
    owner_id: Optional[int] = Field(default=None, foreign_key="staff_user.id", index=True)
    status: str = Field(default="held", max_length=16)  # planned | held | not_held
    visit_date: date
    start_at: Optional[datetime] = None
    end_at: Optional[datetime] = None
    channel: str = Field(default="onsite", max_length=16)  # onsite | phone | video | wechat
    attendees: list[str] = Field(default_factory=list, sa_type=JSON)
    summary: str = Field(default="", sa_type=Text)
    location: Optional[str] = Field(default=None, max_length=256)
    next_step: Optional[str] = Field(default=None, max_length=256)
    idempotency_key: Optional[str] = Field(default=None, max_length=128, unique=True)


class Task(Provenance, table=True):
    """Odoo mail.activity-like follow-up: due date, state, chained to a visit or opportunity."""

    __tablename__ = "task"
    id: Optional[int] = Field(default=None, primary_key=True)
    title: str = Field(max_length=256)
    description: Optional[str] = Field(default=None, sa_type=Text)
    due_date: Optional[date] = Field(default=None, index=True)
    due_at: Optional[datetime] = None  # exact time when the user gave one (local time)
    status: str = Field(default="open", max_length=16, index=True)  # open | done | cancelled
    owner_id: Optional[int] = Field(default=None, foreign_key="staff_user.id", index=True)
    account_id: Optional[int] = Field(default=None, foreign_key="account.id", index=True)
    opportunity_id: Optional[int] = Field(default=None, foreign_key="opportunity.id")
    visit_id: Optional[int] = Field(default=None, foreign_key="visit.id")
    completed_at: Optional[datetime] = None
    idempotency_key: Optional[str] = Field(default=None, max_length=128, unique=True)


class Interaction(Provenance, table=True):
    """A touch with a contact; the scheduler's best-time-to-contact model learns from these."""

    __tablename__ = "interaction"
    id: Optional[int] = Field(default=None, primary_key=True)
    contact_id: Optional[int] = Field(default=None, foreign_key="contact.id", index=True)
    account_id: Optional[int] = Field(default=None, foreign_key="account.id", index=True)
    staff_id: Optional[int] = Field(default=None, foreign_key="staff_user.id")
    occurred_at: datetime = Field(index=True)  # UTC
    channel: str = Field(default="wechat", max_length=16)  # wechat | phone | email | visit | dingtalk
    direction: str = Field(default="outbound", max_length=8)  # inbound | outbound
    kind: str = Field(default="message", max_length=16)  # message | call | visit | email | nudge
    answered: Optional[bool] = None
    response_minutes: Optional[float] = None
    note: Optional[str] = Field(default=None, max_length=256)


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"
    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_staff_id: Optional[int] = Field(default=None, index=True)
    actor_role: Optional[str] = Field(default=None, max_length=16)
    source: str = Field(default="SYSTEM", max_length=16)
    action: str = Field(max_length=64, index=True)  # e.g. visit.create, tool.denied, approval.decide
    record_type: Optional[str] = Field(default=None, max_length=32)
    record_id: Optional[int] = None
    message_id: Optional[int] = None
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


# --- turn pipeline ---------------------------------------------------------------------------


class InboundMessage(SQLModel, table=True):
    """The ledger: every inbound message is persisted here before any work."""

    __tablename__ = "inbound_message"
    __table_args__ = (UniqueConstraint("platform", "msg_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    platform: str = Field(max_length=32)
    msg_id: str = Field(max_length=128)
    conversation_key: str = Field(max_length=160, index=True)
    sender_id: str = Field(max_length=128)
    kind: str = Field(max_length=16)
    text: str = Field(default="", sa_type=Text)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    status: str = Field(default="received", max_length=16, index=True)  # received | done | failed
    error: Optional[str] = Field(default=None, sa_type=Text)
    received_at: datetime = Field(default_factory=utcnow, index=True)  # the console lists turns by date
    processed_at: Optional[datetime] = None
    # which replica handles it, until when (bot/replica.py: renewed while running, taken over after)
    owner: Optional[str] = Field(default=None, max_length=64)
    lease_until: Optional[datetime] = None


class OutboxMessage(SQLModel, table=True):
    """A persisted reply or push, one row per part, sent by the adapter in order."""

    __tablename__ = "outbox_message"
    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)  # idempotency: a reply is enqueued once
    inbound_id: Optional[int] = Field(default=None, foreign_key="inbound_message.id", index=True)
    platform: str = Field(max_length=32)
    target_user: Optional[str] = Field(default=None, max_length=128)
    target_conversation: Optional[str] = Field(default=None, max_length=160)
    seq: int = 0
    parts: int = 1
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    status: str = Field(default="pending", max_length=16, index=True)  # pending | sent | failed
    attempts: int = 0
    next_attempt_at: Optional[datetime] = Field(default=None, index=True)
    last_error: Optional[str] = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: Optional[datetime] = None
    owner: Optional[str] = Field(default=None, max_length=64)  # the replica that persisted or claimed it


class ConversationMessage(SQLModel, table=True):
    """Agent memory: what was said in a conversation, kept across restarts."""

    __tablename__ = "conversation_message"
    # the turn reads a conversation's latest messages: one backward index scan, however long the history
    __table_args__ = (Index("ix_conversation_message_key_id", "conversation_key", "id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    conversation_key: str = Field(max_length=200)
    role: str = Field(max_length=16)  # user | assistant
    content: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)


class PendingAction(SQLModel, table=True):
    """Something waiting for the user's answer: a choice between accounts, a confirmation."""

    __tablename__ = "pending_action"
    id: Optional[int] = Field(default=None, primary_key=True)
    conversation_key: str = Field(max_length=200, index=True)
    staff_id: Optional[int] = Field(default=None, foreign_key="staff_user.id")
    kind: str = Field(max_length=32)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    status: str = Field(default="open", max_length=16)  # open | done | cancelled | expired
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class KeyValue(SQLModel, table=True):
    """Small shared state: platform access tokens, sync cursors, leases."""

    __tablename__ = "key_value"
    key: str = Field(primary_key=True, max_length=200)
    value: str = Field(sa_type=Text)
    expires_at: Optional[datetime] = None
    updated_at: datetime = Field(default_factory=utcnow)
