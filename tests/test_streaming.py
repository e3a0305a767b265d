"""The streaming chat path (agents/streaming.py) against the fake server's real SSE, and the reasoning filter."""

from __future__ import annotations

import json

import pytest
from aiohttp import web
from langchain_core.messages import HumanMessage
from pydantic import BaseModel

from agents.llm import LLMError, OpenAICompatibleChat
from agents.streaming import StreamedAnswer, ThinkFilter, stream_chat
from bot.progress import TurnProgress
from tests.fakes.openai_server import FakeOpenAI, error, text, tool_call, tool_calls


def feed_all(pieces: list[str]) -> list[str]:
    f = ThinkFilter()
    return [f.feed(p) for p in pieces]


def test_think_filter_hides_blocks_split_across_chunks():
    raw = "<think>先查客户，再想话术</think>好的，华东机械的报价下周三前发。"
    for size in (1, 2, 3, 5, 7):
        shown = feed_all([raw[i : i + size] for i in range(0, len(raw), size)])
        assert shown[-1] == "好的，华东机械的报价下周三前发。"
        for visible in shown:
            assert "<" not in visible and "查客户" not in visible and "think" not in visible
            assert "好的，华东机械的报价下周三前发。".startswith(visible)


def test_think_filter_opening_tag_in_the_prompt_and_unclosed_block():
    f = ThinkFilter()
    f.feed("用户想知道报价")  # no <think>: the template opened it
    f.feed("</thi")
    assert f.feed("nk>报价已发。") == "报价已发。"
    assert feed_all(["<think>想了很久", "还没想完"])[-1] == ""  # cut off while thinking: nothing to show
    assert feed_all(["比较 a<b 的情况"])[-1] == "比较 a<b 的情况"  # a "<" that opens no tag stays
    assert feed_all(["答复<", "/b>"])[-1] == "答复</b>"


def test_streamed_answer_assembles_tool_call_fragments_by_index():
    answer = StreamedAnswer()
    events = [
        {"choices": [{"delta": {"role": "assistant", "content": None}}]},
        {"choices": [{"delta": {"tool_calls": [{"index": 1, "id": "b", "function": {"name": "y", "arguments": ""}}]}}]},
        {
            "choices": [
                {"delta": {"tool_calls": [{"index": 0, "id": "a", "function": {"name": "x", "arguments": '{"q'}}]}}
            ]
        },
        {"choices": [{"delta": {"tool_calls": [{"index": 1, "function": {"arguments": '{"n": 2}'}}]}}]},
        {"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"arguments": '": "华东"}'}}]}}]},
        {"choices": [{"delta": {}, "finish_reason": "tool_calls"}]},
    ]
    assert answer.line(": keep-alive") is False and answer.line("event: message") is False
    for event in events:
        answer.line("data: " + json.dumps(event, ensure_ascii=False))
    answer.line("data: [DONE]")
    assert answer.done
    calls = answer.response()["choices"][0]["message"]["tool_calls"]
    assert [(c["id"], c["function"]["name"], json.loads(c["function"]["arguments"])) for c in calls] == [
        ("a", "x", {"q": "华东"}),
        ("b", "y", {"n": 2}),
    ]
    bad = StreamedAnswer()
    with pytest.raises(LLMError):
        bad.line('data: {"error": {"message": "overloaded"}}')


class Query(BaseModel):
    query: str


def lookup(query: str) -> str:
    """Find a customer."""
    return query


@pytest.fixture
async def llm():
    async with FakeOpenAI(stream_chunk_chars=2) as server:
        yield server


def model_for(llm: FakeOpenAI, **kw) -> OpenAICompatibleChat:
    return OpenAICompatibleChat(model="fake", base_url=llm.base_url, api_key="k", max_retries=1, **kw)


async def test_stream_chat_reports_text_as_it_comes_and_returns_the_answer(llm):
    llm.script(text("<think>嗯</think>华东机械下周三前发报价。"))
    model = model_for(llm)
    shown: list[str] = []
    ai = await stream_chat(model, [HumanMessage("华东机械")], shown.append)
    assert ai.content == "华东机械下周三前发报价。" and not ai.tool_calls
    assert len(shown) >= 5 and shown[-1] == ai.content
    assert all(ai.content.startswith(s) for s in shown)
    assert llm.last_request()["stream"] is True
    await model.aclose()


