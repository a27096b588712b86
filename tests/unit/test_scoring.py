"""Scoring by an index system: marks, totals, bonus, veto, grade and the panel's consolidation.

Pure arithmetic: a small system built in code, and the example system of a seed for the
property tests (totals always equal the sum of the leaves, whatever the marks).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checklists.indexsys.example import example_index
from checklists.indexsys.model import (
    Consolidation,
    Grade,
    GradeLines,
    Indicator,
    IndicatorType,
    Level,
)
from checklists.indexsys.system import IndexSystem
from tests.support.seed_catalogs import seed_catalog
from workflow.domain.scoring import (
    MAX_EXPERTS,
    ScoreError,
    consolidate,
    evaluate,
    level_scores,
    mark_points,
)

D = Decimal
L1, L2 = Level.FIRST, Level.SECOND
MET = IndicatorType.MET

SYSTEM = IndexSystem(
    name="测试体系",
    plan="p",
    total=D(100),
    grades=GradeLines(D(60), D(80), D(90)),
    bonus_total=D(5),
    indicators=(
        Indicator("1", "创造", L1, D(60)),
        Indicator("1.1", "专利", L2, D(40), parent="1"),
        Indicator("1.2", "商标", L2, D(20), parent="1", type=MET),
        Indicator("2", "保护", L1, D(40)),
        Indicator("2.1", "执法", L2, D("40"), parent="2"),
        Indicator("B", "加分项", L1, D(5), bonus=True),
        Indicator("B.1", "国家级奖励", L2, D(5), parent="B", bonus=True),
        Indicator("V", "重大侵权事件", L1, D(0), type=MET, veto=True),
    ),
)
FULL = {"1.1": D(40), "1.2": True, "2.1": D(40), "B.1": D(5), "V": True}


def test_a_full_sheet_scores_every_level_and_adds_the_bonus_on_top() -> None:
    result = evaluate(SYSTEM, {**FULL, "1.1": D("31.5"), "B.1": D(3)})
    assert result.scores["1"] == D("51.5") and result.scores["2"] == D(40)
    assert (result.base, result.bonus, result.total) == (D("91.5"), D(3), D("94.5"))
    assert result.complete and result.grade is Grade.EXCELLENT
    assert [(i.code, s) for i, s in level_scores(SYSTEM, result, L1)] == [
        ("1", D("51.5")), ("2", D(40)), ("B", D(3)), ("V", D(0)),
    ]


def test_met_indicators_give_full_points_or_none() -> None:
    assert evaluate(SYSTEM, {**FULL, "1.2": False}).scores["1"] == D(40)
    assert mark_points(SYSTEM.indicator("1.2"), True) == D(20)
    with pytest.raises(ScoreError, match="为达标类指标,只能评为达标或不达标"):
        evaluate(SYSTEM, {**FULL, "1.2": D(20)})


def test_a_vetoed_indicator_fails_the_plan_whatever_the_total() -> None:
    result = evaluate(SYSTEM, {**FULL, "V": False})
    assert result.total == D(105) and result.vetoed == ("V",)
    assert result.grade is Grade.FAIL
    assert evaluate(SYSTEM, {"V": False}).grade is Grade.FAIL  # even before the rest is marked


def test_a_partial_sheet_has_no_grade_yet_and_lists_what_is_unscored() -> None:
    result = evaluate(SYSTEM, {"1.1": D(40)})
    assert result.grade is None and not result.complete
    assert result.unscored == ("1.2", "2.1", "B.1", "V")
    assert result.total == D(40)


@pytest.mark.parametrize(
    ("marks", "message"),
    [
        ({"1.1": D("40.01")}, "指标 1.1 专利: 分数 40.01 超过该指标分值 40 分"),
        ({"1.1": D(-1)}, "分数不能为负: -1"),
        ({"1.1": D("3.333")}, "分数最多保留两位小数"),
        ({"1.1": D("NaN")}, "分数应为有限的数"),
        ({"1.1": 3.5}, "为评分类指标,应给出 0 至 40 的分数"),
        ({"1.1": True}, "为评分类指标"),
        ({"9": D(1)}, "指标体系中没有指标 9"),
        ({"1": D(1)}, "有下级指标,其得分为下级指标得分之和"),
    ],
)
def test_bad_marks_are_refused_naming_the_indicator(marks: dict[str, object], message: str) -> None:
    with pytest.raises(ScoreError, match=message):
        evaluate(SYSTEM, marks)


def test_grade_lines_decide_on_the_final_score() -> None:
    def grade(extra: dict[str, object]) -> Grade | None:
        return evaluate(SYSTEM, {**FULL, "B.1": D(0), **extra}).grade

    assert grade({"1.1": D(30)}) is Grade.EXCELLENT  # 90
    assert grade({"1.1": D("29.99")}) is Grade.GOOD
    assert grade({"1.1": D(0), "2.1": D(40)}) is Grade.PASS  # 60
    assert grade({"1.1": D(0), "2.1": D("39.99")}) is Grade.FAIL
    assert grade({"1.1": D(0), "2.1": D("35"), "B.1": D(5)}) is Grade.PASS  # the bonus lifts 55 to 60


EXPERTS = [
    {"1.1": D(30), "1.2": True, "2.1": D(40), "V": True},
    {"1.1": D(35), "1.2": False, "2.1": D(38), "V": True},
    {"1.1": D("36.5"), "1.2": True, "2.1": D(10), "V": False},
]


def test_consolidation_by_the_leader_takes_the_leaders_sheet() -> None:
    assert consolidate(SYSTEM, EXPERTS, leader=1) == EXPERTS[1]
    with pytest.raises(ScoreError, match="须指定专家组组长"):
        consolidate(SYSTEM, EXPERTS)


def test_consolidation_by_mean_rounds_half_up_and_takes_the_majority_for_met() -> None:
    panel = consolidate(SYSTEM, EXPERTS, rule=Consolidation.MEAN)
    assert panel == {"1.1": D("33.83"), "1.2": True, "2.1": D("29.33"), "V": True}
    # 1.1: 101.5 / 3 = 33.8333…; 2.1: 88 / 3 = 29.333…; a tie on a met indicator is not met
    assert consolidate(SYSTEM, EXPERTS[:2], rule=Consolidation.MEAN)["1.2"] is False
    assert consolidate(SYSTEM, [{"1.1": D("0.01")}, {"1.1": D("0.02")}], rule=Consolidation.MEAN) == {
        "1.1": D("0.02")  # 0.015 rounds half up
    }


def test_trimmed_mean_drops_one_highest_and_one_lowest_from_three_experts() -> None:
    panel = consolidate(SYSTEM, EXPERTS, rule=Consolidation.TRIMMED_MEAN)
    assert panel["1.1"] == D(35) and panel["2.1"] == D(38)
    two = consolidate(SYSTEM, EXPERTS[:2], rule=Consolidation.TRIMMED_MEAN)
    assert two["1.1"] == D("32.50")  # fewer than three: the plain mean


def test_consolidation_inputs_are_bounded_and_checked() -> None:
    with pytest.raises(ScoreError, match="没有专家评分"):
        consolidate(SYSTEM, [], rule=Consolidation.MEAN)
    with pytest.raises(ScoreError, match=f"超过 {MAX_EXPERTS} 人的上限"):
        consolidate(SYSTEM, [{}] * (MAX_EXPERTS + 1), rule=Consolidation.MEAN)
    with pytest.raises(ScoreError, match="超过该指标分值"):
        consolidate(SYSTEM, [{"1.1": D(41)}], rule=Consolidation.MEAN)


# --- properties on the example index of a seed ------------------------------------------------

JIADING = example_index(seed_catalog("003"))


@st.composite
def sheets(draw: st.DrawFn, system: IndexSystem = JIADING) -> dict[str, object]:
    marks: dict[str, object] = {}
    for leaf in system.leaves:
        if not draw(st.booleans()) and draw(st.booleans()):
            continue  # about a quarter left unmarked
        if leaf.type is MET:
            marks[leaf.code] = draw(st.booleans())
        else:
            cents = draw(st.integers(0, int(leaf.points * 100)))
            marks[leaf.code] = D(cents) / 100
    return marks


@settings(max_examples=60, deadline=None)
@given(marks=sheets())
def test_totals_equal_the_sum_of_the_leaves_and_stay_within_the_points(marks: dict[str, object]) -> None:
    result = evaluate(JIADING, marks)
    leaves = sum((mark_points(JIADING.indicator(c), m) for c, m in marks.items()), D(0))
    assert result.total == leaves == sum(result.scores[r.code] for r in JIADING.roots)
    for ind in JIADING.indicators:
        assert 0 <= result.scores[ind.code] <= ind.points
    assert (result.grade is None) == bool(result.unscored)


@settings(max_examples=40, deadline=None)
@given(experts=st.lists(sheets(), min_size=1, max_size=7), rule=st.sampled_from(list(Consolidation)))
def test_the_panel_mark_lies_between_the_experts_lowest_and_highest(
    experts: list[dict[str, object]], rule: Consolidation
) -> None:
    panel = consolidate(JIADING, experts, rule=rule, leader=0)
    for code, mark in panel.items():
        given_marks = [e[code] for e in experts if code in e]
        if isinstance(mark, bool):
            assert mark in given_marks
        else:
            assert min(given_marks) <= mark <= max(given_marks)  # type: ignore[type-var]
            assert mark == mark.quantize(D("0.01"))
    evaluate(JIADING, panel)  # the panel's sheet is itself a valid sheet
