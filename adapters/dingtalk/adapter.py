"""The DingTalk channel: stream mode (or HTTP robot mode) in, sessionWebhook / robot OpenAPI / cards out.

Inbound: every robot message and card press becomes an `Inbound` handed to `app.receive` (the ledger drops
duplicates by msgId; a short in-memory window saves the DB round trip and the file download for obvious
redeliveries). Files and pictures are downloaded before `receive`, so capabilities get the bytes.
In stream mode a frame is ACKed only once `accept_message`/`accept_card_press` returned, i.e. once the
message is in the ledger (see stream.py). A database blip is ridden out here (the claim is retried for
up to CLAIM_RETRY_SECONDS while the frame stays un-ACKed); beyond that the error goes up and the frame
is left for DingTalk to redeliver. A redelivery that arrives while the first copy is still being
claimed waits for that claim and shares its outcome, so it is never ACKed ahead of it.

Outbound (`deliver`): a reply goes through the message's sessionWebhook while it is valid; after it
expires, and for every proactive push, through oToMessages/batchSend or groupMessages/send. Cards are
card instances (createAndDeliver, PUT to show the decision) when DINGTALK_CARD_TEMPLATE_ID is set, markdown
otherwise. A long answer (several outbox parts) streams into one AI card when DINGTALK_AI_CARD_TEMPLATE_ID
is set, markdown parts otherwise.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiohttp import web

from adapters.dingtalk.api import DingTalkApiError, OpenApiClient
from adapters.dingtalk.config import DingTalkConfig
from adapters.dingtalk.parsing import (
    GROUP_CHAT,
    SINGLE_CHAT,
    CardPress,
    PayloadError,
    RobotMessage,
    parse_card_callback,
    parse_robot_message,
)
from adapters.dingtalk.signature import MAX_SKEW_MS, check_signature
from adapters.dingtalk.stream import CARD_TOPIC, ROBOT_TOPIC, StreamClient, StreamThread, _RecentIds, forward_to
from bot import jsonsafe
from bot.adapter import Adapter, Delivery, DirectoryEntry, PermanentSendError, TransientSendError
from bot.db_retry import retry_db
from bot.messages import Attachment, Card, CardAction, Inbound, InboundKind, Reply, Role, Target
from bot.settings import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

PLATFORM = "dingtalk"
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
MAX_CALLBACK_BYTES = 1024 * 1024  # a robot message or card press is a few KB
WEBHOOK_SAFETY_MS = 60_000  # don't start a send on a webhook that dies within a minute
CARD_ROUTE_TTL = 30 * 24 * 3600
AI_CARD_KEY = "msgContent"  # the content variable of DingTalk's AI card template (dt-stream-py AICardReplier)
AI_FLOW_PROCESSING, AI_FLOW_FINISHED, AI_FLOW_FAILED = "1", "3", "5"
# how long a frame may wait un-ACKed for the database to come back before it is left to redelivery
CLAIM_RETRY_SECONDS = 30.0

DOWNLOAD_FAILED = "文件没收到完整，麻烦再发一次～"
DEFAULT_TITLE = "销售助手"


def _title_for(reply: Reply) -> str:
    if reply.title:
        return reply.title
    first = next((line for line in reply.text.splitlines() if line.strip()), "")
    first = re.sub(r"[#*>`_\[\]]", "", first).strip()
    return first[:20] or DEFAULT_TITLE


def _card_markdown(card: Card) -> str:
    lines = [card.body.strip()] if card.body.strip() else []
    for name, value in card.fields:
        lines.append(f"- **{name}**：{value}")
    return "\n".join(lines)


def _card_params(card: Card) -> dict[str, str]:
    """cardParamMap values must be strings; arrays go as JSON strings (the template loops over `buttons`)."""
    decided = card.status is not None
    return {
        "card_id": card.card_id,
        "title": card.title,
        "content": _card_markdown(card),
        "status": card.status or "",
        "decided": "true" if decided else "false",
        "buttons": json.dumps(
            [] if decided else [{"key": b.key, "label": b.label, "style": b.style} for b in card.buttons],
            ensure_ascii=False,
        ),
    }


class DingTalkAdapter(Adapter):
    platforms = (PLATFORM,)
    identity_namespaces = {PLATFORM: "dingtalk"}
    staff_namespace = "dingtalk"
    max_text_bytes = 4000

    def __init__(
        self,
        app: "Runtime",
        *,
        client_id: str,
        client_secret: str,
        robot_code: str | None = None,
        endpoint: str = "https://api.dingtalk.com",
        mode: str = "stream",
        card_template_id: str | None = None,
        ai_card_template_id: str | None = None,
        idle_timeout: float = 60.0,
        rate_per_second: float = 20.0,
        api_attempts: int = 3,
        customer_groups: frozenset[str] = frozenset(),
        webhook_hosts: frozenset[str] = frozenset({"oapi.dingtalk.com", "api.dingtalk.com"}),
        config: DingTalkConfig | None = None,
    ):
        super().__init__(app)
        self.config = config
        if mode not in ("stream", "http"):
            raise ConfigError(f"DINGTALK_MODE={mode} 不对：要写 stream 或 http")
        self.client_id = client_id
        self.client_secret = client_secret
        self.robot_code = robot_code or client_id
        self.endpoint = endpoint.rstrip("/")
        self.mode = mode
        # button presses come back over the stream (callbackType STREAM); HTTP mode has no stream to hear them
        self.card_template_id = card_template_id if mode == "stream" else None
        if card_template_id and mode != "stream":
            log.warning("DINGTALK_CARD_TEMPLATE_ID is ignored in HTTP mode: cards are sent as markdown")
        self.ai_card_template_id = ai_card_template_id
        self.idle_timeout = idle_timeout
        self.rate_per_second = rate_per_second
        self.api_attempts = api_attempts
        self.customer_groups = customer_groups
        self.webhook_hosts = webhook_hosts
        self._api: OpenApiClient | None = None
        self.stream: StreamThread | None = None
        self._forwarded: set = set()  # handler runs in flight on the app's loop
        self._recent = _RecentIds()
        self._in_flight: dict[str, asyncio.Future] = {}  # msgId / press id -> the claim in progress
        self._warned_no_template = False
        self.stats = {
            "received": 0,
            "duplicates": 0,
            "rejected": 0,
            "webhook_sends": 0,
            "api_sends": 0,
            "cards": 0,
            "card_updates": 0,
            "ai_stream_parts": 0,
        }

    @classmethod
    def from_config(cls, app: "Runtime", config: DingTalkConfig) -> "DingTalkAdapter | None":
        """None when the channel is off (DINGTALK_CLIENT_ID/SECRET absent)."""
        if not config.enabled:
            return None
        return cls(
            app,
            client_id=config.dingtalk_client_id,
            client_secret=config.dingtalk_client_secret,
            robot_code=config.dingtalk_robot_code,
            endpoint=config.dingtalk_openapi_endpoint,
            mode=config.dingtalk_mode,
            card_template_id=config.dingtalk_card_template_id,
            ai_card_template_id=config.dingtalk_ai_card_template_id,
            idle_timeout=config.dingtalk_stream_idle_timeout,
            customer_groups=config.customer_group_ids,
            webhook_hosts=config.webhook_hosts,
            config=config,
        )

    @property
    def api(self) -> OpenApiClient:
        if self._api is None:
            if self.app.http is None:
                raise RuntimeError("app.http is not open; call app.start() first")
            self._api = OpenApiClient(
                self.app.http,
                client_id=self.client_id,
                client_secret=self.client_secret,
                robot_code=self.robot_code,
                endpoint=self.endpoint,
                kv=self.app.kv,
                rate_per_second=self.rate_per_second,
                attempts=self.api_attempts,
                # with Redis, DingTalk's per-app caps are counted over every replica
                redis=getattr(self.app, "redis", None),
                redis_prefix=self.app.settings.redis_prefix,
            )
        return self._api

    # --- lifecycle ---------------------------------------------------------------------------

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/dingtalk/callback", self.handle_http_callback)]

    async def start(self) -> None:
        if self.mode != "stream" or self.stream is not None:
            return
        app_loop = asyncio.get_running_loop()

        def build(http) -> StreamClient:
            client = StreamClient(
                self.client_id, self.client_secret, http=http, endpoint=self.endpoint, idle_timeout=self.idle_timeout
            )
            client.register_topic(
                ROBOT_TOPIC, forward_to(app_loop, self._on_robot_frame, self._forwarded), check=parse_robot_message
            )
            client.register_topic(
                CARD_TOPIC, forward_to(app_loop, self._on_card_frame, self._forwarded), check=parse_card_callback
            )
            return client

        self.stream = StreamThread(build)
        await self.stream.start()

    async def stop(self) -> None:
        if self.stream is not None:
            await self.stream.stop()
            self.stream = None
        if self._forwarded:
            await asyncio.wait([asyncio.wrap_future(f) for f in list(self._forwarded)], timeout=5)
        if self.background:
            await asyncio.wait(set(self.background), timeout=5)

    def health(self) -> dict[str, Any]:
        info: dict[str, Any] = {"mode": self.mode, **self.stats}
        if self.stream is not None:
            st = self.stream.stats
            info.update(frames_in_flight=st.in_flight, frames_unacked=st.unacked)
            # a reconnect in progress is not an outage; a stream that never connected, or stays down, is
            recently_alive = st.connects > 0 and time.monotonic() - st.last_frame_at < max(3 * self.idle_timeout, 60)
            healthy = st.state == "connected" or (st.state == "connecting" and recently_alive)
            info.update(
                state="up" if healthy else "down",
                stream_state=st.state,
                connects=st.connects,
                frames=st.frames,
                reconnects_after_disconnect=st.reconnects_after_disconnect,
                reconnects_after_idle=st.reconnects_after_idle,
                last_error=st.last_error,
                ack_ms_p50=st.ack_ms(0.5),
                ack_ms_p99=st.ack_ms(0.99),
                seconds_since_last_frame=round(time.monotonic() - st.last_frame_at, 1) if st.last_frame_at else None,
            )
        else:
            info["state"] = "up" if self.mode == "http" else "stopped"
        return info

    # --- inbound -----------------------------------------------------------------------------

    async def _on_robot_frame(self, data: dict[str, Any], headers) -> bool:
        return await self.accept_message(parse_robot_message(data))

    async def _on_card_frame(self, data: dict[str, Any], headers) -> bool:
        return await self.accept_card_press(parse_card_callback(data))

    async def _once(self, key: str, claim) -> bool:
        """Run `claim()` for a platform message once at a time; False for a duplicate.

        A copy that arrives while the first is being claimed waits for it and gets its outcome (its error
        too): it must not be ACKed before the first copy is safely in the ledger."""
        if key in self._recent:
            self.stats["duplicates"] += 1
            return False
        running = self._in_flight.get(key)
        if running is not None:
            await asyncio.shield(running)  # raises what the first copy raised
            self.stats["duplicates"] += 1
            return False
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            accepted = await claim()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: a failure nobody else waited for is logged by the caller
            raise
        else:
            future.set_result(accepted)
        finally:
            self._in_flight.pop(key, None)
        return accepted

    async def _receive(self, inbound: Inbound, key: str) -> bool:
        """The ledger claim, retried through a short database outage while the frame waits un-ACKed."""
        accepted = await retry_db(
            lambda: self.app.receive(inbound), what=f"dingtalk claim {key}", deadline=CLAIM_RETRY_SECONDS
        )
        self._recent.add(key)
        self.stats["received" if accepted else "duplicates"] += 1
        return accepted

    async def accept_message(self, msg: RobotMessage) -> bool:
        """Hand one robot message to the core; False when it is a duplicate (or was dropped).

        Returns once the message is in the ledger; raises if it could not be put there."""

        async def claim() -> bool:
            attachments: list[Attachment] = []
            for ref in msg.media:
                try:
                    content = await self.api.download(ref.download_code, MAX_DOWNLOAD_BYTES)
                except DingTalkApiError as exc:
                    # nothing written: a redelivery (or the user re-sending) tries again
                    log.error("dingtalk: download of %s for %s failed: %s", ref.name, msg.msg_id, exc)
                    await self._notify_webhook(msg, DOWNLOAD_FAILED)
                    return False
                attachments.append(
                    Attachment(
                        name=ref.name, mime=ref.mime, data=content, media_id=ref.download_code, size=len(content)
                    )
                )
            inbound = Inbound(
                platform=PLATFORM,
                msg_id=msg.msg_id,
                sender_id=msg.sender_staff_id,
                conversation_id=msg.chat_id,
                kind=msg.kind,
                text=msg.text,
                is_group=msg.is_group,
                sender_name=msg.sender_nick,
                attachments=attachments,
                raw=msg.reply_context(),
                # a customer group (DINGTALK_CUSTOMER_GROUPS): everyone there is served by the customer bot
                role_hint=Role.CUSTOMER if msg.is_group and msg.conversation_id in self.customer_groups else None,
            )
            return await self._receive(inbound, msg.msg_id)

        return await self._once(msg.msg_id, claim)

    async def accept_card_press(self, press: CardPress) -> bool:
        key = press.press_id

        async def claim() -> bool:
            route = await retry_db(
                lambda: self._card_route(press.out_track_id),
                what=f"dingtalk card route {key}",
                deadline=CLAIM_RETRY_SECONDS,
            )
            is_group = bool(route.get("conversationId"))
            conversation = route.get("conversationId") or press.user_id
            inbound = Inbound(
                platform=PLATFORM,
                msg_id=key,
                sender_id=press.user_id,
                conversation_id=conversation,
                kind=InboundKind.CARD_ACTION,
                is_group=is_group,
                card_action=CardAction(
                    card_id=press.out_track_id, action=press.action, value=press.params, platform_ref=press.out_track_id
                ),
                raw={
                    "outTrackId": press.out_track_id,
                    "senderStaffId": press.user_id,
                    "conversationId": route.get("conversationId") or "",
                    "conversationType": GROUP_CHAT if is_group else SINGLE_CHAT,
                },
            )
            return await self._receive(inbound, key)

        return await self._once(key, claim)

    async def handle_http_callback(self, request: web.Request) -> web.Response:
        """HTTP robot mode: check `timestamp`+`sign`, then the same path as stream mode."""
        timestamp, sign = request.headers.get("timestamp"), request.headers.get("sign")
        problem = check_signature(timestamp, sign, self.client_secret)
        if problem is None and not await self._first_use(timestamp, sign):
            # the signature covers only the timestamp: a captured pair would carry any body for an hour
            problem = "timestamp/sign pair already used (replay)"
        if problem:
            log.warning("dingtalk http callback rejected: %s", problem)
            return web.json_response({"error": "invalid signature"}, status=403)
        try:
            payload = jsonsafe.loads(await jsonsafe.read_limited(request, MAX_CALLBACK_BYTES))
            if isinstance(payload, dict) and "outTrackId" in payload:
                press = parse_card_callback(payload)
                await self.accept_card_press(press)
                return web.json_response({})
            msg = parse_robot_message(payload)
        except (ValueError, PayloadError) as exc:
            self.stats["rejected"] += 1
            log.error("dingtalk http callback: bad payload rejected: %s", exc)
            return web.json_response({"error": f"bad payload: {exc}"}, status=400)
        if msg.media:  # downloads can take a while; DingTalk wants its answer now
            self.spawn(self.accept_message(msg))
        else:
            await self.accept_message(msg)
        return web.json_response({"msgtype": "empty"})

    async def _first_use(self, timestamp: str, sign: str) -> bool:
        """Each (timestamp, sign) pair is accepted once, over all replicas (app.kv), for as long as it is valid."""
        left_ms = int(timestamp) + MAX_SKEW_MS - int(time.time() * 1000)
        digest = hashlib.sha256(f"{timestamp}\n{sign}".encode()).hexdigest()
        return await self.app.kv.add(f"dingtalk:http_sign:{digest}", "1", max(1.0, left_ms / 1000) + 60)

    async def _notify_webhook(self, msg: RobotMessage, text: str) -> None:
        if not self._webhook_usable(msg.reply_context()):
            return
        try:
            await self.api.post_webhook(msg.session_webhook, {"msgtype": "text", "text": {"content": text}})
        except DingTalkApiError as exc:
            log.warning("dingtalk: notice to %s failed: %s", msg.msg_id, exc)

    # --- directory ---------------------------------------------------------------------------

    async def lookup_user(self, platform: str, user_id: str) -> DirectoryEntry | None:
        try:
            user = await self.api.get_user(user_id)
            if not user:
                return None
            department = None
            dept_ids = user.get("dept_id_list") or []
            if dept_ids:
                department = await self.api.get_department_name(int(dept_ids[0]))
        except DingTalkApiError as exc:
            log.warning("dingtalk: directory lookup of %s failed: %s", user_id, exc)
            return None
        return DirectoryEntry(
            user_id=user_id,
            name=str(user.get("name") or user_id),
            department=department,
            mobile=user.get("mobile") or None,
            email=user.get("email") or user.get("org_email"),
            title=user.get("title") or None,
        )

    # --- outbound ----------------------------------------------------------------------------

    def max_bytes_for(self, platform: str, reply: Reply) -> int:
        return self.max_text_bytes

    def _webhook_usable(self, context: dict[str, Any]) -> bool:
        expires = context.get("sessionWebhookExpiredTime")
        return (
            bool(context.get("sessionWebhook"))
            and isinstance(expires, (int, float))
            and expires - time.time() * 1000 > WEBHOOK_SAFETY_MS
            and self._webhook_allowed(str(context["sessionWebhook"]))
        )

    def _webhook_allowed(self, url: str) -> bool:
        """The webhook URL comes inside the message; in HTTP mode anyone holding one valid signature could point it
        at an internal address, so only DingTalk's hosts (https) and the configured OpenAPI origin are called."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return False
        host = (parts.hostname or "").lower()
        if parts.username or parts.password:
            return False
        if parts.scheme == "https" and host in self.webhook_hosts and port in (None, 443):
            return True
        endpoint = urlsplit(self.endpoint)
        if (parts.scheme, host, port) == (endpoint.scheme, (endpoint.hostname or "").lower(), endpoint.port):
            return True
        log.warning(
            "dingtalk: sessionWebhook on %s is not an allowed DingTalk host; replying through the OpenAPI", host
        )
        return False

    @staticmethod
    def _destination(delivery: Delivery) -> tuple[str | None, str | None]:
        """(group openConversationId, user staffId): exactly one is set."""
        ctx = delivery.reply_context
        if not delivery.is_push and ctx.get("conversationType") in (SINGLE_CHAT, GROUP_CHAT):
            if ctx["conversationType"] == GROUP_CHAT and ctx.get("conversationId"):
                return ctx["conversationId"], None
            if ctx.get("senderStaffId"):
                return None, ctx["senderStaffId"]
        target = delivery.target
        # group conversation ids are DingTalk `cid...` ids; a single chat is keyed by the staff id
        if target.conversation_id and target.conversation_id.startswith("cid"):
            return target.conversation_id, None
        user = target.user_id or target.conversation_id
        if not user:
            raise PermanentSendError("DingTalk delivery without a user or group to send to")
        return None, user

    async def deliver(self, delivery: Delivery) -> None:
        try:
            await self._deliver(delivery)
        except DingTalkApiError as exc:
            if exc.transient:
                raise TransientSendError(str(exc), retry_after=exc.retry_after) from exc
            raise PermanentSendError(str(exc)) from exc

    async def _deliver(self, delivery: Delivery) -> None:
        reply = delivery.reply
        if reply.card is not None:
            if reply.card_update:
                await self._update_card(delivery, reply.card)
            else:
                await self._send_card(delivery, reply.card)
            return
        if not reply.text.strip():
            return
        if self.ai_card_template_id and not delivery.is_push and delivery.reply_context.get("msgId"):
            # a long answer, or one whose turn opened a progress card: it goes into the AI card
            if (delivery.parts > 1 or await self._progress_card(delivery.reply_context)) and await self._stream_ai_part(
                delivery
            ):
                return
        await self._send_message(delivery, reply)

    async def _send_message(self, delivery: Delivery, reply: Reply) -> None:
        ctx = delivery.reply_context
        markdown = reply.markdown
        title = _title_for(reply)
        if not delivery.is_push and self._webhook_usable(ctx):
            body: dict[str, Any]
            group = ctx.get("conversationType") == GROUP_CHAT
            at = (
                {"atUserIds": [ctx["senderStaffId"]]}
                if group and delivery.seq == 0 and ctx.get("senderStaffId")
                else None
            )
            if markdown:
                text = f"@{ctx['senderStaffId']} {reply.text}" if at else reply.text
                body = {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
            else:
                body = {"msgtype": "text", "text": {"content": reply.text}}
            if at:
                body["at"] = at
            try:
                await self.api.post_webhook(ctx["sessionWebhook"], body)
                self.stats["webhook_sends"] += 1
                return
            except DingTalkApiError as exc:
                if exc.transient:
                    raise
                # expired early or revoked: the robot OpenAPI still reaches them
                log.info("dingtalk: sessionWebhook refused (%s); sending through the OpenAPI", exc)
        group_id, user_id = self._destination(delivery)
        if markdown:
            key, param = "sampleMarkdown", {"title": title, "text": reply.text}
        else:
            key, param = "sampleText", {"content": reply.text}
        if group_id:
            await self.api.send_to_group(group_id, key, param)
        else:
            await self.api.send_to_users([user_id], key, param)
        self.stats["api_sends"] += 1

    # --- cards -------------------------------------------------------------------------------

    def _card_route_key(self, card_id: str) -> str:
        return f"dingtalk:card:{card_id}"

    async def _card_route(self, card_id: str) -> dict[str, Any]:
        raw = await self.app.kv.get(self._card_route_key(card_id))
        try:
            return json.loads(raw) if raw else {}
        except ValueError:
            return {}

    async def _send_card(self, delivery: Delivery, card: Card) -> None:
        if not self.card_template_id:
            self._warn_no_template()
            await self._send_message(
                delivery, Reply(text=self._card_fallback_text(card), markdown=True, title=card.title[:20])
            )
            return
        group_id, user_id = self._destination(delivery)
        # remembered so the press (which carries only outTrackId and userId) finds its conversation
        await self.app.kv.set(
            self._card_route_key(card.card_id),
            json.dumps({"conversationId": group_id or "", "userId": user_id or ""}),
            CARD_ROUTE_TTL,
        )
        at = (
            [delivery.reply_context["senderStaffId"]]
            if group_id and delivery.reply_context.get("senderStaffId")
            else None
        )
        await self.api.create_and_deliver_card(
            out_track_id=card.card_id,
            template_id=self.card_template_id,
            params=_card_params(card),
            conversation_id=group_id,
            user_id=user_id,
            at_user_ids=at,
        )
        self.stats["cards"] += 1

    async def _update_card(self, delivery: Delivery, card: Card) -> None:
        if not self.card_template_id:
            self._warn_no_template()
            text = f"**{card.title}**：{card.status}" if card.status else self._card_fallback_text(card)
            await self._send_message(delivery, Reply(text=text, markdown=True, title=card.title[:20]))
            return
        await self.api.update_card(card.card_id, _card_params(card))
        self.stats["card_updates"] += 1

    @staticmethod
    def _card_fallback_text(card: Card) -> str:
        lines = [f"### {card.title}", _card_markdown(card)]
        if card.status:
            lines.append(f"**{card.status}**")
        elif card.buttons:
            lines.append("（卡片按钮暂不可用，请在管理后台或用命令处理）")
        return "\n\n".join(line for line in lines if line)

    def _warn_no_template(self) -> None:
        if not self._warned_no_template:
            self._warned_no_template = True
            log.warning("DINGTALK_CARD_TEMPLATE_ID is not set: cards are sent as markdown without buttons")

    # --- live progress: the AI card opens when the model starts and shows the answer as it comes --------

    streams_answers = True
    stream_interval = 0.5  # card/streaming counts against the app's API rate (20/s)

    @staticmethod
    def _ai_card_key(msg_id: str) -> str:
        return f"dingtalk:aicard:{msg_id}"

    async def _progress_card(self, context: dict[str, Any]) -> dict[str, Any] | None:
        """The progress card of this message's turn, while no answer has taken it over."""
        raw = await self.app.kv.get(self._ai_card_key(context["msgId"]))
        state = json.loads(raw) if raw else {}
        return state if state.get("progress") and state.get("outbox_id") is None else None

    async def turn_started(self, inbound: Inbound) -> None:
        if not self.ai_card_template_id or not inbound.raw.get("msgId") or inbound.kind is InboundKind.CARD_ACTION:
            return
        msg_id = inbound.raw["msgId"]
        key = self._ai_card_key(msg_id)
        if await self.app.kv.get(key):  # a turn run again (taken over): its card is there already
            return
        out_track_id = "ai-" + hashlib.sha1(f"{msg_id}:progress".encode()).hexdigest()[:24]
        target = Target(PLATFORM, user_id=inbound.sender_id, conversation_id=inbound.conversation_id)
        group_id, user_id = self._destination(Delivery(0, PLATFORM, target, Reply(""), reply_context=inbound.raw))
        await self.api.create_and_deliver_card(
            out_track_id=out_track_id,
            template_id=self.ai_card_template_id,
            params={"flowStatus": AI_FLOW_PROCESSING, AI_CARD_KEY: ""},
            conversation_id=group_id,
            user_id=user_id,
        )
        state = {"outTrackId": out_track_id, "outbox_id": None, "content": "", "seq": -1, "progress": True}
        await self.app.kv.set(key, json.dumps(state, ensure_ascii=False), 24 * 3600)
        self.stats["progress_cards"] = self.stats.get("progress_cards", 0) + 1

    async def stream_delta(self, inbound: Inbound, text_so_far: str) -> None:
        if not self.ai_card_template_id or not inbound.raw.get("msgId"):
            return
        state = await self._progress_card(inbound.raw)
        if state is None:
            return
        await self.api.stream_card(
            state["outTrackId"], key=AI_CARD_KEY, content=text_so_far, is_full=True, is_finalize=False
        )
        self.stats["ai_stream_previews"] = self.stats.get("ai_stream_previews", 0) + 1

    # --- AI card streaming -------------------------------------------------------------------

    async def _stream_ai_part(self, delivery: Delivery) -> bool:
        """Stream one part of a long answer into an AI card. False -> the caller sends it as markdown."""
        ctx = delivery.reply_context
        key = self._ai_card_key(ctx["msgId"])
        state: dict[str, Any] = {}
        if delivery.seq > 0:
            raw = await self.app.kv.get(key)
            state = json.loads(raw) if raw else {}
            if not state or state.get("fallback"):
                return False
        try:
            if delivery.seq == 0:
                existing = await self.app.kv.get(key)
                previous = json.loads(existing) if existing else {}
                if previous.get("outbox_id") == delivery.outbox_id:
                    state = previous  # a retry of part 0: the card exists already
                elif previous.get("progress") and previous.get("outbox_id") is None:
                    # the card the turn opened while the model worked: the answer replaces its preview
                    state = {**previous, "outbox_id": delivery.outbox_id, "content": "", "seq": -1}
                    await self.app.kv.set(key, json.dumps(state, ensure_ascii=False), 24 * 3600)
                else:
                    digest = hashlib.sha1(f"{ctx['msgId']}:{delivery.outbox_id}".encode()).hexdigest()[:24]
                    state = {"outTrackId": f"ai-{digest}", "outbox_id": delivery.outbox_id, "content": "", "seq": -1}
                    group_id, user_id = self._destination(delivery)
                    await self.api.create_and_deliver_card(
                        out_track_id=state["outTrackId"],
                        template_id=self.ai_card_template_id,
                        params={"flowStatus": AI_FLOW_PROCESSING, AI_CARD_KEY: ""},
                        conversation_id=group_id,
                        user_id=user_id,
                    )
                    await self.app.kv.set(key, json.dumps(state, ensure_ascii=False), 24 * 3600)
            if state["seq"] < delivery.seq:  # not streamed yet (a retry after success must not append twice)
                # the outbox cut the answer at line breaks and trimmed them; put one back between parts
                state["content"] += ("\n" if state["content"] else "") + delivery.reply.text
                last = delivery.seq == delivery.parts - 1
                await self.api.stream_card(
                    state["outTrackId"], key=AI_CARD_KEY, content=state["content"], is_full=True, is_finalize=last
                )
                state["seq"] = delivery.seq
                await self.app.kv.set(key, json.dumps(state, ensure_ascii=False), 24 * 3600)
                self.stats["ai_stream_parts"] += 1
                if last:
                    await self.api.update_card(state["outTrackId"], {"flowStatus": AI_FLOW_FINISHED})
            return True
        except DingTalkApiError as exc:
            if exc.transient:
                raise
            if delivery.seq == 0 and state.get("seq", -1) < 0:
                log.warning("dingtalk: AI card unavailable (%s); sending the answer as markdown", exc)
                await self.app.kv.set(key, json.dumps({"fallback": True}), 24 * 3600)
                return False
            raise