async def test_stream_chat_returns_tool_calls_and_retries_a_429(llm):
    llm.script(
        error(429, retry_after=0.01),
        tool_calls([("lookup", {"query": "华东机械"}), ("lookup", '{"query": "金陵')]),  # second one broken
    )
    model = model_for(llm)
    bound = model.bind_tools([lookup])
    shown: list[str] = []
    ai = await stream_chat(bound, [HumanMessage("查华东机械")], shown.append)
    assert [c["args"] for c in ai.tool_calls] == [{"query": "华东机械"}]
    assert len(ai.invalid_tool_calls) == 1  # invalid JSON arguments are reported, not dropped silently
    assert shown == [] and llm.calls == 2
    assert llm.last_request()["tools"][0]["function"]["name"] == "lookup"
    await model.aclose()


async def test_stream_chat_on_a_server_that_ignores_stream(llm):
    async def plain(request):  # answers with one JSON object whatever `stream` says
        body = await request.json()
        return web.json_response(
            {"model": body["model"], "choices": [{"message": {"role": "assistant", "content": "好的。"}}]}
        )

    app = web.Application()
    app.router.add_post("/v1/chat/completions", plain)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    model = OpenAICompatibleChat(model="m", base_url=f"http://127.0.0.1:{port}/v1", max_retries=0)
    shown: list[str] = []
    try:
        ai = await stream_chat(model, [HumanMessage("你好")], shown.append)
    finally:
        await model.aclose()
        await runner.cleanup()
    assert ai.content == "好的。" and shown == ["好的。"]


async def test_stream_chat_raises_model_unavailable_on_401(llm):
    llm.api_key = "right"
    model = model_for(llm)
    with pytest.raises(LLMError) as info:
        await stream_chat(model, [HumanMessage("你好")], lambda _: None)
    assert info.value.status == 401
    await model.aclose()


async def test_langchain_models_stream_through_astream(llm):
    llm.script(tool_call("lookup", query="华东"), text("<think>x</think>查到了。"))
    model = llm.chat_model().bind_tools([lookup])
    shown: list[str] = []
    ai = await stream_chat(model, [HumanMessage("查")], shown.append)
    assert ai.tool_calls[0]["args"] == {"query": "华东"}
    ai = await stream_chat(model, [HumanMessage("查")], shown.append)
    assert ai.content == "查到了。" and shown[-1] == "查到了。" and all("<" not in s for s in shown)


class RecordingAdapter:
    streams_answers = True
    stream_interval = 0.05

    def __init__(self, fail: bool = False):
        self.calls: list[tuple[str, str]] = []
        self.fail = fail

    async def turn_started(self, inbound):
        self.calls.append(("start", ""))
        if self.fail:
            raise RuntimeError("platform down")

    async def stream_delta(self, inbound, text_so_far):
        self.calls.append(("delta", text_so_far))

    async def turn_finished(self, inbound):
        self.calls.append(("finish", ""))


class _Inbound:
    platform = "x"
    msg_id = "m1"


async def test_turn_progress_coalesces_and_never_fails_the_turn():
    import asyncio

    adapter = RecordingAdapter(fail=True)
    progress = TurnProgress(adapter, _Inbound())
    progress.start()
    for n in range(1, 50):
        progress.report("字" * n)
    await asyncio.sleep(0.2)
    progress.report("字" * 100)
    await progress.finish()
    progress.report("too late")
    await asyncio.sleep(0.1)
    kinds = [k for k, _ in adapter.calls]
    assert kinds[0] == "start" and kinds[-1] == "finish" and kinds.count("finish") == 1
    deltas = [t for k, t in adapter.calls if k == "delta"]
    assert 1 <= len(deltas) < 10 and deltas[0] == "字" * 49  # coalesced to the newest text
    assert "too late" not in deltas
