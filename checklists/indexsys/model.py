"""Indicators, their evidence slots and the grade lines, each valid on its own.

What an indicator may hold is bounded here, where it is built, whatever file it came from:
points are exact decimals of at most two places within 0..MAX_POINTS, texts and lists have a
length. A rule that needs the other indicators (a parent's points, a code used twice) is in
`checklists.indexsys.rules`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum, StrEnum

from checklists.catalog import EvidenceKind

__all__ = [
    "MAX_CODE_CHARS",
    "MAX_GUIDANCE_CHARS",
    "MAX_MAPPINGS",
    "MAX_NAME_CHARS",
    "MAX_POINTS",
    "MAX_SLOTS",
    "MAX_SLOT_CHARS",
    "POINTS_PLACES",
    "POINTS_STEP",
    "Consolidation",
    "EvidenceSlot",
    "FieldProblem",
    "Grade",
    "GradeLines",
    "Indicator",
    "IndicatorType",
    "Level",
    "check_points",
]

# Real index systems have 30-150 indicators of 0.5-20 points under a total of 100 (or 100 + a
# few bonus points); the bounds are ten times and more what an office writes.
MAX_POINTS = Decimal(1000)
POINTS_PLACES = 2  # 0.01 points: offices use halves and quarters, never less
POINTS_STEP = Decimal(1).scaleb(-POINTS_PLACES)
MAX_CODE_CHARS = 20
MAX_NAME_CHARS = 200
MAX_GUIDANCE_CHARS = 4000
MAX_SLOT_CHARS = 500
MAX_SLOTS = 20  # evidence slots of one indicator
MAX_MAPPINGS = 100  # measures, and numeric indicators, one indicator maps to


class FieldProblem(ValueError):
    """One field of one record is wrong; `field` names it, the message (Chinese) says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class Level(IntEnum):
    FIRST = 1
    SECOND = 2
    THIRD = 3

    @property
    def label(self) -> str:
        return ("一级", "二级", "三级")[self - 1]


class IndicatorType(StrEnum):
    MET = "met"  # 达标类: met or not met, full points or none
    SCORED = "scored"  # 评分类: any score from 0 to the points

    @property
    def label(self) -> str:
        return "达标" if self is IndicatorType.MET else "评分"


class Grade(StrEnum):
    EXCELLENT = "优秀"
    GOOD = "良好"
    PASS = "合格"
    FAIL = "不合格"


class Consolidation(StrEnum):
    """How the experts' scores of one indicator become the panel's."""

    LEADER = "leader"  # the 组长's score
    MEAN = "mean"  # the mean of every expert's
    TRIMMED_MEAN = "trimmed_mean"  # without one highest and one lowest (from three experts)

    @property
    def label(self) -> str:
        return {"leader": "组长评分", "mean": "平均分", "trimmed_mean": "去掉最高分和最低分后的平均分"}[self]


def check_points(value: Decimal, field: str, *, allow_zero: bool = True) -> Decimal:
    """`value` as points: finite, at most POINTS_PLACES decimals, within 0..MAX_POINTS."""
    if not value.is_finite():
        raise FieldProblem(field, "应为数字")
    if value < 0:
        raise FieldProblem(field, f"不能为负数: {value}")
    if value > MAX_POINTS:
        raise FieldProblem(field, f"不能超过 {MAX_POINTS} 分: {value}")
    if value == 0 and not allow_zero:
        raise FieldProblem(field, "应大于 0(只有一票否决指标可为 0 分)")
    if value.quantize(POINTS_STEP) != value:
        raise FieldProblem(field, f"最多保留 {POINTS_PLACES} 位小数: {value}")
    return value


def _text(value: str, field: str, limit: int, *, required: bool) -> None:
    if required and not value.strip():
        raise FieldProblem(field, "不能为空")
    if len(value) > limit:
        raise FieldProblem(field, f"过长({len(value)} 字),不能超过 {limit} 字")


