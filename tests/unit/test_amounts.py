"""Indicator amounts: what is accepted, what is refused and why, and printing that never expands
a value (not even one stored before the bounds existed)."""

from __future__ import annotations

from decimal import Decimal
from importlib.resources import files

import pytest
from click.testing import CliRunner

from checklists import amounts
from checklists.catalog import Comparator, Indicator
from checklists.catalog_yaml import CatalogError, load_catalog
from checklists.indicators import extract_indicators
from workflow.cli import cli

# 1e999990 written out: what a value reported before the bounds left in the database.
MILLION_DIGITS = Decimal("1" + "0" * 999_990)


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("3600", "3600"),
        (" 3,700 ", "3700"),
        ("3,700", "3700"),
        ("6.8万", "68000"),
        ("1.2亿", "120000000"),
        ("-2.5", "-2.5"),
        ("8.250", "8.25"),
        (".5", "0.5"),
        ("３６００", "3600"),  # full-width digits, as a Chinese input method types them
        ("999999999999999", "999999999999999"),  # 15 digits: the largest whole amount
        ("0.000001", "0.000001"),  # 6 decimals: the finest
        ("123456789.123456", "123456789.123456"),  # 15 significant digits
        ("-0", "0"),
    ],
)
def test_amounts_are_read_as_people_type_them(typed: str, value: str) -> None:
    parsed = amounts.parse(typed)
    assert parsed == Decimal(value) and str(parsed) == value


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("1e999990", "科学计数法"),
        ("1e999999999", "科学计数法"),
        ("1E5", "科学计数法"),
        ("inf", "不是数字"),
        ("Infinity", "不是数字"),
        ("NaN", "不是数字"),
        ("1_000", "不是数字"),
        ("很多", "不是数字"),
        ("", "不是数字"),
        ("1000000000000000", "整数部分最多 15 位"),
        ("99999999999亿", "整数部分最多 15 位"),
        ("0.0000001", "最多 6 位小数"),
        ("1.1234567", "最多 6 位小数"),
        ("1234567890.123456", "有效数字过多"),
        ("1" * 101, "过长"),
    ],
)
def test_what_is_no_amount_is_refused_naming_the_field_and_the_text(typed: str, reason: str) -> None:
    with pytest.raises(amounts.AmountError) as refused:
        amounts.parse(typed, field="实际值")
    message = str(refused.value)
    assert message.startswith("实际值") and reason in message
    if len(typed) <= amounts.MAX_TEXT_LENGTH:
        assert f"“{typed}”" in message


def test_a_decimal_from_elsewhere_is_checked_against_the_same_bounds() -> None:
    assert amounts.check(Decimal("6.8E+4")) == Decimal(68000)
    assert str(amounts.check(Decimal("6.8E+4"))) == "68000"
    for wrong in (Decimal("1E+15"), Decimal("1E-7"), Decimal("NaN"), Decimal("-Infinity"), MILLION_DIGITS):
        with pytest.raises(amounts.AmountError):
            amounts.check(wrong)


def test_amounts_print_plain_and_go_to_json_exactly() -> None:
    assert amounts.plain(Decimal("3.6E+3")) == "3600"
    assert amounts.plain(Decimal("8.2500")) == "8.25"
    assert amounts.as_number(Decimal("3600.0")) == 3600 and isinstance(amounts.as_number(Decimal("3600.0")), int)
    # 15 significant digits survive a float: the JSON number reads back as the same decimal.
    assert repr(amounts.as_number(Decimal("123456789.123456"))) == "123456789.123456"
    assert repr(amounts.as_number(Decimal("-0.000001"))) == "-1e-06"


def test_values_stored_before_the_bounds_print_short_and_never_expand() -> None:
    assert amounts.plain(MILLION_DIGITS) == "1E+999990"
    assert amounts.plain(Decimal("1e999999999")) == "1E+999999999"
    assert amounts.plain(Decimal("1234567890123456789")) == "1.234567890123457E+18"
    assert amounts.plain(Decimal("NaN")) == "NaN"
    assert amounts.json_number(MILLION_DIGITS) is None  # JSON has no Infinity
    assert amounts.json_number(Decimal("-1e400")) is None
    assert amounts.json_number(Decimal("1234567890123456789")) == 1.234567890123457e18
    assert amounts.json_number(None) is None
    with pytest.raises(amounts.AmountError):
        amounts.as_number(MILLION_DIGITS)  # an amount is expected there: refused, not expanded


def test_the_cli_refuses_a_value_before_opening_anything() -> None:
    # No ZONECHECK_HOME and no database here: the parameter type answers first.
    result = CliRunner().invoke(cli, ["--as", "某人", "indicator", "report", "002", "1", "1e999990"])
    assert result.exit_code == 2
    assert "实际值 应为数值" in result.output and "科学计数法" in result.output
    result = CliRunner().invoke(cli, ["indicator", "report", "002", "1", "10000000000000000"])
    assert result.exit_code == 2 and "整数部分最多 15 位" in result.output


def test_the_parser_takes_no_target_beyond_the_bounds() -> None:
    huge = "1" * 5000
    found = extract_indicators(f"到2025年,全市有效发明专利拥有量达到{huge}件,商标注册量达到3600件。")
    assert [(i.metric, i.value) for i in found] == [("商标注册量", Decimal(3600))]
    assert extract_indicators("有效发明专利拥有量达到1000000000000000件。") == []


def test_a_catalog_target_keeps_its_digits_but_not_a_million_of_them() -> None:
    fields = {"text": "达到", "metric": "拥有量", "comparator": Comparator.GE}
    assert Indicator(**fields, value=Decimal("12345678901234567.5")).value == Decimal("12345678901234567.5")
    assert Indicator(**fields, value=Decimal("-" + "1" * 39)).value == Decimal("-" + "1" * 39)
    for wrong in ("1e999990", "-1e-999990", "1" * 41, "-" + "1" * 40, "0." + "0" * 38 + "1"):
        with pytest.raises(ValueError, match="目标值超出范围"):
            Indicator(**fields, value=Decimal(wrong))
    for wrong in ("Infinity", "NaN"):
        with pytest.raises(ValueError, match="finite"):
            Indicator(**fields, value=Decimal(wrong))


def test_a_catalog_file_with_a_huge_target_is_refused_naming_the_line() -> None:
    source = "002_6c8dfd04ca7988e4.yaml"
    text = (files("checklists.seeds") / source).read_text(encoding="utf-8")
    assert text.count("    value: 3600\n") == 1
    with pytest.raises(CatalogError) as refused:
        load_catalog(text.replace("    value: 3600\n", "    value: 1e999990\n"), source=source)
    line = text.split("    value: 3600\n")[0].count("\n") + 1
    assert f"{source}" in str(refused.value) and f"第 {line} 行" in str(refused.value)
    assert "目标值超出范围" in str(refused.value)
