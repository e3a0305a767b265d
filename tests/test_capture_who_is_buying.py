"""Which company is buying: the brand our rep names with 咱们, the legal name read off a business licence, a
self-introduction with the name before the company, and the contractor the customer has outsourced IT to.

Every transcript here was written for these tests (invented companies, people and numbers)."""

from datetime import date
from types import SimpleNamespace

from bot.org import OrgProfile
from tools.autofill.extract import extract_rules
from tools.customers import core_name

TODAY = date(2027, 11, 16)  # a Tuesday
ORG = OrgProfile.from_settings(
    SimpleNamespace(org_name="云帆科技,云帆,云番科技", competitors="纷享销客/纷享,悟空CRM/悟空", org_products="")
)


def extract(text: str):
    return extract_rules(text, TODAY, org=ORG)


def phones(ex) -> set[str]:
    numbers = set()
    for c in ex.contacts:
        numbers |= {p.replace("-", "") for p in (c.phone, *c.other_phones) if p}
    return numbers


def test_our_reps_zanmen_names_the_customers_brand_and_the_haulier_they_use_is_not_the_buyer():
    ex = extract(
        "上门拜访录音 2027-11-16\n"
        "[00:00:02] 冉雪: 邵总，我是云帆科技的冉雪。咱们金穗麻袋现在做编织袋和麻袋，客户主要是粮站吧？\n"
        "[00:00:19] 邵国梁: 对，粮站和饲料厂。\n"
        "[00:00:31] 邵国梁: 发货我们一般找通宇物流，他们老韦电话 139 0775 2218，这个不用录。\n"
        "[00:00:45] 冉雪: 好的。账号要几个？\n"
        "[00:00:52] 邵国梁: 六个。我手机 137 6620 4153。\n"
    )
    assert ex.account.value == "金穗麻袋"
    assert phones(ex) == {"13766204153"}
    # a region and a guess after 咱们 are not a name
    region = extract(
        "云帆-乔宇: 欧总好。咱们华南区大概需要多少个账号？\n客户-欧总: 二十个左右。我们是东莞恒昌五金制品有限公司。\n"
    )
    assert region.account.value == "东莞恒昌五金制品有限公司"


def test_the_name_on_the_business_licence_is_the_account_and_a_brand_with_one_shop_is_read():
    ex = extract(
        "说话人1：喂，甘老板您好，我是云帆科技的蒲静。\n"
        "说话人2：哦，你好。我们山海干货在霞山有个门市，还有个网店。我们的货从北海海利水产批发行拿。\n"
        "说话人1：好的，合同明天发您。执照上的名字是？\n"
        "说话人2：湛江市霞山区山海干货商行。我手机 135 3601 2290。\n"
    )
    assert ex.account.value == "湛江市霞山区山海干货商行"
    # without the licence, the brand with its one shop is still the customer, not the wholesaler it buys from
    brand = extract(
        "说话人1：喂，甘老板您好，我是云帆科技的蒲静。\n"
        "说话人2：哦，你好。我们山海干货在霞山有个门市，还有个网店。我们的货从北海海利水产批发行拿。\n"
    )
    assert brand.account.value == "山海干货"


def test_name_first_then_company_and_the_outsourced_it_contractors_man_and_number_are_not_the_customers():
    ex = extract(
        "飞书会议 · 文字记录 2027年11月16日\n"
        "Speaker 1: 顾总好，我是云帆科技的阮航。\n"
        "Speaker 2: 我介绍一下，我是顾志刚，远通运输的副总经理。我们是港城建材集团有限公司下面的运输板块。\n"
        "Speaker 3: 我是宁珊，医院线的销售主管，也来听听。\n"
        "Speaker 2: IT这块集团是外包给宁波联创信息技术的，对接人袁工，0574-8765 2210，接口的事找他。\n"
        "Speaker 2: 我手机 186 5530 7719。\n"
    )
    assert ex.account.value == "远通运输"
    assert "袁工" not in [c.name for c in ex.contacts]
    assert phones(ex) == {"18655307719"}


def test_a_legal_name_with_city_and_shi_groups_with_the_brand_its_people_use():
    assert core_name("佛山市鼎盛陶瓷贸易有限公司") == "鼎盛陶瓷贸易"
    assert core_name("广东省粤丰农业发展有限公司") == "粤丰农业发展"
    ex = extract(
        "门店工作坊录音整理\n"
        "欢迎。我是谭志恒，鼎盛瓷砖的总经理，门店和工程都归我管。\n"
        "我们现在报价靠Excel。\n"
        "合同抬头写佛山市鼎盛陶瓷贸易有限公司，发票也开这个。\n"
    )
    assert ex.account.value == "佛山市鼎盛陶瓷贸易有限公司"


def test_the_name_the_invoice_is_made_out_to_is_fuller_than_the_title_and_wins():
    ex = extract(
        "标题：青禾武术学校 · 云帆CRM加购沟通\n"
        "云帆-严可：凌校长，这次加三个账号，按剩下九个月算，一共六千七百五。\n"
        "凌校长：六千七百五可以。发票还是开沧县青禾武术艺术学校。\n"
    )
    assert ex.account.value == "沧县青禾武术艺术学校"


def test_a_minutes_list_with_whose_people_glued_to_names_and_a_partners_number():
    ex = extract(
        "主题：回复：5月9日视频会议纪要（林丰化工 × 云帆CRM）\n"
        "发件人：程嘉 <chengjia@yunfan-tech.com>\n"
        "时间：2047年5月12日 09:30\n\n"
        "纪要如下：\n"
        "1. 参会：贵司欧国强总经理、孟雅琴经理；我方程嘉、售前工程师伍可欣（做了演示）；"
        "博文软件蓝工（渠道伙伴，电话0771-5538 4421）；戈壁数智（我司渠道伙伴）宋骁，电话0991-4567 310。\n"
        "2. 账号：20个。孟经理手机 135 7741 0268。\n"
        "程嘉\n云帆科技 大客户部\n"
    )
    assert sorted(c.name for c in ex.contacts) == ["孟雅琴", "欧国强"]
    assert "伍可欣" in ex.our_side and "纪要" not in ex.our_side
    assert phones(ex) == {"13577410268"}


