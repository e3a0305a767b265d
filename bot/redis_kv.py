"""Redis for what several replicas share and ask for often (SALESBOT_REDIS_URL; off without it).

`TieredKeyValueStore` keeps app.kv's interface: values with a time to live (platform access tokens,
leases, short caches) live in Redis, where every replica reads them without a database round trip and
they expire by themselves; values without one (sync cursors: durable state) stay in the database, so
losing Redis never loses a cursor. Reads look in Redis first, then the database.
"""

from __future__ import annotations

import logging

from bot.kv import KeyValueStore

log = logging.getLogger(__name__)


def connect(url: str):
    """An asyncio Redis client (a pool; connections are made on first use)."""
    # redis-py takes half a second to import; only deployments with SALESBOT_REDIS_URL need it
    import redis.asyncio as aioredis

    return aioredis.from_url(
        url,
        decode_responses=True,
        socket_timeout=5,
        socket_connect_timeout=5,
        health_check_interval=30,
        retry_on_timeout=True,
    )


class TieredKeyValueStore:
    def __init__(self, redis, prefix: str, durable: KeyValueStore):
        self.redis = redis
        self.prefix = prefix + "kv:"
        self.durable = durable

    async def get(self, key: str) -> str | None:
        value = await self.redis.get(self.prefix + key)
        if value is not None:
            return value
        return await self.durable.get(key)

    async def set(self, key: str, value: str, ttl_seconds: float | None = None) -> None:
        if ttl_seconds:
            await self.redis.set(self.prefix + key, value, px=max(1, int(ttl_seconds * 1000)))
            try:  # an older durable copy would come back when this one expires
                await self.durable.delete(key)
            except Exception as exc:  # the fresh value is in Redis; a database blip must not fail the caller
                log.warning("kv %s: could not drop the durable copy: %s", key, exc)
            return
        await self.durable.set(key, value)
        await self.redis.delete(self.prefix + key)  # a stale expiring copy must not shadow it

    async def add(self, key: str, value: str, ttl_seconds: float) -> bool:
        """SET NX: only the first caller over all replicas gets True."""
        return bool(await self.redis.set(self.prefix + key, value, px=max(1, int(ttl_seconds * 1000)), nx=True))

    async def delete(self, key: str) -> None:
        await self.redis.delete(self.prefix + key)
        await self.durable.delete(key)
