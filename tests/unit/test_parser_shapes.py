"""Shapes real plans take, each in a small document of its own: rules by structure.

The corpus (`test_corpus_plans.py`) holds these shapes in real documents; here each one is
isolated, so a failure names the rule that broke.
"""

from __future__ import annotations

import datetime as dt

from checklists.catalog import Catalog, MeasureKind, Skipped
from checklists.lines import LineKind, article_number, classify
from checklists.parser import parse_document
from checklists.units import LeadRule, lead_rule, parse_responsibility


def parse(text: str) -> Catalog:
    return parse_document(text, source_name="plan.txt")


def units(catalog: Catalog, ref: str) -> list[tuple[str, str]]:
    return [(u.name, u.role.value) for u in catalog.measure(ref).units]


def measure_refs(catalog: Catalog) -> list[str]:
    return [m.ref for m in catalog.measures if m.kind is MeasureKind.MEASURE]


# --- unit clauses -------------------------------------------------------------------------


def test_a_label_is_never_part_of_a_unit_name() -> None:
    read = parse_responsibility("负责部门:住房城乡建设部;适用范围:全省")
    assert [(u.name, u.role.value) for u in read.units] == [("住房城乡建设部", "lead")]
    assert read.rest == ["适用范围:全省"]


def test_a_lead_label_carries_to_the_pieces_after_it_until_the_next_label() -> None:
    read = parse_responsibility("牵头单位:市科技局,高新区,责任单位:市教育局,各区镇")
    assert [(u.name, u.role.value) for u in read.units] == [
        ("市科技局", "lead"),
        ("高新区", "lead"),
        ("市教育局", "co"),
        ("各区镇", "group"),
    ]


def test_x_leads_and_y_z_cooperate() -> None:
    read = parse_responsibility("省发展改革委按职责分工牵头,省财政厅、省商务厅等省直有关部门配合")
    assert [(u.name, u.role.value) for u in read.units] == [
        ("省发展改革委", "lead"),
        ("省财政厅", "co"),
        ("省商务厅", "co"),
        ("省直有关部门", "group"),
    ]


def test_x_together_with_y_means_x_leads() -> None:
    read = parse_responsibility("住房城乡建设部会同财政部、自然资源部负责")
    assert [(u.name, u.role.value) for u in read.units] == [
        ("住房城乡建设部", "lead"),
        ("财政部", "co"),
        ("自然资源部", "co"),
    ]


def test_etc_before_a_joiner_or_a_group_is_cut_off() -> None:
    read = parse_responsibility("商务部、全国总工会等和各有关省级人民政府负责")
    assert [(u.name, u.role.value) for u in read.units] == [
        ("商务部", "lead"),
        ("全国总工会", "co"),
        ("各有关省级人民政府", "group"),
    ]


def test_an_aside_that_reaches_below_is_no_part_of_the_name() -> None:
    read = parse_responsibility("责任单位:各区人民政府〈含开发区、风景区管委会,下同〉")
    assert [u.name for u in read.units] == ["各区人民政府"]


def test_a_government_named_by_its_level_shares_the_place_before_it() -> None:
    read = parse_responsibility("责任单位:省委编办,有关设区市、县〔区〕人民政府")
    assert [(u.name, u.role.value) for u in read.units] == [
        ("省委编办", "lead"),
        ("有关设区市、县〔区〕人民政府", "group"),
    ]


def test_lead_rules_are_recognised_and_never_units() -> None:
    assert lead_rule("列第一位的为牵头单位") is LeadRule.FIRST_LISTED
    assert lead_rule("排在第一位的为牵头部门") is LeadRule.FIRST_LISTED
    assert lead_rule("第一个逗号前为牵头单位") is LeadRule.BEFORE_FIRST_COMMA
    assert lead_rule("区市场监管局牵头") is None
    read = parse_responsibility("区市场监管局、区司法局,区法院(排在第一位的为牵头部门,下同)")
    assert "下同" not in "".join(u.name for u in read.units)


PLAN_WITH_FIRST_COMMA_RULE = """某区知识产权保护工作方案
一、重点任务
1.加强行政保护。开展专项行动。(区市场监管局、区公安分局,区法院、区检察院。第一个逗号前为牵头单位,下同)
2.加强司法保护。完善审判机制。(区法院、区检察院,区司法局)
3.加强宣传。开展宣传周活动。(区委宣传部负责)
"""


def test_the_documents_own_lead_rule_holds_for_every_later_measure() -> None:
    c = parse(PLAN_WITH_FIRST_COMMA_RULE)
    assert units(c, "1") == [
        ("区市场监管局", "lead"),
        ("区公安分局", "lead"),
        ("区法院", "co"),
        ("区检察院", "co"),
    ]
    assert units(c, "2") == [("区法院", "lead"), ("区检察院", "lead"), ("区司法局", "co")]
    assert units(c, "3") == [("区委宣传部", "lead")]
    names = {u.name for m in c.measures for u in m.units}
    assert not [n for n in names if "牵头" in n or "下同" in n]


# --- unit tags inside one measure ---------------------------------------------------------

PLAN_WITH_TAGGED_SENTENCES = """某市促进消费实施意见
一、发展新业态。推进电商发展。(市商务局、市发改委按职责分工负责)开展跨界融合活动。(市文旅局负责)推进物流协同(试行)。(市交通局、市商务局负责)
二、改造步行街。启动试点(以下简称试点)。(市住建局牵头,市商务局配合)
"""


