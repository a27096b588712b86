"""The office corrects an imported plan: one edit (or a few) at a time, in one transaction
that updates the measures, records the correction and puts it on the audit trail.

Only admins of the plan's zone correct it; anyone of a zone that cannot see the plan is told
what a missing plan gets. Reshaping a measure (merge, split, a new kind and so a new number)
is for measures nobody has worked on yet: their evidence, parts and history hang on them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from checklists.catalog import Measure as CatalogMeasure
from checklists.corrections import (
    MAX_CORRECTIONS_PER_PLAN,
    MAX_EDITS,
    CorrectionError,
    Edit,
    Merge,
    SetKind,
    Split,
    apply_edits,
    describe,
    edit_from_payload,
    edit_payload,
    targets,
)
from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor, Work, authorize
from workflow.errors import InputError, Refused
from workflow.models import Measure, Plan, PlanCorrection
from workflow.notify.assignments import queue_assignments, responsibilities
from workflow.read.plans import plan_by_id
from workflow.services.acting import person_required, plan_target, run_audited, run_read
from workflow.services.audit_log import AuditChain
from workflow.services.plan_catalog import catalog_from_plan, measure_to_catalog
from workflow.services.plan_import import load_corrected, store_corrections

ACTION = "plan_correct"


@dataclass(frozen=True)
class Corrected:
    plan_key: str
    applied: list[str]  # each edit in words
    changes: list[str]  # what changed in the plan's measures


@dataclass(frozen=True)
class CorrectionView:
    position: int
    kind: str
    description: str
    author: str
    created_at: dt.datetime
    stale_reason: str


@dataclass(frozen=True)
class MeasureDraft:
    """A measure as the correction form shows it."""

    id: int
    ref: str
    spec: CatalogMeasure
    has_work: bool


@dataclass(frozen=True)
class CorrectionPage:
    plan_id: int
    key: str
    title: str
    measures: list[MeasureDraft]
    corrections: list[CorrectionView]


def _check_request(edits: Sequence[Edit]) -> None:
    if not edits:
        raise InputError("没有要保存的校正(各项内容与当前相同)", code="no_changes")
    if len(edits) > MAX_EDITS:
        raise InputError(f"一次至多提交 {MAX_EDITS} 项校正,收到 {len(edits)} 项")
    for edit in edits:
        try:
            edit_payload(edit)  # its size bound
        except CorrectionError as exc:
            raise InputError(str(exc), code="correction_invalid") from None


def _administered(session: Session, actor: Actor, plan_id: int) -> Plan:
    """The plan, if `actor` administers its zone (another zone's reads as a missing plan)."""
    plan = plan_by_id(session, actor, plan_id)
    authorize(actor, Work.ADMINISTER, zone_id=plan.zone_id)
    return plan


def _refuse_reshaping_worked_measures(plan: Plan, edits: Sequence[Edit]) -> None:
    current = {m.ref: m for m in plan.measures if m.retired_at is None}
    for edit in edits:
        if not isinstance(edit, Merge | Split | SetKind):
            continue
        for ref in targets(edit):
            measure = current.get(ref)
            if measure is not None and measure.has_recorded_work():
                raise Refused(
                    f"{measure.label}已有工作记录(已启动、已有佐证材料或自查),"
                    "不能再合并、拆分或改变类别;可修改其责任单位、时限与自查清单",
                    code="measure_has_work",
                    params={"measure": f"{plan.key}/{ref}"},
                )


def correct_plan(uow: UnitOfWork, actor: Actor | None, plan_id: int, edits: Sequence[Edit]) -> Corrected:
    """Apply an admin's corrections to plan number `plan_id`, in one transaction."""
    person = person_required(actor)
    _check_request(edits)

    def work(session: Session, chain: AuditChain) -> Corrected:
        plan = _administered(session, person, plan_id)
        count = session.scalar(select(func.count()).where(PlanCorrection.plan_id == plan.id)) or 0
        if count + len(edits) > MAX_CORRECTIONS_PER_PLAN:
            raise InputError(f"方案 {plan.key} 的校正已有 {count} 项,至多 {MAX_CORRECTIONS_PER_PLAN} 项")
        _refuse_reshaping_worked_measures(plan, edits)
        try:
            applied = apply_edits(catalog_from_plan(session, plan), edits)
        except CorrectionError as exc:
            raise InputError(str(exc), code="correction_invalid") from None
        responsible_before = responsibilities(session, plan.id)
        changes = load_corrected(session, plan, applied, edits)
        queue_assignments(session, plan, responsible_before)
        store_corrections(session, plan, person, edits)
        for edit in edits:
            where = plan.key if isinstance(edit, Merge) else f"{plan.key}/{applied.renamed.get(edit.ref, edit.ref)}"
            chain.append(
                person, ACTION, where, comment=describe(edit), detail={"edit": edit_payload(edit), "changes": changes[:50]}
            )
        return Corrected(plan.key, [describe(e) for e in edits], changes)

    return run_audited(uow, person, ACTION, plan_target(plan_id), work)


def correction_page(uow: UnitOfWork, actor: Actor, plan_id: int) -> CorrectionPage:
    """What the correction page shows: the plan's measures as editable, and its corrections."""

    def read(session: Session) -> CorrectionPage:
        plan = _administered(session, actor, plan_id)
        measures = session.scalars(
            select(Measure)
            .where(Measure.plan_id == plan.id, Measure.retired_at.is_(None))
            .order_by(Measure.position)
            .options(
                selectinload(Measure.unit_links),
                selectinload(Measure.checklist),
                selectinload(Measure.section),
                selectinload(Measure.evidence),
                selectinload(Measure.self_checks),
                selectinload(Measure.parts),
            )
        )
        drafts = [MeasureDraft(m.id, m.ref, measure_to_catalog(m), m.has_recorded_work()) for m in measures]
        return CorrectionPage(plan.id, plan.key, plan.title, drafts, _views(session, plan))

    return run_read(uow, actor, "plan_corrections", plan_target(plan_id), read)


def list_corrections(uow: UnitOfWork, actor: Actor | None, plan_id: int) -> list[CorrectionView]:
    """A plan's corrections in order (the operator, `actor` None, sees any plan's)."""

    def read(session: Session) -> list[CorrectionView]:
        plan = plan_by_id(session, actor, plan_id)
        if actor is not None:
            authorize(actor, Work.ADMINISTER, zone_id=plan.zone_id)
        return _views(session, plan)

    return run_read(uow, actor, "plan_corrections", plan_target(plan_id), read)


def _views(session: Session, plan: Plan) -> list[CorrectionView]:
    rows = session.scalars(
        select(PlanCorrection)
        .where(PlanCorrection.plan_id == plan.id)
        .order_by(PlanCorrection.position)
        .options(selectinload(PlanCorrection.person))
    )
    return [
        CorrectionView(
            position=row.position,
            kind=row.kind,
            description=describe(edit_from_payload(row.payload)),
            author=row.person.name,
            created_at=row.created_at,
            stale_reason=row.stale_reason,
        )
        for row in rows
    ]
