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


def account(text: str, today: date = TODAY):
    ex = extract(text, today)
    return ex.account.value if ex.account else None


def test_a_legal_name_with_a_place_before_the_brand_is_the_brand_said_everywhere():
    text = (
        "Speaker 1: 您好，我是云帆科技的郁青。\n"
        "Speaker 2: 我们瑞丰驾校现在两个训练场，教练二十个。\n"
        "Speaker 1: 合同抬头怎么写？\n"
        "Speaker 2: 写全称，青浦瑞丰机动车驾驶员培训有限公司。\n"
        "Speaker 2: 瑞丰驾校这边先开十个账号。\n"
    )
    assert account(text) == "青浦瑞丰机动车驾驶员培训有限公司"


def test_the_company_that_built_their_system_is_never_the_customer_nor_its_engineer_a_contact():
    text = (
        "工作坊记录 2027-10-19\n"
        "郁青：您好，我是云帆科技的郁青。咱们票务系统是谁做的？\n"
        "向东：是博途系统集成给我们做的，他们的冉工今天也来了。我们是嘉禾湾景区，写我们自己，嘉禾湾旅游开发有限公司。\n"
        "冉工：接口可以开，有事打我电话 136 2651 9902。\n"
    )
    ex = extract(text)
    assert ex.account.value == "嘉禾湾旅游开发有限公司"
    assert "冉工" not in names(ex)
    assert "13626519902" not in phones(ex)


def test_a_family_farm_is_a_legal_form_and_wins_over_how_the_rep_asked():
    text = (
        "电话 2027-10-19\n"
        "喂你好，我是云番科技的郁青，请问是柳塘草莓农场吗？\n"
        "对对，我柳建平，你说。\n"
        "您前两天留了信息，想了解客户管理这块。合同写哪个名字？\n"
        "六安市柳塘家庭农场，你记一下。\n"
    )
    ex = extract(text)
    assert ex.account.value == "六安市柳塘家庭农场"
    assert names(ex) == ["柳建平"]


def test_a_brand_saying_what_it_makes_or_what_it_is_is_the_customer():
    assert (
        account(
            "现场沟通录音 2027-10-19\n"
            "郁青：您好，我是云帆科技的郁青。\n"
            "车建军：坐。我们宏佑劳保做手套、安全帽，主要供工地。\n"
        )
        == "宏佑劳保"
    )
    assert (
        account(
            "电话 2027-10-19\n"
            "郁青: 您好，我是云帆科技的郁青。\n"
            "葛宏亮: 主要还是价格。我们印通耗材是小本生意，预算就三万。\n"
        )
        == "印通耗材"
    )


def test_a_chat_title_with_quotes_names_the_customer():
    text = (
        "微信聊天记录 - 与“麦禾坊 贺姐”\n"
        "—— 2027年10月19日 ——\n"
        "09:12 贺姐：[语音转文字] 小郁啊，你说的那个系统我看了\n"
        "09:13 郁青：贺姐早！您这边几个人用？\n"
        "09:15 贺姐：[语音转文字] 七个\n"
    )
    assert account(text) == "麦禾坊"


def test_a_participant_list_deep_in_a_mail_thread_names_the_customer_not_the_parent_group():
    text = (
        "主题：Re: 会议纪要 - 蓝峰钛白CRM项目\n"
        "发件人：郁青 <yuqing@yunfan-tech.com>\n"
        "蒋总好，对比表已附上。\n"
        + "\n"
        * 16
        + "参会：蓝峰钛白 蒋卫国（销售副总）、邱雪梅；四川蓝峰化工集团股份有限公司信息中心 黎振；云帆科技 郁青\n"
        "1. 蓝峰钛白销售二十五人需要开账号。\n"
    )
    assert account(text) == "蓝峰钛白"


def test_a_member_list_with_the_customer_in_brackets_and_a_reseller_before_a_dash():
    text = (
        "群成员（5）：单立新(恒岳-销售副总)、龚佳(恒岳-内勤主管)、华拓-祁磊、云帆-郁青、云帆-易欣\n"
        "2027-10-19 09:07 | 祁磊 | 单总，我是华拓的小祁。\n"
        "2027-10-19 09:12 | 龚佳 | 单总，咱们今年这块预算是五万以内，我电话 135 3117 9062\n"
        "2027-10-19 09:31 | 祁磊 | 我的也留一下 158 3219 4470，有事找我\n"
    )
    ex = extract(text)
    assert names(ex) == ["单立新", "龚佳"]
    assert phones(ex) == {"13531179062"}


def test_the_hosts_company_shared_in_brackets_keeps_a_channel_manager_and_drops_a_guest():
    text = (
        "会议纪要 2027-10-19\n"
        "参会人：白露（西安拾光文化有限公司 渠道经理）、贾成（西安拾光文化有限公司 总经理）、郁青（云帆科技 销售）、"
        "祁远（墨点设计工作室 设计总监）\n"
        "祁远：我们设计这边不需要账号，有新品图片发白露就行，我电话 135 0922 6618。\n"
        "白露：我座机 029-8836 4512。\n"
    )
    ex = extract(text)
    assert names(ex) == ["白露", "贾成"]  # no 计总监 out of 设计总监
    assert phones(ex) == {"02988364512"}


def test_people_gone_or_working_for_a_provider_are_no_contacts():
    text = (
        "现场会议 2027-10-19\n"
        "郁青：您好，我是云帆科技的郁青。之前对接的葛经理还在吗？\n"
        "阎志刚：葛亮啊，他上个月离职了。客户资料还有一部分在原来市场部经理蔡敏的手机里。\n"
        "阎志刚：系统现在临时是联创信息的欧工在帮我们弄。后面有事你也可以找左芳，座机 0574-8735 2210。\n"
    )
    ex = extract(text)
    assert names(ex) == ["左芳", "阎志刚"]


def test_the_full_name_said_beside_an_honorific_replaces_it():
    ex = extract(
        "拜访小记 2027-10-19（郁青）\n- 见了陆厂长（陆振邦，生产厂长，兼管销售）\n- 合同你发我们会计小韩，她叫韩冰\n"
    )
    assert names(ex) == ["陆振邦", "韩冰"]


def test_a_decision_right_after_its_date_counts_even_when_the_clause_is_about_accounts():
    ex = extract(
        "飞书妙记 2027-10-18\n钟晓彤：可以。加账号这个事这周四前我拍板，下个月一号新校区开业就开始用。\n",
        date(2027, 10, 18),
    )
    assert ex.close_date.value == date(2027, 10, 21)


def test_renewing_their_own_contracts_is_no_close_date_and_yi_liang_wan_is_a_range():
    ex = extract(
        "电话 2027-10-19\n"
        "郁青：您好，我是云帆科技的郁青。预算方面大概是什么范围？\n"
        "阎志刚：一两万吧，别太多。我们的服务合同都是一月份续签。\n"
    )
    assert ex.close_date is None
    assert ex.budget.value == 20000


def test_the_share_of_an_envelope_said_next_is_the_budget_and_so_is_what_the_boss_gave():
    ex = extract(
        "现场会议 2027-10-19\n"
        "郁青：您好，我是云帆科技的郁青。预算方面呢？\n"
        "庄建华：集团今年给我们整个数字化是三百万，但大头在门禁和停车。分到客户管理这块的，四十万左右。\n"
    )
    assert ex.budget.value == 400000
    ex = extract(
        "Speaker 1: 您好，我是云帆科技的郁青。十五个账号按同样单价是六万七千五。\n"
        "Speaker 2: 六万七千五超了。老板给我的是五到六万，顶多再挤一点。\n"
    )
    assert ex.budget.value == 60000


def test_a_quote_under_a_notes_budget_key_is_the_amount():
    ex = extract(
        "拜访小记 2027-10-19（记录人：郁青）\n"
        "- 预算：程院长说一万五以内。报价一万三千五（五个账号一年），她觉得可以。\n"
    )
    assert ex.budget.value == 15000
    assert ex.amount.value == 13500


def test_accounts_from_a_split_participant_line_a_group_notice_and_a_visit_header():
    assert (
        account(
            "电话会议录音整理 2027-10-19\n参会：郁青（云帆科技）；松谷温泉山庄 田甜 等\n"
            "郁青：田经理您好，我是云帆科技的郁青。\n"
            "田甜：我们预算三万以内。这个事集团不管，江西松泉文旅集团有限公司只看年度总数。\n"
        )
        == "松谷温泉山庄"
    )
    assert (
        account(
            "微信群聊导出：云帆 × 禾源批发市场 商户管理项目群\n"
            "群公告：项目客户 寿光禾源农副产品批发市场有限公司，合同及开票以此为准。\n"
            "2027-10-19 10:02 | 云帆-郁青 | 各位好，12个账号一年三万六。\n"
        )
        == "寿光禾源农副产品批发市场有限公司"
    )
    assert (
        account(
            "拜访纪要（记录人：郁青，云帆科技）\n"
            "日期：2027-10-19 现场拜访 新田节水灌溉（滴灌带、喷灌设备）\n"
            "- 见了总经理卞建军。他们主要给兵团农场供货，大客户有石河子的绿洲农场。\n"
        )
        == "新田节水灌溉"
    )


def test_whom_the_rep_phoned_by_name_is_the_account_and_his_full_name_the_contact():
    ex = extract(
        "电话沟通记录（郁青，云帆科技）2027-10-19\n"
        "1. 今天下午和瑞光标签印刷的裘国强（裘总）通了电话，他们做食品和日化的标签，客户有佛山的禾晨调味、清溪日化这些。\n"
        "2. 裘总说下周三签合同，合同寄给柳芳。\n"
    )
    assert ex.account.value == "瑞光标签印刷"
    assert names(ex) == ["柳芳", "裘国强"]
    assert "郁青" in ex.our_side


def test_an_indented_participant_list_keyed_by_company():
    text = (
        "腾讯会议 智能纪要\n会议时间：2027-10-19 10:00\n参会人员：\n"
        "  合肥安和物业服务有限公司：项立群（总经理）、聂晶（客服中心经理）\n"
        "  东岭科技（渠道合作伙伴）：戴伟\n"
        "  云帆科技：段晓（客户经理）、景川（解决方案顾问）\n"
        "会议要点：\n"
        "段晓：38个账号一年是九万八千八。\n"
        "戴伟：合同流程我们东岭这边配合，我电话181 5510 2273。\n"
    )
    ex = extract(text)
    assert names(ex) == ["聂晶", "项立群"]
    assert "段晓" in ex.our_side
    assert phones(ex) == set()


def test_a_chat_sender_between_bars_with_the_company_before_a_dash():
    text = (
        "群成员（4）：禾源-武立平(市场办主任)、禾源-覃思思(招商专员)、云帆-郁青、云帆-庞杰\n"
        "2027-10-19 10:02 | 云帆-郁青 | 各位好，12个账号一年三万六。\n"
        "2027-10-19 10:53 | 禾源-武立平 | 我电话+86 135 6366 0181，急事打这个。\n"
    )
    ex = extract(text)
    assert phones(ex) == {"13563660181"}
    assert "郁青" in ex.our_side


def test_the_engineers_of_the_customers_system_vendors_are_third_parties():
    text = (
        "工作坊 2027-10-19\n"
        "郁青：您好，我是云帆科技的郁青。\n"
        "吴海燕：排期数据在HIS里。我们的HIS是信达医疗信息做的，接口要找他们的宗工。宗工手机是136 0574 1122。\n"
        "陶振华：这边是我们招生主管曹敏，还有联拓信息的包工，我们学校的系统都是联拓帮忙做的。\n"
        "包志军：各位好，我是联拓信息的包志军。\n"
    )
    ex = extract(text)
    assert names(ex) == ["吴海燕", "曹敏", "陶振华"]  # no 宗工, 包工, 包志军, nor 管曹敏
    assert phones(ex) == set()


def test_someone_who_left_in_a_named_month_and_the_parent_groups_it_person():
    ex = extract(
        "Speaker 1: 您好，我是云帆科技的郁青。之前跟我们谈的潘经理还在负责吗？\n"
        "Speaker 2: 老潘八月份就走了，现在报价都是我自己看。另外集团信息部池伟建议我们对比一下。\n"
    )
    assert "潘经理" not in names(ex)
    assert "池伟" not in names(ex)


def test_in_a_chat_nobody_introduced_the_only_one_reporting_a_quote_is_our_rep():
    text = (
        "—— 2027年10月19日 ——\n"
        "09:12 方启：钟经理早，昨天电话里说的方案和报价我整理好了，先跟您确认几个数。\n"
        "09:20 钟雪：[语音转文字] 方经理早啊，你说。\n"
        "09:26 方启：好的，8个账号一年两万零八百。\n"
    )
    ex = extract(text)
    assert names(ex) == ["钟雪"]
    assert ex.our_side == ["方启"]


def test_prices_agreed_after_a_discount_an_offer_meeting_the_budget_and_a_rivals_price():
    ex = extract(
        "[00:00:03] 郁青: 您好，我是云帆科技的郁青。20个账号一年标准价是五万，这个季度可以打九折。\n"
        "[00:00:50] 彭立新: 九折那就四万五。预算我们报的是五万左右，够了。\n",
    )
    assert ex.amount.value == 45000
    ex = extract(
        "Speaker 1: 您好，我是云帆科技的郁青。九个账号，一年我们报价是三万一千五。\n"
        "Speaker 2: 太贵了，CRM这块最多给三万。\n"
        "Speaker 1: 那这样，三万整，不能再低了。\n"
        "Speaker 2: 三万可以接受。\n"
    )
    assert (ex.budget.value, ex.amount.value) == (30000, 30000)
    ex = extract(
        "罗晨: 黎经理您好，我是云帆科技的罗晨。我们上周报的二十个账号三万六，后来又降到三万三了。\n"
        "黎经理: 主要还是价格，纷享给的是两万六。\n"
    )
    assert ex.amount.value == 33000


def test_decision_dates_asked_with_que_ding_corrected_in_the_same_breath_and_not_after_the_decision():
    ex = extract(
        "[00:01:04] 郁青: 您好，我是云帆科技的郁青。什么时候能确定？\n[00:01:08] 彭立新: 下周五给你答复，签不签那天定。\n"
    )
    assert ex.close_date.value == date(2027, 10, 29)
    ex = extract(
        "Speaker 1: 您好，我是云帆科技的郁青。\n"
        "Speaker 2: 三万可以接受。我们下周五开会定下来……哦不对，下周五我出差，那就下周四吧。\n"
    )
    assert ex.close_date.value == date(2027, 10, 28)
    ex = extract(
        "邹航：您好，我是云帆科技的邹航。\n袁总：四万可以。下周二定。\n袁总：定了以后年底事情多，一月六号开始用吧。\n"
    )
    assert ex.close_date.value == date(2027, 10, 26)
    assert ex.golive_date.value == date(2028, 1, 6)


