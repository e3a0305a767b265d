"""The services under the admin console: prompt versions, rules editor, people, import/export, hit-tests."""

from __future__ import annotations

import asyncio

import pytest
from openpyxl import Workbook
from sqlalchemy import delete, func
from sqlmodel import select

from bot.adapter import DirectoryEntry
from bot.identity import staff_ids
from bot.messages import Inbound
from bot.models import Account, AuditLog, Contact, Opportunity, PlatformIdentity
from bot.prompt_templates import default_text
from salesbot.admin import hittest, importer, people, prompt_store, rules_store
from salesbot.admin.auth import Principal
from salesbot.admin.models import PromptVersion
from tests.admin_support import make_accounts, serving, signed_in
from tests.conftest import make_settings, running_app

ADMIN = Principal(admin_id=1, username="boss", role="admin", staff_user_id=None, csrf_token="t", session_hash="h")


# --- prompts ---------------------------------------------------------------------------------


async def test_prompt_versions_publish_rollback_and_survive_a_restart(tmp_path):
    default = default_text("staff_system")
    async with running_app(tmp_path, demo=False) as app:
        v1 = await prompt_store.save_draft(app.db, ADMIN, "staff_system", default + "\n版本一")
        assert app.prompts.template("staff_system") == default  # a draft changes nothing
        await prompt_store.publish(app, ADMIN, v1.id)
        assert app.prompts.template("staff_system").endswith("版本一")
        v2 = await prompt_store.save_draft(app.db, ADMIN, "staff_system", default + "\n版本二")
        await prompt_store.publish(app, ADMIN, v2.id)
        v3 = await prompt_store.rollback(app, ADMIN, v1.id)
        assert (v3.version, v3.note) == (3, "回滚到 v1")
        assert app.prompts.template("staff_system").endswith("版本一")
        history = await prompt_store.history(app.db, "staff_system")
        assert [v.published for v in history] == [True, False, False]
        diff = prompt_store.diff_lines(v2.text, v3.text, "v2", "v3")
        assert ("del", "-版本二") in diff and ("add", "+版本一") in diff
    async with running_app(tmp_path, demo=False) as app:  # a new process starts from the files...
        assert app.prompts.template("staff_system").endswith("版本一")  # ...and its startup loads the published one
        assert await prompt_store.load_published(app) == 1
        await prompt_store.restore_default(app, ADMIN, "staff_system")
        assert app.prompts.template("staff_system") == default
        actions = [a for (a,) in (await _audit_actions(app))]
        assert actions.count("prompt.publish") == 3 and "prompt.restore_default" in actions


async def _audit_actions(app):
    async with app.db.session() as s:
        return (await s.execute(select(AuditLog.action).order_by(AuditLog.id))).all()


async def test_prompt_published_by_another_process_is_picked_up(tmp_path):
    async with running_app(tmp_path, demo=False) as app:
        sync = prompt_store.PromptSync(app)
        await sync.check()
        async with app.db.write() as s:  # what a second `salesbot serve` writes when an admin publishes there
            from bot.models import utcnow

            s.add(
                PromptVersion(
                    name="staff_system", version=1, text="来自另一个进程 {name}", published=True, published_at=utcnow()
                )
            )
        assert await sync.check() is True
        assert app.prompts.template("staff_system") == "来自另一个进程 {name}"
        assert await sync.check() is False


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "不能为空"),
        ("你好 {name", "花括号不成对"),
        ("你好 {customer_secret}", "不认识的占位符"),
    ],
)
async def test_a_prompt_that_would_not_render_is_refused(tmp_path, text, message):
    async with running_app(tmp_path, demo=False) as app:
        with pytest.raises(prompt_store.PromptError, match=message):
            await prompt_store.save_draft(app.db, ADMIN, "staff_system", text)
        assert await prompt_store.history(app.db, "staff_system") == []


async def test_trial_needs_an_llm_and_samples_parse(tmp_path):
    async with running_app(tmp_path, demo=False) as app:
        with pytest.raises(prompt_store.PromptError, match="大模型"):
            await prompt_store.trial(app, "staff_system", default_text("staff_system"))
    assert prompt_store.parse_sample_text("用户：你好\n助手：在的\nuser: 查一下华东机械") == [
        {"role": "user", "content": "你好"},
        {"role": "assistant", "content": "在的"},
        {"role": "user", "content": "查一下华东机械"},
    ]
    with pytest.raises(prompt_store.PromptError, match="用户的话结尾"):
        prompt_store.parse_sample_text("用户：你好\n助手：在的")


