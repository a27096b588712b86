"""An office's corrections to a parsed plan, as data: an ordered list of edits and the one pure
function that applies them to a catalog.

A correction names measures by their `ref` and says what to set (units and lead, deadline,
kind, checklist items with their evidence kinds) or how to reshape them (merge several into
the first, split one into parts). Applying is deterministic, so the same list re-applied to the
same document's next parse gives the same plan: that is how corrections outlive a re-import.
A corrected catalog is validated exactly as a catalog file is (the same schema and the same
cross-reference rules); errors name the measure and the field, in Chinese.

Bounds (checked here, in the domain, and again at each edge): MAX_EDITS per request, the
sizes of what one edit carries (units, items, parts, text lengths) and MAX_PAYLOAD_BYTES of
JSON per edit, which is how an edit is stored.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError

from checklists.catalog import (
    REF_PREFIX,
    Catalog,
    ChecklistItem,
    Deadline,
    MeasureKind,
    Strict,
    UnitRef,
    UnitRole,
)
from checklists.catalog_yaml import field_message

__all__ = [
    "Applied",
    "CorrectionError",
    "Edit",
    "KIND_LABELS",
    "MAX_CORRECTIONS_PER_PLAN",
    "MAX_EDITS",
    "MAX_PAYLOAD_BYTES",
    "Merge",
    "SetChecklist",
    "SetDeadline",
    "SetKind",
    "SetUnits",
    "Split",
    "SplitPart",
    "Stale",
    "apply_edits",
    "describe",
    "edit_from_payload",
    "edit_payload",
    "targets",
]

# A plan's measures number 20-70; an office fixes a handful at a time.
MAX_EDITS = 50
MAX_CORRECTIONS_PER_PLAN = 2_000
MAX_PAYLOAD_BYTES = 64 * 1024
MAX_REF_CHARS = 20  # the width of the measure's ref column
MAX_UNITS = 50  # the seeds' longest list of units has 12
MAX_UNIT_NAME = 100
MAX_ITEMS = 50  # checklist items of one measure
MAX_ITEM_TEXT = 1_000
MAX_DEADLINE_TEXT = 200
MAX_MERGE = 20
MAX_PARTS = 20
MAX_TITLE = 500
MAX_PART_TEXT = 20_000
MAX_MIN_EVIDENCE = 100

Ref = Annotated[str, Field(min_length=1, max_length=MAX_REF_CHARS)]


class CorrectionError(ValueError):
    """A correction that cannot be applied; the message (Chinese) names the measure and field."""


class SetUnits(Strict):
    """The measure's responsible units, lead first as the office orders them."""

    op: Literal["units"] = "units"
    ref: Ref
    units: list[UnitRef] = Field(max_length=MAX_UNITS)


class SetDeadline(Strict):
    op: Literal["deadline"] = "deadline"
    ref: Ref
    deadline: Deadline


class SetKind(Strict):
    """Measure, safeguard or outcome; the ref follows the kind (5 → S5)."""

    op: Literal["kind"] = "kind"
    ref: Ref
    kind: MeasureKind


class SetChecklist(Strict):
    """The checklist items, each with the evidence kinds it requires."""

    op: Literal["checklist"] = "checklist"
    ref: Ref
    items: list[ChecklistItem] = Field(max_length=MAX_ITEMS)


class Merge(Strict):
    """The measures `refs` become the first: texts joined, units and checklist items added."""

    op: Literal["merge"] = "merge"
    refs: list[Ref] = Field(min_length=2, max_length=MAX_MERGE)


class SplitPart(Strict):
    title: str = Field(default="", max_length=MAX_TITLE)
    text: str = Field(min_length=1, max_length=MAX_PART_TEXT)


class Split(Strict):
    """The measure `ref` becomes its first part; the others follow it as REF-2, REF-3, …"""

    op: Literal["split"] = "split"
    ref: Ref
    parts: list[SplitPart] = Field(min_length=2, max_length=MAX_PARTS)


Edit = Annotated[
    SetUnits | SetDeadline | SetKind | SetChecklist | Merge | Split, Field(discriminator="op")
]
_EDIT: TypeAdapter[Edit] = TypeAdapter(Edit)

