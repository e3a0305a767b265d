"""Minutes exports and plans as written in 2027 and later: the time in brackets after the speaker's name,
participant lists where only our people carry a company, and festivals whose date moves with the lunar
calendar (chinese_calendar does not know 2027's breaks yet, the festival days are known).

Every transcript here was written for these tests (invented companies and people)."""

from datetime import date
from types import SimpleNamespace

from bot.org import OrgProfile
from bot.zh_parse import plan_dates
from tools.autofill.extract import extract_rules, label_company, split_sentences

TODAY = date(2027, 7, 29)  # a Thursday
ORG = OrgProfile.from_settings(
    SimpleNamespace(org_name="云帆科技,云帆,云番科技", competitors="悟空CRM/悟空", org_products="")
)


def extract(text: str, today: date = TODAY, **kwargs):
    return extract_rules(text, today, org=ORG, **kwargs)


def names(ex) -> set[str]:
    return {c.name for c in ex.contacts}


MINUTES = (
    "腾讯会议 智能纪要\n"
    "会议名称：云番科技-青禾 需求沟通\n"
    "会议时间：2027/07/29 10:00-10:45\n"
    "参会成员（4人）：范志远、梅丽、云番科技-蔡明、云番科技-谢婷\n"
    "转写节选：\n"
    "范志远(00:01:10)：我是苏州青禾再生资源有限公司的总经理范志远。\n"
    "梅丽(00:02:05)：我是客服主管梅丽。\n"
    "蔡明(00:05:12)：账号需要多少个？\n"
    "范志远(00:05:40)：二十个吧。\n"
    "谢婷(00:08:20)：二十个账号一年四万八，加地图模块一万二，一共六万。\n"
    "蔡明(00:12:45)：范总，地图模块我们第一年送，您就按四万八。\n"
    "范志远(00:13:30)：四万八行。我们下周四前定，九月一号上线。\n"
    "梅丽(00:14:10)：我手机 150 5716 2840。\n"
)


def test_a_time_in_brackets_after_the_name_is_part_of_the_label():
    sentences = split_sentences(MINUTES)
    spoken = [s for s in sentences if s.speaker]
    assert spoken[0].speaker == "范志远" and spoken[0].text.startswith("我是苏州青禾")
    assert {s.speaker for s in spoken} == {"范志远", "梅丽", "蔡明", "谢婷"}


def test_only_the_participants_with_our_company_before_their_names_are_ours():
    ex = extract(MINUTES)
    assert names(ex) == {"范志远", "梅丽"}
    assert set(ex.our_side) == {"蔡明", "谢婷"}
    assert {c.name: c.title for c in ex.contacts} == {"范志远": "总经理", "梅丽": "客服主管"}
    assert ex.amount.value == 48000 and ex.seats.value == 20
    assert ex.close_date.value == date(2027, 8, 5) and ex.golive_date.value == date(2027, 9, 1)


def test_each_participant_keeps_the_company_written_before_them():
    ex = extract(
        "飞书妙记｜门店方案沟通\n"
        "日期：2027年7月29日 15:00\n"
        "参会人：蔓青摄影-邹颖（运营总监）、蔓青摄影-冯伟（门店店长）、云帆科技-白露、云帆科技-谢宁\n"
        "白露 00:00:04\n邹总好，冯店长好。\n"
        "邹颖 00:00:20\n我们现在五家店，要三十个账号。\n"
    )
    assert names(ex) == {"邹颖", "冯伟"}
    assert set(ex.our_side) == {"白露", "谢宁"}


def test_signing_before_a_festival_and_going_live_on_a_later_date_in_one_run():
    ex = extract(
        "微信聊天记录\n"
        "2027-06-30 21:05 刘总（星耀灯光）\n"
        "[语音转文字] 五万二可以就这么定了合同抬头写星耀灯光秀有限公司中秋前把合同签了九月一号开始用\n",
        date(2027, 6, 30),
    )
    assert ex.close_date.value == date(2027, 9, 14)  # 中秋 2027 is 15 September
    assert ex.golive_date.value == date(2027, 9, 1)


