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


def phones_of(ex) -> dict[str, list[str]]:
    return {c.name: [p for p in (c.phone, *c.other_phones) if p] for c in ex.contacts}


def test_our_rep_reading_a_number_back_gives_it_to_the_customer():
    ex = extract(
        "销售-林峰：晏总，您手机方便留一下吗？\n客户-晏总：137，2288，后面是6190。\n销售-林峰：137 2288 6190，好的。\n"
    )
    assert phones_of(ex) == {"晏总": ["13722886190"]}


def test_the_person_we_asked_for_a_number_answers_with_it():
    ex = extract(
        "拜访录音整理 2027.05.07（周五）\n地点：星港物流\n\n"
        "乙方：您好，我是云帆科技的林峰。\n甲方：我是晏长青。\n乙方：那我下周把方案发您。\n甲方：好。\n"
        "乙方：晏总留个电话？\n甲方：+86 158 0021 7736。\n"
    )
    assert phones_of(ex) == {"晏长青": ["15800217736"]}


def test_our_reps_own_number_and_our_engineers_are_not_the_customers():
    ex = extract("销售-林峰：晏总，我也留一下我的，186 2233 0901，微信同号。\n客户-晏总：好，我的是 139 1100 2288。\n")
    assert phones_of(ex) == {"晏总": ["13911002288"]}
    ex = extract(
        "拜访记录｜记录人：林峰（云帆科技）\n"
        "见到：晏总（晏长青，总经理）\n"
        "- 实施对接：我们这边老韩（136 0000 2222）负责，已告知晏总\n"
        "- 晏总手机 138-5021-0077\n"
    )
    assert phones_of(ex) == {"晏长青": ["13850210077"]}


def test_a_nickname_speaker_keeps_his_number_after_his_full_name_is_known():
    ex = extract(
        "销售-林峰：晏总好，谭经理好，我是云帆科技的林峰。\n"
        "客户-晏总：这是我们销售部经理谭志刚。\n"
        "老谭: 我电话幺三九，洞八二幺，七三五四。\n"
        "销售-林峰：139 0821 7354，好。\n"
    )
    assert phones_of(ex).get("谭志刚") == ["13908217354"] and "老谭" not in phones_of(ex)


def test_a_guess_gives_way_to_the_person_named_with_the_number():
    ex = extract(
        "Speaker 1: 晏总您好，我是云帆科技的林峰。\n"
        "Speaker 2: 你好，我们销售老大也在。\n"
        "Speaker 3: 林经理好，我贺小兵。\n"
        "Speaker 3: 我手机是一三五，三四零七，二二八一。\n"
        "Speaker 1: 好的贺经理，135 3407 2281。\n"
    )
    holders = [name for name, numbers in phones_of(ex).items() if "13534072281" in numbers]
    assert holders == ["贺小兵"]


def test_an_email_thread_is_written_by_its_senders():
    ex = extract(
        "主题：RE: 报价确认\n\n"
        "发件人：晏长青 <yancq@xinggang-wl.com>\n"
        "收件人：云帆科技 林峰\n\n"
        "林经理：\n"
        "三年总价 19.8 万我们同意。\n\n"
        "晏长青｜星港物流 总经理\n"
        "0371-6590 2231\n\n"
        "------------------ 原始邮件 ------------------\n"
        "发件人：云帆科技 林峰\n"
        "收件人：晏长青 <yancq@xinggang-wl.com>\n\n"
        "晏总好，报价如下，我的电话 186 2233 0901。\n"
    )
    assert phones_of(ex) == {"晏长青": ["037165902231"]} or phones_of(ex) == {"晏长青": ["0371-65902231"]}
    assert "林经理" not in names(ex) and "林峰" in ex.our_side


def test_a_chat_export_with_the_time_before_the_name():
    ex = extract(
        "微信群聊记录导出：云帆×栖云物业\n"
        "09:12 林峰（云帆科技）\n俞经理早，35个账号，合计7.7万，您看下\n"
        "09:31 俞经理\n@小潘 你核一下项目经理人数\n"
        "09:48 小潘\n一共是38个，不是35个\n"
    )
    assert ex.our_side == ["林峰"] and {"俞经理", "小潘"} <= names(ex)


