"""Transcript → suggestions → confirmation → CRM, through the console (offline and with the fake LLM)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import func, select

from bot.messages import Attachment, Inbound, InboundKind
from bot.models import Account, AuditLog, Contact, Opportunity, Task, Visit
from tests.conftest import ConsoleClient, running_app
from tools.autofill import expire_and_remind
from tools.autofill.models import AutofillBatch, FieldSuggestion

DATA = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "autofill"
HUADONG = (DATA / "01_huadong_onsite.txt").read_text(encoding="utf-8")


async def rows(app, model, *where):
    async with app.db.session() as s:
        return list((await s.execute(select(model).where(*where))).scalars().all())


async def count(app, model, *where) -> int:
    async with app.db.session() as s:
        return (await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def huadong(app) -> tuple[Account, Opportunity]:
    account = (await rows(app, Account, Account.short_name == "华东机械"))[0]
    opp = (await rows(app, Opportunity, Opportunity.account_id == account.id))[0]
    return account, opp


@pytest.fixture
async def offline_app(tmp_path):
    """Demo data with 华东机械's deal open at a known state, so the diff is predictable."""
    async with running_app(tmp_path) as app:
        await open_deal(app)
        yield app


async def open_deal(app) -> None:
    account, opp = await huadong(app)
    async with app.db.write() as s:
        row = await s.get(Opportunity, opp.id)
        row.stage, row.probability, row.seats, row.budget, row.amount = "proposal", 50, 100, None, 800000.0
        row.close_date, row.competitors, row.name = date(2026, 12, 31), [], "华东机械二期扩容"


async def crm_snapshot(app) -> tuple:
    return tuple([await count(app, m) for m in (Account, Contact, Opportunity, Visit, Task)])


async def test_offline_transcript_to_confirmed_crm_update(offline_app):
    app = offline_app
    account, opp = await huadong(app)
    before = await crm_snapshot(app)
    rep = ConsoleClient(app, "zhangwei")
    out = await rep.say("/纪要 " + HUADONG)
    assert "离线模式" in out and "确认后才会写入" in out
    assert "账号数" in out and "120" in out and "客户预算" in out and "50 万" in out
    assert "「王芳：哦不对" in out  # the evidence is on the card
    assert await crm_snapshot(app) == before  # nothing written before a human decides
    suggestions = await rows(app, FieldSuggestion)
    assert suggestions and all(s.status == "pending" and s.evidence for s in suggestions)
    close = next(s for s in suggestions if s.field == "close_date")
    assert close.protected and close.new_value == "2026-12-10"
    seats = next(s for s in suggestions if s.field == "seats")
    assert seats.new_value == 120 and "100" in seats.note  # the correction overrides the earlier number

    out = await rep.say("c1")  # the card's first button: accept all
    assert "已写入" in out and "已接受" in out
    account, opp = await huadong(app)
    assert opp.seats == 120 and opp.budget == 500000 and opp.close_date == date(2026, 12, 10)
    assert "纷享销客" in opp.competitors
    assert opp.updated_source == "AGENT" and opp.updated_by_id is not None
    contacts = await rows(app, Contact, Contact.account_id == account.id, Contact.name == "王芳")
    assert contacts[0].phone == "13912345678" and contacts[0].email == "wangfang@hdjx.com.cn"
    assert contacts[0].created_source == "AGENT" and contacts[0].source_message_id is not None
    visits = await rows(app, Visit, Visit.account_id == account.id, Visit.visit_date == date(2026, 11, 20))
    assert len(visits) == 1 and visits[0].created_source == "AGENT"
    tasks = await rows(app, Task, Task.account_id == account.id, Task.idempotency_key.like("autofill:%"))
    assert {t.due_date for t in tasks} >= {date(2026, 11, 25), date(2026, 11, 27)}
    applied = await rows(app, AuditLog, AuditLog.action == "autofill.apply")
    assert applied and all(a.source == "AGENT" and a.detail["evidence"] and a.detail["confirmed_by"] for a in applied)
    assert all(
        a.detail["transcript_message_id"] != a.message_id for a in applied
    )  # from which message, confirmed in which
    assert (await rows(app, AutofillBatch))[0].status == "done"
    again = await rep.say("c1")
    assert "已经处理完" in again or "失效" in again or again == ""
    assert len(await rows(app, Task, Task.idempotency_key.like("autofill:%"))) == len(tasks)


