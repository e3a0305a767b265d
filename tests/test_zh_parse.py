"""Table-driven tests for bot.zh_parse. Reference dates are fixed; nothing reads the clock."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from bot.zh_parse import (
    DEFAULT_QUANTITY_UNITS,
    add_workdays,
    calendar_covers,
    cn_number,
    discount_detail,
    find_dates,
    find_emails,
    find_money,
    find_phones,
    find_quantities,
    is_workday,
    next_workday,
    parse_discount,
    resolve_date,
    workdays_between,
)

WED = date(2026, 11, 18)  # a Wednesday
MON = date(2026, 11, 16)
SUN = date(2026, 11, 22)


# --------------------------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    "text, expected",
    [
        ("五十万", 500000),
        ("十五万", 150000),
        ("一百二十", 120),
        ("一百二", 120),
        ("两千五", 2500),
        ("三万五", 35000),
        ("1.5万", 15000),
        ("一千二百万", 12000000),
        ("零点五", 0.5),
        ("三点五万", 35000),
        ("一百二十点五", 120.5),
        ("两百", 200),
        ("十", 10),
        ("廿", 20),
        ("廿五", 25),
        ("卅", 30),
        ("１２０", 120),
        ("3千", 3000),
        ("3千5", 3500),
        ("5k", 5000),
        ("5K", 5000),
        ("1.5k", 1500),
        ("5w", 50000),
        ("5W", 50000),
        ("1,200", 1200),
        ("1,200,000", 1200000),
        ("1万2000", 12000),
        ("1万2", 12000),
        ("一千零五", 1005),
        ("一万零五百", 10500),
        ("十万八千", 108000),
        ("百万", 1000000),
        ("一亿两千万", 120000000),
        ("1.2亿", 120000000),
        ("二零二六", 2026),
        ("零", 0),
        ("五", 5),
        ("壹佰贰拾", 120),
        ("  48.6 ", 48.6),
    ],
)
def test_cn_number(text, expected):
    value = cn_number(text)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    "text", ["", "万", "十十", "一千百", "abc", "五十个", "1,20", "一万万", "点五", "三五百", None, "五3"]
)
def test_cn_number_rejects(text):
    assert cn_number(text) is None


# ----------------------------------------------------------------------------------------------- money


@pytest.mark.parametrize(
    "text, value, evidence",
    [
        ("预算大概五十万", 500000, "五十万"),
        ("50万", 500000, "50万"),
        ("五十个W", 500000, "五十个W"),
        ("报价 48.6 万元", 486000, "48.6 万元"),
        ("一百二十万左右", 1200000, "一百二十万"),
        ("30w", 300000, "30w"),
        ("对方说30W能接受", 300000, "30W"),
        ("人民币30万元", 300000, "人民币30万元"),
        ("三百块一个账号", 300, "三百块"),
        ("合同金额 ¥3000", 3000, "¥3000"),
        ("一共 1,200 元", 1200, "1,200 元"),
        ("预算是 486000", 486000, "486000"),
        ("五十多万", 500000, "五十多万"),
        ("十来万", 100000, "十来万"),
        ("5k", 5000, "5k"),
        ("１２０万", 1200000, "１２０万"),
        ("两千五百块钱", 2500, "两千五百块钱"),
        ("3000RMB", 3000, "3000RMB"),
        ("2026年预算50万", 500000, "50万"),
        # "差不多" is "about", not the 多 of "五十多万": the number starts at the first numeral
        ("差不多五十万", 500000, "五十万"),
        ("差不多一百万", 1000000, "一百万"),
        ("预算差不多 80万", 800000, "80万"),
        ("最多五十万", 500000, "五十万"),
        ("十几万", 100000, "十几万"),
        ("三十几万", 300000, "三十几万"),
        # a number after an edition name is a price; 版本/V still mark versions (see the traps)
        ("标准版 99 元", 99, "99 元"),
        ("旗舰版 299 元/账号/月", 299, "299 元"),
        ("专业版199元/人/年", 199, "199元"),
        ("企业版：3999元", 3999, "3999元"),
        ("旗舰版5万一年", 50000, "5万"),
        ("Pro299元/年", 299, "299元"),
        ("Pro版 299元", 299, "299元"),
        ("价格 1,299 元", 1299, "1,299 元"),
    ],
)
def test_find_money_single(text, value, evidence):
    found = find_money(text)
    assert [f.value for f in found] == [value]
    assert found[0].text == evidence
    assert text[found[0].span[0] : found[0].span[1]] == evidence
    assert found[0].unit == "CNY"


@pytest.mark.parametrize(
    "text",
    [
        "他电话13800138000",
        "手机 138-0013-8000",
        "2026年",
        "2026年11月30号见面",
        "增长20%",
        "百分之二十",
        "版本3.5",
        "版本3.5万",
        "300万用户",
        "50万人",
        "一百二十个账号",
        "10:30开会",
        "三年",
        "几十万",
        "统一报价",
        "下午3点",
        "两块屏幕",
        "元旦前",
        "8折",
        "第3万",
        "支持5k并发",
        "10k QPS",
        "V2",
        "V 2",
        "v3.5",
        "版本 3.5",
        "版本3",
        "A50万",
        "A五十万",
        "iPhone15",
        "Web3元宇宙",
        "标准版手机13800138000",
        "旗舰版2026年上线",
        "专业版11月30号上线",
        "企业版增长20%",
        # a mid-number restart used to read these as "十万"
        "第三十万",
        "多五十万",
        "比上次多5万",
        "预算三百几十万",
    ],
)
def test_find_money_rejects_traps(text):
    assert find_money(text) == []


@pytest.mark.parametrize(
    "text, per_unit",
    [
        ("三百块一个账号", True),
        ("300元/人/年", True),
        ("单价300元", True),
        ("每个账号三百块", True),
        ("50万一年", True),
        ("一套一年三千八", True),
        ("一个账号300", True),
        ("总价50万", False),
        ("预算50万，200个账号", False),
        ("旗舰版 299 元/账号/月", True),
        ("专业版199元/人/年", True),
        ("标准版 99 元", False),
    ],
)
def test_money_per_unit_flag(text, per_unit):
    found = find_money(text)
    assert found and found[0].per_unit is per_unit


@pytest.mark.parametrize(
    "text, approximate",
    [
        ("预算大概五十万", True),
        ("一百二十万左右", True),
        ("五十多万", True),
        ("约30万", True),
        ("报价50万", False),
        ("差不多五十万", True),
        ("差不多一百万", True),
        ("十几万", True),
        ("最多五十万", False),
        ("标准版 99 元", False),
    ],
)
def test_money_approximate_flag(text, approximate):
    assert find_money(text)[0].approximate is approximate


@pytest.mark.parametrize(
    "text, values",
    [
        ("30-50万", [300000, 500000]),
        ("三十到五十万", [300000, 500000]),
        ("预算50万，报价48.6万，单价三百块", [500000, 486000, 300]),
        ("他电话13800138000，预算20万", [200000]),
    ],
)
def test_find_money_multiple(text, values):
    assert [f.value for f in find_money(text)] == values


# ------------------------------------------------------------------------------------------ quantities


@pytest.mark.parametrize(
    "text, value, unit, evidence",
    [
        ("一百二十个账号", 120, "账号", "一百二十个账号"),
        ("先开200 个用户", 200, "用户", "200 个用户"),
        ("五十套", 50, "套", "五十套"),
        ("团队300人", 300, "人", "300人"),
        ("80个license", 80, "license", "80个license"),
        ("80个 License", 80, "license", "80个 License"),
        ("２０个帐号", 20, "账号", "２０个帐号"),
        ("两百多个席位", 200, "席位", "两百多个席位"),
        ("1.5万个用户", 15000, "用户", "1.5万个用户"),
        ("300个人", 300, "人", "300个人"),
        ("差不多八十个账号", 80, "账号", "八十个账号"),
        ("差不多80个账号", 80, "账号", "80个账号"),
        ("大概八十多个账号", 80, "账号", "八十多个账号"),
        ("十几个账号", 10, "账号", "十几个账号"),
        ("最多五十个用户", 50, "用户", "五十个用户"),
        ("Pro版 80个账号", 80, "账号", "80个账号"),
    ],
)
def test_find_quantities(text, value, unit, evidence):
    found = find_quantities(text)
    assert [(f.value, f.unit, f.text) for f in found] == [(value, unit, evidence)]


@pytest.mark.parametrize(
    "text",
    ["300人民币", "三百块一个账号", "50万一套", "30人天的实施", "人均300", "他电话13800138000", "2026年", "20%的用户"],
)
def test_find_quantities_traps(text):
    assert find_quantities(text) == []


@pytest.mark.parametrize(
    "text, approximate",
    [
        ("差不多八十个账号", True),
        ("大概八十多个账号", True),
        ("大约有200个用户", True),
        ("80个账号左右", True),
        ("十几个账号", True),
        ("八十个账号", False),
        ("约了五个客户，要八十个账号", False),
        ("最多五十个用户", False),
    ],
)
def test_quantity_approximate_flag(text, approximate):
    found = find_quantities(text)
    assert len(found) == 1 and found[0].approximate is approximate


@pytest.mark.parametrize(
    "text", ["第三十个账号", "多五十个账号", "比上次多3个账号", "三百几十个账号", "A50个账号", "几个账号"]
)
def test_find_quantities_does_not_restart_mid_number(text):
    assert find_quantities(text) == []


def test_find_quantities_custom_units():
    text = "要20台服务器和五十个账号"
    assert [(f.value, f.unit) for f in find_quantities(text, units=["台服务器"])] == [(20, "台服务器")]
    assert [(f.value, f.unit) for f in find_quantities(text)] == [(50, "账号")]
    assert find_quantities(text, units=[]) == []
    assert "账号" in DEFAULT_QUANTITY_UNITS


def test_quantity_and_price_in_one_sentence():
    text = "客户要一百二十个账号，三百块一个账号，总价大概三万六"
    assert [(f.value, f.unit) for f in find_quantities(text)] == [(120, "账号")]
    money = find_money(text)
    assert [(m.value, m.per_unit) for m in money] == [(300, True), (36000, False)]


# ------------------------------------------------------------------------------------------- discounts


@pytest.mark.parametrize(
    "text, expected",
    [
        ("8折", 0.8),
        ("八折", 0.8),
        ("申请8折", 0.8),
        ("八五折", 0.85),
        ("85折", 0.85),
        ("8.5折", 0.85),
        ("打个九折", 0.9),
        ("九五折", 0.95),
        ("七五折", 0.75),
        ("一折", 0.1),
        ("20% off", 0.8),
        ("20%OFF", 0.8),
        ("优惠20%", 0.8),
        ("降价20%", 0.8),
        ("能不能便宜15%", 0.85),
        ("给个10%的优惠", 0.9),
        ("优惠百分之二十", 0.8),
        ("半价", 0.5),
        ("８折", 0.8),
    ],
)
def test_parse_discount(text, expected):
    assert parse_discount(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    "text, error",
    [
        ("0折", "zero"),
        ("零折", "zero"),
        ("十二折", "out_of_range"),
        ("十折", "no_discount"),
        ("10折", "no_discount"),
        ("80折", "out_of_range"),
        ("120% off", "percent_out_of_range"),
        ("优惠0%", "zero"),
        ("客户嫌贵", "not_found"),
        ("折叠屏", "not_found"),
        ("打折", "not_found"),
    ],
)
def test_discount_rejections_carry_a_reason(text, error):
    detail = discount_detail(text)
    assert parse_discount(text) is None
    assert detail.fraction is None
    assert detail.error == error
    assert detail.message  # a Chinese sentence for the rep


def test_discount_prefers_first_valid_and_reports_span():
    detail = discount_detail("先报十二折……不对，是85折")
    assert detail.fraction == pytest.approx(0.85)
    assert detail.text == "85折"
    assert "先报十二折……不对，是85折"[slice(*detail.span)] == "85折"


# ----------------------------------------------------------------------------------------------- dates


def _dates(text, ref=WED):
    return [f.date for f in find_dates(text, ref)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("今天", date(2026, 11, 18)),
        ("今儿", date(2026, 11, 18)),
        ("明天", date(2026, 11, 19)),
        ("明儿", date(2026, 11, 19)),
        ("后天", date(2026, 11, 20)),
        ("大后天", date(2026, 11, 21)),
        ("昨天", date(2026, 11, 17)),
        ("前天", date(2026, 11, 16)),
        ("大前天", date(2026, 11, 15)),
        # weekdays
        ("周五前发", date(2026, 11, 20)),
        ("周一", date(2026, 11, 23)),  # said on a Wednesday: the coming Monday
        ("这周一", date(2026, 11, 16)),  # this week's Monday, in the past
        ("本周五", date(2026, 11, 20)),
        ("星期三", date(2026, 11, 18)),  # today is Wednesday
        ("礼拜天", date(2026, 11, 22)),
        ("周日", date(2026, 11, 22)),
        ("周末", date(2026, 11, 21)),
        ("这个周末", date(2026, 11, 21)),
        ("下周三前要发报价", date(2026, 11, 25)),
        ("下个礼拜二", date(2026, 11, 24)),
        ("下下周二", date(2026, 12, 1)),
        ("上周五", date(2026, 11, 13)),
        ("下周", date(2026, 11, 23)),
        ("下下周", date(2026, 11, 30)),
        ("上周", date(2026, 11, 9)),
        ("周5", date(2026, 11, 20)),
        # day of month
        ("十一月三十号", date(2026, 11, 30)),
        ("11月30日", date(2026, 11, 30)),
        ("20号", date(2026, 11, 20)),
        ("二十号", date(2026, 11, 20)),
        ("10号", date(2026, 12, 10)),  # already passed this month
        ("上次10号去过", date(2026, 11, 10)),
        ("下个月十号", date(2026, 12, 10)),
        ("下月10号", date(2026, 12, 10)),
        ("廿五号", date(2026, 11, 25)),
        # month parts
        ("月底", date(2026, 11, 30)),
        ("本月底", date(2026, 11, 30)),
        ("下个月底", date(2026, 12, 31)),
        ("月初", date(2026, 12, 1)),
        ("下月初", date(2026, 12, 1)),
        ("本月初", date(2026, 11, 1)),
        ("12月中旬", date(2026, 12, 15)),
        ("11月下旬", date(2026, 11, 25)),
        ("2月底", date(2027, 2, 28)),
        ("年底", date(2026, 12, 31)),
        ("年前", date(2026, 12, 31)),
        ("明年年底", date(2027, 12, 31)),
        ("明年初", date(2027, 1, 1)),
        ("2027年底", date(2027, 12, 31)),
        # durations
        ("三天后", date(2026, 11, 21)),
        ("3天之后", date(2026, 11, 21)),
        ("5天内", date(2026, 11, 23)),
        ("两周后", date(2026, 12, 2)),
        ("两周内", date(2026, 12, 2)),
        ("半个月后", date(2026, 12, 3)),
        ("一个月后", date(2026, 12, 18)),
        ("一个半月后", date(2027, 1, 2)),
        ("过两天", date(2026, 11, 20)),
        ("过几天", date(2026, 11, 21)),
        ("三天前", date(2026, 11, 15)),
        ("三年前", date(2023, 11, 18)),  # not the year-end reading of 年前
        ("三个工作日内", date(2026, 11, 23)),
        # numeric forms
        ("2026-11-30", date(2026, 11, 30)),
        ("2026/11/30", date(2026, 11, 30)),
        ("2026.11.30", date(2026, 11, 30)),
        ("２０２６年１１月３０日", date(2026, 11, 30)),
        ("二〇二六年十一月三十日", date(2026, 11, 30)),
        ("11/30", date(2026, 11, 30)),
        ("11.30", date(2026, 11, 30)),
        ("11.30前", date(2026, 11, 30)),
        ("明年3月5号", date(2027, 3, 5)),
        ("1月5号", date(2027, 1, 5)),  # closest occurrence: next January
        ("11月3号", date(2026, 11, 3)),  # closest occurrence: a fortnight ago
        ("预计十一月签", date(2026, 11, 1)),
        ("3月份", date(2027, 3, 1)),
    ],
)
def test_find_dates_single(text, expected):
    assert _dates(text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "版本3.5",
        "价格11.30万",
        "增长3.5%",
        "3号楼",
        "地铁1号线",
        "每周一次",
        "两周一次",
        "统一月报",
        "便宜一点",
        "有两点建议",
        "有3点建议",
        "第2点是价格",
        "说3点原因",
        "快一点",
        "2026年",
        "他电话13800138000",
        "周期很长",
        "周边产品",
        "后天气",
        "v1.2",
        "漕溪北路28号",
        "2号会议室",
        "11.30万",
        "约11.30见",
    ],
)
def test_find_dates_traps(text):
    assert find_dates(text, WED) == [], text


@pytest.mark.parametrize(
    "text, kind",
    [
        ("明天", "relative"),
        ("周五", "weekday"),
        ("下周", "week"),
        ("下个月", "month"),
        ("11月30号", "absolute"),
        ("月底", "period"),
        ("三天后", "duration"),
        ("三天内", "within"),
        ("下午3点", "time"),
    ],
)
def test_date_kinds(text, kind):
    assert [f.kind for f in find_dates(text, WED)] == [kind]


@pytest.mark.parametrize(
    "text, expected_date, expected_time",
    [
        ("上午十点", WED, time(10, 0)),
        ("下午3点", WED, time(15, 0)),
        ("下午三点半", WED, time(15, 30)),
        ("晚上8点", WED, time(20, 0)),
        ("10:30", WED, time(10, 30)),
        ("１０：３０", WED, time(10, 30)),
        ("中午", WED, time(12, 0)),
        ("中午1点", WED, time(13, 0)),
        ("中午12点半", WED, time(12, 30)),
        ("早上八点一刻", WED, time(8, 15)),
        ("3点开会", WED, time(15, 0)),  # business hours
        ("9点到公司", WED, time(9, 0)),
        ("明天下午三点", date(2026, 11, 19), time(15, 0)),
        ("明天三点", date(2026, 11, 19), time(15, 0)),
        ("今晚8点", WED, time(20, 0)),
        ("明早9点", date(2026, 11, 19), time(9, 0)),
        ("周五下午3点前", date(2026, 11, 20), time(15, 0)),
        ("下周三上午10:30", date(2026, 11, 25), time(10, 30)),
        ("11月30号的下午两点", date(2026, 11, 30), time(14, 0)),
        ("晚上12点", date(2026, 11, 19), time(0, 0)),
        ("凌晨3点", WED, time(3, 0)),
    ],
)
def test_find_dates_with_time(text, expected_date, expected_time):
    found = find_dates(text, WED)
    assert len(found) == 1
    assert (found[0].date, found[0].time) == (expected_date, expected_time)
    assert found[0].as_datetime() == datetime.combine(expected_date, expected_time)


def test_date_without_time_has_no_datetime():
    [found] = find_dates("明天下午", WED)
    assert found.time is None and found.as_datetime() is None
    assert found.text == "明天下午"


@pytest.mark.parametrize(
    "text, evidence, deadline",
    [
        ("周五前发报价", "周五前", True),
        ("下周三前要发报价", "下周三前", True),
        ("11月30号之前签", "11月30号之前", True),
        ("三天内回复", "三天内", True),
        ("本周内", "本周内", True),
        ("周五见", "周五", False),
        ("11月30号前后", "11月30号前后", False),
    ],
)
def test_deadline_flag_and_evidence(text, evidence, deadline):
    [found] = find_dates(text, WED)
    assert found.text == evidence
    assert text[found.span[0] : found.span[1]] == evidence
    assert found.deadline is deadline


@pytest.mark.parametrize(
    "text, ref, expected",
    [
        # bare weekday: next occurrence, unless the clause is about the past
        ("周一", WED, date(2026, 11, 23)),
        ("周一拜访了李总", WED, date(2026, 11, 16)),
        ("上次周一见的面", WED, date(2026, 11, 16)),
        ("周一要去拜访", WED, date(2026, 11, 23)),
        ("周五前把报价发了", WED, date(2026, 11, 20)),
        ("周三", MON, date(2026, 11, 18)),
        ("周一", SUN, date(2026, 11, 23)),
        ("周日", MON, date(2026, 11, 22)),
        ("这周一", WED, date(2026, 11, 16)),
        # bare day of month
        ("15号", WED, date(2026, 12, 15)),
        ("15号拜访了客户", WED, date(2026, 11, 15)),
        ("31号", date(2026, 11, 5), date(2026, 12, 31)),  # November has no 31st
        # month-day near the year boundary
        ("1月5号", date(2026, 12, 20), date(2027, 1, 5)),
        ("12月28号", date(2027, 1, 5), date(2026, 12, 28)),
        ("3月1号前交付", WED, date(2027, 3, 1)),
        # month start said late in the month, and on the first
        ("月初", date(2026, 11, 1), date(2026, 11, 1)),
        ("月中", date(2026, 11, 3), date(2026, 11, 15)),
        ("年初", WED, date(2027, 1, 1)),
        ("年底", date(2026, 1, 2), date(2026, 12, 31)),
        ("月底", date(2026, 2, 3), date(2026, 2, 28)),
        ("下个月底", date(2026, 1, 31), date(2026, 2, 28)),
        ("一个月后", date(2026, 1, 31), date(2026, 2, 28)),
    ],
)
def test_ambiguous_date_rules(text, ref, expected):
    assert _dates(text, ref) == [expected]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("下周一到周五", [date(2026, 11, 23), date(2026, 11, 27)]),
        ("下周二或者周三", [date(2026, 11, 24), date(2026, 11, 25)]),
        ("上周四和周五", [date(2026, 11, 12), date(2026, 11, 13)]),
        ("周五到下周二", [date(2026, 11, 20), date(2026, 11, 24)]),
        ("周一到周三拜访了三家客户", [date(2026, 11, 16), date(2026, 11, 18)]),
    ],
)
def test_weekday_ranges_share_the_week(text, expected):
    assert _dates(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("明天上午10点到11点", [(date(2026, 11, 19), time(10, 0)), (date(2026, 11, 19), time(11, 0))]),
        ("下午2点到4点", [(WED, time(14, 0)), (WED, time(16, 0))]),
        ("明天三点到四点", [(date(2026, 11, 19), time(15, 0)), (date(2026, 11, 19), time(16, 0))]),
        ("三点到四点", []),  # bare Chinese hours with nothing to anchor them
    ],
)
def test_time_ranges_share_the_day(text, expected):
    assert [(f.date, f.time) for f in find_dates(text, WED)] == expected


def test_two_digit_year():
    assert _dates("26年3月5号") == [date(2026, 3, 5)]
    assert _dates("27年底") == [date(2027, 12, 31)]


def test_workday_durations_skip_holidays():
    # National Day 2026: Oct 1-7 off; the 3rd working day after Sep 30 is Oct 10 (a make-up Saturday).
    assert _dates("三个工作日后", date(2026, 9, 30)) == [date(2026, 10, 10)]


def test_several_dates_in_one_sentence_keep_order_and_spans():
    text = "昨天拜访了华东机械李总，下周三前要发报价，11月30号签约，月底回款"
    found = find_dates(text, WED)
    assert [f.date for f in found] == [date(2026, 11, 17), date(2026, 11, 25), date(2026, 11, 30), date(2026, 11, 30)]
    assert [f.text for f in found] == ["昨天", "下周三前", "11月30号", "月底"]
    for f in found:
        assert text[f.span[0] : f.span[1]] == f.text


def test_find_dates_accepts_datetime_ref():
    assert _dates("明天", datetime(2026, 11, 18, 23, 30)) == [date(2026, 11, 19)]


@pytest.mark.parametrize(
    "phrase, expected",
    [
        ("2026-11-30", date(2026, 11, 30)),
        ("2026/11/30", date(2026, 11, 30)),
        ("2026-11-30T15:00:00+08:00", date(2026, 11, 30)),
        ("2026年11月30日", date(2026, 11, 30)),
        (" 下周三 ", date(2026, 11, 25)),
        ("明天下午3点", date(2026, 11, 19)),
        ("月底", date(2026, 11, 30)),
        ("三天后", date(2026, 11, 21)),
        ("２０２６－１１－３０", date(2026, 11, 30)),
        ("2026-02-30", None),
        ("尽快", None),
        ("", None),
        (None, None),
    ],
)
def test_resolve_date(phrase, expected):
    assert resolve_date(phrase, WED) == expected


# -------------------------------------------------------------------------------------------- contacts


@pytest.mark.parametrize(
    "text, value, kind, evidence",
    [
        ("电话13800138000", "13800138000", "mobile", "13800138000"),
        ("电话 138 0013 8000 李总", "13800138000", "mobile", "138 0013 8000"),
        ("138-0013-8000", "13800138000", "mobile", "138-0013-8000"),
        ("+86 13800138000", "13800138000", "mobile", "+86 13800138000"),
        ("+86-138-0013-8000", "13800138000", "mobile", "+86-138-0013-8000"),
        ("8613800138000", "13800138000", "mobile", "8613800138000"),
        ("１３８００１３８０００", "13800138000", "mobile", "１３８００１３８０００"),
        ("座机021-12345678", "021-12345678", "landline", "021-12345678"),
        ("0571-8888888", "0571-8888888", "landline", "0571-8888888"),
        ("(010)87654321转8001", "010-87654321-8001", "landline", "(010)87654321转8001"),
        ("他手机幺三八零零幺三八零零零", "13800138000", "mobile", "幺三八零零幺三八零零零"),
        ("一三九 一二三四 五六七八", "13912345678", "mobile", "一三九 一二三四 五六七八"),
    ],
)
def test_find_phones(text, value, kind, evidence):
    found = find_phones(text)
    assert [(c.value, c.kind, c.text) for c in found] == [(value, kind, evidence)]
    assert text[found[0].span[0] : found[0].span[1]] == evidence


@pytest.mark.parametrize(
    "text",
    ["预算50万", "12345678901", "1380013800", "138001380001", "2026-11-30", "订单号 2013800138000", "一二三"],
)
def test_find_phones_traps(text):
    assert find_phones(text) == []


@pytest.mark.parametrize(
    "text, values",
    [
        ("邮箱 Li.Ming@Example.COM。", ["Li.Ming@example.com"]),
        ("发到 a_b+sales@corp.example.cn，抄送 boss@x.com", ["a_b+sales@corp.example.cn", "boss@x.com"]),
        ("ｌｉ＠ｅｘａｍｐｌｅ．ｃｏｍ", ["li@example.com"]),
        ("不是邮箱 @someone 或 a@b", []),
    ],
)
def test_find_emails(text, values):
    found = find_emails(text)
    assert [c.value for c in found] == values
    for c in found:
        assert c.kind == "email" and text[c.span[0] : c.span[1]] == c.text


# ------------------------------------------------------------------------------------------- work days


@pytest.mark.parametrize(
    "day, expected",
    [
        (date(2026, 2, 13), True),  # Friday before the Spring Festival
        (date(2026, 2, 14), True),  # 调休: a working Saturday
        (date(2026, 2, 16), False),  # Spring Festival holiday, a Monday
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),  # 调休 Saturday
        (date(2026, 10, 1), False),  # National Day
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # 调休 Saturday
        (date(2025, 10, 8), False),  # 2025 National Day ran to Oct 8
        (date(2025, 10, 11), True),
        (date(2026, 11, 18), True),
        (date(2026, 11, 21), False),
    ],
)
def test_is_workday_honours_chinese_holidays(day, expected):
    assert is_workday(day) is expected


def test_unknown_years_fall_back_to_monday_to_friday():
    assert not calendar_covers(2099)
    assert is_workday(date(2099, 1, 1)) is True  # a Thursday, holiday unknown
    assert is_workday(date(2099, 1, 3)) is False  # Saturday
    assert add_workdays(date(2099, 1, 2), 1) == date(2099, 1, 5)
    assert calendar_covers(2026)


@pytest.mark.parametrize(
    "start, n, expected",
    [
        (date(2026, 11, 18), 0, date(2026, 11, 18)),
        (date(2026, 11, 18), 1, date(2026, 11, 19)),
        (date(2026, 11, 20), 1, date(2026, 11, 23)),  # Friday -> Monday
        (date(2026, 11, 23), -1, date(2026, 11, 20)),
        (date(2026, 9, 30), 1, date(2026, 10, 8)),  # over National Day
        (date(2026, 9, 30), 2, date(2026, 10, 9)),
        (date(2026, 9, 30), 3, date(2026, 10, 10)),  # the make-up Saturday counts
        (date(2026, 2, 13), 1, date(2026, 2, 14)),
        (date(2026, 2, 14), 1, date(2026, 2, 24)),
        (date(2026, 12, 31), 1, date(2027, 1, 1)),  # 2027 unknown: plain Friday
    ],
)
def test_add_workdays(start, n, expected):
    assert add_workdays(start, n) == expected


@pytest.mark.parametrize(
    "a, b, expected",
    [
        (date(2026, 11, 16), date(2026, 11, 20), 4),
        (date(2026, 11, 20), date(2026, 11, 23), 1),
        (date(2026, 11, 20), date(2026, 11, 20), 0),
        (date(2026, 11, 23), date(2026, 11, 20), -1),
        (date(2026, 9, 30), date(2026, 10, 10), 3),
    ],
)
def test_workdays_between(a, b, expected):
    assert workdays_between(a, b) == expected


def test_add_workdays_and_workdays_between_agree():
    start = date(2026, 1, 1)
    for n in range(1, 60, 7):
        end = add_workdays(start, n)
        assert is_workday(end)
        assert workdays_between(start, end) == n


def test_next_workday():
    assert next_workday(date(2026, 10, 1)) == date(2026, 10, 8)
    assert next_workday(date(2026, 11, 18)) == date(2026, 11, 18)
    assert next_workday(datetime(2026, 11, 21, 9, 0)) == date(2026, 11, 23)


@pytest.mark.parametrize(
    "text, values",
    [
        ("我们在千岛湖养鱼", []),  # a place
        ("千万别忘了发合同", []),  # "by all means"
        ("预算千把块", [1000]),
        ("千多块", [1000]),
        ("一千", [1000]),
    ],
)
def test_a_bare_thousand_is_money_only_when_it_is_said_as_money(text, values):
    assert [f.value for f in find_money(text)] == values


@pytest.mark.parametrize(
    "text, value",
    [
        ("我办公室电话零五五一 六三八二 九九零七，有事打这个。", "0551-63829907"),
        ("座机洞二幺 五八九二 三三六六", "021-58923366"),
    ],
)
def test_a_landline_read_out_in_chinese_digits(text, value):
    assert [c.value for c in find_phones(text)] == [value]


def test_a_price_with_zeros_read_out_is_no_landline():
    assert find_phones("价格是三千零五十，一共二千零五") == []
