"""Counts of seats, licenses, accounts and users ("一百二十个账号", "80个 License", "300人").

They follow the money rules for approximate and vague numbers: "差不多八十个账号" is 80, approximate.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

from bot.zh_parse.contacts import find_phones
from bot.zh_parse.numerals import _MORE, _NUM, _NUM_START, Found, _after_letter, _trim_counted_tail, _value_of
from bot.zh_parse.text import _clause_before, _overlaps, normalize

_APPROX_RIGHT_BEFORE = re.compile(r"(?:大概|大约|约|差不多|估计|预计|将近|接近|差不离)(?:是|有|在|要)?\s*$")

DEFAULT_QUANTITY_UNITS: tuple[str, ...] = (
    "账号",
    "帐号",
    "用户",
    "席位",
    "坐席",
    "座席",
    "license",
    "licence",
    "许可",
    "授权",
    "套",
    "人",
    "员工",
    "终端",
    "节点",
    "点位",
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
        after = norm[m.end() : m.end() + 2]
        if unit == "人" and (after.startswith("民币") or after[:1] in ("天", "日", "次", "均")):
            continue
        if _overlaps(m.span(), phones) or _after_letter(norm, m.start()):
            continue
        if _trim_counted_tail(num_text, norm[m.end("num") : m.end("num") + 1]) != num_text:
            continue  # "50万一套": a per-set price, not a quantity
        if num_text in ("一", "1"):
            before = norm[: m.start()].rstrip()[-1:]
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
                text=text[m.start() : m.end()],
                unit=_CANONICAL_UNIT.get(key, key),
                approximate=bool(
                    m.group("more")
                    or _APPROX_RIGHT_BEFORE.search(_clause_before(norm, m.start(), 8))
                    or _QUANTITY_APPROX_AFTER.match(norm, m.end())
                ),
            )
        )
    return found
