"""The WeCom adapter: self-built app (XML callbacks + server API), AI bot (JSON callbacks, streaming)
and 微信客服 (kf_msg_or_event -> kf/sync_msg -> kf/send_msg).

Ingress discipline (aiogram's webhook idea, protocols.md C1): verify, decrypt, parse, persist in the
ledger (`app.receive`, one insert), answer WeCom at once; the turn runs in the background and replies go
through the outbox to `deliver`. A redelivered callback hits the ledger's unique key and is dropped.

Resends: an outbox row that may already have reached WeCom (a retry after a timeout, a row taken over
after its replica died before marking it sent) goes out through message/send with WeCom's duplicate
check (A7: `enable_duplicate_check`), over an interval that reaches back to when the row was created, so
the platform drops the copy the colleague already has. A first attempt goes without it: two honestly
identical answers (the same "/帮助" twice) must both arrive.
"""
from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from typing import Any

from aiohttp import web

from adapters.wecom import inbound as parse
from adapters.wecom.api import WeComAPI, WeComAPIError
from adapters.wecom.crypto import BadPayload, CallbackCrypto, CallbackRejected
from adapters.wecom.pacing import PER_MINUTE, RecipientPacer
from adapters.wecom.render import (AIBOT_MAX_BYTES, TEXT_MAX_BYTES, card_text, markdown_to_text, split_bytes,
                                   template_card, text_body, truncate_bytes)
from adapters.wecom.xmlsafe import message_fields, parse_envelope
from bot.adapter import Adapter, Delivery, DirectoryEntry, PermanentSendError, TransientSendError
from bot.db_retry import retry_db
from bot.messages import Inbound, Reply
from bot.models import utcnow

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000
# WeCom waits 5 s for a callback's 200: a short database outage is ridden out inside that budget, and a
# longer one answers an error so WeCom delivers again (3 deliveries, A4)
CLAIM_RETRY_SECONDS = 3.5
MAX_FILE_BYTES = 20 * 1024 * 1024  # AI bot files may be 100 MB; transcripts and sheets are far smaller
STREAM_WINDOW = 330.0  # WeCom refreshes a stream for 6 minutes; close ours before that (A8)
STREAM_TTL = 900
KF_CURSOR_KEY = "wecom_kf:cursor:{}"
AIBOT_WELCOME = "你好！我是销售助手，@我 就能记拜访、查客户、找话术。发「/帮助」看全部用法。"
AIBOT_LATE_NOTE = "\n\n（内容较多，完整答复稍后单独发给你）"
# WeCom's duplicate check (A7): at least a minute (clock skew between us and WeCom, send latency), at most
# the platform's maximum of 4 hours
DUPLICATE_CHECK_SLACK = 60
# message/send returns a response_code for a button card, good for one update within 72 h (protocols.md
# A7). Kept per card and recipient, it lets us update the card of someone who never tapped it (the other
# approvers when one decides, everyone when the requester withdraws).
CARD_CODE_KEY = "wecom:card_code:{}:{}"
CARD_CODE_TTL = 72 * 3600
DUPLICATE_CHECK_MAX = 4 * 3600


async def read_body(request: web.Request, limit: int = MAX_BODY_BYTES) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    data = bytearray()
    async for chunk in request.content.iter_any():
        data += chunk
        if len(data) > limit:
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(data))
    return bytes(data)


def _query(request: web.Request) -> tuple[str, str, str]:
    # aiohttp's request.query is already URL-decoded (A3: "%2B" -> "+")
    q = request.query
    return q.get("msg_signature", ""), q.get("timestamp", ""), q.get("nonce", "")


def _reject(exc: CallbackRejected, where: str) -> web.Response:
    log.warning("wecom %s rejected (%s): %s", where, exc.status, exc)
    return web.Response(status=exc.status, text={403: "forbidden: bad signature or receiver",
                                                 400: "bad request: malformed payload"}.get(exc.status, "rejected"))


