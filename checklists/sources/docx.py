"""A Word .docx → the plan's text (python-docx): paragraphs and tables in body order, with
Word's automatic numbering written back as the printed numbers.

An auto-numbered list keeps no numbers in its text: Word draws "1." or "(三)" from the
numbering definitions (numbering.xml) as it lays the page out. Here the same counting is
done (`Numbering`), so a plan typed with auto-numbered lists reads the same as the printed
one:

* a paragraph's list is its own `numPr` (numId, level), else its style's;
* a `w:num` points at an abstract definition whose levels give the start, the format
  (decimal, 一二三 chineseCounting…) and the text (`%1.`, `(%1)`, `%1.%2`);
* lists sharing an abstract definition count on together, and a `w:num` with a
  `startOverride` restarts a level the first time it is used (how Word writes "restart at 1");
* counting a level resets the deeper ones.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from checklists.sources.errors import UnreadableFile
from checklists.sources.limits import MAX_CELLS, MAX_ROWS
from checklists.sources.tables import table_lines
from checklists.tasktable import chinese_number

__all__ = ["Numbering", "docx_to_text", "format_number"]

def docx_to_text(data: bytes, name: str) -> str:
    """The document's text, a paragraph or table row a line."""
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnreadableFile(f"{name}:Word 文档已损坏或不是有效的 .docx 文件,无法读取({exc})") from None
    except Exception as exc:  # lxml's XMLSyntaxError and friends on a damaged part
        raise UnreadableFile(f"{name}:Word 文档已损坏,无法读取({type(exc).__name__})") from None
    numbering = Numbering.of(document)
    cells = 0
    lines: list[str] = []
    for block in _blocks(document.element.body, document):
        if isinstance(block, Table):
            grid = []
            for row in block.rows[:MAX_ROWS]:
                texts = [_cell_text(cell, numbering) for cell in row.cells]
                cells += len(texts)
                if cells > MAX_CELLS:
                    raise UnreadableFile(f"{name}:表格单元格超过 {MAX_CELLS} 个,不像是一篇方案")
                grid.append(texts)
            lines.extend(table_lines(grid))
        else:
            lines.extend(_paragraph_lines(block, numbering))
    text = "\n".join(line for line in lines if line.strip())
    if not text:
        raise UnreadableFile(f"{name}:Word 文档中没有文字")
    return text + "\n"


def _blocks(body: Any, document: Any) -> Iterator[Paragraph | Table]:
    """Paragraphs and tables in the order they stand, content controls opened."""
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            yield Paragraph(child, document)
        elif child.tag == qn("w:tbl"):
            yield Table(child, document)
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _blocks(content, document)


def _paragraph_lines(paragraph: Paragraph, numbering: Numbering) -> list[str]:
    label = numbering.label(paragraph)
    text = paragraph.text
    lines = [" ".join(part.split()) if part.strip() else "" for part in text.split("\n")]
    if label and lines:
        lines[0] = label + lines[0]
    return lines


def _cell_text(cell: Any, numbering: Numbering) -> str:
    parts: list[str] = []
    for paragraph in cell.paragraphs:
        parts.extend(line for line in _paragraph_lines(paragraph, numbering) if line)
    return "".join(parts)


@dataclass
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."


@dataclass
class _Num:
    abstract: str
    overrides: dict[int, int] = field(default_factory=dict)  # level → start, on first use