def test_festival_eves_in_years_the_holiday_calendar_does_not_know():
    def eve(text: str, ref: date) -> date:
        (found,) = plan_dates(text, ref)
        return found.date

    assert eve("端午前签合同", date(2027, 6, 3)) == date(2027, 6, 8)  # 端午 2027-06-09
    assert eve("中秋节前定下来", date(2027, 6, 3)) == date(2027, 9, 14)
    assert eve("清明前上线", date(2028, 1, 10)) == date(2028, 4, 3)  # 清明 2028-04-04
    assert eve("春节前签", date(2027, 6, 3)) == date(2028, 1, 25)  # 除夕
    # past this year's festival: next year's
    assert eve("端午前签合同", date(2027, 6, 20)) == date(2028, 5, 27)  # 端午 2028-05-28
    # a year the calendar knows reads the same way: the day before the festival
    assert eve("中秋前拍板", date(2026, 6, 3)) == date(2026, 9, 24)


# --- the account, whatever the customer's trade ----------------------------------------------------------


def account_of(text: str, today: date = TODAY) -> str | None:
    ex = extract(text, today)
    return ex.account.value if ex.account else None


def test_a_legal_name_whose_words_hold_characters_that_cut_short_names():
    text = (
        "飞书视频会议 转写\n"
        "会议：雪途滑雪场 CRM 沟通 | 2027-09-16（周四）10:00\n"
        "销售-戚航：严经理好，我是云帆科技的戚航。\n"
        "客户-严经理：我是张家口雪途冰雪旅游开发有限公司市场销售部经理严冬，旁边是前台主管吴美。\n"
        "客户-严经理：销售二十个账号。\n"
    )
    assert account_of(text) == "张家口雪途冰雪旅游开发有限公司"


def test_the_short_name_in_brackets_after_a_legal_name_is_that_company():
    text = (
        "现场会谈记录  2027年6月28日（周一）  地点：星辰保龄球馆二楼会议室\n"
        "甲方：长沙星辰体育文化有限公司（星辰保龄）  乙方：云帆科技\n"
        "乙方（李娜）：王经理，感谢安排。\n"
        "甲方（王经理）：好。我是星辰保龄的市场部经理王一鸣。\n"
    )
    assert account_of(text) == "长沙星辰体育文化有限公司"


def test_a_customer_introducing_themselves_by_an_unlisted_trade_and_title():
    text = (
        "钉钉视频会议 录音转写\n日期：2027-08-17（周二）\n\n"
        "周立军\n大家好，我是如皋古松盆景园艺场的场长周立军，旁边是我儿子周小川。\n"
        "许晴\n周场长好，我是云帆科技的许晴。\n"
        "周小川\n我们现在主要卖给酒店，像金陵国际酒店这种大单，以前都是靠本子记。\n"
    )
    assert account_of(text) == "如皋古松盆景园艺场"
    ex = extract(text)
    assert "金陵国际酒店" in {o.value for o in ex.other_companies}  # cut where 像 begins the example


def test_our_reseller_introducing_themselves_is_neither_the_account_nor_a_contact():
    text = (
        "工作坊录音转写  2027-06-07（周一）  现场工作坊\n"
        "[00:00:05] 钱程: 各位早上好，我是云帆科技华东区的钱程。\n"
        "[00:00:14] 沈国梁: 我是湖州丝韵蚕丝家纺有限公司董事长沈国梁。\n"
        "[00:00:25] 俞菲: 大家好，我是电商总监俞菲。\n"
        "[00:00:33] 柯立: 我是浙北软件的柯立，云帆在湖州的代理商，前期一直是我在跟。\n"
        "[00:00:41] 柯立: 浙北软件这边后续也会配合实施。\n"
    )
    ex = extract(text)
    assert ex.account.value == "湖州丝韵蚕丝家纺有限公司"
    assert names(ex) == {"沈国梁", "俞菲"}


