"""Chat exports as reps paste them: sender lines with the company and the time, dated timestamps in brackets,
voice messages with spaces for commas; and the figures, counts and dates such chats carry.

Every transcript here was written for these tests (invented companies and people)."""

from datetime import date
from types import SimpleNamespace

from bot.org import OrgProfile
from tools.autofill.extract import KnownAccount, extract_rules, label_company, split_sentences

TODAY = date(2027, 5, 12)  # a Wednesday
ORG = OrgProfile.from_settings(SimpleNamespace(org_name="云帆科技,云帆", competitors="销售易", org_products=""))
RIVALS = OrgProfile.from_settings(
    SimpleNamespace(org_name="云帆科技,云帆", competitors="纷享销客/纷享,销售易/销售e,海纳CRM/海纳", org_products="")
)


def extract(text: str, **kwargs):
    return extract_rules(text, TODAY, org=ORG, **kwargs)


def names(ex) -> set[str]:
    return {c.name for c in ex.contacts}


def test_a_sender_line_with_company_title_and_voice_mark():
    ex = extract(
        "微信语音转文字导出  2027年5月12日\n"
        "阿珍（茶小满 店务总监）[语音] 20:31\n"
        "房经理 老板说了 这个系统预算最多十万 你们那个九万六的方案可以\n"
        "云帆-房雨 20:33\n"
        "好的珍姐 就是32家店每店一个账号 一年九万六\n"
        "阿珍（茶小满 店务总监）[语音] 20:36\n"
        "对 下下周一签 你合同先发我 我手机一八九 六六二一 零四三八\n"
    )
    assert ex.account is not None and ex.account.value == "茶小满"
    assert names(ex) == {"阿珍"}
    assert ex.contacts[0].phone == "18966210438"
    assert "房雨" in ex.our_side
    # the voice message's spaces separate budget from our price
    assert ex.budget.value == 100000 and ex.amount.value == 96000
    assert ex.seats.value == 32
    assert ex.close_date.value == date(2027, 5, 24)


def test_a_timestamp_with_its_date_in_brackets_is_not_the_speaker():
    sentences = split_sentences(
        "[2027-05-12 10:21] 郭校长：我们八个校区，要十七个号\n[10-12 09:30] 何佳（云帆科技）：好的郭校长\n"
    )
    assert [s.speaker for s in sentences] == ["郭校长", "何佳（云帆科技）"]
    assert sentences[0].text.startswith("我们八个校区")


def test_label_company_reads_the_company_not_the_person_or_the_role():
    assert label_company("阿珍（茶小满 店务总监）") == "茶小满"
    assert label_company("蓝鲸物流-孙敏") == "蓝鲸物流"
    assert label_company("Luna-毛孩子市场总监") == "毛孩子"
    assert label_company("Amy周雨桐-逸居") == "逸居"
    for label in ("甲方（吴俊）", "甲方（Bobby）", "小叶（IT）", "周总（财务部）", "销售-王磊", "李总（采购经理）"):
        assert label_company(label) is None, label


def test_chat_names_with_english_names_roles_and_partners():
    ex = extract(
        "群聊：云帆×逸居酒店 CRM项目沟通群\n"
        "导出时间：2027-05-12 18:05\n\n"
        "2027-05-12 09:12 宋琪（云帆科技）\n"
        "@Amy周雨桐-逸居 早上好，报价整理好了：80个号，一年12万8。\n\n"
        "2027-05-12 09:30 Amy周雨桐-逸居\n"
        "收到。我们这边预算最多12万。\n\n"
        "2027-05-12 10:05 陈志远-逸居财务\n"
        "补充一下，合同主体是成都逸居酒店管理有限公司，我手机13980124576。\n\n"
        "2027-05-12 11:20 钟毅（云帆售前）\n"
        "历史数据我们可以帮忙迁移。\n\n"
        "2027-05-12 11:40 Ben-星火代运营\n"
        "天猫会员的接口找我，电话 13611112222。\n"
    )
    assert names(ex) == {"周雨桐", "陈志远"}
    assert {"宋琪", "钟毅"} <= set(ex.our_side)
    assert "Ben" in ex.not_contacts
    assert ex.account.value == "成都逸居酒店管理有限公司"
    assert [c.phone for c in ex.contacts if c.name == "陈志远"] == ["13980124576"]
    assert all(c.phone != "13611112222" for c in ex.contacts)