# --- approval rules --------------------------------------------------------------------------


async def test_rules_preview_names_the_people_and_save_puts_rules_in_force(tmp_path):
    async with running_app(tmp_path) as app:
        text = rules_store.current_text(app.settings)
        preview = await rules_store.preview(
            app,
            text,
            rules_store.PreviewRequest(
                kind="discount", discount="8折", amount="600000", customer="华东机械", requester="zhangwei"
            ),
        )
        people_named = [who for step in preview.steps for _, who, _ in step.approvers]
        assert people_named[:2] == ["王强", "陈静"]  # direct manager, then the director
        assert len(people_named) == 3  # 60 万 ≥ 50 万: finance too
        assert preview.facts.customer == "上海华东机械制造有限公司"
        auto = await rules_store.preview(app, text, rules_store.PreviewRequest(kind="discount", discount="9.6折"))
        assert auto.plan.auto_approved and not auto.steps

        with pytest.raises(rules_store.RulesError, match="不认识的审批人"):
            await rules_store.save(app.db, app.settings, ADMIN, text.replace("approver: director", "approver: ceo", 1))
        assert not rules_store.rules_path(app.settings).exists()
        assert await rules_store.history(app.db) == []

        edited = text.replace("discount_below: 85", "discount_below: 90", 1)
        row = await rules_store.save(app.db, app.settings, ADMIN, edited, "九折起总监审批")
        assert row.version == 2 and rules_store.rules_path(app.settings).read_text(encoding="utf-8") == edited
        from tools.approvals.rules import RulesStore

        assert any(r.when.discount_below == 90 for r in RulesStore(app.settings.data_dir).load().rules)
        back = await rules_store.rollback(app.db, app.settings, ADMIN, (await rules_store.history(app.db))[-1].id)
        assert back.version == 3 and rules_store.current_text(app.settings) == text
        rules = rules_store.validate(text.replace("qianfang", "no_such_user"))
        assert "no_such_user" in await rules_store.unknown_people(app.db, rules)


# --- people ----------------------------------------------------------------------------------


async def test_mapping_a_platform_id_moves_identity_at_once(tmp_path):
    async with running_app(tmp_path) as app:
        zhang = await app.staff_by_username("zhangwei")
        li = await app.staff_by_username("lina")
        inbound = Inbound(platform="wecom", msg_id="1", sender_id="u-007", conversation_id="u-007")
        # identity had cached an earlier answer for this id
        async with app.db.write() as s:
            s.add(PlatformIdentity(platform="wecom", external_id="u-007", staff_user_id=li.id))
        assert (await app.dispatcher.identity.resolve(inbound)).name == "李娜"
        # the row makes u-007 李娜's id, which the admin takes off her before giving it to 张伟 (taking
        # another person's id directly is refused, checked below)
        await people.save_staff(app, ADMIN, li.id, {"name": "李娜", "role": "rep", "active": "on"})
        form = {
            "name": "张伟",
            "role": "rep",
            "wecom_userid": "u-007",
            "manager_id": str(zhang.manager_id),
            "active": "on",
        }
        await people.save_staff(app, ADMIN, zhang.id, form)
        assert (await app.dispatcher.identity.resolve(inbound)).name == "张伟"

        with pytest.raises(people.PeopleError, match="已经对应到 张伟"):
            await people.save_staff(
                app, ADMIN, li.id, {"name": "李娜", "role": "rep", "wecom_userid": "u-007", "active": "on"}
            )
        boss = await app.staff_by_username("chenjing")
        with pytest.raises(people.PeopleError, match="汇报环"):
            await people.save_staff(
                app, ADMIN, boss.id, {"name": "陈静", "role": "manager", "manager_id": str(zhang.id), "active": "on"}
            )
        with pytest.raises(people.PeopleError, match="用户名"):
            await people.save_staff(app, ADMIN, None, {"username": "有 空格", "name": "新人"})


