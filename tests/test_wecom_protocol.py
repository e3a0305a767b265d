"""WeCom protocol layer: crypto vectors (WeCom's published WXBizMsgCrypt examples), safe XML, the API client against the fake qyapi."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest

from adapters.wecom.api import WeComAPI, WeComAPIError
from adapters.wecom.crypto import BadPayload, BadSignature, CallbackCrypto, WrongReceiver
from adapters.wecom.pacing import RecipientPacer
from adapters.wecom.render import markdown_to_text, split_bytes, template_card
from adapters.wecom.xmlsafe import message_fields, parse_envelope
from bot.adapter import TransientSendError
from bot.messages import Card, CardButton
from tests.fakes.wecom import FakeQyapi

# --- vectors (WeCom's published WXBizMsgCrypt examples) ----------------------------------------------------

WP_TOKEN, WP_KEY, WP_CORP = "123456", "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR", "wx49f0ab532d5d035a"
WP_BODY = """<xml><ToUserName><![CDATA[wx49f0ab532d5d035a]]></ToUserName>
<Encrypt><![CDATA[RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=]]></Encrypt>
<AgentID><![CDATA[1]]></AgentID>
</xml>"""
WP_PLAIN = (
    "<xml><ToUserName><![CDATA[wx49f0ab532d5d035a]]></ToUserName>\n<FromUserName><![CDATA[messense]]></FromUserName>\n"
    "<CreateTime>1411525903</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n"
    "<MsgId>4363689963896700987</MsgId>\n<AgentID>1</AgentID>\n</xml>"
)
WP_REPLY_PLAIN = """<xml>
<MsgType><![CDATA[text]]></MsgType>
<Content><![CDATA[test]]></Content>
<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>
<ToUserName><![CDATA[messense]]></ToUserName>
<AgentID>1</AgentID>
<CreateTime>1411525903</CreateTime>
</xml>"""
WP_REPLY_ENCRYPTED = """<xml>
<Encrypt><![CDATA[9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3]]></Encrypt>
<MsgSignature><![CDATA[407518b7649e86ef23978113f92d27afa9296533]]></MsgSignature>
<TimeStamp>1411525903</TimeStamp>
<Nonce><![CDATA[461056294]]></Nonce>
</xml>"""

JS_TOKEN, JS_KEY, JS_RECEIVER = (
    "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo",
    "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt",
    "ww1436e0e65a779aee",
)
JS_ENCRYPT = (
    "cjhLUX7UU4yCSelv1vz7T0zT8huF51bAMVWriNvO1FMegHrQZNrtvRxbwf0fUPsFvwqR0U0fgiJNEA5Y30F2MoI2S7vv3EjVQ68C0cjw9frBoUE2Hj0BvFp9h3u6"
    "Vbsg4lc1C8AtHdaN8orKuNKkLRLuYEL52R1J3v8olJGZRLnRdVKIivixmX/eQpzgeExtp20jI1HxRP1AAZ6xZoILdqDPO549LO4WeG+685JRUTdiwcY5fjZlqeMxuT4P"
    "pMn1X9OWsS7NRj06Wa5E3Tvg4twjWp39KPfOdRte6P1T4JU="
)


def test_wechatpy_vector_url_verification():
    c = CallbackCrypto(WP_TOKEN, WP_KEY, WP_CORP)
    echo = "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q=="
    assert (
        c.verify_url("dd6b9c95b495b3f7e2901bfbc76c664930ffdb96", "1411443780", "437374425", echo)
        == "5927782489442352469"
    )
    with pytest.raises(BadSignature):
        c.verify_url("dd6b9c95b495b3f7e2901bfbc76c664930ffdb96", "1411443780", "437374424", echo)


def test_wechatpy_vector_decrypt_message():
    c = CallbackCrypto(WP_TOKEN, WP_KEY, WP_CORP)
    env = parse_envelope(WP_BODY.encode())
    plain = c.decrypt(env["Encrypt"], "74d92dfeb87ba7c714f89d98870ae5eb62dff26d", "1411525903", "461056294")
    assert plain == WP_PLAIN
    fields = message_fields(plain)
    assert fields["Content"] == "test" and fields["FromUserName"] == "messense"
    assert fields["MsgId"] == "4363689963896700987"  # opaque string, not an int


def test_wechatpy_vector_encrypt_reply_is_byte_exact(monkeypatch):
    from wechatpy.crypto.base import BasePrpCrypto

    monkeypatch.setattr(BasePrpCrypto, "get_random_string", lambda self: "1234567890123456")
    c = CallbackCrypto(WP_TOKEN, WP_KEY, WP_CORP)
    assert c.encrypt_xml(WP_REPLY_PLAIN, "461056294", "1411525903") == WP_REPLY_ENCRYPTED


def test_official_json_sample_vectors():
    c = CallbackCrypto(JS_TOKEN, JS_KEY, JS_RECEIVER)
    echo = "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA=="
    assert (
        c.verify_url("012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb", "1476416373", "47744683", echo)
        == "1288432023552776189"
    )
    plain = c.decrypt(JS_ENCRYPT, "e3647471e395139e2308c1fa963f2d648a00b90e", "1409659813", "1372623149")
    assert plain.startswith('{ "ToUserName": "wx5823bf96d3bd56c7", "FromUserName": :mycreate"')
    assert '"MsgId": 4561255354251345929' in plain


def test_wrong_receiver_is_rejected():
    # the right key with another corp id (or the AI bot's "") is -40005
    for receiver in ("wx5823bf96d3bd56c7", ""):
        with pytest.raises(WrongReceiver):
            CallbackCrypto(JS_TOKEN, JS_KEY, receiver).decrypt(
                JS_ENCRYPT, "e3647471e395139e2308c1fa963f2d648a00b90e", "1409659813", "1372623149"
            )


def test_aibot_empty_receiveid_round_trip_and_json_reply():
    c = CallbackCrypto("tok", WP_KEY, "")
    reply = json.loads(c.encrypt_json('{"msgtype":"stream"}', "nonce1", "1700000000"))
    assert set(reply) == {"encrypt", "msgsignature", "timestamp", "nonce"} and reply["nonce"] == "nonce1"
    assert c.decrypt(reply["encrypt"], reply["msgsignature"], "1700000000", "nonce1") == '{"msgtype":"stream"}'


def test_file_decryption_round_trip_and_bad_padding():
    c = CallbackCrypto("tok", WP_KEY, "")
    for size in (0, 1, 31, 32, 33, 100_000):
        data = bytes(range(256)) * (size // 256) + bytes(size % 256)
        enc = c.encrypt_file(data)
        assert len(enc) % 32 == 0 and enc != data
        assert c.decrypt_file(enc) == data
    with pytest.raises(BadPayload):
        c.decrypt_file(b"x" * 15)


# --- XML -------------------------------------------------------------------------------------

BOMB = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><xml><Encrypt>&lol3;</Encrypt></xml>"""
XXE = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><Encrypt>&xxe;</Encrypt></xml>"""


@pytest.mark.parametrize(
    "body", [BOMB, XXE, b"<xml><Encrypt>abc</xml>", b"not xml", b"<xml><ToUserName>x</ToUserName></xml>"]
)
def test_envelope_rejects_bad_xml(body):
    with pytest.raises(BadPayload):
        parse_envelope(body)


def test_template_card_event_fields():
    xml = """<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[0012]]></FromUserName>
