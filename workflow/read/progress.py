"""A plan's progress: every current measure's state, units and lateness, and the plan's status
(counts by state, section and unit; acceptance rate; scores; indicators), typed.

`plan_progress` reads a plan in a fixed number of queries; the office's pages, the API, the
CLI's `status`, the 督办 list (`read.overdue`), the unit worklist, the reports and the ledger
all build on its rows.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from workflow.clock import office_today
from workflow.db import UnitOfWork
from workflow.domain import obligations
from workflow.domain.escalation import NO_ESCALATION, Colour, Escalation, EscalationRules, colour_of
from workflow.domain.extensions import extension_note
from workflow.domain.permissions import Actor, Responsibility, Work, refusal
from workflow.domain.states import DisplayState, MeasureState, Verdict, display_label, display_state
from workflow.models import Evidence, Measure, MeasurePart, MeasureUnit, Plan, Review, SelfCheck
from workflow.read.indicators import IndicatorLine, indicator_lines
from workflow.read.plans import PlanHead, plan_by_id, plan_head
from workflow.services.acting import measure_units, members_for, plan_target, run_read
from workflow.services.escalation import zone_rules
from workflow.services.measure_work import measure_dates, plan_period

NO_UNIT = "(未写明责任单位)"  # where a measure names no responsible unit
NO_SECTION = "(未分节)"


@dataclass(frozen=True)
class UnitEscalation:
    """One responsible unit's part of a measure and its colour (a co-responsible unit can be
    red while the lead unit has done its share)."""

    unit_id: int
    unit: str
    lead: bool
    escalation: Escalation


@dataclass(frozen=True)
class MeasureRow:
    """One current measure as the status, overdue and worklist views need it."""

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
    # `原定 2024-05-31,延期 1 次` when an approved extension moved the date judged ("" else).
    extended: str = ""
    escalation: Escalation = NO_ESCALATION  # 三色督办 of the measure as a whole
    unit_escalations: tuple[UnitEscalation, ...] = ()  # lead first, as `units`

    @property
    def colour(self) -> Colour:
        return self.escalation.colour

    @property
    def display_state(self) -> DisplayState:
        return display_state(self.state, self.rectification_due)


@dataclass(frozen=True)
class PlanProgress:
    plan: PlanHead
    today: dt.date
    rows: list[MeasureRow]
    average_score: float | None
    indicators: list[IndicatorLine]
    # measure id → who is responsible, for the visibility rule over the rows
    responsibilities: dict[int, Responsibility]
    rules: EscalationRules = EscalationRules()

    def rows_for(self, viewer: Actor | None) -> list[MeasureRow]:
        """The rows `viewer` may open: the office (and the operator) every one, a unit member
        those its unit is responsible for (groups counted once mapped): the rule of every
        single-measure read (`Work.VIEW`), applied to the list."""
        if viewer is None:
            return list(self.rows)
        return [r for r in self.rows if refusal(viewer, Work.VIEW, self.responsibilities[r.id]) is None]


def plan_progress(session: Session, plan: Plan, today: dt.date) -> PlanProgress:
    """Every current measure's state, units, deadlines and lateness on `today`, in fixed
    queries. The caller has checked that its viewer may see `plan`."""
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
    # (measure, unit) pairs with current evidence: a unit's own part turns yellow without it.
    gave: set[tuple[int, int]] = set()
    for measure_id, doc_date, unit_id in session.execute(
        select(Evidence.measure_id, Evidence.doc_date, Evidence.unit_id).where(
            Evidence.measure_id.in_(ids),
            Evidence.superseded_by_id.is_(None),
            Evidence.removed_at.is_(None),
        )
    ):
        if measure_id is not None:
            dates[measure_id].append(doc_date)
            if unit_id is not None:
                gave.add((measure_id, unit_id))
    done: set[tuple[int, int]] = {
        (measure_id, unit_id)
        for measure_id, unit_id in session.execute(
            select(MeasurePart.measure_id, MeasurePart.unit_id).where(
                MeasurePart.measure_id.in_(ids), MeasurePart.done_at.is_not(None)
            )
        )
    }
    rules = zone_rules(session, plan.zone_id)
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
    responsibilities = {}
    for m in measures:
        units = measure_units(session, m, members)
        responsibilities[m.id] = units.responsibility
        md = measure_dates(m, dates.get(m.id, ()))
        late = obligations.overdue(md, period, today)
        lead_ids = units.responsibility.lead_unit_ids
        unit_escalations = tuple(
            UnitEscalation(
                unit_id,
                name,
                unit_id in lead_ids,
                colour_of(
                    md, period, today, rules,
                    has_evidence=(m.id, unit_id) in gave,
                    part_done=(m.id, unit_id) in done,
                ),
            )
            for unit_id, name in sorted(units.unit_names.items(), key=lambda kv: kv[0] not in lead_ids)
        )
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
                extended=extension_note(
                    m.original_due_on, m.original_rectification_due if m.rectification_due else None, m.extension_count
                ),
                escalation=colour_of(md, period, today, rules, has_evidence=bool(md.evidence_dates)),
                unit_escalations=unit_escalations,
            )
        )
    average = round(sum(all_scores) / len(all_scores), 1) if all_scores else None
    return PlanProgress(
        plan_head(plan), today, rows, average, indicator_lines(session, plan), responsibilities, rules
    )


def plan_measures(
    uow: UnitOfWork, viewer: Actor | None, plan_id: int, *, today: dt.date | None = None
) -> tuple[PlanHead, list[MeasureRow]]:
    """The plan and the rows of its current measures that `viewer` may open (state, units,
    lateness, number); another zone's plan is NotFound (audited)."""
    day = today or office_today()

    def read(session: Session) -> tuple[PlanHead, list[MeasureRow]]:
        plan = plan_by_id(session, viewer, plan_id)
        progress = plan_progress(session, plan, day)
        return progress.plan, progress.rows_for(viewer)

    return run_read(uow, viewer, "view", plan_target(plan_id), read)


