"""Pipeline overhead per turn: ledger → dispatcher → agent (fake LLM) → outbox → console adapter.

1 000 turns (200 conversations × 5 messages) with a 0 ms and a 1 s fake LLM (in its own process, as a
remote model is), all conversations at once. Overhead = a turn's time in the pipeline minus its time waiting for the model. Also: how long
200 conversations take to get their answer when the model takes 1 s (target ≤ 1.5 s).

    .venv/bin/python benchmarks/turn_overhead.py [--turns-per-conversation 5] [--conversations 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

# run as a script: import from the repo root, not benchmarks/ (benchmarks/dingtalk_stream.py would shadow the SDK)
sys.path[0] = str(Path(__file__).resolve().parents[1])

from benchmarks.fake_llm_process import start_fake_llm  # noqa: E402
from benchmarks.machine import describe, percentile  # noqa: E402
from bot.messages import Inbound  # noqa: E402
from bot.settings import Settings  # noqa: E402
from salesbot.app import App  # noqa: E402
from salesbot.demo import load_demo  # noqa: E402

USERS = ["zhangwei", "lina", "zhaolei", "chenmin", "zhoujie", "sunli", "wangqiang", "liuyang"]


async def run(latency: float, conversations: int, per_conversation: int) -> dict:
    # the fake LLM runs in its own process, as a remote model would: its CPU is not the pipeline's
    proc, base_url = start_fake_llm(latency=latency)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                _env_file=None,
                SALESBOT_DATA_DIR=tmp,
                OPENAI_BASE_URL=base_url,
                OPENAI_API_KEY="bench",
                SALESBOT_LLM_MODEL="fake",
                SALESBOT_LLM_MAX_RETRIES="0",
            )
            delivered: list[float] = []
            app = App(
                settings, console_output=lambda _line: delivered.append(time.perf_counter()), enable_knowledge=False
            )
            await app.start(connect_channels=False, resume=False)
            await load_demo(app)
            app.dispatcher.overhead_samples.clear()

            async def conversation(i: int) -> None:
                user = USERS[i % len(USERS)]
                for n in range(per_conversation):
                    await app.receive(
                        Inbound(
                            platform="console",
                            msg_id=uuid.uuid4().hex,
                            sender_id=user,
                            conversation_id=f"bench-{i}",
                            text=f"第{n}条：今天情况怎么样",
                        )
                    )

            started = time.perf_counter()
            await asyncio.gather(*(conversation(i) for i in range(conversations)))
            await app.drain()
            wall = time.perf_counter() - started
            overhead = [s * 1000 for s in app.dispatcher.overhead_samples]
            turns = len(overhead)

            # one message from each conversation at once: when does the last answer arrive?
            delivered.clear()
            started = time.perf_counter()
            await asyncio.gather(
                *(
                    app.receive(
                        Inbound(
                            platform="console",
                            msg_id=uuid.uuid4().hex,
                            sender_id=USERS[i % len(USERS)],
                            conversation_id=f"burst-{i}",
                            text="在吗",
                        )
                    )
                    for i in range(conversations)
                )
            )
            await app.drain()
            burst = (max(delivered) - started) if delivered else float("nan")
            await app.stop()
    finally:
        proc.terminate()
        proc.wait()
    return {
        "latency": latency,
        "turns": turns,
        "wall": wall,
        "tps": turns / wall,
        "p50": statistics.median(overhead),
        "p99": percentile(overhead, 99),
        "burst": burst,
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--turns-per-conversation", type=int, default=5)
    args = parser.parse_args()
    print(describe())
    print(
        f"{args.conversations} concurrent conversations × {args.turns_per_conversation} turns, SQLite, console adapter"
    )
    print(
        "| fake LLM latency | conversations × turns | turns | wall s | turns/s | overhead p50 ms | overhead p99 ms | one message per conversation, all answered in s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    # one conversation at a time shows the pipeline's own latency; 200 at once shows it under load
    shapes = [(1, 50), (args.conversations, args.turns_per_conversation)]
    for latency in (0.0, 1.0):
        for conversations, per_conversation in shapes:
            r = await run(latency, conversations, per_conversation)
            print(
                f"| {latency * 1000:.0f} ms | {conversations} × {per_conversation} | {r['turns']} | {r['wall']:.2f} | "
                f"{r['tps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['burst']:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    asyncio.run(main())
