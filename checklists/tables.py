"""Task tables: `category | N.task | units |` rows, and their merge with the body's paragraphs.

A plan may list its tasks twice: as paragraphs in the body and as numbered rows of an
appended responsibility table (任务分工表). The table's numbered tasks are authoritative;
each is matched to its body paragraph for line numbers and section, and its units cell
becomes the measure's responsibility clause.
"""

from __future__ import annotations

import re

from checklists.catalog import MeasureKind, Skipped, Warning_
from checklists.draft import Draft, RawItem, TableTask
from checklists.lines import NUMBERED, Line
from checklists.text import PhraseIndex
from checklists.units import trailing_clause

__all__ = ["merge_table", "norm", "read_table_row"]

_NOT_LETTERS = re.compile(r"[\s\W_]+")


def norm(text: str) -> str:
    """Text reduced to its letters for matching table tasks to paragraphs."""
    return _NOT_LETTERS.sub("", text)


def read_table_row(line: Line, draft: Draft) -> None:
    """A row of a responsibility table: `category | N.task | units |` or `N.task | units | |`."""
    cells = [c.strip() for c in line.text.strip().strip("|").split("|")]
    task_at = next((i for i, c in enumerate(cells) if NUMBERED.match(c)), None)
    if task_at is None:
        if any("责任单位" in c for c in cells):
            draft.skipped.append(Skipped(start=line.no, end=line.no, reason="任务分工表表头"))
        else:
            draft.warnings.append(
                Warning_(line=line.no, message="表格行中没有找到编号任务,未能读取", text=line.text)
            )
        return
    m = NUMBERED.match(cells[task_at])
    assert m is not None
    units = next((c for c in cells[task_at + 1 :] if c), "")
    category = next((c for c in reversed(cells[:task_at]) if c), "")
    if not category and draft.table:
        category = draft.table[-1].category
    draft.table.append(TableTask(m.group(1), m.group(2), units, category, line.no))


def merge_table(
    raw: list[RawItem], draft: Draft, section_by_title: dict[str, str]
) -> list[RawItem]:
    """The measures of a plan with a task table: the table's tasks, each with its paragraph's
    lines and section, then numbered body items the table does not list, then the rest."""
    measures = [item for item in raw if item.kind is MeasureKind.MEASURE]
    by_number = {item.number: item for item in measures if item.number}
    paragraphs = [item for item in measures if item.number is None]
    # Where each task would be found by its text, for the tasks no body item's number takes.
    first_paragraph = _first_containing([norm(task.text) for task in draft.table], paragraphs)

    matched: set[int] = set()
    merged: list[RawItem] = []
    for task in draft.table:
        if task.number in by_number:
            item = by_number.pop(task.number)
        else:
            item = RawItem(kind=MeasureKind.MEASURE, number=task.number, section=None)
            item.parts.append(task.text)
            idx = first_paragraph.get(norm(task.text))
            if idx is not None:
                para = paragraphs[idx]
                matched.add(idx)
                item.section = para.section
                item.lines.extend(para.lines)
            else:
                draft.warnings.append(
                    Warning_(
                        line=task.line,
                        message="任务分工表中的任务在正文中未找到对应段落",
                        text=task.text[:40],
                    )
                )
                item.section = section_by_title.get(norm(task.category))
        item.lines.append(task.line)
        if task.units and not trailing_clause(item.text):
            item.parts = [item.text.rstrip(), f"({task.units})"]
        merged.append(item)
    for idx, para in enumerate(paragraphs):
        if idx not in matched:
            draft.warnings.append(
                Warning_(
                    line=para.lines[0],
                    message="正文段落未在任务分工表中找到对应任务",
                    text=para.text[:40],
                )
            )
    merged.extend(by_number.values())
    merged.extend(item for item in raw if item.kind is not MeasureKind.MEASURE)
    return merged


def _first_containing(keys: list[str], paragraphs: list[RawItem]) -> dict[str, int]:
    """For each key, the index of the first paragraph whose letters contain it."""
    wanted = {key for key in keys if key}
    index = PhraseIndex(wanted)
    first: dict[str, int] = {}
    for idx, para in enumerate(paragraphs):
        if len(first) == len(wanted):
            break
        for key in index.found_in(norm(para.text)):
            first.setdefault(key, idx)
    return first
