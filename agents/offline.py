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

# the offline-mode note is said once per conversation and day: repeated under every answer it is noise
NOTE_TTL_SECONDS = 36 * 3600


async def mode_note(ctx: "ToolContext", reason: str) -> str:
    """The note explaining why the answer is plain: the LLM-down note every time (the message was kept and
    the rep should know why the answer is thin), the offline note the first time today in this conversation."""
    if reason == "no_tools":  # the model answers but cannot call tools: said every time, like an outage
        return replies.NO_TOOLS_NOTE
    if reason != "offline":
        return replies.LLM_DOWN_NOTE
    key = f"offline-note:{ctx.conversation_key}:{ctx.today().isoformat()}"
    if await ctx.app.kv.get(key):
        return ""
    await ctx.app.kv.set(key, "1", ttl_seconds=NOTE_TTL_SECONDS)
    return replies.OFFLINE_NOTE


def _with(text: str, note: str) -> str:
    return f"{text}\n{note}" if note else text


async def offline_answer(ctx: "ToolContext", text: str, reason: str) -> str:
    """Free text without an LLM: what a capability recognises, else knowledge hits, else a short help."""
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
                return _with(str(exc), await mode_note(ctx, reason))
            if out is not None:
                # an everyday sentence that worked needs no excuse; only a model outage is worth saying
                return _with(out.text, await mode_note(ctx, reason) if reason != "offline" else "")
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
    note = await mode_note(ctx, reason)
    if passages:
        return _with(passages, note)
    usage = "\n".join(f"· {c.usage}" for c in replies.primary_commands(ctx.capabilities.commands_for(ctx.actor.role)))
    return f"{note}\n我没太明白。可以这样用：\n{usage}" if note else f"我没太明白。可以这样用：\n{usage}"
