"""KnowledgeBase: ingestion, hybrid search (BM25 + Chroma, fused with RRF), and chunk editing.

The database (kb_document / kb_chunk) is the source of truth. Chroma holds the vectors, keyed by chunk
id; the BM25 index lives in memory and is rebuilt from the records when they change. Searches only
return chunks the database knows, so a crash between the database commit and the Chroma clean-up can
leave orphan vectors but never a wrong or half-ingested answer; orphans are removed at the next start.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from sqlalchemy import delete, func, select

from bot.db import Database
from bot.models import utcnow
from bot.settings import Settings
from knowledge.analysis import is_generic, matched_terms, query_terms
from knowledge.chunking import ChunkDraft, chunk_blocks
from knowledge.embeddings import EmbeddingProvider, provider_from_setting
from knowledge.glossary import expand_query
from knowledge.index import ENTRY_KINDS, ChunkRecord, LexicalIndex, TermCache, VectorIndex, chunk_id_of, entry_kind
from knowledge.models import AUDIENCES, KbChunk, KbDocument
from knowledge.readers import MAX_FILE_BYTES, ParsedFile, RefusedFile, file_type_of, read_file
from knowledge.rewrite import generate_questions, rewrite_followup
from knowledge.thesaurus import concepts_in

log = logging.getLogger(__name__)

RRF_K = 60
# weighted RRF: offline, the vector side is a weaker copy of the keyword side (benchmarks/README.md)
KEYWORD_WEIGHT = 1.0
VECTOR_WEIGHT = 0.5
CANDIDATES = 40
# The relevance gate. A hit is kept when the passage shares a sales concept with the query (the thesaurus'
# "§price", "§payment", ...) or enough specific words: the IDF-weighted sum of the matched bigrams and ASCII
# words, leaving out the generic ones ("怎么样", "我们"; knowledge.analysis.GENERIC_WORDS), must reach
# MIN_SPECIFIC_MATCH times the library's largest IDF: more than one word that only one passage uses. Scaled
# that way the gate means the same on a ten-passage library as on ten thousand, where raw IDFs are larger.
# A short query passes with less when nearly all of its specific words are found ("水印" is one word).
# Calibrated on the benchmark's off-topic queries (benchmarks/README.md).
MIN_SPECIFIC_MATCH = 0.9
MIN_SPECIFIC_SHARE = 0.8
# with an embedding model whose cosine means something (trust_cosine), a cosine this high also keeps a hit
MIN_RELEVANCE = 0.12
MAX_QUESTIONS_GENERATED_PER_INGEST = 300
BATCH_CHUNKS = 500  # files are stored together until this many chunks: one transaction, one Chroma call


class KnowledgeError(ValueError):
    """Bad input to the knowledge base; the message is Chinese and shown to the user."""


@dataclass
class Hit:
    doc_id: int
    title: str
    chunk_id: int
    score: float  # fused rank score, 1.0 = first in both retrievers
    text: str
    source: str
    heading_path: list[str] = field(default_factory=list)
    matched_terms: list[str] = field(default_factory=list)
    audience: str = "internal"
    relevance: float = 0.0  # max(term coverage, cosine): what the threshold looks at

    def to_json(self) -> dict[str, Any]:
        """The CLI contract: exactly these keys."""
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "chunk_id": self.chunk_id,
            "score": round(self.score, 4),
            "text": self.text,
            "source": self.source,
        }


@dataclass
class DocumentInfo:
    doc_id: int
    title: str
    source: str
    file_type: str
    audience: str
    version: int
    chunk_count: int
    updated_at: Any

    def to_json(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "source": self.source,
            "file_type": self.file_type,
            "audience": self.audience,
            "version": self.version,
            "chunk_count": self.chunk_count,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }


@dataclass
class ChunkInfo:
    chunk_id: int
    doc_id: int
    title: str
    source: str
    heading_path: list[str]
    text: str
    questions: list[dict]
    audience: str
    enabled: bool


@dataclass
class IngestReport:
    added: list[DocumentInfo] = field(default_factory=list)
    replaced: list[DocumentInfo] = field(default_factory=list)
    unchanged: list[DocumentInfo] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    skipped: list[str] = field(default_factory=list)  # unsupported files found inside folders

    @property
    def ok(self) -> bool:
        return not self.refused

    def __str__(self) -> str:
        return self.summary().splitlines()[0]

    def summary(self) -> str:
        lines = [
            f"新增 {len(self.added)} 篇，更新 {len(self.replaced)} 篇，未变 {len(self.unchanged)} 篇，"
            f"失败 {len(self.refused)} 个"
        ]
        for doc in self.added:
            lines.append(f"  + [{doc.doc_id}] {doc.title}（{doc.chunk_count} 段）")
        for doc in self.replaced:
            lines.append(f"  ~ [{doc.doc_id}] {doc.title}（第 {doc.version} 版，{doc.chunk_count} 段）")
        for path, reason in self.refused:
            lines.append(f"  ✗ {path}：{reason}")
        if self.skipped:
            lines.append(
                f"  跳过 {len(self.skipped)} 个不支持的文件："
                + "，".join(Path(p).name for p in self.skipped[:5])
                + ("…" if len(self.skipped) > 5 else "")
            )
        return "\n".join(lines)


@dataclass
class _Prepared:
    path: Path
    parsed: ParsedFile
    drafts: list[ChunkDraft]
    content_hash: str
    size: int


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _doc_info(doc: KbDocument) -> DocumentInfo:
    return DocumentInfo(
        doc.id, doc.title, doc.source, doc.file_type, doc.audience, doc.version, doc.chunk_count, doc.updated_at
    )


def _check_audience(audience: str | None, allow_none: bool) -> None:
    if audience is None and allow_none:
        return
    if audience not in AUDIENCES:
        raise KnowledgeError(f"audience 只能是 internal 或 public，收到：{audience}")


class KnowledgeBase:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        llm: Any = None,
        embeddings: EmbeddingProvider | None = None,
        max_file_bytes: int = MAX_FILE_BYTES,
        generate_questions_on_ingest: bool = True,
    ):
        self.settings = settings
        self.db = db
        self.llm = llm
        self.embeddings = embeddings or provider_from_setting(
            settings.embeddings, settings.openai_base_url, settings.openai_api_key
        )
        self.max_file_bytes = max_file_bytes
        self.generate_questions_on_ingest = generate_questions_on_ingest
        self.min_relevance = MIN_RELEVANCE  # below zero: no relevance gate at all (benchmarks rank quality with it)
        self.min_specific_match = MIN_SPECIFIC_MATCH
        # hashed n-gram cosines are high for any two texts sharing "怎么"; a real embedding model's are meaningful
        self.trust_cosine = self.embeddings.trust_cosine
        self.keyword_weight = KEYWORD_WEIGHT
        self.vector_weight = VECTOR_WEIGHT
        self._records: dict[int, ChunkRecord] = {}
        self._lexical = LexicalIndex()
        self._term_cache = TermCache()
        self._lexical_dirty = True
        self._vectors: VectorIndex | None = None
        self._state: tuple | None = None
        self._lock = asyncio.Lock()  # guards records/indexes; searches only take it to refresh

    # --- lifecycle ---------------------------------------------------------------------------

    async def open(self) -> None:
        async with self._lock:
            if self._vectors is None:
                await self._open_locked()

    async def _open_locked(self) -> None:
        path = self.settings.data_dir / "chroma"
        self._vectors = await asyncio.to_thread(
            VectorIndex, path, f"kb_{self.embeddings.key}", self.embeddings.chroma_function()
        )
        if self.embeddings.superseded_prefix:
            stale = await asyncio.to_thread(
                self._vectors.drop_other_collections, f"kb_{self.embeddings.superseded_prefix}"
            )
            if stale:
                log.info("knowledge: dropped %d superseded vector collection(s): %s", len(stale), ", ".join(stale))
        await self._reload_records()
        await self._sync_vectors()

    async def _current_state(self) -> tuple:
        async with self.db.session() as s:
            row = (
                await s.execute(
                    select(func.count(KbDocument.id), func.max(KbDocument.updated_at), func.sum(KbDocument.version))
                )
            ).one()
        return tuple(row)

    async def _reload_records(self) -> None:
        async with self.db.session() as s:
            rows = (
                await s.execute(
                    select(KbChunk, KbDocument.title, KbDocument.source).join(
                        KbDocument, KbDocument.id == KbChunk.document_id
                    )
                )
            ).all()
        self._records = {
            c.id: ChunkRecord(
                c.id,
                c.document_id,
                title,
                source,
                list(c.heading_path),
                c.text,
                c.audience,
                list(c.questions or []),
                c.enabled,
            )
            for c, title, source in rows
        }
        self._lexical_dirty = True
        self._state = await self._current_state()

    async def _sync_vectors(self) -> None:
        """Repair Chroma from the database: embed what is missing, drop orphans (crash, provider switch)."""
        wanted: dict[str, tuple[ChunkRecord, str]] = {}
        for rec in self._records.values():
            for entry_id, text in self._vector_entries(rec):
                wanted[entry_id] = (rec, text)
        present = await asyncio.to_thread(self._vectors.all_ids)
        orphans = sorted(present - wanted.keys())
        missing = [eid for eid in wanted if eid not in present]
        if orphans:
            await asyncio.to_thread(self._vectors.delete, orphans)
        if missing:
            log.info("knowledge: embedding %d index entries missing from Chroma", len(missing))
            await self._embed_and_upsert([(eid, wanted[eid][0], wanted[eid][1]) for eid in missing])

    async def _ready(self) -> None:
        """Open on first use; reload if another process (e.g. `salesbot kb add`) changed the documents."""
        if self._vectors is None:
            await self.open()
        state = await self._current_state()
        if state != self._state:
            async with self._lock:
                if state != self._state:
                    await self._reload_records()
                    # this process's vector index is derived (each replica keeps its own): embed what
                    # another process added, drop what it removed
                    await self._sync_vectors()
        if self._lexical_dirty:
            async with self._lock:
                if self._lexical_dirty:
                    records = list(self._records.values())
                    self._lexical_dirty = False
                    fresh = LexicalIndex()
                    await asyncio.to_thread(fresh.build, records, self._term_cache)
                    self._lexical = fresh

    async def close(self) -> None:
        self._vectors = None

    # --- embeddings --------------------------------------------------------------------------

    def _vector_entries(self, rec: ChunkRecord) -> list[tuple[str, str]]:
        return rec.vector_entries(self.embeddings.separate_question_vectors)

    async def _embed(self, texts: list[str]) -> list:
        if self.embeddings.local:
            return await asyncio.to_thread(self.embeddings.embed_sync, texts)
        return await self.embeddings.embed_documents(texts)

    async def _embed_and_upsert(self, items: list[tuple[str, ChunkRecord, str]]) -> None:
        if not items:
            return
        vectors = await self._embed([text for _, _, text in items])
        ids = [eid for eid, _, _ in items]
        metas = [{"chunk_id": rec.chunk_id, "doc_id": rec.doc_id, "audience": rec.audience} for _, rec, _ in items]
        await asyncio.to_thread(self._vectors.upsert, ids, vectors, metas)

    # --- ingestion ---------------------------------------------------------------------------

    def _expand(self, paths: Iterable[str | Path], report: IngestReport) -> list[Path]:
        files: list[Path] = []
        for raw in paths:
            path = Path(raw).expanduser()
            if not path.exists():
                report.refused.append((str(raw), "路径不存在"))
            elif path.is_dir():
                for child in sorted(path.rglob("*")):
                    rel = child.relative_to(path)
                    if any(part.startswith((".", "~$")) for part in rel.parts) or not child.is_file():
                        continue
                    if file_type_of(child) is None:
                        report.skipped.append(str(child))
                    else:
                        files.append(child.resolve())
            elif path.is_file():
                files.append(path.resolve())
            else:
                report.refused.append((str(raw), "不是普通文件"))
        unique: list[Path] = []
        for f in files:
            if f not in unique:
                unique.append(f)
        return unique

    def _prepare(self, path: Path) -> _Prepared:
        parsed = read_file(path, self.max_file_bytes)
        drafts = chunk_blocks(parsed)
        if not drafts:
            raise RefusedFile("没有可以索引的文字")
        return _Prepared(path, parsed, drafts, _file_hash(path), path.stat().st_size)

    async def add_paths(
        self,
        paths: Sequence[str | Path],
        audience: str = "internal",
        progress: Callable[[int, int], None] | None = None,
    ) -> IngestReport:
        """Ingest files and folders. Each file is all-or-nothing; a refused file is reported by name.
        `progress(done, total)` hears how many files are finished (stored or refused) out of how many."""
        _check_audience(audience, allow_none=False)
        if self._vectors is None:
            await self.open()
        report = IngestReport()
        files = self._expand(paths, report)
        questions_budget = MAX_QUESTIONS_GENERATED_PER_INGEST
        batch: list[_Prepared] = []
        done = 0

        def advance(n: int) -> None:
            nonlocal done
            done += n
            if progress is not None:
                progress(done, len(files))

        async def flush() -> None:
            for prepared, outcome in await self._store_batch(batch, audience):
                if isinstance(outcome, Exception):
                    report.refused.append(
                        (str(prepared.path), f"写入索引失败（{type(outcome).__name__}），未导入任何内容")
                    )
                else:
                    getattr(report, outcome[0]).append(outcome[1])
            advance(len(batch))
            batch.clear()

        advance(0)
        for path in files:
            try:
                prepared = await asyncio.to_thread(self._prepare, path)
            except RefusedFile as exc:
                report.refused.append((str(path), str(exc)))
                advance(1)
                continue
            except OSError as exc:
                report.refused.append((str(path), f"读取失败：{exc.strerror or exc}"))
                advance(1)
                continue
            if self.llm is not None and self.generate_questions_on_ingest and questions_budget > 0:
                questions_budget -= await self._generate_questions(prepared, questions_budget)
            batch.append(prepared)
            if sum(len(p.drafts) for p in batch) >= BATCH_CHUNKS:
                await flush()
        if batch:
            await flush()
        return report

    async def _store_batch(self, batch: list[_Prepared], audience: str) -> list[tuple[_Prepared, Any]]:
        """Several files in one transaction and one Chroma call (Chroma is ~2x faster in big batches).
        If that fails, each file is retried alone, so one bad file never takes the others down."""
        try:
            return list(zip(batch, await self._store(batch, audience)))
        except Exception as exc:
            if len(batch) == 1:
                log.exception("knowledge: storing %s failed", batch[0].path)
                return [(batch[0], exc)]
        results = []
        for prepared in batch:
            results.extend(await self._store_batch([prepared], audience))
        return results

    async def _generate_questions(self, prepared: _Prepared, budget: int) -> int:
        semaphore = asyncio.Semaphore(4)
        targets = [d for d in prepared.drafts if not d.questions][:budget]

        async def one(draft: ChunkDraft) -> None:
            async with semaphore:
                title = " > ".join([prepared.parsed.title, *draft.heading_path])
                for q in await generate_questions(self.llm, title, draft.text):
                    draft.questions.append({"q": q, "by": "llm"})

        await asyncio.gather(*(one(d) for d in targets))
        return len(targets)

    async def _store(self, batch: list[_Prepared], audience: str) -> list[tuple[str, DocumentInfo]]:
        async with self._lock:
            outcomes: list[tuple[str, DocumentInfo]] = []
            new_records: list[ChunkRecord] = []
            old_ids: list[int] = []
            async with self.db.write() as s:
                for prepared in batch:
                    outcome, info, records, replaced_ids = await self._stage(s, prepared, audience)
                    outcomes.append((outcome, info))
                    new_records.extend(records)
                    old_ids.extend(replaced_ids)
                items = [(eid, rec, text) for rec in new_records for eid, text in self._vector_entries(rec)]
                try:
                    await self._embed_and_upsert(items)
                except BaseException:
                    await self._forget_vectors([eid for eid, _, _ in items])
                    raise
            # committed: the new versions are the truth; now retire the old ones everywhere
            stale_entries = [
                eid for cid in old_ids if cid in self._records for eid, _ in self._vector_entries(self._records[cid])
            ]
            for cid in old_ids:
                self._records.pop(cid, None)
            for rec in new_records:
                self._records[rec.chunk_id] = rec
            if new_records or old_ids:
                self._lexical_dirty = True
            await self._forget_vectors(stale_entries)
            self._state = await self._current_state()
        return outcomes

    async def _stage(self, s, prepared: _Prepared, audience: str):
        """Write one file's document row and chunks in the open transaction; nothing is committed here."""
        source = str(prepared.path)
        doc = (await s.execute(select(KbDocument).where(KbDocument.source == source))).scalar_one_or_none()
        if doc is not None and doc.content_hash == prepared.content_hash and doc.audience == audience:
            return "unchanged", _doc_info(doc), [], []
        outcome = "added"
        old_ids: list[int] = []
        now = utcnow()
        if doc is None:
            doc = KbDocument(
                title=prepared.parsed.title[:200],
                source=source,
                file_type=prepared.parsed.file_type,
                audience=audience,
                version=1,
                content_hash=prepared.content_hash,
                size_bytes=prepared.size,
                chunk_count=len(prepared.drafts),
            )
            s.add(doc)
        else:
            outcome = "replaced"
            old_ids = list((await s.execute(select(KbChunk.id).where(KbChunk.document_id == doc.id))).scalars())
            await s.execute(delete(KbChunk).where(KbChunk.document_id == doc.id))
            doc.title = prepared.parsed.title[:200]
            doc.file_type = prepared.parsed.file_type
            doc.audience = audience
            doc.version += 1
            doc.content_hash = prepared.content_hash
            doc.size_bytes = prepared.size
            doc.chunk_count = len(prepared.drafts)
            doc.updated_at = now
        await s.flush()
        rows = [
            KbChunk(
                document_id=doc.id,
                ordinal=i,
                heading_path=d.heading_path,
                text=d.text,
                questions=d.questions,
                audience=audience,
                updated_at=now,
            )
            for i, d in enumerate(prepared.drafts)
        ]
        s.add_all(rows)
        await s.flush()
        records = [
            ChunkRecord(r.id, doc.id, doc.title, source, list(r.heading_path), r.text, audience, list(r.questions))
            for r in rows
        ]
        return outcome, _doc_info(doc), records, old_ids

    async def _forget_vectors(self, entry_ids: list[str]) -> None:
        if not entry_ids:
            return
        try:
            await asyncio.to_thread(self._vectors.delete, entry_ids)
        except Exception:  # orphans are harmless (filtered at search) and removed at the next open
            log.warning("knowledge: could not delete %d vectors; they will be cleaned up later", len(entry_ids))

    # --- documents ---------------------------------------------------------------------------

    async def list_documents(self) -> list[DocumentInfo]:
        async with self.db.session() as s:
            docs = (await s.execute(select(KbDocument).order_by(KbDocument.id))).scalars().all()
        return [_doc_info(d) for d in docs]

    async def remove(self, doc_id: int) -> DocumentInfo:
        if self._vectors is None:
            await self.open()
        async with self._lock:
            async with self.db.write() as s:
                doc = await s.get(KbDocument, doc_id)
                if doc is None:
                    raise KnowledgeError(f"没有编号为 {doc_id} 的文档，可以用 kb list 查看")
                info = _doc_info(doc)
                chunk_ids = list((await s.execute(select(KbChunk.id).where(KbChunk.document_id == doc_id))).scalars())
                await s.execute(delete(KbChunk).where(KbChunk.document_id == doc_id))
                await s.delete(doc)
            stale = [
                eid for cid in chunk_ids if cid in self._records for eid, _ in self._vector_entries(self._records[cid])
            ]
            for cid in chunk_ids:
                self._records.pop(cid, None)
            self._lexical_dirty = True
            await self._forget_vectors(stale)
            self._state = await self._current_state()
        return info

    # --- chunks (admin console) --------------------------------------------------------------

    async def get_chunk(self, chunk_id: int) -> ChunkInfo | None:
        async with self.db.session() as s:
            row = (
                await s.execute(
                    select(KbChunk, KbDocument.title, KbDocument.source)
                    .join(KbDocument, KbDocument.id == KbChunk.document_id)
                    .where(KbChunk.id == chunk_id)
                )
            ).one_or_none()
        if row is None:
            return None
        c, title, source = row
        return ChunkInfo(
            c.id,
            c.document_id,
            title,
            source,
            list(c.heading_path),
            c.text,
            list(c.questions or []),
            c.audience,
            c.enabled,
        )

    async def _edit_chunk(self, chunk_id: int, change) -> ChunkInfo:
        if self._vectors is None:
            await self.open()
        async with self._lock:
            async with self.db.write() as s:
                chunk = await s.get(KbChunk, chunk_id)
                if chunk is None:
                    raise KnowledgeError(f"没有编号为 {chunk_id} 的段落")
                doc = await s.get(KbDocument, chunk.document_id)
                change(chunk)
                chunk.updated_at = doc.updated_at = utcnow()
                s.add(chunk)
                s.add(doc)
                await s.flush()
                rec = ChunkRecord(
                    chunk.id,
                    doc.id,
                    doc.title,
                    doc.source,
                    list(chunk.heading_path),
                    chunk.text,
                    chunk.audience,
                    list(chunk.questions or []),
                    chunk.enabled,
                )
                old = self._records.get(chunk_id)
                stale = {eid for eid, _ in self._vector_entries(old)} if old else set()
                items = [(eid, rec, text) for eid, text in self._vector_entries(rec)]
                await self._embed_and_upsert(items)
            self._records[chunk_id] = rec
            await self._forget_vectors(sorted(stale - {eid for eid, _, _ in items}))
            self._lexical_dirty = True
            self._state = await self._current_state()
        return await self.get_chunk(chunk_id)

    async def update_chunk_text(self, chunk_id: int, text: str) -> ChunkInfo:
        text = (text or "").strip()
        if not text:
            raise KnowledgeError("段落内容不能为空")

        def change(chunk: KbChunk) -> None:
            chunk.text = text

        return await self._edit_chunk(chunk_id, change)

    async def add_associated_question(self, chunk_id: int, question: str, by: str = "admin") -> ChunkInfo:
        question = (question or "").strip()
        if not question:
            raise KnowledgeError("关联问题不能为空")

        def change(chunk: KbChunk) -> None:
            existing = list(chunk.questions or [])
            if all(q.get("q") != question for q in existing):
                existing.append({"q": question, "by": by})
            chunk.questions = existing  # a new list, so the JSON column is marked dirty

        return await self._edit_chunk(chunk_id, change)

    async def set_chunk_enabled(self, chunk_id: int, enabled: bool) -> ChunkInfo:
        def change(chunk: KbChunk) -> None:
            chunk.enabled = enabled

        return await self._edit_chunk(chunk_id, change)

    # --- search ------------------------------------------------------------------------------

    async def search(
        self,
        query: str,
        audience: str | None = None,
        top: int = 5,
        history: Iterable[Any] | None = None,
        mode: str = "hybrid",
    ) -> list[Hit]:
        """Hybrid search. audience: None = everything (staff), "public" = what customers may see, "internal"."""
        query = (query or "").strip()
        if not query:
            raise KnowledgeError("搜索内容不能为空，请输入要查的问题")
        _check_audience(audience, allow_none=True)
        if top < 1:
            raise KnowledgeError("top 至少为 1")
        await self._ready()
        if history:
            query = await rewrite_followup(self.llm, query, history)
        return await self._search(query, audience, top, mode)

    async def _search(self, query: str, audience: str | None, top: int, mode: str) -> list[Hit]:
        records = self._records
        asked, query = query, expand_query(query)
        k = max(CANDIDATES, top * 4)
        lexical: list[tuple[int, float]] = []
        vector: list[tuple[int, float]] = []
        if mode in ("hybrid", "keyword"):
            lexical = [(cid, s) for cid, s in self._lexical.search(query, audience, k) if cid in records]
        if mode in ("hybrid", "vector"):
            embedding = (
                self.embeddings.embed_query_sync(query)
                if self.embeddings.local
                else (await self.embeddings.embed_documents([query]))[0]
            )
            raw = await asyncio.to_thread(self._vectors.query, embedding, audience, k * 3)
            fields: dict[int, list[float]] = {}  # chunk -> best cosine per entry kind (body, heading, question)
            for entry_id, cosine in raw:
                cid = chunk_id_of(entry_id)
                rec = records.get(cid)
                if rec is None or not rec.enabled:
                    continue
                if audience and rec.audience != audience:  # defence in depth beside Chroma's where filter
                    continue
                best = fields.setdefault(cid, [0.0] * len(ENTRY_KINDS))
                kind = entry_kind(entry_id)
                best[kind] = max(best[kind], cosine)
            cosines = {cid: max(best) for cid, best in fields.items()}
            share = LexicalIndex.OTHER_FIELDS_SHARE
            combined = {cid: cosines[cid] + share * (sum(best) - cosines[cid]) for cid, best in fields.items()}
            vector = sorted(combined.items(), key=lambda kv: -kv[1])[:k]
        else:
            cosines = {}
        fused: dict[int, float] = {}
        weights = {"hybrid": (self.keyword_weight, self.vector_weight), "keyword": (1.0, 0.0), "vector": (0.0, 1.0)}[
            mode
        ]
        for ranking, weight in zip((lexical, vector), weights):
            for rank, (cid, _) in enumerate(ranking):
                fused[cid] = fused.get(cid, 0.0) + weight / (RRF_K + rank + 1)
        best_possible = sum(weights) / (RRF_K + 1)
        weighted = self._weighted_terms(query)
        # the share is of what the rep typed: a glossary expansion is an alternative wording, not more to match
        total_weight = sum(w for _, w in self._weighted_terms(asked)) or 1.0
        asked_specific = sum(w for t, w in self._weighted_terms(asked) if t[0] != "§" and not is_generic(t))
        enough = min(self.min_specific_match * self._lexical.max_idf(), MIN_SPECIFIC_SHARE * asked_specific) or 1.0
        hits: list[Hit] = []
        for cid, score in sorted(fused.items(), key=lambda kv: -kv[1]):
            rec = records[cid]
            if audience and rec.audience != audience:
                continue
            haystack = rec.haystack()
            specific, generic, concepts = self._coverage(weighted, haystack)
            relevance = min(1.0, (specific + generic + concepts) / total_weight)
            cosine = cosines.get(cid, 0.0) if self.trust_cosine else 0.0
            if self.min_relevance >= 0 and not (concepts > 0 or specific >= enough or cosine >= self.min_relevance):
                continue
            hits.append(
                Hit(
                    rec.doc_id,
                    rec.title,
                    cid,
                    score / best_possible,
                    rec.text,
                    rec.source,
                    list(rec.heading_path),
                    matched_terms(query, haystack),
                    rec.audience,
                    max(relevance, cosine),
                )
            )
            if len(hits) >= top:
                break
        return hits

    def _weighted_terms(self, query: str) -> tuple[tuple[str, float], ...]:
        lexicon = self._lexical
        return tuple((t, w * lexicon.idf(t)) for t, w in query_terms(query) if len(t) > 1 or t.isascii())

    @staticmethod
    def _coverage(weighted: tuple[tuple[str, float], ...], haystack: str) -> tuple[float, float, float]:
        """IDF-weighted query terms found in the passage: (specific words, generic words, concepts)."""
        concepts = None
        found = [0.0, 0.0, 0.0]
        for term, weight in weighted:
            if term.startswith("§"):
                if concepts is None:
                    concepts = {"§" + c for c in concepts_in(haystack)}  # the haystack is normalised already
                if term in concepts:
                    found[2] += weight
            elif term in haystack:
                found[1 if is_generic(term) else 0] += weight
        return found[0], found[1], found[2]
