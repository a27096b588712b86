"""Scoring a plan by its index system: marks, the panel's consolidation, totals and the grade.

Pure arithmetic over `checklists.indexsys.IndexSystem`; nothing here reads the database. The
rules:

* Marks are given on leaves (indicators without children). A 评分 indicator takes a score from
  0 to its points in steps of 0.01; a 达标 indicator is met (its full points) or not (0).
* A parent's score is the sum of its children's scores; the base score the sum of the regular
  一级 indicators', the bonus the sum of the bonus 一级 indicators' (each at most its points, so
  the bonus never exceeds what the system declares); the final score is base plus bonus.
* A 一票否决 indicator judged not met makes the grade 不合格 whatever the score. Otherwise the
  grade follows the system's grade lines on the final score once every leaf is marked (None
  before: a partial self-assessment has no grade yet).
* The panel's mark of a leaf, from the experts' marks (`consolidate`): the 组长's; or the mean
  of every expert who marked it; or that mean without one highest and one lowest score when
  three or more experts marked it (去掉一个最高分和一个最低分). Means are rounded half up to
  0.01. For a 达标 indicator a mean has no meaning: under either mean rule it is met when more
  than half the experts who judged it found it met (a tie is not met: the evidence did not
  convince the panel).

Decimal arithmetic throughout: marks have at most two places and are bounded, so sums are
exact; only means round, as stated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from checklists.indexsys.model import (
    POINTS_STEP,
    Consolidation,
    Grade,
    Indicator,
    IndicatorType,
    Level,
)
from checklists.indexsys.system import IndexSystem

__all__ = [
    "MAX_EXPERTS",
    "Evaluation",
    "Mark",
    "ScoreError",
    "check_mark",
    "check_marks",
    "consolidate",
    "evaluate",
    "level_scores",
    "mark_points",
]

# A panel is three to nine experts; fifty is a bound, not a size anyone uses.
MAX_EXPERTS = 50

Mark = Decimal | bool  # a 评分 indicator's score, or whether a 达标 indicator is met


class ScoreError(ValueError):
    """A mark that cannot be given; the message (Chinese) names the indicator."""


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")


def check_mark(indicator: Indicator, mark: object) -> Mark:
    """`mark` as a valid mark of `indicator`, or ScoreError saying why it cannot be given."""
    who = f"指标 {indicator.label}"
    if indicator.type is IndicatorType.MET:
        if not isinstance(mark, bool):
            raise ScoreError(f"{who} 为达标类指标,只能评为达标或不达标,不能打分: {mark!r}")
        return mark
    if isinstance(mark, bool) or not isinstance(mark, Decimal | int):
        raise ScoreError(f"{who} 为评分类指标,应给出 0 至 {_fmt(indicator.points)} 的分数: {mark!r}")
    value = Decimal(mark)
    if not value.is_finite():
        raise ScoreError(f"{who}: 分数应为有限的数: {mark}")
    if value < 0:
        raise ScoreError(f"{who}: 分数不能为负: {_fmt(value)}")
    if value > indicator.points:
        raise ScoreError(f"{who}: 分数 {_fmt(value)} 超过该指标分值 {_fmt(indicator.points)} 分")
    if value.quantize(POINTS_STEP) != value:
        raise ScoreError(f"{who}: 分数最多保留两位小数: {value}")
    return value


def mark_points(indicator: Indicator, mark: object) -> Decimal:
    """The points `mark` is worth on `indicator` (达标: full or none), or ScoreError."""
    checked = check_mark(indicator, mark)
    if isinstance(checked, bool):
        return indicator.points if checked else Decimal(0)
    return checked


def check_marks(system: IndexSystem, marks: Mapping[str, object]) -> dict[str, Mark]:
    """`marks` checked against `system`: every code a leaf of it, every mark valid there."""
    if len(marks) > len(system.indicators):
        raise ScoreError(f"评分共 {len(marks)} 项,多于指标体系的 {len(system.indicators)} 项指标")
    checked: dict[str, Mark] = {}
    for code, mark in marks.items():
        if code not in system:
            raise ScoreError(f"指标体系中没有指标 {code}")
        indicator = system.indicator(code)
        if not system.is_leaf(code):
            raise ScoreError(f"指标 {indicator.label} 有下级指标,其得分为下级指标得分之和,请为下级指标评分")
        checked[code] = check_mark(indicator, mark)
    return checked


@dataclass(frozen=True)
class Evaluation:
    """The scores of one sheet of marks (a self-assessment, one expert's, or the panel's)."""

    scores: Mapping[str, Decimal]  # every indicator: a leaf's mark, a parent's children's sum
    base: Decimal  # regular 一级 indicators
    bonus: Decimal  # bonus 一级 indicators
    vetoed: tuple[str, ...]  # 一票否决 indicators judged not met
    unscored: tuple[str, ...]  # leaves without a mark
    grade: Grade | None

    @property
    def total(self) -> Decimal:
        return self.base + self.bonus

    @property
    def complete(self) -> bool:
        return not self.unscored


def evaluate(system: IndexSystem, marks: Mapping[str, object]) -> Evaluation:
    """Score the marks by the system (see the module's docstring)."""
    checked = check_marks(system, marks)
    scores: dict[str, Decimal] = {}

    def score(ind: Indicator) -> Decimal:
        children = system.children(ind.code)
        if children:
            value = sum((score(child) for child in children), Decimal(0))
        elif ind.code in checked:
            value = mark_points(ind, checked[ind.code])
        else:
            value = Decimal(0)
        scores[ind.code] = value
        return value

    base = bonus = Decimal(0)
    for root in system.roots:  # three levels at most, so the recursion is shallow
        if root.bonus:
            bonus += score(root)
        else:
            base += score(root)
    unscored = tuple(leaf.code for leaf in system.leaves if leaf.code not in checked)
    vetoed = tuple(leaf.code for leaf in system.leaves if leaf.veto and checked.get(leaf.code) is False)
    if vetoed:
        grade: Grade | None = Grade.FAIL
    elif unscored:
        grade = None
    else:
        grade = system.grades.grade(base + bonus)
    return Evaluation(scores, base, bonus, vetoed, unscored, grade)


def level_scores(system: IndexSystem, evaluation: Evaluation, level: Level) -> list[tuple[Indicator, Decimal]]:
    """The indicators of one level with their scores, in the system's order (the score table)."""
    return [(i, evaluation.scores[i.code]) for i in system.indicators if i.level == level]


def _mean(values: Sequence[Decimal]) -> Decimal:
    return (sum(values, Decimal(0)) / len(values)).quantize(POINTS_STEP, rounding=ROUND_HALF_UP)


def consolidate(
    system: IndexSystem,
    experts: Sequence[Mapping[str, object]],
    *,
    rule: Consolidation | None = None,
    leader: int | None = None,
) -> dict[str, Mark]:
    """The panel's marks from each expert's (`experts[leader]` is the 组长's); `rule` defaults
    to the system's. A leaf no counted expert marked stays unmarked."""
    rule = rule or system.consolidation
    if not experts:
        raise ScoreError("没有专家评分,无法汇总")
    if len(experts) > MAX_EXPERTS:
        raise ScoreError(f"专家共 {len(experts)} 人,超过 {MAX_EXPERTS} 人的上限")
    sheets = [check_marks(system, e) for e in experts]
    if rule is Consolidation.LEADER:
        if leader is None or not 0 <= leader < len(sheets):
            raise ScoreError("按组长评分汇总时须指定专家组组长")
        return dict(sheets[leader])
    panel: dict[str, Mark] = {}
    for leaf in system.leaves:
        given = [s[leaf.code] for s in sheets if leaf.code in s]
        if not given:
            continue
        if leaf.type is IndicatorType.MET:
            panel[leaf.code] = sum(1 for g in given if g) * 2 > len(given)
            continue
        values = sorted(Decimal(g) for g in given)
        if rule is Consolidation.TRIMMED_MEAN and len(values) >= 3:
            values = values[1:-1]
        panel[leaf.code] = _mean(values)
    return panel