async def test_accept_some_edit_with_reason_reject_with_reason(offline_app):
    app = offline_app
    account, opp = await huadong(app)
    old_amount = opp.amount
    rep = ConsoleClient(app, "zhangwei")
    await rep.say("/纪要 " + HUADONG)
    sug = {s.field: s for s in await rows(app, FieldSuggestion) if s.action == "update"}
    seats, budget, close = sug["seats"].seq, sug["budget"].seq, sug["close_date"].seq
    out = await rep.say(f"接受 {seats}")
    assert "已写入 1 条" in out and "待确认" in out
    out = await rep.say(f"修改 {budget} 四十八万 原因：客户说五十万含税，不含税是四十八万")
    assert "48 万" in out
    out = await rep.say(f"拒绝 {close} 原因：只是客户的希望，还没走流程")
    assert "不写入" in out
    account, opp = await huadong(app)
    assert opp.seats == 120 and opp.budget == 480000 and opp.amount == old_amount
    assert opp.close_date != date(2026, 12, 10)  # rejected: the protected field is untouched
    edited = (await rows(app, FieldSuggestion, FieldSuggestion.seq == budget))[0]
    assert edited.status == "edited" and edited.edited_value == 480000 and "含税" in edited.reason
    rejected = (await rows(app, FieldSuggestion, FieldSuggestion.seq == close))[0]
    assert rejected.status == "rejected" and "还没走流程" in rejected.reason and rejected.decided_by_id
    audit = await rows(app, AuditLog, AuditLog.action == "autofill.reject")
    assert audit[0].detail["reason"] == "只是客户的希望，还没走流程"
    out = await rep.say("修改 99 10万")
    assert "没有第 99 条" in out


async def test_stale_value_is_not_overwritten(offline_app):
    app = offline_app
    rep = ConsoleClient(app, "zhangwei")
    await rep.say("/纪要 " + HUADONG)
    seats = next(s for s in await rows(app, FieldSuggestion) if s.field == "seats")
    async with app.db.write() as s:  # a colleague edits the deal meanwhile
        opp = await s.get(Opportunity, seats.record_id)
        opp.seats = 300
    out = await rep.say(f"接受 {seats.seq}")
    assert "没写入" in out and "300" in out
    async with app.db.session() as s:
        assert (await s.get(Opportunity, seats.record_id)).seats == 300
    assert (await rows(app, FieldSuggestion, FieldSuggestion.id == seats.id))[0].status == "conflict"


UNKNOWN = """客户：深圳蓝海智能科技有限公司
会议时间：2026年11月19日
参会：蓝海智能 赵总（总经理）、孙倩（IT经理）；我方 张伟
赵总：我们是做智能硬件的，销售大概八十人，现在用的是Excel加微信。
赵总：预算的话，二十万以内吧。
孙倩：先开六十个账号试试，我的手机是13622223333。
张伟：好的，下周一前我把方案和报价发给孙经理。
"""


async def test_unknown_company_is_offered_never_created_silently(offline_app):
    app = offline_app
    before = await crm_snapshot(app)
    rep = ConsoleClient(app, "zhangwei")
    out = await rep.say("/纪要 " + UNKNOWN)
    assert "新建客户：深圳蓝海智能科技有限公司" in out
    assert await crm_snapshot(app) == before
    contact = next(s for s in await rows(app, FieldSuggestion) if s.record_type == "contact")
    out = await rep.say(f"接受 {contact.seq}")  # a contact before its account: refused, nothing written
    assert "客户还没建" in out
    assert (await rows(app, FieldSuggestion, FieldSuggestion.id == contact.id))[0].status == "pending"
    assert await crm_snapshot(app) == before
    out = await rep.say("全部接受")
    account = (await rows(app, Account, Account.name == "深圳蓝海智能科技有限公司"))[0]
    assert account.created_source == "AGENT" and account.owner_id is not None
    opp = (await rows(app, Opportunity, Opportunity.account_id == account.id))[0]
    assert opp.budget == 200000 and opp.seats == 60
    phones = {c.phone for c in await rows(app, Contact, Contact.account_id == account.id)}
    assert "13622223333" in phones


async def test_rejecting_new_account_rejects_its_dependents(offline_app):
    app = offline_app
    before = await crm_snapshot(app)
    rep = ConsoleClient(app, "zhangwei")
    await rep.say("/纪要 " + UNKNOWN)
    await rep.say("拒绝 1 原因：这家已经合并到别的客户了")
    assert await crm_snapshot(app) == before
    assert all(s.status == "rejected" for s in await rows(app, FieldSuggestion))
    assert (await rows(app, AutofillBatch))[0].status == "done"


@pytest.mark.parametrize(
    "content, expected",
    [
        ("", "太短"),
        ("嗯嗯好的", "太短"),
        ("\ufffd\ufffd锟斤拷\ufffd\ufffd\x01\x02烫烫烫\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd" * 3, "乱码"),
        ("今天天气不错，大家中午一起去吃了面，下午开了周会，讨论了年会节目安排。", "没找到能更新到 CRM"),
    ],
)
async def test_empty_garbled_or_irrelevant_transcript_writes_nothing(offline_app, content, expected):
    app = offline_app
    rep = ConsoleClient(app, "zhangwei")
    out = await rep.say("/纪要 " + content if content else "/纪要")
    if content:
        assert expected in out
    else:
        assert "用法" in out
    assert await count(app, AutofillBatch) == 0 and await count(app, FieldSuggestion) == 0