def test_a_header_names_the_customer_by_brand_and_any_trade():
    assert (
        account_of("电话录音 2027-09-28 周二 北冥冰球\n[00:00:01] 谢飞: 伍总您好，我是云帆科技谢飞。\n") == "北冥冰球"
    )
    assert (
        account_of("拜访录音转写 2027-06-21（周一） 甜蜂养蜂器材 门店现场\n[00:00:03] 吴倩: 何总，我是云帆的吴倩。\n")
        == "甜蜂养蜂器材"
    )
    # where the meeting was is not who it was with
    assert account_of("录音转写　2027-01-14　西安高新区 客户办公室\n您好您好 快请坐 外面冷吧\n") is None


def test_a_brand_name_and_the_legal_name_with_the_same_brand_are_one_company_but_a_parent_group_is_not():
    text = (
        "现场录音 2027-03-31 下午 谜境密室 南京总部\n"
        "欢迎欢迎，我是谜境的创始人付晓川。合同抬头写南京谜境文化创意有限公司。\n"
    )
    assert account_of(text, date(2027, 3, 31)) == "南京谜境文化创意有限公司"
    parent = (
        "会议纪要 2027-03-31 鲁香冷链 现场\n"
        "田国栋：我们鲁香控股集团有限公司下面有好几块业务，这次是冷链这边用，二十个账号。\n"
    )
    assert account_of(parent, date(2027, 3, 31)) == "鲁香冷链"


# --- people ---------------------------------------------------------------------------------------------


def test_a_group_chat_where_nobody_names_a_company_the_one_called_boss_is_the_customer():
    ex = extract(
        "迷城密室 × 云帆 沟通群\n"
        "林涛 2027/7/29 15:02:11\n曹老板，门店经理各一个号，一共六个？\n"
        "曹磊 2027/7/29 15:05:40\n对，六个。店里有事找 @甘露 她是我们运营总监\n"
        "甘露 2027/7/29 15:13:05\n收到～\n"
    )
    assert names(ex) == {"曹磊", "甘露"}
    assert ex.our_side == ["林涛"]


def test_group_members_listed_with_their_company_before_each_name():
    ex = extract(
        "微信群聊导出「云帆×贝齿正畸 项目沟通群」\n"
        "群成员：贝齿 林雪（院长）、贝齿 周晓楠（客服主管）、云帆 韩冬、云帆 赵一鸣\n"
        "2027-07-29 09:31 林雪：早上好，昨天的演示我们几个都看了。\n"
        "2027-07-29 09:33 韩冬：谢谢林院长！\n"
        "2027-07-29 10:08 赵一鸣：好的林院长，明天下午我把模板发群里。\n"
    )
    assert names(ex) == {"林雪", "周晓楠"}
    assert set(ex.our_side) == {"韩冬", "赵一鸣"}


def test_rarer_surnames_and_the_words_that_start_like_them():
    ex = extract(
        "客户-计晓东：我是采购经理计晓东，原来的系统是按计划表走的。\n客户-原野：我是原野，负责门店。\n"
        "销售-白杨：好的。\n"
    )
    assert names(ex) == {"计晓东", "原野"}


def test_a_colleague_introduced_by_a_role_outside_the_usual_titles():
    ex = extract(
        "发言人1 00:00:01\n祁总好，陶老师好，我是云帆的白杨。\n"
        "发言人2 00:00:07\n好。我是广州青丝源假发制品有限公司总经理祁红梅，这是我们门店督导陶然。\n"
        "发言人1 00:00:30\n好的，下周四我把合同发给陶老师。\n"
    )
    assert {c.name: c.title for c in ex.contacts} == {"祁红梅": "总经理", "陶然": "门店督导"}


def test_an_english_name_beside_the_chinese_one_is_listed_by_the_chinese_name():
    ex = extract(
        "- 拜访蓝湾游艇会，见了会籍总监梁雪、总经理Peter Wong（黄志豪），会籍顾问要开8个账号。\n"
        "- 黄总说中秋前定下来。\n"
    )
    assert {c.name: c.title for c in ex.contacts} == {"梁雪": "会籍总监", "黄志豪": "总经理"}
    mixed = extract(
        "云帆-林悦: Kevin您好，我是云帆科技的林悦。\n"
        "Kevin: Hi 林小姐，我是Kevin，中文名陈凯文，是这边的销售总监。\n"
        "Kevin: 预算是三十万。\n"
    )
    assert names(mixed) == {"陈凯文"}
    # an English name greeting someone is not that person's name
    greeting = extract("[00:00:15] Vivian: Hi 林经理，我是 Vivian，筑境这边的商务发展总监。\n[00:00:20] 林峰: 你好。\n")
    assert "Vivian" in names(greeting)


