"""YAML files an office edits (a plan catalog, an index system), read within bounds.

Such a file comes from an office's editor or an upload, so reading one is bounded before any
work grows with it: at most a given number of bytes (checked before parsing, by the caller),
at most MAX_DEPTH levels of nesting, and no anchors, aliases or tags at all. These files never
need them (the dumper writes none), and an alias is how a 471-byte file of eight nested anchors
expands to billions of nodes (56 s and 2.5 GB before this check); refusing them while the
document is composed stops such a file at its first anchor, before anything is expanded.

Dates and decimals stay text until the caller's schema reads them, so `2025-13-45` becomes a
field error with a line number and `4.5` points keep every digit instead of passing a float.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.representer import RoundTripRepresenter

__all__ = ["MAX_DEPTH", "YamlFileError", "bounded_yaml", "line_of", "load_bounded", "read_bounded_text"]

# A catalog nests six levels (plan → measures → measure → checklist → item → kinds), an index
# system five (indicators → indicator → evidence → slot → kinds).
MAX_DEPTH = 20


class YamlFileError(ValueError):
    """A YAML file that cannot be read; the message (Chinese) names the file and line."""


class _Refused(MarkedYAMLError):
    """A construct these files never use, refused where it starts (the message is Chinese)."""


@cache  # one class per kind of file, made on first use
def _bounded_composer(document: str) -> type[Composer]:
    class BoundedComposer(Composer):
        """Refuses anchors, aliases (and so `<<` merges), explicit tags and nesting deeper than
        MAX_DEPTH while the node tree is built, before the constructor could expand anything.
        Tags are refused too: `!!set` on a scalar, found by the catalog fuzz test, crashes
        ruamel.yaml's constructor with an AttributeError."""

        def __init__(self, loader: Any = None) -> None:
            super().__init__(loader=loader)
            self._depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.parser.peek_event()
            if isinstance(event, AliasEvent) or getattr(event, "anchor", None) is not None:
                raise _Refused(
                    problem=f"{document}中不能使用 YAML 锚点(&)或别名(*),请把内容直接写出",
                    problem_mark=event.start_mark,
                )
            if getattr(event, "tag", None) is not None:
                raise _Refused(
                    problem=f"{document}中不能使用 YAML 标签({event.tag}),请去掉标签,直接写出内容",
                    problem_mark=event.start_mark,
                )
            self._depth += 1
            try:
                if self._depth > MAX_DEPTH:
                    raise _Refused(
                        problem=f"嵌套超过 {MAX_DEPTH} 层,不是{document}",
                        problem_mark=event.start_mark,
                    )
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

    return BoundedComposer


class _Constructor(RoundTripConstructor):
    """Timestamps and floats constructed as their text (see the module's docstring)."""


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_str)
_Constructor.add_constructor("tag:yaml.org,2002:float", _Constructor.construct_yaml_str)


class _Representer(RoundTripRepresenter):
    def represent_decimal(self, value: Decimal) -> Any:
        text = format(value.normalize(), "f")
        tag = "tag:yaml.org,2002:int" if value == value.to_integral_value() else "tag:yaml.org,2002:float"
        return self.represent_scalar(tag, text)


_Representer.add_representer(Decimal, _Representer.represent_decimal)

def bounded_yaml(document: str) -> YAML:
    """A round-trip YAML reader and writer whose refusals call the file a `document`
    (方案目录, 指标体系文件)."""
    yaml = YAML(typ="rt")
    yaml.Composer = _bounded_composer(document)
    yaml.Constructor = _Constructor
    yaml.Representer = _Representer
    yaml.allow_unicode = True
    yaml.width = 4096  # one text per line, so diffs of a revised file stay readable
    yaml.indent(mapping=2, sequence=4, offset=2)
    # No &anchors / *aliases for repeated values: an office editing one field must not edit others.
    yaml.representer.ignore_aliases = lambda *args: True
    return yaml


def read_bounded_text(path: Path, *, max_bytes: int, too_large: str) -> str:
    """The UTF-8 text of `path`, read no further than `max_bytes` (+1 to know it is over):
    YamlFileError with the `too_large` message past it, or naming the line of a byte that is
    not UTF-8."""
    with open(path, "rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise YamlFileError(too_large)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise YamlFileError(f"{path} 第 {line} 行: 不是 UTF-8 编码的文本") from None


def load_bounded(text: str, *, source: str, document: str) -> Any:
    """The YAML `text` as ruamel's commented maps and lists (which know their lines), or
    YamlFileError naming `source` and the line. The caller has bounded the text's size."""
    try:
        return bounded_yaml(document).load(text)
    except _Refused as exc:
        line = f" 第 {exc.problem_mark.line + 1} 行" if exc.problem_mark is not None else ""
        raise YamlFileError(f"{source}{line}: {exc.problem}") from None
    except MarkedYAMLError as exc:
        raise YamlFileError(_syntax_error(exc, source)) from None
    except YAMLError as exc:
        raise YamlFileError(f"{source}: YAML 格式错误: {exc}") from None


def _syntax_error(exc: MarkedYAMLError, source: str) -> str:
    """The line of the problem, and where the broken construct began when that is elsewhere
    (an unclosed quote is found at the end of the file but opened far above)."""
    problem, context = exc.problem_mark, exc.context_mark
    where = f" 第 {problem.line + 1} 行" if problem is not None else ""
    if context is not None and (problem is None or context.line != problem.line):
        where += f"(始于第 {context.line + 1} 行)"
    detail = "; ".join(x for x in (exc.context, exc.problem) if x)
    return f"{source}{where}: YAML 格式错误: {detail}"


def line_of(data: Any, loc: tuple[int | str, ...]) -> int | None:
    """1-based line of the deepest node of `loc` that exists in the loaded YAML."""
    node, line = data, None
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            line = node.lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
        else:
            break
    return line
