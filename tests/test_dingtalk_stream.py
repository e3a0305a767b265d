"""Stream client against the fake gateway: ACKs, malformed frames, watchdog, reconnects, shutdown, loop stalls."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest

from adapters.dingtalk.parsing import parse_robot_message
from adapters.dingtalk.stream import CARD_TOPIC, ROBOT_TOPIC, StreamClient
from tests.fakes.dingtalk import FakeDingTalk


class Recorder:
    def __init__(self):
        self.payloads: list[dict] = []
        self.event = asyncio.Event()

    async def __call__(self, data, headers):
        self.payloads.append(data)
        self.event.set()

    def msg_ids(self) -> list[str]:
        return [p.get("msgId") for p in self.payloads]

    async def wait_count(self, n: int, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.payloads) < n:
            self.event.clear()
            left = deadline - time.monotonic()
            assert left > 0, f"got {len(self.payloads)} payloads, wanted {n}"
            try:
                await asyncio.wait_for(self.event.wait(), left)
            except asyncio.TimeoutError:
                pass


@pytest.fixture
async def fake():
    gateway = FakeDingTalk(redeliver_after=None)
    await gateway.start()
    yield gateway
    await gateway.close()


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


def started_robot_client(fake: FakeDingTalk, http, handler) -> StreamClient:
    """A client whose robot topic runs `handler`, connecting in the background."""
    client = StreamClient(fake.client_id, fake.client_secret, http=http, endpoint=fake.base_url, idle_timeout=5)
    client.register_topic(ROBOT_TOPIC, handler)
    client.start_background()
    return client


def make_client(fake: FakeDingTalk, http, recorder: Recorder, **kw) -> StreamClient:
    client = StreamClient(fake.client_id, fake.client_secret, http=http, endpoint=fake.base_url, **kw)
    client.register_topic(ROBOT_TOPIC, recorder, check=parse_robot_message)
    client.register_topic(CARD_TOPIC, recorder)
    return client


async def test_open_connection_subscribes_topics_and_acks_at_once(fake, http):
    recorder = Recorder()
    client = make_client(fake, http, recorder, idle_timeout=5)
    client.start_background()
    try:
        await fake.wait_for_connections(1)
        body = fake.open_requests[0]
        assert body["clientId"] == fake.client_id and body["clientSecret"] == fake.client_secret
        topics = {(s["type"], s["topic"]) for s in body["subscriptions"]}
        assert topics == {("CALLBACK", ROBOT_TOPIC), ("CALLBACK", CARD_TOPIC)}
        assert body["ua"].startswith("dingtalk-sdk-python/v")

        ping_id = await fake.ping()
        ack = await fake.wait_acked(ping_id)
        assert ack["code"] == 200 and json.loads(ack["data"]) == {"opaque": ping_id}

        payload = fake.robot_message("客户嫌贵怎么回")
        mid = await fake.send_callback(payload)
        ack = await fake.wait_acked(mid)
        assert ack["code"] == 200 and ack["headers"]["messageId"] == mid
        assert json.loads(ack["data"]) == {"response": None}
        await recorder.wait_count(1)
        assert recorder.payloads[0]["msgId"] == payload["msgId"]
    finally:
        await client.stop()


async def test_ack_waits_for_the_handler_and_frames_are_handled_concurrently(fake, http):
    """The ACK says "in the ledger": it goes only after the handler returned, and a slow handler holds
    up nothing but its own frame's ACK."""
    release = asyncio.Event()
    running = []

    async def slow(data, headers):
        running.append(data["msgId"])
        await release.wait()

    client = started_robot_client(fake, http, slow)
    try:
        await fake.wait_for_connections(1)
        mids = [await fake.send_callback(fake.robot_message(f"m{i}")) for i in range(5)]
        deadline = time.monotonic() + 2
        while len(running) < 5:  # all five in their handlers at once: not one after the other
            assert time.monotonic() < deadline, f"only {len(running)} handlers started"
            await asyncio.sleep(0.01)
        ping_id = await fake.ping()  # the reader still answers the server while handlers wait
        assert (await fake.wait_acked(ping_id, timeout=1))["code"] == 200
        await asyncio.sleep(0.2)
        assert not any(mid in fake.acks for mid in mids)
        assert client.stats.in_flight == 5
        release.set()
        for mid in mids:
            assert (await fake.wait_acked(mid, timeout=2))["code"] == 200
        assert len(client.stats.ack_delays) == 5 and min(client.stats.ack_delays) >= 0.2
        assert client.stats.ack_ms(0.5) >= 200 and client.stats.in_flight == 0
    finally:
        release.set()
        await client.stop()


