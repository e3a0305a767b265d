"""The capability contract: what a capability (tools/) gives the core, and how the core calls it.

A capability declares its parts on its own `Router` (aiogram's Router is the model) and exposes one
`register(capabilities)` that includes the router. The composition root (salesbot/app.py) builds one
`Capabilities` per app and includes every capability explicitly, in a fixed order; nothing is registered
as a side effect of importing a module, and a name registered twice is refused.

Parts a router can hold:
  * tools — service functions with their authorization (`ToolSpec`); the agents offer them to the model,
    commands and card handlers call the same functions, so authorization lives in one place;
  * slash commands, answers to pending questions, card button presses;
  * offline intents (everyday sentences understood without a model);
  * handlers for inbound kinds (file, picture, location) and for long text (a pasted transcript);
  * deal hooks: what to do after a deal changed stage (the customers capability calls them, whoever moved
    the deal), and extra lines for a deal in the customer summary;
  * one speech handler: a voice note the platform did not transcribe → its text, which then takes the
    ordinary text path (commands, pending answers, the agent or the offline answer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Awaitable, Callable
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from bot.messages import Actor, Card, CardAction, Inbound, InboundKind, Reply, Role, WriteSource
from bot.models import AuditLog, PendingAction

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime

STAFF = frozenset({Role.REP, Role.MANAGER, Role.ADMIN})
EVERYONE = frozenset(Role)


class ToolDenied(Exception):
    """The actor may not do this. The message is shown to the user (Chinese). `audited` is set once the
    refusal has its audit row, so a refusal passing through several layers is recorded once."""

    audited: bool = False


class ToolError(Exception):
    """The request cannot be done as asked. The message is shown to the user (Chinese)."""


@dataclass
class ToolOutput:
    text: str  # what the user (and the model) sees
    card: Card | None = None
    data: dict[str, Any] = field(default_factory=dict)  # structured result for tests / callers


@dataclass
class ToolContext:
    app: "Runtime"
    actor: Actor
    conversation_key: str
    inbound: Inbound | None = None
    message_row_id: int | None = None  # ledger row of the inbound message
    source: WriteSource = WriteSource.MANUAL
    call_index: int = 0  # distinguishes several writes caused by one message
    llm_seconds: float = 0.0  # time spent waiting for the model in this turn (pipeline overhead excludes it)
    trace: list[tuple[str, dict]] = field(default_factory=list)  # tool calls the model made (eval, debugging)
    outputs: list[ToolOutput] = field(default_factory=list)  # what the tools returned in this turn
    # the answer so far, as the model writes it (a preview for the channel: bot/progress.py); None when the
    # channel shows no previews, and then the agent need not stream
    progress: Callable[[str], None] | None = None
    # writes the model asked for in this turn, held as a proposal until the person confirms (agents/proposals.py)
    proposed: list[dict[str, Any]] = field(default_factory=list)
    # what the console's 对话记录 shows of this turn (bot/turn_trace.py): the path taken and, for a model turn,
    # what the model was asked, each call and each tool result (masked, cut short)
    route: str = ""
    steps: list[dict[str, Any]] = field(default_factory=list)

    @property
    def db(self):
        return self.app.db

    @property
    def capabilities(self) -> "Capabilities":
        return self.app.capabilities

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


ToolHandler = Callable[[ToolContext, Any], Awaitable[ToolOutput]]
# what a write would do, in the person's words (lines shown before they confirm); may raise ToolError
DescribeHook = Callable[[ToolContext, Any], Awaitable[list[str]]]
# takes back what a write did (its ToolOutput.data); returns what to tell the person
UndoHook = Callable[[ToolContext, dict[str, Any]], Awaitable[str]]
CommandHandler = Callable[[ToolContext, str], Awaitable[ToolOutput]]
PendingHandler = Callable[[ToolContext, PendingAction, str], Awaitable["ToolOutput | None"]]
CardHandler = Callable[[ToolContext, CardAction], Awaitable[list[Reply]]]
OfflineIntent = Callable[[ToolContext, str], Awaitable["ToolOutput | None"]]
KindHandler = Callable[[ToolContext], Awaitable[ToolOutput]]
LongTextHandler = Callable[[ToolContext, str], Awaitable[ToolOutput]]
# a voice note → its words; raises ToolError with what to tell the person when it cannot be heard
SpeechHandler = Callable[[ToolContext], Awaitable[str]]


@dataclass(frozen=True)
class StageChange:
    """A deal moved from `old` to `new` stage (already written)."""

    opportunity_id: int
    old: str | None
    new: str


# after a stage change: lines to add to what the person is told (a hook may also ask them something)
StageHook = Callable[[ToolContext, StageChange], Awaitable[list[str]]]
# extra lines under a deal in the customer summary (e.g. which key questions are answered)
DealLines = Callable[[ToolContext, Any], Awaitable[list[str]]]


@dataclass
class ToolSpec:
    name: str
    description: str
    args_schema: type[BaseModel]
    handler: ToolHandler
    roles: frozenset[Role]
    writes: bool = False
    describe: DescribeHook | None = None  # writes: how the capability words a proposal of this call
    undo: UndoHook | None = None  # writes: how to take it back (needed for "direct with undo")


@dataclass
class Command:
    name: str
    usage: str
    summary: str
    handler: CommandHandler
    roles: frozenset[Role]
    aliases: tuple[str, ...] = ()


class Router:
    """One capability's parts, declared with decorators next to the functions they name."""

    def __init__(self, name: str):
        self.name = name
        self.tools: list[ToolSpec] = []
        self.commands: list[Command] = []
        self.pending_handlers: dict[str, PendingHandler] = {}
        self.card_handlers: dict[str, CardHandler] = {}
        self.offline_intents: list[tuple[int, OfflineIntent]] = []
        self.kind_handlers: dict[InboundKind, KindHandler] = {}
        self.long_text_handlers: list[LongTextHandler] = []
        self.stage_hooks: list[StageHook] = []
        self.deal_lines: list[DealLines] = []

        self.speech_handlers: list[SpeechHandler] = []

    def tool(
        self,
        name: str,
        description: str,
        args: type[BaseModel],
        roles=STAFF,
        writes: bool = False,
        describe: DescribeHook | None = None,
        undo: UndoHook | None = None,
    ):
        def add(fn: ToolHandler) -> ToolHandler:
            self.tools.append(ToolSpec(name, description, args, fn, frozenset(roles), writes, describe, undo))
            return fn

        return add

    def command(self, name: str, usage: str, summary: str, roles=STAFF, aliases: tuple[str, ...] = ()):
        def add(fn: CommandHandler) -> CommandHandler:
            self.commands.append(Command(name, usage, summary, fn, frozenset(roles), aliases))
            return fn

        return add

    def pending(self, kind: str):
        """Answers to the questions this capability asks (`open_pending(ctx, kind, …)`)."""

        def add(fn: PendingHandler) -> PendingHandler:
            self.pending_handlers[kind] = fn
            return fn

        return add

    def card(self, prefix: str):
        """Cards whose card_id starts with `prefix-` come back to this handler."""

        def add(fn: CardHandler) -> CardHandler:
            self.card_handlers[prefix] = fn
            return fn

        return add

    def offline_intent(self, order: int):
        """Free text from staff when no model answers: the capability recognises its own everyday phrasing
        ("今天拜访了华东机械…") and answers or asks to confirm; returning None passes. Lower order goes first."""

        def add(fn: OfflineIntent) -> OfflineIntent:
            self.offline_intents.append((order, fn))
            return fn

        return add

    def kind(self, kind: InboundKind):
        """Messages of this kind (a file, a location, a voice note without text) go to this handler."""

        def add(fn: KindHandler) -> KindHandler:
            self.kind_handlers[kind] = fn
            return fn

        return add

    def long_text(self, fn: LongTextHandler) -> LongTextHandler:
        """Staff text longer than a chat message (a pasted transcript) goes here."""
        self.long_text_handlers.append(fn)
        return fn

    def after_stage_change(self, fn: StageHook) -> StageHook:
        """Called once a deal's stage changed, by whichever path (command, words, confirmed proposal)."""
        self.stage_hooks.append(fn)
        return fn

    def deal_summary(self, fn: DealLines) -> DealLines:
        """Lines shown under each open deal in the customer summary."""
        self.deal_lines.append(fn)

    def speech(self, fn: SpeechHandler) -> SpeechHandler:
        """Voice notes without the platform's transcript: return their text (one handler per app)."""
        self.speech_handlers.append(fn)
        return fn