def test_a_price_and_the_ceiling_it_sits_within():
    ex = extract(
        "张总：老板说最多十五万。\n郑凯（云帆科技）：三十个账号我重新报了一下，十四万八。\n张总：十四万八行吧，在十五万里面。\n"
    )
    assert ex.amount.value == 148000 and ex.budget.value == 150000
    ex = extract("孟凯（云帆科技）：三年一共六万五。\n张总：理解，六万五在八万以内。\n")
    assert ex.amount.value == 65000 and ex.budget.value == 80000


def test_trial_accounts_are_not_seats_and_role_accounts_are():
    ex = extract(
        "王峰（云帆科技）：按60个工程师账号，一个号一个月两百，一年就是十四万四。\n"
        "邵总：可以。\n"
        "王峰（云帆科技）：好，我明天先给您开两个试用账号，您和邵总都体验一下。\n"
    )
    assert ex.seats.value == 60
    ex = extract("汤明：账号的话十二个账号。\n汤明：麻烦明天先发两个试用账号给我。\n")
    assert ex.seats.value == 12


def test_a_dated_answer_to_when_they_decide_is_the_close_date_without_a_question_mark():
    ex = extract(
        "钉钉视频会议 自动转写（未分角色） 2027年5月12日\n"
        "好的 那司马总这边什么时候能定下来\n"
        "下周五之前给你答复 定下来的话 6月1号开始用\n"
    )
    assert ex.close_date.value == date(2027, 5, 21)
    assert ex.golive_date.value == date(2027, 6, 1)
    # a reply promised on a date, with no decision asked about, stays a next step
    ex = extract("陈敏：这个我回去跟财务确认一下，下周三前给您答复。\n")
    assert ex.close_date is None
    assert [s.due for s in ex.next_steps] == [date(2027, 5, 19)]


def test_a_known_account_named_only_by_a_trade_word_does_not_match_another_company():
    known = [KnownAccount(7, "无锡新材料科技股份有限公司", "无锡新材料")]
    ex = extract(
        "电话 | 2027-05-12 周三 10:15 | 昆山恒包新材料有限公司 采购部\n"
        "销售-尹涛：王姐您好，我是云帆科技的尹涛。\n"
        "客户-王姐：看了，新材料这块我们今年刚扩产。\n",
        known_accounts=known,
    )
    assert ex.account.value == "昆山恒包新材料有限公司" and ex.account_id is None


def test_a_clause_after_a_verb_of_arriving_is_no_company():
    ex = extract(
        "2027/05/12 14:00 电话（通话录音自动转写，未分角色）\n"
        "客户：山东鲁兴工程机械租赁有限公司\n\n"
        "喂，孔经理吗？我是云帆科技的戴磊，上周跟您约了今天电话沟通方案。\n"
        "可以，租期快到了会提醒业务员去续租或者安排退场。\n"
    )
    assert ex.account.value == "山东鲁兴工程机械租赁有限公司"


def test_a_chat_title_names_the_customer():
    ex = extract(
        "微信 · 李姐（彩云花语）\n5月12日 周三\n"
        "[语音转文字] 李姐：就十个吧，我们批发档口加电商一共十个人用。\n"
        "唐宁：好的李姐！\n"
    )
    assert ex.account.value == "彩云花语"


def test_our_name_glued_to_the_rep_and_a_customer_greeting_the_rep():
    ex = extract(
        "微信聊天记录 2027/05/12 颜如玉美容（王姐）\n"
        "王姐 [语音转文字] 11:05\n"
        "孟经理 我们几个店长开了个会 先上12个账号\n"
        "云帆孟瑶 11:07\n"
        "好的王姐 12个账号一年是三万六\n"
    )
    assert names(ex) == {"王姐"} and "孟瑶" in ex.our_side
    # nobody names our company: the one greeted as 柯经理 is our rep
    ex = extract(
        "柯宇: 严总好，Coco好。今天我带了方案过来。\n"
        "严俊峰: 你好。以后会籍这块找Coco，她是我们的会籍总监。\n"
        "Coco: 你好柯经理。我们现在12家店。\n"
    )
    assert names(ex) >= {"严俊峰", "Coco"} and "柯宇" not in names(ex)


