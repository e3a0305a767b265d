"""Budget and price as they are said in a negotiation: a budget and an accepted price in one breath, a price
held against the budget, our rep's best price, ceilings, the part of an envelope this purchase gets, and the
chat exports that mark voice messages after the name.

Every transcript here was written for these tests (invented companies and people)."""

from datetime import date
from types import SimpleNamespace

from bot.org import OrgProfile
from bot.zh_parse import find_money
from tools.autofill.extract import extract_rules

TODAY = date(2027, 5, 10)
ORG = OrgProfile.from_settings(SimpleNamespace(org_name="云帆科技,云帆", competitors="销售易", org_products=""))
INTRO = "销售-林峰：晏总好，我是云帆科技的林峰。\n"


def extract(text: str):
    return extract_rules(text, TODAY, org=ORG)


def money(ex) -> tuple:
    return (ex.budget and ex.budget.value, ex.amount and ex.amount.value)


def test_a_budget_and_our_price_accepted_in_one_breath():
    ex = extract(
        INTRO
        + "销售-林峰：两年的话原价八万，我给您做到七万五。\n客户-晏总：领导批的是八万，七万五可以。就按两年七万五走。\n"
    )
    assert money(ex) == (80000, 75000)
    ex = extract(
        INTRO
        + "销售-林峰：二十个人一年就是两万三千七百六。\n客户-晏总：你凑个整嘛，两万三。\n销售-林峰：行，两万三。\n"
        "客户-晏总：我们老板说预算两三万的样子，两万三是可以的。\n"
    )
    assert money(ex) == (30000, 23000)


def test_our_price_held_against_the_budget_is_not_the_budget():
    ex = extract(
        INTRO + "销售-林峰：三十套一年三万六，九折三万二千四。\n客户-晏总：老板说了，这个最多四万。\n"
        "客户-晏总：对，最多四万。三万二千四在里面，行。\n"
    )
    assert money(ex) == (40000, 32400)
    ex = extract(
        INTRO + "销售-林峰：两年八五折二十万零四千。\n客户-晏总：对，CRM只批了三十万以内，二十万零四千还在范围内。\n"
    )
    assert money(ex) == (300000, 204000)


def test_our_reps_best_price_is_a_price():
    ex = extract(
        INTRO + "销售-林峰：十二个号，一个四千八，五万七千六。\n客户-晏总：我们的预算是五六万，能不能打个九折？\n"
        "销售-林峰：晏总，九折确实给不了，最多九五折，五万四千七百二。\n客户-晏总：行吧，五万四千七百二，我去跟老板报。\n"
    )
    assert money(ex) == (60000, 54720)


def test_a_figure_then_within_is_a_ceiling():
    ex = extract(INTRO + "销售-林峰：十个账号一年八千八。\n客户-晏总：这个在我们预算里，我们说的是一万以内。\n")
    assert money(ex) == (10000, 8800)


def test_the_part_of_an_envelope_for_this_purchase():
    ex = extract(
        INTRO + "客户-晏总：这个项目所里批的是五十万，分两期，今年一期是二十五万，明年二期做门户。\n"
        "销售-林峰：明白，一期二十五万。\n"
    )
    assert money(ex) == (250000, None)
    ex = extract(INTRO + "客户-晏总：今年数字化这块整体批了一百二十万，这里面包括二期的BI。CRM一期是六十万。\n")
    assert money(ex)[0] == 600000


def test_actually_it_is_corrects_the_budget():
    ex = extract(
        INTRO + "客户-晏总：我们今年数字化预算是六十万，其中CRM这块四十五万，剩下做BI。\n"
        "客户-邹工：晏总，年初调整过，其实CRM是四十万，BI那边多分了五万。\n"
    )
    assert money(ex)[0] == 400000


def test_round_it_off_names_the_figure_after_it():
    ex = extract(
        INTRO + "销售-林峰：接口另外是三万，总共是四十五万八。\n"
        "客户-晏总：四十五万八超了。控制在四十五万以内，凑个整，四十五万。\n销售-林峰：行，四十五万，我回去申请一下。\n"
    )
    assert money(ex) == (450000, 450000)


