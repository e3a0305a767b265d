"""The LLM: any OpenAI-compatible chat-completions endpoint, as a LangChain chat model.

`OpenAICompatibleChat` speaks the chat-completions wire format over aiohttp instead of going through
`langchain_openai.ChatOpenAI` and the openai SDK. Measured by benchmarks/llm_client.py (table in
benchmarks/README.md, "LLM client"): with the staff tools bound, ChatOpenAI costs 6.4 ms of CPU per call
(the SDK's request transformation and validation, httpx), this client 1.1 ms. At a hundred turns a second
that difference is more than half a core. Everything else stays LangChain: messages, `bind_tools`/`bind`,
callbacks (metrics), tool calls on the returned AIMessage.

Retries: 408/409/429/5xx, timeouts and connection errors are retried up to SALESBOT_LLM_MAX_RETRIES
times with exponential backoff, honouring Retry-After / retry-after-ms (as the openai client does);
after that the turn falls back to the offline answer (see `bot.agent.model_unavailable`).
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
import uuid
from functools import cached_property
from typing import Any, Sequence

import aiohttp
from langchain_core.callbacks import AsyncCallbackHandler
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, ChatMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import RunnableBinding
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict, PrivateAttr
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt

from agents import quirks
from bot.agent import ModelUnavailable
from bot.metrics import record_llm_call
from bot.settings import Settings

DEFAULT_BASE_URL = "https://api.openai.com/v1"
RETRYABLE_STATUS = {408, 409, 429}
MAX_BACKOFF = 8.0


class LLMError(ModelUnavailable):
    """The endpoint answered with an error (status and the server's message) or not at all."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None, body: Any = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.body = body  # the server's error body, as sent (recorded by `salesbot eval --record`)

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status in RETRYABLE_STATUS or self.status >= 500


class OpenAICompatibleChat(BaseChatModel):
    model_config = ConfigDict(populate_by_name=True)

    model: str
    base_url: str = DEFAULT_BASE_URL
    api_key: str = "not-needed"
    timeout: float = 60.0
    max_retries: int = 2
    temperature: float | None = 0.2
    max_connections: int = 256

    # one connection pool per event loop: a session cannot outlive the loop it was made on
    _sessions: dict[int, aiohttp.ClientSession] = PrivateAttr(default_factory=dict)
    # `salesbot eval --record`: called with (request body, tools, raw response or error) of every call
    _recorder: Any = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "openai-compatible"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model, "base_url": self.base_url}

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: str | None = None, **kwargs: Any):
        schemas = _EncodedTools(compact_schema(convert_to_openai_tool(tool)) for tool in tools)
        if tool_choice:
            kwargs["tool_choice"] = tool_choice
        return self.bind(tools=schemas, **kwargs)

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):  # pragma: no cover - guard
        raise NotImplementedError("OpenAICompatibleChat is async only: use ainvoke")

    async def _agenerate(self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs: Any) -> ChatResult:
        body: dict[str, Any] = {"model": self.model, "messages": [message_to_dict(m) for m in messages]}
        if self.temperature is not None:
            body["temperature"] = self.temperature
        if stop:
            body["stop"] = stop
        tools = kwargs.pop("tools", None)
        body.update(kwargs)
        encoded = json.dumps(body, ensure_ascii=False)
        if tools:  # the schemas are the same on every call: encoded once, when bound
            tools_json = tools.json if isinstance(tools, _EncodedTools) else json.dumps(tools, ensure_ascii=False)
            encoded = encoded[:-1] + ', "tools": ' + tools_json + "}"
        payload = encoded.encode()
        names = [t.get("function", {}).get("name", "") for t in tools or [] if isinstance(t, dict)]
        async for attempt in self._attempts():
            with attempt:  # an answer without choices is parsed inside the attempt, so it is retried too
                try:
                    data = await self._post(payload)
                except LLMError as exc:
                    if self._recorder is not None:
                        headers = (
                            {} if exc.retry_after is None else {"retry-after-ms": str(int(exc.retry_after * 1000))}
                        )
                        self._recorder(body, names, {"status": exc.status, "body": exc.body, "headers": headers})
                    raise
                if self._recorder is not None:
                    self._recorder(body, names, {"status": 200, "body": data})
                result = result_from_response(data, names)
        return result

    def _attempts(self) -> AsyncRetrying:
        return AsyncRetrying(
            stop=stop_after_attempt(self.max_retries + 1),
            wait=_backoff,
            retry=retry_if_exception(_retryable),
            reraise=True,
        )

    async def _post(self, payload: bytes) -> dict[str, Any]:
        session = self._session()
        url = self.base_url.rstrip("/") + "/chat/completions"
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.api_key}"}
        try:
            async with session.post(
                url, data=payload, headers=headers, timeout=aiohttp.ClientTimeout(total=self.timeout)
            ) as response:
                raw = await response.read()
                if response.status >= 400:
                    raise LLMError(
                        f"HTTP {response.status}: {_error_message(raw)}",
                        status=response.status,
                        retry_after=_retry_after(response.headers),
                        body=_json_or_text(raw),
                    )
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise LLMError(f"{type(exc).__name__}: {exc}") from exc
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise LLMError(f"invalid JSON from the model endpoint: {raw[:200]!r}", status=502) from exc

    def _session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        session = self._sessions.get(id(loop))
        if session is None or session.closed:
            # the key is the loop object's id: drop sessions of loops that are gone (tests open many loops)
            for key in [k for k, s in self._sessions.items() if s.closed or s._loop.is_closed()]:
                del self._sessions[key]
            session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=self.max_connections))
            self._sessions[id(loop)] = session
        return session

    async def aclose(self) -> None:
        loop = asyncio.get_running_loop()
        session = self._sessions.pop(id(loop), None)
        if session is not None:
            await session.close()


