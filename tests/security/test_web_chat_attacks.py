"""Attacks on the public web chat: dropping or forging the visitor cookie to get fresh limits, chunked
bodies past the size limit, long polls that pile up, JSON that crashes the parser (also on /wecom/aibot)."""

from __future__ import annotations

import asyncio
import json
import secrets

import aiohttp
from sqlmodel import func, select

from bot.models import InboundMessage
from tests.test_web_chat import web_rig
from tools.leads.models import Lead


def cookieless() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())


async def _counts(app) -> tuple[int, int, int]:
    await app.drain()
    async with app.db.session() as s:
        leads = (await s.execute(select(func.count(Lead.id)))).scalar_one()
        stored = (
            await s.execute(select(func.count(InboundMessage.id)).where(InboundMessage.platform == "web"))
        ).scalar_one()
    pushes = sum(1 for line in app.console_lines if line.startswith("[推送 →") and "【新客户线索】" in line)
    return leads, pushes, stored


async def test_sixty_cookieless_posts_from_one_address_make_at_most_ten_leads(tmp_path):
    async with web_rig(tmp_path) as (app, server):  # offline: a message with a phone number is a lead
        url = server.make_url("/chat/api/messages")
        statuses = []
        async with cookieless() as http:
            for i in range(60):
                phone = f"139{i:08d}"
                async with http.post(url, json={"text": f"我姓王，电话 {phone}，想了解一下价格"}) as r:
                    statuses.append(r.status)
        leads, pushes, stored = await _counts(app)
        assert statuses.count(202) == 10 and statuses.count(429) == 50
        assert 1 <= leads <= 10 and 1 <= pushes <= 10
        assert stored == 10


async def test_made_up_visitor_cookies_count_as_new_visitors(tmp_path):
    async with web_rig(tmp_path, demo=False) as (app, server):
        url = server.make_url("/chat/api/messages")
        statuses = []
        for i in range(15):
            async with aiohttp.ClientSession(cookies={"salesbot_visitor": secrets.token_urlsafe(18)}) as http:
                async with http.post(url, json={"text": f"你好 {i}"}) as r:
                    statuses.append(r.status)
        assert statuses[:10] == [202] * 10 and statuses[10:] == [429] * 5
        _, _, stored = await _counts(app)
        assert stored == 10


async def test_a_returning_visitor_is_not_a_new_one(tmp_path):
    async with web_rig(tmp_path, demo=False, SALESBOT_WEB_CHAT_NEW_VISITORS_PER_IP="1/3600") as (app, server):
        url = server.make_url("/chat/api/messages")
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as visitor:
            for i in range(5):
                async with visitor.post(url, json={"text": f"第 {i} 个问题"}) as r:
                    assert r.status == 202, i
        async with cookieless() as other:
            async with other.post(url, json={"text": "我是另一个人"}) as r:
                assert r.status == 429 and "咨询太多" in (await r.json())["error"]


async def test_forwarded_for_counts_only_behind_a_trusted_proxy(tmp_path):
    async with web_rig(tmp_path, demo=False, SALESBOT_WEB_CHAT_NEW_VISITORS_PER_IP="2/3600") as (app, server):
        url = server.make_url("/chat/api/messages")
        async with cookieless() as http:
            got = []
            for i in range(4):  # a different made-up address each time: ignored, it is one peer
                async with http.post(url, json={"text": "hi"}, headers={"X-Forwarded-For": f"198.51.100.{i}"}) as r:
                    got.append(r.status)
        assert got == [202, 202, 429, 429]
    env = {"SALESBOT_WEB_CHAT_NEW_VISITORS_PER_IP": "2/3600", "SALESBOT_TRUSTED_PROXIES": "127.0.0.1/32, ::1"}
    async with web_rig(tmp_path / "proxied", demo=False, **env) as (app, server):
        url = server.make_url("/chat/api/messages")
        async with cookieless() as http:
            got = []
            for client in ("198.51.100.1", "198.51.100.1", "198.51.100.1", "198.51.100.2"):
                # the client may prepend anything; the proxy appends the address it saw
                headers = {"X-Forwarded-For": f"10.9.9.9, {client}"}
                async with http.post(url, json={"text": "hi"}, headers=headers) as r:
                    got.append(r.status)
        assert got == [202, 202, 429, 202]


