"""How customers actually say the things capture reads: legal names spelled out for the contract, budgets without
the word 预算, corrected quotes, discounts agreed, titled self-introductions, roles as speaker labels.

Every transcript here was written for these tests (invented companies and people)."""

from datetime import date
from types import SimpleNamespace

from bot.org import OrgProfile
from tools.autofill.extract import extract_rules

TODAY = date(2027, 5, 10)  # a Monday
ORG = OrgProfile.from_settings(
    SimpleNamespace(org_name="云帆科技,云帆", competitors="销售易,纷享销客/纷享", org_products="")
)


def extract(text: str):
    return extract_rules(text, TODAY, org=ORG)


def test_the_legal_name_for_the_contract_is_the_account():
    ex = extract(
        "销售-林峰：我是云帆科技的林峰。\n"
        "客户-严总：我是青松茶业的严总，我们在安溪有三个茶园。\n"
        "客户-严总：杭州数维帮我们做IT，他们的孙工今天也在。\n"
        "客户-严总：合同主体写福建青松茶业股份有限公司，发票也开这个。\n"
    )
    assert ex.account is not None and ex.account.value == "福建青松茶业股份有限公司"


def test_an_amount_after_we_are_is_not_a_company():
    ex = extract("销售-林峰：预算大概多少？\n客户-严总：预算我们是十五万到二十万，看方案。\n")
    assert ex.account is None or "万" not in ex.account.value
    assert ex.budget is not None and ex.budget.value == 200000


def test_budget_said_as_a_ceiling_without_the_word_budget():
    ex = extract("客户-严总：老板说了，最多十二万，多一分都不批。\n销售-林峰：明白，我按十二万以内出方案。\n")
    assert ex.budget is not None and ex.budget.value == 120000
    ex = extract("客户-严总：三万八……行吧，我这边四万以内都可以。\n")
    assert ex.budget is not None and ex.budget.value == 40000


def test_a_corrected_quote_keeps_the_total_not_the_figure_corrected():
    ex = extract(
        "销售-林峰：五十个账号，报价是二十六万。\n"
        "客户-严总：嗯，你们这个价格我们要内部商量。\n"
        "销售-林峰：不好意思我更正一下，刚才那个二十六万没含接口，接口另外两万，总共是二十八万。\n"
    )
    assert ex.amount is not None and ex.amount.value == 280000
    ex = extract("销售-林峰：报的是十八万——不对，我看错了，十八万是四十个账号的，三十个是十三万八。\n")
    assert ex.amount is not None and ex.amount.value == 138000


def test_the_customer_recounting_quotes_means_the_last_one():
    ex = extract("客户-严总：你们最后报的是十二万五，之前是十四万，后来降了一次。\n")
    assert ex.amount is not None and ex.amount.value == 125000


def test_a_discount_the_customer_accepts_sets_the_price_but_a_competitors_does_not():
    ex = extract(
        "销售-林峰：三十个账号，报价二十万。\n销售-林峰：这样，我申请一下，给您打个九折。\n客户-严总：九折可以。\n"
    )
    assert ex.amount is not None and ex.amount.value == 180000
    ex = extract("销售-林峰：三十个账号，报价二十万。\n客户-严总：纷享说可以给我们打八折，你们也行吗？\n")
    assert ex.amount is not None and ex.amount.value == 200000


def test_a_titled_self_introduction_is_a_contact_and_short_forms_are_the_same_person():
    ex = extract(
        "发言人1 00:00:02\n你好，我是云帆科技的林峰。\n"
        "发言人2 00:00:09\n我是青松茶业的销售运营经理，郑晓燕。这位是我们客服主管小吴，吴倩。\n"
        "发言人1 00:00:20\n郑经理好，吴主管好。\n"
    )
    names = {c.name for c in ex.contacts}
    assert {"郑晓燕", "吴倩"} <= names
    assert not names & {"郑经理", "小吴"}


def test_an_incumbent_used_for_years_is_not_a_lost_deal():
    ex = extract("客户-严总：销售易用了三年了，续费太贵。\n客户-严总：我们国庆前把合同签了，十一月一号上线。\n")
    assert ex.close_date is not None and ex.close_date.value == date(2027, 9, 30)
    assert ex.golive_date is not None and ex.golive_date.value == date(2027, 11, 1)


def test_a_date_right_after_the_decision_clause_is_the_close_date():
    ex = extract("客户-严总：这个金额要上董事会。\n客户-严总：对，那就董事会那天拍板，6月10号。\n")
    assert ex.close_date is not None and ex.close_date.value == date(2027, 6, 10)


