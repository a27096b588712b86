"""Corrections as an office types them, in a form field or at the command line.

Units are lists separated by 、 , ; or line breaks ("区市场监管局、区经委"); a checklist is one
item a line, optionally followed by its evidence kinds and how many pieces it needs:
`制定实施方案 | 文件、链接 | 2`. Errors say which line or field is wrong, in Chinese.
"""

from __future__ import annotations

import datetime as dt
import re

from pydantic import ValidationError

from checklists.catalog import (
    ChecklistItem,
    Deadline,
    DeadlineKind,
    EvidenceKind,
    Measure,
    MeasureKind,
    UnitRef,
    UnitRole,
)
from checklists.catalog_yaml import field_message
from checklists.corrections import (
    MAX_ITEMS,
    MAX_PART_TEXT,
    MAX_PARTS,
    MAX_UNITS,
    CorrectionError,
    Edit,
    SetChecklist,
    SetDeadline,
    SetKind,
    SetUnits,
    SplitPart,
)

__all__ = [
    "form_values",
    "items_text",
    "measure_edits",
    "parse_deadline",
    "parse_items",
    "parse_parts",
    "parse_units",
    "units_field",
]

_SEPARATORS = re.compile(r"[、,,;;\r\n]+")
EVIDENCE_WORDS = {
    "文件": EvidenceKind.FILE,
    "file": EvidenceKind.FILE,
    "链接": EvidenceKind.LINK,
    "link": EvidenceKind.LINK,
    "说明": EvidenceKind.NOTE,
    "note": EvidenceKind.NOTE,
}
EVIDENCE_NAMES = {EvidenceKind.FILE: "文件", EvidenceKind.LINK: "链接", EvidenceKind.NOTE: "说明"}


_OPEN, _CLOSE = "(([〔【", "))]〕】"


def _names(text: str) -> list[str]:
    """The names of a list, split at separators outside brackets: "各县(市、区)政府" is one."""
    names: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        if depth == 0 and _SEPARATORS.fullmatch(ch):
            names.append("".join(current))
            current = []
        else:
            current.append(ch)
    names.append("".join(current))
    return [name.strip() for name in names if name.strip()]


def parse_units(lead: str, co: str = "", group: str = "") -> list[UnitRef]:
    """Lead units, co-responsible units and groups (各成员单位), each field a list."""
    units = [
        UnitRef(name=name, role=role)
        for text, role in ((lead, UnitRole.LEAD), (co, UnitRole.CO), (group, UnitRole.GROUP))
        for name in _names(text)
    ]
    if len(units) > MAX_UNITS:
        raise CorrectionError(f"责任单位:共 {len(units)} 个,不能超过 {MAX_UNITS} 个")
    return units


def units_field(units: list[UnitRef], role: UnitRole) -> str:
    """The names of one role, as the form shows them again."""
    return "、".join(u.name for u in units if u.role is role)


def parse_items(text: str) -> list[ChecklistItem]:
    """One checklist item a line: `条目 | 文件、链接 | 2` (kinds default to 文件, count to 1)."""
    items = []
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_ITEMS:
        raise CorrectionError(f"自查清单:共 {len(lines)} 项,不能超过 {MAX_ITEMS} 项")
    for number, line in enumerate(lines, start=1):
        fields = [f.strip() for f in re.split(r"[||]", line)]
        if len(fields) > 3 or not fields[0]:
            raise CorrectionError(f"自查清单第 {number} 行:应写作“条目 | 佐证类型 | 最少份数”,收到“{line.strip()}”")
        kinds = [EvidenceKind.FILE]
        if len(fields) > 1 and fields[1]:
            words = _names(fields[1])
            unknown = [w for w in words if w.lower() not in EVIDENCE_WORDS]
            if unknown:
                raise CorrectionError(
                    f"自查清单第 {number} 行:佐证类型“{'、'.join(unknown)}”无效,可选 文件、链接、说明"
                )
            kinds = list(dict.fromkeys(EVIDENCE_WORDS[w.lower()] for w in words))
        least = 1
        if len(fields) > 2 and fields[2]:
            if not fields[2].isdigit() or len(fields[2]) > 3:
                raise CorrectionError(f"自查清单第 {number} 行:最少份数应为 0 到 100 的整数,收到“{fields[2]}”")
            least = int(fields[2])
        items.append(ChecklistItem(text=fields[0], evidence_kinds=kinds, min_evidence=least))
    return items


