"""Associated questions written into documents ("常见问法"), English query normalisation, the opt-in static
embeddings provider, and a guard that the demo library's questions are not copies of benchmark queries."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

from bot.settings import ConfigError
from knowledge import DEMO_LIBRARY
from knowledge.chunking import associated_questions, chunk_blocks
from knowledge.embeddings import StaticEmbeddings, provider_from_setting
from knowledge.glossary import expand_query
from knowledge.readers import read_file
from tests.test_knowledge_ingest import knowledge_base, write

PAYMENT_MD = """# 回款手册

## 账期
国企可以申请验收后付款，首付款比例不低于三成。

常见问法：先干活后给钱行不行；客户要求项目做完再结账

## 发票
付款后五个工作日内开出电子发票。

常见问法：
- 票什么时候能拿到
- 开票要几天
"""


def test_questions_paragraph_is_parsed_in_both_forms():
    assert associated_questions("常见问法：甲；乙 | 丙") == ["甲", "乙", "丙"]
    assert associated_questions("关联问题:\n- 甲\n- 乙\n1. 丙") == ["甲", "乙", "丙"]
    assert associated_questions("**常见问法**：甲；甲") == ["甲"]
    assert associated_questions("客户常见问法很多，要耐心。") is None
    assert associated_questions("常见问法：" + "长" * 200) == []  # not a question: dropped, never indexed as one


def test_markdown_questions_attach_to_their_section_and_leave_the_text(tmp_path):
    parsed = read_file(write(tmp_path / "pay.md", PAYMENT_MD))
    chunks = chunk_blocks(parsed)
    assert [c.heading_path for c in chunks] == [["账期"], ["发票"]]
    assert chunks[0].text == "国企可以申请验收后付款，首付款比例不低于三成。"
    assert chunks[0].questions == [
        {"q": "先干活后给钱行不行", "by": "doc"},
        {"q": "客户要求项目做完再结账", "by": "doc"},
    ]
    assert [q["q"] for q in chunks[1].questions] == ["票什么时候能拿到", "开票要几天"]
    assert all("常见问法" not in c.text for c in chunks)


def test_a_long_section_split_in_pieces_gives_every_piece_the_questions(tmp_path):
    body = "。".join(f"第{i}条说明写得比较长，用来把这一节撑到需要切开的长度" for i in range(40)) + "。"
    parsed = read_file(write(tmp_path / "long.md", f"# 长文\n\n## 一节\n{body}\n\n常见问法：这一节讲什么\n"))
    chunks = chunk_blocks(parsed)
    assert len(chunks) > 1
    assert all(c.questions == [{"q": "这一节讲什么", "by": "doc"}] for c in chunks)


def test_xlsx_similar_questions_column(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["问题", "答案", "相似问法"])
    ws.append(["手机上能用吗？", "可以，移动端都支持。", "有 App 吗；出门在外能用吗"])
    ws.append(["最少买几个账号？", "五个起购。", None])
    path = tmp_path / "faq.xlsx"
    wb.save(str(path))
    chunks = chunk_blocks(read_file(path))
    assert [q["q"] for q in chunks[0].questions] == ["手机上能用吗？", "有 App 吗", "出门在外能用吗"]
    assert chunks[1].questions == [{"q": "最少买几个账号？", "by": "sheet"}]


async def test_a_question_written_in_the_document_makes_its_chunk_findable(tmp_path):
    async with knowledge_base(tmp_path) as kb:
        await kb.add_paths([write(tmp_path / "pay.md", PAYMENT_MD)])
        hits = await kb.search("先干活后给钱行不行")
        assert hits and hits[0].heading_path == ["账期"]
        chunk = await kb.get_chunk(hits[0].chunk_id)
        assert "常见问法" not in chunk.text and chunk.questions[0]["by"] == "doc"
        # a new version of the file replaces the questions with the chunks
        await kb.add_paths([write(tmp_path / "pay.md", PAYMENT_MD.replace("先干活后给钱行不行", "能不能验收完再付"))])
        hits = await kb.search("能不能验收完再付")
        assert hits and hits[0].heading_path == ["账期"]
        chunk = await kb.get_chunk(hits[0].chunk_id)
        assert [q["q"] for q in chunk.questions] == ["能不能验收完再付", "客户要求项目做完再结账"]


def test_english_terms_are_expanded_to_the_playbooks_chinese():
    assert expand_query("客户要 POC 怎么弄") == "客户要 POC 怎么弄 概念验证 试点"
    assert expand_query("ＰＯＣ") == "ＰＯＣ 概念验证 试点"  # full-width is normalised first
    assert expand_query("on-premise 的 license 怎么算").endswith("私有化部署 本地部署 授权 账号")
    assert expand_query("客户一直没 follow up") == "客户一直没 follow up 跟进"
    assert expand_query("客户嫌贵") == "客户嫌贵"
    # whole words only: "ie" is not in "client", "pro" is not in "process"
    assert expand_query("client 的 process") == "client 的 process"


async def test_an_english_question_finds_the_chinese_passage(tmp_path):
    text = "# 手册\n\n## 上线流程\n启动会、配置、培训，然后全员上线。\n\n## 折扣流程\n八五折以下由销售总监审批。\n"
    async with knowledge_base(tmp_path) as kb:
        await kb.add_paths([write(tmp_path / "d.md", text)])
        for mode in ("keyword", "vector", "hybrid"):
            hits = await kb.search("approve 流程", mode=mode)
            assert hits and hits[0].heading_path == ["折扣流程"], mode
        assert "审批" in hits[0].matched_terms


def test_static_provider_is_opt_in_with_a_clear_message(monkeypatch):
    monkeypatch.setitem(sys.modules, "static_model", None)  # not installed
    with pytest.raises(ConfigError, match="tokenlearn-static-model"):
        provider_from_setting("static")


async def test_static_provider_feeds_its_own_collection(tmp_path, monkeypatch):
    def fake_embeddings(texts):  # the package's API: list in, list of vectors out
        return [[1.0, float("价" in t), float("审" in t)] for t in texts]

    monkeypatch.setitem(sys.modules, "static_model", types.SimpleNamespace(get_embeddings=fake_embeddings))
    provider = provider_from_setting("static")
    assert isinstance(provider, StaticEmbeddings) and not provider.trust_cosine
    async with knowledge_base(tmp_path, embeddings=provider) as kb:
        await kb.add_paths([write(tmp_path / "d.md", "# 折扣\n\n## 审批\n七五折以下找总监审批。\n")])
        assert kb._vectors.collection.name == "kb_static_tokenlearn_v011"
        hits = await kb.search("七五折 审批", mode="vector")
        assert hits and hits[0].title == "折扣"


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"\s+", "", text.lower())
    return {text[i : i + 2] for i in range(len(text) - 1)}


def test_demo_questions_are_not_copies_of_benchmark_queries():
    """The demo library's 常见问法 are written from the documents; a near-copy of a labelled benchmark query
    would make the quality numbers meaningless."""
    bench = Path(__file__).resolve().parents[1] / "benchmarks"
    queries = [
        line.split(" | ", 2)[2].strip()
        for f in sorted(bench.glob("kb_queries*.txt"))
        for line in f.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(queries) > 300
    written = []  # the 常见问法 paragraphs and the sheets' 相似问法 column (not the sheets' own question column)
    for path in sorted(DEMO_LIBRARY.rglob("*")):
        if path.suffix in (".md", ".xlsx"):
            for chunk in chunk_blocks(read_file(path)):
                written += [q["q"] for q in chunk.questions[1 if path.suffix == ".xlsx" else 0 :]]
    assert len(written) > 300
    too_close = []
    for q in written:
        grams = _bigrams(q)
        for query in queries:
            other = _bigrams(query)
            if grams and len(grams & other) / len(grams | other) >= 0.5:
                too_close.append((q, query))
    assert not too_close, too_close[:5]
