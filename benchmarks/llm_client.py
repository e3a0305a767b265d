"""CPU per LLM call of the chat-model client, with the staff tools bound, against a local fake endpoint.

Compares langchain_openai.ChatOpenAI (the openai SDK underneath) with agents.llm.OpenAICompatibleChat (what
salesbot uses). The fake endpoint runs in its own process, so only the client's CPU is counted.

    .venv/bin/python benchmarks/llm_client.py [--calls 300]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse  # noqa: E402
import asyncio  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from langchain_core.messages import HumanMessage, SystemMessage  # noqa: E402
from langchain_openai import ChatOpenAI  # noqa: E402

from agents.llm import OpenAICompatibleChat  # noqa: E402
from agents.tool_bridge import langchain_tools  # noqa: E402
from benchmarks.fake_llm_process import start_fake_llm  # noqa: E402
from benchmarks.machine import describe  # noqa: E402
from bot.messages import Role  # noqa: E402
from salesbot.app import build_capabilities  # noqa: E402


async def cpu_per_call(model, messages, calls: int, rounds: int = 3) -> tuple[float, float]:
    for _ in range(20):  # warm up connections and caches
        await model.ainvoke(messages)
    cpu, wall = [], []
    for _ in range(rounds):
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(calls):
            await model.ainvoke(messages)
        cpu.append((time.process_time() - c0) / calls * 1000)
        wall.append((time.perf_counter() - w0) / calls * 1000)
    return statistics.median(cpu), statistics.median(wall)


async def main(calls: int) -> None:
    proc, url = start_fake_llm(0.0)
    try:
        tools = langchain_tools(build_capabilities(), Role.REP)
        messages = [SystemMessage("你是销售助手。" * 60), HumanMessage("今天拜访了华为，聊了报价，下周再约")]
        sdk = ChatOpenAI(model="fake", base_url=url, api_key="bench", max_retries=0)
        lean = OpenAICompatibleChat(model="fake", base_url=url, api_key="bench", max_retries=0)
        rows = []
        for name, model in (("ChatOpenAI (openai SDK)", sdk), ("OpenAICompatibleChat (aiohttp)", lean)):
            rows.append((name, *await cpu_per_call(model.bind_tools(tools), messages, calls)))
        await lean.aclose()
    finally:
        proc.terminate()
    print(f"machine: {describe()}")
    print(f"{len(tools)} staff tools bound; {calls} sequential calls × 3 rounds, medians\n")
    print(f"{'client':34s} {'CPU ms/call':>12s} {'wall ms/call':>13s}")
    for name, cpu, wall in rows:
        print(f"{name:34s} {cpu:12.2f} {wall:13.2f}")
    print(f"\nratio: {rows[0][1] / rows[1][1]:.1f}× less CPU per call")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    asyncio.run(main(parser.parse_args().calls))
