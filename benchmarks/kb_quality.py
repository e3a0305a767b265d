"""Retrieval quality of the knowledge base on the demo library: hit@1, hit@3, MRR per query kind.

    .venv/bin/python benchmarks/kb_quality.py [--queries benchmarks/kb_queries.txt] [--misses]

Compares keyword-only (char n-gram BM25), vector-only (Chroma, offline embeddings) and hybrid (RRF),
with the score threshold on, as the agent sees it. Off-topic queries ("none") count as correct when
nothing comes back.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import time
from collections import defaultdict
from pathlib import Path

from kb_common import EMBEDDINGS_LABEL, machine, scratch_kb

HERE = Path(__file__).resolve().parent
MODES = ("keyword", "vector", "hybrid")
DEPTH = 10
# the dev set first, then every held-out set (kb_queries_heldout*.txt), each reported on its own
QUERY_FILES = ("kb_queries.txt",) + tuple(sorted(p.name for p in HERE.glob("kb_queries_heldout*.txt")))


def load_queries(path: Path) -> list[tuple[str, str, str, str]]:
    """(kind, doc_stem, heading_substring, query)"""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, expected, query = (part.strip() for part in line.split(" | ", 2))
        doc, _, heading = expected.partition("#")
        out.append((kind, doc, heading, query))
    return out


def rank_of(hits, doc: str, heading: str) -> int | None:
    for rank, hit in enumerate(hits, start=1):
        if Path(hit.source).stem == doc and heading in " > ".join(hit.heading_path):
            return rank
    return None


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--queries", type=Path, action="append", help="query file(s); default: " + ", ".join(QUERY_FILES)
    )
    parser.add_argument("--misses", action="store_true", help="print the hybrid misses at 3")
    parser.add_argument("--no-threshold", action="store_true", help="rank quality alone, without the score threshold")
    parser.add_argument(
        "--embeddings",
        default="offline",
        choices=sorted(EMBEDDINGS_LABEL),
        help="vector side: the offline default, or an opt-in model (static, use, e5)",
    )
    parser.add_argument(
        "--vector-weight", type=float, help="weight of the vector ranking in the hybrid fusion (default: the index's)"
    )
    args = parser.parse_args()
    files = args.queries or [HERE / name for name in QUERY_FILES if (HERE / name).exists()]

    from knowledge import load_demo_library

    kb, db, data_dir = await scratch_kb(embeddings=args.embeddings)
    try:
        report = await load_demo_library(kb)
        if args.no_threshold:
            kb.min_relevance = -1.0
        if args.vector_weight is not None:
            kb.vector_weight = args.vector_weight
        chunks = sum(d.chunk_count for d in report.added)
        await kb.search("预热", top=1)  # builds the BM25 index before timing
        print(machine())
        print(
            f"library: {len(report.added)} documents, {chunks} chunks; embeddings: {EMBEDDINGS_LABEL[args.embeddings]}; "
            f"hybrid weights keyword {kb.keyword_weight} / vector {kb.vector_weight}\n"
        )
        for path in files:
            queries = load_queries(path)
            await evaluate(kb, path.name, queries, args.misses)
    finally:
        await db.close()
        shutil.rmtree(data_dir, ignore_errors=True)


async def evaluate(kb, name: str, queries, show_misses: bool) -> None:
    labelled = [q for q in queries if q[0] != "none"]
    offtopic = [q for q in queries if q[0] == "none"]
    rows: dict[tuple[str, str], list[tuple[int, int, float]]] = defaultdict(list)
    latencies: list[float] = []
    misses = []
    for kind, doc, heading, query in labelled:
        for mode in MODES:
            t0 = time.perf_counter()
            hits = await kb.search(query, top=DEPTH, mode=mode)
            if mode == "hybrid":
                latencies.append((time.perf_counter() - t0) * 1000)
            rank = rank_of(hits, doc, heading)
            row = (int(rank == 1), int(rank is not None and rank <= 3), 1.0 / rank if rank else 0.0)
            rows[(mode, kind)].append(row)
            rows[(mode, "ALL")].append(row)
            if mode == "hybrid" and not row[1]:
                top = [f"{Path(h.source).stem}#{'>'.join(h.heading_path)}" for h in hits[:3]]
                misses.append((kind, query, f"{doc}#{heading}", rank, top))
    kinds = sorted({k for k, *_ in labelled}) + ["ALL"]
    print(f"## {name}: {len(labelled)} labelled queries + {len(offtopic)} off-topic")
    print(f"{'kind':<14}{'n':>4}  " + "  ".join(f"{m + ' h@1':>12}{'h@3':>6}{'MRR':>6}" for m in MODES))
    for kind in kinds:
        cells = []
        for mode in MODES:
            r = rows[(mode, kind)]
            cells.append(
                f"{sum(x[0] for x in r) / len(r):>12.3f}{sum(x[1] for x in r) / len(r):>6.3f}"
                f"{sum(x[2] for x in r) / len(r):>6.3f}"
            )
        print(f"{kind:<14}{len(rows[('hybrid', kind)]):>4}  " + "  ".join(cells))
    if offtopic:
        rejected = {mode: 0 for mode in MODES}
        for *_, query in offtopic:
            for mode in MODES:
                if not await kb.search(query, top=3, mode=mode):
                    rejected[mode] += 1
        print("off-topic answered with nothing: " + ", ".join(f"{m} {rejected[m]}/{len(offtopic)}" for m in MODES))
    lat = sorted(latencies)
    print(
        f"hybrid latency over {len(lat)} queries: p50 {statistics.median(lat):.1f} ms, "
        f"p95 {lat[int(len(lat) * 0.95) - 1]:.1f} ms\n"
    )
    if show_misses:
        for kind, query, want, rank, top in misses:
            print(f"  MISS [{kind}] {query}  want {want} (rank {rank})  got {top}")
        print()


if __name__ == "__main__":
    asyncio.run(main())