def test_people_named_by_the_customer_and_people_who_are_not_theirs():
    ex = extract(
        "销售-蔡文：合同我还是发给阿杰？\n"
        "客户-梁总：对，阿杰是我们店长代表。合同寄给我们行政专员田甜。我们 IT 的 Tony 也在线上。\n"
        "客户-梁总：预算集团的钱总那边审。原来的系统是前任IT经理魏东选弄的，他去年已经走了。\n"
    )
    assert {"阿杰", "田甜", "Tony"} <= names(ex)
    assert not names(ex) & {"钱总", "魏东选"}
    by_name = {c.name: c for c in ex.contacts}
    assert by_name["田甜"].title == "行政专员"


def test_a_signature_with_our_company_and_a_partner_label_in_round_brackets():
    ex = extract(
        "发件人: 宋晓东 <songxd@xinheng-cpa.com>\n"
        "收件人: 唐宁 <tangning@yunfan-tech.cn>\n"
        "主题: Re: 沟通要点\n"
        "唐经理：合伙人同意按18个账号执行。\n"
        "宋晓东  信衡会计师事务所（特殊普通合伙） 合伙人  电话 021-6208 7716\n\n"
        "发件人: 唐宁 <tangning@yunfan-tech.cn>\n"
        "主题: 沟通要点\n"
        "宋老师好，要点如下。\n"
        "唐宁  云帆科技  138 1660 4521\n"
    )
    assert "唐宁" in ex.our_side and not names(ex) & {"唐宁", "唐经理"}
    assert all(c.phone != "13816604521" for c in ex.contacts)
    ex = extract(
        "销售-潘宇：各位好，我是云帆科技的潘宇，还有我们在佛山的合作伙伴智联软件的小麦。\n"
        "客户-梁总：好。\n"
        "（智联软件-小麦）补充一下，实施期间可以驻场，我的电话是135 3389 2016。\n"
    )
    assert "小麦" not in names(ex) and "小麦" in ex.not_contacts


def test_voice_messages_without_a_colon_and_a_customer_who_names_his_company():
    ex = extract(
        "微信聊天记录（语音已转文字）— 与 马建军（丰禾种业）\n2027年5月12日 周三\n\n"
        "马建军 [语音转文字 0:42] 严经理你好，我是丰禾的马建军，市场部经理。老板说总价三十二万八千还是高了。\n"
        "严骏：马经理好，您这边心理价位大概多少？\n"
        "马建军 [语音转文字 0:35] 老板的意思是三十万以内最好，我们今年这块预算就三十万。\n"
        "严骏：对，业务员80个账号。我这边最多能给到三十一万，这个是底价了。\n"
        "马建军 [语音转文字 0:28] 行吧，三十一万就三十一万，我跟老板说。\n"
    )
    assert names(ex) == {"马建军"} and "严骏" in ex.our_side
    assert ex.budget.value == 300000 and ex.amount.value == 310000


def test_budget_raised_and_a_rep_correcting_his_own_quote():
    ex = extract("Speaker 2: 12万8。我们预算上限原来是十万，不过老板上周说可以放到十三万。\n")
    assert ex.budget.value == 130000
    ex = extract("客户-霍总：对，价格不是主要原因。我们预算原来说三十万左右，后来其实能到三十五万。\n")
    assert ex.budget.value == 350000
    ex = extract(
        "Speaker 1: 邹经理好，我是云帆科技的贝宁。我们按50个账号报的是三十二万八千。\n"
        "Speaker 2: 我们预算四十万封顶，这个价格可以接受。\n"
        "Speaker 1: 不对不对，不好意思，我算错了，50个账号是三十一万八千，少了一万。\n"
    )
    assert ex.budget.value == 400000 and ex.amount.value == 318000


def test_a_note_line_with_a_total_and_a_budget():
    ex = extract(
        "拜访纪要 — 2027.5.12 — 记录：陆文\n- 报价：2200/号/年，20个号合计4.4万，胡总说可以接受，预算5万以内。\n"
    )
    assert ex.amount.value == 44000 and ex.budget.value == 50000


def test_the_competitor_also_quoted_is_not_our_price():
    ex = extract("销售-苗然：那我们给九五折，二十二万八。\n客户-祁总：二十二万八可以。销售易那边也报了，二十万出头。\n")
    assert ex.amount.value == 228000


