"""The WeCom self-built app (自建应用): XML callbacks on /wecom/callback in, message/send, appchat/send and
template cards out, the corp directory for colleagues we have not seen.

/wecom/callback is the app's callback URL, and WeCom sends 微信客服's kf_msg_or_event there too (encrypted with
the app's key): other entry points register for such events with `on_event`, and this route hands them over.

Resends: an outbox row that may already have reached WeCom (a retry after a timeout, a row taken over after its
replica died before marking it sent) goes out through message/send with WeCom's duplicate check
(`enable_duplicate_check`), over an interval that reaches back to when the row was created, so the platform drops
the copy the colleague already has. A first attempt goes without it: two honestly identical answers (the same
"/帮助" twice) must both arrive.
"""

from __future__ import annotations

import asyncio
import logging
import math
from typing import TYPE_CHECKING, Any, Callable

from aiohttp import web

from adapters.wecom.api import WeComAPIError
from adapters.wecom.app.config import WeComAppConfig
from adapters.wecom.app.parsing import APP, app_inbound
from adapters.wecom.base import WeComEntryPoint, callback_query, read_body, reject, verify_url
from adapters.wecom.corp import WeComCorp
from adapters.wecom.crypto import CallbackCrypto, CallbackRejected
from adapters.wecom.render import TEXT_MAX_BYTES, card_text, split_bytes, template_card, text_body, truncate_bytes
from adapters.wecom.xmlsafe import message_fields, parse_envelope
from bot.adapter import Delivery, DirectoryEntry, PermanentSendError
from bot.messages import Inbound, Reply, Target
from bot.models import utcnow

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

# WeCom's duplicate check: at least a minute (clock skew between us and WeCom, send latency), at most the
# platform's maximum of 4 hours
DUPLICATE_CHECK_SLACK = 60
DUPLICATE_CHECK_MAX = 4 * 3600
# message/send returns a response_code for a button card, good for one update within 72 h. Kept per card and
# recipient, it lets us update the card of someone who never tapped it (the other approvers when one decides,
# everyone when the requester withdraws).
CARD_CODE_KEY = "wecom:card_code:{}:{}"
CARD_CODE_TTL = 72 * 3600

PROGRESS_NOTICE = "正在处理…"
# WeCom's own limits for what a member sends an app: pictures 2 MB, voice 2 MB; a little slack over that
MAX_MEDIA_BYTES = 10 * 1024 * 1024

#: a handler for callback events another entry point owns; it must return at once (WeCom waits 5 s)
EventHandler = Callable[[dict[str, Any]], None]


