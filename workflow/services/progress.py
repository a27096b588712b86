"""Read-side of the workflow: plan status, the overdue (督办) list, a measure's history."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from checklists import amounts
from checklists.catalog import Comparator
from workflow.clock import office_today
from workflow.db import UnitOfWork
from workflow.domain import obligations
from workflow.domain.permissions import Actor
from workflow.domain.states import DisplayState, MeasureState, Verdict, display_label, display_state
from workflow.models import (
    AuditEntry,
    Evidence,
    Indicator,
    Measure,
    MeasureUnit,
    Plan,
    Review,
    SelfCheck,
)
from workflow.services.acting import (
    measure_target,
    measure_units,
    members_for,
    open_measure_by_id,
    plan_target,
    run_read,
    target_of,
)
from workflow.services.measure_work import plan_period
from workflow.services.plan_queries import plan_by_id

NO_UNIT = "(未写明责任单位)"  # where a measure names no responsible unit


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


@dataclass
class MeasureRow:
    """One measure as the status and overdue views need it."""

    ref: str
    title: str
    section: str | None
    state: str
    state_label: str
    units: list[str]  # responsible units (groups expanded), lead first
    lead: list[str]
    deadline: str
    overdue: list[obligations.Overdue]
    due_soon: dt.date | None
    rectification_due: dt.date | None
    score: int | None
    id: int  # the measure's number, for links and actions
    version: int  # for an action's expected_version

    @property
    def display_state(self) -> DisplayState:
        return display_state(self.state, self.rectification_due)


@dataclass
class PlanProgress:
    plan: Plan
    today: dt.date
    rows: list[MeasureRow]
    average_score: float | None
    indicators: list[dict[str, Any]] = field(default_factory=list)


def plan_progress(session: Session, plan: Plan, today: dt.date) -> PlanProgress:
    """Every current measure's state, units, deadlines and lateness on `today`, in fixed queries."""
    measures = list(
        session.scalars(
            select(Measure)
            .where(Measure.plan_id == plan.id, Measure.retired_at.is_(None))
            .order_by(Measure.position)
            .options(
                selectinload(Measure.unit_links).selectinload(MeasureUnit.unit),
                selectinload(Measure.section),
            )
        )
    )
    ids = [m.id for m in measures]
    dates: dict[int, list[dt.date]] = defaultdict(list)
    for measure_id, doc_date in session.execute(
        select(Evidence.measure_id, Evidence.doc_date).where(
            Evidence.measure_id.in_(ids),
            Evidence.superseded_by_id.is_(None),
            Evidence.removed_at.is_(None),
        )
    ):
        if measure_id is not None:
            dates[measure_id].append(doc_date)
    # The score of the review that decided each measure's latest round.
    scores: dict[int, int | None] = {}
    all_scores: list[int] = []
    for measure_id, score, verdict in session.execute(
        select(SelfCheck.measure_id, Review.score, Review.verdict)
        .join(Review, Review.self_check_id == SelfCheck.id)
        .where(SelfCheck.measure_id.in_(ids))
        .order_by(Review.id)
    ):
        scores[measure_id] = score
        if score is not None and verdict is Verdict.PASS:
            all_scores.append(score)
    members = members_for(session, measures)
    period = plan_period(session, plan)
    rows = []
    for m in measures:
        units = measure_units(session, m, members)
        md = obligations.MeasureDates(
            deadline_kind=m.deadline_kind,
            due_on=m.due_on,
            due_month=m.due_month,
            due_day=m.due_day,
            state=m.state.value,
            rectification_due=m.rectification_due,
            evidence_dates=tuple(dates.get(m.id, ())),
        )
        late = obligations.overdue(md, period, today)
        rows.append(
            MeasureRow(
                ref=m.ref,
                title=m.title,
                section=m.section.path_title() if m.section else None,
                state=m.state.value,
                state_label=display_label(m.state, m.rectification_due),
                units=units.names_lead_first(),
                lead=units.lead_names,
                deadline=m.deadline_text,
                overdue=late,
                due_soon=None if late else obligations.due_soon(md, period, today),
                rectification_due=m.rectification_due,
                score=scores.get(m.id),
                id=m.id,
                version=m.version_id,
            )
        )
    average = round(sum(all_scores) / len(all_scores), 1) if all_scores else None
    return PlanProgress(plan, today, rows, average, indicator_table(session, plan))


