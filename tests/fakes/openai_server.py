"""A protocol-faithful fake of the OpenAI HTTP API (chat completions, embeddings, models) on aiohttp.

The real `openai` / `langchain_openai` clients talk to it over HTTP, so retries, SSE parsing and
tool-call assembly are exercised for real. Usage:

    from tests.fakes.openai_server import FakeOpenAI, text, tool_call, error

    async with FakeOpenAI() as llm:
        llm.script(error(429, retry_after=0.01), tool_call("log_visit", customer="华为"), text("已记录。"))
        chat = llm.chat_model().bind_tools(tools)       # a langchain_openai.ChatOpenAI
        reply = await chat.ainvoke("今天拜访了华为")     # 429 -> retried -> tool call
        assert reply.tool_calls[0]["args"] == {"customer": "华为"}
        assert llm.last_tool_names() == ["log_visit"]
        llm.responder = lambda body: text("查到了") if last_user_text(body) == "查" else None
        llm.latency = 1.0                                # every request sleeps 1 s, concurrently
        llm.script(text("好的，已记录").streamed(final_delay=2))  # with stream=true: stalls 2 s before the end
        llm.script(raw({"choices": []}))                 # a body sent verbatim (provider quirks)
        llm.replay("tests/replays/think_tags")           # answers recorded by `salesbot eval --record`

Which step answers a chat request: the next scripted step (`llm.script`), else `llm.responder(body)`,
else (or when the responder returns None) `llm.default(body)`. Responders may return a step, a plain
str (taken as text), or an awaitable of either. A request that breaks the chat protocol (see
`protocol_problem`) gets the 400 OpenAI would send and consumes no step.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
import inspect
import json
import math
import re
import struct
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

from aiohttp import web

__all__ = [
    "FakeOpenAI",
    "Text",
    "ToolCall",
    "ToolCalls",
    "Error",
    "Raw",
    "raw",
    "load_recordings",
    "Step",
    "ReceivedRequest",
    "text",
    "tool_call",
    "tool_calls",
    "error",
    "last_user_text",
    "last_message",
    "last_is_tool_result",
    "tool_names",
    "hashed_embedding",
    "protocol_problem",
]

# -- steps --------------------------------------------------------------------------------------


class _StepMixin:
    latency: float

    def with_latency(self, seconds: float):
        """A copy of this step that waits `seconds` (on top of `llm.latency`) before answering."""
        return dataclasses.replace(self, latency=seconds)


@dataclass(frozen=True)
class Text(_StepMixin):
    content: str
    latency: float = 0.0
    # when streamed: the pause between chunks (None: the server's stream_chunk_delay), and an extra pause
    # before the last content chunk (a model that stalls before its final token)
    chunk_delay: float | None = None
    final_delay: float = 0.0

    def streamed(self, chunk_delay: float | None = None, final_delay: float = 0.0) -> "Text":
        """A copy streamed with these pauses: `text("好的").streamed(final_delay=2)`."""
        return dataclasses.replace(self, chunk_delay=chunk_delay, final_delay=final_delay)


@dataclass(frozen=True)
class ToolCall:
    name: str
    # A dict is JSON-encoded the way OpenAI models emit it; a str is sent verbatim (e.g. broken JSON).
    arguments: Mapping[str, Any] | str = field(default_factory=dict)
    id: str | None = None

    def arguments_json(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(dict(self.arguments), ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class ToolCalls(_StepMixin):
    calls: tuple[ToolCall, ...]
    content: str | None = None
    latency: float = 0.0


@dataclass(frozen=True)
class Error(_StepMixin):
    status: int
    message: str
    type: str
    code: str | None = None
    param: str | None = None
    retry_after: float | None = None
    should_retry: bool | None = None  # sent as x-should-retry, which the openai client obeys
    times: int = 1
    latency: float = 0.0

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}

    def headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.retry_after is not None:
            # retry-after stays an HTTP-legal integer; the openai client prefers the precise -ms header.
            headers["retry-after"] = str(max(0, math.ceil(self.retry_after)))
            headers["retry-after-ms"] = str(max(0, round(self.retry_after * 1000)))
        if self.should_retry is not None:
            headers["x-should-retry"] = "true" if self.should_retry else "false"
        return headers


@dataclass(frozen=True)
class Raw(_StepMixin):
    """A response body sent exactly as given (with its status and headers): what a real server sent."""

    body: Any
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    latency: float = 0.0


def raw(body: Any, *, status: int = 200, headers: Mapping[str, str] | None = None, latency: float = 0.0) -> Raw:
    return Raw(body, status, dict(headers or {}), latency)


Step = Union[Text, ToolCalls, Error, Raw]
StepLike = Union[Step, str, None]
Responder = Callable[[dict[str, Any]], Union[StepLike, Awaitable[StepLike]]]


def text(content: Any, *, latency: float = 0.0) -> Text:
    """An assistant text reply. Non-str content (dict, list) is sent as its JSON, for structured output."""
    if not isinstance(content, str):
        content = json.dumps(content, ensure_ascii=False)
    return Text(content, latency)


def tool_call(name: str, arguments: Mapping[str, Any] | str | None = None, /, **kwargs: Any) -> ToolCalls:
    """One tool call: `tool_call("log_visit", customer="华为")` or `tool_call("x", {"not-an-identifier": 1})`.

    Every keyword is an argument of the tool, so set latency with `.with_latency(seconds)`.
    """
    if arguments is not None and kwargs:
        raise ValueError("give the tool arguments either as a dict or as keywords, not both")
    return ToolCalls((ToolCall(name, kwargs if arguments is None else arguments),))


def tool_calls(
    calls: Iterable[tuple[str, Mapping[str, Any] | str]], *, content: str | None = None, latency: float = 0.0
) -> ToolCalls:
    """Parallel tool calls in one assistant message: `tool_calls([("a", {...}), ("b", {...})])`."""
    built = tuple(ToolCall(name, args) for name, args in calls)
    if not built:
        raise ValueError("tool_calls needs at least one (name, arguments) pair")
    return ToolCalls(built, content, latency)


_ERROR_DEFAULTS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Invalid request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: (
        "invalid_request_error",
        "unsupported_country_region_territory",
        "Country, region, or territory not supported.",
    ),
    404: ("invalid_request_error", "model_not_found", "The model does not exist or you do not have access to it."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests. Please try again in 20ms."),
}


def error(
    status: int,
    message: str | None = None,
    *,
    type: str | None = None,
    code: str | None = None,
    param: str | None = None,
    times: int = 1,
    retry_after: float | None = None,
    should_retry: bool | None = None,
    latency: float = 0.0,
) -> Error:
    """An HTTP error with OpenAI's error body. `times=N` answers the next N requests with it."""
    if not 400 <= status <= 599:
        raise ValueError(f"error status must be 4xx or 5xx, got {status}")
    if times < 1:
        raise ValueError(f"times must be at least 1, got {times}")
    default_type, default_code, default_message = _ERROR_DEFAULTS.get(
        status, ("server_error", None, "The server had an error while processing your request. Sorry about that!")
    )
    return Error(
        status=status,
        message=message or default_message,
        type=type or default_type,
        code=code if code is not None else default_code,
        param=param,
        retry_after=retry_after,
        should_retry=should_retry,
        times=times,
        latency=latency,
    )


