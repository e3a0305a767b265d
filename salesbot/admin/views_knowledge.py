"""Knowledge pages: upload, documents and chunks, chunk editing, hit-test with fix-in-place, batch hit-test."""

from __future__ import annotations

import asyncio
import re
from html import escape
from pathlib import Path

from aiohttp import web
from markupsafe import Markup
from sqlmodel import select

from knowledge import KnowledgeError
from knowledge.models import AUDIENCES, KbChunk, KbDocument
from salesbot.admin import audit, hittest
from salesbot.admin.pages import app_of, flash, form_int, paginate, principal_of, redirect, render, safe_next

routes = web.RouteTableDef()
AUDIENCE_LABELS = {"internal": "内部", "public": "对外"}
UPLOAD_DIR = "knowledge_uploads"


def _kb(request: web.Request):
    kb = app_of(request).knowledge
    if kb is None:
        raise web.HTTPServiceUnavailable(text="知识库没有启用")
    return kb


def safe_filename(name: str) -> str:
    """The uploaded file's own name, without any path, control characters or leading dots."""
    base = Path(name.replace("\\", "/")).name
    base = re.sub(r"[\x00-\x1f<>:\"|?*]", "_", base).strip().lstrip(".")
    if not base:
        raise KnowledgeError("文件名不合法")
    stem, suffix = Path(base).stem[:100], Path(base).suffix[:10]
    return stem + suffix


def highlight(text: str, terms: list[str]) -> Markup:
    out = escape(text)
    for term in sorted({t for t in terms if t and not t.startswith("§")}, key=len, reverse=True)[:20]:
        out = out.replace(escape(term), f"\x00{escape(term)}\x01")
    return Markup(out.replace("\x00", "<mark>").replace("\x01", "</mark>"))


@routes.get("/knowledge")
async def documents(request: web.Request) -> web.Response:
    docs = await _kb(request).list_documents()
    listing = paginate(
        request, docs, lambda d: f"{d.title} {d.file_type} {AUDIENCE_LABELS.get(d.audience, '')} {d.doc_id}"
    )
    return await render(request, "knowledge.html", "knowledge", listing=listing, audiences=AUDIENCE_LABELS)


@routes.post("/knowledge/upload")
async def upload(request: web.Request) -> web.Response:
    kb = _kb(request)
    form = await request.post()
    audience = str(form.get("audience", "internal"))
    if audience not in AUDIENCES:
        await flash(request, "可见范围只能是内部或对外", "error")
        raise redirect("/admin/knowledge")
    files = [f for f in form.getall("files", []) if isinstance(f, web.FileField) and f.filename]
    if not files:
        await flash(request, "请选择要上传的文件", "error")
        raise redirect("/admin/knowledge")
    folder = app_of(request).settings.data_dir / UPLOAD_DIR
    folder.mkdir(parents=True, exist_ok=True)
    paths, refused = [], []
    for f in files:
        try:
            name = safe_filename(f.filename)
        except KnowledgeError as exc:
            refused.append(f"{f.filename}：{exc}")
            continue
        target = folder / name
        await asyncio.to_thread(target.write_bytes, await asyncio.to_thread(f.file.read))
        paths.append(target)
    report = await kb.add_paths(paths, audience=audience) if paths else None
    async with app_of(request).db.write() as s:
        await audit.record(
            s,
            principal_of(request),
            "kb.upload",
            record_type="kb_document",
            files=[p.name for p in paths],
            audience=audience,
            summary=report.summary() if report else "",
        )
    lines = ([report.summary()] if report else []) + refused
    await flash(request, "\n".join(lines), "ok" if report and report.ok and not refused else "error")
    raise redirect("/admin/knowledge")


async def _document(request: web.Request) -> KbDocument:
    async with app_of(request).db.session() as s:
        doc = await s.get(KbDocument, int(request.match_info["id"]))
    if doc is None:
        raise web.HTTPNotFound(text="没有这个文档")
    return doc


