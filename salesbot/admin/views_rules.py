"""Approval rules pages: the YAML editor with validation and a "who would approve this?" preview."""

from __future__ import annotations

from aiohttp import web

from salesbot.admin import rules_store
from salesbot.admin.pages import app_of, flash, paginate, principal_of, redirect, render
from salesbot.admin.prompt_store import diff_lines
from tools.approvals.rules import REQUEST_KINDS, RulesError

routes = web.RouteTableDef()


def _preview_request(form) -> rules_store.PreviewRequest:
    return rules_store.PreviewRequest(
        kind=str(form.get("kind", "discount")),
        discount=str(form.get("discount", "")),
        amount=str(form.get("amount", "")),
        customer=str(form.get("customer", "")),
        requester=str(form.get("requester", "")),
    )


async def _page(
    request: web.Request,
    text: str,
    *,
    error: str = "",
    preview=None,
    warnings=None,
    req: rules_store.PreviewRequest | None = None,
    checked: bool = False,
    status: int = 200,
):
    app = app_of(request)
    return await render(
        request,
        "rules.html",
        "rules",
        status=status,
        text=text,
        error=error,
        preview=preview,
        warnings=warnings or [],
        req=req or rules_store.PreviewRequest(),
        kinds=REQUEST_KINDS,
        versions=paginate(
            request,
            await rules_store.history(app.db),
            lambda v: f"v{v.version} {v.note or ''} {v.created_by or ''}",
            size=20,
        ),
        checked=checked,
        path=str(rules_store.rules_path(app.settings)),
    )


@routes.get("/rules")
async def rules_page(request: web.Request) -> web.Response:
    return await _page(request, rules_store.current_text(app_of(request).settings))


@routes.post("/rules/check")
async def rules_check(request: web.Request) -> web.Response:
    """Validate the edited text and preview a request against it; nothing is saved."""
    form = await request.post()
    text = str(form.get("text", ""))
    req = _preview_request(form)
    app = app_of(request)
    try:
        rules = rules_store.validate(text)
        warnings = [
            f"规则里的用户名 {u} 不是在职员工，审批时会落空" for u in await rules_store.unknown_people(app.db, rules)
        ]
        preview = await rules_store.preview(app, text, req)
    except (RulesError, ValueError) as exc:
        return await _page(request, text, error=str(exc), req=req, status=400)
    return await _page(request, text, preview=preview, warnings=warnings, req=req, checked=True)


@routes.post("/rules/save")
async def rules_save(request: web.Request) -> web.Response:
    form = await request.post()
    text = str(form.get("text", ""))
    app = app_of(request)
    try:
        row = await rules_store.save(app.db, app.settings, principal_of(request), text, str(form.get("note", "")))
    except RulesError as exc:
        return await _page(request, text, error=str(exc), req=_preview_request(form), status=400)
    await flash(request, f"审批规则已保存为 v{row.version} 并生效（新申请按新规则走）")
    raise redirect("/admin/rules")


@routes.get("/rules/versions/{id:\\d+}")
async def rules_version(request: web.Request) -> web.Response:
    app = app_of(request)
    row = await rules_store.get_version(app.db, int(request.match_info["id"]))
    if row is None:
        raise web.HTTPNotFound(text="没有这个版本")
    lines = diff_lines(rules_store.current_text(app.settings), row.text, "当前生效", f"v{row.version}")
    return await render(request, "rules_version.html", "rules", row=row, lines=lines)


@routes.post("/rules/versions/{id:\\d+}/rollback")
async def rules_rollback(request: web.Request) -> web.Response:
    app = app_of(request)
    try:
        row = await rules_store.rollback(app.db, app.settings, principal_of(request), int(request.match_info["id"]))
    except RulesError as exc:
        await flash(request, str(exc), "error")
        raise redirect("/admin/rules")
    await flash(request, f"已{row.note}，保存为 v{row.version} 并生效")
    raise redirect("/admin/rules")
