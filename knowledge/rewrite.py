"""Optional LLM help around retrieval: standalone rewriting of follow-ups, associated-question generation.

Both accept any LangChain chat model (e.g. langchain_openai.ChatOpenAI) or None. A failing or slow LLM
never fails a search or an ingestion: we fall back to the rep's own words / no generated questions.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Iterable

log = logging.getLogger(__name__)

REWRITE_TIMEOUT = 10.0
QUESTIONS_TIMEOUT = 30.0

REWRITE_PROMPT = """你是销售知识库的检索助手。根据对话历史，把用户最新的一句话改写成一个独立、完整的检索问题：补全省略的主语和指代（比如“那竞品呢”要说清是哪方面的竞品问题），不要回答问题，不要解释。
只输出改写后的问题，一行。

对话历史：
{history}

最新一句：{question}"""

QUESTIONS_PROMPT = """下面是销售话术知识库里的一段内容。请写出 {n} 个销售代表在跟单时可能会问、并且这段内容能回答的问题。
要求：口语化、简短（30 字以内），像在企业微信里随手打的字，尽量换种说法，不要照抄原文；每行一个，不要编号。

标题：{title}
内容：
{text}"""

# offline: these openings/endings mark a follow-up that leans on the previous question
_FOLLOWUP = re.compile(r"^(那|那么|还有|另外|如果|要是|换成|换个|同样)|呢[？?]?$")


def history_lines(history: Iterable[Any] | None, limit: int = 6) -> list[tuple[str, str]]:
    """Accepts strings (user turns), (role, text) pairs, dicts {"role","content"} or LangChain messages."""
    out: list[tuple[str, str]] = []
    for item in history or []:
        if isinstance(item, str):
            role, text = "user", item
        elif isinstance(item, dict):
            role, text = str(item.get("role", "user")), str(item.get("content", ""))
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            role, text = str(item[0]), str(item[1])
        else:
            role, text = getattr(item, "type", "user"), str(getattr(item, "content", ""))
        role = "user" if role in ("user", "human") else "assistant"
        if text.strip():
            out.append((role, text.strip()[:300]))
    return out[-limit:]


def offline_standalone(query: str, history: Iterable[Any] | None) -> str:
    """Without an LLM: a short follow-up is searched together with the rep's previous question."""
    lines = history_lines(history)
    previous = next((text for role, text in reversed(lines) if role == "user"), None)
    if previous and len(query) <= 12 and _FOLLOWUP.search(query.strip()):
        return f"{previous} {query}"
    return query


def _content(message: Any) -> str:
    content = getattr(message, "content", message)
    if isinstance(content, list):  # content blocks
        content = "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return str(content).strip()


async def rewrite_followup(llm: Any, query: str, history: Iterable[Any] | None) -> str:
    lines = history_lines(history)
    if llm is None or not lines:
        return offline_standalone(query, history)
    transcript = "\n".join(("用户：" if role == "user" else "助手：") + text for role, text in lines)
    prompt = REWRITE_PROMPT.format(history=transcript, question=query)
    try:
        answer = await asyncio.wait_for(llm.ainvoke([_human(prompt)]), REWRITE_TIMEOUT)
    except Exception as exc:  # the rep still gets results for what they typed
        log.warning("follow-up rewrite failed, searching the original query: %s", exc)
        return offline_standalone(query, history)
    rewritten = _content(answer).splitlines()[0].strip().strip('“”"') if _content(answer) else ""
    return rewritten[:200] or query


async def generate_questions(llm: Any, title: str, text: str, n: int = 3) -> list[str]:
    prompt = QUESTIONS_PROMPT.format(n=n, title=title, text=text[:1500])
    try:
        answer = await asyncio.wait_for(llm.ainvoke([_human(prompt)]), QUESTIONS_TIMEOUT)
    except Exception as exc:
        log.warning("associated-question generation failed for %s: %s", title, exc)
        return []
    questions = []
    for line in _content(answer).splitlines():
        line = re.sub(r"^\s*(\d+[.、)]|[-*•])\s*", "", line).strip()
        if 2 <= len(line) <= 80 and line not in questions:
            questions.append(line)
    return questions[:n]


def _human(prompt: str):
    # LangChain takes about a second to import and is only needed when a model is configured
    # (benchmarks/startup.py: the offline console never loads it)
    from langchain_core.messages import HumanMessage

    return HumanMessage(content=prompt)
