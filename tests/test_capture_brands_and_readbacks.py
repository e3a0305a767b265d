"""Customers named by brand and trade in running speech ("我们琉光琉璃瓦这边"), chat exports with the sender
between bars or the company before the name, notes whose bullets carry keys, and numbers our rep reads back
to the customer ("您座机是 … 对吧").

Every transcript here was written for these tests (invented companies, people and numbers)."""

from datetime import date
from types import SimpleNamespace

from bot.org import OrgProfile
from bot.zh_parse.orgnames import VISITED_NAME, visited_name
from tools.autofill.extract import extract_rules, split_sentences

TODAY = date(2027, 9, 14)  # a Tuesday
ORG = OrgProfile.from_settings(
    SimpleNamespace(org_name="云帆科技,云帆,云番科技", competitors="纷享销客/纷享,悟空CRM/悟空", org_products="")
)


def extract(text: str, today: date = TODAY, **kwargs):
    return extract_rules(text, today, org=ORG, **kwargs)


def phones(ex) -> set[str]:
    numbers = set()
    for c in ex.contacts:
        numbers |= {p.replace("-", "") for p in (c.phone, *c.other_phones) if p}
    return numbers


BRAND_CALL = (
    "通话记录 2027-09-14 电话\n"
    "销售-邵宁: 甘厂长您好，我是云帆科技的邵宁。\n"
    "客户-甘厂长：哦，小邵。我们青砚石雕这边想把经销商管起来，现在全靠表格。\n"
    "销售-邵宁: 跑业务的几个人？\n"
    "客户-甘厂长：六个，开六个账号。\n"
    "销售-邵宁: 好的，六个账号一年一万八。您座机是 0597-3326 1580 对吧？\n"
    "客户-甘厂长：对，手机也行，13859731266。\n"
)


def test_the_customer_naming_its_brand_and_trade_is_the_account():
    ex = extract(BRAND_CALL)
    assert ex.account.value == "青砚石雕"


def test_a_number_our_rep_reads_back_belongs_to_the_one_who_answers():
    ex = extract(BRAND_CALL)
    assert [c.name for c in ex.contacts] == ["甘厂长"]
    assert phones(ex) == {"059733261580", "13859731266"}


def test_our_own_team_words_after_women_are_no_brand():
    text = (
        "电话记录 2027-09-14\n"
        "邵宁: 喂，乔总，我是云帆科技的邵宁。\n"
        "乔立伟: 你好。我们销售团队这边现在十来个人，我们门店店员现在不用系统。\n"
        "邵宁: 那先开十个账号？\n"
        "乔立伟: 行。\n"
    )
    ex = extract(text)
    assert ex.account is None or "团队" not in ex.account.value and "店员" not in ex.account.value


def test_a_brand_said_short_takes_the_longer_form_written_elsewhere():
    text = (
        "群聊：CRM项目沟通群（3人）\n"
        "—— 2027年9月14日 ——\n"
        "邵宁(云帆) 10:15:02\n"
        "褐石茶饮这边的方案我更新了，发在群文件里。\n"
        "柏志强 10:17:40\n"
        "收到。我们褐石现在门店七家，开九个号。\n"
    )
    ex = extract(text)
    assert ex.account.value == "褐石茶饮"


def test_a_city_after_women_is_no_short_brand():
    text = (
        "电话记录 2027-09-14\n"
        "邵宁: 喂，乔总，我是云帆科技的邵宁。\n"
        "乔立伟: 我们上海现在五个门店，上海分公司的人也要用。\n"
    )
    ex = extract(text)
    assert ex.account is None or ex.account.value != "上海分公司"