def test_a_working_detail_settled_later_is_no_close_date():
    ex = extract(
        "沈卓：您好，我是云帆科技的沈卓。那合同这边，您看什么时候能签？\n"
        "陶国平：十一月十四号前签。\n"
        "沈卓：另外下下周一，我们再过来开第二次工作坊，把报价审批流程定下来，您看可以吗？\n"
        "陶国平：可以，下下周一上午。\n"
    )
    assert ex.close_date.value == date(2027, 11, 14)


def test_a_month_alone_is_no_golive_date_but_that_day_in_the_next_clause_is():
    assert (
        extract("拜访小记 2027-10-19（郁青）\n- 老板说十月底前拍板，11月开始用（没说具体哪天）\n").golive_date is None
    )
    ex = extract(
        "Speaker 1: 您好，我是云帆科技的郁青。\nSpeaker 2: 这个月底前我们拍板。十一月七号冬令营开营，最好那天就开始用。\n"
    )
    assert ex.golive_date.value == date(2027, 11, 7)


def test_family_in_the_business_are_contacts_of_their_own():
    ex = extract(
        "2027-10-19 电话 云帆 郁青 回访 猕猴桃合作社\n"
        "喂，卫理事长您好，我是云帆科技的郁青。\n"
        "是啊，我们周至县金秦猕猴桃专业合作社，客户全靠我儿子一个本子记。\n"
        "我儿子卫东阳，还有两个跑市场的。他电话是一五九 二九一七 零四八三。\n"
    )
    assert ex.account.value == "周至县金秦猕猴桃专业合作社"  # 周至 is a county, not a week
    assert names(ex) == ["卫东阳", "卫理事长"]
    ex = extract(
        "拜访纪要（记录人：郁青）\n- 见了谷老板（谷长青）和他儿子谷磊，谷磊是销售经理\n"
        "- 我让他妹妹谷晓雯发票据，她管财务\n"
    )
    assert names(ex) == ["谷晓雯", "谷磊", "谷长青"]


def test_a_legal_name_before_a_dash_in_a_participant_list_starts_the_customers_people():
    text = (
        "飞书妙记 | 增购沟通\n时间：2027年10月19日 14:00\n"
        "参会人：云帆科技-梁思远（客户成功经理）、云帆科技-白露（销售）、武汉青墨艺术培训学校有限公司-汤启明（校长）、"
        "武汉青墨艺术培训学校有限公司-龚小雨（招生主管）\n\n"
        "龚小雨 00:30\n我座机 027-8752 6613。\n"
    )
    ex = extract(text)
    assert names(ex) == ["汤启明", "龚小雨"]
    assert phones(ex) == {"02787526613"}


def test_words_that_end_in_a_surname_and_an_implementer_who_is_also_a_speaker():
    text = (
        "陶振宇：坐。我是臻革皮具的陶振宇。集团给我们数字化的钱总共才二十万。\n"
        "阮琳：我补充一下，我是跟单主管阮琳。\n"
        "郁青：您好，我是云帆科技的郁青。\n"
        "陶振宇：接口这块让启明的孔工跟你们对。\n"
        "孔祥瑞：各位好，我是启明信息的孔祥瑞，臻革的U8是我们实施的。\n"
    )
    ex = extract(text)
    assert names(ex) == ["阮琳", "陶振宇"]  # no 钱总, 单主管, 孔工


def test_our_rep_reading_back_the_number_with_zhe_bian():
    ex = extract(
        "罗佳: 您好，我是云帆科技的罗佳。\n丁总: 我们已经定了别家了。\n"
        "罗佳: 好的丁总，那以后有需要再联系。您这边座机还是0731-8453 2207吧？\n丁总: 对。\n"
    )
    assert phones(ex) == {"073184532207"}


def test_budgets_beside_a_rivals_price_in_a_range_share_or_a_crm_share():
    ex = extract(
        "丢单复盘（记录人：郁青）2027-10-19\n"
        "1. 俞涛说已经定了纷享，纷享给的六千，还送小程序，他们预算本来就只有七千。\n"
    )
    assert ex.budget.value == 7000
    ex = extract(
        "郁青：您好，我是云帆科技的郁青。\n"
        "吴海燕：预算我直说。集团今年给所有子公司的信息化总盘子是五十万，分到我们这个CRM项目的，大概十五到二十万。\n"
    )
    assert ex.budget.value == 200000
    ex = extract(
        "郁青：您好，我是云帆科技的郁青。三年的话就是十二万六。\n"
        "饶敏：集团今年给我们整个信息化批了一百万，大头是WMS。CRM这块，三年一共给了十二万。\n"
    )
    assert ex.budget.value == 120000


def test_amounts_in_notes_and_minutes():
    ex = extract(
        "拜访小记 2027-10-19（记录人：郁青）\n- 预算：牛总说一万上下。报了每账号每年1500，6个共九千，牛总没还价。\n"
    )
    assert (ex.budget.value, ex.amount.value) == (10000, 9000)
    ex = extract(
        "会议纪要 2027-10-19\n参会人：韩立波（湘砼建材 运营总监）、郁青（云帆科技 客户经理）\n智能纪要\n"
        "郁青报价：追加账号按原合同单价每个一千八，10个一万八；韩立波要求优惠，郁青同意九五折，追加总价一万七千一。\n"
    )
    assert ex.amount.value == 17100
    ex = extract(
        "电话小记（郁青）2027-10-19\n"
        "4. 报价：每账号每年1600元，36个合计五万七千六；刁建华希望控制在六万预算内，双方最终确认五万五千元/年。\n"
    )
    assert ex.amount.value == 55000


def test_a_rules_threshold_and_another_vendors_minimum_are_neither_price_nor_seats():
    ex = extract(
        "郁青：您好，我是云帆科技的郁青。三年一起签可以做到十万整。\n"
        "吴海燕：三年十万整，这个可以接受。超过五万的合同都要走集团采购评审。之前纷享要求最少五十个账号起卖。\n"
        "郁青：好的，二十四个账号。\n"
    )
    assert ex.amount.value == 100000
    assert ex.seats.value == 24


def test_an_answer_promised_then_settled_is_the_decision_date():
    ex = extract("郁青：您好，我是云帆科技的郁青。\n庄总：行，试完没问题的话，下周五前给你答复，定下来。\n")
    assert ex.close_date.value == date(2027, 10, 29)


def test_accounts_named_in_a_note_key_a_question_and_a_participant_list():
    # (a friend's company and a client given as an example are no customer)
    assert (
        account(
            "郁青：您好，我是云帆科技的郁青。\n"
            "卜海燕：银行、医院，还有几家物流公司，像悟空物流，他们的单据都放我们库里。我朋友公司用纷享。\n"
        )
        is None
    )
    assert (
        account("电话小记（郁青）2027-10-19\n1. 对象：青峦高尔夫练习场，对接人柯俊（练习场经理）。\n")
        == "青峦高尔夫练习场"
    )
    assert (
        account("石磊: 喻经理您好，我是云帆的石磊，想问问净康消毒用品那边CRM选型有结果了吗？\n喻经理: 我们定了别家。\n")
        == "净康消毒用品"
    )
    assert (
        account(
            "主题：华文继续教育 CRM 项目 —— 会议纪要\n"
            "- 参会：华文继续教育 柏雪、贾明；华文教育集团有限公司信息中心 邓伟；云帆科技 李扬\n"
        )
        == "华文继续教育"
    )


def test_prices_our_rep_turns_down_offers_and_the_customer_accepts_and_notes_say():
    ex = extract(
        "09:12 郑宇：林姐早，报价我整理好了，四个账号一年九千八。\n"
        "09:20 林秀珍：郑经理早啊，一年预算也就一万块，九千八有点紧。\n"
        "09:31 郑宇：好的，那我申请一下九千，您看行吗？\n"
        "09:40 林秀珍：九千可以。\n"
    )
    assert (ex.budget.value, ex.amount.value) == (10000, 9000)
    ex = extract(
        "09:12 杜晨：卢总早，昨天说的报价我整理好了，九个账号一年三万六。\n"
        "09:40 卢文斌：价格的话三万六有点高 三万能不能做\n"
        "09:45 杜晨：三万实在做不了，我跟领导申请最多到三万三。\n"
        "10:02 卢文斌：三万三行吧\n"
    )
    assert ex.budget is None and ex.amount.value == 33000
    ex = extract(
        "发件人：邓楠 <dengnan@yunfan-tech.com>\n"
        "按十八个账号重新报价：标准价十万零八千，考虑到贵司预算，我们给到九折，即九万七千二，这就是最终报价。\n"
    )
    assert ex.amount.value == 97200 and ex.budget is None
    ex = extract(
        "拜访笔记（记录：郁青）2027-10-19\n· 预算：骆厂长说五六万。\n· 报价：十一个账号一年五万二千八，骆厂长没还价。\n"
    )
    assert (ex.budget.value, ex.amount.value) == (60000, 52800)
    ex = extract("纪要 2027-10-19\n4. 报价：唐敏报20个账号一年五万二；覃总提出预算五万，唐敏同意九折，四万六千八。\n")
    assert (ex.budget.value, ex.amount.value) == (50000, 46800)
    ex = extract("郁青：您好，我是云帆科技的郁青。\n郑美玲：我心里价位三万左右，三万六高了。\n")
    assert ex.budget.value == 30000


def test_a_chat_export_with_date_time_and_sender_between_bars_knows_who_talks():
    text = (
        "群名称：禾川农机 × 云帆CRM 项目群\n"
        "群成员（4）：卜振华（禾川 总经理）、简丽（禾川 内勤）、程一帆（云帆科技）、邬涛（冀中数科 渠道经理）\n"
        "2027-10-19 | 09:15 | 邬涛 | 各位早，我把云帆的程经理拉进来了。\n"
        "2027-10-19 | 09:17 | 程一帆 | 卜总好，我是云帆科技的程一帆。\n"
        "2027-10-19 | 09:30 | 卜振华 | 好。销售十二个人，都要用。\n"
        "2027-10-19 | 09:45 | 程一帆 | 好的，十二个账号，一年四万八。\n"
        "2027-10-19 | 10:10 | 卜振华 | 行，四万五我们就签。\n"
        "2027-10-19 | 10:12 | 简丽 | 我电话 +86 158 6390 7712。邬总的号码 138 5311 4401 大家都有。\n"
    )
    ex = extract(text)
    assert names(ex) == ["卜振华", "简丽"]
    assert "程一帆" in ex.our_side
    assert phones(ex) == {"15863907712"}  # 邬总 is the partner's 邬涛


def test_an_integrator_who_introduces_himself_under_a_bare_name_label_is_a_third_party():
    text = (
        "2027-10-19 现场调研\n"
        "尤佳\n"
        "各位好，我是云帆科技的尤佳，今天来了解一下合作社的情况。\n"
        "严振国\n"
        "我是绿野果蔬专业合作社的理事长严振国。我们有九个人要用。\n"
        "詹工\n"
        "我说一句，我是农云通的詹工。县里这个项目是我们做的集成，溯源平台也是我们上的。\n"
        "詹工\n"
        "接口文档也发我一份，zhan@nongyuntong.net，我手机 135 0917 3301。\n"
        "严振国\n"
        "我手机 139 0917 2256。\n"
    )
    ex = extract(text)
    assert names(ex) == ["严振国"]
    assert phones(ex) == {"13909172256"}


def test_a_number_corrected_in_the_same_breath_keeps_only_the_corrected_one():
    text = (
        "电话 2027-10-19\n"
        "销售-葛文：莫总，您电话留一个？\n"
        "客户-莫振宇：我电话一五零 二八六七 零九八七，嗯不对，是一五零 二八六七 零九八六。\n"
    )
    assert phones(extract(text)) == {"15028670986"}


def test_members_written_name_company_job_between_slashes_are_on_their_companys_side():
    text = (
        "群聊「净川虫控 × 云帆 CRM 对接群」聊天记录\n"
        "群成员：鲍明远(云帆科技) / 钟立-粤信软件 / 苗素云-净川-运营经理 / 施芳-净川-财务主管\n"
        "2027-10-19 14:02 | 钟立-粤信软件 | 各位好，拉个群方便沟通。\n"
        "2027-10-19 14:05 | 鲍明远(云帆科技) | 苗经理好，我是云帆的鲍明远。账号需要几个？\n"
        "2027-10-19 14:11 | 苗素云-净川-运营经理 | 业务和客服先8个。我电话 +86 138 2299 4410。\n"
        "2027-10-19 14:27 | 钟立-粤信软件 | 好的，有问题随时找我 020-3862 5512。\n"
    )
    ex = extract(text)
    assert names(ex) == ["施芳", "苗素云"]
    assert ex.our_side == ["鲍明远"]
    assert phones(ex) == {"13822994410"}


def test_seat_counts_broken_down_in_brackets_or_given_to_everyone():
    mail = "您好：按您的更正，15个账号（原12个 + 外贸部3个）重新报价，一年十万。\n"
    assert extract("2027-10-19 邮件\n" + mail).seats.value == 15
    call = (
        "2027-10-19 电话\n"
        "蔺经理您现在业务员有多少？\n"
        "十二个业务员，跑全国的经销商和商超，每个人都要开，12个。\n"
        "您手机方便留一下吗？\n"
        "一五九 四五一七 三零八二，姓蔺。\n"
    )
    ex = extract(call)
    assert ex.seats.value == 12
    assert "商超" not in names(ex)
    assert phones(ex) == {"15945173082"}


def test_what_follows_a_named_companys_parent_describes_it_and_is_no_account():
    text = (
        "拜访记录 2027-10-19\n"
        "参会：锦源袜业 龚晓辉（销售总监）；云帆科技 曹一凡\n"
        "1. 锦源袜业是浙江锦源控股集团有限公司旗下的袜子工厂，做电商品牌代工。\n"
        "2. 账号：26个，预算七万五。\n"
    )
    assert extract(text).account.value == "锦源袜业"


def test_a_decision_at_a_named_meeting_or_said_with_jiu_and_festivals_that_move():
    asked = (
        "发言人1 00:03:18\n那您这边什么时候能定下来？\n"
        "发言人2 00:03:25\n下周五我们总经理办公会，会上拍板。七夕前要上线。\n"
    )
    ex = extract("腾讯会议 2027-06-08\n" + asked, date(2027, 6, 8))
    assert str(ex.close_date.value) == "2027-06-18"
    assert str(ex.golive_date.value) == "2027-08-07"  # 七夕 2027 is August 8
    said = "[00:01:26] 林德旺: 预算四五万吧。你凑个整，五万，我们下周五就定。\n"
    assert str(extract("2027-10-19 现场\n" + said).close_date.value) == "2027-10-29"


def test_the_engineer_of_whoever_runs_their_it_and_a_named_integrators_man_are_third_parties():
    text = (
        "工作坊 2027-10-19\n"
        "陶建华：我们浙江明理律师事务所现在四十多个律师。\n"
        "陶建华：接口这块，我们的信息化一直是信安软件的卓工在弄，卓工今天也来了。\n"
        "卓工：大家好，我是信安软件的卓工，接口文档我手上有。有事打我手机13706514402。\n"
        "葛总：集团指定的集成商是启明信息，他们的蔡工负责对接财务系统。蔡工的电话是 180 6173 5521。\n"
    )
    ex = extract(text)
    assert ex.account.value == "浙江明理律师事务所"
    assert "卓工" not in names(ex) and "蔡工" not in names(ex)
    assert phones(ex) == set()


