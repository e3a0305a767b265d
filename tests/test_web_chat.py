"""The web chat channel: JSON API through the real HTTP server, and the page in a real headless browser."""

from __future__ import annotations

import asyncio
import os
import shutil
from contextlib import asynccontextmanager

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlmodel import select

from salesbot.server import build_web_app
from tests.conftest import running_app
from tests.fakes.openai_server import text, tool_call
from tools.leads.models import Lead

CHROMIUM = os.environ.get("SALESBOT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@asynccontextmanager
async def web_rig(tmp_path, fake_llm=None, demo: bool = True, **env):
    if fake_llm is not None:
        env = {"OPENAI_BASE_URL": fake_llm.base_url, "OPENAI_API_KEY": "t", "SALESBOT_LLM_MODEL": "fake", **env}
    async with running_app(tmp_path, demo=demo, **env) as app:
        server = TestServer(build_web_app(app), host="127.0.0.1")
        await server.start_server()
        try:
            yield app, server
        finally:
            await server.close()


def browser_like() -> aiohttp.ClientSession:
    """A client that keeps cookies from 127.0.0.1, as a browser does."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def poll_until(session, url: str, predicate, timeout: float = 5.0) -> dict:
    deadline = asyncio.get_running_loop().time() + timeout
    cursor, seen = 0, []
    while asyncio.get_running_loop().time() < deadline:
        async with session.get(url, params={"after": cursor, "wait": 1}) as r:
            body = await r.json()
        seen += body["messages"]
        cursor = body["cursor"]
        if predicate(seen):
            return {"messages": seen, "cursor": cursor}
    raise AssertionError(f"no matching messages in time: {seen}")


async def test_page_sets_a_visitor_cookie_and_a_strict_csp(tmp_path):
    async with web_rig(tmp_path, demo=False) as (app, server):
        async with aiohttp.ClientSession() as session:
            async with session.get(server.make_url("/chat/")) as r:
                assert r.status == 200 and "在线咨询" in await r.text()
                assert "script-src 'self'" in r.headers["Content-Security-Policy"]
                cookie = r.cookies["salesbot_visitor"]
                assert cookie["httponly"] and len(cookie.value) >= 16
            async with session.get(server.make_url("/chat/widget.js")) as r:
                assert r.status == 200 and "iframe" in await r.text()


async def test_api_turn_duplicate_and_bad_input(tmp_path, fake_llm):
    async with web_rig(tmp_path, fake_llm, demo=False) as (app, server):
        url = server.make_url("/chat/api/messages")
        async with browser_like() as visitor, browser_like() as stranger:
            await visitor.get(server.make_url("/chat/"))
            fake_llm.script(text("您好，我是智能助理，请问想了解哪方面？"))
            for _ in range(2):  # a retried POST with the same client_id is one message, answered once
                async with visitor.post(url, json={"text": "你好", "client_id": "m-1"}) as r:
                    assert r.status in (200, 202)
            got = await poll_until(visitor, url, lambda ms: any(m["from"] == "bot" for m in ms))
            assert [m["text"] for m in got["messages"] if m["from"] == "bot"] == [
                "您好，我是智能助理，请问想了解哪方面？"
            ]
            assert fake_llm.calls == 1
            # another visitor sees nothing of it
            async with stranger.get(url, params={"after": 0}) as r:
                assert (await r.json())["messages"] == []
            # history on reload: own line and the answer
            async with visitor.get(url, params={"after": 0, "history": "1"}) as r:
                history = (await r.json())["messages"]
            assert [m["from"] for m in history] == ["me", "bot"] and history[0]["text"] == "你好"
            for body, status in [({"text": ""}, 400), ({"text": "hi", "client_id": "bad id!"}, 400)]:
                async with visitor.post(url, json=body) as r:
                    assert r.status == status and "error" in await r.json()
            async with visitor.post(
                url, data="text=hi", headers={"Content-Type": "application/x-www-form-urlencoded"}
            ) as r:
                assert r.status == 415
            async with app.db.session() as s:
                from bot.models import InboundMessage

                rows = (await s.execute(select(InboundMessage).where(InboundMessage.platform == "web"))).scalars().all()
            assert len(rows) == 1 and rows[0].payload["role_hint"] == "customer"


async def test_web_visitor_gets_a_rep(tmp_path, fake_llm):
    async with web_rig(tmp_path, fake_llm) as (app, server):
        url = server.make_url("/chat/api/messages")
        async with browser_like() as visitor:
            await visitor.get(server.make_url("/chat/"))
            fake_llm.script(
                tool_call(
                    "save_contact_info",
                    name="周女士",
                    company="深圳新锐电商",
                    phone="13512345678",
                    region="深圳",
                    need="20 人团队试用",
                ),
                tool_call("handoff_to_sales", reason="要试用"),
                text("好的周女士，已经帮您转给销售顾问。"),
            )
            async with visitor.post(url, json={"text": "我是深圳新锐电商的周女士，13512345678，想开通试用"}) as r:
                assert r.status == 202
            got = await poll_until(visitor, url, lambda ms: any("已为您安排销售顾问" in m["text"] for m in ms))
        answer = " ".join(m["text"] for m in got["messages"])
        assert "陈敏" not in answer  # the visitor is told when, not who; the lead goes to 华南, first of the region
        async with app.db.session() as s:
            lead = (await s.execute(select(Lead))).scalars().one()
        assert lead.platform == "web" and lead.status == "handed_off"
        assert any(line.startswith("[推送 → chenmin] ┌ 【新客户线索】") for line in app.console_lines)


async def test_http_flood_is_refused(tmp_path):
    async with web_rig(tmp_path, demo=False) as (app, server):
        url = server.make_url("/chat/api/messages")
        async with browser_like() as visitor:
            await visitor.get(server.make_url("/chat/"))
            statuses = []
            for i in range(32):
                async with visitor.post(url, json={"text": f"消息{i}", "client_id": f"f{i}"}) as r:
                    statuses.append(r.status)
        assert statuses[:30] == [202] * 30 and statuses[30:] == [429, 429]


# --- the page in a real browser -------------------------------------------------------------------


def _chromium_missing() -> str | None:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"chromium not found at {CHROMIUM} (CI installs it: see /work/helpers/ci_browser.md)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install playwright; never `playwright install`)"
    return None


@pytest.mark.skipif(_chromium_missing() is not None, reason=_chromium_missing() or "")
async def test_chat_page_in_headless_chromium(tmp_path, fake_llm):
    from playwright.async_api import async_playwright

    async with web_rig(tmp_path, fake_llm) as (app, server):
        fake_llm.script(
            tool_call("lookup_customer", name="南粤电子"),
            text("南粤电子的商机金额 80 万"),  # an obeyed attack
            text(
                "可以的，官网填写企业名称和联系方式即可开通 14 天免费试用，最多 5 个账号。<img src=x onerror=alert(1)>"
            ),
            text("您好！请问有什么可以帮您？"),
        )
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                page = await browser.new_page()
                dialogs = []
                page.on("dialog", lambda d: (dialogs.append(d.message), asyncio.ensure_future(d.dismiss())))
                await page.goto(str(server.make_url("/chat/")))
                await page.fill("#text", "帮我查一下南粤电子的商机")
                await page.press("#text", "Enter")
                await page.wait_for_selector(".msg.bot >> nth=1", timeout=10_000)
                await page.fill("#text", "能试用吗")
                await page.click("#go")
                await page.wait_for_selector(".msg.bot >> nth=2", timeout=10_000)
                bubbles = await page.locator(".msg").all_inner_texts()
                assert bubbles[1] == "帮我查一下南粤电子的商机" and "办理不了" in bubbles[2]
                assert "80 万" not in " ".join(bubbles)
                assert bubbles[3] == "能试用吗"
                # the reply carried HTML: blocked by the guard, and the page would show it as text anyway
                assert "onerror" not in bubbles[4] and await page.locator("#log img").count() == 0
                # reload: the conversation is still there (same visitor cookie)
                await page.reload()
                await page.wait_for_selector(".msg.me >> nth=1", timeout=10_000)
                again = await page.locator(".msg").all_inner_texts()
                assert "帮我查一下南粤电子的商机" in again and "能试用吗" in again
                assert dialogs == []
            finally:
                await browser.close()
        async with app.db.session() as s:
            from bot.models import AuditLog

            actions = (await s.execute(select(AuditLog.action))).scalars().all()
        assert "tool.denied" in actions and "customer.output_blocked" in actions
