"""The fake OpenAI server against the real openai and langchain_openai clients."""

from __future__ import annotations

import asyncio
import json
import math
import socket
import time

import aiohttp
import openai
import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_openai import ChatOpenAI, OpenAIEmbeddings
from pydantic import BaseModel, Field

from tests.fakes.openai_server import (
    FakeOpenAI,
    error,
    hashed_embedding,
    last_is_tool_result,
    last_user_text,
    text,
    tool_call,
    tool_calls,
)


class LogVisit(BaseModel):
    """Record a customer visit."""

    customer: str = Field(description="customer name")
    notes: str = Field(description="what was discussed")


class FindAccount(BaseModel):
    """Look up an account by name."""

    name: str


@pytest.fixture
async def llm():
    async with FakeOpenAI() as server:
        yield server


_open_clients: list[openai.AsyncOpenAI] = []


def client(llm: FakeOpenAI, **kwargs) -> openai.AsyncOpenAI:
    api = openai.AsyncOpenAI(base_url=llm.base_url, api_key="x", **kwargs)
    _open_clients.append(api)
    return api


@pytest.fixture(autouse=True)
async def close_clients():
    yield
    while _open_clients:
        await _open_clients.pop().close()


def chat(llm: FakeOpenAI, **kwargs) -> ChatOpenAI:
    return llm.chat_model(**kwargs)


async def test_base_url_is_loopback_with_ephemeral_port():
    server = FakeOpenAI()
    await server.start()
    try:
        assert server.base_url.startswith("http://127.0.0.1:")
        assert server.base_url.endswith("/v1")
        port = int(server.base_url.split(":")[2].split("/")[0])
        assert port > 0
        models = await client(server).models.list()
        assert [m.id for m in models.data] == ["fake"]
    finally:
        await server.stop()
    with pytest.raises(openai.APIConnectionError):
        await client(server, max_retries=0).models.list()


async def test_openai_non_stream_text_and_default_reply(llm):
    llm.script(text("您好，我是销售助手。"))
    api = client(llm)
    first = await api.chat.completions.create(model="fake", messages=[{"role": "user", "content": "你好"}])
    assert first.choices[0].message.content == "您好，我是销售助手。"
    assert first.choices[0].finish_reason == "stop"
    assert first.object == "chat.completion"
    assert first.model == "fake"
    assert first.usage.total_tokens == first.usage.prompt_tokens + first.usage.completion_tokens > 0
    # The script is used up, so the default answers.
    second = await api.chat.completions.create(model="fake", messages=[{"role": "user", "content": "再说一次"}])
    assert second.choices[0].message.content == "好的。"
    assert llm.calls == 2 and llm.pending == 0
    assert llm.last_user_text() == "再说一次"


