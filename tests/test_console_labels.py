"""Chinese where people read: configuration errors at startup, tool arguments in the prompt try-run, audit
sources and actions on the console, and exports with Chinese headers and values that import back."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.capabilities import ToolContext
from bot.identity import actor_for
from bot.messages import WriteSource
from bot.models import Account, AuditLog, StaffUser
from bot.schedule_config import SchedulerConfig
from bot.settings import ConfigError
from knowledge.embeddings import provider_from_setting
from salesbot.admin import importer
from salesbot.admin import prompt_store as store
from tests.admin_support import make_accounts, serving, signed_in
from tests.conftest import make_settings, running_app
from tests.fakes.openai_server import FakeOpenAI, tool_call

# --- configuration errors ----------------------------------------------------------------------------


def _run_cli(monkeypatch, tmp_path, capsys, argv, **env) -> tuple[int, str]:
    from salesbot.cli import main

    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv("SALESBOT_DATA_DIR", str(tmp_path / "data"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code = main(argv)
    return code, capsys.readouterr().err


def _no_english(message: str) -> None:
    for english in ("configuration error", "half-configured", "expected a", "must ", "unknown ", " needs ", "set "):
        assert english not in message, (english, message)


def test_half_configured_channel_at_startup_says_so_in_chinese(tmp_path, monkeypatch, capsys):
    code, err = _run_cli(monkeypatch, tmp_path, capsys, ["demo"], WECOM_CORP_ID="ww1", WECOM_SECRET="s")
    assert code == 2
    assert err.startswith("配置错误：企业微信自建应用只配了一半：还缺 WECOM_AGENT_ID、WECOM_TOKEN"), err
    assert "不用这个渠道的话，把 WECOM_CORP_ID、WECOM_SECRET 删掉" in err
    _no_english(err)


def test_a_setting_of_the_wrong_type_gets_a_chinese_message_not_a_traceback(tmp_path, monkeypatch, capsys):
    code, err = _run_cli(monkeypatch, tmp_path, capsys, ["demo"], SALESBOT_LEAD_RESPONSE_MINUTES="两小时")
    assert code == 2 and err.strip() == "配置错误：SALESBOT_LEAD_RESPONSE_MINUTES=两小时 不对：要写整数"
    monkeypatch.delenv("SALESBOT_LEAD_RESPONSE_MINUTES")
    code, err = _run_cli(
        monkeypatch, tmp_path, capsys, ["demo"], DINGTALK_CLIENT_ID="id", DINGTALK_CLIENT_SECRET="s",
        DINGTALK_STREAM_IDLE_TIMEOUT="一分钟",
    )  # fmt: skip
    assert code == 2 and "DINGTALK_STREAM_IDLE_TIMEOUT=一分钟 不对：要写数字" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "env, expected",
    [
        ({"SALESBOT_WORK_HOURS": "25:00"}, "SALESBOT_WORK_HOURS=25:00 不对：要写成 08:30-18:00 这样的时间段"),
        ({"SALESBOT_WORK_HOURS": "20:00-07:00"}, "SALESBOT_WORK_HOURS=20:00-07:00 不对：上班时间不能跨过半夜"),
        ({"SALESBOT_QUIET_HOURS": "22:00"}, "SALESBOT_QUIET_HOURS=22:00 不对：要写成 21:00-08:00 这样的时间段"),
        ({"SALESBOT_QUIET_HOURS": "22:00-22:00"}, "开始和结束是同一个时间"),
        ({"SALESBOT_REMINDER_TIME": "8点"}, "SALESBOT_REMINDER_TIME=8点 不对：要写成 08:30 这样的时间"),
        ({"SALESBOT_TIMEZONE": "Mars/Base"}, "SALESBOT_TIMEZONE=Mars/Base 不对：没有这个时区"),
        ({"SALESBOT_ESCALATE_AFTER_WORKDAYS": "0"}, "SALESBOT_ESCALATE_AFTER_WORKDAYS=0 不对：至少要 1 个工作日"),
        ({"SALESBOT_NUDGE_LEAD_MINUTES": "600"}, "SALESBOT_NUDGE_LEAD_MINUTES=600 不对：要在 0 到 240 分钟之间"),
        ({"SALESBOT_STALLED_DAYS": "won=3"}, "SALESBOT_STALLED_DAYS 里的阶段「won」不认识"),
        ({"SALESBOT_STALLED_DAYS": "proposal=0"}, "SALESBOT_STALLED_DAYS 里 proposal 的天数要写 1 或更大的整数"),
    ],
)
def test_scheduler_settings_errors_are_chinese(tmp_path, env, expected):
    with pytest.raises(ConfigError) as err:
        SchedulerConfig.from_settings(make_settings(tmp_path, **env))
    assert expected in str(err.value)
    _no_english(str(err.value))


def test_embeddings_and_dingtalk_mode_errors_are_chinese(tmp_path, monkeypatch, capsys):
    with pytest.raises(ConfigError, match="SALESBOT_EMBEDDINGS=openai:bge-m3 需要先配置 OPENAI_BASE_URL"):
        provider_from_setting("openai:bge-m3")
    with pytest.raises(ConfigError, match="SALESBOT_EMBEDDINGS=bge 不对：要写 offline、static 或 openai:模型名"):
        provider_from_setting("bge")
    code, err = _run_cli(
        monkeypatch, tmp_path, capsys, ["demo"], DINGTALK_CLIENT_ID="id", DINGTALK_CLIENT_SECRET="s",
        DINGTALK_MODE="webhook",
    )  # fmt: skip
    assert code == 2 and err.strip().endswith("\n配置错误：DINGTALK_MODE=webhook 不对：要写 stream 或 http"), err
    assert "Traceback" not in err


# --- the prompt try-run ------------------------------------------------------------------------------


async def test_try_run_shows_tool_arguments_in_chinese(tmp_path):
    async with (
        FakeOpenAI() as llm,
        running_app(tmp_path, OPENAI_BASE_URL=llm.base_url, OPENAI_API_KEY="t", SALESBOT_LLM_MODEL="fake") as app,
    ):
        await make_accounts(app)
        llm.responder = lambda body: tool_call("log_visit", account_name="华东机械", summary="谈了二期方案")
        draft = await store.published_text(app.db, "staff_system")
        async with serving(app) as base, signed_in(base) as c:
            await c.get("/admin/prompts/staff_system")
            status, page = await c.post("/admin/prompts/staff_system/trial", {"text": draft})
        assert status == 200
        assert "华东机械" in page and "谈了二期方案" in page
        assert "\\u534e" not in page and "\\u" not in page.split("trial-table", 1)[-1]
        assert "（销售）" in page  # the sample's role, not "rep"


# --- audit sources and actions -----------------------------------------------------------------------


async def test_audit_page_shows_labels_for_sources_actions_and_records(tmp_path):
    async with running_app(tmp_path) as app:
        await make_accounts(app)
        rep = actor_for(await app.staff_by_username("zhangwei"))
        async with app.db.write() as s:
            for source, action in (
                (WriteSource.AGENT, "visit.create"),
                (WriteSource.SYSTEM, "approval.remind"),
                (WriteSource.MANUAL, "task.done"),
            ):
                ctx = ToolContext(app, rep, "console:zhangwei")
                ctx.source = source
                s.add(ctx.audit(action, "visit", 7, summary="谈了二期", contacts=["李总", "王工"]))
            s.add(AuditLog(source="IMPORT", action="import.accounts", record_type="account", detail={}))
        async with serving(app) as base, signed_in(base) as c:
            status, page = await c.get("/admin/audit")
        assert status == 200
        table = page.split("<table>", 1)[1]
        for label in ("AI 助手", "系统", "手工", "导入"):
            assert f"<td>{label}</td>" in table, label
        for code in ("AGENT", "SYSTEM", "IMPORT", ">MANUAL<"):
            assert code not in table, code
        assert "拜访：记录" in table and "审批：超时催办" in table and "待办：完成" in table and "导入客户" in table
        assert "visit.create" in table  # the code stays next to the label: the filter takes codes
        assert "拜访 #7" in table and "contacts=[&#34;李总&#34;, &#34;王工&#34;]" in table


# --- exports with Chinese headers and values ---------------------------------------------------------


async def _staff(app) -> list[StaffUser]:
    async with app.db.session() as s:
        return list((await s.execute(select(StaffUser))).scalars())


async def _tiers(app) -> dict[str, str]:
    async with app.db.session() as s:
        return {a.name: a.tier for a in (await s.execute(select(Account))).scalars()}


async def test_zh_headers_export_has_chinese_headers_and_tiers_and_imports_back(tmp_path, monkeypatch, capsys):
    from salesbot.cli import main

    async with running_app(tmp_path) as app:
        tiers = await _tiers(app)
        staff = [(u.username, u.name, u.role) for u in await _staff(app)]
        assert {"key", "standard"} <= set(tiers.values())
        settings = app.settings
    monkeypatch.setenv("SALESBOT_DATA_DIR", str(settings.data_dir))
    plain, zh = tmp_path / "accounts.csv", tmp_path / "客户.csv"
    assert await asyncio.to_thread(main, ["export", "accounts", str(plain)]) == 0
    assert await asyncio.to_thread(main, ["export", "accounts", str(zh), "--zh-headers"]) == 0
    capsys.readouterr()

    code_rows = list(csv.reader(io.StringIO(plain.read_text(encoding="utf-8-sig"))))
    assert code_rows[0] == ["name", "short_name", "industry", "region", "tier", "owner", "address", "notes"]
    assert {r[4] for r in code_rows[1:]} == set(tiers.values())  # codes for programs
    zh_rows = list(csv.reader(io.StringIO(zh.read_text(encoding="utf-8-sig"))))
    assert zh_rows[0] == ["客户名称", "简称", "行业", "区域", "客户等级", "负责人", "地址", "备注"]
    shown = {r[0]: r[4] for r in zh_rows[1:]}
    label = {"key": "重点客户", "standard": "普通客户", "vip": "VIP"}
    assert shown == {name: label[t] for name, t in tiers.items()}
    assert {"重点客户", "普通客户"} <= set(shown.values())

    # both files import back into an empty data dir with the same tiers
    for path in (zh, plain):
        async with running_app(tmp_path / path.stem, demo=False) as fresh:
            async with fresh.db.write() as s:  # the owners the file names
                for username, name, role in staff:
                    s.add(StaffUser(username=username, name=name, role=role))
            report = await importer.run_import(fresh.db, None, path.read_bytes(), path.name, dry_run=False)
            assert report.kind == "accounts" and not report.rejected, report.to_text()
            assert await _tiers(fresh) == tiers


async def test_zh_headers_for_contacts_and_opportunities_import_back(tmp_path):
    async with running_app(tmp_path) as app:
        for kind in ("contacts", "opportunities"):
            headers, rows = await importer.export_rows(app.db, kind, zh=True)
            assert headers == [label for label, _ in importer.FIELDS[kind].values()]
            codes = {"proposal", "negotiation", "economic_buyer", "champion"}
            assert not codes & {str(v) for row in rows for v in row}, kind
            report = await importer.run_import(app.db, None, importer.to_csv(headers, rows), "x.csv", dry_run=True)
            # recognised as the same kind, every row a duplicate of what is there (nothing misread)
            assert report.kind == kind and not report.accepted
            assert all("已有" in r.reason or "已属于" in r.reason for r in report.rejected), report.to_text()


async def test_console_export_option(tmp_path):
    async with running_app(tmp_path) as app:
        await make_accounts(app)
        async with serving(app) as base, signed_in(base) as c:
            status, page = await c.get("/admin/data")
            assert 'name="zh"' in page and "中文表头" in page
            async with c.http.get(base + "/admin/data/export?kind=accounts&fmt=xlsx&zh=1") as r:
                assert r.status == 200
                book = load_workbook(io.BytesIO(await r.read()))
            async with c.http.get(base + "/admin/data/export?kind=accounts&fmt=csv") as r:
                plain = (await r.read()).decode("utf-8-sig")
            async with c.http.get(base + "/admin/data/export?kind=nope&fmt=csv") as r:
                assert r.status == 404
        rows = list(book.worksheets[0].iter_rows(values_only=True))
        assert rows[0][4] == "客户等级" and {r[4] for r in rows[1:]} >= {"重点客户", "普通客户"}
        assert plain.splitlines()[0].startswith("name,short_name") and ",key," in plain
