"""A plan's evidence as the evidence bundle (佐证材料汇编) lays it out, typed: every measure's,
retired ones included (the work recorded on them is still evidence), with its section and
checklist, and every indicator report's.

Read in a fixed number of queries through `read.plans.load_measures`, for a viewer who may see
the plan (another zone's plan is NotFound, audited). What goes where in the ZIP is
`reports.bundle.layout`'s.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor
from workflow.models import Evidence, Indicator, IndicatorReport, Measure, Section
from workflow.read.evidence import EvidenceRow, evidence_row
from workflow.read.plans import PlanHead, load_measures, plan_by_id, plan_head
from workflow.services.acting import plan_target, run_read


@dataclass(frozen=True)
class SectionHead:
    id: int
    position: int  # document order
    number: str  # 三 / (一)
    title: str
    top_level: bool
    path_title: str  # 三、… / (一)…


@dataclass(frozen=True)
class MeasureEvidence:
    ref: str
    kind: str  # MeasureKind value
    title: str
    retired: bool  # withdrawn from the plan by a revision
    section: SectionHead | None
    items: dict[int, str]  # checklist item number → its text
    evidence: tuple[EvidenceRow, ...]  # all of it (current, superseded, removed), in the order handed in


@dataclass(frozen=True)
class ReportEvidence:
    """One reported value of an indicator and the evidence handed in with it."""

    as_of: dt.date
    value: Decimal
    person: str
    evidence: tuple[EvidenceRow, ...]


@dataclass(frozen=True)
class IndicatorEvidence:
    number: int  # 1-based, as `indicator report PLAN N` takes it
    text: str
    unit: str
    retired: bool
    reports: tuple[ReportEvidence, ...]  # in the order reported


@dataclass(frozen=True)
class PlanEvidence:
    plan: PlanHead
    measures: list[MeasureEvidence]  # document order
    indicators: list[IndicatorEvidence]  # document order, retired ones too


def _section(section: Section | None) -> SectionHead | None:
    if section is None:
        return None
    return SectionHead(
        section.id, section.position, section.number, section.title, section.parent is None, section.path_title()
    )


def _measure(m: Measure) -> MeasureEvidence:
    return MeasureEvidence(
        ref=m.ref,
        kind=m.kind.value,
        title=m.title,
        retired=m.retired_at is not None,
        section=_section(m.section),
        items={i.position: i.text for i in m.checklist},
        evidence=tuple(evidence_row(e) for e in m.evidence),
    )


def _indicators(session: Session, plan_id: int) -> list[IndicatorEvidence]:
    evidence_options = (selectinload(Evidence.person), selectinload(Evidence.unit))
    indicators = session.scalars(
        select(Indicator)
        .where(Indicator.plan_id == plan_id)
        .order_by(Indicator.position, Indicator.id)
        .options(
            selectinload(Indicator.reports).options(
                selectinload(IndicatorReport.person),
                selectinload(IndicatorReport.evidence).options(*evidence_options),
            )
        )
    )
    return [
        IndicatorEvidence(
            number=ind.position + 1,
            text=ind.text,
            unit=ind.unit,
            retired=ind.retired_at is not None,
            reports=tuple(
                ReportEvidence(r.as_of, r.value, r.person.name, tuple(evidence_row(e) for e in r.evidence))
                for r in ind.reports
            ),
        )
        for ind in indicators
    ]


def plan_evidence(uow: UnitOfWork, viewer: Actor | None, plan_id: int) -> PlanEvidence:
    """Every piece of evidence of plan `plan_id`, by measure and indicator, if `viewer` may see
    the plan (else NotFound, audited as `bundle`)."""

    def read(session: Session) -> PlanEvidence:
        plan = plan_by_id(session, viewer, plan_id)
        measures = load_measures(session, plan, with_work=True, include_retired=True)
        return PlanEvidence(plan_head(plan), [_measure(m) for m in measures], _indicators(session, plan.id))

    return run_read(uow, viewer, "bundle", plan_target(plan_id), read)
