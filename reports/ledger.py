"""The work ledger (工作台账) as an XLSX workbook: one row per measure and responsible unit.

The office keeps its 台账 in Excel, so the cells hold what Excel can sort and filter on: real
dates (`yyyy-mm-dd`), real numbers, 是/否 flags. The sheets are 工作台账 (the ledger), 指标 (the
plan's numeric targets and the latest reported values) and 说明 (plan, date, counts).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from checklists.kinds import UnitRole
from reports.output import atomic_output, check_output, write_failed
from workflow.clock import office_now, office_zone
from workflow.db import UnitOfWork
from workflow.domain.escalation import Colour, Escalation
from workflow.domain.permissions import Actor
from workflow.domain.states import DISPLAY_LABELS, MeasureState
from workflow.models import Plan, Section
from workflow.read.indicators import IndicatorLine
from workflow.read.measures import MeasureWork, current_works
from workflow.read.plans import plan_by_id
from workflow.read.progress import NO_UNIT, MeasureRow, PlanProgress, plan_progress
from workflow.services.acting import plan_target, run_read

DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "yyyy-mm-dd hh:mm"

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
OVERDUE_FILL = PatternFill("solid", fgColor="FFC7CE")
# 三色督办 cells: the label (红·情况通报 …) is written too, so print in black and white reads.
COLOUR_FILLS = {
    Colour.RED: PatternFill("solid", fgColor="FF7C80"),
    Colour.YELLOW: PatternFill("solid", fgColor="FFEB84"),
    Colour.BLUE: PatternFill("solid", fgColor="9BC2E6"),
}
THIN = Side(style="thin", color="BFBFBF")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)

# Long texts wrap within these widths (in Excel's character units, a CJK character counting 2).
MAX_WIDTH = 60
WRAP_WIDTHS = {"章节": 30, "措施": 40, "逾期说明": 36, "审核结论": 28, "审核意见": 36}


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    kind: str = "text"  # text | date | number


LEDGER_COLUMNS: tuple[Column, ...] = (
    Column("章节", "section"),
    Column("编号", "ref"),
    Column("措施", "title"),
    Column("责任单位", "unit"),
    Column("角色", "role"),
    Column("本单位部分", "part"),
    Column("时限", "deadline"),
    Column("截止日期", "due_on", "date"),
    Column("状态", "state"),
    Column("是否逾期", "overdue"),
    Column("逾期说明", "overdue_text"),
    Column("督办等级", "escalation"),
    Column("整改期限", "rectification_due", "date"),
    # 延期: the date as first set and the one it now reads, when an extension was approved.
    Column("原定期限", "original_due", "date"),
    Column("延期至", "extended_to", "date"),
    Column("延期次数", "extensions", "number"),
    Column("佐证材料数", "evidence", "number"),
    Column("本单位提交数", "unit_evidence", "number"),
    Column("自查轮次", "rounds", "number"),
    Column("审核结论", "verdict"),
    Column("审核意见", "comment"),
    Column("评分", "score", "number"),
)
LEDGER_HEADERS = tuple(c.header for c in LEDGER_COLUMNS)

INDICATOR_COLUMNS: tuple[Column, ...] = (
    Column("序号", "position", "number"),
    Column("指标", "metric"),
    Column("要求", "comparator"),
    Column("目标", "target", "number"),
    Column("目标上限", "target_max", "number"),
    Column("单位", "unit"),
    Column("实际值", "reported", "number"),
    Column("截至", "as_of", "date"),
    Column("是否达标", "met"),
    Column("原文", "text"),
)
COMPARATOR_LABELS = {"=": "达到", ">=": "不低于", "<=": "不超过", "range": "区间"}


@dataclass(frozen=True)
class LedgerRow:
    """One line of the ledger: a measure as one responsible unit carries it."""

    section: str
    ref: str
    title: str
    unit: str
    role: str  # 牵头 / 配合 / "" (no unit named)
    part: str  # 已完成 / 未完成 / 未指定成员单位 / ""
    deadline: str
    due_on: dt.date | None
    state: str
    overdue: str  # 是 / 否
    overdue_text: str
    escalation: str  # 红·情况通报 / 黄·到期催办 / 蓝·临近提醒 / "" (this unit's part)
    rectification_due: dt.date | None
    original_due: dt.date | None
    extended_to: dt.date | None
    extensions: int
    evidence: int
    unit_evidence: int
    rounds: int
    verdict: str
    comment: str
    score: int | None

    @property
    def is_overdue(self) -> bool:
        return self.overdue == "是"

    @property
    def colour(self) -> Colour:
        return _COLOUR_OF_LABEL.get(self.escalation[:1], Colour.NONE)


@dataclass(frozen=True)
class LedgerSummary:
    path: Path
    rows: int
    measures: int
    overdue_measures: int


_COLOUR_OF_LABEL = {c.label: c for c in (Colour.RED, Colour.YELLOW, Colour.BLUE)}


def _escalation_text(esc: Escalation) -> str:
    return f"{esc.colour.label}·{esc.stage.label}" if esc.colour is not Colour.NONE else ""


def _verdict(work: MeasureWork) -> tuple[str, str, int | None]:
    """The most recent verdict on the measure, its comment and score."""
    decided = next((sc for sc in reversed(work.self_checks) if sc.reviews), None)
    if decided is None:
        return "", "", None
    review = decided.reviews[-1]
    text = f"{review.level_name}:{review.verdict_label}"
    if decided.round != work.self_checks[-1].round:
        # A resubmission waits for review: the verdict shown is the previous round's.
        text += f"(第 {decided.round} 轮)"
    return text, review.comment, review.score


def _extension(work: MeasureWork) -> dict[str, Any]:
    """原定期限 and 延期至 of the date an extension moved (the due date's first, else the
    rectification date's), and the count of approved extensions."""
    original: dt.date | None = None
    now: dt.date | None = None
    if work.original_due is not None:
        original, now = work.original_due, work.deadline.due
    elif work.original_rectification_due is not None and work.rectification_due is not None:
        original, now = work.original_rectification_due, work.rectification_due
    return {"original_due": original, "extended_to": now, "extensions": work.extension_count}


def _group_role(work: MeasureWork, group_name: str) -> str:
    """An unmapped group's role: as written, and leading when groups alone are named."""
    line = next((u for u in work.units if u.name == group_name), None)
    if line is not None and line.role == UnitRole.LEAD.value:
        return "牵头"
    return "配合" if any(u.role == UnitRole.LEAD.value for u in work.units) else "牵头"


def measure_ledger_rows(work: MeasureWork, progress_row: MeasureRow) -> list[LedgerRow]:
    """The ledger's lines of one measure: one per responsible unit (groups expanded to their
    mapped members, an unmapped group on a line of its own), lead units first."""
    current = [e for e in work.evidence if e.current]
    by_unit = Counter(e.unit for e in current if e.unit is not None)
    verdict, comment, score = _verdict(work)
    late = progress_row.overdue
    colours = {part.unit: part.escalation for part in progress_row.unit_escalations}
    whole = _escalation_text(progress_row.escalation)
    common: dict[str, Any] = {
        "section": progress_row.section or "",
        "ref": work.ref,
        "title": work.title,
        "deadline": work.deadline.text,
        "due_on": work.deadline.due,
        "state": progress_row.state_label,
        "overdue": "是" if late else "否",
        "overdue_text": ";".join(o.text for o in late),
        "rectification_due": work.rectification_due if work.state == MeasureState.IN_PROGRESS.value else None,
        **_extension(work),
        "evidence": len(current),
        "rounds": work.self_checks[-1].round if work.self_checks else 0,
        "verdict": verdict,
        "comment": comment,
        "score": score,
    }
    rows = [
        LedgerRow(
            unit=unit.name,
            role="牵头" if unit.lead else "配合",
            part="已完成" if unit.done else "未完成",
            unit_evidence=by_unit.get(unit.name, 0),
            escalation=_escalation_text(colours[unit.name]) if unit.name in colours else whole,
            **common,
        )
        for unit in work.responsible
    ]
    rows += [
        LedgerRow(
            unit=name, role=_group_role(work, name), part="未指定成员单位", unit_evidence=0, escalation=whole, **common
        )
        for name in work.unmapped_groups
    ]
    if not rows:
        return [LedgerRow(unit=NO_UNIT, role="", part="", unit_evidence=0, escalation=whole, **common)]
    # Lead units first, each group in the document's order.
    return sorted(rows, key=lambda r: r.role != "牵头")


def load_progress(session: Session, plan: Plan, today: dt.date) -> PlanProgress:
    """The plan's progress on `today`, its section titles read in one query, not one per parent."""
    session.scalars(select(Section).where(Section.plan_id == plan.id)).all()
    return plan_progress(session, plan, today)


def ledger_rows(session: Session, plan: Plan, progress: PlanProgress) -> list[LedgerRow]:
    """The ledger's rows in document order, read in a fixed number of queries."""
    by_ref = {row.ref: row for row in progress.rows}
    rows: list[LedgerRow] = []
    for work in current_works(session, plan):
        rows += measure_ledger_rows(work, by_ref[work.ref])
    return rows


# ------------------------------------------------------------------------------- workbook


def display_width(value: object) -> int:
    """Columns a value takes in Excel: East Asian wide characters count two."""
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    text = str(value)
    longest = max(text.splitlines() or [""], key=len)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in longest)


