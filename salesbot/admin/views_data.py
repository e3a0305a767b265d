"""Import/export pages: upload → dry-run preview with column mapping → confirm; exports as CSV or Excel."""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from pathlib import Path

from aiohttp import web

from salesbot.admin import importer
from salesbot.admin.pages import app_of, flash, principal_of, redirect, render

routes = web.RouteTableDef()
STAGING_DIR = "admin_imports"
STAGING_HOURS = 24
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _staging(app) -> Path:
    folder = app.settings.data_dir / STAGING_DIR
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - STAGING_HOURS * 3600
    for old in folder.iterdir():  # uploads nobody confirmed
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    return folder


def _staged(app, token: str) -> tuple[Path, str]:
    if not TOKEN_RE.match(token):
        raise importer.ImportError_("导入文件已失效，请重新上传")
    matches = list(_staging(app).glob(f"{token}.*"))
    if not matches:
        raise importer.ImportError_("导入文件已失效（超过 24 小时或已导入），请重新上传")
    path = matches[0]
    original = path.name[len(token) + 1 :]
    return path, original


def _mapping_from_form(form, headers: list[str]) -> dict[str, str]:
    pairs = {}
    for i, header in enumerate(headers):
        key = f"map_{i}"
        if key in form:
            pairs[header] = str(form[key])
    return pairs


@routes.get("/data")
async def data_page(request: web.Request) -> web.Response:
    return await render(request, "data.html", "data", kinds=importer.KIND_LABELS)


async def _preview(
    request: web.Request, token: str, original: str, data: bytes, kind: str | None, pairs: dict[str, str] | None
) -> web.Response:
    report = await importer.run_import(
        app_of(request).db, principal_of(request), data, original, kind or None, pairs, dry_run=True
    )
    return await render(
        request,
        "data_preview.html",
        "data",
        report=report,
        token=token,
        fields=importer.FIELDS,
        kinds=importer.KIND_LABELS,
    )


@routes.post("/data/preview")
async def data_preview(request: web.Request) -> web.Response:
    app = app_of(request)
    form = await request.post()
    kind = str(form.get("kind", "")) or None
    try:
        if "token" in form:  # the admin changed the column mapping on the preview page
            path, original = _staged(app, str(form["token"]))
            token = str(form["token"])
            data = await asyncio.to_thread(path.read_bytes)
            headers, _ = importer.read_table(data, original)
            return await _preview(request, token, original, data, kind, _mapping_from_form(form, headers))
        upload = form.get("file")
        if not isinstance(upload, web.FileField) or not upload.filename:
            raise importer.ImportError_("请选择 CSV 或 Excel 文件")
        data = await asyncio.to_thread(upload.file.read)
        original = Path(upload.filename.replace("\\", "/")).name[-100:]
        importer.read_table(data, original)  # refuse a bad file before keeping it
        token = secrets.token_urlsafe(18)
        await asyncio.to_thread((_staging(app) / f"{token}.{original}").write_bytes, data)
        return await _preview(request, token, original, data, kind, None)
    except importer.ImportError_ as exc:
        await flash(request, str(exc), "error")
        raise redirect("/admin/data")


@routes.post("/data/commit")
async def data_commit(request: web.Request) -> web.Response:
    app = app_of(request)
    form = await request.post()
    try:
        path, original = _staged(app, str(form.get("token", "")))
        data = await asyncio.to_thread(path.read_bytes)
        headers, _ = importer.read_table(data, original)
        report = await importer.run_import(
            app.db,
            principal_of(request),
            data,
            original,
            str(form.get("kind", "")) or None,
            _mapping_from_form(form, headers),
            dry_run=False,
        )
    except importer.ImportError_ as exc:
        await flash(request, str(exc), "error")
        raise redirect("/admin/data")
    path.unlink(missing_ok=True)
    return await render(
        request,
        "data_preview.html",
        "data",
        report=report,
        token="",
        fields=importer.FIELDS,
        kinds=importer.KIND_LABELS,
    )


@routes.get("/data/export")
async def data_export_form(request: web.Request) -> web.Response:
    """The data page's export form: kind, format and whether headers and values are in Chinese."""
    kind, fmt = request.query.get("kind", ""), request.query.get("fmt", "")
    return await _export(request, kind, fmt, request.query.get("zh") == "1")


@routes.get("/data/export/{kind:[a-z]+}.{fmt:[a-z]+}")
async def data_export(request: web.Request) -> web.Response:
    kind, fmt = request.match_info["kind"], request.match_info["fmt"]
    return await _export(request, kind, fmt, request.query.get("zh") == "1")


async def _export(request: web.Request, kind: str, fmt: str, zh: bool) -> web.Response:
    if kind not in importer.FIELDS or fmt not in ("csv", "xlsx"):
        raise web.HTTPNotFound(text="没有这种导出")
    headers, rows = await importer.export_rows(app_of(request).db, kind, zh=zh)
    if fmt == "csv":
        body, ctype = importer.to_csv(headers, rows), "text/csv"
    else:
        body = await asyncio.to_thread(importer.to_xlsx, headers, rows, importer.KIND_LABELS[kind])
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return web.Response(
        body=body, content_type=ctype, headers={"Content-Disposition": f'attachment; filename="{kind}.{fmt}"'}
    )
