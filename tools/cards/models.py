"""The business card a contact was saved from: every number on it, the address and the website."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from bot.models import utcnow


class BusinessCard(SQLModel, table=True):
    """One confirmed card. The contact row holds one phone; the card keeps all of them (a landline with its
    extension, a mobile), the address and website. The words read stay with the proposal (its evidence)."""

    __tablename__ = "business_card"
    id: Optional[int] = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    account_id: Optional[int] = Field(default=None, foreign_key="account.id", index=True)
    company: Optional[str] = Field(default=None, max_length=128)
    phones: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    address: Optional[str] = Field(default=None, max_length=256)
    website: Optional[str] = Field(default=None, max_length=256)
    idempotency_key: Optional[str] = Field(default=None, max_length=200, unique=True)
    created_by_id: Optional[int] = Field(default=None, foreign_key="staff_user.id")
    source_message_id: Optional[int] = Field(default=None, foreign_key="inbound_message.id")
    created_at: datetime = Field(default_factory=utcnow)
