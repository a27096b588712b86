"""Extension and appeal rules without a database: the request's machine, which date moves, the
deadline and date bounds, the approved date, the appeal's filing and answering rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import pytest

from checklists.kinds import DeadlineKind
from workflow.domain import appeals, extensions
from workflow.domain.appeals import AppealGround, AppealState, ReturnFacts
from workflow.domain.extensions import (
    DeadlineFacts,
    ExtensionAction,
    ExtensionState,
    ExtensionTarget,
)
from workflow.errors import InputError, Refused

D = dt.date
FIXED = DeadlineFacts(
    label="措施 X/5",
    deadline_kind=DeadlineKind.FIXED,
    due_on=D(2024, 3, 31),
    rectification_due=None,
    rectifying=False,
    open=True,
)


@dataclass
class Row:
    state: ExtensionState


@pytest.mark.parametrize("action", list(ExtensionAction))
def test_a_request_leaves_requested_once_by_each_action(action: ExtensionAction) -> None:
    row = Row(ExtensionState.REQUESTED)
    extensions.decide(row, action, "延期申请 #1")
    expected = {
        ExtensionAction.APPROVE: ExtensionState.APPROVED,
        ExtensionAction.REJECT: ExtensionState.REJECTED,
        ExtensionAction.WITHDRAW: ExtensionState.WITHDRAWN,
    }[action]
    assert row.state is expected
    for again in ExtensionAction:
        with pytest.raises(Refused) as refused:
            extensions.decide(row, again, "延期申请 #1")
        assert refused.value.code == "extension_closed"
        assert row.state is expected  # a refused trigger leaves the state alone


def test_a_one_off_deadline_is_the_date_an_extension_moves() -> None:
    assert extensions.extension_target(FIXED) == (ExtensionTarget.DUE, D(2024, 3, 31))


def test_a_returned_measure_extends_its_rectification_date_whatever_its_deadline() -> None:
    rectifying = replace(FIXED, deadline_kind=DeadlineKind.ANNUAL, rectification_due=D(2024, 3, 10), rectifying=True)
    assert extensions.extension_target(rectifying) == (ExtensionTarget.RECTIFICATION, D(2024, 3, 10))


@pytest.mark.parametrize(
    ("facts", "code"),
    [
        (replace(FIXED, deadline_kind=DeadlineKind.ANNUAL, due_on=None), "extension_annual"),
        (replace(FIXED, deadline_kind=DeadlineKind.ONGOING, due_on=None), "extension_no_deadline"),
        (replace(FIXED, open=False), "extension_not_open"),
    ],
    ids=["annual", "ongoing", "self-checked"],
)
def test_what_has_no_date_to_move_is_refused_with_a_reason(facts: DeadlineFacts, code: str) -> None:
    with pytest.raises(Refused) as refused:
        extensions.extension_target(facts)
    assert refused.value.code == code
    assert "措施 X/5" in str(refused.value)


def _request(today: dt.date, wanted: dt.date, *, end: dt.date | None = None, open_requests: int = 0) -> None:
    extensions.check_request(FIXED, today=today, wanted=wanted, acceptance_end=end, open_requests=open_requests)


def test_a_request_on_the_due_day_itself_is_in_time_and_the_day_after_is_late() -> None:
    _request(D(2024, 3, 31), D(2024, 4, 15))
    with pytest.raises(Refused) as late:
        _request(D(2024, 4, 1), D(2024, 4, 15))
    assert late.value.code == "extension_late"
    assert "2024-03-31" in str(late.value) and "已过" in str(late.value)


@pytest.mark.parametrize(
    ("wanted", "end"),
    [(D(2024, 3, 31), None), (D(2024, 3, 1), None), (D(2025, 4, 2), None), (D(2024, 5, 1), D(2024, 4, 30))],
    ids=["same-day", "earlier", "beyond-a-year", "after-acceptance"],
)
def test_the_date_wanted_is_after_the_current_within_a_year_and_the_acceptance_phase(
    wanted: dt.date, end: dt.date | None
) -> None:
    with pytest.raises(Refused) as refused:
        _request(D(2024, 3, 1), wanted, end=end)
    assert refused.value.code == "extension_date"


def test_a_second_open_request_is_refused() -> None:
    with pytest.raises(Refused) as refused:
        _request(D(2024, 3, 1), D(2024, 4, 10), open_requests=1)
    assert refused.value.code == "extension_open"


def test_the_office_may_approve_the_date_asked_or_an_earlier_one_after_the_current() -> None:
    current, asked = D(2024, 3, 31), D(2024, 4, 30)
    assert extensions.approved_date("X", asked, None, current) == asked
    assert extensions.approved_date("X", asked, D(2024, 4, 15), current) == D(2024, 4, 15)
    for given in (D(2024, 5, 1), current):
        with pytest.raises(Refused):
            extensions.approved_date("X", asked, given, current)


def test_reasons_are_required_and_bounded() -> None:
    assert extensions.clean_text("  疫情影响  ", "延期理由") == "疫情影响"
    with pytest.raises(InputError, match="延期理由不能为空"):
        extensions.clean_text("   ", "延期理由")
    with pytest.raises(InputError, match="最多 2000 个字"):
        extensions.clean_text("字" * 2001, "延期理由")


def test_both_dates_are_shown_once_extended() -> None:
    assert extensions.shown_with_original(D(2024, 6, 30), D(2024, 5, 31), 1) == "2024-06-30(原定 2024-05-31,延期 1 次)"
    assert extensions.shown_with_original(D(2024, 6, 30), None, 0) == "2024-06-30"
    assert extensions.shown_with_original(None, None, 0) == ""


RETURNED = ReturnFacts(label="措施 X/5", rectifying=True, accepted=False, appealed_before=False)


def test_the_latest_return_of_a_measure_in_rectification_can_be_appealed_once() -> None:
    appeals.check_filing(RETURNED)
    for facts, code in [
        (replace(RETURNED, rectifying=False, accepted=True), "appeal_not_returned"),
        (replace(RETURNED, rectifying=False), "appeal_not_returned"),
        (replace(RETURNED, appealed_before=True), "appeal_exists"),
    ]:
        with pytest.raises(Refused) as refused:
            appeals.check_filing(facts)
        assert refused.value.code == code


def test_an_appeal_is_answered_once_and_only_an_upheld_follow_up_moves_the_date() -> None:
    appeals.check_answer("申诉 #1", AppealState.PENDING, ground=AppealGround.FOLLOW_UP, upheld=True, gives_date=True)
    appeals.check_answer("申诉 #1", AppealState.PENDING, ground=AppealGround.WORDING, upheld=False, gives_date=False)
    with pytest.raises(Refused, match="已答复"):
        appeals.check_answer("申诉 #1", AppealState.ANSWERED, ground=AppealGround.WORDING, upheld=True, gives_date=False)
    for ground, upheld in [(AppealGround.WORDING, True), (AppealGround.FOLLOW_UP, False)]:
        with pytest.raises(Refused) as refused:
            appeals.check_answer("申诉 #1", AppealState.PENDING, ground=ground, upheld=upheld, gives_date=True)
        assert refused.value.code == "appeal_date"


def test_grounds_read_by_value_or_chinese_label() -> None:
    assert appeals.parse_ground("表述有误") is AppealGround.WORDING
    assert appeals.parse_ground("follow_up") is AppealGround.FOLLOW_UP
    with pytest.raises(ValueError):
        appeals.parse_ground("不服")


def test_a_page_is_told_why_no_extension_can_be_asked_for() -> None:
    assert extensions.request_refusal(FIXED, today=D(2024, 3, 31), open_requests=0) is None
    assert "已过" in (extensions.request_refusal(FIXED, today=D(2024, 4, 1), open_requests=0) or "")
    assert "申请中" in (extensions.request_refusal(FIXED, today=D(2024, 3, 1), open_requests=1) or "")
    annual = replace(FIXED, deadline_kind=DeadlineKind.ANNUAL, due_on=None)
    assert "每年" in (extensions.request_refusal(annual, today=D(2024, 3, 1), open_requests=0) or "")
