"""People and org pages: staff list, edit/create, platform id mapping, directory import."""

from __future__ import annotations

from aiohttp import web

from bot.models import StaffUser
from salesbot.admin import people
from salesbot.admin.pages import app_of, flash, paginate, principal_of, redirect, render

routes = web.RouteTableDef()


@routes.get("/people")
async def people_page(request: web.Request) -> web.Response:
    app = app_of(request)
    ids = await people.platform_ids(app.db)

    def searchable(entry) -> str:
        user, manager = entry
        fields = [user.name, user.username, user.title, user.team, user.region, manager, people.ROLES.get(user.role)]
        return " ".join(str(f) for f in [*fields, *ids.get(user.id, {}).values()] if f)

    listing = paginate(request, await people.list_staff(app.db), searchable)
    return await render(
        request,
        "people.html",
        "people",
        listing=listing,
        roles=people.ROLES,
        ids=ids,
        platforms=[p for p in ("wecom", "dingtalk") if p in app.adapters],
    )


async def _form(
    request: web.Request, user: StaffUser | None, *, error: str = "", values: dict | None = None, status: int = 200
) -> web.Response:
    db = app_of(request).db
    staff = [u for u, _ in await people.list_staff(db) if user is None or u.id != user.id]
    ids = {f: "" for f in people.ID_FIELDS} | ((await people.platform_ids(db)).get(user.id, {}) if user else {})
    return await render(
        request,
        "person.html",
        "people",
        status=status,
        user=user,
        error=error,
        values=values or {},
        ids=ids,
        managers=[u for u in staff if u.role in ("manager", "admin")] or staff,
        roles=people.ROLES,
    )


@routes.get("/people/new")
async def person_new(request: web.Request) -> web.Response:
    return await _form(request, None)


@routes.get("/people/{id:\\d+}")
async def person_edit(request: web.Request) -> web.Response:
    user = await people.get_staff(app_of(request).db, int(request.match_info["id"]))
    if user is None:
        raise web.HTTPNotFound(text="没有这个员工")
    return await _form(request, user)


async def _save(request: web.Request, staff_id: int | None) -> web.Response:
    form = await request.post()
    values = {k: str(v) for k, v in form.items() if k != "_csrf"}
    user = await people.get_staff(app_of(request).db, staff_id) if staff_id else None
    try:
        saved = await people.save_staff(app_of(request), principal_of(request), staff_id, values)
    except people.PeopleError as exc:
        return await _form(request, user, error=str(exc), values=values, status=400)
    await flash(request, f"已保存 {saved.name}，下一条消息起生效")
    raise redirect("/admin/people")


@routes.post("/people/new")
async def person_create(request: web.Request) -> web.Response:
    return await _save(request, None)


@routes.post("/people/{id:\\d+}")
async def person_update(request: web.Request) -> web.Response:
    return await _save(request, int(request.match_info["id"]))


@routes.post("/people/import/{platform}")
async def directory_import(request: web.Request) -> web.Response:
    platform = request.match_info["platform"]
    app = app_of(request)
    try:
        entries = await people.fetch_directory(app, platform)
        report = await people.apply_directory(app, principal_of(request), platform, entries)
    except people.PeopleError as exc:
        await flash(request, str(exc), "error")
        raise redirect("/admin/people")
    except Exception as exc:  # the platform API said no (permission, network): show it, keep the page
        await flash(request, f"读取通讯录失败：{exc}", "error")
        raise redirect("/admin/people")
    lines = [
        f"通讯录导入：新建 {len(report.created)} 人，映射 {len(report.mapped)} 人，已存在 {len(report.unchanged)} 人，"
        f"需手动处理 {len(report.conflicts)} 人"
    ] + report.conflicts[:20]
    await flash(request, "\n".join(lines), "error" if report.conflicts else "ok")
    raise redirect("/admin/people")
