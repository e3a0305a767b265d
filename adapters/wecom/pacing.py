"""Per-recipient pacing under WeCom's 30 messages/minute/member cap: beyond it messages are
dropped silently, so we wait instead of sending.

With Redis (`limiter`, bot/locks.py) the window is counted over every replica, so two replicas
answering the same colleague cannot exceed the cap together; without it, or while Redis is
unreachable, it is counted in this process only.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque

from bot.adapter import TransientSendError

log = logging.getLogger(__name__)

PER_MINUTE = 25  # under WeCom's 30: its minute and ours need not start together


class RecipientPacer:
    def __init__(
        self,
        per_minute: int = PER_MINUTE,
        window: float = 60.0,
        max_wait: float = 15.0,
        clock=time.monotonic,
        limiter=None,
    ):
        self.per_minute = per_minute
        self.window = window
        self.max_wait = max_wait
        self.clock = clock
        # a bot.locks.SlidingWindowLimiter on Redis (limit=per_minute, window=window), or None
        self.limiter = limiter
        self._sent: dict[str, deque[float]] = {}
        self._calls = 0
        self._shared_failed_at = 0.0

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
        if self.limiter is not None and await self._acquire_shared(recipient):
            return
        delay = self._delay(recipient)
        if delay > self.max_wait:
            raise TransientSendError(f"pacing {recipient}: 30/min cap", retry_after=delay)
        if delay > 0:
            await asyncio.sleep(delay)
            delay = self._delay(recipient)
            if delay > 0:  # others took the slot meanwhile
                raise TransientSendError(f"pacing {recipient}: 30/min cap", retry_after=delay)
        self._take_local(recipient)

    def _take_local(self, recipient: str) -> None:
        self._sent.setdefault(recipient, deque()).append(self.clock())
        self._calls += 1
        if self._calls % 1000 == 0:
            self._prune()

    async def _acquire_shared(self, recipient: str) -> bool:
        """True once a slot is taken in Redis; False when Redis is unreachable (the caller paces locally)."""
        try:
            delay = await self.limiter.reserve(recipient)
            if delay > self.max_wait:
                raise TransientSendError(f"pacing {recipient}: 30/min cap", retry_after=delay)
            if delay > 0:
                await asyncio.sleep(delay)
                delay = await self.limiter.reserve(recipient)
                if delay > 0:  # another replica took the slot meanwhile
                    raise TransientSendError(f"pacing {recipient}: 30/min cap", retry_after=delay)
        except TransientSendError:
            raise
        except Exception as exc:  # noqa: BLE001 - Redis away: pacing per process beats not sending
            if time.monotonic() - self._shared_failed_at > 60:
                log.warning("wecom pacing: Redis unavailable (%s); pacing in this process only", exc)
            self._shared_failed_at = time.monotonic()
            return False
        self._take_local(recipient)  # keeps the local window warm for a Redis outage
        return True

    def _prune(self) -> None:
        """Keeps memory flat in the number of recipients: forget those idle for a full window."""
        now = self.clock()
        for key in [k for k, v in self._sent.items() if not v or now - v[-1] >= self.window]:
            del self._sent[key]

    def __len__(self) -> int:
        return len(self._sent)
