"""DingTalk protocol layer on its own: payload parsing, HTTP-mode signatures, the OpenAPI client vs the fake."""

from __future__ import annotations

import json
import time

import aiohttp
import pytest

from adapters.dingtalk.api import DingTalkApiError, MemoryKeyValue, OpenApiClient, classify
from adapters.dingtalk.parsing import PayloadError, parse_card_callback, parse_robot_message
from adapters.dingtalk.signature import check_signature, compute_sign
from bot.messages import InboundKind
from tests.fakes.dingtalk import FakeDingTalk

# real captures of robot messages, unescaped
GROUP_CAPTURE = {
    "conversationId": "cidFbEwwavwcAsXDZbYqSBLnA==",
    "atUsers": [{"dingtalkId": "$:LWCP_v1:$25jBd/IW606RTMrGnMs9AuLMeuAztDrv"}],
    "chatbotCorpId": "ding9f50b15bccd16741",
    "chatbotUserId": "$:LWCP_v1:$25jBd/IW606RTMrGnMs9AuLMeuAztDrv",
    "msgId": "msgqEufncv9gVqy7ia60LYs3w==",
    "senderNick": "骏隆（主用钉）",
    "isAdmin": True,
    "senderStaffId": "01426861-1254332033",
    "sessionWebhookExpiredTime": 1683363692884,
    "createAt": 1683362491872,
    "senderCorpId": "ding9f50b15bccd16741",
    "conversationType": "2",
    "senderId": "$:LWCP_v1:$+PxJZVhRkpC139mPH6L7aw==",
    "conversationTitle": "机器人长链接事件测试群",
    "isInAtList": True,
    "sessionWebhook": "https://oapi.dingtalk.com/robot/sendBySession?session=2664f1467475bd90fcba36234c735997",
    "text": {"content": " ss"},
    "robotCode": "dingphtembyvlbeq2y4d",
    "msgtype": "text",
}


def base(msgtype: str, **extra):
    payload = {
        k: v for k, v in GROUP_CAPTURE.items() if k not in ("text", "atUsers", "isInAtList", "conversationTitle")
    }
    payload.update(conversationType="1", msgtype=msgtype, **extra)
    return payload


# --- parsing -----------------------------------------------------------------------------------


def test_group_text_strips_the_mention_space_and_keys_the_group():
    msg = parse_robot_message(GROUP_CAPTURE)
    assert msg.text == "ss" and msg.is_group and msg.kind is InboundKind.TEXT
    assert msg.chat_id == "cidFbEwwavwcAsXDZbYqSBLnA==" and msg.sender_staff_id == "01426861-1254332033"
    assert msg.reply_context()["sessionWebhookExpiredTime"] == 1683363692884


def test_single_chat_is_keyed_by_the_sender():
    msg = parse_robot_message(base("text", text={"content": "你好"}))
    assert not msg.is_group and msg.chat_id == "01426861-1254332033" and msg.text == "你好"


def test_rich_text_picture_audio_file():
    rich = parse_robot_message(
        base(
            "richText",
            content={
                "richText": [
                    {"downloadCode": "pic1", "pictureDownloadCode": "p1", "type": "picture"},
                    {"text": "\n"},
                    {"text": "报价单见图"},
                ]
            },
        )
    )
    assert rich.text == "报价单见图" and [m.download_code for m in rich.media] == ["pic1"]

    picture = parse_robot_message(base("picture", content={"downloadCode": "mIofN681", "pictureDownloadCode": "9hSK"}))
    assert picture.kind is InboundKind.IMAGE and picture.media[0].download_code == "mIofN681"

    audio = parse_robot_message(
        base("audio", content={"duration": 1200, "downloadCode": "a1", "recognition": "钉钉平台转写"})
    )
    assert audio.kind is InboundKind.VOICE and audio.text == "钉钉平台转写" and audio.media == []
    silent_audio = parse_robot_message(base("audio", content={"duration": 1200, "downloadCode": "a2"}))
    assert silent_audio.text == "" and silent_audio.media[0].download_code == "a2"

    file = parse_robot_message(
        base(
            "file",
            content={
                "downloadCode": "PsPvi/",
                "fileId": "214980176385",
                "fileName": "华东机械会议纪要.docx",
                "spaceId": "28455378906",
            },
        )
    )
    assert file.kind is InboundKind.FILE and file.media[0].name == "华东机械会议纪要.docx"


