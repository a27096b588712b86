"""`zonecheck export PLAN --format xlsx -o FILE`: the 工作台账 through the CLI, on both backends."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from reports.ledger import LEDGER_HEADERS

from .test_cli_errors import error_line, ok, run
from .test_cli_workflow import PLAN

LEAD = "张三"


@pytest.fixture
def plan(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The three-measure plan imported (key `plan`), measure 1 started; the working folder."""
    monkeypatch.delenv("ZONECHECK_USER", raising=False)
    ok("db", "upgrade")
    folder = cli_env.parent
    (folder / "plan.txt").write_text(PLAN, encoding="utf-8")
    ok("import", "plan.txt")
    ok("user", "add", "王主任", "--role", "admin")
    ok("--as", "王主任", "user", "add", LEAD, "--unit", "区市场监管局")
    ok("--as", LEAD, "start", "plan/1")
    return folder


def test_export_xlsx_writes_the_ledger_and_says_how_many_rows(plan: Path) -> None:
    result = ok("export", "plan", "--format", "xlsx", "-o", "台账.xlsx", "--today", "2026-01-15")
    # 1: 区市场监管局 and 区司法局; 2: 区市场监管局; 3: the unmapped group; safeguard: no unit.
    assert result.stdout.strip() == "已导出工作台账到 台账.xlsx(5 行)"
    wb = openpyxl.load_workbook(plan / "台账.xlsx")
    assert wb.sheetnames == ["工作台账", "指标", "说明"]
    ws = wb["工作台账"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert [(r["编号"], r["责任单位"], r["角色"]) for r in rows] == [
        ("1", "区市场监管局", "牵头"),
        ("1", "区司法局", "配合"),
        ("2", "区市场监管局", "牵头"),
        ("3", "区知识产权联席会议各成员单位", "牵头"),
        ("S1", "(未写明责任单位)", None),
    ]
    first = rows[0]
    assert (first["状态"], first["截止日期"], first["是否逾期"]) == (
        "推进中",
        dt.datetime(2025, 12, 31),
        "是",
    )
    assert first["逾期说明"] == "2025-12-31 到期,已逾期 15 天"
    assert (first["督办等级"], rows[1]["督办等级"]) == ("红·情况通报", "红·情况通报")
    assert rows[2]["是否逾期"] == "否" and rows[2]["督办等级"] is None  # 持续推进: never late
    escalation = LEDGER_HEADERS.index("督办等级") + 1
    assert ws.cell(row=2, column=escalation).fill.fgColor.rgb.endswith("FF7C80")  # red cell, 红 written too
    last_column = get_column_letter(len(LEDGER_HEADERS))
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:{last_column}6"


def test_export_xlsx_without_an_output_file_is_refused(plan: Path) -> None:
    result = run("export", "plan", "--format", "xlsx")
    error_line(result, "导出 xlsx 需要用 -o 指定输出文件", code=2)
    assert result.stdout == ""
    assert not list(plan.glob("*.xlsx"))


def test_export_xlsx_into_a_missing_folder_names_the_folder(plan: Path) -> None:
    result = run("export", "plan", "--format", "xlsx", "-o", "没有的文件夹/台账.xlsx")
    error_line(result, "输出文件夹不存在", "没有的文件夹", code=2)
    assert not (plan / "没有的文件夹").exists()


def test_export_help_shows_the_xlsx_example(plan: Path) -> None:
    shown = ok("export", "--help").stdout
    assert "xlsx" in shown and "zonecheck export 003 --format xlsx -o 工作台账.xlsx" in shown