def test_a_group_whose_members_carry_their_job_and_a_partner_named_in_the_notice():
    ex = extract(
        "群名称：鹏运电动车×云帆CRM对接群\n"
        "群成员（6）：鹏运-裴总、鹏运-店长小邢、鹏运-财务主管闵丽、云帆科技-蔡磊、云帆科技-樊一帆、诚源软件-桑磊\n"
        "群公告：诚源软件为云帆科技日照区域代理，负责上门培训，有问题请@桑磊（15965391234）。\n"
        "2047-04-02 10:12 云帆科技-蔡磊：@鹏运-裴总 裴总好，账号一共十个，您看对吗？\n"
        "2047-04-02 10:20 鹏运-裴总：对。我手机186-5396-1188。\n"
        "2047-04-02 10:26 鹏运-店长小邢：裴总，东港那家店月底就关了。\n"
        "2047-04-02 10:55 鹏运-财务主管闵丽：我座机0633-812 6335。\n"
    )
    assert sorted(c.name for c in ex.contacts) == ["小邢", "裴总", "闵丽"]
    assert phones(ex) == {"18653961188", "06338126335"}


def test_the_number_of_a_person_at_the_customers_own_client_is_not_a_contacts():
    ex = extract(
        "程远：尤总好，我是云帆科技的程远。\n"
        "尤总：你好，我是尤国华。海晶的账号要八个。\n"
        "尤总：锦江饭店的采购花经理一天能打三个电话催货，13842279013，你把这号也存系统里。\n"
        "程远：花经理是你们客户的联系人，在系统里建在锦江饭店名下就行。\n"
        "尤总：行。我座机 0417-665 3208。\n"
    )
    assert phones(ex) == {"04176653208"}


def test_a_leavers_dead_number_and_the_leads_the_customer_passes_on_are_not_contacts():
    ex = extract(
        "客户-单丽：补充一下，原来CRM选型是祝经理牵头的，她上个月离职了，手机 137 5719 0342 已经停了。\n"
        "客户-单丽：对了，隔壁万利广场的招商经理老邱也问有没有类似的系统，他电话 139 2845 0066，你可以找他聊聊。\n"
        "客户-单丽：顺达车队的秦师傅那边也想了解一下，他电话一三九 零四三一 七七二五。\n"
        "云帆-霍俊：好的。\n"
        "客户-单丽：我手机 159 6851 0732。\n"
    )
    assert [c.name for c in ex.contacts] == ["单丽"]
    assert phones(ex) == {"15968510732"}


def test_a_reseller_that_registered_the_deal_and_our_rep_at_the_customers_head_office():
    ex = extract(
        "钉钉会议录制 · 字幕导出　会议开始：2047-09-26 10:00\n"
        "蒋欣：龙总您好，我是云帆科技的蒋欣。今天来守一应急总部，把上次的方案再跟您过一遍。\n"
        "龙海涛：好。我们主要做应急包、防汛物资。\n"
        "包工：龙总，我是渝联科技的包工，这个项目是我们渠道报备的，有事也可以打我 023-6788 4410。\n"
        "龙海涛：十六个账号。我手机 186 1230 0774。\n"
    )
    assert ex.account.value == "守一应急"
    assert [c.name for c in ex.contacts] == ["龙海涛"]
    assert phones(ex) == {"18612300774"}
    invoice = extract("龙海涛：合同发给我们采购温晴，开票抬头写重庆守一应急装备有限公司。\n蒋欣：收到，谢谢龙总。\n")
    assert invoice.account.value == "重庆守一应急装备有限公司"


def test_the_licence_name_of_a_one_man_business_and_the_same_title_as_the_old_contract():
    ex = extract(
        "喂，您好，是通达配货站的车老板吗？我是云帆科技的石磊。\n"
        "对，你说。我们就三个人，两个账号。\n"
        "四千零五十可以。我营业执照上叫临沂市兰山区通达货运信息服务部，合同照这个写。\n"
    )
    assert ex.account.value == "临沂市兰山区通达货运信息服务部"
    again = extract(
        "杏林推拿学校 · 岳麓校区账号增购沟通\n"
        "严可 00:02:50\n那我明天把增补协议发给伍主管，抬头还是跟原合同一样吗？\n"
        "伍佳 00:03:05\n一样，长沙杏林职业技能培训学校有限公司。这周四我们把协议签了。\n"
    )
    assert again.account.value == "长沙杏林职业技能培训学校有限公司"


def test_it_providers_and_a_haulier_named_in_new_ways_and_the_landlords_line():
    ex = extract(
        "客户-岳红梅：我们的电脑和网络是外包给蓉达网络的，对接的事你们可以找他们郑工，139 8001 7726。\n"
        "客户-岳红梅：长途包给粤西顺达车队跑，粤西顺达的老蒙一直问我们要看订单。\n"
        "客户-岳红梅：老蒙那个电话 0759-3326518 你们记一下。\n"
        "客户-岳红梅：物业的电话别打错了，华隆物业是0731-8890 1123，那是房东。\n"
        "云帆-苏蔓：好的。\n"
        "韩工：我是济宁智联信息工程的韩磊，K3是我们给他们实施的。\n"
        "韩工：我手机 177 6370 9935，中间库的事也可以直接找我。\n"
        "客户-岳红梅：我手机186 7310 5521。\n"
    )
    assert [c.name for c in ex.contacts] == ["岳红梅"]
    assert phones(ex) == {"18673105521"}


def test_a_sole_traders_licence_name_after_a_comma_and_numbers_of_people_around_the_deal():
    ex = extract(
        "[00:00:05] 柯杨: 熊老板好，我是云帆科技的柯杨。\n"
        "[00:01:10] 熊志强: 收银是餐云科技的，阿Ken在负责，他刚好过来了。\n"
        "[00:01:20] 阿Ken: 你好，我是餐云的阿Ken。有事打我电话189 2233 4410。\n"
        "[00:01:40] 熊志强: 我们发货一般走方师傅的货车，他电话 136 1559 0832 有时也要查单。\n"
        "[00:01:55] 熊志强: 货代的小卢（138 5742 9910）也在场，只是来对出货单的，与本项目无关。\n"
        "[00:02:31] 熊志强: 发票开营业执照上那个名字，南昌市东湖区鑫达电脑门市部。我手机 139 7086 5521。\n"
    )
    assert phones(ex) == {"13970865521"}
    assert ex.account.value == "南昌市东湖区鑫达电脑门市部"


