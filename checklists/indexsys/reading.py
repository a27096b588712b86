"""Raw records, from a YAML file or a sheet, to an index system; every error located.

Both file formats come down to the same thing: a few system fields (name, plan, total, grade
lines…) and one record per indicator, whose values are YAML scalars and lists or cell texts.
This module reads those values the same way for both (`达标` or `met`, `是` or `true`, `1、2、S1`
or a list), collects every problem of every record with the place the format gives it (a
YAML line and field path, a sheet row and column), then the rules of the whole tree and, when
a catalog is given, its mapping to the plan; and raises one `IndexFileError` listing them all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from checklists.catalog import Catalog, EvidenceKind
from checklists.indexsys.model import (
    MAX_SLOTS,
    Consolidation,
    EvidenceSlot,
    FieldProblem,
    Grade,
    GradeLines,
    Indicator,
    IndicatorType,
    Level,
    check_points,
)
from checklists.indexsys.rules import MAX_INDICATORS, Problem, mapping_problems
from checklists.indexsys.system import FORMAT, IndexSystem, InvalidIndexSystem

__all__ = [
    "MAX_PROBLEMS_SHOWN",
    "IndexFileError",
    "Locate",
    "build_system",
    "split_list",
]

# An office fixes a file from the messages; past this many, more would only scroll the first
# ones away (the count of the rest is given).
MAX_PROBLEMS_SHOWN = 50


class IndexFileError(ValueError):
    """An index system file that cannot be loaded; the message (Chinese) names the file and,
    for each problem, the line or row and the field."""


# (record index or None for a system field, field name) → "第 12 行 字段 indicators.3.points".
Locate = Callable[[int | None, str], str]

_TRUE = {"true", "yes", "y", "1", "是", "√", "✓", "有"}
_FALSE = {"false", "no", "n", "0", "否", "×", "无", ""}
_TYPES = {
    "met": IndicatorType.MET,
    "达标": IndicatorType.MET,
    "达标类": IndicatorType.MET,
    "scored": IndicatorType.SCORED,
    "评分": IndicatorType.SCORED,
    "评分类": IndicatorType.SCORED,
}
_LEVELS = {"1": 1, "2": 2, "3": 3, "一级": 1, "二级": 2, "三级": 3, "一": 1, "二": 2, "三": 3}
_KINDS = {
    "file": EvidenceKind.FILE,
    "文件": EvidenceKind.FILE,
    "link": EvidenceKind.LINK,
    "链接": EvidenceKind.LINK,
    "网址": EvidenceKind.LINK,
    "note": EvidenceKind.NOTE,
    "说明": EvidenceKind.NOTE,
    "文字说明": EvidenceKind.NOTE,
}
_CONSOLIDATION = {
    "leader": Consolidation.LEADER,
    "组长": Consolidation.LEADER,
    "组长评分": Consolidation.LEADER,
    "mean": Consolidation.MEAN,
    "平均": Consolidation.MEAN,
    "平均分": Consolidation.MEAN,
    "trimmed_mean": Consolidation.TRIMMED_MEAN,
    "去掉最高分和最低分": Consolidation.TRIMMED_MEAN,
    "去掉最高分和最低分后的平均分": Consolidation.TRIMMED_MEAN,
}
# Measure refs are short codes (`5`, `S1`): any separator a person types between them.
_REF_SEPARATORS = re.compile(r"[\s,,、;;]+")
# Numeric indicator names may hold 、 (国家、省扶持资金): only lines and semicolons separate them.
_NAME_SEPARATORS = re.compile(r"[\n;;]+")


def split_list(value: object, separators: re.Pattern[str]) -> list[str]:
    """A list as YAML gives it, or a cell's text cut at `separators`."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [_scalar_text(v) for v in value]
    return [p for p in (x.strip() for x in separators.split(_scalar_text(value))) if p]


def _scalar_text(value: object) -> str:
    if isinstance(value, bool):
        raise FieldProblem("", "应为文本")
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | Decimal):
        return str(value)
    raise FieldProblem("", "应为文本")


def _text(value: object) -> str:
    return "" if value is None else _scalar_text(value)


