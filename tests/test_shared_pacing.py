"""Platform send caps are per app, not per process: with Redis the WeCom per-member pacer and the DingTalk
OpenAPI pacers count over every replica (bot/locks.py); without Redis, or while it is unreachable, each
process paces on its own."""

from __future__ import annotations

import time
import uuid

import pytest

from adapters.dingtalk.api import OpenApiClient, Pacer, SharedPacer, shared_window
from adapters.wecom.pacing import RecipientPacer
from bot.adapter import TransientSendError
from bot.locks import SlidingWindowLimiter
from tests.services import TEST_REDIS_URL

needs_redis = pytest.mark.skipif(not TEST_REDIS_URL, reason="SALESBOT_TEST_REDIS_URL not set (scripts/ci_services.sh)")


async def test_local_reserve_says_how_long_to_wait_and_honours_a_cool_down():
    now = [100.0]
    limiter = SlidingWindowLimiter(limit=2, window=10, clock=lambda: now[0])
    assert [await limiter.reserve("a"), await limiter.reserve("a")] == [0.0, 0.0]
    assert await limiter.reserve("a") == pytest.approx(10.0)  # nothing taken: still two in the window
    assert await limiter.reserve("b") == 0.0
    now[0] += 4
    assert await limiter.reserve("a") == pytest.approx(6.0)
    now[0] += 6
    assert await limiter.reserve("a") == 0.0
    await limiter.cool_down("b", 3)
    assert await limiter.reserve("b") == pytest.approx(3.0)
    now[0] += 3
    assert await limiter.reserve("b") == 0.0


def test_rates_become_windows():
    assert shared_window(20) == (20, 1.0) and shared_window(5) == (5, 1.0)
    assert shared_window(0.5) == (1, 2.0)


async def test_pacer_falls_back_to_local_pacing_when_redis_is_unreachable():
    from bot.redis_kv import connect

    dead = connect("redis://127.0.0.1:1/0")  # nothing listens there
    try:
        limiter = SlidingWindowLimiter(limit=2, window=60, redis=dead, prefix="test:", name="pace")
        pacer = RecipientPacer(per_minute=2, window=60, max_wait=0.05, limiter=limiter)
        await pacer.acquire("u1")
        await pacer.acquire("u1")
        with pytest.raises(TransientSendError):  # the cap still holds, counted in this process
            await pacer.acquire("u1")

        client = OpenApiClient(None, client_id="app", client_secret="s", redis=dead, redis_prefix="test:")
        shared = client.pacer("api:/v1.0/robot/oToMessages/batchSend")
        assert isinstance(shared, SharedPacer)
        await shared.wait()
        await shared.cool_down(0.5)  # Redis away: the local pacer still cools down
        assert shared.local._next_free >= time.monotonic() + 0.4
    finally:
        await dead.aclose()


def test_no_redis_means_the_process_local_pacers():
    client = OpenApiClient(None, client_id="app", client_secret="s")
    assert isinstance(client.pacer("api:/x"), Pacer)
    assert RecipientPacer().limiter is None


@needs_redis
async def test_wecom_member_cap_is_shared_by_two_replicas():
    from bot.redis_kv import connect

    r1, r2 = connect(TEST_REDIS_URL), connect(TEST_REDIS_URL)
    prefix = f"test:{uuid.uuid4().hex[:8]}:"
    try:
        replicas = [
            RecipientPacer(
                per_minute=3,
                window=60,
                max_wait=0.05,
                limiter=SlidingWindowLimiter(limit=3, window=60, redis=r, prefix=prefix, name="wecom_pace:corp:1"),
            )
            for r in (r1, r2)
        ]
        await replicas[0].acquire("zhangsan")
        await replicas[1].acquire("zhangsan")
        await replicas[0].acquire("zhangsan")
        with pytest.raises(TransientSendError) as info:  # alone, replica 2 has sent only one
            await replicas[1].acquire("zhangsan")
        assert 55 < info.value.retry_after <= 60
        await replicas[1].acquire("lisi")  # another member has a window of their own
    finally:
        for r in (r1, r2):
            await r.aclose()


@needs_redis
async def test_dingtalk_api_rate_and_cool_down_are_shared_by_two_replicas():
    from bot.redis_kv import connect

    r1, r2 = connect(TEST_REDIS_URL), connect(TEST_REDIS_URL)
    prefix = f"test:{uuid.uuid4().hex[:8]}:"
    try:
        a, b = (
            OpenApiClient(None, client_id="dingapp", client_secret="s", rate_per_second=2, redis=r, redis_prefix=prefix)
            for r in (r1, r2)
        )
        bucket = "api:/v1.0/robot/oToMessages/batchSend"
        started = time.monotonic()
        await a.pacer(bucket).wait()
        await b.pacer(bucket).wait()
        assert time.monotonic() - started < 0.5
        await b.pacer(bucket).wait()  # the third call in one second, from either replica, waits for the window
        assert time.monotonic() - started >= 0.8

        await a.pacer("api:/v1.0/card/instances").cool_down(0.6)  # DingTalk told replica 1 "too fast"
        started = time.monotonic()
        await b.pacer("api:/v1.0/card/instances").wait()
        assert time.monotonic() - started >= 0.45
    finally:
        for r in (r1, r2):
            await r.aclose()


@needs_redis
async def test_adapters_use_the_shared_pacers_when_redis_is_configured(tmp_path):
    from tests.fakes.dingtalk import FakeDingTalk
    from tests.wecom_support import wecom_rig

    fake = FakeDingTalk()
    await fake.start()
    try:
        async with wecom_rig(
            tmp_path,
            DINGTALK_CLIENT_ID=fake.client_id,
            DINGTALK_CLIENT_SECRET=fake.client_secret,
            DINGTALK_OPENAPI_ENDPOINT=fake.base_url,
        ) as rig:
            assert rig.app.redis is not None
            assert rig.adapter.pacer.limiter is not None and rig.adapter.pacer.limiter.shared
            assert isinstance(rig.app.adapters["dingtalk"].api.pacer("api:/x"), SharedPacer)
    finally:
        await fake.close()
