"""Knowledge-base ingestion: each file type, re-ingest, removal, and bad input writing nothing."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.db import Database
from knowledge import KnowledgeBase, KnowledgeError
from knowledge.index import VectorIndex
from tests.conftest import make_settings


@asynccontextmanager
async def knowledge_base(tmp_path, **kwargs):
    settings = make_settings(tmp_path)
    settings.ensure_data_dir()
    db = Database(settings.resolved_database_url)
    await db.migrate()
    kb = KnowledgeBase(settings, db, **kwargs)
    try:
        yield kb
    finally:
        await kb.close()
        await db.close()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def make_pdf(path: Path, lines: list[str]) -> Path:
    """A minimal one-page PDF with Helvetica text (pypdf reads it like any other)."""
    content = "BT /F1 12 Tf 72 720 Td 16 TL " + " ".join(f"({line}) Tj T*" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(out)
    return path


PRICE_MD = """# 价格异议手册

## 客户嫌贵
### 跟竞品比
先问清楚对方拿哪一家的报价来比，再算三年总成本。

## 折扣权限
销售代表可以自行给到九五折。
"""


async def test_markdown_chunks_keep_title_and_heading_path(tmp_path):
    async with knowledge_base(tmp_path) as kb:
        report = await kb.add_paths([write(tmp_path / "price.md", PRICE_MD)])
        assert report.ok and len(report.added) == 1
        assert report.added[0].title == "价格异议手册"
        hits = await kb.search("竞品报价 三年总成本")
        assert hits[0].heading_path == ["客户嫌贵", "跟竞品比"]
        assert hits[0].title == "价格异议手册"
        assert hits[0].source == str((tmp_path / "price.md").resolve())
        assert "三年总成本" in hits[0].text
        assert "总成本" in "".join(hits[0].matched_terms)


async def test_plain_text_numbered_headings(tmp_path):
    text = "一、实施周期\n\n标准版一般两周上线，专业版三到四周。\n\n二、客户投入\n\n客户需要指定一名项目负责人。\n"
    async with knowledge_base(tmp_path) as kb:
        await kb.add_paths([write(tmp_path / "impl.txt", text)])
        hits = await kb.search("项目负责人")
        assert hits[0].heading_path == ["二、客户投入"]
        assert hits[0].title == "impl"


async def test_docx_headings_paragraphs_and_tables(tmp_path):
    import docx

    document = docx.Document()
    document.add_heading("私有化部署说明", level=1)
    document.add_heading("服务器配置", level=2)
    document.add_paragraph("最低需要三台八核三十二G的应用服务器。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "数据库", "达梦或人大金仓"
    table.cell(1, 0).text, table.cell(1, 1).text = "操作系统", "麒麟或统信"
    path = tmp_path / "deploy.docx"
    document.save(str(path))
    async with knowledge_base(tmp_path) as kb:
        report = await kb.add_paths([path])
        assert report.added[0].title == "私有化部署说明" and report.added[0].file_type == "docx"
        hits = await kb.search("人大金仓")
        assert hits and hits[0].heading_path == ["服务器配置"]
        assert "数据库 | 达梦或人大金仓" in hits[0].text


async def test_xlsx_rows_are_qa_chunks_and_the_question_side_is_indexed(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "速查"
    ws.append(["问题", "答案"])
    ws.append(["手机上能用吗？", "可以，企业微信和钉钉的移动端都支持。"])
    ws.append(["最少买几个账号？", "五个起购，按年付费。"])
    ws.append(["", "没有问题的行被跳过"])
    path = tmp_path / "faq.xlsx"
    wb.save(str(path))
    async with knowledge_base(tmp_path) as kb:
        report = await kb.add_paths([path], audience="public")
        assert report.added[0].chunk_count == 2
        # the answer never says 手机; only the question side can match
        hits = await kb.search("手机")
        assert hits and hits[0].text.startswith("问：手机上能用吗？")
        chunk = await kb.get_chunk(hits[0].chunk_id)
        assert chunk.questions == [{"q": "手机上能用吗？", "by": "sheet"}]
        assert chunk.heading_path == ["速查"] and chunk.audience == "public"


async def test_pdf_text_is_ingested(tmp_path):
    path = make_pdf(tmp_path / "poc.pdf", ["POC requires a written success plan", "signed by the buyer."])
    async with knowledge_base(tmp_path) as kb:
        report = await kb.add_paths([path])
        assert report.ok, report.refused
        hits = await kb.search("POC success plan")
        assert hits and "written success plan" in hits[0].text
        assert hits[0].heading_path == ["第1页"]


async def test_reingest_replaces_the_documents_chunks(tmp_path):
    path = write(tmp_path / "renew.md", "# 续约\n\n## 时间\n到期前九十天开始复盘。\n")
    async with knowledge_base(tmp_path) as kb:
        first = await kb.add_paths([path])
        old_hits = await kb.search("九十天")
        old_ids = {h.chunk_id for h in old_hits}
        assert old_ids

        again = await kb.add_paths([path])
        assert [d.doc_id for d in again.unchanged] == [first.added[0].doc_id]

        write(path, "# 续约\n\n## 时间\n到期前六十天发出续约报价。\n")
        second = await kb.add_paths([path])
        assert [(d.doc_id, d.version) for d in second.replaced] == [(first.added[0].doc_id, 2)]
        assert not any("九十天" in h.text for h in await kb.search("九十天 复盘"))
        new_hits = await kb.search("六十天 续约报价")
        assert new_hits and not ({h.chunk_id for h in new_hits} & old_ids)
        # the old version's vectors are gone from Chroma too
        vector_ids = kb._vectors.all_ids()
        assert not any(int(v.split(":")[0]) in old_ids for v in vector_ids)
        docs = await kb.list_documents()
        assert len(docs) == 1 and docs[0].version == 2


async def test_failed_index_write_leaves_nothing_half_ingested(tmp_path, monkeypatch):
    path = write(tmp_path / "a.md", "# 甲\n\n原来的内容：等保三级。\n")
    async with knowledge_base(tmp_path) as kb:
        await kb.add_paths([path])

        def broken_upsert(self, ids, embeddings, metadatas):
            raise RuntimeError("disk full")

        monkeypatch.setattr(VectorIndex, "upsert", broken_upsert)
        write(path, "# 甲\n\n新的内容：私有化部署。\n")
        fresh = write(tmp_path / "b.md", "# 乙\n\n全新的文档。\n")
        report = await kb.add_paths([path, fresh])
        assert {Path(p).name for p, _ in report.refused} == {"a.md", "b.md"}
        assert all("未导入" in reason for _, reason in report.refused)
        docs = await kb.list_documents()
        assert [(d.title, d.version) for d in docs] == [("甲", 1)]  # the old version is intact
        hits = await kb.search("等保三级")
        assert hits and "原来的内容" in hits[0].text
        assert await kb.search("私有化部署") == []


async def test_bad_files_are_refused_by_name_and_good_ones_still_go_in(tmp_path):
    (tmp_path / "broken.pdf").write_bytes(b"not a pdf at all")
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 garbage")
    (tmp_path / "tool.exe").write_bytes(b"MZ")
    (tmp_path / "empty.md").write_text("", encoding="utf-8")
    good = write(tmp_path / "good.md", "# 好\n\n可以导入的内容。\n")
    async with knowledge_base(tmp_path) as kb:
        report = await kb.add_paths(
            [
                tmp_path / "broken.pdf",
                tmp_path / "broken.docx",
                tmp_path / "tool.exe",
                tmp_path / "empty.md",
                tmp_path / "missing.md",
                good,
            ]
        )
        reasons = {Path(p).name: reason for p, reason in report.refused}
        assert set(reasons) == {"broken.pdf", "broken.docx", "tool.exe", "empty.md", "missing.md"}
        assert "损坏" in reasons["broken.pdf"] and "不支持" in reasons["tool.exe"]
        assert "空" in reasons["empty.md"] and "不存在" in reasons["missing.md"]
        assert [d.title for d in report.added] == ["好"]
        assert [d.title for d in await kb.list_documents()] == ["好"]
        assert "broken.pdf" in report.summary()


async def test_a_50_mb_file_is_refused_without_being_read(tmp_path, monkeypatch):
    big = tmp_path / "huge.md"
    with big.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # sparse: 50 MB on paper, nothing on disk

    def no_whole_reads(self, *a, **k):
        raise AssertionError(f"{self} was read whole")

    monkeypatch.setattr(Path, "read_bytes", no_whole_reads)
    async with knowledge_base(tmp_path) as kb:
        report = await kb.add_paths([big])
        assert len(report.refused) == 1 and "太大" in report.refused[0][1]
        assert await kb.list_documents() == []


async def test_folder_ingest_skips_hidden_and_lists_unsupported(tmp_path):
    write(tmp_path / "lib" / "a.md", "# A\n\n内容一。\n")
    write(tmp_path / "lib" / "sub" / "b.txt", "内容二。\n")
    write(tmp_path / "lib" / ".hidden.md", "# 隐藏\n\n不该导入。\n")
    (tmp_path / "lib" / "logo.png").write_bytes(b"\x89PNG")
    async with knowledge_base(tmp_path) as kb:
        report = await kb.add_paths([tmp_path / "lib"], audience="public")
        assert sorted(d.title for d in report.added) == ["A", "b"]
        assert [Path(p).name for p in report.skipped] == ["logo.png"]
        assert all(d.audience == "public" for d in await kb.list_documents())


async def test_remove_document(tmp_path):
    async with knowledge_base(tmp_path) as kb:
        report = await kb.add_paths([write(tmp_path / "x.md", "# X\n\n海纳竞品对比。\n")])
        doc_id = report.added[0].doc_id
        assert await kb.search("海纳")
        removed = await kb.remove(doc_id)
        assert removed.title == "X"
        assert await kb.search("海纳") == []
        assert await kb.list_documents() == []
        assert kb._vectors.all_ids() == set()
        with pytest.raises(KnowledgeError, match="没有编号"):
            await kb.remove(doc_id)


async def test_bad_audience_is_rejected(tmp_path):
    async with knowledge_base(tmp_path) as kb:
        with pytest.raises(KnowledgeError, match="audience"):
            await kb.add_paths([tmp_path], audience="everyone")
