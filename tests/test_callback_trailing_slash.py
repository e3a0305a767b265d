"""Platform callback URLs answer with a trailing slash too: "https://host/wecom/callback/" pasted into the WeCom
or DingTalk admin page is a common setup mistake, and the platforms never follow a redirect for a callback."""

from __future__ import annotations

import json
import time

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.dingtalk.signature import compute_sign
from salesbot.server import build_web_app, tolerate_trailing_slash
from tests.fakes.wecom import FakeWeComSender, aibot_text, text_xml
from tests.test_dingtalk_e2e import REP, dingtalk_app, fake, sends_to, settle  # noqa: F401 (fixture)
from tests.test_wecom_e2e import USER, texts
from tests.wecom_support import AIBOT_KEY, AIBOT_TOKEN, APP_KEY, APP_TOKEN, CORP_ID, wecom_rig


async def test_wecom_callbacks_answer_with_a_trailing_slash(tmp_path):
    async with wecom_rig(tmp_path) as rig:
        rig.qyapi.users["zhangsan"] = USER
        slash_app = FakeWeComSender(
            rig.session, rig.url("/wecom/callback/"), token=APP_TOKEN, encoding_aes_key=APP_KEY, receive_id=CORP_ID
        )
        assert await slash_app.verify_url("1234567") == (200, "1234567")
        res = await slash_app.post_xml(text_xml(CORP_ID, "zhangsan", "/帮助", "slash-1"), deliveries=1)
        assert res.statuses == [200]
        await rig.settle()
        assert any(t for t in texts(rig.qyapi))  # the turn ran and answered
        slash_bot = FakeWeComSender(
            rig.session, rig.url("/wecom/aibot/"), token=AIBOT_TOKEN, encoding_aes_key=AIBOT_KEY, receive_id=""
        )
        assert await slash_bot.verify_url("42") == (200, "42")
        assert (await slash_bot.post_json(aibot_text("slash-2", "zhangsan", "你好"), deliveries=1)).statuses == [200]
        # a bad signature is still refused there: the slash route is the same handler, not a bypass
        body, params = slash_app.envelope_xml(text_xml(CORP_ID, "zhangsan", "你好", "slash-3"))
        assert (await slash_app.post_raw(body, {**params, "msg_signature": "0" * 40}, deliveries=1)).statuses == [403]


async def test_dingtalk_http_callback_answers_with_a_trailing_slash(tmp_path, fake):  # noqa: F811
    async with dingtalk_app(tmp_path, fake, start_stream=False, DINGTALK_MODE="http") as (app, adapter):
        await adapter.start()
        async with TestClient(TestServer(build_web_app(app))) as client:
            now = int(time.time() * 1000)
            good = fake.robot_message("/帮助", staff_id=REP)
            headers = {"timestamp": str(now), "sign": compute_sign(str(now), fake.client_secret)}
            resp = await client.post("/dingtalk/callback/", data=json.dumps(good), headers=headers)
            assert resp.status == 200
            await settle(app, fake, lambda: sends_to(fake, good))
            bad = fake.robot_message("/帮助", staff_id=REP)
            resp = await client.post("/dingtalk/callback/", data=json.dumps(bad))
            assert resp.status == 403


def test_an_adapters_own_slash_route_is_left_alone():
    async def page(request):  # pragma: no cover - never called
        return web.Response()

    routes = [web.get("/chat", page), web.get("/chat/", page), web.post("/x/callback", page)]
    paths = [(r.method, r.path) for r in tolerate_trailing_slash(routes)]
    assert paths.count(("GET", "/chat/")) == 1
    assert ("POST", "/x/callback/") in paths and len(paths) == 4
