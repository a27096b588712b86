from __future__ import annotations

import datetime as dt

import pytest

from checklists.catalog import DeadlineKind
from workflow.domain.obligations import (
    MeasureDates,
    Overdue,
    OverdueKind,
    PlanPeriod,
    annual_due,
    due_soon,
    evidence_in_period,
    missing_years,
    next_due,
    obligation_years,
    overdue,
    plan_period,
)

D = dt.date

STATES = ["planned", "in_progress", "self_checked", "accepted"]
OPEN_STATES = ["planned", "in_progress"]
DONE_STATES = ["self_checked", "accepted"]
FIXED_KINDS = [DeadlineKind.FIXED, DeadlineKind.FIXED_THEN_ONGOING]

PLAN = PlanPeriod(D(2024, 1, 31), D(2025, 12, 31))
OPEN = PlanPeriod(None, None)


def fixed(
    due: dt.date,
    state: str = "in_progress",
    kind: DeadlineKind = DeadlineKind.FIXED,
    rectification_due: dt.date | None = None,
) -> MeasureDates:
    return MeasureDates(kind, due, None, None, state, rectification_due)


def annual(
    month: int = 4,
    day: int | None = None,
    state: str = "in_progress",
    evidence: tuple[dt.date, ...] = (),
    rectification_due: dt.date | None = None,
) -> MeasureDates:
    return MeasureDates(DeadlineKind.ANNUAL, None, month, day, state, rectification_due, evidence)


def ongoing(
    state: str = "in_progress",
    evidence: tuple[dt.date, ...] = (),
    rectification_due: dt.date | None = None,
) -> MeasureDates:
    return MeasureDates(DeadlineKind.ONGOING, None, None, None, state, rectification_due, evidence)


# --- PlanPeriod / evidence_in_period -----------------------------------------------------


@pytest.mark.parametrize(
    ("period", "day", "expected"),
    [
        (PLAN, D(2024, 1, 31), True),
        (PLAN, D(2025, 12, 31), True),
        (PLAN, D(2024, 1, 30), False),
        (PLAN, D(2026, 1, 1), False),
        (PlanPeriod(None, D(2025, 12, 31)), D(1990, 1, 1), True),
        (PlanPeriod(None, D(2025, 12, 31)), D(2026, 1, 1), False),
        (PlanPeriod(D(2024, 1, 31), None), D(2099, 1, 1), True),
        (PlanPeriod(D(2024, 1, 31), None), D(2024, 1, 30), False),
        (OPEN, D(1990, 1, 1), True),
    ],
)
def test_a_plan_period_contains_its_bounds_and_none_bounds_are_open(
    period: PlanPeriod, day: dt.date, expected: bool
) -> None:
    assert period.contains(day) is expected


@pytest.mark.parametrize(
    ("dates", "period", "expected"),
    [
        ([D(2024, 3, 10)], PLAN, True),
        ([D(2023, 12, 1), D(2026, 1, 1)], PLAN, False),
        ([D(2023, 12, 1), D(2025, 12, 31)], PLAN, True),
        ([], PLAN, False),
        ([], OPEN, False),
        ([D(1990, 1, 1)], OPEN, True),
        ([D(2030, 1, 1)], PlanPeriod(D(2024, 1, 31), None), True),
        ([D(2023, 1, 1)], PlanPeriod(D(2024, 1, 31), None), False),
        ([D(2020, 1, 1)], PlanPeriod(None, D(2025, 12, 31)), True),
        ([D(2026, 1, 1)], PlanPeriod(None, D(2025, 12, 31)), False),
    ],
)
def test_evidence_in_period_needs_one_date_inside_the_period_with_open_bounds_open(
    dates: list[dt.date], period: PlanPeriod, expected: bool
) -> None:
    assert evidence_in_period(dates, period) is expected


def test_evidence_in_period_accepts_any_iterable() -> None:
    assert evidence_in_period(iter([D(2025, 1, 1)]), PLAN)


