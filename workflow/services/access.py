"""What a signed-in person may open: measures and evidence by id, checked and audited.

Web pages and the API name objects by number (措施 #12, 佐证材料 #345). Numbers are easy to
guess, so every lookup goes through here: an object the person may not see is refused with
the reason, and the refusal is put on the audit trail, like a refused change.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, selectinload

from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor, Work, authorize, refusal
from workflow.errors import Hidden, NotFound, Refused
from workflow.models import Evidence, Indicator, IndicatorReport, Measure, MeasureUnit, Plan
from workflow.services.acting import find_measure, measure_units, record_refusal, run_read
from workflow.services.plan_queries import find_plan
from workflow.services.visibility import require_plan


@dataclass(frozen=True)
class MeasureRef:
    id: int
    ident: str  # PLAN_KEY/REF, as the services take it
    label: str
    plan_id: int
    version: int


@dataclass(frozen=True)
class EvidenceFile:
    id: int
    measure: MeasureRef | None
    kind: str
    sha256: str | None
    size: int | None
    media_type: str | None
    file_name: str
    url: str


def _ref(measure: Measure) -> MeasureRef:
    return MeasureRef(
        id=measure.id,
        ident=f"{measure.plan.key}/{measure.ref}",
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
    zone's plan is answered like a missing one, and the attempt audited."""

    def read(session: Session) -> PlanRef:
        plan = find_plan(session, ident, viewer)
        return PlanRef(plan.id, plan.key, plan.title, plan.zone_id)

    return run_read(uow, viewer, action, ident, read)


def open_plan_id(uow: UnitOfWork, viewer: Actor, plan_id: int, *, action: str = "view") -> PlanRef:
    """Plan number `plan_id` (the web's addresses), if `viewer` may see it; else NotFound
    worded alike for a missing plan and another zone's (that one audited)."""
    missing = f"找不到编号为 {plan_id} 的方案"

    def read(session: Session) -> PlanRef:
        plan = session.get(Plan, plan_id)
        if plan is None:
            raise NotFound(missing)
        require_plan(viewer, plan, missing)
        return PlanRef(plan.id, plan.key, plan.title, plan.zone_id)

    return run_read(uow, viewer, action, f"plan/{plan_id}", read)


def open_measure_ident(uow: UnitOfWork, viewer: Actor, ident: str, *, action: str = "view") -> MeasureRef:
    """The measure named `PLAN/REF`, if `viewer` may see it (else NotFound/Refused, audited)."""

    def read(session: Session) -> MeasureRef:
        measure = find_measure(session, ident, viewer)
        authorize(viewer, Work.VIEW, measure_units(session, measure).responsibility)
        return _ref(measure)

    return run_read(uow, viewer, action, ident, read)


def _refuse(uow: UnitOfWork, actor: Actor, action: str, target: str, exc: Refused | Hidden) -> Refused | Hidden:
    """Record the refusal alone (what was read is rolled back), and return it to raise."""
    record_refusal(uow, actor, action, target, exc)
    return exc


def _check_measure(
    session: Session, uow: UnitOfWork, actor: Actor, measure: Measure, action: str, missing: str
) -> None:
    """Another zone's measure is answered with `missing`, the words for an unknown number."""
    target = f"{measure.plan.key}/{measure.ref}"
    try:
        require_plan(actor, measure.plan, missing)
    except Hidden as exc:
        raise _refuse(uow, actor, action, target, exc) from None
    reason = refusal(actor, Work.VIEW, measure_units(session, measure).responsibility)
    if reason:
        raise _refuse(uow, actor, action, target, Refused(reason))


def open_measure(uow: UnitOfWork, actor: Actor, measure_id: int, *, action: str = "view") -> MeasureRef:
    """The measure numbered `measure_id`, if `actor` may see it (else Refused, audited)."""
    with uow:
        measure = uow.session.get(
            Measure,
            measure_id,
            options=[selectinload(Measure.unit_links).selectinload(MeasureUnit.unit), selectinload(Measure.plan)],
        )
        missing = f"找不到编号为 {measure_id} 的措施"
        if measure is None:
            raise NotFound(missing)
        _check_measure(uow.session, uow, actor, measure, action, missing)
        return _ref(measure)


def open_evidence(
    uow: UnitOfWork, actor: Actor, evidence_id: int, *, action: str = "evidence_download"
) -> EvidenceFile:
    """One piece of evidence, if `actor` may see the measure (or indicator) it belongs to.

    Indicator evidence belongs to the plan's office and to the unit that reported it.
    """
    with uow:
        evidence = uow.session.get(
            Evidence,
            evidence_id,
            options=[
                selectinload(Evidence.measure).selectinload(Measure.unit_links).selectinload(MeasureUnit.unit),
                selectinload(Evidence.measure).selectinload(Measure.plan),
                selectinload(Evidence.indicator_report)
                .selectinload(IndicatorReport.indicator)
                .selectinload(Indicator.plan),
            ],
        )
        missing = f"找不到编号为 {evidence_id} 的佐证材料"
        if evidence is None or evidence.removed_at is not None:
            raise NotFound(missing)
        ref = None
        if evidence.measure is not None:
            _check_measure(uow.session, uow, actor, evidence.measure, action, missing)
            ref = _ref(evidence.measure)
        else:
            assert evidence.indicator_report is not None
            plan = evidence.indicator_report.indicator.plan
            target = f"evidence/{evidence.id}"
            try:
                require_plan(actor, plan, missing)
            except Hidden as exc:
                raise _refuse(uow, actor, action, target, exc) from None
            if not actor.is_office and evidence.unit_id != actor.unit_id:
                reason = f"{actor.describe()}无权查看佐证材料#{evidence.id}(量化指标材料仅办公室与报送单位可见)"
                raise _refuse(uow, actor, action, target, Refused(reason))
        return EvidenceFile(
            id=evidence.id,
            measure=ref,
            kind=evidence.kind.value,
            sha256=evidence.sha256,
            size=evidence.size,
            media_type=evidence.media_type,
            file_name=evidence.file_name,
            url=evidence.url,
        )
