"""Tables of transcript-to-CRM: a batch of suggestions per transcript, one row per proposed change.

Salesforce keeps each AI recommendation with its rationale and status; we keep the same per suggestion:
the quoted sentence (evidence), the confidence, the decision (accepted / edited / rejected / expired)
with who decided, why, from which message, and what was written where (the applied record).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import JSON, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models import utcnow

BATCH_STATUSES = ("pending", "done", "expired", "cancelled")
SUGGESTION_STATUSES = ("pending", "accepted", "edited", "rejected", "expired", "conflict")


class AutofillBatch(SQLModel, table=True):
    """The suggestions drawn from one transcript, shown on one card (card_id = autofill-<id>)."""

    __tablename__ = "autofill_batch"
    id: Optional[int] = Field(default=None, primary_key=True)
    staff_id: Optional[int] = Field(default=None, foreign_key="staff_user.id", index=True)
    # where the transcript came from (and where reminders go)
    platform: str = Field(max_length=32)
    sender_id: str = Field(max_length=128)
    conversation_id: str = Field(max_length=160)
    conversation_key: str = Field(max_length=200, index=True)
    source_message_id: Optional[int] = Field(default=None, foreign_key="inbound_message.id")
    idempotency_key: Optional[str] = Field(default=None, max_length=160, unique=True)
    input_kind: str = Field(default="text", max_length=16)  # text | file | voice | audio
    input_name: Optional[str] = Field(default=None, max_length=256)  # file name, when there is one
    transcript_chars: int = 0
    mode: str = Field(default="llm", max_length=16)  # llm | offline | llm_down
    account_id: Optional[int] = Field(default=None, foreign_key="account.id", index=True)
    account_name: Optional[str] = Field(default=None, max_length=128)  # as extracted (new accounts)
    opportunity_id: Optional[int] = Field(default=None, foreign_key="opportunity.id")
    meeting_date: Optional[date] = None
    extraction: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)  # the full typed extraction
    status: str = Field(default="pending", max_length=16, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
    reminded_at: Optional[datetime] = None
    closed_at: Optional[datetime] = None


class FieldSuggestion(SQLModel, table=True):
    """One proposed change: a field's old → new value, or a record to create (contact, visit, task...)."""

    __tablename__ = "autofill_suggestion"
    __table_args__ = (UniqueConstraint("batch_id", "seq"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="autofill_batch.id", index=True)
    seq: int  # the number the rep types ("接受 1 3")
    action: str = Field(max_length=16)  # update | create
    record_type: str = Field(max_length=32)  # account | opportunity | contact | visit | task
    record_id: Optional[int] = None  # the record updated (None for create)
    field: str = Field(max_length=48)  # column name; "*" for a create
    label: str = Field(max_length=64)  # what the rep reads ("商机金额")
    old_value: Any = Field(default=None, sa_type=JSON, nullable=True)
    new_value: Any = Field(default=None, sa_type=JSON, nullable=True)
    evidence: str = Field(default="", sa_type=Text)  # the quoted sentence
    confidence: float = 0.5
    origin: str = Field(default="rule", max_length=8)  # rule | llm | both
    protected: bool = False  # stage / amount / close date: never written without a human
    note: Optional[str] = Field(default=None, max_length=256)  # e.g. the transcript contradicts itself
    status: str = Field(default="pending", max_length=16, index=True)
    reason: Optional[str] = Field(default=None, sa_type=Text)  # the rep's reason for an edit or a rejection
    edited_value: Any = Field(default=None, sa_type=JSON, nullable=True)
    decided_by_id: Optional[int] = Field(default=None, foreign_key="staff_user.id")
    decided_at: Optional[datetime] = None
    decision_message_id: Optional[int] = Field(default=None, foreign_key="inbound_message.id")
    applied_record_type: Optional[str] = Field(default=None, max_length=32)
    applied_record_id: Optional[int] = None
    applied_at: Optional[datetime] = None
