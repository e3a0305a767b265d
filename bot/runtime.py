"""The running app as the layers below the composition root see it.

The app itself is assembled in `salesbot/app.py` (the composition root). Adapters, agents, capabilities and
the scheduler are handed that object and use it only through this protocol, so no import runs up from them
to the root and a test can hand them any object with these members.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # pragma: no cover
    import aiohttp

    from bot.adapter import Adapter
    from bot.agent import Agent, OfflineAnswer
    from bot.capabilities import Capabilities
    from bot.clock import Clock
    from bot.db import Database
    from bot.dispatcher import Dispatcher
    from bot.kv import KeyValueStore
    from bot.ledger import Ledger
    from bot.messages import Inbound, Reply, Role, Target
    from bot.models import StaffUser
    from bot.outbox import Outbox
    from bot.prompt_templates import PromptTemplates
    from bot.replica import TurnLeases
    from bot.settings import Settings


class Runtime(Protocol):
    settings: "Settings"
    db: "Database"
    clock: "Clock"
    kv: "KeyValueStore"
    redis: Any  # redis.asyncio.Redis when SALESBOT_REDIS_URL is set, else None
    http: "aiohttp.ClientSession | None"
    ledger: "Ledger"
    outbox: "Outbox"
    dispatcher: "Dispatcher"
    leases: "TurnLeases"
    adapters: dict[str, "Adapter"]
    capabilities: "Capabilities"
    prompts: "PromptTemplates"  # the shipped prompts with the console's published versions on top
    knowledge: Any  # knowledge.KnowledgeBase, or None when the knowledge base is off
    console_output: Any  # where the console adapter prints (stdout by default)

    @property
    def llm_enabled(self) -> bool: ...

    def chat_model(self) -> Any: ...

    def agent_for(self, role: "Role") -> "Agent | None": ...

    @property
    def offline(self) -> "OfflineAnswer": ...

    async def receive(self, inbound: "Inbound") -> bool: ...

    async def push(self, target: "Target", reply: "Reply", *, key: str) -> list[int]: ...

    async def notify_staff(self, staff_id: int, reply: "Reply", *, key: str) -> list[int]: ...

    async def staff_target(self, user: "StaffUser") -> "Target | None": ...

    def adapter_for(self, platform: str) -> "Adapter": ...

    def unique_adapters(self) -> list["Adapter"]: ...

    async def staff_by_username(self, username: str) -> "StaffUser | None": ...