class WeComAppAdapter(WeComEntryPoint):
    platforms = (APP,)
    identity_namespaces = {APP: "wecom"}
    staff_namespace = "wecom"
    max_text_bytes = TEXT_MAX_BYTES

    def __init__(self, app: "Runtime", config: WeComAppConfig, corp: WeComCorp):
        super().__init__(app, corp)
        self.config = config
        self.agent_id = config.agent_id
        self.crypto = CallbackCrypto(config.wecom_token or "", config.wecom_encoding_aes_key or "", corp.corp_id)
        self._event_handlers: dict[str, EventHandler] = {}
        self._inflight_downloads: set[str] = set()
        self._notices: dict[str, asyncio.Task] = {}  # inbound msg id -> the pending 「正在处理…」
        self._notices_sending: set[str] = set()  # past its delay: never cancelled, the answer waits for it
        self.stats = {"callbacks": 0, "duplicates": 0, "rejected": 0}

    def on_event(self, event: str, handler: EventHandler) -> None:
        """Hand callback events named `event` (e.g. "kf_msg_or_event") to another entry point."""
        self._event_handlers[event] = handler

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/wecom/callback", self.handle_verify), web.post("/wecom/callback", self.handle_callback)]

    # --- callbacks ---------------------------------------------------------------------------

    async def handle_verify(self, request: web.Request) -> web.Response:
        return verify_url(request, self.crypto)

    async def handle_callback(self, request: web.Request) -> web.Response:
        body = await read_body(request)
        try:
            envelope = parse_envelope(body)
            plain = self.crypto.decrypt(envelope["Encrypt"], *callback_query(request))
            fields = message_fields(plain)
        except CallbackRejected as exc:
            self.stats["rejected"] += 1
            return reject(exc, "callback")
        self.stats["callbacks"] += 1
        if (fields.get("MsgType") or "").lower() == "event":
            handler = self._event_handlers.get(fields.get("Event") or "")
            if handler is not None:
                handler(fields)
                return web.Response(text="")
        inbound = app_inbound(fields)
        if inbound is not None and any(a.media_id and a.data is None for a in inbound.attachments) and not inbound.text:
            # a picture, or a voice note WeCom did not transcribe: fetch the media (media/get) before the turn,
            # in the background, because WeCom wants its 200 within 5 s; a redelivery meanwhile is dropped here
            if inbound.msg_id not in self._inflight_downloads:
                self._inflight_downloads.add(inbound.msg_id)
                self.spawn(self._download_then_receive(inbound))
        elif inbound is not None:
            await self._receive(inbound)
        # an empty 200: WeCom will not retry, the answer comes through message/send
        return web.Response(text="")

    async def _download_then_receive(self, inbound: Inbound) -> None:
        try:
            for att in inbound.attachments:
                if not att.media_id or att.data is not None:
                    continue
                try:
                    att.data = await self.api.get_media(att.media_id)
                    att.size = len(att.data)
                except Exception as exc:  # the capability sees an attachment without data and says so
                    log.warning("wecom: media/get for %s failed: %s", inbound.msg_id, exc)
                    continue
                if att.size > MAX_MEDIA_BYTES:
                    log.warning("wecom: media of %s is %d bytes, dropped", inbound.msg_id, att.size)
                    att.data, att.size = None, None
            await self._receive(inbound)
        finally:
            self._inflight_downloads.discard(inbound.msg_id)

    # --- live progress: no streaming here, so one 「正在处理…」 when the answer is slow ------------------

    async def turn_started(self, inbound: Inbound) -> None:
        delay = self.app.settings.progress_notice_seconds
        if delay > 0 and inbound.msg_id not in self._notices:
            self._notices[inbound.msg_id] = asyncio.create_task(self._notice_after(delay, inbound))

    async def turn_finished(self, inbound: Inbound) -> None:
        task = self._notices.pop(inbound.msg_id, None)
        if task is None:
            return
        if task.done() or inbound.msg_id in self._notices_sending:
            # the notice is out (or on its way): let it land first, the answer follows it
            await asyncio.gather(task, return_exceptions=True)
            return
        task.cancel()  # the answer came first: no notice
        await asyncio.gather(task, return_exceptions=True)

    async def _notice_after(self, delay: float, inbound: Inbound) -> None:
        await asyncio.sleep(delay)
        self._notices_sending.add(inbound.msg_id)  # no await since the sleep: turn_finished sees this at once
        target = Target(APP, user_id=inbound.sender_id, conversation_id=inbound.conversation_id)
        notice = Delivery(0, APP, target, Reply(PROGRESS_NOTICE), reply_context=inbound.raw)
        try:
            await self.deliver(notice)
            self.stats["progress_notices"] = self.stats.get("progress_notices", 0) + 1
        except Exception as exc:  # a preview: the answer still comes through the outbox
            log.info("wecom: progress notice for %s not sent (%s)", inbound.msg_id, exc)
        finally:
            self._notices_sending.discard(inbound.msg_id)

    # --- outbound ----------------------------------------------------------------------------

    async def deliver(self, d: Delivery) -> None:
        reply, ctx = d.reply, d.reply_context
        user = d.target.user_id or ctx.get("userid")
        group = d.target.conversation_id if d.target.conversation_id and d.target.conversation_id != user else None
        if reply.card is not None and reply.card_update:
            await self._update_card(d, user)
            return
        if reply.card is not None:
            if group:  # appchat has no interactive cards for our buttons: show the card as text
                await self._send_group(
                    group, "text", {"content": truncate_bytes(card_text(reply.card), TEXT_MAX_BYTES)}
                )
                return
            body = template_card(reply.card)
            body["task_id"] = f"{reply.card.card_id}@{d.outbox_id}"  # unique per app, as WeCom requires
            result = await self._send_user(user, "template_card", body, d)
            if result.get("response_code"):
                await self.app.kv.set(
                    CARD_CODE_KEY.format(reply.card.card_id, user), result["response_code"], CARD_CODE_TTL
                )
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
                    await self.api.update_template_card(
                        {
                            "userids": [user],
                            "agentid": self.agent_id,
                            "response_code": code,
                            "button": {"replace_name": truncate_bytes(status, 30)},
                        }
                    )
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

    # --- directory ---------------------------------------------------------------------------

    async def lookup_user(self, platform: str, user_id: str) -> DirectoryEntry | None:
        return await self.corp.lookup_user(user_id)
