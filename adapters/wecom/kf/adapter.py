"""微信客服 (WeChat customer service): customers write in WeChat, WeCom tells us with a kf_msg_or_event on the
self-built app's callback URL, and we pull the messages with kf/sync_msg and answer with kf/send_msg.

The event carries no message, only a token for the next kf/sync_msg; the pull runs in the background so that
the callback is answered at once, one pull per 客服 account at a time (an event during a pull makes it pull again
when it ends, since new messages may lie past the page it read).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from adapters.wecom.app.config import WeComAppConfig
from adapters.wecom.base import WeComEntryPoint
from adapters.wecom.corp import WeComCorp
from adapters.wecom.kf.parsing import KF, kf_inbound
from adapters.wecom.render import TEXT_MAX_BYTES, card_text, markdown_to_text, split_bytes
from bot.adapter import Delivery, PermanentSendError

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

KF_CURSOR_KEY = "wecom_kf:cursor:{}"
#: the self-built app's callback event that announces new 微信客服 messages
KF_EVENT = "kf_msg_or_event"


class WeComKfAdapter(WeComEntryPoint):
    platforms = (KF,)
    identity_namespaces = {KF: KF}  # external_userid of a WeChat customer: not a colleague's id
    staff_namespace = None
    max_text_bytes = TEXT_MAX_BYTES

    def __init__(self, app: "Runtime", config: WeComAppConfig, corp: WeComCorp):
        super().__init__(app, corp)
        self.config = config
        self._locks: dict[str, asyncio.Lock] = {}
        self._dirty: dict[str, str | None] = {}
        self.stats = {"duplicates": 0, "kf_synced": 0}

    # --- inbound -----------------------------------------------------------------------------

    def on_callback_event(self, fields: dict[str, Any]) -> None:
        """A kf_msg_or_event from the self-built app's callback."""
        self.schedule_sync(fields.get("OpenKfId") or "", fields.get("Token") or "")

    def schedule_sync(self, open_kfid: str, token: str) -> None:
        if not open_kfid:
            log.warning("wecom kf event without OpenKfId")
            return
        lock = self._locks.setdefault(open_kfid, asyncio.Lock())
        if lock.locked():
            # a sync is running: remember to pull again when it ends (new messages may be past its page)
            self._dirty[open_kfid] = token
            return
        self.spawn(self._sync_loop(open_kfid, token))

    async def _sync_loop(self, open_kfid: str, token: str | None) -> None:
        lock = self._locks[open_kfid]
        async with lock:
            while True:
                try:
                    await self.sync(open_kfid, token)
                except Exception:
                    log.exception("wecom kf sync failed for %s", open_kfid)
                if open_kfid not in self._dirty:
                    break
                token = self._dirty.pop(open_kfid)

    async def sync(self, open_kfid: str, token: str | None) -> int:
        """Pull every new message since the persisted cursor; the cursor moves only after the batch is
        in the ledger, so a crash re-reads (and the ledger drops) rather than skips."""
        key = KF_CURSOR_KEY.format(open_kfid)
        received = 0
        while True:
            cursor = await self.app.kv.get(key)
            page = await self.api.kf_sync_msg(cursor=cursor, token=token, open_kfid=open_kfid)
            for item in page.get("msg_list") or []:
                inbound = kf_inbound(item)
                if inbound is not None and await self._receive(inbound):
                    received += 1
            next_cursor = page.get("next_cursor")
            if next_cursor and next_cursor != cursor:
                await self.app.kv.set(key, next_cursor)
            if not page.get("has_more"):
                break
        self.stats["kf_synced"] += received
        return received

    # --- outbound ----------------------------------------------------------------------------

    async def deliver(self, d: Delivery) -> None:
        ctx = d.reply_context
        open_kfid = ctx.get("open_kfid")
        customer = ctx.get("external_userid") or d.target.user_id
        if not open_kfid and d.target.conversation_id and ":" in d.target.conversation_id:
            open_kfid, customer = d.target.conversation_id.split(":", 1)
        if not open_kfid or not customer:
            raise PermanentSendError("wecom kf: no open_kfid/external_userid to answer")
        reply = d.reply
        # WeChat shows no markdown and no template cards to customers: plain text
        if reply.card is not None:
            text = card_text(reply.card)
        else:
            text = markdown_to_text(reply.text) if reply.markdown else reply.text
        for part in split_bytes(text, TEXT_MAX_BYTES):
            await self.pacer.acquire("kf:" + customer)
            await self.api.kf_send_msg(
                {"touser": customer, "open_kfid": open_kfid, "msgtype": "text", "text": {"content": part}}
            )
