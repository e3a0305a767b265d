"""Local working time: Chinese workdays (holidays off, 调休 weekends on), quiet hours, daily push windows."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo

from bot.schedule_config import SchedulerConfig
from bot.zh_parse import find_dates, is_workday

# "周五下午" names a half-day, not a time: remind at a sensible hour inside it
DAYPART_TIMES = [
    (re.compile(r"早上|早晨|清早|一早"), time(9, 0)),
    (re.compile(r"上午"), time(10, 0)),
    (re.compile(r"中午"), time(12, 0)),
    (re.compile(r"下午"), time(14, 0)),
    (re.compile(r"傍晚|下班前"), time(17, 0)),
    (re.compile(r"晚上|今晚|明晚"), time(19, 30)),
]


def due_moment(phrase: str | None, ref: date, tz: tzinfo) -> datetime | None:
    """The exact local time a due phrase names ("周五下午3点", "明天上午"), or None for a bare date."""
    if not phrase:
        return None
    found = find_dates(phrase, ref)
    if not found:
        return None
    first = found[0]
    if first.time is not None:
        return datetime.combine(first.date, first.time, tz)
    for pattern, at in DAYPART_TIMES:
        if pattern.search(first.text):
            return datetime.combine(first.date, at, tz)
    return None


def hm(t: datetime | time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def last_workday_on_or_before(d: date) -> date:
    while not is_workday(d):
        d -= timedelta(days=1)
    return d


def in_daily_window(cfg: SchedulerConfig, local: datetime, at: time, *, workdays_only: bool = True) -> bool:
    """Whether a daily push due at `at` may go out now: from `at` for `catch_up_hours`, outside quiet hours.

    A process that was down at 08:30 still sends the morning brief at 09:10; at 12:00 it would be stale.
    """
    if workdays_only and not is_workday(local.date()):
        return False
    start = datetime.combine(local.date(), at, local.tzinfo)
    if not start <= local < start + timedelta(hours=cfg.catch_up_hours):
        return False
    return not cfg.is_quiet(local.time())


def add_workday_hours(start: datetime, hours: float, work_hours: tuple[time, time]) -> datetime:
    """`start` plus `hours` that fall on Chinese workdays: a 24 h limit set on Friday afternoon runs out on
    Monday afternoon, not on Saturday. A limit set outside working hours (`work_hours`, local start and end)
    starts when the next working day starts, not at midnight: 4 h set on Sunday run out at 13:00 on Monday
    with 09:00-18:00 hours. Once started, the clock runs around the clock on workdays and stops on weekends
    and public holidays. `start` must be aware, in the local zone of the workdays."""
    opens, closes = work_hours
    at = start
    if not is_workday(at.date()) or at.time() >= closes:
        at = datetime.combine(at.date() + timedelta(days=1), time(0), at.tzinfo)
        while not is_workday(at.date()):
            at += timedelta(days=1)
        at = datetime.combine(at.date(), opens, at.tzinfo)
    elif at.time() < opens:
        at = datetime.combine(at.date(), opens, at.tzinfo)
    left = timedelta(hours=hours)
    while left > timedelta(0):
        midnight = datetime.combine(at.date() + timedelta(days=1), time(0), at.tzinfo)
        if is_workday(at.date()):
            step = min(left, midnight - at)
            at, left = at + step, left - step
        else:
            at = midnight
    return at


def is_ping_time(cfg: SchedulerConfig, local: datetime) -> bool:
    """Whether a colleague may be pinged about work now: a Chinese workday, outside quiet hours."""
    return is_workday(local.date()) and not cfg.is_quiet(local.time())


def work_slots(cfg: SchedulerConfig, start: datetime, days: int) -> list[datetime]:
    """Whole-hour slots inside working hours on Chinese workdays, from `start` (local, aware) on."""
    begin, end = cfg.work_hours
    slots = []
    day = start.date()
    for _ in range(days):
        if is_workday(day):
            hour = begin.hour if begin.minute == 0 else begin.hour + 1
            while time(hour) < end and hour < 24:
                slot = datetime.combine(day, time(hour), start.tzinfo)
                if slot >= start.replace(minute=0, second=0, microsecond=0) and not cfg.is_quiet(slot.time()):
                    slots.append(slot)
                hour += 1
        day += timedelta(days=1)
    return slots