def test_a_budget_answered_a_sentence_into_the_turn_and_the_three_to_five_idiom():
    ex = extract(
        "15:06 黎晨：好的，四个账号。预算方面您怎么考虑？\n"
        "15:09 韦老板：之前朋友推荐过悟空，说便宜。我们这种小店，一年五六千吧，再多就算了。\n"
        "15:10 黎晨：四个账号一年四千八，在您预算里。\n"
    )
    assert ex.budget.value == 6000
    assert ex.amount.value == 4800
    idiom = extract("客户-丛姐：我们本来想的是三五千块钱的预算。\n云帆-柏宁：六个一年五千五。\n")
    assert idiom.budget.value == 5000


def test_an_it_man_who_greets_with_his_firms_name_and_a_presales_colleague_handed_the_demo():
    ex = extract(
        "Speaker 1: 各位好，我是云帆科技的罗晨。\n"
        "Speaker 2: 我是运营总监葛文涛，还有信达网络的邹工，我们的网络都是他们在做。\n"
        "Speaker 4: 你们好，信达网络邹振宇，我主要关心接口。\n"
        "Speaker 4: 接口文档你们直接发我，电话 0551-6357 2210。\n"
        "Speaker 2: 我手机 186 5512 7730。\n"
    )
    assert phones(ex) == {"18655127730"}
    demo = extract(
        "发言人1：各位下午好，我是云帆科技的何骁，今天我们售前同事萧一凡也在。\n"
        "发言人2：何经理你好。我是鲍国栋，绿源这边的总经理。\n"
        "发言人1：一凡你给大家演示一下项目阶段看板。\n"
        "发言人4：好的。大家看屏幕，这里是项目看板。\n"
        "发言人2：我手机是一三七 零五二八 六六一九。\n"
        "发言人4：我也留一下，我的电话是186 0371 2200，导入遇到问题可以直接找我。\n"
    )
    assert phones(demo) == {"13705286619"}
    assert [c.name for c in demo.contacts] == ["鲍国栋"]


def test_a_centre_named_after_my_name_and_key_words_that_are_no_people():
    ex = extract(
        "[00:00:05] 谭思远: 鲍主任您好，我是云帆科技的谭思远。\n"
        "[00:00:11] 鲍主任: 客气了。我叫鲍丽萍，是康舟高压氧治疗中心的运营主任。\n"
        "[00:00:30] 鲍主任: 合作医院转过来的病人，像市三院、江城康复医院的，也没有统一登记。\n"
        "[00:00:40] 鲍主任: 我们预算本来就是一万以内。\n"
    )
    assert ex.account.value == "康舟高压氧治疗中心"
    assert [c.name for c in ex.contacts] == ["鲍丽萍"]
    minutes = extract(
        "会议纪要\n参会人：宋立新、葛蕾、彭浩（云帆科技）\n"
        "【联系方式】\n葛蕾（招商部经理）：153 5309 8216\n公司座机：0530-4561 7188\n"
    )
    assert [c.name for c in minutes.contacts] == ["宋立新", "葛蕾"]
    assert phones(minutes) == {"15353098216", "053045617188"}


def test_legal_names_said_before_the_nickname_and_brands_only_said_in_speech():
    licence = extract(
        "销售-韩宁：严厂长好，我是云帆科技的韩宁。\n"
        "客户-严厂长：先说一下，我们营业执照上的全称是慈溪市澜沸电器有限公司，开票合同都用这个，平时大家叫我们澜沸水壶厂。\n"
    )
    assert licence.account.value == "慈溪市澜沸电器有限公司"
    coop = extract(
        "发言人1：您好，我是云帆科技的罗川。\n"
        "发言人2：我们在临沧，合同上写临沧市果岭澳洲坚果种植专业合作社，平时大家叫果岭夏威夷果合作社。\n"
    )
    assert coop.account.value == "临沧市果岭澳洲坚果种植专业合作社"
    hatchery = extract(
        "销售-邓磊: 柯场长您好，我是云帆科技的邓磊。\n"
        "销售-邓磊: 您上次说湘源鱼苗繁育场一到开春放苗，订苗电话接不过来？\n"
        "客户-柯振华：是啊，全靠我爱人拿本子记。\n"
    )
    assert hatchery.account.value == "湘源鱼苗繁育场"
    pizza = extract(
        "左晨: 武总您好，我是云帆科技的左晨，年前给您发的芝士湾披萨八家店的方案，您看得怎么样了？\n"
        "武总: 年前我们已经跟纷享销客签了。\n"
    )
    assert pizza.account.value == "芝士湾披萨"


def test_the_customers_own_client_named_by_our_rep_is_not_the_customer():
    ex = extract(
        "韩笑: 孙经理您好，我是云帆科技的韩笑。\n"
        "孙经理: 我们优采通采购代理就是帮中东客户在义乌拿货的，利润薄。\n"
        "韩笑: 你们最大的客户是迪拜那家海纳百货吧？\n"
        "孙经理: 对，海纳百货。\n"
    )
    assert ex.account.value == "优采通采购代理"


def test_numbers_of_people_of_other_companies_named_in_new_ways():
    ex = extract(
        "客户-秦朗：我是光影摄影学校的秦朗，我手机 139 8026 7741。\n"
        "客户-秦朗：园区物业的周经理说网线改造要停两天，他电话 028-8511 6670，你们上门培训的时候跟他确认一下。\n"
        "客户-秦朗：他们的货代顺洋国际物流的陈经理也在场，留了电话 137-2244-8105，想了解你们的系统。\n"
        "客户-秦朗：房东金陵置业的物业经理（电话 025-8467 3310）要求合同里写明租客数据不出境。\n"
        "客户-秦朗：瀚宇那边的沈经理电话021-6088 7312，要了解代理商的报备流程可以问他。\n"
        "客户-秦朗：隔壁的渔乐农庄也在找系统，老板姓秦，电话 0731-8452 6690，你可以去问问。\n"
        "客户-秦朗：演示那天你直接找顺捷物流的老蒋，138 2600 1147，我们的货都是他拉。\n"
        "客户-秦朗：湘味源食材的彭经理问能不能也开个账号，他电话是138 7310 2266——这个你们别算在我们这次里。\n"
    )
    assert phones(ex) == {"13980267741"}
    notice = extract(
        "群公告：野趣户外用品（厦门）有限公司 门店CRM项目。渠道对接：凯诚科技 柏松 150-5921-6630\n"
        "田甜：我是野趣的店长田甜，我电话 135 9921 0077。\n"
    )
    assert phones(notice) == {"13599210077"}


