"""What happened inside one turn, kept for the console's 对话记录: the path the message took (command, pending
question, card, agent, offline answer), what the model was asked, each model call (time, tokens, the tool calls
it made) and each tool result.

One row per finished turn, written in the same transaction as the turn's replies and memory (bot/dispatcher.py),
so a turn that runs twice still has one trace. Texts are masked (phone numbers, e-mails, ID numbers, secrets:
bot/log_masking.py) and cut short before they are stored: the trace explains a turn, it is not a second copy of
the conversation. The inbound text and the replies themselves live in the ledger and the outbox. Rows older
than SALESBOT_TURN_TRACE_DAYS are deleted by the scheduler (`prune`).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, Optional

from sqlalchemy import Text, delete
from sqlmodel import Field, SQLModel

from bot.log_masking import mask
from bot.models import utcnow

TEXT_CHARS = 400  # each text in a step (a tool result, the model's words, a context note)
MAX_STEPS = 40  # a turn has at most a handful of model calls; a runaway loop is cut here


class TurnTrace(SQLModel, table=True):
    __tablename__ = "turn_trace"
    id: Optional[int] = Field(default=None, primary_key=True)
    inbound_id: int = Field(index=True, unique=True)  # the ledger row (inbound_message.id)
    session_key: str = Field(default="", max_length=200)  # memory/proposal key: a chat, or (group, member)
    staff_id: Optional[int] = Field(default=None)
    route: str = Field(default="", max_length=64)  # agent | offline:<reason> | command:<name> | pending | card | …
    steps: str = Field(default="[]", sa_type=Text)  # JSON list, see `step`
    llm_ms: int = 0
    created_at: datetime = Field(default_factory=utcnow, index=True)


TURN_TRACE_TABLE = TurnTrace.__table__


def short(value: Any, limit: int = TEXT_CHARS) -> str:
    """Masked and cut: what the trace keeps of a text."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = mask(text)
    return text if len(text) <= limit else text[:limit] + "…"


def masked_args(args: Any) -> Any:
    """Tool arguments with every string value masked and cut (the keys stay readable)."""
    if isinstance(args, dict):
        return {str(k)[:64]: masked_args(v) for k, v in list(args.items())[:30]}
    if isinstance(args, list):
        return [masked_args(v) for v in args[:30]]
    if isinstance(args, str):
        return short(args, 200)
    return args


def step(kind: str, **fields: Any) -> dict[str, Any]:
    """One entry of a trace: kind "asked" (prompt, history, notes), "llm" (ms, tokens, calls, text), "tool"
    (name, args, result)."""
    return {"kind": kind, **fields}


def row(
    inbound_id: int, session_key: str, staff_id: int | None, route: str, steps: list[dict], llm_seconds: float
) -> dict[str, Any]:
    """The insert parameters of a turn's trace (a plain dict: it goes through the group commit's raw path)."""
    return dict(
        inbound_id=inbound_id,
        session_key=session_key[:200],
        staff_id=staff_id,
        route=route[:64],
        steps=json.dumps(steps[:MAX_STEPS], ensure_ascii=False, default=str),
        llm_ms=int(llm_seconds * 1000),
        created_at=utcnow(),
    )


def steps_of(trace: TurnTrace | None) -> list[dict[str, Any]]:
    if trace is None:
        return []
    try:
        value = json.loads(trace.steps or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []


async def prune(db, days: float, now: datetime | None = None) -> int:
    """Delete traces older than `days`; the number deleted."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    async with db.write() as s:
        result = await s.execute(delete(TurnTrace).where(TurnTrace.created_at < cutoff))
    return int(result.rowcount or 0)
