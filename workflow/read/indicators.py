"""A plan's quantified targets (量化指标) with their latest reported value, typed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from checklists import amounts
from checklists.kinds import Comparator
from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor
from workflow.models import Evidence, Indicator, IndicatorReport, Plan
from workflow.read.evidence import EvidenceRow, evidence_row
from workflow.read.plans import plan_by_id
from workflow.services.acting import plan_target, run_read


def indicator_met(indicator: Indicator, value: Decimal) -> bool:
    """Met or not, by the indicator's comparator."""
    # "=" is what the parser gives a bare target (有效发明专利拥有量达到3600件): a level to
    # reach, not a value to hit exactly, so 3700件 meets it. Caps use "<=" (不超过, 控制在).
    if indicator.comparator in (Comparator.GE, Comparator.EQ):
        return value >= indicator.value
    if indicator.comparator is Comparator.LE:
        return value <= indicator.value
    if indicator.comparator is Comparator.RANGE:
        # 培育3-5家: a range to aim for; reaching the lower bound meets it, exceeding is fine.
        return value >= indicator.value
    raise ValueError(f"unknown comparator {indicator.comparator!r}")


def json_number(value: Decimal | None) -> int | float | None:
    return amounts.json_number(value)  # bounded even for a value stored before the bounds


@dataclass(frozen=True)
class IndicatorLine:
    """One current indicator: its target and its latest reported value."""

    position: int  # 1-based, as `indicator report PLAN N` takes it
    metric: str
    text: str
    comparator: str
    target: int | float | None
    target_max: int | float | None
    unit: str
    reported: int | float | None
    reported_text: str | None  # for people: exact, and short even for a value no JSON number holds
    as_of: dt.date | None
    met: bool | None  # None: nothing reported yet
    due: dt.date | None  # the target's own deadline
    evidence: tuple[EvidenceRow, ...]  # handed in with the latest value (the acceptance report lists it)

    def as_dict(self) -> dict[str, Any]:
        """The JSON of `status --json` and the API."""
        return {
            "position": self.position,
            "metric": self.metric,
            "text": self.text,
            "comparator": self.comparator,
            "target": self.target,
            "target_max": self.target_max,
            "unit": self.unit,
            "reported": self.reported,
            "reported_text": self.reported_text,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "met": self.met,
        }


def indicator_lines(session: Session, plan: Plan) -> list[IndicatorLine]:
    """The plan's current indicators in document order (the plan already checked visible)."""
    lines = []
    for ind in session.scalars(
        select(Indicator)
        .where(Indicator.plan_id == plan.id, Indicator.retired_at.is_(None))
        .order_by(Indicator.position)
        .options(
            selectinload(Indicator.reports)
            .selectinload(IndicatorReport.evidence)
            .options(selectinload(Evidence.person), selectinload(Evidence.unit))
        )
    ):
        latest = ind.latest_report()
        lines.append(
            IndicatorLine(
                position=ind.position + 1,
                metric=ind.metric,
                text=ind.text,
                comparator=ind.comparator.value,
                target=json_number(ind.value),
                target_max=json_number(ind.value_max),
                unit=ind.unit,
                reported=json_number(latest.value) if latest else None,
                reported_text=amounts.plain(latest.value) if latest else None,
                as_of=latest.as_of if latest else None,
                met=indicator_met(ind, latest.value) if latest else None,
                due=ind.due_on,
                evidence=tuple(evidence_row(e) for e in latest.evidence) if latest else (),
            )
        )
    return lines


def plan_indicators(uow: UnitOfWork, viewer: Actor | None, plan_id: int) -> list[IndicatorLine]:
    """The indicators of plan `plan_id`, if `viewer` may see the plan (else NotFound, audited)."""
    return run_read(
        uow,
        viewer,
        "view",
        plan_target(plan_id),
        lambda session: indicator_lines(session, plan_by_id(session, viewer, plan_id)),
    )