KIND_LABELS = {MeasureKind.MEASURE: "措施", MeasureKind.SAFEGUARD: "保障措施", MeasureKind.OUTCOME: "标志性成果"}
ROLE_LABELS = {UnitRole.LEAD: "牵头", UnitRole.CO: "配合", UnitRole.GROUP: "群体"}
EVIDENCE_LABELS = {"file": "文件", "link": "链接", "note": "说明"}


def targets(edit: Edit) -> list[str]:
    """The refs an edit needs to find in the catalog."""
    return list(edit.refs) if isinstance(edit, Merge) else [edit.ref]


def edit_payload(edit: Edit) -> dict[str, Any]:
    """The edit as JSON data (how it is stored), refused over MAX_PAYLOAD_BYTES."""
    data: dict[str, Any] = edit.model_dump(mode="json")
    size = len(json.dumps(data, ensure_ascii=False).encode("utf-8"))
    if size > MAX_PAYLOAD_BYTES:
        raise CorrectionError(
            f"{_subject(edit)}:校正内容过大({size // 1024} KB),不能超过 {MAX_PAYLOAD_BYTES // 1024} KB"
        )
    return data


def edit_from_payload(data: Any) -> Edit:
    """An edit read back from JSON (stored, or sent by a form or a script), validated."""
    try:
        return _EDIT.validate_python(data)
    except ValidationError as exc:
        ref = data.get("ref") if isinstance(data, dict) else None
        who = f"措施 {ref}" if isinstance(ref, str) and ref else "校正"
        raise CorrectionError("\n".join(_error_lines(who, exc))) from None


def describe(edit: Edit) -> str:
    """The edit in words, for the audit trail and the list of a plan's corrections."""
    if isinstance(edit, SetUnits):
        units = "、".join(
            f"{u.name}({ROLE_LABELS[u.role]})" if u.role is not UnitRole.CO else u.name for u in edit.units
        )
        return f"措施 {edit.ref}:责任单位改为 {units or '(无)'}"
    if isinstance(edit, SetDeadline):
        return f"措施 {edit.ref}:完成时限改为 {deadline_words(edit.deadline)}"
    if isinstance(edit, SetKind):
        return f"措施 {edit.ref}:类别改为{KIND_LABELS[edit.kind]}"
    if isinstance(edit, SetChecklist):
        return f"措施 {edit.ref}:自查清单改为 {len(edit.items)} 项"
    if isinstance(edit, Merge):
        return f"合并措施 {'、'.join(edit.refs)}(并入 {edit.refs[0]})"
    return f"措施 {edit.ref}:拆分为 {len(edit.parts)} 项"


def deadline_words(deadline: Deadline) -> str:
    when = {
        "fixed": f"{deadline.due} 前完成",
        "fixed_then_ongoing": f"{deadline.due} 前完成并长期坚持",
        "ongoing": "长期坚持",
        "annual": f"每年 {deadline.month} 月{f'{deadline.day} 日' if deadline.day else ''}前",
        "none": "未规定",
    }[deadline.kind.value]
    return f"{when}({deadline.text})" if deadline.text else when


@dataclass(frozen=True)
class Stale:
    """A stored correction that no longer applies to the document as now parsed."""

    index: int  # 0-based position in the list applied
    edit: Edit
    reason: str


@dataclass(frozen=True)
class Applied:
    catalog: Catalog
    stale: list[Stale] = field(default_factory=list)
    # Measures whose ref changed with their kind: first ref → ref now (5 → S5).
    renamed: dict[str, str] = field(default_factory=dict)


def apply_edits(catalog: Catalog, edits: Sequence[Edit], *, strict: bool = True) -> Applied:
    """`catalog` with `edits` applied in order, validated as a catalog file is.

    `strict`: an edit whose measure is missing or whose result is invalid raises
    CorrectionError (an office's new edit). Otherwise it is skipped and reported as Stale
    (stored corrections re-applied to a revised document), and the others still apply.
    """
    data = catalog.model_dump(mode="python")
    stale: list[Stale] = []
    renamed: dict[str, str] = {}
    current = catalog
    for index, edit in enumerate(edits):
        # Each edit works on copies: one that fails leaves the catalog as the others made it.
        trial, trial_renamed = _copy(data), dict(renamed)
        try:
            _check_bounds(edit)
            _apply_one(trial, edit, trial_renamed)
            current = _validated(trial, edit)
        except CorrectionError as exc:
            if strict:
                raise
            stale.append(Stale(index, edit, str(exc)))
            continue
        data, renamed = trial, trial_renamed
    return Applied(current, stale, renamed)