def test_party_labels_that_repeat_are_speakers_and_the_header_stays_a_header():
    ex = extract(
        "会议记录 2027年5月10日\n"
        "甲方：青松茶业 严总、小叶\n"
        "乙方：云帆科技 林峰\n"
        "乙方：严总，三十个账号一年是十二万。\n"
        "甲方：能不能再打个九折？\n"
        "乙方：九折就是十万八，这个我可以做主。\n"
        "甲方：行，那就十万八。\n"
    )
    assert ex.amount is not None and ex.amount.value == 108000
    assert "林峰" in ex.our_side
    assert "林峰" not in {c.name for c in ex.contacts}


def test_accounts_counted_as_numbers_of_logins():
    ex = extract("客户-严总：先开二十个号，调度十个，销售十个。\n销售-林峰：好的，二十个号。这个号码是我手机。\n")
    assert ex.seats is not None and ex.seats.value == 20


def test_a_round_figure_the_rep_agrees_to_is_the_price():
    ex = extract(
        "销售-林峰：二十个号，一个六千八，一年是十三万六。\n"
        "客户-严总：我们今年批给这块的就十五万。你凑个整嘛，十三万，我好走流程。\n"
        "销售-林峰：行吧，十三万就十三万，我这边担了。\n"
    )
    assert ex.amount is not None and ex.amount.value == 130000
    assert ex.budget is not None and ex.budget.value == 150000


def test_the_place_a_rep_went_is_the_account_even_without_a_trade_word():
    for report, name in (
        ("今天上午去了麦香坊烘焙，见了庞总，他们有十二家门店。下周三我把方案发过去。", "麦香坊烘焙"),
        ("刚从力健健身出来，见了运营总监凌总。", "力健健身"),
        ("昨天在光彩显示待了一下午，见了简总，他们主要做政府和商场的项目。", "光彩显示"),
        ("今天去成都天府软件园那边的蓉智教育，见了陈主任。", "蓉智教育"),
    ):
        ex = extract(report)
        assert ex.account is not None and ex.account.value == name, report


def test_contract_names_said_in_passing_and_header_notes():
    ex = extract(
        "宠乐滋 × 云帆 销售数字化工作坊\n客户-严总：行。合同主体注意一下，写成都宠乐滋食品股份有限公司，别写集团。\n"
    )
    assert ex.account is not None and ex.account.value == "成都宠乐滋食品股份有限公司"
    ex = extract("客户：东莞市墨方包装印刷有限公司（做彩盒、礼品盒）\n销售-林峰：严总好。\n")
    assert ex.account is not None and ex.account.value == "东莞市墨方包装印刷有限公司"


def test_a_phone_call_greeting_names_the_company():
    ex = extract("喂，您好，是椰风租车的邓经理吗？我是云帆的林峰。\n")
    assert ex.account is not None and ex.account.value == "椰风租车"


def test_colloquial_wan_needs_money_talk():
    from bot.zh_parse.spoken import colloquial_wan

    assert colloquial_wan("预算的话葛总说今年大概四十个") == "预算的话葛总说今年大概四十万"
    assert colloquial_wan("金额一百二十万，不对不对，一百个") == "金额一百二十万，不对不对，一百万"
    assert colloquial_wan("哦不对，四十五个，还有五个店长") == "哦不对，四十五个，还有五个店长"
    assert colloquial_wan("报价三十个模块") == "报价三十个模块"
    ex = extract("客户-严总：海纳那边也报了价，比你们便宜两万。\n销售-林峰：我们报的是十八万八。\n")
    assert ex.amount is not None and ex.amount.value == 188000


def test_two_character_brands_in_spoken_reports():
    for report, name in (
        ("今天上午去了金诺，见了他们销售总监。", "金诺"),
        ("今天去了趟老刘那边的路通，见了刘总。", "路通"),
        ("昨天见了华邦的王总和他们IT小陈。", "华邦"),
        ("呃 今天 去了 趟 那个 博 远 嗯 见了 他们 老板 孙总 嗯 下周三 我把 方案 发过去", "博远"),
    ):
        ex = extract(report)
        assert ex.account is not None and ex.account.value == name, report


def test_the_customer_introducing_a_colleague_and_the_competitor_is_nobody():
    ex = extract(
        "客户-严总：欢迎，坐吧。这个是我们渠道经理吴刚。\n"
        "客户-严总：她是我们行政主管，蔡雅婷。\n"
        "销售-林峰：您说的是销售易吧，对，他们是独立APP。\n"
    )
    names = {c.name for c in ex.contacts}
    assert {"吴刚", "蔡雅婷"} <= names
    assert "易吧" not in names
    assert {c.name: c.title for c in ex.contacts}["吴刚"] == "渠道经理"
