"""The two retrievers over index entries: BM25 on characters (in memory) and vectors in Chroma (on disk).

An *entry* is what gets indexed: a chunk's body (title > headings + text) or one of its associated
questions. Entry ids are "<chunk_id>" and "<chunk_id>:q<n>"; both retrievers score entries and report
the best entry per chunk.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

import bm25s
import numpy as np

from knowledge.analysis import index_terms, normalize, query_terms

log = logging.getLogger(__name__)
# bm25s logs every index build at DEBUG through its own handler; we rebuild on every change
logging.getLogger("bm25s").setLevel(logging.WARNING)


@dataclass
class ChunkRecord:
    chunk_id: int
    doc_id: int
    title: str
    source: str
    heading_path: list[str]
    text: str
    audience: str
    questions: list[dict] = field(default_factory=list)
    enabled: bool = True
    _haystack: str | None = field(default=None, repr=False, compare=False)

    def context(self) -> str:
        return " > ".join([self.title, *self.heading_path])

    def haystack(self) -> str:
        """Everything of the chunk a query word can be found in, normalised (computed once per record)."""
        if self._haystack is None:
            asked = "\n".join(q["q"] for q in self.questions if q.get("q"))
            self._haystack = normalize(f"{self.context()}\n{self.text}\n{asked}")
        return self._haystack

    HEADING_ENTRIES = True

    def entries(self) -> list[tuple[str, str]]:
        out = [(str(self.chunk_id), f"{self.context()}\n{self.text}")]
        if self.HEADING_ENTRIES and self.heading_path:
            # the heading is a human-written summary of the passage; on its own it is not drowned by the body
            out.append((f"{self.chunk_id}:h", self.context()))
        out.extend((f"{self.chunk_id}:q{i}", q["q"]) for i, q in enumerate(self.questions) if q.get("q"))
        return out

    def vector_entries(self, separate_questions: bool) -> list[tuple[str, str]]:
        """What goes to Chroma. A lexical embedding of all questions together is about as good as one per
        question and costs one vector instead of several (ingest speed); a sentence model keeps them apart."""
        if separate_questions:
            return self.entries()
        out = [entry for entry in self.entries() if ":q" not in entry[0]]
        asked = [q["q"] for q in self.questions if q.get("q")]
        if asked:
            out.append((f"{self.chunk_id}:q", "\n".join(asked)))
        return out


def chunk_id_of(entry_id: str) -> int:
    return int(entry_id.split(":", 1)[0])


ENTRY_KINDS = ("body", "heading", "question")


def entry_kind(entry_id: str) -> int:
    _, _, suffix = entry_id.partition(":")
    return 0 if not suffix else 1 if suffix == "h" else 2


class TermCache:
    """Entry text -> term ids, kept between rebuilds: tokenising is most of a rebuild's cost.

    Ids index one vocabulary that only grows, so cached arrays stay valid; int32 arrays keep 10k chunks
    at a few tens of MB instead of millions of small strings.
    """

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {"": 0}
        self._ids: dict[str, np.ndarray] = {}

    def ids(self, text: str) -> np.ndarray:
        cached = self._ids.get(text)
        if cached is None:
            vocab = self.vocab
            terms = index_terms(text) or [""]
            cached = np.fromiter((vocab.setdefault(t, len(vocab)) for t in terms), dtype=np.int32, count=len(terms))
            self._ids[text] = cached
        return cached

    def retain(self, texts: set[str]) -> None:
        for text in [t for t in self._ids if t not in texts]:
            del self._ids[text]


class LexicalIndex:
    """bm25s over character uni+bigrams and concepts; rebuilt from the records after every change."""

    K1 = 1.2
    B = 0.5  # short Q&A rows beside long playbook sections: full length normalisation overrates the short ones
    OTHER_FIELDS_SHARE = 0.35  # chosen on kb_queries.txt (benchmarks/README.md)

    def __init__(self) -> None:
        self._bm25: bm25s.BM25 | None = None
        self._entry_chunk = np.zeros(0, dtype=np.int64)
        self._entry_public = np.zeros(0, dtype=bool)
        self._entry_internal = np.zeros(0, dtype=bool)
        self._entry_texts: list[str] = []
        self._entry_slot = np.zeros(0, dtype=np.int64)  # dense chunk index * 3 + entry kind
        self._slot_chunk = np.zeros(0, dtype=np.int64)

    def build(self, records: list[ChunkRecord], cache: TermCache | None = None) -> None:
        cache = cache or TermCache()
        corpus, chunk_ids, audiences, texts, kinds = [], [], [], [], []
        for rec in records:
            if not rec.enabled:
                continue
            for entry_id, text in rec.entries():
                kinds.append(entry_kind(entry_id))
                corpus.append(cache.ids(text).tolist())
                chunk_ids.append(rec.chunk_id)
                audiences.append(rec.audience)
                texts.append(text)
        bm25 = None
        if corpus:
            bm25 = bm25s.BM25(k1=self.K1, b=self.B)
            bm25.index((corpus, dict(cache.vocab)), show_progress=False)
        cache.retain(set(texts))
        self._bm25 = bm25
        self._entry_chunk = np.asarray(chunk_ids, dtype=np.int64)
        self._slot_chunk, dense = np.unique(self._entry_chunk, return_inverse=True)
        self._entry_slot = dense.astype(np.int64) * len(ENTRY_KINDS) + np.asarray(kinds, dtype=np.int64)
        aud = np.asarray(audiences, dtype=object)
        self._entry_public = aud == "public"
        self._entry_internal = aud == "internal"
        self._entry_texts = texts

    def idf(self, term: str) -> float:
        """Inverse document frequency over entries; a term the index has never seen is maximally specific."""
        bm25 = self._bm25
        n = len(self._entry_chunk)
        tid = bm25.vocab_dict.get(term) if bm25 is not None else None
        df = 0 if tid is None else int(bm25.scores["indptr"][tid + 1] - bm25.scores["indptr"][tid])
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def max_idf(self) -> float:
        """The IDF of a term found in no entry: the scale of this library's IDFs, which grow with its size."""
        return math.log(1 + (len(self._entry_chunk) + 0.5) / 0.5)

    def search(self, query: str, audience: str | None, k: int) -> list[tuple[int, float]]:
        """(chunk_id, bm25 score) best first, at most k chunks."""
        bm25 = self._bm25
        if bm25 is None:
            return []
        data, indices, indptr = bm25.scores["data"], bm25.scores["indices"], bm25.scores["indptr"]
        scores = np.zeros(len(self._entry_chunk), dtype=np.float32)
        for term, weight in query_terms(query):
            tid = bm25.vocab_dict.get(term)
            if tid is None:
                continue
            start, end = indptr[tid], indptr[tid + 1]
            scores[indices[start:end]] += weight * data[start:end]
        if audience == "public":
            scores[~self._entry_public] = 0
        elif audience == "internal":
            scores[~self._entry_internal] = 0
        candidates = np.flatnonzero(scores > 0)
        if candidates.size == 0:
            return []
        # a chunk's score: its best field (body, heading or one associated question), plus a share of the
        # other fields' best; agreement between the passage and how people ask it is evidence too
        per_field = np.zeros(len(self._slot_chunk) * len(ENTRY_KINDS), dtype=np.float32)
        np.maximum.at(per_field, self._entry_slot[candidates], scores[candidates])
        per_field = per_field.reshape(-1, len(ENTRY_KINDS))
        best_field = per_field.max(axis=1)
        chunk_scores = best_field + self.OTHER_FIELDS_SHARE * (per_field.sum(axis=1) - best_field)
        hit = np.flatnonzero(chunk_scores > 0)
        take = min(hit.size, k)
        top = hit[np.argpartition(-chunk_scores[hit], take - 1)[:take]]
        top = top[np.argsort(-chunk_scores[top], kind="stable")]
        return [(int(self._slot_chunk[i]), float(chunk_scores[i])) for i in top]