async def test_file_that_is_not_text_is_refused(offline_app):
    app = offline_app
    console = app.adapters["console"]
    rep = ConsoleClient(app, "zhangwei")
    png = Inbound(
        platform="console",
        msg_id="f-png",
        sender_id="zhangwei",
        conversation_id="zhangwei",
        kind=InboundKind.FILE,
        attachments=[Attachment("会议照片.png", "image/png", data=b"\x89PNG\r\n\x1a\n\x00\x00")],
    )
    out = await rep.deliver(png)
    assert "不是我能读的会议记录格式" in out
    fake_txt = Inbound(
        platform="console",
        msg_id="f-bin",
        sender_id="zhangwei",
        conversation_id="zhangwei",
        kind=InboundKind.FILE,
        attachments=[Attachment("纪要.txt", data=b"PK\x03\x04\x00\x00binary\x00")],
    )
    out = await rep.deliver(fake_txt)
    assert "不是文本" in out
    assert await count(app, AutofillBatch) == 0
    assert console is not None


async def test_docx_and_long_paste_are_read(offline_app, tmp_path):
    import docx

    app = offline_app
    doc = docx.Document()
    for line in HUADONG.splitlines():
        doc.add_paragraph(line)
    path = tmp_path / "纪要.docx"
    doc.save(path)
    rep = ConsoleClient(app, "zhangwei")
    out = await rep.deliver(
        Inbound(
            platform="console",
            msg_id="f-docx",
            sender_id="zhangwei",
            conversation_id="zhangwei",
            kind=InboundKind.FILE,
            attachments=[Attachment("纪要.docx", data=path.read_bytes())],
        )
    )
    assert "《纪要.docx》" in out and "账号数" in out
    # a paste over 4000 characters goes straight to the long-text handler
    filler = "\n".join(f"张伟：第{i}个问题我们也记下了，回头统一答复。" for i in range(220))
    out = await rep.say(HUADONG + "\n" + filler)
    assert "CRM 更新建议" in out
    batches = await rows(app, AutofillBatch)
    assert [b.input_kind for b in batches] == ["file", "text"] and batches[1].transcript_chars > 4000


async def test_conflicting_values_are_flagged_and_wait_for_a_human(offline_app):
    app = offline_app
    account, opp = await huadong(app)
    transcript = (
        "会议时间：2026年11月20日\n参会：华东机械 李总\n"
        "李总：今年预算是八十万。\n张伟：好的。\n李总：预算的话财务那边最后批的是六十五万。\n"
        "张伟：明白，下周二前我们把报价发过来。"
    )
    rep = ConsoleClient(app, "zhangwei")
    out = await rep.say("/纪要 " + transcript)
    budget = next(s for s in await rows(app, FieldSuggestion) if s.field == "budget")
    assert budget.new_value == 650000 and "80 万" in budget.note  # the later value wins, the earlier is shown
    assert "80 万" in out
    account, opp2 = await huadong(app)
    assert opp2.budget == opp.budget  # still nothing written


async def test_expiry_reminds_then_expires_without_writing(offline_app):
    app = offline_app
    rep = ConsoleClient(app, "zhangwei")
    await rep.say("/纪要 " + HUADONG)
    before = await crm_snapshot(app)
    assert await expire_and_remind(app) == 0
    app.clock.advance(hours=25)
    lines = len(app.console_lines)
    assert await expire_and_remind(app) == 1
    await app.drain()
    assert any("还没确认" in line for line in app.console_lines[lines:])
    assert await expire_and_remind(app) == 0  # reminded once
    app.clock.advance(hours=48)
    assert await expire_and_remind(app) == 1
    await app.drain()
    assert any("已过期" in line for line in app.console_lines[lines:])
    assert {s.status for s in await rows(app, FieldSuggestion)} == {"expired"}
    assert await crm_snapshot(app) == before
    out = await rep.say("/纪要 全部接受")
    assert await crm_snapshot(app) == before and "没有待确认" in out


async def test_other_reps_account_gets_a_clear_no(offline_app):
    app = offline_app
    rep = ConsoleClient(app, "chenmin")  # 华南 rep; 华东机械 belongs to 张伟
    out = await rep.say("/纪要 " + HUADONG)
    assert "张伟负责" in out and "没写任何东西" in out
    assert await count(app, AutofillBatch) == 0