async def test_a_failed_handler_leaves_the_frame_unacked_for_redelivery(http):
    fake = FakeDingTalk(redeliver_after=0.3)
    await fake.start()
    calls = []

    async def flaky(data, headers):
        calls.append(headers.message_id)
        if len(calls) == 1:
            raise RuntimeError("ledger claim failed")  # e.g. the database is cut

    client = started_robot_client(fake, http, flaky)
    try:
        await fake.wait_for_connections(1)
        payload = fake.robot_message("数据库断开时到的消息")
        first = await fake.send_callback(payload)
        await fake.wait_for(lambda: len(calls) == 2, timeout=3)  # the same data again, as a new frame
        second = calls[1]
        assert second != first and fake.original_of[second] == first
        assert (await fake.wait_acked(second))["code"] == 200
        assert first not in fake.acks  # never ACKed: an ACK would have told DingTalk to drop it
        assert client.stats.unacked == 1 and client.stats.acked == 1
        assert fake.redeliveries == 1 and not fake.pending
    finally:
        await client.stop()
        await fake.close()


async def test_gateway_redelivers_error_acked_frames_but_not_answered_ones(http):
    """The fake's side of the contract: a 500 ACK does not consume a frame (the reference lists the
    code, not its effect: an assumption), 200 and 400 do, and a late ACK of the first copy ends the
    delivery even after a redelivery went out."""
    fake = FakeDingTalk(redeliver_after=0.4)
    await fake.start()
    seen = []
    gate = asyncio.Event()

    async def held(data, headers):
        seen.append(headers.message_id)
        await gate.wait()

    client = started_robot_client(fake, http, held)
    try:
        await fake.wait_for_connections(1)
        first = await fake.send_callback(fake.robot_message("a"))
        await fake.wait_for(lambda: seen, timeout=2)
        fake._on_client_frame(
            json.dumps(
                {
                    "code": 500,
                    "headers": {"messageId": first},
                    "message": "busy",
                    "data": json.dumps({"response": None}),
                }
            )
        )
        assert fake.failed_acks == 1
        await fake.wait_for(lambda: len(seen) == 2, timeout=2)  # redelivered despite the (error) ACK
        gate.set()  # both handlers finish: both copies ACKed 200, the delivery is over
        await fake.wait_acked(seen[1])
        await asyncio.sleep(0.5)
        assert len(seen) == 2 and not fake.pending
    finally:
        gate.set()
        await client.stop()
        await fake.close()


async def test_malformed_frames_are_rejected_not_fatal(fake, http, caplog):
    recorder = Recorder()
    client = make_client(fake, http, recorder, idle_timeout=5)
    client.start_background()
    try:
        await fake.wait_for_connections(1)
        await fake.send_raw("this is not json")
        await fake.send_raw(json.dumps([1, 2, 3]))
        bad_data = {
            "specVersion": "1.0",
            "type": "CALLBACK",
            "headers": {"messageId": "bad-data", "topic": ROBOT_TOPIC, "contentType": "application/json"},
            "data": "{not json",
        }
        await fake.send_raw(json.dumps(bad_data))
        no_msgid = fake.robot_message("x")
        del no_msgid["msgId"]
        bad_payload = await fake.send_callback(no_msgid)
        unknown = await fake.send_callback({"a": 1}, topic="/v1.0/unknown/topic")

        assert (await fake.wait_acked("bad-data"))["code"] == 400
        ack = await fake.wait_acked(bad_payload)
        assert ack["code"] == 400 and "msgId" in ack["message"]
        assert (await fake.wait_acked(unknown))["code"] == 404
        # still alive and serving after all of that, on the same connection
        good = await fake.send_callback(fake.robot_message("正常消息"))
        assert (await fake.wait_acked(good))["code"] == 200
        await recorder.wait_count(1)
        assert len(fake.connections) == 1
        assert recorder.payloads[0]["text"]["content"] == "正常消息"
        assert client.stats.rejected >= 4
    finally:
        await client.stop()


async def test_reconnects_after_disconnect_and_loses_nothing(fake, http):
    recorder = Recorder()
    client = make_client(fake, http, recorder, idle_timeout=5)
    client.start_background()
    try:
        await fake.wait_for_connections(1)
        first = fake.live_connection()
        await fake.send_callback(fake.robot_message("before"))
        await fake.disconnect()
        # sent while we are between connections: the gateway queues it for the next one
        await fake.send_callback(fake.robot_message("between"))
        await fake.wait_for_connections(2)
        assert fake.live_connection() is not first
        await fake.send_callback(fake.robot_message("after"))
        await recorder.wait_count(3)
        texts = sorted(p["text"]["content"] for p in recorder.payloads)
        assert texts == ["after", "before", "between"]
        assert client.stats.reconnects_after_disconnect == 1
        assert len(fake.open_requests) == 2  # a fresh ticket for the new connection
    finally:
        await client.stop()


