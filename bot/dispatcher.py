"""The dispatcher: who is speaking, one turn at a time per conversation, routed to the right path.

Card presses, answers to pending questions and slash commands go straight to the capability's service
(no LLM). Free text goes to the agent for the speaker's role, or to the offline answer when no LLM is
configured or the LLM is down. Different conversations run concurrently; one conversation's messages
are handled in arrival order.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import deque
from functools import cached_property
from typing import TYPE_CHECKING, Awaitable, Callable, NamedTuple

from sqlalchemy import insert
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from bot import replies
from bot.admission import TurnAdmission
from bot.agent import model_unavailable
from bot.capabilities import ToolContext, ToolDenied, ToolError, ToolOutput, audit_refusal
from bot.db_retry import is_db_unavailable, retry_db
from bot.identity import Identity
from bot.ledger import FINISH_STATEMENT, LEDGER_TABLE
from bot.messages import Inbound, InboundKind, Reply, Target, WriteSource
from bot.metrics import observe
from bot.models import ConversationMessage, utcnow
from bot.pending import close_pending, current_pending
from bot.progress import TurnProgress
from bot.structured_logging import TRACE_ID
from bot.turn_trace import TURN_TRACE_TABLE, short
from bot.turn_trace import row as trace_row
from bot.turn_trace import step as trace_step

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

MAX_CHAT_CHARS = 4000  # longer free text is a transcript or a paste; handled by the long-text capability
MEMORY_CHARS = 2000
_DB_OUTAGE_TURN_ATTEMPTS = 6  # ~30 s of retries before the turn is left to the lease take-over
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")

_MEMORY = ConversationMessage.__table__
_REMEMBER = insert(_MEMORY)
_TRACE = insert(TURN_TRACE_TABLE)
_FINISH_RETURNING = FINISH_STATEMENT.returning(LEDGER_TABLE.c.id)


def clean_text(text: str) -> str:
    return _CONTROL.sub("", text or "").replace("\r\n", "\n").strip()


class Dispatcher:
    def __init__(self, app: "Runtime", max_concurrent_turns: int = 1000, busy_notice_after: int = 0):
        self.app = app
        self.identity = Identity(app)
        self._queues: dict[str, deque[tuple[int, Inbound]]] = {}
        self._workers: dict[str, asyncio.Task] = {}
        # turns start only while the loop answers callbacks promptly (bot/admission.py)
        self.admission = TurnAdmission(max_concurrent_turns)
        # more turns than this waiting for admission: a newcomer is told 「消息较多，稍等」 (0 = never)
        self.busy_notice_after = busy_notice_after
        self._busy_noticed: set[str] = set()  # conversations told while their turn waits
        self._notices: set[asyncio.Task] = set()
        self.stats = {"turns": 0, "errors": 0, "llm_fallbacks": 0, "busy_notices": 0}
        self.overhead_samples: deque[float] = deque(maxlen=100_000)  # pipeline time minus LLM time
        self.in_flight: set[int] = set()  # ledger ids queued or running here (their leases are renewed)
        self.before_turn: Callable[[int, Inbound], Awaitable[None]] | None = None  # cross-replica ordering

    # --- queueing -----------------------------------------------------------------------------

    def submit(self, row_id: int, inbound: Inbound) -> None:
        if row_id in self.in_flight:  # taken over while still queued here
            return
        self.in_flight.add(row_id)
        key = inbound.conversation_key
        self._queues.setdefault(key, deque()).append((row_id, inbound))
        if key not in self._workers:
            task = asyncio.create_task(self._drain_conversation(key))
            self._workers[key] = task
        if self.busy_notice_after and self.admission.waiting >= self.busy_notice_after:
            self._busy_notice(row_id, inbound)

    def _busy_notice(self, row_id: int, inbound: Inbound) -> None:
        """One short 「消息较多，稍等」 instead of silence while the turn waits; the answer follows as usual.

        In the background: the platform's 200/ACK never waits for it. Keyed by the ledger row in the outbox,
        so a redelivery or a take-over cannot send it twice; at most one per conversation while it waits."""
        key = inbound.conversation_key
        if key in self._busy_noticed or inbound.kind is InboundKind.EVENT or inbound.platform not in self.app.adapters:
            return
        self._busy_noticed.add(key)
        self.stats["busy_notices"] += 1
        target = Target(inbound.platform, user_id=inbound.sender_id, conversation_id=inbound.conversation_id)

        async def send() -> None:
            try:
                await self.app.outbox.enqueue(
                    platform=inbound.platform,
                    target=target,
                    reply=Reply(replies.BUSY),
                    key=f"busy:{row_id}",
                    inbound_row_id=row_id,
                    reply_context=inbound.raw,
                )
            except Exception:  # a notice is a courtesy: the turn and its answer do not depend on it
                log.warning("busy notice for %s could not be queued", row_id, exc_info=True)

        task = asyncio.create_task(send())
        self._notices.add(task)
        task.add_done_callback(self._notices.discard)

    async def _drain_conversation(self, key: str) -> None:
        try:
            queue = self._queues[key]
            while queue:
                row_id, inbound = queue.popleft()
                try:
                    if self.before_turn is not None:
                        await self.before_turn(row_id, inbound)
                    async with self.admission:
                        self._busy_noticed.discard(key)
                        await self._process(row_id, inbound)
                except Exception:  # the row stays 'received'; its lease runs out and a sweep takes it again
                    log.exception("turn %s could not be finished", row_id)
                finally:
                    self.in_flight.discard(row_id)
        finally:
            for row_id, _ in self._queues.pop(key, ()):
                self.in_flight.discard(row_id)
            self._workers.pop(key, None)
            self._busy_noticed.discard(key)

    async def drain(self) -> None:
        """Wait until every queued turn is handled (tests, console, shutdown)."""
        while self._workers or self._notices:
            await asyncio.gather(*list(self._workers.values()), *list(self._notices), return_exceptions=True)

    # --- one turn -----------------------------------------------------------------------------

    async def _process(self, row_id: int, inbound: Inbound) -> None:
        started = time.perf_counter()
        llm_time = [0.0]
        memory: list[dict] = []
        traces: list[dict] = []
        trace = TRACE_ID.set(f"{inbound.platform}-{row_id}")
        try:
            # the database went away mid-turn: run the turn again (from a clean memory), not an error
            async for attempt in AsyncRetrying(
                retry=retry_if_exception(is_db_unavailable),
                stop=stop_after_attempt(_DB_OUTAGE_TURN_ATTEMPTS),
                wait=wait_exponential(multiplier=0.5, max=5.0),
                before_sleep=lambda _: log.warning("turn %s: database unavailable, running it again", row_id),
                reraise=True,
            ):
                with attempt:
                    memory.clear()
                    traces.clear()
                    out = await self.handle(row_id, inbound, llm_time, memory, traces)
            await self._finish(row_id, inbound, out, memory, traces=traces)
        except Exception as exc:
            if is_db_unavailable(exc):
                raise  # nothing can be written now; the lease runs out and the turn is taken over
            self.stats["errors"] += 1
            log.exception("turn %s failed", row_id)
            await self._finish(
                row_id,
                inbound,
                [Reply(replies.INTERNAL_ERROR)],
                [],
                status="failed",
                error=f"{type(exc).__name__}: {exc}"[:2000],
                traces=traces,  # what the turn did before it failed: the console shows it beside the error
            )
        finally:
            self.stats["turns"] += 1
            elapsed = time.perf_counter() - started
            self.overhead_samples.append(elapsed - llm_time[0])
            observe("turn", elapsed)
            TRACE_ID.reset(trace)

    async def _finish(
        self,
        row_id: int,
        inbound: Inbound,
        out: list[Reply],
        memory: list[dict],
        status: str = "done",
        error: str | None = None,
        traces: list[dict] | None = None,
    ) -> None:
        """Replies, memory and the ledger status are committed together: a turn is done once, or not at all."""
        target = Target(inbound.platform, user_id=inbound.sender_id, conversation_id=inbound.conversation_id)
        rows = [
            row
            for i, reply in enumerate(out)
            for row in self.app.outbox.prepare(
                platform=inbound.platform,
                target=target,
                reply=reply,
                key=f"reply:{row_id}:{i}",
                inbound_row_id=row_id,
                reply_context=inbound.raw,
            )
        ]
        result = TurnResult(self.app.ledger.finish_params(row_id, status, error), rows, memory, traces or [])
        persisted = await retry_db(
            lambda: self.app.db.group.run_batched(self._turn_results, result), what=f"turn {row_id} finish"
        )
        self.app.outbox.start(persisted)

    @cached_property
    def _turn_results(self) -> "_TurnResults":
        return _TurnResults(self.app.outbox)

    async def handle(
        self,
        row_id: int,
        inbound: Inbound,
        llm_time: list[float] | None = None,
        memory: list[dict] | None = None,
        traces: list[dict] | None = None,
    ) -> list[Reply]:
        """The replies to one inbound message; what to remember is appended to `memory`, the turn's trace for
        the console (bot/turn_trace.py) to `traces`."""
        llm_time = llm_time if llm_time is not None else [0.0]
        memory = memory if memory is not None else []
        actor = await self.identity.resolve(inbound)
        if actor is None:
            if traces is not None:
                traces.append(trace_row(row_id, inbound.session_key, None, "unknown_user", [], 0.0))
            return [Reply(replies.UNKNOWN_USER)]
        # memory, pending questions and proposals belong to the session: in a group, to (group, member)
        ctx = ToolContext(self.app, actor, inbound.session_key, inbound, row_id, WriteSource.MANUAL)
        out: list[Reply] = []
        try:
            out = await self._handle(ctx, inbound, llm_time, memory)
            return out
        finally:
            if traces is not None:
                answer = "\n".join(r.text or (r.card.title if r.card else "") for r in out)
                if answer:  # what was answered, masked and cut: the console searches it with the person's words
                    ctx.steps.append(trace_step("reply", text=short(answer)))
                traces.append(
                    trace_row(row_id, ctx.conversation_key, actor.staff_id, ctx.route, ctx.steps, ctx.llm_seconds)
                )

    async def _handle(
        self, ctx: ToolContext, inbound: Inbound, llm_time: list[float], memory: list[dict]
    ) -> list[Reply]:
        text = clean_text(inbound.text)
        if inbound.kind is InboundKind.CARD_ACTION and inbound.card_action:
            ctx.route = f"card:{inbound.card_action.card_id.split('-', 1)[0]}"
            return await self._card_action(ctx, inbound)
        if inbound.kind is InboundKind.EVENT:
            ctx.route = f"event:{inbound.event or ''}"
            return [Reply(replies.welcome(ctx.actor))] if inbound.event in ("enter_agent", "subscribe") else []
        heard = False
        if inbound.kind is InboundKind.VOICE and not text and self.app.capabilities.speech_handler is not None:
            try:  # a voice note is an ordinary text turn once we have its words
                text = clean_text(await self.app.capabilities.speech_handler(ctx))
            except ToolDenied as exc:
                ctx.route = "speech"
                await audit_refusal(ctx, exc, "speech")
                return [Reply(str(exc))]
            except ToolError as exc:
                ctx.route = "speech"
                return [Reply(str(exc))]
            heard = bool(text)
        kind_handler = self.app.capabilities.kind_handlers.get(inbound.kind)
        if kind_handler is not None and (inbound.kind is not InboundKind.VOICE or not text):
            ctx.route = f"kind:{inbound.kind.value}"
            return self._as_replies(await self._guard(ctx, kind_handler(ctx), f"kind:{inbound.kind.value}"))
        if inbound.kind is InboundKind.VOICE and not text:
            return [Reply(replies.VOICE_NOT_TRANSCRIBED)]
        if inbound.kind in (InboundKind.IMAGE, InboundKind.FILE, InboundKind.LINK, InboundKind.LOCATION) and not text:
            return [Reply(replies.UNSUPPORTED_KIND)]
        if not text:
            return [Reply(replies.EMPTY)]

        if len(text) > MAX_CHAT_CHARS:
            ctx.route = "long_text"
            for handler in self.app.capabilities.long_text_handlers:
                if ctx.actor.is_staff:
                    return self._as_replies(await self._guard(ctx, handler(ctx, text), "offline_intent"))
            if not ctx.actor.is_staff:  # an outsider's wall of text is a probe more often than a question: keep a trace
                async with self.app.db.write() as s:
                    s.add(ctx.audit("input.too_long", chars=len(text), platform=inbound.platform))
            return [Reply(replies.too_long(len(text)))]

        out = await self._route_text(ctx, text, llm_time)
        memory.extend(self.memory_rows(ctx, text, out))
        if heard:  # our own speech-to-text: show what was heard, so a misheard word is caught before 「是」
            out = [Reply(replies.heard(text)), *out]
        return out

    async def _route_text(self, ctx: ToolContext, text: str, llm_time: list[float]) -> list[Reply]:
        capabilities = self.app.capabilities
        parsed = capabilities.parse_command(text)
        if parsed is None:
            pending = await current_pending(ctx)
            if pending is not None:
                handler = capabilities.pending_handlers.get(pending.kind)
                if handler is not None:
                    ctx.route = f"pending:{pending.kind}"
                    out = await self._guard(ctx, handler(ctx, pending, text), "pending")
                    if out is not None:
                        return self._as_replies(out)
        if parsed is not None:
            cmd, word, arg = parsed
            ctx.route = f"command:{cmd.name if cmd is not None else word}"
            if cmd is None or ctx.actor.role not in cmd.roles:
                if cmd is not None:  # a command of another role: refused, and audited like any refusal
                    await audit_refusal(ctx, ToolDenied("role"), f"command:{cmd.name}")
                return [Reply(replies.unknown_command(word, capabilities.commands_for(ctx.actor.role)))]
            pending = await current_pending(ctx)
            if pending is not None:  # a new command abandons an open question
                await close_pending(ctx, pending, "cancelled")
            return self._as_replies(await self._guard(ctx, cmd.handler(ctx, arg), f"command:{cmd.name}"))
        return await self._free_text(ctx, text, llm_time)

    async def _free_text(self, ctx: ToolContext, text: str, llm_time: list[float]) -> list[Reply]:
        agent = self.app.agent_for(ctx.actor.role)
        ctx.route = "agent"
        if agent is None:
            ctx.route = "offline:offline"
            return [Reply(await self.app.offline(ctx, text, reason="offline"))]
        progress = self._progress(ctx.inbound)
        if progress is not None and progress.streams:
            ctx.progress = progress.report
        try:
            ctx.source = WriteSource.AGENT
            result = await agent.run(ctx, text)
        except Exception as exc:
            if not model_unavailable(exc):
                raise
            self.stats["llm_fallbacks"] += 1
            log.warning("LLM unavailable, answering offline: %s", exc)
            ctx.source = WriteSource.MANUAL
            # "no_tools": the model can't call tools (agents/staff.py ToolsUnsupported); else it is not answering
            reason = getattr(exc, "offline_reason", "llm_down")
            ctx.route = f"offline:{reason}"
            return [Reply(await self.app.offline(ctx, text, reason=reason))]
        finally:
            llm_time[0] += ctx.llm_seconds
            if progress is not None:  # the last preview lands before the answer goes to the outbox
                ctx.progress = None
                await progress.finish()
        return result

    def _progress(self, inbound: Inbound | None) -> TurnProgress | None:
        """The channel's progress display for a turn that goes to the model (bot/progress.py)."""
        adapter = self.app.adapters.get(inbound.platform) if inbound is not None else None
        if adapter is None or not adapter.shows_progress:
            return None
        progress = TurnProgress(adapter, inbound)
        progress.start()
        return progress

    async def _card_action(self, ctx: ToolContext, inbound: Inbound) -> list[Reply]:
        action = inbound.card_action
        prefix = action.card_id.split("-", 1)[0]
        handler = self.app.capabilities.card_handlers.get(prefix)
        if handler is None:
            log.warning("card action for unknown card %s", action.card_id)
            return [Reply(replies.CARD_UNKNOWN)]
        try:
            return await handler(ctx, action)
        except ToolDenied as exc:
            await audit_refusal(ctx, exc, f"card:{prefix}")
            return [Reply(str(exc))]
        except ToolError as exc:
            return [Reply(str(exc))]

    @staticmethod
    async def _guard(ctx: ToolContext, awaitable, where: str) -> ToolOutput:
        """A refusal or an error becomes the answer; every refusal is audited (once)."""
        try:
            return await awaitable
        except ToolDenied as exc:
            await audit_refusal(ctx, exc, where)
            return ToolOutput(text=str(exc))
        except ToolError as exc:
            return ToolOutput(text=str(exc))

    @staticmethod
    def _as_replies(out: ToolOutput | None) -> list[Reply]:
        if out is None:
            return []
        result = []
        if out.text:
            result.append(Reply(out.text))
        if out.card is not None:
            result.append(Reply(card=out.card))
        return result

    @staticmethod
    def memory_rows(ctx: ToolContext, text: str, out: list[Reply]) -> list[dict]:
        now = utcnow()
        rows = [dict(conversation_key=ctx.conversation_key, role="user", content=text[:MEMORY_CHARS], created_at=now)]
        answer = "\n".join(r.text for r in out if r.text)
        if answer:
            rows.append(
                dict(
                    conversation_key=ctx.conversation_key,
                    role="assistant",
                    content=answer[:MEMORY_CHARS],
                    created_at=now,
                )
            )
        return rows

    async def remember(self, ctx: ToolContext, text: str, out: list[Reply]) -> None:
        async with self.app.db.transaction() as conn:
            await conn.execute(insert(ConversationMessage), self.memory_rows(ctx, text, out))