async def test_people_pages_show_and_edit_platform_ids(tmp_path):
    """The list and the person form show the ids (the browser test does the same in chromium, when installed)."""
    async with running_app(tmp_path) as app:
        await make_accounts(app)
        zhang = await app.staff_by_username("zhangwei")
        async with serving(app) as base, signed_in(base) as client:
            status, page = await client.get("/admin/people")
            assert status == 200 and "<td>zhangwei</td><td>dt_zhangwei</td>" in page
            status, page = await client.get(f"/admin/people/{zhang.id}")
            assert status == 200 and 'name="wecom_userid" value="zhangwei"' in page
            assert 'name="dingtalk_staff_id" value="dt_zhangwei"' in page
            status, page = await client.post(
                f"/admin/people/{zhang.id}",
                {
                    "name": "张伟",
                    "role": "rep",
                    "manager_id": str(zhang.manager_id),
                    "wecom_userid": "lina",
                    "dingtalk_staff_id": "dt_zhangwei",
                    "active": "on",
                },
            )
            assert status == 400 and "企业微信 userid lina 已经对应到 李娜（lina）" in page
            status, _page = await client.post(
                f"/admin/people/{zhang.id}",
                {
                    "name": "张伟",
                    "role": "rep",
                    "manager_id": str(zhang.manager_id),
                    "wecom_userid": "ZhangWei01",
                    "dingtalk_staff_id": "",
                    "active": "on",
                },
            )
            assert status == 200
            status, page = await client.get(f"/admin/people/{zhang.id}")
            assert 'name="wecom_userid" value="ZhangWei01"' in page and 'name="dingtalk_staff_id" value=""' in page
        assert await staff_ids(app.db, zhang.id) == {"wecom": "ZhangWei01"}
        target = await app.staff_target(zhang)
        assert (target.platform, target.user_id) == ("console", "zhangwei")  # no WeCom adapter in this app


async def test_directory_import_maps_by_name_and_creates_the_rest(tmp_path):
    async with running_app(tmp_path) as app:
        async with app.db.write() as s:  # the demo org comes mapped; start from people nobody mapped yet
            await s.execute(delete(PlatformIdentity).where(PlatformIdentity.platform == "dingtalk"))
        entries = [
            DirectoryEntry("ding-lina", "李娜"),
            DirectoryEntry("ding-new", "新同事", title="客户经理"),
            DirectoryEntry("ding-x", "王强"),
        ]
        report = await people.apply_directory(app, ADMIN, "dingtalk", entries)
        assert report.mapped == ["李娜 → ding-lina", "王强 → ding-x"] and report.created == ["新同事"]
        again = await people.apply_directory(app, ADMIN, "dingtalk", entries)
        assert len(again.unchanged) == 3 and not again.created
        actor = await app.dispatcher.identity.resolve(
            Inbound(platform="dingtalk", msg_id="2", sender_id="ding-new", conversation_id="c")
        )
        assert actor.name == "新同事"

        class FakeDingTalkApi:  # the calls the import makes, with DingTalk's answers
            async def call(self, method, path, body=None, *, legacy=False):
                if path.endswith("department/listsubid"):
                    return {"result": {"dept_id_list": [2] if body["dept_id"] == 1 else []}}
                users = {
                    1: [{"userid": "a1", "name": "甲"}],
                    2: [{"userid": "b2", "name": "乙"}, {"userid": "a1", "name": "甲"}],
                }
                return {"result": {"list": users[body["dept_id"]], "has_more": False}}

        class FakeAdapter:
            api = FakeDingTalkApi()

        app.adapters["dingtalk"] = FakeAdapter()
        fetched = await people.fetch_directory(app, "dingtalk")
        assert sorted(e.name for e in fetched) == ["乙", "甲"]
        with pytest.raises(people.PeopleError, match="企业微信没有配置"):
            await people.fetch_directory(app, "wecom")


# --- import / export -------------------------------------------------------------------------


def _csv(text: str) -> bytes:
    return text.encode("utf-8")


async def test_import_reports_every_rejected_row_and_dry_run_writes_nothing(tmp_path):
    async with running_app(tmp_path) as app:
        data = _csv(
            "公司名称,行业,客户等级,负责人\n"
            "宁波新材科技有限公司,制造业,重点,zhangwei\n"  # ok
            "华东机械,制造业,普通,\n"  # fuzzy duplicate of an existing account
            "宁波新材科技有限公司,制造业,,\n"  # duplicate of row 2
            ",零售,,\n"  # no name
            "厦门新港物流有限公司,物流,钻石,\n"  # unknown tier
            "温州新锐鞋业有限公司,制造业,,nobody\n"
        )  # unknown owner
        async with app.db.session() as s:
            before = (await s.execute(select(func.count(Account.id)))).scalar_one()
        report = await importer.run_import(app.db, ADMIN, data, "客户.csv", dry_run=True)
        assert report.kind == "accounts" and report.total == 6 and len(report.accepted) == 1
        reasons = {r.row: r.reason for r in report.rejected}
        assert reasons[3] == "与已有客户「上海华东机械制造有限公司」疑似重复"
        assert reasons[4] == "与第 2 行重复"
        assert reasons[5] == "缺少「客户名称」"
        assert "钻石" in reasons[6] and "nobody" in reasons[7]
        async with app.db.session() as s:
            assert (await s.execute(select(func.count(Account.id)))).scalar_one() == before
        done = await importer.run_import(app.db, ADMIN, data, "客户.csv", dry_run=False)
        assert done.written == 1
        async with app.db.session() as s:
            new = (await s.execute(select(Account).where(Account.name == "宁波新材科技有限公司"))).scalars().one()
        assert (new.tier, new.created_source) == ("key", "IMPORT")
        assert new.owner_id == (await app.staff_by_username("zhangwei")).id