def test_several_unit_tags_in_one_measure_are_merged_and_taken_out_of_its_text() -> None:
    c = parse(PLAN_WITH_TAGGED_SENTENCES)
    assert measure_refs(c) == ["1", "2"]
    assert units(c, "1") == [
        ("市商务局", "lead"),
        ("市发改委", "co"),
        ("市文旅局", "co"),
        ("市交通局", "co"),
    ]
    first = c.measure("1")
    assert "负责" not in first.text
    assert "(试行)" in first.text  # an aside inside a sentence stays
    assert first.units_text.count(";") == 2
    assert "(以下简称试点)" in c.measure("2").text
    assert units(c, "2") == [("市住建局", "lead"), ("市商务局", "co")]


# --- numbering ----------------------------------------------------------------------------

PLAN_RESTARTING_NUMBERS = """某区行动方案
一、强化保护
1.开展执法行动。(区市场监管局负责)
2.加强司法保护。(区法院负责)
二、优化服务
1.建设服务中心。(区市场监管局负责)
2.培育服务机构。(区科技局负责)
三、保障措施
(一)加强组织领导。成立工作专班。
"""


def test_numbering_that_restarts_in_each_section_gets_refs_with_the_section() -> None:
    c = parse(PLAN_RESTARTING_NUMBERS)
    assert measure_refs(c) == ["一.1", "一.2", "二.1", "二.2"]
    assert units(c, "二.2") == [("区科技局", "lead")]
    assert [m.ref for m in c.measures if m.kind is MeasureKind.SAFEGUARD] == ["S1"]
    assert not [w for w in c.warnings if "重复" in w.message]


def test_numbering_running_across_sections_keeps_plain_refs() -> None:
    text = PLAN_RESTARTING_NUMBERS.replace("1.建设", "3.建设").replace("2.培育", "4.培育")
    assert measure_refs(parse(text)) == ["1", "2", "3", "4"]


def test_articles_are_numbered_items() -> None:
    assert classify("第十二条 加强管理。").kind is LineKind.NUMBERED
    assert classify("第一百零五条加强管理。").label == "105"
    assert article_number("一百一十") == 110
    assert article_number("二一") is None
    c = parse("某市管理办法\n第一条 为加强管理,制定本办法。\n第二条 市市场监管局负责组织实施。\n")
    assert measure_refs(c) == ["1", "2"]


PLAN_WITH_SUB_ITEMS = """某市行动计划
一、主要任务
(一)建设支撑平台。建设三个平台,构建多平台支撑体系。
建设算力平台:整合全市算力资源。(牵头单位:市数据局,责任单位:资产集团)
建设服务平台:上线公共服务平台。(牵头单位:市科技局,责任单位:市数据局)
(二)推动场景开放。发布场景清单。(牵头单位:市发改委)
二、保障措施
加强统筹协调,建立工作机制。
"""


def test_sub_items_under_a_measure_belong_to_it_with_their_units() -> None:
    c = parse(PLAN_WITH_SUB_ITEMS)
    assert measure_refs(c) == ["1", "2"]
    assert units(c, "1") == [("市数据局", "lead"), ("资产集团", "co"), ("市科技局", "lead")]
    assert len(c.measure("1").lines) == 3


# --- what is not a measure ----------------------------------------------------------------

PLAN_WITH_CLOSING_AND_SIGNATURE = """某省人民政府关于加快发展的若干意见
各市人民政府,省政府各部门:
为加快发展,现提出如下意见。
一、指导思想
以新发展理念为指导。
二、重点任务
(一)加强保护。开展专项行动。(省市场监管局负责)
(二)优化服务。建设服务平台。(省科技厅负责)
各地、各部门要充分认识重要意义,确保各项措施落到实处。
施行说明:本意见自2026年1月1日起施行。
某省人民政府
2026年1月1日
(此件公开发布)
"""


def test_closing_paragraphs_signature_and_date_are_never_measures() -> None:
    c = parse(PLAN_WITH_CLOSING_AND_SIGNATURE)
    assert measure_refs(c) == ["1", "2"]
    assert c.plan.title == "某省人民政府关于加快发展的若干意见"
    assert c.plan.issued_on == dt.date(2026, 1, 1)
    assert c.plan.issuer == "某省人民政府"
    reasons = {s.start: s.reason for s in c.skipped}
    assert "结束语" in reasons[9] and "施行说明" in reasons[10]
    assert Skipped(start=11, end=13, reason="落款(发文机关与日期)") in c.skipped
    assert c.sections[0].text == "以新发展理念为指导。"


def test_measures_whose_actors_are_only_in_the_prose_are_listed_for_the_office() -> None:
    text = PLAN_WITH_CLOSING_AND_SIGNATURE.replace("(二)优化服务。建设服务平台。(省科技厅负责)", "(二)优化服务。省科技厅建设服务平台。")
    c = parse(text)
    assert units(c, "2") == []
    assert (8, "该措施没有写明责任单位") in [(w.line, w.message) for w in c.warnings]


def test_units_written_once_for_every_later_measure_are_added_to_each() -> None:
    text = (
        "某市实施意见\n一、重点任务\n"
        "1.建设社区。(责任单位:市经信局,各区政府。以下均需各区政府、园区管委会落实,不再列出)\n"
        "2.开放场景。(责任单位:市发改委)\n"
    )
    c = parse(text)
    assert units(c, "1") == [("市经信局", "lead"), ("各区政府", "group")]
    assert units(c, "2") == [("市发改委", "lead"), ("各区政府", "group"), ("园区管委会", "co")]
    assert not c.warnings


def test_a_short_measure_right_above_the_date_is_not_taken_for_the_signature() -> None:
    c = parse("某市实施意见\n一、重点任务\n1.强化基金扶持。(市财政局负责)\n2026年5月7日\n")
    assert measure_refs(c) == ["1"]
    assert c.plan.issued_on == dt.date(2026, 5, 7)
    assert Skipped(start=4, end=4, reason="落款(发文机关与日期)") in c.skipped