def _write_table(
    ws: Any,
    columns: Sequence[Column],
    records: Sequence[Any],
    *,
    highlight: Sequence[bool] = (),
    colours: Sequence[Colour] = (),
) -> None:
    """Header row, data rows, widths, frozen header, filters and print set-up on `ws`."""
    ws.append([c.header for c in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = GRID
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    widths = [display_width(c.header) for c in columns]
    for n, record in enumerate(records, start=2):
        values = [
            getattr(record, c.key) if not isinstance(record, dict) else record.get(c.key)
            for c in columns
        ]
        ws.append(values)
        red = n - 2 < len(highlight) and highlight[n - 2]
        for i, (column, cell) in enumerate(zip(columns, ws[n], strict=True)):
            cell.border = GRID
            wrap = column.header in WRAP_WIDTHS
            cell.alignment = Alignment(vertical="top", wrap_text=wrap)
            if column.kind == "date":
                cell.number_format = DATE_FORMAT
            if red:
                cell.fill = OVERDUE_FILL
            if column.key == "escalation" and n - 2 < len(colours) and colours[n - 2] in COLOUR_FILLS:
                cell.fill = COLOUR_FILLS[colours[n - 2]]
            widths[i] = max(widths[i], display_width(cell.value))
    for i, column in enumerate(columns):
        cap = WRAP_WIDTHS.get(column.header, MAX_WIDTH)
        ws.column_dimensions[get_column_letter(i + 1)].width = min(max(widths[i] + 2, 6), cap)
    last = f"{get_column_letter(len(columns))}{len(records) + 1}"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{last}"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _indicator_records(indicators: list[IndicatorLine]) -> list[dict[str, Any]]:
    return [
        {
            **ind.as_dict(),
            "comparator": COMPARATOR_LABELS.get(ind.comparator, ind.comparator),
            "as_of": ind.as_of,
            "met": {True: "是", False: "否", None: "未填报"}[ind.met],
        }
        for ind in indicators
    ]


def build_ledger(
    session: Session, plan: Plan, *, today: dt.date, now: dt.datetime | None = None
) -> tuple[Workbook, list[LedgerRow]]:
    """The workbook of `plan` on `today`, and the ledger rows it holds."""
    now = (now or office_now()).astimezone(office_zone())
    progress = load_progress(session, plan, today)
    rows = ledger_rows(session, plan, progress)
    wb = Workbook()
    ws = wb.active
    ws.title = "工作台账"
    _write_table(ws, LEDGER_COLUMNS, rows, highlight=[r.is_overdue for r in rows], colours=[r.colour for r in rows])

    indicators = wb.create_sheet("指标")
    records = _indicator_records(progress.indicators)
    _write_table(
        indicators, INDICATOR_COLUMNS, records, highlight=[r["met"] == "否" for r in records]
    )

    states = Counter(r.state_label for r in progress.rows)
    info = wb.create_sheet("说明")
    facts: list[tuple[str, Any]] = [
        ("方案", plan.title),
        ("文号", plan.doc_number),
        ("印发单位", plan.issuer),
        ("方案编号", plan.key),
        ("统计日期", today),
        ("生成时间(北京时间)", now.replace(tzinfo=None, microsecond=0)),
        ("措施数", len(progress.rows)),
        ("台账行数", len(rows)),
        *[(f"状态:{label}", states.get(label, 0)) for label in _state_order()],
        ("逾期措施数", sum(1 for r in progress.rows if r.overdue)),
        ("平均评分(通过)", progress.average_score),
        ("说明", "每行为一项措施的一个责任单位;单位群体已按办公室指定的成员单位展开,"
                 "未指定成员的群体单列一行。佐证材料数为现行材料(未被替换、未删除)。"
                 "逾期行以浅红色标出。督办等级为本单位部分的三色督办(红:逾期,情况通报;"
                 "黄:进度滞后,到期催办;蓝:临近期限,临近提醒),单元格按颜色标出并写明等级。"),
    ]
    for label, value in facts:
        info.append([label, value])
    for (label_cell, value_cell) in info.iter_rows(min_row=1, max_row=info.max_row):
        label_cell.font = Font(bold=True)
        label_cell.fill = HEADER_FILL
        value_cell.alignment = Alignment(vertical="top", wrap_text=True)
        if isinstance(value_cell.value, dt.datetime):
            value_cell.number_format = TIME_FORMAT
        elif isinstance(value_cell.value, dt.date):
            value_cell.number_format = DATE_FORMAT
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 80
    return wb, rows


def _state_order() -> list[str]:
    return list(DISPLAY_LABELS.values())


def save_atomically(wb: Workbook, path: Path) -> None:
    """Save beside the target, then rename: a failure never leaves half a workbook behind."""
    with atomic_output(path) as out:
        try:
            wb.save(out)
        except OSError as exc:
            raise write_failed(path, exc) from None


def write_ledger(
    uow: UnitOfWork,
    viewer: Actor | None,
    plan_id: int,
    out_path: Path,
    *,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> LedgerSummary:
    """Write plan `plan_id`'s 工作台账 to `out_path` (XLSX), if `viewer` may see the plan (else
    NotFound, audited; None: the operator); `today` decides what is overdue."""
    now = now or office_now()
    today = today or now.astimezone(office_zone()).date()
    out_path = Path(out_path)
    check_output(out_path)  # before reading anything: a typo fails at once
    def read(session: Session) -> tuple[Workbook, list[LedgerRow]]:
        return build_ledger(session, plan_by_id(session, viewer, plan_id), today=today, now=now)

    wb, rows = run_read(uow, viewer, "export", plan_target(plan_id), read)
    save_atomically(wb, out_path)
    return LedgerSummary(
        path=out_path,
        rows=len(rows),
        measures=len({r.ref for r in rows}),
        overdue_measures=len({r.ref for r in rows if r.is_overdue}),
    )
