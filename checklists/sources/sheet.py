"""Task tables as sheets: an Excel workbook (.xlsx, openpyxl) or a CSV export → rows.

Merged cells are filled in from their top-left cell, so a category or lead unit merged down
the rows it covers stands in each row; the first sheet holding a task table is the one read.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import openpyxl

from checklists.sources.errors import UnreadableFile
from checklists.sources.limits import MAX_CELLS, MAX_ROWS, MAX_SHEETS
from checklists.sources.tables import Grid
from checklists.sources.text import split_csv
from checklists.tasktable import TaskTable, find_task_table

__all__ = ["csv_task_table", "xlsx_task_table"]


def xlsx_task_table(data: bytes, name: str) -> TaskTable:
    """The first sheet of the workbook whose rows hold a task table."""
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
        raise UnreadableFile(f"{name}:Excel 表格已损坏或不是有效的 .xlsx 文件,无法读取({exc})") from None
    except Exception as exc:  # lxml and openpyxl raise assorted errors on a damaged part
        raise UnreadableFile(f"{name}:Excel 表格已损坏,无法读取({type(exc).__name__})") from None
    try:
        if len(book.worksheets) > MAX_SHEETS:
            raise UnreadableFile(f"{name}:工作簿有 {len(book.worksheets)} 个工作表,超过 {MAX_SHEETS} 个的上限")
        empty = True
        for sheet in book.worksheets:
            grid = _sheet_grid(sheet, name)
            empty = empty and not grid
            table = find_task_table(grid)
            if table is not None and table.rows:
                return table
    finally:
        book.close()
    if empty:
        raise UnreadableFile(f"{name}:Excel 表格是空的,没有任何内容")
    raise UnreadableFile(_no_header(name))


def csv_task_table(text: str, name: str) -> TaskTable:
    rows = split_csv(text)
    if len(rows) > MAX_ROWS:
        raise UnreadableFile(f"{name}:表格超过 {MAX_ROWS} 行的上限")
    if sum(map(len, rows)) > MAX_CELLS:
        raise UnreadableFile(f"{name}:表格单元格超过 {MAX_CELLS} 个的上限")
    table = find_task_table(rows)
    if table is None or not table.rows:
        raise UnreadableFile(_no_header(name))
    return table


def _no_header(name: str) -> str:
    return (
        f"{name}:没有找到任务分解表:前 10 行中应有表头行,写明“任务”(或“措施”“工作内容”)列,"
        "以及“序号”“牵头单位”“责任单位”“配合单位”“完成时限”之一,且表头下至少有一行任务"
    )


def _sheet_grid(sheet: Any, name: str) -> Grid:
    rows, cols = sheet.max_row or 0, sheet.max_column or 0
    if rows > MAX_ROWS or rows * cols > MAX_CELLS:
        raise UnreadableFile(
            f"{name}:工作表“{sheet.title}”有 {rows} 行 {cols} 列,超过 {MAX_ROWS} 行或 {MAX_CELLS} 个单元格的上限"
        )
    values: list[list[Any]] = [list(row) for row in sheet.iter_rows(values_only=True)]
    for merged in sheet.merged_cells.ranges:
        top = values[merged.min_row - 1][merged.min_col - 1] if merged.min_row <= len(values) else None
        for r in range(merged.min_row - 1, min(merged.max_row, len(values))):
            for c in range(merged.min_col - 1, min(merged.max_col, len(values[r]))):
                values[r][c] = top
    grid = [[_text(v) for v in row] for row in values]
    return [row for row in grid if any(cell for cell in row)]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"  # as a plan writes a deadline
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())
