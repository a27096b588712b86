"""Opening objects by name or number, checked and audited: the edges' one resolution step.

Web pages and the API name objects by number (措施 #12, 佐证材料 #345); the CLI by name
(`003/5`, a plan's key). Numbers are easy to guess and names easy to try, so every lookup
goes through here or through the services, which check again inside their own transaction:
an object of another zone is answered exactly like a missing one, an object the person's
unit may not open is refused with the reason, and either attempt is put on the audit trail,
like a refused change.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, selectinload

from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor, Work, authorize
from workflow.errors import NotFound, Refused
from workflow.models import Evidence, Indicator, IndicatorReport, Measure, MeasureUnit
from workflow.read.evidence import EvidenceRow, evidence_row
from workflow.read.plans import find_plan, plan_by_id
from workflow.services.acting import (
    evidence_target,
    find_measure,
    ident_target,
    measure_units,
    plan_target,
    run_read,
    target_of,
)
from workflow.services.visibility import require_plan


@dataclass(frozen=True)
class MeasureRef:
    id: int
    ident: str  # PLAN_KEY/REF, for display; the services take `id`
    label: str
    plan_id: int
    version: int


def _ref(measure: Measure) -> MeasureRef:
    return MeasureRef(
        id=measure.id,
        ident=target_of(measure),
        label=measure.label,
        plan_id=measure.plan_id,
        version=measure.version_id,
    )


@dataclass(frozen=True)
class PlanRef:
    id: int
    key: str
    title: str
    zone_id: int


def open_plan(uow: UnitOfWork, viewer: Actor | None, ident: str, *, action: str = "view") -> PlanRef:
    """The plan named `ident` (key, number, prefix or id), if `viewer` may see it; another
    zone's plan is answered like a missing one, and the attempt audited as `action`."""

    def read(session: Session) -> PlanRef:
        plan = find_plan(session, ident, viewer)
        return PlanRef(plan.id, plan.key, plan.title, plan.zone_id)

    return run_read(uow, viewer, action, ident, read)


def open_plan_id(uow: UnitOfWork, viewer: Actor | None, plan_id: int, *, action: str = "view") -> PlanRef:
    """Plan number `plan_id` (the web's addresses), if `viewer` may see it; else NotFound
    worded alike for a missing plan and another zone's (that one audited)."""

    def read(session: Session) -> PlanRef:
        plan = plan_by_id(session, viewer, plan_id)
        return PlanRef(plan.id, plan.key, plan.title, plan.zone_id)

    return run_read(uow, viewer, action, plan_target(plan_id), read)


def resolve_measure(uow: UnitOfWork, viewer: Actor | None, ident: str, *, action: str) -> MeasureRef:
    """The measure named `PLAN/REF` among the plans `viewer` sees, for a command about to act
    on it as `action`: another zone's is answered like a missing one (audited). Whether the
    viewer's unit may open or work on it is the service's to decide, with its own reasons."""

    def read(session: Session) -> MeasureRef:
        return _ref(find_measure(session, ident, viewer))

    return run_read(uow, viewer, action, ident_target(ident), read)


def open_measure_ident(
    uow: UnitOfWork, viewer: Actor | None, ident: str, *, action: str = "view"
) -> MeasureRef:
    """The measure named `PLAN/REF`, if `viewer` may open it (else NotFound/Refused, audited)."""

    def read(session: Session) -> MeasureRef:
        measure = find_measure(session, ident, viewer)
        if viewer is not None:
            authorize(viewer, Work.VIEW, measure_units(session, measure).responsibility)
        return _ref(measure)

    return run_read(uow, viewer, action, ident_target(ident), read)


def open_evidence(
    uow: UnitOfWork, actor: Actor, evidence_id: int, *, action: str = "evidence_download"
) -> EvidenceRow:
    """One piece of evidence, if `actor` may see the measure (or indicator) it belongs to.

    Indicator evidence belongs to the plan's office and to the unit that reported it.
    """
    missing = NotFound(f"找不到编号为 {evidence_id} 的佐证材料")

    def read(session: Session) -> EvidenceRow:
        evidence = session.get(
            Evidence,
            evidence_id,
            options=[
                selectinload(Evidence.measure).selectinload(Measure.unit_links).selectinload(MeasureUnit.unit),
                selectinload(Evidence.measure).selectinload(Measure.plan),
                selectinload(Evidence.item),
                selectinload(Evidence.person),
                selectinload(Evidence.unit),
                selectinload(Evidence.indicator_report)
                .selectinload(IndicatorReport.indicator)
                .selectinload(Indicator.plan),
            ],
        )
        if evidence is None or evidence.removed_at is not None:
            raise missing
        if evidence.measure is not None:
            # Another zone's evidence reads as a missing piece of evidence, not a measure.
            require_plan(actor, evidence.measure.plan, missing)
            authorize(actor, Work.VIEW, measure_units(session, evidence.measure).responsibility)
        else:
            assert evidence.indicator_report is not None
            require_plan(actor, evidence.indicator_report.indicator.plan, missing)
            # An expert reaching here sits on the plan's panel: it reads all of the plan's evidence.
            if not (actor.is_office or actor.is_expert) and evidence.unit_id != actor.unit_id:
                raise Refused(
                    f"{actor.describe()}无权查看佐证材料#{evidence.id}(量化指标材料仅办公室、专家组与报送单位可见)",
                    code="no_view",
                )
        return evidence_row(evidence)

    return run_read(uow, actor, action, evidence_target(evidence_id), read)
