"""Pending questions (a capability asks, the person's next message answers) and the yes/no/choice words.

Capabilities register their handlers on a Router (bot/capabilities.py); this module keeps the questions
themselves: one open question per (conversation, person), closed exactly once.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import bindparam, select, update

from bot.capabilities import ToolContext, ToolOutput
from bot.models import PendingAction, utcnow

# --- pending questions ---------------------------------------------------------------------------


async def open_pending(
    ctx: ToolContext, kind: str, payload: dict, ttl: timedelta = timedelta(hours=2)
) -> PendingAction:
    """Ask the user something; their next message in this conversation may answer it."""
    async with ctx.db.write() as s:
        await s.execute(
            update(PendingAction)
            .where(PendingAction.conversation_key == ctx.conversation_key, PendingAction.status == "open")
            .values(status="replaced")
        )
        pending = PendingAction(
            conversation_key=ctx.conversation_key,
            staff_id=ctx.actor.staff_id,
            kind=kind,
            payload=payload,
            expires_at=utcnow() + ttl,
        )
        s.add(pending)
    return pending


_PENDING = PendingAction.__table__
_OPEN_PENDING = (
    select(_PENDING)
    .where(
        _PENDING.c.conversation_key == bindparam("key"),
        _PENDING.c.status == "open",
        _PENDING.c.expires_at > bindparam("now"),
    )
    .order_by(_PENDING.c.id.desc())
    .limit(1)
)


async def current_pending(ctx: ToolContext) -> PendingAction | None:
    """The open question in this conversation, if any (checked on every message: kept lean)."""
    rows = await ctx.db.fetch(_OPEN_PENDING, {"key": ctx.conversation_key, "now": utcnow()})
    if not rows:
        return None
    pending = PendingAction(**rows[0])
    if pending.staff_id not in (None, ctx.actor.staff_id):
        return None  # in a group, only the person who was asked can answer
    return pending


async def close_pending(ctx: ToolContext, pending: PendingAction, status: str = "done") -> bool:
    """Close once: False if it was already closed (a double answer must not act twice)."""
    async with ctx.db.write() as s:
        res = await s.execute(
            update(PendingAction)
            .where(PendingAction.id == pending.id, PendingAction.status == "open")
            .values(status=status)
        )
    return res.rowcount == 1


CANCEL_WORDS = {"取消", "算了", "不用了", "不要了", "cancel"}
YES_WORDS = {"是", "是的", "好", "好的", "确认", "对", "对的", "嗯", "可以", "行", "没问题", "ok", "OK", "记", "建"}
NO_WORDS = CANCEL_WORDS | {"不", "不是", "不对", "否", "不用"}


async def yes_or_no(ctx: ToolContext, pending: PendingAction, answer: str, declined: str) -> "ToolOutput | bool":
    """The answer to a yes/no question: True to go ahead (the question is now closed); a ToolOutput to
    send instead (declined, or already answered elsewhere); False when it is no answer at all, so the
    message is handled normally."""
    answer = answer.strip()
    if answer in NO_WORDS:
        await close_pending(ctx, pending, "cancelled")
        return ToolOutput(declined)
    if answer not in YES_WORDS:
        return False
    if not await close_pending(ctx, pending):
        return ToolOutput("这条已经处理过了。")
    return True


def pick_option(answer: str, count: int) -> int | None:
    """'2', '第2个', '２' → index 1; None if the answer is not a choice."""
    m = re.fullmatch(r"\s*(?:第)?\s*([0-9０-９一二三四五六七八九])\s*(?:个|家|项)?\s*", answer)
    if not m:
        return None
    ch = m.group(1)
    n = (
        "一二三四五六七八九".find(ch) + 1
        if ch in "一二三四五六七八九"
        else int(ch.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
    )
    return n - 1 if 1 <= n <= count else None
