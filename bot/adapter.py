"""What a platform adapter is to the core (NoneBot2's idea: one Adapter per platform, the core knows only this).

An adapter:
  * turns verified platform payloads into `Inbound` and hands them to `app.receive(inbound)`, which
    persists them in the ledger (dropping duplicates) and runs the turn in the background; the adapter
    answers the platform right after `receive` returns;
  * delivers what the outbox gives it (`deliver`), raising `TransientSendError` for what is worth
    retrying (rate limits, 5xx, timeouts) and `PermanentSendError` for what is not;
  * owns its HTTP routes (mounted by `salesbot serve`) and any long-lived connection (`start`/`stop`);
  * may show that a turn is under way (`turn_started`, `stream_delta`, `turn_finished`): best-effort
    previews while the model works. The answer itself still comes through the outbox, once.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.messages import Inbound, Reply, Target

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime


class SendError(Exception):
    pass


class TransientSendError(SendError):
    """Worth retrying later (rate limit, 5xx, timeout, token refresh race)."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class PermanentSendError(SendError):
    """Will not succeed by retrying (bad target, invalid payload); recorded as failed."""


@dataclass
class Delivery:
    """One outbox row handed to the adapter: a part of a reply, or a proactive push."""

    outbox_id: int
    platform: str  # the inbound platform name ("wecom", "wecom_aibot", "dingtalk", ...)
    target: Target
    reply: Reply
    seq: int = 0
    parts: int = 1
    # what the adapter stored on the inbound (Inbound.raw) to answer it: response_url, sessionWebhook, ...
    reply_context: dict[str, Any] = field(default_factory=dict)
    is_push: bool = False
    # None on a row's first attempt; otherwise the row may already have reached the platform (a retry after
    # a timeout, a row taken over from a replica that died before marking it sent) at any time since this
    # moment (when the row was created), so an adapter can ask the platform to drop a copy (WeCom's check)
    possibly_sent_since: datetime | None = None


@dataclass
class DirectoryEntry:
    """What a platform's directory says about a staff member (WeCom user/get, DingTalk user info)."""

    user_id: str
    name: str
    department: str | None = None
    mobile: str | None = None
    email: str | None = None
    title: str | None = None


class Adapter(ABC):
    #: inbound platform names this adapter owns (e.g. ("dingtalk",); one WeCom entry point: ("wecom_kf",))
    platforms: tuple[str, ...] = ()
    identity_namespaces: dict[str, str] = {}
    """Each inbound platform name this adapter owns -> the namespace its sender ids live in."""
    staff_namespace: str | None = None
    """The namespace of the staff ids this adapter can push to; None when it cannot reach staff on its own."""
    #: text parts are split under this many UTF-8 bytes before they are persisted in the outbox
    max_text_bytes: int = 2048
    #: inbound platform name → the identity namespace its sender ids belong to, for platforms that share ids
    #: with another (e.g. {"wecom_aibot": "wecom"}); a platform not listed is its own namespace
    identity_namespaces: dict[str, str] = {}
    #: the identity namespace through which this adapter can push to a staff member (None: it cannot)
    staff_namespace: str | None = None

    def __init__(self, app: "Runtime"):
        self.app = app
        self.background: set[asyncio.Task] = set()  # referenced until done, so the loop cannot drop them

    def spawn(self, coro) -> asyncio.Task:
        """Work that outlives the platform request that started it (a download, a sync), tracked until done."""
        task = asyncio.create_task(coro)
        self.background.add(task)
        task.add_done_callback(self.background.discard)
        return task

    def routes(self) -> list[web.RouteDef]:
        """HTTP routes served by `salesbot serve`."""
        return []

    async def start(self) -> None:
        """Open long-lived connections (stream clients). HTTP routes are mounted separately."""

    async def stop(self) -> None:
        """Close connections; must return promptly."""

    @abstractmethod
    async def deliver(self, delivery: Delivery) -> None:
        """Send one outbox row. Raise TransientSendError / PermanentSendError on failure."""

    # --- live progress (bot/progress.py calls these, one at a time per turn, never after turn_finished) --------

    #: True when `stream_delta` shows the answer as it is written; the agent then asks the model to stream
    streams_answers: bool = False
    #: at least this many seconds between two `stream_delta` calls of one turn (the platform's rate limits)
    stream_interval: float = 0.3

    @property
    def shows_progress(self) -> bool:
        """False when the adapter shows nothing while a turn runs: the dispatcher then skips it entirely."""
        cls = type(self)
        return self.streams_answers or any(
            getattr(cls, name) is not getattr(Adapter, name)
            for name in ("turn_started", "stream_delta", "turn_finished")
        )

    async def turn_started(self, inbound: Inbound) -> None:
        """A message went to the model: show that the bot is working (a card in its processing state...)."""

    async def stream_delta(self, inbound: Inbound, text_so_far: str) -> None:
        """The answer so far (reasoning hidden), as a preview. The final answer is delivered through the
        outbox afterwards and must replace the preview, never repeat it."""

    async def turn_finished(self, inbound: Inbound) -> None:
        """The model is done; called before the answer is handed to the outbox."""

    def max_bytes_for(self, platform: str, reply: Reply) -> int:
        """Byte limit for one part on this platform/kind of reply (override for per-entry limits)."""
        return self.max_text_bytes

    async def lookup_user(self, platform: str, user_id: str) -> "DirectoryEntry | None":
        """Ask the platform's directory about a user we have not seen (name, department, mobile)."""
        return None

    def health(self) -> dict[str, Any]:
        return {"state": "up"}