class Numbering:
    """Counters over the document's numbering definitions, advanced paragraph by paragraph."""

    def __init__(self, abstracts: dict[str, dict[int, _Level]], nums: dict[str, _Num],
                 style_lists: dict[str, tuple[str, int]]) -> None:  # fmt: skip
        self._abstracts = abstracts
        self._nums = nums
        self._style_lists = style_lists
        self._counters: dict[str, dict[int, int]] = {}
        self._used: set[str] = set()

    @classmethod
    def of(cls, document: Any) -> Numbering:
        abstracts: dict[str, dict[int, _Level]] = {}
        nums: dict[str, _Num] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            root = None
        if root is not None:
            for abstract in root.iterchildren(qn("w:abstractNum")):
                levels = {
                    int(_val(lvl, None, "w:ilvl") or 0): _read_level(lvl)
                    for lvl in abstract.iterchildren(qn("w:lvl"))
                }
                abstracts[_val(abstract, None, "w:abstractNumId") or ""] = levels
            for num in root.iterchildren(qn("w:num")):
                entry = _Num(_val(num, "w:abstractNumId") or "")
                for override in num.iterchildren(qn("w:lvlOverride")):
                    start = _val(override, "w:startOverride")
                    if start is not None and start.isdigit():
                        entry.overrides[int(_val(override, None, "w:ilvl") or 0)] = int(start)
                nums[_val(num, None, "w:numId") or ""] = entry
        return cls(abstracts, nums, _style_lists(document))

    def label(self, paragraph: Paragraph) -> str:
        """The printed number of the paragraph's list item ("" when it is not one)."""
        found = _own_list(paragraph) or self._style_lists.get(_style_id(paragraph) or "")
        if found is None:
            return ""
        num_id, level = found
        num = self._nums.get(num_id)
        if num is None or num.abstract not in self._abstracts:
            return ""  # numId 0 (numbering switched off) or a dangling reference
        levels = self._abstracts[num.abstract]
        counters = self._counters.setdefault(num.abstract, {})
        if num_id not in self._used:
            self._used.add(num_id)
            for lvl, start in num.overrides.items():
                counters[lvl] = start - 1
        spec = levels.get(level, _Level())
        counters[level] = counters.get(level, spec.start - 1) + 1
        for deeper in [lvl for lvl in counters if lvl > level]:
            del counters[deeper]
        if spec.fmt in ("bullet", "none"):
            return ""
        text = spec.text
        for lvl in range(level + 1):
            placeholder = f"%{lvl + 1}"
            if placeholder in text:
                at = levels.get(lvl, _Level())
                value = counters.get(lvl, at.start)
                text = text.replace(placeholder, format_number(value, at.fmt))
        return text


def _val(element: Any, child: str | None, attribute: str = "w:val") -> str | None:
    node = element if child is None else element.find(qn(child))
    if node is None:
        return None
    value = node.get(qn(attribute))
    return str(value) if value is not None else None


def _read_level(lvl: Any) -> _Level:
    start = _val(lvl, "w:start")
    return _Level(
        start=int(start) if start and start.isdigit() else 1,
        fmt=_val(lvl, "w:numFmt") or "decimal",
        text=_val(lvl, "w:lvlText") or "",
    )


def _own_list(paragraph: Paragraph) -> tuple[str, int] | None:
    ppr = paragraph._p.pPr
    num_pr = ppr.find(qn("w:numPr")) if ppr is not None else None
    return _num_pr(num_pr)


def _num_pr(num_pr: Any) -> tuple[str, int] | None:
    if num_pr is None:
        return None
    num_id = _val(num_pr, "w:numId")
    if num_id is None:
        return None
    level = _val(num_pr, "w:ilvl")
    return num_id, int(level) if level and level.isdigit() else 0


def _style_id(paragraph: Paragraph) -> str | None:
    ppr = paragraph._p.pPr
    return _val(ppr, "w:pStyle") if ppr is not None else None


def _style_lists(document: Any) -> dict[str, tuple[str, int]]:
    """Paragraph styles that number their paragraphs (headings often do), by style id;
    a style without numbering of its own takes its base style's."""
    own: dict[str, tuple[str, int] | None] = {}
    based: dict[str, str] = {}
    for style in document.styles.element.iterchildren(qn("w:style")):
        style_id = style.get(qn("w:styleId"))
        if style_id is None:
            continue
        ppr = style.find(qn("w:pPr"))
        own[style_id] = _num_pr(ppr.find(qn("w:numPr")) if ppr is not None else None)
        base = _val(style, "w:basedOn")
        if base:
            based[style_id] = base
    resolved: dict[str, tuple[str, int]] = {}
    for style_id in own:
        seen: set[str] = set()
        current: str | None = style_id
        while current is not None and current not in seen:
            seen.add(current)
            found = own.get(current)
            if found is not None:
                resolved[style_id] = found
                break
            current = based.get(current)
    return resolved


def format_number(value: int, fmt: str) -> str:
    """A list counter as Word prints it in the given numFmt."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "ideographTraditional",
               "taiwaneseCounting", "taiwaneseCountingThousand", "chineseLegalSimplified"):  # fmt: skip
        return chinese_number(value)
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return "".join(chr(ord(d) + 0xFEE0) for d in str(value))
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (value - 1) % 26) * ((value - 1) // 26 + 1)
        return letter if fmt == "lowerLetter" else letter.upper()
    if fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(value)
        return roman.lower() if fmt == "lowerRoman" else roman
    if fmt == "decimalEnclosedCircle" and 1 <= value <= 20:
        return chr(0x2460 + value - 1)
    if fmt == "decimalZero":
        return f"{value:02d}"
    return str(value)


def _roman(value: int) -> str:
    out = []
    for number, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                            (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):  # fmt: skip
        while value >= number:
            out.append(letters)
            value -= number
    return "".join(out)
