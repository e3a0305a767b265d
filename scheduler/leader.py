"""One leader among the processes: a lease that the holder renews and anyone may take once it expires.

Database lease (default): a row in key_value, taken and renewed with a conditional UPDATE
(`WHERE holder = me OR expires_at < now`), created with INSERT … ON CONFLICT DO NOTHING; whoever's
statement changed the row holds the lease. Redis lease (SALESBOT_REDIS_URL): SET NX PX to take it,
compare-and-set scripts to renew or release it.

If the leader dies, its lease runs out after `ttl` seconds and the next process to try takes over.
Pushes are idempotent anyway (scheduled_notice keys), so a short overlap while a paused leader
wakes up costs a few queries, never a duplicate message.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Callable

from sqlalchemy import and_, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.db import Database
from bot.models import KeyValue

log = logging.getLogger(__name__)

LEASE_KEY = "scheduler:leader"


class DatabaseLease:
    def __init__(self, db: Database, now: Callable, ttl: float = 30.0, holder: str | None = None, key: str = LEASE_KEY):
        self.db, self.now, self.ttl, self.key = db, now, ttl, key
        self.holder = holder or uuid.uuid4().hex
        self.held = False

    async def acquire(self) -> bool:
        """Take or renew the lease; True while we hold it."""
        now = self.now()
        expires = now + timedelta(seconds=self.ttl)
        async with self.db.transaction() as conn:
            res = await conn.execute(
                update(KeyValue)
                .where(
                    KeyValue.key == self.key,
                    or_(KeyValue.value == self.holder, KeyValue.expires_at.is_(None), KeyValue.expires_at < now),
                )
                .values(value=self.holder, expires_at=expires, updated_at=now)
            )
            got = res.rowcount == 1
            if not got:
                ins = sqlite_insert if self.db.is_sqlite else pg_insert
                res = await conn.execute(
                    ins(KeyValue)
                    .values(key=self.key, value=self.holder, expires_at=expires, updated_at=now)
                    .on_conflict_do_nothing(index_elements=["key"])
                )
                got = res.rowcount == 1
        if got != self.held:
            log.info("scheduler lease %s by %s", "taken" if got else "lost", self.holder[:8])
        self.held = got
        return got

    async def release(self) -> None:
        if not self.held:
            return
        async with self.db.transaction() as conn:
            await conn.execute(
                update(KeyValue)
                .where(and_(KeyValue.key == self.key, KeyValue.value == self.holder))
                .values(expires_at=self.now() - timedelta(seconds=1))
            )
        self.held = False

    async def close(self) -> None:
        return None


_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisLease:
    """The lease in Redis (the app's shared client, app.redis): SET NX PX takes it, a compare-and-pexpire
    script renews it, a compare-and-delete script releases it; only the holder's token can do either."""

    def __init__(self, redis, *, ttl: float = 30.0, holder: str | None = None, key: str = "salesbot:" + LEASE_KEY):
        self.redis, self.ttl, self.key = redis, ttl, key
        self.holder = holder or uuid.uuid4().hex
        self.held = False
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)

    async def acquire(self) -> bool:
        ms = int(self.ttl * 1000)
        got = bool(await self.redis.set(self.key, self.holder, nx=True, px=ms))
        if not got:
            got = bool(await self._renew(keys=[self.key], args=[self.holder, ms]))
        if got != self.held:
            log.info("scheduler lease %s by %s (redis)", "taken" if got else "lost", self.holder[:8])
        self.held = got
        return got

    async def release(self) -> None:
        if self.held:
            await self._release(keys=[self.key], args=[self.holder])
        self.held = False

    async def close(self) -> None:
        return None  # the client is the app's; it closes it
