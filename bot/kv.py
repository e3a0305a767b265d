"""Small shared state with expiry (access tokens, sync cursors) in the database, so processes share it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.db import Database
from bot.models import KeyValue, utcnow


class KeyValueStore:
    def __init__(self, db: Database):
        self.db = db

    async def get(self, key: str) -> str | None:
        async with self.db.session() as s:
            row = await s.get(KeyValue, key)
            if row is None:
                return None
            if row.expires_at is not None and row.expires_at <= utcnow():
                return None
            return row.value

    async def set(self, key: str, value: str, ttl_seconds: float | None = None) -> None:
        now = utcnow()
        expires = now + timedelta(seconds=ttl_seconds) if ttl_seconds else None
        insert = sqlite_insert if self.db.is_sqlite else pg_insert
        # one upsert, not read-then-insert: two processes setting the same key at once (two replicas sending
        # a card to one person) would otherwise both insert and one would fail on the unique key
        async with self.db.write() as s:
            await s.execute(
                insert(KeyValue)
                .values(key=key, value=value, expires_at=expires, updated_at=now)
                .on_conflict_do_update(
                    index_elements=["key"], set_={"value": value, "expires_at": expires, "updated_at": now}
                )
            )

    async def add(self, key: str, value: str, ttl_seconds: float) -> bool:
        """Set `key` only when it is absent (or expired), atomically: True for the one caller that set it.
        Used to accept something once (a signed request) across processes."""
        now = utcnow()
        expires = now + timedelta(seconds=ttl_seconds)
        insert = sqlite_insert if self.db.is_sqlite else pg_insert
        async with self.db.write() as s:
            # an expired row does not count as present: take it over in place
            taken = await s.execute(
                update(KeyValue)
                .where(KeyValue.key == key, KeyValue.expires_at.is_not(None), KeyValue.expires_at <= now)
                .values(value=value, expires_at=expires, updated_at=now)
            )
            if taken.rowcount == 1:
                return True
            added = await s.execute(
                insert(KeyValue)
                .values(key=key, value=value, expires_at=expires, updated_at=now)
                .on_conflict_do_nothing(index_elements=["key"])
            )
            return added.rowcount == 1

    async def delete(self, key: str) -> None:
        async with self.db.write() as s:
            row = await s.get(KeyValue, key)
            if row is not None:
                await s.delete(row)
