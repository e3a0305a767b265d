"""The WeCom AI bot (智能机器人): encrypted JSON callbacks on /wecom/aibot, answered with a stream.

A message's callback is answered with a stream id; WeCom then polls ("stream" refresh callbacks) and shows the
content we have so far, for up to 6 minutes. Our reply parts are appended to that stream; a part that comes too
late, a card, or a reply after the stream is closed goes through the message's response_url, usable once.
The AI bot cannot start a conversation: pushes go through the self-built app.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import TYPE_CHECKING

from aiohttp import web

from adapters.wecom.aibot.config import WeComAIBotConfig
from adapters.wecom.aibot.parsing import AIBOT, aibot_card_inbound, aibot_inbound
from adapters.wecom.base import WeComEntryPoint, callback_query, read_body, reject, verify_url
from adapters.wecom.corp import WeComCorp
from adapters.wecom.crypto import BadPayload, CallbackCrypto, CallbackRejected
from adapters.wecom.render import AIBOT_MAX_BYTES, card_text, template_card, truncate_bytes
from bot import jsonsafe
from bot.adapter import Delivery, DirectoryEntry, PermanentSendError
from bot.messages import Inbound, Reply

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024  # AI bot files may be 100 MB; transcripts and sheets are far smaller
STREAM_WINDOW = 330.0  # WeCom refreshes a stream for 6 minutes; close ours before that
STREAM_TTL = 900
AIBOT_WELCOME = "你好！我是销售助手，@我 就能记拜访、查客户、找话术。发「/帮助」看全部用法。"
AIBOT_WORKING = "正在处理…"
AIBOT_LATE_NOTE = "\n\n（内容较多，完整答复稍后单独发给你）"


class WeComAIBotAdapter(WeComEntryPoint):
    platforms = (AIBOT,)
    # the AI bot's from.userid is the colleague's WeCom userid, the same id the self-built app sees
    identity_namespaces = {AIBOT: "wecom"}
    staff_namespace = None  # it can only answer a callback, never push
    max_text_bytes = AIBOT_MAX_BYTES

    def __init__(self, app: "Runtime", config: WeComAIBotConfig, corp: WeComCorp):
        super().__init__(app, corp)
        self.config = config
        # the AI bot's receiveid is "": the corp id here would fail every message with -40005
        self.crypto = CallbackCrypto(config.wecom_aibot_token or "", config.wecom_aibot_encoding_aes_key or "", "")
        self._stream_locks: dict[str, asyncio.Lock] = {}
        self._inflight_downloads: set[str] = set()
        self.stats = {"callbacks": 0, "duplicates": 0, "rejected": 0}

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/wecom/aibot", self.handle_verify), web.post("/wecom/aibot", self.handle_callback)]

    # --- callbacks ---------------------------------------------------------------------------

    async def handle_verify(self, request: web.Request) -> web.Response:
        return verify_url(request, self.crypto)

    async def handle_callback(self, request: web.Request) -> web.Response:
        body = await read_body(request)
        sig, ts, nonce = callback_query(request)
        try:
            try:  # before the signature check: deep nesting or a lone surrogate must be a 400, not a crash
                envelope = jsonsafe.loads(body)
            except ValueError as exc:
                raise BadPayload("malformed JSON") from exc
            encrypt = (envelope.get("encrypt") or envelope.get("Encrypt")) if isinstance(envelope, dict) else None
            if not isinstance(encrypt, str) or not encrypt:
                raise BadPayload("no encrypt field")
            plain = self.crypto.decrypt(encrypt, sig, ts, nonce)
            try:
                payload = jsonsafe.loads(plain)
            except ValueError as exc:
                raise BadPayload("decrypted payload is not JSON") from exc
            if not isinstance(payload, dict):
                raise BadPayload("decrypted payload is not an object")
        except CallbackRejected as exc:
            self.stats["rejected"] += 1
            return reject(exc, "aibot")
        self.stats["callbacks"] += 1
        msg_type = payload.get("msgtype")
        if msg_type == "stream":
            return await self._refresh(payload, nonce)
        if msg_type == "event":
            return await self._event(payload, nonce)
        inbound = aibot_inbound(payload, time.time())
        if inbound is None:
            return web.Response(text="")
        stream_id = inbound.raw["stream_id"]
        state = await self._stream_init(stream_id, inbound)
        if inbound.kind.value in ("image", "file") or any(a.url for a in inbound.attachments):
            if inbound.msg_id not in self._inflight_downloads:
                self._inflight_downloads.add(inbound.msg_id)
                self.spawn(self._download_then_receive(inbound))
        else:
            await self._receive(inbound)
        return self._reply(
            {"msgtype": "stream", "stream": {"id": stream_id, "finish": state["finish"], "content": state["content"]}},
            nonce,
        )

    def _reply(self, obj: dict, nonce: str) -> web.Response:
        # the reply's nonce must be the callback URL's nonce
        body = self.crypto.encrypt_json(json.dumps(obj, ensure_ascii=False), nonce)
        return web.Response(text=body, content_type="application/json")

    async def _event(self, payload: dict, nonce: str) -> web.Response:
        event_type = (payload.get("event") or {}).get("eventtype")
        if event_type == "enter_chat":
            return self._reply({"msgtype": "text", "text": {"content": AIBOT_WELCOME}}, nonce)
        if event_type == "template_card_event":
            # sent once and dropped after 5 s: persist and answer now; the update goes via response_url
            inbound = aibot_card_inbound(payload)
            if inbound is not None:
                await self._receive(inbound)
            return web.Response(text="")
        log.info("wecom aibot: event %r acknowledged", event_type)
        return web.Response(text="")

    async def _refresh(self, payload: dict, nonce: str) -> web.Response:
        stream_id = str((payload.get("stream") or {}).get("id") or "")
        state = await self._stream_get(stream_id)
        if state is None:
            log.info("wecom aibot: refresh for unknown stream %s, closing it", stream_id)
            return self._reply({"msgtype": "stream", "stream": {"id": stream_id, "finish": True, "content": ""}}, nonce)
        if not state["finish"] and time.time() - state["started_at"] > STREAM_WINDOW:
            # the answer is late: close the stream; what is still to come goes through response_url
            async with self._stream_lock(stream_id):
                state = await self._stream_get(stream_id) or state
                if not state["finish"]:
                    state["content"] = truncate_bytes(state["content"] + AIBOT_LATE_NOTE, AIBOT_MAX_BYTES)
                    state["finish"] = True
                    await self._stream_put(stream_id, state)
        return self._reply(
            {"msgtype": "stream", "stream": {"id": stream_id, "finish": state["finish"], "content": state["content"]}},
            nonce,
        )

    async def _download_then_receive(self, inbound: Inbound) -> None:
        try:
            for att in inbound.attachments:
                if not att.url:
                    continue
                try:
                    data, filename = await self.api.download(att.url, MAX_FILE_BYTES)
                    att.data = self.crypto.decrypt_file(data)
                    att.size = len(att.data)
                    if filename:
                        att.name = filename
                except Exception as exc:  # the capability sees an attachment without data and says so
                    log.warning("wecom aibot: download of %s failed: %s", inbound.msg_id, exc)
            await self._receive(inbound)
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

    # --- live progress: the stream shows the answer while the model writes it ----------------------

    streams_answers = True
    stream_interval = 0.2  # previews only change the stored state; WeCom reads it on its own refreshes

    async def turn_started(self, inbound: Inbound) -> None:
        # the model may take a while before its first token: say so at once, the tokens replace it
        await self.stream_delta(inbound, AIBOT_WORKING)

    async def stream_delta(self, inbound: Inbound, text_so_far: str) -> None:
        stream_id = inbound.raw.get("stream_id")
        if not stream_id or inbound.raw.get("card_event"):
            return
        async with self._stream_lock(stream_id):
            state = await self._stream_get(stream_id)
            # nothing of an answer delivered yet (the first part of the answer ends the preview)
            if state is None or state["finish"] or (state["content"] and not state.get("preview")):
                return
            state["content"] = truncate_bytes(text_so_far, AIBOT_MAX_BYTES)
            state["preview"] = True
            await self._stream_put(stream_id, state)

    # --- outbound ----------------------------------------------------------------------------

    async def deliver(self, d: Delivery) -> None:
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
                    # a preview of this answer (stream_delta) is replaced by the answer itself, not added to
                    before = "" if state.get("preview") else state["content"]
                    joined = before + ("\n\n" if before and d.seq == 0 else "") + text
                    if len(joined.encode()) <= AIBOT_MAX_BYTES:
                        state["content"] = joined
                        state["preview"] = False
                        # the last part of a reply closes the stream; a later reply goes via response_url
                        state["finish"] = d.seq >= d.parts - 1
                        await self._stream_put(stream_id, state)
                        return
        await self._response_url(ctx, reply, text)

    async def _response_url(self, ctx: dict, reply: Reply, text: str) -> None:
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
        if self.corp.has_directory:
            return await self.corp.lookup_user(user_id)
        # AI bot only: anyone who can message it is a member of the corp; the name comes later
        return DirectoryEntry(user_id=user_id, name=user_id)
