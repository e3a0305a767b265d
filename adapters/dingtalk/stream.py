"""DingTalk stream mode on top of the official `dingtalk-stream` SDK, with what 0.24.3 lacks.

We keep the SDK's protocol pieces (Credential, topic registration, frame and ACK classes, the open-connection
request it builds) and replace its `start()` loop because of what the SDK and the server do:
  * `open_connection` posts with synchronous `requests` inside the loop -> we post with aiohttp;
  * `start()` swallows CancelledError and never returns -> `run()` stops on `stop()` or cancellation;
  * a silently dead socket (`await ws.ping()` hanging, laptop sleep, half-open TCP) is never noticed ->
    a watchdog closes the socket when nothing (no frame, no pong to our ping) arrived for `idle_timeout`;
  * after a `disconnect` frame the server stops delivering at once but keeps TCP open ~10 s -> we open
    the next connection immediately (make before break) and let the old socket drain in the background
    (its frames still in flight are ACKed on it first);
  * the SDK runs handlers one task per frame without a bound -> at most `max_in_flight` run at once.

ACK discipline: a CALLBACK frame is ACKed only after its handler returned, i.e. after the message is
in the ledger (`app.receive`: one group-committed INSERT; a duplicate returns as well). DingTalk never
redelivers an ACKed frame, so ACKing before the ledger loses the message when the claim then fails (the
database is cut) or the process dies (SIGKILL). If the handler raises, the frame is not ACKed at all:
an un-ACKed frame is redelivered (field reports: after about 60 s; the fake gateway in tests after
`redeliver_after`), while what DingTalk does with a 500 ACK for a robot message is not documented
(its stream protocol documentation lists the ACK codes, not their effect), so an error ACK could lose the message too.
Frames are handled concurrently (one task each), so a slow claim never holds up the reader or the ACKs
of other frames; pings and malformed frames are answered at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import platform
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable
from urllib.parse import quote_plus

import aiohttp
import dingtalk_stream
import websockets
from cachetools import TTLCache
from dingtalk_stream.frames import AckMessage, CallbackMessage, Headers, SystemMessage
from dingtalk_stream.version import VERSION_STRING

log = logging.getLogger(__name__)

ROBOT_TOPIC = dingtalk_stream.ChatbotMessage.TOPIC  # /v1.0/im/bot/messages/get
CARD_TOPIC = dingtalk_stream.Card_Callback_Router_Topic  # /v1.0/card/instances/callback

#: a topic handler gets the decoded `data` and the frame headers; the frame is ACKed once it returns
#: (whatever it returns), and not at all if it raises (the platform redelivers it)
TopicHandler = Callable[[dict[str, Any], Headers], Awaitable[Any]]
#: validates the payload before the ACK (pure, fast); raises ValueError to ACK with 400
PayloadCheck = Callable[[Any], Any]


class _Registered(dingtalk_stream.CallbackHandler):
    """A topic registration as the SDK expects it (so `subscriptions` is built by the SDK's own rules)."""

    def __init__(self, handler: TopicHandler, check: PayloadCheck | None):
        super().__init__()
        self.handler = handler
        self.check = check


@dataclass
class StreamStats:
    connects: int = 0
    reconnects_after_disconnect: int = 0
    reconnects_after_idle: int = 0
    reconnects_after_error: int = 0
    frames: int = 0
    acked: int = 0
    rejected: int = 0
    unacked: int = 0  # handler failed (e.g. the ledger claim): left un-ACKed for the platform to redeliver
    in_flight: int = 0  # frames read, handler not done yet
    duplicates_dropped: int = 0
    last_frame_at: float = 0.0
    state: str = "stopped"
    last_error: str = ""
    # seconds from reading a frame to its ACK leaving, last 10 000 frames (what DingTalk waits for)
    ack_delays: deque = field(default_factory=lambda: deque(maxlen=10_000))

    def ack_ms(self, q: float) -> float | None:
        if not self.ack_delays:
            return None
        values = sorted(self.ack_delays)
        return round(values[min(len(values) - 1, int(q * (len(values) - 1)))] * 1000, 2)


class _RecentIds(TTLCache):
    """msgIds seen in the last `ttl` seconds: a cheap first filter before the ledger (which is the truth).
    Past `limit` ids the least recently used are forgotten first."""

    def __init__(self, ttl: float = 600.0, limit: int = 20000):
        super().__init__(maxsize=limit, ttl=ttl)

    def add(self, key: str) -> None:
        self[key] = True


class StreamClient(dingtalk_stream.DingTalkStreamClient):
    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        http: aiohttp.ClientSession,
        endpoint: str = "https://api.dingtalk.com",
        idle_timeout: float = 60.0,
        keepalive_interval: float | None = None,
        max_backoff: float = 30.0,
        max_in_flight: int = 200,
    ):
        super().__init__(dingtalk_stream.Credential(client_id, client_secret), logger=log)
        self.http = http
        self.endpoint = endpoint.rstrip("/")
        self.idle_timeout = idle_timeout
        # our own ws ping: a pong proves the path is alive even when the server has nothing to say
        self.keepalive_interval = keepalive_interval if keepalive_interval is not None else max(idle_timeout / 3, 0.05)
        self.max_backoff = max_backoff
        # the server keeps a disconnected socket open ~10 s: ACKs of frames read on it may still go out
        self.disconnect_linger = 8.0
        self.stats = StreamStats()
        self.recent = _RecentIds()
        self._in_flight = asyncio.Semaphore(max_in_flight)
        self._tasks: dict[asyncio.Task, Any] = {}  # frame handler task -> the socket its ACK goes to
        self._stopping = asyncio.Event()
        self._connected = asyncio.Event()
        self._old_sockets: set[asyncio.Task] = set()
        self._run_task: asyncio.Task | None = None

    # --- registration ------------------------------------------------------------------------

    def register_topic(self, topic: str, handler: TopicHandler, check: PayloadCheck | None = None) -> None:
        self.register_callback_handler(topic, _Registered(handler, check))

    # --- the SDK's blocking paths, disabled ----------------------------------------------------

    def open_connection(self):  # pragma: no cover - guard
        raise RuntimeError("blocking open_connection is disabled; use open_connection_async")

    def get_access_token(self):  # pragma: no cover - guard
        raise RuntimeError("blocking get_access_token is disabled; use OpenApiClient.access_token")

    async def start(self):  # pragma: no cover - guard
        raise RuntimeError("use run(): the SDK's start() swallows cancellation and never stops")

    # --- connection --------------------------------------------------------------------------

    def _open_request(self, local_ip: str) -> dict[str, Any]:
        topics = [{"type": "CALLBACK", "topic": topic} for topic in self.callback_handler_map]
        return {
            "clientId": self.credential.client_id,
            "clientSecret": self.credential.client_secret,
            "subscriptions": topics,
            "ua": f"dingtalk-sdk-python/v{VERSION_STRING}-union",
            "localIp": local_ip,
        }

    async def open_connection_async(self) -> dict[str, Any] | None:
        url = f"{self.endpoint}/v1.0/gateway/connections/open"
        local_ip = await asyncio.to_thread(self.get_host_ip)
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": (
                f"DingTalkStream/1.0 SDK/{VERSION_STRING} Python/{platform.python_version()} "
                "(+https://github.com/open-dingtalk/dingtalk-stream-sdk-python)"
            ),
        }
        try:
            async with self.http.post(
                url, json=self._open_request(local_ip), headers=headers, timeout=aiohttp.ClientTimeout(total=10)
            ) as resp:
                text = await resp.text()
                if resp.status != 200:
                    self.stats.last_error = f"open connection HTTP {resp.status}: {text[:200]}"
                    log.error("dingtalk stream: %s", self.stats.last_error)
                    return None
                data = json.loads(text)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            self.stats.last_error = f"open connection failed: {exc!r}"
            log.error("dingtalk stream: %s", self.stats.last_error)
            return None
        if not isinstance(data, dict) or not data.get("endpoint") or not data.get("ticket"):
            self.stats.last_error = "open connection answer without endpoint/ticket"
            log.error("dingtalk stream: %s", self.stats.last_error)
            return None
        return data

    async def run(self) -> None:
        """Connect, serve, reconnect until `stop()` (or cancellation, which is honoured)."""
        self._stopping.clear()
        failures = 0
        try:
            while not self._stopping.is_set():
                self.stats.state = "connecting"
                connection = await self.open_connection_async()
                if connection is None:
                    failures += 1
                    await self._sleep_unless_stopping(self._backoff(failures))
                    continue
                uri = f"{connection['endpoint']}?ticket={quote_plus(connection['ticket'])}"
                try:
                    ws = await websockets.connect(
                        uri, ping_interval=None, close_timeout=1, max_queue=None, open_timeout=10, proxy=None
                    )
                except (OSError, asyncio.TimeoutError, websockets.exceptions.WebSocketException) as exc:
                    failures += 1
                    self.stats.last_error = f"websocket connect failed: {exc!r}"
                    log.error("dingtalk stream: %s", self.stats.last_error)
                    await self._sleep_unless_stopping(self._backoff(failures))
                    continue
                failures = 0
                self.stats.connects += 1
                reason = await self._serve(ws)
                # after `disconnect` the old socket still carries ACKs for a while: let its frames finish
                self._retire(ws, linger=self.disconnect_linger if reason == "disconnect" else 0.0)
                if reason == "error":
                    self.stats.reconnects_after_error += 1
                    await self._sleep_unless_stopping(self._backoff(1))
        finally:
            self.stats.state = "stopped"
            self._connected.clear()

    def _backoff(self, failures: int) -> float:
        return min(0.5 * 2 ** (failures - 1), self.max_backoff) * (1 + random.random() * 0.2)

    async def _sleep_unless_stopping(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            pass

    def _retire(self, ws, linger: float = 0.0) -> None:
        """Close an old socket without waiting on it: a dead peer would hold the close handshake."""

        async def close() -> None:
            try:
                pending = [task for task, sock in self._tasks.items() if sock is ws]
                if pending and linger > 0:
                    await asyncio.wait(pending, timeout=linger)
                await asyncio.wait_for(ws.close(), timeout=1.0)
            except Exception:  # noqa: BLE001 - the socket is being thrown away
                pass
            finally:
                transport = getattr(ws, "transport", None)
                if transport is not None:
                    transport.abort()

        task = asyncio.create_task(close())
        self._old_sockets.add(task)
        task.add_done_callback(self._old_sockets.discard)

    async def _serve(self, ws) -> str:
        """Read frames until the socket ends, the server says disconnect, or the watchdog fires."""
        self.websocket = ws
        self.stats.state = "connected"
        self.stats.last_frame_at = time.monotonic()
        self._connected.set()
        outcome: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        def finish(reason: str) -> None:
            if not outcome.done():
                outcome.set_result(reason)

        async def reader() -> None:
            try:
                async for raw in ws:
                    self.stats.last_frame_at = time.monotonic()
                    if await self._on_frame(ws, raw, time.perf_counter()) == "disconnect":
                        finish("disconnect")
                        return
                finish("closed")
            except websockets.exceptions.ConnectionClosed:
                finish("closed")
            except Exception as exc:  # noqa: BLE001 - never let one bad frame kill the client
                log.exception("dingtalk stream reader failed")
                self.stats.last_error = repr(exc)
                finish("error")

        async def keepalive() -> None:
            while True:
                await asyncio.sleep(self.keepalive_interval)
                try:
                    waiter = await ws.ping()
                    await asyncio.wait_for(waiter, timeout=self.idle_timeout)
                    self.stats.last_frame_at = time.monotonic()
                except (asyncio.TimeoutError, websockets.exceptions.ConnectionClosed):
                    return
                except Exception:  # noqa: BLE001
                    return

        async def watchdog() -> None:
            tick = min(max(self.idle_timeout / 10, 0.01), 1.0)
            while True:
                await asyncio.sleep(tick)
                if time.monotonic() - self.stats.last_frame_at > self.idle_timeout:
                    log.warning("dingtalk stream: nothing received for %.1fs; reconnecting", self.idle_timeout)
                    finish("idle")
                    return

        helpers = [asyncio.create_task(reader()), asyncio.create_task(keepalive()), asyncio.create_task(watchdog())]
        stop_waiter = asyncio.create_task(self._stopping.wait())
        try:
            await asyncio.wait([outcome, stop_waiter], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in helpers + [stop_waiter]:
                task.cancel()
            await asyncio.gather(*helpers, stop_waiter, return_exceptions=True)
            self._connected.clear()
        reason = outcome.result() if outcome.done() else "stopped"
        if reason == "disconnect":
            self.stats.reconnects_after_disconnect += 1
        elif reason == "idle":
            self.stats.reconnects_after_idle += 1
        log.info("dingtalk stream connection ended: %s", reason)
        return reason

    async def wait_connected(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(self._connected.wait(), timeout)

    async def stop(self, timeout: float = 5.0) -> None:
        """Let in-flight handlers finish and ACK while the socket is open (bounded), then stop and close.

        A frame whose handler does not finish in time is left un-ACKed: DingTalk redelivers it (to another
        replica), and the ledger drops it there if our claim did commit after all."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=max(0.5, timeout - 2.0))
        self._stopping.set()
        if self._run_task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._run_task), 2.0)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                self._run_task.cancel()
        if self._tasks:
            done, pending = await asyncio.wait(set(self._tasks), timeout=1.0)
            for task in pending:
                task.cancel()
        if self._old_sockets:
            done, pending = await asyncio.wait(set(self._old_sockets), timeout=1.5)
            for task in pending:  # still lingering for ACKs: close now
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=0.5)

    def start_background(self) -> asyncio.Task:
        self._run_task = asyncio.create_task(self.run(), name="dingtalk-stream")
        return self._run_task

    # --- frames ------------------------------------------------------------------------------

    async def _ack(
        self, ws, message_id: str | None, code: int, message: str, data: Any, read_at: float | None = None
    ) -> None:
        if not message_id:
            return
        ack = AckMessage()
        ack.code = code
        ack.headers.message_id = message_id
        ack.headers.content_type = Headers.CONTENT_TYPE_APPLICATION_JSON
        ack.message = message
        ack.data = data
        try:
            await ws.send(json.dumps(ack.to_dict(), ensure_ascii=False))
        except websockets.exceptions.ConnectionClosed:
            log.warning("dingtalk stream: socket closed before ACK of %s", message_id)
            return
        if read_at is not None:
            self.stats.ack_delays.append(time.perf_counter() - read_at)
        if code == AckMessage.STATUS_OK:
            self.stats.acked += 1
        else:
            self.stats.rejected += 1

    async def _on_frame(self, ws, raw: Any, read_at: float | None = None) -> str | None:
        self.stats.frames += 1
        try:
            frame = json.loads(raw)
            if not isinstance(frame, dict) or not isinstance(frame.get("headers"), dict):
                raise ValueError("frame without headers")
        except (ValueError, TypeError) as exc:
            self.stats.rejected += 1
            log.error("dingtalk stream: unreadable frame dropped (%s): %.200r", exc, raw)
            return None
        message_id = frame["headers"].get("messageId")
        frame_type = frame.get("type")
        try:
            if frame_type == SystemMessage.TYPE:
                msg = SystemMessage.from_dict(frame)
                # ping: echo the opaque; disconnect: ACK (as the SDK does) and reconnect at once
                await self._ack(ws, message_id, AckMessage.STATUS_OK, "OK", msg.data)
                if msg.headers.topic == SystemMessage.TOPIC_DISCONNECT:
                    log.info("dingtalk stream: server asked to disconnect: %s", msg.data)
                    return "disconnect"
                return None
            if frame_type == CallbackMessage.TYPE:
                msg = CallbackMessage.from_dict(frame)
                registered = self.callback_handler_map.get(msg.headers.topic)
                if registered is None:
                    await self._ack(
                        ws, message_id, AckMessage.STATUS_NOT_IMPLEMENT, "unknown topic", {"response": None}
                    )
                    log.warning("dingtalk stream: callback on unregistered topic %s", msg.headers.topic)
                    return None
                if registered.check is not None:
                    registered.check(msg.data)
                self._spawn(self._handle_then_ack(ws, registered, msg, message_id, read_at), ws)
                return None
            # EVENT frames: we subscribe to none, but never leave the server waiting
            await self._ack(ws, message_id, AckMessage.STATUS_OK, "OK", {"status": "SUCCESS", "message": "ignored"})
            return None
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            log.error("dingtalk stream: malformed %s frame %s rejected: %s", frame_type, message_id, exc)
            await self._ack(ws, message_id, AckMessage.STATUS_BAD_REQUEST, f"bad payload: {exc}", {"response": None})
            return None

    async def _handle_then_ack(
        self, ws, registered: _Registered, msg: CallbackMessage, message_id: str | None, read_at: float | None
    ) -> None:
        self.stats.in_flight += 1
        try:
            async with self._in_flight:
                await registered.handler(msg.data, msg.headers)
        except Exception:  # noqa: BLE001 - not ACKed: DingTalk redelivers the frame
            self.stats.unacked += 1
            log.exception("dingtalk stream: handler failed for frame %s; left un-ACKed for redelivery", message_id)
            return
        finally:
            self.stats.in_flight -= 1
        await self._ack(ws, message_id, AckMessage.STATUS_OK, "OK", {"response": None}, read_at)

    def _spawn(self, work: Awaitable[None], ws) -> None:
        task = asyncio.create_task(work)
        self._tasks[task] = ws
        task.add_done_callback(lambda t: self._tasks.pop(t, None))


class StreamThread:
    """Runs a StreamClient in its own thread and event loop.

    Why: the app's loop runs the turns (ORM work, agent parsing); under a burst its ready queue holds
    hundreds of callbacks, and a reader sharing that loop answers only once per round (measured: p50
    400 ms for a 300-message burst). In its own loop the reader keeps reading frames, answering pings and
    sending ACKs whatever the app is doing. Handlers are forwarded to the app's loop with
    `run_coroutine_threadsafe`, and a callback's ACK leaves once its handler (the ledger claim) finished
    there: that claim, not the reader, sets the ACK latency.
    """

    def __init__(self, build: Callable[[aiohttp.ClientSession], StreamClient], name: str = "dingtalk-stream"):
        self._build = build
        self.client: StreamClient | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)

    @property
    def stats(self) -> StreamStats:
        return self.client.stats if self.client is not None else StreamStats()

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self.loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve())
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            self._ready.set()

    async def _serve(self) -> None:
        self._done = asyncio.Event()
        async with aiohttp.ClientSession() as http:
            self.client = self._build(http)
            task = self.client.start_background()
            self._ready.set()
            await self._done.wait()  # set by _stop_inside once the client has wound down
            if not task.done():
                task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _stop_inside(self, timeout: float) -> None:
        try:
            await self.client.stop(timeout)
        finally:
            self._done.set()

    async def start(self) -> None:
        self._thread.start()
        await asyncio.to_thread(self._ready.wait, 10)
        if self.client is None:
            raise RuntimeError("dingtalk stream thread did not start")

    async def _call(self, coro, timeout: float) -> Any:
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return await asyncio.wait_for(asyncio.wrap_future(future), timeout)

    async def wait_connected(self, timeout: float = 10.0) -> None:
        await self._call(self.client.wait_connected(timeout), timeout + 1)

    async def stop(self, timeout: float = 5.0) -> None:
        if self.client is not None and self.loop is not None and self.loop.is_running():
            try:
                await self._call(self._stop_inside(timeout), timeout + 6)
            except (asyncio.TimeoutError, RuntimeError):
                log.warning("dingtalk stream did not stop in %.0fs", timeout)
                self.loop.call_soon_threadsafe(self._done.set)
        await asyncio.to_thread(self._thread.join, timeout)


def forward_to(loop: asyncio.AbstractEventLoop, handler: TopicHandler, pending: set) -> TopicHandler:
    """A topic handler for the stream thread that runs `handler` on the app's loop and returns its result
    (or raises its error) there, so the stream thread ACKs only once the app's work is done."""

    async def forward(data: dict[str, Any], headers: Headers) -> Any:
        future = asyncio.run_coroutine_threadsafe(handler(data, headers), loop)
        pending.add(future)
        future.add_done_callback(pending.discard)
        return await asyncio.wrap_future(future)

    return forward
