"""Live progress of one turn: what the channel shows while the model works.

The dispatcher opens a `TurnProgress` when free text goes to the model. It tells the inbound's adapter that
the turn started (a DingTalk AI card in its processing state, a timer for the WeCom app's 「正在处理…」), hands
it the answer so far as the agent streams it (`report`, wired to `ToolContext.progress`), and tells it the
turn is over before the answer goes to the outbox.

Previews are best effort: an adapter error is logged and never fails the turn, a slow platform call never
holds the model up (the calls run in one background task per turn, and the previews in between are
coalesced: only the newest text is sent, at most every `adapter.stream_interval` seconds). `finish` waits for
the call in flight, so the outbox's final delivery always comes after the last preview.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from bot.adapter import Adapter
    from bot.messages import Inbound

log = logging.getLogger(__name__)

FINISH_TIMEOUT = 5.0  # the answer is not held back longer than this by a hanging preview call


class TurnProgress:
    def __init__(self, adapter: "Adapter", inbound: "Inbound"):
        self.adapter = adapter
        self.inbound = inbound
        self._latest: str | None = None
        self._sent: str | None = None
        self._wake = asyncio.Event()
        self._done = False
        self._task: asyncio.Task | None = None

    @property
    def streams(self) -> bool:
        return self.adapter.streams_answers

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    def report(self, text_so_far: str) -> None:
        """The answer so far (a ToolContext.progress callback): never blocks, never raises."""
        if self._done or not text_so_far.strip():
            return
        self._latest = text_so_far
        self._wake.set()

    async def finish(self) -> None:
        """No more previews; returns once the adapter heard `turn_finished` (or gave up after a timeout)."""
        self._done = True
        self._wake.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), FINISH_TIMEOUT)
        except asyncio.TimeoutError:
            log.warning("progress of %s still busy after %.0f s; answering anyway", self.inbound.msg_id, FINISH_TIMEOUT)
            self._task.cancel()

    async def _call(self, what: str, coro) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("progress %s on %s failed (ignored)", what, self.inbound.platform, exc_info=True)

    async def _run(self) -> None:
        await self._call("start", self.adapter.turn_started(self.inbound))
        last = 0.0
        while not self._done:
            await self._wake.wait()
            self._wake.clear()
            if self._done:
                break
            pause = self.adapter.stream_interval - (time.monotonic() - last)
            if pause > 0:  # coalesce: whatever arrives meanwhile replaces the text
                try:
                    await asyncio.wait_for(self._until_done(), pause)
                except asyncio.TimeoutError:
                    pass
                if self._done:
                    break
            text = self._latest
            if text is not None and text != self._sent:
                last = time.monotonic()
                self._sent = text
                await self._call("delta", self.adapter.stream_delta(self.inbound, text))
        await self._call("finish", self.adapter.turn_finished(self.inbound))

    async def _until_done(self) -> None:
        while not self._done:
            self._wake.clear()
            await self._wake.wait()
