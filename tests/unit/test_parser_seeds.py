"""The parser on the five real seed plans: the expected results of the foundation issue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from checklists.catalog import Catalog, Comparator, DeadlineKind, MeasureKind, UnitRole
from checklists.parser import NotAPlanError, parse_document

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
_cache: dict[str, Catalog] = {}


def seed(prefix: str) -> Catalog:
    if prefix not in _cache:
        paths = sorted(SEEDS.glob(f"{prefix}_*.txt"))
        if not paths:
            pytest.skip(f"seed {prefix} not found in {SEEDS}")
        _cache[prefix] = parse_document(paths[0].read_text(encoding="utf-8"), source_name=paths[0].name)
    return _cache[prefix]


def kinds(catalog: Catalog, kind: MeasureKind) -> list[str]:
    return [m.number for m in catalog.measures if m.kind is kind]


def units(catalog: Catalog, ref: str) -> list[tuple[str, UnitRole]]:
    return [(u.name, u.role) for u in catalog.measure(ref).units]


def indicator(catalog: Catalog, metric: str):  # type: ignore[no-untyped-def]
    found = [i for i in catalog.indicators if i.metric == metric]
    assert found, f"no indicator {metric!r} in {[i.metric for i in catalog.indicators]}"
    return found[0]


# --- 000: Wuhan district, 70 measures with (units;deadline) ---------------------------------


def test_wuhan_plan_has_seventy_numbered_measures_in_six_sections() -> None:
    c = seed("000")
    assert kinds(c, MeasureKind.MEASURE) == [str(n) for n in range(1, 71)]
    assert [s.number for s in c.sections] == ["一", "二", "三", "四", "五", "六"]
    assert c.measure("8").section == "2"
    assert c.measure("70").section == "6"


def test_wuhan_title_is_joined_from_two_lines_and_issued_on_is_the_signature_date() -> None:
    plan = seed("000").plan
    assert plan.title == "2023-2025年贯彻落实《关于进一步强化全区知识产权保护的具体措施》推进计划"
    assert plan.issued_on == dt.date(2024, 1, 31)
    assert plan.doc_number == ""  # the number in the notice cites another document


def test_wuhan_measure_3_has_two_units_and_a_fixed_deadline() -> None:
    m = seed("000").measure("3")
    assert [u.name for u in m.units] == ["区市场监管局", "区司法局"]
    assert m.deadline.kind is DeadlineKind.FIXED
    assert m.deadline.due == dt.date(2025, 12, 31)
    assert m.title == "配合修订并实施《武汉市知识产权促进和保护条例》"
    assert [i.text for i in m.checklist] == ["配合修订并实施《武汉市知识产权促进和保护条例》"]


def test_wuhan_measure_7_is_due_every_year_by_april() -> None:
    d = seed("000").measure("7").deadline
    assert d.kind is DeadlineKind.ANNUAL
    assert d.month == 4


def test_wuhan_measure_38_is_fixed_then_ongoing() -> None:
    d = seed("000").measure("38").deadline
    assert d.kind is DeadlineKind.FIXED_THEN_ONGOING
    assert d.due == dt.date(2024, 6, 30)


def test_wuhan_measure_43_reads_units_after_a_comma_separator() -> None:
    m = seed("000").measure("43")
    assert units(seed("000"), "43") == [("区科经局", UnitRole.LEAD)]
    assert m.deadline.kind is DeadlineKind.ONGOING


def test_wuhan_measure_69_has_two_lead_units_and_a_group() -> None:
    assert units(seed("000"), "69") == [
        ("区市场监管局", UnitRole.LEAD),
        ("区委宣传部", UnitRole.LEAD),
        ("区知识产权工作领导小组各成员单位", UnitRole.GROUP),
    ]


def test_wuhan_measure_53_keeps_nested_brackets_in_the_unit_name() -> None:
    assert units(seed("000"), "53") == [("区委办(区委外办)", UnitRole.LEAD)]


def test_wuhan_measure_63_gets_one_checklist_item_per_action_sentence() -> None:
    items = [i.text for i in seed("000").measure("63").checklist]
    assert len(items) == 4
    assert items[1] == "实施企业“一把手”数字化转型、知识产权培训计划"


def test_every_wuhan_measure_has_units_and_a_deadline() -> None:
    for m in seed("000").measures:
        assert m.units, m.ref
        assert m.deadline.kind is not DeadlineKind.NONE, m.ref


def test_wuhan_spam_text_is_reported_with_its_line_numbers() -> None:
    flagged = {w.line for w in seed("000").warnings if "无关文字" in w.message}
    assert {17, 47} <= flagged  # measure 6 and measure 34 carry the injected name


def test_wuhan_page_chrome_after_the_text_is_skipped_not_imported() -> None:
    c = seed("000")
    assert any(s.reason == "正文后的网页内容" and s.start == 87 for s in c.skipped)
    assert all("扫一扫" not in m.text for m in c.measures)


# --- 001: Jiangxi, `1。Title。Body`, safeguards --------------------------------------------


def test_jiangxi_has_21_measures_and_5_safeguards() -> None:
    c = seed("001")
    assert kinds(c, MeasureKind.MEASURE) == [str(n) for n in range(1, 22)]
    assert kinds(c, MeasureKind.SAFEGUARD) == ["1", "2", "3", "4", "5"]
    assert [m.ref for m in c.measures if m.kind is MeasureKind.SAFEGUARD][0] == "S1"


def test_jiangxi_measure_1_title_is_its_first_sentence_and_excluded_from_the_checklist() -> None:
    m = seed("001").measure("1")
    assert m.title == "制定完善知识产权保护法规规章"
    assert all(not i.text.startswith("制定完善知识产权保护法规规章") for i in m.checklist)
    assert len(m.checklist) == 2
    assert m.section == "3.1"


def test_jiangxi_targets_are_two_protection_centre_indicators_due_2025() -> None:
    c = seed("001")
    national = indicator(c, "国家级知识产权保护中心")
    provincial = indicator(c, "省级知识产权保护中心")
    assert (national.comparator, national.value, national.unit) == (Comparator.GE, 3, "个")
    assert (provincial.comparator, provincial.value) == (Comparator.GE, 6)
    assert national.due == provincial.due == dt.date(2025, 12, 31)


def test_jiangxi_issuer_and_date_come_from_the_notice_signature() -> None:
    plan = seed("001").plan
    assert plan.title == "江西省强化知识产权保护工作的实施意见"
    assert plan.issuer == "中共江西省委办公厅 江西省人民政府办公厅"
    assert plan.issued_on == dt.date(2020, 6, 4)


# --- 002: Xuchang, nested 〔〕 in units, numeric targets ------------------------------------


def test_xuchang_has_17_measures_3_safeguards_and_its_document_number() -> None:
    c = seed("002")
    assert kinds(c, MeasureKind.MEASURE) == [str(n) for n in range(1, 18)]
    assert len(kinds(c, MeasureKind.SAFEGUARD)) == 3
    assert c.plan.doc_number == "许政〔2023〕34号"
    assert c.plan.issuer == "许昌市人民政府"
    assert c.plan.issued_on == dt.date(2023, 11, 13)


def test_xuchang_measure_3_lists_four_departments_and_the_county_group() -> None:
    assert units(seed("002"), "3") == [
        ("市委宣传部", UnitRole.LEAD),
        ("市市场监督管理局", UnitRole.CO),
        ("市农业农村局", UnitRole.CO),
        ("市自然资源和规划局", UnitRole.CO),
        ("各县〔市、区〕政府〔管委会〕", UnitRole.GROUP),
    ]


@pytest.mark.parametrize(
    ("value", "comparator", "unit"),
    [
        (Decimal(3600), Comparator.EQ, "件"),
        (Decimal("8.2"), Comparator.EQ, "件"),
        (Decimal(68000), Comparator.EQ, "件"),
        (Decimal(100000000), Comparator.EQ, "元"),
        (Decimal(3500000000), Comparator.EQ, "元"),
        (Decimal(3000000), Comparator.GE, "元"),
    ],
)
def test_xuchang_targets_are_normalised_for_chinese_magnitudes(
    value: Decimal, comparator: Comparator, unit: str
) -> None:
    found = [
        i for i in seed("002").indicators if i.value == value and i.unit == unit and i.comparator is comparator
    ]
    assert found, f"{value} {unit} not in {[(i.metric, i.value, i.unit) for i in seed('002').indicators]}"
    assert found[0].due == dt.date(2024, 12, 31)


def test_xuchang_ranges_are_read_from_measure_bodies() -> None:
    ranges = {
        (i.value, i.value_max, i.unit, i.measure)
        for i in seed("002").indicators
        if i.comparator is Comparator.RANGE
    }
    assert (Decimal(3), Decimal(5), "家", "4") in ranges
    assert (Decimal(2), Decimal(3), "家", "14") in ranges


# --- 003: Jiading, unnumbered paragraphs + task table ---------------------------------------


def test_jiading_takes_22_tasks_from_the_table_matched_to_body_paragraphs() -> None:
    c = seed("003")
    assert kinds(c, MeasureKind.MEASURE) == [str(n) for n in range(1, 23)]
    m1 = c.measure("1")
    assert m1.lines[0] == 20 and m1.lines[-1] == 54  # body paragraph and table row
    assert c.measure("11").lines == [30, 64]  # two table tasks share one body paragraph
    assert c.measure("22").section == "3.4"
    assert not [w for w in c.warnings if "任务分工表" in w.message]


def test_jiading_measure_4_units_include_the_joint_meeting_group() -> None:
    assert units(seed("003"), "4") == [
        ("区市场监管局", UnitRole.LEAD),
        ("公安嘉定分局", UnitRole.CO),
        ("区法院", UnitRole.CO),
        ("区检察院", UnitRole.CO),
        ("区知识产权联席会议其他成员单位", UnitRole.GROUP),
    ]


def test_jiading_schedule_has_three_phases_ending_in_self_check_and_acceptance() -> None:
    phases = seed("003").phases
    assert [p.name for p in phases] == ["制定方案", "推进实施", "迎接验收"]
    last = phases[-1]
    assert (last.start, last.end) == (dt.date(2023, 9, 1), dt.date(2024, 4, 30))
    assert last.acceptance and not phases[0].acceptance


def test_jiading_header_fields() -> None:
    plan = seed("003").plan
    assert plan.title == "嘉定区建设上海市知识产权保护示范区实施方案"
    assert plan.doc_number == "嘉府发〔2023〕18号"
    assert plan.issuer == "上海市嘉定区人民政府"


# --- 004: Jinan, outcomes, schedule, news links after the text ------------------------------


def test_jinan_has_18_measures_and_5_landmark_outcomes() -> None:
    c = seed("004")
    assert kinds(c, MeasureKind.MEASURE) == [str(n) for n in range(1, 19)]
    assert kinds(c, MeasureKind.OUTCOME) == ["1", "2", "3", "4", "5"]
    assert c.measure("O1").title == "打造原始创新保护策源地"


def test_jinan_schedule_ends_with_review_preparation_in_february_2026() -> None:
    phases = seed("004").phases
    assert len(phases) == 3
    assert (phases[-1].start, phases[-1].end) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert phases[-1].acceptance


def test_jinan_news_links_after_the_text_are_not_imported() -> None:
    c = seed("004")
    texts = " ".join(m.text for m in c.measures)
    assert "国家监委" not in texts and "访问次数" not in texts
    assert c.measures[-1].text.endswith("积极性和主动性。")
    assert any(s.reason == "正文后的网页内容" and s.start == 53 for s in c.skipped)


def test_jinan_signature_shares_a_line_with_the_notice() -> None:
    plan = seed("004").plan
    assert (plan.issuer, plan.issued_on, plan.doc_number) == (
        "济南市人民政府",
        dt.date(2024, 8, 3),
        "济政字〔2024〕45号",
    )


# --- every seed -----------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_every_non_blank_line_is_placed_skipped_or_warned(prefix: str) -> None:
    c = seed(prefix)
    path = sorted(SEEDS.glob(f"{prefix}_*.txt"))[0]
    lines = path.read_text(encoding="utf-8").splitlines()
    accounted: set[int] = set()
    for s in c.skipped:
        accounted.update(range(s.start, s.end + 1))
    accounted.update(w.line for w in c.warnings)
    for m in c.measures:
        accounted.update(m.lines)
    accounted.update(s.line for s in c.sections if s.line)
    accounted.update(p.line for p in c.phases if p.line)
    accounted.update(i.line for i in c.indicators if i.line)
    context_lines = {
        n
        for n, text in enumerate(lines, start=1)
        if text.strip() and n not in accounted
    }
    # What remains must be paragraphs of context sections (指导思想, 目标…): placed as section text.
    for n in context_lines:
        section = max((s for s in c.sections if s.line and s.line < n), key=lambda s: s.line or 0)
        assert section.title in {"指导思想", "工作目标", "实施目标", "建设目标"}, (n, lines[n - 1][:30])


def test_a_text_without_any_plan_structure_is_refused() -> None:
    with pytest.raises(NotAPlanError):
        parse_document("今天天气很好。\n我们去公园。\n", source_name="notes.txt")


def test_full_width_numbering_and_brackets_are_read_like_ascii() -> None:
    text = (
        "某区知识产权保护工作方案\n"
        "一、重点任务\n"
        "１．加强专利保护，开展专项行动。（区市场监管局、区公安局按职责分工负责；２０２５年６月底前完成）\n"
        "２．完善调解机制。（区司法局牵头，各街道办事处配合；持续推进）\n"
    )
    c = parse_document(text, source_name="fw.txt")
    assert [m.number for m in c.measures] == ["1", "2"]
    assert c.measure("1").deadline.due == dt.date(2025, 6, 30)
    assert [(u.name, u.role) for u in c.measure("2").units] == [
        ("区司法局", UnitRole.LEAD),
        ("各街道办事处", UnitRole.GROUP),
    ]


def test_a_paragraph_that_fits_nowhere_is_a_warning_with_its_line() -> None:
    text = (
        "1.做好第一件事。(区财政局;持续推进)\n"
        "这是一段无法归类的说明。\n"
        "2.做好第二件事。(区财政局;2025年底前完成)\n"
    )
    c = parse_document(text, source_name="x.txt")
    assert [m.ref for m in c.measures] == ["1", "2"]
    assert (2, "这是一段无法归类的说明。") in [(w.line, w.text) for w in c.warnings]
    assert any(w.line == 1 and "标题" in w.message for w in c.warnings)


def test_a_further_paragraph_of_a_numbered_measure_stays_with_it() -> None:
    text = (
        "某市知识产权保护方案\n"
        "一、重点任务\n"
        "1.加强保护。开展专项行动。\n"
        "同时做好宣传工作。\n"
        "2.完善机制。建立调解制度。\n"
    )
    c = parse_document(text, source_name="p.txt")
    assert [m.ref for m in c.measures] == ["1", "2"]
    assert c.measure("1").lines == [3, 4]
    assert [i.text for i in c.measure("1").checklist] == ["开展专项行动", "同时做好宣传工作"]
    assert not c.warnings


def test_unnumbered_paragraphs_of_a_task_section_become_numbered_tasks() -> None:
    text = (
        "某区知识产权保护示范区建设方案\n"
        "一、任务措施\n"
        "(一)完善保护体系\n"
        "推进专利快速审查,建设保护中心。\n"
        "加强商标品牌培育。\n"
        "(二)加强宣传教育\n"
        "开展知识产权宣传周活动。\n"
    )
    c = parse_document(text, source_name="q.txt")
    assert [(m.number, m.section) for m in c.measures] == [("1", "1.1"), ("2", "1.1"), ("3", "1.2")]
    assert c.measure("3").title == "开展知识产权宣传周活动"


def test_responsibility_lines_under_a_measure_give_its_units_and_deadline() -> None:
    text = (
        "某县知识产权保护工作方案\n"
        "一、重点任务\n"
        "1.加强专利行政执法。开展专项行动。\n"
        "牵头单位:县市场监管局;配合单位:县公安局、县司法局\n"
        "完成时限:2025年6月底前\n"
        "2.加强宣传。\n"
        "责任单位:县委宣传部\n"
    )
    c = parse_document(text, source_name="r.txt")
    m1 = c.measure("1")
    assert [(u.name, u.role) for u in m1.units] == [
        ("县市场监管局", UnitRole.LEAD),
        ("县公安局", UnitRole.CO),
        ("县司法局", UnitRole.CO),
    ]
    assert m1.deadline.due == dt.date(2025, 6, 30)
    assert m1.lines == [3, 4, 5]
    assert [i.text for i in m1.checklist] == ["开展专项行动"]
    assert [u.name for u in c.measure("2").units] == ["县委宣传部"]
    assert not c.warnings
