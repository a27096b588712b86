"""The parser's parts on their own: the bounds, the line classifier, the readers' edge cases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from checklists.draft import RawItem
from checklists.limits import MAX_LINE_CHARS, MAX_LINES, MAX_TEXT_BYTES
from checklists.lines import LineKind, classify
from checklists.parser import NotAPlanError, PlanTooLarge, parse_document
from checklists.units import parse_responsibility
from workflow.errors import InputError
from workflow.services.plan_import import read_source

PLAN = "一、重点任务\n1.加强知识产权保护。(区市场监管局;持续推进)\n"

# --- bounds ---------------------------------------------------------------------------------


def test_a_text_over_the_line_count_is_refused_naming_the_file() -> None:
    text = PLAN + "\n" * MAX_LINES
    with pytest.raises(PlanTooLarge, match=rf"^长方案\.txt:文本共 {MAX_LINES + 2} 行,超过"):
        parse_document(text, source_name="长方案.txt")


def test_a_text_over_the_size_bound_is_refused_naming_the_file() -> None:
    line = "加" * (MAX_LINE_CHARS - 1) + "\n"  # 3 bytes a character in UTF-8
    text = PLAN + line * (MAX_TEXT_BYTES // len(line.encode()) + 1)
    with pytest.raises(PlanTooLarge, match=r"^大\.txt:文本过大\(20\.\d MB\),超过方案文本 20\.0 MB"):
        parse_document(text, source_name="大.txt")


def test_a_text_at_the_line_bound_is_read() -> None:
    text = "一、重点任务\n1." + "加" * (MAX_LINE_CHARS - 3) + "。\n"
    assert [m.number for m in parse_document(text, source_name="x.txt").measures] == ["1"]


def test_import_refuses_an_oversized_file_before_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "方案.txt"
    with path.open("wb") as f:
        f.truncate(MAX_TEXT_BYTES + 1)  # sparse: no 20 MB written
    with pytest.raises(InputError, match="文件过大,超过方案文本 20 MB 的上限"):
        read_source(path)


def test_import_names_the_file_and_line_of_an_overlong_line(tmp_path: Path) -> None:
    path = tmp_path / "方案.txt"
    path.write_text(PLAN + "加" * (MAX_LINE_CHARS + 1) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"^方案\.txt:第3行过长\(10001 字\)"):
        read_source(path)


# --- structure the parser refuses, naming the line ---------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("一、任务\n1.甲。\n二、任务\n一、任务\n", "第4行:章节编号“一”与第1行的章节重复"),
        ("一、任务\n(一)甲\n(一)乙\n", "第3行:章节编号“(一)”与第2行的章节重复"),
        ("一、任务\n二一、任务\n", "第2行:“二一”不是有效的中文序号"),
        ("一、。\n1.甲。\n", "第1行:章节“一、”没有标题"),
    ],
)
def test_contradictory_structure_is_refused_naming_the_line(text: str, message: str) -> None:
    with pytest.raises(NotAPlanError, match=re.escape(message)):
        parse_document(text, source_name="x.txt")


def test_a_measure_with_nothing_but_its_clause_is_skipped_with_a_warning() -> None:
    catalog = parse_document("一、任务\n1.(区法院;持续推进)\n2.加强执法。(区法院;持续推进)\n", source_name="x.txt")
    assert [m.number for m in catalog.measures] == ["2"]
    assert [(w.line, w.message) for w in catalog.warnings if "没有内容" in w.message] == [
        (2, "该措施除责任单位外没有内容,已跳过")
    ]


def test_a_unit_item_with_too_many_joiners_is_kept_whole_and_never_hangs() -> None:
    name = "区局和" * 40 + "某某"  # every way of splitting it used to be tried: 2^40
    read = parse_responsibility(f"{name}负责")
    assert [u.name for u in read.units] == [name]


def test_a_unit_item_joined_by_he_is_still_split() -> None:
    read = parse_responsibility("区检察院和区法院按职责分工负责")
    assert [u.name for u in read.units] == ["区检察院", "区法院"]


# --- the classifier ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "kind", "label", "rest"),
    [
        ("", LineKind.BLANK, "", ""),
        ("•", LineKind.BULLET, "", ""),
        ("类别 | 1.任务 | 区法院 |", LineKind.TABLE_ROW, "", ""),
        ("附件2:任务分工表", LineKind.ATTACHMENT, "", ""),
        ("三、任务措施", LineKind.TOP_HEADING, "三", "任务措施"),
        ("(十二)加强执法", LineKind.SUB_HEADING, "十二", "加强执法"),
        ("一是加强组织领导。", LineKind.ORDINAL_ITEM, "一", "加强组织领导。"),
        ("12。加强执法", LineKind.NUMBERED, "12", "加强执法"),
        ("3、加强执法", LineKind.NUMBERED, "3", "加强执法"),
        ("2023年起实施", LineKind.TEXT, "", ""),
        ("责任单位:区法院", LineKind.RESPONSIBILITY, "", ""),
        ("加强执法,", LineKind.TEXT, "", ""),
    ],
)
def test_each_line_is_classified_from_its_text_alone(
    line: str, kind: LineKind, label: str, rest: str
) -> None:
    shape = classify(line)
    assert (shape.kind, shape.label, shape.rest) == (kind, label, rest)


# --- reading the end of a long item ----------------------------------------------------------


def test_the_tail_of_an_item_is_the_end_of_its_stripped_text() -> None:
    item = RawItem(kind=None, number=None, section=None, parts=["  甲乙", "\n丙丁  "])
    assert item.text == "甲乙\n丙丁"
    assert [item.tail(n) for n in (1, 2, 3, 10)] == ["丁", "丙丁", "\n丙丁", "甲乙\n丙丁"]
    assert not item.is_closed()
    item.parts.append("。")
    assert item.is_closed()