def test_a_speaker_line_with_the_company_first_is_a_label():
    text = (
        "电话会议 2027-09-14 录音转写\n"
        "云帆 邵宁\n"
        "柯总您好，我是云帆的邵宁。\n"
        "柯文斌\n"
        "好。我们老柯记卤味现在直营店九家。\n"
        "云帆 邵宁\n"
        "督导几位？\n"
        "柯文斌\n"
        "六个，开六个号。我手机 135 1298 6601。\n"
    )
    sentences = split_sentences(text)
    assert {s.speaker for s in sentences if s.speaker} == {"云帆-邵宁", "柯文斌"}
    ex = extract(text)
    assert ex.our_side == ["邵宁"]
    assert ex.account.value == "老柯记卤味"
    assert phones(ex) == {"13512986601"}


def test_a_chat_export_with_the_sender_between_bars():
    text = (
        "群聊：褐石茶饮×云帆 项目群\n"
        "2027-09-14 10:02 | 邵宁(云帆) | 各位好，上午电话聊的内容我在群里确认一下。\n"
        "2027-09-14 10:04 | 柏志强(褐石-总经理) | 好，你说。\n"
        "2027-09-14 10:06 | 邵宁(云帆) | 账号十个，一年三万。\n"
        "2027-09-14 10:09 | 柏志强(褐石-总经理) | 八个就够了，我手机 139 5501 2267。\n"
    )
    speakers = [s.speaker for s in split_sentences(text) if s.speaker]
    assert speakers[:2] == ["邵宁(云帆)", "柏志强(褐石-总经理)"]
    ex = extract(text)
    assert ex.our_side == ["邵宁"]
    assert [c.name for c in ex.contacts] == ["柏志强"]
    assert ex.seats.value == 8
    assert phones(ex) == {"13955012267"}


def test_a_table_row_is_no_chat_line():
    sentences = split_sentences("| 柏志强 | 总经理 | 139 5501 2267 |\n")
    assert all(not s.speaker for s in sentences)


def test_whom_a_rep_called_or_where_a_rep_was_names_the_customer():
    called = [visited_name(m) for m in VISITED_NAME.finditer("下午给银钥匙开锁打电话，龙老板接的")]
    assert called == ["银钥匙开锁"]
    inside = [visited_name(m) for m in VISITED_NAME.finditer("上午到丰禾纸塑厂里，见了老板娘")]
    assert inside[0] == "丰禾纸塑"


def test_a_note_with_keyed_bullets_is_still_the_reps_own():
    text = (
        "电话小记  2027-09-14  记录人：邵宁\n"
        "1. 下午给银钥匙开锁打电话，龙老板接的，他们有九个师傅。\n"
        "2. 账号：龙老板说师傅不用账号，前台两个加他自己，三个。\n"
        "3. 报价：三个账号一年六千九。\n"
        "4. 预算：五千到六千之间。\n"
    )
    ex = extract(text)
    assert ex.account.value == "银钥匙开锁"
    assert ex.seats.value == 3


def test_a_keyed_note_does_not_take_a_role_or_an_errand_for_the_customer():
    text = (
        "拜访小记 2027-09-14\n"
        "- 客户：跳跳熊亲子乐园（万象店）\n"
        "- 另外见了团建销售 小贾，负责学校团建\n"
        "- 竞品：纷享\n"
        "- 下一步：下周二上门演示，带实施同事一起。\n"
    )
    ex = extract(text)
    assert ex.account.value.startswith("跳跳熊亲子乐园")


def test_the_subject_of_a_mail_names_the_customer_in_brackets():
    text = (
        "主题：回复：今天钉钉视频会议纪要（海澜锚具 CRM）\n"
        "发件人：邵宁 <shaoning@yunfan-tech.com>\n"
        "收件人：纪建平 <jijp@hailan-anchor.com>\n"
        "时间：2027年9月14日 18:30\n"
        "\n"
        "纪总：\n"
        "已按二十个账号重新报价：六万元/年。\n"
    )
    ex = extract(text)
    assert ex.account.value == "海澜锚具"


