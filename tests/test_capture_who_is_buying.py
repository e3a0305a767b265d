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
