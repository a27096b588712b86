"""The 验收汇总表 as an XLSX workbook: the index system's scores and the measures at a glance.

Sheets: 指标评分 (one row per indicator: code, name, level, points, the self score, each
expert's mark, the panel's consolidated score, met or not; then the totals per level, bonus,
total, veto and grade), 措施 (one row per measure: ref, units, state, due date, evidence
count) and 说明 (plan, index system, date). Numbers are numbers and dates are dates, so the
office can sum and filter in Excel.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from reports.data import ReportMeasure, ReportPlan, plan_report
from reports.score_data import ReportScores, required_scores
from workflow.models import Plan

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
THIN = Side(style="thin", color="BFBFBF")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
DATE_FORMAT = "yyyy-mm-dd"

SCORE_SHEET = "指标评分"
MEASURE_SHEET = "措施"
ABOUT_SHEET = "说明"
MEASURE_HEADERS = ("编号", "措施", "章节", "责任单位", "状态", "截止日期", "佐证材料数")


@dataclass(frozen=True)
class SummaryReport:
    plan: ReportPlan
    today: dt.date
    scores: ReportScores
    measures: list[ReportMeasure]


def summary_report(session: Session, plan: Plan, *, today: dt.date, office: str | None = None) -> SummaryReport:
    """The 验收汇总表's data; InputError (`no_index`) when the plan has no index system."""
    scores = required_scores(session, plan)
    report = plan_report(session, plan, today=today, office=office)
    return SummaryReport(report.plan, today, scores, report.measures)


def score_headers(scores: ReportScores) -> list[str]:
    return (
        ["编号", "指标名称", "级别", "类型", "分值", "自评分", "自评达标"]
        + [f"专家:{name}" for name in scores.experts]
        + ["专家合议分", "合议达标"]
    )


def _number(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _mark(text: str) -> Any:
    """An expert's mark as a cell: a number when it is one, else 达标/不达标."""
    try:
        return _number(Decimal(text))
    except ArithmeticError:
        return text


def _write_rows(sheet: Any, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = GRID
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in rows:
        sheet.append(list(row))
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.border = GRID
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            if isinstance(cell.value, dt.date):
                cell.number_format = DATE_FORMAT
    sheet.freeze_panes = "A2"


def _widths(sheet: Any, widths: Sequence[int]) -> None:
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width


def summary_workbook(report: SummaryReport) -> bytes:
    """The workbook's bytes (written whole by the caller)."""
    scores = report.scores
    book = Workbook()
    sheet = book.active
    sheet.title = SCORE_SHEET
    rows: list[list[Any]] = []
    for s in scores.lines:
        rows.append(
            [s.code, s.name + ("(加分项)" if s.bonus else "") + ("(一票否决)" if s.veto else ""), s.level_name, s.kind,
             _number(s.points_value), _number(s.self_value), s.self_met]
            + [_mark(s.expert_marks[name]) if name in s.expert_marks else None for name in scores.experts]
            + [_number(s.panel_value), s.panel_met]
        )
    headers = score_headers(scores)
    _write_rows(sheet, headers, rows)
    _widths(sheet, [8, 40, 6, 6, 7, 8, 9] + [10] * len(scores.experts) + [11, 9])
    # Totals below the table, self in the 自评分 column and the panel's in 专家合议分.
    self_col = headers.index("自评分") + 1
    panel_col = headers.index("专家合议分") + 1
    panel = scores.panel
    totals: list[tuple[str, Any, Any]] = []
    for i, (level, value) in enumerate(scores.own.by_level):
        totals.append((f"{level}指标合计", _mark(value), _mark(panel.by_level[i][1]) if panel else None))
    totals += [
        ("基本分", _mark(scores.own.base), _mark(panel.base) if panel else None),
        ("加分", _mark(scores.own.bonus), _mark(panel.bonus) if panel else None),
        ("总分", _mark(scores.own.total), _mark(panel.total) if panel else None),
        ("一票否决", "、".join(scores.own.vetoed) or "无", ("、".join(panel.vetoed) or "无") if panel else None),
        ("未评指标", scores.own.unscored, panel.unscored if panel else None),
        ("等次", scores.own.grade, panel.grade if panel else None),
    ]
    start = sheet.max_row + 2
    for offset, (label, own, theirs) in enumerate(totals):
        row = start + offset
        sheet.cell(row=row, column=2, value=label).font = Font(bold=True)
        sheet.cell(row=row, column=self_col, value=own)
        sheet.cell(row=row, column=panel_col, value=theirs)
        for col in (2, self_col, panel_col):
            sheet.cell(row=row, column=col).fill = TOTAL_FILL
            sheet.cell(row=row, column=col).border = GRID

    measures = book.create_sheet(MEASURE_SHEET)
    _write_rows(
        measures,
        MEASURE_HEADERS,
        [
            [m.ref, m.title, m.section or "", "、".join(m.unit_names), m.state_label, m.deadline.due, len(m.evidence_current)]
            for m in report.measures
        ],
    )
    _widths(measures, [7, 50, 24, 30, 8, 11, 10])

    about = book.create_sheet(ABOUT_SHEET)
    plan = report.plan
    about_rows: list[tuple[str, Any]] = [
        ("方案", plan.title),
        ("方案文号", plan.doc_number),
        ("评价指标体系", scores.name),
        ("满分", _mark(scores.total)),
        ("加分上限", _mark(scores.bonus_total)),
        ("专家评分汇总方式", scores.consolidation),
        ("评审轮次", scores.round),
        ("等次", scores.grade),
        ("统计日期", report.today),
        ("审核机关", plan.office),
    ]
    for label, value in about_rows:
        about.append([label, value])
    about["B9"].number_format = DATE_FORMAT
    _widths(about, [16, 60])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
