"""A plan's scores by its index system: per indicator the self score, the experts' and the
panel's, totals per level, bonus, veto and grade (typed, for the CLI, the pages and reports).

The arithmetic is `workflow.domain.scoring`'s; this module only gathers the marks. The
panel's mark needs the experts' scores of a round; under the 组长 rule it is the 组长's: the
consolidated score the 组长 gave an indicator (`PanelScore`), else the 组长's own expert
score. A panel without a 组长 has none under that rule, unless it is a panel of one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from checklists.indexsys.model import Consolidation
from checklists.indexsys.system import IndexSystem
from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor
from workflow.domain.scoring import Evaluation, Mark, consolidate, evaluate
from workflow.models import (
    ExpertRound,
    ExpertScore,
    IndexSystemRow,
    PanelScore,
    Plan,
    PlanExpert,
    SelfScore,
)
from workflow.read.plans import plan_by_id
from workflow.services.acting import plan_target, run_read
from workflow.services.index_store import current_row, system_of

__all__ = ["ScoreLine", "ScoreSummary", "SheetTotals", "plan_scores", "score_summary"]


def _num(value: Decimal | None) -> int | float | None:
    """Points as a JSON number: at most two decimals within ±100,000, so a float is exact
    enough to print back the same."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True)
class SheetTotals:
    """One sheet's totals: the self-assessment's or the panel's."""

    base: Decimal
    bonus: Decimal
    total: Decimal
    by_level: dict[int, Decimal]  # the sum of each level's indicators (bonus ones included)
    vetoed: tuple[str, ...]
    unscored: int  # leaves without a mark
    grade: str | None  # None until every leaf is marked (unless vetoed: 不合格)

    @classmethod
    def of(cls, system: IndexSystem, ev: Evaluation) -> SheetTotals:
        levels: dict[int, Decimal] = defaultdict(Decimal)
        for ind in system.indicators:
            levels[int(ind.level)] += ev.scores[ind.code]
        return cls(ev.base, ev.bonus, ev.total, dict(levels), ev.vetoed, len(ev.unscored), ev.grade.value if ev.grade else None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "base": _num(self.base),
            "bonus": _num(self.bonus),
            "total": _num(self.total),
            "by_level": {str(k): _num(v) for k, v in sorted(self.by_level.items())},
            "vetoed": list(self.vetoed),
            "unscored": self.unscored,
            "grade": self.grade,
        }


@dataclass(frozen=True)
class ScoreLine:
    """One indicator with its scores (a parent's are its children's sums)."""

    code: str
    name: str
    level: int
    parent: str | None
    points: Decimal
    type: str  # met / scored
    bonus: bool
    veto: bool
    leaf: bool
    self_score: Decimal
    self_mark: Mark | None  # a leaf's own mark (None: not scored)
    statement: str
    evidence_ids: tuple[int, ...]
    scored_by: str | None
    scored_at: dt.datetime | None
    version: int | None  # the self score's, for optimistic locking
    experts: int  # how many experts marked it
    panel_score: Decimal | None
    panel_mark: Mark | None = None  # a leaf's consolidated mark (a 达标 one: met or not)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "parent": self.parent,
            "points": _num(self.points),
            "type": self.type,
            "bonus": self.bonus,
            "veto": self.veto,
            "leaf": self.leaf,
            "self": _num(self.self_score) if self.self_mark is not None or not self.leaf else None,
            "statement": self.statement,
            "evidence": list(self.evidence_ids),
            "scored_by": self.scored_by,
            "scored_at": self.scored_at.isoformat() if self.scored_at else None,
            "version": self.version,
            "experts": self.experts,
            "expert": _num(self.panel_score),
        }


@dataclass(frozen=True)
class ScoreSummary:
    plan_key: str
    name: str
    total: Decimal
    bonus_total: Decimal
    consolidation: str
    round: int  # of the self-assessment
    expert_round: int  # of the experts' scores
    lines: tuple[ScoreLine, ...]
    own: SheetTotals  # the self-assessment
    panel: SheetTotals | None  # the experts' consolidated score (None: no expert has scored)

    @property
    def grade(self) -> str | None:
        """The panel's grade once experts scored, else the self-assessment's."""
        return self.panel.grade if self.panel is not None else self.own.grade

    def brief(self) -> dict[str, Any]:
        """`score` of `status --json`."""
        return {
            "self": _num(self.own.total),
            "expert": _num(self.panel.total) if self.panel else None,
            "grade": self.grade,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan_key,
            "name": self.name,
            "total": _num(self.total),
            "bonus_total": _num(self.bonus_total),
            "consolidation": self.consolidation,
            "round": self.round,
            "expert_round": self.expert_round,
            "self": self.own.as_dict(),
            "expert": self.panel.as_dict() if self.panel else None,
            "grade": self.grade,
            "indicators": [line.as_dict() for line in self.lines],
        }


def _mark(points: Decimal | None, met: bool | None) -> Mark | None:
    return met if met is not None else points