def indicator_table(session: Session, plan: Plan) -> list[dict[str, Any]]:
    """The plan's current indicators with their latest reported value and whether it is met."""
    indicators = []
    for ind in session.scalars(
        select(Indicator)
        .where(Indicator.plan_id == plan.id, Indicator.retired_at.is_(None))
        .order_by(Indicator.position)
        .options(selectinload(Indicator.reports))
    ):
        latest = ind.latest_report()
        indicators.append(
            {
                "position": ind.position + 1,
                "metric": ind.metric,
                "text": ind.text,
                "comparator": ind.comparator.value,
                "target": _number(ind.value),
                "target_max": _number(ind.value_max),
                "unit": ind.unit,
                "reported": _number(latest.value) if latest else None,
                # For people: exact, and short even for a value no JSON number holds.
                "reported_text": amounts.plain(latest.value) if latest else None,
                "as_of": latest.as_of.isoformat() if latest else None,
                "met": indicator_met(ind, latest.value) if latest else None,
            }
        )
    return indicators


def _number(value: Decimal | None) -> int | float | None:
    return amounts.json_number(value)  # bounded even for a value stored before the bounds


def _counts(rows: list[MeasureRow]) -> dict[str, int]:
    counter = Counter(r.state for r in rows)
    counts = {s.value: counter.get(s.value, 0) for s in MeasureState}
    # 整改中 measures are counted under in_progress too (their stored state), and apart here.
    counts[DisplayState.RECTIFYING.value] = sum(1 for r in rows if r.display_state is DisplayState.RECTIFYING)
    return counts


def plan_status(
    uow: UnitOfWork, viewer: Actor | None, plan_id: int, *, today: dt.date | None = None
) -> dict[str, Any]:
    """Counts by state, section and unit; acceptance rate, average score, overdue and returned."""
    today = today or office_today()
    return run_read(
        uow, viewer, "plan_status", plan_target(plan_id), lambda s: _status(s, viewer, plan_id, today)
    )


def plan_measures(
    uow: UnitOfWork, viewer: Actor | None, plan_id: int, *, today: dt.date | None = None
) -> tuple[str, list[MeasureRow]]:
    """The plan's title and its current measures' rows (state, units, lateness, number)."""
    today = today or office_today()

    def read(session: Session) -> tuple[str, list[MeasureRow]]:
        plan = plan_by_id(session, viewer, plan_id)
        return plan.title, plan_progress(session, plan, today).rows

    return run_read(uow, viewer, "view", plan_target(plan_id), read)


def plan_indicators(uow: UnitOfWork, viewer: Actor | None, plan_id: int) -> list[dict[str, Any]]:
    """The plan's indicators, their targets and latest reported values."""
    return run_read(
        uow,
        viewer,
        "view",
        plan_target(plan_id),
        lambda session: indicator_table(session, plan_by_id(session, viewer, plan_id)),
    )


