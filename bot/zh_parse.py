"""Deterministic parsers for the Chinese that sales reps type or speak.

Shared by visit logging, task creation, transcript-to-CRM extraction and the scheduler. Everything here
is a pure function: no I/O, no clock (callers pass the reference date), no model. Finders return the span
and the matched text of the *original* string so callers can quote the evidence.

Text is first mapped to half-width with a length-preserving table, so spans found on the normalized text
are valid on the original.

Ambiguity rules (the ones callers rely on; tests pin each of them):
- Weeks start on Monday. "这周一/本周一" is this week's Monday even when it is past; "下周三" is next
  week's; "下周" alone is next Monday.
- A bare weekday ("周一", "周五前发") means the next occurrence on or after the reference date (said on a
  Wednesday, "周一" is the coming Monday), unless the clause reads as past ("上次周一…", "周一拜访了李总"):
  then the latest occurrence on or before the reference date.
- A bare day of month ("20号") is this month's, or next month's when it has already passed; in a past
  context it is the latest one on or before the reference date.
- A month and day without a year ("11月30号") is the occurrence closest to the reference date (so "1月5号"
  said on Dec 20 is next January, "11月3号" said on Nov 20 is this year's); past context forces the
  latest one on or before the reference date.
- "月底" is the last day of the month. A bare "月初"/"月中" (the 1st/15th) is this month's while it is
  still ahead, else next month's (this month's in a past context); "年初" likewise. "上旬/中旬/下旬" are
  the 5th/15th/25th; 初/中/旬 are approximate. "年底/年末/年前" is Dec 31 (年前 as a deadline).
- Ranges share context: in "下周一到周五" and "下周二或者周三" the second weekday is in the first one's
  week; in "明天上午10点到11点" the second time is on the first one's day and half of the day.
- "26年3月5号": a two-digit year before 年 is 20xx.
- "N天内" means due by ref+N (kind "within", deadline=True); "N个工作日内/后" counts Chinese working days.
- "过两天" is ref+2, "过几天"/"几天后" ref+3; both approximate.
- A time without a day part: hours 1-6 are read as afternoon (business hours: "3点开会" is 15:00).
  A bare Chinese numeral with 点 ("两点", "一点") is only a time next to a date or with 钟/半/分/刻/整,
  because "便宜一点" and "有两点建议" are not times.
- A date followed by 前/之前/以内/为止 gets deadline=True; the suffix is part of the span.
- Money is in CNY yuan. A number is money when it carries a currency (元/块/人民币/RMB/¥) or a magnitude
  (万/亿/w), or directly follows a price word (预算/报价/价格/每个账号…); never when followed by a counting
  unit (个/人/年/月/%/…), and never inside a phone number. A bare "k" is money only after a price word
  or at a clause end ("5k并发" is a count). "30-50万" yields two amounts, the low end borrowing 万.
- A number right after 版本 or V is a version ("版本3.5", "V2"); after an edition name it is a price when
  it reads as money ("标准版 99 元"); glued to other letters it is a name ("A50万") unless a currency
  follows ("Pro299元").
- "五十多万", "十几万", "十来万" are approximate lower bounds (500000, 100000); "几十万" is too vague and
  "比上次多5万" is a difference, so neither is an amount; "差不多五十万" (about) and "最多五十万" (at
  most) are. Quantities follow the same rules ("差不多八十个账号" is 80, approximate).
- Discounts: "XY折" reads as X.Y折 ("85折" = 0.85); "十二折", "0折", "10折", "80折" and percentages
  outside (0, 100) are rejected with a reason.
"""
from __future__ import annotations

import bisect
import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Iterable

import chinese_calendar

__all__ = [
    "Found",
    "DateFound",
    "Contact",
    "DiscountResult",
    "normalize",
    "cn_number",
    "find_money",
    "find_quantities",
    "DEFAULT_QUANTITY_UNITS",
    "parse_discount",
    "discount_detail",
    "find_dates",
    "resolve_date",
    "find_phones",
    "find_emails",
    "is_workday",
    "next_workday",
    "add_workdays",
    "workdays_between",
    "calendar_covers",
]


# --------------------------------------------------------------------------------------------- shapes


@dataclass(frozen=True, slots=True)
class Found:
    """A number found in text. `value` is CNY yuan for money, a count for quantities."""

    value: int | float
    span: tuple[int, int]
    text: str
    unit: str = ""  # "CNY" for money; canonical unit for quantities ("账号", "用户", "license", …)
    per_unit: bool = False  # money quoted per seat/account/year ("三百块一个账号", "单价300")
    approximate: bool = False  # "大概", "左右", "五十多万"


@dataclass(frozen=True, slots=True)
class DateFound:
    date: date
    span: tuple[int, int]
    text: str
    kind: str  # relative | weekday | week | month | absolute | period | duration | within | time
    time: time | None = None
    deadline: bool = False  # "周五前", "三天内": a due-by limit rather than an appointment
    approximate: bool = False  # "过两天", "月初", "10号左右"

    def as_datetime(self, tzinfo=None) -> datetime | None:
        if self.time is None:
            return None
        return datetime.combine(self.date, self.time, tzinfo=tzinfo)


@dataclass(frozen=True, slots=True)
class Contact:
    value: str  # normalized: "13800138000", "021-12345678", "li@example.com"
    kind: str  # mobile | landline | email
    span: tuple[int, int]
    text: str


@dataclass(frozen=True, slots=True)
class DiscountResult:
    fraction: float | None  # share of the list price the customer pays (8折 -> 0.8)
    span: tuple[int, int] | None
    text: str
    error: str | None = None  # not_found | zero | no_discount | out_of_range
    message: str | None = None  # short Chinese explanation for the rep


# -------------------------------------------------------------------------------------- normalization

_HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)}  # ０-９
_HALFWIDTH.update({code: code - 0xFEE0 for code in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
_HALFWIDTH.update({code: code - 0xFEE0 for code in range(0xFF41, 0xFF5B)})  # ａ-ｚ
_HALFWIDTH.update({ord(c): ord(h) for c, h in zip("％：．／－＋＠～＿（）", "%:./-+@~_()")})
_HALFWIDTH[0x3000] = ord(" ")


def normalize(text: str) -> str:
    """Full-width digits, letters and a few symbols to ASCII; same length, so spans stay valid.

    The Chinese comma "，" is kept: turning it into "," would make "50万，200个" look like "1,200".
    """
    return text.translate(_HALFWIDTH)


# --------------------------------------------------------------------------------------------- numbers

_CN_DIGIT_VALUES = {
    "零": 0, "〇": 0, "一": 1, "壹": 1, "幺": 1, "二": 2, "贰": 2, "两": 2, "俩": 2, "三": 3, "叁": 3,
    "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9,
    "玖": 9,
}
_CN_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG_UNITS = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_LATIN_MULTIPLIERS = {"k": 1000, "w": 10**4}

_CN_DIG = "零〇一二两俩三四五六七八九壹贰叁肆伍陆柒捌玖"
_CN_ALL = _CN_DIG + "十拾百佰千仟廿卅万萬亿億"
_CN_LEAD = _CN_DIG + "十拾百佰千仟廿卅"
_TOKEN = re.compile(r"\d+(?:\.\d+)?|.", re.S)


def _as_python_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _parse_integer_part(text: str) -> Decimal | None:
    """Chinese/mixed numerals without a decimal point: "一千二百万", "两千五", "1万2000", "二零二六"."""
    tokens = _TOKEN.findall(text)
    if not tokens:
        return None
    if all(t in _CN_DIGIT_VALUES for t in tokens):  # read digit by digit: "二零二六", "八五"
        return Decimal("".join(str(_CN_DIGIT_VALUES[t]) for t in tokens))

    total = Decimal(0)  # finished 亿 groups
    wan = Decimal(0)  # finished 万 group inside the current 亿 group
    wan_used = False
    section = Decimal(0)  # below 万
    pending: Decimal | None = None
    pending_single_digit = False
    small_ceiling: int | None = None  # units inside a section must decrease: 千 > 百 > 十
    last_unit: int | None = None
    after_zero = False
    for tok in tokens:
        if tok[0].isdigit():
            if pending is not None:
                return None
            pending = Decimal(tok)
            pending_single_digit = len(tok) == 1
        elif tok in _CN_DIGIT_VALUES:
            if pending is not None:
                return None
            if _CN_DIGIT_VALUES[tok] == 0:
                after_zero = True
                continue
            pending = Decimal(_CN_DIGIT_VALUES[tok])
            pending_single_digit = True
        elif tok in _CN_SMALL_UNITS:
            unit = _CN_SMALL_UNITS[tok]
            if small_ceiling is not None and unit >= small_ceiling:
                return None
            if pending is None:
                # "十五", "百万", "一百十" are fine; "一千百" is not
                if unit != 10 and section != 0:
                    return None
                pending = Decimal(1)
            section += pending * unit
            pending, small_ceiling, last_unit, after_zero = None, unit, unit, False
        elif tok in _CN_BIG_UNITS:
            unit = _CN_BIG_UNITS[tok]
            if pending is not None:
                section += pending
            if section == 0:
                return None
            if unit == 10**4:
                if wan_used:
                    return None
                wan, wan_used = section * unit, True
            else:
                if total:
                    return None
                total, wan, wan_used = (wan + section) * unit, Decimal(0), False
            section, pending, small_ceiling, last_unit, after_zero = Decimal(0), None, None, unit, False
        else:
            return None
    if pending is not None:
        if last_unit and not after_zero and pending_single_digit:
            section += pending * last_unit / 10  # colloquial tail: "两千五" = 2500, "三万五" = 35000
        else:
            section += pending
    elif last_unit is None:
        return Decimal(0) if after_zero else None
    return total + wan + section


def _parse_number(text: str) -> Decimal | None:
    if not text:
        return None
    suffix = text[-1].lower()
    if suffix in _LATIN_MULTIPLIERS and len(text) > 1:
        base = _parse_number(text[:-1].rstrip())
        return None if base is None else base * _LATIN_MULTIPLIERS[suffix]
    if "," in text:
        if not re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", text):
            return None
        text = text.replace(",", "")
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return Decimal(text)
    if "点" in text:
        whole, _, rest = text.partition("点")
        m = re.fullmatch(rf"([{_CN_DIG}\d]+)([万萬亿億千仟百佰])?", rest)
        if not m or not whole:
            return None
        integer = _parse_integer_part(whole)
        if integer is None or integer != integer.to_integral_value():
            return None
        frac = "".join(str(_CN_DIGIT_VALUES.get(c, c)) for c in m.group(1))
        try:
            value = Decimal(f"{int(integer)}.{frac}")
        except InvalidOperation:
            return None
        if m.group(2):
            value *= _CN_BIG_UNITS.get(m.group(2)) or _CN_SMALL_UNITS[m.group(2)]
        return value
    return _parse_integer_part(text)


def cn_number(s: str) -> int | float | None:
    """The value of a whole string written as a number, or None.

    "五十万"→500000, "两千五"→2500, "1.5万"→15000, "零点五"→0.5, "１２０"→120, "5k"→5000, "5w"→50000,
    "1,200"→1200, "廿五"→25. Integral values come back as int.
    """
    if not isinstance(s, str):
        return None
    text = normalize(s).strip().replace("廿", "二十").replace("卅", "三十")
    value = _parse_number(text)
    return None if value is None else _as_python_number(value)


# Number-like runs inside free text. Arabic + Chinese units ("1.5万", "1万2000") first, because regex
# alternation takes the first branch that matches, not the longest.
_NUM_AR = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_NUM_MIX = rf"(?:{_NUM_AR})\s?[十百千万亿萬億](?:[{_CN_ALL}]|\d+(?:\.\d+)?)*"
_NUM_CN = rf"[{_CN_LEAD}][{_CN_ALL}]*(?:点[{_CN_DIG}]+[万萬亿億千]?)?"
_NUM = rf"(?:{_NUM_MIX}|{_NUM_AR}|{_NUM_CN})"
# A single trailing digit after a unit is a colloquial tail ("三万五"), except when a classifier follows:
# "50万一年" is 500000 per year, not 501000.
_CLASSIFIER_CHARS = "个位名套台份年月天次人件张家条周"


def _trim_counted_tail(num_text: str, next_char: str) -> str:
    if (
        len(num_text) >= 2
        and next_char
        and next_char in _CLASSIFIER_CHARS
        and (num_text[-1] in _CN_DIGIT_VALUES or num_text[-1].isdigit())
        and num_text[-2] in "十拾百佰千仟万萬亿億"
    ):
        return num_text[:-1]
    return num_text


def _value_of(num_text: str) -> int | float | None:
    return cn_number(num_text.replace(" ", ""))


# Where a number may start in free text. Not inside another number: after a digit, or a Chinese numeral
# right after a Chinese numeral (else a rejected start slides one character on, and "第三十万" reads as
# "十万"). Not after 几/数 ("几十万" is vague) or 第 (an ordinal). Not after a bare 多, which makes the
# number a difference ("比上次多5万"), except in 差不多 ("about") and 最多/至多/顶多 ("at most").
# Letters are handled by the callers: "V2" is a version, "Pro299元" a price.
_NUM_START = (
    rf"(?<![\d.几数第])(?:(?<!多)|(?<=差不多)|(?<=[最至顶]多))"
    rf"(?:(?=\d)|(?<![{_CN_ALL}]))"
)
# "十几万", "三十几个账号": a lower bound, like 多; "三百几十万" is too vague to read (几 before a unit)
_MORE = r"(?P<more>\s*(?:多|余|来|(?<=[十拾百佰千仟])几(?![十拾百佰千仟])))"
_APPROX_RIGHT_BEFORE = re.compile(r"(?:大概|大约|约|差不多|估计|预计|将近|接近|差不离)(?:是|有|在|要)?\s*$")


# ----------------------------------------------------------------------------------------------- money

_CLAUSE_BREAK = re.compile(r"[，。,;；！!？?\n]")
_CURRENCY_AFTER = r"元(?![旦素宵老宇])|块钱|块(?=$|[^\u4e00-\u9fff]|[每一左多的吧啊呢了])|人民币|RMB|CNY|圆"
_MONEY_RE = re.compile(
    rf"""
    {_NUM_START}
    (?P<pre>(?:人民币|RMB|CNY|¥|￥)\s*)?
    (?P<num>{_NUM})
    {_MORE}?
    (?:\s*(?P<ge>个)?\s*(?P<mag>[wk](?![a-z])|万|萬|亿|億|千))?
    (?P<cur>\s*(?:{_CURRENCY_AFTER}))?
    """,
    re.X | re.I,
)
_MAGNITUDE = {"w": 10**4, "k": 1000, "万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8, "千": 1000}
_PRICE_WORD_BEFORE = re.compile(
    r"(?:预算|报价|价格|总价|单价|金额|费用|合同额|合同金额|成交价|价钱|售价|标价|花了|多少钱|总共|一共|首付|尾款|回款"
    r"|(?:每|一)(?:个|位|名|套|台)?(?:账号|帐号|用户|席位|坐席|license|人|套|台|年|月)(?:一年|每年|一个月|每月)?)"
    r"(?:是|为|在|大概|大约|约|差不多|有|能到|控制在|要|收|\s|:)*$",
    re.I,
)
# "5k并发", "4k屏": k counts things as often as money, so a bare k needs a price word or a clause end
_K_MONEY_AFTER = re.compile(r"\s*(?:$|[，。,;；！!？?、)）的左多一每吧啊呢了/]|以内|以上|上下|出头)")
_NOT_MONEY_AFTER = re.compile(
    r"\s*(?:[个位名套台人次年月日天号周%倍岁点:平米件家条份张页字行户级秒几]|用户|账号|帐号|license|licen|席|小时|分钟|公里|公斤|kg|km)",
    re.I,
)
_APPROX_BEFORE = re.compile(r"大概|大约|约|差不多|估计|预计|将近|接近|上下|左右|差不离")
_APPROX_AFTER = re.compile(r"\s*(?:左右|上下|出头|以上|多)")
_PER_UNIT_AFTER = re.compile(
    r"\s*(?:/|每|一|1)\s*(?:个|位|名|套|台|份)?\s*(?:账号|帐号|用户|席位|坐席|license|人|套|台|年|月|点位|终端)",
    re.I,
)
_PER_UNIT_BEFORE = re.compile(
    r"单价|每|人均|均价|一(?:个|位|名|套|台)?(?:账号|帐号|用户|席位|坐席|license|人|套|台)", re.I
)
# "版本3.5", "V 2": a version number. An edition name ("标准版 99 元", "旗舰版5万一年") is not: there the
# number is a price whenever it reads as money on its own (currency, magnitude or a price word).
_VERSION_BEFORE = re.compile(r"(?:版本|[vV])\s*$")
_RANGE_JOIN = re.compile(r"\s*(?:到|至|-|~|—|–)\s*")


def _clause_before(text: str, start: int, limit: int = 12) -> str:
    window = text[max(0, start - limit):start]
    parts = _CLAUSE_BREAK.split(window)
    return parts[-1]


def _clause_after(text: str, end: int, limit: int = 16) -> str:
    window = text[end:end + limit]
    return _CLAUSE_BREAK.split(window)[0]


def _overlaps(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    """`spans` sorted and non-overlapping (phone spans): a bisect keeps long transcripts linear."""
    index = bisect.bisect_left(spans, (span[1],))
    return index > 0 and spans[index - 1][1] > span[0]


@dataclass
class _MoneyMatch:
    start: int
    end: int
    value: Decimal
    explicit: bool  # currency or magnitude present
    magnitude: int  # multiplier carried by the number (for "30-50万": the low end borrows it)
    approximate: bool


def find_money(text: str) -> list[Found]:
    """Amounts of money (CNY yuan) with their spans. Years, dates, phones and percentages are skipped."""
    norm = normalize(text)
    phones = [c.span for c in find_phones(text)]
    raw: list[_MoneyMatch | None] = []
    for m in _MONEY_RE.finditer(norm):
        raw.append(_money_match(norm, m, phones))

    found: list[Found] = []
    for i, mm in enumerate(raw):
        if mm is None:
            continue
        if not mm.explicit:
            # "30-50万", "三十到五十万": the low end borrows the high end's magnitude
            nxt = raw[i + 1] if i + 1 < len(raw) else None
            join = _RANGE_JOIN.match(norm, mm.end)
            if nxt and join and join.end() == nxt.start and nxt.explicit and nxt.magnitude > 1:
                mm.value *= nxt.magnitude
                if mm.value >= nxt.value:
                    continue
            elif not _PRICE_WORD_BEFORE.search(_clause_before(norm, mm.start)) or mm.value < 1:
                continue
        found.append(
            Found(
                value=_as_python_number(mm.value),
                span=(mm.start, mm.end),
                text=text[mm.start:mm.end],
                unit="CNY",
                per_unit=_is_per_unit(norm, mm.start, mm.end),
                approximate=mm.approximate,
            )
        )
    return found


def _money_match(norm: str, m: re.Match, phones) -> _MoneyMatch | None:
    start, end = m.start(), m.end()
    num_text = m.group("num")
    num_end = m.end("num")
    trimmed = _trim_counted_tail(num_text, norm[num_end:num_end + 1])
    if trimmed != num_text:
        num_text, end = trimmed, m.start("num") + len(trimmed)
        more = mag = cur = None
    else:
        more, mag, cur = m.group("more"), m.group("mag"), m.group("cur")
    pre = m.group("pre")
    if _overlaps((start, end), phones) or _VERSION_BEFORE.search(norm[max(0, start - 3):start]):
        return None
    if not pre and _after_letter(norm, start) and not cur:
        return None  # "A50万", "iPhone15": part of a name; "Pro299元" is a price
    base = _value_of(num_text)
    if base is None:
        return None
    value = Decimal(str(base))
    multiplier = _MAGNITUDE[mag.lower()] if mag else 1
    if m.group("ge") and mag and mag.lower() not in ("w", "万", "萬", "亿", "億"):
        return None
    value *= multiplier
    carried = multiplier
    for ch, factor in (("亿", 10**8), ("億", 10**8), ("万", 10**4), ("萬", 10**4)):
        if ch in num_text:
            carried = max(carried, factor)
            break
    has_currency = bool(pre or cur)
    explicit = has_currency or carried > 1 or (mag is not None)
    if not has_currency and _NOT_MONEY_AFTER.match(norm, end):
        return None
    if mag and mag.lower() == "k" and not has_currency and not _K_MONEY_AFTER.match(norm, end):
        if not _PRICE_WORD_BEFORE.search(_clause_before(norm, start)):
            return None
    approximate = bool(more) or bool(_APPROX_BEFORE.search(_clause_before(norm, start, 6)))
    approximate = approximate or bool(_APPROX_AFTER.match(norm, end))
    return _MoneyMatch(start, end, value, explicit, carried, approximate)


def _after_letter(norm: str, start: int) -> bool:
    return start > 0 and norm[start - 1].isascii() and norm[start - 1].isalpha()


def _is_per_unit(norm: str, start: int, end: int) -> bool:
    if _PER_UNIT_AFTER.match(norm, end):
        return True
    return bool(_PER_UNIT_BEFORE.search(_clause_before(norm, start, 8)))


# ------------------------------------------------------------------------------------------ quantities

DEFAULT_QUANTITY_UNITS: tuple[str, ...] = (
    "账号", "帐号", "用户", "席位", "坐席", "座席", "license", "licence", "许可", "授权", "套", "人",
    "员工", "终端", "节点", "点位",
)
_CANONICAL_UNIT = {"帐号": "账号", "licence": "license", "座席": "坐席"}
_QUANTITY_APPROX_AFTER = re.compile(r"\s*(?:左右|上下|出头|以上)")


@lru_cache(maxsize=16)
def _quantity_re(units: tuple[str, ...]) -> re.Pattern:
    alternatives = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))
    return re.compile(
        rf"{_NUM_START}(?P<num>{_NUM}){_MORE}?"
        rf"\s*(?P<cls>个|位|名|套|台|份)?\s*(?P<unit>{alternatives})(?![a-z])",
        re.I,
    )


def find_quantities(text: str, units: Iterable[str] | None = None) -> list[Found]:
    """Counts of seats/licenses/accounts/users/sets: "一百二十个账号", "80个 License", "300人"."""
    norm = normalize(text)
    unit_tuple = tuple(units) if units is not None else DEFAULT_QUANTITY_UNITS
    if not unit_tuple:
        return []
    phones = [c.span for c in find_phones(text)]
    found: list[Found] = []
    for m in _quantity_re(unit_tuple).finditer(norm):
        num_text = m.group("num")
        unit = m.group("unit")
        after = norm[m.end():m.end() + 2]
        if unit == "人" and (after.startswith("民币") or after[:1] in ("天", "日", "次", "均")):
            continue
        if _overlaps(m.span(), phones) or _after_letter(norm, m.start()):
            continue
        if _trim_counted_tail(num_text, norm[m.end("num"):m.end("num") + 1]) != num_text:
            continue  # "50万一套": a per-set price, not a quantity
        if num_text in ("一", "1"):
            before = norm[:m.start()].rstrip()[-1:]
            if before and before in "元块钱/每":
                continue  # "三百块一个账号": the "一个账号" belongs to the price
        value = _value_of(num_text)
        if value is None or value <= 0:
            continue
        key = unit.lower() if unit.isascii() else unit
        found.append(
            Found(
                value=int(value) if float(value).is_integer() else value,
                span=m.span(),
                text=text[m.start():m.end()],
                unit=_CANONICAL_UNIT.get(key, key),
                approximate=bool(
                    m.group("more")
                    or _APPROX_RIGHT_BEFORE.search(_clause_before(norm, m.start(), 8))
                    or _QUANTITY_APPROX_AFTER.match(norm, m.end())
                ),
            )
        )
    return found


# ------------------------------------------------------------------------------------------- discounts

_PCT = rf"(?:(?P<pct>\d+(?:\.\d+)?)\s*%|百分之(?P<cnpct>[{_CN_DIG}十百点]+))"
_DISCOUNT_PATTERNS = [
    ("zhe", re.compile(rf"(?P<num>\d+(?:\.\d+)?|[{_CN_DIG}十点]+)\s*折(?![叠腾磨服射线合算])")),
    ("half", re.compile(r"半价|对折")),
    ("off", re.compile(rf"{_PCT}\s*off\b", re.I)),
    ("off", re.compile(rf"(?:优惠|降价|降了|降|减|便宜|让利|打折|折扣|下浮)\s*(?:了|个|大概|约|大约)?\s*{_PCT}")),
    ("off", re.compile(rf"{_PCT}\s*的?(?:优惠|折扣|让利|降价|下浮)")),
]
_DISCOUNT_MESSAGES = {
    "not_found": "没看出折扣，可以写成“8折”或“优惠20%”。",
    "zero": "折扣不能是0，麻烦再确认一下。",
    "no_discount": "这相当于原价，不算折扣。",
    "out_of_range": "这个折扣看着不对，折扣要在0到10折之间，比如“8折”“85折”。",
    "percent_out_of_range": "优惠比例要在0%到100%之间，比如“优惠20%”。",
}


def _zhe_fraction(num: str) -> tuple[float | None, str | None]:
    if num.isascii():
        if "." in num:
            value = Decimal(num)
        elif len(num) == 1:
            value = Decimal(num)
        elif num == "10":
            return None, "no_discount"
        elif len(num) == 2:
            if num[1] == "0":  # "80折" is not a way anyone writes 8折
                return None, "out_of_range"
            value = Decimal(f"{num[0]}.{num[1]}")  # "85折" = 8.5折
        else:
            return None, "out_of_range"
    elif "十" in num or "点" in num:
        parsed = cn_number(num)
        if parsed is None:
            return None, "out_of_range"
        value = Decimal(str(parsed))
    else:
        digits = [_CN_DIGIT_VALUES[c] for c in num if c in _CN_DIGIT_VALUES]
        if len(digits) != len(num) or len(digits) > 2:
            return None, "out_of_range"
        if len(digits) == 2:
            if digits[1] == 0:
                return None, "out_of_range"
            value = Decimal(f"{digits[0]}.{digits[1]}")  # "八五折" = 8.5折
        else:
            value = Decimal(digits[0])
    if value == 0:
        return None, "zero"
    if value == 10:
        return None, "no_discount"
    if not (0 < value < 10):
        return None, "out_of_range"
    return float(value / 10), None


def _off_fraction(m: re.Match) -> tuple[float | None, str | None]:
    if m.group("pct") is not None:
        pct = Decimal(m.group("pct"))
    else:
        parsed = cn_number(m.group("cnpct"))
        if parsed is None:
            return None, "percent_out_of_range"
        pct = Decimal(str(parsed))
    if pct == 0:
        return None, "zero"
    if not (0 < pct < 100):
        return None, "percent_out_of_range"
    return float(1 - pct / 100), None


def discount_detail(text: str) -> DiscountResult:
    """The first valid discount in `text`; when only invalid ones appear, the first one and why."""
    norm = normalize(text)
    candidates = []
    for kind, pattern in _DISCOUNT_PATTERNS:
        for m in pattern.finditer(norm):
            if kind == "zhe":
                fraction, error = _zhe_fraction(m.group("num"))
            elif kind == "half":
                fraction, error = 0.5, None
            else:
                fraction, error = _off_fraction(m)
            candidates.append((m.start(), m.end(), fraction, error))
    candidates.sort(key=lambda c: (c[0], -(c[1] - c[0])))
    for start, end, fraction, error in candidates:
        if error is None:
            return DiscountResult(fraction, (start, end), text[start:end])
    if candidates:
        start, end, _, error = candidates[0]
        return DiscountResult(None, (start, end), text[start:end], error, _DISCOUNT_MESSAGES[error])
    return DiscountResult(None, None, "", "not_found", _DISCOUNT_MESSAGES["not_found"])


def parse_discount(text: str) -> float | None:
    """Fraction of the list price: "8折"→0.8, "八五折"→0.85, "优惠20%"→0.8; None when absent or nonsense."""
    return discount_detail(text).fraction


# ----------------------------------------------------------------------------------------------- dates

_D = r"(?:\d{1,2}|[零〇一二两三四五六七八九十廿卅]{1,3})"
_Y = r"(?:\d{4}|\d{2}(?=\s*年)|[零〇一二三四五六七八九]{4})"
_NOT_AFTER_NUMERAL = r"(?<![\d.零〇一二两三四五六七八九十百千万廿卅第几])"

_FULL_DATE_RE = re.compile(
    rf"(?<![\d.])(?P<y>{_Y})\s*(?P<s1>年|-|/|\.)\s*(?P<m>{_D})\s*(?P<s2>月|-|/|\.)\s*(?P<d>{_D})\s*(?:日|号)?(?!\d)"
)
_RELATIVE_YEAR = {"前年": -2, "去年": -1, "今年": 0, "明年": 1, "后年": 2}
_REL_YEAR_DATE_RE = re.compile(rf"(?P<ry>前年|去年|今年|明年|后年)\s*(?P<m>{_D})\s*月\s*(?P<d>{_D})\s*(?:日|号)?")
_MONTH_DAY_RE = re.compile(
    rf"{_NOT_AFTER_NUMERAL}(?P<m>{_D})\s*月\s*(?P<d>{_D})\s*(?P<suf>日|号)?(?(suf)|(?![\d个天年万千百周]))"
)
_PART_PATTERN = r"底|末|初|上旬|中旬|下旬|中(?![心秋文国间])"
_MONTH_PART_RE = re.compile(
    rf"(?:(?P<y>{_Y})\s*年|(?P<ry>前年|去年|今年|明年|后年))?\s*{_NOT_AFTER_NUMERAL}(?P<m>{_D})\s*月份?\s*(?P<part>{_PART_PATTERN})"
)
_MONTH_ONLY_RE = re.compile(
    rf"(?:(?P<y>{_Y})\s*年|(?P<ry>前年|去年|今年|明年|后年))?\s*{_NOT_AFTER_NUMERAL}(?P<m>{_D})\s*月(?P<fen>份)?"
    rf"(?![\d零〇一二两三四五六七八九十廿卅号日])"
)
_DAY_ONLY_RE = re.compile(
    rf"(?<![\d.零〇一二两三四五六七八九十百千万廿卅第几月/\-路街道巷弄里村栋区])(?P<d>{_D})\s*(?P<suf>号|日)"
    r"(?!楼|线|店|门|厅|馆|床|位|口|房|球|码|院|车|桌|窗|台|柜|箱|包|机|会议室|仓|库|令|志|报|程|常|用|元|游|币|间)"
)
_REL_DAY = {
    "大前天": -3, "前天": -2, "昨天": -1, "昨日": -1, "昨儿": -1, "昨晚": -1,
    "今天": 0, "今日": 0, "今儿个": 0, "今儿": 0, "今晚": 0, "今早": 0,
    "明天": 1, "明日": 1, "明儿个": 1, "明儿": 1, "明晚": 1, "明早": 1,
    "后天": 2, "大后天": 3,
}
_REL_DAY_HINT = {"昨晚": "pm", "今晚": "pm", "明晚": "pm", "今早": "am", "明早": "am"}
_REL_DAY_RE = re.compile(
    "(?P<w>" + "|".join(sorted(_REL_DAY, key=len, reverse=True)).replace("后天", "后天(?!气)") + ")"
)
_WEEK_PREFIX = r"下下个?|下个?|上上个?|上个?|这个?|本"
_WEEK_OFFSET = {"下下": 2, "下": 1, "上上": -2, "上": -1, "这": 0, "本": 0}
_WEEKDAY_INDEX = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5,
                  "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_WEEKDAY_RE = re.compile(
    rf"(?<![零〇一二两三四五六七八九十几\d])(?P<pre>{_WEEK_PREFIX})?\s*(?:周|星期|礼拜)"
    r"(?P<d>[一二三四五六日天末1-7])(?![次个遍趟年期\d])"
)
_WEEK_RE = re.compile(
    rf"(?P<pre>{_WEEK_PREFIX})\s*(?:周|星期|礼拜)(?![一二三四五六日天末1-7期年岁边围全转])(?P<within>内|之内|以内)?"
)
_MONTH_OFFSET = {"下下个月": 2, "下个月": 1, "下月": 1, "上个月": -1, "上月": -1, "这个月": 0, "这月": 0,
                 "本月": 0, "当月": 0}
_MONTH_REL_RE = re.compile(
    r"(?P<pre>下下个月|下个月|下月|上个月|上月|这个月|这月|本月|当月)"
    rf"\s*(?:(?P<d>{_D})\s*(?:号|日)|(?P<part>{_PART_PATTERN}))?"
)
_MONTH_BARE_PART_RE = re.compile(
    rf"(?<![\d零〇一二两三四五六七八九十个岁下上这本当份])月(?P<part>{_PART_PATTERN})"
)
_YEAR_PART_RE = re.compile(rf"(?:(?P<ry>前年|去年|今年|明年|后年)|(?P<y>{_Y})\s*年)\s*年?(?P<part>底|末|初)")
_YEAR_BARE_PART_RE = re.compile(
    r"(?<![\d零〇一二两三四五六七八九十几多百千今明去后前每半])年(?P<part>底|末|初|前)(?![代级纪])"
)
_DURATION_RE = re.compile(
    r"(?P<n>\d+|[零〇一二两三四五六七八九十百几]+|半)\s*(?P<ge>个半|个)?\s*"
    r"(?P<u>工作日|天|日|周|星期|礼拜|月|年)\s*(?P<dir>之后|以后|后|之内|以内|内|之前|以前|前)"
)
_GUO_RE = re.compile(r"过(?P<n>\d+|[一二两三四五六七八九十几]+)\s*(?P<ge>个)?\s*(?P<u>天|周|星期|礼拜|月)")
_NUMERIC_MD_RE = re.compile(r"(?<![A-Za-z0-9_.\-/:¥￥])(?P<m>\d{1,2})(?P<sep>[/.])(?P<d>\d{1,2})(?![0-9A-Za-z.%/:\-])")
_DECIMAL_CONTEXT_BEFORE = re.compile(r"版本|版|价|预算|报价|金额|约|增长|下降|提升|评分|分数|得分|率|倍|第|¥|￥|系统|升级|到$")
_DECIMAL_UNIT_AFTER = re.compile(r"\s*[万元块亿千百折倍个米岁分秒斤克寸亩吨%版英公度]")

_AM = {"凌晨", "早上", "早晨", "清早", "上午", "早"}
_PM = {"下午", "傍晚", "晚上", "夜里", "夜间", "晚"}
_TIME_RE = re.compile(
    r"(?P<dp>凌晨|早上|早晨|清早|上午|中午|下午|傍晚|晚上|夜里|夜间|(?<![今明昨])早|(?<![今明昨])晚)?\s*"
    r"(?:(?<![\d零〇一二两三四五六七八九十])(?P<h>\d{1,2}|[零〇一二两三四五六七八九十]{1,3})\s*(?P<dian>点钟|点|时)"
    r"(?:\s*(?:(?P<half>半)|(?P<q>一刻|三刻)|(?P<mi>\d{1,2}|[零〇一二三四五六七八九十]{1,3})\s*(?P<fen>分)?|(?P<zheng>整)))?"
    r"|(?<!\d)(?P<ch>\d{1,2})\s*:\s*(?P<cm>\d{2})(?!\d))"
)
_DAYPART_ONLY_RE = re.compile(r"凌晨|早上|早晨|上午|中午|下午|傍晚|晚上")
_POINT_NOT_TIME_BEFORE = re.compile(r"(?:有|第|这|那|几|以下|如下|提|说)\s*$")
_POINT_NOT_TIME_AFTER = re.compile(r"建议|意见|要求|问题|原因|需求|内容|想法|优势|不足|说明|理由|好处|顾虑|疑问")

_DEADLINE_AFTER = re.compile(r"\s*(?:之前|以前|为止|截止|以内|之内|前|内)(?![后天])")
_APPROX_DATE_AFTER = re.compile(r"\s*(?:左右|前后)")
_PAST_BEFORE = re.compile(r"上次|上回|那次|那天|当时|曾经|之前的|以前的")
_PAST_AFTER = re.compile(r"了|(?<![不经通超越])过(?![来去])")
_FUTURE_AFTER = re.compile(r"要|会|将|准备|计划|打算|记得|提醒|安排|把|再|还没|没|需|得|必须|争取|能|可以|预计|下次|之前|以前|前")


@dataclass
class _Cand:
    start: int
    end: int
    kind: str
    date: date | None = None
    past_date: date | None = None  # the reading when the clause is about the past (ambiguous forms only)
    time: time | None = None
    day_shift: int = 0
    hint: str | None = None  # am/pm carried by 今晚/明早 for a following bare hour
    weak: bool = False  # only valid when attached to a date ("三点" alone is not a time)
    approximate: bool = False
    deadline: bool = False
    weekday: int | None = None  # 0=Monday, for weekday candidates
    week_offset: int | None = None  # set when the weekday carried 这/下/上 (explicit week)


_RANGE_CONNECTOR = re.compile(r"\s*(?:到|至|-|~|—|–|或者|或是|或|还是|和|跟|、)\s*")


def _as_date(ref: date | datetime) -> date:
    return ref.date() if isinstance(ref, datetime) else ref


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    value = cn_number(text)
    return value if isinstance(value, int) else None


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except (ValueError, OverflowError):
        return None


def _month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _shift_month(y: int, m: int, delta: int) -> tuple[int, int]:
    index = y * 12 + (m - 1) + delta
    return index // 12, index % 12 + 1


def _add_months(d: date, months: int) -> date:
    y, m = _shift_month(d.year, d.month, months)
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def _month_part_date(y: int, m: int, part: str) -> tuple[date, bool]:
    """(date, approximate) for 底/末/初/中/上旬/中旬/下旬 of a month."""
    if part in ("底", "末"):
        return _month_end(y, m), False
    day = {"初": 1, "中": 15, "上旬": 5, "中旬": 15, "下旬": 25}[part]
    return date(y, m, day), True


def _closest(options: list[date], ref: date) -> date:
    return min(options, key=lambda d: (abs((d - ref).days), d < ref))


def _latest_not_after(options: list[date], ref: date) -> date | None:
    past = [d for d in options if d <= ref]
    return max(past) if past else None


def _ambiguous_year(ref: date, build) -> tuple[date | None, date | None]:
    """Closest of last/this/next year's reading, and the past-context reading."""
    options = [d for d in (build(ref.year + k) for k in (-1, 0, 1)) if d is not None]
    if not options:
        return None, None
    return _closest(options, ref), _latest_not_after(options, ref)


def _year_of(m: re.Match, ref: date) -> int | None:
    if m.groupdict().get("ry"):
        return ref.year + _RELATIVE_YEAR[m.group("ry")]
    if m.groupdict().get("y"):
        year = _int(m.group("y"))
        return None if year is None else (2000 + year if year < 100 else year)
    return None


def _date_candidates(norm: str, ref: date) -> list[_Cand]:
    out: list[_Cand] = []
    this_monday = ref - timedelta(days=ref.weekday())

    for m in _FULL_DATE_RE.finditer(norm):
        s1, s2 = m.group("s1"), m.group("s2")
        if (s1 == "年") != (s2 == "月") or (s1 != "年" and s1 != s2):
            continue
        if s1 != "年" and not (m.group("m").isdigit() and m.group("d").isdigit() and m.group("y").isdigit()):
            continue
        y, mo, d = _year_of(m, ref), _int(m.group("m")), _int(m.group("d"))
        if None not in (y, mo, d) and (dt := _safe_date(y, mo, d)):
            out.append(_Cand(m.start(), m.end(), "absolute", dt))

    for m in _REL_YEAR_DATE_RE.finditer(norm):
        mo, d = _int(m.group("m")), _int(m.group("d"))
        if mo and d and (dt := _safe_date(_year_of(m, ref), mo, d)):
            out.append(_Cand(m.start(), m.end(), "absolute", dt))

    for m in _MONTH_DAY_RE.finditer(norm):
        mo, d = _int(m.group("m")), _int(m.group("d"))
        if not mo or not d:
            continue
        chosen, past = _ambiguous_year(ref, lambda y: _safe_date(y, mo, d))
        if chosen:
            out.append(_Cand(m.start(), m.end(), "absolute", chosen, past_date=past))

    for m in _MONTH_PART_RE.finditer(norm):
        mo = _int(m.group("m"))
        if not mo or not 1 <= mo <= 12:
            continue
        part = m.group("part")
        year = _year_of(m, ref)
        if year is not None:
            dt, approx = _month_part_date(year, mo, part)
            out.append(_Cand(m.start(), m.end(), "period", dt, approximate=approx))
        else:
            chosen, past = _ambiguous_year(ref, lambda y: _month_part_date(y, mo, part)[0])
            out.append(_Cand(m.start(), m.end(), "period", chosen, past_date=past,
                             approximate=_month_part_date(ref.year, mo, part)[1]))

    for m in _MONTH_ONLY_RE.finditer(norm):
        mo = _int(m.group("m"))
        if not mo or not 1 <= mo <= 12:
            continue
        year = _year_of(m, ref)
        if year is None and not m.group("fen") and m.group("m") in ("一", "二", "两"):
            continue  # "统一月报", "两月": too easy to misread without 份 or a year
        if year is not None:
            out.append(_Cand(m.start(), m.end(), "month", date(year, mo, 1)))
        else:
            chosen, past = _ambiguous_year(ref, lambda y: date(y, mo, 1))
            out.append(_Cand(m.start(), m.end(), "month", chosen, past_date=past))

    for m in _DAY_ONLY_RE.finditer(norm):
        d = _int(m.group("d"))
        if not d or not 1 <= d <= 31:
            continue
        future = past = None
        for delta in range(0, 3):  # this month, or the next month that has this day
            y, mo = _shift_month(ref.year, ref.month, delta)
            candidate = _safe_date(y, mo, d)
            if candidate and candidate >= ref:
                future = candidate
                break
        for delta in range(0, -3, -1):
            y, mo = _shift_month(ref.year, ref.month, delta)
            candidate = _safe_date(y, mo, d)
            if candidate and candidate <= ref:
                past = candidate
                break
        if future:
            out.append(_Cand(m.start(), m.end(), "absolute", future, past_date=past))

    for m in _REL_DAY_RE.finditer(norm):
        word = m.group("w")
        out.append(_Cand(m.start(), m.end(), "relative", ref + timedelta(days=_REL_DAY[word]),
                         hint=_REL_DAY_HINT.get(word)))

    for m in _WEEKDAY_RE.finditer(norm):
        pre = m.group("pre")
        index = _WEEKDAY_INDEX[m.group("d")]
        if pre:
            offset = _WEEK_OFFSET[pre.rstrip("个")]
            out.append(_Cand(m.start(), m.end(), "weekday", this_monday + timedelta(days=7 * offset + index),
                             weekday=index, week_offset=offset))
        else:
            this_week = this_monday + timedelta(days=index)
            future = this_week if this_week >= ref else this_week + timedelta(days=7)
            past = this_week if this_week <= ref else this_week - timedelta(days=7)
            out.append(_Cand(m.start(), m.end(), "weekday", future, past_date=past, weekday=index))

    for m in _WEEK_RE.finditer(norm):
        monday = this_monday + timedelta(days=7 * _WEEK_OFFSET[m.group("pre").rstrip("个")])
        if m.group("within"):
            out.append(_Cand(m.start(), m.end(), "week", monday + timedelta(days=6), deadline=True))
        else:
            out.append(_Cand(m.start(), m.end(), "week", monday))

    for m in _MONTH_REL_RE.finditer(norm):
        y, mo = _shift_month(ref.year, ref.month, _MONTH_OFFSET[m.group("pre")])
        if m.group("d"):
            d = _int(m.group("d"))
            dt = _safe_date(y, mo, d) if d else None
            if dt:
                out.append(_Cand(m.start(), m.end(), "absolute", dt))
        elif m.group("part"):
            dt, approx = _month_part_date(y, mo, m.group("part"))
            out.append(_Cand(m.start(), m.end(), "period", dt, approximate=approx))
        else:
            out.append(_Cand(m.start(), m.end(), "month", date(y, mo, 1)))

    for m in _MONTH_BARE_PART_RE.finditer(norm):
        part = m.group("part")
        this_month, approx = _month_part_date(ref.year, ref.month, part)
        if part in ("底", "末") or this_month >= ref:
            out.append(_Cand(m.start(), m.end(), "period", this_month, approximate=approx))
        else:
            y, mo = _shift_month(ref.year, ref.month, 1)
            out.append(_Cand(m.start(), m.end(), "period", _month_part_date(y, mo, part)[0],
                             past_date=this_month, approximate=approx))

    for m in _YEAR_PART_RE.finditer(norm):
        year = _year_of(m, ref)
        if year is None or not 1 <= year <= 9999:
            continue
        dt = date(year, 12, 31) if m.group("part") in ("底", "末") else date(year, 1, 1)
        out.append(_Cand(m.start(), m.end(), "period", dt, approximate=m.group("part") == "初"))

    for m in _YEAR_BARE_PART_RE.finditer(norm):
        part = m.group("part")
        if part == "初":
            this_year = date(ref.year, 1, 1)
            future = this_year if this_year >= ref else date(ref.year + 1, 1, 1)
            out.append(_Cand(m.start(), m.end(), "period", future, past_date=this_year, approximate=True))
        else:  # 年底/年末/年前: year end (the Spring Festival eve reading of 年前 is not worth the lookup)
            out.append(_Cand(m.start(), m.end(), "period", date(ref.year, 12, 31), deadline=part == "前"))

    for m in _DURATION_RE.finditer(norm):
        cand = _duration_candidate(m, ref)
        if cand:
            out.append(cand)

    for m in _GUO_RE.finditer(norm):
        n_text, unit = m.group("n"), m.group("u")
        if unit == "月" and not m.group("ge"):
            continue
        n = 3 if n_text == "几" else _int(n_text)
        if not n:
            continue
        out.append(_Cand(m.start(), m.end(), "relative", _apply_offset(ref, n, unit), approximate=True))

    for m in _NUMERIC_MD_RE.finditer(norm):
        mo, d = int(m.group("m")), int(m.group("d"))
        if m.group("sep") == ".":
            if _DECIMAL_CONTEXT_BEFORE.search(_clause_before(norm, m.start(), 4)):
                continue
            if _DECIMAL_UNIT_AFTER.match(norm, m.end()):
                continue
        chosen, past = _ambiguous_year(ref, lambda y: _safe_date(y, mo, d))
        if chosen:
            out.append(_Cand(m.start(), m.end(), "absolute", chosen, past_date=past))

    for m in _TIME_RE.finditer(norm):
        cand = _time_candidate(norm, m, ref)
        if cand:
            out.append(cand)
    for m in _DAYPART_ONLY_RE.finditer(norm):
        if m.group() == "中午":
            out.append(_Cand(m.start(), m.end(), "time", ref, time=time(12, 0)))
        else:
            out.append(_Cand(m.start(), m.end(), "time", ref, weak=True, hint="pm" if m.group() in _PM else "am"))
    return out


def _apply_offset(ref: date, n: float, unit: str) -> date:
    if unit in ("天", "日"):
        return ref + timedelta(days=round(n))
    if unit in ("周", "星期", "礼拜"):
        return ref + timedelta(days=round(7 * n))
    if unit == "月":
        whole = int(n)
        shifted = _add_months(ref, whole)
        return shifted + timedelta(days=15) if n != whole else shifted
    years = int(n)
    return _add_months(ref, 12 * years) + (timedelta(days=182) if n != years else timedelta(0))


def _duration_candidate(m: re.Match, ref: date) -> _Cand | None:
    n_text, ge, unit, direction = m.group("n"), m.group("ge"), m.group("u"), m.group("dir")
    if unit == "月" and not ge and n_text != "半":
        return None  # "3月后" is "after March", not "three months later"
    if unit == "日" and direction in ("前", "之前", "以前"):
        return None  # "5日前" in business Chinese is "before the 5th"
    approximate = n_text == "几"
    n: float | None = 3 if approximate else (0.5 if n_text == "半" else _int(n_text))
    if n is None or n <= 0:
        return None
    if ge == "个半":
        n += 0.5
    sign = -1 if direction in ("前", "之前", "以前") else 1
    within = direction in ("内", "之内", "以内")
    if unit == "工作日":
        if n != int(n):
            return None
        dt = add_workdays(ref, sign * int(n))
    elif sign > 0:
        dt = _apply_offset(ref, n, unit)
    else:
        if unit in ("天", "日"):
            dt = ref - timedelta(days=round(n))
        elif unit in ("周", "星期", "礼拜"):
            dt = ref - timedelta(days=round(7 * n))
        elif unit == "月":
            dt = _add_months(ref, -int(n)) - (timedelta(days=15) if n != int(n) else timedelta(0))
        else:
            dt = _add_months(ref, -12 * int(n))
    return _Cand(m.start(), m.end(), "within" if within else "duration", dt, deadline=within,
                 approximate=approximate)


def _time_candidate(norm: str, m: re.Match, ref: date) -> _Cand | None:
    dp = m.group("dp")
    if m.group("ch") is not None:
        hour, minute = int(m.group("ch")), int(m.group("cm"))
        strong = True
    else:
        hour = _int(m.group("h"))
        if hour is None:
            return None
        if m.group("half"):
            minute = 30
        elif m.group("q"):
            minute = 15 if m.group("q") == "一刻" else 45
        elif m.group("mi") is not None:
            minute = _int(m.group("mi"))
            if minute is None:
                return None
        else:
            minute = 0
        explicit_marks = bool(m.group("half") or m.group("q") or m.group("fen") or m.group("zheng"))
        explicit_marks = explicit_marks or m.group("dian") == "点钟"
        strong = bool(dp) or explicit_marks
        if not strong and m.group("h").isdigit():
            before = _POINT_NOT_TIME_BEFORE.search(norm[max(0, m.start() - 4):m.start()])
            after = _POINT_NOT_TIME_AFTER.match(norm, m.end())
            strong = not before and not after
    if not (0 <= hour <= 24 and 0 <= minute <= 59):
        return None
    cand = _Cand(m.start(), m.end(), "time", ref, weak=not strong)
    cand.hint = "am" if dp in _AM else "pm" if dp in _PM else "noon" if dp == "中午" else None
    cand.time = time(hour % 24, minute)  # provisional; _apply_daypart settles am/pm
    cand.day_shift = 1 if hour == 24 else 0
    # Leading whitespace before a time without a day part is not part of the evidence.
    if not dp:
        cand.start = m.start("h") if m.group("h") is not None else m.start("ch")
    return cand


def _apply_daypart(t: time, hint: str | None) -> tuple[time, int]:
    hour = t.hour
    shift = 0
    if hint == "pm":
        if hour < 12:
            hour += 12
        elif hour == 12:
            hour, shift = 0, 1  # "晚上12点" is midnight
    elif hint == "noon":
        if 1 <= hour <= 3:
            hour += 12
    elif hint is None and 1 <= hour <= 6:
        hour += 12  # business hours: "3点开会" is 15:00
    return time(hour, t.minute), shift


def _select(cands: list[_Cand]) -> list[_Cand]:
    cands.sort(key=lambda c: (c.start, -(c.end - c.start)))
    chosen: list[_Cand] = []
    for c in cands:
        if chosen and c.start < chosen[-1].end:
            continue
        chosen.append(c)
    return chosen


def _is_past_context(norm: str, start: int, end: int) -> bool:
    if _PAST_BEFORE.search(_clause_before(norm, start, 12)):
        return True
    after = _clause_after(norm, end, 16)
    return bool(_PAST_AFTER.search(after)) and not _FUTURE_AFTER.search(after)


def find_dates(text: str, ref: date | datetime) -> list[DateFound]:
    """Dates (and times) in `text`, resolved against the reference date. See the module doc for rules."""
    ref = _as_date(ref)
    norm = normalize(text)
    phones = [c.span for c in find_phones(text)]
    chosen = [c for c in _select(_date_candidates(norm, ref)) if not _overlaps((c.start, c.end), phones)]

    results: list[DateFound] = []
    previous: tuple[_Cand, DateFound] | None = None
    i = 0
    while i < len(chosen):
        c = chosen[i]
        i += 1
        # "下周一到周五", "明天上午10点到11点": the second end of a range lives in the first one's week/day
        joined = previous is not None and _RANGE_CONNECTOR.fullmatch(norm, previous[1].span[1], c.start)
        time_value, day_shift, end, day = None, 0, c.end, c.date
        if c.kind == "time":
            if c.time is None or (c.weak and not joined):
                continue
            hint = c.hint
            if joined:
                day = previous[1].date
                if hint is None and previous[1].time is not None:
                    hint = "pm" if previous[1].time.hour >= 12 else "am"
            time_value, day_shift = _apply_daypart(c.time, hint)
            day_shift += c.day_shift
        else:
            if joined and c.weekday is not None and c.week_offset is None and previous[0].week_offset is not None:
                monday = previous[1].date - timedelta(days=previous[1].date.weekday())
                day = monday + timedelta(days=c.weekday)
                if day < previous[1].date:
                    day += timedelta(days=7)
                c.past_date = None
            if i < len(chosen):
                nxt = chosen[i]
                if nxt.kind == "time" and re.fullmatch(r"[\s的]*", norm[c.end:nxt.start]):
                    end = nxt.end
                    if nxt.time is not None:
                        time_value, day_shift = _apply_daypart(nxt.time, nxt.hint or c.hint)
                        day_shift += nxt.day_shift
                    i += 1

        deadline, approximate = c.deadline, c.approximate
        if c.kind not in ("duration", "within"):
            suffix = _DEADLINE_AFTER.match(norm, end)
            if suffix:
                deadline, end = True, suffix.end()
            else:
                around = _APPROX_DATE_AFTER.match(norm, end)
                if around:
                    approximate, end = True, around.end()
        if c.past_date is not None and not deadline and _is_past_context(norm, c.start, end):
            day = c.past_date
        found = DateFound(
            date=day + timedelta(days=day_shift), span=(c.start, end), text=text[c.start:end], kind=c.kind,
            time=time_value, deadline=deadline, approximate=approximate,
        )
        results.append(found)
        previous = (c, found)
    return results


_ISO_RE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?(?:[T\s].*)?")


def resolve_date(phrase: str, ref: date | datetime) -> date | None:
    """One date from a short phrase (an LLM tool argument): ISO "2026-11-30", "下周三", "月底", …"""
    if not isinstance(phrase, str):
        return None
    text = normalize(phrase).strip()
    if not text:
        return None
    iso = _ISO_RE.fullmatch(text)
    if iso:
        return _safe_date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    found = find_dates(text, ref)
    return found[0].date if found else None


# -------------------------------------------------------------------------------------------- contacts

_MOBILE_RE = re.compile(
    r"(?<![\d+])(?:(?:\+|00)\s?86[\s-]?|86[\s-]|86(?=1[3-9]\d{9}(?!\d)))?"
    r"(?P<a>1[3-9]\d)[\s-]?(?P<b>\d{4})[\s-]?(?P<c>\d{4})(?!\d)"
)
_LANDLINE_RE = re.compile(
    r"(?<![\d(])\(?(?P<area>0(?:10|2\d|[3-9]\d{2}))\)?[\s-]?(?P<num>[1-9]\d{6,7})"
    r"(?:\s*(?:转|-|ext\.?|x)\s*(?P<ext>\d{1,6}))?(?!\d)",
    re.I,
)
_ASR_DIGITS = {"零": "0", "〇": "0", "洞": "0", "幺": "1", "一": "1", "二": "2", "两": "2", "三": "3", "四": "4",
               "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_ASR_CLASS = "零〇洞幺一二两三四五六七八九"
_ASR_MOBILE_RE = re.compile(
    rf"(?<![{_ASR_CLASS}])[幺一][三四五六七八九](?:[\s,，]?[{_ASR_CLASS}]){{9}}(?![{_ASR_CLASS}])"
)
_EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+-])(?P<local>[A-Za-z0-9._%+-]+)@(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
    r"(?![A-Za-z0-9-])"
)