def test_a_group_list_with_our_people_by_company_and_theirs_by_job():
    text = (
        "微信群聊导出：云帆 × 汉川麻竹花椒专业合作社 对接群\n"
        "群成员（6）：云帆-邱宁、云帆-严松、罗德亮（理事长）、杨春梅（会计）、合作社-小马、川讯科技-苟勇\n"
        "2027-10-19 09:20 | 罗德亮（理事长） | 看了。我们收购员八个。\n"
        "2027-10-19 09:26 | 川讯科技-苟勇 | 邱经理好，我是川讯科技的苟勇，合作社的电脑网络都是我们在弄。\n"
        "2027-10-19 09:31 | 云帆-严松 | 八个收购员每人一个账号，一年两万二千四。\n"
    )
    ex = extract(text)
    assert ex.account.value == "汉川麻竹花椒专业合作社"
    assert sorted(ex.our_side) == ["严松", "邱宁"]
    assert {"罗德亮", "杨春梅"} <= set(names(ex)) and "苟勇" not in names(ex)


def test_whom_the_call_reached_a_notes_title_between_bars_and_examples_in_brackets():
    called = "通话录音转写 2027-10-19 上午\n喂您好，是畅通管道疏通的刘师傅吗？我是云帆科技的周航。\n对对，我刘德胜。\n"
    assert extract(called).account.value == "畅通管道疏通"
    notes = (
        "10月19日（周二）电话沟通记录｜芯造3D打印｜记录人：郑雪\n"
        "1. 对接人卢老板，客户多是医疗器械公司的研发团队（如翼展航空、康途医疗）。\n"
    )
    assert extract(notes).account.value == "芯造3D打印"
    parent = "拜访 2027-10-19\n汪建军：我们是地矿集团参股的，江西赣地测绘工程有限公司，主要做不动产测绘。\n"
    assert extract(parent).account.value == "江西赣地测绘工程有限公司"


def test_an_office_line_after_a_contacts_number_is_kept_with_the_contact():
    text = (
        "拜访记录 2027-10-19\n- 客户：东阳鑫源纺织有限公司\n- 对接人：叶春燕（厂长助理）\n"
        "- 联系方式：叶春燕 137-5781-0426；厂办 0578-6215 3307。\n"
    )
    assert phones(extract(text)) == {"13757810426", "057862153307"}


def test_a_ceiling_the_boss_will_not_pass_our_bare_offer_and_a_decision_on_the_day_of_return():
    text = (
        "电话录音转写（未区分说话人）2027-10-20 10:32\n"
        "喂，您好，是松林木门的方经理吗？我是云帆科技的吴昊。\n"
        "预算您这边有个范围吗？\n"
        "三四万吧。你别给我报太高啊，超过三万五我这边就批不下来了。\n"
        "明白。十五个账号一年我们报三万二千五，经销商门户是包含在里面的。\n"
        "好。老板出差了，下下周一回来，回来那天他就拍板。\n"
    )
    ex = extract(text, date(2027, 10, 20))
    assert ex.budget.value == 35000
    assert ex.amount.value == 32500
    assert str(ex.close_date.value) == "2027-11-01"


def test_a_decision_at_the_end_of_a_chat_line_and_short_aliases_inside_other_names():
    chat = "2027-10-19 10:02 | 邓凯 | 可以，就两万四千八。合同主体是佛山市飞鸿体育培训有限公司，下周五前我们定\n"
    assert str(extract("群聊 2027-10-19\n" + chat).close_date.value) == "2027-10-29"
    dealer = "拜访 2027-10-19\n像海纳家居建材城那家，一个月二十多单。之前用力销云管理企业客户。\n"
    org = OrgProfile.from_settings(
        SimpleNamespace(org_name="云帆科技,云帆", competitors="励销云/励销,海纳CRM/海纳", org_products="")
    )
    assert [c.value for c in extract_rules(dealer, TODAY, org=org).competitors] == ["励销云"]


def test_who_brings_a_presales_colleague_is_our_rep_and_bulleted_participants_by_company():
    met = (
        "现场录音整理（2027年10月19日 下午）\n"
        "方圆：覃总好，蔺经理好，这位是我们售前顾晨。\n"
        "覃建华：坐坐坐。我们秦岭魔芋你们也了解了。\n"
        "蔺雨桐：我再补充一下，我是内贸经理蔺雨桐。\n"
        "方圆：十五个报的是五万四，十二个就是四万三千二。\n"
    )
    ex = extract(met)
    assert sorted(ex.our_side) == ["方圆", "顾晨"]
    assert "蔺雨桐" in names(ex)
    minutes = (
        "腾讯会议 · 智能纪要\n会议时间：2027/10/19 15:00-16:05\n参会人员：\n"
        "- 广西崇左甜泉糖业有限公司：韦国文（销售副总）、黄海（销售内勤）\n"
        "- 云帆科技：钟磊（大客户经理）、蒋文韬（解决方案）\n"
    )
    ex = extract(minutes)
    assert sorted(ex.our_side) == ["蒋文韬", "钟磊"]
    assert names(ex) == ["韦国文", "黄海"]


def test_a_chat_title_with_our_rep_after_yu_and_members_between_bars():
    chat = (
        "微信聊天记录（葛雨晴 与 杜若-云番科技）\n"
        "09:12 葛雨晴：杜老师你好，我是声声口才的葛雨晴。\n"
        "09:13 杜若-云番科技：葛校长好！您这边几个老师要用？\n"
    )
    assert extract(chat).our_side == ["杜若"]
    group = (
        "群聊：清源泉×云帆 调度系统对接群\n"
        "群成员：云帆-夏楠 | 云帆-唐浩 | 清源泉-罗静(行政经理) | 清源泉-符小军(调度主管) | 智联渠道-谢斌\n"
        "10:02 | 云帆-夏楠 | 各位好，方案整理好了。\n"
    )
    ex = extract(group)
    assert sorted(ex.our_side) == ["唐浩", "夏楠"]
    assert names(ex) == ["符小军", "罗静"]


def test_accounts_named_in_a_self_introduction_a_visit_to_their_shop_or_a_self_description():
    intro = "钉钉电话会议 2027-10-19\n鲁文博：石经理好，我是心语心理咨询的创始人鲁文博。\n"
    assert extract(intro).account.value == "心语心理咨询"
    dept = (
        "电话 2027-10-19\n销售-王磊：贾工好，我是云帆科技的王磊。\n"
        "客户-贾工：我是信息中心的贾工，系统要私有化部署。\n"
        "客户-贾工：我们石家庄康泰制药股份有限公司有两个厂区。\n"
    )
    assert extract(dept).account.value == "石家庄康泰制药股份有限公司"
    visit = "电话录音转写 2027-10-19\n喂，尚经理吗？我是云帆科技的简文涛，上周去你们墨境晒图店里那个小简。\n"
    assert extract(visit).account.value == "墨境晒图"
    small = "微信 2027-10-19\n何振：一万八有点高了，我们讯达对讲就是个小公司，卖对讲机的。\n"
    assert extract(small).account.value == "讯达对讲"
    place = "拜访记录 2027-10-19\n客户：郑州鑫通渣土运输\n- 上午去了车队停车场，见了老板齐总。\n"
    assert extract(place).account.value == "郑州鑫通渣土运输"


def test_a_reference_done_the_same_way_an_integrator_after_a_comma_and_a_budget_share():
    ref = "现场 2027-10-19\n方圆：我们给安康富硒米业也是这么做的，上线很顺。\n"
    assert extract(ref).account is None
    text = (
        "工作坊 2027-10-19\n"
        "葛总：这位是外贸部经理许倩，还有集团派来的系统集成商，鼎诚信息的朱工。\n"
        "朱工：接口的事可以找我，137 7788 1204。\n"
        "葛总：今年公司整个数字化是八十万，给这个招商系统的就是十万左右。\n"
    )
    ex = extract(text)
    assert "朱工" not in names(ex) and phones(ex) == set()
    assert ex.budget.value == 100000


def test_the_security_vendor_who_introduces_himself_and_clients_listed_after_kehu_baokuo():
    text = (
        "工作坊 2027-10-19\n"
        "黄子涵：合同抬头写杭州小橡子教育科技有限公司。\n"
        "许工：我插一句，我是恒达信息的许工，小橡子的门禁和监控是我们做的，接口这块我们来配合。手机 137 5711 3390。\n"
    )
    ex = extract(text)
    assert ex.account.value == "杭州小橡子教育科技有限公司"
    assert "许工" not in names(ex) and phones(ex) == set()
    notes = (
        "拜访笔记｜2027-10-19（周二）｜佛山顺德 眠月床垫｜记录人：邵梓轩\n"
        "- 眠月主要做酒店床垫和家具城经销商的贴牌，客户包括乐从几家家具城的经销商、本地两家连锁酒店（悦华酒店、榕庭酒店）。\n"
    )
    assert extract(notes).account.value == "眠月床垫"


def test_the_meeting_place_and_the_project_our_rep_asks_about_name_the_customer():
    place = (
        "拜访笔记 —— 焦阳（云帆科技）\n日期：2027-10-19（周二）  地点：启航会计培训 五一路校区\n- 见了校长房丽君。\n"
    )
    assert extract(place).account.value == "启航会计培训"
    asked = (
        "电话回访记录 2027-10-19\n伍倩: 喂，黎总您好，我是云帆的伍倩，想问下泥趣硅藻泥门店系统的事考虑得怎么样了？\n"
    )
    assert extract(asked).account.value == "泥趣硅藻泥"


def test_a_day_alone_takes_the_month_of_its_own_side_and_a_busy_season_is_no_decision():
    text = (
        "会议 2027-07-05\n"
        "骆明轩：九月一号没问题，前提是八月中旬前把数据准备好。\n"
        "钟立伟：刚收到集团通知，董事会改到十八号开了。\n"
        "骆明轩：那钟总看什么时候合适？\n"
        "钟立伟：董事会开完第二天，十九号定下来。\n"
    )
    assert str(extract(text, date(2027, 7, 5)).close_date.value) == "2027-07-19"
    season = "会议 2027-06-14\n贺总：我们争取月底前拍板，国庆前一定要上线，十月份是我们的签约高峰。\n"
    ex = extract(season, date(2027, 6, 14))
    assert str(ex.close_date.value) == "2027-06-30"
    moved = "邮件 2027-04-24\n集团采购评审会从5月10日改到5月17日，那天出结果。\n"
    assert str(extract(moved, date(2027, 4, 24)).close_date.value) == "2027-05-17"


def test_a_legal_name_whose_brand_holds_a_verb_and_a_provider_named_without_gei_women():
    text = (
        "群聊：旺盛厨具×云帆CRM项目群\n"
        "群成员：龙永强（佛山旺盛商用厨具有限公司 总经理）、简雯（佛山旺盛商用厨具有限公司 销售内勤）、钟毅（云帆科技）\n"
        "2027-10-19 10:02 | 龙永强 | 我们的OA是博远系统集成做的，他们祁工今天也在。\n"
        "2027-10-19 10:05 | 祁工 | 各位好，OA接口我们这边可以开，有问题打我电话 137 1628 4471。\n"
    )
    ex = extract(text)
    assert ex.account.value == "佛山旺盛商用厨具有限公司"
    assert "祁工" not in names(ex) and phones(ex) == set()


def test_the_final_count_said_first_and_the_share_that_falls_to_them():
    mail = "邮件 2027-10-19\n跟老板又核了一下，账号最终按16个来，维修班组长只开4个（业务员12个不变）。\n"
    assert extract(mail).seats.value == 16
    share = "会议 2027-10-19\nSpeaker 2: 集团今年给信息化一共五十万，但落到我们头上就四万，你这个价再让一点？\n"
    assert extract(share).budget.value == 40000


def test_the_customer_speaking_for_its_company_with_zhebian_and_a_licence_name_for_the_contract():
    said = "电话 2027-10-19\n销售-苗苗：聂总您好。\n客户-聂海波：小苗啊，我们宏远输送带这边已经定了，选了纷享销客。\n"
    assert extract(said).account.value == "宏远输送带"
    phone = "电话 2027-10-19\n销售-王磊：请问是孟总吗？\n客户-孟凡舟：对对，是我，快修侠手机维修这边。\n"
    assert extract(phone).account.value == "快修侠手机维修"
    licence = "微信 2027-10-19\n黄丽萍：一万一千吧，行。合同上写我们执照的名字，玉林市桂芳源香料有限公司。\n"
    assert extract(licence).account.value == "玉林市桂芳源香料有限公司"


def test_a_member_of_another_company_who_builds_the_interface_is_a_third_party():
    text = (
        "群成员：云帆-姚睿、极光-骆宁(运营总监)、极光-庞小川(门店督导)、华创网络-陶工\n"
        "2027-10-19 10:41 | 华创网络-陶工 | 补充一下，我们华创这边做网吧计费系统的接口。\n"
        "2027-10-19 11:05 | 华创网络-陶工 | 接口的事直接打我 133 1718 0042\n"
    )
    ex = extract(text)
    assert "陶工" not in names(ex) and phones(ex) == set()
    vendor = (
        "2027-10-19 工作坊\n小彭\n你们的金蝶是谁做的实施？\n"
        "饶工\n大家好，我是智联的饶工，金蝶这边的接口我们配合。我电话 133 2025 1146。\n"
    )
    assert phones(extract(vendor)) == set()


def test_clients_they_serve_a_notice_keyed_with_a_space_and_a_decision_announced_by_the_customer():
    served = (
        "会议 2027-10-19\n"
        "马骁：我们给华瑞汽车、德科焊装这些客户做焊接机器人的维保。\n"
        "乔建军：我们主要给电厂和焦化厂供煤。\n"
    )
    assert extract(served).account is None
    notice = (
        "群聊：云帆×海澜船代 CRM项目群\n群公告：客户 宁波海澜国际船舶代理有限公司；渠道 甬通信息\n"
        "2027-10-19 09:12 | 云帆-曹阳 | 各位早。\n"
    )
    assert extract(notice).account.value == "宁波海澜国际船舶代理有限公司"
    lost = "电话回访记录 2027-10-19\n房丽娟: 韩经理你好。我直说吧，我们缘起婚介这次决定用纷享销客了。\n"
    assert extract(lost).account.value == "缘起婚介"
    brand = (
        "主题：会议纪要：2027-10-19 金锋刀剪 × 云帆科技 视频沟通\n"
        "1. 背景：金锋刀剪是浙江龙泉金锋实业集团有限公司旗下的刀剪品牌。\n"
    )
    assert extract(brand).account.value == "金锋刀剪"


