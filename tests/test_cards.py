"""Business cards: a card photo becomes a contact proposal, read offline; nothing is saved before 确认.

The photos are rendered by benchmarks/render_cards.py (the benchmark's own renderer, with its photo noise) once
per test session; the OCR engine is built once per process (tools/cards/ocr.py), so the reads stay quick.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest
from sqlmodel import select

from adapters.dingtalk.stream import CARD_TOPIC
from benchmarks.render_cards import render
from bot.models import Account, AuditLog, Contact
from tests.conftest import ConsoleClient, running_app
from tests.fakes.dingtalk import FakeDingTalk
from tests.fakes.openai_server import text, tool_call
from tests.fakes.wecom import card_event_xml, image_xml
from tests.wecom_support import CORP_ID, wecom_rig
from tools.cards.models import BusinessCard
from tools.cards.ocr import read_lines, read_lines_sync
from tools.cards.parse import UNCLEAR_SCORE, Line, parse_card
from tools.proposals.models import Proposal

# a customer the demo CRM has (上海华东机械制造有限公司, zhangwei's), with every kind of distractor
HUADONG_CARD = {
    "id": "t-huadong",
    "layout": "horizontal",
    "name": "李建明",
    "title": "采购经理",
    "company": "上海华东机械制造有限公司",
    "phones": ["13816672209", "021-5892 3366 转 8012"],
    "email": "lijm@huadong-mach.com",
    "address": "上海市嘉定区安亭镇墨玉路185号",
    "website": "www.huadong-mach.com",
    "notes": ["华东机械", "匠心制造 服务全球", "扫码关注公众号", "微信同号"],
}
# a company the CRM does not have, on a two-column card under a parent-group header
NEW_CARD = {
    "id": "t-new",
    "layout": "two-column",
    "name": "严志强",
    "title": "总经理",
    "company": "恒泰纺织股份有限公司",
    "phones": ["0512-6588 3100", "13905126688"],
    "email": "yanzq@hengtai-tex.com",
    "address": "江苏省苏州市吴江区盛泽镇纺织路88号",
    "website": "",
    "notes": ["恒泰控股集团成员企业", "恒泰"],
}
# the Chinese front and the English back in one photo: the romanised name is not the name
ENGLISH_BACK = {
    "id": "t-en",
    "layout": "english-back",
    "name": "周婧",
    "title": "销售经理",
    "company": "上海联拓医疗器械有限公司",
    "phones": ["021-5892 3366 转 605", "13661827730"],
    "email": "zhoujing@liantuo-med.com",
    "address": "上海市浦东新区张江路1238弄5号楼",
    "website": "",
    "notes": ["联拓医疗", "关注公众号获取产品手册"],
}


@pytest.fixture(scope="session")
def photos() -> dict[str, bytes]:
    return {card["id"]: render(card) for card in (HUADONG_CARD, NEW_CARD, ENGLISH_BACK)}


def fields_of(photo: bytes):
    return parse_card(read_lines_sync(photo))


# --- reading ---------------------------------------------------------------------------------------


def test_a_card_photo_is_read_with_its_distractors_left_out(photos):
    got = fields_of(photos["t-huadong"])
    assert (got.name, got.title, got.company) == ("李建明", "采购经理", "上海华东机械制造有限公司")
    assert got.phones == ["13816672209", "021-58923366转8012"]  # the mobile as digits, 微信同号 dropped
    assert got.email == "lijm@huadong-mach.com" and got.website == "www.huadong-mach.com"
    assert got.address == "上海市嘉定区安亭镇墨玉路185号"
    # logo text, slogan and the QR caption are on the photo but in no field
    read = "\n".join(got.lines)
    assert "匠心制造" in read and "扫码关注公众号" in read
    assert not any("匠心" in str(v) or "扫码" in str(v) for v in got.as_dict().values())


def test_a_parent_group_header_is_not_the_company(photos):
    got = fields_of(photos["t-new"])
    assert any("集团成员企业" in line for line in got.lines)
    assert got.company == "恒泰纺织股份有限公司" and got.name == "严志强" and got.title == "总经理"
    assert set(got.phones) == {"0512-65883100", "13905126688"}


def test_the_english_back_side_does_not_replace_the_chinese_front(photos):
    got = fields_of(photos["t-en"])
    assert any("Zhou" in line for line in got.lines)  # the back side was read…
    assert got.name == "周婧" and got.title == "销售经理"  # …but the fields are the front's
    assert got.company == "上海联拓医疗器械有限公司"
    assert len(got.phones) == 2  # the same numbers on both sides count once


def test_unclear_fields_are_marked_never_guessed():
    lines = [
        Line("上海华东机械制造有限公司", (300, 40, 700, 80), 0.99),
        Line("李建明", (60, 120, 220, 190), UNCLEAR_SCORE - 0.2),  # the recogniser is unsure of the name
        Line("采购经理", (260, 150, 380, 185), 0.98),
        Line("手机:138166722O9", (60, 230, 400, 260), 0.55),  # a smudged number
        Line("邮箱:lijm@huadong-mach.com", (60, 270, 500, 300), 0.97),
    ]
    got = parse_card(lines)
    assert got.name is None and "name" in got.unclear
    assert got.phones == [] and "phones" in got.unclear
    assert got.title == "采购经理" and got.email == "lijm@huadong-mach.com"


def test_a_photo_that_is_no_card_reads_as_empty():
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (400, 300), (30, 120, 200)).save(buf, "JPEG")
    assert parse_card(read_lines_sync(buf.getvalue())).is_empty()


async def test_ocr_runs_off_the_event_loop(photos):
    """While a photo is read the loop keeps serving: a ticker keeps ticking."""
    ticks = 0
    loop_thread = threading.get_ident()
    seen_threads = []

    async def ticker():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    import tools.cards.ocr as ocr

    original = ocr.read_lines_sync

    def spy(data):
        seen_threads.append(threading.get_ident())
        return original(data)

    task = asyncio.create_task(ticker())
    ocr.read_lines_sync = spy
    try:
        started = time.perf_counter()
        await read_lines(photos["t-en"])
        elapsed = time.perf_counter() - started
    finally:
        ocr.read_lines_sync = original
        task.cancel()
    assert seen_threads and seen_threads[0] != loop_thread
    assert ticks >= max(1, int(elapsed / 0.02) // 3)


# --- chat: console ---------------------------------------------------------------------------------


async def rows(app, model, *where):
    async with app.db.session() as s:
        return (await s.execute(select(model).where(*where))).scalars().all()


async def test_console_card_photo_to_contact_on_the_existing_customer(tmp_path, photos):
    path = tmp_path / "card.jpg"
    path.write_bytes(photos["t-huadong"])
    async with running_app(tmp_path) as app:
        rep = ConsoleClient(app, "zhangwei")
        before = len(await rows(app, Contact))
        shown = await rep.say(str(path))
        assert "名片识别好了" in shown and "存名片联系人：李建明 · 采购经理" in shown
        assert "关联客户：上海华东机械制造有限公司" in shown and "13816672209" in shown
        assert "[c1] 确认" in shown and "[c2] 修改" in shown and "[c3] 取消" in shown
        assert len(await rows(app, Contact)) == before  # nothing written before 确认

        done = await rep.say("是")
        assert "已存联系人：李建明，客户：上海华东机械制造有限公司" in done
        (huadong,) = await rows(app, Account, Account.name == "上海华东机械制造有限公司")
        (contact,) = await rows(app, Contact, Contact.name == "李建明")
        assert contact.account_id == huadong.id and contact.phone == "13816672209"
        assert contact.other_phones == "021-58923366转8012"  # the desk line stays on the contact too
        assert contact.title == "采购经理" and contact.created_source == "AGENT"
        (card,) = await rows(app, BusinessCard)
        assert card.contact_id == contact.id and card.address == "上海市嘉定区安亭镇墨玉路185号"
        assert card.phones == ["13816672209", "021-58923366转8012"]
        assert "不会重复写" in await rep.say("是")
        assert len(await rows(app, Contact, Contact.name == "李建明")) == 1  # a second 「是」 writes nothing


async def test_a_new_customer_is_offered_in_the_same_confirmation_and_a_correction_is_recorded(tmp_path, photos):
    path = tmp_path / "new card.jpg"
    path.write_bytes(photos["t-new"])
    async with running_app(tmp_path) as app:
        rep = ConsoleClient(app, "zhangwei")
        shown = await rep.say(f'"{path}"')
        assert "新客户：恒泰纺织股份有限公司（CRM 里还没有，确认后一并新建，负责人是你）" in shown
        assert await rows(app, Account, Account.name == "恒泰纺织股份有限公司") == []

        revised = await rep.say("姓名改成严志刚")
        assert "存名片联系人：严志刚 · 总经理" in revised and "改的原因" in revised
        assert "记下了原因" in await rep.say("OCR 把刚认成了强")
        done = await rep.say("是")
        assert "已新建客户「恒泰纺织股份有限公司」" in done and "已存联系人：严志刚" in done
        (account,) = await rows(app, Account, Account.name == "恒泰纺织股份有限公司")
        (contact,) = await rows(app, Contact, Contact.name == "严志刚")
        assert contact.account_id == account.id and account.owner_id is not None
        (p,) = await rows(app, Proposal, Proposal.status == "confirmed")
        assert p.corrections == [
            {
                "tool": "save_card_contact",
                "field": "name",
                "label": "姓名",
                "old": "严志强",
                "new": "严志刚",
                "reason": "OCR 把刚认成了强",
            }
        ]
        audits = await rows(app, AuditLog, AuditLog.action == "proposal.corrected")
        assert audits and audits[0].detail["reason"] == "OCR 把刚认成了强"


async def test_a_customer_photo_is_not_read_and_a_broken_image_is_explained(tmp_path):
    path = tmp_path / "broken.png"
    path.write_bytes(b"not an image at all")
    async with running_app(tmp_path) as app:
        rep = ConsoleClient(app, "zhangwei")
        answer = await rep.say(str(path))
        assert "这张图片打不开" in answer
        assert await rows(app, Proposal) == []


# --- chat: WeCom and DingTalk ----------------------------------------------------------------------


async def test_wecom_image_message_becomes_a_proposal_card_and_confirm_writes_once(tmp_path, photos):
    async with wecom_rig(tmp_path, demo=True) as rig:
        rig.qyapi.add_media("MEDIA-card-1", photos["t-huadong"], "image/jpeg")
        await rig.sender.post_xml(image_xml(CORP_ID, "zhangwei", "MEDIA-card-1", "img-1"))
        await rig.settle()
        assert rig.qyapi.calls_to("media/get")[0]["params"]["media_id"] == "MEDIA-card-1"
        cards = [b for b in rig.qyapi.sends() if b["msgtype"] == "template_card"]
        assert len(cards) == 1
        card = cards[0]["template_card"]
        assert card["task_id"].startswith("proposal-")
        assert [b["key"] for b in card["button_list"]] == ["confirm", "edit", "cancel"]
        assert "李建明" in json.dumps(card, ensure_ascii=False)
        assert await rows(rig.app, Contact, Contact.name == "李建明") == []

        click = card_event_xml(CORP_ID, "zhangwei", card["task_id"], "confirm", "RC-card", 1700000300)
        await rig.sender.post_xml(click)
        await rig.sender.post_xml(click)  # WeCom redelivers: one write
        await rig.settle()
        (contact,) = await rows(rig.app, Contact, Contact.name == "李建明")
        assert contact.phone == "13816672209"
        assert len(await rows(rig.app, BusinessCard)) == 1


async def test_dingtalk_picture_becomes_a_proposal_card_and_the_press_writes(tmp_path, photos):
    fake = FakeDingTalk()
    await fake.start()
    try:
        env = {
            "DINGTALK_CLIENT_ID": fake.client_id,
            "DINGTALK_CLIENT_SECRET": fake.client_secret,
            "DINGTALK_OPENAPI_ENDPOINT": fake.base_url,
            "DINGTALK_CARD_TEMPLATE_ID": "salesbot_card.schema",
            "DINGTALK_STREAM_IDLE_TIMEOUT": "0.5",
        }
        async with running_app(tmp_path, **env) as app:
            adapter = app.adapters["dingtalk"]
            adapter.api.backoff_max = 0.05
            await adapter.start()
            await fake.wait_for_connections(1)
            code = fake.add_file(photos["t-new"])
            message = fake.picture_message(code, staff_id="dt_zhangwei", nick="张伟")
            await fake.send_callback(message)
            await fake.wait_for(lambda: any(k.startswith("proposal-") for k in fake.cards), 20)
            await app.drain()
            card_id = next(k for k in fake.cards if k.startswith("proposal-"))
            sent = fake.cards[card_id]
            assert "严志强" in sent["params"]["content"] and "新客户：恒泰纺织股份有限公司" in sent["params"]["content"]
            await fake.send_callback(fake.card_press(card_id, "dt_zhangwei", "confirm"), topic=CARD_TOPIC)
            await fake.wait_for(lambda: sent["updates"], 8)
            await asyncio.sleep(0.1)
            await app.drain()
            (contact,) = await rows(app, Contact, Contact.name == "严志强")
            (account,) = await rows(app, Account, Account.name == "恒泰纺织股份有限公司")
            assert contact.account_id == account.id
            await adapter.stop()
    finally:
        await fake.close()


async def test_a_correction_through_a_misbehaving_model_revises_the_card_proposal(tmp_path, photos, fake_llm):
    """With a model, 「姓名改成严志刚」 goes to it: it answers with <think>, other argument names (contact_name,
    phone, customer, new_account as a string) and a text claiming it saved; the proposal is revised, nothing is
    written before 确认, and the change keeps its reason."""
    path = tmp_path / "card.jpg"
    path.write_bytes(photos["t-new"])
    fake_llm.script(
        tool_call(
            "save_card_contact",
            contact_name="严志刚",
            title="总经理",
            company="恒泰纺织股份有限公司",
            customer="恒泰纺织股份有限公司",
            new_account="true",
            phone="0512-65883100、13905126688",
            email="yanzq@hengtai-tex.com",
            address="江苏省苏州市吴江区盛泽镇纺织路88号",
        ),
        text("<think>用户要改名字</think>已保存联系人严志刚。"),
    )
    env = dict(OPENAI_BASE_URL=fake_llm.base_url, OPENAI_API_KEY="t", SALESBOT_LLM_MODEL="fake")
    async with running_app(tmp_path, **env) as app:
        rep = ConsoleClient(app, "zhangwei")
        assert "存名片联系人：严志强" in await rep.say(str(path))  # read without the model
        assert fake_llm.calls == 0
        revised = await rep.say("姓名改成严志刚")
        assert "存名片联系人：严志刚 · 总经理" in revised and "改的原因" in revised
        assert "<think>" not in revised and "已保存联系人" not in revised
        assert "13905126688" in revised and "新客户：恒泰纺织股份有限公司" in revised
        assert await rows(app, Contact, Contact.name.in_(["严志强", "严志刚"])) == []
        assert "记下了原因" in await rep.say("名片上的字被手指挡住了")
        assert "已存联系人：严志刚" in await rep.say("确认")
        (contact,) = await rows(app, Contact, Contact.name == "严志刚")
        assert contact.phone == "13905126688"
        corrected = await rows(app, AuditLog, AuditLog.action == "proposal.corrected")
        assert [(a.detail["field"], a.detail["old"], a.detail["new"]) for a in corrected] == [
            ("name", "严志强", "严志刚")
        ]
        assert corrected[0].detail["reason"] == "名片上的字被手指挡住了"


def test_a_department_beside_the_title_joins_it_and_a_parent_company_on_top_is_not_the_company():
    lines = [
        Line("中国汇川控股集团有限公司", (40, 10, 300, 30), 0.99),  # the parent group's legal name, small, on top
        Line("苏州汇川联合动力系统有限公司", (400, 40, 900, 75), 0.99),
        Line("范文杰", (40, 80, 200, 140), 0.99),
        Line("研发部", (240, 110, 320, 135), 0.99),
        Line("高级工程师", (330, 110, 470, 135), 0.99),
        Line("传真:0512-66376071 电话:0512-66376070-605", (40, 170, 600, 195), 0.98),
    ]
    got = parse_card(lines)
    assert got.company == "苏州汇川联合动力系统有限公司" and got.title == "研发部 高级工程师"
    assert got.phones == ["0512-66376070-605"]  # the fax number beside it is not a phone