def test_a_dictated_report_names_the_people_met():
    ex = extract(
        "今天上午去了安信物业，见了他们的物业经理黄海涛，还有客服主管小钱。邵院长亲自接待的，市场部的小林也在。"
    )
    assert {"黄海涛", "小钱", "小林"} <= names(ex)
    assert {c.name: c.title for c in ex.contacts}["黄海涛"] == "物业经理"
    ex = extract("见了简总和他们商务部的小温他们做LED显示屏")
    assert {"简总", "小温"} <= names(ex)
    # an unpunctuated ASR run with spaces between the words
    ex = extract("那个 刚 从 明 眸 眼镜 出来 嗯 见 了 他们 的 老板 娘 陈姐 还有 店长 阿杰 他们 三十 多 家 店")
    assert "阿杰" in names(ex)
    ex = extract("上周五去的祥和服饰车总接待的他们做职业装和校服")
    assert "车总" in names(ex)
    # our own boss is not the customer's
    ex = extract("今天去了安信物业，我们王总也去了，见了他们的物业经理黄海涛。")
    assert "王总" not in names(ex)


def test_sales_slang_for_ten_thousands_in_a_report():
    ex = extract("刚从禾康饲料出来。预算的话，孙总说大概四十个左右，今年能批下来。")
    assert ex.budget.value == 400000
    ex = extract("上周五去的安家地产见了卢总卢总说今年这个系统可以投三十个左右现在用的是房友系统")
    assert ex.budget.value == 300000
    # a count of accounts stays a count
    ex = extract("报价的话三十个左右账号，一年九万。")
    assert ex.budget is None or ex.budget.value != 300000


def test_partners_in_the_participant_list_and_the_vendor_of_their_system():
    ex = extract(
        "与会：华纶——张永年、邵红、贾斌；苏纶软件（本地代理）——马工；云帆——张帆、陈露\n"
        "张帆: 谢谢各位。\n"
        "邵红：客户在表格里。\n"
        "马工: 文档我这边也可以配合，我电话 189 6288 1032。\n"
    )
    assert "马工" not in names(ex) and all(c.phone != "18962881032" for c in ex.contacts)
    ex = extract(
        "参会人：陈海涛、钱伟、Kevin（博科信息）、郑凯、陶然\n"
        "陈海涛: 好。我是宁波恒锐汽车零部件股份有限公司信息部经理陈海涛。\n"
        "郑凯: 我是云帆科技的郑凯。\n"
        "Kevin: 有事直接打我电话138 5741 6602。\n"
    )
    assert "Kevin" not in names(ex) and "陈海涛" in names(ex)
    ex = extract(
        "郝文斌: 我们的核心业务系统是华数软件做的，今天华数的小秦也在线上。\n"
        "许诺: 大家好，我是云帆科技的许诺。\n"
        "小秦: 接口的问题直接找我，186 7731 2209。\n"
        "郝文斌: 我们IT是外包给长沙数联科技的，他们的小吴会负责对接。\n"
    )
    assert not names(ex) & {"小秦", "小吴"} and "郝文斌" in names(ex)


def test_our_rep_leaving_his_number_in_a_transcript_without_labels_and_a_header_key():
    ex = extract(
        "2027/05/12 14:00 电话（未分角色）\n"
        "发给我们调度也行。我手机一三六 八五三一 零九二七，我叫孔祥瑞，你存一下。\n"
        "好的孔经理，我的手机是180 5329 4471，有事随时打我。\n"
    )
    assert [c.phone for c in ex.contacts if c.name == "孔祥瑞"] == ["13685310927"]
    assert all(c.phone != "18053294471" for c in ex.contacts)
    ex = extract("客户：华骏汽车销售服务有限公司\n对象：葛磊，售后总监，133 7812 4509\n")
    assert [(c.name, c.phone) for c in ex.contacts] == [("葛磊", "13378124509")]


def test_the_account_is_not_a_crm_company_sharing_a_brand_or_a_provider_of_theirs():
    known = [KnownAccount(3, "江苏启明教育科技有限公司", "启明教育")]
    ex = extract(
        "2027年5月12日 河南启明教育图书有限公司 现场拜访 录音整理\n李娜：张总，我是云帆的李娜。\n张总：坐。\n",
        known_accounts=known,
    )
    assert ex.account.value == "河南启明教育图书有限公司" and ex.account_id is None
    ex = extract(
        "张总：我们ERP是海典的，对接的事是昆明滇信科技在做，他们是海典的代理。\n"
        "王磊（云帆科技）：对接接口我们跟滇信那边沟通。\n"
        "张总：行。云南康之源大药房连锁有限公司，合同抬头这么写。\n"
    )
    assert ex.account.value == "云南康之源大药房连锁有限公司"
    ex = extract(
        "会员运营数字化工作坊（现场）录音整理\n日期：2027年5月12日\n地点：湖南百济大药房连锁有限公司 总部 6楼\n"
        "[00:23:00] 欧阳倩: 还有配送那块，是海纳物流做的，要不要接？\n"
        "[00:23:30] 林可（云帆科技）: 明白，海纳物流这期不接。\n"
    )
    assert ex.account.value == "湖南百济大药房连锁有限公司"


