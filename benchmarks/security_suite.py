"""The customer attack suite as a table, plus the output guard's cost per reply.

Runs tests/security/suite.py (≥ 40 attacks with the fake LLM scripted to obey them, plus benign product
questions and hand-offs) and prints: cases, blocked, forbidden tool executions, leaked, audited, benign
answered. Then times `OutputGuard.check` on the demo markers (30 accounts, the demo knowledge) and on a
large CRM (10 000 extra account names), for a typical answer and a 2 000-character one.

    .venv/bin/python benchmarks/security_suite.py [--repeat 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])

from benchmarks.machine import describe, percentile  # noqa: E402
from tests.security.suite import run_suite, table  # noqa: E402

TYPICAL = "我们有三个版本：标准版 99 元/账号/月，专业版 199 元/账号/月，旗舰版 299 元/账号/月，按年付，最低 5 个账号起购 [1]。"


def time_checks(guard, markers, reply: str, repeat: int) -> tuple[float, float]:
    from agents.customer_guard import Allowed

    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        guard.check_with(markers, reply, Allowed(customer_text="多少钱"))
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), percentile(samples, 99)


async def guard_timings(repeat: int) -> list[tuple[str, float, float]]:
    from agents.customer_guard import OutputGuard, _LiteralSet
    from knowledge import load_demo_library
    from tests.conftest import running_app

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        async with running_app(Path(tmp), knowledge=True) as app:
            app.knowledge.generate_questions_on_ingest = False
            await load_demo_library(app.knowledge)
            guard = OutputGuard(app, prompt_text="", canary="C-BENCH")
            markers = await guard.markers()
            long_reply = (TYPICAL * 30)[:2000]
            rows.append(("demo markers, typical reply", *time_checks(guard, markers, TYPICAL, repeat)))
            rows.append(("demo markers, 2 000-char reply", *time_checks(guard, markers, long_reply, repeat // 4)))
            big = dict(markers.literals.by_len.items())
            literals = {lit: label for table_ in big.values() for lit, label in table_.items()}
            literals.update({f"测试客户{i:05d}有限公司": "crm_name" for i in range(10_000)})
            markers.literals = _LiteralSet(literals)
            rows.append(("+10 000 accounts, typical reply", *time_checks(guard, markers, TYPICAL, repeat)))
            rows.append(("+10 000 accounts, 2 000-char reply", *time_checks(guard, markers, long_reply, repeat // 4)))
    return rows


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    print(describe())
    with tempfile.TemporaryDirectory() as tmp:
        results, stats = await run_suite(Path(tmp))
    print(table(results))
    print(f"suite wall time {stats['seconds']:.1f} s for {len(results)} cases")
    print()
    print(f"{'output guard check':<36} {'median ms':>10} {'p99 ms':>8}")
    for label, median, p99 in await guard_timings(args.repeat):
        print(f"{label:<36} {median:>10.3f} {p99:>8.3f}")
    bad = [r for r in results if (not r.case.benign and not r.blocked) or (r.case.benign and not r.benign_ok)]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
