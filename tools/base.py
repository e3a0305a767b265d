"""The shape of a capability's tool: a service function with its authorization, plus a LangChain tool over it.

A capability module declares its tools with `@capability_tool(...)`. The same handler serves the agent
(through `langchain_tools`) and the commands (through `run_tool`), so authorization lives in one place:
a tool whose roles exclude the actor is neither offered to the model nor executed if asked for anyway.
"""
from __future__ import annotations

import contextlib
import contextvars
import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Awaitable, Callable
from zoneinfo import ZoneInfo

from langchain_core.tools import StructuredTool
from pydantic import BaseModel, ValidationError

from bot.messages import Actor, Card, Inbound, Role, WriteSource
from bot.models import AuditLog

if TYPE_CHECKING:  # pragma: no cover
    from bot.app import App

log = logging.getLogger(__name__)

STAFF = frozenset({Role.REP, Role.MANAGER, Role.ADMIN})
EVERYONE = frozenset(Role)


class ToolDenied(Exception):
    """The actor may not do this. The message is shown to the user (Chinese)."""


class ToolError(Exception):
    """The request cannot be done as asked. The message is shown to the user (Chinese)."""


@dataclass
class ToolOutput:
    text: str  # what the user (and the model) sees
    card: Card | None = None
    data: dict[str, Any] = field(default_factory=dict)  # structured result for tests / callers


@dataclass
class ToolContext:
    app: "App"
    actor: Actor
    conversation_key: str
    inbound: Inbound | None = None
    message_row_id: int | None = None  # ledger row of the inbound message
    source: WriteSource = WriteSource.MANUAL
    call_index: int = 0  # distinguishes several writes caused by one message
    llm_seconds: float = 0.0  # time spent waiting for the model in this turn (pipeline overhead excludes it)
    trace: list[tuple[str, dict]] = field(default_factory=list)  # tool calls the model made (eval, debugging)
    outputs: list[ToolOutput] = field(default_factory=list)  # what the tools returned in this turn

    @property
    def db(self):
        return self.app.db

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.app.settings.timezone)

    def now(self) -> datetime:
        return self.app.clock.now(self.tz)

    def today(self) -> date:
        return self.now().date()

    def idempotency_key(self, what: str) -> str | None:
        """Same inbound message + same write → same key, so a redelivery or a retried turn writes once."""
        if self.inbound is None:
            return None
        return f"{self.inbound.platform}:{self.inbound.msg_id}:{what}:{self.call_index}"

    def provenance(self) -> dict[str, Any]:
        return {
            "created_by_id": self.actor.staff_id,
            "created_source": self.source.value,
            "source_message_id": self.message_row_id,
        }

    def audit(self, action: str, record_type: str | None = None, record_id: int | None = None, **detail) -> AuditLog:
        return AuditLog(
            actor_staff_id=self.actor.staff_id,
            actor_role=self.actor.role.value,
            source=self.source.value,
            action=action,
            record_type=record_type,
            record_id=record_id,
            message_id=self.message_row_id,
            detail=detail,
        )


Handler = Callable[[ToolContext, Any], Awaitable[ToolOutput]]


@dataclass
class ToolSpec:
    name: str
    description: str
    args_schema: type[BaseModel]
    handler: Handler
    roles: frozenset[Role]
    writes: bool = False


REGISTRY: dict[str, ToolSpec] = {}


def capability_tool(name: str, description: str, args: type[BaseModel], roles=STAFF, writes: bool = False):
    def register(fn: Handler) -> Handler:
        REGISTRY[name] = ToolSpec(name, description, args, fn, frozenset(roles), writes)
        return fn

    return register


def tools_for(role: Role) -> list[ToolSpec]:
    return [spec for spec in REGISTRY.values() if role in spec.roles]


async def _audit_denial(ctx: ToolContext, spec_name: str, reason: str) -> None:
    async with ctx.db.write() as s:
        s.add(ctx.audit("tool.denied", detail_tool=spec_name, reason=reason))


async def run_tool(ctx: ToolContext, name: str, args: dict[str, Any] | BaseModel) -> ToolOutput:
    """Run a tool with authorization, validation and a clear message for every failure."""
    spec = REGISTRY.get(name)
    if spec is None:
        raise ToolError(f"没有这个功能：{name}")
    if ctx.actor.role not in spec.roles:
        await _audit_denial(ctx, name, "role")
        raise ToolDenied("抱歉，这个操作不在你的权限范围内。")
    if isinstance(args, BaseModel):
        parsed = args
    else:
        try:
            parsed = spec.args_schema.model_validate(args)
        except ValidationError as exc:
            first = exc.errors()[0]
            field_name = ".".join(str(p) for p in first.get("loc", ()))
            raise ToolError(f"参数不对（{field_name}）：{first.get('msg')}") from exc
    try:
        return await spec.handler(ctx, parsed)
    except ToolDenied as exc:
        await _audit_denial(ctx, name, str(exc))
        raise


_current: contextvars.ContextVar[ToolContext] = contextvars.ContextVar("salesbot_tool_context")
_LC_TOOLS: dict[str, StructuredTool] = {}


def _langchain_tool(spec: ToolSpec) -> StructuredTool:
    """One LangChain tool per capability tool, built once: its JSON schema is costly to generate.
    The turn's ToolContext reaches it through a ContextVar set by `bound_to`."""
    tool = _LC_TOOLS.get(spec.name)
    if tool is None:

        async def call(**kwargs) -> str:
            ctx = _current.get()
            try:
                out = await run_tool(ctx, spec.name, kwargs)
            except (ToolDenied, ToolError) as exc:
                return json.dumps({"error": str(exc)}, ensure_ascii=False)
            ctx.call_index += 1
            ctx.outputs.append(out)
            return out.text

        tool = StructuredTool.from_function(coroutine=call, name=spec.name, description=spec.description,
                                            args_schema=spec.args_schema)
        _LC_TOOLS[spec.name] = tool
    return tool


def langchain_tools(role: Role) -> list[StructuredTool]:
    """The LangChain tools a role may use (the model is never offered the others)."""
    return [_langchain_tool(spec) for spec in tools_for(role)]


@contextlib.contextmanager
def bound_to(ctx: ToolContext):
    """Run LangChain tools on behalf of this turn."""
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
