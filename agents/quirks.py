"""What real OpenAI-compatible servers send besides clean answers, turned into clean answers.

Each function works on plain text or plain dicts, so the non-streaming parser (agents/llm.py
`result_from_response`) and a streaming one can share them:

  * `clean_content` — reasoning models served by Ollama or vLLM without a reasoning parser put their
    thinking in the content as `<think>…</think>` (sometimes only the closing tag, when the chat template
    opened the block); DeepSeek sends it as a separate `reasoning_content` field, which is never read.
  * `extract_text_tool_calls` — servers without a tool-call parser (vLLM without --tool-call-parser,
    some Ollama templates) return Qwen/Hermes-style `<tool_call>{"name":…,"arguments":…}</tool_call>`
    text in the content instead of `tool_calls`.
  * `repair_arguments` — tool arguments that are not valid JSON: trailing commas, single quotes, a Python
    dict, a JSON string inside a string, a Markdown code fence. Only unambiguous repairs; otherwise None
    and the model is told (agents/tool_bridge.py `invoke`).
  * `safe_truncated_text` — `finish_reason: "length"`: keep whole sentences only.
  * `sanitize_answer` — the last filter before the rep: no JSON, tags or English error text.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any, Iterable

_THINK_BLOCK = re.compile(r"<think(?:ing)?>.*?</think(?:ing)?>", re.S | re.I)
_THINK_OPEN = re.compile(r"<think(?:ing)?>", re.I)
_THINK_CLOSE = re.compile(r"</think(?:ing)?>", re.I)
_TOOL_CALL_BLOCK = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.S | re.I)
_FENCE = re.compile(r"^```[a-zA-Z]*\s*(.*?)\s*```$", re.S)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


def clean_content(text: str | None) -> str:
    """The answer without the model's reasoning: `<think>` blocks, and a dangling opening or closing tag."""
    if not text:
        return ""
    text = _THINK_BLOCK.sub("", text)
    close = _THINK_CLOSE.search(text)
    if close:  # the template opened the block, the model only closed it: everything before is reasoning
        text = text[close.end() :]
    opening = _THINK_OPEN.search(text)
    if opening:  # never closed (cut off by max_tokens): everything after is reasoning
        text = text[: opening.start()]
    return text.strip()


def extract_text_tool_calls(text: str) -> tuple[str, list[dict[str, Any]]]:
    """(the text without tool-call markup, the calls written in it as {"name", "arguments"}).

    `arguments` is a dict when it could be read (see `repair_arguments`), else the raw string, so the
    caller can tell the model it was unreadable. A block cut off before its closing tag is dropped
    from the text either way.
    """
    if not text or "<tool_call>" not in text.lower():
        return text, []
    calls: list[dict[str, Any]] = []
    for match in _TOOL_CALL_BLOCK.finditer(text):
        body = match.group(1).strip()
        parsed = repair_arguments(body)
        if not isinstance(parsed, dict) or not isinstance(parsed.get("name"), str):
            calls.append({"name": "", "arguments": body})
            continue
        arguments = parsed.get("arguments", parsed.get("parameters", {}))
        if isinstance(arguments, str):
            arguments = repair_arguments(arguments) if arguments.strip() else {}
            if arguments is None:
                arguments = parsed.get("arguments")
        calls.append({"name": parsed["name"], "arguments": arguments})
    return _TOOL_CALL_BLOCK.sub("", text).strip(), calls


def bare_json_tool_call(text: str, known: Iterable[str]) -> dict[str, Any] | None:
    """A content that is nothing but `{"name": <a tool we offered>, "arguments": {…}}` (some small models
    answer that way when the server has no tool parser)."""
    stripped = text.strip()
    fenced = _FENCE.match(stripped)
    if fenced:
        stripped = fenced.group(1)
    if not stripped.startswith("{"):
        return None
    parsed = repair_arguments(stripped)
    if not isinstance(parsed, dict) or parsed.get("name") not in set(known):
        return None
    arguments = parsed.get("arguments", parsed.get("parameters", {}))
    if isinstance(arguments, str):
        arguments = repair_arguments(arguments) or arguments
    return {"name": parsed["name"], "arguments": arguments}


