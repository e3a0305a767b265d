"""A per-key sliding-window limit, in this process (it protects the LLM and the staff from floods, it is no contract)."""
from __future__ import annotations

import time
from collections import deque


class RateLimiter:
    def __init__(self, spec: str = "20/600"):
        """`spec` is "messages/seconds", e.g. "20/600"; a malformed one falls back to 20 per 10 minutes."""
        try:
            count, seconds = (int(x) for x in spec.split("/"))
        except ValueError:
            count, seconds = 20, 600
        self.count, self.seconds = max(1, count), max(1, seconds)
        self._seen: dict[str, deque[float]] = {}

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        window = self._seen.setdefault(key, deque())
        while window and window[0] <= now - self.seconds:
            window.popleft()
        if len(window) >= self.count:
            return False
        window.append(now)
        if len(self._seen) > 100_000:  # forget idle keys
            self._seen = {k: v for k, v in self._seen.items() if v and v[-1] > now - self.seconds}
        return True
