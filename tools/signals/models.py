"""Signals found in visits, transcripts, chats and customer conversations, one row per (source, sentence, kind).

`dedup` makes a rescan harmless: the same sentence of the same record is stored once. `team` is the owner's
team at the time (weekly counts are per team), `week` the Monday of the local week it happened in.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from bot.models import utcnow


class SalesSignal(SQLModel, table=True):
    __tablename__ = "sales_signal"
    id: Optional[int] = Field(default=None, primary_key=True)
    dedup: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=32, index=True)
    detail: str = Field(default="", max_length=64)  # the competitor, for competitor mentions
    quote: str = Field(sa_type=Text)
    source: str = Field(max_length=16)  # visit | chat | transcript | customer
    source_id: int
    staff_id: Optional[int] = Field(default=None, foreign_key="staff_user.id", index=True)  # the deal's owner
    team: Optional[str] = Field(default=None, max_length=64, index=True)
    account_id: Optional[int] = Field(default=None, foreign_key="account.id")
    opportunity_id: Optional[int] = Field(default=None, foreign_key="opportunity.id")
    occurred_at: datetime = Field(default_factory=utcnow)
    week: date = Field(index=True)
    created_at: datetime = Field(default_factory=utcnow)