def test_an_implementer_a_dealer_and_a_partner_who_speak_for_themselves():
    workshop = extract(
        "谢文博：大家好，我是云帆科技的谢文博。\n"
        "黎婉仪：我是销售总监黎婉仪。智联的郭工也请过来了，我们金蝶是他们做的。\n"
        "郭俊：大家好，我是佛山智联信息技术有限公司的郭俊，负责他们金蝶云星空的实施。\n"
        "黎婉仪：合同抬头写广东铭固家具五金制造有限公司。我手机 135 3055 7721。\n"
        "郭俊：我这边是138 2601 4455，接口的事直接找我。\n"
    )
    assert workshop.account.value == "广东铭固家具五金制造有限公司"
    assert phones(workshop) == {"13530557721"}
    dealer = extract(
        "钟晓阳：阎厂长好，我是云帆科技的钟晓阳。\n"
        "阎志刚：我是厂长阎志刚。旁边这位是山东瑞丰农资的孔经理，我们最大的经销商，今天过来对账。\n"
        "钟晓阳：绿盈塑料花盆厂现在主要走哪些渠道？\n"
        "孔经理：回头我自己找云帆。我电话177 6361 5580。\n"
        "阎志刚：我手机 158 6363 0427。\n"
    )
    assert dealer.account.value == "绿盈塑料花盆厂"
    assert phones(dealer) == {"15863630427"}
    call = extract(
        "喂，您好，是云帆科技吗？\n对，我是云帆科技的黎晓峰，您怎么称呼？\n我姓单，单国庆。\n"
        "好，那我明天把合同发您。您记一下我的号，一三三零五五一零零九九。\n我手机幺五六 五五七 幺洞八 三二。\n"
    )
    assert phones(call) == {"15655710832"}


def test_brands_said_in_passing_a_registered_centre_and_a_count_of_shops_that_is_no_company():
    comb = extract(
        "[00:00:05] 何越: 邹总好，我是云帆科技的何越。\n"
        "[00:00:12] 邹明远: 对，我们檀语木梳做了十二年了，现在七家门店。木料主要从云岭木材商行进。\n"
    )
    assert comb.account.value == "檀语木梳"
    fleet = extract("简宁: 杜总您好，我是云帆科技的简宁。\n杜长河: 不好意思，我们鑫港集卡车队最后选了销售易。\n")
    assert fleet.account.value == "鑫港集卡车队"
    group = extract(
        "群聊：云帆×安心急救 CRM项目群（5人）\n"
        "群公告（云帆-杭薇 发布）：本群用于杭州市安心应急救护培训中心与云帆科技的CRM项目沟通。\n"
        "[09:15] 安心-甘总：对，七个。\n"
    )
    assert group.account.value == "杭州市安心应急救护培训中心"
    minutes = extract(
        "发件人：黎洛（云帆科技）\n参会：华章教辅 伍建平（副总经理）、孟晓雯（发行部经理）；\n"
        "1. 现状：发行部业务员跟进全省三千多所中小学和两百多家书店，客户资料散在Excel里；\n"
    )
    assert minutes.account.value == "华章教辅"


def test_presales_who_shares_the_screen_a_his_vendors_engineer_and_a_dealers_man():
    workshop = extract(
        "发言人1 00:00:02\n各位好，我是云帆科技的苏晴，今天我们售前方浩然也在。\n"
        "发言人2 00:00:20\n我是彭晓东，众联人力的总经理。我手机 158 6823 0417。\n"
        "发言人3 00:01:18\n这个场景我们做过。我共享一下屏幕给两位看看。\n"
        "发言人3 00:08:12\n好的葛主管，样表收到后我来对字段。有技术问题直接打我手机 186 0571 3392。\n"
    )
    assert phones(workshop) == {"15868230417"}
    clinic = extract(
        "尹航：芮院长好，我是云帆科技的尹航。\n"
        "芮志明：我是院长芮志明，手机 139 3718 6620。\n"
        "蔡工：我说两句，我是医云通的工程师，门诊部的HIS是我们做的。\n"
        "芮志明：蔡工的电话你们留一下。\n蔡工：188 3712 0045，接口的事直接找我。\n"
    )
    assert phones(clinic) == {"13937186620"} and [c.name for c in clinic.contacts] == ["芮志明"]
    dealer = extract(
        "[00:00:20] 宋嘉豪: 侯总好，我是云帆科技的宋嘉豪。\n"
        "[00:00:40] 邢芳: 我是采购经理邢芳，手机 150 6361 2248。\n"
        "[00:01:30] 侯总: 河南那边的代理商中牧通，老赵，他电话 0371-6655 8812，你们可以问问他。\n"
        "[00:01:50] 侯总: 干线是外包给顺广运输的，老梁 135 6021 7789，他们的司机不用账号。\n"
    )
    assert phones(dealer) == {"15063612248"}
    call = extract(
        "喂，您好，是桑总吗？我是云帆科技的程晓宇。\n哎对对，小程。\n"
        "好的。您电话是多少？我的是 177 6890 2315，微信同号。\n我手机一三五，七七零二，六八一九。\n"
    )
    assert phones(call) == {"13577026819"}


