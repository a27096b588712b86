"""The measure machine without a database: sources, wrong-state refusals, guards, plain objects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from workflow.domain.lifecycle import (
    MACHINE,
    SOURCES,
    ItemShortfall,
    Request,
    allowed_actions,
    fire,
)
from workflow.domain.states import ACTION_LABELS, STATE_LABELS, Action, MeasureState
from workflow.errors import Refused

S = MeasureState

# Every transition: (action, the only state it leaves, where it goes).
EXPECTED = [
    (Action.START, S.PLANNED, S.IN_PROGRESS),
    (Action.SUBMIT_SELF_CHECK, S.IN_PROGRESS, S.SELF_CHECKED),
    (Action.WITHDRAW, S.SELF_CHECKED, S.IN_PROGRESS),
    (Action.ACCEPT, S.SELF_CHECKED, S.ACCEPTED),
    (Action.RETURN_FOR_RECTIFICATION, S.SELF_CHECKED, S.IN_PROGRESS),
    (Action.REOPEN, S.ACCEPTED, S.IN_PROGRESS),
]


@dataclass
class Thing:
    """A plain object with a state: what the machine sees of a measure."""

    state: Any


def satisfied(action: Action) -> Request:
    """A request every guard of `action` accepts."""
    return Request(
        measure_label="措施 X/1",
        statement="已按方案完成",
        comment="意见或原因",
        levels_passed=1,
        levels_required=1,
    )


def test_the_transition_table_is_exactly_the_specified_one() -> None:
    assert {a: s for a, s, _ in EXPECTED} == SOURCES
    assert len(MACHINE.events) == len(EXPECTED)


@pytest.mark.parametrize(
    ("action", "source", "dest"), EXPECTED, ids=[a.value for a, _, _ in EXPECTED]
)
def test_each_transition_moves_from_its_source_to_its_destination(
    action: Action, source: MeasureState, dest: MeasureState
) -> None:
    thing = Thing(source)
    assert fire(thing, action, satisfied(action)) == (source, dest)
    assert thing.state is dest


WRONG = [(a, s) for a, source, _ in EXPECTED for s in MeasureState if s is not source]


@pytest.mark.parametrize(
    ("action", "state"), WRONG, ids=[f"{a.value}-from-{s.value}" for a, s in WRONG]
)
def test_a_transition_from_any_other_state_is_refused_naming_the_current_state(
    action: Action, state: MeasureState
) -> None:
    thing = Thing(state)
    with pytest.raises(Refused) as caught:
        fire(thing, action, satisfied(action))
    message = str(caught.value)
    assert message == (
        f"措施 X/1当前为“{STATE_LABELS[state]}”,不能{ACTION_LABELS[action]}"
        f"(只有“{STATE_LABELS[SOURCES[action]]}”的措施可以{ACTION_LABELS[action]})"
    )
    assert thing.state is state


@pytest.mark.parametrize("state", list(MeasureState))
def test_allowed_actions_are_those_whose_source_is_the_state(state: MeasureState) -> None:
    assert allowed_actions(state) == [a for a, s, _ in EXPECTED if s is state]


LONG_ITEM = "提供区级知识产权工作方案、会议纪要及落实情况的书面材料"


def test_a_self_check_refusal_lists_every_reason_at_once() -> None:
    thing = Thing(S.IN_PROGRESS)
    request = Request(
        measure_label="措施 X/1",
        statement="  ",
        pending_parts=["区经委", "区法院"],
        unmapped_groups=["区知识产权联席会议各成员单位"],
        items_short=[ItemShortfall(2, LONG_ITEM, needed=2, have=1)],
        missing_years=[2024, 2025],
        ongoing_without_dated_evidence=True,
    )
    with pytest.raises(Refused) as caught:
        fire(thing, Action.SUBMIT_SELF_CHECK, request)
    message = str(caught.value)
    assert message.startswith("措施 X/1不能提交自查:")
    reasons = message.removeprefix("措施 X/1不能提交自查:").split(";")
    assert reasons[0] == "缺少自查情况说明"
    assert reasons[1] == "“区知识产权联席会议各成员单位”尚未指定成员单位"
    assert reasons[2] == "以下责任单位尚未标记完成其负责部分:区经委、区法院"
    # Long item texts are shortened to 20 characters so the message stays one readable line.
    assert reasons[3] == f"清单条目缺少佐证材料:第 2 项“{LONG_ITEM[:19]}…”需 2 份、已有 1 份"
    assert reasons[4] == "每年须有当年的佐证材料,缺少 2024年度、2025年度 的材料"
    assert reasons[5] == "持续推进的措施须有方案实施期内成文的佐证材料"
    assert len(reasons) == 6
    assert request.refusals == reasons
    assert thing.state is S.IN_PROGRESS
    # Each reason has its code, for the front ends' own hints; no reason names a CLI option.
    codes = ["no_statement", "groups_unmapped", "parts_pending", "items_short", "years_missing", "undated_evidence"]
    assert (caught.value.code, caught.value.params["reasons"]) == ("conditions_unmet", codes)
    assert "--" not in message and "zonecheck" not in message


def test_a_refusal_for_one_reason_carries_that_reasons_code() -> None:
    with pytest.raises(Refused) as caught:
        fire(Thing(S.SELF_CHECKED), Action.RETURN_FOR_RECTIFICATION, Request(measure_label="措施 X/1"))
    assert str(caught.value) == "措施 X/1不能退回整改:退回整改须填写整改意见"
    assert (caught.value.code, caught.value.params["reasons"]) == ("no_comment", ["no_comment"])
    with pytest.raises(Refused) as wrong:
        fire(Thing(S.PLANNED), Action.ACCEPT, Request(measure_label="措施 X/1"))
    assert (wrong.value.code, wrong.value.params["state"]) == ("wrong_state", "planned")


def test_every_short_checklist_item_is_named() -> None:
    request = Request(
        statement="说明",
        items_short=[ItemShortfall(1, "甲", 1, 0), ItemShortfall(3, "乙", 2, 0)],
    )
    with pytest.raises(Refused) as caught:
        fire(Thing(S.IN_PROGRESS), Action.SUBMIT_SELF_CHECK, request)
    assert "第 1 项“甲”需 1 份、已有 0 份;第 3 项“乙”需 2 份、已有 0 份" in str(caught.value)


@pytest.mark.parametrize(
    ("action", "state", "request_", "reason"),
    [
        (Action.WITHDRAW, S.SELF_CHECKED, Request(reviews_in_round=1), "审核已开始,不能撤回"),
        (
            Action.ACCEPT,
            S.SELF_CHECKED,
            Request(levels_passed=1, levels_required=2),
            "尚有审核层级未通过(已通过 1/2 级)",
        ),
        (
            Action.RETURN_FOR_RECTIFICATION,
            S.SELF_CHECKED,
            Request(comment=" "),
            "退回整改须填写整改意见",
        ),
        (Action.REOPEN, S.ACCEPTED, Request(comment=""), "重新打开须说明原因"),
    ],
    ids=[
        "withdraw-after-review",
        "accept-levels-left",
        "return-without-comment",
        "reopen-without-reason",
    ],
)
def test_each_guarded_transition_refuses_with_its_reason_and_keeps_the_state(
    action: Action, state: MeasureState, request_: Request, reason: str
) -> None:
    thing = Thing(state)
    with pytest.raises(Refused) as caught:
        fire(thing, action, request_)
    assert f"不能{ACTION_LABELS[action]}:{reason}" in str(caught.value)
    assert thing.state is state


def test_a_none_state_is_refused_and_left_as_none() -> None:
    thing = Thing(None)
    with pytest.raises(Refused) as caught:
        fire(thing, Action.START, Request(measure_label="措施 X/1"))
    assert str(caught.value) == "措施 X/1的状态未设定,不能启动"
    assert thing.state is None


def test_none_attributes_named_like_triggers_are_not_overwritten() -> None:
    class Plain:
        def __init__(self) -> None:
            self.state = S.PLANNED
            # What transitions would bind on a model it owns: trigger, may_, is_, to_ helpers.
            self.start = None
            self.accept = None
            self.trigger = None
            self.may_start = None
            self.is_PLANNED = None
            self.to_IN_PROGRESS = None
            self.rectification_due = None

    thing = Plain()
    fire(thing, Action.START, Request())
    assert thing.state is S.IN_PROGRESS
    assert vars(thing) == {
        "state": S.IN_PROGRESS,
        "start": None,
        "accept": None,
        "trigger": None,
        "may_start": None,
        "is_PLANNED": None,
        "to_IN_PROGRESS": None,
        "rectification_due": None,
    }
    assert MACHINE.models == []  # the shared machine keeps no reference to any measure


def test_an_unknown_state_value_is_refused_not_crashed() -> None:
    thing = Thing("archived")
    with pytest.raises(Refused, match="状态“archived”"):
        fire(thing, Action.START, Request())
    assert thing.state == "archived"


def test_refusal_reasons_are_collected_per_request() -> None:
    first, second = Request(), Request(statement="说明")
    with pytest.raises(Refused):
        fire(Thing(S.IN_PROGRESS), Action.SUBMIT_SELF_CHECK, first)
    assert fire(Thing(S.IN_PROGRESS), Action.SUBMIT_SELF_CHECK, second)[1] is S.SELF_CHECKED
    assert len(first.refusals) == 1 and second.refusals == []