async def chat(model, messages: list[BaseMessage]) -> AIMessage:
    """One chat-model call: the answer, with any tool calls.

    Our own client (with its bound tools) is called below LangChain's Runnable layer: config merging,
    the callback manager and run bookkeeping cost about 10 % of a replica's CPU at a hundred turns a second
    (benchmarks/README.md, soak), and the only callback we attach is the metrics one, recorded here
    instead. Any other model, or one with callbacks of its own, goes through `ainvoke` as usual.
    """
    target, kwargs = model, {}
    if isinstance(model, RunnableBinding) and not model.config and not model.config_factories:
        target, kwargs = model.bound, model.kwargs
    if not isinstance(target, OpenAICompatibleChat) or not _only_metrics_callbacks(target.callbacks):
        return await model.ainvoke(messages)
    started = time.perf_counter()
    try:
        result = await target._agenerate(list(messages), **kwargs)
    except BaseException:
        if target.callbacks:
            record_llm_call(time.perf_counter() - started, "error")
        raise
    ai = result.generations[0].message
    if target.callbacks:
        usage = ai.usage_metadata or {}
        record_llm_call(
            time.perf_counter() - started, "ok", usage.get("input_tokens", 0), usage.get("output_tokens", 0)
        )
    return ai


def _only_metrics_callbacks(callbacks) -> bool:
    if not callbacks:
        return True
    return isinstance(callbacks, list) and all(getattr(cb, "is_salesbot_metrics", False) for cb in callbacks)


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, LLMError) and exc.retryable


def _backoff(retry_state) -> float:
    exc = retry_state.outcome.exception() if retry_state.outcome else None
    if isinstance(exc, LLMError) and exc.retry_after is not None and 0 <= exc.retry_after <= 60:
        return exc.retry_after
    base = min(0.5 * 2 ** (retry_state.attempt_number - 1), MAX_BACKOFF)
    return base * (1 - 0.25 * random.random())


def _retry_after(headers) -> float | None:
    try:
        if "retry-after-ms" in headers:
            return float(headers["retry-after-ms"]) / 1000
        if "retry-after" in headers:
            return float(headers["retry-after"])
    except ValueError:
        return None
    return None