def test_providers_suppliers_dealers_and_a_gallery_whose_numbers_are_said_with_a_word_that_disowns_them():
    ex = extract(
        "客户-钱工：我是信息部的钱工，我手机 136 0797 1122。\n"
        "客户-钱工：金蝶那边的实施是赣南易联科技做的，对接人黄工，电话 133-3797-0452，接口文档在他那儿。\n"
        "客户-钱工：我们瑞金的经销商老钟想先试用，他电话 135 7975 1183，能不能先给他开个试用？\n"
        "客户-钱工：亚克力板是华塑材料的段经理供的，他电话 139 7311 0268。\n"
        "客户-钱工：我们钢板都是顺达运输拉的，他们孟队长电话 138 6412 5573，不过那是物流的事。\n"
        "客户-钱工：光屏厂家的区域经理韩涛（189 5000 3127）不用管。\n"
        "客户-钱工：合作画廊：北京观澜画廊（宋经理 010-6521 3376），是他们的渠道，不用开账号。\n"
        "客户-钱工：我们调度系统是陆港信息做的，接口要他们配合，对接人叫薛磊，电话 0472-518 0933。\n"
    )
    assert phones(ex) == {"13607971122"}
    implementer = extract(
        "牟晓东：我是总经理牟晓东，手机 138 6610 2233。\n"
        "段杰：对，我们本地实施、上门培训一共八千，跟云帆的软件费分开签。我电话159 1251 0086。\n"
    )
    assert phones(implementer) == {"13866102233"} and [c.name for c in implementer.contacts] == ["牟晓东"]
    rep = extract(
        "客户-骆建平：行，我下周三前定下来，有事打我手机 139 5742 0816。\n"
        "销售-邓凯: 好的骆总，我手机 180 6688 1250，随时联系。\n"
    )
    assert phones(rep) == {"13957420816"}


def test_a_group_whose_members_carry_their_companies_and_an_implementer_in_brackets():
    group = extract(
        "群聊：兰亭兰园·云帆项目对接群（5人）\n"
        "群公告：成员：兰亭-钟海燕（理事长）、兰亭-贝佳琪（客服）、云帆-骆文杰、鼎盛园艺-冉国强。\n"
        "[09:30] 兰亭-钟海燕：骆经理，一万二有点贵，老冉介绍来的，给个面子。\n"
        "[09:33] 鼎盛园艺-冉国强：骆经理，钟姐是我们鼎盛园艺的老客户了，能让就让点。有事打我电话 137 0596 2210。\n"
        "[09:45] 兰亭-钟海燕：行。合同抬头写漳州市兰亭兰花种植专业合作社。我手机 +86 158 0596 7742。\n"
    )
    assert phones(group) == {"15805967742"}
    pets = extract(
        "微信群「云帆×毛孩子 CRM项目群」聊天记录\n"
        "[10:02] 罗晴-云帆：各位周六好～\n[12:30] 小柒-毛孩子：请问账号是按人开还是按手机号开？\n"
        "[13:27] 老孟-毛孩子：我手机186-5712-0043\n[13:40] 星火代运营-阿强：店铺那边我们来对接。\n"
    )
    assert phones(pets) == {"18657120043"}
    minutes = extract(
        "参会：恒温智控 阮建明（销售副总）；云帆科技 沈亦舟。\n"
        "2. 需求：与用友U8对接（U8由甬信科技实施，联系人贺工，0574-8730 1198）。\n"
        "3. 联系方式：阮建明 139 5748 1206。\n"
    )
    assert phones(minutes) == {"13957481206"}


def test_vendors_who_implemented_for_the_customer_a_clinics_licence_name_and_a_groups_legal_name():
    vendor = extract(
        "潘晓燕：我是远航的销售经理潘晓燕，我们全称是台州远航船舶推进器有限公司。\n"
        "屠文斌：我补充一下，我是甬信软件的屠文斌，金蝶和MES都是我们公司给远航实施的。我手机 139 0574 6618。\n"
        "潘晓燕：我手机 135 7761 2201。\n"
    )
    assert vendor.account.value == "台州远航船舶推进器有限公司"
    assert phones(vendor) == {"13577612201"}
    clinic = extract(
        "甘泉：我是康联医疗信息的甘泉，HIS是我们公司做的，接口可以开放。\n"
        "邵宏：我们门诊主要看癫痫和儿童神经发育。\n"
        "邵宏：两万四可以。合同抬头写全称，西安市雁塔区仁和神经内科门诊部。\n"
    )
    assert clinic.account.value == "西安市雁塔区仁和神经内科门诊部"
    group = extract(
        "群聊：鲸跃铁三×云帆 会员系统对接（6人）\n群公告：本群用于鲸跃铁三俱乐部会员与课程管理系统选型沟通。\n"
        "[10:18] 鲸跃-柏川：好，这周四签合同。开票抬头：厦门鲸跃体育文化有限公司。\n"
    )
    assert group.account.value == "厦门鲸跃体育文化有限公司"
    parent = extract(
        "Speaker 2: 开票抬头写我们全称，云岭空港货运地面服务有限公司，别写成集团。集团全称是云岭机场集团有限公司，那个不对。\n"
    )
    assert parent.account.value == "云岭空港货运地面服务有限公司"
    visit = extract(
        "拜访纪要\n- 拜访：平舆县绿荚秋葵种植专业合作社，理事长朱德胜在场。\n- 秋葵主要供商超和出口冷冻厂。\n"
    )
    assert visit.account.value == "平舆县绿荚秋葵种植专业合作社"


def test_a_group_member_tagged_with_a_third_company_is_no_contact_and_keeps_his_number():
    text = (
        "群公告：本群用于宁洱百草园茶业有限公司销售系统项目沟通。\n"
        "群成员：柴秋云、吕建芬、滕洁（云帆）、巫明（联讯科技）\n"
        "[10:02] 滕洁（云帆）：柴总好，账号先开8个，报价按8个做。\n"
        "[10:05] 柴秋云：改成9个，吕会计也要一个。\n"
        "[10:06] 吕建芬：对，我要看回款。\n"
        "[10:08] 巫明（联讯科技）：柴总，网络那边我们联讯来配，有事打我 0879-6533 2108。\n"
        "[10:15] 柴秋云：九个一年一万零八百可以，我手机 187 8712 0356。\n"
    )
    ex = extract(text)
    assert ex.account.value == "宁洱百草园茶业有限公司"
    assert {c.name for c in ex.contacts} == {"柴秋云", "吕建芬"}
    assert phones(ex) == {"18787120356"}
    # the same members labelled only as they speak, without a member list
    spoken = extract("\n".join(line for line in text.splitlines() if not line.startswith("群成员")))
    assert "巫明" not in {c.name for c in spoken.contacts}
    assert phones(spoken) == {"18787120356"}
    # the company the group is named after is the customer's, whoever carries it
    ours = extract(text.replace("群公告：本群用于宁洱百草园茶业有限公司", "群公告：本群用于联讯科技"))
    assert "巫明" in {c.name for c in ours.contacts}


