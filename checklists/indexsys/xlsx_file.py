"""Index systems from an Excel workbook (.xlsx), the form offices keep them in.

One sheet lists the indicators under a header row found by the meaning of its words within
the first rows; columns may come in any order, and merged cells count in every row they
cover. Two layouts are read:

* one indicator per row: 编号, 指标名称, 级别, 上级编号, 分值 (and 类型, 加分项, 一票否决,
  评分标准, 佐证材料, 佐证形式, 是否必需, 对应措施, 对应数值指标);
* name columns per level, as most published tables are drawn: 一级指标 | 二级指标 | (三级指标)
  | 分值 | …, a higher level's cell merged down over its children; codes are given by position
  and a parent's points are those written in its name (`营商环境(15分)`) or its children's sum.

An optional sheet named 设置 holds the system's own fields as 名称 / 值 rows (名称, 方案, 总分,
加分上限, 优秀, 良好, 合格, 汇总方式, 说明); without it the total is 100, the grade lines
90/80/60 and the name the file's. The 佐证材料 cell lists one slot per line, each taking the
row's 佐证形式 and 是否必需.

The workbook is opened read-only (rows are streamed, never the whole sheet's cell objects), and
bounded before openpyxl sees it: its size, its ZIP entries and their declared unpacked size,
then sheets, rows, columns and merged ranges as they are read.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path, PurePath
from typing import Any

import openpyxl
from openpyxl.utils.cell import range_boundaries
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from checklists.catalog import Catalog
from checklists.indexsys.reading import IndexFileError, RawIndicator, build_system
from checklists.indexsys.system import IndexSystem

__all__ = [
    "MAX_COLUMNS",
    "MAX_MERGED",
    "MAX_ROWS",
    "MAX_SHEETS",
    "MAX_XLSX_BYTES",
    "MAX_ZIP_ENTRIES",
    "load_index_xlsx",
    "read_index_xlsx",
]

# An index system's workbook is 20-100 KB; a logo or a second sheet of notes adds a little.
MAX_XLSX_BYTES = 5 * 1024 * 1024
MAX_ZIP_ENTRIES = 500
MAX_UNPACKED = 100 * 1024 * 1024
MAX_SHEETS = 20
MAX_ROWS = 2_000  # MAX_INDICATORS (1000) plus titles, blank and repeated header rows
MAX_COLUMNS = 50
MAX_MERGED = 5_000
HEADER_SEARCH_ROWS = 10
SETTINGS_SHEET = "设置"

# Header words per field, tried in this order: a cell takes the first field one of whose words
# it contains ("上级指标编号" is the parent, not the code; "对应数值指标" not the name).
_HEADER_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("name1", ("一级指标",)),
    ("name2", ("二级指标",)),
    ("name3", ("三级指标",)),
    ("parent", ("上级",)),
    ("indicators", ("数值指标", "对应指标", "量化指标")),
    ("measures", ("对应措施", "措施编号", "措施")),
    ("kinds", ("佐证形式", "材料形式", "形式")),
    ("evidence", ("佐证", "材料")),
    ("required", ("必需", "必须", "必备")),
    ("veto", ("否决",)),
    ("bonus", ("加分",)),
    ("guidance", ("评分标准", "评分细则", "考核要点", "评价标准", "标准", "细则", "要点")),
    ("points", ("分值", "分数", "满分", "得分")),
    ("type", ("类型", "类别", "方式")),
    ("level", ("级别", "层级", "等级")),
    ("code", ("编号", "代码", "序号", "代号")),
    ("name", ("名称", "指标", "内容")),
)
_MAX_HEADER_CHARS = 12  # a header cell is a label; longer cells are data
_REQUIRED_COLUMNS = ("code", "name", "level", "points")
_HEADER_LABELS = {"code": "编号", "name": "指标名称", "level": "级别", "points": "分值"}

_SETTINGS = {
    "名称": "name",
    "指标体系名称": "name",
    "方案": "plan",
    "总分": "total",
    "满分": "total",
    "加分上限": "bonus_total",
    "加分": "bonus_total",
    "优秀": "grades.优秀",
    "良好": "grades.良好",
    "合格": "grades.合格",
    "汇总方式": "consolidation",
    "专家评分汇总": "consolidation",
    "说明": "note",
    "备注": "note",
}

_SETTING_LABELS = {field: label for label, field in reversed(_SETTINGS.items())}


def read_index_xlsx(path: Path, *, catalog: Catalog | None = None) -> IndexSystem:
    """Read an index system workbook, refusing one over MAX_XLSX_BYTES before reading it."""
    with open(path, "rb") as fh:
        data = fh.read(MAX_XLSX_BYTES + 1)
    return load_index_xlsx(data, source=str(path), catalog=catalog)


def load_index_xlsx(data: bytes, *, source: str, catalog: Catalog | None = None) -> IndexSystem:
    """The index system of a workbook; IndexFileError naming `source`, sheet, row and column.
    The plan defaults to the catalog's (`index load PLAN FILE` names it), the name to the
    file's."""
    if len(data) > MAX_XLSX_BYTES:
        raise IndexFileError(f"{source}: 文件超过 {MAX_XLSX_BYTES // (1024 * 1024)} MB,不是指标体系表格")
    _check_zip(data, source)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl and its XML parser raise assorted errors on a damaged part
        raise IndexFileError(f"{source}: Excel 表格已损坏或不是有效的 .xlsx 文件,无法读取({type(exc).__name__})") from None
    try:
        if len(book.worksheets) > MAX_SHEETS:
            raise IndexFileError(f"{source}: 工作簿有 {len(book.worksheets)} 个工作表,超过 {MAX_SHEETS} 个的上限")
        header: dict[str, Any] = {"name": PurePath(source).stem, "total": 100}
        if catalog is not None:
            header["plan"] = catalog.plan.key
        settings_rows: dict[str, int] = {}
        found: tuple[Any, list[list[Any]], int, dict[str, int]] | None = None
        for sheet in book.worksheets:
            grid = _grid(sheet, source)
            if sheet.title.strip() == SETTINGS_SHEET:
                _read_settings(grid, header, settings_rows)
                continue
            if found is None:
                at = _find_header(grid)
                if at is not None:
                    found = (sheet, grid, at[0], at[1])
    finally:
        book.close()
    if found is None:
        raise IndexFileError(
            f"{source}: 没有找到指标表:前 {HEADER_SEARCH_ROWS} 行中应有表头行,"
            "含“编号”“指标名称”“级别”“分值”四列(另可有“上级编号”“类型”“加分项”“一票否决”"
            "“评分标准”“佐证材料”“佐证形式”“是否必需”“对应措施”“对应数值指标”),"
            "或按级分列的“一级指标”“二级指标”(“三级指标”)与“分值”"
        )
    sheet, grid, header_at, columns = found
    title = sheet.title
    labels = {f: str(grid[header_at][i]).strip() for f, i in columns.items()}
    tree = "name1" in columns and "code" not in columns
    missing = [] if tree else [f for f in _REQUIRED_COLUMNS if f not in columns]
    if missing:
        names = "、".join(f"“{_HEADER_LABELS[f]}”" for f in missing)
        raise IndexFileError(f"{source}: 工作表“{title}”第 {header_at + 1} 行的表头缺少 {names} 列")
    records = _tree_records(grid, header_at, columns) if tree else list(_records(grid, header_at, columns))
    parents = {r.values.get("parent") for r in records} - {None}

    def locate(index: int | None, field: str) -> str:
        if index is None:
            row = settings_rows.get(field)
            label = _SETTING_LABELS.get(field, field)
            return f"工作表“{SETTINGS_SHEET}”第 {row} 行“{label}”" if row else f"“{label}”"
        record = records[index]
        column = field.split(".")[0]
        if tree and (column in ("code", "name", "level", "parent") or record.values.get("code") in parents):
            column = f"name{record.values['level']}"  # a parent is written in its name cell only
        label = labels.get(column) or labels.get("evidence" if column in ("kinds", "required") else column, column)
        code = record.values.get("code")
        who = f" 指标 {code}" if code else ""
        return f"工作表“{title}”第 {record.line} 行{who}“{label}”列"

    return build_system(header, records, source=source, locate=locate, catalog=catalog)


