"""三色督办 colours and the rules' bounds, as plain date arithmetic (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from checklists.kinds import DeadlineKind
from workflow.domain.escalation import (
    Colour,
    EscalationRules,
    RuleError,
    Stage,
    colour_of,
    parse_assignments,
)
from workflow.domain.obligations import MeasureDates, PlanPeriod

D = dt.date
PERIOD = PlanPeriod(D(2025, 1, 1), D(2026, 12, 31))
RULES = EscalationRules()  # blue 15 days, yellow 5 days, yellow share 60 %


def fixed(due: dt.date, state: str = "in_progress", rect: dt.date | None = None) -> MeasureDates:
    return MeasureDates(DeadlineKind.FIXED, due, None, None, state, rect)


def colour(m: MeasureDates, today: dt.date, *, evidence: bool = True, done: bool = False,
           rules: EscalationRules = RULES) -> Colour:
    return colour_of(m, PERIOD, today, rules, has_evidence=evidence, part_done=done).colour


def test_a_measure_far_from_its_due_date_with_evidence_has_no_colour() -> None:
    assert colour(fixed(D(2026, 6, 30)), D(2026, 5, 1)) is Colour.NONE


def test_a_measure_within_the_blue_window_is_blue_with_the_near_stage() -> None:
    esc = colour_of(fixed(D(2026, 6, 30)), PERIOD, D(2026, 6, 15), RULES, has_evidence=True)
    assert (esc.colour, esc.stage, esc.days_left, esc.due) == (Colour.BLUE, Stage.NEAR, 15, D(2026, 6, 30))
    assert colour(fixed(D(2026, 6, 30)), D(2026, 6, 14)) is Colour.NONE


def test_a_measure_close_to_due_without_a_self_check_is_yellow() -> None:
    assert colour(fixed(D(2026, 6, 30)), D(2026, 6, 25)) is Colour.YELLOW
    assert colour(fixed(D(2026, 6, 30)), D(2026, 6, 24)) is Colour.BLUE


def test_most_of_the_time_gone_without_evidence_is_yellow_long_before_the_due_date() -> None:
    # 2025-01-01 → 2026-12-31 is 729 days; 60 % of them (437.4) have gone on 2026-03-15.
    m = fixed(D(2026, 12, 31))
    assert colour(m, D(2026, 3, 15), evidence=False) is Colour.YELLOW
    assert colour(m, D(2026, 3, 15), evidence=True) is Colour.NONE
    assert colour(m, D(2026, 3, 14), evidence=False) is Colour.NONE


def test_an_overdue_measure_is_red_with_days_over() -> None:
    esc = colour_of(fixed(D(2026, 6, 30)), PERIOD, D(2026, 7, 3), RULES, has_evidence=True)
    assert (esc.colour, esc.stage, esc.days_left, esc.rectification) == (Colour.RED, Stage.REPORT, -3, False)


def test_a_missed_rectification_date_is_red_even_for_a_unit_that_marked_its_part_done() -> None:
    m = fixed(D(2026, 12, 31), rect=D(2026, 6, 1))
    esc = colour_of(m, PERIOD, D(2026, 6, 5), RULES, has_evidence=True, part_done=True)
    assert (esc.colour, esc.rectification, esc.days_left) == (Colour.RED, True, -4)


def test_a_unit_whose_part_is_done_is_clear_while_the_measure_is_overdue() -> None:
    m = fixed(D(2026, 6, 30))
    assert colour(m, D(2026, 7, 3), done=True) is Colour.NONE
    assert colour(m, D(2026, 7, 3), done=False) is Colour.RED


def test_a_self_checked_fixed_measure_has_no_colour() -> None:
    assert colour(fixed(D(2026, 6, 30), state="self_checked"), D(2026, 6, 29)) is Colour.NONE


def test_an_extension_that_moves_the_due_date_moves_the_colour() -> None:
    assert colour(fixed(D(2026, 6, 30)), D(2026, 7, 3)) is Colour.RED
    assert colour(fixed(D(2026, 9, 30)), D(2026, 7, 3)) is Colour.NONE


def test_an_annual_deadline_counts_from_the_previous_years_due_day() -> None:
    m = MeasureDates(DeadlineKind.ANNUAL, None, 4, None, "in_progress", None, (D(2025, 3, 1),))
    # 2025-04-30 → 2026-04-30: 60 % gone by early December 2025, nothing dated 2026 yet.
    assert colour(m, D(2025, 12, 20), evidence=False) is Colour.YELLOW
    assert colour(m, D(2026, 4, 20), evidence=True) is Colour.BLUE
    assert colour(m, D(2026, 5, 2), evidence=True) is Colour.RED


def test_an_ongoing_measure_is_never_coloured() -> None:
    m = MeasureDates(DeadlineKind.ONGOING, None, None, None, "planned")
    assert colour(m, D(2026, 7, 3), evidence=False) is Colour.NONE


def test_colours_are_written_as_characters_too() -> None:
    assert [c.label for c in (Colour.RED, Colour.YELLOW, Colour.BLUE)] == ["红", "黄", "蓝"]
    assert [s.label for s in (Stage.NEAR, Stage.DUE, Stage.REPORT)] == ["临近提醒", "到期催办", "情况通报"]


def test_assignments_change_only_the_keys_given() -> None:
    rules = parse_assignments(RULES, ["blue_days=20", "report_to_office=否"])
    assert rules == EscalationRules(blue_days=20, yellow_days=5, yellow_share=60, report_to_office=False)


@pytest.mark.parametrize(
    ("assignment", "named"),
    [
        ("blue_days=0", "临近提醒天数(blue_days)应为 1 到 90"),
        ("blue_days=91", "临近提醒天数(blue_days)"),
        ("yellow_share=5", "无佐证进度比例(%)(yellow_share)应为 10 到 95"),
        ("yellow_days=16", "到期催办天数(yellow_days=16)不能大于临近提醒天数"),
        ("yellow_days=-1", "到期催办天数(yellow_days)应为整数"),
        ("yellow_days=五", "到期催办天数(yellow_days)应为整数"),
        ("report_to_office=maybe", "情况通报抄送牵头办公室(report_to_office)应为 是/否"),
        ("red_days=3", "无法识别“red_days=3”"),
        ("blue_days", "无法识别“blue_days”"),
    ],
)
def test_a_bad_assignment_is_refused_naming_the_field(assignment: str, named: str) -> None:
    with pytest.raises(RuleError, match=None) as caught:
        parse_assignments(RULES, [assignment])
    assert named in str(caught.value)


def test_too_many_or_no_assignments_are_refused() -> None:
    with pytest.raises(RuleError, match="至少"):
        parse_assignments(RULES, [])
    with pytest.raises(RuleError, match="最多"):
        parse_assignments(RULES, ["blue_days=10"] * 5)
