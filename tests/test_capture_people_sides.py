"""Who is the customer's contact: full names said after a title or a long legal name, the one who answers a
time-of-day greeting, colleagues named by job, people of the vendor of the customer's own system, a partner
listed in the header without brackets, people who left named as 小X, and a chat where nobody names a company.

Every transcript here was written for these tests (invented companies, people and numbers)."""

from datetime import date
from types import SimpleNamespace

from bot.org import OrgProfile
from tools.autofill.extract import extract_rules

TODAY = date(2027, 10, 19)  # a Tuesday
ORG = OrgProfile.from_settings(
    SimpleNamespace(org_name="云帆科技,云帆,云番科技", competitors="纷享销客/纷享,悟空CRM/悟空", org_products="")
)


def extract(text: str, today: date = TODAY):
    return extract_rules(text, today, org=ORG)


def names(ex) -> list[str]:
    return sorted(c.name for c in ex.contacts)


def phones(ex) -> set[str]:
    numbers = set()
    for c in ex.contacts:
        numbers |= {p.replace("-", "") for p in (c.phone, *c.other_phones) if p}
    return numbers


def test_a_title_after_the_legal_name_without_de_still_names_the_person():
    text = (
        "视频会议 2027-10-19\n"
        "发言人1：汤主任您好，我是云帆科技的尹航。\n"
        "发言人2：尹经理好。我是苏州澄湖康复医院有限公司门诊办公室主任汤若岚，今天我来对接。\n"
        "发言人1：好的，咱们这边大概几个人用？\n"
        "发言人2：八个，我手机 139 1557 2046。\n"
    )
    ex = extract(text)
    assert names(ex) == ["汤若岚"]
    assert ex.contacts[0].title == "门诊办公室主任"
    assert phones(ex) == {"13915572046"}


def test_the_one_answering_good_evening_is_the_person_greeted_and_names_herself_in_full():
    text = (
        "飞书妙记 2027-10-19\n"
        "Speaker 1: 柏院长晚上好，我是云番科技的郁青，合同您看过了吗？\n"
        "Speaker 2: 看过了，没问题。合同寄给我，柏雨晴，我来盖章。\n"
        "Speaker 1: 好的柏院长，那十个账号下周一开通。\n"
    )
    ex = extract(text)
    assert names(ex) == ["柏雨晴"]


def test_the_customer_naming_a_colleague_by_job_is_a_contact_with_that_title():
    text = (
        "电话记录 2027-10-19\n"
        "销售-郁青: 上次的方案您那边考虑得怎么样了？\n"
        "客户-蒲老师：我跟我们园长阮晓芸商量过了，先买六个账号。我们会计计敏也会看合同。\n"
        "销售-郁青: 好的，六个账号一年一万二。\n"
    )
    ex = extract(text)
    by_name = {c.name: c for c in ex.contacts}
    assert set(by_name) == {"蒲老师", "阮晓芸", "计敏"}  # 也 is no part of 计敏's name
    assert by_name["阮晓芸"].title == "园长"


def test_teachers_in_general_and_a_country_are_no_people():
    text = (
        "电话记录 2027-10-19\n"
        "销售-郁青: 您好，我是云帆科技的郁青。\n"
        "客户-蒲校长：你好。我们学校的老师都说好用。货主要发日本和韩国，我电话 138 0512 7763。\n"
    )
    ex = extract(text)
    assert names(ex) == ["蒲校长"]
    assert phones(ex) == {"13805127763"}


def test_the_engineer_of_the_vendor_of_their_own_system_is_no_contact():
    text = (
        "[00:00:05] 郁青: 您好，我是云帆科技的郁青。\n"
        "[00:00:20] 贝建林: 你好。仓储系统是远拓信息给我们做的，葛工在维护，他电话 139 0571 6620，接口找他就行。\n"
        "[00:00:41] 贝建林: 我手机 135 8821 4407。\n"
    )
    ex = extract(text)
    assert names(ex) == ["贝建林"]
    assert phones(ex) == {"13588214407"}


def test_a_partner_listed_as_company_and_person_after_the_customer_is_a_third_party():
    text = (
        "现场会议纪要 2027-10-19\n"
        "参会：嘉兴禾润包装材料有限公司 祁海波（副总）、庞莉（销售内勤）；启程信息 应工；云帆科技 郁青\n"
        "\n"
        "祁海波\n"
        "先讲讲我们的情况，销售十二个人。\n"
        "应工\n"
        "我这边负责ERP接口，手机 186 3160 2217。\n"
        "庞莉\n"
        "报价单现在都在Excel里，我座机 0573-8299 1056。\n"
    )
    ex = extract(text)
    assert names(ex) == ["庞莉", "祁海波"]
    assert "18631602217" not in phones(ex)


