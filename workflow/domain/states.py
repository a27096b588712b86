"""Measure states, people's roles and review verdicts: the vocabulary of the workflow."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum


class MeasureState(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    SELF_CHECKED = "self_checked"
    ACCEPTED = "accepted"


STATE_LABELS = {
    MeasureState.PLANNED: "未启动",
    MeasureState.IN_PROGRESS: "推进中",
    MeasureState.SELF_CHECKED: "已自查",
    MeasureState.ACCEPTED: "已验收",
}
# Shown instead of 推进中 while a returned measure waits to be resubmitted.
RECTIFYING_LABEL = "整改中"


class DisplayState(StrEnum):
    """A measure's state as people see it: 整改中 apart from 推进中, although both are stored
    as in progress. Listed from not started to done (the order of bars, tallies, legends)."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    RECTIFYING = "rectifying"
    SELF_CHECKED = "self_checked"
    ACCEPTED = "accepted"


DISPLAY_LABELS = {
    DisplayState.PLANNED: STATE_LABELS[MeasureState.PLANNED],
    DisplayState.IN_PROGRESS: STATE_LABELS[MeasureState.IN_PROGRESS],
    DisplayState.RECTIFYING: RECTIFYING_LABEL,
    DisplayState.SELF_CHECKED: STATE_LABELS[MeasureState.SELF_CHECKED],
    DisplayState.ACCEPTED: STATE_LABELS[MeasureState.ACCEPTED],
}


def display_state(state: MeasureState | str, rectification_due: dt.date | str | None) -> DisplayState:
    """The one rule for 整改中: in progress with a rectification deadline (set by a return,
    cleared when the measure is resubmitted). `rectification_due` may be an ISO date, as in
    the JSON export; `state` a stored value."""
    stored = MeasureState(state)
    if stored is MeasureState.IN_PROGRESS and rectification_due:
        return DisplayState.RECTIFYING
    return DisplayState(stored.value)


def display_label(state: MeasureState | str, rectification_due: dt.date | str | None) -> str:
    return DISPLAY_LABELS[display_state(state, rectification_due)]


class Role(StrEnum):
    MEMBER = "member"  # staff of a responsible unit: evidence, parts, self-checks
    REVIEWER = "reviewer"  # the leading office (or an expert panel): reviews
    ADMIN = "admin"  # the leading office: people, groups, review levels; may review too
    # A member of a plan's expert panel (专家组), often of a third-party organisation: reads
    # the plans it is assigned to, scores them and writes opinions; no unit work, no reviews.
    EXPERT = "expert"


ROLE_LABELS = {Role.MEMBER: "单位成员", Role.REVIEWER: "审核人", Role.ADMIN: "管理员", Role.EXPERT: "专家"}


class Verdict(StrEnum):
    PASS = "pass"
    RETURN = "return"


VERDICT_LABELS = {Verdict.PASS: "通过", Verdict.RETURN: "退回整改"}


class Rating(StrEnum):
    """A unit's own rating of one checklist item when it self-checks (not the review verdict)."""

    DONE = "done"
    PARTIAL = "partial"
    NOT_DONE = "not_done"


RATING_LABELS = {Rating.DONE: "完成", Rating.PARTIAL: "部分完成", Rating.NOT_DONE: "未完成"}


def parse_rating(text: str) -> Rating:
    for rating, label in RATING_LABELS.items():
        if text in (rating.value, label):
            return rating
    raise ValueError(text)


class Action(StrEnum):
    """Transition triggers of the measure machine (names as in the spec)."""

    START = "start"
    SUBMIT_SELF_CHECK = "submit_self_check"
    WITHDRAW = "withdraw"
    ACCEPT = "accept"
    RETURN_FOR_RECTIFICATION = "return_for_rectification"
    REOPEN = "reopen"


ACTION_LABELS = {
    Action.START: "启动",
    Action.SUBMIT_SELF_CHECK: "提交自查",
    Action.WITHDRAW: "撤回自查",
    Action.ACCEPT: "验收通过",
    Action.RETURN_FOR_RECTIFICATION: "退回整改",
    Action.REOPEN: "重新打开",
}

# Every audited event of a measure's history, as the CLI and the pages name it.
EVENT_LABELS = {a.value: label for a, label in ACTION_LABELS.items()} | {
    "part_done": "单位部分完成",
    "part_undone": "取消单位部分完成",
    "evidence_add": "提交佐证材料",
    "evidence_replace": "替换佐证材料",
    "evidence_remove": "删除佐证材料",
    "review_pass": "审核通过(本级)",
    "view": "查看措施",
    "evidence_download": "下载佐证材料",
    "evidence_view": "查看佐证材料",
    "extension_request": "申请延期",
    "extension_approve": "批准延期",
    "extension_reject": "不予批准延期",
    "extension_withdraw": "撤回延期申请",
    "appeal_file": "提出申诉",
    "appeal_uphold": "申诉答复:采纳",
    "appeal_dismiss": "申诉答复:不予采纳",
    "appeal_answer": "答复申诉",
    "escalation": "督办等级变化",
}
