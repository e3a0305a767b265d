"""Who is on which side: nicknames with a job in front, speakers nobody introduced, colleagues our rep brings
along, our people named in the header, partners' labels and people who moved on.

Every transcript here was written for these tests (invented companies and people)."""

from datetime import date
from types import SimpleNamespace

from bot.org import OrgProfile
from tools.autofill.extract import extract_rules

TODAY = date(2027, 5, 10)  # a Monday
ORG = OrgProfile.from_settings(SimpleNamespace(org_name="云帆科技,云帆", competitors="销售易", org_products=""))


def extract(text: str):
    return extract_rules(text, TODAY, org=ORG)


def names(ex) -> set[str]:
    return {c.name for c in ex.contacts}


def test_a_job_said_before_a_nickname_names_a_contact():
    ex = extract(
        "销售-林峰：苗总好，我是云帆科技的林峰。\n"
        "客户-苗总：好。我们财务小潘也在，合同的事找她。行政的小周做会议记录。\n"
        "客户-苗总：接口找我们IT阿强，他手机 136 2231 0457。\n"
        "客户-苗总：门店督导孔姐下周三前把门店清单发你。\n"
    )
    assert {"小潘", "小周", "阿强", "孔姐"} <= names(ex)
    by_name = {c.name: c for c in ex.contacts}
    assert by_name["小潘"].title == "财务" and by_name["阿强"].phone == "13622310457"
    assert "林峰" not in names(ex)


def test_a_department_alone_is_no_title():
    ex = extract("客户-苗总：信息部的小谭也在，接口他负责。\n")
    assert {c.name: c.title for c in ex.contacts}.get("小谭", "missing") is None


def test_a_speaker_nobody_introduced_talks_for_the_customer():
    ex = extract(
        "林峰: 苗总您好，我是云帆科技的林峰。\n"
        "苗总: 你好。小郑你也听一下。\n"
        "小郑: 好的苗总。\n"
        "阿芳: 林经理，开票资料我明天发你。\n"
        "林峰: 好的，谢谢阿芳。\n"
    )
    assert {"苗总", "小郑", "阿芳"} <= names(ex)
    assert "林峰" not in names(ex) and ex.our_side == ["林峰"]


def test_colleagues_our_rep_brings_along_are_ours():
    ex = extract(
        "发言人1 00:00:02\n"
        "大家好，我是云帆科技的林峰，旁边这位是我们售前吕思远，今天跟我一起来的还有我们实施负责人覃晓。\n"
        "发言人2 00:00:15\n"
        "欢迎。我是星港物流的总经理晏长青。\n"
        "发言人3 00:00:30\n"
        "大家好。\n"
    )
    assert {"吕思远", "覃晓"} <= set(ex.our_side)
    assert not {"吕思远", "覃晓", "林峰"} & names(ex)
    assert "晏长青" in names(ex)


def test_our_people_named_in_the_header_are_ours():
    ex = extract(
        "拜访纪要 2027年5月8日\n"
        "客户：星港物流\n"
        "云帆：骆凡\n"
        "骆凡：晏总，今天主要把方案过一遍。\n"
        "晏长青：好，我是总经理晏长青。\n"
    )
    assert "骆凡" in ex.our_side and "骆凡" not in names(ex)
    ex = extract("电话跟进笔记 — 骆凡（云帆科技）— 5/8 周六\n客户：星港物流\n电话对象：晏总\n- 晏总说下周定\n")
    assert "骆凡" in ex.our_side and "骆凡" not in names(ex)
    ex = extract("客户跟进小结\n云帆科技 华东区 销售 骆凡\n客户：星港物流，晏总说下周定。\n")
    assert ex.our_side == ["骆凡"]


def test_a_partner_label_is_not_our_side():
    ex = extract(
        "林峰：我是云帆科技的林峰，晏总好。\n"
        "晏总：你好，我们预算四十万以内。\n"
        "实施伙伴：迁移我们来做，接口费另算八万。\n"
        "林峰：好的，我们报价三十六万八。\n"
    )
    assert ex.budget is not None and ex.budget.value == 400000
    assert ex.amount is not None and ex.amount.value == 368000
    assert ex.our_side == ["林峰"]


def test_a_nickname_alone_on_a_line_is_a_speaker():
    ex = extract(
        "林峰\n我是云帆科技的林峰，报价一年五十二万。\n"
        "冯明\n集团通知，子公司项目上限五十万。\n"
        "小潘\n那就按五十万这个上限来，预算没问题。\n"
    )
    assert "小潘" in names(ex)
    assert ex.budget is not None and ex.budget.value == 500000


def test_someone_moved_to_the_group_is_not_a_contact():
    ex = extract("【星港-晏总】之前信息部的老黄看过几家，老黄上个月调到集团去了，现在小林接手。\n")
    assert "老黄" not in names(ex)


def test_miss_and_full_name_are_one_person():
    ex = extract(
        "【云帆-林峰】晏总好，蔡小姐好。\n"
        "【星港-晏总】这是我们销售经理蔡雅婷。\n"
        "【星港-蔡小姐】林经理好，设计那边也要用。\n"
    )
    assert "蔡雅婷" in names(ex) and "蔡小姐" not in names(ex)
