"""Knowledge-base search: audience isolation, errors, associated questions, edits, other processes, embeddings."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.db import Database
from bot.settings import ConfigError
from knowledge import KnowledgeBase, KnowledgeError, load_demo_library
from knowledge.embeddings import OpenAIEmbeddings, provider_from_setting
from tests.conftest import make_settings
from tests.fakes.openai_server import FakeOpenAI
from tests.test_knowledge_ingest import knowledge_base, write

INTERNAL = "# 折扣审批权限\n\n## 各级权限\n销售经理可以审批到八五折，总监可以审批到七五折，报价低于七五折要找 VP。\n"
PUBLIC = "# 产品价格\n\n## 版本\n标准版每个账号每月九十九元，专业版一百九十九元，报价按年付。\n"


async def test_empty_query_is_an_error(tmp_path):
    async with knowledge_base(tmp_path) as kb:
        for bad in ("", "   ", None):
            with pytest.raises(ValueError, match="不能为空"):
                await kb.search(bad)
        with pytest.raises(KnowledgeError):
            await kb.search("价格", audience="partners")


async def test_public_search_never_returns_internal_chunks(tmp_path):
    async with knowledge_base(tmp_path) as kb:
        await kb.add_paths([write(tmp_path / "in.md", INTERNAL)], audience="internal")
        await kb.add_paths([write(tmp_path / "pub.md", PUBLIC)], audience="public")
        queries = ["经理能批几折", "七五折 VP", "报价", "价格", "折扣审批权限", "标准版多少钱"]
        for query in queries:
            for mode in ("hybrid", "keyword", "vector"):
                hits = await kb.search(query, audience="public", top=10, mode=mode)
                assert all(h.audience == "public" and h.title == "产品价格" for h in hits), (query, mode, hits)
        staff = await kb.search("七五折 VP", top=10)
        assert staff[0].title == "折扣审批权限"
        internal_only = await kb.search("报价", audience="internal", top=10)
        assert {h.title for h in internal_only} == {"折扣审批权限"}


async def test_off_topic_question_gets_nothing(tmp_path):
    async with knowledge_base(tmp_path) as kb:
        await kb.add_paths([write(tmp_path / "in.md", INTERNAL), write(tmp_path / "pub.md", PUBLIC)])
        assert await kb.search("帮我写首诗") == []
        assert await kb.search("周末去哪玩") == []


async def test_associated_question_makes_a_chunk_findable(tmp_path):
    text = "# 回款\n\n## 账期\n国企可以申请验收后付款，首付款比例不低于三成。\n"
    # slang that shares no word with the passage and that the thesaurus does not know ("给钱" it would)
    asked = "先干活后掏腰包行不行"
    async with knowledge_base(tmp_path) as kb:
        await kb.add_paths([write(tmp_path / "pay.md", text)])
        assert await kb.search(asked) == []
        chunk_id = (await kb.search("验收后付款"))[0].chunk_id
        chunk = await kb.add_associated_question(chunk_id, asked)
        assert chunk.questions == [{"q": asked, "by": "admin"}]
        hits = await kb.search(asked)
        assert hits and hits[0].chunk_id == chunk_id
        again = await kb.add_associated_question(chunk_id, asked)
        assert len(again.questions) == 1
        with pytest.raises(KnowledgeError):
            await kb.add_associated_question(chunk_id, "  ")
        with pytest.raises(KnowledgeError):
            await kb.add_associated_question(99999, "问题")


async def test_update_chunk_text_reindexes_it(tmp_path):
    async with knowledge_base(tmp_path) as kb:
        await kb.add_paths([write(tmp_path / "sla.md", "# 售后\n\n故障十五分钟内响应。\n")])
        chunk_id = (await kb.search("故障响应"))[0].chunk_id
        updated = await kb.update_chunk_text(chunk_id, "紧急故障五分钟内电话回访。")
        assert updated.text == "紧急故障五分钟内电话回访。"
        hits = await kb.search("电话回访")
        assert hits and hits[0].chunk_id == chunk_id
        assert not any("十五分钟" in h.text for h in await kb.search("十五分钟"))
        with pytest.raises(KnowledgeError):
            await kb.update_chunk_text(chunk_id, "")
        disabled = await kb.set_chunk_enabled(chunk_id, False)
        assert disabled.enabled is False
        assert await kb.search("电话回访") == []


async def test_changes_by_another_process_are_seen(tmp_path):
    settings = make_settings(tmp_path)
    settings.ensure_data_dir()
    db = Database(settings.resolved_database_url)
    await db.migrate()
    server_side, cli_side = KnowledgeBase(settings, db), KnowledgeBase(settings, db)
    try:
        assert await server_side.search("海纳") == []
        report = await cli_side.add_paths([write(tmp_path / "c.md", "# 竞品\n\n海纳的标准版略便宜。\n")])
        assert [h.title for h in await server_side.search("海纳")] == ["竞品"]
        await cli_side.remove(report.added[0].doc_id)
        assert await server_side.search("海纳") == []
    finally:
        await db.close()


async def test_a_replica_with_its_own_index_embeds_what_another_process_added(tmp_path):
    """Compose gives each replica its own /data: its vector index must catch up, not only keyword search."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    replica_settings = make_settings(tmp_path / "replica", SALESBOT_DATABASE_URL=url)
    cli_settings = make_settings(tmp_path / "cli", SALESBOT_DATABASE_URL=url)
    for settings in (replica_settings, cli_settings):
        settings.ensure_data_dir()
    db = Database(url)
    await db.migrate()
    replica, cli_side = KnowledgeBase(replica_settings, db), KnowledgeBase(cli_settings, db)
    try:
        assert await replica.search("海纳", mode="vector") == []
        report = await cli_side.add_paths([write(tmp_path / "c.md", "# 竞品\n\n海纳的标准版略便宜。\n")])
        assert [h.title for h in await replica.search("海纳的标准版", mode="vector")] == ["竞品"]
        await cli_side.remove(report.added[0].doc_id)
        assert await replica.search("海纳的标准版", mode="vector") == []
    finally:
        await db.close()