def _copy(data: dict[str, Any]) -> dict[str, Any]:
    # Only the lists an edit changes are copied; the records themselves are replaced, not edited.
    return {**data, "measures": [dict(m) for m in data["measures"]], "indicators": [dict(i) for i in data["indicators"]]}


def _ref(measure: dict[str, Any]) -> str:
    return f"{REF_PREFIX.get(MeasureKind(measure['kind']), '')}{measure['number']}"


def _index(data: dict[str, Any], ref: str, edit: Edit) -> int:
    for i, measure in enumerate(data["measures"]):
        if _ref(measure) == ref:
            return i
    raise CorrectionError(f"{describe(edit)}:方案中没有编号为“{ref}”的措施")


def _apply_one(data: dict[str, Any], edit: Edit, renamed: dict[str, str]) -> None:
    measures = data["measures"]
    if isinstance(edit, Merge):
        _merge(data, edit)
        return
    i = _index(data, edit.ref, edit)
    measure = measures[i]
    if isinstance(edit, SetUnits):
        measure["units"] = [u.model_dump() for u in edit.units]
    elif isinstance(edit, SetDeadline):
        measure["deadline"] = edit.deadline.model_dump()
    elif isinstance(edit, SetChecklist):
        measure["checklist"] = [item.model_dump() for item in edit.items]
    elif isinstance(edit, SetKind):
        measure["kind"] = edit.kind
        new = _ref(measure)
        _repoint(data, {edit.ref: new})
        first = next((k for k, v in renamed.items() if v == edit.ref), edit.ref)
        renamed[first] = new
    else:
        _split(data, i, edit)


def _repoint(data: dict[str, Any], moved: dict[str, str]) -> None:
    """Targets of measures that moved (renamed or merged away) follow them."""
    for indicator in data["indicators"]:
        if indicator.get("measure") in moved:
            indicator["measure"] = moved[indicator["measure"]]


def _merge(data: dict[str, Any], edit: Merge) -> None:
    if len(set(edit.refs)) != len(edit.refs):
        raise CorrectionError(f"{describe(edit)}:同一措施不能列出两次")
    positions = [_index(data, ref, edit) for ref in edit.refs]
    measures = data["measures"]
    into = measures[positions[0]] = dict(measures[positions[0]])
    units = list(into["units"])
    names = {u["name"] for u in units}
    checklist = list(into["checklist"])
    texts, clauses, lines = [into["text"]], [into["units_text"]], set(into["lines"])
    for position in positions[1:]:
        other = measures[position]
        texts.append(other["text"])
        clauses.append(other["units_text"])
        lines.update(other["lines"])
        checklist.extend(other["checklist"])
        for unit in other["units"]:
            if unit["name"] not in names:
                # The first measure's lead leads the merged one; the others' leads assist.
                role = UnitRole.CO if unit["role"] == UnitRole.LEAD else unit["role"]
                units.append({**unit, "role": role})
                names.add(unit["name"])
    into.update(
        text="\n".join(texts),
        units_text=";".join(c for c in clauses if c),
        units=units,
        checklist=checklist,
        lines=sorted(lines),
    )
    for position in sorted(positions[1:], reverse=True):
        del measures[position]
    _repoint(data, dict.fromkeys(edit.refs[1:], edit.refs[0]))


def _split(data: dict[str, Any], i: int, edit: Split) -> None:
    measures = data["measures"]
    original = measures[i]
    taken = {_ref(m) for m in measures}
    parts = []
    for k, part in enumerate(edit.parts, start=1):
        number = original["number"] if k == 1 else f"{original['number']}-{k}"
        measure = {**original, "number": number, "title": part.title.strip() or _title_of(part.text), "text": part.text}
        if k > 1:
            measure["checklist"] = [dict(item) for item in original["checklist"]]
            if _ref(measure) in taken:
                raise CorrectionError(f"{describe(edit)}:拆分出的编号“{_ref(measure)}”已被其他措施使用")
        parts.append(measure)
    measures[i : i + 1] = parts


