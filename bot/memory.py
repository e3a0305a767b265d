"""Conversation memory: the last lines of a conversation, as the agents read them.

The dispatcher writes a turn's lines together with its replies and the ledger status (one commit); the
agents read them back with `recent_memory`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import bindparam, select

from bot.messages import SESSION_SEPARATOR
from bot.models import ConversationMessage

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime

_MEMORY = ConversationMessage.__table__
_RECENT_MEMORY = (
    select(_MEMORY.c.role, _MEMORY.c.content)
    .where(_MEMORY.c.conversation_key == bindparam("key"))
    .order_by(_MEMORY.c.id.desc())
    .limit(bindparam("limit"))
)


class MemoryLine(NamedTuple):
    role: str
    content: str


async def recent_memory(app: "Runtime", conversation_key: str, limit: int = 12) -> list[MemoryLine]:
    """The conversation's last lines, oldest first. Plain tuples: ORM objects cost more than the query."""
    rows = await app.db.fetch(_RECENT_MEMORY, {"key": conversation_key, "limit": limit})
    return [MemoryLine(row["role"], row["content"]) for row in reversed(rows)]


_GROUP_LINES = (
    select(_MEMORY.c.content)
    .where(
        _MEMORY.c.conversation_key.like(bindparam("prefix"), escape="\\"),
        _MEMORY.c.conversation_key != bindparam("mine"),
        _MEMORY.c.role == "user",
    )
    .order_by(_MEMORY.c.id.desc())
    .limit(bindparam("limit"))
)


async def group_context(app: "Runtime", group_key: str, session_key: str, limit: int = 6) -> list[str]:
    """What other members of a group said to the bot lately, oldest first (each member has their own memory:
    this is context for the model, never the speaker's own words)."""
    prefix = group_key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + SESSION_SEPARATOR + "%"
    rows = await app.db.fetch(_GROUP_LINES, {"prefix": prefix, "mine": session_key, "limit": limit})
    return [row["content"][:200] for row in reversed(rows)]