def test_a_notes_title_line_does_not_make_the_header_someone_talking():
    ex = extract(
        "【拜访记录】云帆科技 销售：姜涛\n"
        "日期：2027年5月12日（周三）  方式：上门拜访\n"
        "客户：哈尔滨北国风光国际旅行社有限公司\n\n"
        "- 参会：总经理于海波（于总）、计调主管小孙。\n"
        "- 备注：他们下面的地接社（松花江假日旅行社）是独立的，不在这次范围。\n"
    )
    assert ex.account.value == "哈尔滨北国风光国际旅行社有限公司"


def test_budget_ranges_ceilings_and_prices_said_again():
    ex = extract(
        "销售-王磊: 二十个号，一年是十三万六。\n客户-周总：十三万六……我们今年批给这块的就十五六万，还得留点给硬件。\n"
    )
    assert ex.budget.value == 160000 and ex.amount.value == 136000
    ex = extract(
        "【云帆-田甜】七十五个账号，我们报价三十三万。\n"
        "【客户-龚丽】集团今年给信息化八十万的盘子，我们CRM这块是三十五万。\n"
        "【客户-魏东】三十三万能不能打个九五折？\n"
        "【云帆-田甜】九五折……三十一万三千五，可以。\n"
    )
    assert ex.budget.value == 350000 and ex.amount.value == 313500
    ex = extract(
        "周婷（云帆科技）：凑个整，两年五万五。\n"
        "唐姐：今年数字化总预算是二十万，CRM这块我们最多给个七八万。\n"
        "彭总：够了够了，五万五在里面。\n"
    )
    assert ex.budget.value == 80000 and ex.amount.value == 55000
    ex = extract(
        "云帆-程骁：28个账号，我们报价一年16.8万。\n"
        "鲜达-韦东：预算最多十八万。\n"
        "云帆-程骁：16.8万在范围内，我们维持这个报价。\n"
    )
    assert ex.amount.value == 168000 and ex.budget.value == 180000
    ex = extract("4. 预算：去年批的是十二万元没花掉，今年龚总说可以加到十五万。\n")
    assert ex.budget.value == 150000


def test_a_slash_date_after_a_label_colon():
    ex = extract("拜访纪要 2027年5月12日\n5. 时间：6/5 前签；7月1号上线。\n")
    assert ex.close_date.value == date(2027, 6, 5) and ex.golive_date.value == date(2027, 7, 1)


def test_sender_and_time_then_the_message_on_one_line():
    ex = extract(
        "微信对话（含语音转文字）2027年5月12日\n"
        "田甜 09:12 龙厂长好！您这边定了几个人用？\n"
        "龙厂长 09:20 [语音转文字] 我们跑业务的六个 加客服两个 一共八个\n"
        "田甜 09:21 好的，八个账号一年一万二。\n"
        "龙厂长 09:30 [语音转文字] 再加两个司机 十个吧\n"
        "田甜 09:32 十个的话一年一万五。\n"
        "龙厂长 09:40 [语音转文字] 一万五太多了 我们这个小厂一年就一万来块钱的预算 一万二吧\n"
        "田甜 09:45 一万三，不能再低了，已经是最低折扣。\n"
        "龙厂长 09:50 [语音转文字] 行吧 一万三\n"
    )
    assert ex.amount.value == 13000 and ex.budget.value == 10000 and ex.seats.value == 10


def test_a_competitors_figure_in_our_mail_a_yearly_price_and_a_rounded_requote():
    ex = extract_rules(
        "发件人：许嘉 <xujia@yunfan-tech.com>\n收件人：郭婧 <guojing@bingchuan-cold.com>\n"
        "郭总您好，\n2. 35 个账号原价 14 万/年，按会上说的九折，最终报价 12.6 万/年；\n"
        "另：您提到的纷享报价 13.5 万及南通极冻的案例，我们的差异对比见附件。\n"
        "许嘉｜云帆科技 华东大客户部\n",
        TODAY,
        org=RIVALS,
    )
    assert ex.amount.value == 126000
    ex = extract("发言人1：五十个的话我重新算一下，单价三千六，一年是十八万，我给您凑个整，十七万。\n")
    assert ex.amount.value == 170000
    ex = extract_rules(
        "发言人1：我是云帆科技的陈力，四十个账号一年十五万。\n"
        "发言人2：不过说实话，销售 e 给我们报的是二十二万，我们也在比较。\n",
        TODAY,
        org=RIVALS,
    )
    assert ex.amount.value == 150000