# --- plan_period -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("issued_on", "phases", "due_dates", "expected"),
    [
        (
            D(2024, 1, 31),
            [(D(2023, 9, 1), D(2024, 4, 30)), (D(2024, 5, 1), D(2025, 12, 31))],
            [D(2026, 6, 30)],
            PlanPeriod(D(2024, 1, 31), D(2025, 12, 31)),
        ),
        (
            None,
            [(D(2024, 5, 1), D(2025, 12, 31)), (D(2023, 9, 1), D(2024, 4, 30))],
            [],
            PlanPeriod(D(2023, 9, 1), D(2025, 12, 31)),
        ),
        (
            None,
            [(None, D(2025, 12, 31)), (D(2024, 5, 1), None)],
            [D(2026, 6, 30)],
            PlanPeriod(D(2024, 5, 1), D(2025, 12, 31)),
        ),
        (
            D(2024, 1, 31),
            [(D(2024, 5, 1), None)],
            [D(2024, 6, 30), D(2025, 12, 31), D(2025, 6, 30)],
            PlanPeriod(D(2024, 1, 31), D(2025, 12, 31)),
        ),
        (D(2024, 1, 31), [], [], PlanPeriod(D(2024, 1, 31), None)),
        (None, [(None, None)], [], PlanPeriod(None, None)),
        (None, [], [D(2025, 12, 31)], PlanPeriod(None, D(2025, 12, 31))),
    ],
    ids=[
        "issue-date-wins-over-an-earlier-phase-and-latest-phase-end-over-due-dates",
        "no-issue-date-takes-the-earliest-phase-start",
        "open-phase-bounds-are-skipped",
        "no-phase-end-takes-the-latest-due-date",
        "nothing-to-end-on-leaves-the-end-open",
        "nothing-at-all-is-fully-open",
        "due-dates-alone-give-an-end",
    ],
)
def test_plan_period_falls_back_from_issue_date_and_phases_to_due_dates(
    issued_on: dt.date | None,
    phases: list[tuple[dt.date | None, dt.date | None]],
    due_dates: list[dt.date],
    expected: PlanPeriod,
) -> None:
    assert plan_period(issued_on, phases, due_dates) == expected


def test_plan_period_reads_generators_once() -> None:
    phases = ((s, e) for s, e in [(D(2024, 1, 1), D(2024, 12, 31))])
    dues = (d for d in [D(2025, 6, 30)])
    assert plan_period(None, phases, dues) == PlanPeriod(D(2024, 1, 1), D(2024, 12, 31))


# --- MeasureDates ------------------------------------------------------------------------


def test_measure_dates_reject_an_unknown_state() -> None:
    with pytest.raises(ValueError, match="未知的措施状态"):
        fixed(D(2025, 12, 31), state="done")


# --- fixed deadlines ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", FIXED_KINDS)
@pytest.mark.parametrize("state", OPEN_STATES)
@pytest.mark.parametrize(
    ("today", "days_late"),
    [(D(2026, 1, 30), 30), (D(2026, 1, 1), 1), (D(2025, 12, 31), None), (D(2025, 6, 1), None)],
    ids=["a-month-after", "the-day-after", "on-the-due-day", "before"],
)
def test_a_fixed_deadline_is_overdue_only_after_its_due_day(
    kind: DeadlineKind, state: str, today: dt.date, days_late: int | None
) -> None:
    found = overdue(fixed(D(2025, 12, 31), state, kind), PLAN, today)
    if days_late is None:
        assert found == []
    else:
        assert found == [
            Overdue(
                OverdueKind.DEADLINE,
                D(2025, 12, 31),
                days_late,
                None,
                f"2025-12-31 到期,已逾期 {days_late} 天",
            )
        ]


@pytest.mark.parametrize("kind", FIXED_KINDS)
@pytest.mark.parametrize("state", DONE_STATES)
def test_a_self_checked_or_accepted_measure_is_never_overdue_by_its_fixed_deadline(
    kind: DeadlineKind, state: str
) -> None:
    m = fixed(D(2024, 6, 30), state, kind)
    assert overdue(m, PLAN, D(2026, 6, 1)) == []
    assert next_due(m, PLAN, D(2024, 6, 1)) is None
    assert due_soon(m, PLAN, D(2024, 6, 1)) is None


def test_a_fixed_deadline_ignores_the_plan_period() -> None:
    m = fixed(D(2027, 6, 30))
    assert overdue(m, PLAN, D(2027, 7, 1))[0].days_late == 1


# --- annual deadlines --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "month", "day", "expected"),
    [
        (2025, 4, None, D(2025, 4, 30)),
        (2025, 12, None, D(2025, 12, 31)),
        (2024, 2, None, D(2024, 2, 29)),
        (2025, 2, None, D(2025, 2, 28)),
        (2100, 2, None, D(2100, 2, 28)),
        (2025, 4, 15, D(2025, 4, 15)),
        (2024, 2, 29, D(2024, 2, 29)),
        (2025, 2, 29, D(2025, 2, 28)),
    ],
)
def test_annual_due_is_the_day_given_or_the_months_last_day_incl_leap_februaries(
    year: int, month: int, day: int | None, expected: dt.date
) -> None:
    assert annual_due(year, month, day) == expected


