"""An index system in the database and back: `IndexSystemRow` and its indicator rows to the
validated `checklists.indexsys.IndexSystem` scoring works on, and the other way round.

Persistence alone: what may be loaded, and by whom, is `workflow.services.index_systems`'s.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from checklists.catalog import EvidenceKind
from checklists.indexsys.model import (
    Consolidation,
    EvidenceSlot,
    GradeLines,
    Indicator,
    IndicatorType,
    Level,
)
from checklists.indexsys.system import IndexSystem
from workflow.models import (
    ExpertScore,
    IndexIndicatorRow,
    IndexSystemRow,
    PanelScore,
    Plan,
    SelfScore,
)

__all__ = ["current_row", "rows_of", "score_count", "system_of"]


def current_row(session: Session, plan: Plan) -> IndexSystemRow | None:
    """The plan's index system with its indicators, or None if none is loaded."""
    return session.scalar(
        select(IndexSystemRow)
        .where(IndexSystemRow.plan_id == plan.id)
        .options(selectinload(IndexSystemRow.indicators))
    )


def score_count(session: Session, row: IndexSystemRow) -> int:
    """How many self and expert scores (the 组长's consolidated ones too) refer to the
    system's indicators."""
    ids = select(IndexIndicatorRow.id).where(IndexIndicatorRow.system_id == row.id)
    return sum(
        session.scalar(select(func.count()).where(model.indicator_id.in_(ids))) or 0
        for model in (SelfScore, ExpertScore, PanelScore)
    )


def _points(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def rows_of(system: IndexSystem, plan: Plan, *, source_name: str, source_sha256: str) -> IndexSystemRow:
    """New rows holding `system` for `plan` (not yet added to a session)."""
    grades = {
        k: _points(v)
        for k, v in (("passing", system.grades.passing), ("good", system.grades.good), ("excellent", system.grades.excellent))
        if v is not None
    }
    row = IndexSystemRow(
        plan_id=plan.id,
        name=system.name,
        total=system.total,
        bonus_total=system.bonus_total,
        grades=grades,
        consolidation=system.consolidation.value,
        note=system.note,
        source_name=source_name,
        source_sha256=source_sha256,
    )
    row.indicators = [
        IndexIndicatorRow(
            position=n,
            code=ind.code,
            name=ind.name,
            level=int(ind.level),
            points=ind.points,
            type=ind.type.value,
            parent_code=ind.parent,
            bonus=ind.bonus,
            veto=ind.veto,
            guidance=ind.guidance,
            evidence_slots=[
                {"what": s.what, "kinds": [k.value for k in s.kinds], "required": s.required} for s in ind.evidence
            ],
            measure_refs=list(ind.measures),
            metric_names=list(ind.metrics),
        )
        for n, ind in enumerate(system.indicators, start=1)
    ]
    return row


def _slot(data: dict[str, Any]) -> EvidenceSlot:
    return EvidenceSlot(
        what=str(data["what"]), kinds=tuple(EvidenceKind(k) for k in data["kinds"]), required=bool(data["required"])
    )


def system_of(row: IndexSystemRow, plan_key: str) -> IndexSystem:
    """The validated index system the rows hold (they were valid when written)."""
    grades = row.grades

    def line(key: str) -> Decimal | None:
        value = grades.get(key)
        return None if value is None else Decimal(str(value))

    passing = line("passing")
    assert passing is not None, "an index system always has a pass line"
    return IndexSystem(
        name=row.name,
        plan=plan_key,
        total=row.total,
        bonus_total=row.bonus_total,
        grades=GradeLines(passing=passing, good=line("good"), excellent=line("excellent")),
        consolidation=Consolidation(row.consolidation),
        note=row.note,
        indicators=tuple(
            Indicator(
                code=i.code,
                name=i.name,
                level=Level(i.level),
                points=i.points,
                type=IndicatorType(i.type),
                parent=i.parent_code,
                bonus=i.bonus,
                veto=i.veto,
                guidance=i.guidance,
                evidence=tuple(_slot(s) for s in i.evidence_slots),
                measures=tuple(str(r) for r in i.measure_refs),
                metrics=tuple(str(m) for m in i.metric_names),
                line=i.position,
            )
            for i in row.indicators
        ),
    )