# -- helpers for responders -------------------------------------------------------------------


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}, ...]
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def last_message(body: Mapping[str, Any]) -> dict[str, Any]:
    messages = body.get("messages") or []
    return messages[-1] if messages else {}


def last_user_text(body: Mapping[str, Any]) -> str:
    """Text of the last user message, '' if there is none."""
    for message in reversed(body.get("messages") or []):
        if message.get("role") == "user":
            return _content_text(message.get("content"))
    return ""


def last_is_tool_result(body: Mapping[str, Any]) -> bool:
    """True when the model is being asked to continue after tool results."""
    return last_message(body).get("role") == "tool"


def tool_names(body: Mapping[str, Any]) -> list[str]:
    """Names of the tools offered in a chat request (new `tools` and legacy `functions`)."""
    names = [t.get("function", {}).get("name", "") for t in body.get("tools") or []]
    names += [f.get("name", "") for f in body.get("functions") or []]
    return names


_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def protocol_problem(body: Any) -> tuple[str, str | None] | None:
    """(message, param) of the 400 that OpenAI answers this chat request with, or None if it is valid.

    Checks the rules real agents break: tool names, and tool results that do not pair with the
    assistant's tool_calls (e.g. after trimming conversation memory).
    """
    if not isinstance(body, dict):
        return "We could not parse the JSON body of your request.", None
    if not body.get("model"):
        return "you must provide a model parameter", "model"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "Invalid 'messages': empty array. Expected an array with minimum length 1.", "messages"
    for i, tool in enumerate(body.get("tools") or []):
        name = (tool.get("function") or {}).get("name", "") if isinstance(tool, dict) else ""
        if not _TOOL_NAME.match(name):
            return (
                f"Invalid 'tools[{i}].function.name': string does not match pattern. "
                "Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
                f"tools[{i}].function.name",
            )
    open_ids: list[str] = []  # tool_call ids still waiting for their tool message
    for i, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role not in ("system", "developer", "user", "assistant", "tool", "function"):
            return (
                f"Invalid value: '{role}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.",
                f"messages[{i}].role",
            )
        if role == "tool":
            if message.get("tool_call_id") not in open_ids:
                return (
                    "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
                    f"messages.[{i}].role",
                )
            open_ids.remove(message["tool_call_id"])
            continue
        if open_ids:
            return (
                "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
                f"'tool_call_id'. The following tool_call_ids did not have response messages: {', '.join(open_ids)}",
                "messages",
            )
        if role == "assistant":
            open_ids = [call.get("id") for call in message.get("tool_calls") or []]
    if open_ids:
        return (
            "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
            f"'tool_call_id'. The following tool_call_ids did not have response messages: {', '.join(open_ids)}",
            "messages",
        )
    return None