def test_neighbouring_numerals_with_liang_are_a_range():
    assert [(m.value, m.approximate) for m in find_money("预算两三万")] == [(30000, True)]
    assert [m.value for m in find_money("两万三")] == [23000]


def test_voice_marks_after_the_name_are_not_the_speaker():
    ex = extract(
        "微信聊天记录（语音已转文字）\n"
        "陈总 [语音 0:42 转文字]：小赵啊，你上次报的八个号一年两万八千八，我们一年就两万五的预算，你看能不能凑个整，两万五。\n"
        "赵敏：陈总好！两万五确实做不了，我跟领导申请了一下，两万六，这是最低了。\n"
        "陈总 [语音 0:18 转文字]：两万六哦……行行行，两万六就两万六。\n"
    )
    assert money(ex) == (25000, 26000)
    assert "陈总" in {c.name for c in ex.contacts}


def test_in_a_chat_of_two_the_one_called_boss_is_the_customer():
    ex = extract(
        "微信聊天记录\n"
        "刘燕 [语音转文字]：喂小何啊，我刘燕，上次说的系统老板说可以试试，一共十三个号。\n"
        "何晨：好的刘总！十三个账号，一年一万三。\n"
        "刘燕 [语音转文字]：你把合同发我邮箱，liu.yan@example-trans.com。\n"
    )
    assert [c.name for c in ex.contacts] == ["刘燕"] and ex.contacts[0].email == "liu.yan@example-trans.com"


def seats(text: str):
    ex = extract(INTRO + text)
    return ex.seats and ex.seats.value


def test_a_count_priced_or_settled_is_the_seat_count():
    assert (
        seats(
            "客户-晏总：账号的话，销售加区域经理四十个左右。\n销售-林峰：四十个账号，一个一年一千五，六万。\n"
            "客户-晏总：那个价格能不能再谈谈？\n销售-林峰：可以的，看您这边。\n客户-晏总：有点多了……这样，先上三十个。\n"
        )
        == 30
    )
    assert (
        seats(
            "客户-晏总：先按八十个账号算吧。\n销售-林峰：八十个账号一共十四万四。\n客户-晏总：客服那边我再问问。\n"
            "客户-晏总：那这样，先别八十个了，客服先不上。\n销售-林峰：好的，明白。\n销售-林峰：六十个就是十万零八千。\n"
        )
        == 60
    )
    assert seats("客户-晏总：十三家店三十九个，加总部六个。\n客户-晏总：四十五个多少钱？\n") == 45


def test_a_count_that_is_not_seats_stays_out():
    assert seats("销售-林峰：我们有三个模块，线索、报价、回款。\n客户-晏总：三个模块多少钱？\n") is None
    assert seats("客户-晏总：业务员五十个账号。\n客户-晏总：以后可能扩到八十个，一年十万。\n") == 50


def test_figures_spoken_in_thousands_are_money():
    assert [m.value for m in find_money("你这零头，凑个整，七千五。")] == [7500]
    assert [m.value for m in find_money("八个七千九百二。")] == [7920]
    assert find_money("一千五百人") == [] and find_money("两千多家客户") == []
    ex = extract(
        "拜访录音 2027-05-07\n\n"
        "乙方：喂，晏总，我云帆的小董，董亮。\n甲方：说嘛。\n乙方：八个号，一个号一年九百九，八个七千九百二。\n"
        "甲方：你这零头，凑个整，七千五。\n乙方：七千五……行，晏总，七千五。\n"
    )
    assert money(ex) == (None, 7500)
    assert ex.our_side == ["董亮"]  # the dialogue line is no participant list: 晏总 is not ours


