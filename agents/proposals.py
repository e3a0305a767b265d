"""The agent's side of proposals: a write the model calls is validated and described, not run.

`intercept` stands in for the handler of every `writes=True` tool in a staff turn: the arguments are checked
and the capability words what would be written (its `describe` hook); a problem goes back to the model as the
tool's answer, so it can fix the call or ask the person. Otherwise the item joins the turn's proposal and the
model hears that nothing is written yet. `finish_turn` stores the proposal and makes the one reply that says
everything the turn would write, with its card. Customer turns are not intercepted: their only writes are
the lead-capture tools, which record what the customer says about themselves and need no colleague's 确认.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.capabilities import ToolContext, ToolDenied, ToolError, ToolSpec
from bot.messages import Reply
from tools.proposals import (
    TOLD_MODEL,
    current_proposal,
    describe_call,
    direct_tools,
    open_proposal,
    proposal_body,
    proposal_replies,
    write_direct,
)

# a model that says it wrote (it did not): its words are left out of the proposal message
_CLAIMS_WRITTEN = re.compile(
    r"已记录|已记下|记好了|记下了|已建|建好了|已创建|已提交|提交了|已保存|已写入|已更新|搞定|确认|提议"
)


def intercepts(ctx: ToolContext, spec: ToolSpec) -> bool:
    return spec.writes and ctx.actor.is_staff


def _error(exc: Exception) -> str:
    return json.dumps({"error": str(exc)}, ensure_ascii=False)


async def intercept(ctx: ToolContext, spec: ToolSpec, args: dict[str, Any]) -> str:
    """What the model hears for a write call: the proposal item, or what is wrong with the call."""
    try:
        item = await describe_call(ctx, spec, args)
    except (ToolDenied, ToolError) as exc:
        return _error(exc)
    if spec.name in direct_tools(ctx):
        try:
            out = await write_direct(ctx, spec, item)
        except (ToolDenied, ToolError) as exc:
            return _error(exc)
        out.data["direct"] = True
        ctx.outputs.append(out)
        return out.text
    if any(known["tool"] == item["tool"] and known["args"] == item["args"] for known in ctx.proposed):
        return "这一条已经在待确认的提议里了，不要重复调用。"  # a model repeating its call proposes it once
    ctx.proposed.append(item)
    return TOLD_MODEL + "\n" + "\n".join(item["lines"])


async def proposal_context(ctx: ToolContext) -> str:
    """The session's open proposal, for the model reading the person's next words (often a correction)."""
    if not ctx.actor.is_staff:
        return ""
    p = await current_proposal(ctx)
    if p is None:
        return ""
    return (
        "当前有一条待用户确认的提议（还没写入）：\n"
        f"{proposal_body(p)}\n"
        "如果用户这句话是在修改它（换日期、换客户、改金额等），请按修改后的完整内容重新调用对应的工具，"
        "新的调用会替换这条提议；如果用户在说别的事，正常回答即可。"
    )


async def finish_turn(ctx: ToolContext, text: str, replies: list[Reply]) -> list[Reply]:
    """The turn's replies with what it proposed (stored, as one message and card) and what it wrote directly."""
    direct = [o.text for o in ctx.outputs if o.data.get("direct")]
    if direct and replies and replies[0].text:
        missing = [t for t in direct if t not in replies[0].text]
        if missing:
            replies[0] = Reply("\n".join(missing))  # the undo hint must reach the person in our words
    if not ctx.proposed:
        return replies
    p, corrections = await open_proposal(ctx, ctx.proposed, evidence=text)
    answer = replies[0].text if replies else ""
    lead = answer if answer and not _CLAIMS_WRITTEN.search(answer) else ""
    if direct:
        lead = "\n".join([*direct, lead]).strip()
    ask_reason = any("reason" not in c for c in corrections)
    cards = [r for r in replies[1:] if r.card is not None]
    return [*proposal_replies(p, lead=lead, ask_reason=ask_reason), *cards]
