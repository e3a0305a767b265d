"""Knowledge-base speed: ingest throughput and query latency at 1k and 10k chunks (offline default).

    .venv/bin/python benchmarks/kb_speed.py [--sizes 1000 10000] [--queries 200]

The corpus is synthetic but realistic: Markdown files whose sections are shuffled sentences of the demo
library, each with three associated questions ("常见问法") drawn from the library's, so chunk lengths,
vocabulary and index entries per chunk match real playbooks. Queries are the labelled benchmark queries.
Ingest is measured end to end (read, chunk, database, embeddings, Chroma); the BM25 rebuild that follows
an ingest is reported on its own (it runs once, before the next search).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from kb_common import EMBEDDINGS_LABEL, machine, scratch_kb

HERE = Path(__file__).resolve().parent
SECTIONS_PER_FILE = 20
QUESTIONS_PER_SECTION = 3


def sentences() -> tuple[list[str], list[str]]:
    """Sentences and associated questions ("常见问法：") of the demo library."""
    from knowledge import DEMO_LIBRARY
    from knowledge.chunking import associated_questions

    out, asked = [], []
    for path in DEMO_LIBRARY.rglob("*.md"):
        for line in path.read_text(encoding="utf-8").splitlines():
            questions = associated_questions(line)
            if questions:
                asked.extend(questions)
            elif line.strip() and not line.startswith("#"):
                out.extend(s for s in re.split(r"(?<=[。！？])", line.strip()) if len(s) > 8)
    return out, asked


def make_corpus(root: Path, chunks: int, questions: int = QUESTIONS_PER_SECTION, seed: int = 7) -> None:
    rng = random.Random(seed)
    pool, asked = sentences()
    files = max(1, chunks // SECTIONS_PER_FILE)
    for f in range(files):
        parts = [f"# 销售手册 {f}"]
        for s in range(SECTIONS_PER_FILE):
            parts.append(f"\n## 第{s + 1}节 {rng.choice(pool)[:12]}\n")
            parts.append("".join(rng.sample(pool, rng.randint(3, 6))))
            # like the demo library, every section lists the ways people ask for it (3 more index entries)
            if questions:
                parts.append("\n常见问法：" + "；".join(rng.sample(asked, questions)))
        (root / f"doc_{f:05d}.md").write_text("\n".join(parts), encoding="utf-8")


def queries(n: int) -> list[str]:
    lines = [
        line.split(" | ", 2)[2]
        for line in (HERE / "kb_queries.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return (lines * (n // len(lines) + 1))[:n]


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MB."""
    with open("/proc/self/statm", encoding="ascii") as fh:
        current = int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    return current, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure(size: int, n_queries: int, questions: int, embeddings: str = "offline") -> dict:
    corpus = Path(tempfile.mkdtemp(prefix="kbcorpus-"))
    make_corpus(corpus, size, questions)
    kb, db, data_dir = await scratch_kb(embeddings=embeddings)
    try:
        await kb.open()
        await kb.search("预热", top=1)  # loads the model (a bundled one takes 0.1-1.5 s) before timing
        t0, cpu0 = time.perf_counter(), time.process_time()
        report = await kb.add_paths([corpus])
        ingest_s = time.perf_counter() - t0
        ingest_cpu_s = time.process_time() - cpu0  # all our threads; unlike wall time, immune to other load
        chunks = sum(d.chunk_count for d in report.added)
        t0 = time.perf_counter()
        await kb.search("预热", top=5)  # rebuilds the BM25 index once
        build_s = time.perf_counter() - t0
        latencies = {}
        for mode in ("hybrid", "keyword", "vector"):
            times = []
            for q in queries(n_queries):
                t0 = time.perf_counter()
                await kb.search(q, top=5, mode=mode)
                times.append((time.perf_counter() - t0) * 1000)
            times.sort()
            latencies[mode] = (statistics.median(times), times[int(len(times) * 0.95) - 1])
        return {
            "size": size,
            "chunks": chunks,
            "docs": len(report.added),
            "ingest_s": ingest_s,
            "rate": chunks / ingest_s,
            "cpu_rate": chunks / ingest_cpu_s,
            "build_s": build_s,
            "lat": latencies,
            "rss": rss_mb(),
        }
    finally:
        await db.close()
        shutil.rmtree(data_dir, ignore_errors=True)
        shutil.rmtree(corpus, ignore_errors=True)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--questions",
        type=int,
        default=QUESTIONS_PER_SECTION,
        help="associated questions per section (the demo library has 2-4)",
    )
    parser.add_argument("--embeddings", default="offline", choices=sorted(EMBEDDINGS_LABEL), help="vector side")
    args = parser.parse_args()
    print(machine())
    print(f"embeddings: {EMBEDDINGS_LABEL[args.embeddings]}; keyword: bm25s char uni+bigrams + concepts\n")
    print(f"corpus: synthetic playbook sections with {args.questions} associated questions each\n")
    rows = [await measure(size, args.queries, args.questions, args.embeddings) for size in args.sizes]
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (other processes share the cores)\n")
    print(
        f"{'chunks':>7} {'docs':>5} {'ingest s':>9} {'chunks/s':>9} {'per cpu-s':>9} {'bm25 build s':>13} "
        f"{'hybrid p50/p95 ms':>18} {'keyword p50/p95':>16} {'vector p50/p95':>15} {'RSS/peak MB':>12}"
    )
    for r in rows:
        lat = r["lat"]
        print(
            f"{r['chunks']:>7} {r['docs']:>5} {r['ingest_s']:>9.1f} {r['rate']:>9.0f} {r['cpu_rate']:>9.0f} {r['build_s']:>13.2f} "
            f"{lat['hybrid'][0]:>9.1f}/{lat['hybrid'][1]:<8.1f} {lat['keyword'][0]:>7.1f}/{lat['keyword'][1]:<8.1f}"
            f"{lat['vector'][0]:>7.1f}/{lat['vector'][1]:<7.1f} {r['rss'][0]:>6.0f}/{r['rss'][1]:<5.0f}"
        )
    print(
        f"\n{args.queries} queries per mode, top 5; targets: hybrid p50 <= 30 ms at 10k chunks, ingest >= 200 chunks/s"
    )


if __name__ == "__main__":
    asyncio.run(main())