<CreateTime>123456789</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event>
<EventKey><![CDATA[key111]]></EventKey><TaskId><![CDATA[taskid111]]></TaskId><CardType><![CDATA[text_notice]]></CardType>
<ResponseCode><![CDATA[ResponseCode]]></ResponseCode><AgentID>1</AgentID><SelectedItems><SelectedItem>
<QuestionKey><![CDATA[QuestionKey1]]></QuestionKey><OptionIds><OptionId><![CDATA[OptionId1]]></OptionId>
<OptionId><![CDATA[OptionId2]]></OptionId></OptionIds></SelectedItem></SelectedItems></xml>"""
    f = message_fields(xml)
    assert f["FromUserName"] == "0012" and f["TaskId"] == "taskid111" and f["ResponseCode"] == "ResponseCode"
    assert f["SelectedItems"] == [{"question_key": "QuestionKey1", "option_ids": ["OptionId1", "OptionId2"]}]


# --- rendering -------------------------------------------------------------------------------


def test_markdown_to_text():
    md = '## 报价建议\n**华东机械** 预算 <font color="warning">50万</font>\n- 先谈价值\n- 见[案例](https://x.cn/a)\n`代码`'
    assert markdown_to_text(md) == "报价建议\n华东机械 预算 50万\n· 先谈价值\n· 见案例 (https://x.cn/a)\n代码"


def test_split_bytes_keeps_order_and_cap():
    text = "".join(f"第{i}句话讲的是客户的预算和决策流程。" for i in range(300))
    parts = split_bytes(text, 2048)
    assert len(parts) > 1 and all(len(p.encode()) <= 2048 for p in parts)
    assert "".join(parts) == text and all(p.endswith("。") for p in parts)


def test_template_card_uses_card_id_and_button_keys():
    card = Card(
        "appr_12",
        "折扣审批",
        "张三申请 8 折",
        fields=[("客户", "华东机械")],
        buttons=[CardButton("approve", "同意"), CardButton("reject", "驳回", style="danger")],
    )
    body = template_card(card)
    assert body["task_id"] == "appr_12" and body["card_type"] == "button_interaction"
    assert [(b["key"], b["style"]) for b in body["button_list"]] == [("approve", 1), ("reject", 3)]
    assert body["horizontal_content_list"] == [{"keyname": "客户", "value": "华东机械"}]


# --- pacing ----------------------------------------------------------------------------------


async def test_pacer_caps_per_recipient_and_forgets_idle_ones():
    now = [0.0]
    pacer = RecipientPacer(per_minute=3, window=60, max_wait=0.05, clock=lambda: now[0])
    for _ in range(3):
        await pacer.acquire("u1")
    await pacer.acquire("u2")  # other users are not held back
    with pytest.raises(TransientSendError) as info:
        await pacer.acquire("u1")
    assert info.value.retry_after == pytest.approx(60)
    now[0] = 61
    await pacer.acquire("u1")
    pacer._prune()
    assert len(pacer) == 1  # u2 went idle and was forgotten


# --- API client against the fake qyapi -------------------------------------------------------


class MemoryKV:
    def __init__(self):
        self.data: dict[str, tuple[str, float | None]] = {}

    async def get(self, key):
        value = self.data.get(key)
        if value is None or (value[1] is not None and value[1] < time.time()):
            return None
        return value[0]

    async def set(self, key, value, ttl_seconds=None):
        self.data[key] = (value, time.time() + ttl_seconds if ttl_seconds else None)


@pytest.fixture
async def qyapi():
    async with FakeQyapi() as fake:
        yield fake


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as s:
        yield s


def make_api(session, qyapi, kv=None, **kw):
    return WeComAPI(
        session,
        kv or MemoryKV(),
        base_url=qyapi.base_url,
        corp_id=qyapi.corp_id,
        secret=qyapi.secret,
        backoff_max=0.05,
        **kw,
    )


async def test_token_cached_shared_through_kv_and_refreshed_before_expiry(session, qyapi):
    kv = MemoryKV()
    now = [1000.0]
    api = make_api(session, qyapi, kv, clock=lambda: now[0])
    await asyncio.gather(
        *(api.send_message({"touser": "u", "msgtype": "text", "text": {"content": "hi"}}) for _ in range(5))
    )
    assert len(qyapi.calls_to("gettoken")) == 1  # single-flight
    other_process = make_api(session, qyapi, kv, clock=lambda: now[0])
    assert await other_process.access_token() == await api.access_token()
    assert len(qyapi.calls_to("gettoken")) == 1
    now[0] += 7200 - 299  # inside the refresh margin: fetch a new one before WeCom refuses it
    await api.send_message({"touser": "u", "msgtype": "text", "text": {"content": "hi"}})
    assert len(qyapi.calls_to("gettoken")) == 2


@pytest.mark.parametrize("code", [40014, 42001, 40001])
async def test_token_refused_is_refreshed_and_retried_once(session, qyapi, code):
    api = make_api(session, qyapi)
    await api.send_message({"touser": "u", "msgtype": "text", "text": {"content": "a"}})
    qyapi.expire_tokens(code)
    await api.send_message({"touser": "u", "msgtype": "text", "text": {"content": "b"}})
    assert len(qyapi.calls_to("gettoken")) == 2
    assert [b["text"]["content"] for b in qyapi.sends()] == ["a", "b"]


async def test_token_refused_twice_is_not_a_loop(session, qyapi):
    api = make_api(session, qyapi)
    await api.access_token()
    qyapi.inject("message/send", errcode=42001, times=2)
    with pytest.raises(WeComAPIError) as info:
        await api.send_message({"touser": "u", "msgtype": "text", "text": {"content": "a"}})
    assert info.value.errcode == 42001 and len(qyapi.calls_to("message/send")) == 2


@pytest.mark.parametrize("fault", [{"errcode": 45009}, {"errcode": 45033}, {"errcode": -1}, {"status": 502}])
async def test_transient_failures_back_off_and_succeed(session, qyapi, fault):
    api = make_api(session, qyapi)
    qyapi.inject("message/send", times=2, **fault)
    await api.send_message({"touser": "u", "msgtype": "text", "text": {"content": "ok"}})
    assert len(qyapi.calls_to("message/send")) == 3 and len(qyapi.sends()) == 1


async def test_transient_failures_surface_as_transient_after_attempts(session, qyapi):
    api = make_api(session, qyapi, attempts=2)
    qyapi.inject("message/send", errcode=45009, times=5)
    with pytest.raises(TransientSendError):
        await api.send_message({"touser": "u", "msgtype": "text", "text": {"content": "x"}})
    assert len(qyapi.calls_to("message/send")) == 2


async def test_slowness_is_a_transient_timeout(session, qyapi):
    api = make_api(session, qyapi, timeout=0.2, attempts=1)
    qyapi.inject("message/send", delay=1.0)
    with pytest.raises(TransientSendError):
        await api.send_message({"touser": "u", "msgtype": "text", "text": {"content": "x"}})


async def test_bad_secret_is_permanent(session, qyapi):
    api = WeComAPI(session, MemoryKV(), base_url=qyapi.base_url, corp_id=qyapi.corp_id, secret="wrong")
    with pytest.raises(WeComAPIError) as info:
        await api.access_token()
    assert info.value.errcode == 40001


async def test_media_get_returns_bytes(session, qyapi):
    qyapi.media["MEDIA1"] = (b"\x89PNG...", "a.png")
    api = make_api(session, qyapi)
    assert await api.get_media("MEDIA1") == b"\x89PNG..."
    with pytest.raises(WeComAPIError):
        await api.get_media("nope")


async def test_fake_duplicate_check_drops_only_flagged_identical_sends_within_the_interval(session, qyapi):
    """WeCom's duplicate check: `enable_duplicate_check` drops the same message to the same member within
    `duplicate_check_interval`; the fake answers errcode 0 for the dropped copy (an assumption)."""
    api = make_api(session, qyapi)

    def text(user, content, **check):
        return {"touser": user, "msgtype": "text", "agentid": 1, "text": {"content": content}, "safe": 0, **check}

    await api.send_message(text("u1", "报价已发"))
    await api.send_message(text("u1", "报价已发"))  # no check asked: both arrive
    dropped = await api.send_message(text("u1", "报价已发", enable_duplicate_check=1, duplicate_check_interval=60))
    assert dropped["errcode"] == 0
    await api.send_message(
        text("u2", "报价已发", enable_duplicate_check=1, duplicate_check_interval=60)
    )  # other member
    await api.send_message(text("u1", "报价已改", enable_duplicate_check=1, duplicate_check_interval=60))  # other text
    assert [(b["touser"], b["text"]["content"]) for b in qyapi.sends()] == [
        ("u1", "报价已发"),
        ("u1", "报价已发"),
        ("u2", "报价已发"),
        ("u1", "报价已改"),
    ]
    assert qyapi.duplicates_dropped == 1 and qyapi.calls_to("message/send")[2]["duplicate"] is True

    for key in qyapi.delivered_at:  # 61 s later: outside a 60 s interval, inside the default 1800 s
        qyapi.delivered_at[key] -= 61
    await api.send_message(text("u1", "报价已发", enable_duplicate_check=1, duplicate_check_interval=60))
    await api.send_message(text("u1", "报价已发", enable_duplicate_check=1))
    assert len(qyapi.sends()) == 5 and qyapi.duplicates_dropped == 2