def test_someone_who_left_named_as_xiao_x_takes_the_honorific_with_them():
    text = (
        "电话记录 2027-10-19\n"
        "郁青：糜经理您好，我是云帆科技的郁青。之前对接的仇经理是不是不在了？\n"
        "糜海燕：对，小仇上个月走了，以后我负责。\n"
    )
    ex = extract(text)
    assert "仇经理" not in names(ex)
    assert "糜海燕" in names(ex)


def test_in_a_chat_nobody_introduced_the_one_who_quotes_is_our_rep():
    text = (
        "—————  2027年10月19日  —————\n"
        "09:12 伍可欣：卜老师早，报价我整理好了，8个账号一年两万。\n"
        "09:20 卜静怡：[语音转文字] 伍经理早 我跟我们馆长说了 能不能一万八\n"
        "09:22 伍可欣：可以，按一万八出合同。\n"
        "09:25 卜静怡：[语音转文字] 好的 合同抬头写杭州星屿科普馆有限公司 我们明天就签\n"
        "09:36 卜静怡：我电话 幺八六 洞二幺七 三三零九\n"
        "09:37 伍可欣：收到 我这边电话 138 2800 6611\n"
    )
    ex = extract(text)
    assert names(ex) == ["卜静怡"]
    assert "伍可欣" in ex.our_side
    assert phones(ex) == {"18602173309"}


def test_a_job_in_brackets_with_its_own_field_names_the_person_with_that_title():
    text = (
        "电话小记 2027-10-19（记录人：郁青）\n"
        "1. 通话对象：管立山（总经理），他女儿管晓雯（门店运营负责人）也在线上。\n"
        "2. 账号：4个，报价一年九千六。\n"
        "3. 管晓雯手机 137 2561 0934。\n"
    )
    ex = extract(text)
    by_name = {c.name: c for c in ex.contacts}
    assert set(by_name) == {"管立山", "管晓雯"}
    assert by_name["管晓雯"].title == "门店运营负责人"


def test_no_shorter_name_is_read_inside_a_minority_name_before_its_job():
    text = (
        "群成员（4）：郁青(云帆科技-销售)、努尔江(运营总监)、阿依古丽(前台主管)、马骏(西域数科-渠道经理)\n"
        "2027-10-19 10:31 | 郁青(云帆科技-销售) | 努尔总、阿依古丽，报价发群里了，6个号一年一万五。\n"
        "2027-10-19 10:33 | 阿依古丽(前台主管) | 收到，有事打前台 0991-882 6600。\n"
    )
    ex = extract(text)
    assert "古丽" not in names(ex)
    assert "阿依古丽" in names(ex)


def test_left_early_in_the_year_still_left():
    text = (
        "电话记录 2027-10-19\n"
        "郁青: 您好，我是云帆科技的郁青。之前对接的邬经理还在吗？\n"
        "应秀兰: 邬经理年初就走了，现在这块我管。我座机0791-8835 6620。\n"
    )
    ex = extract(text)
    assert names(ex) == ["应秀兰"]


def test_a_participant_list_in_a_quoted_recap_places_the_parent_groups_person():
    text = (
        "发件人：蒲建峰 <pujf@huamu-ah.com.cn>\n"
        "收件人：郁青 <yuqing@yunfan-tech.com>\n"
        "主题：RE: 会议纪要\n"
        "郁青你好，纪要收到，没问题。合同请寄给我们采购韦宛如，电话 0371-6632 8815。\n"
        "\n" * 14 + "> 郁青 写道：\n"
        "> 会议纪要（2027-10-19，钉钉视频）\n"
        "> - 参会：华牧兽药 蒲建峰；集团信息中心 樊主任；云帆科技 郁青\n"
        "> - 樊主任提出接口要走集团审批。\n"
    )
    ex = extract(text)
    assert "樊主任" not in names(ex)
    assert {"蒲建峰", "韦宛如"} <= set(names(ex))


def test_a_recap_listing_guests_after_gui_si_keeps_a_channel_manager_with_the_customer():
    text = (
        "主题：RE: 纪要\n"
        "发件人：晏国栋 <yangd@feiyu-agri.com>\n"
        "收件人：郁青 <yuqing@yunfan-tech.com>\n"
        "收到。\n" + "\n" * 16 + "> - 参会：贵司晏国栋（采购总监）、房敏（渠道销售经理）；我方郁青。\n"
    )
    ex = extract(text)
    assert {"晏国栋", "房敏"} <= set(names(ex))


def test_a_customer_named_by_brand_and_a_trade_of_the_wider_list_is_the_account():
    for brand in ("润禾粮油", "青禾母婴", "云栖民宿", "泰丰紧固件", "禾园苗木"):
        text = (
            "电话记录 2027-10-19\n"
            "销售-郁青: 喂，葛总您好，我是云帆科技的郁青。\n"
            f"客户-葛总：你好。{brand}这边业务员有八个，想把客户管起来。\n"
            "销售-郁青: 那先开八个账号，一年一万六。\n"
        )
        assert extract(text).account.value == brand, brand
