"""The core pieces on their own: settings, text splitting, outbox retries and ordering, ledger resume."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from bot.adapter import Adapter, Delivery, PermanentSendError, TransientSendError
from bot.messages import Inbound, Reply, Target
from bot.models import InboundMessage, OutboxMessage
from bot.settings import ConfigError
from bot.textsplit import split_text, utf8_len
from salesbot.channels import enabled_channels
from tests.conftest import ConsoleClient, make_settings, running_app


def test_half_configured_channel_names_the_missing_setting(tmp_path):
    # each adapter package owns its channel's settings: the core asks them all (bot.app.enabled_channels)
    settings = make_settings(tmp_path, WECOM_CORP_ID="ww1", WECOM_SECRET="s")
    with pytest.raises(ConfigError) as err:
        enabled_channels(settings)
    assert "WECOM_AGENT_ID" in str(err.value) and "WECOM_TOKEN" in str(err.value)
    assert enabled_channels(make_settings(tmp_path)) == []
    full = make_settings(tmp_path, DINGTALK_CLIENT_ID="id", DINGTALK_CLIENT_SECRET="sec")
    assert enabled_channels(full) == ["钉钉"]


def test_cli_refuses_half_configured_channel(tmp_path, monkeypatch, capsys):
    from salesbot.cli import main

    monkeypatch.setenv("SALESBOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DINGTALK_CLIENT_ID", "only-the-id")
    assert main(["demo"]) == 2
    assert "DINGTALK_CLIENT_SECRET" in capsys.readouterr().err


@pytest.mark.parametrize("limit", [60, 200, 2048])
def test_split_text_keeps_order_and_byte_limit(limit):
    text = "".join(f"第{i}句话，说明一下报价的细节和折扣政策。" for i in range(300)) + "\n\n结尾段落。"
    parts = split_text(text, limit)
    assert all(utf8_len(p) <= limit for p in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")
    assert parts[0].startswith("第0句话")


def test_split_text_prefers_sentence_boundaries():
    parts = split_text("甲" * 20 + "。" + "乙" * 20 + "。", 70)
    assert parts == ["甲" * 20 + "。", "乙" * 20 + "。"]


class FlakyAdapter(Adapter):
    platforms = ("flaky",)
    max_text_bytes = 30

    def __init__(self, app, failures: dict[int, Exception] | None = None):
        super().__init__(app)
        self.sent: list[str] = []
        self.failures = failures or {}
        self.calls = 0

    async def deliver(self, delivery: Delivery) -> None:
        self.calls += 1
        exc = self.failures.pop(self.calls, None)
        if exc is not None:
            raise exc
        await asyncio.sleep(0.001 * (3 - delivery.seq % 3))  # parts finish at different speeds
        self.sent.append(delivery.reply.text)


async def test_outbox_splits_retries_and_keeps_order(tmp_path):
    async with running_app(tmp_path, demo=False) as app:
        flaky = FlakyAdapter(app, {2: TransientSendError("45009 rate limit", retry_after=0.01)})
        app.adapters["flaky"] = flaky
        text = "一二三四五六七八九十。" * 6  # 180 bytes → 6+ parts of ≤30 bytes
        await app.push(Target("flaky", user_id="u1"), Reply(text), key="k1")
        await app.drain()
        assert "".join(flaky.sent) == text
        async with app.db.session() as s:
            rows = (await s.execute(select(OutboxMessage).order_by(OutboxMessage.seq))).scalars().all()
        assert all(r.status == "sent" for r in rows) and len(rows) == len(flaky.sent)
        assert app.outbox.stats["retried"] == 1
        # the same key again is not sent again
        await app.push(Target("flaky", user_id="u1"), Reply(text), key="k1")
        await app.drain()
        assert "".join(flaky.sent) == text


async def test_outbox_permanent_failure_is_recorded_and_transient_is_deferred(tmp_path):
    async with running_app(tmp_path, demo=False) as app:
        app.outbox.max_attempts = 2
        flaky = FlakyAdapter(
            app, {1: PermanentSendError("bad user"), 2: TransientSendError("5xx"), 3: TransientSendError("5xx")}
        )
        app.adapters["flaky"] = flaky
        await app.push(Target("flaky", user_id="u1"), Reply("短消息"), key="a")
        await app.push(Target("flaky", user_id="u2"), Reply("第二条"), key="b")
        await app.drain()
        async with app.db.session() as s:
            rows = {r.key: r for r in (await s.execute(select(OutboxMessage))).scalars().all()}
        assert rows["push:a#0"].status == "failed" and "bad user" in rows["push:a#0"].last_error
        assert rows["push:b#0"].status == "pending" and rows["push:b#0"].next_attempt_at is not None
        # the sweeper sends it once it is due
        app.outbox.retry_later = __import__("datetime").timedelta(0)
        async with app.db.write() as s:
            row = await s.get(OutboxMessage, rows["push:b#0"].id)
            row.next_attempt_at = None
            s.add(row)
        assert await app.outbox.sweep() == 1
        await app.drain()
        assert flaky.sent == ["第二条"]


async def test_unfinished_turn_is_resumed_after_a_crash(tmp_path):
    async with running_app(tmp_path) as app:
        # a message claimed by a process that died before handling it
        inbound = Inbound(
            platform="console",
            msg_id="crash-1",
            sender_id="zhangwei",
            conversation_id="zhangwei",
            text="/客户 华东机械",
        )
        assert await app.ledger.claim(inbound) is not None
    async with running_app(tmp_path, demo=False) as app:
        await app.drain()
        async with app.db.session() as s:
            row = (await s.execute(select(InboundMessage).where(InboundMessage.msg_id == "crash-1"))).scalars().one()
        assert row.status == "done"
        assert any("上海华东机械制造有限公司" in line for line in app.console_lines)


async def test_a_failing_turn_answers_with_an_apology_and_is_marked_failed(tmp_path, monkeypatch):
    async with running_app(tmp_path) as app:
        from bot.capabilities import STAFF, Command

        async def broken(ctx, arg):
            raise RuntimeError("boom")

        monkeypatch.setitem(app.capabilities.commands, "坏了", Command("坏了", "/坏了", "", broken, STAFF))
        answer = await ConsoleClient(app, "zhangwei").say("/坏了")
        assert "出了点问题" in answer
        async with app.db.session() as s:
            row = (await s.execute(select(InboundMessage))).scalars().one()
        assert row.status == "failed" and "boom" in row.error


async def test_healthz_and_metrics(tmp_path):
    from aiohttp.test_utils import TestClient, TestServer

    from salesbot.server import build_web_app

    async with running_app(tmp_path, demo=False) as app:
        async with TestClient(TestServer(build_web_app(app))) as client:
            resp = await client.get("/healthz")
            body = await resp.json()
            assert resp.status == 200 and body["database"] == "up" and body["llm"] == "offline"
            metrics = await (await client.get("/metrics")).text()
            assert "salesbot_turns_total 0" in metrics


def test_migrations_create_exactly_the_models(tmp_path):
    """Every table and column the code declares comes from an Alembic migration (no drift)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import salesbot.tables  # noqa: F401  (all capability tables)
    from bot.db import Database

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    db.migrate_sync()
    with db.sync_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    db.sync_engine.dispose()
    assert diff == []


def test_every_setting_is_documented_in_env_example():
    import re
    from pathlib import Path

    from salesbot.channels import setting_models

    example = (Path(__file__).resolve().parents[1] / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, re.M))
    # the core's settings and each adapter's own (WECOM_*, DINGTALK_*, SALESBOT_WEB_CHAT)
    names = {
        alias
        for model in setting_models()
        for field in model.model_fields.values()
        for alias in (field.validation_alias.choices if field.validation_alias else [])
    }
    assert names and names <= documented, f"missing in .env.example: {sorted(names - documented)}"