def test_an_equivalent_figure_and_a_first_quote_do_not_set_the_price():
    ex = extract(
        INTRO + "销售-林峰：一年的话是十二万，我们可以签三年，三年总共三十万，相当于一年十万。\n"
        "客户-晏总：我们预算今年是二十万左右。三年三十万……可以，三年签，三十万。\n"
    )
    assert money(ex) == (200000, 300000)
    ex = extract(INTRO + "销售-林峰：我们最后那版报价是十五万八，比第一次的十八万降了不少。\n")
    assert money(ex)[1] == 158000


def test_a_competitors_figure_stays_out_even_next_to_you():
    ex = extract(
        INTRO + "销售-林峰：七十个就是八万四。\n"
        "客户-晏总：我们八万封顶，不能再多了。那个销售易上礼拜报了六万八，你们贵不少。\n"
        "销售-林峰：这样，八万四我给您打九五折，七万九千八。\n客户-晏总：七万九千八，行。\n"
    )
    assert money(ex) == (80000, 79800)


def test_our_rep_agreeing_to_the_figure_the_customer_asked_for():
    ex = extract(
        INTRO + "销售-林峰：38个的话是8.36万。\n客户-晏总：超了啊，我们这块预算也就七八万。\n"
        "客户-晏总：8万能做吗，按38个。\n销售-林峰：请示了一下，8万可以。\n"
    )
    assert money(ex) == (80000, 80000)


def test_a_computed_total_in_notes_is_the_quote():
    assert [m.value for m in find_money("10个号 × 2980/个/年 = 29800，黎总没说贵")] == [29800]
    ex = extract(
        "【通话记录】林峰 2027/05/07\n- 预算：晏总说3w以内\n- 我报的：10个号 × 2980/个/年 = 29800，晏总没说贵\n"
    )
    assert money(ex) == (30000, 29800)


MAIL_THREAD = (
    "主题：RE: RE: 星港物流 报价\n"
    "发件人：林峰 <linfeng@example-vendor.com>\n"
    "发送时间：2027年5月7日 星期五 20:15\n"
    "收件人：晏长青 <yancq@xinggang-wl.com>\n\n"
    "晏总好，\n\n"
    "已向公司申请：80 个账号一年 52,000 元（按原价应为 54,400 元），可按此价格走合同。\n\n"
    "林峰\n云帆科技 大客户部\n\n"
    "发件人：晏长青 <yancq@xinggang-wl.com>\n"
    "发送时间：2027年5月7日 星期五 18:42\n\n"
    "林峰你好，首期账号按 80 个走。今年剩余预算只有 6 万。\n"
    "贵司联系人（晏总）手机：139 1762 4408\n\n"
    "发件人：林峰 <linfeng@example-vendor.com>\n"
    "发送时间：2027年5月7日 星期五 11:05\n\n"
    "晏总好，经纪人共 120 人，按 120 账号 × 680 元/年 = 81,600 元。\n"
    "林峰\n云帆科技 大客户部\n"
)


def test_a_mail_thread_is_read_oldest_first():
    ex = extract(MAIL_THREAD)
    assert money(ex) == (60000, 52000)  # not the oldest 81,600 quoted at the bottom, nor the list price
    assert ex.seats is not None and ex.seats.value == 80
    assert ex.our_side == ["林峰"]  # signed with our company
    assert {c.name: c.phone for c in ex.contacts}.get("晏长青") == "13917624408"


def test_notes_titled_in_brackets_name_their_writer_and_keep_the_customer_line():
    ex = extract(
        "【通话记录】林峰　2027/05/07（周五）　电话\n客户：东莞市墨方包装印刷有限公司（做彩盒）\n- 对接人：晏总（总经理）\n"
    )
    assert ex.account is not None and ex.account.value == "东莞市墨方包装印刷有限公司"
    assert ex.our_side == ["林峰"]


def test_a_run_on_ten_after_wan_is_another_figure():
    assert [m.value for m in find_money("报价三十五万三十八个账号")] == [350000]
    assert [m.value for m in find_money("三十五万零三十八元")] == [350038]
    assert [m.value for m in find_money("三十五万三")] == [353000]


