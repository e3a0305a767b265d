"""The shared key-value store as two processes see it: one database file, two `Database` objects."""

import asyncio

from bot.db import Database
from bot.kv import KeyValueStore
from tests.conftest import make_settings


async def test_two_processes_setting_one_key_at_once_both_succeed_and_the_key_holds_one_value(tmp_path):
    settings = make_settings(tmp_path)
    settings.ensure_data_dir()
    first, second = Database(settings.resolved_database_url), Database(settings.resolved_database_url)
    await first.migrate()
    try:
        a, b = KeyValueStore(first), KeyValueStore(second)
        # a replica sending a card to the same person as another replica, many times over: no unique-key error
        await asyncio.gather(*(store.set("card:zhangwei", f"v{i}", 60) for i, store in enumerate([a, b] * 10)))
        assert await a.get("card:zhangwei") in {f"v{i}" for i in range(20)}
        await a.set("card:zhangwei", "latest", 60)
        assert await b.get("card:zhangwei") == "latest"
        await b.set("cursor", "1")  # no expiry
        assert await a.get("cursor") == "1"
    finally:
        await first.close()
        await second.close()
