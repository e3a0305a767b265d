"""DingTalk channel end to end: fake gateway + fake OpenAPI <-> stream client <-> App (ledger, dispatcher, outbox).

Offline mode (no LLM): replies come from slash commands and test-only capability handlers registered
through the core's registries, so every assertion is about the channel.
"""

from __future__ import annotations

import asyncio
import json
import time
from contextlib import asynccontextmanager

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import func, select

from adapters.dingtalk.signature import compute_sign
from adapters.dingtalk.stream import CARD_TOPIC
from bot.capabilities import ToolOutput
from bot.identity import set_staff_id
from bot.messages import Card, CardButton, InboundKind, Reply, Target
from bot.models import InboundMessage, PlatformIdentity, StaffUser
from tests.conftest import running_app
from tests.fakes.dingtalk import FakeDingTalk

REP = "dt_zhangwei"  # 张伟 (rep)
MANAGER = "dt_wangqiang"  # 王强 (manager)
CARD_TEMPLATE = "salesbot_card.schema"
AI_TEMPLATE = "382e4302-551d-4880-bf29-a30acfab2e71.schema"


@asynccontextmanager
async def dingtalk_app(tmp_path, fake: FakeDingTalk, *, start_stream: bool = True, **env):
    settings = {
        "DINGTALK_CLIENT_ID": fake.client_id,
        "DINGTALK_CLIENT_SECRET": fake.client_secret,
        "DINGTALK_OPENAPI_ENDPOINT": fake.base_url,
        "DINGTALK_CARD_TEMPLATE_ID": CARD_TEMPLATE,
        "DINGTALK_AI_CARD_TEMPLATE_ID": AI_TEMPLATE,
        "DINGTALK_STREAM_IDLE_TIMEOUT": "0.5",
        **env,
    }
    async with running_app(tmp_path, demo=False, **settings) as app:
        async with app.db.write() as s:
            rep = StaffUser(username="zhangwei", name="张伟", role="rep", team="华东组")
            manager = StaffUser(username="wangqiang", name="王强", role="manager", team="华东组")
            s.add_all([rep, manager])
            await s.flush()
            await set_staff_id(s, rep, "dingtalk", REP)
            await set_staff_id(s, manager, "dingtalk", MANAGER)
        adapter = app.adapters["dingtalk"]
        adapter.api.backoff_max = 0.05
        if start_stream:
            await adapter.start()
            await fake.wait_for_connections(1)
        yield app, adapter


@pytest.fixture
async def fake():
    gateway = FakeDingTalk()
    await gateway.start()
    yield gateway
    await gateway.close()


def session_of(payload: dict) -> str:
    return payload["sessionWebhook"].split("session=")[1]


def sends_to(fake: FakeDingTalk, payload: dict) -> list[dict]:
    return [s["body"] for s in fake.webhook_sends if s["session"] == session_of(payload)]


async def settle(app, fake: FakeDingTalk, until, timeout: float = 5.0) -> None:
    """Wait until the fake saw what we expect, then until the app has nothing in flight."""
    await fake.wait_for(until, timeout)
    await app.drain()


async def ledger_rows(app, msg_id: str) -> int:
    async with app.db.session() as s:
        return (
            await s.execute(select(func.count()).select_from(InboundMessage).where(InboundMessage.msg_id == msg_id))
        ).scalar_one()


# --- messages and dedup ------------------------------------------------------------------------