def test_envelopes_parts_and_thresholds():
    ex = extract(INTRO + "客户-晏总：可以。我们所今年信息化总共一百万左右，这个项目控制在三十万以内。\n")
    assert money(ex) == (300000, None)
    ex = extract(
        INTRO + "客户-晏总：三十六万。我们今年信息化预算一共一百二十万，大部分给了MES，销售系统这块给到四十万左右。\n"
    )
    assert money(ex)[0] == 400000
    ex = extract(INTRO + "客户-晏总：今年HR SaaS预算共二十万，CRM部分约四万。\n")
    assert money(ex)[0] == 40000
    ex = extract(
        INTRO + "销售-林峰：三年一起签的话，三年总价四十八万。\n客户-晏总：就按三年四十八万。\n"
        "客户-晏总：另外报价审批要分级，五十万以上的单子要我批，两百万以上要集团批。\n"
    )
    assert money(ex)[1] == 480000


def test_licences_are_seats_and_one_template_is_no_money():
    assert seats("销售-林峰：我们按50个许可，每个许可一年3600，一年是十八万。\n") == 50
    ex = extract(
        INTRO + "销售-林峰：一共128,000元一年，含报价模板定制。\n客户-晏总：合同你们先发一个模板给何主管看看。\n"
    )
    assert money(ex)[1] == 128000


def test_a_customer_correcting_its_budget_with_gei_dao_and_the_part_for_this_purchase():
    ex = extract(
        INTRO
        + "客户-晏总：预算方面，CRM这块去年说的是二十来万。\n客户-晏总：对，更正一下，今年按三年一起算，给到二十五万。\n"
    )
    assert ex.budget.value == 250000
    ex = extract(
        INTRO
        + "客户-晏总：预算我今年给的是六万。\n"
        + "客户-柯佳：晏总，更正一下，六万里有一万是给车队装GPS的，CRM这块是五万。\n"
    )
    assert ex.budget.value == 50000
    group = extract(INTRO + "客户-晏总：批下来的预算是十万，不是之前说的十二万；十二万是整个集团今年 CRM 的盘子。\n")
    assert group.budget.value == 100000
    kept = extract(INTRO + "客户-晏总：一万零八百行，我们今年给这个留了一万来块钱，差不多。\n")
    assert kept.budget.value == 10000


def test_prices_settled_in_notes_and_a_rivals_offer_in_the_next_clause():
    notes = extract("拜访笔记 5/10 林峰\n- 报价：8 × 980 = 7840，冯老板嫌贵，最后按 6980 谈下来。\n")
    assert notes.amount.value == 6980
    commas = extract("沟通纪要 2027-05-10\n5. 报价：11 × 3,200 = 35,200，于总要凑个整，按 35,000 谈定。\n")
    assert commas.amount.value == 35000
    rival = extract(
        INTRO
        + "销售-林峰：二十个是五万，给您打九折，四万五。\n"
        + "客户-晏总：四万五可以。销售易之前给过方案，一年五万二，还要另外收实施费。\n"
    )
    assert rival.amount.value == 45000


def test_seats_they_already_have_and_a_rivals_free_accounts_are_no_seat_count():
    addon = extract(
        INTRO
        + "销售-林峰：国内销售那三十个账号现在用得怎么样？\n客户-晏总：外贸部就开十个。\n"
        + "销售-林峰：好的，十个新账号，三万二。\n客户-晏总：另外国内那三十个账号的合同明年三月到期，续费到时候再谈。\n"
    )
    assert addon.seats.value == 10
    bonus = extract(
        INTRO + "销售-林峰：我们给您报的是十个账号一万六。\n客户-晏总：销售易给的一万二，还多送三个账号。\n"
    )
    assert bonus.seats.value == 10