def test_an_annual_measure_is_overdue_for_each_past_year_without_evidence_dated_in_it() -> None:
    m = annual(4, None, evidence=(D(2024, 3, 10),))
    today = D(2026, 6, 1)
    assert obligation_years(m, PLAN, today) == [2024, 2025]
    assert missing_years(m, PLAN, today) == [2025]
    assert overdue(m, PLAN, today) == [
        Overdue(
            OverdueKind.ANNUAL,
            D(2025, 4, 30),
            397,
            2025,
            "2025年度(每年4月底前)未提交佐证材料,已逾期 397 天",
        )
    ]


def test_an_annual_overdue_text_names_the_day_when_the_deadline_has_one() -> None:
    (found,) = overdue(annual(4, 30), PLAN, D(2024, 11, 25))
    assert found.text == "2024年度(每年4月30日前)未提交佐证材料,已逾期 209 天"


def test_an_annual_measure_is_overdue_for_every_missing_year_oldest_first() -> None:
    found = overdue(annual(4), PLAN, D(2026, 6, 1))
    assert [(o.year, o.due, o.days_late) for o in found] == [
        (2024, D(2024, 4, 30), 762),
        (2025, D(2025, 4, 30), 397),
    ]


@pytest.mark.parametrize(
    ("evidence", "missing"),
    [
        ((D(2024, 12, 31), D(2025, 1, 1)), []),
        ((D(2025, 4, 30),), [2024]),
        # Late evidence still covers its year: the obligation is per year, not per due day.
        ((D(2024, 11, 1), D(2025, 9, 1)), []),
        ((D(2023, 12, 31), D(2026, 1, 1)), [2024, 2025]),
    ],
)
def test_an_annual_years_obligation_is_met_by_evidence_dated_in_that_calendar_year(
    evidence: tuple[dt.date, ...], missing: list[int]
) -> None:
    assert missing_years(annual(4, evidence=evidence), PLAN, D(2026, 6, 1)) == missing


@pytest.mark.parametrize(
    ("period", "today", "years"),
    [
        (PLAN, D(2024, 4, 30), []),
        (PLAN, D(2024, 5, 1), [2024]),
        (PLAN, D(2030, 1, 1), [2024, 2025]),
        (PlanPeriod(D(2024, 5, 1), D(2025, 12, 31)), D(2026, 6, 1), [2025]),
        (PlanPeriod(D(2024, 1, 1), D(2025, 4, 29)), D(2026, 6, 1), [2024]),
        (PlanPeriod(D(2024, 1, 1), D(2025, 4, 30)), D(2026, 6, 1), [2024, 2025]),
        (PlanPeriod(D(2024, 1, 31), None), D(2027, 5, 1), [2024, 2025, 2026, 2027]),
        (PlanPeriod(D(2027, 1, 1), None), D(2026, 6, 1), []),
        (PlanPeriod(None, None), D(2026, 6, 1), [2026]),
        (PlanPeriod(None, None), D(2026, 4, 1), []),
        (PlanPeriod(None, D(2025, 12, 31)), D(2026, 6, 1), []),
    ],
    ids=[
        "due-today-is-not-yet-an-obligation",
        "the-day-after-the-due-day",
        "years-after-the-plan-end-do-not-count",
        "a-start-after-the-first-due-day-skips-that-year",
        "an-end-before-the-due-day-skips-that-year",
        "an-end-on-the-due-day-keeps-that-year",
        "an-open-end-runs-to-today",
        "a-plan-not-yet-started",
        "no-start-counts-only-the-current-year",
        "no-start-and-the-current-year-not-yet-due",
        "no-start-and-the-plan-already-ended",
    ],
)
def test_obligation_years_are_the_years_whose_due_day_passed_within_the_plan_period(
    period: PlanPeriod, today: dt.date, years: list[int]
) -> None:
    assert obligation_years(annual(4), period, today) == years


@pytest.mark.parametrize(
    ("today", "years"),
    [(D(2024, 2, 29), []), (D(2024, 3, 1), [2024]), (D(2025, 3, 1), [2024, 2025])],
)
def test_an_annual_deadline_at_the_end_of_february_follows_leap_years(
    today: dt.date, years: list[int]
) -> None:
    m = annual(2, None)
    assert obligation_years(m, PlanPeriod(D(2024, 1, 1), None), today) == years
    assert [o.due for o in overdue(m, PlanPeriod(D(2024, 1, 1), None), today)] == [
        annual_due(y, 2, None) for y in years
    ]


