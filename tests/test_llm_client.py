"""agents/llm.py: the lean OpenAI-compatible chat model, against the protocol-checking fake endpoint."""

from __future__ import annotations

import time

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool

from agents.llm import LLMError, OpenAICompatibleChat, make_chat_model
from bot.agent import model_unavailable
from bot.settings import Settings
from tests.fakes.openai_server import FakeOpenAI, error, text, tool_call


@pytest.fixture
def llm(fake_llm) -> FakeOpenAI:
    return fake_llm


@pytest.fixture
async def model(llm):
    chat = OpenAICompatibleChat(model="fake", base_url=llm.base_url, api_key="k", max_retries=2, timeout=5)
    yield chat
    await chat.aclose()


@tool
def log_visit(customer: str, summary: str) -> str:
    """Log a customer visit."""
    return "ok"


async def test_plain_answer_and_token_usage(llm, model):
    llm.script(text("好的，收到。"))
    ai = await model.ainvoke([SystemMessage("你是销售助手"), HumanMessage("你好")])
    assert ai.content == "好的，收到。"
    assert ai.usage_metadata["input_tokens"] > 0 and ai.usage_metadata["output_tokens"] > 0
    sent = llm.last_request()
    assert sent["model"] == "fake" and sent["temperature"] == 0.2
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]


async def test_tool_round_trip_is_protocol_valid(llm, model):
    bound = model.bind_tools([log_visit])
    llm.script(tool_call("log_visit", customer="华为", summary="聊了价格"), text("已记录。"))
    first = await bound.ainvoke([HumanMessage("记一下：拜访华为，聊了价格")])
    assert llm.last_tool_names() == ["log_visit"]
    # the schemas are spliced into the body pre-encoded: still the whole, valid schema
    assert {"customer", "summary"} <= set(llm.last_request()["tools"][0]["function"]["parameters"]["properties"])
    [call] = first.tool_calls
    assert call["name"] == "log_visit" and call["args"] == {"customer": "华为", "summary": "聊了价格"}
    # the fake refuses a tool result whose id does not answer the assistant's call (protocol_problem)
    second = await bound.ainvoke([HumanMessage("记一下"), first, ToolMessage("ok", tool_call_id=call["id"])])
    assert second.content == "已记录。"
    assert [m["role"] for m in llm.last_messages()] == ["user", "assistant", "tool"]


async def test_retries_honour_retry_after_then_succeed(llm, model):
    llm.script(error(429, retry_after=0.2), error(500), text("终于好了"))
    started = time.perf_counter()
    ai = await model.ainvoke([HumanMessage("在吗")])
    assert ai.content == "终于好了"
    assert llm.calls == 3
    assert time.perf_counter() - started >= 0.2  # waited as told


async def test_gives_up_after_max_retries_with_a_failure_the_turn_recognises(llm, model):
    llm.script(error(500, times=3))
    with pytest.raises(LLMError) as caught:
        await model.ainvoke([HumanMessage("在吗")])
    assert caught.value.status == 500 and model_unavailable(caught.value)
    assert llm.calls == 3  # 1 + max_retries


async def test_client_errors_are_not_retried_and_carry_the_servers_message(llm, model):
    llm.script(error(400, "response_format is not supported by this model"))
    with pytest.raises(LLMError, match="response_format"):
        await model.bind(response_format={"type": "json_object"}).ainvoke([HumanMessage("x")])
    assert llm.calls == 1
    assert llm.last_request()["response_format"] == {"type": "json_object"}


async def test_unreachable_endpoint_is_an_llm_failure():
    chat = OpenAICompatibleChat(model="m", base_url="http://127.0.0.1:9/v1", max_retries=0, timeout=2)
    try:
        with pytest.raises(LLMError) as caught:
            await chat.ainvoke([HumanMessage("x")])
        assert model_unavailable(caught.value)
    finally:
        await chat.aclose()


def test_settings_pick_the_endpoint():
    settings = Settings(
        _env_file=None, OPENAI_API_KEY="sk-x", SALESBOT_LLM_MODEL="qwen-plus", SALESBOT_LLM_MAX_RETRIES="4"
    )
    chat = make_chat_model(settings)
    assert chat.base_url == "https://api.openai.com/v1" and chat.model == "qwen-plus"
    assert chat.max_retries == 4 and chat.api_key == "sk-x"


def test_assistant_history_without_tool_calls_is_plain_text():
    from agents.llm import message_to_dict

    assert message_to_dict(AIMessage("上次聊到报价")) == {"role": "assistant", "content": "上次聊到报价"}


def _metric(name: str, **labels) -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_fast_path_sends_the_bound_tools_and_records_the_metrics_callback_would(llm, model):
    from agents.llm import MetricsCallback, chat

    model.callbacks = [MetricsCallback()]
    bound = model.bind_tools([log_visit])
    calls, errors = (
        _metric("salesbot_llm_calls_total", outcome="ok"),
        _metric("salesbot_llm_calls_total", outcome="error"),
    )
    prompt_tokens = _metric("salesbot_llm_tokens_total", kind="prompt")
    llm.script(tool_call("log_visit", {"customer": "华为", "summary": "聊了报价"}), error(400, "bad request"))
    ai = await chat(bound, [HumanMessage("记一下华为拜访")])
    assert ai.tool_calls[0]["name"] == "log_visit" and ai.tool_calls[0]["args"]["customer"] == "华为"
    assert [t["function"]["name"] for t in llm.last_request()["tools"]] == ["log_visit"]
    assert _metric("salesbot_llm_calls_total", outcome="ok") == calls + 1
    assert _metric("salesbot_llm_tokens_total", kind="prompt") > prompt_tokens
    with pytest.raises(LLMError):
        await chat(bound, [HumanMessage("再来")])
    assert _metric("salesbot_llm_calls_total", outcome="error") == errors + 1
    # through LangChain's own path the same callback counts the same way
    llm.script(text("好"))
    await bound.ainvoke([HumanMessage("你好")])
    assert _metric("salesbot_llm_calls_total", outcome="ok") == calls + 2


async def test_a_model_with_foreign_callbacks_goes_through_langchain(llm, model):
    from langchain_core.callbacks import AsyncCallbackHandler

    from agents.llm import chat

    seen = []

    class Spy(AsyncCallbackHandler):
        async def on_chat_model_start(self, serialized, messages, **kwargs):
            seen.append(messages)

    model.callbacks = [Spy()]
    llm.script(text("好的"))
    assert (await chat(model, [HumanMessage("你好")])).content == "好的"
    assert len(seen) == 1


@tool
def plan_visit(customer: str, when: str | None = None, contacts: list[str] | None = None, top: int = 4) -> str:
    """Plan a visit."""
    return "ok"


async def test_optional_arguments_are_sent_without_the_null_variant(llm, model):
    """Pydantic writes an optional argument as anyOf [T, null] with default null; the model gets T, not required."""
    bound = model.bind_tools([plan_visit])
    llm.script(tool_call("plan_visit", customer="华为", when="下周三"))
    ai = await bound.ainvoke([HumanMessage("下周三去华为")])
    params = llm.last_request()["tools"][0]["function"]["parameters"]
    assert params["required"] == ["customer"]
    assert params["properties"]["when"] == {"type": "string"}
    assert params["properties"]["contacts"] == {"type": "array", "items": {"type": "string"}}
    assert params["properties"]["top"]["default"] == 4  # a real default stays
    assert "null" not in str(llm.last_request()["tools"])
    assert ai.tool_calls[0]["args"] == {"customer": "华为", "when": "下周三"}
