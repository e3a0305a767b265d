"""Clock times in text: "下午3点", "10:30", "两点半", "晚上12点".

- A time without a day part: hours 1-6 are read as afternoon (business hours: "3点开会" is 15:00).
- A bare Chinese numeral with 点 ("两点", "一点") is only a time next to a date or with 钟/半/分/刻/整,
  because "便宜一点" and "有两点建议" are not times; such mentions come back `weak`.

`find_dates` attaches the times found here to the dates they follow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from bot.zh_parse.numerals import _int

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


@dataclass
class _TimeMention:
    start: int
    end: int
    time: time | None = None  # provisional hour; _apply_daypart settles am/pm
    day_shift: int = 0  # 1 for "24点"
    hint: str | None = None  # am | pm | noon, from the day part
    weak: bool = False  # only valid when attached to a date ("三点" alone is not a time)


def _time_mentions(norm: str) -> list[_TimeMention]:
    """Times and bare day parts ("下午") in normalized text, in the order the date finder expects."""
    out: list[_TimeMention] = []
    for m in _TIME_RE.finditer(norm):
        mention = _time_mention(norm, m)
        if mention:
            out.append(mention)
    for m in _DAYPART_ONLY_RE.finditer(norm):
        if m.group() == "中午":
            out.append(_TimeMention(m.start(), m.end(), time=time(12, 0)))
        else:
            out.append(_TimeMention(m.start(), m.end(), weak=True, hint="pm" if m.group() in _PM else "am"))
    return out


def _time_mention(norm: str, m: re.Match) -> _TimeMention | None:
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
            before = _POINT_NOT_TIME_BEFORE.search(norm[max(0, m.start() - 4) : m.start()])
            after = _POINT_NOT_TIME_AFTER.match(norm, m.end())
            strong = not before and not after
    if not (0 <= hour <= 24 and 0 <= minute <= 59):
        return None
    start = m.start()
    # Leading whitespace before a time without a day part is not part of the evidence.
    if not dp:
        start = m.start("h") if m.group("h") is not None else m.start("ch")
    return _TimeMention(
        start,
        m.end(),
        time=time(hour % 24, minute),
        day_shift=1 if hour == 24 else 0,
        hint="am" if dp in _AM else "pm" if dp in _PM else "noon" if dp == "中午" else None,
        weak=not strong,
    )


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