@pytest.mark.parametrize(
    ("state", "is_overdue"), [*((s, True) for s in STATES[:3]), ("accepted", False)]
)
def test_an_annual_measure_with_a_missing_past_year_is_overdue_until_accepted(
    state: str, is_overdue: bool
) -> None:
    m = annual(4, state=state, evidence=(D(2024, 3, 10),))
    assert bool(overdue(m, PLAN, D(2026, 6, 1))) is is_overdue


@pytest.mark.parametrize("kind", [DeadlineKind.FIXED, DeadlineKind.ONGOING, DeadlineKind.NONE])
def test_only_annual_deadlines_have_obligation_years(kind: DeadlineKind) -> None:
    m = MeasureDates(kind, D(2024, 6, 30), 4, None, "planned")
    assert obligation_years(m, PLAN, D(2026, 6, 1)) == []
    assert missing_years(m, PLAN, D(2026, 6, 1)) == []


def test_an_annual_deadline_without_a_month_owes_nothing() -> None:
    m = annual(4)
    broken = MeasureDates(m.deadline_kind, None, None, None, m.state)
    assert obligation_years(broken, PLAN, D(2026, 6, 1)) == []
    assert overdue(broken, PLAN, D(2026, 6, 1)) == []
    assert next_due(broken, PLAN, D(2026, 6, 1)) is None


# --- ongoing and no deadline -------------------------------------------------------------


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("kind", [DeadlineKind.ONGOING, DeadlineKind.NONE])
@pytest.mark.parametrize("today", [D(2020, 1, 1), D(2026, 6, 1), D(2099, 12, 31)])
def test_ongoing_and_undated_measures_are_never_overdue_or_due_by_deadline(
    state: str, kind: DeadlineKind, today: dt.date
) -> None:
    m = MeasureDates(kind, None, None, None, state)
    assert overdue(m, PLAN, today) == []
    assert next_due(m, PLAN, today) is None
    assert due_soon(m, PLAN, today) is None


# --- rectification -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "m",
    [
        ongoing(rectification_due=D(2026, 1, 15)),
        fixed(D(2027, 6, 30), rectification_due=D(2026, 1, 15)),
        annual(4, evidence=(D(2024, 3, 1), D(2025, 3, 1)), rectification_due=D(2026, 1, 15)),
    ],
    ids=["ongoing", "fixed-not-yet-due", "annual-all-years-met"],
)
def test_a_returned_measure_past_its_rectification_due_is_overdue_for_rectification(
    m: MeasureDates,
) -> None:
    assert overdue(m, PLAN, D(2026, 1, 18)) == [
        Overdue(OverdueKind.RECTIFICATION, D(2026, 1, 15), 3, None, "整改期限 2026-01-15 已过 3 天")
    ]


def test_a_missed_rectification_is_listed_after_a_missed_deadline() -> None:
    m = fixed(D(2025, 12, 31), rectification_due=D(2026, 1, 15))
    found = overdue(m, PLAN, D(2026, 1, 18))
    assert [(o.kind, o.days_late) for o in found] == [
        (OverdueKind.DEADLINE, 18),
        (OverdueKind.RECTIFICATION, 3),
    ]


@pytest.mark.parametrize(
    ("state", "today"),
    [
        ("in_progress", D(2026, 1, 15)),
        ("in_progress", D(2026, 1, 1)),
        ("planned", D(2026, 3, 1)),
        ("self_checked", D(2026, 3, 1)),
        ("accepted", D(2026, 3, 1)),
    ],
    ids=["on-the-due-day", "before", "planned", "resubmitted", "accepted"],
)
def test_a_rectification_due_counts_only_after_it_and_only_while_in_progress(
    state: str, today: dt.date
) -> None:
    assert overdue(ongoing(state, rectification_due=D(2026, 1, 15)), PLAN, today) == []


# --- next_due and due_soon ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2025, 12, 31), D(2025, 12, 31)),
        (D(2025, 12, 1), D(2025, 12, 31)),
        (D(2025, 11, 30), None),
        (D(2025, 6, 1), None),
        (D(2026, 1, 1), None),
    ],
    ids=["due-today", "exactly-30-days", "31-days", "months-ahead", "already-overdue"],
)
def test_a_fixed_deadline_is_due_soon_within_30_days_inclusive(
    today: dt.date, expected: dt.date | None
) -> None:
    assert due_soon(fixed(D(2025, 12, 31)), PLAN, today) == expected


