"""Deadlines, overdue and due-soon: what a measure owes by when, as pure date arithmetic.

Nothing here reads the database or the clock: every function takes ``today``, so the status
pages, the overdue report and the tests agree on one answer for one day. The rules:

* A fixed deadline (``2025年12月底前完成``, also the fixed part of ``…完成并持续推进``) is
  overdue once its due date has passed (``due < today``) while the measure is still planned
  or in progress; the due day itself is not late.
* An annual deadline (``每年4月底前完成``) is one obligation per year: each year ``Y`` whose due
  date falls in the plan period needs evidence dated in ``Y``. A past year without such
  evidence is overdue unless the measure is accepted, even after a self-check, because that
  year's evidence is still missing.
* An ongoing deadline (``持续推进``) has no due date and is never late; it needs evidence dated
  in the plan period (`evidence_in_period`).
* A measure returned for rectification is in progress with a ``rectification_due``; once that
  has passed it is overdue as well (整改逾期), beside any deadline it misses.
* Due soon: not overdue, and the next date that would make it overdue is within a window.

Called for every measure of every plan (about 14,000 at a time), so the code keeps to integer
and `date` arithmetic: no regexes, no per-call allocations beyond the results.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from checklists.kinds import DeadlineKind

__all__ = [
    "DUE_SOON_DAYS",
    "MeasureDates",
    "Overdue",
    "OverdueKind",
    "PlanPeriod",
    "annual_due",
    "due_soon",
    "evidence_in_period",
    "missing_years",
    "next_due",
    "obligation_years",
    "overdue",
    "plan_period",
]

DUE_SOON_DAYS = 30

# State values as stored (`MeasureState` values); plain strings so this module stays free of
# the database layer. A `StrEnum` member hashes and compares as its value, so either works.
_PLANNED = "planned"
_IN_PROGRESS = "in_progress"
_SELF_CHECKED = "self_checked"
_ACCEPTED = "accepted"
_STATES = frozenset({_PLANNED, _IN_PROGRESS, _SELF_CHECKED, _ACCEPTED})
# A fixed deadline is met by the self-check: the review's pace is not the unit's lateness.
_OPEN = frozenset({_PLANNED, _IN_PROGRESS})

_FIXED_KINDS = frozenset({DeadlineKind.FIXED, DeadlineKind.FIXED_THEN_ONGOING})

# How many years `next_due` tries for an unmet annual obligation. The year after the current
# one always has a due date after today; a third covers evidence already dated in that year.
_YEARS_AHEAD = 3


@dataclass(frozen=True, slots=True)
class PlanPeriod:
    """The plan's period; a None bound is open (no start known, or no end set)."""

    start: dt.date | None
    end: dt.date | None

    def contains(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class MeasureDates:
    """The dates of one measure that deadlines depend on.

    ``due_on`` is the fixed due date (fixed and fixed-then-ongoing deadlines); ``due_month`` and
    ``due_day`` the annual due day (``due_day`` None: the month's last day). ``state`` is a
    measure state value. ``evidence_dates`` are the dates of its evidence: a document's own
    date where known, else its upload date.
    """

    deadline_kind: DeadlineKind
    due_on: dt.date | None
    due_month: int | None
    due_day: int | None
    state: str
    rectification_due: dt.date | None = None
    evidence_dates: tuple[dt.date, ...] = ()

    def __post_init__(self) -> None:
        # A misspelt state would otherwise read as "done" and hide an overdue measure.
        if self.state not in _STATES:
            raise ValueError(f"未知的措施状态: {self.state!r}")


class OverdueKind(StrEnum):
    DEADLINE = "deadline"
    ANNUAL = "annual"
    RECTIFICATION = "rectification"


@dataclass(frozen=True, slots=True)
class Overdue:
    """One missed date: a fixed deadline, one year of an annual deadline, or a rectification."""

    kind: OverdueKind
    due: dt.date
    days_late: int
    year: int | None  # the obligation year, for annual deadlines only
    text: str

    def as_dict(self) -> dict[str, object]:
        """The JSON form the status, worklist and API answers share."""
        return {
            "kind": self.kind.value,
            "due": self.due.isoformat(),
            "days_late": self.days_late,
            "year": self.year,
            "text": self.text,
        }


def annual_due(year: int, month: int, day: int | None) -> dt.date:
    """The due date of ``year``'s part of an annual deadline; ``day`` None is the month's end.

    A day past the month's end falls back to its last day, so ``每年2月29日`` (accepted by the
    parser because 2024 has one) is due on 28 February in ordinary years.
    """
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, last if day is None or day > last else day)


def _lower_bound(period: PlanPeriod, today: dt.date) -> dt.date:
    # Without a known start, earlier years cannot be told apart from years before the plan,
    # so only the current year's obligation (and later ones) count.
    return period.start if period.start is not None else dt.date(today.year, 1, 1)


