"""Task tables (任务分解表) read by the meaning of their header row.

An office's own task table, an Excel sheet or a table inside a Word or web document, names
its columns in its own words: 序号, 任务/措施/工作内容, 牵头单位, 责任单位, 配合单位,
完成时限/时间节点, 备注. The header row is found by those words, each column is given one
role, and every row below becomes one measure, written in the form the plan parser already
reads (`N.task(lead牵头,units;deadline)`), so units and deadlines go through the same rules
as a plan typed as text.

Everything here is plain code over lists of cell strings; the format readers
(`checklists.sources`) turn sheets and tables into those lists, with merged cells already
filled in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "Column",
    "chinese_number",
    "TaskRow",
    "TaskTable",
    "find_task_table",
    "row_cells_text",
    "table_as_rows",
    "table_as_plan",
]


class Column(StrEnum):
    NUMBER = "number"
    CATEGORY = "category"
    TASK = "task"
    LEAD = "lead"
    UNITS = "units"
    CO = "co"
    DEADLINE = "deadline"
    NOTE = "note"


# Header words for each role, most specific first: a cell takes the first role one of whose
# words it contains. "任务措施" above "具体任务" is a category column, settled in `_roles`.
_HEADER_WORDS: tuple[tuple[Column, tuple[str, ...]], ...] = (
    (Column.NUMBER, ("序号", "编号", "序")),
    (Column.LEAD, ("牵头单位", "牵头部门", "牵头")),
    (Column.CO, ("配合单位", "配合部门", "协同单位", "参与单位", "配合")),
    (Column.UNITS, ("责任单位", "责任部门", "承办单位", "负责单位", "实施单位", "主体")),
    (Column.DEADLINE, ("完成时限", "时间节点", "完成时间", "时限", "进度安排", "期限")),
    (Column.NOTE, ("备注",)),
    (Column.CATEGORY, ("类别", "领域", "方面", "板块", "重点工作")),
    (Column.TASK, ("具体任务", "工作任务", "任务内容", "工作内容", "工作措施", "具体措施", "任务", "措施", "内容", "事项")),
)
# A header cell is a label, not a sentence: longer cells are data.
_MAX_HEADER_CHARS = 12
# The header is looked for among the first rows only (a title row or two may precede it).
_HEADER_SEARCH_ROWS = 10
_NUMBER = re.compile(r"^\s*[((]?\s*([0-9]{1,4}|[一二三四五六七八九十百]{1,4})\s*[))]?\s*[.、。.]?\s*$")
_LEADING_NUMBER = re.compile(r"^\s*[0-9]{1,4}\s*[.、。.]")


@dataclass(frozen=True)
class TaskRow:
    number: str
    category: str
    task: str
    lead: str
    units: str
    co: str
    deadline: str
    row: int  # 1-based row in the sheet or table, for messages


@dataclass(frozen=True)
class TaskTable:
    header_row: int  # 0-based index of the header in the rows given
    columns: dict[Column, int]
    rows: list[TaskRow]
    title: str  # a title row above the header, if any


def _role(cell: str) -> Column | None:
    text = re.sub(r"\s+", "", cell)
    if not text or len(text) > _MAX_HEADER_CHARS:
        return None
    for role, words in _HEADER_WORDS:
        if any(word in text for word in words):
            return role
    return None


def _roles(row: list[str]) -> dict[Column, int]:
    """The role of each column of a header row; the first column to claim a role keeps it.

    Of two task-like columns (任务措施 | 具体任务) the first is the category and the second the
    task: a table lists a task under its heading, never the reverse.
    """
    roles: dict[Column, int] = {}
    for i, cell in enumerate(row):
        role = _role(cell)
        if role is None:
            continue
        if role is Column.TASK and Column.TASK in roles and Column.CATEGORY not in roles:
            roles[Column.CATEGORY] = roles[Column.TASK]
            roles[Column.TASK] = i
        elif role is Column.NUMBER and len(re.sub(r"\s+", "", cell)) > 2:
            continue  # "编号规则说明" and the like are not a number column
        else:
            roles.setdefault(role, i)
    return roles


def _is_header(roles: dict[Column, int]) -> bool:
    return Column.TASK in roles and bool(
        roles.keys() & {Column.LEAD, Column.UNITS, Column.CO, Column.DEADLINE, Column.NUMBER}
    )


def find_task_table(rows: list[list[str]]) -> TaskTable | None:
    """The task table in `rows` (a sheet or one document table), or None when no header row
    among the first rows names a task column and at least one of number, units or deadline."""
    for at, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        roles = _roles(row)
        if not _is_header(roles):
            continue
        title = next((c.strip() for r in rows[:at] for c in r if c.strip()), "")
        return TaskTable(at, roles, list(_read_rows(rows, at, roles)), title)
    return None


def _cell(row: list[str], roles: dict[Column, int], role: Column) -> str:
    i = roles.get(role)
    if i is None or i >= len(row):
        return ""
    return " ".join(row[i].split())


def _read_rows(rows: list[list[str]], header: int, roles: dict[Column, int]) -> Iterator[TaskRow]:
    category = ""
    for i in range(header + 1, len(rows)):
        row = rows[i]
        task = _cell(row, roles, Column.TASK)
        if not task:
            continue  # a blank or spacer row
        if _role(task) is Column.TASK and _is_header(_roles(row)):
            continue  # the header repeated on each printed page
        category = _cell(row, roles, Column.CATEGORY) or category
        yield TaskRow(
            number=_number(_cell(row, roles, Column.NUMBER)),
            category=category,
            task=task,
            lead=_cell(row, roles, Column.LEAD),
            units=_cell(row, roles, Column.UNITS),
            co=_cell(row, roles, Column.CO),
            deadline=_cell(row, roles, Column.DEADLINE),
            row=i + 1,
        )


def _number(cell: str) -> str:
    m = _NUMBER.match(cell)
    return m.group(1) if m else ""


def _clause(row: TaskRow) -> str:
    """The responsibility clause as plans write it: `A牵头,B、C;2025年底前`."""
    units: list[str] = []
    if row.lead:
        units.append(row.lead if row.lead.endswith("牵头") else f"{row.lead}牵头")
    rest = "、".join(u for u in (row.units, row.co) if u and u != row.lead)
    if rest:
        units.append(rest)
    who = ",".join(units)
    return ";".join(part for part in (who, row.deadline) if part)


def _numbered(row: TaskRow, position: int) -> str:
    if _LEADING_NUMBER.match(row.task):
        return row.task
    return f"{row.number or position}.{row.task}"


def table_as_rows(table: TaskTable) -> list[str]:
    """The table as the parser's task-table rows, `category | N.task | clause |`, for a task
    table inside a plan document (the body's paragraphs are matched to them)."""
    lines = []
    for position, row in enumerate(table.rows, start=1):
        cells = [row.category, _numbered(row, position), _clause(row)]
        lines.append(row_cells_text(cells))
    return lines


def table_as_plan(table: TaskTable, *, title: str) -> str:
    """A plan that is only a task table, as the text of a plan: its title, a section per
    category (in the order met), and one numbered measure per row with its clause."""
    lines = [table.title or title]
    sections: dict[str, None] = {}
    for position, row in enumerate(table.rows, start=1):
        if row.category and row.category not in sections:
            sections[row.category] = None
            lines.append(f"{chinese_number(len(sections))}、{row.category}")
        elif not sections and position == 1:
            lines.append("一、主要任务")
        clause = _clause(row)
        task = _numbered(row, position).rstrip()
        lines.append(f"{task}({clause})" if clause else task)
    return "\n".join(lines) + "\n"


def row_cells_text(cells: list[str]) -> str:
    """One table row as the parser reads it: every cell followed by ` |` (an empty one by `|`)."""
    return " ".join(f"{c} |" if c else "|" for c in (" ".join(c.split()) for c in cells))


_DIGITS = "零一二三四五六七八九"


def chinese_number(value: int) -> str:
    """一 … 九十九, as plans number their sections; larger values in digits."""
    if not 0 < value < 100:
        return str(value)
    tens, ones = divmod(value, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "" if tens == 1 else _DIGITS[tens]
    return f"{head}十{_DIGITS[ones] if ones else ''}"