def test_a_member_tagged_with_a_job_or_a_bare_trade_word_stays_the_customers():
    ex = extract(
        "群成员（5）：姚毅(云帆科技)、钟国华(理事长)、彭雪(会计)、孟师傅(车队)、老黄(顺昌物流)\n"
        "钟国华(理事长) 09:12\n上午理事会定了，账号要七个。我们是信丰县橙乡脐橙专业合作社。\n"
        "彭雪(会计) 09:30\n好的。有事打社里座机0797-3312 569。\n"
        "孟师傅(车队) 09:35\n发货排车找我，138 7970 1122。\n"
        "老黄(顺昌物流) 09:41\n各位好，下周发冷链车的事找我，135 7970 2281。\n"
    )
    names = {c.name for c in ex.contacts}
    assert {"钟国华", "彭雪", "孟师傅"} <= names and "老黄" not in names
    assert phones(ex) == {"07973312569", "13879701122"}


def test_their_person_after_another_company_is_that_companys_and_so_is_his_number():
    ex = extract(
        "重庆鸣湾娱乐管理有限公司 × 云帆科技 需求沟通\n"
        "甘露：我们门店的会员都在收银系统里，我手机 159 2301 8876。\n"
        "小蒲：订房系统是重庆数桥系统集成帮我们做的，接口要找他们付工。付工电话我等下推给你，138 0836 5521。\n"
        "甘露：城区的派送外包给顺路物流了，他们的老谭，谭德海，每天下午来拉货。\n"
        "小蒲：老谭电话是0796-8120 5566，你们记一下。\n"
        "蔡建：天水店的王老板电话13909310088，他是加盟商，不用拉群。\n"
        "邝宁：好的，谢谢各位。\n"
    )
    names = {c.name for c in ex.contacts}
    assert not names & {"付工", "老谭", "谭德海", "王老板"}
    assert "甘露" in names
    assert phones(ex) == {"15923018876"}


def test_the_speakers_own_number_after_a_hauliers_man_is_kept():
    ex = extract(
        "[00:00:10] 郁可: 马老板好，我是云帆科技的郁可。\n"
        "[00:00:37] 马德旺: 我们是湟源德旺渔业合作社，先开五个账号。\n"
        "[00:01:27] 马德旺: 行。拉鱼的是西宁顺通冷链，他们老杨的电话133 0971 5588你别存错了，我的是幺三八 九七幺幺 洞四二三。\n"
    )
    assert phones(ex) == {"13897110423"}
    assert "老杨" not in {c.name for c in ex.contacts}


def test_our_reps_their_person_is_still_the_customers():
    ex = extract(
        "拜访记录（云帆科技 郁可）\n"
        "今天去了丰源五金制品有限公司，他们的采购葛经理说账号要十个，他电话 139 1707 3316。\n"
    )
    assert "葛经理" in {c.name for c in ex.contacts}
    assert phones(ex) == {"13917073316"}


def test_a_provider_who_introduces_himself_and_one_we_are_sent_to_are_not_contacts():
    ex = extract(
        "发言人1 00:00:02\n邢总好，我是云帆科技的晏可。\n"
        "发言人2 00:00:09\n我们是苏州鲜湖冷链物流有限公司，账号要十五个，我手机186 2153 0977。\n"
        "发言人3 00:00:30\n我插一句，我是华图信息的季东，我们ERP是我们在做。接口这边找我，电话139 3512 7780。\n"
        "发言人2 00:00:45\n对接的细节你们直接找路必达的钱工，他电话是 138 6217 5530。\n"
        "发言人2 00:00:55\n还有一件事，集团IT的何工之后可能会来问安全合规的问题。他电话是010-6688 1020，你们直接找他。\n"
    )
    names = {c.name for c in ex.contacts}
    assert not names & {"季东", "钱工", "何工"}
    assert phones(ex) == {"18621530977"}


def test_on_a_call_without_labels_their_driver_after_a_haulier_is_theirs_and_a_notes_their_is_the_customer():
    call = extract(
        "电话录音转写 2027-11-16 11:05\n"
        "喂，您好，我是云帆科技的郁可。\n"
        "哦，记得，我们是洪湖藕乡莲藕种植专业合作社，我姓彭，彭长河。\n"
        "我们藕主要卖到武汉的市场，货是汉川顺达冷链帮我们拉，他们司机电话 133 0712 5586，收款乱。我手机 186 7203 5914。\n"
    )
    assert phones(call) == {"18672035914"}
    notes = extract(
        "拜访记录：今天拜访了杭州恒远机电有限公司，王总说账号要二十个。\n另外他们财务经理周敏也会参与评估，周敏电话138-0571-2233。\n"
    )
    assert "13805712233" in phones(notes)


def test_a_providers_named_contact_a_man_over_at_the_maker_and_the_haulier_owner_keep_their_numbers():
    ex = extract(
        "[00:00:05] 闻静: 卫总好，我是云帆科技的闻静。\n"
        "[00:00:20] 卫思琪: 我们是苏州星园智能装备有限公司，账号四十个。我手机 139 1520 8876。\n"
        "[00:01:10] 钱卓: 接口这块集团指定了苏州云桥信息来做，负责人是蔡工，蔡立群，他电话 135 1270 4486。\n"
        "[00:01:40] 卫思琪: 车辆调度用的是途安GPS平台。途安GPS的对接人是他们的技术经理冯立，电话 0351-8890 1234。\n"
        "[00:02:10] 卫思琪: 拉货的是老孟的顺达车队，他电话 13603179921。\n"
        "[00:02:30] 卫思琪: 我们主要代理华坤机械的举升机。\n"
        "[00:02:50] 闻静: 好的。华坤那边秦经理的电话是139 0286 5517吧？\n"
        "[00:03:00] 卫思琪: 对，秦经理是华坤的区域经理，厂家的事找他。\n"
    )
    names = {c.name for c in ex.contacts}
    assert not names & {"蔡工", "蔡立群", "冯立", "老孟", "秦经理"}
    assert phones(ex) == {"13915208876"}