# --- money, seats, phones -------------------------------------------------------------------------------


def test_a_budget_answer_with_a_ceiling_is_not_a_price():
    ex = extract(
        "Speaker 1: 我想再确认一下预算。\n"
        "Speaker 2: 我跟我老婆商量了，今年就三四万吧，最多不超过三万五。\n"
        "Speaker 1: 好的，那账号大概几个？\nSpeaker 2: 先开六个吧。\n"
    )
    assert ex.budget.value == 35000 and ex.amount is None


def test_a_price_for_a_new_count_and_the_customers_own_yearly_figure():
    ex = extract(
        "贝蕾：梁厂长，上次的报价您看了吗？十个账号一年两万。\n"
        "梁厂长：看了。业务员就七个，七个号就够。\n贝蕾：七个号是一万四。\n梁厂长：行。\n"
    )
    assert ex.amount.value == 14000 and ex.seats.value == 7
    budget = extract("温雅：我是云帆科技的温雅。十二个账号一年三万六。\n倪总：我们一年三万左右。\n")
    assert budget.budget.value == 30000 and budget.amount.value == 36000


def test_a_competitors_figure_said_by_a_sound_alike_name_or_before_才_is_not_ours():
    rival = OrgProfile.from_settings(
        SimpleNamespace(org_name="云帆科技,云帆", competitors="纷享销客/纷享", org_products="")
    )
    ex = extract_rules(
        "谢飞: 二十个账号，一共四万八。\n"
        "褚总: 四万八，在我们五万以内的预算里。\n"
        "褚总: 芬享那边报的是三万九，不过他们没有分销商模块。\n",
        TODAY,
        org=rival,
    )
    assert ex.amount.value == 48000 and ex.budget.value == 50000
    assert [c.value for c in ex.competitors] == ["纷享销客"]
    assert [h.name for h in rival.find_competitors("在预算里也要便宜点，纷享才九万多。")] == ["纷享销客"]


def test_the_gap_to_a_rival_and_the_original_quote_are_not_the_last_price():
    ex = extract(
        "发件人：苗志刚\n正如下午电话里说的，我们最终选择了别家，价格比你们低了将近两万。\n"
        "> 发件人：石磊（云帆科技）\n> 关于贵司40个账号的方案，我们最终报价调整为13.6万元/年（原报价15.2万元），已是最低折扣。\n"
    )
    assert ex.amount.value == 136000


def test_a_count_after_an_addition_is_the_new_total():
    ex = extract("乙方（李娜）：那就五个账号，再加一个管理员账号，六个，一年一万六千八。\n甲方（王经理）：行。\n")
    assert ex.seats.value == 6
    ex = extract("吴倩: 分店要几个号？\n何总: 一家三个，一共加六个。\n")
    assert ex.seats.value == 6


def test_a_mobile_in_two_pieces_and_a_colleagues_number_in_notes():
    ex = extract(
        "电话沟通记录 | 记录人：马骁（云帆科技） | 2027-07-29\n"
        "1. 对接人：副总经理 罗春林；采购专员 小白（白雪梅）。\n"
        "2. 联系方式：罗总 138 8712 0039；白雪梅 0871-6512 4478\n"
        "3. 我的经理韩冬（139 0871 5566）下周四跟罗总通电话。\n"
    )
    assert {c.name: c.title for c in ex.contacts} == {"罗春林": "副总经理", "白雪梅": "采购专员"}
    phones = {p for c in ex.contacts for p in (c.phone, *c.other_phones) if p}
    assert phones == {"13887120039", "0871-65124478"}
    from bot.zh_parse import find_phones

    assert [p.value for p in find_phones("手机一八一零二八三，后四位五五六九，邮箱")] == ["18102835569"]
    assert [p.value for p in find_phones("1380571，尾号 2266")] == ["13805712266"]