def find_phones(text: str) -> list[Contact]:
    """Chinese mobiles (with +86, spaces, dashes; or read out in Chinese digits) and landlines."""
    norm = normalize(text)
    found: list[Contact] = []
    for m in _MOBILE_RE.finditer(norm):
        found.append(Contact(m.group("a") + m.group("b") + m.group("c"), "mobile", m.span(), text[m.start():m.end()]))
    mobile_spans = [c.span for c in found]
    for m in _LANDLINE_RE.finditer(norm):
        if _overlaps(m.span(), mobile_spans):
            continue
        value = f"{m.group('area')}-{m.group('num')}" + (f"-{m.group('ext')}" if m.group("ext") else "")
        found.append(Contact(value, "landline", m.span(), text[m.start():m.end()]))
    for m in _ASR_MOBILE_RE.finditer(norm):
        digits = "".join(_ASR_DIGITS[ch] for ch in m.group() if ch in _ASR_DIGITS)
        found.append(Contact(digits, "mobile", m.span(), text[m.start():m.end()]))
    found.sort(key=lambda c: c.span)
    return found


def find_emails(text: str) -> list[Contact]:
    norm = normalize(text)
    return [
        Contact(f"{m.group('local')}@{m.group('domain').lower()}", "email", m.span(), text[m.start():m.end()])
        for m in _EMAIL_RE.finditer(norm)
    ]


