"""渠道: per channel the URLs to paste, the settings in force, live health, last traffic, and a test message."""

from __future__ import annotations

from aiohttp import web

from salesbot.admin import audit, channels
from salesbot.admin.pages import CHANNEL_CHECKS, app_of, flash, form_int, principal_of, redirect, render

routes = web.RouteTableDef()


@routes.get("/channels")
async def channels_page(request: web.Request) -> web.Response:
    app = app_of(request)
    found, note = await channels.overview(app, f"{request.scheme}://{request.host}", request.app.get(CHANNEL_CHECKS))
    people = {}
    for channel in found:
        adapter = channels.push_adapter(app, channel.platforms) if channel.can_test else None
        if adapter is not None:
            people[channel.key] = await channels.colleagues(app, adapter)
    return await render(
        request, "channels.html", "channels", channels=found, note=note, people=people, test_text=channels.TEST_TEXT
    )


@routes.post("/channels/{key}/test")
async def channel_test(request: web.Request) -> web.Response:
    app = app_of(request)
    form = await request.post()
    key = request.match_info["key"]
    staff_id = form_int(form.get("staff_id"), None, low=1, name="同事编号")
    if staff_id is None:
        await flash(request, "请选一位同事", "error")
        raise redirect("/admin/channels")
    try:
        outcome, row = await channels.send_test(app, key, staff_id, str(form.get("text", "")))
    except channels.TestMessageError as exc:
        await flash(request, str(exc), "error")
        raise redirect("/admin/channels")
    async with app.db.write() as s:
        await audit.record(
            s,
            principal_of(request),
            "channel.test",
            record_type="staff_user",
            record_id=staff_id,
            channel=key,
            outcome=outcome,
            error=(row.last_error or "")[:300] if row is not None else "",
        )
    if outcome == "sent":
        await flash(request, "测试消息已送达，请对方看看有没有收到")
    elif outcome == "failed":
        await flash(
            request,
            f"测试消息没发出去：{row.last_error if row else ''}\n（发件箱会按规则重试；先按上面的检查项修复）",
            "error",
        )
    else:
        await flash(request, "测试消息已放进发件箱，还没有发出，稍后刷新看「最近发出」", "error")
    raise redirect("/admin/channels")
