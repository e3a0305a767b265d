"""The proposal table: writes the model asked for, held until the person confirms, cancels or corrects them.

One row per proposal (several writes of one turn are one proposal). `status` moves from `open` exactly once,
with `UPDATE ... WHERE status = 'open'`, so a second 确认 press, a 「是」 after the press or a redelivered
confirmation writes nothing twice. A write an admin made "direct with undo" is recorded here too, already
`done`, so 「撤销」 can find what it wrote.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, Text
from sqlmodel import Field, SQLModel

from bot.models import utcnow

# open → confirmed | cancelled | expired | superseded;  direct → undone
PROPOSAL_STATUSES = ("open", "confirmed", "cancelled", "expired", "superseded", "direct", "undone")


class Proposal(SQLModel, table=True):
    __tablename__ = "proposal"
    id: Optional[int] = Field(default=None, primary_key=True)
    conversation_key: str = Field(max_length=200, index=True)  # the session: a 1:1 chat, or (group, member)
    staff_id: Optional[int] = Field(default=None, foreign_key="staff_user.id", index=True)
    # [{"tool": name, "args": validated arguments, "title": what it is, "lines": how it was shown}]
    items: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    status: str = Field(default="open", max_length=16, index=True)
    evidence: str = Field(default="", sa_type=Text)  # the person's words the proposal was made from
    # values the person changed: [{"tool", "field", "label", "old", "new", "reason"}]; no "reason" key = not asked yet
    corrections: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    results: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)  # each item's ToolOutput.data
    expires_at: datetime
    created_at: datetime = Field(default_factory=utcnow)
    decided_by: Optional[int] = Field(default=None, foreign_key="staff_user.id")
    decided_at: Optional[datetime] = None
    source_message_id: Optional[int] = Field(default=None, foreign_key="inbound_message.id")
