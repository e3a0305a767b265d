"""What a typical staff turn costs in model calls, tokens and time to the final answer.

Three turns a rep sends every day — a visit log, a customer lookup, a talk-track question — each through
the console channel of a real App (demo data, knowledge base on) with the fake OpenAI server answering
the way a tool-calling model does: one tool call, then a short answer. Run with the fake at 0 s and at
1 s per call, so the time column shows how many model round trips a turn needs.

Tokens: no tokenizer file ships offline (tiktoken's cl100k_base downloads its file on first use), so the
counts are an estimate of what the request JSON carries: CJK characters / 1.5 + other characters / 4
(Chinese runs about 1.3–1.7 characters per token in cl100k/Qwen tokenizers, English about 4).
Targets: a visit log costs ≤ 2 model calls and ≤ 4 k prompt tokens (all calls of the turn together).

    .venv/bin/python benchmarks/agent_cost.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

# run as a script: import from the repo root, not benchmarks/ (benchmarks/dingtalk_stream.py would shadow the SDK)
sys.path[0] = str(Path(__file__).resolve().parents[1])

from benchmarks.machine import describe  # noqa: E402
from bot.messages import Inbound  # noqa: E402
from bot.settings import Settings  # noqa: E402
from salesbot.app import App  # noqa: E402
from salesbot.demo import load_demo  # noqa: E402
from tests.fakes.openai_server import FakeOpenAI, last_is_tool_result, text, tool_call  # noqa: E402

_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def estimate_tokens(value) -> int:
    s = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    cjk = len(_CJK.findall(s))
    return round(cjk / 1.5 + (len(s) - cjk) / 4)


TURNS = {
    "visit log": (
        "今天下午拜访了华东机械的李总，聊了二期扩容，预算大概五十万，下周三前要发报价",
        tool_call(
            "log_visit",
            account_name="华东机械",
            summary="聊了二期扩容，预算大概五十万",
            visit_date="今天",
            contacts=["李总"],
            next_step="发报价",
            next_step_due="下周三",
        ),
        "记好了：华东机械今天的拜访，下周三前发报价，已加到待办。",
    ),
    "customer lookup": (
        "金陵医药现在什么情况？",
        tool_call("lookup_customer", account_name="金陵医药"),
        "金陵医药有一个进行中的商机，最近一次拜访在上周，待办里还有一项跟进。",
    ),
    "talk-track question": (
        "客户嫌我们比竞品贵，怎么回？",
        tool_call("search_talk_tracks", query="客户嫌贵怎么回"),
        "先认同客户的顾虑，再算总账：实施周期和后续人力省下的成本 [1]；最后用同行案例收尾 [2]。",
    ),
}


async def measure(latency: float, repeat: int) -> list[dict]:
    rows = []
    async with FakeOpenAI(latency=latency) as llm:
        completions: list[int] = []

        def responder(body):
            step = text(current["answer"]) if last_is_tool_result(body) else current["call"]
            completions.append(
                estimate_tokens(step.content if hasattr(step, "content") and step.content else "")
                + sum(estimate_tokens(c.arguments_json()) + estimate_tokens(c.name) for c in getattr(step, "calls", ()))
            )
            return step

        llm.responder = responder
        current: dict = {}
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                _env_file=None,
                SALESBOT_DATA_DIR=tmp,
                OPENAI_BASE_URL=llm.base_url,
                OPENAI_API_KEY="bench",
                SALESBOT_LLM_MODEL="fake",
                SALESBOT_LLM_MAX_RETRIES="0",
            )
            delivered: list[float] = []
            app = App(settings, console_output=lambda _line: delivered.append(time.perf_counter()))
            await app.start(connect_channels=False, resume=False)
            try:
                await load_demo(app)
                for name, (say, call, answer) in TURNS.items():
                    calls, prompts, outs, seconds = [], [], [], []
                    for i in range(repeat):
                        current.update(call=call, answer=answer)
                        before_requests, before_out = len(llm.requests), len(completions)
                        delivered.clear()
                        started = time.perf_counter()
                        # a fresh conversation each time: no memory from the previous repeat
                        await app.receive(
                            Inbound(
                                platform="console",
                                msg_id=uuid.uuid4().hex,
                                sender_id="zhangwei",
                                conversation_id=f"bench-{uuid.uuid4().hex[:8]}",
                                text=say,
                            )
                        )
                        await app.drain()
                        seconds.append((delivered[0] if delivered else time.perf_counter()) - started)
                        requests = llm.requests[before_requests:]
                        calls.append(len(requests))
                        prompts.append(
                            sum(
                                estimate_tokens(r.get("messages")) + estimate_tokens(r.get("tools") or [])
                                for r in requests
                            )
                        )
                        outs.append(sum(completions[before_out:]))
                    rows.append(
                        {
                            "turn": name,
                            "latency": latency,
                            "calls": statistics.median(calls),
                            "prompt": statistics.median(prompts),
                            "completion": statistics.median(outs),
                            "seconds": statistics.median(seconds),
                        }
                    )
            finally:
                await app.stop()
    return rows


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = [*await measure(0.0, args.repeat), *await measure(1.0, args.repeat)]
    print(describe())
    print("tokens estimated: CJK chars / 1.5 + other chars / 4 (no tokenizer file offline); median of", args.repeat)
    print(f"{'turn':<22}{'fake LLM':>9}{'calls':>7}{'prompt tok':>12}{'completion tok':>16}{'answer after':>14}")
    for r in rows:
        print(
            f"{r['turn']:<22}{r['latency']:>8.0f}s{r['calls']:>7.0f}{r['prompt']:>12.0f}{r['completion']:>16.0f}"
            f"{r['seconds']:>13.2f}s"
        )
    visit = [r for r in rows if r["turn"] == "visit log"]
    ok = all(r["calls"] <= 2 and r["prompt"] <= 4000 for r in visit)
    print(f"target (visit log ≤ 2 calls, ≤ 4 k prompt tokens): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