_COMMAND_RE = re.compile(r"^[/／]\s*(\S+?)(?:\s+|$)(.*)$", re.S)


class Capabilities:
    """Everything the capabilities registered, for one app. Built by the composition root."""

    def __init__(self):
        self.routers: list[str] = []
        self.tools: dict[str, ToolSpec] = {}
        self.commands: dict[str, Command] = {}
        self.pending_handlers: dict[str, PendingHandler] = {}
        self.card_handlers: dict[str, CardHandler] = {}
        self.offline_intents: list[tuple[int, OfflineIntent]] = []
        self.kind_handlers: dict[InboundKind, KindHandler] = {}
        self.long_text_handlers: list[LongTextHandler] = []
        self.stage_hooks: list[StageHook] = []
        self.deal_lines: list[DealLines] = []

        self.speech_handler: SpeechHandler | None = None
        self._state: dict[str, Any] = {}

    def include(self, router: Router) -> None:
        if router.name in self.routers:
            raise ValueError(f"capability {router.name!r} is included twice")
        self.routers.append(router.name)
        for spec in router.tools:
            self._add(self.tools, spec.name, spec, "tool")
        for cmd in router.commands:
            for word in (cmd.name, *cmd.aliases):
                self._add(self.commands, word.lower(), cmd, "command")
        for kind, handler in router.pending_handlers.items():
            self._add(self.pending_handlers, kind, handler, "pending question")
        for prefix, handler in router.card_handlers.items():
            self._add(self.card_handlers, prefix, handler, "card prefix")
        for kind, handler in router.kind_handlers.items():
            self._add(self.kind_handlers, kind, handler, "inbound kind")
        self.long_text_handlers.extend(router.long_text_handlers)
        self.stage_hooks.extend(router.stage_hooks)
        self.deal_lines.extend(router.deal_lines)

        for handler in router.speech_handlers:
            if self.speech_handler is not None:
                raise ValueError("speech handler is registered twice")
            self.speech_handler = handler
        self.offline_intents.extend(router.offline_intents)
        self.offline_intents.sort(key=lambda item: item[0])

    @staticmethod
    def _add(table: dict, key, value, what: str) -> None:
        if key in table:
            raise ValueError(f"{what} {key!r} is registered twice")
        table[key] = value

    # --- look-ups -----------------------------------------------------------------------------

    def tools_for(self, role: Role) -> list[ToolSpec]:
        return [spec for spec in self.tools.values() if role in spec.roles]

    def parse_command(self, text: str) -> tuple[Command | None, str, str] | None:
        """(command or None if unknown, the word typed, the argument) for text starting with '/'; else None."""
        m = _COMMAND_RE.match(text.strip())
        if not m:
            return None
        word, arg = m.group(1), m.group(2).strip()
        return self.commands.get(word.lower()), word, arg

    def commands_for(self, role: Role) -> list[Command]:
        seen, out = set(), []
        for cmd in self.commands.values():
            if role in cmd.roles and cmd.name not in seen:
                seen.add(cmd.name)
                out.append(cmd)
        return out

    def state(self, key: str, factory: Callable[[], Any]) -> Any:
        """A capability's own per-app object (a rules cache, a parsed config), made on first use."""
        if key not in self._state:
            self._state[key] = factory()
        return self._state[key]


async def _audit_denial(ctx: ToolContext, spec_name: str, reason: str) -> None:
    async with ctx.db.write() as s:
        s.add(ctx.audit("tool.denied", detail_tool=spec_name, reason=reason))


async def audit_refusal(ctx: ToolContext, exc: ToolDenied, where: str) -> None:
    """Record a refusal that reached the user without an audit row yet (a slash command, a card press)."""
    if exc.audited:
        return
    await _audit_denial(ctx, where, str(exc))
    exc.audited = True


async def run_tool(ctx: ToolContext, name: str, args: dict[str, Any] | BaseModel) -> ToolOutput:
    """Run a tool with authorization, validation and a clear message for every failure."""
    spec = ctx.capabilities.tools.get(name)
    if spec is None:
        raise ToolError(f"没有这个功能：{name}")
    if ctx.actor.role not in spec.roles:
        await _audit_denial(ctx, name, "role")
        denied = ToolDenied("抱歉，这个操作不在你的权限范围内。")
        denied.audited = True
        raise denied
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
        await audit_refusal(ctx, exc, name)
        raise
