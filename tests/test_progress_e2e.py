"""Live progress end to end: a slow model (the fake stalls before its last token) behind each channel.

DingTalk: the AI card opens in its processing state as the turn starts, the answer streams into it, and the
outbox's delivery finalises that same card. WeCom AI bot: the stream shows the answer while it is written and the
final content replaces the preview. WeCom self-built app: one 「正在处理…」 only when the answer is slower than
SALESBOT_PROGRESS_NOTICE_SECONDS. In every case the answer arrives exactly once.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from adapters.wecom.aibot.adapter import AIBOT_WORKING
from adapters.wecom.aibot.parsing import stream_id_for
from adapters.wecom.app.adapter import PROGRESS_NOTICE
from tests.fakes.dingtalk import FakeDingTalk
from tests.fakes.openai_server import FakeOpenAI, last_is_tool_result, text, tool_call
from tests.fakes.wecom import aibot_text, text_xml
from tests.test_dingtalk_e2e import AI_TEMPLATE, REP, dingtalk_app, sends_to
from tests.wecom_support import CORP_ID, wecom_rig

ANSWER = "华东机械最近一次拜访是上周三，李总关心二期扩容的交付周期，建议这周把报价发过去。"
THINKING = "<think>用户问华东机械的近况，我先想想该怎么回答。</think>"

USER = {"userid": "zhangsan", "name": "张三", "department": [2], "main_department": 2}


def llm_env(llm: FakeOpenAI) -> dict[str, str]:
    return {
        "OPENAI_BASE_URL": llm.base_url,
        "OPENAI_API_KEY": "test",
        "SALESBOT_LLM_MODEL": "fake",
        "SALESBOT_LLM_MAX_RETRIES": "0",
    }


@pytest.fixture
async def llm():
    async with FakeOpenAI(stream_chunk_chars=6) as server:
        yield server


@pytest.fixture
async def dingtalk():
    gateway = FakeDingTalk()
    await gateway.start()
    yield gateway
    await gateway.close()


async def wait_until(predicate, timeout: float) -> float:
    """Seconds until `predicate()` held; fails after `timeout`."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)
    return time.monotonic() - started


# --- DingTalk -------------------------------------------------------------------------------------


async def test_dingtalk_card_opens_at_once_streams_and_is_finalised_by_the_answer(tmp_path, dingtalk, llm):
    llm.script(text(ANSWER).streamed(final_delay=2.0))
    async with dingtalk_app(tmp_path, dingtalk, **llm_env(llm)) as (app, adapter):
        payload = dingtalk.robot_message("华东机械最近怎么样", staff_id=REP)
        started = time.monotonic()
        await dingtalk.send_callback(payload)
        await wait_until(lambda: dingtalk.cards, timeout=1.0)
        first_sign = time.monotonic() - started
        ((out_track_id, card),) = dingtalk.cards.items()
        assert first_sign < 1.0
        assert card["template"] == AI_TEMPLATE and card["params"]["flowStatus"] == "1"  # processing
        assert ANSWER not in card.get("streamed", {}).get("msgContent", "")

        # the first tokens show up while the model still stalls before its last one
        await wait_until(lambda: card["streams"], timeout=1.5)
        preview = card["streams"][0]
        assert preview["isFinalize"] is False and preview["content"] and ANSWER.startswith(preview["content"])
        assert time.monotonic() - started < 1.9

        await dingtalk.wait_for(lambda: card["params"].get("flowStatus") == "3", timeout=8)
        await app.drain()
        assert list(dingtalk.cards) == [out_track_id]  # one card: the answer went into the progress card
        assert card["streamed"]["msgContent"] == ANSWER
        assert [s["isFinalize"] for s in card["streams"]][-1] is True
        assert sum(s["isFinalize"] for s in card["streams"]) == 1
        assert sends_to(dingtalk, payload) == [] and dingtalk.robot_sends == []  # not sent a second time
        assert llm.last_request()["stream"] is True


async def test_dingtalk_preview_hides_reasoning_split_across_chunks(tmp_path, dingtalk, llm):
    llm.stream_chunk_chars = 3  # "<think>" and "</think>" arrive cut in pieces
    llm.script(text(THINKING + ANSWER).streamed(chunk_delay=0.01))
    async with dingtalk_app(tmp_path, dingtalk, **llm_env(llm)) as (app, adapter):
        payload = dingtalk.robot_message("华东机械最近怎么样", staff_id=REP)
        await dingtalk.send_callback(payload)
        await dingtalk.wait_for(
            lambda: any(c["params"].get("flowStatus") == "3" for c in dingtalk.cards.values()), timeout=8
        )
        await app.drain()
        ((card),) = dingtalk.cards.values()
        assert len(card["streams"]) >= 2  # previews, then the answer
        for stream in card["streams"]:
            assert "<" not in stream["content"] and "用户问" not in stream["content"]
            assert ANSWER.startswith(stream["content"])
        assert card["streamed"]["msgContent"] == ANSWER


async def test_dingtalk_answer_after_a_tool_call_replaces_the_preview(tmp_path, dingtalk, llm):
    def responder(body):
        if last_is_tool_result(body):
            return text(ANSWER).streamed(final_delay=0.3)
        return tool_call("search_customers", query="华东机械")

    llm.responder = responder
    async with dingtalk_app(tmp_path, dingtalk, **llm_env(llm)) as (app, adapter):
        payload = dingtalk.robot_message("查一下华东机械", staff_id=REP)
        await dingtalk.send_callback(payload)
        await dingtalk.wait_for(
            lambda: any(c["params"].get("flowStatus") == "3" for c in dingtalk.cards.values()), timeout=8
        )
        await app.drain()
        ((card),) = dingtalk.cards.values()
        assert card["streamed"]["msgContent"] == ANSWER
        assert sends_to(dingtalk, payload) == []
        assert llm.calls == 2 and all(r["stream"] is True for r in llm.requests)