def test_a_competitor_named_to_be_set_aside():
    ex = extract_rules(
        "10. 备注：集团另外一个板块鹿鸣冷运在用海纳，侯经理说跟他们没关系，不用参考。\n", TODAY, org=RIVALS
    )
    assert [c.value for c in ex.competitors] == []
    # a two-character name followed by 报价 / 太贵 is still the name
    ex = extract_rules("客户-王总：纷享报价比你们低，纷享太贵我们也不想。\n", TODAY, org=RIVALS)
    assert [c.value for c in ex.competitors] == ["纷享销客"]


def test_participants_each_with_their_company_and_partners_introducing_themselves():
    ex = extract(
        "会议主题：小橡树教育 招生CRM 方案沟通\n"
        "参会者：李文博（云帆科技）、梁蕾（小橡树教育 招生总监）、杭程（小橡树教育 财务经理）、郝工（启明教育集团）\n"
        "李文博：各位好。\n"
        "郝工：我先说一下，我是启明教育集团有限公司信息中心的郝工，集团这边只看安全合规。\n"
        "梁蕾：对。我们十二所园。\n"
        "杭程：集团有规定，软件采购要九折以内。\n"
    )
    assert names(ex) == {"梁蕾", "杭程"} and ex.our_side == ["李文博"]
    ex = extract(
        "销售-陈力：我是云帆科技的陈力。\n"
        "赵工：我补充一下，我是东禾信息的赵工，帮丰穗做用友U8的实施，后面接口找我。\n"
        "客户-王总：好的。\n"
    )
    assert "赵工" not in names(ex)
    # roles in the brackets still read by the list's key
    ex = extract("参会：我方 张伟（销售）、刘工（售前）；客户 王总\n张伟：王总好。\n王总：你好。\n")
    assert names(ex) == {"王总"}


def test_a_colleague_who_left_a_group_pairing_us_and_words_that_look_like_names():
    ex = extract("客户-小简：我是销售内勤小简。原来还有个内勤小罗，上个月走了，现在就我一个人。\n")
    assert "小罗" not in names(ex) and "小简" in names(ex)
    ex = extract(
        "微信群「麦霸KTV×云帆 会员系统」聊天记录导出\n"
        "2027-05-12 14:02 邝总：小甘，我们就六个店长用，先开六个号。\n"
        "2027-05-12 14:03 麦霸-阿杰(前厅经理)：邝总，我也要一个，我管订房的。\n"
        "2027-05-12 14:08 甘露：好的邝总，六个账号一年七千二。\n"
        "2027-05-12 14:10 邝总：可以，这周五定。\n"
    )
    assert ex.account.value == "麦霸KTV" and names(ex) == {"邝总", "阿杰"} and "甘露" in ex.our_side
    assert ex.close_date.value == date(2027, 5, 14)
    ex = extract("电话录音转写（单声道，未区分说话人）2027年5月12日\n业务员十五个，加跟单五个，二十个。\n")
    assert not names(ex) & {"单声道", "单五个"}


def test_budget_slang_in_dictated_runs():
    for text, value in (
        ("昨天去了禾丰种苗见了采购部的田经理他们今年想上一套经销商订货系统大概四十个左右的预算", 400000),
        (
            "上周五 去了 绿 野 苗木见了邵总他们想把工程客户的报价和回款管起来预算十二个左右 我下周一前把合同发过去",
            120000,
        ),
        (
            "嗯 今天 去 了 华 信物流园 嗯 预算 的话 卢 经理 说 大概 就是说 三 十个 左右 然后 下 一步 我 下周 五 之前 发 报价",
            300000,
        ),
        ("然后 今天 去 了 青 禾 教育 嗯 见 了 园长 伍 丽 华 那个 预算 的话 伍 园长 说 就是说 五 六 个 吧 不多", 60000),
        (
            "今天去了趟美家家居他们每个月搞活动要给老客户发券现在没法按消费记录筛人预算王总说十五个左右他们比较关心收银系统",
            150000,
        ),
    ):
        ex = extract(text)
        money = ex.amount or ex.budget
        assert money is not None and money.value == value, text
    # a count of accounts after 预算 stays a count
    ex = extract("预算，我们三十个账号，一年九万。")
    assert (ex.budget or ex.amount).value == 90000


