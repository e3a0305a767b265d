"""Chinese, Arabic and mixed numerals: the value of a whole string (`cn_number`) and the building blocks the
money and quantity finders use to spot numbers inside free text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from bot.zh_parse.text import normalize


@dataclass(frozen=True, slots=True)
class Found:
    """A number found in text. `value` is CNY yuan for money, a count for quantities."""

    value: int | float
    span: tuple[int, int]
    text: str
    unit: str = ""  # "CNY" for money; canonical unit for quantities ("账号", "用户", "license", …)
    per_unit: bool = False  # money quoted per seat/account/year ("三百块一个账号", "单价300")
    approximate: bool = False  # "大概", "左右", "五十多万"


_CN_DIGIT_VALUES = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "壹": 1,
    "幺": 1,
    "二": 2,
    "贰": 2,
    "两": 2,
    "俩": 2,
    "三": 3,
    "叁": 3,
    "四": 4,
    "肆": 4,
    "五": 5,
    "伍": 5,
    "六": 6,
    "陆": 6,
    "七": 7,
    "柒": 7,
    "八": 8,
    "捌": 8,
    "九": 9,
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


# Hand-written, not cn2an: cn2an rejects 「百万」, reads 「五3」 as 53 in smart mode and rejects 「1万2000」 otherwise.
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


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    value = cn_number(text)
    return value if isinstance(value, int) else None


def _after_letter(norm: str, start: int) -> bool:
    return start > 0 and norm[start - 1].isascii() and norm[start - 1].isalpha()