async def test_watchdog_heals_a_silent_socket(http):
    fake = FakeDingTalk(redeliver_after=0.3)
    await fake.start()
    recorder = Recorder()
    client = make_client(fake, http, recorder, idle_timeout=0.4)
    client.start_background()
    try:
        await fake.wait_for_connections(1)
        dead = fake.go_silent()
        # swallowed by the dead path, never ACKed: the gateway redelivers it once we are back
        lost = fake.robot_message("sent into the void")
        await fake.send_callback(lost)
        started = time.monotonic()
        await fake.wait_for_connections(2, timeout=5)
        healed_after = time.monotonic() - started
        assert fake.live_connection() is not dead
        assert client.stats.reconnects_after_idle == 1
        assert healed_after < 3.0
        await fake.send_callback(fake.robot_message("after heal"))
        await recorder.wait_count(2)
        assert sorted(p["text"]["content"] for p in recorder.payloads) == ["after heal", "sent into the void"]
    finally:
        await client.stop()
        await fake.close()


async def test_idle_but_healthy_connection_is_kept(fake, http):
    """Pongs to our own pings count as life: a quiet but healthy socket is not torn down."""
    recorder = Recorder()
    client = make_client(fake, http, recorder, idle_timeout=0.3)
    client.start_background()
    try:
        await fake.wait_for_connections(1)
        await asyncio.sleep(1.2)  # four idle windows without a single frame from the server
        assert len(fake.connections) == 1
        assert client.stats.reconnects_after_idle == 0
    finally:
        await client.stop()


async def test_stop_is_prompt_and_complete(fake, http):
    recorder = Recorder()
    client = make_client(fake, http, recorder, idle_timeout=5)
    task = client.start_background()
    await fake.wait_for_connections(1)
    started = time.monotonic()
    await client.stop()
    assert task.done() and time.monotonic() - started < 2
    await asyncio.sleep(0.1)
    assert fake.connections[0].closed


async def test_cancellation_is_honoured(fake, http):
    """The SDK's start() needed three cancels; ours stops on the first."""
    client = make_client(fake, http, Recorder(), idle_timeout=5)
    task = client.start_background()
    await fake.wait_for_connections(1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 2)


async def test_bad_credentials_back_off_without_crashing(fake, http):
    client = StreamClient(fake.client_id, "wrong-secret", http=http, endpoint=fake.base_url, idle_timeout=5)
    client.register_topic(ROBOT_TOPIC, Recorder())
    client.start_background()
    await asyncio.sleep(0.3)
    assert client.stats.connects == 0 and "400" in client.stats.last_error
    assert 1 <= len(fake.open_requests) <= 3  # backing off, not hammering
    await client.stop()


class StallMeter:
    """The longest gap between 5 ms ticks of the loop: what a blocking call inside it would cause."""

    def __init__(self):
        self.longest = 0.0
        self._task: asyncio.Task | None = None

    async def _tick(self):
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            self.longest = max(self.longest, now - last - 0.005)
            last = now

    def start(self):
        self._task = asyncio.create_task(self._tick())

    async def stop(self):
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


async def test_reconnect_never_stalls_the_loop(http):
    """The gateway runs in another thread and answers open-connection after 300 ms; the loop must not notice."""
    fake = FakeDingTalk(open_delay=0.3)
    fake.start_in_thread()
    meter = StallMeter()
    client = make_client(fake, http, Recorder(), idle_timeout=5)
    try:
        client.start_background()
        await client.wait_connected(5)
        meter.start()
        await fake.remote(fake.disconnect())
        deadline = time.monotonic() + 5
        while client.stats.connects < 2:
            assert time.monotonic() < deadline, "did not reconnect"
            await asyncio.sleep(0.01)
        await meter.stop()
        assert meter.longest < 0.1, f"loop stalled {meter.longest * 1000:.0f} ms during reconnect"

        # control: the SDK's own synchronous open_connection blocks the loop for the whole 300 ms
        import dingtalk_stream

        sdk = dingtalk_stream.DingTalkStreamClient(dingtalk_stream.Credential(fake.client_id, fake.client_secret))
        control = StallMeter()
        control.start()
        await asyncio.sleep(0.02)
        original = dingtalk_stream.DingTalkStreamClient.OPEN_CONNECTION_API
        dingtalk_stream.DingTalkStreamClient.OPEN_CONNECTION_API = fake.base_url + "/v1.0/gateway/connections/open"
        try:
            assert sdk.open_connection()["ticket"]
        finally:
            dingtalk_stream.DingTalkStreamClient.OPEN_CONNECTION_API = original
        await asyncio.sleep(0.02)
        await control.stop()
        assert control.longest >= 0.25
    finally:
        await client.stop()
        fake.stop_thread()