async def test_openai_stream_text_in_chunks_with_usage(llm):
    llm.stream_chunk_chars = 2
    llm.script(text("明天下午三点拜访华为"))
    stream = await client(llm).chat.completions.create(
        model="fake",
        messages=[{"role": "user", "content": "安排拜访"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [chunk async for chunk in stream]
    content_chunks = [c for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(content_chunks) == math.ceil(len("明天下午三点拜访华为") / 2)
    assert "".join(c.choices[0].delta.content for c in content_chunks) == "明天下午三点拜访华为"
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens > 0
    assert all(c.usage is None for c in chunks[:-1])
    assert len({c.id for c in chunks}) == 1


async def test_raw_stream_is_openai_sse_with_tool_call_deltas_and_done(llm):
    llm.stream_chunk_chars = 5
    llm.script(tool_call("log_visit", customer="华为", notes="谈了报价"))
    body = {"model": "fake", "messages": [{"role": "user", "content": "x"}], "stream": True}
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{llm.base_url}/chat/completions", json=body) as response:
            assert response.headers["Content-Type"].startswith("text/event-stream")
            raw = (await response.read()).decode()
    events = [block for block in raw.split("\n\n") if block]
    assert all(event.startswith("data: ") for event in events)
    assert events[-1] == "data: [DONE]"
    chunks = [json.loads(event[len("data: ") :]) for event in events[:-1]]
    assert all(chunk["object"] == "chat.completion.chunk" for chunk in chunks)
    opening = chunks[0]["choices"][0]["delta"]
    assert opening["role"] == "assistant" and opening["content"] is None
    call = opening["tool_calls"][0]
    assert (
        call["index"] == 0
        and call["id"].startswith("call_")
        and call["function"] == {"name": "log_visit", "arguments": ""}
    )
    pieces = [c["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"] for c in chunks[1:-1]]
    assert len(pieces) > 2
    assert json.loads("".join(pieces)) == {"customer": "华为", "notes": "谈了报价"}
    assert "id" not in chunks[1]["choices"][0]["delta"]["tool_calls"][0]
    assert chunks[-1]["choices"][0] == {"index": 0, "delta": {}, "logprobs": None, "finish_reason": "tool_calls"}


async def test_chatopenai_bind_tools_ainvoke_parses_tool_call(llm):
    llm.script(tool_call("LogVisit", customer="华为", notes="谈了报价"))
    reply = await chat(llm).bind_tools([LogVisit, FindAccount]).ainvoke("今天拜访了华为，谈了报价")
    assert len(reply.tool_calls) == 1
    call = reply.tool_calls[0]
    assert call["name"] == "LogVisit"
    assert call["args"] == {"customer": "华为", "notes": "谈了报价"}
    assert call["id"].startswith("call_")
    assert llm.last_tool_names() == ["LogVisit", "FindAccount"]
    assert llm.last_request()["model"] == "fake"


async def test_chatopenai_astream_assembles_parallel_tool_call_deltas(llm):
    llm.stream_chunk_chars = 3
    llm.script(tool_calls([("FindAccount", {"name": "华为技术"}), ("LogVisit", {"customer": "华为", "notes": "报价"})]))
    model = chat(llm).bind_tools([LogVisit, FindAccount])
    chunks = [chunk async for chunk in model.astream("查一下华为并记录拜访")]
    assert len(chunks) > 5  # really streamed, not one blob
    message = chunks[0]
    for chunk in chunks[1:]:
        message = message + chunk
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [
        ("FindAccount", {"name": "华为技术"}),
        ("LogVisit", {"customer": "华为", "notes": "报价"}),
    ]
    assert len({c["id"] for c in message.tool_calls}) == 2
    assert llm.last_request()["stream"] is True


async def test_tool_round_trip_routes_on_tool_result(llm):
    llm.responder = lambda body: text("已经记好了。") if last_is_tool_result(body) else None
    llm.script(tool_call("LogVisit", customer="华为", notes="报价"))
    model = chat(llm).bind_tools([LogVisit])
    first = await model.ainvoke([HumanMessage("记录拜访")])
    tool_result = ToolMessage("ok", tool_call_id=first.tool_calls[0]["id"])
    second = await model.ainvoke([HumanMessage("记录拜访"), first, tool_result])
    assert second.content == "已经记好了。"
    sent = llm.last_messages()
    assert [m["role"] for m in sent] == ["user", "assistant", "tool"]
    # langchain re-serializes the arguments it parsed, so compare them as JSON.
    assert json.loads(sent[1]["tool_calls"][0]["function"]["arguments"]) == {"customer": "华为", "notes": "报价"}
    assert sent[2]["tool_call_id"] == first.tool_calls[0]["id"]
    # With no tool result the responder defers to the default.
    assert (await model.ainvoke("你好")).content == "好的。"


async def test_responder_routes_concurrent_conversations(llm):
    async def by_customer(body):
        await asyncio.sleep(0)  # async responders are awaited
        return f"收到：{last_user_text(body)}"

    llm.responder = by_customer
    model = chat(llm)
    prompts = [f"客户{i}" for i in range(10)]
    replies = await asyncio.gather(*(model.ainvoke(p) for p in prompts))
    assert [r.content for r in replies] == [f"收到：{p}" for p in prompts]


async def test_429_twice_then_text_is_retried_by_the_client(llm):
    llm.script(error(429, times=2, retry_after=0.01), text("重试成功"))
    reply = await client(llm, max_retries=2).chat.completions.create(
        model="fake", messages=[{"role": "user", "content": "hi"}]
    )
    assert reply.choices[0].message.content == "重试成功"
    assert llm.calls == 3


async def test_429_sends_openai_error_body_and_retry_headers(llm):
    llm.script(error(429, retry_after=0.25))
    body = {"model": "fake", "messages": [{"role": "user", "content": "hi"}]}
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{llm.base_url}/chat/completions", json=body) as response:
            assert response.status == 429
            assert response.headers["retry-after-ms"] == "250"
            assert response.headers["retry-after"] == "1"
            payload = await response.json()
    assert payload["error"]["type"] == "requests"
    assert payload["error"]["code"] == "rate_limit_exceeded"
    assert payload["error"]["message"]


async def test_chatopenai_gets_rate_limit_error_when_retries_run_out(llm):
    llm.script(error(429, "慢一点", times=3, retry_after=0.01))
    with pytest.raises(openai.RateLimitError) as caught:
        await chat(llm, max_retries=2).ainvoke("hi")
    assert caught.value.body["message"] == "慢一点"
    assert llm.calls == 3


async def test_persistent_500_raises_internal_server_error(llm):
    llm.default = lambda body: error(500)
    with pytest.raises(openai.InternalServerError) as caught:
        await client(llm, max_retries=0).chat.completions.create(
            model="fake", messages=[{"role": "user", "content": "hi"}]
        )
    assert caught.value.status_code == 500
    assert caught.value.body["type"] == "server_error"
    assert llm.calls == 1


async def test_protocol_violation_gets_openai_400_and_keeps_the_script(llm):
    llm.script(text("不该被用掉"))
    orphan = ToolMessage("ok", tool_call_id="call_missing")
    with pytest.raises(openai.BadRequestError) as caught:
        await chat(llm, max_retries=0).ainvoke([HumanMessage("hi"), orphan])
    assert "must be a response to a preceeding message with 'tool_calls'" in caught.value.message
    unanswered = AIMessage("", tool_calls=[{"name": "LogVisit", "args": {}, "id": "call_1"}])
    with pytest.raises(openai.BadRequestError, match="call_1"):
        await chat(llm, max_retries=0).ainvoke([HumanMessage("hi"), unanswered, HumanMessage("then?")])
    assert llm.pending == 1


async def test_responder_bug_is_reported_not_retried(llm):
    llm.responder = lambda body: 1 / 0
    with pytest.raises(openai.BadRequestError, match="ZeroDivisionError"):
        await client(llm, max_retries=2).chat.completions.create(
            model="fake", messages=[{"role": "user", "content": "hi"}]
        )
    assert llm.calls == 1
    assert isinstance(llm.responder_errors[0], ZeroDivisionError)


async def test_latency_delays_each_request_and_requests_overlap(llm):
    llm.latency = 0.3
    api = client(llm)
    started = time.perf_counter()
    await api.chat.completions.create(model="fake", messages=[{"role": "user", "content": "hi"}])
    assert time.perf_counter() - started >= 0.3
    started = time.perf_counter()
    await asyncio.gather(
        *(api.chat.completions.create(model="fake", messages=[{"role": "user", "content": str(i)}]) for i in range(20))
    )
    # Serial handling would take 6 s; overlapping sleeps take about 0.3 s.
    assert time.perf_counter() - started < 2.0
    assert llm.calls == 21


async def test_step_latency_adds_to_global_latency(llm):
    llm.script(text("慢").with_latency(0.2), tool_call("FindAccount", name="a").with_latency(0.2))
    model = chat(llm).bind_tools([FindAccount])
    started = time.perf_counter()
    await model.ainvoke("1")
    await model.ainvoke("2")
    assert time.perf_counter() - started >= 0.4


async def test_embeddings_shape_and_determinism(llm):
    api = client(llm)
    first = await api.embeddings.create(model="fake-embed", input=["华为报价", "拜访记录", "华为报价"])
    assert [len(item.embedding) for item in first.data] == [256, 256, 256]
    assert [item.index for item in first.data] == [0, 1, 2]
    vectors = [item.embedding for item in first.data]
    assert vectors[0] == pytest.approx(vectors[2]) and vectors[0] != pytest.approx(vectors[1])
    assert sum(x * x for x in vectors[0]) == pytest.approx(1.0, rel=1e-5)
    # The client asks for base64 float32 by default; floats come back identical up to float32 precision.
    floats = await api.embeddings.create(model="fake-embed", input="华为报价", encoding_format="float", dimensions=32)
    assert floats.data[0].embedding == pytest.approx(hashed_embedding("华为报价", 32))
    again = await api.embeddings.create(model="fake-embed", input="华为报价", dimensions=32)
    assert again.data[0].embedding == pytest.approx(floats.data[0].embedding, abs=1e-6)
    assert llm.embedding_requests[0]["encoding_format"] == "base64"


async def test_langchain_embeddings_with_configured_dimension():
    async with FakeOpenAI(embedding_dim=16) as llm:
        embeddings = OpenAIEmbeddings(
            base_url=llm.base_url, api_key="x", model="fake-embed", check_embedding_ctx_length=False
        )
        vectors = await embeddings.aembed_documents(["客户", "商机"])
        assert [len(v) for v in vectors] == [16, 16]
        assert vectors[0] == pytest.approx(hashed_embedding("客户", 16), abs=1e-6)


async def test_any_or_no_authorization_is_accepted(llm):
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{llm.base_url}/chat/completions", json={"model": "fake", "messages": [{"role": "user", "content": "x"}]}
        ) as response:
            assert response.status == 200
        async with session.get(f"{llm.base_url}/nope") as response:
            assert response.status == 404
            assert "does not implement GET /v1/nope" in (await response.json())["error"]["message"]
    await client(llm).models.list()
    assert "Authorization" not in llm.received[0].headers
    assert llm.received[-1].headers["Authorization"] == "Bearer x"


def test_step_helpers_reject_bad_input():
    with pytest.raises(ValueError):
        error(200)
    with pytest.raises(ValueError):
        error(429, times=0)
    with pytest.raises(ValueError):
        tool_calls([])
    with pytest.raises(ValueError):
        tool_call("x", {"a": 1}, b=2)
    server = FakeOpenAI()
    with pytest.raises(TypeError):
        server.script(42)
    server.script(error(503, times=3), "好")
    assert server.pending == 4


def test_chat_model_survives_a_port_reused_by_a_later_event_loop():
    # Each pytest-asyncio test has its own loop and the OS reuses ephemeral ports; a ChatOpenAI built
    # the default way would share langchain_openai's client cached by URL across those loops.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def two_calls_on(port: int) -> list[str]:
        async with FakeOpenAI(port=port) as server:
            server.script(text("一"), text("二"))
            model = server.chat_model(max_retries=0)
            return [(await model.ainvoke([HumanMessage("hi")])).content for _ in range(2)]

    for _ in range(3):
        assert asyncio.run(two_calls_on(port)) == ["一", "二"]
