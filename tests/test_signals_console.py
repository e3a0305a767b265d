"""The 销售信号 console page: this week's counts per kind against the four weeks before, with the surge the
manager is alerted about, the competitors named, and every signal with its quote — searchable, by team, and a
manager account sees its own reporting tree only."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.clock import FrozenClock
from bot.models import StaffUser
from tests.admin_support import MANAGER_PASSWORD, make_accounts, serving, signed_in
from tests.conftest import running_app
from tools.signals.models import SalesSignal
from tools.signals.service import week_of

NOW = datetime(2026, 12, 9, 3, 0, tzinfo=timezone.utc)  # a Wednesday, 11:00 in Shanghai


async def _signal(app, who: StaffUser, kind: str, quote: str, week, detail: str = "", n: int = 0) -> None:
    async with app.db.write() as s:
        s.add(
            SalesSignal(
                dedup=f"{who.username}:{kind}:{week}:{n}:{quote}",
                kind=kind,
                detail=detail,
                quote=quote,
                source="visit",
                source_id=1,
                staff_id=who.id,
                occurred_at=NOW - timedelta(days=(week_of(NOW.date()) - week).days),
                week=week,
            )
        )


async def test_signals_page_shows_counts_surges_quotes_and_scopes_a_manager(tmp_path):
    async with running_app(tmp_path, clock=FrozenClock(NOW)) as app:
        await make_accounts(app)
        zhangwei = await app.staff_by_username("zhangwei")
        admin = await app.staff_by_username("admin")
        week = week_of(NOW.date())
        for n, quote in enumerate(("客户在对比纷享销客", "他们老板更倾向纷享", "纷享给了七折", "销售易也来报价了")):
            await _signal(app, zhangwei, "competitor", quote, week, "销售易" if "销售易" in quote else "纷享销客", n)
        await _signal(app, zhangwei, "competitor", "上个月也提过纷享", week - timedelta(weeks=2), "纷享销客")
        await _signal(app, zhangwei, "price_objection", "觉得每个账号太贵", week)
        await _signal(app, admin, "budget_cut", "总部预算冻结了", week)  # outside 陈静's reporting tree

        async with serving(app) as base:
            async with signed_in(base) as c:
                status, page = await c.get("/admin/signals")
                assert status == 200 and "销售信号" in page
                # 4 competitor mentions this week against an average of 0.25: a surge (≥ 2× and ≥ 3)
                assert "<td>竞品提及</td><td>4</td><td>0.2</td>" in page
                assert page.count('data-surge="1"') == 1
                assert "纷享销客 3 次" in page and "销售易 1 次" in page
                assert "总部预算冻结了" in page and "觉得每个账号太贵" in page

                status, page = await c.get("/admin/signals?q=七折")
                assert status == 200 and "纷享给了七折" in page and "觉得每个账号太贵" not in page

                manager = await app.staff_by_username("wangqiang")
                status, page = await c.get(f"/admin/signals?team={manager.id}")
                assert status == 200 and "觉得每个账号太贵" in page and "总部预算冻结了" not in page
                status, page = await c.get("/admin/signals?team=abc")
                assert status == 400 and "没有这个团队" in page

            async with signed_in(base, "viewer", MANAGER_PASSWORD) as c:  # 陈静, the sales director
                status, page = await c.get("/admin/signals")
                assert status == 200 and "觉得每个账号太贵" in page and "总部预算冻结了" not in page
