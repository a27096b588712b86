"""形式审查: every gap of a submission, per unit, for one 一次性告知书 each.

The office checks a submission is complete before the experts read it, and tells each unit
all its gaps at once. A pure function over plain facts (the service gathers them), so the rule
is tested without a database:

* a required evidence slot with no usable evidence is missing (缺少材料), and says so when the
  unit did hand something in that cannot count;
* each piece of evidence that cannot count is a gap of its own, for every reason it fails:
  a form the slot does not take (a note where a file is needed), a file of a type the store
  does not accept or that can no longer be read, a document dated outside the plan period;
* a self-check statement left empty is a gap of the unit that owes it.

Usable evidence is of a form the slot takes, readable, and dated in the plan period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum

from checklists.catalog import EvidenceKind
from checklists.indexsys.model import EvidenceSlot
from workflow.domain.obligations import PlanPeriod

__all__ = [
    "MAX_REVIEW_ITEMS",
    "EvidenceFact",
    "Gap",
    "GapKind",
    "SlotDue",
    "StatementDue",
    "UnitGaps",
    "formal_review_gaps",
]

# Slots, evidence pieces and statements of one plan's review: an index of 150 indicators with
# a few slots and pieces each is a few thousand. Past this the input is not one plan's.
MAX_REVIEW_ITEMS = 200_000

_KIND_LABELS = {EvidenceKind.FILE: "文件", EvidenceKind.LINK: "链接", EvidenceKind.NOTE: "文字说明"}


class GapKind(StrEnum):
    MISSING = "missing"
    WRONG_KIND = "wrong_kind"
    UNREADABLE = "unreadable"
    OUT_OF_PERIOD = "out_of_period"
    NO_STATEMENT = "no_statement"


@dataclass(frozen=True, slots=True)
class EvidenceFact:
    """One piece of evidence handed in for a slot. `label` names it on the notice (a file
    name, a link); `media_type` is the type detected from a file's content (None: unknown, or
    not a file); `readable` is False when the stored file is gone or no longer matches."""

    label: str
    kind: EvidenceKind
    doc_date: dt.date
    media_type: str | None = None
    readable: bool = True


@dataclass(frozen=True, slots=True)
class SlotDue:
    """An evidence slot of an indicator that `unit` is to fill; `subject` names the indicator
    on the notice (指标 1.2 加强重点工作部署)."""

    unit: str
    subject: str
    slot: EvidenceSlot
    evidence: tuple[EvidenceFact, ...] = ()


@dataclass(frozen=True, slots=True)
class StatementDue:
    """A self-check statement `unit` owes for `subject` (措施 5 …), as written so far."""

    unit: str
    subject: str
    statement: str


@dataclass(frozen=True, slots=True)
class Gap:
    kind: GapKind
    subject: str
    message: str  # a Chinese sentence for the notice


@dataclass(frozen=True, slots=True)
class UnitGaps:
    unit: str
    gaps: tuple[Gap, ...]


def _piece_gaps(
    due: SlotDue, fact: EvidenceFact, period: PlanPeriod, accepted_types: Collection[str]
) -> list[Gap]:
    what = f"“{due.slot.what}”的材料“{fact.label}”"
    gaps: list[Gap] = []
    if fact.kind not in due.slot.kinds:
        takes = "或".join(_KIND_LABELS[k] for k in due.slot.kinds)
        gaps.append(
            Gap(GapKind.WRONG_KIND, due.subject, f"{what}为{_KIND_LABELS[fact.kind]},此项应提交{takes}")
        )
    if fact.kind is EvidenceKind.FILE:
        if fact.media_type is None or fact.media_type not in accepted_types:
            gaps.append(Gap(GapKind.UNREADABLE, due.subject, f"{what}文件类型无法识别或不被接受,请重新提交"))
        elif not fact.readable:
            gaps.append(Gap(GapKind.UNREADABLE, due.subject, f"{what}已无法读取(文件缺失或已损坏),请重新提交"))
    if not period.contains(fact.doc_date):
        start = period.start.isoformat() if period.start else "…"
        end = period.end.isoformat() if period.end else "…"
        gaps.append(
            Gap(
                GapKind.OUT_OF_PERIOD,
                due.subject,
                f"{what}日期为 {fact.doc_date.isoformat()},不在方案实施期({start} 至 {end})内",
            )
        )
    return gaps


def formal_review_gaps(
    slots: Iterable[SlotDue],
    statements: Iterable[StatementDue],
    *,
    period: PlanPeriod,
    accepted_types: Collection[str],
) -> list[UnitGaps]:
    """The gaps of each unit that has any, units in the order first met, gaps in input order."""
    slot_list, statement_list = list(slots), list(statements)
    pieces = sum(len(s.evidence) for s in slot_list)
    if len(slot_list) + len(statement_list) + pieces > MAX_REVIEW_ITEMS:
        raise ValueError(f"形式审查的材料项超过 {MAX_REVIEW_ITEMS} 项的上限,不是一个方案的材料")
    by_unit: dict[str, list[Gap]] = {}
    for due in slot_list:
        gaps: list[Gap] = []
        usable = 0
        for fact in due.evidence:
            bad = _piece_gaps(due, fact, period, accepted_types)
            gaps += bad
            usable += not bad
        if due.slot.required and not usable:
            tail = "(已提交的材料均不能采用,见下)" if due.evidence else ""
            gaps.insert(0, Gap(GapKind.MISSING, due.subject, f"缺少“{due.slot.what}”{tail}"))
        if gaps:
            by_unit.setdefault(due.unit, []).extend(gaps)
    for owed in statement_list:
        if not owed.statement.strip():
            by_unit.setdefault(owed.unit, []).append(Gap(GapKind.NO_STATEMENT, owed.subject, "缺少自查情况说明"))
    return [UnitGaps(unit, tuple(gaps)) for unit, gaps in by_unit.items()]