@pytest.mark.parametrize(
    "payload, reason",
    [
        ([], "not a JSON object"),
        ({k: v for k, v in GROUP_CAPTURE.items() if k != "msgId"}, "msgId"),
        ({**GROUP_CAPTURE, "text": {}}, "text.content"),
        ({**GROUP_CAPTURE, "conversationType": "9"}, "conversationType"),
        ({**GROUP_CAPTURE, "msgtype": "hologram"}, "unsupported msgtype"),
        (base("file", content={"fileName": "x"}), "downloadCode"),
        (base("picture", content="{broken"), "content is not JSON"),
    ],
)
def test_malformed_messages_are_rejected_with_a_reason(payload, reason):
    with pytest.raises(PayloadError, match=reason):
        parse_robot_message(payload)


def test_card_params_found_however_nested():
    inside = {
        "type": "actionCallback",
        "outTrackId": "appr-42",
        "corpId": "ding1",
        "userId": "mgr1",
        "content": json.dumps(
            {"cardPrivateData": {"actionIds": ["agree"], "params": {"action": "approve", "note": "ok"}}}
        ),
    }
    sibling = {
        **inside,
        "content": json.dumps({"cardPrivateData": {"actionIds": ["1"]}, "params": {"action": "reject"}}),
    }
    value_key = {k: v for k, v in inside.items() if k != "content"}
    value_key["value"] = json.dumps({"params": json.dumps({"action": "approve"})})  # doubly encoded
    only_ids = {**inside, "content": json.dumps({"cardPrivateData": {"actionIds": ["confirm"]}})}

    press = parse_card_callback(inside)
    assert (press.out_track_id, press.user_id, press.action, press.params) == (
        "appr-42",
        "mgr1",
        "approve",
        {"note": "ok"},
    )
    assert parse_card_callback(sibling).action == "reject"
    assert parse_card_callback(value_key).action == "approve"
    assert parse_card_callback(only_ids).action == "confirm"
    assert parse_card_callback(inside).press_id == press.press_id  # a redelivery is the same press
    assert parse_card_callback(sibling).press_id != press.press_id
    with pytest.raises(PayloadError, match="action"):
        parse_card_callback({**inside, "content": "{}"})
    with pytest.raises(PayloadError, match="outTrackId"):
        parse_card_callback({"userId": "x", "content": "{}"})


# --- HTTP-mode signature ---------------------------------------------------------------------


def test_signature_vector_window_and_tamper():
    assert compute_sign("1700000000000", "test-app-secret") == "dhJB8TJ0cHPEbwpUauugV2Wz8v4qlWoO+C42nEhJW+c="
    now = 1700000000000
    sign = compute_sign(str(now), "s3cret")
    assert check_signature(str(now), sign, "s3cret", now_ms=now) is None
    assert check_signature(str(now), sign, "s3cret", now_ms=now + 3599_000) is None
    assert "window" in check_signature(str(now), sign, "s3cret", now_ms=now + 3601_000)
    assert "window" in check_signature(str(now), sign, "s3cret", now_ms=now - 3601_000)
    assert "mismatch" in check_signature(str(now), sign, "other", now_ms=now)
    assert "mismatch" in check_signature(str(now + 1), sign, "s3cret", now_ms=now)
    assert "missing" in check_signature(None, sign, "s3cret")
    assert "number" in check_signature("abc", sign, "s3cret")


# --- OpenAPI client --------------------------------------------------------------------------


def test_error_classification():
    assert classify(200, {"processQueryKey": "x"}) is None
    assert classify(200, {"errcode": 0, "errmsg": "ok"}) is None
    auth = classify(400, {"code": "InvalidAuthentication", "message": "不合法的access_token"})
    assert auth.auth and not auth.transient
    assert classify(200, {"errcode": 88, "sub_code": "40014"}).auth
    limited = classify(403, {"code": "Forbidden.AccessDenied.QpsLimitForApi"})
    assert limited.rate_limited and limited.transient and limited.retry_after == 1.0
    assert classify(200, {"errcode": 660026, "errmsg": "sending too many messages per minute"}).rate_limited
    assert classify(429, {}, "7").retry_after == 7.0
    assert classify(503, {}).transient
    bad = classify(400, {"code": "invalidParameter.robotCode"})
    assert not bad.transient and not bad.auth
    assert not classify(200, {"errcode": 300001, "errmsg": "session已过期"}).transient


@pytest.fixture
async def fake():
    gateway = FakeDingTalk(token_ttl=7200)
    await gateway.start()
    yield gateway
    await gateway.close()


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


def client_for(fake, http, kv=None, **kw) -> OpenApiClient:
    return OpenApiClient(
        http,
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        endpoint=fake.base_url,
        kv=kv or MemoryKeyValue(),
        backoff_max=0.05,
        **kw,
    )


