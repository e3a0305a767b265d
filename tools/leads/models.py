"""Tables of the lead capability: captured leads, routing rules, and which reps take new leads."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Text
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
