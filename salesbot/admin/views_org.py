"""Console page 公司与竞品: who we are (names, ASR variants, products) and who we compete with (aliases).

Transcript capture reads this profile: our own company is never proposed as the customer, competitors are
recognised by any alias or an ASR slip of it. The settings SALESBOT_ORG_NAME / SALESBOT_ORG_PRODUCTS /
SALESBOT_COMPETITORS seed the page; what an admin saves here wins over them.
"""

from __future__ import annotations

from aiohttp import web

from bot.org import OrgProfile, load_org_profile, parse_profile_form, store_org_profile
from salesbot.admin import audit
from salesbot.admin.pages import app_of, flash, principal_of, redirect, render

routes = web.RouteTableDef()


def _form_values(profile: OrgProfile) -> dict[str, str]:
    return {
        "names": "\n".join(profile.names),
        "products": "\n".join(profile.products),
        "competitors": "\n".join("/".join(c.names) for c in profile.competitors),
    }


async def _page(request: web.Request, values: dict[str, str], *, error: str = "", status: int = 200):
    app = app_of(request)
    return await render(
        request,
        "org.html",
        "org",
        status=status,
        values=values,
        error=error,
        seeded=OrgProfile.from_settings(app.settings),
    )


@routes.get("/org")
async def org_page(request: web.Request) -> web.Response:
    app = app_of(request)
    return await _page(request, _form_values(await load_org_profile(app.db, app.settings)))


@routes.post("/org")
async def org_save(request: web.Request) -> web.Response:
    form = await request.post()
    values = {k: str(form.get(k, "")) for k in ("names", "products", "competitors")}
    try:
        profile = parse_profile_form(values["names"], values["products"], values["competitors"])
    except ValueError as exc:
        return await _page(request, values, error=str(exc), status=400)
    app = app_of(request)
    principal = principal_of(request)
    async with app.db.write() as s:
        row = await store_org_profile(s, profile, principal.username)
        await audit.record(
            s, principal, "org_profile.save", record_type="org_profile", record_id=row.id, **profile.to_dict()
        )
    await flash(request, "公司与竞品已保存，新上传的会议记录按新名单识别")
    raise redirect("/admin/org")
