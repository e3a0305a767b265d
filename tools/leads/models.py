"""Tables of the lead capability: captured leads, routing rules, which reps take new leads, scores and the
response clock of each assignment."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, Text
from sqlmodel import Field, SQLModel

from bot.models import utcnow


class Lead(SQLModel, table=True):
    """What a customer told the first-line bot, and who it was handed to.

    One open lead per customer conversation; a customer who comes back after a hand-off starts a new one.
    """

    __tablename__ = "lead"
    id: Optional[int] = Field(default=None, primary_key=True)
    conversation_key: str = Field(max_length=200, index=True)
    platform: str = Field(max_length=32)
    external_id: str = Field(max_length=128)  # the customer's platform id (kf external_userid, web visitor id)
    name: Optional[str] = Field(default=None, max_length=64)
    company: Optional[str] = Field(default=None, max_length=128)
    phone: Optional[str] = Field(default=None, max_length=32)  # normalized by bot.zh_parse.find_phones
    need: Optional[str] = Field(default=None, sa_type=Text)
    region: Optional[str] = Field(default=None, max_length=32)
    industry: Optional[str] = Field(default=None, max_length=64)
    status: str = Field(default="collecting", max_length=16, index=True)  # collecting | handed_off
    account_id: Optional[int] = Field(default=None, foreign_key="account.id")
    assigned_staff_id: Optional[int] = Field(default=None, foreign_key="staff_user.id", index=True)
    assignment_reason: Optional[str] = Field(default=None, max_length=32)  # account_owner | rule | region | round_robin
    summary: Optional[str] = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    handed_off_at: Optional[datetime] = Field(default=None, index=True)
    source_message_id: Optional[int] = Field(default=None, foreign_key="inbound_message.id")


class LeadRoutingRule(SQLModel, table=True):
    """Leads from a region and/or industry go to a rep, or round-robin within a team. Lower priority first."""

    __tablename__ = "lead_routing_rule"
    id: Optional[int] = Field(default=None, primary_key=True)
    region: Optional[str] = Field(default=None, max_length=32)
    industry: Optional[str] = Field(default=None, max_length=64)
    staff_id: Optional[int] = Field(default=None, foreign_key="staff_user.id")
    team: Optional[str] = Field(default=None, max_length=64)
    priority: int = 100
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class LeadAvailability(SQLModel, table=True):
    """A rep who is away (leave, full pipeline) says so; everyone else takes new leads."""

    __tablename__ = "lead_availability"
    staff_id: int = Field(foreign_key="staff_user.id", primary_key=True)
    accepting: bool = True
    updated_at: datetime = Field(default_factory=utcnow)


class LeadScore(SQLModel, table=True):
    """A lead's score with its reasons, the features it was computed from (what learning reads), and how the
    lead ended (converted / lost), which the reps record."""

    __tablename__ = "lead_score"
    lead_id: int = Field(foreign_key="lead.id", primary_key=True)
    source: str = Field(default="web", max_length=16, index=True)  # web | wecom_kf | dingtalk | console | rep | import
    score: int = 0
    band: str = Field(default="cold", max_length=16)  # a band name of the lead rules (hot | warm | cold)
    reasons: list = Field(default_factory=list, sa_type=JSON)  # [[points, "问了报价"], ...]
    features: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)  # factor -> 0/1
    weights: str = Field(default="default", max_length=16)  # default | learned: which weights scored it
    scored_at: datetime = Field(default_factory=utcnow)
    outcome: Optional[str] = Field(default=None, max_length=16, index=True)  # converted | lost
    outcome_at: Optional[datetime] = None


class LeadAssignment(SQLModel, table=True):
    """One rep holding one lead, with its response clock: the SLA deadline, when it was accepted and contacted,
    and how it ended (reassigned, escalated). A reassignment is a new row, so time to first contact is measured
    per rep."""

    __tablename__ = "lead_assignment"
    id: Optional[int] = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="lead.id", index=True)
    staff_id: int = Field(foreign_key="staff_user.id", index=True)
    team: Optional[str] = Field(default=None, max_length=64)
    reason: str = Field(default="round_robin", max_length=32)  # account_owner | rule | region | round_robin | ...
    rule: Optional[str] = Field(default=None, max_length=64)  # the routing rule's name
    band: str = Field(default="cold", max_length=16)
    assigned_at: datetime = Field(default_factory=utcnow, index=True)
    due_at: datetime  # accept/contact within the SLA (working time)
    act_at: datetime  # not accepted by then: reassign; accepted but not contacted: escalate
    task_id: Optional[int] = Field(default=None, foreign_key="task.id")
    accepted_at: Optional[datetime] = None
    contacted_at: Optional[datetime] = None
    reminded_at: Optional[datetime] = None
    escalated_at: Optional[datetime] = None
    ended_at: Optional[datetime] = Field(default=None, index=True)
    end_reason: Optional[str] = Field(default=None, max_length=16)  # reassigned | closed