def test_the_one_who_answers_a_call_without_labels_is_a_contact():
    text = (
        "电话录音转写 2027-09-14\n"
        "喂，您好，请问是鲍经理吗？我是云帆科技的邵宁。\n"
        "是我，你说。\n"
        "我们预算七八千吧，最多一万。\n"
        "行，邮箱是 baojl_demo@163.com，有事打我电话，一三七，零九八二，幺五五六。\n"
    )
    ex = extract(text)
    assert [c.name for c in ex.contacts] == ["鲍经理"]
    assert phones(ex) == {"13709821556"}


def test_someone_who_left_and_was_dealt_with_is_no_contact():
    text = (
        "白雪: 邹总好，我是云帆科技的白雪。之前对接的是孔经理，听说他离职了？\n"
        "邹总: 对，小孔上个月走了，现在这块我负责。\n"
    )
    ex = extract(text)
    assert "孔经理" not in {c.name for c in ex.contacts}


def test_a_nickname_with_an_english_name_heads_its_lines():
    text = (
        "群聊：CRM项目沟通群（3人）\n"
        "邵宁(云帆) 10:15:02\n"
        "方案我更新了。\n"
        "阿May 10:23:44\n"
        "我是客服主管梅雅，会员数据能导入吗？我电话 +86 15920 883 571。\n"
    )
    assert "阿May" in {s.speaker for s in split_sentences(text)}
    ex = extract(text)
    assert {c.name: c.title for c in ex.contacts}.get("梅雅") == "客服主管"
    assert phones(ex) == {"15920883571"}


def test_our_rep_reading_back_a_number_in_chinese_digits_gives_it_to_the_one_greeted():
    text = (
        "通话转写 2027-09-14 参与方：发言人1、发言人2\n"
        "发言人1 00:00:01\n"
        "喂，邬总您好，我是云番科技的邵宁。\n"
        "发言人2 00:00:09\n"
        "哦，邵经理你好。我们这次想把当户管起来。\n"
        "发言人1 00:00:30\n"
        "邬总电话方便留一下吗？\n"
        "发言人2 00:00:40\n"
        "我手机你记一下，一三八……等一下……五八二四，然后是九九零一。\n"
        "发言人1 00:00:52\n"
        "一三八五八二四九九零一，对吧？\n"
        "发言人2 00:00:55\n"
        "对。\n"
    )
    ex = extract(text)
    assert {c.name: c.phone for c in ex.contacts} == {"邬总": "13858249901"}


def test_the_answer_to_a_number_asked_of_the_only_contact_is_theirs():
    text = (
        "喂，杭老师您好，我是云帆科技的小葛。\n"
        "你说。\n"
        "没问题，我周三把方案发您。您的手机我确认一下？\n"
        "幺八六，洞二五幺，三七七四。\n"
        "幺八六洞二五幺三七七四，好的。\n"
    )
    ex = extract(text)
    assert {c.name: c.phone for c in ex.contacts} == {"杭老师": "18602513774"}


def test_a_number_asked_of_a_contact_by_surname_goes_to_the_one_with_that_surname():
    text = (
        "欢迎欢迎 我是谜境的创始人付晓川 这位是我们团建事业部经理温若\n"
        "我是云帆科技的冷锋\n"
        "温经理电话多少\n"
        "150 5189 0032 有事打我\n"
    )
    ex = extract(text)
    assert {c.name: c.phone for c in ex.contacts}.get("温若") == "15051890032"


def test_our_rep_leaving_a_number_for_the_contact_keeps_it_out():
    text = (
        "喂，顾总您好，我是云帆科技的邵宁。\n"
        "下周二可以，上午来。我办公室电话0575-8512 6633，到了打这个。\n"
        "好的。我的手机是 138 5751 2200，顾总有事也可以直接打我。\n"
    )
    ex = extract(text)
    assert phones(ex) == {"057585126633"}


