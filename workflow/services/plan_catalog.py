"""A plan written back as a catalog (the office's edits included): for `export --format yaml`,
re-imports that merge with what the office changed, and plan corrections.

Apart from the read side's plan look-ups (`read.plans`) because it needs the pydantic catalog
models, which the listings and look-ups (and so `zonecheck plans` at start-up) do without.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from checklists.catalog import (
    Catalog,
    Deadline,
    PlanInfo,
    UnitRef,
)
from checklists.catalog import (
    ChecklistItem as CatalogItem,
)
from checklists.catalog import (
    Indicator as CatalogIndicator,
)
from checklists.catalog import (
    Measure as CatalogMeasure,
)
from checklists.catalog import (
    Phase as CatalogPhase,
)
from checklists.catalog import (
    Section as CatalogSection,
)
from checklists.kinds import EvidenceKind
from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor
from workflow.models import Measure, Plan
from workflow.read.plans import load_measures, plan_by_id
from workflow.services.acting import plan_target, run_read

__all__ = ["catalog_from_plan", "measure_to_catalog"]


def measure_to_catalog(m: Measure) -> CatalogMeasure:
    return CatalogMeasure(
        kind=m.kind,
        number=m.number,
        section=m.section.ref if m.section else None,
        title=m.title,
        text=m.text,
        units=[UnitRef(name=link.name_as_written, role=link.role) for link in m.unit_links],
        units_text=m.units_text,
        deadline=Deadline(
            kind=m.deadline_kind,
            text=m.deadline_text,
            due=m.due_on,
            month=m.due_month,
            day=m.due_day,
        ),
        checklist=[
            CatalogItem(
                text=i.text,
                evidence_kinds=[EvidenceKind(k) for k in i.evidence_kinds],
                min_evidence=i.min_evidence,
            )
            for i in m.checklist
        ],
        lines=list(m.source_lines),
    )


def catalog_from_plan(session: Session, plan: Plan) -> Catalog:
    """The plan as a catalog again, edits of the office included (for `export --format yaml`)."""
    latest = plan.imports[-1] if plan.imports else None
    return Catalog(
        plan=PlanInfo(
            key=plan.key,
            title=plan.title,
            issuer=plan.issuer,
            doc_number=plan.doc_number,
            issued_on=plan.issued_on,
            preamble=plan.preamble,
            source_file=plan.source_file,
            source_sha256=plan.source_sha256,
        ),
        sections=[
            CatalogSection(
                ref=s.ref,
                number=s.number,
                title=s.title,
                parent=s.parent.ref if s.parent else None,
                text=s.text,
                line=s.source_line,
            )
            for s in plan.sections
        ],
        measures=[measure_to_catalog(m) for m in load_measures(session, plan)],
        phases=[
            CatalogPhase(
                name=p.name,
                text=p.text,
                start=p.start_on,
                end=p.end_on,
                acceptance=p.acceptance,
                line=p.source_line,
            )
            for p in plan.phases
        ],
        indicators=[
            CatalogIndicator(
                text=i.text,
                metric=i.metric,
                comparator=i.comparator,
                value=i.value,
                value_max=i.value_max,
                unit=i.unit,
                due=i.due_on,
                measure=i.measure.ref if i.measure else None,
                line=i.source_line,
            )
            for i in plan.indicators
        ],
        warnings=latest.warnings if latest else [],
    )


def plan_catalog(uow: UnitOfWork, viewer: Actor | None, plan_id: int) -> Catalog:
    """Plan `plan_id` written back as a catalog, if `viewer` may see it (else NotFound,
    audited; None: the operator)."""

    def read(session: Session) -> Catalog:
        return catalog_from_plan(session, plan_by_id(session, viewer, plan_id))

    return run_read(uow, viewer, "export", plan_target(plan_id), read)