# --- chat titles, bullets, add-ons ----------------------------------------------------------------------


def test_whom_a_chat_export_is_with_names_the_account():
    text = (
        "微信 | 与 时光匠-葛店长 的对话\n2027/7/29 周四\n"
        '葛店长 09:05\n[语音 12"] 转文字：小艾啊我们时光匠修表那个系统再加四个号新开的徐汇店要用\n'
        "艾琳 09:07\n好的葛店长，加四个号，一个一千八，一共七千二\n"
        '葛店长 09:11\n[语音 5"] 转文字：好签字找我们老板娘潘总就行\n'
    )
    ex = extract(text)
    assert ex.account.value == "时光匠"
    assert names(ex) == {"葛店长", "潘总"}
    assert all(s.speaker != "转文字" for s in split_sentences(text))
    assert ex.amount.value == 7200 and ex.seats.value == 4
    chat = extract(
        "微信聊天记录（与 蓝桥校服-马姐）\n2027-07-29\n"
        "马姐 10:12 [语音转文字] 小陈啊我跟你说一下我们老板同意了先买八个账号就是做学校那几个业务的\n"
        "陈思远 10:13 好的马姐，八个账号一年两万四，您看可以吗\n"
    )
    assert chat.account.value == "蓝桥校服"


def test_a_meeting_subject_pairing_the_customer_with_our_product():
    ex = extract(
        "飞书妙记 · 会议纪要\n会议主题：听达助听器 × 云帆CRM 二期需求评审\n会议时间：2027-07-29 14:30\n"
        "智能纪要：\n  1. 欧文杰：全国62家门店，需要开通40个账号。\n"
    )
    assert ex.account.value == "听达助听器"


def test_a_bullet_before_a_speakers_name_is_not_part_of_the_label():
    ex = extract(
        "参会人：庞凯（云帆科技）、驰净洗车-顾佳\n"
        "- 顾佳（财务经理）：预算控制在五万以内。\n"
        "- 庞凯：12个账号标准版一年四万三千二，含两次培训。\n"
    )
    assert ex.amount.value == 43200 and ex.budget.value == 50000
    assert names(ex) == {"顾佳"}


def test_the_person_telling_that_someone_left_has_not_left():
    ex = extract(
        "拜访笔记｜记录人：沈悦\n对方：钱敏（合伙人）、小罗（IT）\n全称：上海华信会计师事务所（特殊普通合伙）\n"
        "- 备注：钱敏说原来对接我们的周经理已经离职，后面都找她。\n"
    )
    assert names(ex) == {"钱敏", "小罗"}


def test_the_seats_they_already_have_are_not_the_add_on():
    ex = extract(
        "Speaker 1: 毛总好，我是云帆的蓝天。咱们云帆CRM现在二十个账号用了快一年了。\n"
        "Speaker 3: 我是电商组长计晓东，我们组八个人，都要开。\n"
        "Speaker 1: 好的，新增八个账号，每个两千六，一年两万零八百。\n"
        "Speaker 1: 好的。原来二十个账号的合同是六月到期，到时候一起续。\n"
    )
    assert ex.seats.value == 8 and ex.amount.value == 20800


def test_a_visit_where_only_the_customer_carries_an_honorific_label():
    ex = extract(
        "拜访记录 2027-07-29（周四）现场 明点盲文印刷厂\n"
        "贝蕾：梁厂长，上次的报价您看了吗？十个账号一年两万。\n"
        "梁厂长：看了。以后合同对接找我们办公室主任邹丽华。\n"
        "邹丽华：你好，我座机 025-8471 9038。\n"
        "贝蕾：邹主任好，以后麻烦您了。\n"
    )
    assert names(ex) == {"梁厂长", "邹丽华"}
    assert ex.contacts[-1].phone == "025-84719038"


def test_a_notes_line_led_by_the_customers_legal_name():
    ex = extract(
        "11月24日 电话回访（邓超）\n"
        "厦门海晟冷链物流有限公司 蒋总 回电：最终选了别家，已经签了。\n"
        "复盘：我们第一轮报了十二万，后来降到十万八。\n"
    )
    assert ex.account.value == "厦门海晟冷链物流有限公司"