def test_an_integrators_engineer_speaking_keeps_his_number():
    text = (
        "发言人1 00:00:01\n"
        "各位好，我是云帆科技的邵宁。\n"
        "发言人2 00:00:10\n"
        "我是星禾的王杰，IT的。\n"
        "发言人3 00:00:20\n"
        "各位好，我是上海领航数据的卢工，负责星禾这边的系统集成。\n"
        "发言人2 00:05:59\n"
        "技术的事发我，wangjie@xinghe-demo.com。\n"
        "发言人3 00:06:03\n"
        "我的手机是139 1602 7788，接口上有问题直接打我。\n"
    )
    ex = extract(text)
    assert "卢工" not in {c.name for c in ex.contacts}
    assert "13916027788" not in phones(ex)


def test_someone_who_is_said_not_to_be_a_contact_keeps_their_number():
    text = (
        "拜访小记 2027-09-14 记录：邵宁\n"
        "- 付总手机：133 9102 7755\n"
        "- 付总提到的客户：北京演艺集团 王主任（010-6551 2080），是他们最大客户，不是我们的对接人\n"
    )
    ex = extract(text)
    assert phones(ex) == {"13391027755"}


def test_last_week_is_no_mr_zhou():
    text = (
        "葛帆：韦经理您好，我是云帆科技的葛帆。\n"
        "韦振宇：我们这边，上周总经理办公会已经定了。您这个座机 0574-8733 1025 我还能打吧？\n"
    )
    ex = extract(text)
    assert "周总" not in {c.name for c in ex.contacts}


def test_without_labels_the_brand_the_customer_calls_itself_is_the_account():
    text = (
        "2027-09-14 通话录音转写（未区分说话人）\n"
        "喂，何经理吗？我是云帆的小蒋，上周给您发过资料那个。\n"
        "哦小蒋啊，看了看了。我们金穗农资现在有十二三个业务员，天天跑乡镇。\n"
        "那您这边打算先开几个号？\n"
        "先开十个号。\n"
    )
    assert extract(text).account.value == "金穗农资"


def test_a_brand_before_what_the_customer_cannot_do_is_the_account():
    text = (
        "Speaker 1: 秦经理您好，我是云帆科技的邵宁，想问问进展。\n"
        "Speaker 2: 结果出来了，我们这次没选你们。\n"
        "Speaker 2: 集团要求各子公司统一用销售易，我们天津港澜没办法单独走。\n"
    )
    assert extract(text).account.value == "天津港澜"


def test_what_a_team_calls_its_own_parts_is_no_brand():
    text = (
        "乔立伟: 我们华东大区这边有二十个人，我们电商渠道这几年涨得快，我们旗舰店这边也要用。\n"
        "邵宁: 我是云帆科技的邵宁，那先开二十个账号？\n"
    )
    ex = extract(text)
    assert ex.account is None or not any(w in ex.account.value for w in ("大区", "渠道", "旗舰店"))


def test_a_legal_name_led_by_its_city_and_the_brand_in_speech_are_one_company():
    text = (
        "喂您好 是螺香堂的钟总吗 对对对你哪位 我是云帆科技的邓佳\n"
        "哦想起来了 我们螺香堂米粉现在四十多家门店 加盟商管理很头疼\n"
        "那没问题 对了开票写哪个名字 南宁螺香堂餐饮管理有限公司\n"
    )
    assert extract(text).account.value == "南宁螺香堂餐饮管理有限公司"


def test_minority_names_without_a_han_surname_are_people():
    text = (
        "[00:00:05] 韦晓东: 您好，我是云帆科技的韦晓东。\n"
        "[00:00:12] 央金旺姆: 你好。我们雪域牦牛食品这边主要卖牦牛肉干。\n"
        "[00:00:31] 央金旺姆: 我是市场部经理，账号就按十二个开。\n"
        "[00:00:40] 韦晓东: 好的。\n"
        "[00:00:48] 央金旺姆: 我补充一下，我们信息部的努尔兰负责对接系统。\n"
    )
    ex = extract(text)
    assert {c.name for c in ex.contacts} == {"央金旺姆", "努尔兰"}