@pytest.mark.parametrize(("within", "expected"), [(7, None), (10, D(2025, 12, 31)), (0, None)])
def test_the_due_soon_window_is_a_parameter(within: int, expected: dt.date | None) -> None:
    assert due_soon(fixed(D(2025, 12, 31)), PLAN, D(2025, 12, 21), within) == expected


def test_a_due_day_today_is_due_soon_even_with_a_zero_day_window() -> None:
    assert due_soon(fixed(D(2025, 12, 31)), PLAN, D(2025, 12, 31), 0) == D(2025, 12, 31)


@pytest.mark.parametrize(
    ("evidence", "today", "expected"),
    [
        ((), D(2024, 4, 10), D(2024, 4, 30)),
        ((), D(2024, 4, 30), D(2024, 4, 30)),
        ((D(2024, 3, 1),), D(2024, 4, 10), D(2025, 4, 30)),
        ((D(2024, 3, 1),), D(2024, 6, 1), D(2025, 4, 30)),
        ((D(2024, 3, 1), D(2025, 1, 5)), D(2025, 4, 10), None),
        ((D(2024, 3, 1), D(2025, 1, 5)), D(2024, 6, 1), None),
    ],
    ids=[
        "this-year-unmet",
        "this-year-due-today",
        "this-year-met-takes-next-year",
        "this-year-passed-takes-next-year",
        "last-plan-year-met",
        "every-remaining-year-already-met",
    ],
)
def test_the_next_annual_due_is_the_next_unmet_year_in_the_plan_period(
    evidence: tuple[dt.date, ...], today: dt.date, expected: dt.date | None
) -> None:
    assert next_due(annual(4, evidence=evidence), PLAN, today) == expected


def test_the_next_annual_due_without_a_plan_end_runs_on() -> None:
    m = annual(4, evidence=(D(2030, 2, 1),))
    assert next_due(m, PlanPeriod(D(2024, 1, 31), None), D(2030, 4, 20)) == D(2031, 4, 30)


def test_the_next_annual_due_waits_for_a_plan_that_has_not_started() -> None:
    m = annual(4)
    assert next_due(m, PlanPeriod(D(2024, 5, 1), None), D(2024, 4, 1)) == D(2025, 4, 30)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("planned", D(2025, 4, 30)),
        ("in_progress", D(2025, 4, 30)),
        # A self-check does not supply next year's evidence, so that year still comes due.
        ("self_checked", D(2025, 4, 30)),
        ("accepted", None),
    ],
)
def test_an_annual_measure_is_due_soon_for_an_unmet_year_until_accepted(
    state: str, expected: dt.date | None
) -> None:
    m = annual(4, state=state, evidence=(D(2024, 3, 1),))
    assert due_soon(m, PLAN, D(2025, 4, 10)) == expected


def test_an_annual_measure_with_a_missing_past_year_is_overdue_not_due_soon() -> None:
    m = annual(4)
    assert overdue(m, PLAN, D(2025, 4, 10))
    assert next_due(m, PLAN, D(2025, 4, 10)) == D(2025, 4, 30)
    assert due_soon(m, PLAN, D(2025, 4, 10)) is None


@pytest.mark.parametrize(
    ("m", "expected"),
    [
        (fixed(D(2026, 6, 30), rectification_due=D(2026, 1, 20)), D(2026, 1, 20)),
        (fixed(D(2026, 1, 20), rectification_due=D(2026, 6, 30)), D(2026, 1, 20)),
        (ongoing(rectification_due=D(2026, 1, 20)), D(2026, 1, 20)),
        (ongoing("self_checked", rectification_due=D(2026, 1, 20)), None),
        (ongoing("planned", rectification_due=D(2026, 1, 20)), None),
    ],
    ids=[
        "rectification-before-deadline",
        "deadline-before-rectification",
        "ongoing-with-rectification",
        "resubmitted",
        "planned",
    ],
)
def test_next_due_is_the_earlier_of_deadline_and_rectification_while_in_progress(
    m: MeasureDates, expected: dt.date | None
) -> None:
    assert next_due(m, PLAN, D(2026, 1, 10)) == expected
    assert due_soon(m, PLAN, D(2026, 1, 10)) == expected


def test_a_measure_overdue_for_rectification_is_not_due_soon_for_its_deadline() -> None:
    m = fixed(D(2026, 1, 20), rectification_due=D(2026, 1, 5))
    assert next_due(m, PLAN, D(2026, 1, 10)) == D(2026, 1, 20)
    assert due_soon(m, PLAN, D(2026, 1, 10)) is None