# --- spoken visit reports -------------------------------------------------------------------------------


async def _spoken(text: str):
    from tools.autofill.llm_extract import extract as extract_any

    return await extract_any(text, TODAY, org=ORG)


async def test_a_spoken_report_names_the_people_met_by_role_english_name_and_pause():
    ex = await _spoken(
        "嗯 上周五 那个 去了 蓝 鲸 潜 水 俱乐部 就是 见了 他们 老板 Kevin 还有 教练长 阿 杰 嗯 他们 想 管 学员 续课"
    )
    assert names(ex) == {"Kevin", "阿杰"}
    ex = await _spoken("刚在龙腾龙舟俱乐部开完会见了秘书长彭辉和教练组的小邹他们想管企业团建客户我们报了七万五")
    assert names(ex) == {"彭辉", "小邹"}
    ex = await _spoken("昨天拜访了 那个 山野 蜂蜜合作社 就是 跟理事长 龙伯 聊了一下 嗯 他们 想 做 会员 团购")
    assert names(ex) == {"龙伯"}


async def test_a_spoken_report_with_the_role_and_name_before_what_they_said():
    ex = await _spoken("刚拜访完吉祥纸扎工艺，老板娘钱姐说他们殡葬用品经销这块，预算在二十到二十五万之间。")
    assert ex.account.value == "吉祥纸扎工艺"
    assert names(ex) == {"钱姐"}
    assert ex.budget.value == 250000
    ex = await _spoken("今天去了顺驰房车改装 见了采购主任孟洁 她说下周二前给我们回复采购意见 预算大概八万")
    assert names(ex) == {"孟洁"}


def test_whom_the_contract_goes_to_and_who_said_their_own_name():
    ex = extract(
        "[00:00:03] 吴倩: 何总，打扰了，我是云帆的吴倩。\n"
        "[00:00:09] 何总: 坐坐坐。我叫何立群，你叫我老何就行。\n"
        "[00:01:14] 何总: 这周四签。合同你明天发给何芳，她手机 135 0371 4482。\n"
    )
    assert names(ex) == {"何立群", "何芳"}
    assert {c.name: c.phone for c in ex.contacts}["何芳"] == "13503714482"
    # the customer sending something to one of ours does not make them a contact
    ours = extract(
        "销售-聂帅：我是云帆科技的聂帅，这位是我们实施顾问卢宁。\n客户-韩总：我这周五前把会员数据样例发给卢宁。\n"
    )
    assert names(ours) == {"韩总"}


def test_a_nickname_then_the_full_name_a_few_words_later():
    ex = extract("客户-马总：行。我们小马也会参加测试，马国栋，他负责对接。\n销售-林涛：好的。\n")
    assert "马国栋" in names(ex) and "小马" not in names(ex)


def test_without_labels_a_bare_number_answers_who_was_asked_for_it():
    ex = extract(
        "您好温经理，我是云帆科技的小陈。\n好的，我们门店有二十个销售。\n"
        "温经理，您电话多少？我加您微信。\n138 0571 2233。\n好的，记下了。\n"
    )
    assert [(c.name, c.phone) for c in ex.contacts] == [("温经理", "13805712233")]


# --- what is not a company name -------------------------------------------------------------------------


def test_phrases_districts_and_what_they_are_are_not_company_names():
    ex = extract(
        "# 日期：2027-07-29（周四）  地点：松岭矿泉 三楼会议室\n\n"
        "葛建军\n我是葛建军，公司副总经理，分管销售和物流。另外长春数联的韩工也来了，他们是帮我们做用友U8的集成商。\n"
        "韩涛\n大家好，我韩涛，数联科技的。\n"
        "龚振宇\n我是云帆科技的龚振宇。\n"
        "葛建军\n吉林省松岭矿泉饮品股份有限公司，跟营业执照一致。\n"
    )
    assert ex.account.value == "吉林省松岭矿泉饮品股份有限公司"
    assert names(ex) == {"葛建军"}
    assert account_of("地点：长沙 湘韵绣庄 开福区工作室\n- 见了老板娘，聊了绣品的客户。\n") == "湘韵绣庄"
    assert account_of("客户-晏总：我们是百年老字号了，主要是酱油、醋、酱菜。\n销售-蒋涛：我是云帆的蒋涛。\n") is None
    assert account_of("蒋蓉：我们是SaaS，运维不用你们操心。\n") is None
    ex = extract("温婉：预算：郁佳跟集团确认过了，这次的预算是十万。\n")
    assert ex.account is None or "跟集团" not in ex.account.value