def test_a_participants_key_alone_then_one_indented_line_per_company():
    text = (
        "钉钉闪记｜会议纪要\n"
        "时间：2027-09-14 15:00-15:50（钉钉视频）\n"
        "参会人：\n"
        "  内蒙古青原风电运维服务有限公司：巴特尔（总经理）、宋晓玲（商务经理）\n"
        "  云帆科技：孟繁宇（大客户经理）、蒋蓉（售前顾问）\n"
        "逐字稿：\n"
        "孟繁宇 15:01：巴总、宋经理，今天主要把价格和时间定一下。\n"
        "巴特尔 15:02：好。账号三十个，报价多少？\n"
        "蒋蓉 15:03：三十个账号一年九万。\n"
        "巴特尔 15:04：我们预算十二万，够了。\n"
    )
    sentences = split_sentences(text)
    assert {s.speaker for s in sentences if s.speaker} == {"孟繁宇", "巴特尔", "蒋蓉"}
    ex = extract(text)
    assert set(ex.our_side) == {"孟繁宇", "蒋蓉"}
    assert {"巴特尔", "宋晓玲"} <= {c.name for c in ex.contacts}
    assert "蒋蓉" not in {c.name for c in ex.contacts}


def test_a_label_with_an_unknown_surname_that_speaks_for_itself_is_a_person():
    text = (
        "邵宁: 楼总您好，我是云帆科技的邵宁。\n"
        "楼建华: 你好，我是这边的总经理，我们想管经销商。\n"
        "邵宁: 需要几个账号？\n"
        "楼建华: 我看十个就够了。\n"
    )
    ex = extract(text)
    assert "楼建华" in {c.name for c in ex.contacts}


def test_a_key_inside_a_piped_message_is_the_senders_words():
    text = (
        "群聊：云端热气球×云帆 项目群\n"
        "2027-09-14 10:02 | 邵宁(云帆科技-销售) | 何总、阿依，账号一共8个。\n"
        "2027-09-14 10:05 | 何志刚(运营总监) | 可以。\n"
        "2027-09-14 10:47 | 阿依古丽(前台主管) | 合同抬头：敦煌云端热气球飞行俱乐部有限公司。有事打前台 0937-882 6600。\n"
    )
    sentences = split_sentences(text)
    assert sentences[-1].speaker == "阿依古丽(前台主管)"
    ex = extract(text)
    assert "09378826600" in phones(ex)


def test_a_department_person_named_before_what_they_do_is_a_contact():
    text = "邵宁: 乔总您好，我是云帆科技的邵宁。\n乔立伟: 你好。系统的事我们信息部的王建负责对接，你直接找他。\n"
    assert "王建" in {c.name for c in extract(text).contacts}


def test_a_date_typed_with_spaces_keeps_its_month():
    from bot.zh_parse import find_dates

    found = find_dates("集团 8 月 18 日前出结果", date(2028, 7, 11))
    assert [d.date for d in found] == [date(2028, 8, 18)]


def test_a_day_alone_is_of_the_month_just_talked_about():
    text = (
        "陶海峰: 二十八万我可以往上报。我们九月十五号前拍板。\n"
        "邵宁: 能不能再早一点？\n"
        "陶海峰: 哦对，那就二十二号定，董事会上一起过。\n"
    )
    assert extract(text, date(2027, 8, 16)).close_date.value == date(2027, 9, 22)


def test_signing_said_in_the_next_clause_of_a_dated_plan_is_the_close_date():
    text = "钟建华：不急。下周三我去趟城里，顺便到你们办事处把合同签了。\n"
    ex = extract(text)
    assert ex.close_date.value == date(2027, 9, 22)


def test_stamping_and_returning_the_contract_is_signing():
    text = "魏国华：行 下周一前盖章寄回 五月份开始用\n"
    assert extract(text).close_date.value == date(2027, 9, 20)


def test_a_decision_at_a_meeting_is_a_close_date():
    text = "邵宁: 那您这边什么时候能定？\n黄主管: 下下周一开会定。\n"
    assert extract(text).close_date.value == date(2027, 9, 27)


