"""The admin console in a real headless browser (Debian chromium driven by Playwright).

Each flow signs in like an admin would, clicks through the pages, checks what the rest of the system
sees afterwards (the agent's system message at the fake LLM, the knowledge base, the rules file,
identity), and writes a screenshot of every page under test-output/admin/.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.messages import Inbound, Role
from bot.models import Account, Visit
from tests.admin_support import ADMIN_PASSWORD, make_accounts, serving
from tests.conftest import ConsoleClient, running_app
from tests.fakes.openai_server import FakeOpenAI, text, tool_call

CHROMIUM = os.environ.get("SALESBOT_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[1] / "test-output" / "admin"
playwright_api = pytest.importorskip(
    "playwright.async_api", reason="Playwright is not installed (pip install playwright)"
)
pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)),
    reason=f"chromium not found at {CHROMIUM} (apt-get install -y chromium fonts-noto-cjk)",
)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


class Browser:
    def __init__(self, page, base: str):
        self.page, self.base = page, base

    async def open(self, path: str) -> None:
        response = await self.page.goto(self.base + path)
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"

    async def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    async def flash(self) -> str:
        return await self.page.inner_text(".flash")

    async def sign_in(self, username: str = "boss", password: str = ADMIN_PASSWORD) -> None:
        await self.open("/admin/")  # redirected to the sign-in page
        assert "/admin/login" in self.page.url
        await self.shot("login")
        await self.page.fill("input[name=username]", username)
        await self.page.fill("input[name=password]", password)
        await self.page.click("button[type=submit]")
        await self.page.wait_for_url(self.base + "/admin/")


async def _browser(base: str):
    pw = await playwright_api.async_playwright().start()
    browser = await pw.chromium.launch(executable_path=shutil.which(CHROMIUM) or CHROMIUM, headless=True, args=ARGS)
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = await context.new_page()
    page.set_default_timeout(60_000)  # shared CI machines can be slow; a pass is still quick

    async def close():
        if sys.exc_info()[0] is not None:  # keep what the page showed when the test failed
            SHOTS.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SHOTS / "FAILED.png"), full_page=True)
        await browser.close()
        await pw.stop()

    return Browser(page, base), close


def _system_message(llm: FakeOpenAI) -> str:
    return next(m["content"] for m in llm.last_messages() if m["role"] == "system")


async def test_prompt_edit_publish_rollback_and_trial(tmp_path):
    async with (
        FakeOpenAI() as llm,
        running_app(tmp_path, OPENAI_BASE_URL=llm.base_url, OPENAI_API_KEY="t", SALESBOT_LLM_MODEL="fake") as app,
    ):
        await make_accounts(app)
        rep = ConsoleClient(app, "zhangwei")
        async with serving(app) as base:
            b, close = await _browser(base)
            try:
                await b.sign_in()
                await b.shot("dashboard")
                await b.open("/admin/prompts")
                await b.shot("prompts")
                await b.page.click("a[href='/admin/prompts/staff_system']")
                original = await b.page.input_value("#prompt-text")
                assert "{name}" in original

                # edit and publish: the agent's next turn uses it, without a restart
                await b.page.fill("#prompt-text", original + "\n规则：每次回答末尾加上 MARK-ONE。")
                await b.page.fill("input[name=note]", "加标记一")
                await b.page.click("#save-publish")
                assert "已保存并发布 v1" in await b.flash()
                await rep.say("你好")
                assert "MARK-ONE" in _system_message(llm)
                assert "张伟" in _system_message(llm)  # placeholders still filled

                await b.page.fill("#prompt-text", original + "\n规则：每次回答末尾加上 MARK-TWO。")
                await b.page.click("#save-publish")
                assert "v2" in await b.flash()
                await rep.say("再问一次")
                assert "MARK-TWO" in _system_message(llm) and "MARK-ONE" not in _system_message(llm)

                # roll back to v1: a new published version with v1's text
                await b.page.click("button[data-rollback='1']")
                assert "回滚到 v1" in await b.flash()
                await rep.say("第三次")
                assert "MARK-ONE" in _system_message(llm) and "MARK-TWO" not in _system_message(llm)
                await b.shot("prompt_history")

                # diff between v2 and the published version
                await b.open("/admin/prompts/staff_system/diff?a=published&b=2")
                diff = await b.page.inner_text("#diff")
                assert "MARK-ONE" in diff and "MARK-TWO" in diff
                assert await b.page.locator("#diff .add").count() >= 1
                await b.shot("prompt_diff")

                # 试运行: the draft and the published text side by side; tool calls shown, never executed
                def answer(body):
                    system = next(m["content"] for m in body["messages"] if m["role"] == "system")
                    if "DRAFT-MARK" in system:
                        if "拜访" in body["messages"][-1]["content"]:
                            return tool_call("log_visit", customer="华东机械", summary="谈了方案")
                        return text("草稿的回答")
                    return text("线上的回答")

                llm.responder = answer
                async with app.db.session() as s:
                    visits_before = (await s.execute(select(func.count(Visit.id)))).scalar_one()
                await b.open("/admin/prompts/staff_system")
                await b.page.fill("#prompt-text", original + "\nDRAFT-MARK")
                await b.page.click("#trial-button")
                await b.page.wait_for_selector("#trial-table")
                drafts = " ".join(await b.page.locator(".trial-draft").all_inner_texts())
                published = " ".join(await b.page.locator(".trial-published").all_inner_texts())
                assert "草稿的回答" in drafts and "log_visit" in drafts
                assert "线上的回答" in published and "草稿的回答" not in published
                assert "DRAFT-MARK" in await b.page.input_value("#prompt-text")  # the draft is kept
                await b.shot("prompt_trial")
                async with app.db.session() as s:
                    assert (await s.execute(select(func.count(Visit.id)))).scalar_one() == visits_before
                # the trial published nothing
                await rep.say("第四次")
                assert "DRAFT-MARK" not in _system_message(llm)
            finally:
                await close()


KB_DOC = """# 退款与发票政策

