"""CPU cost of one embedding, per provider: what bounds ingest throughput and adds to every query.

    .venv/bin/python benchmarks/embed_cost.py [--embeddings offline use e5] [--passages 300]

Passages are the synthetic playbook sections kb_speed.py indexes (the same generator and seed), embedded the
way ingestion does (body, heading path, associated questions: the entries of one chunk); queries are the
labelled dev queries. CPU time of this process (time.process_time), so other load on the machine barely
moves it; the ceiling it implies for ingest is embeddings alone, before the database, Chroma and BM25.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from kb_common import EMBEDDINGS_LABEL, machine
from kb_speed import make_corpus, queries

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def chunk_entries(n: int) -> list[list[str]]:
    """The vector entries of n synthetic chunks (what ingestion embeds for each)."""
    from knowledge.chunking import chunk_blocks
    from knowledge.readers import read_file

    folder = Path(tempfile.mkdtemp(prefix="embcost-"))
    make_corpus(folder, n)
    out: list[list[str]] = []
    for path in sorted(folder.glob("*.md")):
        parsed = read_file(path)
        for draft in chunk_blocks(parsed):
            heading = " > ".join([parsed.title, *draft.heading_path])
            entries = [f"{heading}\n{draft.text}", heading]  # as knowledge/index.py vector_entries
            if draft.questions:
                entries.append("\n".join(q["q"] for q in draft.questions))
            out.append(entries)
    return out[:n]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--embeddings", nargs="+", default=["offline", "use", "e5"], choices=sorted(EMBEDDINGS_LABEL))
    parser.add_argument("--passages", type=int, default=300, help="synthetic chunks to embed")
    args = parser.parse_args()
    from knowledge.embeddings import provider_from_setting

    chunks = chunk_entries(args.passages)
    texts = [t for entries in chunks for t in entries]
    asked = queries(200)
    print(machine())
    print(
        f"{len(chunks)} chunks = {len(texts)} entries, mean {statistics.mean(map(len, texts)):.0f} characters; 200 queries\n"
    )
    print(f"{'embeddings':<60} {'load s':>7} {'CPU ms/chunk':>13} {'chunks per CPU-s':>17} {'query CPU ms p50':>17}")
    for name in args.embeddings:
        provider = provider_from_setting(name)
        t0 = time.process_time()
        provider.embed_sync(["预热"])  # loads the model
        load = time.process_time() - t0
        t0 = time.process_time()
        for start in range(0, len(texts), 64):
            provider.embed_sync(texts[start : start + 64])
        per_chunk = (time.process_time() - t0) / len(chunks)
        costs = []
        for q in asked:
            t0 = time.process_time()
            provider.embed_query_sync(q)
            costs.append((time.process_time() - t0) * 1000)
        print(
            f"{EMBEDDINGS_LABEL[name]:<60} {load:>7.2f} {per_chunk * 1000:>13.1f} {1 / per_chunk:>17.0f} "
            f"{statistics.median(costs):>17.2f}"
        )


if __name__ == "__main__":
    main()
