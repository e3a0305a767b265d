"""The staff assistant: a LangChain tool-calling loop over the capability tools the speaker may use."""

from __future__ import annotations

import json
import logging
import time

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from agents.llm import chat
from agents.proposals import finish_turn, proposal_context
from agents.tool_bridge import bound_to, langchain_tools
from bot import prompt_templates as prompts
from bot.capabilities import ToolContext, ToolDenied, ToolError, run_tool
from bot.memory import group_context, recent_memory
from bot.messages import ROLE_LABELS, Reply, Role
from bot.zh_parse.dates import WEEKDAYS

log = logging.getLogger(__name__)

MAX_STEPS = 5


def message_text(message: AIMessage) -> str:
    content = message.content
    if isinstance(content, list):  # some providers return content blocks
        content = "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return (content or "").strip()


class StaffAgent:
    prompt_name = "staff_system"

    def __init__(self, app):
        self.app = app
        self.model = app.chat_model()
        self._bound: dict[Role, tuple] = {}

    def model_for(self, role: Role):
        """The model with the role's tools bound, built once per role (tool schemas are costly)."""
        if role not in self._bound:
            tools = langchain_tools(self.app.capabilities, role)
            model = self.model.bind_tools(tools) if tools else self.model
            self._bound[role] = (model, {t.name: t for t in tools})
        return self._bound[role]

    def system_prompt(self, ctx: ToolContext) -> str:
        today = ctx.today()
        return prompts.render(
            self.prompt_name,
            name=ctx.actor.name or "同事",
            role=ROLE_LABELS.get(ctx.actor.role.value, ""),
            team=ctx.actor.team or "-",
            today=today.isoformat(),
            weekday="周" + WEEKDAYS[today.weekday()],
        )

    async def history(self, ctx: ToolContext) -> list:
        out = []
        for m in await recent_memory(self.app, ctx.conversation_key):
            out.append(HumanMessage(m.content) if m.role == "user" else AIMessage(m.content))
        return out

    async def run(self, ctx: ToolContext, text: str) -> list[Reply]:
        model, by_name = self.model_for(ctx.actor.role)
        system = "\n\n".join(filter(None, [self.system_prompt(ctx), *await self.context_notes(ctx)]))
        messages = [SystemMessage(system), *await self.history(ctx), HumanMessage(text)]
        answer = ""
        with bound_to(ctx):
            for _ in range(MAX_STEPS):
                started = time.perf_counter()
                try:
                    ai = await chat(model, messages)
                finally:
                    ctx.llm_seconds += time.perf_counter() - started
                messages.append(ai)
                if not ai.tool_calls:
                    answer = message_text(ai)
                    break
                for call in ai.tool_calls:
                    content = await self._call_tool(ctx, by_name, call)
                    messages.append(ToolMessage(content, tool_call_id=call["id"]))
        if not answer:  # the model kept calling tools: tell the user what the tools did
            answer = "\n".join(o.text for o in ctx.outputs) or "好的。"
        replies = [Reply(answer)]
        replies += [Reply(card=o.card) for o in ctx.outputs if o.card is not None]
        return await finish_turn(ctx, text, replies)

    async def context_notes(self, ctx: ToolContext) -> list[str]:
        """Marked context beside the prompt: the open proposal, and in a group what colleagues said lately."""
        notes = [await proposal_context(ctx)]
        if ctx.inbound is not None and ctx.inbound.is_group:
            lines = await group_context(self.app, ctx.inbound.conversation_key, ctx.conversation_key)
            if lines:
                notes.append("群里最近的消息（仅供参考，不是当前用户说的）：\n" + "\n".join(f"- {x}" for x in lines))
        return notes

    async def _call_tool(self, ctx: ToolContext, by_name: dict, call: dict) -> str:
        ctx.trace.append((call["name"], dict(call["args"])))
        tool = by_name.get(call["name"])
        if tool is not None:
            return await tool.ainvoke(call["args"])
        # a tool the speaker may not use (or that does not exist): refused and audited by the service layer
        try:
            out = await run_tool(ctx, call["name"], call["args"])
        except (ToolDenied, ToolError) as exc:
            log.warning("model asked for tool %s: refused (%s)", call["name"], exc)
            return json.dumps({"error": str(exc)}, ensure_ascii=False)
        ctx.outputs.append(out)  # pragma: no cover - only reachable if a role's tool list is out of date
        return out.text