def test_a_push_said_after_a_pause_moves_the_close_date():
    text = "【2027/9/14 14:30】 唐卫东：[语音转文字] 郑经理啊 刚跟老板商量了 原来说这个月底定 现在要推到十月十四号 老板出差\n"
    assert extract(text).close_date.value == date(2027, 10, 14)


def test_the_customers_own_lost_orders_are_no_lost_deal():
    text = "朱晓岚: 现在修琴的单子都在微信里，谁接的谁记，丢单的情况很多。\n朱晓岚: 我们争取国庆前签下来。\n"
    assert extract(text).close_date.value == date(2027, 9, 30)


THREAD = (
    "From: 邵宁 <shaoning@yunfan-tech.com>\n"
    "{newest}\n"
    "Subject: RE: RE: 暖居 × 云帆 电话沟通纪要\n"
    "\n"
    "温总：按18个账号重新算了一下：一年八万六千四。\n"
    "\n"
    "From: 温婉 <wenwan@nuanju-demo.com>\n"
    "{middle}\n"
    "Subject: RE: 暖居 × 云帆 电话沟通纪要\n"
    "\n"
    "纪要要更正：账号改成18个；预算是十万，不是八万。\n"
    "\n"
    "From: 邵宁 <shaoning@yunfan-tech.com>\n"
    "{oldest}\n"
    "Subject: 暖居 × 云帆 电话沟通纪要\n"
    "\n"
    "- 报价：20个账号一年九万六；\n"
    "- 预算：八万左右；\n"
)


def test_a_thread_with_english_headers_is_read_oldest_first():
    text = THREAD.format(
        newest="Sent: Tuesday, September 14, 2027 20:16",
        middle="Sent: Tuesday, September 14, 2027 19:05",
        oldest="Sent: Tuesday, September 14, 2027 17:32",
    )
    ex = extract(text)
    assert (ex.seats.value, ex.budget.value, ex.amount.value) == (18, 100000, 86400)


def test_a_thread_without_times_is_ordered_by_its_replies():
    text = THREAD.format(newest="", middle="", oldest="")
    ex = extract(text)
    assert (ex.seats.value, ex.budget.value, ex.amount.value) == (18, 100000, 86400)


def test_a_correction_that_names_the_old_figure_as_old_keeps_the_new_one():
    text = (
        "卜佳: 十二个号一年三万六。\n"
        "曹晓梅: 卜经理，你上周发的报价单上写的是三万九啊。\n"
        "卜佳: 啊，我看一下……不对，我说错了，三万六是去年的价格，今年十二个号是三万九。\n"
        "汪松年: 三万九就三万九，我们预算四万以内，可以。\n"
    )
    ex = extract(text)
    assert (ex.amount.value, ex.budget.value) == (39000, 40000)


def test_a_competitor_giving_a_lower_price_is_not_our_amount():
    text = (
        "【云帆-周婷】方便说下主要是什么原因吗？\n"
        "【丰牧-刘总】你们最后那个价，六十个账号，一个两千，打完九折十万八，我们预算也就八九万。\n"
        "【丰牧-刘总】纷享给到七万多，还送了实施。\n"
    )
    ex = extract(text)
    assert ex.amount.value == 108000


def test_a_bare_figure_after_the_term_is_in_yuan():
    text = "邵宁：两年的话一共43200。\n黄总：我们预算五万以内，两年43200可以，那就两年。\n"
    assert extract(text).amount.value == 43200


def test_the_title_line_says_the_channel_before_the_first_words_do():
    ex = extract(BRAND_CALL.replace("我是云帆科技的邵宁。", "我是云帆科技的邵宁，展会上加过您微信。"))
    assert ex.channel.value == "phone"


def test_a_competitor_alias_before_a_verb_a_pronoun_or_a_pause_is_named():
    found = [
        h.name
        for t in ("我们也在跟纷享聊", "悟空我们也试过免费版", "有人推过悟空 我看了下")
        for h in ORG.find_competitors(t)
    ]
    assert found == ["纷享销客", "悟空CRM", "悟空CRM"]
    assert ORG.find_competitors("我们 的 客户 纷享 电器") == []