def repair_arguments(raw: Any) -> dict[str, Any] | None:
    """Tool arguments as a dict, repairing only what has one reading; None when it cannot be read."""
    if isinstance(raw, dict):
        return raw
    if raw is None:
        return {}
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if not text:
        return {}
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    for _ in range(2):  # a JSON string inside a string: '"{\\"a\\": 1}"'
        value = _loads(text)
        if isinstance(value, str):
            text = value.strip()
            continue
        return value if isinstance(value, dict) else None
    return None


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        pass
    without_commas = _TRAILING_COMMA.sub(r"\1", text)
    if without_commas != text:
        try:
            return json.loads(without_commas)
        except ValueError:
            pass
    try:  # single quotes, a Python dict (True/None), trailing commas: Python's literal syntax reads them all
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        value = _literal_with_json_words(text)
    if isinstance(value, (dict, str)):
        return value
    return None


def _literal_with_json_words(text: str) -> Any:
    """{'a': true, 'b': null}: single quotes with JSON's words. Replaced only outside quoted strings."""
    out, quote = [], None
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            out.append(ch)
            if ch == "\\" and i + 1 < len(text):
                out.append(text[i + 1])
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        else:
            for word, python in (("true", "True"), ("false", "False"), ("null", "None")):
                if text.startswith(word, i) and not (text[i + len(word) : i + len(word) + 1].isalnum()):
                    out.append(python)
                    i += len(word)
                    break
            else:
                out.append(ch)
                i += 1
                continue
            continue
        i += 1
    try:
        return ast.literal_eval("".join(out))
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None


_SENTENCE_END = re.compile(r"[。！？!?；;…\n]")


def safe_truncated_text(text: str) -> str:
    """A reply cut off by the token limit, up to its last complete sentence ('' when there is none)."""
    text = clean_content(text)
    text, _ = extract_text_tool_calls(text)
    ends = list(_SENTENCE_END.finditer(text))
    if not ends:
        return ""
    return text[: ends[-1].end()].strip()


# --- the last filter before the rep ----------------------------------------------------------------

_MACHINE_LINE = re.compile(
    r"^\s*(?:"
    r"[{\[].*[}\]]"  # a JSON object or array on its own line
    r"|(?:Traceback|Error|Exception|ValidationError|ToolException|KeyError|TypeError|ValueError)\b.*"
    r"|\w*(?:Error|Exception):.*"
    r"|File \".*\", line \d+.*"
    r"|</?(?:tool_call|tool_response|function_call|think|thinking)>.*"
    r"|<\|[a-z_]+\|>.*"
    r")\s*$",
    re.I,
)
_CODE_JSON = re.compile(r"```(?:json|python|tool_code)?\s*[{\[].*?```", re.S | re.I)
_SPECIAL_TOKEN = re.compile(r"<\|[a-z_]+\|>|</?(?:tool_call|tool_response|function_call)>", re.I)
_LATIN_ONLY = re.compile(r"^[\x00-\x7f]+$")


def sanitize_answer(text: str) -> str:
    """What the rep may see of the model's answer: reasoning, tool-call markup, JSON and English error
    lines removed. '' when nothing human is left (the caller answers with its own words)."""
    text = clean_content(text)
    text, _ = extract_text_tool_calls(text)
    text = _CODE_JSON.sub("", text)
    kept = [line for line in text.splitlines() if not _MACHINE_LINE.match(line)]
    text = _SPECIAL_TOKEN.sub("", "\n".join(kept))
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    if text and _LATIN_ONLY.match(text) and re.search(r"[A-Za-z]{3,}\s+[A-Za-z]{2,}", text):
        # an English-only answer to a Chinese rep is machinery ("I'm sorry, the tool failed"), not a reply
        return ""
    return text
