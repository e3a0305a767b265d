"""Attacks on DingTalk HTTP robot mode: replaying a captured signature with a new body and a manager's
staff id, and a signed message whose sessionWebhook points inside our network (SSRF)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import func, select

from adapters.dingtalk.signature import compute_sign
from bot.models import InboundMessage
from salesbot.server import build_web_app
from tests.fakes.dingtalk import FakeDingTalk
from tests.test_dingtalk_e2e import MANAGER, REP, dingtalk_app, settle


@pytest.fixture
async def fake():
    gateway = FakeDingTalk()
    await gateway.start()
    yield gateway
    await gateway.close()


def _headers(gateway, ts_ms: int) -> dict:
    return {"timestamp": str(ts_ms), "sign": compute_sign(str(ts_ms), gateway.client_secret)}


async def _ledger(app) -> list[InboundMessage]:
    async with app.db.session() as s:
        return list((await s.execute(select(InboundMessage).where(InboundMessage.platform == "dingtalk"))).scalars())


async def test_a_captured_signature_is_accepted_once(tmp_path, fake):
    async with dingtalk_app(tmp_path, fake, start_stream=False, DINGTALK_MODE="http") as (app, adapter):
        await adapter.start()
        async with TestClient(TestServer(build_web_app(app))) as client:
            headers = _headers(fake, int(time.time() * 1000))
            genuine = fake.robot_message("/帮助", staff_id=REP)
            resp = await client.post("/dingtalk/callback", data=json.dumps(genuine), headers=headers)
            assert resp.status == 200
            # the attacker reuses the pair with their own body, claiming to be the manager
            forged = fake.robot_message("/审批 同意", staff_id=MANAGER)
            resp = await client.post("/dingtalk/callback", data=json.dumps(forged), headers=headers)
            assert resp.status == 403
            # the same body again (a plain replay) too
            resp = await client.post("/dingtalk/callback", data=json.dumps(genuine), headers=headers)
            assert resp.status == 403
            # a fresh signature still works
            later = fake.robot_message("/帮助", staff_id=REP)
            resp = await client.post(
                "/dingtalk/callback", data=json.dumps(later), headers=_headers(fake, int(time.time() * 1000) + 1)
            )
            assert resp.status == 200
            await asyncio.sleep(0.1)
            await app.drain()
        senders = [m.sender_id for m in await _ledger(app)]
        assert MANAGER not in senders and len(senders) == 2


async def test_the_replay_guard_is_shared_through_the_key_value_store(tmp_path, fake):
    async with dingtalk_app(tmp_path, fake, start_stream=False, DINGTALK_MODE="http") as (app, adapter):
        ts = str(int(time.time() * 1000))
        sign = compute_sign(ts, fake.client_secret)
        # two replicas racing on one pair: exactly one wins
        results = await asyncio.gather(*(adapter._first_use(ts, sign) for _ in range(10)))
        assert results.count(True) == 1
        assert await app.kv.add("probe", "1", 0.001) is True
        await asyncio.sleep(0.01)
        assert await app.kv.add("probe", "2", 60) is True  # an expired key is absent
        assert await app.kv.add("probe", "3", 60) is False
        assert await app.kv.get("probe") == "2"


async def test_bad_json_after_a_good_signature_is_a_400(tmp_path, fake):
    async with dingtalk_app(tmp_path, fake, start_stream=False, DINGTALK_MODE="http") as (app, adapter):
        await adapter.start()
        async with TestClient(TestServer(build_web_app(app))) as client:
            for i, body in enumerate((b'{"text": {"content": "\\ud800"}}', b"[" * 50_000 + b"]" * 50_000)):
                headers = _headers(fake, int(time.time() * 1000) + i)
                resp = await client.post("/dingtalk/callback", data=body, headers=headers)
                assert resp.status == 400
        assert await _ledger(app) == []


async def test_a_session_webhook_off_dingtalk_is_never_called(tmp_path, fake):
    hits: list[str] = []

    async def internal(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.json_response({"errcode": 0})

    inside = web.Application()
    inside.router.add_post("/{tail:.*}", internal)
    target = TestServer(inside, host="127.0.0.1")
    await target.start_server()
    try:
        async with dingtalk_app(tmp_path, fake, start_stream=False, DINGTALK_MODE="http") as (app, adapter):
            await adapter.start()
            async with TestClient(TestServer(build_web_app(app))) as client:
                for i, hook in enumerate(
                    (
                        str(target.make_url("/admin/internal")),
                        "http://oapi.dingtalk.com@127.0.0.1:1/x",
                        "http://oapi.dingtalk.com/robot/sendBySession?session=x",  # not https
                    )
                ):
                    message = fake.robot_message("/帮助", staff_id=REP)
                    message["sessionWebhook"] = hook
                    headers = _headers(fake, int(time.time() * 1000) + i)
                    resp = await client.post("/dingtalk/callback", data=json.dumps(message), headers=headers)
                    assert resp.status == 200
                await settle(app, fake, lambda: len(fake.robot_sends) >= 3, timeout=10)
            async with app.db.session() as s:
                stored = (await s.execute(select(func.count(InboundMessage.id)))).scalar_one()
            assert stored == 3
        assert hits == []  # the reply went through the robot OpenAPI instead
    finally:
        await target.close()


def test_default_webhook_hosts_are_dingtalks_own(tmp_path):
    from adapters.dingtalk.config import DingTalkConfig
    from tests.conftest import make_settings

    config = DingTalkConfig.from_settings(make_settings(tmp_path))
    assert config.webhook_hosts == {"oapi.dingtalk.com", "api.dingtalk.com"}