def test_labels_with_the_company_and_a_space_before_the_person():
    text = (
        "拜访纪要 2027年9月14日 郑州中原鼎盛建材有限公司\n"
        "云帆 卜磊：邢总，年前最后一次过来，想把方案定一下。\n"
        "鼎盛 邢总：好，账号四十六个。\n"
        "鼎盛 赵蕾：我是采购专员赵蕾，预算我们报的是十五万左右。\n"
        "云帆 卜磊：我们的报价是十三万八，含实施。\n"
    )
    ex = extract(text)
    assert ex.our_side == ["卜磊"]
    assert (ex.budget.value, ex.amount.value) == (150000, 138000)


def test_a_role_glued_to_a_person_heads_speech():
    text = "客户张总：我们预算二十万。\n销售邵宁：好的，我们报十八万。\n客户张总：行，下周五签。我手机13912345678。\n"
    ex = extract(text)
    assert [(c.name, c.phone) for c in ex.contacts] == [("张总", "13912345678")]
    assert ex.our_side == ["邵宁"]


def test_a_question_and_answer_record_names_both_sides_in_brackets():
    text = (
        "Q（云帆-邵宁）：您这边预算多少？\n"
        "A（恒远-张总）：二十万。\n"
        "Q（云帆-邵宁）：我们报十八万。\n"
        "A（恒远-张总）：行，下周五签。我手机13912345678。\n"
    )
    ex = extract(text)
    assert [(c.name, c.phone) for c in ex.contacts] == [("张总", "13912345678")]
    assert ex.account.value == "恒远" and ex.our_side == ["邵宁"]


def test_a_company_in_brackets_then_the_person_and_a_colon():
    text = (
        "【恒远建材】张总：我们想上CRM，我是这边老板。\n"
        "【云帆】邵宁：好的，您预算多少？\n"
        "【恒远建材】张总：二十万。我手机13912345678。\n"
    )
    ex = extract(text)
    assert ex.account.value == "恒远建材" and ex.our_side == ["邵宁"]
    assert [(c.name, c.phone) for c in ex.contacts] == [("张总", "13912345678")]


def test_whom_a_call_was_with_in_the_title():
    text = "通话记录 2027-09-14 与恒远建材张总\n邵宁：预算多少？\n张总：二十万吧，下周五定。\n"
    assert extract(text).account.value == "恒远建材"


def test_a_short_brand_with_no_longer_form_is_still_the_account():
    text = "邵宁：张总您好，我是云帆科技的邵宁。\n张总：你好，我们恒远这边主要做建材批发，二十来个业务员。\n"
    assert extract(text).account.value == "恒远"


def test_a_landline_with_a_long_dash():
    from bot.zh_parse.contacts import find_phones

    assert [p.value for p in find_phones("座机0571—87654321")] == ["0571-87654321"]


def test_the_customer_naming_its_own_people():
    said = {
        "我是负责采购的，姓刘，叫刘敏。": "刘敏",
        "我们郑总最后拍板。": "郑总",
        "我们技术负责人是黄志强，他下周会联系你。": "黄志强",
        "我们这边主要是我和市场部的吴倩在推。": "吴倩",
        "回头让我们行政林静把开票信息发你。": "林静",
    }
    for line, name in said.items():
        ex = extract(f"邵宁：您好，我是云帆科技的邵宁。\n张总：{line}\n")
        assert name in {c.name for c in ex.contacts}, line
    ex = extract("邵宁：您好，我是云帆科技的邵宁。\n张总：我们总部在杭州。\n")
    assert {c.name for c in ex.contacts} == {"张总"}


def test_twenty_of_the_funds_is_two_hundred_thousand():
    text = "邵宁：您好，我是云帆科技的邵宁，预算方面您看？\n张总：经费有二十个左右。\n"
    assert extract(text).budget.value == 200000