@dataclass(frozen=True, slots=True)
class EvidenceSlot:
    """One piece of evidence an indicator needs (a 台账, a 文件, a 链接), and in what form."""

    what: str
    kinds: tuple[EvidenceKind, ...] = (EvidenceKind.FILE,)
    required: bool = True

    def __post_init__(self) -> None:
        _text(self.what, "what", MAX_SLOT_CHARS, required=True)
        if not self.kinds:
            raise FieldProblem("kinds", "至少填写一种佐证形式(file / link / note)")
        if len(set(self.kinds)) != len(self.kinds):
            raise FieldProblem("kinds", "佐证形式重复")


@dataclass(frozen=True, slots=True)
class Indicator:
    """One indicator. `points` is its full score; a parent's equals its children's sum (bonus
    children apart). `measures` are measure refs of the plan (`5`, `S1`), `metrics` the names of
    its numeric indicators. `line` is where it was read (YAML line or sheet row), for messages."""

    code: str
    name: str
    level: Level
    points: Decimal
    type: IndicatorType = IndicatorType.SCORED
    parent: str | None = None
    bonus: bool = False
    veto: bool = False
    guidance: str = ""
    evidence: tuple[EvidenceSlot, ...] = ()
    measures: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    line: int | None = dataclasses.field(default=None, compare=False)

    def __post_init__(self) -> None:
        code = self.code
        if not code or len(code) > MAX_CODE_CHARS or any(c.isspace() for c in code):
            raise FieldProblem("code", f"编号应为 1-{MAX_CODE_CHARS} 个字符且不含空白: {code!r}")
        _text(self.name, "name", MAX_NAME_CHARS, required=True)
        _text(self.guidance, "guidance", MAX_GUIDANCE_CHARS, required=False)
        check_points(self.points, "points", allow_zero=self.veto)
        if self.veto and self.type is not IndicatorType.MET:
            raise FieldProblem("veto", "一票否决指标应为达标类(type: met)")
        if len(self.evidence) > MAX_SLOTS:
            raise FieldProblem("evidence", f"佐证材料最多 {MAX_SLOTS} 项,此处有 {len(self.evidence)} 项")
        for field, refs in (("measures", self.measures), ("indicators", self.metrics)):
            if len(refs) > MAX_MAPPINGS:
                raise FieldProblem(field, f"最多对应 {MAX_MAPPINGS} 项,此处有 {len(refs)} 项")
            if any(not r.strip() or len(r) > MAX_NAME_CHARS for r in refs):
                raise FieldProblem(field, "对应项不能为空,也不能超过 200 字")
            if len(set(refs)) != len(refs):
                raise FieldProblem(field, "对应项重复")

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"


@dataclass(frozen=True, slots=True)
class GradeLines:
    """The lowest final score of each grade; below `passing` (the pass line) is 不合格. 优秀 and
    良好 are optional: a system with a pass line only grades 合格 / 不合格."""

    passing: Decimal
    good: Decimal | None = None
    excellent: Decimal | None = None

    def __post_init__(self) -> None:
        lines = [(Grade.PASS, self.passing), (Grade.GOOD, self.good), (Grade.EXCELLENT, self.excellent)]
        previous: tuple[Grade, Decimal] | None = None
        for grade, value in lines:
            if value is None:
                continue
            check_points(value, f"grades.{grade.value}")
            if previous is not None and value <= previous[1]:
                raise FieldProblem(
                    f"grades.{grade.value}",
                    f"{grade.value}线({value})应高于{previous[0].value}线({previous[1]})",
                )
            previous = (grade, value)

    @classmethod
    def default(cls, total: Decimal) -> GradeLines:
        """90 / 80 / 60 per cent of the total, the lines most published systems use."""
        step = Decimal("0.01")
        return cls(
            passing=(total * Decimal("0.6")).quantize(step),
            good=(total * Decimal("0.8")).quantize(step),
            excellent=(total * Decimal("0.9")).quantize(step),
        )

    def grade(self, score: Decimal) -> Grade:
        if self.excellent is not None and score >= self.excellent:
            return Grade.EXCELLENT
        if self.good is not None and score >= self.good:
            return Grade.GOOD
        if score >= self.passing:
            return Grade.PASS
        return Grade.FAIL

    def highest(self) -> Decimal:
        return max(v for v in (self.passing, self.good, self.excellent) if v is not None)