async def test_one_reply_per_msgid_under_redelivery(tmp_path, fake):
    async with dingtalk_app(tmp_path, fake) as (app, adapter):
        payload = fake.robot_message("/帮助", staff_id=REP)
        # the platform's retry arrives as new frames with the same msgId: concurrently and later
        frame_ids = await asyncio.gather(*(fake.send_callback(payload) for _ in range(3)))
        for frame_id in frame_ids:
            assert (await fake.wait_acked(frame_id))["code"] == 200
        await settle(app, fake, lambda: sends_to(fake, payload))
        await fake.send_callback(payload)
        adapter._recent = type(adapter._recent)()  # a restarted process: only the ledger remembers
        await fake.send_callback(payload)
        await asyncio.sleep(0.3)
        await app.drain()

        replies = sends_to(fake, payload)
        assert len(replies) == 1
        assert replies[0]["msgtype"] == "text" and "我能帮你做这些" in replies[0]["text"]["content"]
        assert await ledger_rows(app, payload["msgId"]) == 1
        assert fake.robot_sends == []  # a fresh webhook was used, not the OpenAPI


async def test_group_message_is_answered_in_the_group_at_the_sender(tmp_path, fake):
    async with dingtalk_app(tmp_path, fake) as (app, adapter):
        payload = fake.robot_message("/帮助", staff_id=REP, group=True)
        assert payload["text"]["content"] == " /帮助"  # as DingTalk sends it after the @mention
        await fake.send_callback(payload)
        await settle(app, fake, lambda: sends_to(fake, payload))
        body = sends_to(fake, payload)[0]
        assert body["at"] == {"atUserIds": [REP]}
        async with app.db.session() as s:
            row = (
                await s.execute(select(InboundMessage).where(InboundMessage.msg_id == payload["msgId"]))
            ).scalar_one()
        assert row.conversation_key == f"dingtalk:{payload['conversationId']}" and row.sender_id == REP
        assert row.text == "/帮助"


async def test_file_is_downloaded_and_handed_to_the_capability(tmp_path, fake, test_registries):
    card, kind, command = test_registries
    seen = []

    async def on_file(ctx):
        seen.append(ctx.inbound)
        att = ctx.inbound.attachments[0]
        return ToolOutput(f"收到《{att.name}》，{len(att.data)} 字节")

    kind(InboundKind.FILE, on_file)
    transcript = "会议纪要\n客户：华东机械\n预算：50 万\n下一步：下周三发报价".encode()
    async with dingtalk_app(tmp_path, fake) as (app, adapter):
        code = fake.add_file(transcript)
        payload = fake.robot_message(
            None,
            staff_id=REP,
            msgtype="file",
            content={"downloadCode": code, "fileId": "1", "fileName": "纪要.txt", "spaceId": "2"},
        )
        await fake.send_callback(payload)
        await settle(app, fake, lambda: sends_to(fake, payload))
        assert seen[0].kind is InboundKind.FILE and seen[0].attachments[0].data == transcript
        assert sends_to(fake, payload)[0]["text"]["content"] == f"收到《纪要.txt》，{len(transcript)} 字节"

        # a download that keeps failing: the user is told, nothing is written, a redelivery may try again
        broken = fake.robot_message(
            None, staff_id=REP, msgtype="file", content={"downloadCode": "no-such-code", "fileName": "坏文件.pdf"}
        )
        await fake.send_callback(broken)
        await settle(app, fake, lambda: sends_to(fake, broken))
        assert "再发一次" in sends_to(fake, broken)[0]["text"]["content"]
        assert await ledger_rows(app, broken["msgId"]) == 0


async def test_audio_recognition_becomes_the_text(tmp_path, fake):
    async with dingtalk_app(tmp_path, fake) as (app, adapter):
        payload = fake.robot_message(
            None, staff_id=REP, msgtype="audio", content={"duration": 1800, "downloadCode": "x", "recognition": "/帮助"}
        )
        await fake.send_callback(payload)
        await settle(app, fake, lambda: sends_to(fake, payload))
        assert "我能帮你做这些" in sends_to(fake, payload)[0]["text"]["content"]


