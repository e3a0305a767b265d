"""What the three WeCom entry points have in common on the way in: the HTTP plumbing of a callback (bounded
body, signature query, URL verification, rejections) and a base adapter with the shared client, the claim with
its retry budget and background tasks.

Ingress discipline (aiogram's webhook handler is the model): verify, decrypt, parse, persist in the ledger
(`app.receive`, one insert), answer WeCom at once; the turn runs in the background and replies go through the
outbox to `deliver`. A redelivered callback hits the ledger's unique key and is dropped.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web

from adapters.wecom.api import WeComAPI
from adapters.wecom.corp import WeComCorp
from adapters.wecom.crypto import CallbackCrypto, CallbackRejected
from adapters.wecom.pacing import RecipientPacer
from bot.adapter import Adapter
from bot.db_retry import retry_db
from bot.messages import Inbound

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000
# WeCom waits 5 s for a callback's 200 and delivers a callback up to 3 times: a short database outage is ridden
# out inside that budget, and a longer one answers an error so that WeCom delivers again
CLAIM_RETRY_SECONDS = 3.5


async def read_body(request: web.Request, limit: int = MAX_BODY_BYTES) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    data = bytearray()
    async for chunk in request.content.iter_any():
        data += chunk
        if len(data) > limit:
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(data))
    return bytes(data)


def callback_query(request: web.Request) -> tuple[str, str, str]:
    # aiohttp's request.query is already URL-decoded ("%2B" -> "+"), as the signature needs
    q = request.query
    return q.get("msg_signature", ""), q.get("timestamp", ""), q.get("nonce", "")


def reject(exc: CallbackRejected, where: str) -> web.Response:
    log.warning("wecom %s rejected (%s): %s", where, exc.status, exc)
    return web.Response(
        status=exc.status,
        text={403: "forbidden: bad signature or receiver", 400: "bad request: malformed payload"}.get(
            exc.status, "rejected"
        ),
    )


def verify_url(request: web.Request, crypto: CallbackCrypto) -> web.Response:
    """The GET WeCom sends when the callback URL is saved: answer the decrypted echostr."""
    sig, ts, nonce = callback_query(request)
    echostr = request.query.get("echostr", "")
    if not echostr:
        return web.Response(status=400, text="bad request: echostr missing")
    try:
        plain = crypto.verify_url(sig, ts, nonce, echostr)
    except CallbackRejected as exc:
        return reject(exc, "url verification")
    # the bare plaintext: WeCom refuses it with quotes, a BOM or a trailing newline
    return web.Response(text=plain, content_type="text/plain")


class WeComEntryPoint(Adapter):
    """Base of the WeCom adapters: the corp's shared client and pacer, claims, background work, health."""

    def __init__(self, app: "Runtime", corp: WeComCorp):
        super().__init__(app)
        self.corp = corp
        self.stats: dict[str, int] = {}

    @property
    def api(self) -> WeComAPI:
        return self.corp.api

    @property
    def pacer(self) -> RecipientPacer:
        return self.corp.pacer

    async def _receive(self, inbound: Inbound) -> bool:
        """The ledger claim, retried through a database blip for as long as WeCom waits for the answer."""
        ok = await retry_db(
            lambda: self.app.receive(inbound),
            what=f"wecom claim {inbound.msg_id}",
            deadline=CLAIM_RETRY_SECONDS,
            max_delay=1.0,
        )
        if not ok:
            self.stats["duplicates"] = self.stats.get("duplicates", 0) + 1
        return ok

    async def stop(self) -> None:
        for task in list(self.background):
            task.cancel()
        await asyncio.gather(*self.background, return_exceptions=True)

    async def drain(self) -> None:
        """Wait for background ingress work (kf syncs, AI-bot downloads): tests and shutdown."""
        while self.background:
            await asyncio.gather(*list(self.background), return_exceptions=True)

    def health(self) -> dict[str, Any]:
        return {"state": "up", "platforms": list(self.platforms), **self.stats}
