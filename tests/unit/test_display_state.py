"""The display state (整改中 apart from 推进中) is decided by one domain function."""

from __future__ import annotations

import datetime as dt

import pytest

from workflow.domain.states import (
    DISPLAY_LABELS,
    DisplayState,
    MeasureState,
    display_label,
    display_state,
)

DUE = dt.date(2024, 3, 31)


@pytest.mark.parametrize(
    ("state", "due", "expected"),
    [
        (MeasureState.PLANNED, None, DisplayState.PLANNED),
        (MeasureState.IN_PROGRESS, None, DisplayState.IN_PROGRESS),
        (MeasureState.IN_PROGRESS, DUE, DisplayState.RECTIFYING),
        (MeasureState.SELF_CHECKED, None, DisplayState.SELF_CHECKED),
        (MeasureState.ACCEPTED, None, DisplayState.ACCEPTED),
    ],
)
def test_each_stored_state_is_shown_as_its_display_state(
    state: MeasureState, due: dt.date | None, expected: DisplayState
) -> None:
    assert display_state(state, due) is expected


@pytest.mark.parametrize("state", [MeasureState.PLANNED, MeasureState.SELF_CHECKED, MeasureState.ACCEPTED])
def test_a_rectification_deadline_outside_progress_does_not_make_a_measure_rectifying(
    state: MeasureState,
) -> None:
    # A resubmitted measure keeps no deadline, but an old row might: only 推进中 turns 整改中.
    assert display_state(state, DUE) is DisplayState(state.value)


def test_stored_values_and_iso_dates_as_in_the_json_export_are_read_alike() -> None:
    assert display_state("in_progress", "2024-03-31") is DisplayState.RECTIFYING
    assert display_state("in_progress", None) is DisplayState.IN_PROGRESS
    assert display_state("in_progress", "") is DisplayState.IN_PROGRESS


def test_an_unknown_stored_state_is_an_error_not_a_guess() -> None:
    with pytest.raises(ValueError):
        display_state("rectifying", None)  # a display state is never stored


def test_labels_are_the_chinese_names_in_order_from_not_started_to_done() -> None:
    assert list(DISPLAY_LABELS.values()) == ["未启动", "推进中", "整改中", "已自查", "已验收"]
    assert display_label(MeasureState.IN_PROGRESS, DUE) == "整改中"
    assert display_label(MeasureState.IN_PROGRESS, None) == "推进中"
    assert display_label("accepted", None) == "已验收"
