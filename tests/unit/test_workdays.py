"""补正 deadlines in China's working days, from the chinese-calendar library's data.

The dates checked are the State Council's published arrangements: National Day 2024 (1-7
October off, Sunday 29 September and Saturday 12 October worked) and Spring Festival 2025
(28 January - 4 February off, Sunday 26 January and Saturday 8 February worked).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.domain.workdays import (
    MAX_WORKING_DAYS,
    CalendarRangeError,
    deadline_after,
    is_late,
    is_working_day,
    known_years,
)

D = dt.date


def test_an_ordinary_week_counts_weekdays_after_the_day_of_issue() -> None:
    assert deadline_after(D(2024, 3, 8), 5) == D(2024, 3, 15)  # Friday → next Friday
    assert deadline_after(D(2024, 3, 9), 5) == D(2024, 3, 15)  # issued on a Saturday: Monday is day 1
    assert deadline_after(D(2024, 3, 11), 1) == D(2024, 3, 12)


def test_holidays_are_skipped_and_make_up_workdays_count() -> None:
    # Issued Friday 27 September 2024: Sunday 29 Sep is worked (1), Mon 30 Sep (2), 1-7 Oct off,
    # Tuesday 8 Oct (3), …, Saturday 12 Oct worked in lieu.
    assert is_working_day(D(2024, 9, 29)) and not is_working_day(D(2024, 10, 1))
    assert deadline_after(D(2024, 9, 27), 2) == D(2024, 9, 30)
    assert deadline_after(D(2024, 9, 27), 5) == D(2024, 10, 10)
    assert deadline_after(D(2024, 9, 27), 7) == D(2024, 10, 12)
    # Spring Festival 2025, issued Friday 24 January: Sunday 26 Jan worked (1), Mon 27 (2),
    # 28 Jan - 4 Feb off, Wed 5 Feb (3), Thu 6 (4), Fri 7 (5)
    assert deadline_after(D(2025, 1, 24), 5) == D(2025, 2, 7)


def test_dates_beyond_the_librarys_years_are_an_error_not_a_guess() -> None:
    first, last = known_years()
    expected = re.escape(f"不在节假日数据覆盖的年份({first}-{last} 年)内,无法计算工作日")
    with pytest.raises(CalendarRangeError, match=expected) as err:
        deadline_after(D(last, 12, 28), 10)
    assert f"{last + 1}-01-" in str(err.value)
    with pytest.raises(CalendarRangeError):
        is_working_day(D(first - 1, 6, 1))


@pytest.mark.parametrize("days", [0, -1, MAX_WORKING_DAYS + 1, True])
def test_the_number_of_working_days_is_bounded(days: int) -> None:
    with pytest.raises(ValueError, match=f"补正期限应为 1 至 {MAX_WORKING_DAYS} 个工作日"):
        deadline_after(D(2024, 3, 8), days)


def test_a_supply_on_the_deadline_day_is_on_time_in_the_offices_zone() -> None:
    deadline = D(2024, 3, 15)
    assert not is_late(D(2024, 3, 15), deadline)
    assert is_late(D(2024, 3, 16), deadline)
    # 15:30 UTC on the 15th is 23:30 in Beijing: still the 15th; 16:30 UTC is the 16th there
    assert not is_late(dt.datetime(2024, 3, 15, 15, 30, tzinfo=dt.UTC), deadline)
    assert is_late(dt.datetime(2024, 3, 15, 16, 30), deadline)  # naive: UTC, as stored


@given(
    issued=st.dates(D(2010, 1, 1), D(2024, 11, 30)),
    days=st.integers(1, 20),
)
def test_the_deadline_is_a_working_day_with_exactly_n_working_days_in_between(issued: dt.date, days: int) -> None:
    deadline = deadline_after(issued, days)
    assert is_working_day(deadline)
    between = [issued + dt.timedelta(n) for n in range(1, (deadline - issued).days + 1)]
    assert sum(map(is_working_day, between)) == days
