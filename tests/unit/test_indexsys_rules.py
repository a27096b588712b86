"""Index systems as domain objects: what one indicator may hold, and what makes a tree valid.

No files and no database: indicators are built in code, and every rule of
`checklists.indexsys.rules` is broken once to see the problem it reports.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from checklists.catalog import Catalog, EvidenceKind
from checklists.indexsys.model import (
    MAX_POINTS,
    EvidenceSlot,
    FieldProblem,
    Grade,
    GradeLines,
    Indicator,
    IndicatorType,
    Level,
)
from checklists.indexsys.rules import MAX_INDICATORS, mapping_problems
from checklists.indexsys.system import IndexSystem, InvalidIndexSystem
from tests.support.seed_catalogs import seed_catalog as read_seed

D = Decimal
L1, L2, L3 = Level.FIRST, Level.SECOND, Level.THIRD
GRADES = GradeLines(D(60), D(80), D(90))


def ind(code: str, level: Level, points: str | int, parent: str | None = None, **kw: object) -> Indicator:
    return Indicator(code=code, name=f"指标{code}", level=level, points=D(points), parent=parent, **kw)  # type: ignore[arg-type]


def system(*indicators: Indicator, total: int = 100, bonus_total: int | None = None) -> IndexSystem:
    return IndexSystem(
        name="测试体系",
        plan="p",
        total=D(total),
        indicators=indicators,
        grades=GRADES,
        bonus_total=None if bonus_total is None else D(bonus_total),
    )


def messages(*indicators: Indicator, **kw: object) -> list[str]:
    with pytest.raises(InvalidIndexSystem) as err:
        system(*indicators, **kw)  # type: ignore[arg-type]
    return [p.message for p in err.value.problems]


VALID = (
    ind("1", L1, 60),
    ind("1.1", L2, "35.5", "1"),
    ind("1.1.1", L3, "20.25", "1.1"),
    ind("1.1.2", L3, "15.25", "1.1"),
    ind("1.2", L2, "24.5", "1", type=IndicatorType.MET),
    ind("2", L1, 40, type=IndicatorType.MET),
    ind("3", L1, 5, bonus=True),
    ind("3.1", L2, 5, "3", bonus=True),
    ind("4", L1, 0, type=IndicatorType.MET, veto=True),
)


def test_a_valid_tree_builds_and_knows_its_parts() -> None:
    s = system(*VALID, bonus_total=5)
    assert [i.code for i in s.roots] == ["1", "2", "3", "4"]
    assert [i.code for i in s.children("1")] == ["1.1", "1.2"]
    assert [i.code for i in s.leaves] == ["1.1.1", "1.1.2", "1.2", "2", "3.1", "4"]
    assert s.bonus == {"3", "3.1"}
    assert s.top_bonus == D(5)
    assert "1.1.2" in s and "9" not in s


def test_points_must_add_up_to_the_parent() -> None:
    problems = messages(ind("1", L1, 100), ind("1.1", L2, 40, "1"), ind("1.2", L2, 50, "1"))
    assert problems == ["一级指标 1 指标1 为 100 分,其下级指标合计 90 分,二者应相等"]


def test_first_level_points_must_add_up_to_the_declared_total() -> None:
    assert messages(ind("1", L1, 50), ind("2", L1, "49.5")) == [
        "一级指标合计 99.5 分(加分项除外),与总分 100 分不符"
    ]


def test_bonus_indicators_are_left_out_of_the_total_and_checked_against_their_own() -> None:
    assert system(ind("1", L1, 100), ind("B", L1, 5, bonus=True)).top_bonus == D(5)
    assert messages(ind("1", L1, 100), ind("B", L1, 5, bonus=True), bonus_total=3) == [
        "加分项合计 5 分,与加分上限 3 分不符"
    ]


def test_a_bonus_child_of_a_regular_indicator_is_refused() -> None:
    problems = messages(ind("1", L1, 100), ind("1.1", L2, 100, "1"), ind("1.2", L2, 5, "1", bonus=True))
    assert problems == ["加分项应为一级指标或在加分项之下,而上级 1 不是加分项"]


def test_duplicate_codes_are_named_with_the_first_line() -> None:
    first = Indicator("1", "甲", L1, D(50), line=7)
    again = Indicator("1", "乙", L1, D(50), line=9)
    with pytest.raises(InvalidIndexSystem) as err:
        system(first, again)
    (problem,) = err.value.problems
    assert (problem.code, problem.field, problem.line) == ("1", "code", 9)
    assert problem.message == "指标编号 1 重复(第 7 行已有)"


def test_a_cycle_of_parents_is_reported_for_each_member() -> None:
    problems = messages(ind("1", L1, 100), ind("a", L2, 1, "b"), ind("b", L2, 1, "a"))
    assert problems == ["上级关系成环: a → b → a", "上级关系成环: b → a → b"]
    assert messages(ind("1", L1, 100), ind("x", L2, 1, "x")) == ["上级关系成环: x → x"]


def test_unknown_parent_and_bad_level_nesting() -> None:
    assert messages(ind("1", L1, 100), ind("1.1", L2, 1, "9")) == ["上级指标 9 不存在"]
    assert messages(ind("1", L1, 100), ind("1.1", L3, 100, "1")) == [
        "三级指标的上级应为二级指标,而 1 是一级指标"
    ]
    assert messages(ind("1", L2, 100)) == ["二级指标应填写上级指标编号"]
    assert messages(ind("1", L1, 100), ind("2", L1, 1, "1")) == ["一级指标不能有上级指标"]


def test_met_and_veto_indicators_are_leaves() -> None:
    assert messages(ind("1", L1, 100, type=IndicatorType.MET), ind("1.1", L2, 100, "1")) == [
        "达标类指标 1 应为末级指标,不能有下级指标"
    ]


@pytest.mark.parametrize(
    ("points", "veto", "message"),
    [
        ("-1", False, "不能为负数: -1"),
        (str(MAX_POINTS + 1), False, f"不能超过 {MAX_POINTS} 分: 1001"),
        ("0", False, "应大于 0(只有一票否决指标可为 0 分)"),
        ("1.005", False, "最多保留 2 位小数: 1.005"),
        ("NaN", False, "应为数字"),
    ],
)
def test_points_are_bounded(points: str, veto: bool, message: str) -> None:
    with pytest.raises(FieldProblem) as err:
        Indicator("1", "甲", L1, D(points), veto=veto)
    assert (err.value.field, err.value.message) == ("points", message)


def test_indicator_fields_are_bounded() -> None:
    with pytest.raises(FieldProblem, match="编号应为"):
        Indicator("1 2", "甲", L1, D(1))
    with pytest.raises(FieldProblem, match="不能为空"):
        Indicator("1", " ", L1, D(1))
    with pytest.raises(FieldProblem, match="不能超过 200 字"):
        Indicator("1", "长" * 201, L1, D(1))
    with pytest.raises(FieldProblem, match="一票否决指标应为达标类"):
        Indicator("1", "甲", L1, D(0), veto=True)
    with pytest.raises(FieldProblem, match="佐证材料最多 20 项"):
        Indicator("1", "甲", L1, D(1), evidence=tuple(EvidenceSlot(f"材料{i}") for i in range(21)))
    with pytest.raises(FieldProblem, match="对应项重复"):
        Indicator("1", "甲", L1, D(1), measures=("1", "1"))
    with pytest.raises(FieldProblem, match="至少填写一种佐证形式"):
        EvidenceSlot("台账", ())
    assert EvidenceSlot("台账").kinds == (EvidenceKind.FILE,)


def test_the_number_of_indicators_is_bounded() -> None:
    many = [ind(str(i), L1, "0.1") for i in range(MAX_INDICATORS + 1)]
    assert messages(*many) == [f"指标共 {MAX_INDICATORS + 1} 项,超过 {MAX_INDICATORS} 项的上限"]
    assert messages() == ["指标体系中没有任何指标"]


def test_grade_lines_rise_and_stay_within_reach() -> None:
    with pytest.raises(FieldProblem, match=re.escape("优秀线(85)应高于良好线(85)")):
        GradeLines(D(60), D(85), D(85))
    lines = GradeLines(D(60), D(80), D(90))
    assert [lines.grade(D(v)) for v in ("59.99", "60", "80", "89.99", "90", "105")] == [
        Grade.FAIL, Grade.PASS, Grade.GOOD, Grade.GOOD, Grade.EXCELLENT, Grade.EXCELLENT,
    ]
    assert GradeLines(D(60)).grade(D(99)) is Grade.PASS
    assert GradeLines.default(D(150)) == GradeLines(D(90), D(120), D(135))
    with pytest.raises(InvalidIndexSystem, match="等次分数线 110 高于可得的最高分 105"):
        IndexSystem("x", "p", D(100), (ind("1", L1, 100), ind("B", L1, 5, bonus=True)), GradeLines(D(110)))


@pytest.fixture
def seed_catalog() -> Catalog:
    return read_seed("002")  # measures, safeguards (S1…) and numeric indicators


def test_mapping_to_a_measure_or_indicator_the_plan_lacks_is_reported(seed_catalog: Catalog) -> None:
    good = ind("1", L1, 100, measures=("1", "S1"), metrics=(seed_catalog.indicators[0].metric,))
    assert mapping_problems([good], seed_catalog) == []
    bad = ind("1", L1, 100, measures=("1", "99"), metrics=("不存在的指标",))
    assert [p.message for p in mapping_problems([bad], seed_catalog)] == [
        f"方案 {seed_catalog.plan.key} 中没有措施 99",
        f"方案 {seed_catalog.plan.key} 中没有数值指标“不存在的指标”",
    ]
