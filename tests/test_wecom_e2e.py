"""WeCom end to end: the fake WeCom sender -> /wecom/callback|/wecom/aibot -> App -> outbox -> fake qyapi."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlmodel import func, select

from adapters.wecom.aibot.parsing import stream_id_for
from adapters.wecom.kf.adapter import KF_CURSOR_KEY
from bot.adapter import Delivery
from bot.messages import Card, CardButton, InboundKind, Reply, Target
from bot.models import InboundMessage, OutboxMessage, PlatformIdentity, StaffUser
from tests.fakes.wecom import aibot_text, card_event_xml, event_xml, kf_event_xml, message_xml, text_xml
from tests.wecom_support import CORP_ID, wecom_rig
from tools.voice import STT_OFF

USER = {
    "userid": "zhangsan",
    "name": "张三",
    "department": [2],
    "main_department": 2,
    "position": "销售经理",
    "mobile": "13800000000",
    "email": "zs@example.com",
}


async def count(app, model, *where) -> int:
    async with app.db.session() as s:
        return (await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


def texts(qyapi) -> list[str]:
    return [
        b.get("text", b.get("markdown", {})).get("content")
        for b in qyapi.sends()
        if b["msgtype"] in ("text", "markdown")
    ]


@pytest.fixture
async def rig(tmp_path):
    async with wecom_rig(tmp_path) as rig:
        rig.qyapi.users["zhangsan"] = USER
        rig.qyapi.departments[2] = {"id": 2, "name": "华东销售部"}
        yield rig


# --- URL verification and bad input ----------------------------------------------------------


async def test_url_verification_returns_bare_echostr(rig):
    status, body = await rig.sender.verify_url("5927782489442352469")
    assert (status, body) == (200, "5927782489442352469")
    status, body = await rig.aibot.verify_url("42")
    assert (status, body) == (200, "42")


async def test_bad_signature_and_wrong_corp_are_403_and_write_nothing(rig):
    body, params = rig.sender.envelope_xml(text_xml(CORP_ID, "zhangsan", "你好", "m1"))
    res = await rig.sender.post_raw(body, {**params, "msg_signature": "0" * 40}, deliveries=1)
    assert res.statuses == [403]
    from tests.fakes.wecom import FakeWeComSender
    from tests.wecom_support import AIBOT_KEY, AIBOT_TOKEN, APP_KEY, APP_TOKEN

    other_corp = FakeWeComSender(
        rig.session, rig.sender.url, token=APP_TOKEN, encoding_aes_key=APP_KEY, receive_id="wwOTHERCORP", deliveries=1
    )
    assert (await other_corp.post_xml(text_xml("wwOTHERCORP", "zhangsan", "你好", "m2"))).statuses == [403]
    # an AI-bot body whose receiveid is the corp id (the classic -40005 mix-up) is refused too
    wrong_bot = FakeWeComSender(
        rig.session, rig.aibot.url, token=AIBOT_TOKEN, encoding_aes_key=AIBOT_KEY, receive_id=CORP_ID, deliveries=1
    )
    assert (await wrong_bot.post_json(aibot_text("a1", "zhangsan", "hi"))).statuses == [403]
    # a body encrypted with another key does not decrypt: 400
    wrong_key = FakeWeComSender(
        rig.session, rig.aibot.url, token=AIBOT_TOKEN, encoding_aes_key=APP_KEY, receive_id="", deliveries=1
    )
    assert (await wrong_key.post_json(aibot_text("a2", "zhangsan", "hi"))).statuses == [400]
    await rig.settle()
    assert await count(rig.app, InboundMessage) == 0 and rig.qyapi.calls == []


BOMB = """<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><xml><ToUserName>x</ToUserName><FromUserName>zhangsan</FromUserName>
<MsgType>text</MsgType><Content>&lol3;</Content><MsgId>b1</MsgId></xml>"""
XXE = """<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><FromUserName>zhangsan</FromUserName>
<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>x1</MsgId></xml>"""


async def test_malformed_bomb_xxe_are_400_and_oversize_is_413(rig):
    post = rig.sender.post_raw
    assert (
        await post(b"<xml><Encrypt>abc</xml>", {"msg_signature": "x", "timestamp": "1", "nonce": "1"}, deliveries=1)
    ).statuses == [400]
    # bombs and external entities inside a correctly signed, encrypted payload
    for plaintext in (BOMB, XXE, "<xml><MsgType>text</MsgType"):
        assert (await rig.sender.post_xml(plaintext, deliveries=1)).statuses == [400]
    # ...and in the outer envelope
    bomb_envelope = BOMB.replace("<Content>&lol3;</Content>", "<Encrypt>&lol3;</Encrypt>").encode()
    assert (
        await post(bomb_envelope, {"msg_signature": "x", "timestamp": "1", "nonce": "1"}, deliveries=1)
    ).statuses == [400]
    big = b"<xml><Encrypt>" + b"A" * 1_000_100 + b"</Encrypt></xml>"
    assert (await post(big, {"msg_signature": "x", "timestamp": "1", "nonce": "1"}, deliveries=1)).statuses == [413]
    assert (
        await rig.aibot.post_raw(b"{not json", {"msg_signature": "x", "timestamp": "1", "nonce": "1"}, deliveries=1)
    ).statuses == [400]
    await rig.settle()
    assert await count(rig.app, InboundMessage) == 0


async def test_unknown_types_are_200_with_a_log_line(rig, caplog):
    caplog.set_level(logging.INFO, logger="adapters.wecom")
    res = await rig.sender.post_xml(message_xml(CORP_ID, "zhangsan", "hologram", "u1", {"Foo": "bar"}))
    assert res.statuses == [200] and res.body == b""
    res = await rig.sender.post_xml(event_xml(CORP_ID, "zhangsan", "some_new_event"))
    assert res.statuses == [200]
    await rig.settle()
    assert "hologram" in caplog.text and "some_new_event" in caplog.text
    assert await count(rig.app, InboundMessage) == 0


# --- duplicates and token expiry -------------------------------------------------------------


async def test_message_delivered_three_times_gets_one_reply(tmp_path):
    async with wecom_rig(tmp_path, deadline=0.3) as rig:
        rig.qyapi.users["zhangsan"] = USER
        real_receive = rig.app.receive
        slow = {"left": 2}

        async def slow_receive(inbound):  # the first two answers miss WeCom's deadline
            result = await real_receive(inbound)
            if slow["left"]:
                slow["left"] -= 1
                await asyncio.sleep(0.5)
            return result

        rig.app.receive = slow_receive
        res = await rig.sender.post_xml(text_xml(CORP_ID, "zhangsan", "/帮助", "CAIQg/PKxgYY2sC9tpuAgAMg9/zKaw=="))
        assert res.statuses == ["timeout", "timeout", 200]
        # and the same body racing in concurrently
        body, params = rig.sender.envelope_xml(text_xml(CORP_ID, "zhangsan", "/帮助", "race-1"))
        results = await asyncio.gather(*(rig.sender.post_raw(body, params, deliveries=1) for _ in range(3)))
        await asyncio.sleep(0.6)
        await rig.settle()
        assert sum(r.accepted for r in results) >= 1
        assert len(rig.qyapi.sends()) == 2  # one reply per message
        assert await count(rig.app, InboundMessage) == 2
        assert rig.app.ledger.duplicates_dropped >= 2


async def test_database_blip_during_the_claim_is_ridden_out_inside_wecoms_5_seconds(rig, monkeypatch):
    from sqlalchemy.exc import OperationalError

    import adapters.wecom.base as wecom_base

    real_claim = rig.app.ledger.claim
    cut = {"failures": 2}

    async def claim_during_blip(inbound):
        if cut["failures"]:
            cut["failures"] -= 1
            raise OperationalError("INSERT INTO inbound_message", {}, ConnectionRefusedError("connection refused"))
        return await real_claim(inbound)

    rig.app.ledger.claim = claim_during_blip
    res = await rig.sender.post_xml(text_xml(CORP_ID, "zhangsan", "/帮助", "blip-1"))
    assert res.statuses == [200] and cut["failures"] == 0  # one delivery: no redelivery needed
    await rig.settle()
    assert len(rig.qyapi.sends()) == 1

    # an outage longer than the budget answers an error, so that WeCom delivers again
    monkeypatch.setattr(wecom_base, "CLAIM_RETRY_SECONDS", 0.1)
    cut["failures"] = 100
    res = await rig.sender.post_raw(
        *rig.sender.envelope_xml(text_xml(CORP_ID, "zhangsan", "/帮助", "blip-2")), deliveries=1
    )
    assert res.statuses == [500]
    cut["failures"] = 0
    assert await count(rig.app, InboundMessage, InboundMessage.msg_id == "blip-2") == 0


async def test_token_expiry_mid_run(rig):
    await rig.sender.post_xml(text_xml(CORP_ID, "zhangsan", "/帮助", "t1"))
    await rig.settle()
    rig.qyapi.expire_tokens(42001)
    await rig.sender.post_xml(text_xml(CORP_ID, "zhangsan", "/帮助", "t2"))
    await rig.settle()
    rig.qyapi.expire_tokens(40014)  # expiry reported as "invalid token"
    await rig.sender.post_xml(text_xml(CORP_ID, "zhangsan", "/帮助", "t3"))
    await rig.settle()
    assert len(rig.qyapi.sends()) == 3
    assert len(rig.qyapi.calls_to("gettoken")) == 3
    assert await count(rig.app, OutboxMessage, OutboxMessage.status == "sent") == 3


async def test_rate_limit_and_5xx_on_send_are_retried_not_lost(rig):
    rig.qyapi.inject("message/send", errcode=45009, times=2)
    rig.qyapi.inject("message/send", status=502, times=1)
    await rig.sender.post_xml(text_xml(CORP_ID, "zhangsan", "/帮助", "r1"))
    await rig.settle()
    assert len(rig.qyapi.sends()) == 1 and len(rig.qyapi.calls_to("message/send")) == 4


# --- identity, message types -----------------------------------------------------------------


async def test_first_contact_creates_staff_user_with_leading_zero_userid(rig):
    rig.qyapi.users["007"] = {**USER, "userid": "007", "name": "邦德"}
    await rig.sender.post_xml(text_xml(CORP_ID, "007", "/帮助", "z1"))
    await rig.settle()
    async with rig.app.db.session() as s:
        user = (
            (
                await s.execute(
                    select(StaffUser)
                    .join(PlatformIdentity)
                    .where(PlatformIdentity.platform == "wecom", PlatformIdentity.external_id == "007")
                )
            )
            .scalars()
            .one()
        )
    assert user.name == "邦德" and user.team == "华东销售部" and user.title == "销售经理"
    assert rig.qyapi.calls_to("user/get")[0]["params"]["userid"] == "007"
    assert rig.qyapi.sends()[0]["touser"] == "007"


async def test_enter_agent_voice_location(rig):
    await rig.sender.post_xml(event_xml(CORP_ID, "zhangsan", "enter_agent", 1700000000))
    await rig.sender.post_xml(event_xml(CORP_ID, "zhangsan", "enter_agent", 1700000000))  # same event again
    await rig.sender.post_xml(message_xml(CORP_ID, "zhangsan", "voice", "v1", {"MediaId": "m", "Format": "amr"}))
    await rig.settle()
    sent = texts(rig.qyapi)
    # a voice note without a transcript: with no speech-to-text configured, the bot says so (tools/voice)
    assert len(sent) == 2 and "销售助手" in sent[0] and sent[1] == STT_OFF
    seen = []

    async def location_handler(ctx):
        seen.append(ctx.inbound.location)
        from bot.capabilities import ToolOutput

        return ToolOutput(text="已记下签到位置")

    old = rig.app.capabilities.kind_handlers.get(InboundKind.LOCATION)
    rig.app.capabilities.kind_handlers[InboundKind.LOCATION] = location_handler
    try:
        await rig.sender.post_xml(
            message_xml(
                CORP_ID,
                "zhangsan",
                "location",
                "l1",
                {"Location_X": "23.134521", "Location_Y": "113.358803", "Scale": "20", "Label": "华东机械"},
            )
        )
        await rig.settle()
    finally:
        if old is None:
            rig.app.capabilities.kind_handlers.pop(InboundKind.LOCATION, None)
        else:
            rig.app.capabilities.kind_handlers[InboundKind.LOCATION] = old
    assert seen == [{"lat": 23.134521, "lng": 113.358803, "label": "华东机械", "scale": "20"}]


# --- cards -----------------------------------------------------------------------------------


async def test_card_click_reaches_capability_and_updates_card(rig):
    presses = []

    async def handler(ctx, action):
        presses.append((ctx.actor.name, action.card_id, action.action, action.platform_ref))
        card = Card(action.card_id, "折扣审批", "张三申请 8 折", status="已同意 · 张三")
        return [Reply(card=card, card_update=True)]

    rig.app.capabilities.card_handlers["wtest"] = handler
    try:
        card = Card(
            "wtest-1",
            "折扣审批",
            "张三申请 8 折",
            fields=[("客户", "华东机械")],
            buttons=[CardButton("approve", "同意"), CardButton("reject", "驳回", style="danger")],
        )
        await rig.app.push(Target("wecom", user_id="zhangsan"), Reply(card=card), key="wtest-1")
        await rig.settle()
        sent = rig.qyapi.sends()[0]
        assert sent["msgtype"] == "template_card" and sent["template_card"]["task_id"].startswith("wtest-1@")
        task_id = sent["template_card"]["task_id"]
        click = card_event_xml(CORP_ID, "zhangsan", task_id, "approve", "RC-123", 1700000100)
        await rig.sender.post_xml(click)
        await rig.sender.post_xml(click)  # redelivered: the capability still sees one press
        await rig.settle()
        assert presses == [("张三", "wtest-1", "approve", "RC-123")]
        update = rig.qyapi.calls_to("message/update_template_card")
        assert len(update) == 1
        assert update[0]["json"] == {
            "userids": ["zhangsan"],
            "agentid": 1000002,
            "response_code": "RC-123",
            "button": {"replace_name": "已同意 · 张三"},
        }
    finally:
        rig.app.capabilities.card_handlers.pop("wtest", None)


# --- long answers ----------------------------------------------------------------------------


async def test_5000_character_answer_arrives_as_ordered_parts_under_cap(rig):
    sentences = [f"第{i:03d}条：客户关心交付周期、价格和售后响应速度，我们要逐条准备答复材料。" for i in range(200)]
    long_text = "".join(sentences)[:5000]
    assert len(long_text) == 5000
    await rig.app.push(Target("wecom", user_id="zhangsan"), Reply(text=long_text), key="long-1")
    await rig.settle()
    parts = texts(rig.qyapi)
    assert len(parts) >= 8
    assert all(len(p.encode()) <= 2048 for p in parts)
    assert "".join(parts) == long_text  # in order, nothing lost
    assert all(p.endswith(("。", "：", "，", "、")) for p in parts[:-1])  # cut on natural boundaries


# --- 微信客服 --------------------------------------------------------------------------------


async def test_kf_cursor_resumed_after_restart(tmp_path):
    from tests.fakes.wecom import FakeQyapi

    async with FakeQyapi(CORP_ID, "secret-abc") as qyapi:
        qyapi.add_kf_message("wkA", "wmCust1", "你们的产品多少钱？")
        qyapi.add_kf_message("wkA", "wmCust1", "我们是客服", origin=5)  # our own side: skipped, no loop
        qyapi.add_kf_message("wkA", "wmCust2", "怎么联系销售？")
        async with wecom_rig(tmp_path, qyapi=qyapi) as rig:
            await rig.sender.post_xml(kf_event_xml(CORP_ID, "TOKEN1", "wkA"))
            await rig.sender.post_xml(kf_event_xml(CORP_ID, "TOKEN2", "wkA"))  # a second event while syncing
            await rig.settle()
            assert await rig.app.kv.get(KF_CURSOR_KEY.format("wkA")) == "c3"
        sends = qyapi.calls_to("kf/send_msg")
        assert sorted(c["json"]["touser"] for c in sends) == ["wmCust1", "wmCust2"]
        assert all(c["json"]["open_kfid"] == "wkA" and c["json"]["msgtype"] == "text" for c in sends)
        qyapi.add_kf_message("wkA", "wmCust1", "好的，谢谢")
        async with wecom_rig(tmp_path, qyapi=qyapi) as rig:  # a new process on the same database
            await rig.sender.post_xml(kf_event_xml(CORP_ID, "TOKEN3", "wkA"))
            await rig.settle()
            assert await rig.app.kv.get(KF_CURSOR_KEY.format("wkA")) == "c4"
        syncs = qyapi.calls_to("kf/sync_msg")
        assert syncs[-1]["json"]["cursor"] == "c3" and syncs[-1]["json"]["token"] == "TOKEN3"
        assert len(qyapi.calls_to("kf/send_msg")) == 3  # nothing read twice, nothing skipped
        async with wecom_rig(tmp_path, qyapi=qyapi) as rig:
            assert await count(rig.app, InboundMessage, InboundMessage.platform == "wecom_kf") == 3


# --- AI bot ----------------------------------------------------------------------------------


async def _poll_stream(rig, msg: dict, stream_id: str, rounds: int = 50) -> list[dict]:
    seen = []
    for _ in range(rounds):
        refresh = {
            **{k: msg[k] for k in ("aibotid", "chattype", "from") if k in msg},
            "msgid": f"r{len(seen)}",
            "msgtype": "stream",
            "stream": {"id": stream_id},
        }
        res = await rig.aibot.post_json(refresh)
        reply = rig.aibot.decrypt_json_reply(res.body)
        seen.append(reply["stream"])
        if reply["stream"]["finish"]:
            break
        await asyncio.sleep(0.05)
    return seen


async def test_aibot_group_stream_from_first_chunk_to_finish(rig):
    msg = aibot_text(
        "CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=",
        "zhangsan",
        "@销售助手 /帮助",
        chatid="CHAT1",
        response_url=rig.qyapi.response_url(),
    )
    res = await rig.aibot.post_json(msg)
    first = rig.aibot.decrypt_json_reply(res.body)
    stream_id = stream_id_for(msg["msgid"])
    assert first["msgtype"] == "stream" and first["stream"]["id"] == stream_id
    again = rig.aibot.decrypt_json_reply((await rig.aibot.post_json(msg)).body)  # redelivery: same stream
    assert again["stream"]["id"] == stream_id
    chunks = await _poll_stream(rig, msg, stream_id)
    await rig.settle()
    assert chunks[0]["finish"] is False or len(chunks) == 1
    assert chunks[-1]["finish"] is True and "我能帮你做这些" in chunks[-1]["content"]
    assert all(c["id"] == stream_id for c in chunks)
    async with rig.app.db.session() as s:
        row = (await s.execute(select(InboundMessage).where(InboundMessage.platform == "wecom_aibot"))).scalars().one()
    assert row.conversation_key == "wecom_aibot:CHAT1" and row.sender_id == "zhangsan" and row.text == "/帮助"


async def test_aibot_stream_is_cumulative_across_parts_then_late_reply_uses_response_url(rig):
    msg = aibot_text("msg-parts", "zhangsan", "hello", response_url=rig.qyapi.response_url())
    rig.app.receive = _noop_receive  # drive deliveries by hand: parts of one answer, then a second answer
    res = await rig.aibot.post_json(msg)
    sid = rig.aibot.decrypt_json_reply(res.body)["stream"]["id"]
    adapter = rig.app.adapter_for("wecom_aibot")
    ctx = {"stream_id": sid, "response_url": msg["response_url"], "chattype": "single", "userid": "zhangsan"}
    target = Target("wecom_aibot", user_id="zhangsan", conversation_id="zhangsan")
    await adapter.deliver(Delivery(1, "wecom_aibot", target, Reply(text="第一段。"), seq=0, parts=2, reply_context=ctx))
    mid = await _poll_stream(rig, msg, sid, rounds=1)
    assert mid == [{"id": sid, "finish": False, "content": "第一段。"}]
    await adapter.deliver(Delivery(2, "wecom_aibot", target, Reply(text="第二段。"), seq=1, parts=2, reply_context=ctx))
    end = await _poll_stream(rig, msg, sid, rounds=1)
    assert end == [{"id": sid, "finish": True, "content": "第一段。第二段。"}]
    await adapter.deliver(Delivery(3, "wecom_aibot", target, Reply(text="补充一句"), reply_context=ctx))
    assert rig.qyapi.response_url_posts[-1]["json"] == {"msgtype": "markdown", "markdown": {"content": "补充一句"}}


async def _noop_receive(inbound):
    return True


async def test_aibot_card_event_answered_at_once_and_file_decrypted(rig):
    presses = []

    async def handler(ctx, action):
        presses.append((action.card_id, action.action))
        return [Reply(card=Card(action.card_id, "确认更新", "", status="已确认"), card_update=True)]

    got = []

    async def file_handler(ctx):
        got.append((ctx.inbound.attachments[0].name, ctx.inbound.attachments[0].data))
        from bot.capabilities import ToolOutput

        return ToolOutput(text="收到文件")

    rig.app.capabilities.card_handlers["wtest"] = handler
    old = rig.app.capabilities.kind_handlers.get(InboundKind.FILE)
    rig.app.capabilities.kind_handlers[InboundKind.FILE] = file_handler
    try:
        event = {
            "msgid": "ev1",
            "create_time": 1700000000,
            "aibotid": "AIBOTID",
            "chattype": "single",
            "from": {"userid": "zhangsan"},
            "msgtype": "event",
            "response_url": rig.qyapi.response_url(),
            "event": {
                "eventtype": "template_card_event",
                "template_card_event": {
                    "card_type": "button_interaction",
                    "event_key": "confirm",
                    "task_id": "wtest-9@12",
                },
            },
        }
        res = await rig.aibot.post_json(event)
        assert res.statuses == [200] and res.body == b"" and res.latencies[0] < 1.0
        transcript = "客户：预算五十万。\n我们：下周给报价。".encode() * 50
        url = rig.qyapi.add_file("f1", rig.aibot.crypto.encrypt_file(transcript), "会议纪要.txt")
        msg = {
            "msgid": "file1",
            "aibotid": "AIBOTID",
            "chattype": "single",
            "from": {"userid": "zhangsan"},
            "response_url": rig.qyapi.response_url(),
            "msgtype": "file",
            "file": {"url": url},
        }
        await rig.aibot.post_json(msg)
        await rig.settle()
    finally:
        rig.app.capabilities.card_handlers.pop("wtest", None)
        if old is None:
            rig.app.capabilities.kind_handlers.pop(InboundKind.FILE, None)
        else:
            rig.app.capabilities.kind_handlers[InboundKind.FILE] = old
    assert presses == [("wtest-9", "confirm")]
    assert rig.qyapi.response_url_posts[0]["json"]["msgtype"] == "template_card"
    assert got == [("会议纪要.txt", transcript)]


async def test_aibot_enter_chat_gets_welcome(rig):
    event = {
        "msgid": "e1",
        "create_time": 1,
        "aibotid": "AIBOTID",
        "chattype": "single",
        "from": {"userid": "zhangsan"},
        "msgtype": "event",
        "event": {"eventtype": "enter_chat"},
    }
    reply = rig.aibot.decrypt_json_reply((await rig.aibot.post_json(event)).body)
    assert reply["msgtype"] == "text" and "销售助手" in reply["text"]["content"]