def test_a_second_company_in_the_participant_list_is_a_partner():
    ex = extract(
        "会议录屏转写 2027-05-07\n"
        "参会：宁扬树脂有限公司（施海涛、蒋经理）；南京数智信息技术有限公司（郁工）；云帆科技（林峰）\n"
        "[00:00:04] 郁工: 各位好，我是数智的项目经理。\n"
        "[00:00:13] 林峰: 谢谢郁工。施总好，蒋经理好，我是云帆科技的林峰。\n"
        "[00:00:20] 郁工: 有问题打我 138 5168 2290。\n"
    )
    assert "郁工" not in names(ex) and {"施海涛", "蒋经理"} <= names(ex)
    assert all("13851682290" not in numbers for numbers in phones_of(ex).values())


def test_each_number_goes_to_the_person_named_before_it():
    ex = extract(
        "拜访记录 2027-05-07\n见到：晏长青（总经理）、小罗（IT）\n- 联系方式：晏长青 021-5892 3366；小罗 186 1601 2299\n"
    )
    assert phones_of(ex) == {"晏长青": ["021-58923366"], "小罗": ["18616012299"]}


def test_an_integrators_label_and_a_boss_without_labels():
    ex = extract(
        "[14:02] 云帆-林峰：晏总好，我是云帆科技的林峰。\n[14:03] 星港-晏总：好，报价发我。\n"
        "[14:05] 星港-晏总：接口找启明集成。\n[14:10] 启明集成-钱工：接口的事可以直接打我座机 0574-8766 2311。\n"
    )
    assert "钱工" not in names(ex) and all("057487662311" not in v for v in phones_of(ex).values())
    ex = extract(
        "喂，覃老板吗？我是云帆科技的甘露。\n哦，那个卖软件的是吧。\n好的覃老板，我明天联系您。\n行，打我手机，幺五九七七幺二三零八六。\n"
    )
    assert phones_of(ex) == {"覃老板": ["15977123086"]}


def test_a_landline_written_four_and_three():
    from bot.zh_parse import find_phones

    assert [c.value for c in find_phones("座机 0592-5120 336，手机 158 5920 1177")] == ["0592-5120336", "15859201177"]


def test_phrases_that_read_like_companies_are_not_the_account():
    for said in (
        "集团开会，要求各子公司统一用销售易。",
        "我们是想签两年，一年太短。",
        "我们有个兄弟公司也在看。",
        "三十个业务员跑修理厂。",
    ):
        ex = extract("客户-晏总：" + said + "\n")
        assert ex.account is None, said


def test_the_contract_name_written_as_chengdu():
    ex = extract(INTRO_LINE + "客户-晏总：合同主体注意一下，写成都宠乐滋食品股份有限公司，别写集团。\n")
    assert ex.account is not None and ex.account.value == "成都宠乐滋食品股份有限公司"


INTRO_LINE = "销售-林峰：晏总好，我是云帆科技的林峰。\n"


def test_introductions_without_labels_and_a_name_after_hello():
    ex = extract(
        "2027-05-07 现场拜访录音（未分说话人）\n欢迎欢迎，坐吧。这个是我们渠道经理吴刚。\n"
        "你好你好，我是这边的店长陈敏。\n我是云帆科技的林峰，这是我们售前周婷。\n"
    )
    assert {"吴刚", "陈敏"} <= names(ex) and "周婷" not in names(ex)
    ex = extract(
        "Speaker 1: 晏总您好，我是云帆科技的林峰。\nSpeaker 2: 你好，这个是我们业务部的熊经理。\n"
        "Speaker 3: 你好，熊俊。\nSpeaker 1: 两位好。\n"
    )
    assert "熊俊" in names(ex) and "熊经理" not in names(ex)


def test_a_decision_at_a_meeting_and_a_result_promised():
    header = "拜访记录 2027年5月10日（周一）\n"
    ex = extract(header + "客户-晏总：我们下周五内部开个会，把供应商定下来。定了的话最好六月就能用起来。\n")
    assert ex.close_date is not None and ex.close_date.value == date(2027, 5, 21)
    ex = extract(header + "客户-晏总：下个月十号之前我们开合伙人会，会上定。\n")
    assert ex.close_date is not None and ex.close_date.value == date(2027, 6, 10)
    ex = extract(header + "客户-晏总：下周五之前给你结果，签不签都告诉你。\n")
    assert ex.close_date is not None and ex.close_date.value == date(2027, 5, 21)


