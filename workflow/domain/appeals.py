"""Appeals (申诉) on a return for rectification: a unit contests it, the office answers. Plain rules.

An appeal is 待答复 until the office answers it once, 采纳 (upheld) or 不予采纳 (dismissed).
Answering changes no measure state: the measure stays 整改中 and leaves it only through the
workflow's own transitions. What an upheld appeal leads to, by its ground:
* 表述有误 / 仅需说明: the unit resubmits its self-check with the explanation as its statement
  (the next review reads the answer in the measure's history);
* 暂无法解决需持续跟进: the office may give a later rectification date with its answer, which
  is recorded as an approved extension (counted, the original date kept) in the same step.
A dismissed appeal leaves the return as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from workflow.errors import Refused


class AppealGround(StrEnum):
    WORDING = "wording"  # 表述有误: the return's wording is wrong
    EXPLANATION = "explanation"  # 仅需说明: it needs only an explanation
    FOLLOW_UP = "follow_up"  # 暂无法解决需持续跟进: cannot be solved now


GROUND_LABELS = {
    AppealGround.WORDING: "表述有误",
    AppealGround.EXPLANATION: "仅需说明",
    AppealGround.FOLLOW_UP: "暂无法解决需持续跟进",
}


def parse_ground(text: str) -> AppealGround:
    """A ground by its value or its Chinese label; ValueError for anything else."""
    for ground, label in GROUND_LABELS.items():
        if text.strip() in (ground.value, label):
            return ground
    raise ValueError(text)


class AppealState(StrEnum):
    PENDING = "pending"
    ANSWERED = "answered"


APPEAL_STATE_LABELS = {AppealState.PENDING: "待答复", AppealState.ANSWERED: "已答复"}
ANSWER_LABELS = {True: "采纳", False: "不予采纳"}


@dataclass(frozen=True)
class ReturnFacts:
    """What the rules need of the measure and of the return appealed against."""

    label: str
    rectifying: bool  # in progress with a rectification date (整改中)
    accepted: bool
    appealed_before: bool  # the measure's latest return already has an appeal  # this return already has an appeal (answered or not)


def check_filing(facts: ReturnFacts) -> None:
    """Only the latest return of a measure still 整改中 can be appealed, once."""
    if facts.accepted:
        raise Refused(f"{facts.label}已验收,没有可申诉的退回整改", code="appeal_not_returned")
    if not facts.rectifying:
        raise Refused(
            f"{facts.label}当前不在整改中,只能对整改中措施最近一次的退回整改提出申诉",
            code="appeal_not_returned",
        )
    if facts.appealed_before:
        raise Refused(f"{facts.label}的本次退回整改已提出过申诉,不能重复申诉", code="appeal_exists")


def check_answer(label: str, state: AppealState, *, ground: AppealGround, upheld: bool, gives_date: bool) -> None:
    """An appeal is answered once; a new rectification date goes only with an upheld 需持续跟进."""
    if state is not AppealState.PENDING:
        raise Refused(f"{label}已答复,不能再次答复", code="appeal_answered")
    if gives_date and not (upheld and ground is AppealGround.FOLLOW_UP):
        raise Refused(
            f"只有采纳“{GROUND_LABELS[AppealGround.FOLLOW_UP]}”的申诉时可以给出新的整改期限",
            code="appeal_date",
        )
