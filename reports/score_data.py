"""What the reports print of a plan's index system: the score table, totals, grade.

Built on `workflow.read.scores.plan_scores` (the arithmetic is the domain's) plus what a
printed table adds: marks in words, the names of the evidence a self-score cites and each
expert's own mark. The 自评报告 (`selfassessment_report`), the 验收报告's score section and
the 验收汇总表 read it. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from checklists import amounts
from workflow.clock import office_zone
from workflow.errors import InputError
from workflow.models import Evidence, ExpertScore, IndexSystemRow, Plan
from workflow.read.panel import read_panel
from workflow.read.scores import ScoreLine, ScoreSummary, SheetTotals, expert_round, plan_scores
from workflow.services.index_store import current_row

LEVEL_NAMES = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}
CONSOLIDATION_NAMES = {"leader": "以组长评分为准", "mean": "专家评分平均", "trimmed_mean": "去掉最高分和最低分后平均"}
UNSCORED = "未评"


def points_text(value: Decimal | None) -> str:
    """12, 12.5, 0.25: points as printed (no trailing zeros)."""
    return "—" if value is None else amounts.plain(value)


def met_text(met: bool | None) -> str:
    return "—" if met is None else ("达标" if met else "不达标")


@dataclass(frozen=True)
class ReportScoreLine:
    """One indicator of the score table, every value already in words or digits."""

    code: str
    name: str
    level: int
    level_name: str  # 一级 / 二级 / 三级
    leaf: bool
    kind: str  # 评分 / 达标
    bonus: bool
    veto: bool
    points: str
    points_value: Decimal
    self_score: str  # the self-assessment's points (a parent: its children's sum)
    self_value: Decimal | None  # None: a leaf not yet scored
    self_met: str  # 达标 / 不达标 (达标 indicators), — otherwise
    panel_score: str  # the experts' consolidated points, — before any expert scored
    panel_value: Decimal | None
    panel_met: str
    expert_marks: dict[str, str]  # expert name → that expert's own mark, as printed
    statement: str
    evidence: list[str]  # the cited evidence by name
    scored_by: str


@dataclass(frozen=True)
class ReportTotals:
    """One sheet's totals as printed."""

    by_level: list[tuple[str, str]]  # (一级, 95.5)
    base: str
    bonus: str
    total: str
    vetoed: list[str]  # "4 无重大知识产权事件"
    unscored: int
    grade: str  # 优秀 … 不合格, or 未定 while leaves are unmarked

    @classmethod
    def of(cls, totals: SheetTotals, names: dict[str, str]) -> ReportTotals:
        return cls(
            by_level=[(LEVEL_NAMES.get(k, f"{k}级"), points_text(v)) for k, v in sorted(totals.by_level.items())],
            base=points_text(totals.base),
            bonus=points_text(totals.bonus),
            total=points_text(totals.total),
            vetoed=[f"{code} {names.get(code, '')}".strip() for code in totals.vetoed],
            unscored=totals.unscored,
            grade=totals.grade or "未定",
        )


@dataclass(frozen=True)
class ReportScores:
    """A plan's index system as the reports print it."""

    name: str
    total: str  # the declared total (bonus apart)
    bonus_total: str
    consolidation: str  # in words
    round: int
    lines: list[ReportScoreLine]
    experts: list[str]  # names, as the columns of the summary sheet
    own: ReportTotals
    panel: ReportTotals | None
    grade: str  # the panel's once experts scored, else the self-assessment's

    @property
    def leaves(self) -> list[ReportScoreLine]:
        return [line for line in self.lines if line.leaf]


def _met(line: ScoreLine, mark: object) -> bool | None:
    """Whether a 达标 leaf was judged met; None for 评分 indicators, parents and no mark."""
    if line.type != "met" or not line.leaf or not isinstance(mark, bool):
        return None
    return mark


def _expert_mark(score: ExpertScore) -> str:
    if score.met is not None:
        return met_text(score.met)
    return points_text(score.points) if score.points is not None else UNSCORED