def test_a_rival_who_came_by_an_arrow_to_the_agreed_price_and_a_lost_deal_lowered_to():
    came = extract(
        INTRO
        + "销售-林峰：八个账号，一共一万零八百。\n"
        + "客户-晏总：一万出头还行，最多一万二。之前那个销售易的业务员来过，说一年七千，但功能太少。\n"
    )
    assert money(came) == (12000, 10800)
    arrow = extract(
        "拜访笔记 5/10 林峰\n- 报价：6 × 4,200 = 25,200 元/年；院长要折扣，我答应九折 → 22,680，院长口头同意。\n"
    )
    assert arrow.amount.value == 22680
    lost = extract(
        INTRO + "客户-晏总：你们十五个账号先报五万四，后来降到四万九千五，他们十五个账号三万八，还送实施。\n"
    )
    assert lost.amount.value == 49500


def test_people_who_get_no_account_a_decision_corrected_in_the_next_breath_and_a_meeting_at_months_end():
    notes = "2/3 电话回访记录\n1. 账号：招生顾问6个 + 汪校长 = 7个；教练12个不用开号。\n"
    assert extract(notes).seats.value == 7
    corrected = INTRO + "客户-晏总：下下周三之前出结果吧。哦，其实是下下周五，周三集团要开院长会。\n"
    assert extract(corrected).close_date.value == date(2027, 5, 28)  # 下下周五 from Monday 5-10
    month_end = INTRO + "客户-晏总：行。你明天把报价发我微信，我们这个月底开会定。\n"
    assert extract(month_end).close_date.value == date(2027, 5, 31)
    # the correction is about the reply, said in its own sentence: the close date stays
    reply = (
        INTRO
        + "客户-晏总：六月十号前签约吧。下周二我给你回个准信……哎不对，下周二我要出差，改成下周三，下周三给你回复。\n"
    )
    assert extract(reply).close_date.value == date(2027, 6, 10)


def test_a_notes_field_a_stamp_day_the_day_that_counts_a_threshold_and_a_price_agreed_in_notes():
    notes = "拜访笔记 2027-05-10\n- 签约：月底。开始用：6月10号。\n- 报价：8 个账号一年 7,840；晏总要凑个整，我同意 7,800。\n"
    ex = extract(notes)
    assert ex.close_date.value == date(2027, 5, 31) and ex.amount.value == 7800
    stamp = INTRO + "客户-晏总：行，你后天把合同发过来，我下周一盖章。\n"
    assert extract(stamp).close_date.value == date(2027, 5, 17)
    counts = INTRO + "客户-晏总：时间：5月15日集团开会，但结果要到5月20日才出，以5月20日为准。\n"
    assert extract(counts).close_date.value == date(2027, 5, 20)
    threshold = (
        INTRO + "销售-林峰：三年五十四万，就这么定。\n客户-晏总：行。三年的合同超过五十万要上董事会，这个月底才开。\n"
    )
    assert extract(threshold).amount.value == 540000


def test_a_total_after_two_more_people_are_added_replaces_the_count_just_given():
    text = (
        INTRO + "销售-林峰：账号需要多少个？\n"
        "客户-晏总：销售9个，客服3个，12个；另外两个仓库主管也要看单子，那就14个。\n"
        "销售-林峰：14个，每个每年两千八。\n"
    )
    assert extract(text).seats.value == 14


def test_a_yearly_budget_in_numbered_notes_and_a_lost_deal_with_the_winners_price_and_go_live():
    notes = (
        "电话沟通记录（林峰，2027-05-10）\n"
        "1. 客户：津沽笑园相声茶社（常海生开的，大家叫他常班主）。\n"
        "5. 预算：常班主说每年八千以内。\n"
        "8. 待办：他们运营主管鞠晓梅下周一发包场客户表。\n"
        "9. 电话：常班主 133 0221 4466；鞠晓梅 022-2835 4417。\n"
    )
    ex = extract(notes)
    assert ex.budget.value == 8000
    assert sorted(c.name for c in ex.contacts) == ["常海生", "鞠晓梅"]
    assert {p.replace("-", "") for c in ex.contacts for p in (c.phone, *c.other_phones) if p} == {
        "13302214466",
        "02228354417",
    }
    lost = (
        INTRO + "客户-晏总：不好意思，我们星河匹克球俱乐部已经决定用纷享销客了。\n"
        "销售-林峰：方便说一下原因吗？我们给您报的是六个账号一年一万二。\n"
        "客户-晏总：主要是价格，纷享给我们一年八千。合同昨天签了，他们下周一就开始用。\n"
    )
    rivals = OrgProfile.from_settings(
        SimpleNamespace(org_name="云帆科技,云帆", competitors="纷享销客/纷享,悟空CRM/悟空", org_products="")
    )
    ex = extract_rules(lost, TODAY, org=rivals)
    assert ex.amount.value == 12000 and ex.golive_date is None and ex.stage.value == "closed_lost"
    kept = (
        INTRO + "客户-晏总：去年差点丢单，所以要管起来。悟空CRM的人也找过我，我跟他说已经定了你们了，下月一号开始用。\n"
    )
    ex = extract_rules(kept, TODAY, org=rivals)
    assert ex.golive_date is not None and (ex.stage is None or ex.stage.value != "closed_lost")