def test_a_recomputation_ends_on_its_total_and_bullets_do_not_inherit_a_key():
    ex = extract(
        "发言人1：九个账号，一个两千，一年一万八。\n"
        "发言人3：一万八啊，我们预算两万左右。\n"
        "发言人1：我重新算一下，您是老用户推荐过来的，一个按一千八，九个一万六千二。\n"
        "发言人3：一万六千二可以。\n"
    )
    assert ex.amount.value == 16200 and ex.budget.value == 20000
    ex = extract(
        "拜访笔记 — 白杨 2027.5.12（现场）\n"
        "- 客户：衢州东港职业技术学校，招生办 + 校企合作处\n"
        "- 见了招生办主任罗文（罗老师），校企合作处的小潘也在\n"
        "- 预算：学校 5 万以下免招标，罗老师说预算卡在四万九\n"
    )
    assert {"罗文", "小潘"} <= names(ex)
    assert {c.name: c.title for c in ex.contacts}["罗文"] == "招生办主任"


def test_dictated_reports_cut_at_pauses_still_give_the_visit():
    ex = extract(
        "那个 刚 从 鼎盛 钢构 出来 嗯 见了 他们 经营 副总 马 建 军 还有 商务 部 的 小 唐 呃 他们 想 把 项目 投标 管起来"
    )
    assert ex.account.value == "鼎盛钢构" and ex.meeting_date.value == TODAY
    ex = extract("补一下上周五的拜访：去了优品母婴，见了运营总监潘丽和会员主管小米。预算说三十来万。")
    assert ex.account.value == "优品母婴" and ex.meeting_date.value == date(2027, 5, 7)
    assert {"潘丽", "小米"} <= names(ex) and ex.budget.value == 300000
    ex = extract("嗯 昨天 去了 那个 星 河 游泳馆 就是 见了 店长 小 汤 嗯 他们 要 管 那个 会员 续卡")
    assert ex.account.value == "星河游泳馆"


def test_a_figure_right_after_a_discount_is_the_price():
    ex = extract(
        "5. 报价：12 × 1500 = 18000\n6. 预算：侯经理说预算两万左右\n"
        "9. 补充：重新报价 14 × 1500 = 21000，给了九折 18900，侯经理说可以报给老板\n"
    )
    assert ex.amount.value == 18900 and ex.budget.value == 20000


def test_the_customer_named_by_its_people_and_the_notes_header_whatever_its_trade():
    ex = extract("电话录音转写 2027年5月12日 下午\n喂您好 是声悦听力吗\n对 我是声悦听力的门店运营 姜蕾 你是哪位\n")
    assert ex.account.value == "声悦听力"
    ex = extract("2027-05-12 拜访 日照暖阳太阳能 县城门店\n吴海波：黄老板，我是云帆科技的吴海波。\n黄老板：对，坐。\n")
    assert ex.account.value == "日照暖阳太阳能"
    ex = extract(
        "钉钉视频会议 纪要\n时间：2027-05-12 09:00\n参与人：韦涛（云帆科技），千岛湖碧波游船 - 龚总\n"
        "韦涛：龚总好。\n龚总：你好。\n"
    )
    assert ex.account.value == "千岛湖碧波游船"
    # the integrator's engineer and a region are not the customer
    ex = extract(
        "与会：华纶——张永年、邵红；苏纶软件（本地代理）——马工；云帆——张帆\n"
        "马工: 我是苏纶软件的马工，华纶的用友U8是我们实施的。\n"
        "黎国华: 我是长沙片区的区域经理黎国华。\n"
        "邵红：客户在纷享里面。合同抬头是江苏华纶纺织股份有限公司。\n"
    )
    assert ex.account.value == "江苏华纶纺织股份有限公司"


def test_clauses_are_not_companies():
    ex = extract(
        "- 客户：跳跳星球蹦床公园（万象城四楼店），店长负责学校和公司团建\n抄送：集团信息中心\n"
        "- 需求：集团还有安装公司和配件公司，这次只上门店\n"
    )
    assert ex.account.value == "跳跳星球蹦床公园"