@routes.get("/knowledge/documents/{id:\\d+}")
async def document(request: web.Request) -> web.Response:
    doc = await _document(request)
    async with app_of(request).db.session() as s:
        chunks = list(
            (await s.execute(select(KbChunk).where(KbChunk.document_id == doc.id).order_by(KbChunk.ordinal))).scalars()
        )
    listing = paginate(
        request,
        chunks,
        lambda c: " ".join([c.text, *c.heading_path, *(q.get("q", "") for q in c.questions or [])]),
        size=30,
    )
    return await render(request, "document.html", "knowledge", doc=doc, chunks=listing, audiences=AUDIENCE_LABELS)


@routes.post("/knowledge/documents/{id:\\d+}/delete")
async def document_delete(request: web.Request) -> web.Response:
    doc = await _document(request)
    info = await _kb(request).remove(doc.id)
    async with app_of(request).db.write() as s:
        await audit.record(
            s, principal_of(request), "kb.delete", record_type="kb_document", record_id=doc.id, title=info.title
        )
    await flash(request, f"已删除《{info.title}》")
    raise redirect("/admin/knowledge")


async def set_document_audience(kb, db, doc_id: int, audience: str) -> int:
    """Change who may see a document without re-reading the file, so edited chunks keep their edits.
    Each chunk goes through the knowledge base's own edit path, which re-indexes it."""
    if audience not in AUDIENCES:
        raise KnowledgeError("可见范围只能是内部或对外")
    async with db.session() as s:
        chunk_ids = list((await s.execute(select(KbChunk.id).where(KbChunk.document_id == doc_id))).scalars())
    for chunk_id in chunk_ids:
        await kb._edit_chunk(chunk_id, lambda chunk: setattr(chunk, "audience", audience))
    async with db.write() as s:
        doc = await s.get(KbDocument, doc_id)
        doc.audience = audience
        s.add(doc)
    return len(chunk_ids)


@routes.post("/knowledge/documents/{id:\\d+}/audience")
async def document_audience(request: web.Request) -> web.Response:
    doc = await _document(request)
    form = await request.post()
    audience = str(form.get("audience", ""))
    try:
        await set_document_audience(_kb(request), app_of(request).db, doc.id, audience)
    except KnowledgeError as exc:
        await flash(request, str(exc), "error")
        raise redirect(f"/admin/knowledge/documents/{doc.id}")
    async with app_of(request).db.write() as s:
        await audit.record(
            s, principal_of(request), "kb.audience", record_type="kb_document", record_id=doc.id, audience=audience
        )
    await flash(request, f"《{doc.title}》现在是{AUDIENCE_LABELS[audience]}可见")
    raise redirect(f"/admin/knowledge/documents/{doc.id}")


@routes.get("/knowledge/chunks/{id:\\d+}")
async def chunk_page(request: web.Request) -> web.Response:
    chunk = await _kb(request).get_chunk(int(request.match_info["id"]))
    if chunk is None:
        raise web.HTTPNotFound(text="没有这个段落")
    return await render(
        request,
        "chunk.html",
        "knowledge",
        chunk=chunk,
        back=safe_next(request.query.get("back")),
        audiences=AUDIENCE_LABELS,
    )


async def _chunk_change(request: web.Request, what: str, change) -> web.Response:
    chunk_id = int(request.match_info["id"])
    form = await request.post()
    back = safe_next(str(form.get("back", "")) or f"/admin/knowledge/chunks/{chunk_id}")
    try:
        info = await change(_kb(request), chunk_id, form)
    except KnowledgeError as exc:
        await flash(request, str(exc), "error")
        raise redirect(back)
    async with app_of(request).db.write() as s:
        await audit.record(
            s,
            principal_of(request),
            f"kb.chunk.{what}",
            record_type="kb_chunk",
            record_id=chunk_id,
            document=info.title,
        )
    await flash(
        request,
        {
            "text": "段落已更新，检索立即生效",
            "question": "已添加关联问题",
            "enabled": "段落已启用" if info.enabled else "段落已停用",
        }[what],
    )
    raise redirect(back)