def test_what_the_co_op_can_spare_is_its_budget_and_a_price_counted_again_is_the_amount():
    coop = INTRO + "销售-林峰：六个账号，一年一万零八百。\n客户-晏总：社里能拿出来的也就一两万，这个价可以。\n"
    ex = extract(coop)
    assert (ex.budget.value, ex.amount.value) == (20000, 10800)
    call = (
        "喂，晏老师您好，我是云帆科技的林峰。\n"
        "十个账号一年一万二。\n"
        "有点超了，我们预算也就一万块左右。其实九个就够。\n"
        "好，那我重新算一下，九个账号，一万零八百。\n"
        "一万零八百可以。\n"
    )
    ex = extract(call)
    assert (ex.budget.value, ex.amount.value) == (10000, 10800)


def test_a_round_figure_settled_in_notes_and_a_price_our_channel_partner_passes_on():
    notes = (
        "拜访笔记 2027-05-10\n"
        "- 预算：五千左右。报价 3 × 1,680 = 5,040，钟总要凑个整，5,000 成交。\n"
        "- 报价：12 × 1500 = 18000 元/年；滕越要九折，当场同意，16200。\n"
    )
    assert extract(notes).amount.value == 16200
    first = "拜访笔记 2027-05-10\n- 预算：五千左右。报价 3 × 1,680 = 5,040，钟总要凑个整，5,000 成交。\n"
    assert extract(first).amount.value == 5000
    partner = (
        "群成员：彭国栋、林峰-云帆科技、温建伟-智联伙伴\n"
        "09:40 温建伟-智联伙伴：彭总，报价一年一万四千四，我这边做渠道的申请了一下，凑个整一万四。有问题打我 136 2288 7411。\n"
        "09:52 彭国栋：一万四可以。\n"
    )
    ex = extract(partner)
    assert ex.amount.value == 14000 and all("13622887411" not in (c.phone or "") for c in ex.contacts)


def test_budgets_said_as_a_topic_a_ceiling_a_part_and_a_range_in_minutes():
    topic = extract(INTRO + "客户-晏总：预算的话，我们一年五六万吧，两年签可以，就按两年八万。\n")
    assert topic.budget.value == 60000
    part = extract(
        INTRO + "销售-林峰：预算方面您这边有个范围吗？\n"
        "客户-晏总：今年信息化总共给了五十万，大头是ERP升级和仓库条码。CRM这块大概十五万左右。\n"
    )
    assert part.budget.value == 150000
    ceiling = extract(
        INTRO + "销售-林峰：新增8个，按年付是两万三千八百四十。\n"
        "客户-晏总：之前说的是两万五以内，价格没问题，但能凑个整吗，两万三？\n销售-林峰：两万三可以。\n"
    )
    assert money(ceiling) == (25000, 23000)
    rough = extract(INTRO + "销售-林峰：五个账号一年九千。\n客户-晏总：一万来块我能接受，九千可以。\n")
    assert money(rough) == (10000, 9000)
    below = extract(
        INTRO + "销售-林峰：预算方面大概什么范围？\n客户-晏总：一万五上下吧。\n"
        "销售-林峰：八个是一万二千八，比您预算还低一些。\n客户-晏总：一万二千八可以。\n"
    )
    assert money(below) == (15000, 12800)


