"""Run tests.fakes.openai_server.FakeOpenAI in a process of its own, as a remote LLM would be.

proc, base_url = start_fake_llm(latency=1.0, reply="好的")   # from a benchmark
...
proc.terminate()
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start_fake_llm(
    latency: float = 0.0, reply: str = "好的，收到。", error_rate: float = 0.0
) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--latency",
            str(latency),
            "--reply",
            reply,
            "--error-rate",
            str(error_rate),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    line = proc.stdout.readline().strip()
    if not line.startswith("http"):
        proc.kill()
        raise RuntimeError(f"fake LLM did not start: {line!r}")
    return proc, line


async def _serve(latency: float, reply: str, error_rate: float) -> None:
    import random

    from tests.fakes.openai_server import FakeOpenAI, error, text

    rng = random.Random(7)
    async with FakeOpenAI() as llm:
        llm.latency = latency
        llm.responder = lambda body: error(500) if rng.random() < error_rate else text(reply)
        print(llm.base_url, flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    sys.path[0] = str(ROOT)
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--reply", default="好的，收到。")
    parser.add_argument("--error-rate", type=float, default=0.0)
    a = parser.parse_args()
    try:
        asyncio.run(_serve(a.latency, a.reply, a.error_rate))
    except KeyboardInterrupt:
        pass
