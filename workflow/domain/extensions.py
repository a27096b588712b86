"""Extensions (延期): a lead unit asks to move a deadline, the office decides. Plain rules.

An extension is not a transition of the measure: the measure keeps its state, only the date
it is judged against moves. Its own life is a small machine: 申请中 → 已批准 / 未批准 / 已撤回,
each decided once.

Which date an extension moves (`extension_target`):
* a measure 整改中 (returned, in progress with a rectification date): its rectification date;
* otherwise a one-off deadline (`due_on`, also the fixed part of …完成并持续推进);
* an annual deadline (每年4月底前) is refused: each year's obligation is judged in its own year
  and moving "this year's" date would need a per-year record the plan does not have; the unit
  supplies that year's evidence late and the 督办 list shows it, as for any missed year;
* an ongoing measure (持续推进) or one without a deadline has nothing to move.

The rules take `today` and the facts; nothing here reads the database or the clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from transitions import Machine, MachineError

from checklists.kinds import DeadlineKind
from workflow.errors import InputError, Refused

MAX_REASON = 2000  # characters of the reason a unit gives, and of the office's note
MAX_DAYS = 366  # how far past the current due date an extension may reach


class ExtensionState(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


EXTENSION_STATE_LABELS = {
    ExtensionState.REQUESTED: "申请中",
    ExtensionState.APPROVED: "已批准",
    ExtensionState.REJECTED: "未批准",
    ExtensionState.WITHDRAWN: "已撤回",
}


class ExtensionTarget(StrEnum):
    """Which of the measure's dates an extension moves."""

    DUE = "due_on"
    RECTIFICATION = "rectification_due"


TARGET_LABELS = {ExtensionTarget.DUE: "完成期限", ExtensionTarget.RECTIFICATION: "整改期限"}