class TurnResult(NamedTuple):
    finish: dict  # parameters of the ledger's FINISH_STATEMENT
    outbox_rows: list[dict]  # Outbox.prepare
    memory: list[dict]  # Dispatcher.memory_rows
    traces: list[dict] = []  # bot/turn_trace.py rows (at most one)


class _TurnResults:
    """A turn's writes as a group-commit op (bot/group_commit.py): the result is the outbox rows persisted.

    Only the first finish of a ledger row counts: a commit retried after a lost acknowledgement, or a
    second run of a turn taken over from a replica that was only slow, writes nothing twice.
    """

    def __init__(self, outbox):
        self.outbox = outbox

    def one(self, conn, item: TurnResult) -> list[dict]:
        if conn.execute(FINISH_STATEMENT, item.finish).rowcount != 1:
            return []
        persisted = self.outbox.persist_sync(conn, item.outbox_rows)
        if item.memory:
            conn.execute(_REMEMBER, item.memory)
        if item.traces:
            conn.execute(_TRACE, item.traces)
        return persisted

    async def many(self, conn, items: list[TurnResult]) -> list[list[dict]]:
        async with conn.transaction():
            finished = {row["id"] for row in await conn.fetchmany(_FINISH_RETURNING, [item.finish for item in items])}
            firsts = []
            for item in items:  # the same row twice in a batch: only the first one finished it
                first = item.finish["row_id"] in finished
                finished.discard(item.finish["row_id"])
                firsts.append(first)
            done = [item for item, first in zip(items, firsts) if first]
            persisted = {
                row["key"]: row
                for row in await self.outbox.persist_raw(conn, [row for item in done for row in item.outbox_rows])
            }
            await conn.executemany(_REMEMBER, [line for item in done for line in item.memory])
            traces = [t for item in done for t in item.traces]
            if traces:
                await conn.executemany(_TRACE, traces)
        return [
            [persisted[row["key"]] for row in item.outbox_rows if row["key"] in persisted] if first else []
            for item, first in zip(items, firsts)
        ]