def items_text(items: list[ChecklistItem]) -> str:
    """A checklist as `parse_items` reads it (defaults left out)."""
    lines = []
    for item in items:
        kinds = "、".join(EVIDENCE_NAMES[k] for k in item.evidence_kinds)
        if item.min_evidence != 1:
            lines.append(f"{item.text} | {kinds} | {item.min_evidence}")
        elif item.evidence_kinds != [EvidenceKind.FILE]:
            lines.append(f"{item.text} | {kinds}")
        else:
            lines.append(item.text)
    return "\n".join(lines)


def parse_deadline(kind: str, *, due: str = "", month: str = "", day: str = "", text: str = "") -> Deadline:
    """A deadline from its kind and the fields that kind needs (a date, or a month and day)."""
    try:
        chosen = DeadlineKind(kind.strip() or "none")
    except ValueError:
        raise CorrectionError(
            f"完成时限:类型“{kind}”无效,可选 {'、'.join(k.value for k in DeadlineKind)}"
        ) from None
    due_date = None
    if due.strip():
        try:
            due_date = dt.date.fromisoformat(due.strip())
        except ValueError:
            raise CorrectionError(f"完成时限:日期“{due}”无效,应为 YYYY-MM-DD") from None
    numbers: dict[str, int | None] = {}
    for name, value, top in (("月份", month, 12), ("日", day, 31)):
        value = value.strip()
        if value and not (value.isdigit() and 1 <= int(value) <= top):
            raise CorrectionError(f"完成时限:{name}应为 1 到 {top} 的整数,收到“{value}”")
        numbers[name] = int(value) if value else None
    try:
        return Deadline(kind=chosen, text=text.strip(), due=due_date, month=numbers["月份"], day=numbers["日"])
    except ValidationError as exc:
        raise CorrectionError(f"完成时限:{field_message(exc.errors()[0])}") from None


def parse_parts(text: str) -> list[SplitPart]:
    """Parts of a measure to split, one a line (each line is a part's text)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_PARTS:
        raise CorrectionError(f"拆分:共 {len(lines)} 项,不能超过 {MAX_PARTS} 项")
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_PART_TEXT:
            raise CorrectionError(f"拆分第 {number} 行:过长,不能超过 {MAX_PART_TEXT} 个字符")
    return [SplitPart(text=line) for line in lines]


def measure_edits(
    current: Measure,
    *,
    kind: str,
    lead: str,
    co: str,
    group: str,
    deadline_kind: str,
    due: str,
    month: str,
    day: str,
    deadline_text: str,
    checklist: str,
) -> list[Edit]:
    """The edits a measure's form asks for: only the fields that differ from `current`.

    The kind comes last: it changes the measure's ref, which the other edits name.
    """
    ref = current.ref
    edits: list[Edit] = []
    units = parse_units(lead, co, group)
    # The form lists units by role; the same units in the document's order are no change.
    if sorted((u.name, u.role) for u in units) != sorted((u.name, u.role) for u in current.units):
        edits.append(SetUnits(ref=ref, units=units))
    deadline = parse_deadline(deadline_kind, due=due, month=month, day=day, text=deadline_text)
    if deadline != current.deadline:
        edits.append(SetDeadline(ref=ref, deadline=deadline))
    items = parse_items(checklist)
    if items != current.checklist:
        edits.append(SetChecklist(ref=ref, items=items))
    try:
        chosen = MeasureKind(kind.strip() or current.kind.value)
    except ValueError:
        raise CorrectionError(f"措施 {ref} 类别:“{kind}”无效,可选 measure、safeguard、outcome") from None
    if chosen is not current.kind:
        edits.append(SetKind(ref=ref, kind=chosen))
    return edits


def form_values(measure: Measure) -> dict[str, str]:
    """A measure's fields as its form shows them (what `measure_edits` reads back)."""
    deadline = measure.deadline
    return {
        "ref": measure.ref,
        "kind": measure.kind.value,
        "lead": units_field(measure.units, UnitRole.LEAD),
        "co": units_field(measure.units, UnitRole.CO),
        "group": units_field(measure.units, UnitRole.GROUP),
        "deadline_kind": deadline.kind.value,
        "due": deadline.due.isoformat() if deadline.due else "",
        "month": str(deadline.month or ""),
        "day": str(deadline.day or ""),
        "deadline_text": deadline.text,
        "checklist": items_text(measure.checklist),
    }
