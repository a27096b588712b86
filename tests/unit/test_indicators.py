from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from checklists.catalog import Comparator, Indicator
from checklists.indicators import extract_indicators
from checklists.text import clean_line

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"

EQ, GE, LE, RANGE = Comparator.EQ, Comparator.GE, Comparator.LE, Comparator.RANGE


def seed_lines(prefix: str) -> list[str]:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return [clean_line(line) for line in path.read_text(encoding="utf-8").splitlines()]


def paragraph_after(prefix: str, heading: str) -> str:
    lines = seed_lines(prefix)
    start = lines.index(heading)
    return next(line for line in lines[start + 1 :] if line)


def measure_line(prefix: str, number: int) -> str:
    return next(line for line in seed_lines(prefix) if line.startswith(f"{number}."))


def summary(
    indicators: list[Indicator],
) -> list[tuple[str, Comparator, Decimal, Decimal | None, str]]:
    return [(i.metric, i.comparator, i.value, i.value_max, i.unit) for i in indicators]


# --- seeds -------------------------------------------------------------------------------


def test_seed_001_targets_are_the_two_protection_centre_counts() -> None:
    found = extract_indicators(paragraph_after("001", "二、工作目标"))
    assert summary(found) == [
        ("国家级知识产权保护中心", GE, Decimal(3), None, "个"),
        ("省级知识产权保护中心", GE, Decimal(6), None, "个"),
    ]
    assert {i.due for i in found} == {dt.date(2025, 12, 31)}
    assert found[0].text == "力争建成3个以上国家级知识产权保护中心和6个以上省级知识产权保护中心"


def test_seed_002_targets_are_read_with_normalised_values_and_the_paragraph_due_date() -> None:
    found = extract_indicators(paragraph_after("002", "二、实施目标"), line=57, measure=None)
    assert summary(found) == [
        ("有效发明专利拥有量", EQ, Decimal(3600), None, "件"),
        ("有效发明专利拥有量较2022年增长", EQ, Decimal(20), None, "%"),
        ("每万人有效发明专利拥有量", EQ, Decimal("8.2"), None, "件"),
        ("有效商标注册总量", EQ, Decimal(68000), None, "件"),
        ("有效商标注册总量较2022年增长", EQ, Decimal(17), None, "%"),
        ("知识产权质押融资额", EQ, Decimal(100000000), None, "元"),
        ("技术合同成交额", EQ, Decimal(3500000000), None, "元"),
        ("国家、省扶持资金", GE, Decimal(3000000), None, "元"),
    ]
    assert {i.due for i in found} == {dt.date(2024, 12, 31)}
    assert {i.line for i in found} == {57}
    assert [i.text for i in found][:2] == ["全市有效发明专利拥有量达到3600件", "较2022年增长20%"]


def test_normalised_integral_values_are_plain_integers_not_exponents() -> None:
    found = extract_indicators(paragraph_after("002", "二、实施目标"))
    assert [str(i.value) for i in found] == [
        "3600",
        "20",
        "8.2",
        "68000",
        "17",
        "100000000",
        "3500000000",
        "3000000",
    ]


def test_seed_002_measure_4_has_a_range_of_strong_enterprises() -> None:
    found = extract_indicators(measure_line("002", 4), measure="4", line=73)
    assert summary(found) == [("各级知识产权强企", RANGE, Decimal(3), Decimal(5), "家")]
    assert (found[0].measure, found[0].line, found[0].due) == ("4", 73, None)


def test_seed_002_measure_14_has_a_range_of_brand_guidance_stations() -> None:
    due = dt.date(2025, 12, 31)
    found = extract_indicators(measure_line("002", 14), due=due)
    assert summary(found) == [("商标品牌指导站", RANGE, Decimal(2), Decimal(3), "家")]
    assert found[0].due == due


def test_seed_002_measure_16_seventeen_departments_is_not_a_target() -> None:
    assert extract_indicators(measure_line("002", 16)) == []


def test_seed_004_full_coverage_is_the_only_target_in_the_jinan_plan() -> None:
    found = [i for line in seed_lines("004") for i in extract_indicators(line)]
    assert summary(found) == [("区县(功能区)全覆盖", EQ, Decimal(100), None, "%")]


@pytest.mark.parametrize("prefix", ["000", "003"])
def test_seeds_without_numeric_targets_give_none(prefix: str) -> None:
    assert [i for line in seed_lines(prefix) for i in extract_indicators(line)] == []


def test_all_seed_paragraphs_give_only_the_expected_targets() -> None:
    counts = {
        prefix: sum(len(extract_indicators(line)) for line in seed_lines(prefix))
        for prefix in ("000", "001", "002", "003", "004")
    }
    assert counts == {"000": 0, "001": 2, "002": 10, "003": 0, "004": 1}


