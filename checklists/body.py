"""The body of a plan, line by line: sections, and the items and paragraphs in them.

Each line is classified on its own (`checklists.lines.classify`); what it then becomes
depends on where it stands: the kind of its top-level section (tasks, context, schedule,
safeguards, outcomes), the item being read, and whether an attachment has begun. Every
non-blank line is placed in a section or item, skipped as furniture (with a reason), or
reported as a warning with its line number.
"""

from __future__ import annotations

import re
from enum import Enum

from checklists.catalog import MeasureKind, Section, Skipped, Warning_
from checklists.draft import Draft, RawItem
from checklists.errors import NotAPlanError
from checklists.limits import MAX_CLAUSE_CHARS
from checklists.lines import (
    TITLE_MAX,
    Line,
    LineKind,
    LineShape,
    classify,
    cn_number,
    could_be_title,
)
from checklists.tables import read_table_row
from checklists.text import split_sentences, split_top_level
from checklists.units import trailing_clause, unit_tags

__all__ = ["SectionKind", "read_body", "section_kind", "split_title"]

SCHEDULE_TITLES = re.compile(r"进度安排|实施步骤|时间安排|工作步骤|推进步骤|实施进度|步骤安排|时间节点")
SAFEGUARD_TITLES = re.compile(r"^(保障措施|组织保障|保障机制|实施保障|工作保障|组织实施|工作要求)$")
OUTCOME_TITLES = re.compile(r"标志性成果|预期成果|主要成果|建设成果")
# `总体目标`, `发展目标`…: the short titles ending in 目标; `附则` and `支持对象` frame the
# measures (who may apply, who funds, when it takes effect) without being measures.
CONTEXT_TITLES = re.compile(
    r"^(指导思想|基本原则|总体要求|总体思路|[\u4e00-\u9fff]{0,4}目标|目标任务|"
    r"适用范围|适用对象|支持对象|编制依据|附则)$"
)

# `(units;deadline)` and the two brackets: the end of an item that can hold its clause.
_CLAUSE_TAIL = MAX_CLAUSE_CHARS + 2


class SectionKind(Enum):
    TASKS = "tasks"
    CONTEXT = "context"
    SCHEDULE = "schedule"
    SAFEGUARD = "safeguard"
    OUTCOME = "outcome"


_ITEM_KIND = {SectionKind.SAFEGUARD: MeasureKind.SAFEGUARD, SectionKind.OUTCOME: MeasureKind.OUTCOME}


def section_kind(title: str) -> SectionKind:
    """What a top-level section holds, read from its title."""
    bare = title.rstrip("。 ")
    if SCHEDULE_TITLES.search(bare):
        return SectionKind.SCHEDULE
    if OUTCOME_TITLES.search(bare):
        return SectionKind.OUTCOME
    if SAFEGUARD_TITLES.match(bare):
        return SectionKind.SAFEGUARD
    if CONTEXT_TITLES.match(bare):
        return SectionKind.CONTEXT
    return SectionKind.TASKS


def split_title(text: str, sentences: list[str] | None = None) -> tuple[str, str]:
    """`Title。Body` → (Title, Body) when the first sentence reads as a heading; else (text, "").

    `sentences` is `split_sentences(text)` when the caller has it already.
    """
    if sentences is None:
        sentences = split_sentences(text)
    if not sentences:
        return text, ""
    first = sentences[0].rstrip("。;")
    if len(sentences) > 1 and len(first) <= TITLE_MAX and not split_top_level(first, ",")[1:]:
        return first, "".join(sentences[1:])
    if len(sentences) == 1 and sentences[0].endswith("。"):
        return first, ""
    return text.rstrip("。"), ""


def read_body(lines: list[Line], draft: Draft) -> None:
    """Read the body's lines into `draft`: sections, items, context paragraphs, table rows."""
    reader = _BodyReader(draft)
    for line in lines:
        reader.read(line)


def _number(label: str, line: Line) -> int:
    try:
        return cn_number(label)
    except KeyError:
        raise NotAPlanError(
            f"第{line.no}行:“{label}”不是有效的中文序号(应为一、二……九十九),请核对原文"
        ) from None


