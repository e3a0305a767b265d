"""Limits and locks that hold across replicas (Redis), with an in-process fallback for one process.

* `SlidingWindowLimiter.allow(key)`: at most N events per key in any window of S seconds, counted over
  all replicas (a Lua script on a sorted set: check-and-add is atomic). Use it for per-customer message
  limits and per-app platform quotas. Without Redis it counts in this process only.
* `RedisLock`: a named lock with a time to live and an owner token, released only by its owner
  (e.g. one replica refreshes an access token while the others wait for the result).
The scheduler's leader lease is scheduler/leader.py (database or Redis).
"""
from __future__ import annotations

import asyncio
import time
import uuid
from collections import deque

_WINDOW = """
local key, now, window, limit, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) >= limit then return 0 end
redis.call('ZADD', key, now, member)
redis.call('PEXPIRE', key, math.ceil(window * 1000))
return 1
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def parse_rate(spec: str, default: tuple[int, int] = (20, 600)) -> tuple[int, int]:
    """'20/600' → (20 events, 600 seconds); a malformed spec gives the default."""
    try:
        count, seconds = (int(x) for x in spec.split("/"))
    except (ValueError, AttributeError):
        return default
    return max(1, count), max(1, seconds)


class SlidingWindowLimiter:
    def __init__(self, spec: str, *, redis=None, prefix: str = "salesbot:", name: str = "rate"):
        self.limit, self.window = parse_rate(spec)
        self.redis = redis
        self.key_prefix = f"{prefix}{name}:"
        self._local: dict[str, deque[float]] = {}
        self._script = redis.register_script(_WINDOW) if redis is not None else None

    async def allow(self, key: str) -> bool:
        now = time.time()
        if self._script is not None:
            member = f"{now:.6f}:{uuid.uuid4().hex[:8]}"
            return bool(await self._script(keys=[self.key_prefix + key], args=[now, self.window, self.limit, member]))
        window = self._local.setdefault(key, deque())
        while window and window[0] <= now - self.window:
            window.popleft()
        if len(window) >= self.limit:
            return False
        window.append(now)
        return True


class RedisLock:
    def __init__(self, redis, name: str, *, ttl: float = 30.0, prefix: str = "salesbot:"):
        self.redis = redis
        self.key = f"{prefix}lock:{name}"
        self.ttl = ttl
        self.token = uuid.uuid4().hex
        self._release = redis.register_script(_RELEASE)

    async def acquire(self, wait: float = 0.0) -> bool:
        deadline = time.monotonic() + wait
        while True:
            if await self.redis.set(self.key, self.token, nx=True, px=int(self.ttl * 1000)):
                return True
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.05)

    async def release(self) -> bool:
        return bool(await self._release(keys=[self.key], args=[self.token]))

    async def __aenter__(self) -> "RedisLock":
        if not await self.acquire(wait=self.ttl):
            raise TimeoutError(f"lock {self.key} is held elsewhere")
        return self

    async def __aexit__(self, *exc) -> None:
        await self.release()