def test_a_haulage_nickname_a_dotted_job_in_brackets_and_a_customer_offering_to_be_called():
    group = (
        "微信群聊「晋通煤贸-云帆项目群」\n"
        "———— 2027年10月19日 星期二 ————\n"
        "孟可欣 09:12:03\n乔总好，我是云帆科技的孟可欣，方案发群里。\n"
        "乔建军 09:20:41\n好。账号九个，预算两万。\n"
        "运输-曲师傅 09:35:12\n乔总，明天的车我排好了，电话还是 135 3520 1186。\n"
        "贾芳（晋通·销售内勤） 09:40:27\n开票信息：大同市晋通煤炭贸易有限公司，我的电话 +86 152 3520 8817。\n"
    )
    ex = extract(group)
    assert ex.account.value == "大同市晋通煤炭贸易有限公司"
    assert names(ex) == ["乔建军", "贾芳"] and phones(ex) == {"15235208817"}
    offered = (
        "腾讯会议 2027-10-19\n"
        "发言人1 00:00:02\n温经理您好，我是云帆科技的贺一帆，今天我们方案顾问沈聿也在线上。\n"
        "发言人2 00:00:15\n你好。我是澜江大剧院市场部经理温晴。\n"
        "发言人4 00:01:40\n那我理解主要是两块：会员营销和剧团跟进。这周四我们把演示账号开好。\n"
        "发言人2 00:06:41\n我座机是0571-8675 2290，有事随时找我。\n"
        "发言人1 00:06:58\n好的温经理，那我们周四见。\n"
    )
    ex = extract(offered)
    assert names(ex) == ["温晴"] and phones(ex) == {"057186752290"}
    assert sorted(ex.our_side) == ["沈聿", "贺一帆"]


def test_the_company_before_a_department_and_a_visitor_who_comes_to_your_company():
    text = (
        "现场拜访录音 2027-10-19\n"
        "[00:00:04] 方磊: 马经理，钱工，今天到你们公司来主要是看看派单的流程。\n"
        "[00:00:12] 马骁: 我是精擎机器人服务部经理马骁，这是我们技术主管钱工。\n"
        "[00:00:35] 钱工: 现在用的是海纳CRM，工单模块很弱。\n"
        "[00:01:15] 方磊: 二十五个账号，一共四万五，下周二我过来现场演示。\n"
    )
    ex = extract(text)
    assert ex.account.value == "精擎机器人"
    assert names(ex) == ["钱工", "马骁"] and ex.our_side == ["方磊"]


def test_the_name_they_go_by_the_name_answered_and_the_full_name_after_a_comma():
    parent = (
        "飞书会议 2027-10-19\n"
        "Speaker 1: 邵总您好，我是云帆科技的尤子墨。\n"
        "Speaker 2: 我叫邵倩，运营总监。我们是山东鲁冷供应链集团有限公司下面做运输的这块，对外就叫鲁冷速运。\n"
        "Speaker 3: 我补充一下，我是济南数联信息的刘工，集团的系统集成是我们做的，后面接口我来对接。\n"
        "Speaker 2: 合同和发票寄给小鲍，她邮箱 baoli@lulengsy.com。\n"
    )
    assert extract(parent).account.value == "鲁冷速运"
    answered = (
        "电话回访 2027-10-19\n邱越: 曾老板您好，我是云帆科技的邱越。\n"
        "曾老板: 我们进货的豪骏摩托厂家那边推荐的也是纷享。\n"
        "邱越: 我在系统里记一下，咱们门市部的全称是？\n曾老板: 宜宾市翠屏区驰风摩托车门市部。\n"
    )
    assert extract(answered).account.value == "宜宾市翠屏区驰风摩托车门市部"
    comma = (
        "电话沟通记录 2027-10-19\n销售-许航: 林厂长您好，我是云帆科技的许航。\n"
        "客户-林厂长：我们业务员一天到晚跑吉瑞汽车这些主机厂和汽配城。\n"
        "销售-许航: 合同抬头写哪个？\n客户-林厂长：写全称，瑞安市驰岭汽车制动片厂，开票也开这个。\n"
    )
    assert extract(comma).account.value == "瑞安市驰岭汽车制动片厂"


def test_people_and_numbers_of_the_vendor_the_reseller_the_supplier_and_the_haulier():
    vendor = (
        "工作坊 2027-10-19\n\n方可欣\n各位好，我是云帆科技的方可欣。\n\n"
        "钱工\n贵阳联创信息，帮我们上的用友U8。今天他们的包工也来了。\n\n"
        "包启明\n大家好，我是联创的包启明。我的电话是 0851-8575 6620 转 12。\n\n"
        "小贺\n我是渠道这块的小贺，手机 151 8503 2217。\n\n"
        "钱工\n物流是黔运物流在拉，他们调度王师傅电话 151 8503 2218，我一天要打好几次。\n"
    )
    ex = extract(vendor)
    assert names(ex) == ["小贺", "钱工"] and phones(ex) == {"15185032217"}
    group = (
        "群公告：本群用于声动少儿口才 CRM 采购对接。代理商湘云信息曹工负责安装和培训。\n"
        "[10:02] 云帆-汤铭：易校长好，十四个账号。\n[10:05] 易校长：好的，我电话 173 0745 8210。\n"
        "[10:22] 湘云信息-曹工：安装培训我来安排，有事打我 139 7311 6024。\n"
    )
    assert phones(extract(group)) == {"17307458210"}
    notes = "拜访笔记 10/18 丁一帆\n- 供货的华糖酒业毛经理（138 7345 0021）刚好也在店里，说他们公司也想了解。\n"
    assert phones(extract(notes)) == set()


def test_the_number_of_a_call_recorder_and_a_number_our_rep_checks_before_saying_goodbye():
    recorder = (
        "通话录音转文字 | 与 0573-8265 1180 的通话 | 2027/10/19 10:12\n"
        "我：喂您好，这里是云帆科技，我是武思远。\n对方：你好，我是禾粽记的褚秋萍，公司副总。\n"
        "对方：业务员十七个。\n我：好的。\n对方：我手机 189 5732 0618。\n"
    )
    assert phones(extract(recorder)) == {"057382651180", "18957320618"}
    checked = (
        "电话 2027-10-19\n柯文: 宋校长您好，我是云帆科技的柯文。\n宋校长: 你好。\n"
        "柯文: 好的。以后有需要随时联系我，您座机还是 0731-8452 6603 吧？\n宋校长: 对，找前台转我就行。\n"
    )
    assert phones(extract(checked)) == {"073184526603"}


def test_a_school_room_a_pronoun_before_a_trade_word_and_how_the_contract_header_is_filled_in():
    room = (
        "与 韩老师 的聊天记录\n———————— 2027年10月19日 ————————\n"
        "10:02 吕佳：韩老师您好，我是云帆科技的吕佳。\n"
        "10:05 韩老师：[语音转文字] 可以可以，我是声浪架子鼓教室的校长韩啸，我们现在两个校区。\n"
    )
    assert extract(room).account.value == "声浪架子鼓教室"
    coop = (
        "电话 2027-10-19\n杨帆：卓社长好，我是云帆科技的杨帆。\n"
        "卓永福：我们是麻江县黔莓果蔬种植专业合作社。\n杨帆：您是合作社，我给您申请农业客户价，五千八。\n"
    )
    assert extract(coop).account.value == "麻江县黔莓果蔬种植专业合作社"
    header = (
        "会议 2027-10-19\n宋嘉：我是云帆科技的宋嘉。\n乔伟：开票信息是淄博鲁晟工业气体有限公司。\n"
        "宋嘉：合同抬头按您给的开票信息填写。\n"
    )
    assert extract(header).account.value == "淄博鲁晟工业气体有限公司"
    sister = (
        "会议 2027-10-19\n莫晓雯：我是云帆科技的莫晓雯。\n"
        "郝建平：我们公司全称是东莞市硅盛橡塑制品有限公司，对外都叫硅盛硅胶。\n"
        "郝建平：我们隔壁兄弟厂硅盛模具厂去年上了海纳CRM，我们也拿来比一下。\n"
    )
    assert extract(sister).account.value == "东莞市硅盛橡塑制品有限公司"


def test_a_fleet_manager_by_job_and_name_and_the_vendor_of_their_gps():
    text = (
        "飞书会议 2027-10-19\n"
        "Speaker 1: 大家好，我是云帆科技的赵一鸣。\n"
        "Speaker 2: 你好，我是车队经理符建军。我们是华冷供应链集团有限公司下面的冷链车队，对外就叫冰驰冷运。\n"
        "Speaker 3: 我是调度主管蔺晓婷。\n"
        "Speaker 4: 我是途安科技的项工，他们车上的GPS和TMS是我们做的，今天主要听一下接口。\n"
        "Speaker 4: 我手机 137 7788 9901。\n"
        "Speaker 2: 我手机 +86 138 0571 2046，邮箱 fujianjun@bingchi-cold.cn。\n"
    )
    ex = extract(text)
    assert ex.account.value == "冰驰冷运"
    assert names(ex) == ["符建军", "蔺晓婷"] and phones(ex) == {"13805712046"}


def test_partners_referrers_vendors_engineers_and_drivers_keep_their_numbers():
    partner = (
        "现场录音转写 2027年10月19日\n"
        "欧阳婷：汪总好，我是云帆科技的欧阳婷。启航软件的贾工是我们在宁波的合作伙伴，今天也一起过来了。\n"
        "汪总：欢迎。我是这边的负责人汪海涛。\n贾斌：汪总，有事也可以打我电话 135 8629 4471。\n"
    )
    assert phones(extract(partner)) == set()
    referrer = (
        "2027-10-19 10:02 云帆-陆遥：聂校长好，十个账号。\n2027-10-19 10:05 聂校长：好的。\n"
        "2027-10-19 10:15 鼓韵琴行-陈国强：聂校长，我们琴行用的就是他们家，也是我介绍的。有事找我，138 8011 4567。\n"
    )
    assert phones(extract(referrer)) == set()
    engineer = (
        "工作坊 2027-10-19\n\n陈默\n大家好，我是云帆科技的陈默。\n\n柏总\n房源都在易房通里。\n\n"
        "邬工\n我补充一下，我是易房通的实施工程师邬工。\n\n邬工\n我手机135 1509 8874，技术上的问题直接找我。\n"
    )
    assert phones(extract(engineer)) == set()
    drivers = (
        "钉钉闪记 2027-10-19\n说话人1（陆凡） 00:00:05：覃老板好，我是云帆科技的陆凡。\n"
        "说话人2（覃老板） 00:02:48：送货的是蓉达物流的黄师傅，他电话 133 0817 2290。\n"
        "说话人2（覃老板） 00:03:10：原料是道宁供的，他们业务老黄139 2690 1187天天打电话。我手机 139 0817 5566。\n"
    )
    ex = extract(drivers)
    assert names(ex) == ["覃老板"] and phones(ex) == {"13908175566"}
    shop = "[00:01:52] 田野: 我是云帆科技的田野。店里电话还是 0757-8233 1962 吧？\n[00:01:58] 周志刚: 对。\n"
    assert phones(extract(shop)) == {"075782331962"}


def test_a_chat_named_after_the_customer_and_numbers_not_to_call():
    chat = (
        "微信聊天记录 与“刘姐”\n————— 2027年10月19日 —————\n"
        "09:12 邢蕾：刘姐早！三个账号一年九千六。\n"
        "09:40 刘姐：[语音转文字] 顺发蛋品商行那边的单子你也帮我导进去，他们老板电话一三七零五一七二二九八，你别存错了\n"
        "09:41 邢蕾：好的😄 您的手机还是幺三八洞五幺七二二九洞对吧？\n09:42 刘姐：对。\n"
    )
    ex = extract(chat)
    assert names(ex) == ["刘姐"] and ex.our_side == ["邢蕾"] and phones(ex) == {"13805172290"}
    gone = (
        "会议 2027-10-19\n邵磊：我是云帆科技的邵磊。\n"
        "阮静：原来是龚主任，他上个月调走了。他手机13705742218你们要是存过就别打了，现在都找我，我手机 139 0574 1122。\n"
        "阮静：商场那个吕经理电话027-8555 6201你有了吧，这事跟他没关系了哈。\n"
    )
    assert phones(extract(gone)) == {"13905741122"}


def test_the_hauliers_man_the_agent_and_the_integrators_engineer_keep_their_numbers():
    text = (
        "[00:00:05] 田野: 窦总好，我是云帆科技的田野。\n"
        "[00:01:24] 窦建军: 发货那边是顺驰物流的老马在跑，他电话133 0539 7788，物流信息能不能也挂进去？\n"
        "[00:02:40] 窦建军: 我们在佛山的代理是华软科技的左经理，他电话0757-8220 5566。\n"
        "[00:03:10] 窦建军: 我们ERP的实施商是东莞启达信息，他们罗工说接口要他们来做。罗工电话是0769-2281 6650。\n"
        "[00:03:30] 窦建军: 我手机 138 0539 1234。\n"
    )
    assert phones(extract(text)) == {"13805391234"}


def test_a_csv_export_a_mail_subject_and_a_studio_that_calls_itself_so():
    csv = (
        "讯飞听见 录音转写导出（CSV）\n录音时间：2027-10-19 14:20\n时间,说话人,内容\n"
        "00:00:04,说话人1,庄总您好，我是云帆科技的梁宇。\n"
        "00:00:20,说话人2,我们风驰骑行有六家店，公司全称是厦门风驰骑行体育用品有限公司，我是总经理庄志远。\n"
        "00:02:10,说话人2,总部座机 0592-5530 7781。\n"
    )
    ex = extract(csv)
    assert ex.account.value == "厦门风驰骑行体育用品有限公司" and phones(ex) == {"059255307781"}
    subject = (
        "主题：回复：10月19日钉钉视频会议纪要 - 华康骨科CRM项目\n发件人：程雪 <chengxue@huakang-ortho.com>\n\n"
        "白经理：账号最后定二十个。程主管7月27号前发产品目录和医院客户清单。\n"
    )
    assert extract(subject).account.value == "华康骨科"
    studio = (
        "[00:00:05] 白露: 储老师好，我是云帆科技的白露。\n"
        "[00:00:10] 储建华: 我们陶然居紫砂就是个工作室，做了二十多年壶。\n"
        "[00:00:31] 储悦: 北京茶博汇商行每年从我们这拿货，他们的单也容易漏。\n"
    )
    assert extract(studio).account.value == "陶然居紫砂"
    group = (
        "群公告：本群用于穆香园牛羊肉商行CRM上线对接。\n"
        "[09:25] 云帆-杜明：马老板好，七个账号。\n[09:30] 马占林：开票写临夏市穆香园清真牛羊肉商行。\n"
        "[09:40] 韩师傅-聚鲜冷链：马老板，明天的冷链车我六点到，有事打我 135 0930 6621。\n"
    )
    ex = extract(group)
    assert ex.account.value == "临夏市穆香园清真牛羊肉商行" and phones(ex) == set()


