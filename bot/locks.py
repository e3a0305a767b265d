"""Limits and locks that hold across replicas (Redis), with an in-process fallback for one process.

* `SlidingWindowLimiter.allow(key)`: at most N events per key in any window of S seconds, counted over
  all replicas (a Lua script on a sorted set: check-and-add is atomic). Use it for per-customer message
  limits and per-app platform quotas. Without Redis it counts in this process only.
  `reserve(key)` is the pacing form: it takes a slot, or says how long to wait for one, and honours a
  `cool_down(key, seconds)` that any replica set (the platform said "too fast": everyone backs off).
* `shared_lock(redis, name)`: a named lock across replicas with a time to live and an owner token, released
  only by its owner (e.g. one replica refreshes an access token while the others wait for the result):
  redis-py's own asyncio Lock under our key prefix.
The scheduler's leader lease is scheduler/leader.py (database or Redis).
"""

from __future__ import annotations

import time
import uuid
from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # redis-py takes half a second to import; only deployments with SALESBOT_REDIS_URL load it
    from redis.asyncio.lock import Lock

_WINDOW = """
local key, now, window, limit, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) >= limit then return 0 end
redis.call('ZADD', key, now, member)
redis.call('PEXPIRE', key, math.ceil(window * 1000))
return 1
"""

# Pacing: 0 = a slot was taken; otherwise milliseconds until one may be free (nothing taken). Time is
# Redis's own (TIME), so replicas on machines with skewed clocks still share one window.
_RESERVE = """
local key, cooling_key = KEYS[1], KEYS[2]
local window, limit, member = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local cooling = redis.call('PTTL', cooling_key)
if cooling > 0 then return cooling end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) >= limit then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return math.max(1, math.ceil((tonumber(oldest[2]) + window - now) * 1000))
end
redis.call('ZADD', key, now, member)
redis.call('PEXPIRE', key, math.ceil(window * 1000))
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
    """`spec` is "N/S"; `limit` and `window` (seconds, may be fractional) say the same without a string."""

    def __init__(
        self,
        spec: str | None = None,
        *,
        limit: int | None = None,
        window: float | None = None,
        redis=None,
        prefix: str = "salesbot:",
        name: str = "rate",
        clock=time.monotonic,
    ):
        self.limit, self.window = parse_rate(spec) if spec is not None else (20, 600)
        if limit is not None:
            self.limit = max(1, int(limit))
        if window is not None:
            self.window = max(0.001, float(window))
        self.redis = redis
        self.key_prefix = f"{prefix}{name}:"
        self._local: dict[str, deque[float]] = {}  # allow(): wall-clock times, like the Redis script
        self.clock = clock
        self._paced: dict[str, deque[float]] = {}  # reserve() without Redis: `clock` times
        self._cooling: dict[str, float] = {}  # key -> `clock` time the local cool-down ends
        self._calls = 0
        self._script = redis.register_script(_WINDOW) if redis is not None else None
        self._reserve = redis.register_script(_RESERVE) if redis is not None else None

    @property
    def shared(self) -> bool:
        return self.redis is not None

    async def allow(self, key: str) -> bool:
        now = time.time()
        if self._script is not None:
            member = f"{now:.6f}:{uuid.uuid4().hex[:8]}"
            return bool(await self._script(keys=[self.key_prefix + key], args=[now, self.window, self.limit, member]))
        return await self.allow_at(key, now)

    async def take(self, key: str) -> str | None:
        """Like `allow`, but returns the slot's token (None when over the limit), so `give_back` can return it:
        a sign-in counts against the limit while it is checked and only stays counted when it fails."""
        now = time.time()
        member = f"{now:.6f}:{uuid.uuid4().hex[:8]}"
        if self._script is not None:
            ok = await self._script(keys=[self.key_prefix + key], args=[now, self.window, self.limit, member])
            return member if ok else None
        return member if await self.allow_at(key, now) else None

    async def give_back(self, key: str, member: str) -> None:
        if self.redis is not None:
            await self.redis.zrem(self.key_prefix + key, member)
            return
        window = self._local.get(key)
        stamp = float(member.split(":", 1)[0])
        if window and stamp in window:
            window.remove(stamp)

    async def allow_at(self, key: str, now: float) -> bool:
        """The in-process count (no Redis)."""
        window = self._local.setdefault(key, deque())
        while window and window[0] <= now - self.window:
            window.popleft()
        if len(window) >= self.limit:
            return False
        window.append(float(f"{now:.6f}"))
        self._calls += 1
        if self._calls % 1000 == 0:  # keyed by client address too: forget keys idle for a whole window
            for idle in [k for k, v in self._local.items() if not v or v[-1] <= now - self.window]:
                del self._local[idle]
        return True

    async def reserve(self, key: str) -> float:
        """Take a slot now (returns 0.0) or return the seconds until one may be free (nothing taken)."""
        if self._reserve is not None:
            member = f"{time.time():.6f}:{uuid.uuid4().hex[:8]}"
            waited_ms = await self._reserve(
                keys=[self.key_prefix + key, self.key_prefix + "cool:" + key], args=[self.window, self.limit, member]
            )
            return int(waited_ms) / 1000.0
        return self.reserve_local(key)

    def reserve_local(self, key: str) -> float:
        """The same in this process only (also the fallback while Redis is unreachable)."""
        now = self.clock()
        cooling_until = self._cooling.get(key, 0.0)
        if cooling_until > now:
            return cooling_until - now
        window = self._paced.setdefault(key, deque())
        while window and window[0] <= now - self.window:
            window.popleft()
        if len(window) >= self.limit:
            return max(0.001, window[0] + self.window - now)
        window.append(now)
        self._calls += 1
        if self._calls % 1000 == 0:
            self._prune(now)
        return 0.0

    async def cool_down(self, key: str, seconds: float) -> None:
        """No slot for `key` for `seconds` (every replica, with Redis)."""
        ms = max(1, int(seconds * 1000))
        self._cooling[key] = max(self._cooling.get(key, 0.0), self.clock() + ms / 1000)
        if self.redis is not None:
            # never shortens a longer cool-down another replica set
            cool_key = self.key_prefix + "cool:" + key
            if int(await self.redis.pttl(cool_key)) < ms:
                await self.redis.set(cool_key, "1", px=ms)

    def _prune(self, now: float) -> None:
        """Keeps memory flat in the number of keys: forget those idle for a full window."""
        for key in [k for k, v in self._paced.items() if not v or now - v[-1] >= self.window]:
            del self._paced[key]
        for key in [k for k, until in self._cooling.items() if until <= now]:
            del self._cooling[key]

    def __len__(self) -> int:
        return len(self._paced)


def shared_lock(redis, name: str, *, ttl: float = 30.0, wait: float | None = None, prefix: str = "salesbot:") -> "Lock":
    """A lock held by one replica at a time; it expires after `ttl` seconds if its holder dies. `async with` waits
    up to `wait` seconds (default: ttl) and raises redis.exceptions.LockError if it is still held elsewhere."""
    return redis.lock(f"{prefix}lock:{name}", timeout=ttl, sleep=0.05, blocking_timeout=ttl if wait is None else wait)
