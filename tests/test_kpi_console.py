"""The console's sales-management pages: the dashboard by team and rep (scoped for a manager), targets by
form and by CSV/Excel import (all rows or none), and the alert rules editor (YAML and form view)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlmodel import select

from bot.clock import FrozenClock
from salesbot.admin import auth
from scheduler import kpi_jobs
from tests.admin_support import ADMIN_PASSWORD, MANAGER_PASSWORD, serving, signed_in
from tests.conftest import running_app
from tests.kpi_support import at, make_sales_org
from tools.kpi.alerts import rules_store
from tools.kpi.models import AlertRulesVersion, SalesTarget


async def accounts(app) -> None:
    await auth.create_admin(app.db, "boss", ADMIN_PASSWORD, role="admin")
    await auth.create_admin(app.db, "east", MANAGER_PASSWORD, role="manager", staff_username="wangqiang")
    await auth.create_admin(app.db, "nobody", MANAGER_PASSWORD, role="manager")


async def targets(app) -> dict[tuple[str, str, str], float]:
    async with app.db.session() as s:
        return {(t.scope, t.scope_key, t.period): t.amount for t in (await s.execute(select(SalesTarget))).scalars()}


async def test_dashboard_filters_by_team_and_rep_and_a_manager_sees_only_their_team(tmp_path):
    async with running_app(tmp_path, demo=False, clock=FrozenClock(at(2026, 12, 16))) as app:
        await make_sales_org(app)
        await accounts(app)
        async with serving(app) as base:
            async with signed_in(base) as admin:
                status, page = await admin.get("/admin/kpi")
                assert status == 200 and "时间已过 52%" in page and "赢单 81 万" in page and "完成率 29%" in page
                assert "陈敏" in page and "张伟" in page and "<svg" in page
                _, east = await admin.get("/admin/kpi?team=华东组")
                assert "目标 200 万" in east and "赢单 31 万" in east and "完成率 16%" in east
                assert "<td>陈敏</td>" not in east
                _, one = await admin.get("/admin/kpi?team=华东组&rep=zhangwei")
                assert "目标 100 万" in one and "完成率 31%" in one and "<td>李娜</td>" not in one
                assert "缺 1 个商机的金额" in one and "金陵医药 · HIS 集成：商机金额" in one
                _, quarter = await admin.get("/admin/kpi?period=quarter")
                assert "2026年第4季度" in quarter and "目标 未设" in quarter
            async with signed_in(base, "east", MANAGER_PASSWORD) as manager:
                status, page = await manager.get("/admin/kpi")
                assert status == 200 and "<td>张伟</td>" in page and "<td>李娜</td>" in page
                assert "陈敏" not in page and "赢单 31 万" in page
                status, _ = await manager.get("/admin/kpi/targets")
                assert status == 403  # read-only
                status, _ = await manager.post(
                    "/admin/kpi/targets", {"rep": "lina", "period": "2026-12", "amount": "1"}
                )
                assert status == 403
            async with signed_in(base, "nobody", MANAGER_PASSWORD) as unlinked:
                _, page = await unlinked.get("/admin/kpi")
                assert "没有关联员工" in page and "张伟" not in page


async def test_targets_by_form_and_by_import_all_rows_or_none(tmp_path):
    async with running_app(tmp_path, demo=False, clock=FrozenClock(at(2026, 12, 16))) as app:
        await make_sales_org(app)
        await accounts(app)
        async with serving(app) as base, signed_in(base) as admin:
            status, page = await admin.post(
                "/admin/kpi/targets", {"rep": "张伟", "period": "2027年1月", "amount": "120万"}
            )
            assert status == 200 and "已设置 张伟 2027-01 的目标：120 万" in page
            status, page = await admin.post(
                "/admin/kpi/targets", {"rep": "张伟", "team": "华东组", "period": "2027-01", "amount": "1"}
            )
            assert status == 400 and "销售和团队要填且只填一个" in page
            status, page = await admin.post(
                "/admin/kpi/targets", {"team": "华北组", "period": "2027-Q1", "amount": "1"}
            )
            assert status == 400 and "没有「华北组」这个团队" in page
            status, page = await admin.post("/admin/kpi/targets", {"rep": "lina", "period": "2027-13", "amount": "1"})
            assert status == 400 and "月份不对" in page
            status, page = await admin.post("/admin/kpi/targets", {"rep": "lina", "period": "2027-01", "amount": "-5"})
            assert status == 400 and "要大于 0" in page

            bad_csv = (
                "销售,团队,期间,目标金额\nzhangwei,,2027-02,100万\n王五,,2027-02,50万\nlina,,2027-02,abc\n".encode()
            )
            status, page = await admin.post("/admin/kpi/targets/import", {"file": ("t.csv", bad_csv)})
            assert status == 400 and "没有导入：2 行有问题" in page
            assert "第 3 行：没有叫「王五」的在职销售" in page and "第 4 行：目标金额「abc」不是数字" in page
            assert ("rep", "zhangwei", "2027-02") not in await targets(app)  # nothing written half-way

            wb = Workbook()
            ws = wb.active
            ws.append(["销售", "团队", "期间", "目标金额"])
            ws.append(["zhangwei", None, "2027-Q1", 3000000])
            ws.append([None, "华东组", "2027-Q1", "800万"])
            ws.append(["张伟", None, "2027-01", 1500000])  # replaces the form's 120 万
            buf = io.BytesIO()
            wb.save(buf)
            status, page = await admin.post("/admin/kpi/targets/import", {"file": ("targets.xlsx", buf.getvalue())})
            assert status == 200 and "已导入 3 条目标" in page
            got = await targets(app)
            assert got[("rep", "zhangwei", "2027-Q1")] == 3_000_000 and got[("team", "华东组", "2027-Q1")] == 8_000_000
            assert got[("rep", "zhangwei", "2027-01")] == 1_500_000
            status, page = await admin.post("/admin/kpi/targets/import", {"file": ("t.pdf", b"%PDF")})
            assert status == 400 and "不支持 .pdf 文件" in page


async def test_alert_rules_editor_validates_in_chinese_and_saves_by_yaml_or_form(tmp_path):
    async with running_app(tmp_path, demo=False, clock=FrozenClock(at(2026, 12, 16, 10, 35))) as app:
        await make_sales_org(app)
        await accounts(app)
        async with serving(app) as base, signed_in(base) as admin:
            status, page = await admin.get("/admin/kpi/rules")
            assert status == 200 and 'name="name_0" value="目标进度落后"' in page
            _, approvals = await admin.get("/admin/rules")
            assert 'href="/admin/kpi/rules"' in approvals

            broken = "rules:\n  - name: 大单\n    kind: high_value_no_visit\n    days: 7\n"
            status, page = await admin.post("/admin/kpi/rules/save", {"text": broken})
            assert (
                status == 400
                and "第 1 条规则「大单」：大额商机久未拜访（high_value_no_visit）要写 amount_at_least" in page
            )
            status, page = await admin.post("/admin/kpi/rules/check", {"text": "send_at: 25:99\nrules: []"})
            assert status == 400 and "要写成 10:30 这样的时间" in page
            async with app.db.session() as s:
                assert (await s.execute(select(AlertRulesVersion))).scalars().all() == []

            only_pace = (
                "send_at: '10:30'\nrules:\n  - name: 月中进度\n    kind: pace\n    completion_below: 40\n"
                "    elapsed_at_least: 50\n    notify: manager\n"
            )
            status, page = await admin.post("/admin/kpi/rules/save", {"text": only_pace, "note": "只看进度"})
            assert status == 200 and "预警规则已保存为 v2 并生效" in page
            rules = rules_store(app).load()
            assert [r.name for r in rules.rules] == ["月中进度"] and rules.rules[0].notify == ["manager"]
            assert await kpi_jobs.run_kpi_alerts(app) == 2  # 王强 hears about 张伟 (31%) and 李娜 (0%), reps do not

            # the form view: change a threshold, add a rule, bad numbers are refused with the place named
            form = {
                "count": "1",
                "send_at": "10:30",
                "health_goal": "85",
                "health_weekly_day": "1",
                "health_stale_days": "60",
                "name_0": "月中进度",
                "kind_0": "pace",
                "enabled_0": "1",
                "notify_manager_0": "1",
                "completion_below_0": "30",
                "elapsed_at_least_0": "50",
                "days_0": "9",  # not a pace threshold: left out
                "name_1": "逾期堆积",
                "kind_1": "overdue_pile",
                "enabled_1": "1",
                "notify_owner_1": "1",
                "count_at_least_1": "abc",
            }
            status, page = await admin.post("/admin/kpi/rules/form", form)
            assert status == 400 and "第 2 条规则「逾期堆积」 → count_at_least：应该是整数" in page
            form["count_at_least_1"] = "3"
            status, page = await admin.post("/admin/kpi/rules/form", form)
            assert status == 200 and "预警规则已保存为 v3 并生效" in page
            rules = rules_store(app).load()
            assert [(r.name, r.completion_below, r.count_at_least) for r in rules.rules] == [
                ("月中进度", 30, None),
                ("逾期堆积", None, 3),
            ]
            assert rules.health.goal == 85
            async with app.db.session() as s:
                first = (
                    (await s.execute(select(AlertRulesVersion).where(AlertRulesVersion.version == 1))).scalars().one()
                )
            status, page = await admin.post(f"/admin/kpi/rules/versions/{first.id}/rollback", {})
            assert status == 200 and "v4" in page
            assert [r.name for r in rules_store(app).load().rules][0] == "目标进度落后"
