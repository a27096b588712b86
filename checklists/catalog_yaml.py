"""Catalog ⇄ YAML. Errors in an edited catalog name the file, the line and the field.

A catalog file comes from an office's editor or an upload at /office/import: it is read within
the bounds of `checklists.bounded_yaml` (no anchors, aliases or tags, limited nesting), and at
most MAX_CATALOG_BYTES, checked before parsing.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML

from checklists.bounded_yaml import (
    YamlFileError,
    bounded_yaml,
    line_of,
    load_bounded,
    read_bounded_text,
)
from checklists.catalog import Catalog

HEADER = """\
# zonecheck 方案目录(可由领导小组办公室审核、修改后用 `zonecheck import 本文件` 重新载入)
# lines: 原文行号; units.role: lead 牵头 / co 配合 / group 成员单位群体
# checklist: 自查清单条目, evidence_kinds 可填 file / link / note, min_evidence 为最少佐证数量
"""


# The seed catalogs are 27-51 KB for 20-70 measures; 5 MB is a hundred times the largest.
MAX_CATALOG_BYTES = 5 * 1024 * 1024


class CatalogError(ValueError):
    """A catalog file that cannot be read; the message is for the user, in Chinese."""


def _yaml() -> YAML:
    return bounded_yaml("方案目录")


def _plain(value: Any) -> Any:
    """Pydantic's python dump with enums as their values, for YAML."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "value") and isinstance(getattr(value, "value", None), str):
        return value.value  # enums
    return value


def dump_catalog(catalog: Catalog) -> str:
    data = _plain(catalog.model_dump(mode="python", exclude_none=True))
    for measure in data["measures"]:
        for item in measure["checklist"]:
            if item.get("evidence_kinds") == ["file"] and item.get("min_evidence") == 1:
                del item["evidence_kinds"], item["min_evidence"]  # the defaults; keep YAML short
        if measure["deadline"] == {"kind": "none", "text": ""}:
            del measure["deadline"]
    out = io.StringIO()
    out.write(HEADER)
    _yaml().dump(data, out)
    return out.getvalue()


def write_catalog(catalog: Catalog, path: Path) -> None:
    write_text_atomically(path, dump_catalog(catalog))


def write_text_atomically(path: Path, text: str) -> None:
    """Write to a temporary file, then rename: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def load_catalog(text: str, *, source: str) -> Catalog:
    """Parse and validate a catalog; CatalogError (naming `source`, line and field) if not one."""
    # Characters never outnumber UTF-8 bytes, so the cheap length check comes first.
    if len(text) > MAX_CATALOG_BYTES or len(text.encode("utf-8")) > MAX_CATALOG_BYTES:
        raise CatalogError(_too_large(source))
    try:
        data = load_bounded(text, source=source, document="方案目录")
    except YamlFileError as exc:
        raise CatalogError(str(exc)) from None
    if not isinstance(data, dict):
        raise CatalogError(f"{source}: 不是方案目录文件(顶层应为映射,含 plan 与 measures)")
    try:
        catalog = Catalog.model_validate(_to_builtin(data), context={"defer_references": True})
    except ValidationError as exc:
        messages = [_describe(err, data, source) for err in exc.errors()]
        raise CatalogError("\n".join(messages)) from None
    broken = catalog.reference_errors()
    if broken:
        raise CatalogError("\n".join(_located(source, data, loc, msg) for loc, msg in broken))
    return catalog


def _too_large(source: str) -> str:
    return f"{source}: 文件超过 {MAX_CATALOG_BYTES // (1024 * 1024)} MB,不是方案目录(方案目录通常不足 100 KB)"


def read_catalog(path: Path) -> Catalog:
    """Read a catalog file, refusing one over MAX_CATALOG_BYTES before reading it whole."""
    try:
        text = read_bounded_text(path, max_bytes=MAX_CATALOG_BYTES, too_large=_too_large(str(path)))
    except YamlFileError as exc:
        raise CatalogError(str(exc)) from None
    return load_catalog(text, source=str(path))


def _to_builtin(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _to_builtin(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_builtin(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.date()
    return value


_MESSAGES = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不认识的字段(拼写错误?)",
    "string_too_short": "不能为空",
    "string_type": "应为文本",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "decimal_parsing": "应为数字",
    "decimal_type": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "list_type": "应为列表",
    "dict_type": "应为映射",
    "model_type": "应为映射",
    "string_pattern_mismatch": "格式不符(只能用字母、数字、-、_、.)",
}


def _located(source: str, data: Any, loc: tuple[int | str, ...], message: str) -> str:
    line = line_of(data, loc)
    where = f" 第 {line} 行" if line else ""
    field = ".".join(str(p) for p in loc) or "(顶层)"
    return f"{source}{where}: 字段 {field}: {message}"


def _describe(err: ErrorDetails, data: Any, source: str) -> str:
    return _located(source, data, tuple(err["loc"]), field_message(err))


def field_message(err: ErrorDetails) -> str:
    """One validation error of a catalog record in Chinese, without where it is (the caller
    names the file and line, or the measure being corrected)."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind in _MESSAGES:
        message = _MESSAGES[kind]
    elif kind.startswith("date") or kind.startswith("datetime"):
        message = f"日期无效,应为 YYYY-MM-DD: {err.get('input')!r}"
    elif kind == "enum":
        message = f"取值无效 {err.get('input')!r},可选: {ctx.get('expected', '')}"
    elif kind in ("greater_than_equal", "greater_than"):
        message = f"不能小于 {ctx.get('ge', ctx.get('gt'))}"
    elif kind in ("less_than_equal", "less_than"):
        message = f"不能大于 {ctx.get('le', ctx.get('lt'))}"
    elif kind == "value_error":
        message = str(ctx.get("error", err["msg"]))
    elif kind == "string_too_long":
        message = f"过长,不能超过 {ctx.get('max_length')} 个字符"
    elif kind == "too_long":
        message = f"条目过多,不能超过 {ctx.get('max_length')} 项"
    elif kind == "too_short":
        message = f"至少需要 {ctx.get('min_length')} 项"
    else:
        message = err["msg"]
    return message