def test_a_mobile_read_out_in_groups_with_commas():
    from bot.zh_parse import find_phones

    assert [c.value for c in find_phones("139，0755，2618。微信也是这个号。")] == ["13907552618"]
    assert find_phones("价格 100，2000，3000") == []


def test_people_copied_on_a_mail_at_the_customers_domain():
    ex = extract(
        "From: 林峰 <linfeng@yunfan-tech.example>\nTo: 晏长青 <yancq@xinggang-wl.com>\n"
        "Cc: 陈静 <chenjing@xinggang-wl.com>; 刘卫东 <liuwd@xinggang-holding.com>\n"
        "Date: Thu, 3 Dec 2026 17:40:12 +0800\n\n晏总、陈经理，您好：\n纪要如下。\n林峰\n云帆科技 大客户部\n"
    )
    assert {"晏长青", "陈静"} <= names(ex) and "刘卫东" not in names(ex) and "林峰" not in names(ex)
    assert {c.name: c.email for c in ex.contacts}["陈静"] == "chenjing@xinggang-wl.com"


def test_the_contact_key_in_notes_and_names_said_on_their_own():
    ex = extract("拜访记录 2027-05-07\n联系人：邓丽萍，教务主任，手机 139 2204 7781\n")
    assert [(c.name, c.title, c.phone) for c in ex.contacts] == [("邓丽萍", "教务主任", "13922047781")]
    ex = extract(INTRO_LINE + "客户-老黄：合同发我就行，黄志诚，电话137 1430 8826。\n")
    assert "黄志诚" in names(ex) and "老黄" not in names(ex)
    ex = extract("喂，孔总吗？我是云帆科技的林峰。\n是我，你说。\n一三六 八五三一 零九二七，我叫孔祥瑞，你存一下。\n")
    assert "孔祥瑞" in names(ex) and "孔总" not in names(ex)


def test_chat_labels_with_the_person_first_and_a_voice_mark_first():
    ex = extract(
        "群聊记录 2027-05-07\n"
        "[10:02] 林峰-云帆：晏总好，35个号，合计119,000元。\n"
        "[10:05] 陈志远-星港财务：付款流程找我。\n"
        "[语音转文字] 李姐：我电话139 8710 2265，有事打我。\n"
    )
    assert ex.our_side == ["林峰"] and {"陈志远", "李姐"} <= names(ex)
    assert phones_of(ex)["李姐"] == ["13987102265"]


def test_places_are_not_people():
    ex = extract(INTRO_LINE + "客户-晏总：我们在苏州、常州都有门店，老板说万可以再谈。\n")
    assert not {"苏州", "常州", "万可以"} & names(ex)


def test_service_trades_name_the_account_and_others_references_do_not():
    ex = extract(INTRO_LINE + "客户-晏总：哦对。我们恒温暖通这边确实想弄个系统管项目。\n")
    assert ex.account is not None and ex.account.value == "恒温暖通"
    ex = extract(
        INTRO_LINE + "客户-晏总：我们安消盾消防这边主要做维保。\n"
        "客户-邹工：纷享的人上个月也来了，他们说给湖北楚天消防做过，楚天用得很好。\n"
    )
    assert ex.account is not None and ex.account.value == "安消盾消防"


def test_numbers_of_partners_the_parent_group_and_our_signature_stay_out():
    ex = extract(
        "会议纪要 2027-05-07\n"
        "晏长青：你好。我是星港物流的总经理晏长青。另外这位是信达系统集成的孟工，我们的系统都是他们做的。\n"
        "孟凡（信达）：林经理好，我是孟凡，回头接口的事找我，我手机 158 6620 7713。\n"
        "林峰：好的。华软集成的朱工跟我联系过，他电话是159 5190 3377，我们直接对接。\n"
        "晏长青：集团财务的许总也要看合同，他电话139 0731 6688。我的手机是 138 5021 0077。\n"
        "林峰：好的晏总。\n林峰 | 云帆科技 大客户经理 | 138 0571 2266\n"
    )
    assert phones_of(ex) == {"晏长青": ["13850210077"]}
    ex = extract(
        "群聊 2027-05-07\n【云帆-林峰】各位好。\n【栖云-麦家豪】联调我来对接，座机 0571-8866 2030。\n"
        "【栖云控股-龙飞】合同里的等保条款发我看一下，我电话 139 5718 0066。\n【栖云-麦家豪】好的。\n"
    )
    assert "龙飞" not in names(ex) and all("13957180066" not in v for v in phones_of(ex).values())