## 退款规则
签约后 30 天内可以无理由退款，超过 30 天按剩余服务月份折算退款，退款在 7 个工作日内原路返回。

## 发票
开具增值税专用发票需要提供公司全称、税号、开户行和账号，每月 25 日后申请的发票下月开出。
"""
KB_DOC_2 = """# 上门培训

## 培训安排
旗舰版客户签约后可以预约两次免费上门培训，每次不超过半天，需要提前一周在工单系统预约。
"""


async def test_knowledge_upload_hit_test_fix_and_batch(tmp_path):
    async with running_app(tmp_path, demo=False, knowledge=True) as app:
        await make_accounts(app)
        files = tmp_path / "upload"
        files.mkdir()
        (files / "退款与发票政策.md").write_text(KB_DOC, encoding="utf-8")
        (files / "上门培训.md").write_text(KB_DOC_2, encoding="utf-8")
        async with serving(app) as base:
            b, close = await _browser(base)
            try:
                await b.sign_in()
                await b.open("/admin/knowledge")
                await b.page.set_input_files(
                    "input[name=files]", [str(files / "退款与发票政策.md"), str(files / "上门培训.md")]
                )
                await b.page.select_option("select[name=audience]", "public")
                await b.page.click("form[action='/admin/knowledge/upload'] button[type=submit]")
                assert "新增 2 篇" in await b.flash()
                assert await b.page.locator("#documents a", has_text="退款与发票政策").count() == 1
                await b.shot("knowledge")
                docs = {d.title: d for d in await app.knowledge.list_documents()}
                assert docs["退款与发票政策"].audience == "public"

                await b.page.click("#documents a:has-text('退款与发票政策')")
                await b.shot("knowledge_document")

                # hit-test: the refund passage comes first, with its score and matched terms
                await b.open("/admin/knowledge/hittest")
                await b.page.fill("input[name=q]", "签约后多久可以无理由退款")
                await b.page.click("form[action='/admin/knowledge/hittest'] button[type=submit]")
                first = b.page.locator(".hit").first
                assert "退款与发票政策" in await first.inner_text()
                assert any("退款" in term for term in await first.locator("mark").all_inner_texts())
                assert "得分" in await first.inner_text()
                await b.shot("knowledge_hittest")

                # fix the chunk from the result list; the knowledge base serves the new text at once
                chunk_id = int(await first.get_attribute("data-chunk"))
                await first.locator("summary").click()
                fixed = "签约后 30 天内可以无理由退款（2026 年起改为 45 天）。超过期限按剩余服务月份折算退款。"
                await first.locator("textarea.fix-text").fill(fixed)
                await first.locator("button.fix-save").click()
                assert "段落已更新" in await b.flash()
                assert "hittest?q=" in b.page.url  # back on the same test
                assert (await app.knowledge.get_chunk(chunk_id)).text == fixed
                assert "45 天" in await b.page.locator(".hit").first.inner_text()
                # and teach it the question as asked
                await b.page.locator(".hit").first.locator("summary").click()
                await b.page.locator(".hit").first.locator("form[action$='/question'] button").click()
                assert "已添加关联问题" in await b.flash()
                assert any(
                    q["q"] == "签约后多久可以无理由退款" for q in (await app.knowledge.get_chunk(chunk_id)).questions
                )

                await b.open(f"/admin/knowledge/chunks/{chunk_id}")
                await b.shot("knowledge_chunk")

                # batch hit-test from a CSV, twice, then compare the runs
                cases = tmp_path / "cases.csv"
                cases.write_text(
                    "问题,期望文档\n无理由退款怎么算,退款与发票政策\n增值税专用发票要提供什么,退款与发票政策\n"
                    "上门培训怎么预约,上门培训.md\n",
                    encoding="utf-8",
                )
                for name in ("第一次", "第二次"):
                    await b.open("/admin/knowledge/batch")
                    await b.page.set_input_files("input[name=file]", str(cases))
                    await b.page.fill("input[name=name]", name)
                    await b.page.click("form[action='/admin/knowledge/batch'] button[type=submit]")
                    assert "测试完成：3 个问题" in await b.flash()
                summary = await b.page.inner_text("#run-summary")
                assert "3 个问题" in summary
                ranks = await b.page.locator("#results tr td:nth-child(3)").all_inner_texts()
                assert ranks[0].strip() == "1" and ranks[2].strip() == "1"
                await b.page.select_option("select[name=compare]", index=1)
                await b.page.click("form[method=get] button")
                assert "对比 #" in await b.page.inner_text("main")
                await b.shot("knowledge_batch_run")
                await b.open("/admin/knowledge/batch")
                assert await b.page.locator("#runs tr").count() == 3  # header + 2 runs
                await b.shot("knowledge_batch")
            finally:
                await close()


async def test_rules_people_import_audit_and_dashboard(tmp_path):
    async with running_app(tmp_path) as app:
        await make_accounts(app)
        async with serving(app) as base:
            b, close = await _browser(base)
            try:
                await b.sign_in()

                # approval rules: a broken edit is refused with the reason, nothing saved
                await b.open("/admin/rules")
                original = await b.page.input_value("#rules-text")
                await b.page.fill("#rules-text", original.replace("approver: director", "approver: nobody_known", 1))
                await b.page.click("#rules-save")
                assert "不认识的审批人「nobody_known」" in await b.page.inner_text("#rules-error")
                assert not (app.settings.data_dir / "approval_rules.yaml").exists()

                # raise the director threshold to 9 折, preview an 8.8 折 request by 张伟, then save
                edited = original.replace("discount_below: 85", "discount_below: 90", 1)
                assert edited != original
                await b.page.fill("#rules-text", edited)
                await b.page.select_option("select[name=kind]", "discount")
                await b.page.fill("input[name=discount]", "8.8折")
                await b.page.fill("input[name=requester]", "zhangwei")
                await b.page.click("#rules-check")
                preview = await b.page.inner_text("#rules-preview")
                assert "王强" in preview and "陈静" in preview and "格式正确" in preview
                await b.shot("rules_preview")
                await b.page.fill("input[name=note]", "总监权限提高到 9 折")
                await b.page.click("#rules-save")
                assert "已保存为 v2" in await b.flash()
                from tools.approvals.rules import RulesStore

                rules = RulesStore(app.settings.data_dir).load()
                assert any(r.when.discount_below == 90 for r in rules.rules)
                assert await b.page.locator("#rules-history tr").count() == 3  # header, v2, the original as v1
                await b.shot("rules")

                # people: map 张伟's WeCom userid; the next WeCom message from that id is 张伟
                await b.open("/admin/people")
                await b.shot("people")
                await b.page.click("a[data-user='zhangwei']")
                await b.page.fill("input[name=wecom_userid]", "ZhangWei01")
                await b.shot("person")
                await b.page.click("#person-save")
                assert "已保存 张伟" in await b.flash()
                actor = await app.dispatcher.identity.resolve(
                    Inbound(platform="wecom", msg_id="m1", sender_id="ZhangWei01", conversation_id="ZhangWei01")
                )
                assert actor is not None and actor.name == "张伟" and actor.role is Role.REP

                # import accounts from a CSV: preview with the rejected rows, then confirm
                sheet = tmp_path / "客户.csv"
                sheet.write_text(
                    "公司名称,行业,区域,负责人\n杭州新星光电有限公司,电子,华东,zhangwei\n"
                    "上海华东机械制造有限公司,制造业,华东,zhangwei\n,零售,华南,\n杭州新星光电有限公司,电子,华东,\n",
                    encoding="utf-8",
                )
                await b.open("/admin/data")
                await b.page.set_input_files("input[name=file]", str(sheet))
                await b.page.click("form[action='/admin/data/preview'] button[type=submit]")
                summary = await b.page.inner_text("#import-summary")
                assert "共 4 行，可导入 1 行，拒绝 3 行" in summary
                rejected = await b.page.inner_text("#rejected")
                assert "与已有客户「上海华东机械制造有限公司」重复" in rejected and "缺少「客户名称」" in rejected
                assert "与第 2 行重复" in rejected
                await b.shot("import_preview")
                async with app.db.session() as s:
                    assert (
                        await s.execute(select(Account).where(Account.name == "杭州新星光电有限公司"))
                    ).first() is None
                await b.page.click("#import-commit")
                assert "已导入 1 行" in await b.page.inner_text("#import-summary")
                async with app.db.session() as s:
                    account = (
                        (await s.execute(select(Account).where(Account.name == "杭州新星光电有限公司"))).scalars().one()
                    )
                assert account.created_source == "IMPORT"
                await b.open("/admin/data")
                await b.shot("data")

                # audit log, filtered by what was done
                await b.open("/admin/audit?action=approval_rules.")
                table = await b.page.inner_text("table")
                assert "approval_rules.save" in table and "staff.update" not in table
                await b.open("/admin/audit")
                table = await b.page.inner_text("table")
                assert "staff.update" in table and "import.accounts" in table
                await b.shot("audit")

                await b.open("/admin/")
                assert await b.page.locator("svg.chart").count() >= 5
                assert await b.page.locator("svg.chart rect").count() > 5
                await b.shot("dashboard_full")
            finally:
                await close()


async def test_manager_reads_dashboard_only(tmp_path):
    from tests.admin_support import MANAGER_PASSWORD

    async with running_app(tmp_path) as app:
        await make_accounts(app)
        async with serving(app) as base:
            b, close = await _browser(base)
            try:
                await b.sign_in("viewer", MANAGER_PASSWORD)
                assert "（只读）" in await b.page.inner_text("header")
                # the dashboards (overview, sales numbers, forecast), the conversations (personal data masked), the
                # leads and the sales signals: the pages a manager reads
                assert await b.page.locator("header nav a").all_inner_texts() == [
                    "仪表盘",
                    "业绩与预警",
                    "预测与赢输单",
                    "对话记录",
                    "线索",
                    "销售信号",
                ]
                response = await b.page.goto(base + "/admin/prompts/staff_system")
                assert response.status == 403
                assert "只读" in await b.page.inner_text("main")
                await b.shot("manager_refused")
            finally:
                await close()