def hashed_embedding(value: str | list[int], dim: int) -> list[float]:
    """Deterministic unit vector from hashed character uni- and bigrams: similar texts land close."""
    if isinstance(value, str):
        features = list(value) + [value[i : i + 2] for i in range(len(value) - 1)]
    else:  # token ids
        features = [f"#{token}" for token in value]
    vector = [0.0] * dim
    for feature in features or [""]:
        digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
        bucket = int.from_bytes(digest[:4], "little") % dim
        vector[bucket] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(x * x for x in vector))
    if norm == 0.0:  # every feature cancelled out; stay deterministic and non-zero
        vector[0], norm = 1.0, 1.0
    return [x / norm for x in vector]


def _estimate_tokens(value: Any) -> int:
    return max(1, math.ceil(len(json.dumps(value, ensure_ascii=False).encode("utf-8")) / 4))


# -- the server ---------------------------------------------------------------------------------


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


def _default_reply(body: dict[str, Any]) -> Step:
    return Text("好的。")


class FakeOpenAI:
    """Fake OpenAI-compatible server on 127.0.0.1 with an ephemeral port; see the module docstring."""

    def __init__(
        self,
        *,
        latency: float = 0.0,
        embedding_dim: int = 256,
        models: Iterable[str] = ("fake",),
        strict: bool = True,
        stream_chunk_chars: int = 4,
        stream_chunk_delay: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        known_models_only: bool = False,
        supports_tools: bool = True,
    ) -> None:
        self.latency = latency  # seconds added to every chat / embeddings request
        self.embedding_dim = embedding_dim  # used when the request gives no `dimensions`
        self.models = list(models)
        self.strict = strict  # answer protocol violations with OpenAI's 400
        self.stream_chunk_chars = stream_chunk_chars  # content / arguments characters per SSE chunk
        self.stream_chunk_delay = stream_chunk_delay  # pause between SSE chunks
        # like a real provider: only this key is accepted (401 otherwise); None accepts any key
        self.api_key = api_key
        # a model not in `models` gets OpenAI's 404 model_not_found (otherwise any model name answers)
        self.known_models_only = known_models_only
        # False: a request with `tools` gets the 400 a server without tool calling sends (Ollama's wording)
        self.supports_tools = supports_tools
        self.responder: Responder | None = None
        self.default: Responder = _default_reply
        self.requests: list[dict[str, Any]] = []  # every chat completions body, in arrival order
        self.embedding_requests: list[dict[str, Any]] = []
        self.received: list[ReceivedRequest] = []  # everything, with headers
        self.responder_errors: list[BaseException] = []
        # speech to text: the next transcriptions to return (a str, or an Error step), and what was received
        self.transcripts: deque[Any] = deque()
        self.transcription_requests: list[dict[str, Any]] = []
        self._queue: deque[Step] = deque()
        self.replayed: dict[str, deque] = {}  # `replay`: scenario's first turn → responses not sent yet
        self._host, self._port = host, port
        self._runner: web.AppRunner | None = None
        self._request_seen = asyncio.Event()
        self._http_clients: list[Any] = []
        self.base_url = ""

    # lifecycle

    async def start(self) -> FakeOpenAI:
        if self._runner is not None:
            raise RuntimeError("FakeOpenAI is already running")
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self._chat_completions)
        app.router.add_post("/v1/embeddings", self._embeddings)
        app.router.add_get("/v1/models", self._list_models)
        app.router.add_post("/v1/audio/transcriptions", self._transcriptions)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        # A deep backlog so hundreds of simultaneous connects are not dropped and retried after 1 s.
        site = web.TCPSite(runner, self._host, self._port, backlog=2048)
        await site.start()
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}/v1"
        return self

    async def stop(self) -> None:
        while self._http_clients:
            await self._http_clients.pop().aclose()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> FakeOpenAI:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def chat_model(self, **kwargs: Any) -> Any:
        """A langchain_openai.ChatOpenAI pointed at this server, with its own HTTP client.

        Without one, langchain_openai shares a process-wide client cached by base URL. The OS reuses
        ephemeral ports, so a later test's server can get an earlier test's URL, and the shared client
        then closes a pooled connection that belongs to the earlier test's closed event loop.
        """
        import openai
        from langchain_openai import ChatOpenAI

        http_client = openai.DefaultAsyncHttpxClient()
        self._http_clients.append(http_client)
        kwargs.setdefault("api_key", "x")
        kwargs.setdefault("model", "fake")
        return ChatOpenAI(base_url=self.base_url, http_async_client=http_client, **kwargs)

    # scripting and introspection

    def script(self, *steps: Step | str) -> FakeOpenAI:
        """Queue steps, answered in order by the next chat requests. A str is shorthand for text()."""
        for step in steps:
            if isinstance(step, str):
                step = Text(step)
            if not isinstance(step, (Text, ToolCalls, Error, Raw)):
                raise TypeError(f"not a step: {step!r}")
            if isinstance(step, Error):
                self._queue.extend([dataclasses.replace(step, times=1)] * step.times)
            else:
                self._queue.append(step)
        return self

    @property
    def pending(self) -> int:
        """Scripted answers not consumed yet."""
        return len(self._queue)

    @property
    def calls(self) -> int:
        return len(self.requests)

    def last_request(self) -> dict[str, Any]:
        if not self.requests:
            raise AssertionError("the fake LLM has not received any chat request")
        return self.requests[-1]

    def last_tool_names(self) -> list[str]:
        return tool_names(self.last_request())

    def last_messages(self) -> list[dict[str, Any]]:
        return list(self.last_request().get("messages") or [])

    def last_user_text(self) -> str:
        return last_user_text(self.last_request())

    def reset(self) -> None:
        """Forget the script and everything received; keeps responder, default and settings."""
        self._queue.clear()
        self.requests.clear()
        self.embedding_requests.clear()
        self.received.clear()
        self.responder_errors.clear()

    async def wait_for_calls(self, count: int, timeout: float = 5.0) -> None:
        """Wait until at least `count` chat requests have arrived."""
        async with asyncio.timeout(timeout):
            while self.calls < count:
                self._request_seen.clear()
                await self._request_seen.wait()

    # handlers

    async def _read_json(self, request: web.Request) -> Any:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        self.received.append(ReceivedRequest(request.method, request.path, dict(request.headers), body))
        return body

    async def _chat_completions(self, request: web.Request) -> web.StreamResponse:
        body = await self._read_json(request)
        self.requests.append(body if isinstance(body, dict) else {"_unparsed": True})
        self._request_seen.set()
        problem = protocol_problem(body) if (self.strict or not isinstance(body, dict)) else None
        if problem is not None:
            message, param = problem
            return self._error_response(error(400, message, param=param))
        refused = self._refusal(request, body)
        if refused is not None:
            await self._sleep(self.latency)  # a slow endpoint is slow to refuse too
            return self._error_response(refused)
        step = await self._next_step(body)
        await self._sleep(self.latency + step.latency)
        if isinstance(step, Error):
            return self._error_response(step)
        if isinstance(step, Raw):
            if body.get("stream") and step.status == 200 and isinstance(step.body, dict):
                return await self._stream_raw(request, step.body)
            if isinstance(step.body, (dict, list)):
                return web.json_response(step.body, status=step.status, headers=step.headers)
            return web.Response(text=str(step.body), status=step.status, headers=step.headers)
        if body.get("stream"):
            return await self._stream(request, body, step)
        return web.json_response(self._completion(body, step))

    def _key_refused(self, request: web.Request) -> Error | None:
        if self.api_key is None or request.headers.get("Authorization") == f"Bearer {self.api_key}":
            return None
        return error(401, "Incorrect API key provided: sk-***. You can find your API key in your account settings.")

    def _refusal(self, request: web.Request, body: dict[str, Any]) -> Error | None:
        """What a real provider refuses before looking at the messages: the key, the model, tools."""
        refused = self._key_refused(request)
        if refused is not None:
            return refused
        if self.known_models_only and body.get("model") not in self.models:
            return error(404, f"The model `{body.get('model')}` does not exist or you do not have access to it.")
        if not self.supports_tools and body.get("tools"):
            return error(400, f"registry.ollama.ai/library/{body.get('model')}:latest does not support tools")
        return None

    async def _next_step(self, body: dict[str, Any]) -> Step:
        if self._queue:
            return self._queue.popleft()
        try:
            step = await self._call(self.responder, body) if self.responder is not None else None
            if step is None:
                step = await self._call(self.default, body)
            if step is None:
                raise TypeError("llm.default returned None")
        except Exception as exc:  # surface the test's bug instead of a retried, opaque 500
            self.responder_errors.append(exc)
            return error(400, f"fake LLM responder failed: {exc!r}", type="fake_responder_error", should_retry=False)
        return step

    @staticmethod
    async def _call(responder: Responder, body: dict[str, Any]) -> Step | None:
        result = responder(body)
        if inspect.isawaitable(result):
            result = await result
        if isinstance(result, str):
            return Text(result)
        if result is not None and not isinstance(result, (Text, ToolCalls, Error, Raw)):
            raise TypeError(f"responder returned {result!r}, expected a step, a str or None")
        return result

    @staticmethod
    async def _sleep(seconds: float) -> None:
        if seconds > 0:
            await asyncio.sleep(seconds)

    @staticmethod
    def _error_response(step: Error) -> web.Response:
        return web.json_response(step.body(), status=step.status, headers=step.headers())

    @staticmethod
    def _usage(body: dict[str, Any], step: Step) -> dict[str, Any]:
        prompt = _estimate_tokens(body.get("messages")) + (_estimate_tokens(body["tools"]) if body.get("tools") else 0)
        if isinstance(step, Text):
            completion = _estimate_tokens(step.content)
        else:
            completion = _estimate_tokens([c.arguments_json() for c in step.calls]) + len(step.calls)
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }

    @staticmethod
    def _envelope(body: dict[str, Any], object_type: str, completion_id: str, created: int) -> dict[str, Any]:
        return {
            "id": completion_id,
            "object": object_type,
            "created": created,
            "model": body.get("model"),
            "service_tier": "default",
            "system_fingerprint": "fp_fake",
        }

    @staticmethod
    def _ids(step: ToolCalls) -> list[str]:
        return [call.id or f"call_{uuid.uuid4().hex[:24]}" for call in step.calls]

    def _completion(self, body: dict[str, Any], step: Text | ToolCalls) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "refusal": None, "annotations": []}
        if isinstance(step, Text):
            message["content"], finish_reason = step.content, "stop"
        else:
            message["content"], finish_reason = step.content, "tool_calls"
            message["tool_calls"] = [
                {"id": call_id, "type": "function", "function": {"name": call.name, "arguments": call.arguments_json()}}
                for call_id, call in zip(self._ids(step), step.calls)
            ]
        response = self._envelope(body, "chat.completion", f"chatcmpl-{uuid.uuid4().hex}", int(time.time()))
        response["choices"] = [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}]
        response["usage"] = self._usage(body, step)
        return response

    def _pieces(self, value: str) -> list[str]:
        size = max(1, self.stream_chunk_chars)
        return [value[i : i + size] for i in range(0, len(value), size)]

    def _deltas(self, step: Text | ToolCalls) -> tuple[list[dict[str, Any]], str]:
        """The delta of every chunk, the way OpenAI splits a message, and the finish reason."""
        deltas: list[dict[str, Any]] = []
        if step.content is not None:
            deltas.append({"role": "assistant", "content": "", "refusal": None})
            deltas += [{"content": piece} for piece in self._pieces(step.content)]
        if isinstance(step, Text):
            return deltas, "stop"
        for index, (call_id, call) in enumerate(zip(self._ids(step), step.calls)):
            opening: dict[str, Any] = {
                "tool_calls": [
                    {
                        "index": index,
                        "id": call_id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": ""},
                    }
                ]
            }
            if not deltas:
                opening = {"role": "assistant", "content": None, **opening, "refusal": None}
            deltas.append(opening)
            deltas += [
                {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}
                for piece in self._pieces(call.arguments_json())
            ]
        return deltas, "tool_calls"

    async def _stream(self, request: web.Request, body: dict[str, Any], step: Text | ToolCalls) -> web.StreamResponse:
        response = web.StreamResponse(
            status=200, headers={"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        envelope = self._envelope(body, "chat.completion.chunk", f"chatcmpl-{uuid.uuid4().hex}", int(time.time()))
        deltas, finish_reason = self._deltas(step)
        choices = [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": None} for delta in deltas]
        choices.append({"index": 0, "delta": {}, "logprobs": None, "finish_reason": finish_reason})
        chunk_delay = self.stream_chunk_delay
        final_delay, last_content = 0.0, -1
        if isinstance(step, Text):
            chunk_delay = step.chunk_delay if step.chunk_delay is not None else chunk_delay
            final_delay = step.final_delay
            last_content = max((i for i, d in enumerate(deltas) if d.get("content")), default=-1)
        try:
            for position, choice in enumerate(choices):
                if position and chunk_delay > 0:
                    await asyncio.sleep(chunk_delay)
                if position == last_content and final_delay > 0:
                    await asyncio.sleep(final_delay)
                chunk = {**envelope, "choices": [choice]}
                if include_usage:
                    chunk["usage"] = None
                await self._send_event(response, chunk)
            if include_usage:
                await self._send_event(response, {**envelope, "choices": [], "usage": self._usage(body, step)})
            await response.write(b"data: [DONE]\n\n")
            await response.write_eof()
        except ConnectionError:  # the client stopped reading; nothing left to do
            pass
        return response

    async def _stream_raw(self, request: web.Request, data: dict[str, Any]) -> web.StreamResponse:
        """A recorded (non-streamed) body as the chunks a server streams: each message field in one delta."""
        response = web.StreamResponse(status=200, headers={"Content-Type": "text/event-stream; charset=utf-8"})
        await response.prepare(request)
        envelope = {k: v for k, v in data.items() if k not in ("choices", "usage")}
        envelope["object"] = "chat.completion.chunk"
        for choice in data.get("choices") or []:
            message = dict(choice.get("message") or {})
            calls = [{**call, "index": i} for i, call in enumerate(message.pop("tool_calls", None) or [])]
            delta = {k: v for k, v in message.items() if v is not None}
            if calls:
                delta["tool_calls"] = calls
            first = {"index": choice.get("index", 0), "delta": delta, "finish_reason": None}
            await self._send_event(response, {**envelope, "choices": [first]})
            last = {"index": choice.get("index", 0), "delta": {}, "finish_reason": choice.get("finish_reason")}
            await self._send_event(response, {**envelope, "choices": [last]})
        if not data.get("choices"):
            await self._send_event(response, {**envelope, "choices": []})
        if data.get("usage"):
            await self._send_event(response, {**envelope, "choices": [], "usage": data["usage"]})
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    # replaying recordings

    def replay(self, directory: Any) -> FakeOpenAI:
        """Answer chat requests with the responses recorded by `salesbot eval --record DIR` (or written by
        hand in that format, tests/replays/): one JSON file per scenario, its `exchanges` answered in order.
        A request belongs to the scenario whose first turn is the request's first user message; with one
        scenario in the directory, every request does. A request beyond the recording gets a 400 (and is
        listed in `responder_errors`): the agent asked the model something it was not asked when recorded."""
        recordings = load_recordings(directory)
        queues = {rec["turns"][0] if rec.get("turns") else "": deque(rec["exchanges"]) for rec in recordings}
        self.replayed = queues

        def answer(body: dict[str, Any]) -> Step:
            first_user = next(
                (_content_text(m.get("content")) for m in body.get("messages") or [] if m.get("role") == "user"), ""
            )
            queue = queues.get(first_user) or (next(iter(queues.values())) if len(queues) == 1 else None)
            if queue is None:
                raise LookupError(f"no recorded scenario starts with {first_user[:40]!r}")
            if not queue:
                raise LookupError(f"the recording for {first_user[:40]!r} has no more responses")
            exchange = queue.popleft()
            return raw(exchange.get("body"), status=int(exchange.get("status") or 200), headers=exchange.get("headers"))

        self.responder = answer
        return self

    @staticmethod
    async def _send_event(response: web.StreamResponse, data: dict[str, Any]) -> None:
        await response.write(b"data: " + json.dumps(data, ensure_ascii=False).encode("utf-8") + b"\n\n")

    async def _embeddings(self, request: web.Request) -> web.Response:
        body = await self._read_json(request)
        if not isinstance(body, dict) or "input" not in body or not body.get("model"):
            return self._error_response(error(400, "'input' and 'model' are required.", param="input"))
        self.embedding_requests.append(body)
        inputs = body["input"]
        # One str, a list of str, one token list, or a list of token lists.
        if isinstance(inputs, str) or (isinstance(inputs, list) and inputs and isinstance(inputs[0], int)):
            inputs = [inputs]
        if not isinstance(inputs, list) or not inputs or any(item in ("", []) for item in inputs):
            return self._error_response(
                error(400, "'$.input' is invalid. Please check the API reference.", param="input")
            )
        dim = body.get("dimensions") or self.embedding_dim
        if not isinstance(dim, int) or dim < 1:
            return self._error_response(error(400, f"Invalid 'dimensions': {dim!r}.", param="dimensions"))
        await self._sleep(self.latency)
        as_base64 = body.get("encoding_format") == "base64"
        data = []
        for index, item in enumerate(inputs):
            vector = hashed_embedding(item, dim)
            encoded: Any = base64.b64encode(struct.pack(f"<{dim}f", *vector)).decode() if as_base64 else vector
            data.append({"object": "embedding", "index": index, "embedding": encoded})
        tokens = sum(_estimate_tokens(item) for item in inputs)
        return web.json_response(
            {
                "object": "list",
                "data": data,
                "model": body["model"],
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        )

    async def _transcriptions(self, request: web.Request) -> web.Response:
        """OpenAI's multipart /audio/transcriptions: answers with the next scripted transcript."""
        form = await request.post()
        upload = form.get("file")
        received = {
            "model": form.get("model"),
            "language": form.get("language"),
            "response_format": form.get("response_format"),
            "authorization": request.headers.get("Authorization"),
            "filename": getattr(upload, "filename", None),
            "bytes": len(upload.file.read()) if hasattr(upload, "file") else 0,
        }
        self.transcription_requests.append(received)
        if not received["model"] or upload is None:
            return self._error_response(error(400, "'file' and 'model' are required.", param="file"))
        step = self.transcripts.popleft() if self.transcripts else ""
        if isinstance(step, Error):
            return self._error_response(step)
        return web.json_response({"text": step})

    async def _list_models(self, request: web.Request) -> web.Response:
        self.received.append(ReceivedRequest(request.method, request.path, dict(request.headers), None))
        refused = self._key_refused(request)
        if refused is not None:
            return self._error_response(refused)
        created = 1_700_000_000
        data = [
            {"id": model, "object": "model", "created": created, "owned_by": "salesbot-fake"} for model in self.models
        ]
        return web.json_response({"object": "list", "data": data})

    async def _not_found(self, request: web.Request) -> web.Response:
        await self._read_json(request)
        message = f"The fake OpenAI server does not implement {request.method} {request.path}."
        return self._error_response(error(404, message, code="unknown_url", should_retry=False))


def load_recordings(directory: Any) -> list[dict[str, Any]]:
    """The recording files of a directory (`salesbot eval --record` format), in name order."""
    out = []
    for path in sorted(Path(directory).glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("exchanges"), list):
            raise ValueError(f"{path}: not a recording (expected an object with an 'exchanges' list)")
        out.append(data)
    if not out:
        raise ValueError(f"{directory}: no recordings (*.json)")
    return out
