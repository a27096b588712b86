"""Catalog ⇄ YAML: seeds survive a round trip, and an office's edits are read or refused clearly.

No database. Error cases edit a dumped seed catalog as text, the way an office would, and
check that the message names the file, the 1-based line of the edit and the field path.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from checklists.catalog import Catalog, EvidenceKind
from checklists.catalog_yaml import HEADER, CatalogError, dump_catalog, load_catalog
from checklists.parser import parse_document

SEED_PREFIXES = ["000", "001", "002", "003", "004"]
SOURCE = "x.yaml"


@pytest.fixture(scope="module")
def parsed(seeds_dir: Path) -> Callable[[str], Catalog]:
    """Parse a seed (by its number prefix) once per module."""
    cache: dict[str, Catalog] = {}

    def get(prefix: str) -> Catalog:
        if prefix not in cache:
            paths = sorted(seeds_dir.glob(f"{prefix}_*.txt"))
            if not paths:
                pytest.skip(f"seed {prefix} not found in {seeds_dir}")
            text = paths[0].read_text(encoding="utf-8")
            cache[prefix] = parse_document(text, source_name=paths[0].name)
        return cache[prefix]

    return get


@pytest.fixture(scope="module")
def wuhan_lines(parsed: Callable[[str], Catalog]) -> list[str]:
    """The dumped catalog of seed 000 (70 measures with units and deadlines), as lines."""
    return dump_catalog(parsed("000")).splitlines()


# --- text editing helpers --------------------------------------------------------------------


def top_key_index(lines: list[str], key: str) -> int:
    return lines.index(f"{key}:")


def entry_index(lines: list[str], key: str, n: int) -> int:
    """Index of the line that starts the n-th (0-based) entry of the top-level list `key`."""
    found = -1
    for i in range(top_key_index(lines, key) + 1, len(lines)):
        line = lines[i]
        if line and not line.startswith(" "):
            break  # the next top-level key
        if line.startswith("  - "):
            found += 1
            if found == n:
                return i
    raise AssertionError(f"{key} has no entry {n}")


def entry_end(lines: list[str], start: int) -> int:
    """Index just past the entry that starts at `start`."""
    for i in range(start + 1, len(lines)):
        if lines[i].startswith("  - ") or (lines[i] and not lines[i].startswith(" ")):
            return i
    return len(lines)


def field_index(lines: list[str], start: int, prefix: str) -> int:
    """Index of the first line inside the entry at `start` whose stripped text starts with prefix."""
    for i in range(start, entry_end(lines, start)):
        if lines[i].lstrip(" -").startswith(prefix):
            return i
    raise AssertionError(f"no {prefix!r} in entry at line {start + 1}")


def load_lines(lines: list[str]) -> Catalog:
    return load_catalog("\n".join(lines) + "\n", source=SOURCE)


def load_error(lines: list[str]) -> str:
    with pytest.raises(CatalogError) as info:
        load_lines(lines)
    return str(info.value)


def has_chinese(text: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", text) is not None


# --- round trip ------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", SEED_PREFIXES)
def test_each_seed_catalog_is_equal_after_dump_and_load(
    parsed: Callable[[str], Catalog], prefix: str
) -> None:
    catalog = parsed(prefix)
    assert load_catalog(dump_catalog(catalog), source=SOURCE) == catalog


@pytest.mark.parametrize("prefix", SEED_PREFIXES)
def test_dumping_a_reloaded_seed_catalog_gives_the_same_yaml(
    parsed: Callable[[str], Catalog], prefix: str
) -> None:
    text = dump_catalog(parsed(prefix))
    assert dump_catalog(load_catalog(text, source=SOURCE)) == text


def test_decimal_indicator_values_survive_the_round_trip_exactly(
    parsed: Callable[[str], Catalog],
) -> None:
    catalog = parsed("002")
    values = {i.value for i in catalog.indicators}
    assert {Decimal("8.2"), Decimal("3500000000")} <= values
    text = dump_catalog(catalog)
    assert re.search(r"^\s+value: 8\.2$", text, re.MULTILINE)
    assert re.search(r"^\s+value: 3500000000$", text, re.MULTILINE)

    reloaded = load_catalog(text, source=SOURCE)
    reloaded_values = [i.value for i in reloaded.indicators]
    assert Decimal("8.2") in reloaded_values
    assert Decimal("3500000000") in reloaded_values
    for value in reloaded_values:
        assert isinstance(value, Decimal)
    small = next(v for v in reloaded_values if v == Decimal("8.2"))
    assert str(small) == "8.2"  # not 8.199999999999999289...
    big = next(v for v in reloaded_values if v == Decimal("3500000000"))
    assert big == big.to_integral_value() and str(big) == "3500000000"


def test_a_value_with_more_digits_than_a_float_holds_keeps_every_digit(
    parsed: Callable[[str], Catalog],
) -> None:
    catalog = parsed("002")
    catalog.indicators[0] = catalog.indicators[0].model_copy(
        update={"value": Decimal("12345678901234567.5")}
    )
    reloaded = load_catalog(dump_catalog(catalog), source=SOURCE)
    assert reloaded.indicators[0].value == Decimal("12345678901234567.5")


def test_dates_are_still_dates_after_the_round_trip(parsed: Callable[[str], Catalog]) -> None:
    # 000: signature date and fixed deadlines; 003: phases with start and end dates.
    for prefix in ("000", "002", "003"):
        catalog = load_catalog(dump_catalog(parsed(prefix)), source=SOURCE)
        dates: list[object] = [catalog.plan.issued_on]
        dates += [m.deadline.due for m in catalog.measures if m.deadline.due]
        dates += [p.start for p in catalog.phases if p.start] + [p.end for p in catalog.phases if p.end]
        dates += [i.due for i in catalog.indicators if i.due]
        assert len(dates) > 1, prefix
        for value in dates:
            assert type(value) is dt.date, (prefix, value)  # not datetime, not str
    wuhan = load_catalog(dump_catalog(parsed("000")), source=SOURCE)
    assert wuhan.plan.issued_on == dt.date(2024, 1, 31)
    assert wuhan.measure("3").deadline.due == dt.date(2025, 12, 31)


# --- what the YAML looks like ----------------------------------------------------------------


@pytest.mark.parametrize("prefix", SEED_PREFIXES)
def test_dumped_yaml_is_readable_chinese_without_escapes(
    parsed: Callable[[str], Catalog], prefix: str
) -> None:
    catalog = parsed(prefix)
    text = dump_catalog(catalog)
    assert "\\u" not in text and "\\x" not in text and "\\U" not in text
    assert catalog.plan.title in text
    assert f"title: {catalog.measures[0].title}" in text
    assert catalog.measures[0].text in text  # one line per text, not folded


def test_dumped_yaml_starts_with_the_header_comment(parsed: Callable[[str], Catalog]) -> None:
    text = dump_catalog(parsed("004"))
    assert text.startswith(HEADER)
    header_lines = HEADER.splitlines()
    assert header_lines and all(line.startswith("# ") for line in header_lines)
    assert "zonecheck import" in HEADER
    assert text.splitlines()[len(header_lines)] == "format: 1"


@pytest.mark.parametrize("prefix", SEED_PREFIXES)
def test_dumped_yaml_omits_default_checklist_fields_and_empty_deadlines(
    parsed: Callable[[str], Catalog], prefix: str
) -> None:
    catalog = parsed(prefix)
    assert all(
        c.evidence_kinds == [EvidenceKind.FILE] and c.min_evidence == 1
        for m in catalog.measures
        for c in m.checklist
    )
    assert any(m.checklist for m in catalog.measures)
    text = dump_catalog(catalog)
    assert "evidence_kinds:" not in text.replace(HEADER, "")
    assert "min_evidence:" not in text.replace(HEADER, "")
    assert "null" not in text
    with_deadline = sum(1 for m in catalog.measures if m.deadline.kind.value != "none")
    assert text.count("\n    deadline:\n") == with_deadline


# --- schema errors in an edited catalog ------------------------------------------------------

# Each edit takes the dumped lines of seed 000 and returns (edited lines, 1-based line of the
# error). Measure index 3 is measure number 4, which has a lead unit and a fixed deadline.

Edit = Callable[[list[str]], tuple[list[str], int]]


def _bad_due_date(lines: list[str]) -> tuple[list[str], int]:
    i = field_index(lines, entry_index(lines, "measures", 3), "due:")
    lines[i] = re.sub(r"due: \S+", "due: 2025-13-45", lines[i])
    return lines, i + 1


def _unknown_field(lines: list[str]) -> tuple[list[str], int]:
    i = field_index(lines, entry_index(lines, "measures", 3), "title:")
    lines.insert(i + 1, "    titel: 错别字段")
    return lines, i + 2


def _bad_role(lines: list[str]) -> tuple[list[str], int]:
    i = field_index(lines, entry_index(lines, "measures", 3), "role:")
    lines[i] = lines[i].replace("role: lead", "role: boss")
    assert "boss" in lines[i]
    return lines, i + 1


def _title_removed(lines: list[str]) -> tuple[list[str], int]:
    start = entry_index(lines, "measures", 3)
    del lines[field_index(lines, start, "title:")]
    return lines, start + 1  # the measure the field is missing from


def _negative_min_evidence(lines: list[str]) -> tuple[list[str], int]:
    i = field_index(lines, entry_index(lines, "measures", 3), "checklist:") + 1
    assert lines[i].startswith("      - text: ")  # the first checklist item
    lines.insert(i + 1, "        min_evidence: -1")
    return lines, i + 2


def _duplicate_number(lines: list[str]) -> tuple[list[str], int]:
    i = field_index(lines, entry_index(lines, "measures", 4), "number:")
    lines[i] = "    number: '4'"  # measure index 3 already is number 4
    return lines, i + 1


def _missing_section(lines: list[str]) -> tuple[list[str], int]:
    i = field_index(lines, entry_index(lines, "measures", 3), "section:")
    lines[i] = "    section: '99'"
    return lines, i + 1


SCHEMA_ERRORS = [
    pytest.param(
        _bad_due_date,
        "measures.3.deadline.due",
        "日期",
        id="invalid-due-date",
    ),
    pytest.param(_unknown_field, "measures.3.titel", "不认识的字段", id="unknown-field"),
    pytest.param(_bad_role, "measures.3.units.0.role", "boss", id="unknown-unit-role"),
    pytest.param(_title_removed, "measures.3.title", "缺少必填字段", id="title-removed"),
    pytest.param(
        _negative_min_evidence,
        "measures.3.checklist.0.min_evidence",
        "不能小于 0",
        id="negative-min-evidence",
    ),
    pytest.param(
        _duplicate_number,
        "measures.4.number",
        "重复",
        id="duplicate-measure-number",
    ),
    pytest.param(
        _missing_section,
        "measures.3.section",
        "不存在",
        id="missing-section",
    ),
]


@pytest.mark.parametrize(("edit", "field", "words"), SCHEMA_ERRORS)
def test_a_schema_error_names_the_file_the_line_and_the_field_in_chinese(
    wuhan_lines: list[str], edit: Edit, field: str, words: str
) -> None:
    lines, line_no = edit(list(wuhan_lines))
    message = load_error(lines)
    assert SOURCE in message
    assert f"第 {line_no} 行" in message, message
    assert field in message, message
    assert words in message, message
    assert has_chinese(message.replace(words, ""))
    assert "Traceback" not in message and "pydantic" not in message.lower()


def test_each_schema_error_is_one_line_when_the_catalog_has_one_mistake(
    wuhan_lines: list[str],
) -> None:
    lines, _ = _bad_role(list(wuhan_lines))
    assert len(load_error(lines).splitlines()) == 1


def test_two_mistakes_are_reported_together_each_with_its_own_line(
    wuhan_lines: list[str],
) -> None:
    lines, role_line = _bad_role(list(wuhan_lines))
    lines, titel_line = _unknown_field(lines)  # inserted above the role line
    message = load_error(lines)
    assert len(message.splitlines()) == 2
    assert f"第 {titel_line} 行" in message and "measures.3.titel" in message
    assert f"第 {role_line + 1} 行" in message and "measures.3.units.0.role" in message


def test_an_unedited_dump_of_the_same_seed_still_loads(wuhan_lines: list[str]) -> None:
    # Guards the error tests above: they fail because of the edit, not the fixture.
    assert len(load_lines(list(wuhan_lines)).measures) == 70


# --- broken YAML -------------------------------------------------------------------------------


def test_bad_indentation_is_a_yaml_error_on_the_indented_line(wuhan_lines: list[str]) -> None:
    lines = list(wuhan_lines)
    i = field_index(lines, entry_index(lines, "measures", 3), "number:")
    lines[i] = "   " + lines[i].lstrip()  # three spaces instead of four
    message = load_error(lines)
    assert SOURCE in message
    assert "YAML 格式错误" in message
    assert f"第 {i + 1} 行" in message, message


@pytest.mark.parametrize("quote", ['"', "'"])
def test_an_unclosed_quote_is_a_yaml_error_with_a_line(wuhan_lines: list[str], quote: str) -> None:
    lines = list(wuhan_lines)
    i = field_index(lines, entry_index(lines, "measures", 3), "title:")
    lines[i] = lines[i].replace("title: ", f"title: {quote}")
    message = load_error(lines)
    assert SOURCE in message
    assert "YAML 格式错误" in message
    assert re.search(r"第 \d+ 行", message), message


def test_an_unclosed_double_quote_is_reported_on_the_line_where_it_opens(
    wuhan_lines: list[str],
) -> None:
    lines = list(wuhan_lines)
    i = field_index(lines, entry_index(lines, "measures", 3), "title:")
    lines[i] = lines[i].replace("title: ", 'title: "')
    message = load_error(lines)
    assert f"第 {i + 1} 行" in message, message


def test_a_top_level_list_is_not_a_catalog() -> None:
    with pytest.raises(CatalogError) as info:
        load_catalog("- plan: x\n- measures: []\n", source=SOURCE)
    message = str(info.value)
    assert SOURCE in message and "不是方案目录文件" in message


@pytest.mark.parametrize("text", ["", "# 只有注释\n", "就是一句话\n"], ids=["empty", "comment", "scalar"])
def test_a_yaml_document_without_a_mapping_is_not_a_catalog(text: str) -> None:
    with pytest.raises(CatalogError, match="不是方案目录文件"):
        load_catalog(text, source=SOURCE)


def test_a_mapping_without_plan_names_the_missing_field() -> None:
    with pytest.raises(CatalogError) as info:
        load_catalog("format: 1\nmeasures: []\n", source=SOURCE)
    message = str(info.value)
    assert SOURCE in message and "plan" in message and "缺少必填字段" in message


# --- office edits ------------------------------------------------------------------------------


def test_a_checklist_item_added_by_the_office_is_loaded_with_its_evidence_rules(
    wuhan_lines: list[str],
) -> None:
    lines = list(wuhan_lines)
    start = entry_index(lines, "measures", 3)
    i = field_index(lines, start, "lines:")  # the checklist ends just above
    lines[i:i] = [
        "      - text: 提供专项工作台账链接和情况说明",
        "        evidence_kinds: [link, note]",
        "        min_evidence: 2",
    ]
    catalog = load_lines(lines)
    items = catalog.measure("4").checklist
    assert items[-1].text == "提供专项工作台账链接和情况说明"
    assert items[-1].evidence_kinds == [EvidenceKind.LINK, EvidenceKind.NOTE]
    assert items[-1].min_evidence == 2
    assert len(items) == len(load_lines(list(wuhan_lines)).measure("4").checklist) + 1

    again = dump_catalog(catalog)  # non-default evidence rules are written back, not dropped
    assert "min_evidence: 2" in again
    assert load_catalog(again, source=SOURCE) == catalog


def test_an_office_comment_in_the_catalog_is_ignored(wuhan_lines: list[str]) -> None:
    lines = list(wuhan_lines)
    i = field_index(lines, entry_index(lines, "measures", 3), "title:")
    lines.insert(i, "    # 办公室意见:标题保持原文")
    assert load_lines(lines) == load_lines(list(wuhan_lines))