def test_a_provider_who_maintains_their_systems_is_not_the_account():
    ex = extract(
        "邱晨\n顾总好，我是云帆科技的邱晨。\n"
        "顾长海\n我顾长海先说两句，我是公司总经理。我们建新新材做混凝土外加剂十几年了。\n"
        "江工\n我补充一下，我是迅达信息的江涛，他们的U8和服务器是我们维护的。接口这块我们可以配合，电话 189 5510 3372。\n"
        "顾长海\n合同抬头写我们全称，安徽建新新材料科技股份有限公司。我手机 139 5512 6087。\n"
    )
    assert ex.account.value == "安徽建新新材料科技股份有限公司"
    assert "江涛" not in {c.name for c in ex.contacts}
    assert phones(ex) == {"13955126087"}


def test_a_delivery_station_and_a_childrens_massage_brand_are_read_as_the_account():
    station = extract(
        "章经理: 汤经理您好，我是云帆科技的章明。\n汤经理: 章经理啊，我们泉州清泉桶装水配送站最后还是定了悟空CRM。\n"
    )
    assert station.account.value == "泉州清泉桶装水配送站"
    brand = extract(
        "Speaker 1: 钟总好，我是云帆科技的宋佳琪。\n"
        "Speaker 2: 我是钟毅，禾丰小儿推拿这边的运营副总。我们在长沙一共九家店。\n"
    )
    assert brand.account.value == "禾丰小儿推拿"


def test_he_after_a_providers_engineer_and_the_engineer_after_the_vendor_keep_their_numbers():
    ex = extract(
        "郭子健\n龚总好，我是云帆科技的郭子健。TMS是哪家做的？\n"
        "小付\n是明达信息做的，他们的钟工一直驻场维护。接口的事可能要跟他一起，他电话177 0283 5519。\n"
        "毕晓东\n还有个事，我们的煎药系统是杏仁软件做的，孙工说处方数据可以推到CRM，他电话0571-8602 7719。\n"
        "龚总\n我们是成都融运城配物流有限公司，我手机 139 8177 0263。\n"
    )
    assert not {c.name for c in ex.contacts} & {"钟工", "孙工"}
    assert phones(ex) == {"13981770263"}


def test_a_partner_named_by_its_role_and_an_integrators_man_are_not_contacts():
    ex = extract(
        "发言人1 00:00:01\n宋总好，我是云帆科技的庞雪。\n"
        "发言人2 00:00:09\n我们是阜阳禾润农业服务有限公司，做土地托管。打药我们交给飞防合作方青云飞防，"
        "青云飞防的老葛电话 159 5561 7740，回头派单的事可以找他。\n"
        "发言人2 00:00:40\n旁边这位是合肥云岭的邰工，邰国栋，我们的用友都是他们实施的。\n"
        "发言人3 00:00:52\n各位好，我是云岭的邰国栋，接口这块我来配合，我电话 138 5512 6603。\n"
        "发言人2 00:01:10\n我这边的手机 139 5587 1206，合同找我。\n"
    )
    assert ex.account.value == "阜阳禾润农业服务有限公司"
    assert not {c.name for c in ex.contacts} & {"老葛", "邰工", "邰国栋"}
    assert phones(ex) == {"13955871206"}


def test_the_parent_groups_people_are_not_contacts():
    ex = extract(
        "销售-邱晨：魏经理好，我是云帆科技的邱晨。\n客户-魏经理：我们是合肥禾丰冷链物流有限公司。\n"
        "客户-魏经理：补充一下，集团的信息部刁建军（diaojj@hefeng-group.com）问接口规范，他电话 0551-6288 3107。"
        "我的手机 139 5601 7742。\n"
    )
    assert ex.account.value == "合肥禾丰冷链物流有限公司"
    assert "刁建军" not in {c.name for c in ex.contacts}
    assert phones(ex) == {"13956017742"}


def test_our_own_colleague_who_runs_the_system_and_a_friends_school_are_read_right():
    ex = extract(
        "现场录音整理 2027-11-16\n"
        "庞雪：各位老师好，我是云帆科技的庞雪，旁边是我们销售冉凯。\n"
        "毛振宇：欢迎。我是博雅的校长毛振宇，这位是我们负责系统的小叶。先说明一下，我们注册名是遵义市汇川区博雅实验学校，"
        "合同、发票都按这个开。\n"
        "冉凯：好的毛校长。账号要几个？\n"
        "毛振宇：十八个。另外，我们华英学校那边的朋友用的是悟空CRM。我手机 139 0852 1166。\n"
    )
    assert ex.account.value == "遵义市汇川区博雅实验学校"
    assert {"毛振宇", "小叶"} <= {c.name for c in ex.contacts}
    assert phones(ex) == {"13908521166"}


def test_the_one_doing_the_work_for_a_provider_and_a_groups_man_in_brackets_are_not_contacts():
    ex = extract(
        "祁娜\n严总好，我是云帆科技的祁娜。\n"
        "严振东\n我们是郑州驰威手推车制造有限公司。接口开发我们找的是郑州数联，卓工在做，他电话 151 3822 0917，你们直接对。\n"
        "严振东\n另外，集团（河南驰远投资控股集团有限公司）IT的阿力木（alimu@chiyuan-group.com）也要看方案。\n"
        "严振东\n我手机 138 3716 5520。\n"
    )
    assert ex.account.value == "郑州驰威手推车制造有限公司"
    assert not {c.name for c in ex.contacts} & {"卓工", "阿力木", "阿力"}
    assert phones(ex) == {"13837165520"}
    assert all(c.email != "alimu@chiyuan-group.com" for c in ex.contacts)


