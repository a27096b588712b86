"""What an expert works from in the browser: the plans of its panels (its home), and one plan's
scoring sheet: every indicator with its guidance, the evidence slots it asks for, the
measures it maps to with their current evidence, the expert's own mark and the panel's.

Typed, read in a fixed number of queries; the panel itself is `read.panel`'s.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor
from workflow.errors import Refused
from workflow.models import ExpertRound, IndexIndicatorRow, IndexSystemRow, Plan, PlanExpert
from workflow.read.evidence import EvidenceRow, evidence_row
from workflow.read.panel import ExpertMark, ExpertPanel, read_panel
from workflow.read.plans import load_measures, plan_by_id
from workflow.services.acting import plan_target, run_read
from workflow.services.index_store import current_row

__all__ = ["ExpertSheet", "MappedMeasure", "PanelPlan", "SheetIndicator", "expert_sheet", "panel_plans", "sheet_indicators"]


@dataclass(frozen=True)
class PanelPlan:
    """A plan on whose panel the expert sits, for its home page."""

    plan_id: int
    key: str
    title: str
    leader: bool  # the expert is its 组长
    round: int
    finalised: bool
    assigned_at: dt.datetime


@dataclass(frozen=True)
class MappedMeasure:
    measure_id: int
    ref: str
    title: str
    evidence: tuple[EvidenceRow, ...]  # current evidence only


@dataclass(frozen=True)
class SheetIndicator:
    code: str
    name: str
    level: int
    points: str  # as written, e.g. "4.5"
    type: str  # met / scored
    leaf: bool
    bonus: bool
    veto: bool
    guidance: str
    slots: tuple[str, ...]  # the evidence it asks for
    measures: tuple[MappedMeasure, ...]
    metrics: tuple[str, ...]  # numeric indicators of the plan it maps to
    mine: ExpertMark | None  # the viewing expert's mark of this round
    panel: str | None  # the panel's score, as written (None: not consolidated yet)


@dataclass(frozen=True)
class ExpertSheet:
    plan_id: int
    plan_key: str
    plan_title: str
    panel: ExpertPanel
    indicators: tuple[SheetIndicator, ...]  # empty: no index system loaded
    leader: bool  # the viewer is the 组长
    consolidation: str | None  # the system's rule (leader / mean / trimmed_mean)


def panel_plans(uow: UnitOfWork, viewer: Actor) -> list[PanelPlan]:
    """The plans of `viewer`'s panels, newest seat first (none for anyone but an expert)."""
    if not viewer.is_expert:
        return []
    with uow:
        session = uow.session
        seats = session.execute(
            select(PlanExpert, Plan).join(Plan, Plan.id == PlanExpert.plan_id).where(PlanExpert.person_id == viewer.id)
            .order_by(PlanExpert.assigned_at.desc(), PlanExpert.id.desc())
        ).all()
        latest = dict(
            session.execute(
                select(ExpertRound.plan_id, func.max(ExpertRound.round))
                .where(ExpertRound.plan_id.in_([plan.id for _, plan in seats]))
                .group_by(ExpertRound.plan_id)
            ).all()
        )
        closed = {
            (r.plan_id, r.round)
            for r in session.scalars(
                select(ExpertRound).where(ExpertRound.plan_id.in_(list(latest)), ExpertRound.finalised_at.is_not(None))
            )
        }
        return [
            PanelPlan(
                plan.id, plan.key, plan.title, seat.is_leader, latest.get(plan.id, 1),
                (plan.id, latest.get(plan.id, 1)) in closed, seat.assigned_at,
            )
            for seat, plan in seats
        ]


def _points(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def sheet_indicators(
    session: Session,
    plan: Plan,
    row: IndexSystemRow,
    mine: dict[str, ExpertMark],
    panel: dict[str, Decimal | None],
) -> tuple[SheetIndicator, ...]:
    """Every indicator of `row` with its slots, mapped measures and their current evidence,
    `mine` the viewer's marks and `panel` the panel's score by code (also the office's
    self-assessment page's rows, with no marks of its own)."""
    measures = {m.ref: m for m in load_measures(session, plan, with_work=True)}
    parents = {i.parent_code for i in row.indicators if i.parent_code}

    def mapped(ind: IndexIndicatorRow) -> tuple[MappedMeasure, ...]:
        found = (measures[str(ref)] for ref in ind.measure_refs if str(ref) in measures)
        return tuple(
            MappedMeasure(m.id, m.ref, m.title, tuple(evidence_row(e) for e in m.evidence if e.current))
            for m in found
        )

    return tuple(
        SheetIndicator(
            code=i.code,
            name=i.name,
            level=i.level,
            points=_points(i.points) or "0",
            type=i.type,
            leaf=i.code not in parents,
            bonus=i.bonus,
            veto=i.veto,
            guidance=i.guidance,
            slots=tuple(str(s["what"]) for s in i.evidence_slots),
            measures=mapped(i),
            metrics=tuple(str(m) for m in i.metric_names),
            mine=mine.get(i.code),
            panel=_points(panel.get(i.code)),
        )
        for i in row.indicators
    )


def expert_sheet(uow: UnitOfWork, viewer: Actor, plan_id: int) -> ExpertSheet:
    """Plan `plan_id`'s scoring sheet as expert `viewer` of its panel sees it (its office sees
    it without marks of its own); a unit member is refused, another plan reads as missing."""

    def read(session: Session) -> ExpertSheet:
        plan = plan_by_id(session, viewer, plan_id)
        if not (viewer.is_expert or viewer.is_office):
            raise Refused(f"{viewer.describe()}无权查看方案 {plan.key} 的专家评分表", code="no_view")
        panel = read_panel(session, plan)
        row: IndexSystemRow | None = current_row(session, plan)
        if row is None:
            return ExpertSheet(plan.id, plan.key, plan.title, panel, (), False, None)
        mine = {m.code: m for m in panel.marks.get(viewer.name, ())}
        lines = {line.code: line for line in panel.scores.lines} if panel.scores else {}
        panel_marks = {code: line.panel_score for code, line in lines.items()}
        indicators = sheet_indicators(session, plan, row, mine, panel_marks)
        leader = panel.leader is not None and panel.leader.name == viewer.name
        return ExpertSheet(plan.id, plan.key, plan.title, panel, indicators, leader, row.consolidation)

    return run_read(uow, viewer, "expert_sheet", plan_target(plan_id), read)