def test_whatever_follows_the_contracts_title_is_the_name():
    text = (
        "吕建民（老腔皮影）  2027/7/29 15:02\n"
        "[语音 22″] 转文字：七千五可以 合同抬头写渭南市华州区老腔皮影剧社\n"
        "邹凯  15:06\n好的吕团长。\n"
    )
    assert account_of(text) == "渭南市华州区老腔皮影剧社"
    assert account_of("潘宇: 好的。麦香坊这边合同抬头写全称是？\n") != "写全称是"
    assert (
        account_of("销售-蓝: 林师傅您好，我是云帆的蓝心怡，今天确认一下三坊刻字社的开号。\n客户-林：好。\n")
        == "三坊刻字社"
    )


def test_a_role_in_brackets_after_a_name_is_no_company():
    assert label_company("其其格(场长)") is None
    assert label_company("吕建民（老腔皮影）") == "老腔皮影"


def test_a_participant_list_where_only_our_people_carry_a_company():
    rival = OrgProfile.from_settings(
        SimpleNamespace(org_name="云帆科技,云帆", competitors="纷享销客/纷享", org_products="")
    )
    ex = extract_rules(
        "腾讯会议 · 智能纪要\n会议主题：岐黄合作社 客户管理系统选型\n"
        "参会成员（4）：韩冰（云帆科技）、马永福（理事长）、米小燕（会计）、马骏\n\n发言摘录\n"
        "韩冰：马理事长、米会计早上好。\n马骏：我们跑客户的十个人，十个号。\n韩冰：十个号，一年三万八。\n"
        "马永福：纷享那边也报了价，三万。\n米小燕：我们理事会定的这块是三万到四万。\n",
        TODAY,
        org=rival,
    )
    assert names(ex) == {"马永福", "米小燕", "马骏"}
    assert ex.our_side == ["韩冰"]
    assert ex.budget.value == 40000 and ex.amount.value == 38000


def test_budget_said_as_the_money_for_this_and_what_they_can_accept():
    ex = extract(
        "【2027-07-29 09:22】云帆-许晨：好的，六个的话一年是一万四千四，单价不变。\n"
        "【09:25】钟丽芳-篾匠人：[语音转文字] 一万四千四啊 我们今年给这个的钱是一万五 差不多\n"
    )
    assert ex.budget.value == 15000 and ex.amount.value == 14400
    ex = extract(
        "[2027/7/29 10:20:45] 其其格(场长): 九千六有点多，我们九千块以内\n[2027/7/29 10:25:11] 云帆-蒲晓: 那给到八千八。\n"
    )
    assert ex.budget.value == 9000 and ex.amount.value == 8800


def test_a_sister_company_under_the_group_is_not_a_person_of_the_group():
    ex = extract(
        "客户-晏总：我们集团下面的晏公醋业，去年上了纷享销客。\n"
        "客户-晏总：我们预算大概十五到二十万，不过董事长说了，这个项目最多十八万。\n销售-龙：明白。\n"
    )
    assert ex.budget.value == 180000 and "晏总" in names(ex)


def test_stores_tools_and_particles_are_not_people_and_who_resigned_left():
    ex = extract(
        "客户-孙慧：原来是销售经理蒋涛在管，他三月份辞职去别的厂了。现在全是Excel。\n"
        "客户-孙慧：经费嘛，大概五六万吧。吴中店开业推迟到下半年。\n销售-龙：明白。\n"
    )
    assert names(ex) == {"孙慧"}


