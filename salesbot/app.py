"""The composition root's app: settings → database → ledger, outbox, dispatcher → capabilities → adapters.

Every capability and adapter is named here, in the order it is included; nothing is found by module
name at run time. The layers below see this object only through `bot.runtime.Runtime`.

    app = App(Settings())
    await app.start()            # migrations, adapters, resume unfinished work
    await app.receive(inbound)   # from an adapter: persisted, deduplicated, handled in the background
    await app.stop()
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from sqlmodel import select

from agents.offline import offline_answer
from bot import metrics
from bot.adapter import Adapter
from bot.capabilities import Capabilities
from bot.clock import Clock
from bot.db import Database
from bot.db_retry import retry_db
from bot.dispatcher import Dispatcher
from bot.identity import USERNAME_NAMESPACE, staff_ids
from bot.kv import KeyValueStore
from bot.ledger import Ledger
from bot.messages import Inbound, Reply, Role, Target
from bot.models import StaffUser
from bot.outbox import Outbox
from bot.prompt_templates import PromptTemplates
from bot.redis_kv import TieredKeyValueStore, connect
from bot.replica import TurnLeases, default_replica_id
from bot.settings import Settings
from knowledge import KnowledgeBase
from salesbot.admin import prompt_store
from salesbot.channels import ADAPTERS
from tools import (
    approvals,
    autofill,
    cards,
    contact_times,
    customers,
    help,
    kpi,
    leads,
    pipeline,
    playbook,
    proposals,
    signals,
    talk_tracks,
    tasks,
    visits,
    voice,
)

log = logging.getLogger(__name__)

# The order is the order of /帮助 and of the offline intents' ties; each module's register() includes
# its router (bot/capabilities.py).
NO_TOOLS_AT_START = (
    "大模型 %s 不支持工具调用：先按离线模式回复；换一个支持工具调用的模型，如 qwen-plus、deepseek-chat"
    "（vLLM 启动时加 --enable-auto-tool-choice 和 --tool-call-parser）。服务端原话：%s"
)
CAPABILITIES = [help, customers, visits, tasks, talk_tracks, autofill, approvals, contact_times, leads, proposals]
CAPABILITIES += [playbook, signals]  # stage playbook, signals → actions
CAPABILITIES += [cards, voice]  # business-card photos, voice notes
CAPABILITIES += [kpi]  # targets, KPI alerts, data health
CAPABILITIES += [pipeline]  # closing deals, win/loss, forecast


def build_capabilities() -> Capabilities:
    capabilities = Capabilities()
    for capability in CAPABILITIES:
        capability.register(capabilities)
    return capabilities


def _push_platform(adapter: Adapter) -> str | None:
    """The platform an adapter pushes to staff on: the one named after its staff namespace, else its first own
    platform. A platform mapped into another's namespace (the WeCom AI bot) shares the ids but only answers
    messages, it cannot start a conversation."""
    own = [p for p in adapter.platforms if adapter.identity_namespaces.get(p, p) == p]
    if adapter.staff_namespace in own:
        return adapter.staff_namespace
    return own[0] if own else None


class App:
    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        chat_model_factory=None,
        console_output=None,
        enable_knowledge: bool = True,
    ):
        self.settings = settings
        settings.ensure_data_dir()
        self.db = Database(settings.resolved_database_url)
        self.clock = clock or Clock()
        self.kv = KeyValueStore(self.db)
        self.redis = None  # shared state across replicas when SALESBOT_REDIS_URL is set (bot/redis_kv.py)
        if settings.redis_url:
            self.redis = connect(settings.redis_url)
            self.kv = TieredKeyValueStore(self.redis, settings.redis_prefix, self.kv)
        self.ledger = Ledger(self.db)
        self.capabilities = build_capabilities()
        self.prompts = PromptTemplates()  # the shipped prompts, with the console's published versions on top
        self.outbox = Outbox(self)
        self.dispatcher = Dispatcher(
            self, max_concurrent_turns=settings.max_concurrent_turns, busy_notice_after=settings.busy_notice_after
        )
        # several replicas: who holds which inbound message, take-over, ordering (bot/replica.py)
        self.leases = TurnLeases(self, settings.replica_id or default_replica_id())
        self.ledger.claim_extra = self.leases.claim_values
        self.outbox.owner = self.leases.replica_id
        self.dispatcher.before_turn = lambda row_id, inbound: self.leases.wait_for_earlier(
            row_id, inbound.conversation_key
        )
        self.adapters: dict[str, Adapter] = {}
        self.http: aiohttp.ClientSession | None = None
        self.knowledge = None
        self.console_output = console_output  # where the console adapter prints (stdout by default)
        self._chat_model_factory = chat_model_factory
        self._chat_model = None
        self._enable_knowledge = enable_knowledge
        self._agents: dict[Role, Any] = {}
        self._background: list[asyncio.Task] = []
        self._opening_knowledge: asyncio.Task | None = None
        self.started = False

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self, *, connect_channels: bool = True, resume: bool = True, warm: bool = True) -> None:
        """`warm=False` (the console) opens the knowledge index in the background instead of before the first
        message: a command needs none of it, and a search waits for it (KnowledgeBase takes its lock)."""
        await retry_db(self.db.migrate, what="migrate")  # e.g. the whole stack starting: wait for the database
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        if self._enable_knowledge:
            # with an LLM, follow-up questions are rewritten before search ("那竞品呢？")
            self.knowledge = KnowledgeBase(self.settings, self.db, llm=self.chat_model() if self.llm_enabled else None)
            if warm:
                await retry_db(self.knowledge.open, what="knowledge index")  # built now, not on the first question
            else:
                self._opening_knowledge = asyncio.create_task(self.knowledge.open())
        for package in ADAPTERS:
            for adapter in package.build_adapters(self):
                for platform in adapter.platforms:
                    self.adapters[platform] = adapter
        if connect_channels:
            for adapter in self.unique_adapters():
                await adapter.start()
        await prompt_store.load_published(self)  # prompts published in the console apply to every channel
        if self.llm_enabled:
            await asyncio.to_thread(self.agent_for, Role.REP)  # heavy imports at startup, not on the first message
            if connect_channels and self.settings.llm_configured:  # a server: find a model without tools now
                self._background.append(asyncio.create_task(self.check_tool_calling()))
        self.started = True
        if resume:
            await self.resume()
            self._background.append(asyncio.create_task(self._sweep_forever()))

    async def check_tool_calling(self) -> None:
        """Doctor's tool-calling probe, in the background after start (never delaying the server). A model the
        endpoint refuses tools for is logged once, in Chinese with the fix, and every staff turn goes offline from
        the start instead of the first rep finding out. Any other outcome changes nothing: doctor reports it."""
        # doctor imports agents.llm (LangChain, about a second); an offline server never loads it
        from salesbot.doctor import tool_call_probe, tools_refused

        try:
            result = await tool_call_probe(self.settings, self.http)
        except Exception:  # a startup check must never take the server down
            log.exception("startup tool-calling check failed")
            return
        if not tools_refused(result):
            return
        log.warning(NO_TOOLS_AT_START, self.settings.llm_model, result.message)
        for role in Role:
            if role is not Role.CUSTOMER:
                agent = self.agent_for(role)
                if agent is not None:
                    agent.tools_refused = result.message

    async def resume(self) -> None:
        """Finish what a previous process left: our own unfinished messages and those of dead replicas
        (a live replica's are left to it), and unsent replies."""
        metrics.bind(self)
        # a database blip while we start (a failover, a restart of the whole stack) is waited out
        for row_id, inbound in await retry_db(lambda: self.leases.take_over(startup=True), what="resume"):
            if inbound.platform in self.adapters:
                log.info("resuming inbound %s (%s)", row_id, inbound.conversation_key)
                self.dispatcher.submit(row_id, inbound)
        await retry_db(self.leases.release_outbox_on_restart, what="resume outbox")
        await retry_db(self.outbox.sweep, what="outbox sweep")
        self._background.append(asyncio.create_task(self.leases.run_forever()))

    async def _sweep_forever(self, every: float = 15.0) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await self.outbox.sweep()
            except Exception:
                log.exception("outbox sweep failed")

    async def drain(self) -> None:
        """Wait for every turn and every send in flight (tests, the console, shutdown)."""
        while True:
            await self.dispatcher.drain()
            await self.outbox.drain()
            if not self.dispatcher._workers and not self.outbox._tasks:
                return

    async def stop(self, timeout: float = 10.0) -> None:
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        self._background.clear()
        for adapter in self.unique_adapters():
            try:
                await asyncio.wait_for(adapter.stop(), timeout)
            except Exception:
                log.exception("stopping adapter %s", type(adapter).__name__)
        try:
            await asyncio.wait_for(self.drain(), timeout)
        except asyncio.TimeoutError:
            log.warning("stopped with work in flight; it resumes on the next start")
        if self._opening_knowledge is not None:  # let it finish: a cancelled open leaves a Chroma thread running
            await asyncio.gather(self._opening_knowledge, return_exceptions=True)
        if self.knowledge is not None:
            await self.knowledge.close()
        if self.http is not None:
            await self.http.close()
        if hasattr(self._chat_model, "aclose"):
            await self._chat_model.aclose()
        await self.outbox.close()
        self.dispatcher.admission.close()
        await self.db.close()
        if self.redis is not None:
            await self.redis.aclose()
        self.started = False

    async def __aenter__(self) -> "App":
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    # --- the turn pipeline ----------------------------------------------------------------------

    async def receive(self, inbound: Inbound) -> bool:
        """Persist an inbound message and handle it in the background; False if it is a duplicate."""
        with metrics.timed("ledger_claim"):
            row_id = await self.ledger.claim(inbound)
        if row_id is None:
            return False
        self.dispatcher.submit(row_id, inbound)
        return True

    async def push(self, target: Target, reply: Reply, *, key: str) -> list[int]:
        """A proactive message (reminder, approval card, digest) through the outbox."""
        return await self.outbox.enqueue(
            platform=target.platform, target=target, reply=reply, key=f"push:{key}", is_push=True
        )

    async def notify_staff(self, staff_id: int, reply: Reply, *, key: str) -> list[int]:
        """Push to a colleague on the platform where they can be reached."""
        async with self.db.session() as s:
            user = await s.get(StaffUser, staff_id)
        if user is None:
            return []
        target = await self.staff_target(user)
        if target is None:
            log.warning("no channel reaches staff user %s", staff_id)
            return []
        return await self.push(target, reply, key=key)

    async def staff_target(self, user: StaffUser) -> Target | None:
        """Where a push reaches this colleague: the first adapter (in registration order) that can push in a
        namespace where they have an id, else by username where usernames are ids (every staff user has one,
        so it comes last). Async because the ids live in PlatformIdentity rows."""
        ids: dict[str, str] | None = None
        by_username: str | None = None
        for adapter in self.unique_adapters():
            namespace = adapter.staff_namespace
            platform = _push_platform(adapter)
            if namespace is None or platform is None:
                continue
            if ids is None:
                ids = await staff_ids(self.db, user.id) if user.id is not None else {}
            if ids.get(namespace):
                return Target(platform, user_id=ids[namespace])
            if namespace == USERNAME_NAMESPACE and by_username is None:
                by_username = platform
        return Target(by_username, user_id=user.username) if by_username else None

    # --- parts ----------------------------------------------------------------------------------

    def adapter_for(self, platform: str) -> Adapter:
        try:
            return self.adapters[platform]
        except KeyError:
            raise LookupError(f"no adapter for platform {platform!r}") from None

    def unique_adapters(self) -> list[Adapter]:
        seen, out = set(), []
        for adapter in self.adapters.values():
            if id(adapter) not in seen:
                seen.add(id(adapter))
                out.append(adapter)
        return out

    @property
    def llm_enabled(self) -> bool:
        return self._chat_model_factory is not None or self.settings.llm_configured

    def chat_model(self):
        """The configured LLM (a LangChain chat model), or None in offline mode. One per app: it holds the
        connection pool to the endpoint."""
        if self._chat_model is not None:
            return self._chat_model
        if self._chat_model_factory is not None:
            model = self._chat_model_factory()
        elif not self.settings.llm_configured:
            return None
        else:
            # LangChain and the agents take about a second to import; offline they are never needed, so they
            # load with the first model (benchmarks/startup.py: `salesbot chat` offline)
            from agents.llm import make_chat_model

            model = make_chat_model(self.settings)
        from agents.llm import MetricsCallback

        try:  # calls, tokens, errors and latency of every model call on /metrics
            model.callbacks = [*(model.callbacks or []), MetricsCallback()]
        except (AttributeError, ValueError, TypeError):  # a test double that is no LangChain model
            pass
        self._chat_model = model
        return model

    def agent_for(self, role: Role):
        if role in self._agents:
            return self._agents[role]
        if not self.llm_enabled:
            return None
        # loaded with the first model, like agents.llm above
        from agents.customer import CustomerAgent
        from agents.staff import StaffAgent

        agent = CustomerAgent(self) if role is Role.CUSTOMER else StaffAgent(self)
        self._agents[role] = agent
        return agent

    @property
    def offline(self):
        """Free text answered without a model (agents/offline.py)."""
        return offline_answer

    async def staff_by_username(self, username: str) -> StaffUser | None:
        async with self.db.session() as s:
            return (await s.execute(select(StaffUser).where(StaffUser.username == username))).scalars().first()
