"""Prompt pages: list, editor with history, diff, publish, rollback, samples and 试运行."""

from __future__ import annotations

from aiohttp import web

from bot import prompt_templates as prompts
from salesbot.admin import prompt_store as store
from salesbot.admin.pages import app_of, flash, form_int, paginate, principal_of, redirect, render

routes = web.RouteTableDef()


def _name(request: web.Request) -> str:
    name = request.match_info["name"]
    if name not in store.shipped_names():
        raise web.HTTPNotFound(text="没有这个提示词")
    return name


@routes.get("/prompts")
async def prompt_list(request: web.Request) -> web.Response:
    items = paginate(request, await store.list_prompts(app_of(request).db), lambda p: p.name)
    return await render(request, "prompts.html", "prompts", items=items)


async def _editor(
    request: web.Request, name: str, *, draft: str | None = None, error: str = "", trial_rows=None, status: int = 200
) -> web.Response:
    db = app_of(request).db
    versions = await store.history(db, name)
    published = next((v for v in versions if v.published), None)
    loaded = None
    version_id = form_int(request.query.get("version"))
    if draft is None:
        loaded = next((v for v in versions if v.id == version_id), None) or (versions[0] if versions else None)
        draft = loaded.text if loaded else prompts.default_text(name)
    return await render(
        request,
        "prompt_edit.html",
        "prompts",
        status=status,
        name=name,
        history=paginate(
            request, versions, lambda v: f"v{v.version} {v.note or ''} {v.created_by or ''}", size=20, keep=("version",)
        ),
        published=published,
        loaded=loaded,
        draft=draft,
        error=error,
        samples=await store.samples(db, name),
        trial_rows=trial_rows,
        placeholders=sorted(store.placeholders_of(prompts.default_text(name))),
        llm=app_of(request).llm_enabled,
    )


@routes.get("/prompts/{name}")
async def prompt_edit(request: web.Request) -> web.Response:
    return await _editor(request, _name(request))


@routes.post("/prompts/{name}/save")
async def prompt_save(request: web.Request) -> web.Response:
    name = _name(request)
    form = await request.post()
    text, note = str(form.get("text", "")), str(form.get("note", ""))
    db = app_of(request).db
    try:
        row = await store.save_draft(db, principal_of(request), name, text, note)
        if form.get("action") == "publish":
            await store.publish(app_of(request), principal_of(request), row.id)
            await flash(request, f"已保存并发布 v{row.version}，新对话立即生效")
        else:
            await flash(request, f"已保存为 v{row.version}（草稿，未发布）")
    except store.PromptError as exc:
        return await _editor(request, name, draft=text, error=str(exc), status=400)
    raise redirect(f"/admin/prompts/{name}?version={row.id}")


@routes.post("/prompts/{name}/trial")
async def prompt_trial(request: web.Request) -> web.Response:
    name = _name(request)
    form = await request.post()
    text = str(form.get("text", ""))
    chosen = [form_int(v, low=1, name="样例编号") for v in form.getall("sample", []) if str(v).isdigit()]
    try:
        rows = await store.trial(app_of(request), name, text, chosen or None)
    except store.PromptError as exc:
        return await _editor(request, name, draft=text, error=str(exc), status=400)
    return await _editor(request, name, draft=text, trial_rows=rows)


@routes.post("/prompts/versions/{id:\\d+}/publish")
async def prompt_publish(request: web.Request) -> web.Response:
    try:
        row = await store.publish(app_of(request), principal_of(request), int(request.match_info["id"]))
    except store.PromptError as exc:
        raise web.HTTPNotFound(text=str(exc))
    await flash(request, f"已发布 v{row.version}，新对话立即生效")
    raise redirect(f"/admin/prompts/{row.name}?version={row.id}")


@routes.post("/prompts/versions/{id:\\d+}/rollback")
async def prompt_rollback(request: web.Request) -> web.Response:
    try:
        row = await store.rollback(app_of(request), principal_of(request), int(request.match_info["id"]))
    except store.PromptError as exc:
        raise web.HTTPNotFound(text=str(exc))
    await flash(request, f"已回滚：{row.note}，发布为 v{row.version}")
    raise redirect(f"/admin/prompts/{row.name}?version={row.id}")


@routes.post("/prompts/{name}/restore_default")
async def prompt_restore(request: web.Request) -> web.Response:
    name = _name(request)
    await store.restore_default(app_of(request), principal_of(request), name)
    await flash(request, "已恢复为系统自带的默认提示词")
    raise redirect(f"/admin/prompts/{name}")


async def _text_of(db, name: str, ref: str) -> tuple[str, str]:
    if ref == "default":
        return "系统默认", prompts.default_text(name)
    if ref == "published":
        versions = await store.history(db, name)
        pub = next((v for v in versions if v.published), None)
        return (f"v{pub.version}（已发布）", pub.text) if pub else ("系统默认（已发布）", prompts.default_text(name))
    row = await store.get_version(db, form_int(ref, -1))
    if row is None or row.name != name:
        raise web.HTTPNotFound(text="没有这个版本")
    return f"v{row.version}", row.text


@routes.get("/prompts/{name}/diff")
async def prompt_diff(request: web.Request) -> web.Response:
    name = _name(request)
    db = app_of(request).db
    a_label, a_text = await _text_of(db, name, request.query.get("a", "published"))
    b_label, b_text = await _text_of(db, name, request.query.get("b", "published"))
    lines = store.diff_lines(a_text, b_text, a_label, b_label)
    return await render(
        request,
        "prompt_diff.html",
        "prompts",
        name=name,
        a_label=a_label,
        b_label=b_label,
        lines=lines,
        versions=await store.history(db, name),
        a=request.query.get("a", "published"),
        b=request.query.get("b", "published"),
    )


@routes.post("/prompts/{name}/samples")
async def sample_add(request: web.Request) -> web.Response:
    name = _name(request)
    form = await request.post()
    try:
        await store.add_sample(
            app_of(request).db,
            principal_of(request),
            name,
            str(form.get("title", "")),
            str(form.get("role", "rep")),
            str(form.get("conversation", "")),
        )
        await flash(request, "样例对话已添加")
    except store.PromptError as exc:
        await flash(request, str(exc), "error")
    raise redirect(f"/admin/prompts/{name}#samples")


@routes.post("/prompts/samples/{id:\\d+}/delete")
async def sample_delete(request: web.Request) -> web.Response:
    form = await request.post()
    name = str(form.get("name", ""))
    try:
        await store.delete_sample(app_of(request).db, principal_of(request), int(request.match_info["id"]))
        await flash(request, "样例对话已删除")
    except store.PromptError as exc:
        await flash(request, str(exc), "error")
    raise redirect(f"/admin/prompts/{name}#samples" if name in store.shipped_names() else "/admin/prompts")
