"""The offline answer: free text answered without a model (none configured, or it is not answering).

Staff get what a capability recognises (its offline intents), else knowledge hits, else a short help;
customers get lead capture (details in any order, a phone number or a wish for a person hands off) and
public knowledge; they are never told about modes or commands, which are the staff's business.
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
    customer = ctx.actor.role is Role.CUSTOMER
    if customer:
        # details, 「转人工」 and frustration first: someone asking for a person gets one, not a document
        captured = await leads.offline_customer_answer(ctx, text)
        if captured:
            return captured
    else:
        for _, intent in ctx.capabilities.offline_intents:
            try:
                out = await intent(ctx, text)
            except (ToolError, ToolDenied) as exc:
                return f"{exc}\n{note}"
            if out is not None:
                return f"{out.text}\n{note}"
    passages = ""
    kb = ctx.app.knowledge
    if kb is not None:
        try:
            audience = "public" if customer else None
            hits = await kb.search(text, audience=audience, top=3)
            passages = format_hits_for_chat(hits, customer=customer) if hits else ""
        except Exception:  # the knowledge base must never break the offline answer
            log.exception("offline knowledge search failed")
    if customer:
        hint = leads.leave_contact_hint()
        return f"{passages}\n\n{hint}" if passages else f"您好，已收到您的消息。{hint}"
    if passages:
        return f"{passages}\n{note}"
    usage = "\n".join(f"· {c.usage}" for c in replies.primary_commands(ctx.capabilities.commands_for(ctx.actor.role)))
    return f"{note}\n我没太明白。可以这样用：\n{usage}"