async def test_unknown_colleague_is_created_from_the_directory(tmp_path, fake):
    fake.users["dt_newbie"] = {
        "userid": "dt_newbie",
        "name": "钱多多",
        "dept_id_list": [42],
        "mobile": "13900000000",
        "title": "客户经理",
    }
    fake.departments[42] = "华北组"
    async with dingtalk_app(tmp_path, fake) as (app, adapter):
        payload = fake.robot_message("/帮助", staff_id="dt_newbie", nick="钱多多")
        await fake.send_callback(payload)
        await settle(app, fake, lambda: sends_to(fake, payload))
        async with app.db.session() as s:
            user = (
                await s.execute(
                    select(StaffUser)
                    .join(PlatformIdentity)
                    .where(PlatformIdentity.platform == "dingtalk", PlatformIdentity.external_id == "dt_newbie")
                )
            ).scalar_one()
        assert (user.name, user.team, user.phone, user.role) == ("钱多多", "华北组", "13900000000", "rep")
        assert "我能帮你做这些" in sends_to(fake, payload)[0]["text"]["content"]


# --- connection healing ------------------------------------------------------------------------


async def test_reconnects_after_disconnect_and_silence_without_losing_messages(tmp_path):
    fake = FakeDingTalk(redeliver_after=0.4)
    await fake.start()
    try:
        async with dingtalk_app(tmp_path, fake) as (app, adapter):
            await fake.disconnect()
            await fake.wait_for_connections(2)
            after_disconnect = fake.robot_message("/帮助", staff_id=REP)
            await fake.send_callback(after_disconnect)

            fake.go_silent()
            swallowed = fake.robot_message("/帮助", staff_id=REP)
            await fake.send_callback(swallowed)  # lost on the dead socket, never ACKed
            await fake.wait_for_connections(3, timeout=5)
            after_silence = fake.robot_message("/帮助", staff_id=REP)
            await fake.send_callback(after_silence)

            everything = [after_disconnect, swallowed, after_silence]
            await settle(app, fake, lambda: all(sends_to(fake, p) for p in everything), timeout=8)
            await asyncio.sleep(0.5)  # room for any late redelivery to show up as a duplicate reply
            await app.drain()
            assert [len(sends_to(fake, p)) for p in everything] == [1, 1, 1]
            stats = adapter.stream.stats
            assert stats.reconnects_after_disconnect == 1 and stats.reconnects_after_idle == 1
            assert adapter.health()["state"] == "up"
    finally:
        await fake.close()


async def test_stop_closes_the_stream_promptly(tmp_path, fake):
    async with dingtalk_app(tmp_path, fake) as (app, adapter):
        stream = adapter.stream
        started = time.monotonic()
        await adapter.stop()
        assert time.monotonic() - started < 2 and stream.stats.state == "stopped"
        await asyncio.sleep(0.1)
        assert all(conn.closed for conn in fake.connections)


# --- replies after expiry and pushes -----------------------------------------------------------


async def test_reply_after_webhook_expiry_and_pushes_use_the_openapi(tmp_path, fake):
    async with dingtalk_app(tmp_path, fake) as (app, adapter):
        expired = fake.robot_message("/帮助", staff_id=REP, session_ttl_ms=-1000)
        await fake.send_callback(expired)
        await settle(app, fake, lambda: fake.robot_sends)
        send = fake.robot_sends[0]
        assert send["path"] == "/v1.0/robot/oToMessages/batchSend" and send["body"]["userIds"] == [REP]
        assert send["body"]["msgKey"] == "sampleText" and "我能帮你做这些" in send["param"]["content"]
        assert sends_to(fake, expired) == []

        group_expired = fake.robot_message("/帮助", staff_id=REP, group=True, session_ttl_ms=-1000)
        await fake.send_callback(group_expired)
        await settle(app, fake, lambda: len(fake.robot_sends) == 2)
        assert fake.robot_sends[1]["path"] == "/v1.0/robot/groupMessages/send"
        assert fake.robot_sends[1]["body"]["openConversationId"] == group_expired["conversationId"]

        # a push never takes a reply webhook, even while one is valid; a stale token is refreshed once
        fresh = fake.robot_message("/帮助", staff_id=REP)
        await fake.send_callback(fresh)
        await settle(app, fake, lambda: sends_to(fake, fresh))
        fake.invalidate_tokens()
        fake.fail_rate_limited("/v1.0/robot/oToMessages/batchSend")
        tokens_before = fake.tokens_issued
        await app.push(
            Target("dingtalk", user_id=REP),
            Reply("## 今日待办\n- 10:00 拜访华东机械", markdown=True, title="今日待办"),
            key="digest-1",
        )
        await settle(app, fake, lambda: len(fake.robot_sends) == 3)
        push = fake.robot_sends[2]
        assert push["body"]["msgKey"] == "sampleMarkdown" and push["param"]["title"] == "今日待办"
        assert fake.tokens_issued == tokens_before + 1
        assert len(sends_to(fake, fresh)) == 1

        await app.push(
            Target("dingtalk", conversation_id=group_expired["conversationId"]), Reply("周报已生成"), key="weekly-1"
        )
        await settle(app, fake, lambda: len(fake.robot_sends) == 4)
        assert fake.robot_sends[3]["body"]["openConversationId"] == group_expired["conversationId"]


