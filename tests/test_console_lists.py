"""Search and pages on the console's lists (one helper: salesbot/admin/pages.py Listing / paginate), and the
navigation a read-only manager gets."""

from __future__ import annotations

import re

from bot.models import StaffUser
from salesbot.admin.pages import NAV, Listing
from tests.admin_support import MANAGER_PASSWORD, make_accounts, serving, signed_in
from tests.conftest import running_app


def _rows(page: str, table: str) -> int:
    body = page.split(f'<table id="{table}">', 1)[1].split("</table>", 1)[0]
    return body.count("<tr>") - 1  # minus the header


def test_page_links_show_the_ends_and_the_neighbourhood():
    listing = Listing(items=[], total=1000, page=10, size=50, path="/admin/people", q="华东", params={"team": ""})
    assert listing.pages == 20
    assert listing.links() == [1, None, 8, 9, 10, 11, 12, None, 20]
    assert listing.href(2) == "/admin/people?q=%E5%8D%8E%E4%B8%9C&page=2"
    assert listing.href(1) == "/admin/people?q=%E5%8D%8E%E4%B8%9C"  # no empty filters, no page=1
    assert Listing(items=[], total=0, page=1, size=50, path="/x").links() == [1]


async def test_people_and_knowledge_lists_search_and_page(tmp_path):
    async with running_app(tmp_path, knowledge=True) as app:
        await make_accounts(app)
        async with app.db.write() as s:
            s.add_all(
                [StaffUser(username=f"extra{i:02d}", name=f"同事{i:02d}", role="rep", team="华北组") for i in range(55)]
            )
        for name, body in [
            ("退款政策.md", "# 退款\n签约后 7 天内可以退款。"),
            ("上门培训.md", "# 培训\n每季度一次上门培训。"),
        ]:
            (tmp_path / name).write_text(body, encoding="utf-8")
            await app.knowledge.add_paths([tmp_path / name], audience="internal")
        async with serving(app) as base, signed_in(base) as admin:
            status, page = await admin.get("/admin/people")
            total = int(re.search(r"共 (\d+) 条", page).group(1))
            assert total >= 55 + 5 and _rows(page, "people") == 50 and 'rel="next"' in page
            status, page = await admin.get("/admin/people?page=2")
            assert _rows(page, "people") == total - 50 and 'rel="prev"' in page
            status, page = await admin.get("/admin/people?page=99")  # past the end: the last page
            assert status == 200 and _rows(page, "people") == total - 50
            status, page = await admin.get("/admin/people?q=同事0")
            assert "共 10 条" in page and _rows(page, "people") == 10 and "同事09" in page and "同事10" not in page
            status, page = await admin.get("/admin/people?q=华北组+同事5")  # every word must match
            assert "共 5 条" in page
            status, page = await admin.get("/admin/people?q=没有这个人")
            assert "没有符合条件的员工" in page
            status, page = await admin.get("/admin/people?page=99999999999")
            assert status == 400 and "页码超出范围" in page

            status, page = await admin.get("/admin/knowledge?q=退款")
            documents = page.split('<table id="documents">', 1)[1].split("</table>", 1)[0]
            assert "共 1 条" in page and _rows(page, "documents") == 1 and "培训" not in documents
            status, page = await admin.get("/admin/knowledge?q=发票")
            assert "没有标题含「发票」的文档" in page


async def test_a_manager_sees_the_pages_it_may_read_in_the_navigation(tmp_path):
    async with running_app(tmp_path) as app:
        await make_accounts(app)
        async with serving(app) as base, signed_in(base, "viewer", MANAGER_PASSWORD) as viewer:
            status, page = await viewer.get("/admin/")
            nav = page.split("<nav>", 1)[1].split("</nav>", 1)[0]
            assert "对话记录" in nav and "仪表盘" in nav and "渠道" not in nav and "人员与组织" not in nav
            status, _ = await viewer.get("/admin/channels")
            assert status == 403
        async with serving(app) as base, signed_in(base) as admin:
            status, page = await admin.get("/admin/")
            nav = page.split("<nav>", 1)[1].split("</nav>", 1)[0]
            assert [label for _, label, _ in NAV] == re.findall(r">([^<]+)</a>", nav)