def test_an_aside_in_brackets_and_the_final_figure_of_a_requote():
    minutes = extract(
        "发件人：郑佳\n郑经理好，\n按28个账号重新报价：28 × 5,200 = 145,600 元/年，给贵司九五折，最终 138,320 元/年。\n"
        "5. 预算：贵司今年CRM预算15–18万（集团年度IT总预算300万，不在此列）。\n"
    )
    assert money(minutes) == (180000, 138320)
    discount = extract(
        "电话纪要\n5. 预算：四万五以内。\n4. 报价：20个×2200=44000/年，景要求打折，电话里答应九五折，41800/年，他口头同意。\n"
    )
    assert discount.amount.value == 41800
    requote = extract("销售-林峰：收到更正。16个账号重新报价为一年四万六（原12个账号是三万六），在您说的四万八以内。\n")
    assert requote.amount.value == 46000


def test_a_price_disowned_as_ours_and_instalments_after_the_total_are_not_the_amount():
    notes = extract(
        "拜访记录（云帆科技 邹凯）\n"
        "1. 客户：沧州力丰汽保设备，段敏。\n"
        "2. 报价：16个一年三万二；段敏要求两年一起签，两年总价六万，她当场同意按两年六万走。\n"
        "3. 竞品：在比销售易，对方报价一年两万八（不是我们的价）。\n"
    )
    assert notes.amount.value == 60000
    call = extract(
        "Speaker 1: 钟总好，我是云帆科技的宋佳琪。二十七个账号标准价一年五万四。如果签两年，两年总价十万零四千。\n"
        "Speaker 2: 那签两年吧，十万零四千。\n"
        "Speaker 1: 可以，第一年付五万二，第二年付五万二。\n"
    )
    assert call.amount.value == 104000
    # a first year's price is still a price
    first_year = extract("Speaker 1: 行，我刚跟领导确认了，第一年五万六，软件加实施都在里面。\n")
    assert first_year.amount.value == 56000


def test_a_requote_after_a_correction_ends_on_its_rounded_figure_and_an_applied_discount_counts():
    requote = extract(
        "发件人：林峰 <linfeng@yunfan.com>\n时间：2027年5月10日 16:20\n\n晏总好，\n"
        "按您上午的更正，24 个账号重新报价：24 × 4,800 = 115,200 元/年，九五折 109,440 元，凑个整按 109,000 元/年。\n"
    )
    assert requote.amount.value == 109000
    notes = extract("拜访笔记 2027-05-10\n5. 报价：14 × 1500 = 21000/年，申请了九五折，19950，龚总电话里说可以。\n")
    assert notes.amount.value == 19950


def test_the_price_of_the_one_they_chose_is_not_ours_and_a_budget_is_named_before_its_correction():
    lost = extract(
        "潘晓:陶总好，我是云帆科技的潘晓。方便说下原因吗？我们最后一版报价已经从六万八降到六万二了。\n"
        "陶总:主要是价格，他们五万五，十个账号。我们预算就六万左右。\n"
    )
    assert money(lost) == (60000, 62000)
    corrected = extract(
        "销售-林峰: 晏主任您好，我是云帆科技的林峰。九个账号，标准版一年两万七。\n"
        "客户-晏主任：预算我们报的是两万四千八上下……不对，昨天厂长说了，最多三万，别超就行。\n"
        "销售-林峰: 那我给您凑个整，九个号一年两万五。\n客户-晏主任：两万五可以。\n"
    )
    assert money(corrected) == (30000, 25000)
    share = extract(
        INTRO + "客户-晏总：县里今年给了我们八万的数字化补贴，不过那是冷库改造和溯源系统一起用的，"
        "能拿来买这个的大概两万五左右。\n"
    )
    assert share.budget.value == 25000
