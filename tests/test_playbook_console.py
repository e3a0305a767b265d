"""The stage playbook editor in the console: YAML and form views, Chinese validation messages, nothing saved on
an error, and a saved playbook asked in the chat at the next stage move (no restart)."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from bot.models import AuditLog
from tests.admin_support import MANAGER_PASSWORD, make_accounts, serving, signed_in
from tests.conftest import ConsoleClient, running_app
from tests.test_playbook import make_org
from tools.playbook.config import PLAYBOOK_FILE_NAME


async def test_yaml_and_form_views_validate_in_chinese_and_put_the_playbook_in_force(tmp_path):
    async with running_app(tmp_path, demo=False) as app:
        await make_accounts(app, link_staff=False)
        await make_org(app)
        path = Path(app.settings.data_dir) / PLAYBOOK_FILE_NAME
        async with serving(app) as base, signed_in(base) as c:
            status, page = await c.get("/admin/playbook")
            assert status == 200 and "阶段剧本" in page and "预算大概多少？" in page
            assert 'value="budget"' in page  # the form view lists the default questions

            bad = "stages:\n  报价单:\n    - key: roi\n      question: 客户怎么算回报？\n"
            status, page = await c.post("/admin/playbook/save", {"text": bad})
            assert status == 400 and "阶段「报价单」不认识" in page and not path.exists()
            status, page = await c.post(
                "/admin/playbook/save",
                {"text": "stages:\n  报价:\n    - key: roi\n      question: \n      field: money\n"},
            )
            assert status == 400 and "缺少 question" in page and "field「money」不是商机字段" in page

            good = "stages:\n  需求确认:\n    - key: roi\n      question: 客户怎么算回报？\n      field: metrics\n"
            status, page = await c.post("/admin/playbook/save", {"text": good})
            assert status == 200 and "已保存并生效" in page and path.read_text(encoding="utf-8") == good

            rep = ConsoleClient(app, "zhangwei")
            said = await rep.say("/阶段 华东机械 需求确认")
            assert "还差一个关键问题：客户怎么算回报？" in said
            await rep.say("一年省两个人力")

            # the form view: two rows, one of them a new question; a row without a stage is refused by line
            rows = {
                "stage": ["qualification", "", "proposal"],
                "key": ["roi", "champion", "price_ok"],
                "question": ["客户怎么算回报？", "谁在内部帮我们？", "价格谈妥了吗？"],
                "field": ["metrics", "champion", ""],
            }
            status, page = await c.post("/admin/playbook/form", rows)
            assert status == 400 and "第 2 行：请选择阶段" in page and path.read_text(encoding="utf-8") == good
            rows["stage"][1] = "needs_analysis"
            status, page = await c.post("/admin/playbook/form", rows)
            assert status == 200 and "已保存并生效" in page
            saved = path.read_text(encoding="utf-8")
            assert "方案沟通:" in saved and "key: champion" in saved and "价格谈妥了吗？" in saved
            rows["key"][2] = "roi"  # a duplicate key names both places
            status, page = await c.post("/admin/playbook/form", rows)
            assert status == 400 and "key「roi」和「需求确认」重复了" in page

            said = await rep.say("/阶段 华东机械 报价")
            assert "还差 2 个关键问题" in said and "谁在内部帮我们？" in said and "价格谈妥了吗？" in said
            assert "客户怎么算回报？" not in said  # answered before
        async with serving(app) as base, signed_in(base, "viewer", MANAGER_PASSWORD) as c:  # read-only manager
            assert (await c.get("/admin/playbook"))[0] == 403
            status, body = await c.post("/admin/playbook/save", {"text": good})
            assert status == 403 and "只读" in body
        async with app.db.session() as s:
            saves = (await s.execute(select(AuditLog).where(AuditLog.action == "stage_playbook.save"))).scalars().all()
        assert [a.detail["how"] for a in saves] == ["yaml", "form"]