def _panel(
    system: IndexSystem, experts: list[ExpertScore], leader_id: int | None, finals: list[PanelScore]
) -> dict[str, Mark] | None:
    sheets: dict[int, dict[str, object]] = defaultdict(dict)
    for e in experts:
        mark = _mark(e.points, e.met)
        if mark is not None:
            sheets[e.expert_id][e.indicator.code] = mark
    if system.consolidation is not Consolidation.LEADER:
        return consolidate(system, list(sheets.values())) if sheets else None
    if leader_id is None and len(sheets) == 1:
        leader_id = next(iter(sheets))  # a panel of one is its own 组长
    if leader_id is None or not (sheets.get(leader_id) or finals):
        return None
    # The 组长's consolidated marks over the 组长's own.
    marks = dict(sheets.get(leader_id, {}))
    marks.update({f.indicator.code: m for f in finals if (m := _mark(f.points, f.met)) is not None})
    return consolidate(system, [marks], leader=0)


def expert_round(session: Session, plan: Plan) -> int:
    """The plan's current expert review round (1 before any panel was formed)."""
    latest = session.scalar(select(func.max(ExpertRound.round)).where(ExpertRound.plan_id == plan.id))
    return int(latest) if latest else 1


def panel_leader(session: Session, plan: Plan) -> int | None:
    return session.scalar(select(PlanExpert.person_id).where(PlanExpert.plan_id == plan.id, PlanExpert.is_leader.is_(True)))


def plan_scores(
    session: Session, plan: Plan, *, round: int = 1, experts_round: int | None = None
) -> ScoreSummary | None:
    """The plan's score summary: the self-assessment of `round`, the experts' of
    `experts_round` (default: the current expert round); None if it has no index system
    (visibility is the caller's: `score_summary` below, or a read that already checked it)."""
    row: IndexSystemRow | None = current_row(session, plan)
    if row is None:
        return None
    system = system_of(row, plan.key)
    ids = [i.id for i in row.indicators]
    own = {
        s.indicator.code: s
        for s in session.scalars(
            select(SelfScore)
            .where(SelfScore.indicator_id.in_(ids), SelfScore.round == round)
            .options(selectinload(SelfScore.indicator), selectinload(SelfScore.person))
        )
    }
    panel_round = experts_round if experts_round is not None else expert_round(session, plan)
    experts = list(
        session.scalars(
            select(ExpertScore)
            .where(ExpertScore.indicator_id.in_(ids), ExpertScore.round == panel_round)
            .options(selectinload(ExpertScore.indicator))
        )
    )
    finals = list(
        session.scalars(
            select(PanelScore)
            .where(PanelScore.indicator_id.in_(ids), PanelScore.round == panel_round)
            .options(selectinload(PanelScore.indicator))
        )
    )
    own_marks = {code: m for code, s in own.items() if (m := _mark(s.points, s.met)) is not None}
    own_ev = evaluate(system, own_marks)
    panel_marks = _panel(system, experts, panel_leader(session, plan), finals)
    panel_ev = evaluate(system, panel_marks) if panel_marks is not None else None
    counts: dict[str, int] = defaultdict(int)
    for e in experts:
        counts[e.indicator.code] += 1
    lines = []
    for ind in system.indicators:
        s = own.get(ind.code)
        lines.append(
            ScoreLine(
                code=ind.code,
                name=ind.name,
                level=int(ind.level),
                parent=ind.parent,
                points=ind.points,
                type=ind.type.value,
                bonus=ind.code in system.bonus,
                veto=ind.veto,
                leaf=system.is_leaf(ind.code),
                self_score=own_ev.scores[ind.code],
                self_mark=own_marks.get(ind.code),
                statement=s.statement if s else "",
                evidence_ids=tuple(int(i) for i in s.evidence_ids) if s else (),
                scored_by=s.person.name if s else None,
                scored_at=s.scored_at if s else None,
                version=s.version_id if s else None,
                experts=counts.get(ind.code, 0),
                panel_score=panel_ev.scores[ind.code] if panel_ev else None,
                panel_mark=panel_marks.get(ind.code) if panel_marks else None,
            )
        )
    return ScoreSummary(
        plan_key=plan.key,
        name=system.name,
        total=system.total,
        bonus_total=system.top_bonus,
        consolidation=system.consolidation.value,
        round=round,
        expert_round=panel_round,
        lines=tuple(lines),
        own=SheetTotals.of(system, own_ev),
        panel=SheetTotals.of(system, panel_ev) if panel_ev else None,
    )


def score_summary(
    uow: UnitOfWork, viewer: Actor | None, plan_id: int, *, round: int = 1, experts_round: int | None = None
) -> ScoreSummary | None:
    """Plan `plan_id`'s scores, if `viewer` sees the plan; None if it has no index system."""

    def read(session: Session) -> ScoreSummary | None:
        return plan_scores(session, plan_by_id(session, viewer, plan_id), round=round, experts_round=experts_round)

    return run_read(uow, viewer, "index_show", plan_target(plan_id), read)
