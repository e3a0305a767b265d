"""Amounts of money in CNY yuan.

- A number is money when it carries a currency (元/块/人民币/RMB/¥) or a magnitude (万/亿/w), or directly follows
  a price word (预算/报价/价格/每个账号…); never when followed by a counting unit (个/人/年/月/%/…), and never
  inside a phone number. A bare "k" is money only after a price word or at a clause end ("5k并发" is a count).
  "30-50万" yields two amounts, the low end borrowing 万.
- A number right after 版本 or V is a version ("版本3.5", "V2"); after an edition name it is a price when it
  reads as money ("标准版 99 元"); glued to other letters it is a name ("A50万") unless a currency follows
  ("Pro299元").
- "五十多万", "十几万", "十来万" are approximate lower bounds (500000, 100000); "几十万" is too vague and
  "比上次多5万" is a difference, so neither is an amount; "差不多五十万" (about) and "最多五十万" (at most) are.
- "三十五万三十八" is 350000 and then another figure (350038 is said 三十五万零三十八).
- A figure spoken in thousands ("七千五", "七千九百二") is money unless a counting unit follows.
- "五六万", "两三万", "七八千": two neighbouring digits say a range; the amount is the upper bound (60000), approximate;
  so does the idiom "三五千" (3 to 5 thousand: 5000).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from bot.zh_parse.contacts import find_phones
from bot.zh_parse.numerals import (
    _MORE,
    _NUM,
    _NUM_START,
    Found,
    _after_letter,
    _as_python_number,
    _trim_counted_tail,
    _value_of,
)
from bot.zh_parse.text import _clause_before, _overlaps, normalize

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
    r"(?:是|为|在|大概|大约|约|差不多|有|能到|控制在|要|收|\s|:)*$"
    r"|\d[^，。,;；=＝]{0,10}[=＝]\s*$"  # "10个号 × 2980/个/年 = 29800": the total of a price
    r"|(?:[一二三四五六七八九]|[5-9])(?:[一二三四五六七八九五]|\d)?折(?:后)?(?:是|为|就是)?\s*$",  # "给了九折 18900"
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
    # ("十一个账号一年五万二千八": eleven accounts, not one)
    r"单价|每|人均|均价|(?<![零一二两三四五六七八九十百\d])一(?:个|位|名|套|台)?(?:账号|帐号|用户|席位|坐席|license|人|套|台)",
    re.I,
)
# "版本3.5", "V 2": a version number. An edition name ("标准版 99 元", "旗舰版5万一年") is not: there the
# number is a price whenever it reads as money on its own (currency, magnitude or a price word).
_VERSION_BEFORE = re.compile(r"(?:版本|[vV])\s*$")
_RANGE_JOIN = re.compile(r"\s*(?:到|至|-|~|—|–)\s*")
_CN_DIGIT = "一二三四五六七八九"
# "五六万", "三四十万", "七八千": neighbouring digits before a magnitude (not "十五六万", which is handled as a number)
_TENS_NEIGHBOUR_RANGE = re.compile(
    rf"(?<![{_CN_DIGIT}十百千万零两])([{_CN_DIGIT}])?十([{_CN_DIGIT}])([{_CN_DIGIT}])(万|千)(?:块|元)?"
)
# ("一两万": the second digit said as 两)
_NEIGHBOUR_RANGE = re.compile(
    rf"(?<![{_CN_DIGIT}十百千万零两])([{_CN_DIGIT}两])([{_CN_DIGIT}两])(十)?(万|千)(?:块|元)?"
)


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
    for m in _NEIGHBOUR_RANGE.finditer(norm):
        low = _CN_DIGIT.index(m.group(1).replace("两", "二")) + 1
        high = _CN_DIGIT.index(m.group(2).replace("两", "二")) + 1
        # ("三五千", "三五万": 3 to 5, said as one word)
        if (high != low + 1 and (low, high) != (3, 5)) or _overlaps(m.span(), phones):
            continue
        value = high * (10 if m.group(3) else 1) * _MAGNITUDE[m.group(4)]
        found.append(Found(value, m.span(), text[m.start() : m.end()], "CNY", _is_per_unit(norm, *m.span()), True))
    for m in _TENS_NEIGHBOUR_RANGE.finditer(norm):  # "十五六万", "二十五六万": 15–16万, 25–26万
        low, high = _CN_DIGIT.index(m.group(2)) + 1, _CN_DIGIT.index(m.group(3)) + 1
        if high != low + 1 or _overlaps(m.span(), phones) or _overlaps(m.span(), [f.span for f in found]):
            continue
        tens = _CN_DIGIT.index(m.group(1)) + 1 if m.group(1) else 1
        value = (tens * 10 + high) * _MAGNITUDE[m.group(4)]
        found.append(Found(value, m.span(), text[m.start() : m.end()], "CNY", _is_per_unit(norm, *m.span()), True))
    taken = [f.span for f in found]
    for i, mm in enumerate(raw):
        if mm is not None and _overlaps((mm.start, mm.end), taken):
            continue
        if mm is None:
            continue
        if norm[mm.start : mm.end] in ("千", "百", "万") and not re.match(r"[把来多块元]", norm[mm.end : mm.end + 1]):
            continue  # "千岛湖", "万州": a place, not "千把块"
        if norm[mm.start : mm.end] == "千万" and re.match(r"别|不要|不能|记得|要|得", norm[mm.end : mm.end + 2]):
            continue  # "千万别忘了": by all means, no sum
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
                text=text[mm.start : mm.end],
                unit="CNY",
                per_unit=_is_per_unit(norm, mm.start, mm.end),
                approximate=mm.approximate,
            )
        )
    return sorted(found, key=lambda f: f.span)


def _money_match(norm: str, m: re.Match, phones) -> _MoneyMatch | None:
    start, end = m.start(), m.end()
    num_text = m.group("num")
    num_end = m.end("num")
    trimmed = _trim_counted_tail(num_text, norm[num_end : num_end + 1])
    if trimmed != num_text:
        num_text, end = trimmed, m.start("num") + len(trimmed)
        more = mag = cur = None
    else:
        more, mag, cur = m.group("more"), m.group("mag"), m.group("cur")
    # "三十五万三十八" in an unpunctuated run is two figures: strict Chinese says 三十五万零三十八 for 350038
    run_on = re.fullmatch(r"(.+?[万萬])([一二两三四五六七八九]?十[一二三四五六七八九]?)", num_text)
    if run_on and not re.search(r"\d", num_text):
        num_text, end = run_on.group(1), m.start("num") + len(run_on.group(1))
        more = mag = cur = None
    pre = m.group("pre")
    if _overlaps((start, end), phones) or _VERSION_BEFORE.search(norm[max(0, start - 3) : start]):
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
    # "七千五", "七千九百二": a spoken figure in the thousands is money unless a counting unit follows
    spoken_thousands = "千" in num_text and base >= 1000 and not re.search(r"\d", num_text)
    explicit = has_currency or carried > 1 or (mag is not None) or spoken_thousands
    if not has_currency and _NOT_MONEY_AFTER.match(norm, end):
        return None
    if mag and mag.lower() == "k" and not has_currency and not _K_MONEY_AFTER.match(norm, end):
        if not _PRICE_WORD_BEFORE.search(_clause_before(norm, start)):
            return None
    approximate = bool(more) or bool(_APPROX_BEFORE.search(_clause_before(norm, start, 6)))
    approximate = approximate or bool(_APPROX_AFTER.match(norm, end))
    return _MoneyMatch(start, end, value, explicit, carried, approximate)


def _is_per_unit(norm: str, start: int, end: int) -> bool:
    if _PER_UNIT_AFTER.match(norm, end):
        return True
    return bool(_PER_UNIT_BEFORE.search(_clause_before(norm, start, 8)))