class ExtensionAction(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"


EXTENSION_ACTION_LABELS = {
    ExtensionAction.APPROVE: "批准",
    ExtensionAction.REJECT: "不予批准",
    ExtensionAction.WITHDRAW: "撤回",
}


class HasExtensionState(Protocol):
    state: ExtensionState


_R = ExtensionState.REQUESTED
_MACHINE = Machine(
    model=None,
    states=ExtensionState,
    transitions=[
        {"trigger": ExtensionAction.APPROVE.value, "source": _R, "dest": ExtensionState.APPROVED},
        {"trigger": ExtensionAction.REJECT.value, "source": _R, "dest": ExtensionState.REJECTED},
        {"trigger": ExtensionAction.WITHDRAW.value, "source": _R, "dest": ExtensionState.WITHDRAWN},
    ],
    initial=None,
    model_attribute="state",
    auto_transitions=False,
)


def decide(request: HasExtensionState, action: ExtensionAction, label: str) -> None:
    """Move `request` by `action`; only a request still 申请中 can be decided or withdrawn."""
    before = request.state
    try:
        _MACHINE.events[action.value].trigger(request)
    except (MachineError, ValueError):
        shown = EXTENSION_STATE_LABELS.get(before, str(before)) if isinstance(before, ExtensionState) else before
        raise Refused(
            f"{label}当前为“{shown}”,不能{EXTENSION_ACTION_LABELS[action]};只有申请中的延期可以批准、不予批准或撤回",
            code="extension_closed",
        ) from None


@dataclass(frozen=True)
class DeadlineFacts:
    """What the rules need of the measure: its deadline, whether it is 整改中, its state."""

    label: str
    deadline_kind: DeadlineKind
    due_on: dt.date | None
    rectification_due: dt.date | None
    rectifying: bool  # in progress with a rectification date (整改中)
    open: bool  # planned or in progress: a self-checked or accepted measure met its deadline


def extension_target(facts: DeadlineFacts) -> tuple[ExtensionTarget, dt.date]:
    """The date an extension of this measure moves, and its current value; Refused if none."""
    if facts.rectifying and facts.rectification_due is not None:
        return ExtensionTarget.RECTIFICATION, facts.rectification_due
    if not facts.open:
        raise Refused(f"{facts.label}已提交自查或已验收,期限已满足,无需延期", code="extension_not_open")
    if facts.deadline_kind is DeadlineKind.ANNUAL:
        raise Refused(
            f"{facts.label}是每年须完成的任务,各年度的期限不能延期;逾期年度的材料可补充提交,督办清单会如实显示",
            code="extension_annual",
        )
    if facts.due_on is None:
        raise Refused(f"{facts.label}没有确定的完成期限(持续推进或未写明),无需延期", code="extension_no_deadline")
    return ExtensionTarget.DUE, facts.due_on


def clean_text(text: str, what: str, *, required: bool = True) -> str:
    """A bounded text (reason, note), stripped; required unless said otherwise."""
    stripped = text.strip()
    if required and not stripped:
        raise InputError(f"{what}不能为空")
    if len(stripped) > MAX_REASON:
        raise InputError(f"{what}最多 {MAX_REASON} 个字,收到 {len(stripped)} 个字")
    return stripped


def check_new_date(
    label: str, current: dt.date, wanted: dt.date, acceptance_end: dt.date | None
) -> None:
    """A new date must be after the current one, within a year of it and not after the end
    of the plan's acceptance phase (an extension cannot outlast the acceptance)."""
    if wanted <= current:
        raise Refused(
            f"{label}延期后的日期 {wanted.isoformat()} 应晚于现行期限 {current.isoformat()}",
            code="extension_date",
        )
    if (wanted - current).days > MAX_DAYS:
        raise Refused(
            f"{label}延期最多 {MAX_DAYS} 天(现行期限 {current.isoformat()}),收到 {wanted.isoformat()}",
            code="extension_date",
        )
    if acceptance_end is not None and wanted > acceptance_end:
        raise Refused(
            f"{label}延期后的日期 {wanted.isoformat()} 晚于方案验收阶段的结束日 {acceptance_end.isoformat()}",
            code="extension_date",
        )


def check_request(
    facts: DeadlineFacts,
    *,
    today: dt.date,
    wanted: dt.date,
    acceptance_end: dt.date | None,
    open_requests: int,
) -> tuple[ExtensionTarget, dt.date]:
    """Whether a lead unit may ask to move the measure's date to `wanted` today: on or before
    the current date, one open request at a time. Returns the target and its current date."""
    target, current = extension_target(facts)
    if today > current:
        raise Refused(
            f"{facts.label}的{TARGET_LABELS[target]} {current.isoformat()} 已过(今天 {today.isoformat()}),"
            "延期须在期限届满前申请;逾期按原定期限督办",
            code="extension_late",
        )
    if open_requests:
        raise Refused(f"{facts.label}已有一份申请中的延期,请等待办公室决定或先撤回", code="extension_open")
    check_new_date(facts.label, current, wanted, acceptance_end)
    return target, current


def request_refusal(facts: DeadlineFacts, *, today: dt.date, open_requests: int) -> str | None:
    """Why a lead unit could not ask for any extension today (for a page's "why not");
    None: it may (the date it asks for is checked when it does)."""
    try:
        _, current = extension_target(facts)
        check_request(
            facts, today=today, wanted=current + dt.timedelta(days=1), acceptance_end=None, open_requests=open_requests
        )
    except Refused as refusal:
        return str(refusal)
    return None


def approved_date(label: str, requested_to: dt.date, given: dt.date | None, current: dt.date) -> dt.date:
    """The date the office approves: the one asked for, or an earlier one after the current date."""
    if given is None:
        return requested_to
    if given > requested_to:
        raise Refused(
            f"批准的日期 {given.isoformat()} 晚于{label}申请的 {requested_to.isoformat()};可批准申请的日期或更早的日期",
            code="extension_date",
        )
    if given <= current:
        raise Refused(
            f"批准的日期 {given.isoformat()} 应晚于{label}的现行期限 {current.isoformat()}",
            code="extension_date",
        )
    return given


def shown_with_original(due: dt.date | None, original: dt.date | None, count: int) -> str:
    """`2024-06-30(原定 2024-05-31,延期 1 次)`: a date as the reports show it."""
    if due is None:
        return ""
    if original is None or original == due or count <= 0:
        return due.isoformat()
    return f"{due.isoformat()}(原定 {original.isoformat()},延期 {count} 次)"


def extension_note(original_due: dt.date | None, original_rectification: dt.date | None, count: int) -> str:
    """`原定 2024-05-31,延期 1 次` beside a date an extension moved ("" when none did)."""
    original = original_rectification if original_rectification is not None else original_due
    if original is None or count <= 0:
        return ""
    return f"原定 {original.isoformat()},延期 {count} 次"
