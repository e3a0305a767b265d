"""The LLM: any OpenAI-compatible endpoint through LangChain's ChatOpenAI.

Retries on 429/5xx/timeouts are the openai client's own (exponential backoff, honours Retry-After),
bounded by SALESBOT_LLM_MAX_RETRIES; after that the turn falls back to the offline answer.
"""
from __future__ import annotations

import asyncio

import httpx
import openai
from langchain_openai import ChatOpenAI

from bot.settings import Settings


def make_chat_model(settings: Settings, **overrides) -> ChatOpenAI:
    kwargs = dict(
        model=settings.llm_model,
        base_url=settings.openai_base_url,
        # local servers (Ollama, vLLM) accept any key; the client insists on one
        api_key=settings.openai_api_key or "not-needed",
        timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries,
        temperature=0.2,
    )
    kwargs.update(overrides)
    return ChatOpenAI(**kwargs)


def is_llm_failure(exc: BaseException) -> bool:
    """Errors that mean 'the model is not answering' (as opposed to a bug in our code)."""
    return isinstance(exc, (openai.OpenAIError, httpx.HTTPError, asyncio.TimeoutError, ConnectionError))
