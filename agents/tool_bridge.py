"""The capability tools as LangChain tools (what the agents bind to the model).

One LangChain tool per capability tool, built once: its JSON schema is costly to generate. The turn's
ToolContext reaches the tool through a ContextVar set by `bound_to`, so one tool object serves every turn.
"""

from __future__ import annotations

import contextlib
import contextvars
import json

from langchain_core.tools import StructuredTool

from agents.proposals import intercept, intercepts
from bot.capabilities import Capabilities, ToolContext, ToolDenied, ToolError, ToolSpec, run_tool
from bot.messages import Role

_current: contextvars.ContextVar[ToolContext] = contextvars.ContextVar("salesbot_tool_context")
_BUILT: dict[str, tuple[ToolSpec, StructuredTool]] = {}


def _langchain_tool(spec: ToolSpec) -> StructuredTool:
    built = _BUILT.get(spec.name)
    if built is not None and built[0] is spec:
        return built[1]

    async def call(**kwargs) -> str:
        ctx = _current.get()
        if intercepts(ctx, spec):  # a staff write waits for the person's 确认 (agents/proposals.py)
            return await intercept(ctx, spec, kwargs)
        try:
            out = await run_tool(ctx, spec.name, kwargs)
        except (ToolDenied, ToolError) as exc:
            return json.dumps({"error": str(exc)}, ensure_ascii=False)
        ctx.call_index += 1
        ctx.outputs.append(out)
        return out.text

    tool = StructuredTool.from_function(
        coroutine=call, name=spec.name, description=spec.description, args_schema=spec.args_schema
    )
    _BUILT[spec.name] = (spec, tool)
    return tool


def langchain_tools(capabilities: Capabilities, role: Role) -> list[StructuredTool]:
    """The LangChain tools a role may use (the model is never offered the others)."""
    return [_langchain_tool(spec) for spec in capabilities.tools_for(role)]


@contextlib.contextmanager
def bound_to(ctx: ToolContext):
    """Run LangChain tools on behalf of this turn."""
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