async def test_webhook_rate_limit_and_5xx_are_retried_not_duplicated(tmp_path, fake):
    async with dingtalk_app(tmp_path, fake) as (app, adapter):
        payload = fake.robot_message("/帮助", staff_id=REP)
        fake.fail("/robot/sendBySession", 200, {"errcode": 660026, "errmsg": "sending too many messages per minute"})
        fake.fail("/robot/sendBySession", 502, {})
        await fake.send_callback(payload)
        await settle(app, fake, lambda: sends_to(fake, payload), timeout=8)
        await app.drain()
        assert len(sends_to(fake, payload)) == 1
        assert fake.robot_sends == []  # transient webhook trouble does not jump to another channel


# --- cards -------------------------------------------------------------------------------------


async def test_card_press_reaches_the_capability_and_updates_the_card(tmp_path, fake, test_registries):
    card, kind, command = test_registries
    presses = []

    async def on_press(ctx, action):
        presses.append((ctx.actor.name, action))
        decided = Card(
            action.card_id,
            "折扣审批",
            "华东机械 · 二期扩容 申请 8 折",
            status=("已同意" if action.action == "approve" else "已拒绝") + f" · {ctx.actor.name}",
        )
        return [Reply(card=decided, card_update=True), Reply(f"已处理：{decided.status}")]

    card("dttest", on_press)
    async with dingtalk_app(tmp_path, fake) as (app, adapter):
        approval = Card(
            "dttest-ap1",
            "折扣审批",
            "华东机械 · 二期扩容 申请 8 折",
            fields=[("申请人", "张伟"), ("金额", "48 万")],
            buttons=[CardButton("approve", "同意"), CardButton("reject", "拒绝", "danger")],
        )
        await app.push(Target("dingtalk", user_id=MANAGER), Reply(card=approval), key="approval-ap1")
        await settle(app, fake, lambda: "dttest-ap1" in fake.cards)
        sent = fake.cards["dttest-ap1"]
        assert sent["template"] == CARD_TEMPLATE and sent["open_space_id"] == f"dtv1.card//IM_ROBOT.{MANAGER}"
        assert sent["params"]["title"] == "折扣审批" and "**金额**：48 万" in sent["params"]["content"]
        assert json.loads(sent["params"]["buttons"])[0] == {"key": "approve", "label": "同意", "style": "primary"}

        press = fake.card_press("dttest-ap1", MANAGER, "approve", {"note": "可以"}, nesting="sibling")
        frame_ids = [await fake.send_callback(press, topic=CARD_TOPIC) for _ in range(2)]  # double-tap / retry
        for frame_id in frame_ids:
            assert (await fake.wait_acked(frame_id))["code"] == 200
        await settle(app, fake, lambda: sent["updates"] and fake.robot_sends)
        await asyncio.sleep(0.2)
        await app.drain()

        assert len(presses) == 1
        name, action = presses[0]
        assert name == "王强" and action.action == "approve" and action.value == {"note": "可以"}
        assert action.card_id == "dttest-ap1" and action.platform_ref == "dttest-ap1"
        assert sent["params"]["status"] == "已同意 · 王强" and sent["params"]["decided"] == "true"
        assert json.loads(sent["params"]["buttons"]) == []
        assert len(sent["updates"]) == 1
        assert fake.robot_sends[0]["param"]["content"] == "已处理：已同意 · 王强"
        assert fake.robot_sends[0]["body"]["userIds"] == [MANAGER]


