"""How the dispatcher talks to agents without importing them.

The agents (agents/) implement these protocols; the composition root hands them to the app, and the
dispatcher only ever sees `Runtime.agent_for(role)` and `Runtime.offline`.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Protocol

import aiohttp

if TYPE_CHECKING:  # pragma: no cover
    from bot.capabilities import ToolContext
    from bot.messages import Reply


class ModelUnavailable(Exception):
    """The model did not answer (timeout, connection refused, 5xx after retries, quota): the turn is
    answered offline instead, and nothing the person sent is lost."""


class Agent(Protocol):
    async def run(self, ctx: "ToolContext", text: str) -> list["Reply"]: ...


class OfflineAnswer(Protocol):
    async def __call__(self, ctx: "ToolContext", text: str, reason: str) -> str:
        """Free text answered without the model; `reason` is "offline" (no model configured), "no_tools"
        (the model can't call tools: `offline_reason` of the ModelUnavailable raised) or
        "llm_down" (configured but not answering)."""
        ...


def model_unavailable(exc: BaseException) -> bool:
    """Errors that mean 'the model is not answering' (as opposed to a bug in our code)."""
    return isinstance(exc, (ModelUnavailable, aiohttp.ClientError, asyncio.TimeoutError, ConnectionError))