def obligation_years(m: MeasureDates, period: PlanPeriod, today: dt.date) -> list[int]:
    """Years, ascending, whose annual due date lies in the plan period and has passed.

    Empty for a measure without an annual deadline.
    """
    month = m.due_month
    if m.deadline_kind != DeadlineKind.ANNUAL or month is None:
        return []
    low = _lower_bound(period, today)
    years: list[int] = []
    for year in range(low.year, today.year + 1):
        due = annual_due(year, month, m.due_day)
        if due >= today or (period.end is not None and due > period.end):
            break
        if due >= low:
            years.append(year)
    return years


def missing_years(m: MeasureDates, period: PlanPeriod, today: dt.date) -> list[int]:
    """Obligation years, ascending, without evidence dated in that year."""
    years = obligation_years(m, period, today)
    if not years:
        return years
    covered = {d.year for d in m.evidence_dates}
    return [year for year in years if year not in covered]


def _annual_rule(month: int, day: int | None) -> str:
    return f"每年{month}月底前" if day is None else f"每年{month}月{day}日前"


def overdue(m: MeasureDates, period: PlanPeriod, today: dt.date) -> list[Overdue]:
    """Every missed date of a measure, oldest deadline first, a missed rectification last.

    Empty when the measure is not overdue.
    """
    found: list[Overdue] = []
    if m.deadline_kind in _FIXED_KINDS:
        due = m.due_on
        if due is not None and due < today and m.state in _OPEN:
            late = (today - due).days
            text = f"{due.isoformat()} 到期,已逾期 {late} 天"
            found.append(Overdue(OverdueKind.DEADLINE, due, late, None, text))
    elif (
        m.deadline_kind == DeadlineKind.ANNUAL
        and (month := m.due_month) is not None
        and m.state != _ACCEPTED
    ):
        rule = _annual_rule(month, m.due_day)
        for year in missing_years(m, period, today):
            due = annual_due(year, month, m.due_day)
            late = (today - due).days
            text = f"{year}年度({rule})未提交佐证材料,已逾期 {late} 天"
            found.append(Overdue(OverdueKind.ANNUAL, due, late, year, text))
    rect = m.rectification_due
    if rect is not None and rect < today and m.state == _IN_PROGRESS:
        late = (today - rect).days
        text = f"整改期限 {rect.isoformat()} 已过 {late} 天"
        found.append(Overdue(OverdueKind.RECTIFICATION, rect, late, None, text))
    return found


def _next_annual(m: MeasureDates, month: int, period: PlanPeriod, today: dt.date) -> dt.date | None:
    low = _lower_bound(period, today)
    covered = {d.year for d in m.evidence_dates}
    first = max(low.year, today.year)
    for year in range(first, first + _YEARS_AHEAD):
        due = annual_due(year, month, m.due_day)
        if period.end is not None and due > period.end:
            return None
        if due >= today and due >= low and year not in covered:
            return due
    return None


def next_due(m: MeasureDates, period: PlanPeriod, today: dt.date) -> dt.date | None:
    """The earliest date on or after today that the measure would become overdue after.

    Uses the same state rules as `overdue`: a fixed deadline counts while the measure is planned
    or in progress, the next unmet annual year until it is accepted, the rectification due
    while it is in progress. None when nothing is owed by a date.
    """
    best: dt.date | None = None
    if m.deadline_kind in _FIXED_KINDS:
        due = m.due_on
        if due is not None and due >= today and m.state in _OPEN:
            best = due
    elif (
        m.deadline_kind == DeadlineKind.ANNUAL
        and (month := m.due_month) is not None
        and m.state != _ACCEPTED
    ):
        best = _next_annual(m, month, period, today)
    rect = m.rectification_due
    if (
        rect is not None
        and rect >= today
        and m.state == _IN_PROGRESS
        and (best is None or rect < best)
    ):
        best = rect
    return best


def due_soon(
    m: MeasureDates, period: PlanPeriod, today: dt.date, within_days: int = DUE_SOON_DAYS
) -> dt.date | None:
    """The next due date when it is at most ``within_days`` away and nothing is overdue yet.

    An overdue measure is reported as overdue only, so one measure never shows in both lists.
    """
    due = next_due(m, period, today)
    if due is None or (due - today).days > within_days:
        return None
    if overdue(m, period, today):
        return None
    return due


def evidence_in_period(dates: Iterable[dt.date], period: PlanPeriod) -> bool:
    """Whether any evidence is dated in the plan period (what an ongoing measure needs)."""
    return any(period.contains(d) for d in dates)


def plan_period(
    issued_on: dt.date | None,
    phase_bounds: Iterable[tuple[dt.date | None, dt.date | None]],
    due_dates: Iterable[dt.date],
) -> PlanPeriod:
    """The period a plan covers, from what its document says.

    Start: the issue date, else the earliest phase start. End: the latest phase end, else the
    latest fixed due date of its measures, else open.
    """
    starts: list[dt.date] = []
    ends: list[dt.date] = []
    for start, end in phase_bounds:
        if start is not None:
            starts.append(start)
        if end is not None:
            ends.append(end)
    first = issued_on if issued_on is not None else min(starts, default=None)
    last = max(ends, default=None)
    if last is None:
        last = max(due_dates, default=None)
    return PlanPeriod(first, last)