async def test_cards_fall_back_to_markdown_without_a_template(tmp_path, fake):
    async with dingtalk_app(tmp_path, fake, DINGTALK_CARD_TEMPLATE_ID="") as (app, adapter):
        assert adapter.card_template_id in (None, "")
        approval = Card("dttest-ap2", "折扣审批", "申请 8 折", buttons=[CardButton("approve", "同意")])
        await app.push(Target("dingtalk", user_id=MANAGER), Reply(card=approval), key="approval-ap2")
        await settle(app, fake, lambda: fake.robot_sends)
        assert fake.cards == {}
        send = fake.robot_sends[0]
        assert send["body"]["msgKey"] == "sampleMarkdown" and "### 折扣审批" in send["param"]["text"]


# --- AI card streaming -------------------------------------------------------------------------

LONG_ANSWER = "".join(f"第{i}条：客户说太贵时，先确认预算口径，再拆分价值，给出分期方案。\n" for i in range(1, 200))


async def test_long_answer_streams_into_one_ai_card(tmp_path, fake, test_registries):
    card, kind, command = test_registries

    async def long_answer(ctx, arg):
        return ToolOutput(LONG_ANSWER)

    command("长答案", long_answer)
    async with dingtalk_app(tmp_path, fake) as (app, adapter):
        payload = fake.robot_message("/长答案", staff_id=REP)
        await fake.send_callback(payload)
        await settle(
            app, fake, lambda: any(c["params"].get("flowStatus") == "3" for c in fake.cards.values()), timeout=8
        )
        ((out_track_id, ai_card),) = fake.cards.items()
        assert ai_card["template"] == AI_TEMPLATE and out_track_id.startswith("ai-")
        assert ai_card["streamed"]["msgContent"] == LONG_ANSWER.strip()
        streams = ai_card["streams"]
        assert len(streams) >= 3 and [s["isFinalize"] for s in streams] == [False] * (len(streams) - 1) + [True]
        assert sends_to(fake, payload) == [] and fake.robot_sends == []

        # without the AI template the same answer arrives as ordered parts through the webhook
        adapter.ai_card_template_id = None
        again = fake.robot_message("/长答案", staff_id=REP)
        await fake.send_callback(again)
        await settle(app, fake, lambda: len(sends_to(fake, again)) == len(streams))
        assert "\n".join(b["text"]["content"] for b in sends_to(fake, again)) == LONG_ANSWER.strip()


# --- HTTP robot mode ---------------------------------------------------------------------------


