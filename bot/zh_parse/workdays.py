"""Chinese working days: public holidays off, make-up weekends (调休) on, from chinese_calendar.

chinese_calendar only knows a range of years and raises NotImplementedError outside it; there every function
here falls back to Monday-Friday, day by day, as `is_workday` does.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

import chinese_calendar


def _as_date(ref: date | datetime) -> date:
    return ref.date() if isinstance(ref, datetime) else ref


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
    try:
        return chinese_calendar.find_workday(0, d)
    except NotImplementedError:  # the search reached a year chinese_calendar does not know
        pass
    while not is_workday(d):
        d += timedelta(days=1)
    return d


def add_workdays(d: date | datetime, n: int) -> date:
    """The n-th workday after `d` (before it for negative n); n=0 returns `d` unchanged."""
    d = _as_date(d)
    if n == 0:
        return d  # find_workday(0, d) would move a holiday to the next workday
    try:
        if n > 0:
            # find_workday(k, day) first moves to a workday on or after `day`, then k workdays on: starting
            # the day after `d` keeps a holiday `d` from counting as the first step
            return chinese_calendar.find_workday(n - 1, d + timedelta(days=1))
        return chinese_calendar.find_workday(n, d)
    except NotImplementedError:  # the walk reached a year chinese_calendar does not know
        pass
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
    if a == b:
        return 0
    try:
        return len(chinese_calendar.get_workdays(a + timedelta(days=1), b))
    except NotImplementedError:  # an end lies in a year chinese_calendar does not know
        pass
    count = 0
    day = a
    while day < b:
        day += timedelta(days=1)
        if is_workday(day):
            count += 1
    return count