@routes.post("/knowledge/chunks/{id:\\d+}/text")
async def chunk_text(request: web.Request) -> web.Response:
    return await _chunk_change(
        request, "text", lambda kb, cid, form: kb.update_chunk_text(cid, str(form.get("text", "")))
    )


@routes.post("/knowledge/chunks/{id:\\d+}/question")
async def chunk_question(request: web.Request) -> web.Response:
    return await _chunk_change(
        request,
        "question",
        lambda kb, cid, form: kb.add_associated_question(
            cid, str(form.get("question", "")), by=principal_of(request).username
        ),
    )


@routes.post("/knowledge/chunks/{id:\\d+}/enabled")
async def chunk_enabled(request: web.Request) -> web.Response:
    return await _chunk_change(
        request, "enabled", lambda kb, cid, form: kb.set_chunk_enabled(cid, str(form.get("enabled", "")) == "1")
    )


@routes.get("/knowledge/hittest")
async def hit_test(request: web.Request) -> web.Response:
    query = request.query.get("q", "").strip()
    top = max(1, min(form_int(request.query.get("top"), 5), 20))
    mode = request.query.get("mode", "hybrid")
    audience = request.query.get("audience", "") or None
    hits, error = [], ""
    if query:
        if mode not in ("hybrid", "keyword", "vector"):
            mode = "hybrid"
        try:
            hits = await _kb(request).search(query, audience=audience, top=top, mode=mode)
        except KnowledgeError as exc:
            error = str(exc)
    rows = [(h, highlight(h.text, h.matched_terms)) for h in hits]
    return await render(
        request,
        "hittest.html",
        "knowledge",
        q=query,
        top=top,
        mode=mode,
        audience=audience or "",
        rows=rows,
        error=error,
        back=request.path_qs,
        audiences=AUDIENCE_LABELS,
    )


@routes.get("/knowledge/batch")
async def batch_page(request: web.Request) -> web.Response:
    runs = paginate(request, await hittest.list_runs(app_of(request).db), lambda r: f"{r.id} {r.name} {r.mode}")
    return await render(request, "batch.html", "knowledge", runs=runs)


@routes.post("/knowledge/batch")
async def batch_run(request: web.Request) -> web.Response:
    form = await request.post()
    upload_field = form.get("file")
    if not isinstance(upload_field, web.FileField):
        await flash(request, "请选择 CSV 文件（两列：问题，期望文档）", "error")
        raise redirect("/admin/knowledge/batch")
    try:
        cases = hittest.parse_cases(await asyncio.to_thread(upload_field.file.read))
        run = await hittest.run_batch(
            app_of(request).db,
            _kb(request),
            principal_of(request),
            str(form.get("name", "")) or upload_field.filename,
            cases,
            top=form_int(form.get("top"), 5),
            mode=str(form.get("mode", "hybrid")),
        )
    except hittest.BatchError as exc:
        await flash(request, str(exc), "error")
        raise redirect("/admin/knowledge/batch")
    await flash(request, f"测试完成：{run.total} 个问题，首位命中 {run.hits_at_1}，前 {run.top} 命中 {run.hits_at_k}")
    raise redirect(f"/admin/knowledge/batch/{run.id}")


@routes.get("/knowledge/batch/{id:\\d+}")
async def batch_view(request: web.Request) -> web.Response:
    db = app_of(request).db
    run = await hittest.get_run(db, int(request.match_info["id"]))
    if run is None:
        raise web.HTTPNotFound(text="没有这次测试")
    other = await hittest.get_run(db, form_int(request.query.get("compare"), -1))
    comparison = hittest.compare(other, run) if other else None
    runs = [r for r in await hittest.list_runs(db) if r.id != run.id]
    # each query with its comparison, so that a page of the results keeps its pairs
    pairs = list(zip(run.results, comparison or [None] * len(run.results)))
    results = paginate(
        request, pairs, lambda pair: f"{pair[0].get('query', '')} {pair[0].get('expected', '')}", keep=("compare",)
    )
    return await render(
        request,
        "batch_run.html",
        "knowledge",
        run=run,
        other=other,
        comparison=comparison,
        runs=runs,
        results=results,
    )