def test_a_discount_accepted_after_we_said_the_discounted_figure():
    ex = extract(
        "庞雪梅：我们这次预算二十五万，五十二个账号。\n谢宇（云帆科技）：我们按五十二个账号报的是二十六万。\n"
        "谢宇（云帆科技）：这样，我给您申请九折，二十三万四。\n庞雪梅：九折可以接受。\n"
    )
    assert ex.amount.value == 234000


def test_our_rep_meeting_the_budget_is_the_price():
    for text, price in (
        (
            "吴海波（云帆科技）: 十二个账号一年是三万六。\n黄老板：太贵了，我们预算就两三万。\n"
            "吴海波（云帆科技）: 那我按三万给您，零头抹了。\n黄老板：三万行吧。\n",
            30000,
        ),
        (
            "乙方 鲍悦：那先开四个账号，一年一万二。\n甲方 柯老师：我们预算一万以内。\n"
            "乙方 鲍悦：那我申请一下，给您一万。\n甲方 柯老师：行，一万的话我们下周五前签。\n",
            10000,
        ),
        (
            "冯亮（云帆科技）：十四个的话，一年四万二。\n柏老板：我们年前定的预算是三万，最多三万五。\n"
            "冯亮（云帆科技）：那我按三万五给您报，十四个账号。\n",
            35000,
        ),
    ):
        ex = extract(text)
        assert ex.amount.value == price, text
    # sending something to the customer is not a price
    ex = extract(
        "王磊（云帆科技）：报价一年八万。\n周总：预算十万。\n王磊（云帆科技）：好的，十万以内没问题，我明天给您发合同。\n"
    )
    assert ex.amount.value == 80000


def test_envelopes_set_aside_quoted_mails_and_a_time_before_the_colon():
    ex = extract(
        "客户-宋建国：今年信息化总共一百二十万，大头是闸机和票务，给到销售这块的大概十五到二十万。\n"
        "销售-林涛：按二十五个账号，一年是十六万八千，含实施。\n"
    )
    assert ex.budget.value == 200000 and ex.amount.value == 168000
    ex = extract(
        "客户-乔建平：我们预算今年给到十五万。\n"
        "客户-乔建平：集团今年数字化总预算是八百万，但那个跟我们没关系，别拿那个说事啊。\n"
    )
    assert ex.budget.value == 150000
    ex = extract(
        "梁蕾：四万三千二可以。我们园区这边今年招生系统的预算是五万，集团整体的信息化预算两百万，那个跟我们没关系。\n"
    )
    assert ex.budget.value == 50000
    ex = extract("莫晓光 00:03:40：我们预算是八到十万。\n")
    assert ex.budget.value == 100000 and ex.budget.evidence.startswith("莫晓光")
    ex = extract(
        "From: 施国栋 <shigd@feiyu-agri.com>\nTo: 殷琪 <yinqi@yunfan-tech.com>\nDate: 2027-05-12 21:40\n"
        "殷经理：\n纪要收到，两点更正：我们这期的预算上限是 18 万，不是 20 万。\n\n"
        "> From: 殷琪 <yinqi@yunfan-tech.com>\n> Date: 2027-05-12 18:05\n> 施总监：\n> - 预算：20 万。\n"
        "> - 我方报价：50 个账号 × 3,800 元/年 = 19 万元/年；如按 45 个账号，则为 17.1 万元/年。\n"
    )
    assert ex.budget.value == 180000


def test_a_phone_read_digit_by_digit_and_a_bracketed_chat_time():
    ex = extract("[语音 15秒] 转文字：合同发给我助理小秦 她电话 1 3 5 7 7 0 2 3 1 4 6 店长名单这周给你\n")
    assert [c.phone for c in ex.contacts if c.name == "小秦"] == ["13577023146"]
    ex = extract(
        "群聊：云帆 × 博齿义齿 CRM项目沟通群\n"
        "【2027/5/12 09:31】 郑凯（云帆）：各位早。\n"
        "【2027/5/12 09:40】 唐卫东：收到。我是博齿义齿的采购经理唐卫东。\n"
        "【2027/5/12 15:10】 唐卫东：我座机 020-3722 5610，手机就不留了。\n"
    )
    assert [(c.name, c.phone) for c in ex.contacts] == [("唐卫东", "020-37225610")]
    assert "郑凯" in ex.our_side


def test_a_count_denied_after_bu_shi_is_the_old_one():
    ex = extract("客户-施国栋：纪要收到，两点更正：1. 账号数是 45 个，不是 50 个（植保队长不用开）。\n")
    assert ex.seats.value == 45