async def test_offline_collection_has_a_registered_embedding_function(tmp_path):
    async with knowledge_base(tmp_path) as kb:
        await kb.add_paths([write(tmp_path / "a.md", "# A\n\n内容。\n")])
        config = kb._vectors.collection.configuration["embedding_function"]
        assert config.name() == "salesbot_hashed_ngram"  # never chromadb's downloading default
        assert Path(kb.settings.data_dir / "chroma").is_dir()


async def test_reopen_repairs_missing_vectors(tmp_path):
    async with knowledge_base(tmp_path) as kb:
        await kb.add_paths([write(tmp_path / "a.md", "# A\n\n等保三级测评报告。\n")])
        kb._vectors.delete(sorted(kb._vectors.all_ids()))  # as if a crash lost them
        kb2 = KnowledgeBase(kb.settings, kb.db)
        await kb2.open()
        assert kb2._vectors.all_ids()
        hits = await kb2.search("等保测评", mode="vector")
        assert hits and hits[0].title == "A"


async def test_demo_library_loads_idempotently(tmp_path):
    async with knowledge_base(tmp_path) as kb:
        first = await load_demo_library(kb)
        assert first.ok and len(first.added) >= 30
        second = await load_demo_library(kb)
        assert not second.added and len(second.unchanged) == len(first.added)
        docs = {Path(d.source).stem: d for d in await kb.list_documents()}
        assert docs["discount_authority"].audience == "internal"
        assert docs["product_editions_pricing"].audience == "public"
        hits = await kb.search("客户要 POC 怎么弄", top=3)
        assert Path(hits[0].source).stem == "poc_policy"
        public = await kb.search("经理能批到几折", audience="public", top=10)
        assert all(Path(h.source).parent.name == "public" for h in public)


def test_embeddings_setting():
    assert provider_from_setting("offline").key.startswith("offline_v2_")
    with pytest.raises(ConfigError, match="OPENAI_BASE_URL"):
        provider_from_setting("openai:bge-m3")
    with pytest.raises(ConfigError, match="offline"):
        provider_from_setting("bge")


async def test_openai_compatible_embeddings(tmp_path):
    async with FakeOpenAI() as fake:
        provider = provider_from_setting("openai:bge-m3", fake.base_url, "key")
        assert isinstance(provider, OpenAIEmbeddings) and provider.key == "openai_bge_m3"
        async with knowledge_base(tmp_path, embeddings=provider) as kb:
            await kb.add_paths([write(tmp_path / "a.md", INTERNAL)])
            hits = await kb.search("七五折", mode="vector")
            assert hits and hits[0].title == "折扣审批权限"
            assert kb._vectors.collection.name == "kb_openai_bge_m3"
            assert kb.trust_cosine
