"""A protocol-faithful DingTalk double: stream gateway + OpenAPI + sessionWebhooks on one local port.

Wire shapes follow DingTalk's documentation and real captures (frames, ACKs, open-connection, robot
payloads, card callbacks, card/streaming, robot send APIs). What the double adds for tests:

* gateway: tickets are single-use; `send_callback` routes to the newest live connection (a connection
  that got `disconnect` gets nothing new, as on the real server) or queues until one connects; frames not
  ACKed within `redeliver_after` are sent again (new frame messageId, same data, as field reports show),
  to whichever connection is live then (a replica that died leaves its frames to the others); an ACK
  with code 500, or an event ACK with status LATER ("消费失败", B2), does not count as consumed and the
  frame is redelivered the same way ([U] for robot messages: the reference lists code 500 but not what
  the server does with it; 200/400/404 end the delivery);
  `go_silent` turns a socket into a dead path (no frames, no pongs, ACKs dropped); `disconnect` sends the
  SYSTEM frame and closes TCP after `disconnect_grace`;
* OpenAPI: tokens, robot sends, cards, streaming, file download, directory; `fail(path, ...)` injects
  InvalidAuthentication, rate limits (403 QpsLimit) or 5xx for the next N calls; `invalidate_tokens()`
  makes every issued token stale (the server-side expiry case).

Run it in the test's loop (`await fake.start()`), or in its own thread (`fake.start_in_thread()`) when a
test must prove the client never blocks its loop; then drive it with `await fake.remote(coro)`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

ROBOT_TOPIC = "/v1.0/im/bot/messages/get"
CARD_TOPIC = "/v1.0/card/instances/callback"


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class FakeConnection:
    id: str
    ws: web.WebSocketResponse
    subscriptions: list[dict[str, Any]]
    opened_at: float = field(default_factory=time.monotonic)
    silent: bool = False
    draining: bool = False  # got `disconnect`: the server sends nothing new on it
    closed: bool = False
    frames_sent: int = 0


@dataclass
class PendingFrame:
    message_id: str
    topic: str
    data: dict[str, Any]
    sent_at: float
    original_id: str  # first messageId of this delivery (redeliveries get a new one)
    deliveries: int = 1


class FakeDingTalk:
    def __init__(
        self,
        client_id: str = "dingtestappkey",
        client_secret: str = "test-app-secret",
        *,
        token_ttl: int = 7200,
        redeliver_after: float | None = None,
        disconnect_grace: float = 0.5,
        open_delay: float = 0.0,
        ping_interval: float | None = None,
        ws_gateway: "FakeDingTalk | None" = None,
    ):
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_ttl = token_ttl
        self.redeliver_after = redeliver_after
        self.disconnect_grace = disconnect_grace
        self.open_delay = open_delay
        self.ping_interval = ping_interval
        # another fake (e.g. in its own thread) that serves the websocket; this one keeps the OpenAPI
        self.ws_gateway = ws_gateway
        self.base_url = ""
        self.loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._tasks: set[asyncio.Task] = set()
        self._ids = itertools.count(1)
        # gateway state
        self.open_requests: list[dict[str, Any]] = []
        self.tickets: dict[str, bool] = {}  # ticket -> used
        self.connections: list[FakeConnection] = []
        self.queue: deque[tuple[str, dict[str, Any], str]] = deque()  # (topic, data, original id) with no live conn
        self.pending: dict[str, PendingFrame] = {}  # messageId -> unACKed frame
        self.acks: dict[str, dict[str, Any]] = {}  # messageId -> ack frame
        self.ack_latency: dict[str, float] = {}  # messageId -> seconds from send to ACK
        self.sent_at: dict[str, float] = {}  # messageId -> monotonic time it was written to the socket
        self.delivered: dict[str, list[str]] = {}  # original id -> messageIds it was sent under
        self.original_of: dict[str, str] = {}  # messageId -> original id
        self.redeliveries = 0
        self.failed_acks = 0  # ACKs that do not consume the frame (500, LATER)
        self._ack_event = asyncio.Event()
        # OpenAPI state
        self.valid_tokens: set[str] = set()
        self.tokens_issued = 0
        self.faults: dict[str, deque[tuple[int, dict[str, Any]]]] = {}
        self.calls: list[tuple[str, str]] = []  # (method, path) of every OpenAPI call
        self.robot_sends: list[dict[str, Any]] = []
        self.webhook_sends: list[dict[str, Any]] = []
        self.sessions: dict[str, int] = {}  # session -> expiry ms
        self.cards: dict[str, dict[str, Any]] = {}
        self.files: dict[str, tuple[str, bytes]] = {}  # downloadCode -> (file token, content)
        self.users: dict[str, dict[str, Any]] = {}
        self.departments: dict[int, str] = {}
        self._sent_event = asyncio.Event()

    # --- lifecycle ---------------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._fault_middleware])
        app.router.add_post("/v1.0/gateway/connections/open", self._open_connection)
        app.router.add_get("/connect", self._websocket)
        app.router.add_post("/v1.0/oauth2/accessToken", self._access_token)
        app.router.add_post("/v1.0/robot/oToMessages/batchSend", self._robot_send)
        app.router.add_post("/v1.0/robot/groupMessages/send", self._robot_send)
        app.router.add_post("/v1.0/robot/messageFiles/download", self._file_download_url)
        app.router.add_get("/files/{token}", self._file_content)
        app.router.add_post("/v1.0/card/instances/createAndDeliver", self._card_create)
        app.router.add_post("/v1.0/card/instances", self._card_create)
        app.router.add_post("/v1.0/card/instances/deliver", self._card_deliver)
        app.router.add_put("/v1.0/card/instances", self._card_update)
        app.router.add_put("/v1.0/card/streaming", self._card_streaming)
        app.router.add_post("/robot/sendBySession", self._session_webhook)
        app.router.add_post("/topapi/v2/user/get", self._user_get)
        app.router.add_post("/topapi/v2/department/get", self._department_get)
        return app

    async def start(self) -> str:
        self.loop = asyncio.get_running_loop()
        self._ack_event = asyncio.Event()
        self._sent_event = asyncio.Event()
        self._runner = web.AppRunner(self._build_app(), access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        self._spawn(self._redelivery_loop())
        if self.ping_interval:
            self._spawn(self._ping_loop())
        return self.base_url

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for conn in self.connections:
            if not conn.ws.closed:
                await conn.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def start_in_thread(self) -> str:
        """Serve from a separate thread and loop, so a client that blocks its own loop is caught."""
        ready = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self.start())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.close())
            loop.close()

        self._thread = threading.Thread(target=serve, name="fake-dingtalk", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self.base_url

    def stop_thread(self) -> None:
        if self._thread and self.loop:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(5)

    async def remote(self, coro) -> Any:
        """Run a coroutine of this fake in its own loop (for the threaded mode)."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))

    def _spawn(self, coro) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # --- faults ------------------------------------------------------------------------------

    def fail(self, path: str, status: int, body: dict[str, Any] | None = None, times: int = 1) -> None:
        """The next `times` calls to `path` answer `status` with `body`."""
        queue = self.faults.setdefault(path, deque())
        for _ in range(times):
            queue.append((status, body or {}))

    def fail_rate_limited(self, path: str, times: int = 1) -> None:
        self.fail(
            path,
            403,
            {"code": "Forbidden.AccessDenied.QpsLimitForApi", "requestid": "fake", "message": "调用该接口触发QPS限流"},
            times,
        )

    def fail_server_error(self, path: str, times: int = 1) -> None:
        self.fail(path, 503, {"code": "ServiceUnavailable", "message": "服务暂时不可用"}, times)

    def invalidate_tokens(self) -> None:
        self.valid_tokens.clear()

    @web.middleware
    async def _fault_middleware(self, request: web.Request, handler):
        self.calls.append((request.method, request.path))
        queue = self.faults.get(request.path)
        if queue:
            status, body = queue.popleft()
            return web.json_response(body, status=status)
        return await handler(request)

    def _auth_error(self, request: web.Request) -> web.Response | None:
        token = request.headers.get("x-acs-dingtalk-access-token") or request.query.get("access_token")
        if not token:
            return web.json_response(
                {
                    "code": "AuthenticationFailed.MissingParameter",
                    "requestid": "fake",
                    "message": "缺少参数：x-acs-dingtalk-access-token",
                },
                status=400,
            )
        if token not in self.valid_tokens:
            if request.path.startswith("/topapi/"):
                return web.json_response({"errcode": 88, "sub_code": "40014", "errmsg": "不合法的access_token"})
            return web.json_response(
                {"code": "InvalidAuthentication", "requestid": "fake", "message": "不合法的access_token"}, status=400
            )
        return None

    # --- gateway -----------------------------------------------------------------------------

    async def _open_connection(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.open_requests.append(body)
        if self.open_delay:
            await asyncio.sleep(self.open_delay)
        if body.get("clientId") != self.client_id or body.get("clientSecret") != self.client_secret:
            return web.json_response(
                {"code": "invalidClientIdOrSecret", "requestid": "fake", "message": "无效的clientId或者clientSecret"},
                status=400,
            )
        ticket = str(uuid.uuid4())
        gateway = self.ws_gateway or self
        if gateway is not self:
            gateway.open_requests.append(body)
        gateway.tickets[ticket] = False
        return web.json_response({"endpoint": f"{gateway.base_url.replace('http', 'ws', 1)}/connect", "ticket": ticket})

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self.tickets or self.tickets[ticket]:
            return web.Response(status=403, text="invalid ticket")
        self.tickets[ticket] = True
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        subscriptions = self.open_requests[-1].get("subscriptions", []) if self.open_requests else []
        conn = FakeConnection(id=uuid.uuid4().hex[:12], ws=ws, subscriptions=subscriptions)
        self.connections.append(conn)
        await self._flush_queue()
        try:
            async for msg in ws:
                if conn.silent:
                    continue  # a dead path: nothing gets through, pings included
                if msg.type == WSMsgType.PING:
                    await ws.pong(msg.data)
                elif msg.type == WSMsgType.TEXT:
                    self._on_client_frame(msg.data)
        finally:
            conn.closed = True
        return ws

    def _on_client_frame(self, raw: str) -> None:
        frame = json.loads(raw)
        message_id = frame.get("headers", {}).get("messageId")
        if not message_id:
            return
        self.acks[message_id] = frame
        if not self._consumed(frame):
            self.failed_acks += 1
            self._ack_event.set()
            return  # stays pending: redelivered after `redeliver_after`
        if message_id in self.sent_at:
            self.ack_latency[message_id] = time.monotonic() - self.sent_at[message_id]
        # answered (200, or 400 for a payload the client rejects): the delivery is done, also when the ACK
        # is for an earlier copy that arrives after a redelivery went out
        original = self.original_of.get(message_id)
        if original is not None:
            for mid in self.delivered.get(original, []):
                self.pending.pop(mid, None)
        else:
            self.pending.pop(message_id, None)
        self._ack_event.set()

    @staticmethod
    def _consumed(ack: dict[str, Any]) -> bool:
        if ack.get("code") == 500:
            return False
        try:
            data = json.loads(ack.get("data") or "null")
        except (TypeError, ValueError):
            return True
        return not (isinstance(data, dict) and data.get("status") == "LATER")

    def live_connection(self) -> FakeConnection | None:
        for conn in reversed(self.connections):
            if not conn.closed and not conn.draining and not conn.ws.closed:
                return conn
        return None

    def _frame(self, frame_type: str, topic: str, data: Any, message_id: str) -> dict[str, Any]:
        return {
            "specVersion": "1.0",
            "type": frame_type,
            "headers": {
                "appId": "fake-app-id",
                "connectionId": "fake",
                "contentType": "application/json",
                "messageId": message_id,
                "time": str(now_ms()),
                "topic": topic,
            },
            "data": data if isinstance(data, str) else json.dumps(data, ensure_ascii=False),
        }

    def _new_message_id(self) -> str:
        return f"fake_{next(self._ids)}_{uuid.uuid4().hex[:8]}"

    async def send_callback(self, data: dict[str, Any], topic: str = ROBOT_TOPIC) -> str:
        """Push a CALLBACK frame; returns its messageId (the id the ACK must echo)."""
        message_id = self._new_message_id()
        await self._deliver(topic, data, message_id, original_id=message_id)
        return message_id

    async def _deliver(self, topic: str, data: dict[str, Any], message_id: str, original_id: str) -> None:
        conn = self.live_connection()
        if conn is None:
            self.queue.append((topic, data, original_id))
            return
        self.delivered.setdefault(original_id, []).append(message_id)
        self.original_of[message_id] = original_id
        previous = self.pending.get(self.delivered[original_id][0])
        self.sent_at[message_id] = time.monotonic()
        self.pending[message_id] = PendingFrame(
            message_id,
            topic,
            data,
            self.sent_at[message_id],
            original_id,
            deliveries=(previous.deliveries + 1) if previous else 1,
        )
        conn.frames_sent += 1
        if conn.silent:
            return  # swallowed by the dead path; redelivery may bring it back
        try:
            await conn.ws.send_str(json.dumps(self._frame("CALLBACK", topic, data, message_id), ensure_ascii=False))
        except (ConnectionError, RuntimeError):
            pass

    async def send_burst(
        self, payloads: list[dict[str, Any]], topic: str = ROBOT_TOPIC, *, rate: float | None = None, burst: int = 30
    ) -> list[str]:
        """Push frames back to back, or at `rate` per second in bursts of `burst`; returns their messageIds."""
        ids = []
        started = time.monotonic()
        for i, payload in enumerate(payloads):
            ids.append(await self.send_callback(payload, topic))
            if rate and i % burst == burst - 1:
                await asyncio.sleep(max(0.0, started + (i + 1) / rate - time.monotonic()))
            elif i % 50 == 49:
                await asyncio.sleep(0)
        return ids

    async def _flush_queue(self) -> None:
        while self.queue and self.live_connection() is not None:
            topic, data, original_id = self.queue.popleft()
            await self._deliver(topic, data, self._new_message_id(), original_id)

    async def send_raw(self, text: str, conn: FakeConnection | None = None) -> None:
        """Send anything (malformed frames included) on a connection."""
        conn = conn or self.live_connection()
        assert conn is not None, "no live connection"
        await conn.ws.send_str(text)

    async def ping(self, conn: FakeConnection | None = None) -> str:
        conn = conn or self.live_connection()
        assert conn is not None, "no live connection"
        message_id = self._new_message_id()
        self.pending[message_id] = PendingFrame(message_id, "ping", {}, time.monotonic(), message_id)
        self.delivered[message_id] = [message_id]
        await conn.ws.send_str(json.dumps(self._frame("SYSTEM", "ping", {"opaque": message_id}, message_id)))
        return message_id

    async def disconnect(self, conn: FakeConnection | None = None) -> FakeConnection:
        conn = conn or self.live_connection()
        assert conn is not None, "no live connection"
        conn.draining = True
        message_id = self._new_message_id()
        await conn.ws.send_str(
            json.dumps(self._frame("SYSTEM", "disconnect", {"reason": "persistent connection is timeout"}, message_id))
        )

        async def close_later() -> None:
            await asyncio.sleep(self.disconnect_grace)
            await conn.ws.close()

        self._spawn(close_later())
        return conn

    def go_silent(self, conn: FakeConnection | None = None) -> FakeConnection:
        conn = conn or self.live_connection()
        assert conn is not None, "no live connection"
        conn.silent = True
        return conn

    async def _redelivery_loop(self) -> None:
        while True:
            await asyncio.sleep(0.05)
            if not self.redeliver_after:
                continue
            cutoff = time.monotonic() - self.redeliver_after
            overdue = [p for p in list(self.pending.values()) if p.sent_at < cutoff and p.topic != "ping"]
            for frame in overdue:
                if self.pending.pop(frame.message_id, None) is None:
                    continue
                if self.live_connection() is None:
                    self.pending[frame.message_id] = frame  # try again once someone is connected
                    continue
                self.redeliveries += 1
                await self._deliver(frame.topic, frame.data, self._new_message_id(), frame.original_id)

    async def _ping_loop(self) -> None:
        while True:
            await asyncio.sleep(self.ping_interval or 1)
            conn = self.live_connection()
            if conn is not None and not conn.silent:
                try:
                    await self.ping(conn)
                except (ConnectionError, RuntimeError):
                    pass

    async def wait_for_connections(self, count: int, timeout: float = 5.0) -> None:
        """Wait until `count` connections were opened in total and the newest is live."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.connections) >= count and self.live_connection() is not None:
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"expected {count} connections, got {len(self.connections)}")

    async def wait_acked(self, message_id: str, timeout: float = 5.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while message_id not in self.acks:
            self._ack_event.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"frame {message_id} was not ACKed")
            try:
                await asyncio.wait_for(self._ack_event.wait(), remaining)
            except asyncio.TimeoutError:
                pass
        return self.acks[message_id]

    # --- payload builders --------------------------------------------------------------------

    def new_session(self, ttl_ms: int = 5_400_000) -> tuple[str, int]:
        session = uuid.uuid4().hex
        expires = now_ms() + ttl_ms
        self.sessions[session] = expires
        return f"{self.base_url}/robot/sendBySession?session={session}", expires

    def robot_message(
        self,
        text: str | None = "你好",
        *,
        msg_id: str | None = None,
        staff_id: str = "manager001",
        nick: str = "王经理",
        group: bool = False,
        conversation_id: str | None = None,
        msgtype: str = "text",
        content: dict[str, Any] | None = None,
        session_ttl_ms: int = 5_400_000,
    ) -> dict[str, Any]:
        """A robot message as DingTalk sends it (rust-captures / dt-stream-node shapes)."""
        webhook, expires = self.new_session(session_ttl_ms)
        created = now_ms()
        payload: dict[str, Any] = {
            "senderPlatform": "Mac",
            "conversationId": conversation_id
            or ("cidGROUP" + uuid.uuid4().hex[:16] + "==" if group else "cidSINGLE" + staff_id + "=="),
            "chatbotCorpId": "dingcorp0001",
            "chatbotUserId": "$:LWCP_v1:$botuserid",
            "msgId": msg_id or f"msg{uuid.uuid4().hex[:20]}==",
            "senderNick": nick,
            "isAdmin": False,
            "senderStaffId": staff_id,
            "sessionWebhookExpiredTime": expires,
            "createAt": created,
            "senderCorpId": "dingcorp0001",
            "conversationType": "2" if group else "1",
            "senderId": f"$:LWCP_v1:${staff_id}",
            "sessionWebhook": webhook,
            "robotCode": self.client_id,
            "msgtype": msgtype,
        }
        if msgtype == "text":
            payload["text"] = {"content": (" " + text) if group else text}
        if content is not None:
            payload["content"] = content
        if group:
            payload["conversationTitle"] = "华东销售群"
            payload["isInAtList"] = True
            payload["atUsers"] = [{"dingtalkId": "$:LWCP_v1:$botuserid"}]
        return payload

    def picture_message(self, download_code: str, **kw) -> dict[str, Any]:
        """A picture sent to the robot: content.downloadCode + pictureDownloadCode (rust-captures
        cb_msg_picture.json, in the protocol reference)."""
        content = {"downloadCode": download_code, "pictureDownloadCode": download_code}
        return self.robot_message(None, msgtype="picture", content=content, **kw)

    def audio_message(
        self, *, recognition: str | None = None, download_code: str | None = None, duration: int = 4200, **kw
    ) -> dict[str, Any]:
        """A voice note: content {duration, downloadCode, recognition}. The reference marks the shape [S]
        (three independent codebases agree). Yancy1028/Jusoft.DingtalkStream
        Jusoft.DingtalkStream.Robot/ReceivedRobotMessage.AudioContent.cs documents the same three keys:
        Duration in ms ("有可能性不返回"), DownloadCode for messageFiles/download, Recognition ("语音识别后的
        文本"), which is DingTalk's own transcript and may be missing."""
        content: dict[str, Any] = {"duration": duration, "downloadCode": download_code or uuid.uuid4().hex}
        if recognition is not None:
            content["recognition"] = recognition
        return self.robot_message(None, msgtype="audio", content=content, **kw)

    def add_file(self, content: bytes, download_code: str | None = None) -> str:
        code = download_code or uuid.uuid4().hex
        self.files[code] = (uuid.uuid4().hex, content)
        return code

    def card_press(
        self,
        out_track_id: str,
        user_id: str,
        action: str,
        params: dict[str, Any] | None = None,
        nesting: str = "inside",
    ) -> dict[str, Any]:
        """A card button press; `nesting` puts params inside cardPrivateData (captures) or beside it (docs)."""
        params = {"action": action, **(params or {})}
        if nesting == "inside":
            content = {"cardPrivateData": {"actionIds": [action], "params": params}}
        else:
            content = {"cardPrivateData": {"actionIds": [action]}, "params": params}
        return {
            "type": "actionCallback",
            "outTrackId": out_track_id,
            "corpId": "dingcorp0001",
            "userId": user_id,
            "content": json.dumps(content, ensure_ascii=False),
            "extension": "{}",
        }

    # --- OpenAPI -----------------------------------------------------------------------------

    async def _access_token(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("appKey") != self.client_id or body.get("appSecret") != self.client_secret:
            return web.json_response(
                {"requestid": "fake", "code": "invalidClientIdOrSecret", "message": "无效的clientId或者clientSecret"},
                status=400,
            )
        token = uuid.uuid4().hex
        self.valid_tokens.add(token)
        self.tokens_issued += 1
        return web.json_response({"accessToken": token, "expireIn": self.token_ttl})

    async def _robot_send(self, request: web.Request) -> web.Response:
        if (error := self._auth_error(request)) is not None:
            return error
        body = await request.json()
        if body.get("robotCode") != self.client_id:
            return web.json_response({"code": "invalidParameter.robotCode", "message": "robotCode不存在"}, status=400)
        try:
            param = json.loads(body["msgParam"])
        except (KeyError, TypeError, ValueError):
            return web.json_response({"code": "invalidParameter", "message": "msgParam不是合法的JSON"}, status=400)
        self.robot_sends.append({"path": request.path, "body": body, "param": param, "at": time.monotonic()})
        self._sent_event.set()
        return web.json_response({"processQueryKey": uuid.uuid4().hex})

    async def _session_webhook(self, request: web.Request) -> web.Response:
        session = request.query.get("session", "")
        body = await request.json()
        expires = self.sessions.get(session)
        if expires is None:
            return web.json_response({"errcode": 300001, "errmsg": "session不存在"})
        if expires < now_ms():
            return web.json_response({"errcode": 300001, "errmsg": "session已过期"})
        self.webhook_sends.append({"session": session, "body": body, "at": time.monotonic()})
        self._sent_event.set()
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _file_download_url(self, request: web.Request) -> web.Response:
        if (error := self._auth_error(request)) is not None:
            return error
        body = await request.json()
        item = self.files.get(body.get("downloadCode", ""))
        if item is None:
            return web.json_response(
                {"code": "invalidParameter.downloadCode", "message": "downloadCode无效"}, status=400
            )
        return web.json_response({"downloadUrl": f"{self.base_url}/files/{item[0]}"})

    async def _file_content(self, request: web.Request) -> web.Response:
        for token, content in self.files.values():
            if token == request.match_info["token"]:
                return web.Response(body=content, content_type="application/octet-stream")
        return web.Response(status=404)

    async def _card_create(self, request: web.Request) -> web.Response:
        if (error := self._auth_error(request)) is not None:
            return error
        body = await request.json()
        out_track_id = body.get("outTrackId")
        if not out_track_id or not body.get("cardTemplateId"):
            return web.json_response(
                {"code": "invalidParameter", "message": "缺少outTrackId或cardTemplateId"}, status=400
            )
        self.cards[out_track_id] = {
            "template": body["cardTemplateId"],
            "params": dict(body.get("cardData", {}).get("cardParamMap", {})),
            "open_space_id": body.get("openSpaceId"),
            "delivered": request.path.endswith("createAndDeliver"),
            "body": body,
            "updates": [],
            "streams": [],
        }
        self._sent_event.set()
        return web.json_response(
            {
                "success": True,
                "result": {
                    "outTrackId": out_track_id,
                    "deliverResults": [{"spaceType": "IM", "spaceId": body.get("openSpaceId", ""), "success": True}],
                },
            }
        )

    async def _card_deliver(self, request: web.Request) -> web.Response:
        if (error := self._auth_error(request)) is not None:
            return error
        body = await request.json()
        card = self.cards.get(body.get("outTrackId", ""))
        if card is None:
            return web.json_response({"code": "param.cardNotExist", "message": "卡片不存在"}, status=400)
        card["delivered"] = True
        card["open_space_id"] = body.get("openSpaceId")
        return web.json_response({"success": True, "result": []})

    async def _card_update(self, request: web.Request) -> web.Response:
        if (error := self._auth_error(request)) is not None:
            return error
        body = await request.json()
        card = self.cards.get(body.get("outTrackId", ""))
        if card is None:
            return web.json_response({"code": "param.cardNotExist", "message": "卡片不存在"}, status=400)
        params = body.get("cardData", {}).get("cardParamMap", {})
        if body.get("cardUpdateOptions", {}).get("updateCardDataByKey"):
            card["params"].update(params)
        else:
            card["params"] = dict(params)
        card["updates"].append(params)
        self._sent_event.set()
        return web.json_response({"success": True, "result": True})

    async def _card_streaming(self, request: web.Request) -> web.Response:
        if (error := self._auth_error(request)) is not None:
            return error
        body = await request.json()
        card = self.cards.get(body.get("outTrackId", ""))
        if card is None:
            return web.json_response({"code": "param.cardNotExist", "message": "卡片不存在"}, status=400)
        if card["streams"] and card["streams"][-1].get("isFinalize"):
            return web.json_response({"code": "param.streamFinished", "message": "流式更新已结束"}, status=400)
        card["streams"].append(body)
        key = body.get("key", "")
        previous = card.setdefault("streamed", {}).get(key, "")
        card["streamed"][key] = body.get("content", "") if body.get("isFull") else previous + body.get("content", "")
        self._sent_event.set()
        return web.json_response({"success": True, "result": True})

    async def _user_get(self, request: web.Request) -> web.Response:
        if (error := self._auth_error(request)) is not None:
            return error
        body = await request.json()
        user = self.users.get(body.get("userid", ""))
        if user is None:
            return web.json_response({"errcode": 60121, "errmsg": "找不到该用户"})
        return web.json_response({"errcode": 0, "errmsg": "ok", "result": user})

    async def _department_get(self, request: web.Request) -> web.Response:
        if (error := self._auth_error(request)) is not None:
            return error
        body = await request.json()
        name = self.departments.get(int(body.get("dept_id", 0)))
        if name is None:
            return web.json_response({"errcode": 60003, "errmsg": "部门不存在"})
        return web.json_response({"errcode": 0, "errmsg": "ok", "result": {"dept_id": body["dept_id"], "name": name}})

    async def wait_for(self, predicate, timeout: float = 5.0) -> None:
        """Wait until predicate() is true (checked after every send the fake records, and every 20 ms)."""
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("condition not reached in time")
            self._sent_event.clear()
            try:
                await asyncio.wait_for(self._sent_event.wait(), min(remaining, 0.02))
            except asyncio.TimeoutError:
                pass