async def test_token_is_cached_shared_and_refreshed_on_invalid_authentication(fake, http):
    kv = MemoryKeyValue()
    api = client_for(fake, http, kv)
    await api.send_to_users(["u1"], "sampleText", {"content": "一"})
    await api.send_to_users(["u1"], "sampleText", {"content": "二"})
    assert fake.tokens_issued == 1
    # a second process sharing the kv does not fetch its own token
    other = client_for(fake, http, kv)
    await other.send_to_group("cidG1==", "sampleMarkdown", {"title": "t", "text": "**三**"})
    assert fake.tokens_issued == 1

    fake.invalidate_tokens()  # the server forgot our token early
    await api.send_to_users(["u1"], "sampleText", {"content": "四"})
    assert fake.tokens_issued == 2
    assert [json.loads(s["body"]["msgParam"]).get("content") for s in fake.robot_sends] == ["一", "二", None, "四"]
    assert fake.robot_sends[2]["body"]["openConversationId"] == "cidG1=="


async def test_token_refreshed_before_expiry(fake, http):
    fake.token_ttl = 301  # usable for only 1 s after the 300 s safety margin -> floor of 30 s applies
    api = client_for(fake, http)
    await api.access_token()
    assert api._token[1] - time.time() <= 31
    api._token = (api._token[0], time.time() - 1)  # pretend the usable window passed
    await api.kv.set(api._token_key, "", 1)
    await api.access_token()
    assert fake.tokens_issued == 2


async def test_rate_limits_and_5xx_are_retried_with_pacing(fake, http):
    api = client_for(fake, http)
    fake.fail_rate_limited("/v1.0/robot/oToMessages/batchSend", times=1)
    fake.fail_server_error("/v1.0/robot/oToMessages/batchSend", times=1)
    started = time.monotonic()
    await api.send_to_users(["u1"], "sampleText", {"content": "hi"})
    assert time.monotonic() - started >= 0.9  # paced by the 1 s cooldown after the rate limit
    assert len(fake.robot_sends) == 1
    assert [c for c in fake.calls if c[1] == "/v1.0/robot/oToMessages/batchSend"].__len__() == 3


async def test_persistent_failures_surface_with_their_class(fake, http):
    api = client_for(fake, http, attempts=2)
    fake.fail_server_error("/v1.0/robot/groupMessages/send", times=5)
    with pytest.raises(DingTalkApiError) as exc:
        await api.send_to_group("cidX==", "sampleText", {"content": "x"})
    assert exc.value.transient
    bad = OpenApiClient(
        http,
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        endpoint=fake.base_url,
        robot_code="wrong-robot",
        backoff_max=0.05,
    )
    with pytest.raises(DingTalkApiError) as exc:
        await bad.send_to_users(["u1"], "sampleText", {"content": "x"})
    assert not exc.value.transient and "robotCode" in str(exc.value)
    wrong_secret = OpenApiClient(http, client_id=fake.client_id, client_secret="nope", endpoint=fake.base_url)
    with pytest.raises(DingTalkApiError, match="invalidClientIdOrSecret"):
        await wrong_secret.access_token()


async def test_download_cards_streaming_and_directory(fake, http):
    api = client_for(fake, http)
    code = fake.add_file("会议纪要：预算 50 万".encode())
    assert (await api.download(code, 1000)).decode() == "会议纪要：预算 50 万"
    with pytest.raises(DingTalkApiError, match="larger"):
        await api.download(code, 5)

    await api.create_and_deliver_card(
        out_track_id="appr-1",
        template_id="tpl.schema",
        params={"title": "审批"},
        conversation_id="cidG==",
        at_user_ids=["u1"],
    )
    card = fake.cards["appr-1"]
    assert card["open_space_id"] == "dtv1.card//IM_GROUP.cidG==" and card["body"]["callbackType"] == "STREAM"
    assert card["body"]["imGroupOpenDeliverModel"]["robotCode"] == fake.client_id
    await api.update_card("appr-1", {"status": "已同意"})
    assert card["params"] == {"title": "审批", "status": "已同意"}
    await api.stream_card("appr-1", key="msgContent", content="第一段", is_full=True)
    await api.stream_card("appr-1", key="msgContent", content="第一段第二段", is_full=True, is_finalize=True)
    assert card["streamed"]["msgContent"] == "第一段第二段"

    fake.users["u1"] = {"userid": "u1", "name": "李雷", "dept_id_list": [7], "mobile": "13800000000"}
    fake.departments[7] = "华东销售部"
    assert (await api.get_user("u1"))["name"] == "李雷"
    assert await api.get_department_name(7) == "华东销售部"
    with pytest.raises(DingTalkApiError, match="60121"):
        await api.get_user("nobody")
