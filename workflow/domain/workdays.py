"""Working days in China: the 补正 deadline of a one-time notice, and whether a supply is late.

Which days are worked comes from the `chinese-calendar` library (chinesecalendar on PyPI),
which carries the State Council's yearly holiday notices: public holidays, and the weekend days
worked in lieu (调休上班). Its data stops at the last year announced; a date past it (or before
its first year) is an error, never a guess, since a guessed deadline would be printed on a
notice as if it were the law's. Updating the library extends the range.

The rules:

* "N 个工作日内补正" counts working days after the day of issue: issued on a Friday, 5 working
  days end on the next Friday (the day of issue does not count, whether worked or not).
* A supply made on the deadline day is on time; after it, late. A moment is read as a date in
  the office's zone (`workflow.clock`), so a supply at 23:30 in Beijing is that day's; a naive moment is
  UTC, as the database stores it.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import chinese_calendar

from workflow.clock import office_zone

__all__ = [
    "MAX_WORKING_DAYS",
    "CalendarRangeError",
    "deadline_after",
    "is_late",
    "is_working_day",
    "known_years",
]

# A 补正 window is 3-15 working days; sixty (three months) bounds the count and the walk.
MAX_WORKING_DAYS = 60


class CalendarRangeError(ValueError):
    """A date outside the years whose holidays the calendar library knows."""


@cache
def known_years() -> tuple[int, int]:
    """The first and last year of the library's holiday data (fixed for a given release)."""
    days = chinese_calendar.holidays.keys()
    return min(days).year, max(days).year


def is_working_day(day: dt.date) -> bool:
    """Whether `day` is worked in China (a weekday not on holiday, or a make-up workday)."""
    first, last = known_years()
    if not first <= day.year <= last:
        raise CalendarRangeError(
            f"{day.isoformat()} 不在节假日数据覆盖的年份({first}-{last} 年)内,无法计算工作日;"
            "请更新 chinesecalendar 程序库(国务院公布次年放假安排后发布新版本)"
        )
    return bool(chinese_calendar.is_workday(day))


def deadline_after(issued: dt.date, working_days: int) -> dt.date:
    """The last day to supply: the `working_days`-th working day after `issued`."""
    if isinstance(working_days, bool) or not 1 <= working_days <= MAX_WORKING_DAYS:
        raise ValueError(f"补正期限应为 1 至 {MAX_WORKING_DAYS} 个工作日: {working_days}")
    day, left = issued, working_days
    while left:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def is_late(supplied: dt.date | dt.datetime, deadline: dt.date) -> bool:
    """Whether a supply made on (or at) `supplied` came after the deadline day."""
    if isinstance(supplied, dt.datetime):
        moment = supplied if supplied.tzinfo is not None else supplied.replace(tzinfo=dt.UTC)
        supplied = moment.astimezone(office_zone()).date()
    return supplied > deadline