def _decimal(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise FieldProblem("", "应为数字")
    text = str(value).strip()
    if len(text) > 30:  # a number of points is a few digits; keep Decimal from parsing a novel
        raise FieldProblem("", f"不是有效的分数: {text[:30]}…")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise FieldProblem("", f"应为数字: {text!r}") from None


def _bool(value: object) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    text = _scalar_text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise FieldProblem("", f"应为 是/否(true/false): {text!r}")


def _choice(value: object, table: Mapping[str, Any], expected: str) -> Any:
    text = _text(value).lower()
    if text not in table:
        raise FieldProblem("", f"取值无效 {text!r},可选: {expected}")
    return table[text]


def _kinds(value: object) -> tuple[EvidenceKind, ...]:
    names = split_list(value, _REF_SEPARATORS)
    if not names:
        return (EvidenceKind.FILE,)
    return tuple(_choice(n, _KINDS, "file / link / note(文件 / 链接 / 说明)") for n in names)


def _slots(value: object) -> tuple[EvidenceSlot, ...]:
    """YAML: a list of `{what, kinds, required}` or plain texts (a required file each)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise FieldProblem("", "应为列表")
    if len(value) > MAX_SLOTS:  # before reading each: the count alone refuses the list
        raise FieldProblem("", f"佐证材料最多 {MAX_SLOTS} 项,此处有 {len(value)} 项")
    slots = []
    for i, item in enumerate(value):
        try:
            if isinstance(item, str):
                slots.append(EvidenceSlot(item.strip()))
                continue
            if not isinstance(item, Mapping):
                raise FieldProblem("", "应为文本或映射(what / kinds / required)")
            unknown = set(item) - {"what", "kinds", "required"}
            if unknown:
                raise FieldProblem(str(sorted(unknown)[0]), "不认识的字段(拼写错误?)")
            slots.append(
                EvidenceSlot(_text(item.get("what")), _kinds(item.get("kinds")), _bool(item.get("required", True)))
            )
        except FieldProblem as exc:
            raise FieldProblem(f"{i}.{exc.field}".rstrip("."), exc.message) from None
    return tuple(slots)


@dataclass(frozen=True)
class RawIndicator:
    """One record as the file gives it; `line` is the record's line or row."""

    values: Mapping[str, object]
    line: int | None


SYSTEM_FIELDS = (
    "format",
    "name",
    "plan",
    "total",
    "bonus_total",
    "grades",
    "consolidation",
    "note",
    "indicators",
)


def _indicator(raw: RawIndicator, field_errors: list[tuple[str, str]]) -> Indicator | None:
    v = raw.values
    parsed: dict[str, Any] = {}
    readers: dict[str, Callable[[object], Any]] = {
        "code": _text,
        "name": _text,
        "level": lambda x: Level(_choice(x, _LEVELS, "1 / 2 / 3(一级 / 二级 / 三级)")),
        "parent": lambda x: _text(x) or None,
        "points": _decimal,
        "type": lambda x: _choice(x, _TYPES, "met / scored(达标 / 评分)") if _text(x) else IndicatorType.SCORED,
        "bonus": _bool,
        "veto": _bool,
        "guidance": _text,
        "evidence": _slots,
        "measures": lambda x: tuple(split_list(x, _REF_SEPARATORS)),
        "indicators": lambda x: tuple(split_list(x, _NAME_SEPARATORS)),
    }
    for name in v:
        if name not in readers:
            field_errors.append((name, "不认识的字段(拼写错误?)"))
    for name, read in readers.items():
        value = v.get(name)
        if name in ("code", "name", "level", "points") and (value is None or value == ""):
            field_errors.append((name, "缺少必填字段"))
            continue
        try:
            parsed[name] = read(value)
        except FieldProblem as exc:
            where = f"{name}.{exc.field}" if exc.field else name
            field_errors.append((where, exc.message))
    if field_errors:
        return None
    try:
        # The file's `indicators` (numeric indicators mapped) is the model's `metrics`.
        kwargs = {("metrics" if k == "indicators" else k): value for k, value in parsed.items()}
        return Indicator(**kwargs, line=raw.line)
    except FieldProblem as exc:
        field_errors.append((exc.field, exc.message))
        return None


def _format(value: object) -> int:
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value == FORMAT):
        return FORMAT
    raise FieldProblem("", f"不支持的格式版本 {value!r},本程序读取 format: {FORMAT}")