_CLAUSE_END = "。;;,,:"


def _title_of(text: str) -> str:
    """A part's title when none is given: its first clause, as the parser titles a measure."""
    text = text.strip()
    end = next((k for k, ch in enumerate(text) if ch in _CLAUSE_END), len(text))
    return text[: min(end, 60)] or text[:60]


def _check_bounds(edit: Edit) -> None:
    """Lengths the schema leaves open but the database and the pages cannot."""
    subject = _subject(edit)
    if isinstance(edit, SetUnits):
        seen: set[str] = set()
        for k, unit in enumerate(edit.units):
            if len(unit.name) > MAX_UNIT_NAME:
                raise CorrectionError(f"{subject} 字段 units.{k}.name: 单位名称过长,不能超过 {MAX_UNIT_NAME} 个字符")
            if unit.name in seen:
                raise CorrectionError(f"{subject} 字段 units.{k}.name: 单位“{unit.name}”重复")
            seen.add(unit.name)
    elif isinstance(edit, SetDeadline) and len(edit.deadline.text) > MAX_DEADLINE_TEXT:
        raise CorrectionError(f"{subject} 字段 deadline.text: 过长,不能超过 {MAX_DEADLINE_TEXT} 个字符")
    elif isinstance(edit, SetChecklist):
        for k, item in enumerate(edit.items):
            if len(item.text) > MAX_ITEM_TEXT:
                raise CorrectionError(f"{subject} 字段 checklist.{k}.text: 过长,不能超过 {MAX_ITEM_TEXT} 个字符")
            if len(set(item.evidence_kinds)) != len(item.evidence_kinds) or not item.evidence_kinds:
                raise CorrectionError(f"{subject} 字段 checklist.{k}.evidence_kinds: 佐证类型不能为空或重复")
            if item.min_evidence > MAX_MIN_EVIDENCE:
                raise CorrectionError(
                    f"{subject} 字段 checklist.{k}.min_evidence: 不能大于 {MAX_MIN_EVIDENCE}"
                )


def _subject(edit: Edit) -> str:
    return f"措施 {edit.refs[0]}" if isinstance(edit, Merge) else f"措施 {edit.ref}"


def _validated(data: dict[str, Any], edit: Edit) -> Catalog:
    """The edited catalog through the catalog file's own validation; errors name the measure."""
    try:
        catalog = Catalog.model_validate(data, context={"defer_references": True})
    except ValidationError as exc:
        raise CorrectionError("\n".join(_located_lines(data, exc, edit))) from None
    broken = catalog.reference_errors()
    if broken:
        raise CorrectionError(
            "\n".join(f"{describe(edit)}:{_where(data, loc)}{message}" for loc, message in broken)
        )
    if any(len(m.checklist) > MAX_ITEMS for m in catalog.measures if m.ref in targets(edit)):
        raise CorrectionError(f"{describe(edit)}:自查清单条目过多,每项措施不能超过 {MAX_ITEMS} 项")
    return catalog


def _where(data: dict[str, Any], loc: tuple[str | int, ...]) -> str:
    if len(loc) >= 2 and loc[0] == "measures" and isinstance(loc[1], int) and loc[1] < len(data["measures"]):
        rest = ".".join(str(p) for p in loc[2:])
        return f"措施 {_ref(data['measures'][loc[1]])}" + (f" 字段 {rest}" if rest else "") + ": "
    return f"字段 {'.'.join(str(p) for p in loc)}: "


def _located_lines(data: dict[str, Any], exc: ValidationError, edit: Edit) -> list[str]:
    return [f"{describe(edit)}:{_where(data, tuple(err['loc']))}{field_message(err)}" for err in exc.errors()]


def _error_lines(who: str, exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        # The union's tag is the first part of the location; it says nothing to the office.
        loc = [str(p) for p in err["loc"]][1:] if err["type"] != "union_tag_invalid" else []
        where = f" 字段 {'.'.join(loc)}" if loc else ""
        message = "校正类别无效,可选 units/deadline/kind/checklist/merge/split" if err["type"] in (
            "union_tag_invalid",
            "union_tag_not_found",
        ) else field_message(err)
        out.append(f"{who}{where}: {message}")
    return out