async def test_import_contacts_and_opportunities_with_column_mapping(tmp_path):
    async with running_app(tmp_path) as app:
        contacts = _csv(
            "所属客户,联系人,手机,邮箱,角色\n金陵医药,周明,13800001111,zm@example.com,决策人\n"
            "不存在的公司,王五,,,\n金陵医药,吴六,13800001111,,\n金陵医药,郑七,,not-an-email,\n"
        )
        report = await importer.run_import(app.db, ADMIN, contacts, "联系人.csv", dry_run=False)
        assert report.kind == "contacts" and report.written == 1
        reasons = [r.reason for r in report.rejected]
        assert "客户「不存在的公司」不存在，请先导入客户" in reasons
        assert "电话与第 2 行重复" in reasons and "邮箱「not-an-email」格式不对" in reasons
        async with app.db.session() as s:
            zhou = (await s.execute(select(Contact).where(Contact.name == "周明"))).scalars().one()
        assert zhou.deal_role == "economic_buyer"

        deals = _csv(
            "客户全称,项目,阶段,预计金额,签约日\n金陵医药,二期扩容,报价,50万,2026/12/31\n"
            "金陵医药,三期,瞎写的阶段,10,\n金陵医药,四期,初步接触,abc,\n金陵医药,五期,赢单,1000,2026-13-40\n"
        )
        mapping = {"客户全称": "account", "项目": "name", "签约日": "close_date"}
        with pytest.raises(importer.ImportError_, match="没有「不存在的列」"):
            await importer.run_import(app.db, ADMIN, deals, "商机.csv", "opportunities", {"不存在的列": "name"})
        report = await importer.run_import(app.db, ADMIN, deals, "商机.csv", "opportunities", mapping, dry_run=False)
        assert report.written == 1, report.to_text()
        reasons = [r.reason for r in report.rejected]
        assert any("阶段「瞎写的阶段」不认识" in r for r in reasons)
        assert "金额「abc」不是数字" in reasons and any("2026-13-40" in r for r in reasons)
        async with app.db.session() as s:
            deal = (await s.execute(select(Opportunity).where(Opportunity.name == "二期扩容"))).scalars().one()
        assert (deal.stage, deal.amount, deal.close_date.isoformat(), deal.probability) == (
            "proposal",
            500000.0,
            "2026-12-31",
            50,
        )


async def test_contacts_import_and_export_keep_a_second_number(tmp_path):
    async with running_app(tmp_path) as app:
        contacts = _csv("所属客户,联系人,手机,座机,邮箱\n金陵医药,周明,13800001111,025-8888 6666 / 025-8888 6667,\n")
        report = await importer.run_import(app.db, ADMIN, contacts, "联系人.csv", dry_run=False)
        assert report.written == 1, report.to_text()
        async with app.db.session() as s:
            zhou = (await s.execute(select(Contact).where(Contact.name == "周明"))).scalars().one()
        assert (zhou.phone, zhou.other_phones) == ("13800001111", "025-8888 6666、025-8888 6667")
        headers, rows = await importer.export_rows(app.db, "contacts", zh=True)
        row = next(r for r in rows if r[1] == "周明")
        assert row[headers.index("其他电话")] == "025-8888 6666、025-8888 6667"


async def test_export_then_import_finds_every_row_a_duplicate(tmp_path):
    async with running_app(tmp_path) as app:
        for kind in ("accounts", "contacts", "opportunities"):
            headers, rows = await importer.export_rows(app.db, kind)
            assert rows, kind
            for name, body in (
                (f"{kind}.csv", importer.to_csv(headers, rows)),
                (f"{kind}.xlsx", importer.to_xlsx(headers, rows, kind)),
            ):
                report = await importer.run_import(app.db, ADMIN, body, name, kind, dry_run=True)
                assert not report.accepted, (name, report.accepted[:2])
                assert len(report.rejected) == len(rows)
                assert all("已有" in r.reason or "已属于" in r.reason or "重复" in r.reason for r in report.rejected)


