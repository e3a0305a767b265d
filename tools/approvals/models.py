"""Approval tables: a request, its steps (the chain), and one assignment per approver of a step.

The whole chain is written at submission (future steps are `waiting`), so every request keeps why each
approver is in it. `ApprovalRequest.version` is the compare-and-set column of the state machine: every
transition is `UPDATE ... WHERE id = :id AND version = :seen AND status = 'pending'`, so two processes
deciding at the same moment end in exactly one recorded outcome.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models import Provenance, utcnow

REQUEST_STATUSES = ("pending", "approved", "rejected", "withdrawn")
STEP_STATUSES = ("waiting", "pending", "approved", "rejected", "cancelled")
ASSIGNMENT_STATUSES = ("waiting", "pending", "approved", "rejected", "delegated", "cancelled")


class ApprovalRequest(Provenance, table=True):
    __tablename__ = "approval_request"
    __table_args__ = (UniqueConstraint("external_platform", "external_ref"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(max_length=24, index=True)  # discount | special_price | clause | payment_terms | poc | expense
    status: str = Field(default="pending", max_length=16, index=True)
    version: int = 1
    requester_id: int = Field(foreign_key="staff_user.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    opportunity_id: Optional[int] = Field(default=None, foreign_key="opportunity.id")
    discount_pct: Optional[float] = None  # price as % of list price: 8 折 = 80.0
    list_amount: Optional[float] = None  # CNY at list price
    amount: Optional[float] = None  # CNY asked for (after discount, or the expense)
    product: Optional[str] = Field(default=None, max_length=32)
    seats: Optional[int] = None
    detail: Optional[str] = Field(default=None, sa_type=Text)  # the clause / terms / resources asked for
    reason: str = Field(default="", sa_type=Text)  # the requester's justification
    auto_approved: bool = False
    fast_lane: bool = False
    matched_rules: list[str] = Field(default_factory=list, sa_type=JSON)
    current_step: int = 0
    decided_at: Optional[datetime] = None
    decided_by_id: Optional[int] = Field(default=None, foreign_key="staff_user.id")
    decision_comment: Optional[str] = Field(default=None, sa_type=Text)
    resubmitted_from_id: Optional[int] = Field(default=None, foreign_key="approval_request.id")
    # the platform's own approval engine, when the request is mirrored there (WeCom SpNo, DingTalk instanceId)
    external_platform: Optional[str] = Field(default=None, max_length=16)
    external_ref: Optional[str] = Field(default=None, max_length=128)
    idempotency_key: Optional[str] = Field(default=None, max_length=128, unique=True)


class ApprovalStep(SQLModel, table=True):
    __tablename__ = "approval_step"
    __table_args__ = (UniqueConstraint("request_id", "seq"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="approval_request.id", index=True)
    seq: int  # 0-based position in the chain
    label: str = Field(max_length=64)  # "直属经理", "总监", "财务 + 法务"
    mode: str = Field(default="any", max_length=8)  # any | all (over the step's slots)
    status: str = Field(default="waiting", max_length=16, index=True)
    time_limit_hours: float = 24.0
    escalate_after_hours: float = 24.0
    activated_at: Optional[datetime] = None
    due_at: Optional[datetime] = Field(default=None, index=True)
    reminded_at: Optional[datetime] = None
    escalated_at: Optional[datetime] = None
    decided_at: Optional[datetime] = None


class ApprovalAssignment(SQLModel, table=True):
    """One approver on one step. `slot` groups people who stand for the same approver (a role with several
    people, a delegate, the escalation target): a slot is done when one of its people approves."""

    __tablename__ = "approval_assignment"
    id: Optional[int] = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="approval_request.id", index=True)
    step_id: int = Field(foreign_key="approval_step.id", index=True)
    slot: int = 0  # -1: an escalation target, whose decision settles the whole step
    approver_id: int = Field(foreign_key="staff_user.id", index=True)
    status: str = Field(default="waiting", max_length=16, index=True)
    why: str = Field(default="", sa_type=Text)  # "折扣 8 折 < 经理权限 8.5 折 → 需总监审批"
    comment: Optional[str] = Field(default=None, sa_type=Text)
    delegated_from_id: Optional[int] = Field(default=None, foreign_key="approval_assignment.id")
    decided_at: Optional[datetime] = None
    decided_message_id: Optional[int] = None  # ledger row of the press / command that decided
    created_at: datetime = Field(default_factory=utcnow)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