def _grades(value: object, total: Decimal) -> GradeLines:
    if value is None:
        return GradeLines.default(total)
    if not isinstance(value, Mapping):
        raise FieldProblem("", "应为映射(优秀 / 良好 / 合格: 分数线)")
    allowed = {Grade.EXCELLENT.value, Grade.GOOD.value, Grade.PASS.value}
    for key in value:
        if key not in allowed:
            raise FieldProblem(str(key), "等次只能是 优秀、良好、合格(低于合格线为不合格)")
    if Grade.PASS.value not in value:
        raise FieldProblem(Grade.PASS.value, "缺少合格线")

    def line(key: str) -> Decimal | None:
        raw = value.get(key)
        if raw is None:
            return None
        try:
            return check_points(_decimal(raw), key)
        except FieldProblem as exc:
            raise FieldProblem(key, exc.message) from None

    passing = line(Grade.PASS.value)
    assert passing is not None
    try:
        return GradeLines(passing, line(Grade.GOOD.value), line(Grade.EXCELLENT.value))
    except FieldProblem as exc:
        raise FieldProblem(exc.field.removeprefix("grades."), exc.message) from None


def build_system(
    header: Mapping[str, object],
    records: Sequence[RawIndicator],
    *,
    source: str,
    locate: Locate,
    catalog: Catalog | None,
) -> IndexSystem:
    """The index system the records describe, or IndexFileError naming every problem."""
    errors: list[str] = []

    def add(index: int | None, field: str, message: str) -> None:
        errors.append(f"{source} {locate(index, field)}: {message}".replace("  ", " "))

    system: dict[str, Any] = {}
    for key in header:
        if key not in SYSTEM_FIELDS:
            add(None, str(key), "不认识的字段(拼写错误?)")
    for key, read, required in (
        ("format", _format, False),
        ("name", _text, True),
        ("plan", _text, True),
        ("total", lambda x: check_points(_decimal(x), "total", allow_zero=False), True),
        ("bonus_total", lambda x: None if x is None else check_points(_decimal(x), "bonus_total"), False),
        ("consolidation", lambda x: _choice(x, _CONSOLIDATION, "leader / mean / trimmed_mean") if x else Consolidation.LEADER, False),
        ("note", _text, False),
    ):
        value = header.get(key)
        if required and (value is None or value == ""):
            add(None, key, "缺少必填字段")
            continue
        try:
            system[key] = read(value)
        except FieldProblem as exc:
            add(None, key, exc.message)
    if "total" in system:
        try:
            system["grades"] = _grades(header.get("grades"), system["total"])
        except FieldProblem as exc:
            add(None, f"grades.{exc.field}".rstrip("."), exc.message)

    if len(records) > MAX_INDICATORS:  # before reading each record
        add(None, "indicators", f"指标共 {len(records)} 项,超过 {MAX_INDICATORS} 项的上限")
        raise IndexFileError(_joined(errors))
    indicators: list[Indicator] = []
    index_of_line: dict[int | None, int] = {}
    for i, raw in enumerate(records):
        field_errors: list[tuple[str, str]] = []
        ind = _indicator(raw, field_errors)
        for field, message in field_errors:
            add(i, field, message)
        if ind is not None:
            indicators.append(ind)
            index_of_line.setdefault(ind.line, i)
    if errors:
        raise IndexFileError(_joined(errors))

    problems: list[Problem] = []
    result: IndexSystem | None = None
    try:
        result = IndexSystem(indicators=tuple(indicators), **system)
    except InvalidIndexSystem as exc:
        problems += exc.problems
    if catalog is not None:
        if system["plan"] != catalog.plan.key:
            message = f"指标体系属于方案 {system['plan']},不是方案 {catalog.plan.key}"
            problems.insert(0, Problem(None, "plan", message))
        problems += mapping_problems(indicators, catalog)
    for p in problems:
        add(index_of_line.get(p.line) if p.code is not None else None, p.field, p.message)
    if errors or result is None:
        raise IndexFileError(_joined(errors))
    return result


def _joined(errors: list[str]) -> str:
    shown = errors[:MAX_PROBLEMS_SHOWN]
    if len(errors) > len(shown):
        shown.append(f"…另有 {len(errors) - len(shown)} 处问题未列出")
    return "\n".join(shown)
