"""Small shared state with expiry (access tokens, sync cursors) in the database, so processes share it."""

from __future__ import annotations

from datetime import timedelta

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
        expires = utcnow() + timedelta(seconds=ttl_seconds) if ttl_seconds else None
        async with self.db.write() as s:
            row = await s.get(KeyValue, key)
            if row is None:
                s.add(KeyValue(key=key, value=value, expires_at=expires))
            else:
                row.value, row.expires_at, row.updated_at = value, expires, utcnow()
                s.add(row)

    async def delete(self, key: str) -> None:
        async with self.db.write() as s:
            row = await s.get(KeyValue, key)
            if row is not None:
                await s.delete(row)