def test_the_other_side_key_of_a_note_and_the_unit_in_a_mails_attendees_beat_its_disclaimer():
    note = extract("1. 对方：发源堂养发馆（长沙，11家门店）运营负责人谭莉，老板龚总中途接了几分钟。\n")
    assert note.account.value == "发源堂养发馆"
    mail = extract(
        "发件人：覃海燕 <qinhy@gnfwq.com>\n时间：2027年11月16日 09:15\n\n蒲经理好，预算是 12 万。\n"
        "覃海燕\n桂南服务区公司 招商经营部经理\n（本邮件及附件仅供桂南交通投资集团有限公司及下属单位内部使用）\n\n"
        "-----原始邮件-----\n发件人：蒲芸 <puyun@yunfankeji.com>\n\n"
        "参会：桂南服务区公司 黄志勇副总经理、覃海燕经理；云帆科技 蒲芸\n"
    )
    assert mail.account.value == "桂南服务区公司"


def test_the_customers_own_client_named_with_its_buyer_or_an_english_name_is_not_a_contact():
    ex = extract(
        "拜访笔记 2027-11-16\n- 客户：咸宁桂香源桂花种植专业合作社，理事长聂国强 138 7150 6621\n"
        "- 现状：卖桂花干给食品厂（大客户香满楼糕点厂，采购老周 137 2451 0096）\n"
        "- 海外：德国的香肠厂 Bauer Wurstwaren GmbH 在谈，Bauer的采购Klaus（klaus@bauer-wurst.de）也问过系统。\n"
    )
    assert {c.name for c in ex.contacts} == {"聂国强"}
    assert phones(ex) == {"13871506621"}
    # the customer's own IT man stays theirs
    it = extract(
        "客户-黎工：我是IT的黎工，订单都在金蝶里，我的座机0510-8799 3312。\n销售-颜铭：好的黎工，我是云帆科技的颜铭。\n"
    )
    assert {c.name for c in it.contacts} == {"黎工"}


def test_our_resellers_man_by_his_firms_name_and_the_contract_title_after_still_write():
    ex = extract(
        "参会人：贺佳宁（云帆科技）、曹经理（启铭智能）、汪涛（九联科技）\n\n"
        "贺佳宁 00:00:03\n曹经理好，这次主要聊追加的事。\n"
        "汪涛 00:01:02\n我补充一句，我是九联科技的汪涛，九联是云帆在东莞的渠道，这次追加还是走我们签。我手机 133 1298 7740。\n"
        "曹经理 00:02:02\n预算在三万以内。合同抬头还是写东莞市启铭智能锁业有限公司，合同联系人写我，曹振宇。\n"
    )
    assert ex.account.value == "东莞市启铭智能锁业有限公司"
    assert "汪涛" not in {c.name for c in ex.contacts} and phones(ex) == set()


def test_a_sole_traders_name_in_quotes_or_as_an_answer_and_a_music_room_brand():
    quoted = extract(
        "拜访笔记 11/16\n- 见了晏老板。营业执照上的名字是“宜春市袁州区火候厨具门市部”，门头叫“火候集成灶”。\n"
    )
    assert quoted.account.value == "宜春市袁州区火候厨具门市部"
    answer = extract(
        "喂，黎老板您好，我是云帆科技的欧晨。\n您那边榴莲批发的客户现在是怎么管的？\n"
        "可以。开发票的抬头是？\n写南宁市金榴湾水果批发部。\n"
    )
    assert answer.account.value == "南宁市金榴湾水果批发部"
    room = extract(
        "[00:00:04] 蒋沐阳: 樊老师好，我是云帆科技的蒋沐阳。\n"
        "[00:00:12] 樊一舟: 坐坐。我们听风吉他教室开了五年了，现在学员两百来个。\n"
    )
    assert room.account.value == "听风吉他教室"


def test_a_providers_man_by_its_brand_after_a_city_and_a_dealers_number_not_to_take_down():
    ex = extract(
        "祁思远\n卓总好，我是云帆科技的祁思远。\n"
        "卓建华\n我们是江西赣绿生态修复股份有限公司。我们的IT是外包给赣州云桥信息技术的，骆工今天也在。\n"
        "骆工\n对，我是云桥的骆明辉，我电话 180 7977 3102。\n"
        "卓建华\n北京声悦琴行的采购电话010-6402 8815（经销商的，不用录）。我手机 139 7097 2861。\n"
    )
    assert "骆明辉" not in {c.name for c in ex.contacts}
    assert phones(ex) == {"13970972861"}


def test_a_call_centre_export_with_times_before_the_agent_and_customer_labels():
    ex = extract(
        "云帆科技 客服中心 · 通话录音转写\n通话时间：2027-11-16 15:10:26\n坐席：庄晓月（工号 1083）   被叫：0512-6651 0937\n"
        "[00:00:03] 坐席：您好，我是云番科技的庄晓月，请问是卜经理吗？\n"
        "[00:00:09] 客户：对，我是卜嘉怡。我们是苏州醒豆办公咖啡服务有限公司。\n"
        "[00:01:56] 客户：可以。合同发我邮箱 bu.jiayi@xingdou-coffee.cn。\n"
        "[00:02:20] 客户：行。我们设备主管俞鹏也会参加培训。我手机 150 6213 4478。\n"
        "[00:02:31] 坐席：好的卜经理，再见。\n"
    )
    assert ex.account.value == "苏州醒豆办公咖啡服务有限公司"
    mobile = next(c for c in ex.contacts if c.name == "卜嘉怡")
    assert "15062134478" in {p.replace("-", "") for p in (mobile.phone, *mobile.other_phones) if p}


def test_the_customers_own_branch_is_no_other_company():
    ex = extract(
        "参与人：林婧（云帆科技）、潘志强、饶晓雯\n智能摘要：华南分厂增购账号。\n\n"
        "林婧 00:01\n潘经理好，饶经理好。今天主要聊华南分厂增购的事。\n"
        "潘志强 00:10\n我是信息部经理潘志强。我们是淄博鲁罐金属包装股份有限公司。这位是华南分厂的销售经理饶晓雯。\n"
        "饶晓雯 00:22\n大家好。我座机0769-2281 4450转215。\n"
    )
    assert {"潘志强", "饶晓雯"} <= {c.name for c in ex.contacts}
    assert any(p.startswith("076922814450") for p in phones(ex))
