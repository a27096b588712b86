"""What a signed-in person may open: measures and evidence by id, checked and audited.

Web pages and the API name objects by number (措施 #12, 佐证材料 #345). Numbers are easy to
guess, so every lookup goes through here: an object the person may not see is refused with
the reason, and the refusal is put on the audit trail, like a refused change.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, selectinload

from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor, Work, refusal
from workflow.errors import NotFound, Refused
from workflow.models import Evidence, IndicatorReport, Measure, MeasureUnit
from workflow.services.acting import measure_units
from workflow.services.audit_log import AuditChain


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


def _refuse(uow: UnitOfWork, actor: Actor, action: str, target: str, reason: str) -> Refused:
    """Roll back what was read, record the refusal alone, and return it to raise."""
    uow.rollback()
    AuditChain(uow.session).append(actor, action, target, comment=reason, refused=True)
    uow.commit()
    return Refused(reason)


def _check_measure(session: Session, uow: UnitOfWork, actor: Actor, measure: Measure, action: str) -> None:
    reason = refusal(actor, Work.VIEW, measure_units(session, measure).responsibility)
    if reason:
        raise _refuse(uow, actor, action, f"{measure.plan.key}/{measure.ref}", reason)


def open_measure(uow: UnitOfWork, actor: Actor, measure_id: int, *, action: str = "view") -> MeasureRef:
    """The measure numbered `measure_id`, if `actor` may see it (else Refused, audited)."""
    with uow:
        measure = uow.session.get(
            Measure,
            measure_id,
            options=[selectinload(Measure.unit_links).selectinload(MeasureUnit.unit), selectinload(Measure.plan)],
        )
        if measure is None:
            raise NotFound(f"找不到编号为 {measure_id} 的措施")
        _check_measure(uow.session, uow, actor, measure, action)
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
                selectinload(Evidence.indicator_report).selectinload(IndicatorReport.indicator),
            ],
        )
        if evidence is None or evidence.removed_at is not None:
            raise NotFound(f"找不到编号为 {evidence_id} 的佐证材料")
        ref = None
        if evidence.measure is not None:
            _check_measure(uow.session, uow, actor, evidence.measure, action)
            ref = _ref(evidence.measure)
        elif not actor.is_office and evidence.unit_id != actor.unit_id:
            reason = f"{actor.describe()}无权查看佐证材料#{evidence.id}(量化指标材料仅办公室与报送单位可见)"
            raise _refuse(uow, actor, action, f"evidence/{evidence.id}", reason)
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