def _evidence_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(Evidence.id, Evidence.file_name, Evidence.url, Evidence.note).where(Evidence.id.in_(ids)))
    return {i: name or url or (note[:40] + ("…" if len(note) > 40 else "")) for i, name, url, note in rows}


def _expert_marks(session: Session, row: IndexSystemRow, round: int) -> dict[str, dict[str, str]]:
    """code → expert name → mark, for the round."""
    ids = [i.id for i in row.indicators]
    marks: dict[str, dict[str, str]] = defaultdict(dict)
    for s in session.scalars(
        select(ExpertScore)
        .where(ExpertScore.indicator_id.in_(ids), ExpertScore.round == round)
        .options(selectinload(ExpertScore.indicator), selectinload(ExpertScore.expert))
    ):
        marks[s.indicator.code][s.expert.name] = _expert_mark(s)
    return marks


def report_scores(session: Session, plan: Plan, *, round: int = 1) -> ReportScores | None:
    """The plan's score table for `round`; None when it has no index system."""
    summary: ScoreSummary | None = plan_scores(session, plan, round=round)
    row = current_row(session, plan)
    if summary is None or row is None:
        return None
    names = _evidence_names(session, {i for line in summary.lines for i in line.evidence_ids})
    experts = _expert_marks(session, row, expert_round(session, plan))
    panel = summary.panel
    lines = []
    for line in summary.lines:
        scored = line.self_mark is not None or not line.leaf
        lines.append(
            ReportScoreLine(
                code=line.code,
                name=line.name,
                level=line.level,
                level_name=LEVEL_NAMES.get(line.level, f"{line.level}级"),
                leaf=line.leaf,
                kind="达标" if line.type == "met" else "评分",
                bonus=line.bonus,
                veto=line.veto,
                points=points_text(line.points),
                points_value=line.points,
                self_score=points_text(line.self_score) if scored else UNSCORED,
                self_value=line.self_score if scored else None,
                self_met=met_text(_met(line, line.self_mark)),
                panel_score=points_text(line.panel_score),
                panel_value=line.panel_score,
                panel_met=met_text(_met(line, line.panel_mark)),
                expert_marks=experts.get(line.code, {}),
                statement=line.statement,
                evidence=[names[i] for i in line.evidence_ids if i in names],
                scored_by=line.scored_by or "",
            )
        )
    codes = {line.code: line.name for line in summary.lines}
    return ReportScores(
        name=summary.name,
        total=points_text(summary.total),
        bonus_total=points_text(summary.bonus_total),
        consolidation=CONSOLIDATION_NAMES.get(summary.consolidation, summary.consolidation),
        round=summary.round,
        lines=lines,
        experts=sorted({name for marks in experts.values() for name in marks}),
        own=ReportTotals.of(summary.own, codes),
        panel=ReportTotals.of(panel, codes) if panel else None,
        grade=summary.grade or "未定",
    )


def required_scores(session: Session, plan: Plan) -> ReportScores:
    """The score table of a report that is nothing without one (自评报告, 验收汇总表)."""
    scores = report_scores(session, plan)
    if scores is None:
        raise InputError(
            f"方案 {plan.key} 尚未载入评价指标体系,无法生成自评报告或验收汇总表",
            code="no_index",
            params={"plan": plan.key},
        )
    return scores


@dataclass(frozen=True)
class PanelOpinion:
    """The expert panel's opinion (专家组评审意见) of the current round, printed in the 验收报告
    when the 组长 has written one (the section is omitted while None)."""

    text: str
    leader: str  # 组长
    members: list[str]
    signed_on: dt.date | None


def panel_opinion(session: Session, plan: Plan) -> PanelOpinion | None:
    """The 组长's 专家组意见 of the plan's current round, with the panel; None before one is written."""
    panel = read_panel(session, plan)
    opinion = panel.panel_opinion
    if opinion is None:
        return None
    leader = panel.leader
    return PanelOpinion(
        text=opinion.text,
        leader=leader.name if leader else opinion.author,
        members=[m.name for m in panel.members if not m.leader],
        signed_on=opinion.written_at.astimezone(office_zone()).date(),
    )
