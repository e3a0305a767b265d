"""The capability tools as LangChain tools (what the agents bind to the model).

One LangChain tool per capability tool, built once: its JSON schema is costly to generate. The turn's
ToolContext reaches the tool through a ContextVar set by `bound_to`, so one tool object serves every turn.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
from typing import Any

from langchain_core.tools import StructuredTool
from pydantic import ValidationError

from agents import tool_feedback
from agents.proposals import intercept, intercepts
from agents.quirks import repair_arguments
from bot.capabilities import Capabilities, ToolContext, ToolDenied, ToolError, ToolSpec, run_tool
from bot.db_retry import is_db_unavailable
from bot.messages import Role

log = logging.getLogger(__name__)

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


async def invoke(ctx: ToolContext, name: str, raw_args: Any) -> str:
    """One tool call the model made, run through the service layer (`run_tool`: authorization, audit),
    answered with the text the model sees next. The model's mistakes (unknown or refused tool, unreadable
    or invalid arguments) and service errors come back as a tool message saying what to fix, never as an
    exception: the model can retry within the turn, and the rep never gets a generic error for them."""
    spec = ctx.capabilities.tools.get(name)
    if spec is None or ctx.actor.role not in spec.roles:
        try:  # run_tool refuses it, and audits a refusal by role
            await run_tool(ctx, name, {})
        except (ToolDenied, ToolError) as exc:
            log.warning("model asked for tool %s: refused (%s)", name, exc)
            available = [s.name for s in ctx.capabilities.tools_for(ctx.actor.role)]
            return tool_feedback.unknown_tool(name, available, str(exc))
    args = repair_arguments(raw_args)
    if args is None:
        return tool_feedback.unreadable_arguments(name, raw_args, spec)
    try:
        parsed = spec.args_schema.model_validate(args)
    except ValidationError as exc:
        return tool_feedback.invalid_arguments(spec, args, exc)
    if intercepts(ctx, spec):  # a staff write waits for the person's 确认 (agents/proposals.py)
        return await intercept(ctx, spec, args)
    try:
        out = await run_tool(ctx, name, parsed)
    except (ToolDenied, ToolError) as exc:
        return json.dumps({"error": str(exc)}, ensure_ascii=False)
    except Exception as exc:  # a bug in a service: the model is told, the turn goes on
        if is_db_unavailable(exc):
            raise  # the dispatcher runs the whole turn again once the database is back
        log.exception("tool %s failed", name)
        return tool_feedback.service_error(name)
    ctx.call_index += 1
    ctx.outputs.append(out)
    return out.text
