"""The staff assistant: a LangChain tool-calling loop over the capability tools the speaker may use."""

from __future__ import annotations

import logging
import time

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from agents import tool_feedback
from agents.llm import LLMError, chat, tools_unsupported
from agents.proposals import finish_turn, proposal_context
from agents.quirks import sanitize_answer
from agents.streaming import stream_chat
from agents.tool_bridge import bound_to, invoke, langchain_tools
from bot.agent import ModelUnavailable
from bot.capabilities import ToolContext
from bot.memory import group_context, recent_memory
from bot.messages import ROLE_LABELS, Reply, Role
from bot.turn_trace import masked_args, short, step
from bot.zh_parse.dates import WEEKDAYS

log = logging.getLogger(__name__)

MAX_STEPS = 5
TRUNCATED_NOTE = (
    "你上一条回答超过了长度上限被截断了。请重新回答，控制在三五句话以内；需要调用工具就直接调用，不要先写长段说明。"
)
NOTHING_DONE = "这条我没处理好，换个说法再发一次？也可以用 /帮助 里的命令。"
NO_TOOLS_LOG = (
    "大模型不支持工具调用（function calling），先按离线模式回复；请换一个支持工具调用的模型，"
    "或者在 vLLM 启动时加上 --enable-auto-tool-choice --tool-call-parser。服务端原话：%s"
)


class ToolsUnsupported(ModelUnavailable):
    """The configured model cannot call tools: turns are answered offline, with a note saying why."""

    offline_reason = "no_tools"


def message_text(message: AIMessage) -> str:
    content = message.content
    if isinstance(content, list):  # some providers return content blocks
        content = "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return (content or "").strip()


def llm_step(ai: AIMessage, seconds: float) -> dict:
    """One model call as the console's trace shows it: time, tokens, the tool calls asked for, the words."""
    usage = getattr(ai, "usage_metadata", None) or {}
    return step(
        "llm",
        ms=int(seconds * 1000),
        tokens=[int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0)],
        calls=[{"name": c.get("name") or "", "args": masked_args(c.get("args"))} for c in ai.tool_calls]
        + [{"name": c.get("name") or "", "invalid": short(c.get("args"), 200)} for c in ai.invalid_tool_calls],
        text=short(message_text(ai)),
        truncated=bool(ai.response_metadata.get("truncated")),
    )


class StaffAgent:
    prompt_name = "staff_system"

    def __init__(self, app):
        self.app = app
        self.model = app.chat_model()
        self._bound: dict[Role, tuple] = {}
        self.tools_refused: str | None = None  # the endpoint said this model can't call tools (its message)

    def model_for(self, role: Role):
        """The model with the role's tools bound, built once per role (tool schemas are costly)."""
        if role not in self._bound:
            tools = langchain_tools(self.app.capabilities, role)
            model = self.model.bind_tools(tools) if tools else self.model
            self._bound[role] = (model, {t.name: t for t in tools})
        return self._bound[role]

    def system_prompt(self, ctx: ToolContext) -> str:
        today = ctx.today()
        return self.app.prompts.render(
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
        if self.tools_refused is not None:  # recorded on an earlier turn: don't call a model that can't do it
            raise ToolsUnsupported(self.tools_refused)
        model, by_name = self.model_for(ctx.actor.role)
        notes = await self.context_notes(ctx)
        system = "\n\n".join(filter(None, [self.system_prompt(ctx), *notes]))
        history = await self.history(ctx)
        messages = [SystemMessage(system), *history, HumanMessage(text)]
        ctx.steps.append(
            step(
                "asked",
                prompt=self.prompt_name,
                system_chars=len(system),
                history=len(history),
                notes=[short(n) for n in notes if n],
                text=short(text),
            )
        )
        answer, truncated_once = None, False
        with bound_to(ctx):
            for _ in range(MAX_STEPS):
                ai = await self._chat(ctx, model, messages)
                if not ai.tool_calls and not ai.invalid_tool_calls:
                    truncated = bool(ai.response_metadata.get("truncated"))
                    if truncated and not truncated_once:
                        # cut off by the token limit: ask once more for a short answer (the cut one is dropped)
                        truncated_once = True
                        messages.append(SystemMessage(TRUNCATED_NOTE))
                        continue
                    answer = sanitize_answer(message_text(ai))
                    if truncated and answer:
                        answer += "\n（内容较长，先说到这里。）"
                    break
                messages.append(ai)
                for call in ai.tool_calls:
                    content = await self._call_tool(ctx, by_name, call)
                    ctx.steps.append(
                        step(
                            "tool",
                            name=call.get("name") or "",
                            args=masked_args(call.get("args")),
                            result=short(content),
                        )
                    )
                    messages.append(ToolMessage(content, tool_call_id=call["id"]))
                for call in ai.invalid_tool_calls:  # unreadable JSON: tell the model, it can call again
                    ctx.trace.append((call.get("name") or "", {"_raw": str(call.get("args"))[:200]}))
                    spec = ctx.capabilities.tools.get(call.get("name") or "")
                    feedback = tool_feedback.unreadable_arguments(call.get("name") or "", call.get("args"), spec)
                    messages.append(ToolMessage(feedback, tool_call_id=call["id"]))
        if not answer:  # the model kept calling tools, or said nothing a rep should read: what the tools did
            answer = "\n".join(o.text for o in ctx.outputs) or NOTHING_DONE
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

    async def _chat(self, ctx: ToolContext, model, messages: list) -> AIMessage:
        started = time.perf_counter()
        try:
            if ctx.progress is not None:  # the channel shows the answer as it is written
                ai = await stream_chat(model, messages, ctx.progress)
            else:
                ai = await chat(model, messages)
            ctx.steps.append(llm_step(ai, time.perf_counter() - started))
            return ai
        except Exception as exc:
            ctx.steps.append(step("llm", ms=int((time.perf_counter() - started) * 1000), error=short(str(exc), 200)))
            if isinstance(exc, LLMError) and tools_unsupported(exc):
                self.tools_refused = str(exc)
                log.warning(NO_TOOLS_LOG, exc)
                raise ToolsUnsupported(str(exc)) from exc
            raise
        finally:
            ctx.llm_seconds += time.perf_counter() - started

    async def _call_tool(self, ctx: ToolContext, by_name: dict, call: dict) -> str:
        """The raw arguments go to the service layer as the model sent them (not through LangChain's
        validation, whose English error would end the turn): `invoke` answers the model's mistakes with a
        message it can act on, and refuses and audits tools the speaker may not use."""
        name = call.get("name") or ""
        ctx.trace.append((name, tool_feedback.canonical_args(ctx.capabilities.tools.get(name), call.get("args"))))
        return await invoke(ctx, name, call.get("args"))
