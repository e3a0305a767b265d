"""Discounts: "8折", "八五折", "优惠20%", "半价".

"XY折" reads as X.Y折 ("85折" = 0.85); "十二折", "0折", "10折", "80折" and percentages outside (0, 100) are
rejected with a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from bot.zh_parse.numerals import _CN_DIG, _CN_DIGIT_VALUES, cn_number
from bot.zh_parse.text import normalize


@dataclass(frozen=True, slots=True)
class DiscountResult:
    fraction: float | None  # share of the list price the customer pays (8折 -> 0.8)
    span: tuple[int, int] | None
    text: str
    error: str | None = None  # not_found | zero | no_discount | out_of_range
    message: str | None = None  # short Chinese explanation for the rep


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