async def test_dingtalk_commands_open_no_progress_card(tmp_path, dingtalk, llm):
    async with dingtalk_app(tmp_path, dingtalk, **llm_env(llm)) as (app, adapter):
        payload = dingtalk.robot_message("/帮助", staff_id=REP)
        await dingtalk.send_callback(payload)
        await dingtalk.wait_for(lambda: sends_to(dingtalk, payload), timeout=5)
        await app.drain()
        assert dingtalk.cards == {} and llm.calls == 0


# --- WeCom AI bot ---------------------------------------------------------------------------------


async def poll(rig, msg: dict, stream_id: str, n: int) -> dict:
    refresh = {
        **{k: msg[k] for k in ("aibotid", "chattype", "from") if k in msg},
        "msgid": f"refresh-{n}",
        "msgtype": "stream",
        "stream": {"id": stream_id},
    }
    return rig.aibot.decrypt_json_reply((await rig.aibot.post_json(refresh)).body)["stream"]


async def test_wecom_aibot_streams_tokens_then_the_answer_exactly_once(tmp_path, llm):
    llm.script(text(THINKING + ANSWER).streamed(final_delay=2.0))
    async with wecom_rig(tmp_path, **llm_env(llm)) as rig:
        rig.qyapi.users["zhangsan"] = USER
        msg = aibot_text("ai-progress-1", "zhangsan", "华东机械最近怎么样", response_url=rig.qyapi.response_url())
        started = time.monotonic()
        first = rig.aibot.decrypt_json_reply((await rig.aibot.post_json(msg)).body)["stream"]
        assert first["finish"] is False
        stream_id = stream_id_for(msg["msgid"])
        seen, n = [], 0
        while time.monotonic() - started < 1.0:  # WeCom refreshes the stream; we do it faster
            n += 1
            seen.append(await poll(rig, msg, stream_id, n))
            if seen[-1]["content"]:
                break
            await asyncio.sleep(0.05)
        assert seen[-1]["content"] and seen[-1]["finish"] is False, "no sign of progress within 1 s"
        assert time.monotonic() - started < 1.0

        # then the tokens, while the model still stalls before its last one
        while not (seen[-1]["content"] != AIBOT_WORKING and ANSWER.startswith(seen[-1]["content"])):
            n += 1
            seen.append(await poll(rig, msg, stream_id, n))
            await asyncio.sleep(0.05)
            assert time.monotonic() - started < 1.9, seen[-1]
        assert seen[-1]["content"] != ANSWER and seen[-1]["finish"] is False

        while not seen[-1]["finish"]:
            n += 1
            seen.append(await poll(rig, msg, stream_id, n))
            await asyncio.sleep(0.05)
            assert time.monotonic() - started < 10
        await rig.settle()
        assert seen[-1]["content"] == ANSWER  # the preview replaced, not repeated
        assert all("<think>" not in s["content"] and "用户问" not in s["content"] for s in seen)
        assert rig.qyapi.response_url_posts == []


# --- WeCom self-built app -------------------------------------------------------------------------


def app_texts(qyapi) -> list[str]:
    return [b.get("text", b.get("markdown", {})).get("content") for b in qyapi.sends()]


async def test_wecom_app_sends_one_notice_only_when_the_answer_is_slow(tmp_path, llm):
    async with wecom_rig(tmp_path, SALESBOT_PROGRESS_NOTICE_SECONDS="0.5", **llm_env(llm)) as rig:
        rig.qyapi.users["zhangsan"] = USER
        llm.script(text(ANSWER, latency=1.5))
        started = time.monotonic()
        await rig.sender.post_xml(text_xml(CORP_ID, "zhangsan", "华东机械最近怎么样", "slow-1"))
        await wait_until(lambda: app_texts(rig.qyapi), timeout=1.2)
        assert app_texts(rig.qyapi) == [PROGRESS_NOTICE] and time.monotonic() - started < 1.2
        await wait_until(lambda: len(app_texts(rig.qyapi)) == 2, timeout=5)
        await rig.settle()
        assert app_texts(rig.qyapi) == [PROGRESS_NOTICE, ANSWER]
        assert "stream" not in llm.last_request()  # this channel shows no tokens: no streaming asked

        # fast: the answer alone, and no late notice after it
        llm.script(text(ANSWER + "（二）"))
        await rig.sender.post_xml(text_xml(CORP_ID, "zhangsan", "再说一遍", "fast-1"))
        await wait_until(lambda: len(app_texts(rig.qyapi)) == 3, timeout=5)
        await rig.settle()
        await asyncio.sleep(0.8)  # past the threshold
        assert app_texts(rig.qyapi) == [PROGRESS_NOTICE, ANSWER, ANSWER + "（二）"]


async def test_wecom_app_notice_off_with_zero(tmp_path, llm):
    async with wecom_rig(tmp_path, SALESBOT_PROGRESS_NOTICE_SECONDS="0", **llm_env(llm)) as rig:
        rig.qyapi.users["zhangsan"] = USER
        llm.script(text(ANSWER, latency=0.6))
        await rig.sender.post_xml(text_xml(CORP_ID, "zhangsan", "华东机械最近怎么样", "off-1"))
        await wait_until(lambda: app_texts(rig.qyapi), timeout=5)
        await rig.settle()
        assert app_texts(rig.qyapi) == [ANSWER]