def test_numbers_answered_to_a_surname_and_numbers_of_others_in_notes():
    asked = (
        "发言人1 00:00:02\n林主任您好，我是云帆科技的顾晨。\n发言人2 00:00:10\n你好，我是林秀英，办公室主任。\n"
        "发言人1 00:04:20\n好的。林主任电话是多少？\n发言人2 00:04:28\n幺三八 洞七幺二 五五六九，有事打这个。\n"
    )
    assert phones(extract(asked)) == {"13807125569"}
    unlabelled = "电话 2027-10-19\n白总您好，我是云帆科技的孔杰。\n好的。白总您手机是？\n幺五幺 三六零八 七七二幺。\n"
    assert phones(extract(unlabelled)) == {"15136087721"}
    notes = (
        "电话小结 2027-10-19 孔杰\n1. 客户：冀北五金\n8. 付总手机 186 3156 7720。"
        "他们常用的冀运物流老包 135 3315 0092 说想一起看看发货模块，不是本次客户。\n"
        "9. 我们IT是外包给蓉信网络的，小贺负责，他电话186 0280 3317，接口的事你们直接找他。\n"
    )
    assert phones(extract(notes)) == {"18631567720"}


def test_a_notes_key_for_the_contract_header_names_the_account_only_on_its_own_line():
    notes = (
        "通话后记录（2027-10-19 周二 下午，电话）  记录人：罗浩\n"
        "1. 客户是途捷商旅（广州），给企业客户做机票酒店预订和差旅月结。对接人是运营总监卓慧玲。\n"
        "2. 合同抬头：广州途捷商旅服务有限公司（卓总确认）。\n"
        "3. 下一步：下周三我发合同；卓总这周日前把客户清单发我。\n"
    )
    ex = extract(notes)
    assert ex.account.value == "广州途捷商旅服务有限公司"
    assert not any("清单" in o.value for o in ex.other_companies)


def test_the_buyers_legal_name_after_a_sister_of_the_same_brand_and_a_group_it_belongs_to():
    sister = (
        "飞书会议 2027-10-19\nSpeaker 1: 我是云帆科技的齐悦。\n"
        "Speaker 2: 我们做天猫店铺代运营，现在服务禾木家居、澜岸女装这些品牌。\n"
        "Speaker 2: 我们兄弟公司橙意供应链在用销售易，老板让我对比一下。\n"
        "Speaker 2: 行，五万五可以。合同抬头写杭州橙意网络科技有限公司。\n"
    )
    assert extract(sister).account.value == "杭州橙意网络科技有限公司"
    other = "会议 2027-10-19\n邵晨：我是云帆科技的邵晨。\n杜晓光：我们是宁波澜海纸业有限公司。另外集团那边定了，五月十号前出结果。\n"
    assert extract(other).account.value == "宁波澜海纸业有限公司"


def test_numbers_of_a_reference_an_integrator_in_charge_a_software_house_and_a_rental_partner():
    text = (
        "[09:30] 云帆-唐宁：我们在慈溪有个客户恒通轴承，王经理说用得不错，他电话 139 5742 6610，您可以问问。\n"
        "[09:31] 杜总：我们的系统集成商信诺系统集成，冯工在负责，他下午会过来。冯工电话是186 0596 3372。\n"
        "[09:33] 鼎诚软件-陶斌：我的电话 139 6601 4478，实施我这边配合。\n"
        "[09:35] 杜总：车是跟蓉通汽车租赁合作的，他们罗经理电话138 8001 6620，这个跟系统没关系。\n"
        "[09:36] 杜总：我手机 138 0574 2211。\n"
    )
    ex = extract(text)
    assert phones(ex) == {"13805742211"} and "陶斌" not in names(ex)


def test_a_founder_seen_at_the_studio_and_vendors_named_without_shi_or_by_their_tag():
    studio = "拜访笔记\n日期：2027-10-19 周二  地点：成都玉林 绘里墙绘工作室\n- 见了主理人宁可，画师十几个。\n"
    assert extract(studio).account.value == "绘里墙绘工作室"
    vendor = (
        "工作坊 2027-10-19\n\n孟涛\n大家好，我是云帆科技的孟涛。\n\n段建伟\n博创信息的雷工帮我们做用友U8和钉钉的集成。\n\n"
        "雷工\n大家好，我是博创信息的雷工。我电话是 0512-6553 8807。\n\n段建伟\n合同抬头写江苏固本桩基工程有限公司。\n"
    )
    ex = extract(vendor)
    assert ex.account.value == "江苏固本桩基工程有限公司" and phones(ex) == set()
    tagged = (
        "飞书妙记｜安眠谷 滨江院区 账号加购沟通\n2027-10-19\n"
        "参会人：易航（云帆科技）、庄立群（安眠谷 院长）、聂工（创医信息）\n"
        "庄立群：我补充一下，HIS那边是创医信息在做，预约数据要同步过来。\n"
        "聂工：接口我们配合，我手机 139 1500 7731。\n"
        "庄立群：补充协议抬头还是杭州安眠谷睡眠医学门诊部有限公司。\n"
    )
    ex = extract(tagged)
    assert ex.account.value == "杭州安眠谷睡眠医学门诊部有限公司" and "聂工" not in names(ex)


def test_a_group_export_with_company_tagged_members_and_a_partner_named_in_the_notice():
    text = (
        "群聊：云帆×香溪园 CRM 对接群（5人）\n"
        "群公告：合同主体：安宁香溪园农业开发有限公司；经销伙伴：昆明启航科技。\n\n"
        "2027-10-19\n"
        "云帆科技-周扬 10:05  各位好，一共十二个账号对吧？\n"
        "香溪园-欧阳兰(总经理) 10:09  对，十二个。\n"
        "启航科技-曹工 10:12  补充一下，我这边建议还是上云帆。我的电话 138 8711 6025。\n"
        "香溪园-小彭(电商部) 10:30  周经理，明天我把客户表发群里。\n"
        "香溪园-欧阳兰(总经理) 10:35  我电话 +86 187-8712-3490\n"
    )
    ex = extract(text)
    assert names(ex) == ["小彭", "欧阳兰"]
    assert phones(ex) == {"18787123490"}


def test_the_customers_provider_speaking_and_a_colleague_introduced_by_team():
    provider = (
        "工作坊 2027-10-19\n\n韩雪\n大家好，我是云帆科技的韩雪。\n\n施总\n"
        "ERP是闽信科技给我们实施的，今天他们的郑工也来了。\n\n郑工\n大家好，我是闽信科技的郑志远，我电话 159 6011 3342。\n\n"
        "马锐\n我补充一下，我们联创是润燥的IT服务商，我的电话 139 1500 7731。\n\n"
        "施总\n对，我手机 138 5955 7203。原来的外贸主管Linda去年底离职了。\n"
    )
    ex = extract(provider)
    assert names(ex) == ["施总"] and phones(ex) == {"13859557203"}
    team = (
        "发言人1 00:00:02\n您好，我是云帆科技的贺晨。\n"
        "发言人2 00:00:10\n我是运营总监柳思雨，旁边是我们大客户组的潘悦。\n"
        "发言人2 00:00:40\n我手机 138 0571 9462。剧院的票务电话是0571-8672 3301，那个是人家剧院的，别记混了。\n"
    )
    ex = extract(team)
    assert names(ex) == ["柳思雨", "潘悦"] and phones(ex) == {"13805719462"}


def test_a_call_without_labels_the_one_greeted_gives_his_own_number_not_the_one_he_called_from():
    text = (
        "通话录音转文字 2027-10-19 14:20\n"
        "喂，鲁师傅您好，我是云帆科技的小武，上周您在网上留言问过我们的软件。\n"
        "哦对对，我们是净途清运，做装修垃圾清运的。\n"
        "好的，那您电话是这个号吗？\n"
        "这个是我们物业合作方的，你记我自己的，一八九 五五一二 七零三六。\n"
    )
    ex = extract(text)
    assert names(ex) == ["鲁师傅"] and phones(ex) == {"18955127036"}


def test_a_mail_signature_with_company_and_title_between_bars_is_the_writers():
    text = (
        "主题：回复：【会议纪要】鲁中渣运 × 云帆\n"
        "发件人：鞠海涛 <juht@luzhong-zy.com>\n收件人：蔡远 <caiyuan@yunfan-tech.com>\n时间：2027-10-19 16:40\n\n"
        "蔡经理：\n五万九可以，车辆清单由我们调度主管苗苗发给你们。\n鞠海涛\n"
        "鲁中渣运 业务部经理 | 0533-2186 4470 | 150 5331 2098\n\n-----原始邮件-----\n"
        "发件人：蔡远 <caiyuan@yunfan-tech.com>\n时间：2027-10-18 18:30\n"
        "参会：鞠海涛（鲁中渣运）、苗苗（鲁中渣运）、蔡远（云帆科技）\n"
        "蔡远 | 云帆科技 大客户经理 | 021-6078 5512\n"
    )
    ex = extract(text)
    assert names(ex) == ["苗苗", "鞠海涛"]
    assert phones(ex) == {"053321864470", "15053312098"}


def test_an_agent_named_in_speech_a_supplier_noted_as_not_the_customer_and_a_contact_list_line():
    agent = (
        "阮嘉：严总好，我是云帆科技的阮嘉。\n"
        "严国梁：华东是东晟工业的俞经理在代理，他今天也在。我手机 139 7331 4520。\n"
        "俞经理：严总，我的号码 139 1822 6650，代理商那边的需求我再发给阮经理。\n"
    )
    ex = extract(agent)
    assert names(ex) == ["严国梁"] and phones(ex) == {"13973314520"}
    form = (
        "【外勤拜访记录】钉钉外勤表单导出\n拜访人：唐逸（云帆科技 渠道销售）\n拜访时间：2027-10-19 10:30\n"
        "拜访对象：皖白鹅业 养殖场场长 石永红\n账号：十个。\n"
        "联系方式：石永红 139 5641 0823；小蒙 0564-3320517 转 6。\n"
        "备注：饲料供应商皖丰饲料的业务员也在场，留了电话 133 0564 8899，不是客户方。\n"
    )
    ex = extract(form)
    assert names(ex) == ["小蒙", "石永红"]
    assert phones(ex) == {"13956410823", "056433205176"}  # the extension stays with the office line


def test_the_vendor_of_their_tms_named_with_its_city_and_its_man_introducing_himself_by_the_legal_name():
    text = (
        "工作坊 2027-10-19\n\n顾晨\n大家好，我是云帆科技的顾晨。\n\n段总\n我们全称是芜湖安运商品车物流有限公司。"
        "另外还有TMS，是合肥数联做的。今天数联的卢工也来了。\n\n"
        "卢工\n各位好，我是合肥数联信息技术有限公司的卢工，安运的TMS是我们做的。我电话 180 5510 6632。\n\n"
        "段总\n我手机 139 0553 7728。\n"
    )
    ex = extract(text)
    assert ex.account.value == "芜湖安运商品车物流有限公司"
    assert names(ex) == ["段总"] and phones(ex) == {"13905537728"}


def test_a_sister_companys_man_numbers_disowned_together_and_a_recorder_putting_the_time_in_brackets():
    sister = (
        "方圆：邹总好，我是云帆科技的方圆。\n"
        "邹总：株洲那边是兄弟公司株洲随充，他们在用伙伴云搭的表。负责人是贺总，电话138 7332 0415，你们问问他。\n"
        "邹总：我座机 0731-8865 2300。\n"
    )
    ex = extract(sister)
    assert names(ex) == ["邹总"] and phones(ex) == {"073188652300"}
    recorder = (
        "钉钉闪记｜金乡拜访\n记录时间：2027-10-19 10:05 · 录音人：于海洋\n"
        "【于海洋 00:00:08】宋老板，今天跟您细聊一下。我是云帆科技的于海洋。\n"
        "【宋老板 00:00:21】我叫宋长河，这个商行是我开的。\n"
        "【宋老板 00:03:12】158 6377 0291。冷库的事找丰源的王经理，0537-8721 4460；"
        "拉货的是鲁西冷链运输的老马，133 6537 8812，这俩你们不用记。\n"
    )
    ex = extract(recorder)
    assert names(ex) == ["宋长河"] and phones(ex) == {"15863770291"}


def test_an_implementer_named_as_who_did_it_a_hauliers_driver_a_landlords_line_and_the_groups_it_man():
    implementer = (
        "Speaker 1: 冉总好，我是云帆科技的温晓峰。\n"
        "Speaker 3: 我是邱雅琴，商务主管。订单在金蝶云星空里，是蜀信网络帮我们做的实施。\n"
        "Speaker 1: 接口需要蜀信那边配合一下，他们的邬工我们之前也对接过。\n"
        "Speaker 3: 邬工电话是028-8765 4321，你们直接找他就行。提货是外包给顺安运输的，司机老黄的电话136 3289 0021。\n"
        "Speaker 3: 我们这厂房是租鑫达工业园的，物业电话0754-8889 1234。我手机 181 2834 5567。\n"
    )
    ex = extract(implementer)
    assert names(ex) == ["冉总", "邱雅琴"] and phones(ex) == {"18128345567"}
    listed = (
        "飞书妙记 2027-10-19\n"
        "参与人：樊志远（院长）、龚雪（运营主任）、叶晨（赣康医疗集团 信息部）、林可（云帆科技 客户成功经理）\n"
        "樊志远：我们大概二十个人用。\n叶晨：接口我们集团这边来看，我手机 138 7911 0426。\n"
        "龚雪：我座机 0791-8632 7715。\n"
    )
    ex = extract(listed)
    assert names(ex) == ["樊志远", "龚雪"] and phones(ex) == {"079186327715"}


def test_our_rep_reading_the_number_back_after_a_comma_and_a_minutes_list_with_the_groups_it_man():
    call = (
        "电话回访记录 2027-10-19 16:05\n"
        "白露: 尹总您好，我是云帆科技的白露。\n尹总: 我们决定用销售易了。\n"
        "白露: 好的。我这边留一下您的电话，+86 139-1677-2085 对吧？\n尹总: 对。\n"
    )
    assert phones(extract(call)) == {"13916772085"}
    mail = (
        "发件人：廖珊 <liaoshan@yuehui-display.com>\n时间：2027-10-19 18:30\n收件人：曾浩 <zenghao@yunfan-tech.com>\n"
        "主题：粤辉显示CRM项目纪要\n\n"
        "参会：骆志明（营销中心总经理）、廖珊（销售运营）、石文斌（集团信息中心主任）；云帆科技 曾浩\n"
        "1. 需对接SAP订单数据，由集团信息中心配合，石主任电话 020-3866 1200。\n"
        "2. 我方下周提供客户数据样本。\n\n"
        "廖珊 | 粤辉显示 销售运营\n手机：+86 135 3920 7718\n"
    )
    ex = extract(mail)
    assert names(ex) == ["廖珊", "骆志明"] and phones(ex) == {"13539207718"}


