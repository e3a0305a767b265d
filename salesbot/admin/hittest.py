"""Batch hit-testing: a CSV of (query, expected document) → where the expected document ranked, saved
as a run so the library's retrieval quality can be compared over time (after fixing chunks, say)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import select

from knowledge import DocumentInfo, KnowledgeError
from salesbot.admin import audit
from salesbot.admin.auth import Principal
from salesbot.admin.models import HitTestRun

MAX_CASES = 500
QUERY_HEADERS = {"query", "question", "问题", "查询", "问句"}
EXPECTED_HEADERS = {
    "expected",
    "expected_document",
    "expected document",
    "document",
    "期望文档",
    "预期文档",
    "文档",
    "答案文档",
}


class BatchError(ValueError):
    """The CSV cannot be used; Chinese message for the admin."""


def decode_upload(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves CSV as GBK
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BatchError("文件编码无法识别，请另存为 UTF-8 的 CSV")


def parse_cases(data: bytes) -> list[tuple[str, str]]:
    text = decode_upload(data)
    rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
    if not rows:
        raise BatchError("CSV 是空的。每行两列：问题，期望文档")
    header = [c.strip().lower() for c in rows[0]]
    q_col, e_col, first_line = 0, 1, 1
    if any(h in QUERY_HEADERS for h in header):
        first_line = 2
        q_col = next(i for i, h in enumerate(header) if h in QUERY_HEADERS)
        e_col = next((i for i, h in enumerate(header) if h in EXPECTED_HEADERS), 1 if q_col == 0 else 0)
        rows = rows[1:]
    cases = []
    for number, row in enumerate(rows, first_line):
        query = row[q_col].strip() if len(row) > q_col else ""
        expected = row[e_col].strip() if len(row) > e_col else ""
        if not query:
            raise BatchError(f"第 {number} 行没有问题")
        cases.append((query, expected))
    if len(cases) > MAX_CASES:
        raise BatchError(f"一次最多 {MAX_CASES} 条，这个文件有 {len(cases)} 条")
    return cases


def matches_expected(expected: str, doc_id: int, title: str, source: str) -> bool:
    """The expected document may be written as its id, its title, or its file name (with or without suffix)."""
    e = expected.strip().lower()
    if not e:
        return False
    if e.isdigit():
        return int(e) == doc_id
    name = Path(source).name.lower()
    return e in (title.lower(), name, Path(source).stem.lower()) or (len(e) >= 4 and e in title.lower())


@dataclass
class RunComparison:
    query: str
    expected: str
    before: int | None
    after: int | None

    @property
    def change(self) -> str:
        if self.before == self.after:
            return "same"
        if self.after is None:
            return "worse"
        if self.before is None or self.after < self.before:
            return "better"
        return "worse"


async def run_batch(
    db, kb, principal: Principal, name: str, cases: list[tuple[str, str]], top: int = 5, mode: str = "hybrid"
) -> HitTestRun:
    if not cases:
        raise BatchError("没有要测试的问题")
    if mode not in ("hybrid", "keyword", "vector"):
        raise BatchError("检索方式只能是 hybrid、keyword 或 vector")
    top = max(1, min(int(top), 20))
    docs: dict[int, DocumentInfo] = {d.doc_id: d for d in await kb.list_documents()}
    unknown = sorted(
        {e for _, e in cases if e and not any(matches_expected(e, d.doc_id, d.title, d.source) for d in docs.values())}
    )
    if unknown:
        raise BatchError(
            "这些期望文档在知识库里找不到：" + "、".join(unknown[:10]) + ("…" if len(unknown) > 10 else "")
        )
    results, at1, atk, rr = [], 0, 0, 0.0
    for query, expected in cases:
        try:
            hits = await kb.search(query, top=top, mode=mode)
        except KnowledgeError as exc:
            results.append({"query": query, "expected": expected, "rank": None, "top": [], "error": str(exc)})
            continue
        rank = None
        for position, hit in enumerate(hits, 1):
            if rank is None and matches_expected(expected, hit.doc_id, hit.title, hit.source):
                rank = position
        if rank == 1:
            at1 += 1
        if rank is not None:
            atk += 1
            rr += 1.0 / rank
        results.append(
            {
                "query": query,
                "expected": expected,
                "rank": rank,
                "top": [
                    {
                        "doc_id": h.doc_id,
                        "title": h.title,
                        "chunk_id": h.chunk_id,
                        "score": round(h.score, 3),
                        "matched_terms": h.matched_terms[:8],
                    }
                    for h in hits
                ],
            }
        )
    run = HitTestRun(
        name=(name or "批量命中测试")[:128],
        top=top,
        mode=mode,
        total=len(cases),
        hits_at_1=at1,
        hits_at_k=atk,
        mrr=round(rr / len(cases), 4),
        results=results,
        created_by=principal.username,
    )
    async with db.write() as s:
        s.add(run)
        await s.flush()
        await audit.record(
            s,
            principal,
            "kb.hittest.batch",
            record_type="kb_hit_test_run",
            record_id=run.id,
            total=run.total,
            hits_at_k=atk,
        )
    return run


async def list_runs(db) -> list[HitTestRun]:
    async with db.session() as s:
        return list((await s.execute(select(HitTestRun).order_by(HitTestRun.id.desc()))).scalars())


async def get_run(db, run_id: int) -> HitTestRun | None:
    async with db.session() as s:
        return await s.get(HitTestRun, run_id)


def compare(before: HitTestRun, after: HitTestRun) -> list[RunComparison]:
    earlier = {(r["query"], r["expected"]): r["rank"] for r in before.results}
    return [
        RunComparison(r["query"], r["expected"], earlier.get((r["query"], r["expected"])), r["rank"])
        for r in after.results
    ]
