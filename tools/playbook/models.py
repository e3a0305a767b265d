"""Tables of the stage playbook: the answers to a deal's key questions, and every stage move.

An answer is kept per (deal, question key), latest wins, with who answered and from which message; a
question mapped to an Opportunity column (BANT/MEDDPICC) is written there too. A stage move records the
questions still open at the moment of the move, so the manager's digest can list deals that moved forward
without the answers (and drop them once the answers come in).
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models import utcnow


class DealAnswer(SQLModel, table=True):
    __tablename__ = "deal_answer"
    __table_args__ = (UniqueConstraint("opportunity_id", "key"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    opportunity_id: int = Field(foreign_key="opportunity.id", index=True)
    key: str = Field(max_length=32)
    stage: str = Field(max_length=32)  # the stage whose question it answers
    question: str = Field(max_length=200)  # as asked (the playbook may change later)
    answer: str = Field(sa_type=Text)
    answered_by_id: Optional[int] = Field(default=None, foreign_key="staff_user.id")
    answered_at: datetime = Field(default_factory=utcnow)
    source_message_id: Optional[int] = Field(default=None, foreign_key="inbound_message.id")


class StageMove(SQLModel, table=True):
    __tablename__ = "stage_move"
    id: Optional[int] = Field(default=None, primary_key=True)
    opportunity_id: int = Field(foreign_key="opportunity.id", index=True)
    from_stage: Optional[str] = Field(default=None, max_length=32)
    to_stage: str = Field(max_length=32)
    forward: bool = True
    moved_at: datetime = Field(default_factory=utcnow, index=True)
    moved_by_id: Optional[int] = Field(default=None, foreign_key="staff_user.id")
    source: str = Field(default="MANUAL", max_length=16)  # MANUAL | AGENT (a confirmed proposal / transcript)
    missing: list[str] = Field(default_factory=list, sa_type=JSON)  # question keys open at the move