def test_the_customer_from_a_notes_place_a_group_notice_and_its_own_words_without_labels():
    notes = "12/23（周一）拜访笔记\n地点：深圳福田，知衡背景调查办公室\n- 见了创始人葛晓峰。\n- 账号：先开15个。\n"
    assert extract(notes, date(2027, 12, 24)).account.value == "知衡背景调查"
    group = (
        "微信群聊记录导出\n群名称：鲟源养殖×云帆CRM对接群（5人）\n"
        "群公告：本群用于千岛湖鲟源鲟鱼养殖场CRM项目对接，报价、合同都在群里同步。——鲍海涛\n"
        "———— 2027年10月19日 ————\n10:02 董立：各位好，我是云帆科技的董立。\n10:09 鲍海涛：账号开八个。\n"
    )
    assert extract(group).account.value == "千岛湖鲟源鲟鱼养殖场"
    call = (
        "2027-10-19 通话录音（自动转写，未区分说话人）\n喂，您好，是葛总吗？我是云帆科技的小唐，唐宁。\n是我，你说。\n"
        "对。我们路顺加油站在县里有六个站，车队客户一百来家。\n"
    )
    assert extract(call).account.value == "路顺加油站"


def test_a_bracketed_role_that_talks_and_a_greeting_asked_as_a_question():
    bracketed = (
        "【云帆呼叫中心 通话录音转写】\n通话编号：YF-0514  日期：2027-10-19 14:06  坐席：谢雨（云帆科技）\n"
        "[坐席] 您好，我是云帆科技的谢雨。\n[客户] 对，我是暖居热能的负责人，我叫凤志刚。\n"
        "[坐席] 凤老板您好。\n[客户] 我手机 177 5530 9128。\n"
    )
    ex = extract(bracketed)
    assert names(ex) == ["凤志刚"] and phones(ex) == {"17755309128"}
    assert ex.account.value == "暖居热能"  # (not "我手机": the [客户] label is no note's key)
    asked = (
        "电话录音转文字 2027-10-19 16:05\n喂，您好，是姜姐吗？我是云帆科技的小殷，殷浩。\n"
        "对对，小殷啊。我们厂全称是宁海县洁力清洁用品厂。\n下午两点吧。你打我手机，幺八九 五七四幺 二二零六。\n"
        "好嘞。我电话是一八六 五七二一 三三零八，有事您随时找我。\n"
    )
    ex = extract(asked)
    assert names(ex) == ["姜姐"] and phones(ex) == {"18957412206"}


def test_numbers_of_the_vendors_contact_the_hauliers_man_a_supplier_and_the_groups_engineer_are_not_proposed():
    text = (
        "陶宇：牛厂长好，我是云帆科技的陶宇。\n"
        "牛厂长：LIS是维科医疗信息给我们做的。维科那边的对接人是裘工，电话 0571-8690 1123，接口的事你们直接找他。\n"
        "牛厂长：发货是通达物流的车，吕师傅在管，他电话 152 3710 9916。\n"
        "牛厂长：助听器供应商声达听力的业务员老常（电话 135 0832 6617）也想要个账号。\n"
        "牛厂长：接口是智联云图的钱工他们做，他电话是 181 5502 7719。\n"
        "牛厂长：冀运车队的张队 139 3128 6650 是给我们拉料的，不用记。我这边有事打办公室 0371-6452 8807。\n"
    )
    ex = extract(text)
    assert names(ex) == ["牛厂长"] and phones(ex) == {"037164528807"}


def test_a_mail_naming_the_groups_engineer_by_honorific_and_where_the_invoice_goes():
    text = (
        "发件人：汪海涛 <wanght@jtshipping.com.cn>\n收件人：林溪 <linxi@yunfan-tech.com>\n时间：2027年10月19日 17:42\n\n"
        "林经理好，\n合同和发票请寄给我们财务程晓。\n"
        "葛工是集团（安徽皖江港航集团有限公司）信息中心的，接口的事请直接跟他对接，电话0553-588 0020。\n\n"
        "汪海涛\n芜湖江通船务有限公司 运营部经理\n手机：+86 139 5530 2716\n\n-------- 原始邮件 --------\n"
        "发件人：林溪 <linxi@yunfan-tech.com>\n时间：2027年10月18日 18:20\n\n"
        "1. 参会：贵司汪海涛经理、程晓；集团信息中心葛立新；我方林溪。\n"
    )
    ex = extract(text)
    assert ex.account.value == "芜湖江通船务有限公司"
    assert names(ex) == ["汪海涛", "程晓"] and phones(ex) == {"13955302716"}


def test_words_ending_in_a_surname_are_no_names_and_a_vendors_engineer_after_what_it_built():
    text = (
        "黎俊：我是黎俊，加盟拓展经理。每个招商经理一张表，接口费用你们和俞校长单独谈。\n"
        "黎俊：报名是聚跑科技给我们做的小程序，他们的温工在维护，电话 189 5712 0067。\n"
        "黎俊：跟单小温也会参与，客户表是她在整理。我手机 138 0716 2290。\n"
    )
    ex = extract(text)
    assert names(ex) == ["俞校长", "黎俊"] and phones(ex) == {"13807162290"}  # no 商经理, 单独谈, 小程, 单小温


def test_a_member_list_of_company_dash_name_and_the_customer_named_only_where_it_is():
    group = (
        "群聊：云帆×金穗酥梨 对接群\n"
        "群成员(5)：云帆-罗琦、云帆-谢楠、金穗-葛长顺(理事长)、金穗-小房(会计)、安达冷链-吴师傅\n"
        "[2027-10-19 09:12] 云帆-罗琦：葛理事长好，开6个账号，共五千四。\n"
        "[2027-10-19 09:33] 安达冷链-吴师傅：葛理事长，明天那车梨几点装？我电话 137 0557 2281\n"
        "[2027-10-19 09:35] 金穗-葛长顺(理事长)：吴师傅八点。罗经理，我手机 +86 158 5573 2016\n"
    )
    ex = extract(group)
    assert names(ex) == ["小房", "葛长顺"] and phones(ex) == {"15855732016"}
    assert "谢楠" in ex.our_side and "葛长顺" not in ex.our_side
    here = "[00:00:10] 方晓琳: 欢迎。我是这里的校长方晓琳。我们杭州萤石少儿科学实验中心现在三百来个学员。\n"
    assert extract(here).account.value == "杭州萤石少儿科学实验中心"
    factory = (
        "黄振雄：欢迎欢迎。我是这个厂的厂长黄振雄。我们跟甘香食品贸易有限公司是两块牌子。\n"
        "黄振雄：签厂的名字，营业执照上是潮州市潮安区甘香凉果食品厂。\n"
    )
    assert extract(factory).account.value == "潮州市潮安区甘香凉果食品厂"


def test_numbers_said_with_not_one_of_ours_a_hauliers_dispatcher_and_the_it_provider_who_runs_their_network():
    text = (
        "赵启明：鲁主任好，我是云帆科技的赵启明。\n"
        "鲁雅琴：欢迎。我是运营主任鲁雅琴。还有青科信息的小蔡，我们的电脑和网络都是他们管的。\n"
        "小蔡：你们好，我是青科的蔡工。接口的事找我，133 6542 9087。\n"
        "鲁雅琴：货是找北通物流拉的，调度老韩电话 0314-2267 5530，发货单都是他们那边出。\n"
        "鲁雅琴：柯工电话 0755-8321 6670，他是医信通的，不是我们员工。\n"
        "鲁雅琴：花嫁那边的策划小韩电话是 135 7021 6634，她不是我们的人。\n"
        "鲁雅琴：发货用的是通达运输的车，他们调度老葛经常要查客户地址，能给他开个只读的吗？他电话是 139 6120 8853。\n"
        "鲁雅琴：我座机 0532-8577 1206。\n"
    )
    ex = extract(text)
    assert names(ex) == ["鲁雅琴"] and phones(ex) == {"053285771206"}


def test_the_registered_name_of_a_studio_or_shop_wins_and_the_header_names_whom_the_call_was_with():
    notes = "12/10（周三）拜访笔记\n- 客户：凌霜冰雕，松北那家工作室，老板冯师傅（冯凯），合同上写 哈尔滨凌霜冰雪艺术工作室\n"
    assert extract(notes, date(2027, 12, 10)).account.value == "哈尔滨凌霜冰雪艺术工作室"
    chat = (
        "与“梁老板”的聊天记录\n——— 10月19日 周二 ———\n10:01 唐宁：梁老板好，我是云帆科技的唐宁。\n"
        "10:05 梁老板：[语音转文字]我们青藤画材现在三家店，店员十一二个。\n"
        "10:19 梁老板：[语音转文字]行。开票抬头写杭州青藤美术用品商行，周六我签了寄回给你\n"
    )
    assert extract(chat).account.value == "杭州青藤美术用品商行"
    header = (
        "电话沟通要点（2027-10-19 周二下午，和暖居壁炉 骆总、小于）—— 整理：温婷\n"
        "1. 暖居壁炉是北京炉火家居集团有限公司旗下的壁炉品牌，这次是暖居自己买，集团不参与。\n"
    )
    assert extract(header).account.value == "暖居壁炉"
    corrected = (
        "庞国栋：我是格锐钢格板的销售副总庞国栋。\n"
        "庞国栋：格锐钢结构工程有限公司那边去年上了分享销客。\n"
        "庞国栋：写集团吧，江苏格锐控股集团有限公司。\n尤美华：集团不出钱的。\n"
        "庞国栋：那就写江苏格锐钢格板有限公司，开票也开这个。\n"
    )
    assert extract(corrected).account.value == "江苏格锐钢格板有限公司"


def test_the_full_name_said_after_how_someone_is_called():
    chat = (
        "与“聂姐”的聊天记录\n——— 10月19日 周二 ———\n10:01 唐宁：聂姐好，我是云帆科技的唐宁。\n"
        "10:22 聂姐：[语音转文字] 行。发票抬头写我名字聂红梅就行，我们是个体户。\n"
    )
    assert names(extract(chat)) == ["聂红梅"]
    notes = (
        "电话沟通要点（2027-10-19 周二下午，和暖居壁炉 骆总、小于）—— 整理：温婷\n"
        "7. 联系：骆总 骆志成 138 1166 9027；客服主管小于 于晴 010-8456 3390。\n"
    )
    ex = extract(notes)
    assert names(ex) == ["于晴", "骆志成"] and phones(ex) == {"13811669027", "01084563390"}


def test_a_centre_named_after_the_speakers_name_and_numbers_marked_not_to_use():
    centre = (
        "Speaker 1: 何主任好，我是云帆科技的孙睿。\n"
        "Speaker 2: 孙经理好。我是何静怡，轻盈体重管理中心的运营负责人。我们是华康健康产业集团有限公司下面的。\n"
    )
    assert extract(centre).account.value == "轻盈体重管理中心"
    notes = (
        "拜访笔记 2027-10-19\n- 客户：硒源土特产门市部，覃总。\n"
        "- 电话：覃总手机189 7180 3346。商贸城物业的刘经理 0718-829 0012（不用）。\n"
        "- 覃总：园区管委会的电话 0571-8897 2301 你别当成我的。\n"
    )
    assert phones(extract(notes)) == {"18971803346"}
    group = (
        "群聊：云帆×茗心茶艺 CRM对接群（6人）\n"
        "群公告：杭州市西湖区茗心茶艺职业技能培训学校 CRM试用对接群，对接人：聂薇（云帆科技）、应秋禾（茗心）。\n"
        "群成员：聂薇（云帆科技）、茗心-校长 应秋禾、华信渠道-包立新\n"
        "[10:40] 包立新: 应校长，合同和发票可以走我们华信，有问题打我 133 5718 0624。\n"
        "[10:42] 应秋禾: 好。我手机 139 5710 2233。\n"
    )
    ex = extract(group)
    assert ex.account.value == "杭州市西湖区茗心茶艺职业技能培训学校" and phones(ex) == {"13957102233"}


def test_a_provider_named_with_由_and_its_contact_and_no_person_read_inside_its_name():
    text = (
        "[卓凡] 蔺总好，我是云帆科技的卓凡。\n"
        "[蔺海涛] 我们OA是泛微的，要对接，由江苏博恒信息来做，他们是我们的IT服务商。\n"
        "[韶雨] 博恒的对接人是邵工，电话 138 5190 2267，接口的事找他。我手机 152 5188 0743。\n"
        "[蔺海涛] 江经理那边也要开一个号。\n"
    )
    ex = extract(text)
    assert phones(ex) == {"15251880743"} and "邵工" not in names(ex) and "江经理" in names(ex)


def test_a_unit_of_a_group_keeps_its_own_name_and_the_integrator_brought_along_is_not_the_customer():
    text = (
        "需求调研（现场录音整理）\n"
        "时间：10月19日 14:00\n"
        "孔炜\n各位好，我是云帆科技的孔炜。\n"
        "梁素\n我是临港码头商务部经理梁素。我们是浙江临港集团股份有限公司下面的码头板块，这次自己选CRM。\n"
        "蒋岩\n旁边这位是数衡信息的樊工，集团的系统都是他们集成的。\n"
        "樊工\n大家好，接口从我们这边出。我手机 177 3321 0456。\n"
        "梁素\n我手机 139 0576 1182，合同找我。\n"
    )
    ex = extract(text)
    assert ex.account.value == "临港码头"
    assert "樊工" not in names(ex) and phones(ex) == {"13905761182"}


def test_a_supplier_sitting_in_and_a_lead_the_customer_passes_on_are_not_contacts():
    supplier = (
        "彭总：我们森锐主要做除尘设备，一半出口。\n"
        "邹经理：我是启拓电气的邹经理，森锐设备的电控是我们配套的，彭总让我来听听。\n"
        "卓凡：欢迎，我是云帆科技的卓凡。\n"
        "彭总：合同抬头写常州森锐环保设备有限公司。我叫彭立军，手机 138 6120 5547。\n"
        "邹经理：我电话 151 6120 8893，电控的事找我。\n"
    )
    ex = extract(supplier)
    assert ex.account.value == "常州森锐环保设备有限公司"
    assert "邹经理" not in names(ex) and phones(ex) == {"13861205547"}
    lead = (
        "[10:02:11] 卓凡: 阮姐，账号八个没问题吧？\n"
        "[10:05:40] 阮慧: 没问题。我手机 139 5871 2260。对了，临溪陶艺的宁老板也想上系统，他电话0579-8233 4410，你们可以去找他。\n"
    )
    ex = extract(lead)
    assert names(ex) == ["阮慧"] and phones(ex) == {"13958712260"}


def test_the_landlord_and_a_supplier_named_as_theirs_are_not_contacts_and_a_man_who_left_neither():
    landlord = (
        "Speaker 1: 您好，是袁主管吗？我是云帆科技的卓凡。\n"
        "Speaker 2: 对，我是袁晓岚，这边的仓储主管。合同寄到仓库，我不在的话打房东老常，139 2277 1904，他就在门口。\n"
        "Speaker 2: 我手机 186 0757 4410。\n"
    )
    ex = extract(landlord)
    assert names(ex) == ["袁晓岚"] and phones(ex) == {"18607574410"}
    assert ex.contacts[0].title == "仓储主管"
    supplier = (
        "2027-10-19 09:40:03  闻涛@云途定位\n原来的焦经理走了以后续费一直没人管。\n"
        "2027-10-19 09:42:51  卓凡（云帆科技）\n明白，设备那边呢？\n"
        "2027-10-19 09:50:16  闻涛@云途定位\n定位模块是芯途微供的，他们的蒲工 0791-8620 3301 只管硬件。我手机 189 7911 2248。\n"
    )
    ex = extract(supplier)
    assert names(ex) == ["闻涛"] and phones(ex) == {"18979112248"}


