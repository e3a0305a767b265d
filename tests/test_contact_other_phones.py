"""A person's second number (a desk line beside the mobile) is kept: read from a transcript, proposed on the
card, written on 确认, and a business card keeps all its numbers on the contact too."""

from datetime import date
from types import SimpleNamespace

from sqlmodel import select

from bot.models import Account, Contact, StaffUser
from bot.org import OrgProfile
from tests.conftest import ConsoleClient, running_app
from tools.autofill.extract import extract_rules
from tools.autofill.reconcile import describe, other_phones

ORG = OrgProfile.from_settings(SimpleNamespace(org_name="云帆科技,云帆", competitors="销售易", org_products=""))


def test_both_numbers_of_one_person_are_read():
    ex = extract_rules(
        "销售-林峰：刘经理，方便留个电话吗？\n客户-刘芳：电话的话打我座机，0731-8826 5501，手机也行，139 7312 4468。\n",
        date(2026, 11, 20),
        org=ORG,
    )
    liu = next(c for c in ex.contacts if c.name == "刘芳")
    assert liu.phone == "0731-88265501"
    assert liu.other_phones == ["13973124468"]


def test_the_proposal_shows_them_and_an_update_keeps_what_the_crm_had():
    ex = extract_rules("客户-刘芳：打我座机，0731-8826 5501，手机也行，139 7312 4468。\n", date(2026, 11, 20), org=ORG)
    liu = next(c for c in ex.contacts if c.name == "刘芳")
    assert other_phones(liu) == "13973124468"
    line = describe(
        {
            "action": "create",
            "record_type": "contact",
            "new_value": {"name": "刘芳", "phone": liu.phone, "other_phones": other_phones(liu)},
        }
    )
    assert "13973124468" in line and "0731-88265501" in line
    known = Contact(name="刘芳", phone="0731-88265501", other_phones="13800000000")
    assert other_phones(liu, known=known) == "13800000000、13973124468"
    nothing_new = Contact(name="刘芳", phone="0731-88265501", other_phones="13973124468")
    assert other_phones(liu, known=nothing_new) == "13973124468"


async def test_a_confirmed_transcript_writes_the_second_number(tmp_path):
    async with running_app(tmp_path) as app:
        async with app.db.write() as s:
            rep_row = (await s.execute(select(StaffUser).where(StaffUser.username == "zhangwei"))).scalars().one()
            s.add(Account(name="长沙安怀保洁服务有限公司", owner_id=rep_row.id))
        rep = ConsoleClient(app, "zhangwei")
        out = await rep.say(
            "/纪要 2026-11-20 电话 长沙安怀保洁服务有限公司\n"
            "销售-张伟：刘经理，方便留个电话吗？\n"
            "客户-刘芳：我是长沙安怀保洁服务有限公司的行政经理刘芳。"
            "电话的话打我座机，0731-8826 5501，手机也行，139 7312 4468。\n"
        )
        assert "13973124468" in out and "确认" in out
        async with app.db.session() as s:
            assert (await s.execute(select(Contact).where(Contact.name == "刘芳"))).first() is None  # not yet
        await rep.say("c1")
        async with app.db.session() as s:
            (liu,) = (await s.execute(select(Contact).where(Contact.name == "刘芳"))).scalars().all()
        assert liu.phone == "0731-88265501" and liu.other_phones == "13973124468"


async def test_the_console_customer_page_shows_every_number(tmp_path):
    from tests.admin_support import make_accounts, serving, signed_in

    async with running_app(tmp_path) as app:
        await make_accounts(app)
        async with app.db.session() as s:
            account = Account(name="长沙湘远建材有限公司")
            s.add(account)
            await s.commit()
            await s.refresh(account)
            s.add(
                Contact(
                    account_id=account.id,
                    name="刘芳",
                    phone="13973124468",
                    other_phones="0731-88265501",
                )
            )
            await s.commit()
        async with serving(app) as base, signed_in(base) as admin:
            status, page = await admin.get(f"/admin/accounts/{account.id}")
            assert status == 200 and "13973124468" in page and "0731-88265501" in page
