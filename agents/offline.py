"""The offline answer: free text answered without a model (none configured, or it is not answering).

Staff get what a capability recognises (its offline intents), else knowledge hits, else a short help;
customers get public knowledge and lead capture (a phone number left in the message is a lead).
"""

from __future__ import annotations

import logging

from bot import replies
from bot.capabilities import ToolContext, ToolDenied, ToolError
from bot.messages import Role
from tools import leads
from tools.talk_tracks import format_hits_for_chat

log = logging.getLogger(__name__)


async def offline_answer(ctx: "ToolContext", text: str, reason: str) -> str:
    """Free text without an LLM: what a capability recognises, else knowledge hits, else a short help."""
    note = {"offline": replies.OFFLINE_NOTE, "no_tools": replies.NO_TOOLS_NOTE}.get(reason, replies.LLM_DOWN_NOTE)
    if ctx.actor.role is not Role.CUSTOMER:
        for _, intent in ctx.capabilities.offline_intents:
            try:
                out = await intent(ctx, text)
            except (ToolError, ToolDenied) as exc:
                return f"{exc}\n{note}"
            if out is not None:
                return f"{out.text}\n{note}"
    passages = ""
    kb = getattr(ctx.app, "knowledge", None)
    if kb is not None:
        try:
            audience = "public" if ctx.actor.role is Role.CUSTOMER else None
            hits = await kb.search(text, audience=audience, top=3)
            passages = format_hits_for_chat(hits) if hits else ""
        except Exception:  # the knowledge base must never break the offline answer
            log.exception("offline knowledge search failed")
    if ctx.actor.role is Role.CUSTOMER:
        # a phone number in the message is a lead, LLM or not
        handed_off = await leads.offline_customer_answer(ctx, text)
        if handed_off:
            return handed_off
        hint = leads.leave_contact_hint()
        return f"{passages}\n\n{hint}" if passages else f"您好，已收到您的消息。{hint}"
    if passages:
        return f"{passages}\n{note}"
    usage = "\n".join(f"· {c.usage}" for c in replies.primary_commands(ctx.capabilities.commands_for(ctx.actor.role)))
    return f"{note}\n我没太明白。可以这样用：\n{usage}"