async def test_http_mode_checks_the_signature(tmp_path, fake):
    from salesbot.server import build_web_app

    async with dingtalk_app(tmp_path, fake, start_stream=False, DINGTALK_MODE="http") as (app, adapter):
        await adapter.start()
        assert adapter.stream is None  # http mode opens no stream
        async with TestClient(TestServer(build_web_app(app))) as client:

            def headers(ts_ms: int, secret: str = fake.client_secret) -> dict:
                return {
                    "timestamp": str(ts_ms),
                    "sign": compute_sign(str(ts_ms), secret),
                    "Content-Type": "application/json",
                }

            now = int(time.time() * 1000)
            good = fake.robot_message("/帮助", staff_id=REP)
            resp = await client.post("/dingtalk/callback", data=json.dumps(good), headers=headers(now))
            assert resp.status == 200
            await settle(app, fake, lambda: sends_to(fake, good))

            bad = fake.robot_message("/帮助", staff_id=REP)
            resp = await client.post("/dingtalk/callback", data=json.dumps(bad), headers=headers(now, "wrong-secret"))
            assert resp.status == 403
            stale = fake.robot_message("/帮助", staff_id=REP)
            resp = await client.post(
                "/dingtalk/callback", data=json.dumps(stale), headers=headers(now - 2 * 3600 * 1000)
            )
            assert resp.status == 403
            resp = await client.post("/dingtalk/callback", data=json.dumps(bad))
            assert resp.status == 403
            # a fresh pair: each (timestamp, sign) is accepted once
            resp = await client.post("/dingtalk/callback", data="{broken", headers=headers(now + 1))
            assert resp.status == 400
            await asyncio.sleep(0.1)
            await app.drain()
            assert await ledger_rows(app, bad["msgId"]) == 0 and await ledger_rows(app, stale["msgId"]) == 0
            assert sends_to(fake, bad) == [] and sends_to(fake, stale) == []
            assert len(sends_to(fake, good)) == 1


# --- ACK only once the message is in the ledger (issue 9) ------------------------------------------


def db_down() -> Exception:
    from sqlalchemy.exc import OperationalError

    return OperationalError("INSERT INTO inbound_message", {}, ConnectionRefusedError("connection refused"))


async def test_frame_is_acked_only_after_its_ledger_row_committed(tmp_path, fake):
    async with dingtalk_app(tmp_path, fake) as (app, adapter):
        real_claim = app.ledger.claim

        async def slow_claim(inbound):  # a busy database: the INSERT takes a while
            await asyncio.sleep(0.3)
            return await real_claim(inbound)

        app.ledger.claim = slow_claim
        payload = fake.robot_message("/帮助", staff_id=REP)
        frame_id = await fake.send_callback(payload)
        assert (await fake.wait_acked(frame_id))["code"] == 200
        assert await ledger_rows(app, payload["msgId"]) == 1  # already there when DingTalk hears "OK"
        assert fake.ack_latency[frame_id] >= 0.3
        await settle(app, fake, lambda: sends_to(fake, payload))
        assert adapter.health()["ack_ms_p50"] >= 300


async def test_database_blip_during_the_claim_is_ridden_out_before_the_ack(tmp_path, fake):
    async with dingtalk_app(tmp_path, fake) as (app, adapter):
        real_claim = app.ledger.claim
        failures = {"left": 2}

        async def flaky_claim(inbound):
            if failures["left"]:
                failures["left"] -= 1
                raise db_down()
            return await real_claim(inbound)

        app.ledger.claim = flaky_claim
        payload = fake.robot_message("/帮助", staff_id=REP)
        frame_id = await fake.send_callback(payload)
        assert (await fake.wait_acked(frame_id))["code"] == 200
        assert failures["left"] == 0 and fake.ack_latency[frame_id] >= 0.5  # retried 0.2 s + 0.4 s later
        await settle(app, fake, lambda: sends_to(fake, payload))
        assert len(sends_to(fake, payload)) == 1 and await ledger_rows(app, payload["msgId"]) == 1