# ------------------------------------------------------------------------------------------- work days


@lru_cache(maxsize=64)
def calendar_covers(year: int) -> bool:
    """Whether chinese_calendar knows this year's holidays and make-up workdays (调休)."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
        return True
    except NotImplementedError:
        return False


def is_workday(d: date | datetime) -> bool:
    """Chinese working day: public holidays off, 调休 weekends on. Mon-Fri for years the package lacks."""
    d = _as_date(d)
    if calendar_covers(d.year):
        return chinese_calendar.is_workday(d)
    return d.weekday() < 5


def next_workday(d: date | datetime) -> date:
    """`d` itself when it is a workday, else the first workday after it."""
    d = _as_date(d)
    while not is_workday(d):
        d += timedelta(days=1)
    return d


def add_workdays(d: date | datetime, n: int) -> date:
    """The n-th workday after `d` (before it for negative n); n=0 returns `d` unchanged."""
    d = _as_date(d)
    step = 1 if n > 0 else -1
    remaining = abs(n)
    while remaining:
        d += timedelta(days=step)
        if is_workday(d):
            remaining -= 1
    return d


def workdays_between(a: date | datetime, b: date | datetime) -> int:
    """Workdays in the half-open interval (a, b]; negative when b is before a.

    Pairs with add_workdays: for a workday b after a, add_workdays(a, workdays_between(a, b)) == b.
    """
    a, b = _as_date(a), _as_date(b)
    if b < a:
        return -workdays_between(b, a)
    count = 0
    day = a
    while day < b:
        day += timedelta(days=1)
        if is_workday(day):
            count += 1
    return count
