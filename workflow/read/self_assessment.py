"""The office's view of a plan's index system (评价指标体系 tab): every indicator with its
points, type, bonus and veto flags, evidence slots and mapped measures (with their current
evidence, the choices for a self-score's evidence), the self-scores and the panel's, the
totals per level and the grade; whether the viewer may self-score and, once the formal
review closed the self-assessment, since when not.

Typed, for the pages; the indicator rows are the expert sheet's (`read.expert_sheet`), the
scores `read.scores`'s. Another zone's plan reads as a missing one (audited).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor, Work, refusal
from workflow.errors import Refused
from workflow.read.expert_sheet import SheetIndicator, sheet_indicators
from workflow.read.plans import plan_by_id
from workflow.read.scores import ScoreLine, ScoreSummary, plan_scores
from workflow.services.acting import plan_target, run_read
from workflow.services.index_store import current_row

__all__ = ["IndexRow", "SelfAssessment", "self_assessment"]


@dataclass(frozen=True)
class IndexRow:
    """One indicator: what the index says of it, and its scores."""

    indicator: SheetIndicator
    score: ScoreLine


@dataclass(frozen=True)
class SelfAssessment:
    plan_id: int
    plan_key: str
    plan_title: str
    summary: ScoreSummary | None  # None: no index system loaded
    rows: tuple[IndexRow, ...]
    source_name: str  # the file the system was loaded from
    loaded_at: dt.datetime | None
    closed_at: dt.datetime | None  # the formal review closed the self-assessment
    score_refusal: str | None  # why the viewer may not self-score (None: they may)

    @property
    def may_score(self) -> bool:
        return self.summary is not None and self.closed_at is None and self.score_refusal is None


def self_assessment(uow: UnitOfWork, viewer: Actor, plan_id: int) -> SelfAssessment:
    """Plan `plan_id`'s index system and scores, for its office (a unit member is refused)."""

    def read(session: Session) -> SelfAssessment:
        plan = plan_by_id(session, viewer, plan_id)
        if not viewer.is_office:
            raise Refused(f"{viewer.describe()}无权查看方案 {plan.key} 的评价指标体系与自评分", code="no_view")
        why_not = refusal(viewer, Work.ADMINISTER, zone_id=plan.zone_id)
        row = current_row(session, plan)
        summary = plan_scores(session, plan)
        if row is None or summary is None:
            return SelfAssessment(plan.id, plan.key, plan.title, None, (), "", None, None, why_not)
        lines = {line.code: line for line in summary.lines}
        panel = {code: line.panel_score for code, line in lines.items()}
        indicators = sheet_indicators(session, plan, row, {}, panel)
        rows = tuple(IndexRow(i, lines[i.code]) for i in indicators)
        return SelfAssessment(
            plan.id, plan.key, plan.title, summary, rows, row.source_name, row.loaded_at,
            row.self_scoring_closed_at, why_not,
        )  # fmt: skip

    return run_read(uow, viewer, "index_show", plan_target(plan_id), read)