# --- structure ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "围绕十大产业集群和16个重点产业链,实施重点产业知识产权强链行动",
        "认真落实国家知识产权局等17部门印发的《意见》",
        "落实全市人才政策“双30条”等举措",
        "构建“1+6+6”的知识产权审判管辖格局",
        "许政〔2023〕34号",
        "较2022年",
        "2023年年底提出申请,2024年年底完成申报,2025年6月完成创建工作",
        "走访12万余户 发放贷款237亿元",
        "到2025年,力争建成知识产权保护中心",
        "第3批试点单位",
        "",
    ],
)
def test_numbers_that_are_not_targets_are_ignored(text: str) -> None:
    assert extract_indicators(text) == []


@pytest.mark.parametrize(
    ("text", "metric", "comparator", "value", "value_max", "unit"),
    [
        ("建成3个以上国家级知识产权保护中心", "国家级知识产权保护中心", GE, 3, None, "个"),
        ("知识产权纠纷结案率不少于90%", "知识产权纠纷结案率", GE, 90, None, "%"),
        ("专利代理机构数量超过50家", "专利代理机构数量", GE, 50, None, "家"),
        ("争取专项资金500万元以下", "专项资金", LE, 5000000, None, "元"),
        ("侵权案件发生率不超过5%", "侵权案件发生率", LE, 5, None, "%"),
        ("新增培育3至5家示范企业", "示范企业", RANGE, 3, 5, "家"),
        ("新增示范企业3~5家", "示范企业", RANGE, 3, 5, "家"),
        ("培育100余家知识产权示范企业", "知识产权示范企业", GE, 100, None, "家"),
        ("全省专利授权量达到1.5万件左右", "专利授权量", EQ, 15000, None, "件"),
        ("技术交易额达到1.25亿元", "技术交易额", EQ, 125000000, None, "元"),
        ("版权产业增加值占比达到7.5%", "版权产业增加值占比", EQ, Decimal("7.5"), None, "%"),
        ("发明专利授权量年均增长10%以上", "发明专利授权量年均增长", GE, 10, None, "%"),
        ("全市专利授权量较2022年增长20%", "专利授权量较2022年增长", EQ, 20, None, "%"),
        ("市场主体满意度提高5个百分点", "市场主体满意度提高", EQ, 5, None, "个百分点"),
    ],
)
def test_target_phrases_are_read_into_metric_comparator_value_and_unit(
    text: str,
    metric: str,
    comparator: Comparator,
    value: int | Decimal,
    value_max: int | None,
    unit: str,
) -> None:
    (found,) = extract_indicators(text)
    expected_max = None if value_max is None else Decimal(value_max)
    assert (found.metric, found.comparator, found.value, found.value_max, found.unit) == (
        metric,
        comparator,
        Decimal(value),
        expected_max,
        unit,
    )


def test_full_width_digits_and_percent_are_read() -> None:
    (found,) = extract_indicators("全市有效发明专利拥有量达到３６００件,增长２０%")[:1]
    assert (found.value, found.unit) == (Decimal(3600), "件")


def test_a_clause_without_a_verb_inherits_the_target_of_its_sentence() -> None:
    found = extract_indicators("知识产权质押融资额达到1亿元,技术合同成交额35亿元。")
    assert [i.metric for i in found] == ["知识产权质押融资额", "技术合同成交额"]


def test_a_clause_without_a_verb_in_a_sentence_without_a_target_is_ignored() -> None:
    assert extract_indicators("技术合同成交额35亿元。") == []


def test_a_comparison_without_a_comma_borrows_the_subject_of_the_number_before() -> None:
    found = extract_indicators("全市有效发明专利拥有量达到3600件较2022年增长20%")
    assert [i.metric for i in found] == ["有效发明专利拥有量", "有效发明专利拥有量较2022年增长"]


def test_the_latest_target_date_before_the_number_is_its_due_date() -> None:
    text = "到2022年,侵权现象得到遏制。到2025年,力争建成3个以上保护中心。"
    (found,) = extract_indicators(text, due=dt.date(2030, 1, 1))
    assert found.due == dt.date(2025, 12, 31)


def test_without_a_target_date_the_given_due_date_is_used() -> None:
    (found,) = extract_indicators("建设2-3家商标品牌指导站", due=dt.date(2025, 6, 30))
    assert found.due == dt.date(2025, 6, 30)


def test_a_target_date_after_the_number_does_not_apply_to_it() -> None:
    (found,) = extract_indicators("建设2-3家商标品牌指导站,到2025年完成验收")
    assert found.due is None


def test_indicator_text_is_cut_from_the_text_as_given() -> None:
    (found,) = extract_indicators("到2025年,建设２－３家商标品牌指导站。")
    assert found.text == "建设２－３家商标品牌指导站"
    assert (found.value, found.value_max) == (Decimal(2), Decimal(3))
