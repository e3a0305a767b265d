"""Streaming chat completions: the answer as the model writes it, for live previews (bot/progress.py).

`stream_chat(model, messages, on_text)` returns the same AIMessage as `agents.llm.chat` (tool calls included)
and calls `on_text(visible_text_so_far)` while the tokens come. Our own client is asked with `stream: true`
and the server-sent events are read here: `data:` lines, `delta.content`, `delta.tool_calls` fragments
accumulated by their `index`, `[DONE]`; the assembled message is then read by `agents.llm.result_from_response`,
exactly like a non-streamed answer. Another LangChain model streams through `astream`.

Reasoning models write `<think>…</think>` before the answer; `ThinkFilter` hides it from the preview, also when
a tag is split across chunks, when the opening tag is missing (some templates put it in the prompt), and when
the block never closes (a truncated answer).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any, Callable

import aiohttp
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.runnables import RunnableBinding

from agents.llm import (
    LLMError,
    OpenAICompatibleChat,
    _EncodedTools,
    _error_message,
    _only_metrics_callbacks,
    _retry_after,
    chat,
    message_to_dict,
    result_from_response,
)
from bot.metrics import record_llm_call

OPEN, CLOSE = "<think>", "</think>"
_BLOCK = re.compile(r"<think>.*?</think>", re.S)

OnText = Callable[[str], None]


class ThinkFilter:
    """Feed the raw content chunk by chunk; `visible` is what a person may see of it so far."""

    def __init__(self) -> None:
        self.raw = ""

    def feed(self, chunk: str) -> str:
        self.raw += chunk
        return self.visible

    @property
    def visible(self) -> str:
        text = self.raw
        close = text.rfind(CLOSE)
        if close >= 0 and OPEN not in text[:close]:  # the opening tag was in the prompt: all before is reasoning
            text = text[close + len(CLOSE) :]
        text = _BLOCK.sub("", text)
        start = text.find(OPEN)
        if start >= 0:  # still thinking (or cut off while thinking)
            text = text[:start]
        return _without_partial_tag(text).strip()


def _without_partial_tag(text: str) -> str:
    """Drop a tail that may be the start of a tag still being written ("…答复<thi")."""
    cut = text.rfind("<")
    if cut >= 0 and len(text) - cut < len(CLOSE):
        tail = text[cut:]
        if OPEN.startswith(tail) or CLOSE.startswith(tail):
            return text[:cut]
    return text


async def stream_chat(model, messages: list[BaseMessage], on_text: OnText) -> AIMessage:
    """One chat-model call with its answer streamed to `on_text` (reasoning hidden); returns the whole answer."""
    target, kwargs = model, {}
    if isinstance(model, RunnableBinding) and not model.config and not model.config_factories:
        target, kwargs = model.bound, dict(model.kwargs)
    if isinstance(target, OpenAICompatibleChat) and _only_metrics_callbacks(target.callbacks):
        return await _stream_own(target, list(messages), kwargs, on_text)
    if not hasattr(model, "astream"):  # pragma: no cover - not a LangChain model
        return await chat(model, messages)
    return await _stream_langchain(model, messages, on_text)


async def _stream_langchain(model, messages: list[BaseMessage], on_text: OnText) -> AIMessage:
    shown = ThinkFilter()
    total: AIMessageChunk | None = None
    async for chunk in model.astream(messages):
        total = chunk if total is None else total + chunk
        if isinstance(chunk.content, str) and chunk.content:
            on_text(shown.feed(chunk.content))
    if total is None:
        return AIMessage("")
    return AIMessage(
        content=shown.visible if isinstance(total.content, str) else total.content,
        tool_calls=total.tool_calls,
        invalid_tool_calls=total.invalid_tool_calls,
        usage_metadata=total.usage_metadata,
        response_metadata=total.response_metadata,
    )


def request_payload(model: OpenAICompatibleChat, messages: list[BaseMessage], kwargs: dict[str, Any]) -> bytes:
    """The chat-completions body of `OpenAICompatibleChat._agenerate`, asking for a stream."""
    body: dict[str, Any] = {"model": model.model, "messages": [message_to_dict(m) for m in messages]}
    if model.temperature is not None:
        body["temperature"] = model.temperature
    tools = kwargs.pop("tools", None)
    body.update(kwargs)
    body["stream"] = True
    encoded = json.dumps(body, ensure_ascii=False)
    if tools:
        tools_json = tools.json if isinstance(tools, _EncodedTools) else json.dumps(tools, ensure_ascii=False)
        encoded = encoded[:-1] + ', "tools": ' + tools_json + "}"
    return encoded.encode()


async def _stream_own(
    model: OpenAICompatibleChat, messages: list[BaseMessage], kwargs: dict[str, Any], on_text: OnText
) -> AIMessage:
    payload = request_payload(model, messages, kwargs)
    started = time.perf_counter()
    try:
        async for attempt in model._attempts():  # a retry starts the answer over; the preview follows
            with attempt:
                data, visible = await _post_stream(model, payload, on_text)
    except BaseException:
        if model.callbacks:
            record_llm_call(time.perf_counter() - started, "error")
        raise
    ai = result_from_response(data).generations[0].message
    ai.content = visible
    if model.callbacks:
        usage = ai.usage_metadata or {}
        record_llm_call(
            time.perf_counter() - started, "ok", usage.get("input_tokens", 0), usage.get("output_tokens", 0)
        )
    return ai


async def _post_stream(model: OpenAICompatibleChat, payload: bytes, on_text: OnText) -> tuple[dict[str, Any], str]:
    url = model.base_url.rstrip("/") + "/chat/completions"
    headers = {
        "Content-Type": "application/json",
        "Accept": "text/event-stream",
        "Authorization": f"Bearer {model.api_key}",
    }
    answer = StreamedAnswer()
    try:
        async with model._session().post(
            url, data=payload, headers=headers, timeout=aiohttp.ClientTimeout(total=model.timeout)
        ) as response:
            if response.status >= 400:
                raw = await response.read()
                raise LLMError(
                    f"HTTP {response.status}: {_error_message(raw)}",
                    status=response.status,
                    retry_after=_retry_after(response.headers),
                )
            if "text/event-stream" not in response.headers.get("Content-Type", ""):
                # a server that ignores `stream` answers with one JSON object: read it as such
                raw = await response.read()
                try:
                    data = json.loads(raw)
                except ValueError as exc:
                    raise LLMError(f"invalid JSON from the model endpoint: {raw[:200]!r}", status=502) from exc
                content = ((data.get("choices") or [{}])[0].get("message") or {}).get("content") or ""
                visible = ThinkFilter().feed(content if isinstance(content, str) else "")
                if visible:
                    on_text(visible)
                return data, visible
            buffer = b""
            async for chunk in response.content.iter_any():
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    if answer.line(line.decode("utf-8", "replace").rstrip("\r")):
                        on_text(answer.visible)
                if answer.done:
                    break
            if buffer and not answer.done and answer.line(buffer.decode("utf-8", "replace")):
                on_text(answer.visible)
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        raise LLMError(f"{type(exc).__name__}: {exc}") from exc
    if not answer.started:
        raise LLMError("the model's stream ended without an answer", status=502)
    return answer.response(), answer.visible


class StreamedAnswer:
    """The chat-completion chunks of one answer, put back together."""

    def __init__(self) -> None:
        self.content = ThinkFilter()
        self.visible = ""
        self.calls: dict[int, dict[str, Any]] = {}
        self.finish_reason: str | None = None
        self.usage: dict[str, Any] | None = None
        self.model: str | None = None
        self.started = False
        self.done = False

    def line(self, line: str) -> bool:
        """Read one SSE line; True when the visible text changed."""
        if not line.startswith("data:"):
            return False  # blank separators, `event:`/`id:` fields and `:` keep-alive comments
        data = line[5:].strip()
        if data == "[DONE]":
            self.done = True
            return False
        try:
            chunk = json.loads(data)
        except ValueError:
            return False
        if not isinstance(chunk, dict):
            return False
        if chunk.get("error"):  # some servers report a failure inside the stream
            error = chunk["error"]
            message = error.get("message") if isinstance(error, dict) else str(error)
            raise LLMError(f"error in the model's stream: {message}", status=502)
        self.started = True
        self.model = chunk.get("model") or self.model
        if chunk.get("usage"):
            self.usage = chunk["usage"]
        changed = False
        for choice in chunk.get("choices") or []:
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]
            delta = choice.get("delta") or {}
            piece = delta.get("content")
            if isinstance(piece, str) and piece:
                visible = self.content.feed(piece)
                if visible != self.visible:
                    self.visible, changed = visible, True
            for fragment in delta.get("tool_calls") or []:
                self._tool_fragment(fragment)
        return changed

    def _tool_fragment(self, fragment: dict[str, Any]) -> None:
        index = fragment.get("index")
        if not isinstance(index, int):
            index = len(self.calls)
        call = self.calls.setdefault(index, {"id": None, "name": "", "arguments": ""})
        if fragment.get("id"):
            call["id"] = fragment["id"]
        function = fragment.get("function") or {}
        if function.get("name"):
            # most servers send the name whole in the first fragment; some repeat it with every fragment
            name = function["name"]
            call["name"] = name if call["name"] in ("", name) else call["name"] + name
        arguments = function.get("arguments")
        if isinstance(arguments, str):
            call["arguments"] += arguments
        elif isinstance(arguments, dict):  # a server that sends the arguments as an object at once
            call["arguments"] = json.dumps(arguments, ensure_ascii=False)

    def response(self) -> dict[str, Any]:
        """The answer as a non-streamed chat completion."""
        message: dict[str, Any] = {"role": "assistant", "content": self.content.raw}
        if self.calls:
            message["tool_calls"] = [
                {
                    "id": call["id"] or f"call_{index}",
                    "type": "function",
                    "function": {"name": call["name"], "arguments": call["arguments"] or "{}"},
                }
                for index, call in sorted(self.calls.items())
            ]
        data: dict[str, Any] = {
            "choices": [{"index": 0, "message": message, "finish_reason": self.finish_reason}],
            "model": self.model,
        }
        if self.usage:
            data["usage"] = self.usage
        return data