async def test_a_chunked_body_over_the_limit_is_refused_and_not_stored(tmp_path):
    async with web_rig(tmp_path, demo=False) as (app, server):
        url = server.make_url("/chat/api/messages")
        big = json.dumps({"text": "长" * 300_000}).encode()  # ~900 KB

        async def chunks():
            for i in range(0, len(big), 16 * 1024):
                yield big[i : i + 16 * 1024]

        async with cookieless() as http:
            async with http.post(url, data=chunks(), headers={"Content-Type": "application/json"}) as r:
                assert r.request_info.headers.get("Transfer-Encoding") == "chunked"
                assert r.status == 413 and "太长" in (await r.json())["error"]
        _, _, stored = await _counts(app)
        assert stored == 0


async def test_timed_out_long_polls_leave_nothing_behind_and_are_capped_per_address(tmp_path):
    async with web_rig(tmp_path, demo=False) as (app, server):
        url = server.make_url("/chat/api/messages")
        adapter = app.adapters["web"]

        async def poll(wait: float) -> int:
            cookie = {"salesbot_visitor": secrets.token_urlsafe(18)}
            async with aiohttp.ClientSession(cookies=cookie) as http:
                async with http.get(url, params={"after": 0, "wait": wait}) as r:
                    return r.status

        for _ in range(10):  # 200 polls that all time out
            assert await asyncio.gather(*(poll(0.05) for _ in range(20))) == [200] * 20
        assert adapter._waiters == {} and adapter._waiting == {} and adapter._waiting_ip == {}
        statuses = await asyncio.gather(*(poll(1.0) for _ in range(30)))
        assert statuses.count(200) == 20 and statuses.count(429) == 10
        assert adapter._waiters == {} and adapter._waiting_ip == {}
        async with aiohttp.ClientSession(cookies={"salesbot_visitor": secrets.token_urlsafe(18)}) as http:
            async with http.get(url, params={"after": "9" * 30}) as r:
                assert r.status == 400


async def test_lone_surrogates_and_deep_nesting_get_400(tmp_path):
    async with web_rig(tmp_path, demo=False) as (app, server):
        url = server.make_url("/chat/api/messages")
        bodies = [
            b'{"text": "\\ud800 hello"}',
            b'{"text": "ok", "client_id": "a", "\\udfff": 1}',
            b'{"text": "hi", "x": ' + b"[" * 20_000 + b"]" * 20_000 + b"}",
            b'{"text": "hi", "x": ' + b"[" * 100 + b"]" * 100 + b"}",
        ]
        async with cookieless() as http:
            for body in bodies:
                async with http.post(url, data=body, headers={"Content-Type": "application/json"}) as r:
                    assert r.status == 400, body[:40]
                    assert (await r.json())["error"] == "消息格式不对。"
        _, _, stored = await _counts(app)
        assert stored == 0


async def test_wecom_aibot_refuses_bad_json_with_400_before_the_signature_check(tmp_path):
    from tests.wecom_support import AIBOT_KEY, AIBOT_TOKEN

    env = {"WECOM_AIBOT_TOKEN": AIBOT_TOKEN, "WECOM_AIBOT_ENCODING_AES_KEY": AIBOT_KEY}
    async with web_rig(tmp_path, demo=False, **env) as (app, server):
        url = server.make_url("/wecom/aibot")
        query = {"msg_signature": "x", "timestamp": "1", "nonce": "n"}
        async with cookieless() as http:
            for body in (b'{"encrypt": "\\ud800"}', b"[" * 100_000 + b"]" * 100_000):
                async with http.post(url, params=query, data=body) as r:
                    assert r.status == 400, body[:20]
