"""「销售信号」 page: this week's signals per kind against the four weeks before (the same counts and surge rule
as /信号 and the manager's alert), the competitors named, and every signal with its quoted sentence, searchable.
A manager account linked to a colleague sees its reporting tree only, as in the chat."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web
from sqlmodel import select

from bot.models import Account, StaffUser
from salesbot.admin import conversations as conv
from salesbot.admin.charts import grouped_bars
from salesbot.admin.pages import app_of, managers_may_read, paginate, principal_of, render
from tools.signals.detect import KINDS
from tools.signals.models import SalesSignal
from tools.signals.service import BASELINE_WEEKS, is_surge, tz_of, week_counts, week_of

routes = web.RouteTableDef()
SOURCES = {"visit": "拜访记录", "chat": "聊天", "transcript": "会议纪要", "customer": "客户对话"}


async def _people(app) -> dict[int, StaffUser]:
    async with app.db.session() as s:
        return {u.id: u for u in (await s.execute(select(StaffUser))).scalars()}


@routes.get("/signals")
@managers_may_read
async def signals_page(request: web.Request) -> web.Response:
    app = app_of(request)
    principal = principal_of(request)
    people = await _people(app)
    managers = sorted((u for u in people.values() if u.role == "manager" and u.active), key=lambda u: u.name)
    # who may be counted: a linked manager account sees its reporting tree, admins everyone
    allowed = None
    if not principal.can_write and principal.staff_user_id is not None:
        allowed = await conv.reporting_tree(app.db, principal.staff_user_id)
        managers = [m for m in managers if m.id in allowed]
    team = request.query.get("team", "")
    if team and not (team.isdigit() and int(team) in {m.id for m in managers}):
        raise web.HTTPBadRequest(text="没有这个团队（按经理选）")
    members = await conv.reporting_tree(app.db, int(team)) if team else (allowed or set(people))
    week = week_of(app.clock.now(tz_of(app)).date())
    counts = await week_counts(app, sorted(members), week)
    rows = [(KINDS[k], n, avg, is_surge(app, n, avg)) for k, (n, avg) in counts.items()]
    chart = grouped_bars(
        [label for label, *_ in rows],
        {"本周": [n for _l, n, _a, _s in rows], f"前{BASELINE_WEEKS}周平均": [a for _l, _n, a, _s in rows]},
        title="本周销售信号与前四周平均",
        width=760,
    )
    since = week - timedelta(weeks=BASELINE_WEEKS)
    async with app.db.session() as s:
        found = (
            await s.execute(
                select(SalesSignal, Account)
                .join(Account, Account.id == SalesSignal.account_id, isouter=True)
                .where(SalesSignal.staff_id.in_(sorted(members)), SalesSignal.week >= since)
                .order_by(SalesSignal.occurred_at.desc())
            )
        ).all()
    competitors: dict[str, int] = {}
    for sig, _acc in found:
        if sig.week == week and sig.detail:
            competitors[sig.detail] = competitors.get(sig.detail, 0) + 1
    items = [
        {
            "at": sig.occurred_at,
            "kind": KINDS.get(sig.kind, sig.kind),
            "detail": sig.detail,
            "quote": sig.quote,
            "rep": people[sig.staff_id].name if sig.staff_id in people else "",
            "account": (acc.short_name or acc.name) if acc else "",
            "source": SOURCES.get(sig.source, sig.source),
        }
        for sig, acc in found
    ]
    listing = paginate(
        request,
        items,
        lambda i: " ".join((i["kind"], i["detail"], i["quote"], i["rep"], i["account"], i["source"])),
        keep=("team",),
    )
    return await render(
        request,
        "signals.html",
        section="signals",
        week=week,
        rows=rows,
        chart=chart,
        competitors=sorted(competitors.items(), key=lambda kv: -kv[1]),
        managers=managers,
        team=team,
        listing=listing,
        surge_ratio=app.settings.signal_surge_ratio,
        surge_min=app.settings.signal_surge_min,
    )