async def test_bad_files_get_a_clear_message(tmp_path):
    async with running_app(tmp_path, demo=False) as app:
        with pytest.raises(importer.ImportError_, match="不支持 .pdf"):
            await importer.run_import(app.db, ADMIN, b"%PDF", "x.pdf")
        with pytest.raises(importer.ImportError_, match="Excel 文件打不开"):
            await importer.run_import(app.db, ADMIN, b"not a zip", "x.xlsx")
        with pytest.raises(importer.ImportError_, match="没有数据"):
            await importer.run_import(app.db, ADMIN, b"\n\n", "x.csv")
        with pytest.raises(importer.ImportError_, match="必填列"):
            await importer.run_import(app.db, ADMIN, _csv("行业,区域\n制造业,华东\n"), "x.csv", "accounts")
        gbk = "客户名称,行业\n广州测试有限公司,零售\n".encode("gb18030")  # Excel on Chinese Windows
        assert len((await importer.run_import(app.db, ADMIN, gbk, "x.csv")).accepted) == 1


async def test_import_cli_dry_run_and_real_run(tmp_path, capsys, monkeypatch):
    settings = make_settings(tmp_path)
    monkeypatch.setenv("SALESBOT_DATA_DIR", str(settings.data_dir))
    wb = Workbook()
    ws = wb.active
    ws.append(["客户名称", "行业"])
    ws.append(["杭州明湖软件有限公司", "互联网"])
    ws.append([None, "零售"])
    path = tmp_path / "客户.xlsx"
    wb.save(path)
    from salesbot.cli import main

    code = await asyncio.to_thread(main, ["import", str(path), "--dry-run"])
    out = capsys.readouterr().out
    assert code == 1 and "共 2 行，可导入 1 行，拒绝 1 行" in out and "第 3 行：缺少「客户名称」" in out
    assert "没有写入任何数据" in out
    code = await asyncio.to_thread(main, ["import", str(path)])
    assert "已导入 1 行" in capsys.readouterr().out
    code = await asyncio.to_thread(main, ["export", "accounts", str(tmp_path / "out.csv")])
    assert code == 0 and "杭州明湖软件有限公司" in (tmp_path / "out.csv").read_text(encoding="utf-8-sig")


# --- hit-tests -------------------------------------------------------------------------------


def test_batch_csv_parsing():
    assert hittest.parse_cases("query,expected\n怎么退款,退款政策\n".encode()) == [("怎么退款", "退款政策")]
    assert hittest.parse_cases("怎么退款,退款政策\n发票,3\n".encode("gb18030")) == [
        ("怎么退款", "退款政策"),
        ("发票", "3"),
    ]
    with pytest.raises(hittest.BatchError, match="第 3 行没有问题"):
        hittest.parse_cases("问题,期望文档\n怎么退款,退款政策\n,退款政策\n".encode())
    assert hittest.matches_expected("退款政策.md", 1, "退款与发票", "/x/退款政策.md")
    assert hittest.matches_expected("7", 7, "t", "s") and not hittest.matches_expected("7", 8, "t", "s")


async def test_batch_refuses_unknown_expected_documents(tmp_path):
    async with running_app(tmp_path, demo=False, knowledge=True) as app:
        with pytest.raises(hittest.BatchError, match="找不到：不存在的文档"):
            await hittest.run_batch(app.db, app.knowledge, ADMIN, "x", [("问题", "不存在的文档")])


# --- dashboard -------------------------------------------------------------------------------


async def test_dashboard_numbers_come_from_the_records(tmp_path):
    from salesbot.admin import dashboard

    async with running_app(tmp_path) as app:
        dash = await dashboard.build(app)
        async with app.db.session() as s:
            deals = (await s.execute(select(func.count(Opportunity.id)))).scalar_one()
        assert sum(n for _, n in dash.pipeline_count) == deals > 0
        assert len(dash.weeks) == 8 and dash.visits_by_rep
        assert all(len(v) == 8 for v in dash.visits_by_rep.values())
        from salesbot.admin.charts import grouped_bars, hbar

        svg = str(hbar(dash.pipeline_count, title="t<script>"))
        assert svg.count("<rect") == len(dash.pipeline_count) and "<script>" not in svg
        assert "暂无数据" in str(grouped_bars([], {}, title="x"))