class WeComAdapter(Adapter):
    max_text_bytes = TEXT_MAX_BYTES
    identity_namespaces = {"wecom_aibot": "wecom"}
    staff_namespace = "wecom"

    def __init__(self, app, *, app_enabled: bool, aibot_enabled: bool):
        super().__init__(app)
        s = app.settings
        self.app_enabled = app_enabled
        self.aibot_enabled = aibot_enabled
        self.platforms = ((parse.APP, parse.KF) if app_enabled else ()) + ((parse.AIBOT,) if aibot_enabled else ())
        self.corp_id = s.wecom_corp_id or ""
        self.agent_id = int(s.wecom_agent_id) if (s.wecom_agent_id or "").isdigit() else s.wecom_agent_id
        self.app_crypto = (CallbackCrypto(s.wecom_token, s.wecom_encoding_aes_key, self.corp_id)
                           if app_enabled else None)
        # the AI bot's receiveid is "" (A8): the corp id here would fail every message with -40005
        self.aibot_crypto = (CallbackCrypto(s.wecom_aibot_token, s.wecom_aibot_encoding_aes_key, "")
                             if aibot_enabled else None)
        self._api: WeComAPI | None = None
        limiter = None
        if getattr(app, "redis", None) is not None:  # several replicas share WeCom's per-member cap
            from bot.locks import SlidingWindowLimiter

            limiter = SlidingWindowLimiter(limit=PER_MINUTE, window=60.0, redis=app.redis,
                                           prefix=s.redis_prefix, name=f"wecom_pace:{self.corp_id}:{self.agent_id}")
        self.pacer = RecipientPacer(limiter=limiter)
        self._tasks: set[asyncio.Task] = set()
        self._kf_locks: dict[str, asyncio.Lock] = {}
        self._kf_dirty: dict[str, str | None] = {}
        self._stream_locks: dict[str, asyncio.Lock] = {}
        self._inflight_downloads: set[str] = set()
        self.stats = {"callbacks": 0, "duplicates": 0, "rejected": 0, "kf_synced": 0}

    # --- plumbing ----------------------------------------------------------------------------

    @property
    def api(self) -> WeComAPI:
        if self._api is None:
            if self.app.http is None:
                raise RuntimeError("App.http is not open (App.start() not called)")
            s = self.app.settings
            self._api = WeComAPI(self.app.http, self.app.kv, base_url=s.wecom_api_base, corp_id=self.corp_id,
                                 secret=s.wecom_secret or "", attempts=2)
        return self._api

    def routes(self) -> list[web.RouteDef]:
        routes = []
        if self.app_enabled:
            routes += [web.get("/wecom/callback", self.handle_verify), web.post("/wecom/callback", self.handle_callback)]
        if self.aibot_enabled:
            routes += [web.get("/wecom/aibot", self.handle_aibot_verify), web.post("/wecom/aibot", self.handle_aibot)]
        return routes

    def _spawn(self, coro) -> asyncio.Task:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def drain(self) -> None:
        """Wait for background ingress work (kf syncs, AI-bot downloads): tests and shutdown."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def health(self) -> dict[str, Any]:
        return {"state": "up", "platforms": list(self.platforms), **self.stats}

    def max_bytes_for(self, platform: str, reply: Reply) -> int:
        return AIBOT_MAX_BYTES if platform == parse.AIBOT else TEXT_MAX_BYTES

    # --- self-built app callbacks ------------------------------------------------------------

    async def handle_verify(self, request: web.Request) -> web.Response:
        return self._verify(request, self.app_crypto)

    async def handle_aibot_verify(self, request: web.Request) -> web.Response:
        return self._verify(request, self.aibot_crypto)

    def _verify(self, request: web.Request, crypto: CallbackCrypto) -> web.Response:
        sig, ts, nonce = _query(request)
        echostr = request.query.get("echostr", "")
        if not echostr:
            return web.Response(status=400, text="bad request: echostr missing")
        try:
            plain = crypto.verify_url(sig, ts, nonce, echostr)
        except CallbackRejected as exc:
            return _reject(exc, "url verification")
        # the bare plaintext: no quotes, no BOM, no newline (A3)
        return web.Response(text=plain, content_type="text/plain")

    async def handle_callback(self, request: web.Request) -> web.Response:
        body = await read_body(request)
        try:
            envelope = parse_envelope(body)
            plain = self.app_crypto.decrypt(envelope["Encrypt"], *_query(request))
            fields = message_fields(plain)
        except CallbackRejected as exc:
            self.stats["rejected"] += 1
            return _reject(exc, "callback")
        self.stats["callbacks"] += 1
        if (fields.get("MsgType") or "").lower() == "event" and fields.get("Event") == "kf_msg_or_event":
            self.schedule_kf_sync(fields.get("OpenKfId") or "", fields.get("Token") or "")
            return web.Response(text="")
        inbound = parse.app_inbound(fields)
        if inbound is not None and not await self._receive(inbound):
            self.stats["duplicates"] += 1
        # an empty 200: WeCom will not retry, the answer comes through message/send (A4)
        return web.Response(text="")

    async def _receive(self, inbound: Inbound) -> bool:
        return await retry_db(lambda: self.app.receive(inbound), what=f"wecom claim {inbound.msg_id}",
                              deadline=CLAIM_RETRY_SECONDS, max_delay=1.0)

    # --- 微信客服 -----------------------------------------------------------------------------

    def schedule_kf_sync(self, open_kfid: str, token: str) -> None:
        if not open_kfid:
            log.warning("wecom kf event without OpenKfId")
            return
        lock = self._kf_locks.setdefault(open_kfid, asyncio.Lock())
        if lock.locked():
            # a sync is running: remember to pull again when it ends (new messages may be past its page)
            self._kf_dirty[open_kfid] = token
            return
        self._spawn(self._kf_sync_loop(open_kfid, token))

    async def _kf_sync_loop(self, open_kfid: str, token: str | None) -> None:
        lock = self._kf_locks[open_kfid]
        async with lock:
            while True:
                try:
                    await self.kf_sync(open_kfid, token)
                except Exception:
                    log.exception("wecom kf sync failed for %s", open_kfid)
                if open_kfid not in self._kf_dirty:
                    break
                token = self._kf_dirty.pop(open_kfid)

    async def kf_sync(self, open_kfid: str, token: str | None) -> int:
        """Pull every new message since the persisted cursor; the cursor moves only after the batch is
        in the ledger, so a crash re-reads (and the ledger drops) rather than skips."""
        key = KF_CURSOR_KEY.format(open_kfid)
        received = 0
        while True:
            cursor = await self.app.kv.get(key)
            page = await self.api.kf_sync_msg(cursor=cursor, token=token, open_kfid=open_kfid)
            for item in page.get("msg_list") or []:
                inbound = parse.kf_inbound(item)
                if inbound is None:
                    continue
                if await self._receive(inbound):
                    received += 1
                else:
                    self.stats["duplicates"] += 1
            next_cursor = page.get("next_cursor")
            if next_cursor and next_cursor != cursor:
                await self.app.kv.set(key, next_cursor)
            if not page.get("has_more"):
                break
        self.stats["kf_synced"] += received
        return received

    # --- AI bot ------------------------------------------------------------------------------

    async def handle_aibot(self, request: web.Request) -> web.Response:
        body = await read_body(request)
        sig, ts, nonce = _query(request)
        try:
            try:
                envelope = json.loads(body)
            except (ValueError, UnicodeDecodeError) as exc:
                raise BadPayload("malformed JSON") from exc
            encrypt = (envelope.get("encrypt") or envelope.get("Encrypt")) if isinstance(envelope, dict) else None
            if not isinstance(encrypt, str) or not encrypt:
                raise BadPayload("no encrypt field")
            plain = self.aibot_crypto.decrypt(encrypt, sig, ts, nonce)
            try:
                payload = json.loads(plain)
            except ValueError as exc:
                raise BadPayload("decrypted payload is not JSON") from exc
            if not isinstance(payload, dict):
                raise BadPayload("decrypted payload is not an object")
        except CallbackRejected as exc:
            self.stats["rejected"] += 1
            return _reject(exc, "aibot")
        self.stats["callbacks"] += 1
        msg_type = payload.get("msgtype")
        if msg_type == "stream":
            return await self._aibot_refresh(payload, nonce)
        if msg_type == "event":
            return await self._aibot_event(payload, nonce)
        inbound = parse.aibot_inbound(payload, time.time())
        if inbound is None:
            return web.Response(text="")
        stream_id = inbound.raw["stream_id"]
        state = await self._stream_init(stream_id, inbound)
        if inbound.kind.value in ("image", "file") or any(a.url for a in inbound.attachments):
            if inbound.msg_id not in self._inflight_downloads:
                self._inflight_downloads.add(inbound.msg_id)
                self._spawn(self._download_then_receive(inbound))
        elif not await self._receive(inbound):
            self.stats["duplicates"] += 1
        return self._aibot_reply({"msgtype": "stream", "stream": {"id": stream_id, "finish": state["finish"],
                                                                  "content": state["content"]}}, nonce)

    def _aibot_reply(self, obj: dict, nonce: str) -> web.Response:
        # the reply's nonce must be the callback URL's nonce (A8)
        body = self.aibot_crypto.encrypt_json(json.dumps(obj, ensure_ascii=False), nonce)
        return web.Response(text=body, content_type="application/json")

    async def _aibot_event(self, payload: dict, nonce: str) -> web.Response:
        event_type = (payload.get("event") or {}).get("eventtype")
        if event_type == "enter_chat":
            return self._aibot_reply({"msgtype": "text", "text": {"content": AIBOT_WELCOME}}, nonce)
        if event_type == "template_card_event":
            # sent once, dropped after 5 s (A8/C12): persist and answer now; the update goes via response_url
            inbound = parse.aibot_card_inbound(payload)
            if inbound is not None and not await self._receive(inbound):
                self.stats["duplicates"] += 1
            return web.Response(text="")
        log.info("wecom aibot: event %r acknowledged", event_type)
        return web.Response(text="")

    async def _aibot_refresh(self, payload: dict, nonce: str) -> web.Response:
        stream_id = str((payload.get("stream") or {}).get("id") or "")
        state = await self._stream_get(stream_id)
        if state is None:
            log.info("wecom aibot: refresh for unknown stream %s, closing it", stream_id)
            return self._aibot_reply({"msgtype": "stream", "stream": {"id": stream_id, "finish": True, "content": ""}}, nonce)
        if not state["finish"] and time.time() - state["started_at"] > STREAM_WINDOW:
            # the answer is late: close the stream; what is still to come goes through response_url
            async with self._stream_lock(stream_id):
                state = await self._stream_get(stream_id) or state
                if not state["finish"]:
                    state["content"] = truncate_bytes(state["content"] + AIBOT_LATE_NOTE, AIBOT_MAX_BYTES)
                    state["finish"] = True
                    await self._stream_put(stream_id, state)
        return self._aibot_reply({"msgtype": "stream", "stream": {"id": stream_id, "finish": state["finish"],
                                                                  "content": state["content"]}}, nonce)

    async def _download_then_receive(self, inbound: Inbound) -> None:
        try:
            for att in inbound.attachments:
                if not att.url:
                    continue
                try:
                    data, filename = await self.api.download(att.url, MAX_FILE_BYTES)
                    att.data = self.aibot_crypto.decrypt_file(data)
                    att.size = len(att.data)
                    if filename:
                        att.name = filename
                except Exception as exc:  # the capability sees an attachment without data and says so
                    log.warning("wecom aibot: download of %s failed: %s", inbound.msg_id, exc)
            if not await self._receive(inbound):
                self.stats["duplicates"] += 1
        finally:
            self._inflight_downloads.discard(inbound.msg_id)

    # stream state lives in app.kv so a refresh served by another process sees the same answer

    def _stream_lock(self, stream_id: str) -> asyncio.Lock:
        return self._stream_locks.setdefault(stream_id, asyncio.Lock())

    async def _stream_get(self, stream_id: str) -> dict | None:
        value = await self.app.kv.get(f"wecom_aibot:stream:{stream_id}")
        return json.loads(value) if value else None

    async def _stream_put(self, stream_id: str, state: dict) -> None:
        await self.app.kv.set(f"wecom_aibot:stream:{stream_id}", json.dumps(state, ensure_ascii=False), STREAM_TTL)
        if state["finish"]:
            self._stream_locks.pop(stream_id, None)

    async def _stream_init(self, stream_id: str, inbound: Inbound) -> dict:
        async with self._stream_lock(stream_id):
            state = await self._stream_get(stream_id)
            if state is None:
                state = {"content": "", "finish": False, "started_at": inbound.raw["started_at"]}
                await self._stream_put(stream_id, state)
            return state

    # --- outbound ----------------------------------------------------------------------------

    async def deliver(self, delivery: Delivery) -> None:
        if delivery.platform == parse.AIBOT:
            await self._deliver_aibot(delivery)
        elif delivery.platform == parse.KF:
            await self._deliver_kf(delivery)
        else:
            await self._deliver_app(delivery)

    async def _deliver_app(self, d: Delivery) -> None:
        reply, ctx = d.reply, d.reply_context
        user = d.target.user_id or ctx.get("userid")
        group = d.target.conversation_id if d.target.conversation_id and d.target.conversation_id != user else None
        if reply.card is not None and reply.card_update:
            await self._update_card(d, user)
            return
        if reply.card is not None:
            if group:  # appchat has no interactive cards for our buttons: show the card as text
                await self._send_group(group, "text", {"content": truncate_bytes(card_text(reply.card), TEXT_MAX_BYTES)})
                return
            body = template_card(reply.card)
            body["task_id"] = f"{reply.card.card_id}@{d.outbox_id}"  # unique per app, as WeCom requires
            result = await self._send_user(user, "template_card", body, d)
            if result.get("response_code"):
                await self.app.kv.set(CARD_CODE_KEY.format(reply.card.card_id, user), result["response_code"],
                                      CARD_CODE_TTL)
            return
        for part in split_bytes(reply.text, TEXT_MAX_BYTES) or [""]:
            msgtype, body = text_body(Reply(text=part, markdown=reply.markdown), allow_markdown=True)
            if group:
                await self._send_group(group, msgtype, body)
            else:
                await self._send_user(user, msgtype, body, d)

    @staticmethod
    def duplicate_check_interval(d: Delivery | None) -> int | None:
        """Seconds back to the first moment this row could have been sent; None for a first attempt."""
        since = d.possibly_sent_since if d is not None else None
        if since is None:
            return None
        elapsed = (utcnow() - since).total_seconds()
        return min(DUPLICATE_CHECK_MAX, max(0, math.ceil(elapsed)) + DUPLICATE_CHECK_SLACK)

    async def _send_user(self, user: str | None, msgtype: str, body: dict, d: Delivery | None = None) -> dict:
        if not user:
            raise PermanentSendError("wecom: no recipient")
        await self.pacer.acquire(user)
        payload = {"touser": user, "msgtype": msgtype, "agentid": self.agent_id, msgtype: body, "safe": 0}
        interval = self.duplicate_check_interval(d)
        if interval is not None:
            payload.update(enable_duplicate_check=1, duplicate_check_interval=interval)
            result = await self.api.send_message(payload)
        else:
            # one try: a timeout may hide a send WeCom accepted, and only the outbox's retry (which knows
            # the row may have gone out) asks WeCom to drop the copy
            result = await self.api.send_message(payload, attempts=1)
        invalid = (result.get("invaliduser") or "").split("|")
        if user.lower() in invalid:
            raise PermanentSendError(f"wecom: recipient {user} is not visible to the app")
        return result

    async def _send_group(self, chat_id: str, msgtype: str, body: dict) -> None:
        await self.pacer.acquire("chat:" + chat_id)
        await self.api.appchat_send({"chatid": chat_id, "msgtype": msgtype, msgtype: body, "safe": 0})

    async def _update_card(self, d: Delivery, user: str | None) -> None:
        card = d.reply.card
        status = card.status or "已处理"
        if user:
            # the tap's own code first; else (or if WeCom refuses it) the one message/send gave us
            sent_key = CARD_CODE_KEY.format(card.card_id, user)
            codes = [d.reply_context.get("response_code"), await self.app.kv.get(sent_key)]
            for code in dict.fromkeys(c for c in codes if c):
                try:
                    await self.api.update_template_card({"userids": [user], "agentid": self.agent_id,
                                                         "response_code": code,
                                                         "button": {"replace_name": truncate_bytes(status, 30)}})
                except WeComAPIError as exc:  # used or expired: try the next code, then say it in words
                    log.info("wecom card update via response_code failed (%s)", exc)
                    updated = False
                else:
                    updated = True
                if code == codes[1]:  # spent either way; a network error above propagates and keeps it
                    await self.app.kv.delete(sent_key)
                if updated:
                    return
        await self._send_user(user, "text", {"content": truncate_bytes(f"「{card.title}」{status}", TEXT_MAX_BYTES)}, d)

    async def _deliver_kf(self, d: Delivery) -> None:
        ctx = d.reply_context
        open_kfid = ctx.get("open_kfid")
        customer = ctx.get("external_userid") or d.target.user_id
        if not open_kfid and d.target.conversation_id and ":" in d.target.conversation_id:
            open_kfid, customer = d.target.conversation_id.split(":", 1)
        if not open_kfid or not customer:
            raise PermanentSendError("wecom kf: no open_kfid/external_userid to answer")
        reply = d.reply
        # WeChat shows no markdown and no template cards to customers: plain text
        text = card_text(reply.card) if reply.card is not None else (markdown_to_text(reply.text) if reply.markdown else reply.text)
        for part in split_bytes(text, TEXT_MAX_BYTES):
            await self.pacer.acquire("kf:" + customer)
            await self.api.kf_send_msg({"touser": customer, "open_kfid": open_kfid, "msgtype": "text",
                                        "text": {"content": part}})

    async def _deliver_aibot(self, d: Delivery) -> None:
        ctx = d.reply_context
        reply = d.reply
        if d.is_push or not ctx:
            raise PermanentSendError("wecom aibot: cannot push without a callback (use the self-built app)")
        text = reply.text
        if reply.card is not None:
            text = card_text(reply.card)
        stream_id = ctx.get("stream_id")
        if stream_id and not ctx.get("card_event"):
            async with self._stream_lock(stream_id):
                state = await self._stream_get(stream_id)
                if state is not None and not state["finish"]:
                    joined = state["content"] + ("\n\n" if state["content"] and d.seq == 0 else "") + text
                    if len(joined.encode()) <= AIBOT_MAX_BYTES:
                        state["content"] = joined
                        # the last part of a reply closes the stream; a later reply goes via response_url
                        state["finish"] = d.seq >= d.parts - 1
                        await self._stream_put(stream_id, state)
                        return
        await self._aibot_response_url(ctx, reply, text)

    async def _aibot_response_url(self, ctx: dict, reply: Reply, text: str) -> None:
        url = ctx.get("response_url")
        if not url:
            raise PermanentSendError("wecom aibot: stream closed and no response_url")
        used_key = f"wecom_aibot:response_url_used:{url}"
        if await self.app.kv.get(used_key):
            raise PermanentSendError("wecom aibot: response_url already used (one answer per URL)")
        payload = {"msgtype": "markdown", "markdown": {"content": truncate_bytes(text, AIBOT_MAX_BYTES)}}
        if reply.card is not None and ctx.get("chattype") == "single":
            body = template_card(reply.card)
            if reply.card_update or reply.card.status:
                body.pop("button_list", None)
                body["card_type"] = "text_notice"
                body["card_action"] = {"type": 1, "url": "https://work.weixin.qq.com"}
            payload = {"msgtype": "template_card", "template_card": body}
        await self.api.post_response_url(url, payload)
        await self.app.kv.set(used_key, "1", 3600)

    # --- directory ---------------------------------------------------------------------------

    async def lookup_user(self, platform: str, user_id: str) -> DirectoryEntry | None:
        if not self.app_enabled:
            # AI bot only: anyone who can message it is a member of the corp; the name comes later
            return DirectoryEntry(user_id=user_id, name=user_id) if platform == parse.AIBOT else None
        try:
            info = await self.api.get_user(user_id)  # the userid goes out as the string it is ("007")
        except WeComAPIError as exc:
            log.info("wecom user/get %s: %s", user_id, exc)
            return None
        except TransientSendError as exc:
            log.warning("wecom user/get %s unavailable: %s", user_id, exc)
            return None
        department = None
        dept_ids = [info.get("main_department")] if info.get("main_department") else (info.get("department") or [])[:1]
        if dept_ids:
            department = await self._department_name(dept_ids[0])
        return DirectoryEntry(user_id=str(info.get("userid") or user_id), name=info.get("name") or user_id,
                              department=department, mobile=info.get("mobile") or None,
                              email=info.get("email") or info.get("biz_mail") or None,
                              title=info.get("position") or None)

    async def _department_name(self, dept_id) -> str | None:
        key = f"wecom:department:{dept_id}"
        cached = await self.app.kv.get(key)
        if cached:
            return cached
        try:
            name = ((await self.api.get_department(dept_id)).get("department") or {}).get("name")
        except (WeComAPIError, TransientSendError):
            return str(dept_id)
        if name:
            await self.app.kv.set(key, name, 86400)
        return name or str(dept_id)

    async def download_media(self, media_id: str) -> bytes:
        """media/get for attachments of app/kf messages (image, voice, file): for capabilities that want them."""
        return await self.api.get_media(media_id)