def test_a_group_named_customer_dash_us_and_a_department_in_brackets():
    ex = extract(
        "微信群「云朵羊驼牧场-云帆」\n"
        "[2027/7/29 10:14:02] 云帆-蒲晓: 场长好，报价发群里：4个号，一年九千六。\n"
        "[2027/7/29 10:21:30] 吴迪(游客中心): 场长，上次那个海那的也才八千多\n"
    )
    assert ex.account.value == "云朵羊驼牧场"
    assert label_company("吴迪(游客中心)") is None


def test_more_customers_named_in_running_speech_and_more_clauses_that_are_no_names():
    assert (
        account_of(
            "客户-柯志远：我是潜江市楚虾源小龙虾交易中心的总经理柯志远。\n"
            "销售-阎可：柯总好，您说交易中心想把收购商和餐饮客户管起来。\n"
        )
        == "潜江市楚虾源小龙虾交易中心"
    )
    assert (
        account_of(
            "白露：您好，我是云帆科技的白露。\n"
            "馆长：你好你好。我们西安蜡影文化艺术中心这边，主要是两块业务。\n"
            "馆长：团队客户主要是旅行社，包含旅行社和学校，比如西安途远国际旅行社。\n"
        )
        == "西安蜡影文化艺术中心"
    )
    text = (
        "09:25 钟建华：一万一，我们一年最多也就一万二的预算，还要留点钱打广告。\n"
        "09:30 许晨：好的钟总。\n"
        "09:38 钟建华：下周三我把合同签了。发票开赣州市章贡区竹源竹炭商行。\n"
    )
    assert account_of(text) == "赣州市章贡区竹源竹炭商行"
    assert (
        account_of(
            "毕光明：园林公司、景区，还有建材市场的经销商，最大的是华东建材城，一年几百方。\n"
            "毕光明：合同抬头写临沂森邦防腐木材厂。\n"
        )
        == "临沂森邦防腐木材厂"
    )


def test_the_vendor_they_hired_and_the_groups_it_people_are_not_contacts():
    ex = extract(
        "葛总\n另外我们请了做档案系统的金穗信息，卢工也在，后面要对接。\n"
        "卢工\n你好，我是金穗信息的卢工，我手机 139 6215 5408。\n"
        "龚振宇\n我是云帆科技的龚振宇。\n"
    )
    assert names(ex) == {"葛总"}
    notes = extract(
        "拜访小记｜记录人：马骁（云帆科技）\n1. 对接人：销售主管杜鹏\n"
        "2. 集团信息中心吕文涛（+86 139 9510 2234）参与后续接口评审。\n"
    )
    assert names(notes) == {"杜鹏"}


def test_a_self_introduction_by_an_owners_title_and_a_weekly_report_is_nobody():
    ex = extract(
        "Speaker 1: 温老师您好，我是云帆科技的周航。\n"
        "Speaker 2: 对，现在这个事我来管。我是青岚琉璃工作室的主理人，温岚。\n"
        "Speaker 1: 好的温老师。周报我每周五发您。\n"
    )
    assert {c.name: c.title for c in ex.contacts} == {"温岚": "主理人"}


def test_a_shopping_festival_names_a_go_live_and_the_director_decides_by_the_end_of_the_month():
    assert [d.date for d in plan_dates("双十一前上线", date(2027, 9, 23))] == [date(2027, 11, 10)]
    assert [d.date for d in plan_dates("双12前", date(2027, 12, 20))] == [date(2028, 12, 11)]
    ex = extract(
        "2027-09-23 10:35 | 云帆-罗晨 | 收到龚总。上线时间呢？\n"
        "2027-09-23 10:40 | 绿叉-龚雪 | 双十一前上线，团餐客户年底订单多。\n",
        date(2027, 9, 23),
    )
    assert ex.golive_date.value == date(2027, 11, 10)
    notes = extract(
        "客户：宁波安宁乳腺门诊部\n7. 时间：下周二前我发方案；11月底前郑院长定；元旦前上线。\n", date(2027, 11, 4)
    )
    assert notes.close_date.value == date(2027, 11, 30)