def _json_or_text(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw[:2000].decode("utf-8", "replace")


def tools_unsupported(exc: BaseException) -> bool:
    """The endpoint refuses tool calling for this model (Ollama: "does not support tools"; vLLM started
    without --enable-auto-tool-choice / --tool-call-parser: '"auto" tool choice requires …')."""
    if not isinstance(exc, LLMError) or exc.status not in (400, 404, 422, 501):
        return False
    return bool(_NO_TOOLS.search(str(exc)))


_NO_TOOLS = re.compile(
    r"does not support tools|tools? (?:is|are) not supported|not support(?:ed)? (?:for )?(?:tools|function)"
    r"|tool[_ ]choice requires|tool-call-parser|function calling is not (?:supported|enabled)"
    r"|tool use is not supported",
    re.I,
)


def _error_message(raw: bytes) -> str:
    try:
        error = json.loads(raw).get("error")
    except (ValueError, AttributeError):
        return raw[:300].decode("utf-8", "replace")
    if isinstance(error, dict):
        return str(error.get("message") or error)[:300]
    return str(error)[:300]


def compact_schema(node: Any) -> Any:
    """A tool schema without what Pydantic adds for an optional argument: `anyOf [T, null]` and `default: null`.
    Optional already means "not in required"; the extra JSON is sent with every call of every turn, and most
    chat templates (Qwen, DeepSeek, vLLM's) paste the schema into the prompt as it is."""
    if isinstance(node, list):
        return [compact_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: compact_schema(value) for key, value in node.items()}
    variants = out.get("anyOf")
    if isinstance(variants, list) and len(variants) == 2 and {"type": "null"} in variants:
        (kept,) = [v for v in variants if v != {"type": "null"}]
        del out["anyOf"]
        out = {**kept, **out}
    if "default" in out and out["default"] is None:
        del out["default"]
    return out


class _EncodedTools(list):
    """Bound tool schemas that carry their JSON, so a call doesn't re-encode kilobytes of schema."""

    @cached_property
    def json(self) -> str:
        return json.dumps(list(self), ensure_ascii=False)


def message_to_dict(message: BaseMessage) -> dict[str, Any]:
    if isinstance(message, SystemMessage):
        return {"role": "system", "content": message.content}
    if isinstance(message, HumanMessage):
        return {"role": "user", "content": message.content}
    if isinstance(message, ToolMessage):
        content = (
            message.content if isinstance(message.content, str) else json.dumps(message.content, ensure_ascii=False)
        )
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": content}
    if isinstance(message, AIMessage):
        out: dict[str, Any] = {"role": "assistant", "content": message.content or None}
        calls = [
            {
                "id": call["id"],
                "type": "function",
                "function": {"name": call["name"], "arguments": json.dumps(call["args"], ensure_ascii=False)},
            }
            for call in message.tool_calls
        ]
        # unreadable calls are answered with a tool message too (so the model can fix them): send them back
        calls += [
            {
                "id": call["id"],
                "type": "function",
                "function": {"name": call.get("name") or "", "arguments": str(call.get("args") or "")},
            }
            for call in message.invalid_tool_calls
            if call.get("id")
        ]
        if calls:
            out["tool_calls"] = calls
        return out
    if isinstance(message, ChatMessage):
        return {"role": message.role, "content": message.content}
    raise TypeError(f"unsupported message type for the chat endpoint: {type(message).__name__}")


def result_from_response(data: dict[str, Any], tool_names: Sequence[str] = ()) -> ChatResult:
    """A chat-completions body as a LangChain result, with the quirks of real servers handled
    (agents/quirks.py): reasoning dropped, tool calls written as text parsed, broken argument JSON
    repaired where unambiguous, a reply cut off by the token limit kept to whole sentences.

    Tool calls that cannot be read stay on the message as `invalid_tool_calls`, so the agent can tell the
    model what was wrong instead of failing the turn. `tool_names` are the tools offered (a bare JSON
    answer naming one of them is taken as a call)."""
    try:
        choice = data["choices"][0]
        message = choice["message"] or {}
    except (KeyError, IndexError, TypeError) as exc:
        raise LLMError(f"no choices in the model's answer: {str(data)[:200]}", status=502) from exc
    finish_reason = choice.get("finish_reason")
    truncated = finish_reason == "length"
    raw_content = message.get("content") or ""
    if isinstance(raw_content, list):  # content parts
        raw_content = "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in raw_content)
    # `reasoning_content` (DeepSeek) / `reasoning` (vLLM, OpenRouter) are never read: not for the rep
    content = quirks.clean_content(raw_content)
    raw_calls = [
        (call.get("id"), (call.get("function") or {}).get("name", ""), (call.get("function") or {}).get("arguments"))
        for call in message.get("tool_calls") or []
    ]
    if not raw_calls:
        content, text_calls = quirks.extract_text_tool_calls(content)
        if not text_calls and tool_names and not truncated:
            bare = quirks.bare_json_tool_call(content, tool_names)
            if bare is not None:
                content, text_calls = "", [bare]
        raw_calls = [(None, c["name"], c["arguments"]) for c in text_calls]
    tool_calls, invalid = [], []
    for index, (call_id, name, arguments) in enumerate(raw_calls):
        call_id = call_id or f"call_{index}_{uuid.uuid4().hex[:12]}"  # some servers send none
        args = quirks.repair_arguments(arguments)
        if args is not None and name:
            tool_calls.append({"name": name, "args": args, "id": call_id, "type": "tool_call"})
        elif not truncated:  # half a tool call cut off by the limit is dropped, not reported
            error = "no tool name" if not name else "arguments are not a JSON object"
            invalid.append(
                {"name": name, "args": str(arguments), "id": call_id, "error": error, "type": "invalid_tool_call"}
            )
    if truncated and not tool_calls:
        content = quirks.safe_truncated_text(raw_content)
    usage = data.get("usage") or {}
    ai = AIMessage(
        content=content,
        tool_calls=tool_calls,
        invalid_tool_calls=invalid,
        response_metadata={"finish_reason": finish_reason, "model_name": data.get("model"), "truncated": truncated},
    )
    if usage:
        prompt, completion = int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
        ai.usage_metadata = {
            "input_tokens": prompt,
            "output_tokens": completion,
            "total_tokens": int(usage.get("total_tokens") or prompt + completion),
        }
    return ChatResult(
        generations=[ChatGeneration(message=ai)], llm_output={"token_usage": usage, "model_name": data.get("model")}
    )


def make_chat_model(settings: Settings, **overrides) -> OpenAICompatibleChat:
    kwargs = dict(
        model=settings.llm_model,
        base_url=settings.openai_base_url or DEFAULT_BASE_URL,
        # local servers (Ollama, vLLM) accept any key; send one anyway
        api_key=settings.openai_api_key or "not-needed",
        timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries,
        temperature=0.2,
    )
    kwargs.update(overrides)
    return OpenAICompatibleChat(**kwargs)


class MetricsCallback(AsyncCallbackHandler):
    """Counts calls, tokens, errors and timing of every model call on /metrics (bot/metrics.py)."""

    is_salesbot_metrics = True  # `chat` records these itself when it skips the callbacks

    def __init__(self):
        self._started: dict[Any, float] = {}

    async def on_chat_model_start(self, serialized, messages, *, run_id, **kwargs):
        self._started[run_id] = time.perf_counter()

    async def on_llm_start(self, serialized, prompts, *, run_id, **kwargs):
        self._started[run_id] = time.perf_counter()

    def _elapsed(self, run_id) -> float | None:
        started = self._started.pop(run_id, None)
        return None if started is None else time.perf_counter() - started

    async def on_llm_end(self, response, *, run_id, **kwargs):
        record_llm_call(self._elapsed(run_id), "ok", *_token_usage(response))

    async def on_llm_error(self, error, *, run_id, **kwargs):
        record_llm_call(self._elapsed(run_id), "error")


def _token_usage(response) -> tuple[int, int]:
    usage = (getattr(response, "llm_output", None) or {}).get("token_usage") or {}
    prompt, completion = usage.get("prompt_tokens") or 0, usage.get("completion_tokens") or 0
    if prompt or completion:
        return int(prompt), int(completion)
    for generations in getattr(response, "generations", None) or []:
        for gen in generations:
            meta = getattr(getattr(gen, "message", None), "usage_metadata", None) or {}
            prompt += meta.get("input_tokens") or 0
            completion += meta.get("output_tokens") or 0
    return int(prompt), int(completion)