def test_a_nickname_in_a_chat_the_name_for_the_contract_and_a_name_given_to_ask_for():
    chat = (
        "微信聊天记录导出\n聊天对象：小鹿🎀花艺\n—————  2027年10月19日  —————\n"
        "10:02 卓凡：鹿老板早，我是云帆科技的卓凡。\n"
        "10:05 小鹿🎀花艺：[语音转文字]你好，我们鹿角花艺派对现在两个店，客户全在我微信里。\n"
        "10:20 小鹿🎀花艺：[语音转文字]好，合同联系人写我名字卢雯雯，座机 0731-8456 1120，我手机是 138-0731-5570。\n"
    )
    ex = extract(chat)
    assert ex.account.value == "鹿角花艺派对"
    assert names(ex) == ["卢雯雯"] and phones(ex) == {"073184561120", "13807315570"}
    call = (
        "电话记录 2027-10-19 10:30\n"
        "卓凡: 柯经理您好，我是云帆科技的卓凡，报价您看了吗？\n"
        "柯经理: 看了。我座机0768-2821 4401，找柯锦荣就行，别打我们老板的。\n"
    )
    ex = extract(call)
    assert names(ex) == ["柯锦荣"] and phones(ex) == {"076828214401"}


def test_a_coach_is_addressed_by_surname_and_job_and_a_clerk_met_is_a_contact():
    call = (
        "喂，沈教练您好，我是云帆科技的卓凡，您在官网留了言。\n"
        "对对，是我。我们飞羽少儿羽毛球俱乐部现在学员两百来个。\n"
        "好，我电话幺八幺 洞二八三 五五一二，开好了发短信给我。\n"
        "好的，我的号码是 177 2836 5510，有问题随时打我。\n"
    )
    ex = extract(call)
    assert names(ex) == ["沈教练"] and phones(ex) == {"18102835512"}
    notes = (
        "拜访笔记　10/19　卓凡\n- 客户：金穗粉丝厂，见了滕厂长（滕长林）和销售内勤霍丽\n"
        "- 电话：滕厂长 0557-3721 4410（厂里座机）；霍丽 152 5576 1180\n"
    )
    ex = extract(notes)
    assert names(ex) == ["滕长林", "霍丽"] and phones(ex) == {"055737214410", "15255761180"}


def test_the_unit_buying_alone_and_a_mail_subject_that_names_what_the_system_manages():
    clinic = (
        "Speaker 1: 你们好，我是云帆科技的卓凡。\n"
        "Speaker 2: 你们好。我是门诊院长晏庆华，我们门诊是仁济医疗管理集团有限公司下面的，"
        "不过这次CRM是我们仁济口腔门诊自己采购，集团不统一买。\n"
    )
    assert extract(clinic).account.value == "仁济口腔门诊"
    mail = (
        "主题：回复：【会议纪要】10月19日 视频会议 – 会员管理CRM\n"
        "参会：澜庭酒店 蒋建平（运营副总）；云帆科技 卓凡\n"
        "1. 预算以集团批复为准：集团批的是十二万以内。\n"
    )
    assert extract(mail).account.value == "澜庭酒店"


def test_the_cold_chain_hauliers_driver_is_not_a_contact():
    text = (
        "[00:01:10] 卓凡: 杜社长好，我是云帆科技的卓凡。\n"
        "[00:04:25] 杜社长: 发货都找县里的顺达冷链，司机老韩电话 137 0913 6620，你们有事可以直接问他。\n"
        "[00:05:01] 杜社长: 我手机 159 2918 4471。\n"
    )
    assert phones(extract(text)) == {"15929184471"}


def test_a_member_list_of_people_with_their_company_after_the_dash():
    tagged = (
        "群聊：脆香炸鸡×云帆CRM项目群(6)\n"
        "群成员：林一鸣-脆香运营总监、计晴-脆香督导主管、卓凡-云帆科技、蔡立新-衢江数科、朱老板-金东加盟店\n"
        "2027-10-19 09:41 林一鸣：各位早，账号定10个。我手机 +86 150 5796 4410。\n"
        "2027-10-19 09:48 蔡立新：我们衢江数科可以给到九五折，有问题打我 133 5799 2280。\n"
        "2027-10-19 09:50 计晴：督导两个也要开。\n"
    )
    ex = extract(tagged)
    assert names(ex) == sorted(["计晴", "林一鸣"]) and phones(ex) == {"15057964410"}
    untagged = (
        "微信群聊导出：云帆×金穗拉链 项目沟通群\n"
        "群成员(5)：卓凡-云帆科技、金海涛、邬晓云-采购主管、小陆(跟单)、任磊-速联软件\n"
        "2027-10-19 09:20 | 金海涛 | 跟单那边也要两个号，那就十四个。\n"
        "2027-10-19 09:35 | 任磊-速联软件 | 金总，有问题随时找我 13867024410。\n"
        "2027-10-19 09:50 | 邬晓云-采购主管 | 开票名称 义乌市金穗拉链有限公司。我手机 +86 136 5679 2281。\n"
    )
    ex = extract(untagged)
    assert ex.account.value == "义乌市金穗拉链有限公司"
    assert "任磊" not in names(ex) and phones(ex) == {"13656792281"}


def test_a_recorders_table_pasted_with_tabs_and_a_greeting_that_names_the_other_one():
    table = (
        "讯飞听见 导出文稿\n标题：乐途充气城堡 拜访\n录音时间：2027-10-19 09:30\n\n"
        "时间\t说话人\t内容\n"
        "00:00:06\t说话人1\t阮总您好，我是云帆科技的卓凡，今天代理商瓯江数科的林工也一起来了。\n"
        "00:00:38\t说话人3\t阮总，我是瓯江数科的林晓东，云帆在温州的实施是我们做，我电话 139 5770 4413。\n"
        "00:01:35\t说话人2\t我补充一句，我是外贸部主管蒲晓燕。\n"
        "00:02:10\t说话人4\t好，我手机 136 5770 2249，合同抬头温州乐途游乐设备有限公司。\n"
    )
    ex = extract(table)
    assert ex.account.value == "温州乐途游乐设备有限公司"
    assert phones(ex) == {"13657702249"} and "林晓东" not in names(ex) and "蒲晓燕" in names(ex)
    greeting = (
        "Speaker 1: 闵老师您好，我是云帆科技的卓雅。\n"
        "Speaker 2: 你好卓雅。先说一下背景，我是运营总监闵晓岚，手机 158 6720 4410。\n"
    )
    ex = extract(greeting)
    assert names(ex) == ["闵晓岚"] and ex.our_side == ["卓雅"]


def test_our_reseller_relays_our_price_and_shows_our_people_who_are_then_ours():
    shown = (
        "梁子豪：柏总，这是云帆科技的邵经理和甘工。我们通衢软件是云帆在苏州的代理，合同走我们，有事打我 158 0151 2290。\n"
        "柏建平：欢迎，我们苏州明澈视觉科技有限公司做工业相机。我手机 139 1262 0458。\n"
        "邵俊熙：柏总好，账号您看要几个？\n"
        "甘露：柏总，视频附件没问题。\n"
    )
    ex = extract(shown)
    assert names(ex) == ["柏建平"] and phones(ex) == {"13912620458"}
    assert ex.our_side == ["邵俊熙", "甘露"]
    relayed = (
        "群成员：鲍建华、白雪、汤一鸣（云帆）、陶宇（通达软件）\n"
        "陶宇 09:12\n鲍总，云帆这边的正式报价我转给您了：10个号一年一万九千八。我是他们在通辽的代理，有事打我 152 4757 0032。\n"
        "鲍建华 09:20\n收到，10个号没问题。我手机 139 4750 6612。\n"
        "汤一鸣 09:58\n鲍总好，我是云帆的汤一鸣，合同我今天发您。\n"
    )
    ex = extract(relayed)
    assert ex.amount.value == 19800 and phones(ex) == {"13947506612"} and "陶宇" not in names(ex)


def test_names_that_are_produce_or_a_team_and_people_listed_with_their_jobs_and_who_left():
    call = (
        "喂，您好，请问是童总吗？我是云帆科技的卓凡。\n"
        "对，我是童国栋，漳溪泥鳅养殖场的。我们主要做泥鳅苗和成鳅，车队是外包的。\n"
        "好的，您电话是多少？\n"
        "幺五幺，洞七二六，八八四二。\n"
    )
    ex = extract(call)
    assert names(ex) == ["童国栋"] and phones(ex) == {"15107268842"}
    mail = (
        "发件人：卓凡 <zhuofan@yunfan.com>\n"
        "1. 参会：澄湖工程 项伟总经理、柴敏经理、技术部俞工；云帆科技 卓凡。\n"
        "2. 原来负责海外的卢经理五月份已经离职了；上个月走的那个销售经理贝蕾，客户全没了。\n"
    )
    ex = extract(mail)
    assert names(ex) == sorted(["项伟", "柴敏", "俞工"])


def test_a_sister_a_provider_a_clients_trade_and_a_name_kept_apart_are_not_the_account():
    text = (
        "Speaker 1: 咱们星辰调酒培训学校现在有几个校区？我是云帆科技的卓凡。\n"
        "Speaker 2: 两个。我们兄弟单位星辰酒吧那边用的是悟空CRM。网站是众信网络的小周帮我们弄的。\n"
        "Speaker 2: 我们最大的客户叫悟空重工，做工程机械的，别跟那个悟空CRM搞混了。\n"
    )
    ex = extract(text)
    assert ex.account.value == "星辰调酒培训学校"
    addon = (
        "邬振宇 00:00:14\n我们安徽测远传感科技有限公司国内这块用你们的CRM一年多了，二十个账号。\n"
        "卓凡 00:00:30\n好的邬总，我是云帆的卓凡，这次海外增购十个。\n"
    )
    assert extract(addon).account.value == "安徽测远传感科技有限公司"


def test_the_implementers_engineer_the_hauliers_dispatcher_and_a_partner_who_says_we_go_through_them():
    workshop = (
        "聂振华\n我们是康湘医药物流，我是总经理聂振华，我手机 136 0731 4482。\n"
        "卓一航\n用友NC和WMS都是汇信达信息技术给我们实施的。汇信达的陶工你们可以直接联系，他电话 137 3108 5562。\n"
        "卓一航\n干线外包给顺达物流。顺达的调度老满电话 0731-8520 7789，有时候客户会直接打给他。\n"
        "卓凡\n好的，我是云帆科技的卓凡。\n"
    )
    ex = extract(workshop)
    assert phones(ex) == {"13607314482"} and "陶工" not in names(ex)
    channel = (
        "参会人：卓凡（云帆科技 客户成功经理）、易峥（副总经理）、邝倩（风控部经理）、林建伟（瓯越科技）\n"
        "林建伟 00:00:18\n对，第一期是我们瓯越代理的，这次增购还是走我们渠道。我电话 138 5779 0013。\n"
        "邝倩 00:00:40\n我手机 158 6709 3322，账号开给风控部。\n"
    )
    ex = extract(channel)
    assert names(ex) == ["易峥", "邝倩"] and phones(ex) == {"15867093322"}


def test_a_group_export_with_the_person_before_the_company_and_a_single_partner_in_the_participants():
    group = (
        "群成员（5）：卓凡-云帆科技、黄一舟-云帆实施、芮德全｜院长、包晴-运营主管、赖工-医信通HIS\n"
        "—— 2027年10月19日 ——\n"
        "芮德全｜院长 09:30\n预算三万以内，可以。\n"
        "赖工-医信通HIS 09:36\n芮院长，我们随访模块是可以单独开的哈，有需要打我 +86 135 8812 6641。\n"
        "黄一舟-云帆实施 09:41\nHIS对接我们这边没问题。\n"
        "包晴-运营主管 09:45\n好的，我座机 0571-8697 3316。\n"
    )
    ex = extract(group)
    assert phones(ex) == {"057186973316"} and "赖工" not in names(ex)
    assert ex.our_side == ["卓凡", "黄一舟"]
    meeting = (
        "参会人：贾文（云帆科技·客户成功）、鲁振华（院长）、汤琪（运营经理）、宋工（杭州医联信息）\n"
        "宋工 00:03:30\n我是医联的宋工，HIS接口还是按原来的走。有问题打我 0571-8602 5572。\n"
        "汤琪 00:04:20\n我手机 180 6811 2044。\n"
    )
    ex = extract(meeting)
    assert "宋工" not in names(ex) and phones(ex) == {"18068112044"}


def test_a_surname_spelled_out_a_sign_off_with_our_name_and_a_hazmat_hauliers_driver():
    call = (
        "【通话录音转写】2027-10-19 周二 16:20\n"
        "喂，您好，是项经理吗？我是云番科技的曾蕾。\n"
        "对对，我姓项，项目的项，项伟。我们全称是合肥泊安停车管理服务有限公司。\n"
        "行，你记一下我手机，幺八九 幺五五幺 洞三七三。\n"
        "好的。有事您打我电话 177 0551 6244，我是曾蕾。\n"
    )
    ex = extract(call)
    assert names(ex) == ["项伟"] and phones(ex) == {"18915510373"}
    site = (
        "蓝雨：我是市场部经理蓝雨。之前管客户的邵经理年后走了，现在是我接手。\n"
        "蓝雨：我手机 136 2148 9052。\n"
        "蓝雨：我们调度卢晓光每天要对好几遍库位。\n"
        "小卢：对，我是小卢。车是通达危运的，司机老汤电话 152 5130 7789，每次进场都要打电话确认。\n"
        "卓凡：好的，我是云帆科技的卓凡。\n"
    )
    ex = extract(site)
    assert names(ex) == sorted(["蓝雨", "卢晓光"]) and phones(ex) == {"13621489052"}


def test_a_franchise_brand_by_its_department_a_franchisee_given_as_an_example_and_the_one_asked_for_a_number():
    call = (
        "通话转写 2027-10-19 16:05（电话）\n"
        "喂，您好，是任经理吗？我是云帆科技的卓凡。\n"
        "对对，我是秦香坊肉夹馍招商部负责人任晓阳。我们总部在西安，像宝鸡的关中餐饮管理有限公司一家就开了五个店。\n"
        "贵了。我们老板鲁总说了，最多两万。\n"
        "好的。您手机是多少？\n"
        "一八六幺三五七零零二五，加盟商有事都打这个。\n"
    )
    ex = extract(call)
    assert ex.account.value == "秦香坊肉夹馍"
    assert next(c for c in ex.contacts if c.name == "任晓阳").phone == "18613570025"