def _status(session: Session, viewer: Actor | None, plan_id: int, today: dt.date) -> dict[str, Any]:
    plan = plan_by_id(session, viewer, plan_id)
    progress = plan_progress(session, plan, today)
    rows = progress.rows
    by_section: dict[str, list[MeasureRow]] = defaultdict(list)
    by_unit: dict[str, list[MeasureRow]] = defaultdict(list)
    for row in rows:
        by_section[row.section or "(未分节)"].append(row)
        for unit in row.units or [NO_UNIT]:
            by_unit[unit].append(row)
    accepted = sum(1 for r in rows if r.state == MeasureState.ACCEPTED.value)
    return {
        "plan": {"id": plan.id, "key": plan.key, "title": plan.title, "doc_number": plan.doc_number},
        "today": today.isoformat(),
        "review_levels": list(plan.review_levels),
        "total": len(rows),
        "by_state": _counts(rows),
        "acceptance_rate": round(accepted / len(rows), 4) if rows else 0.0,
        "average_score": progress.average_score,
        "overdue": sum(1 for r in rows if r.overdue),
        "by_section": [
            {"section": name, "total": len(items), "by_state": _counts(items)}
            for name, items in by_section.items()
        ],
        "by_unit": [
            {
                "unit": name,
                "total": len(items),
                "by_state": _counts(items),
                "overdue": [r.ref for r in items if r.overdue],
                "returned": [r.ref for r in items if r.display_state is DisplayState.RECTIFYING],
            }
            for name, items in sorted(by_unit.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        ],
        "indicators": progress.indicators,
    }


def overdue_by_unit(progress: PlanProgress) -> list[dict[str, Any]]:
    """Overdue and due-soon measures grouped by responsible unit, most overdue first.

    The 督办 list of `zonecheck overdue` and the reminder notices both read this.
    """
    units: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: {"overdue": [], "due_soon": []})
    for row in progress.rows:
        entry = {
            "ref": row.ref,
            "title": row.title,
            "state": row.state,
            "state_label": row.state_label,
            "deadline": row.deadline,
            "lead": row.lead,
        }
        for unit in row.units or [NO_UNIT]:
            if row.overdue:
                units[unit]["overdue"].append(
                    entry
                    | {
                        "role": "lead" if unit in row.lead else "co",
                        "reasons": [o.as_dict() for o in row.overdue],
                    }
                )
            elif row.due_soon is not None:
                units[unit]["due_soon"].append(
                    entry | {"role": "lead" if unit in row.lead else "co", "due": row.due_soon.isoformat()}
                )
    return [
        {"unit": name, **lists}
        for name, lists in sorted(units.items(), key=lambda kv: (-len(kv[1]["overdue"]), kv[0]))
        if lists["overdue"] or lists["due_soon"]
    ]


def overdue_list(
    uow: UnitOfWork, viewer: Actor | None, plan_id: int, *, today: dt.date | None = None
) -> dict[str, Any]:
    """The office's 督办 list: overdue (and due-soon) measures grouped by responsible unit."""
    today = today or office_today()

    def read(session: Session) -> tuple[dict[str, str], PlanProgress]:
        plan = plan_by_id(session, viewer, plan_id)
        # Read now: leaving the unit of work rolls back, which expires the plan's attributes.
        return {"key": plan.key, "title": plan.title}, plan_progress(session, plan, today)

    plan_info, progress = run_read(uow, viewer, "overdue", plan_target(plan_id), read)
    return {
        "plan": plan_info,
        "today": today.isoformat(),
        "overdue_measures": sum(1 for r in progress.rows if r.overdue),
        "units": overdue_by_unit(progress),
    }


@dataclass(frozen=True)
class HistoryLine:
    at: dt.datetime
    actor: str
    role: str
    unit: str
    action: str
    from_state: str
    to_state: str
    comment: str
    detail: dict[str, Any]
    refused: bool
    seq: int


def measure_history(
    uow: UnitOfWork, viewer: Actor | None, measure_id: int, *, action: str = "history"
) -> tuple[str, list[HistoryLine]]:
    """Every audited event of one measure, oldest first (refusals included)."""
    return run_read(
        uow, viewer, action, measure_target(measure_id), lambda s: _history(s, viewer, measure_id)
    )


def _history(session: Session, viewer: Actor | None, measure_id: int) -> tuple[str, list[HistoryLine]]:
    measure, _ = open_measure_by_id(session, viewer, measure_id)
    target = target_of(measure)
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.target == target).order_by(AuditEntry.seq)
    )
    lines = [
        HistoryLine(
            e.at, e.actor, e.role, e.unit, e.action, e.from_state, e.to_state, e.comment, dict(e.detail), e.refused, e.seq
        )
        for e in entries
    ]
    return f"{measure.label} {measure.title}", lines