async def test_claim_that_keeps_failing_is_left_for_redelivery(tmp_path, monkeypatch):
    import adapters.dingtalk.adapter as dingtalk_adapter

    monkeypatch.setattr(dingtalk_adapter, "CLAIM_RETRY_SECONDS", 0.3)
    fake = FakeDingTalk(redeliver_after=0.3)
    await fake.start()
    try:
        async with dingtalk_app(tmp_path, fake) as (app, adapter):
            real_claim = app.ledger.claim
            cut_until = time.monotonic() + 1.0  # the database is cut for a second

            async def claim_during_cut(inbound):
                if time.monotonic() < cut_until:
                    raise db_down()
                return await real_claim(inbound)

            app.ledger.claim = claim_during_cut
            payload = fake.robot_message("/帮助", staff_id=REP)
            first = await fake.send_callback(payload)
            await settle(app, fake, lambda: sends_to(fake, payload), timeout=8)
            frames = fake.delivered[first]
            assert len(frames) >= 2 and first not in fake.acks  # never ACKed: DingTalk sent it again
            assert fake.acks[frames[-1]]["code"] == 200
            assert adapter.stream.stats.unacked >= 1 and adapter.health()["frames_unacked"] >= 1
            await asyncio.sleep(0.4)
            await app.drain()
            assert len(sends_to(fake, payload)) == 1 and await ledger_rows(app, payload["msgId"]) == 1
    finally:
        await fake.close()


async def test_a_copy_arriving_during_the_claim_shares_its_outcome(tmp_path, fake):
    async with dingtalk_app(tmp_path, fake) as (app, adapter):
        real_claim = app.ledger.claim
        gate = asyncio.Event()
        outcome = {"fail": True}
        entered = []

        async def held_claim(inbound):
            entered.append(inbound.msg_id)
            await gate.wait()
            if outcome["fail"]:
                raise RuntimeError("claim failed")
            return await real_claim(inbound)

        app.ledger.claim = held_claim
        payload = fake.robot_message("/帮助", staff_id=REP)
        first = await fake.send_callback(payload)
        await fake.wait_for(lambda: entered)
        copy = await fake.send_callback(payload)  # the platform's duplicate, while the first is claimed
        await asyncio.sleep(0.2)
        assert len(entered) == 1 and first not in fake.acks and copy not in fake.acks
        gate.set()  # the claim fails: neither copy may be ACKed
        await fake.wait_for(lambda: adapter.stream.stats.unacked == 2)
        assert first not in fake.acks and copy not in fake.acks

        outcome["fail"] = False
        gate.clear()
        again = await fake.send_callback(payload)  # redelivered later: now it goes through
        third = await fake.send_callback(payload)
        await fake.wait_for(lambda: len(entered) == 2)
        gate.set()
        assert (await fake.wait_acked(again))["code"] == 200 and (await fake.wait_acked(third))["code"] == 200
        await settle(app, fake, lambda: sends_to(fake, payload))
        await asyncio.sleep(0.2)
        await app.drain()
        assert len(entered) == 2 and len(sends_to(fake, payload)) == 1
        assert await ledger_rows(app, payload["msgId"]) == 1


async def test_frame_whose_ack_is_lost_with_its_socket_is_answered_once(tmp_path):
    """Like a replica killed mid-claim: the ACK never reaches DingTalk, which sends the frame again
    on the new connection; the ledger has it, so the copy is ACKed as a duplicate and not answered."""
    fake = FakeDingTalk(redeliver_after=0.4)
    await fake.start()
    try:
        async with dingtalk_app(tmp_path, fake) as (app, adapter):
            real_claim = app.ledger.claim
            gate = asyncio.Event()

            async def held_claim(inbound):
                await gate.wait()
                return await real_claim(inbound)

            app.ledger.claim = held_claim
            payload = fake.robot_message("/帮助", staff_id=REP)
            first = await fake.send_callback(payload)
            fake.go_silent()  # the path dies with the frame in flight
            await fake.wait_for_connections(2, timeout=5)
            gate.set()
            await settle(app, fake, lambda: sends_to(fake, payload), timeout=5)
            await fake.wait_for(
                lambda: len(fake.delivered[first]) >= 2 and fake.delivered[first][-1] in fake.acks, timeout=5
            )
            await asyncio.sleep(0.3)
            await app.drain()
            assert len(sends_to(fake, payload)) == 1 and await ledger_rows(app, payload["msgId"]) == 1
            assert adapter.stats["duplicates"] >= 1
    finally:
        await fake.close()