def test_notes_phone_lines_under_a_bullet_or_after_another_key_and_the_number_an_outbound_call_dialled():
    notes = (
        "拜访笔记 — 卓凡（云帆科技）10/19\n"
        "- 客户：栖云智能家居体验馆，老板茅总（茅海冬），店长祁佳。\n"
        "- 电话：茅海冬 137 5740 3319；祁佳（店里座机）0574-8826 1108。\n"
    )
    ex = extract(notes)
    assert names(ex) == sorted(["茅海冬", "祁佳"]) and phones(ex) == {"13757403319", "057488261108"}
    numbered = (
        "1. 客户：宁德闽海水产养殖有限公司，对接人雷总（雷振华），销售内勤池晓雯。\n"
        "7. 物流：冰鲜走自己的车。\n"
        "9. 电话：雷振华 139 0593 6618；池晓雯 0593-2876 5302。\n"
    )
    ex = extract(numbered)
    assert names(ex) == sorted(["雷振华", "池晓雯"]) and phones(ex) == {"13905936618", "059328765302"}
    dialled = (
        "【云帆外呼平台 · 通话录音转写】\n"
        "通话ID：CR2027101909320417　坐席：卓凡（工号 YF-2071）　被叫号码：0579-8523 1147\n"
        "[坐席] 00:03 您好，我是云帆科技的卓凡，方便聊两分钟吗？\n"
        "[客户] 00:10 可以。我是义乌锦绣仿真花厂外贸部经理石佩琳，我们做仿真花。\n"
        "[坐席] 00:25 好的石经理，业务员大概多少人？\n"
        "[客户] 00:33 外贸业务员十三个。\n"
        "[坐席] 01:05 十三个账号，一共三万零九百四。\n"
        "[客户] 01:20 可以，老板给的预算三万左右。\n"
    )
    ex = extract(dialled)
    assert names(ex) == ["石佩琳"] and ex.contacts[0].phone.replace("-", "") == "057985231147"


def test_a_subtitle_file_its_date_in_the_file_name_and_a_yearly_budget_answering_the_question():
    srt = (
        "微信语音通话录音_20271019_1030.srt\n\n"
        "1\n00:00:01,000 --> 00:00:06,500\n杭天：蓝总您好，我是云帆科技的杭天。\n\n"
        "2\n00:00:07,000 --> 00:00:12,000\n蓝嘉木：我是光影影像工作室的创始人蓝嘉木。\n\n"
        "3\n00:00:53,200 --> 00:01:01,000\n杭天：五个号一年五千九。预算方面您大概多少？\n\n"
        "4\n00:01:01,500 --> 00:01:08,900\n蓝嘉木：一年五千左右吧，我们小工作室。\n"
    )
    ex = extract(srt)
    assert ex.meeting_date.value == date(2027, 10, 19)
    assert ex.budget.value == 5000 and names(ex) == ["蓝嘉木"]


def test_legal_names_said_as_the_invoice_header_or_the_full_name_and_a_name_with_百年_in_it():
    gym = (
        "[00:00:11] 龚思远: 欢迎，我是跳跳虎体操馆的馆长龚思远。\n"
        "[00:02:20] 龚思远: 行。合同开票抬头写杭州跳跳虎体育文化发展有限公司。\n"
        "[00:02:30] 卓凡: 好的，我是云帆科技的卓凡。\n"
    )
    assert extract(gym).account.value == "杭州跳跳虎体育文化发展有限公司"
    coop = (
        "[00:00:05] 卓凡: 杨社长您好，我是云帆科技的卓凡。\n"
        "[00:00:11] 杨社长: 我是理事长杨国富，我们合作社全名叫宾川县紫玉葡萄种植专业合作社。\n"
        "[00:00:38] 杨社长: 主要给成都果鲜供应链和昆明几个批发商供货。\n"
    )
    assert extract(coop).account.value == "宾川县紫玉葡萄种植专业合作社"
    notes = '拜访记录｜10/19｜新会\n- 客户：江门市新会区百年橘陈皮商行（门头叫"百年橘"），三家门店\n'
    assert extract(notes).account.value == "江门市新会区百年橘陈皮商行"


def test_people_named_as_not_this_deals_and_the_outsourced_it_man_and_a_forwarders_clerk():
    notes = (
        "9. 联系方式：谢总 +86 173 0731 5520；湘能电池的符经理（189 7316 2209）是谢总介绍的，不是本项目联系人。\n"
        "10. 参考客户：苏州安和门诊部，对方联系人蒋主任 0512-6511 2099（不是本客户的人）。\n"
    )
    ex = extract(notes)
    assert names(ex) == ["谢总"] and phones(ex) == {"17307315520"}
    talk = (
        "刘振东：我是总经理刘振东。\n"
        "叶倩：我们的电脑和网络是外包给南京数联信息技术的丁工，他建议用简道云。\n"
        "刘振东：我手机 139 5168 7703。丁工的电话是 158 9621 0034，网络的事可以直接找他。\n"
        "Speaker 2：海联船务的订舱员小陆经常要查我们的客户信息，他电话是0574-8766 2131。\n"
        "卓凡：好的，我是云帆科技的卓凡。\n"
    )
    ex = extract(talk)
    assert "丁工" not in names(ex) and "小陆" not in names(ex) and phones(ex) == {"13951687703"}
    call = (
        "喂，您好，是向经理吗？我是云帆科技的霍然。\n"
        "对，我是丝源线业的销售经理向丽华，我座机 0579-8526 3302。\n"
        "好的。有事也可以打我手机，幺八六，二零三幺，七七四六。\n"
    )
    assert phones(extract(call)) == {"057985263302"}


def test_a_rep_who_brings_a_presales_colleague_is_ours_even_when_nobody_names_our_company():
    text = (
        "录音整理（现场）2027年10月19日\n"
        "凌霜：包总好，甘经理好，今天我跟我们售前卜峰一起过来，主要是把上次的需求落一下。\n"
        "包国华：欢迎欢迎。我们雨泽做雨衣十几年了。\n"
        "甘欣然：我是外贸经理甘欣然，Excel里再记一遍太累。\n"
        "卜峰：明白，询盘到大货的流程我们可以配出来。\n"
        "甘欣然：我手机 135 7762 0419。\n"
        "卜峰：我的电话 139 5860 2715，技术上的事找我。\n"
    )
    ex = extract(text)
    assert sorted(ex.our_side) == sorted(["卜峰", "凌霜"])
    assert "甘欣然" in names(ex) and phones(ex) == {"13577620419"}


def test_the_providers_man_who_says_we_built_it_or_we_run_it_for_them_and_a_lettered_speaker():
    workshop = (
        "孟楠\n我是云帆科技的孟楠。TMS这边是华智的系统吧？\n"
        "钮工\n是我们华智信息做的，我是钮工。接口有问题打我电话 133 0226 1186。\n"
        "田佳慧\n我是业务部经理田佳慧，手机 186 2207 5342。\n"
    )
    ex = extract(workshop)
    assert names(ex) == ["田佳慧"] and phones(ex) == {"18622075342"}
    ding = (
        "钉钉闪记\n发言人A 00:00:05\n梁总您好，我是云帆科技的杭天。\n"
        "发言人C 00:00:20\n我叫梁国栋，我们安泰主要做自动门。\n"
        "发言人A 00:02:35\n可以导。开票抬头怎么写？\n"
        "发言人C 00:02:42\n开佛山市顺德区容桂安泰自动门经营部，税号我微信发你。\n"
    )
    assert extract(ding).account.value == "佛山市顺德区容桂安泰自动门经营部"


def test_a_long_co_op_name_a_brand_with_its_stores_and_a_shop_next_door_or_a_haulier_is_not_the_customer():
    coop = (
        "[00:00:05] 卓凡: 覃理事长您好，我是云帆科技的卓凡。\n"
        "[00:00:15] 覃德明: 我是南宁市武鸣区双河香蕉种植专业合作社的理事长覃德明，社员三百多户。\n"
        "[00:02:03] 覃德明: 运香蕉是桂通冷链的莫师傅在跑，那个不用录。\n"
    )
    assert extract(coop).account.value == "南宁市武鸣区双河香蕉种植专业合作社"
    shop = (
        "10:10 唐可：聂姐好，我是云帆科技的唐可。\n"
        "10:15 聂春花：[语音转文字]我们康泰堂营养品三个店，你按七个号算。\n"
        "10:31 聂春花：[语音转文字]有点贵啊，隔壁药房用的客如云才五千多。\n"
    )
    assert extract(shop).account.value == "康泰堂营养品"


def test_people_of_the_customers_vendors_and_partners_named_in_new_ways_are_not_contacts():
    deployed = (
        "发言人1 00:01:00\n林总，你们现在的HIS用的是哪家？我是云帆科技的卓凡。\n"
        "发言人2 00:01:20\n诊所管家，数衡给我们部署的。接口的事情直接找数衡的钱工，钱磊，他电话零五七一 八七九六 二二一一。\n"
        "发言人2 00:01:40\n我是林素芬，手机 138 0571 6630。\n"
    )
    ex = extract(deployed)
    assert names(ex) == ["林素芬"] and phones(ex) == {"13805716630"}
    notice = (
        "群聊「洁净 × 云帆 CRM 项目群」聊天记录导出\n"
        "群公告：本群用于广州洁净清洁设备有限公司 CRM 项目沟通。洁净：乔总（乔志明）；云帆：卓凡；驰远科技（云帆广州渠道）：陆经理。\n"
        "2027-10-19 09:41:05 | 乔志明 | 十二个不够，十五个。我手机 137 1024 8854。\n"
        "2027-10-19 09:43:20 | 陆国平 | @卓凡 我跟乔总说了我们价格有优势。有事打我 020-3892 4411。\n"
        "2027-10-19 09:50:33 | 卓凡 | 十五个账号一年两万二千五。\n"
    )
    ex = extract(notice)
    assert names(ex) == ["乔志明"] and phones(ex) == {"13710248854"}
    brackets = (
        "发件人：卓凡 <zhuofan@yunfan.com>\n"
        "参会：黎嘉琪（销售总监）、冼志远（IT经理）、邝立明（集团信息中心，电话020-3892 1148）、卓凡（云帆科技）。\n"
        "- 冼志远手机 137 2856 0913。\n"
    )
    ex = extract(brackets)
    assert "邝立明" not in names(ex) and phones(ex) == {"13728560913"}


def test_a_suppliers_contact_and_a_framers_number_the_customer_says_not_to_save():
    group = (
        "发言人1 00:00:05\n廖店长好，我是云帆科技的卓凡。\n"
        "发言人2 00:00:20\n我是店长廖思雨，手机 186 7312 0599。\n"
        "发言人3 00:04:02\n我们的谷子主要从上海萌趣动漫拿货，他们的对接人Kiki电话是 021-6418 7731，到货信息能推给店长吗？\n"
        "发言人1 00:04:30\n可以的。\n"
    )
    assert phones(extract(group)) == {"18673120599"}
    chat = (
        "09:50 卓凡：沈姐，合同发您哪个邮箱？\n"
        "09:58 沈兰：[语音转文字] 发我邮箱。我电话 186-2107-5531。老何的电话 137-5512-0087 你别存错，那是装裱的。\n"
    )
    assert phones(extract(chat)) == {"18621075531"}


def test_dai_and_uyghur_names_without_a_han_surname_and_thanks_to_the_chairman():
    ex = extract(
        "腾讯会议 · 智能录制转写\n会议时间：2027/10/19 10:00\n\n"
        "发言人1 00:00:02\n大家好，我是云帆科技的景川。\n"
        "发言人2 00:00:15\n景经理好，我是理事长刀国安。我们合作社全称是普洱青岭咖啡种植专业合作社。\n"
        "发言人3 00:00:31\n我是岩罕，社里的销售负责人，对接批发商都是我。\n"
        "发言人2 00:01:40\n我手机一五九 八七六五 一二三四。合作社办公室座机 0879-2136 778，找岩罕也行。\n"
        "发言人1 00:02:10\n好嘞，今天就到这，谢谢理事长。\n"
    )
    assert names(ex) == ["刀国安", "岩罕"]
    assert phones(ex) == {"15987651234", "08792136778"}
    # a workshop on name-alone lines: the provider's Uyghur engineer introduces himself, and his number is his
    workshop = extract(
        "需求工作坊 2027-10-19\n\n邱文博\n吉总好，我是云帆科技的邱文博。\n"
        "吉建华\n我们是昌吉棉丰仓储物流有限公司，我是总经理吉建华。\n"
        "阿力木\n我说一下，我是天衡信息的阿力木，WMS是我们维护的，接口可以开。\n"
        "吉建华\n我手机 159 9047 6621。\n"
        "阿力木\n接口文档我回去整理一下发给你们，我电话 133 7788 2410。\n"
    )
    assert names(workshop) == ["吉建华"]
    assert phones(workshop) == {"15990476621"}


def test_figures_and_jobs_that_read_like_names_are_not_contacts():
    ex = extract(
        "客户-陶总: 他们报五万五，我们预算就六万左右，老板觉得能省就省。\n"
        "客户-陶总: 以前郝副总管销售的时候请人来演示过，后来郝副总走了。我手机 158 6019 3370。\n"
        "销售-庞雪: 好的陶总，我是云帆科技的庞雪。\n"
    )
    assert names(ex) == ["陶总"]


def test_a_member_list_with_a_company_before_each_job_keeps_the_customers_people():
    ex = extract(
        "微信群聊记录导出\n群名称：印捷×云帆 CRM对接群\n"
        "群成员（4）：庄晓雯-云帆科技、温少杰-印捷总经理、陈琳-印捷客服主管、傅伟-闽云数码渠道\n"
        "2027-10-19 09:31 庄晓雯：各位早，今天把账号数定一下。\n"
        "2027-10-19 09:36 温少杰：就客服、销售和我，十一个。我手机 186 5921 7730。\n"
        "2027-10-19 09:53 陈琳：我这边客服座机 0592-5563 218，有问题找我。\n"
    )
    assert names(ex) == ["温少杰", "陈琳"]
    assert phones(ex) == {"18659217730", "05925563218"}


def test_a_seat_count_written_with_a_space_before_its_measure_word():
    ex = extract("拜访笔记 —— 单宇 10/19（周二）\n- 人数：业务员 8–10 个，最后说定 10 个号\n- 报价：28,800/年\n")
    assert ex.seats.value == 10


def test_a_seat_count_worked_out_again_after_who_gets_one():
    ex = extract(
        "Speaker 1: 蒋总好，我是云帆科技的若兰。\n"
        "Speaker 2: 账号的话，先开二十个吧，把驻场的也算上。\n"
        "Speaker 3: 不对，蒋总，驻场工程师用工单系统就行，不用 CRM。只给客户经理和售前，十四个。\n"
        "Speaker 1: 好的，每人每年一千八。\n"
    )
    assert ex.seats.value == 14
    group = extract(
        "2027-10-19 09:31 庄晓雯：各位早，傅总那边之前报的是十五个账号。\n"
        "2027-10-19 09:36 温少杰：十五个是算上维修师傅了，师傅用不上。就客服、销售和我，十一个。\n"
    )
    assert group.seats.value == 11