def test_a_number_left_with_an_offer_of_service_is_never_the_customers():
    text = (
        "喂，黎厂长您好，我是云帆科技的邵宁。\n"
        "好的，下周一我先寄一份样本合同过来，寄给谁？\n"
        "寄给小桂，她电话一三九 二二七五 八零六一。\n"
        "好的，我手机是一八九 七七零二 三一五八，有事您随时打。\n"
    )
    assert phones(extract(text)) == {"13922758061"}


def test_a_member_of_another_company_in_the_customers_chat_is_a_third_party():
    text = (
        "群聊：影海×云帆\n"
        "群成员：邵宁（云帆科技）、朱宁（影海·运营总监）、祁悦（影海·会员中心经理）、单志刚（辰星票务）\n"
        "朱宁 10:40:12\n"
        "好，我们三十个账号。\n"
        "单志刚 10:52:40\n"
        "接口问题找我，0791-8812 6630。\n"
    )
    ex = extract(text)
    assert "单志刚" not in {c.name for c in ex.contacts}
    assert "079188126630" not in phones(ex)


def test_participants_listed_after_canjia():
    text = (
        "需求工作坊 逐字记录\n"
        "参加：韦建明、欧阳蕾；恒联系统集成 武工；云帆科技 方知远\n"
        "武工\n"
        "接口大概五月上旬能好，我手机一三三 五七一二 零零八六。\n"
        "韦建明\n"
        "好的，我们二十个账号。\n"
    )
    ex = extract(text)
    assert "武工" not in {c.name for c in ex.contacts}
    assert "13357120086" not in phones(ex)


def test_accounts_named_around_examples_sisters_and_licences():
    said = {
        "韦航: 林总好，我是云帆科技的韦航。\n林少华: 欢迎。我们茗拍茶叶拍卖行一年办六场专场，委托人主要是天湖茶业这种茶企。\n": (
            "茗拍茶叶拍卖行"
        ),
        "邵宁：您好，我是云帆科技的邵宁。\n梁总：我们梦乡床垫厂这边八十多家经销商，还给宜眠酒店这种连锁酒店供货。\n": "梦乡床垫厂",
        "邵宁: 潘姐您好，我是云帆软件的邵宁，想问下蜂之源养蜂器材那边系统选得怎么样了？\n": "蜂之源养蜂器材",
        "电话小结 2027-09-14 客户：金庄榨油坊\n背景：营业执照上是汉中市金庄食用油有限公司，合同按这个开。\n": "汉中市金庄食用油有限公司",
        "微信语音通话 · 转文字  2027-09-14 19:40\n邵宁：您好。\n鲁校长：墨林书法培训学校现在五个账号不够用。\n": "墨林书法培训学校",
    }
    for text, account in said.items():
        assert extract(text).account.value == account, text
    text = (
        "邵宁：您好，我是云帆科技的邵宁。\n龚总：我们姊妹公司碧波水上乐园用的是纷享，我们碧波游船租赁这边还没上系统。\n"
    )
    assert extract(text).account.value == "碧波游船租赁"


def test_accounts_after_held_out_16():
    said = {
        "拜访小记 2027-09-14\n- 上午去了城南的冰悦真冰滑冰场，见了场馆经理鲁晓峰。\n": "冰悦真冰滑冰场",
        (
            "邵宁：岳总您好，我是云帆科技的邵宁。\n"
            "岳振宇：隔壁兄弟公司筑方钢构用的悟空CRM。像上次华建三公司项目部一下要两百套，"
            "我们筑方集成房屋的产能都排满了。\n"
        ): "筑方集成房屋",
        "邵宁：您好，我是云帆科技的邵宁。\n甘总：我们谜城密室有三家店，想管会员。\n": "谜城密室",
    }
    for text, account in said.items():
        assert extract(text).account.value == account, text


def test_a_job_ending_in_gong_is_no_person():
    text = "邵宁：您好，我是云帆科技的邵宁。\n潘建军：店长9个，再加我，10个。洗车工不用。\n"
    assert "车工" not in {c.name for c in extract(text).contacts}