class _BodyReader:
    """Where the reading stands: the sections and item open, and whether attachments began."""

    def __init__(self, draft: Draft) -> None:
        self.draft = draft
        self.top: Section | None = None
        self.sub: Section | None = None
        self.kind = SectionKind.TASKS
        self.current: RawItem | None = None
        self.in_attachment = False
        self.section: str | None = None  # ref of the (sub)section being read
        self.section_lines: dict[str, int] = {}  # ref → line of its heading
        # The body's measures are its top headings (`一、Title。Body…`), with no sections.
        self.top_measures = False
        # A measure closed by its unit tag was followed by a paragraph with none: the text
        # after the measures (`各地区、各有关部门要…`, `施行说明:…`), until the next heading.
        self.closing = False

    def read(self, line: Line) -> None:
        text = line.text
        shape = classify(text)
        if shape.kind is LineKind.BLANK:
            return
        if shape.kind is LineKind.BULLET:
            self._skip(line, "网页排版符号")
            return
        if shape.kind is LineKind.TABLE_ROW:
            read_table_row(line, self.draft)
            self.current = None
            return
        if shape.kind is LineKind.ATTACHMENT or (self.in_attachment and could_be_title(text)):
            self.in_attachment = True
            self._skip(line, "附件标题")
            self.current = None
            return
        if shape.kind is LineKind.TOP_HEADING:
            self._top_heading(line, shape)
        elif shape.kind is LineKind.SUB_HEADING:
            self._sub_heading(line, shape)
        elif shape.kind is LineKind.ORDINAL_ITEM:
            self.current = self._item_for_kind(line, shape.rest, shape.label)
        elif shape.kind is LineKind.NUMBERED and self.kind is not SectionKind.CONTEXT:
            item_kind = None if self.kind is SectionKind.SCHEDULE else MeasureKind.MEASURE
            self.closing = False
            self.current = self._open_item(item_kind, shape.label, line, shape.rest)
        elif (
            shape.kind is LineKind.RESPONSIBILITY
            and self.current is not None
            and self.current.kind is not None
        ):
            self.current.lines.append(line.no)
            self.current.responsibility.append(text)
        else:
            self._paragraph(line)

    def _skip(self, line: Line, reason: str) -> None:
        self.draft.skipped.append(Skipped(start=line.no, end=line.no, reason=reason))

    def _add_section(self, section: Section, line: Line) -> None:
        if (first := self.section_lines.get(section.ref)) is not None:
            raise NotAPlanError(
                f"第{line.no}行:章节编号“{section.number}”与第{first}行的章节重复,"
                "无法确定各项措施所属章节,请核对原文"
            )
        self.section_lines[section.ref] = line.no
        self.draft.sections.append(section)
        self.section = section.ref

    def _top_heading(self, line: Line, shape: LineShape) -> None:
        title = shape.rest.rstrip("。")
        if not title:
            raise NotAPlanError(f"第{line.no}行:章节“{shape.label}、”没有标题,请核对原文")
        self.closing = False
        head, body = split_title(shape.rest)
        if body and section_kind(head) is SectionKind.TASKS:
            # `一、积极发展流通新业态新模式。顺应…`: a measure numbered like a section.
            self.top, self.sub, self.kind, self.section = None, None, SectionKind.TASKS, None
            self.top_measures = True
            self.current = self._open_item(MeasureKind.MEASURE, str(_number(shape.label, line)), line, shape.rest)
            return
        ref = str(_number(shape.label, line))
        top = Section(ref=ref, number=shape.label, title=title, line=line.no)
        self._add_section(top, line)
        self.top, self.sub, self.current, self.kind = top, None, None, section_kind(title)

    def _sub_heading(self, line: Line, shape: LineShape) -> None:
        label, rest = shape.label, shape.rest
        self.closing = False
        head, body = split_title(rest)
        if body or self.kind is SectionKind.SCHEDULE:
            self.current = self._item_for_kind(line, rest, label)
            return
        parent = self.top.ref if self.top else None
        number = _number(label, line)
        ref = f"{parent}.{number}" if parent else str(number)
        sub = Section(ref=ref, number=f"({label})", title=head, parent=parent, line=line.no)
        self._add_section(sub, line)
        self.sub = sub
        self.current = None

    def _paragraph(self, line: Line) -> None:
        """A plain paragraph: the rest of a wrapped line, a further paragraph of a numbered
        measure (unless its `(units;deadline)` clause already closed it), a sub-item of a
        numbered measure (a paragraph with its own unit tag), text after the measures,
        section text, or (in a section of unnumbered tasks) a task of its own."""
        text = line.text
        current = self.current
        if current is not None:
            closed = current.is_closed()
            tagged = current.number is not None and trailing_clause(current.tail(_CLAUSE_TAIL))
            if not closed or (current.number is not None and (current.has_sub_items or not tagged)):
                if closed and current.number is not None and not tagged:
                    # `(二)打造…社区。立足…`, then `“一核”:…(牵头单位:…)`: an introduction
                    # and its sub-items, each tagged with its own units.
                    current.has_sub_items = True
                current.lines.append(line.no)
                current.parts.append("\n" + text if closed else text)
                return
            if current.number is not None:
                if unit_tags(text) is None:
                    self.closing = True
                else:
                    current.lines.append(line.no)
                    current.parts.append("\n" + text)
                    return
        if self.closing and self.kind is SectionKind.TASKS and (self.top or self.top_measures):
            self._skip(line, "编号措施之后不带责任单位的段落(结束语、施行说明等)")
            self.current = None
            return
        if self.kind is SectionKind.CONTEXT and self.top is not None:
            self.draft.context.append((line.no, self.section, text))
            self.current = None
            return
        if self.top is None and not self.top_measures:
            self.draft.warnings.append(
                Warning_(line=line.no, message="正文第一个章节之前的段落,未能归入任何章节", text=text)
            )
            return
        self.current = self._item_for_kind(line, text, "")

    def _open_item(
        self, item_kind: MeasureKind | None, number: str | None, line: Line, text: str
    ) -> RawItem:
        section = self.sub.ref if self.sub else (self.top.ref if self.top else None)
        item = RawItem(kind=item_kind, number=number, section=section)
        item.lines.append(line.no)
        item.parts.append(text)
        self.draft.items.append(item)
        return item

    def _item_for_kind(self, line: Line, text: str, label: str) -> RawItem | None:
        if self.kind is SectionKind.CONTEXT:
            self.draft.context.append((line.no, self.section, text))
            return None
        number = str(_number(label, line)) if label else None
        if self.kind is SectionKind.SCHEDULE:
            return self._open_item(None, number, line, text)
        return self._open_item(_ITEM_KIND.get(self.kind, MeasureKind.MEASURE), number, line, text)