def _check_zip(data: bytes, source: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise IndexFileError(f"{source}: 不是有效的 .xlsx 文件(应为 Excel 2007 及以后的工作簿)") from None
    if len(entries) > MAX_ZIP_ENTRIES:
        raise IndexFileError(f"{source}: 工作簿内含 {len(entries)} 个部件,超过 {MAX_ZIP_ENTRIES} 个的上限")
    if sum(e.file_size for e in entries) > MAX_UNPACKED:
        raise IndexFileError(f"{source}: 工作簿解压后超过 {MAX_UNPACKED // (1024 * 1024)} MB,不是指标体系表格")


def _merged_ranges(sheet: Any, source: str) -> list[tuple[int, int, int, int]]:
    """(min_col, min_row, max_col, max_row) of each merged range. A read-only sheet does not
    parse them, so the sheet's XML is streamed once more for its <mergeCell> elements only.
    `_get_source` is openpyxl's own opener of that part (stable through 3.1)."""
    ranges: list[tuple[int, int, int, int]] = []
    tag = f"{{{SHEET_MAIN_NS}}}mergeCell"
    with sheet._get_source() as src:
        for _, element in iterparse(src):
            if element.tag == tag:
                if len(ranges) >= MAX_MERGED:
                    raise IndexFileError(f"{source}: 工作表“{sheet.title}”合并单元格超过 {MAX_MERGED} 处的上限")
                try:
                    bounds = range_boundaries(element.get("ref", ""))
                except ValueError:
                    continue  # a malformed range merges nothing
                if None not in bounds:
                    ranges.append(bounds)
            element.clear()
    return ranges


def _grid(sheet: Any, source: str) -> list[list[Any]]:
    rows: list[list[Any]] = []
    # From A1 (a read-only sheet would start where its stored dimension says), so row numbers
    # and merged ranges are the sheet's own.
    for row in sheet.iter_rows(min_row=1, min_col=1, max_col=MAX_COLUMNS + 1, values_only=True):
        if len(rows) >= MAX_ROWS:
            raise IndexFileError(f"{source}: 工作表“{sheet.title}”超过 {MAX_ROWS} 行的上限")
        values = list(row)
        if len(values) > MAX_COLUMNS and values[MAX_COLUMNS] is not None:
            raise IndexFileError(f"{source}: 工作表“{sheet.title}”超过 {MAX_COLUMNS} 列的上限")
        rows.append(values[:MAX_COLUMNS])
    for min_col, min_row, max_col, max_row in _merged_ranges(sheet, source):
        if min_row > len(rows):
            continue
        top = rows[min_row - 1][min_col - 1] if min_col <= len(rows[min_row - 1]) else None
        for r in range(min_row - 1, min(max_row, len(rows))):
            for c in range(min_col - 1, min(max_col, len(rows[r]))):
                rows[r][c] = top
    return rows


def _field(cell: Any) -> str | None:
    if not isinstance(cell, str):
        return None
    text = re.sub(r"\s+", "", cell)
    if not text or len(text) > _MAX_HEADER_CHARS:
        return None
    for field, words in _HEADER_WORDS:
        if any(word in text for word in words):
            return field
    return None


def _columns(row: list[Any]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for i, cell in enumerate(row):
        field = _field(cell)
        if field is not None:
            columns.setdefault(field, i)
    return columns


def _find_header(grid: list[list[Any]]) -> tuple[int, dict[str, int]] | None:
    for at, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        columns = _columns(row)
        if {"code", "name", "points"} <= columns.keys() or {"name1", "name2", "points"} <= columns.keys():
            return at, columns
    return None


def _is_blank_or_header(row: list[Any], header_row: list[Any]) -> bool:
    if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
        return True
    return row[: len(header_row)] == header_row  # the header repeated on each printed page


def _leaf_values(cells: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """The values of one row's own indicator, evidence slots made from its cells."""
    values = {f: cells[f] for f in fields if f in cells}
    if isinstance(values.get("code"), int):
        values["code"] = str(values["code"])
    text = cells.get("evidence")
    if text is not None:
        lines = [x.strip() for x in str(text).splitlines() if x.strip()]
        required = cells.get("required")
        if required is None or required == "":
            required = True  # an empty 是否必需 cell: the default, as in YAML
        values["evidence"] = [{"what": line, "kinds": cells.get("kinds"), "required": required} for line in lines]
    return values


def _cell_value(value: Any) -> Any:
    """A cell as the reader expects it: numbers exact (a float as Excel shows it), dates as
    ISO text, texts stripped."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else Decimal(repr(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip()
    return value


_ROW_FIELDS = ("code", "name", "level", "parent", "points", "type", "bonus", "veto", "guidance", "measures", "indicators")
_LEAF_FIELDS = ("points", "type", "bonus", "veto", "guidance", "measures", "indicators")


def _records(grid: list[list[Any]], header_at: int, columns: dict[str, int]) -> Iterator[RawIndicator]:
    """One indicator per row, as written (编号, 级别, 上级编号 columns)."""
    header_row = grid[header_at]
    for r in range(header_at + 1, len(grid)):
        row = grid[r]
        if _is_blank_or_header(row, header_row):
            continue
        cells = {f: _cell_value(row[i]) if i < len(row) else None for f, i in columns.items()}
        yield RawIndicator(_leaf_values(cells, _ROW_FIELDS), r + 1)


# "营商环境(15分)": the points a 一级 or 二级 indicator declares in its name cell.
_DECLARED = re.compile(r"^(?P<name>.*?)\s*[((]\s*(?P<points>\d{1,4}(?:\.\d{1,2})?)\s*分\s*[))]$")


def _tree_records(grid: list[list[Any]], header_at: int, columns: dict[str, int]) -> list[RawIndicator]:
    """Indicators from name columns per level (一级指标 | 二级指标 | 三级指标), the layout of most
    published index tables: a higher level's cell merged down over its children. Each row is
    one indicator at its deepest named level, with the row's 分值 and other cells; the levels
    above it are the names in the row's other name columns (a new name opens a new indicator).
    Codes are given by position (1, 1.2, 1.2.3). A parent takes the points written in its name
    (`营商环境(15分)`, checked against its children), else their sum."""
    header_row = grid[header_at]
    depth = 3 if "name3" in columns else 2
    records: list[RawIndicator] = []
    children: dict[str, list[RawIndicator]] = {}
    declared: set[str] = set()
    open_path: list[tuple[str, str]] = []  # (name cell as written, code) of each open level
    for r in range(header_at + 1, len(grid)):
        row = grid[r]
        if _is_blank_or_header(row, header_row):
            continue
        cells = {f: _cell_value(row[i]) if i < len(row) else None for f, i in columns.items()}
        names = [str(cells.get(f"name{k}") or "").strip() for k in range(1, depth + 1)]
        deepest = max((k for k, n in enumerate(names) if n), default=-1)
        if deepest < 0:
            continue  # a note row under the table: no indicator named
        for k in range(deepest + 1):
            name = names[k] or (open_path[k][0] if k < len(open_path) else "")
            if k < len(open_path) and open_path[k][0] == name:
                continue  # the same indicator as above (a merged or repeated cell)
            del open_path[k:]
            parent = open_path[-1][1] if open_path else None
            siblings = children.setdefault(parent or "", [])
            code = f"{parent}.{len(siblings) + 1}" if parent else str(len(siblings) + 1)
            values: dict[str, Any] = {"code": code, "name": name, "level": k + 1, "parent": parent}
            match = _DECLARED.match(name)
            if match and k < deepest:
                values.update(name=match["name"], points=match["points"])
                declared.add(code)
            if k == deepest:
                values.update(_leaf_values(cells, _LEAF_FIELDS))
            record = RawIndicator(values, r + 1)
            records.append(record)
            siblings.append(record)
            open_path.append((name, code))
    for record in reversed(records):  # children before parents: sums go upwards
        code = str(record.values["code"])
        kids = children.get(code)
        if kids and code not in declared:
            assert isinstance(record.values, dict)
            record.values["points"] = _sum_points(kids)
    return records


def _sum_points(records: list[RawIndicator]) -> Decimal:
    """The sum of the records' points; 1 when one is unreadable (its own error stops the load,
    and the parent must not add a second, misleading one)."""
    total = Decimal(0)
    for record in records:
        try:
            total += Decimal(str(record.values.get("points")))
        except ArithmeticError:
            return Decimal(1)
    return total


def _read_settings(grid: list[list[Any]], header: dict[str, Any], rows: dict[str, int]) -> None:
    grades: dict[str, Any] = {}
    for r, row in enumerate(grid, start=1):
        if not row or not isinstance(row[0], str):
            continue
        key = _SETTINGS.get(re.sub(r"\s+", "", row[0]))
        if key is None:
            continue
        value = _cell_value(row[1]) if len(row) > 1 else None
        if key.startswith("grades."):
            grades[key.removeprefix("grades.")] = value
            rows[key] = r
        else:
            header[key] = value
            rows[key] = r
    if grades:
        header["grades"] = grades
