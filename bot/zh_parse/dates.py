"""Dates in text, resolved against a reference date the caller passes, and the Chinese day labels replies use.

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
- Times follow the rules in `bot.zh_parse.times`.
- A date followed by 前/之前/以内/为止 gets deadline=True; the suffix is part of the span.
- Holidays (元旦, 春节/过年, 清明, 五一/劳动节, 端午, 中秋, 国庆) are the next holiday break that has not
  ended: "国庆前" is the last workday before the break (deadline), "国庆后" the first workday after it,
  "国庆" its first day. Breaks come from chinese_calendar; for years it does not know, 元旦 (1 Jan),
  五一 (1-5 May) and 国庆 (1-7 Oct) are assumed (approximate) and the lunar ones are not found at all:
  `unresolved_holiday` names them so the caller can ask for a date.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

import chinese_calendar

from bot.zh_parse.contacts import find_phones
from bot.zh_parse.numerals import _int
from bot.zh_parse.text import _clause_after, _clause_before, _overlaps, normalize
from bot.zh_parse.times import _apply_daypart, _time_mentions
from bot.zh_parse.workdays import _as_date, add_workdays, calendar_covers, is_workday, next_workday

WEEKDAYS = "一二三四五六日"  # Chinese weekday names, indexed by date.weekday() (Monday is 0)


def day_label(d: date) -> str:
    """ "11月20日（周五）": the date as replies show it."""
    return f"{d.month}月{d.day}日（周{WEEKDAYS[d.weekday()]}）"


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


_D = r"(?:\d{1,2}|[零〇一二两三四五六七八九十廿卅]{1,3})"
_Y = r"(?:\d{4}|\d{2}(?=\s*年)|[零〇一二三四五六七八九]{4})"
_NOT_AFTER_NUMERAL = r"(?<![\d.零〇一二两三四五六七八九十百千万廿卅第几])"

_FULL_DATE_RE = re.compile(
    rf"(?<![\d.])(?P<y>{_Y})\s*(?P<s1>年|-|/|\.)\s*(?P<m>{_D})\s*(?P<s2>月|-|/|\.)\s*(?P<d>{_D})\s*(?:日|号)?(?!\d)"
)
_RELATIVE_YEAR = {"前年": -2, "去年": -1, "今年": 0, "明年": 1, "后年": 2}
_REL_YEAR_DATE_RE = re.compile(
    rf"(?P<ry>前年|去年|今年|明年|(?<![以之然往过最])后年)\s*(?P<m>{_D})\s*月\s*(?P<d>{_D})\s*(?:日|号)?"
)
_MONTH_DAY_RE = re.compile(
    rf"{_NOT_AFTER_NUMERAL}(?P<m>{_D})\s*月\s*(?P<d>{_D})\s*(?P<suf>日|号)?(?(suf)|(?![\d个天年万千百周]))"
)
_PART_PATTERN = r"底|末|初|上旬|中旬|下旬|中(?![心秋文国间])"
_MONTH_PART_RE = re.compile(
    rf"(?:(?P<y>{_Y})\s*年|(?P<ry>前年|去年|今年|明年|(?<![以之然往过最])后年))?\s*{_NOT_AFTER_NUMERAL}(?P<m>{_D})\s*月份?\s*(?P<part>{_PART_PATTERN})"
)
_MONTH_ONLY_RE = re.compile(
    rf"(?:(?P<y>{_Y})\s*年|(?P<ry>前年|去年|今年|明年|(?<![以之然往过最])后年))?\s*{_NOT_AFTER_NUMERAL}(?P<m>{_D})\s*月(?P<fen>份)?"
    rf"(?!\s*[\d零〇一二两三四五六七八九十廿卅号日])"  # ("8 月 18 日": typed with spaces, a day follows)
)
_DAY_ONLY_RE = re.compile(
    rf"(?<![\d.零〇一二两三四五六七八九十百千万廿卅第几月/\-路街道巷弄里村栋区])(?P<d>{_D})\s*(?P<suf>号|日)"
    r"(?!楼|线|店|门|厅|馆|床|位|口|房|球|码|院|车|桌|窗|台|柜|箱|包|机|会议室|仓|库|令|志|报|程|常|用|元|游|币|间)"
)
_REL_DAY = {
    "大前天": -3,
    "前天": -2,
    "昨天": -1,
    "昨日": -1,
    "昨儿": -1,
    "昨晚": -1,
    "今天": 0,
    "今日": 0,
    "今儿个": 0,
    "今儿": 0,
    "今晚": 0,
    "今早": 0,
    "明天": 1,
    "明日": 1,
    "明儿个": 1,
    "明儿": 1,
    "明晚": 1,
    "明早": 1,
    "后天": 2,
    "大后天": 3,
}
_REL_DAY_HINT = {"昨晚": "pm", "今晚": "pm", "明晚": "pm", "今早": "am", "明早": "am"}
_REL_DAY_RE = re.compile(
    "(?P<w>" + "|".join(sorted(_REL_DAY, key=len, reverse=True)).replace("后天", "后天(?!气)") + ")"
)
_WEEK_PREFIX = r"下下个?|下个?|上上个?|上个?|这个?|本"
_WEEK_OFFSET = {"下下": 2, "下": 1, "上上": -2, "上": -1, "这": 0, "本": 0}
_WEEKDAY_INDEX = {
    "一": 0,
    "二": 1,
    "三": 2,
    "四": 3,
    "五": 4,
    "六": 5,
    "日": 6,
    "天": 6,
    "末": 5,
    "1": 0,
    "2": 1,
    "3": 2,
    "4": 3,
    "5": 4,
    "6": 5,
    "7": 6,
}
_WEEKDAY_RE = re.compile(
    rf"(?<![零〇一二两三四五六七八九十几\d])(?P<pre>{_WEEK_PREFIX})?\s*(?:周|星期|礼拜)"
    r"(?P<d>[一二三四五六日天末1-7])(?![次个遍趟年期\d])"
)
_WEEK_RE = re.compile(
    rf"(?P<pre>{_WEEK_PREFIX})\s*(?:周|星期|礼拜)(?![一二三四五六日天末1-7期年岁边围全转])(?P<within>内|之内|以内)?"
)
_MONTH_OFFSET = {
    "下下个月": 2,
    "下个月": 1,
    "下月": 1,
    "上个月": -1,
    "上月": -1,
    "这个月": 0,
    "这月": 0,
    "本月": 0,
    "当月": 0,
}
_MONTH_REL_RE = re.compile(
    r"(?P<pre>下下个月|下个月|下月|上个月|上月|这个月|这月|本月|当月)"
    rf"\s*(?:(?P<d>{_D})\s*(?:号|日)|(?P<part>{_PART_PATTERN}))?"
)
_MONTH_BARE_PART_RE = re.compile(rf"(?<![\d零〇一二两三四五六七八九十个岁下上这本当份])月(?P<part>{_PART_PATTERN})")
# ("定了以后年底事情多": 以后 then 年底, not 后年)
_YEAR_PART_RE = re.compile(
    rf"(?:(?P<ry>前年|去年|今年|明年|(?<![以之然往过最])后年)|(?P<y>{_Y})\s*年)\s*年?(?P<part>底|末|初)"
)
_YEAR_BARE_PART_RE = re.compile(
    r"(?:(?<![\d零〇一二两三四五六七八九十几多百千今明去后前每半])|(?<=[以之然往过最]后))年(?P<part>底|末|初|前)(?![代级纪])"
)
_DURATION_RE = re.compile(
    r"(?P<n>\d+|[零〇一二两三四五六七八九十百几]+|半)\s*(?P<ge>个半|个)?\s*"
    r"(?P<u>工作日|天|日|周|星期|礼拜|月|年)\s*(?P<dir>之后|以后|后|之内|以内|内|之前|以前|前)"
)
_GUO_RE = re.compile(r"过(?P<n>\d+|[一二两三四五六七八九十几]+)\s*(?P<ge>个)?\s*(?P<u>天|周|星期|礼拜|月)")
# ("时间：12/5 前签": a label's colon before the date; "10:12/5" is a time)
_NUMERIC_MD_RE = re.compile(
    r"(?<![A-Za-z0-9_.\-/¥￥])(?<!\d:)(?P<m>\d{1,2})(?P<sep>[/.])(?P<d>\d{1,2})(?![0-9A-Za-z.%/:\-])"
)
_DECIMAL_CONTEXT_BEFORE = re.compile(
    r"版本|版|价|预算|报价|金额|约|增长|下降|提升|评分|分数|得分|率|倍|第|¥|￥|系统|升级|到$"
)
_DECIMAL_UNIT_AFTER = re.compile(r"\s*[万元块亿千百折倍个米岁分秒斤克寸亩吨%版英公度]")

_DEADLINE_AFTER = re.compile(r"\s*(?:之前|以前|为止|截止|以内|之内|前|内)(?![后天])")
_APPROX_DATE_AFTER = re.compile(r"\s*(?:左右|前后)")
_PAST_BEFORE = re.compile(r"上次|上回|那次|那天|当时|曾经|之前的|以前的")
_PAST_AFTER = re.compile(r"了|(?<![不经通超越])过(?![来去])")
_FUTURE_AFTER = re.compile(
    r"要|会|将|准备|计划|打算|记得|提醒|安排|把|再|还没|没|需|得|必须|争取|能|可以|预计|下次|之前|以前|前"
)


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


# holiday words → (chinese_calendar holiday, the window its break falls in each year, the break assumed for
# years the package does not know: None for the lunar holidays, whose dates move)
_HOLIDAYS = {
    "元旦": (chinese_calendar.Holiday.new_years_day, ((1, 1), (1, 5)), ((1, 1), (1, 1))),
    "春节": (chinese_calendar.Holiday.spring_festival, ((1, 15), (2, 28)), None),
    "过年": (chinese_calendar.Holiday.spring_festival, ((1, 15), (2, 28)), None),
    "清明": (chinese_calendar.Holiday.tomb_sweeping_day, ((4, 1), (4, 10)), None),
    "五一": (chinese_calendar.Holiday.labour_day, ((4, 28), (5, 10)), ((5, 1), (5, 5))),
    "劳动节": (chinese_calendar.Holiday.labour_day, ((4, 28), (5, 10)), ((5, 1), (5, 5))),
    "端午": (chinese_calendar.Holiday.dragon_boat_festival, ((5, 25), (6, 25)), None),
    "中秋": (chinese_calendar.Holiday.mid_autumn_festival, ((9, 5), (10, 10)), None),
    "国庆": (chinese_calendar.Holiday.national_day, ((9, 28), (10, 10)), ((10, 1), (10, 7))),
}
_HOLIDAY_RE = re.compile(
    r"(?P<h>元旦|春节|过年|清明|五一|劳动节|端午|中秋|国庆)(?:节|假期|长假|假)?(?P<rel>之前|以前|前|之后|以后|后)?"
)


def _holiday_break(word: str, year: int) -> tuple[date, date, bool] | None:
    """First and last day of a holiday break in `year`, and whether that is an assumption."""
    holiday, ((m1, d1), (m2, d2)), fixed = _HOLIDAYS[word]
    if calendar_covers(year):
        days = [
            day
            for n in range((date(year, m2, d2) - date(year, m1, d1)).days + 1)
            if chinese_calendar.get_holiday_detail(day := date(year, m1, d1) + timedelta(days=n))
            == (True, holiday.value)
        ]
        if days:
            return days[0], days[-1], False
    if fixed is None:
        return None
    return date(year, *fixed[0]), date(year, *fixed[1]), True


def _holiday_candidate(m: re.Match, ref: date) -> _Cand | None:
    word, rel = m.group("h"), m.group("rel") or ""
    for year in (ref.year, ref.year + 1):
        found = _holiday_break(word, year)
        if found is None:
            return None
        first, last, assumed = found
        if last < ref:
            continue
        if rel.endswith("前"):
            day = first - timedelta(days=1)
            while not is_workday(day) and day > ref:
                day -= timedelta(days=1)
            return _Cand(m.start(), m.end(), "holiday", day, deadline=True, approximate=assumed)
        if rel.endswith("后"):
            return _Cand(m.start(), m.end(), "holiday", next_workday(last + timedelta(days=1)), approximate=assumed)
        return _Cand(m.start(), m.end(), "holiday", first, approximate=assumed)
    return None


def unresolved_holiday(text: str, ref: date | datetime) -> str | None:
    """The holiday a text names whose date is not known (春节 in a year chinese_calendar lacks), else None."""
    ref = _as_date(ref)
    for m in _HOLIDAY_RE.finditer(normalize(text)):
        if _holiday_candidate(m, ref) is None:
            return m.group(0)
    return None


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
            out.append(
                _Cand(
                    m.start(),
                    m.end(),
                    "period",
                    chosen,
                    past_date=past,
                    approximate=_month_part_date(ref.year, mo, part)[1],
                )
            )

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
        out.append(
            _Cand(m.start(), m.end(), "relative", ref + timedelta(days=_REL_DAY[word]), hint=_REL_DAY_HINT.get(word))
        )

    for m in _WEEKDAY_RE.finditer(norm):
        pre = m.group("pre")
        index = _WEEKDAY_INDEX[m.group("d")]
        if pre:
            offset = _WEEK_OFFSET[pre.rstrip("个")]
            out.append(
                _Cand(
                    m.start(),
                    m.end(),
                    "weekday",
                    this_monday + timedelta(days=7 * offset + index),
                    weekday=index,
                    week_offset=offset,
                )
            )
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
            out.append(
                _Cand(
                    m.start(),
                    m.end(),
                    "period",
                    _month_part_date(y, mo, part)[0],
                    past_date=this_month,
                    approximate=approx,
                )
            )

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

    for m in _HOLIDAY_RE.finditer(norm):
        if cand := _holiday_candidate(m, ref):
            out.append(cand)

    for t in _time_mentions(norm):
        out.append(_Cand(t.start, t.end, "time", ref, time=t.time, day_shift=t.day_shift, hint=t.hint, weak=t.weak))
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
    return _Cand(m.start(), m.end(), "within" if within else "duration", dt, deadline=within, approximate=approximate)


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
                if nxt.kind == "time" and re.fullmatch(r"[\s的]*", norm[c.end : nxt.start]):
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
            date=day + timedelta(days=day_shift),
            span=(c.start, end),
            text=text[c.start : end],
            kind=c.kind,
            time=time_value,
            deadline=deadline,
            approximate=approximate,
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


# --- dates in plans (meeting notes): the conventions a sales plan is read by ------------------------------

_DAY_FIXED = {"元旦": (1, 1), "国庆": (10, 1), "五一": (5, 1), "劳动节": (5, 1)}
_EVE_FIXED = {"国庆": (9, 30), "五一": (4, 30), "劳动节": (4, 30), "元旦": (12, 31)}
_MONTHS_EN = ("january february march april may june july august september october november december").split()
# "End of October我们…": no \b there (Chinese characters are word characters too)
_END_OF_MONTH_EN = re.compile(
    r"(?:by\s+)?(?:the\s+)?end\s+of\s+(" + "|".join(m + "|" + m[:3] for m in _MONTHS_EN) + r")(?![a-z])", re.I
)
_YEARLESS_MONTH = re.compile(r"^(?:\d{1,2}|[一二三四五六七八九十]{1,3})月")


# the festivals whose day moves with the lunar calendar: (lunar month, lunar day); 清明 is a solar term instead
# (七夕, 元宵 and 重阳 are no days off, but retail plans launches before them: 「七夕前要上线，七夕是我们的大促节点」)
_LUNAR_FESTIVALS = {
    "春节": (1, 1),
    "过年": (1, 1),
    "元宵": (1, 15),
    "端午": (5, 5),
    "七夕": (7, 7),
    "中秋": (8, 15),
    "重阳": (9, 9),
    "腊八": (12, 8),  # the last lunar month: in January or February of the next solar year
}
_QINGMING_TERM = 6  # solar terms counted from 小寒 (0): 清明 is the seventh


def festival_day(word: str, year: int) -> date:
    """The day a moving festival (春节/过年/端午/中秋/清明) falls on in `year`, whatever chinese_calendar knows.

    borax converts the lunar calendar and computes solar terms; it is small and pure Python, and only plans
    need it, so it is imported here.
    """
    from borax.calendars.lunardate import LunarDate, TermUtils

    if word == "清明":
        return TermUtils.nth_term_day(year, _QINGMING_TERM)
    return LunarDate(year, *_LUNAR_FESTIVALS[word]).to_solar_date()


def lunar_new_year_eve(year: int) -> date:
    """除夕 of the Spring Festival that falls in `year`."""
    return festival_day("春节", year) - timedelta(days=1)


def _festival_eve(word: str, ref: date) -> date:
    """The day before the next `word` festival on or after `ref` (「端午前」 in a plan; 「腊八前」 said in January
    is the 腊八 of the lunar year that started the year before)."""
    eves = (festival_day(word, year) - timedelta(days=1) for year in (ref.year - 1, ref.year, ref.year + 1))
    return min(day for day in eves if day >= ref)


def plan_dates(text: str, ref: date | datetime) -> list[DateFound]:
    """`find_dates` read the way a plan in meeting notes means it.

    - "国庆前 / 五一前 / 元旦前" is the day before the holiday (09-30, 04-30, 12-31), "春节前" is 除夕 and
      "端午前 / 中秋前 / 清明前" the day before the festival: a plan names the holiday, not the last workday
      before the break (which is what a task reminder needs).
    - A month without a year ("12月底", "3月5号") is the next such date on or after the reference date.
    - "End of October" (English in a Chinese transcript) is the last day of that month.
    """
    ref = _as_date(ref)
    out: list[DateFound] = []
    for d in find_dates(text, ref):
        day = d.date
        m = _HOLIDAY_RE.match(normalize(d.text))
        if d.kind == "holiday" and m and not m.group("rel") and m.group("h") in _DAY_FIXED:
            month, day_of_month = _DAY_FIXED[m.group("h")]  # 元旦 is 01-01 whatever the calendar package knows
            day = date(day.year, month, day_of_month)
            d = replace(d, approximate=False)
        elif d.kind == "holiday" and m and (m.group("rel") or "").endswith("前"):
            word = m.group("h")
            d = replace(d, approximate=False)  # the eve is a known day even where the break is not
            year = day.year if day >= ref else day.year + 1
            if word in _EVE_FIXED:
                day = date(year, *_EVE_FIXED[word])
                if day < ref:
                    day = date(year + 1, *_EVE_FIXED[word])
            elif word in _LUNAR_FESTIVALS or word == "清明":
                day = _festival_eve(word, ref)
        elif d.kind in ("absolute", "period") and day < ref and _YEARLESS_MONTH.match(normalize(d.text)):
            rolled = _safe_date(day.year + 1, day.month, day.day) or _month_end(day.year + 1, day.month)
            if (rolled - ref).days <= 366:
                day = rolled
        out.append(replace(d, date=day) if day != d.date else d)
    norm = normalize(text)
    for m in _END_OF_MONTH_EN.finditer(norm):
        month = next(i for i, name in enumerate(_MONTHS_EN, 1) if name.startswith(m.group(1).lower()[:3]))
        year = ref.year if _month_end(ref.year, month) >= ref else ref.year + 1
        out.append(DateFound(_month_end(year, month), m.span(), text[m.start() : m.end()], "period", deadline=True))
    # the moving festivals in years chinese_calendar does not know yet: their day is known, their break is not
    for m in re.finditer(r"(春节|过年|元宵|端午|七夕|中秋|重阳|清明|腊八)节?(?:之前|以前|前)", norm):
        if any(_overlaps(m.span(), [d.span]) for d in out):
            continue
        day = _festival_eve(m.group(1), ref)
        out.append(DateFound(day, m.span(), text[m.start() : m.end()], "holiday", deadline=True))
    # the shopping festivals a retail plan is timed by: "双十一前上线" is by 11-10
    for m in re.finditer(r"双(十一|11|十二|12)(?:之前|以前|前)", norm):
        if any(_overlaps(m.span(), [d.span]) for d in out):
            continue
        month = 11 if m.group(1) in ("十一", "11") else 12
        day = date(ref.year, month, month) - timedelta(days=1)
        day = day if day >= ref else date(ref.year + 1, month, month) - timedelta(days=1)
        out.append(DateFound(day, m.span(), text[m.start() : m.end()], "holiday", deadline=True))
    return sorted(out, key=lambda d: d.span)
