"""Per-recipient pacing under WeCom's 30 messages/minute/member cap (A7): beyond it messages are
dropped silently, so we wait instead of sending. In-process only; several processes share the cap,
which is why the default stays well under 30."""
from __future__ import annotations

import asyncio
import time
from collections import deque

from bot.adapter import TransientSendError


class RecipientPacer:
    def __init__(self, per_minute: int = 25, window: float = 60.0, max_wait: float = 15.0, clock=time.monotonic):
        self.per_minute = per_minute
        self.window = window
        self.max_wait = max_wait
        self.clock = clock
        self._sent: dict[str, deque[float]] = {}
        self._calls = 0

    def _delay(self, recipient: str) -> float:
        now = self.clock()
        sent = self._sent.get(recipient)
        if sent is None:
            return 0.0
        while sent and now - sent[0] >= self.window:
            sent.popleft()
        if len(sent) < self.per_minute:
            return 0.0
        return self.window - (now - sent[0])

    async def acquire(self, recipient: str) -> None:
        """Reserve a send slot; sleeps up to `max_wait`, beyond that the outbox should retry later."""
        delay = self._delay(recipient)
        if delay > self.max_wait:
            raise TransientSendError(f"pacing {recipient}: 30/min cap", retry_after=delay)
        if delay > 0:
            await asyncio.sleep(delay)
            delay = self._delay(recipient)
            if delay > 0:  # others took the slot meanwhile
                raise TransientSendError(f"pacing {recipient}: 30/min cap", retry_after=delay)
        self._sent.setdefault(recipient, deque()).append(self.clock())
        self._calls += 1
        if self._calls % 1000 == 0:
            self._prune()

    def _prune(self) -> None:
        """Keeps memory flat in the number of recipients: forget those idle for a full window."""
        now = self.clock()
        for key in [k for k, v in self._sent.items() if not v or now - v[-1] >= self.window]:
            del self._sent[key]

    def __len__(self) -> int:
        return len(self._sent)