# ------------------------------------------------------------------------------- status


def state_counts(rows: list[MeasureRow]) -> dict[str, int]:
    """Measures by stored state, and 整改中 apart (those are counted under in_progress too)."""
    counter = Counter(r.state for r in rows)
    counts = {s.value: counter.get(s.value, 0) for s in MeasureState}
    counts[DisplayState.RECTIFYING.value] = sum(1 for r in rows if r.display_state is DisplayState.RECTIFYING)
    return counts


@dataclass(frozen=True)
class SectionCount:
    section: str
    total: int
    by_state: dict[str, int]


@dataclass(frozen=True)
class UnitCount:
    unit: str
    total: int
    by_state: dict[str, int]
    overdue: list[str]  # refs of its overdue measures
    returned: list[str]  # refs of its measures returned and not yet resubmitted


@dataclass(frozen=True)
class PlanStatus:
    plan: PlanHead
    today: dt.date
    review_levels: list[str]
    total: int
    by_state: dict[str, int]  # planned, in_progress, self_checked, accepted; rectifying apart
    acceptance_rate: float
    average_score: float | None
    overdue: int
    by_section: list[SectionCount]
    by_unit: list[UnitCount]
    indicators: list[IndicatorLine]
    escalation: dict[str, int] = field(default_factory=dict)  # measures by colour

    def as_dict(self) -> dict[str, Any]:
        """The JSON of `status --json` and `GET /api/v1/plans/{id}/status`."""
        p = self.plan
        return {
            "plan": {"id": p.id, "key": p.key, "title": p.title, "doc_number": p.doc_number},
            "today": self.today.isoformat(),
            "review_levels": list(self.review_levels),
            "total": self.total,
            "by_state": dict(self.by_state),
            "acceptance_rate": self.acceptance_rate,
            "average_score": self.average_score,
            "overdue": self.overdue,
            "by_section": [
                {"section": s.section, "total": s.total, "by_state": dict(s.by_state)} for s in self.by_section
            ],
            "by_unit": [
                {
                    "unit": u.unit,
                    "total": u.total,
                    "by_state": dict(u.by_state),
                    "overdue": list(u.overdue),
                    "returned": list(u.returned),
                }
                for u in self.by_unit
            ],
            "indicators": [i.as_dict() for i in self.indicators],
            "escalation": dict(self.escalation),
        }


def plan_status(
    uow: UnitOfWork, viewer: Actor | None, plan_id: int, *, today: dt.date | None = None
) -> PlanStatus:
    """Counts by state, section and unit; acceptance rate, average score, overdue and returned."""
    day = today or office_today()
    return run_read(
        uow, viewer, "plan_status", plan_target(plan_id), lambda s: _status(s, viewer, plan_id, day)
    )


def _status(session: Session, viewer: Actor | None, plan_id: int, today: dt.date) -> PlanStatus:
    plan = plan_by_id(session, viewer, plan_id)
    progress = plan_progress(session, plan, today)
    rows = progress.rows
    by_section: dict[str, list[MeasureRow]] = defaultdict(list)
    by_unit: dict[str, list[MeasureRow]] = defaultdict(list)
    for row in rows:
        by_section[row.section or NO_SECTION].append(row)
        for unit in row.units or [NO_UNIT]:
            by_unit[unit].append(row)
    accepted = sum(1 for r in rows if r.state == MeasureState.ACCEPTED.value)
    return PlanStatus(
        plan=progress.plan,
        today=today,
        review_levels=list(plan.review_levels),
        total=len(rows),
        by_state=state_counts(rows),
        acceptance_rate=round(accepted / len(rows), 4) if rows else 0.0,
        average_score=progress.average_score,
        overdue=sum(1 for r in rows if r.overdue),
        by_section=[SectionCount(name, len(items), state_counts(items)) for name, items in by_section.items()],
        by_unit=[
            UnitCount(
                unit=name,
                total=len(items),
                by_state=state_counts(items),
                overdue=[r.ref for r in items if r.overdue],
                returned=[r.ref for r in items if r.display_state is DisplayState.RECTIFYING],
            )
            for name, items in sorted(by_unit.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        ],
        indicators=progress.indicators,
        escalation=colour_counts(rows),
    )


def colour_counts(rows: list[MeasureRow]) -> dict[str, int]:
    """Measures by 三色督办 colour (red, yellow, blue; none apart)."""
    counter = Counter(r.colour.value for r in rows)
    return {c.value: counter.get(c.value, 0) for c in (Colour.RED, Colour.YELLOW, Colour.BLUE, Colour.NONE)}