class VectorIndex:
    """A Chroma collection per embeddings provider, under <data_dir>/chroma."""

    def __init__(self, path: Path, collection_name: str, embedding_function: tuple[str, dict]) -> None:
        # chromadb takes about a second to import: only when the vector index is opened (salesbot --help,
        # `salesbot chat` and the lexical search do without it; benchmarks/startup.py)
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        from knowledge import chroma_functions

        path.mkdir(parents=True, exist_ok=True)
        self.client = chromadb.PersistentClient(
            path=str(path), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        )
        self.collection = self.client.get_or_create_collection(
            collection_name,
            embedding_function=chroma_functions.build(*embedding_function),
            configuration={"hnsw": {"space": "cosine"}},
        )

    def drop_other_collections(self, prefix: str) -> list[str]:
        """Delete the other collections whose name starts with prefix (vectors of a superseded version)."""
        names = [c if isinstance(c, str) else c.name for c in self.client.list_collections()]
        stale = sorted(n for n in names if n.startswith(prefix) and n != self.collection.name)
        for name in stale:
            self.client.delete_collection(name)
        return stale

    def upsert(self, ids: list[str], embeddings: list, metadatas: list[dict]) -> None:
        for start in range(0, len(ids), 1000):
            end = start + 1000
            self.collection.upsert(ids=ids[start:end], embeddings=embeddings[start:end], metadatas=metadatas[start:end])

    def delete(self, ids: list[str]) -> None:
        for start in range(0, len(ids), 1000):
            self.collection.delete(ids=ids[start : start + 1000])

    def all_ids(self) -> set[str]:
        return set(self.collection.get(include=[])["ids"])

    def query(self, embedding, audience: str | None, k: int) -> list[tuple[str, float]]:
        """(entry_id, cosine similarity) best first."""
        total = self.collection.count()
        if total == 0:
            return []
        where = {"audience": audience} if audience else None
        res = self.collection.query(
            query_embeddings=[embedding], n_results=min(k, total), where=where, include=["distances"]
        )
        return [(eid, 1.0 - float(d)) for eid, d in zip(res["ids"][0], res["distances"][0])]
