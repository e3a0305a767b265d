"""The web chat channel: a small embeddable page for the company website, served by `salesbot serve`.

    GET  /chat/                 the chat page (embed it with an <iframe>, or add /chat/widget.js to any page)
    GET  /chat/widget.js        a floating "在线咨询" button that opens the page in an iframe
    POST /chat/api/messages     {"text": "...", "client_id": "<uuid>"} → 202 {"ok": true}
    GET  /chat/api/messages?after=<cursor>&wait=<s>   long poll: the bot's replies after the cursor
                                                      (&history=1 on page load: the visitor's own lines too)

Every visitor is a customer (role_hint CUSTOMER) identified by a random id in an HttpOnly cookie; that id is
the conversation. Replies are the outbox rows of the visitor's turns: the poll reads them from the database
(so any process can answer it) and `deliver` only wakes the waiting polls of this process. A retried POST
with the same client_id is the same ledger message, so it is answered once.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import uuid
from importlib import resources
from typing import TYPE_CHECKING, Any

from aiohttp import web
from sqlmodel import select

from adapters.web.config import WebChatConfig
from bot import jsonsafe
from bot.adapter import Adapter, Delivery
from bot.client_ip import request_ip
from bot.locks import SlidingWindowLimiter
from bot.messages import Inbound, InboundKind, Role
from bot.models import InboundMessage, OutboxMessage

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

PLATFORM = "web"
COOKIE = "salesbot_visitor"
_VISITOR = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_BODY = 64 * 1024
MAX_WAIT = 25.0
MAX_WAITS_PER_IP = 20  # long polls one address may hold open at once (a browser tab holds one)
MAX_CURSOR = 2**63 - 1  # outbox ids are 64-bit at most
HISTORY = 50


def _asset(name: str) -> str:
    return resources.files("adapters.web").joinpath("static", name).read_text(encoding="utf-8")


class WebChatAdapter(Adapter):
    platforms = (PLATFORM,)
    identity_namespaces = {PLATFORM: PLATFORM}  # a visitor id from a cookie: never a colleague
    staff_namespace = None
    max_text_bytes = 16 * 1024

    def __init__(self, app: "Runtime"):
        super().__init__(app)
        config = WebChatConfig.from_settings(app.settings)
        self._waiters: dict[str, asyncio.Event] = {}
        self._waiting: dict[str, int] = {}  # visitor -> polls waiting on its event
        self._waiting_ip: dict[str, int] = {}  # client address -> polls waiting
        redis, prefix = getattr(app, "redis", None), app.settings.redis_prefix
        # per visitor (this replica): an HTTP flood guard; the agent has its own per-customer budget
        self._posts = SlidingWindowLimiter("30/60")
        # per client address, over all replicas with Redis: a visitor without the cookie is a new visitor, so
        # only these stop one address from opening any number of conversations (and leads)
        self._ip_posts = SlidingWindowLimiter(config.ip_rate_limit, redis=redis, prefix=prefix, name="web-ip")
        self._ip_new_visitors = SlidingWindowLimiter(
            config.new_visitors_per_ip, redis=redis, prefix=prefix, name="web-ip-new"
        )
        self.stats = {"posted": 0, "duplicates": 0, "delivered": 0, "rejected": 0}

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/chat", self.redirect_to_page),
            web.get("/chat/", self.page),
            web.get("/chat/chat.js", self.script),
            web.get("/chat/widget.js", self.widget),
            web.post("/chat/api/messages", self.post_message),
            web.get("/chat/api/messages", self.get_messages),
        ]

    # --- assets ----------------------------------------------------------------------------------

    async def redirect_to_page(self, request: web.Request) -> web.Response:
        raise web.HTTPFound("/chat/")

    async def page(self, request: web.Request) -> web.Response:
        html = _asset("chat.html").replace("{{company}}", _html_escape(self.app.settings.company_name))
        response = web.Response(text=html, content_type="text/html", charset="utf-8", headers=_security_headers())
        self.visitor(request, response)
        return response

    async def script(self, request: web.Request) -> web.Response:
        return web.Response(
            text=_asset("chat.js"),
            content_type="application/javascript",
            charset="utf-8",
            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
        )

    async def widget(self, request: web.Request) -> web.Response:
        return web.Response(
            text=_asset("widget.js"),
            content_type="application/javascript",
            charset="utf-8",
            headers={
                "Cache-Control": "no-cache",
                "X-Content-Type-Options": "nosniff",
                "Access-Control-Allow-Origin": "*",
            },
        )

    # --- visitor -----------------------------------------------------------------------------------

    def visitor(self, request: web.Request, response: web.StreamResponse | None = None) -> str:
        """The visitor id from the cookie, or a new one (set on `response`)."""
        current = request.cookies.get(COOKIE, "")
        if _VISITOR.match(current):
            return current
        fresh = secrets.token_urlsafe(18)
        if response is not None:
            # SameSite=None lets the page work inside an iframe on the company site (needs https)
            secure = request.secure or request.headers.get("X-Forwarded-Proto") == "https"
            response.set_cookie(
                COOKIE,
                fresh,
                max_age=180 * 24 * 3600,
                httponly=True,
                path="/chat/",
                samesite="None" if secure else "Lax",
                secure=secure,
            )
        return fresh

    # --- API ---------------------------------------------------------------------------------------

    async def post_message(self, request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > MAX_BODY:
            return _error(413, "消息太长了，请分几段发送。")
        if not (request.content_type or "").startswith("application/json"):
            return _error(415, "请用 JSON 发送消息。")  # also keeps cross-site form posts out
        try:
            raw = await jsonsafe.read_limited(request, MAX_BODY)  # chunked bodies have no Content-Length
        except jsonsafe.BodyTooLarge:
            return _error(413, "消息太长了，请分几段发送。")
        try:
            body = jsonsafe.loads(raw)
        except ValueError:
            return _error(400, "消息格式不对。")
        if not isinstance(body, dict) or not isinstance(body.get("text"), str) or not body["text"].strip():
            return _error(400, "请输入要咨询的内容。")
        client_id = body.get("client_id") or uuid.uuid4().hex
        if not isinstance(client_id, str) or not _CLIENT_ID.match(client_id):
            return _error(400, "client_id 只能包含字母、数字、- 和 _。")
        response = web.json_response({"ok": True, "client_id": client_id}, status=202)
        visitor = self.visitor(request, response)
        ip = request_ip(request, self.app.settings.trusted_proxy_networks)
        if not await self._ip_posts.allow(ip):
            self.stats["rejected"] += 1
            log.warning("web chat: %s over the per-address message limit", ip)
            return _error(429, "发送太频繁了，请稍等一会儿再发。")
        # a visitor id we never heard from (no cookie, or a made-up one) is a new conversation
        if not await self._known(visitor) and not await self._ip_new_visitors.allow(ip):
            self.stats["rejected"] += 1
            log.warning("web chat: %s over the per-address new-visitor limit", ip)
            return _error(429, "当前网络发起的咨询太多了，请稍后再试，或直接拨打我们的客服电话。")
        if not await self._posts.allow(visitor):
            self.stats["rejected"] += 1
            return _error(429, "发送太频繁了，请稍等一会儿再发。")
        inbound = Inbound(
            platform=PLATFORM,
            msg_id=f"{visitor}:{client_id}",
            sender_id=visitor,
            conversation_id=visitor,
            kind=InboundKind.TEXT,
            text=body["text"],
            sender_name="访客",
            role_hint=Role.CUSTOMER,
            raw={"visitor": visitor, "address": request.remote or ""},  # leads per address (tools/leads)
        )
        accepted = await self.app.receive(inbound)
        self.stats["posted" if accepted else "duplicates"] += 1
        if not accepted:
            response = web.json_response({"ok": True, "client_id": client_id, "duplicate": True}, status=200)
        return response

    async def _known(self, visitor: str) -> bool:
        async with self.app.db.session() as s:
            found = await s.execute(
                select(InboundMessage.id)
                .where(InboundMessage.platform == PLATFORM, InboundMessage.sender_id == visitor)
                .limit(1)
            )
            return found.first() is not None

    async def get_messages(self, request: web.Request) -> web.Response:
        visitor = request.cookies.get(COOKIE, "")
        if not _VISITOR.match(visitor):
            response = web.json_response({"messages": [], "cursor": 0})
            self.visitor(request, response)
            return response
        try:
            after = max(0, int(request.query.get("after", "0")))
            wait = min(MAX_WAIT, max(0.0, float(request.query.get("wait", "0"))))
            history = request.query.get("history") == "1"
        except ValueError:
            return _error(400, "after / wait 参数不对。")
        if after > MAX_CURSOR:
            return _error(400, "after 参数超出范围。")
        messages = await self.messages(visitor, after, history)
        if not messages and wait > 0:
            ip = request_ip(request, self.app.settings.trusted_proxy_networks)
            if self._waiting_ip.get(ip, 0) >= MAX_WAITS_PER_IP:
                return _error(429, "连接太多了，请关闭多余的咨询窗口后再试。")
            await self._wait(visitor, ip, wait)
            messages = await self.messages(visitor, after, history)
        bot_ids = [m["cursor"] for m in messages if m["from"] == "bot"]
        cursor = max(bot_ids) if bot_ids else after
        return web.json_response({"messages": messages, "cursor": cursor})

    async def _wait(self, visitor: str, ip: str, seconds: float) -> None:
        """Until a reply for `visitor` is delivered here or `seconds` pass. The tables only hold waiting polls:
        an entry leaves with its last waiter, whether it was woken or timed out."""
        event = self._waiters.setdefault(visitor, asyncio.Event())
        self._waiting[visitor] = self._waiting.get(visitor, 0) + 1
        self._waiting_ip[ip] = self._waiting_ip.get(ip, 0) + 1
        try:
            await asyncio.wait_for(event.wait(), seconds)
        except asyncio.TimeoutError:
            pass
        finally:
            _decrement(self._waiting_ip, ip)
            if _decrement(self._waiting, visitor) == 0:  # nobody waits for this visitor here any more
                self._waiters.pop(visitor, None)

    async def messages(self, visitor: str, after: int, history: bool = False) -> list[dict[str, Any]]:
        """The bot's replies after `after` (an outbox id); with `history`, the visitor's own lines too (page load)."""
        async with self.app.db.session() as s:
            replies = (
                (
                    await s.execute(
                        select(OutboxMessage)
                        .where(
                            OutboxMessage.platform == PLATFORM,
                            OutboxMessage.target_user == visitor,
                            OutboxMessage.id > after,
                            OutboxMessage.status != "failed",
                        )
                        .order_by(OutboxMessage.id.desc())
                        .limit(HISTORY)
                    )
                )
                .scalars()
                .all()
            )
            own = []
            if history:
                own = (
                    (
                        await s.execute(
                            select(InboundMessage)
                            .where(InboundMessage.platform == PLATFORM, InboundMessage.sender_id == visitor)
                            .order_by(InboundMessage.id.desc())
                            .limit(HISTORY)
                        )
                    )
                    .scalars()
                    .all()
                )
        items = [
            {
                "from": "bot",
                "cursor": r.id,
                "text": (r.payload.get("reply") or {}).get("text", ""),
                "at": r.created_at.isoformat(),
            }
            for r in replies
        ]
        items = [i for i in items if i["text"]]
        items += [{"from": "me", "cursor": 0, "text": m.text, "at": m.received_at.isoformat()} for m in own]
        return sorted(items, key=lambda i: (i["at"], i["cursor"]))

    # --- outbox --------------------------------------------------------------------------------------

    async def deliver(self, delivery: Delivery) -> None:
        visitor = delivery.target.user_id or delivery.target.conversation_id or ""
        self.stats["delivered"] += 1
        event = self._waiters.pop(visitor, None)
        if event is not None:
            event.set()

    def health(self) -> dict[str, Any]:
        return {"state": "up", "waiting_visitors": len(self._waiters), "waiting_polls": sum(self._waiting.values())}


def _decrement(counts: dict[str, int], key: str) -> int:
    left = counts.get(key, 0) - 1
    if left > 0:
        counts[key] = left
    else:
        counts.pop(key, None)
    return max(0, left)


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status)


def _html_escape(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _security_headers() -> dict[str, str]:
    # no inline script: replies are shown with textContent, and the CSP forbids anything injected from running
    return {
        "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    }
