"""Our embeddings as Chroma embedding functions.

We always hand Chroma precomputed embeddings, but every collection is still created with a *registered*
embedding function: a collection without one makes chromadb try to download its default ONNX model
(all-MiniLM-L6-v2, fetched from the internet on first use). The functions are registered by name, so a
collection reopened later finds its function from the persisted config.

This module imports chromadb (about a second); only knowledge/index.py imports it, when the vector index opens.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

from knowledge.embeddings import OFFLINE_DIMS, E5Small, StaticEmbeddings, UniversalSentenceEncoder, hashed_ngram_vector


@register_embedding_function
class SalesbotHashedNgram(EmbeddingFunction[Documents]):
    """The offline embedding as a Chroma embedding function (persisted by name in the collection config)."""

    def __init__(self, dims: int = OFFLINE_DIMS):
        self.dims = dims

    def __call__(self, input: Documents) -> Embeddings:
        return [hashed_ngram_vector(t, self.dims) for t in input]

    @staticmethod
    def name() -> str:
        return "salesbot_hashed_ngram"

    def default_space(self) -> str:
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        return {"dims": self.dims}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "SalesbotHashedNgram":
        return SalesbotHashedNgram(int(config.get("dims", OFFLINE_DIMS)))


@register_embedding_function
class SalesbotRemoteEmbedding(EmbeddingFunction[Documents]):
    """Marks a collection whose vectors come from a remote endpoint; salesbot always passes them in."""

    def __init__(self, model: str = ""):
        self.model = model

    def __call__(self, input: Documents) -> Embeddings:
        raise RuntimeError("salesbot computes remote embeddings itself; pass embeddings explicitly")

    @staticmethod
    def name() -> str:
        return "salesbot_remote"

    def default_space(self) -> str:
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        return {"model": self.model}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "SalesbotRemoteEmbedding":
        return SalesbotRemoteEmbedding(str(config.get("model", "")))


@register_embedding_function
class SalesbotStaticModel(EmbeddingFunction[Documents]):
    """The opt-in static model as a Chroma embedding function (salesbot passes vectors in; this is for reopen)."""

    def __init__(self) -> None:
        pass

    def __call__(self, input: Documents) -> Embeddings:
        return [np.asarray(v, dtype=np.float32) for v in StaticEmbeddings.encode(list(input))]

    @staticmethod
    def name() -> str:
        return "salesbot_static_model"

    def default_space(self) -> str:
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "SalesbotStaticModel":
        return SalesbotStaticModel()


class _BundledModelFunction(EmbeddingFunction[Documents]):
    """A bundled sentence model as a Chroma embedding function (salesbot passes vectors in; this is for reopen)."""

    provider: type = UniversalSentenceEncoder

    def __init__(self) -> None:
        self._provider = None

    def __call__(self, input: Documents) -> Embeddings:
        if self._provider is None:
            self._provider = self.provider()
        return self._provider.embed_sync(list(input))

    def default_space(self) -> str:
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        return {}


@register_embedding_function
class SalesbotUseM3(_BundledModelFunction):
    provider = UniversalSentenceEncoder

    @staticmethod
    def name() -> str:
        return "salesbot_use_m3"

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "SalesbotUseM3":
        return SalesbotUseM3()


@register_embedding_function
class SalesbotE5Small(_BundledModelFunction):
    provider = E5Small

    @staticmethod
    def name() -> str:
        return "salesbot_e5_small"

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "SalesbotE5Small":
        return SalesbotE5Small()


BY_NAME = {
    fn.name(): fn
    for fn in (SalesbotHashedNgram, SalesbotRemoteEmbedding, SalesbotStaticModel, SalesbotUseM3, SalesbotE5Small)
}


def build(name: str, config: dict[str, Any]) -> EmbeddingFunction:
    return BY_NAME[name].build_from_config(config)
