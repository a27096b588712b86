"""Index system ⇄ YAML: the format an office edits, and the one `index example` prints.

Read with the bounds of `checklists.bounded_yaml` (no anchors, aliases or tags, 20 levels) and
at most MAX_INDEX_BYTES, checked before parsing. Written without the fields left at their
default, so the example an office starts from stays short; what is written loads back equal.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from checklists.bounded_yaml import (
    YamlFileError,
    bounded_yaml,
    line_of,
    load_bounded,
    read_bounded_text,
)
from checklists.catalog import Catalog, EvidenceKind
from checklists.indexsys.model import Consolidation, Indicator, IndicatorType
from checklists.indexsys.reading import IndexFileError, RawIndicator, build_system
from checklists.indexsys.system import IndexSystem

__all__ = ["HEADER", "MAX_INDEX_BYTES", "dump_index", "load_index_yaml", "read_index_yaml"]

DOCUMENT = "指标体系文件"
# An index system of 150 indicators with guidance and evidence slots is about 60 KB; the
# example of the largest seed (70 measures) 30 KB. 2 MB is thirty times the largest.
MAX_INDEX_BYTES = 2 * 1024 * 1024

HEADER = """\
# zonecheck 评价指标体系(领导小组办公室可修改后用 `zonecheck index load 方案 本文件` 载入)
# total: 总分(不含加分项); bonus_total: 加分上限(可不填); grades: 各等次最低分,低于合格线为不合格
# consolidation: 专家评分汇总方式 leader 组长评分 / mean 平均分 / trimmed_mean 去掉最高分和最低分后的平均分
# indicators: level 1/2/3 为一级/二级/三级指标, parent 为上级指标编号, points 为分值(最多两位小数),
#   type: scored 评分类(0 至满分)/ met 达标类(达标得满分,不达标 0 分); bonus: 加分项; veto: 一票否决
#   evidence: 佐证材料(what 材料, kinds 可填 file / link / note, required: false 为非必需)
#   measures: 对应方案措施编号; indicators: 对应方案数值指标名称
"""


def _too_large(source: str) -> str:
    return f"{source}: 文件超过 {MAX_INDEX_BYTES // (1024 * 1024)} MB,不是指标体系文件(通常不足 100 KB)"


def read_index_yaml(path: Path, *, catalog: Catalog | None = None) -> IndexSystem:
    """Read an index system file, refusing one over MAX_INDEX_BYTES before reading it whole."""
    try:
        text = read_bounded_text(path, max_bytes=MAX_INDEX_BYTES, too_large=_too_large(str(path)))
    except YamlFileError as exc:
        raise IndexFileError(str(exc)) from None
    return load_index_yaml(text, source=str(path), catalog=catalog)


def load_index_yaml(text: str, *, source: str, catalog: Catalog | None = None) -> IndexSystem:
    """Parse and validate an index system; IndexFileError (naming `source`, line and field)
    if it is not one, or (with `catalog`) maps to what the plan does not have."""
    if len(text) > MAX_INDEX_BYTES or len(text.encode("utf-8")) > MAX_INDEX_BYTES:
        raise IndexFileError(_too_large(source))
    try:
        data = load_bounded(text, source=source, document=DOCUMENT)
    except YamlFileError as exc:
        raise IndexFileError(str(exc)) from None
    if not isinstance(data, Mapping):
        raise IndexFileError(f"{source}: 不是指标体系文件(顶层应为映射,含 name、plan、total 与 indicators)")
    items = data.get("indicators")
    if not isinstance(items, list):
        where = line_of(data, ("indicators",))
        at = f" 第 {where} 行" if where else ""
        raise IndexFileError(f"{source}{at}: 字段 indicators: 应为指标列表")
    records: list[RawIndicator] = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise IndexFileError(f"{source} 第 {line_of(data, ('indicators', i))} 行: 字段 indicators.{i}: 应为映射")
        records.append(RawIndicator({str(k): v for k, v in item.items()}, line_of(data, ("indicators", i))))

    def locate(index: int | None, field: str) -> str:
        parts: list[int | str] = [int(p) if p.isdigit() else p for p in field.split(".")]
        if index is None:
            line = line_of(data, tuple(parts))
            return f"第 {line} 行: 字段 {field}" if line else f"字段 {field}"
        line = line_of(data, ("indicators", index, *parts))
        code = records[index].values.get("code")
        who = f"指标 {code} " if code is not None and not isinstance(code, list | Mapping) else ""
        return f"第 {line} 行: {who}字段 {field}"

    header = {str(k): v for k, v in data.items() if k != "indicators"}
    return build_system(header, records, source=source, locate=locate, catalog=catalog)


def _indicator_data(ind: Indicator) -> dict[str, Any]:
    out: dict[str, Any] = {"code": ind.code, "name": ind.name, "level": int(ind.level)}
    if ind.parent is not None:
        out["parent"] = ind.parent
    out["points"] = ind.points
    if ind.type is not IndicatorType.SCORED:
        out["type"] = ind.type.value
    if ind.bonus:
        out["bonus"] = True
    if ind.veto:
        out["veto"] = True
    if ind.guidance:
        out["guidance"] = ind.guidance
    if ind.evidence:
        slots: list[dict[str, Any]] = []
        for slot in ind.evidence:
            entry: dict[str, Any] = {"what": slot.what}
            if slot.kinds != (EvidenceKind.FILE,):
                entry["kinds"] = [k.value for k in slot.kinds]
            if not slot.required:
                entry["required"] = False
            slots.append(entry)
        out["evidence"] = slots
    if ind.measures:
        out["measures"] = list(ind.measures)
    if ind.metrics:
        out["indicators"] = list(ind.metrics)
    return out


def dump_index(system: IndexSystem) -> str:
    """The system as YAML with a commented header; `load_index_yaml` reads it back equal."""
    data: dict[str, Any] = {"format": system.format, "name": system.name, "plan": system.plan}
    data["total"] = system.total
    if system.bonus_total is not None:
        data["bonus_total"] = system.bonus_total
    grades = system.grades
    data["grades"] = {
        k: v
        for k, v in (("优秀", grades.excellent), ("良好", grades.good), ("合格", grades.passing))
        if v is not None
    }
    if system.consolidation is not Consolidation.LEADER:
        data["consolidation"] = system.consolidation.value
    if system.note:
        data["note"] = system.note
    data["indicators"] = [_indicator_data(i) for i in system.indicators]
    out = io.StringIO()
    out.write(HEADER)
    bounded_yaml(DOCUMENT).dump(data, out)
    return out.getvalue()
