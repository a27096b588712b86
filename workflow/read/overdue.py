"""The 督办 list: overdue and due-soon measures grouped by responsible unit, typed.

`zonecheck overdue`, the office's page, the API and the reminder notices (督办通知) read it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from workflow.clock import office_today
from workflow.db import UnitOfWork
from workflow.domain import obligations
from workflow.domain.escalation import NO_ESCALATION, Colour, Escalation
from workflow.domain.permissions import Actor
from workflow.read.plans import PlanHead, plan_by_id
from workflow.read.progress import NO_UNIT, PlanProgress, plan_progress
from workflow.services.acting import plan_target, run_read


@dataclass(frozen=True)
class OverdueEntry:
    """One measure on one unit's list: overdue (with its reasons) or due soon (with the date)."""

    measure_id: int
    ref: str
    title: str
    state: str
    state_label: str
    deadline: str
    lead: list[str]
    role: str  # lead | co: this unit's part in the measure
    reasons: list[obligations.Overdue]  # overdue entries only
    due: dt.date | None  # due-soon entries only
    extended: str = ""  # `原定 …,延期 N 次` when an extension moved the date
    escalation: Escalation = NO_ESCALATION  # 三色督办 of this unit's part

    @property
    def colour_label(self) -> str:
        """红/黄/蓝 and the stage, written out so the list never relies on colour alone."""
        esc = self.escalation
        return f"{esc.colour.label}·{esc.stage.label}" if esc.colour is not Colour.NONE else "—"

    def as_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "ref": self.ref,
            "title": self.title,
            "state": self.state,
            "state_label": self.state_label,
            "deadline": self.deadline,
            "lead": list(self.lead),
            "role": self.role,
            "colour": self.escalation.colour.value,
            "stage": self.escalation.stage.value,
        }
        if self.due is not None:
            return entry | {"due": self.due.isoformat()}
        return entry | {"reasons": [o.as_dict() for o in self.reasons]}


@dataclass(frozen=True)
class OverdueUnit:
    unit: str
    overdue: list[OverdueEntry]
    due_soon: list[OverdueEntry]


@dataclass(frozen=True)
class OverdueList:
    plan: PlanHead
    today: dt.date
    overdue_measures: int
    units: list[OverdueUnit]

    def as_dict(self) -> dict[str, Any]:
        """The JSON of `overdue --json` and `GET /api/v1/plans/{id}/overdue`."""
        return {
            "plan": {"key": self.plan.key, "title": self.plan.title},
            "today": self.today.isoformat(),
            "overdue_measures": self.overdue_measures,
            "units": [
                {
                    "unit": u.unit,
                    "overdue": [e.as_dict() for e in u.overdue],
                    "due_soon": [e.as_dict() for e in u.due_soon],
                }
                for u in self.units
            ],
        }


def overdue_by_unit(progress: PlanProgress) -> list[OverdueUnit]:
    """Overdue and due-soon measures grouped by responsible unit, most overdue first; units
    with neither are left out."""
    lists: dict[str, tuple[list[OverdueEntry], list[OverdueEntry]]] = defaultdict(lambda: ([], []))
    for row in progress.rows:
        if not row.overdue and row.due_soon is None:
            continue
        colours = {part.unit: part.escalation for part in row.unit_escalations}
        for unit in row.units or [NO_UNIT]:
            entry = OverdueEntry(
                measure_id=row.id,
                ref=row.ref,
                title=row.title,
                state=row.state,
                state_label=row.state_label,
                deadline=row.deadline,
                lead=row.lead,
                role="lead" if unit in row.lead else "co",
                reasons=row.overdue,
                due=None if row.overdue else row.due_soon,
                extended=row.extended,
                # An unmapped group (no parts of its own) is shown with the measure's colour.
                escalation=colours.get(unit, row.escalation),
            )
            lists[unit][0 if row.overdue else 1].append(entry)
    return [
        OverdueUnit(name, overdue, due_soon)
        for name, (overdue, due_soon) in sorted(lists.items(), key=lambda kv: (-len(kv[1][0]), kv[0]))
    ]


def overdue_list(
    uow: UnitOfWork, viewer: Actor | None, plan_id: int, *, today: dt.date | None = None
) -> OverdueList:
    """The office's 督办 list of plan `plan_id`, if `viewer` may see it (else NotFound, audited)."""
    day = today or office_today()

    def read(session: Session) -> PlanProgress:
        return plan_progress(session, plan_by_id(session, viewer, plan_id), day)

    progress = run_read(uow, viewer, "overdue", plan_target(plan_id), read)
    return OverdueList(
        plan=progress.plan,
        today=day,
        overdue_measures=sum(1 for r in progress.rows if r.overdue),
        units=overdue_by_unit(progress),
    )
