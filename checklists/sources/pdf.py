"""A PDF with a text layer → the plan's text (pdfplumber, over pdfminer.six).

A printed plan's PDF holds lines, not paragraphs, and the page's furniture with them. Read
page by page, top to bottom:

* running headers and footers are the lines in the top or bottom band of the page whose
  text (digits aside) repeats on most pages; page numbers (`— 3 —`, `第3页 共9页`, `3/9`) are
  recognised by their form;
* ruled tables are found by pdfplumber and written as rows (merged cells filled in);
* a paragraph continues on the next line, on this page or the next, when the line before it
  runs to the right margin and the next line is not indented (Chinese official documents
  indent each paragraph by two characters, and a heading is centred or ends short).

A PDF without a text layer (a scan) is refused, saying so: OCR (Debian's tesseract-ocr-chi-sim)
reads a plan's numbers and unit names too unreliably to import without review. Encrypted,
truncated and broken files are refused naming the file.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException
from pdfplumber.utils.exceptions import PdfminerException

from checklists.sources.errors import UnreadableFile
from checklists.sources.limits import MAX_PDF_PAGES, MAX_ROWS
from checklists.sources.tables import fill_merged, table_lines

__all__ = ["pdf_to_text"]

# The top and bottom bands where running headers and page numbers sit (A4: 84 pt each).
_BAND = 0.10
_PAGE_NUMBER = re.compile(
    r"[-—–−_\s]*\d{1,4}[-—–−_\s]*(?=$|第)|第\s*\d{1,4}\s*页(?:\s*[,,/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|[Pp]age\s*\d{1,4}(?:\s*of\s*\d{1,4})?"
)
_DIGITS = re.compile(r"\d+")


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float  # font size, the width of one character of Chinese text


Cells = list[list[str | None]]


@dataclass
class _Block:
    """A line of text or a table, at its place on the page."""

    top: float
    line: _Line | None = None
    table: Cells | None = None
    cut: bool = False  # a table whose last row goes on at the top of the next page


def pdf_to_text(data: bytes, name: str) -> str:
    """The PDF's text, a paragraph or table row a line."""
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except PdfminerException as exc:
        raise _refusal(exc.args[0] if exc.args else exc, name) from None
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError) as exc:
        raise _refusal(exc, name) from None
    with pdf:
        try:
            pages = pdf.pages
        except Exception as exc:  # pdfminer raises assorted errors on a broken page tree
            raise _refusal(exc, name) from None
        if not pages:
            raise UnreadableFile(f"{name}:PDF 文件没有页面,或已损坏(可能未下载完整)")
        if len(pages) > MAX_PDF_PAGES:
            raise UnreadableFile(
                f"{name}:PDF 共 {len(pages)} 页,超过 {MAX_PDF_PAGES} 页的上限;请只导入方案正文"
            )
        try:
            blocks = [list(_page_blocks(page)) for page in pages]
        except Exception as exc:  # a damaged content stream fails in pdfminer's interpreter
            raise _refusal(exc, name) from None
        heights = [float(page.height) for page in pages]
    lines = [b.line for page in blocks for b in page if b.line is not None]
    if not lines and not any(b.table for page in blocks for b in page):
        raise UnreadableFile(
            f"{name}:PDF 没有文字层(可能是扫描件或图片),无法读取;"
            "请向发文单位索取可复制文字的 PDF 或 Word 版本,或将正文另存为文本后导入"
        )
    furniture = _running_texts(blocks, heights)
    kept = [
        [b for b in page if b.line is None or not _is_furniture(b.line, height, furniture)]
        for page, height in zip(blocks, heights, strict=True)
    ]
    return "\n".join(_paragraphs(kept)) + "\n"


def _refusal(exc: object, name: str) -> UnreadableFile:
    if isinstance(exc, PDFPasswordIncorrect | PDFEncryptionError):
        return UnreadableFile(f"{name}:PDF 文件设有密码或已加密,无法读取;请先解除密码保护再导入")
    return UnreadableFile(f"{name}:PDF 文件已损坏或不完整(可能未下载完整),无法读取")


def _page_blocks(page: Any) -> Iterator[_Block]:
    # A table broken by the page has no rule where the page cuts it: close its cells at the
    # ends of its vertical rules, or pdfplumber drops the cut row and any cell merged across.
    ends = [e for edge in page.vertical_edges for e in (edge["top"], edge["bottom"])]
    settings = {"explicit_horizontal_lines": [min(ends), max(ends)]} if ends else {}
    tables = page.find_tables(settings)
    boxes = [t.bbox for t in tables]
    ruled = [edge["top"] for edge in page.horizontal_edges]
    for table in tables:
        rows = table.extract()[:MAX_ROWS]
        cells = [[_clean(c) if c is not None else None for c in row] for row in rows]
        bottom = table.bbox[3]
        cut = not any(abs(y - bottom) < 2 for y in ruled)
        yield _Block(top=float(table.bbox[1]), table=cells, cut=cut)
    for raw in page.extract_text_lines(return_chars=True):
        middle = (raw["top"] + raw["bottom"]) / 2
        if any(x0 <= raw["x0"] <= x1 and top <= middle <= bottom for x0, top, x1, bottom in boxes):
            continue
        sizes = [c["size"] for c in raw["chars"] if not c["text"].isspace()]
        yield _Block(
            top=float(raw["top"]),
            line=_Line(
                text=_clean(raw["text"]),
                x0=float(raw["x0"]),
                x1=float(raw["x1"]),
                top=float(raw["top"]),
                bottom=float(raw["bottom"]),
                size=max(sizes) if sizes else 10.0,
            ),
        )


def _clean(text: str) -> str:
    # A cell's own line breaks are where the cell wrapped, not the writer's.
    return "".join(part.strip() for part in text.splitlines()) if "\n" in text else text.strip()


def _in_band(line: _Line, height: float) -> bool:
    return line.bottom < height * _BAND or line.top > height * (1 - _BAND)


def _running_texts(blocks: list[list[_Block]], heights: list[float]) -> set[str]:
    """Texts (digits replaced) of band lines found on more than half the pages, if several."""
    if len(blocks) < 2:
        return set()
    seen: Counter[str] = Counter()
    for page, height in zip(blocks, heights, strict=True):
        seen.update(
            {_DIGITS.sub("#", b.line.text) for b in page if b.line and _in_band(b.line, height)}
        )
    return {text for text, n in seen.items() if n * 2 > len(blocks)}


def _is_furniture(line: _Line, height: float, running: set[str]) -> bool:
    if not _in_band(line, height):
        return False
    return _DIGITS.sub("#", line.text) in running or not _PAGE_NUMBER.sub("", line.text).strip()


def _paragraphs(pages: list[list[_Block]]) -> Iterator[str]:
    lines = [b.line for page in pages for b in page if b.line is not None]
    # The text column's edges: where most lines start, and the furthest most lines reach.
    left = Counter(round(line.x0) for line in lines).most_common(1)[0][0] if lines else 0
    right = max((line.x1 for line in lines), default=0.0)
    current = ""
    previous: _Line | None = None
    for page in _join_tables(pages):
        for block in sorted(page, key=lambda b: b.top):
            if block.table is not None:
                if current:
                    yield current
                current, previous = "", None
                yield from table_lines(fill_merged(block.table))
                continue
            line = block.line
            assert line is not None
            if previous is not None and _continues(previous, line, left, right):
                current = _join(current, line.text)
            else:
                if current:
                    yield current
                current = line.text
            previous = line
    if current:
        yield current


def _join_tables(pages: list[list[_Block]]) -> list[list[_Block]]:
    """A table going on at the top of the next page joins the one that ended the page: its
    repeated header dropped, and a row the page cut in two made whole again."""
    out: list[list[_Block]] = []
    last: _Block | None = None  # the table that ended the page before, if one did
    for page in pages:
        blocks = sorted(page, key=lambda b: b.top)
        kept: list[_Block] = []
        for i, block in enumerate(blocks):
            if i == 0 and block.table and last is not None and last.table and _same_columns(last.table, block.table):
                rows = block.table
                if rows and rows[0] == last.table[0]:
                    rows = rows[1:]  # the header, repeated on each page
                if last.cut and rows:
                    last.table[-1] = [_glue(a, b) for a, b in zip(last.table[-1], rows[0], strict=True)]
                    rows = rows[1:]
                last.table.extend(rows)
                last.cut = block.cut
                continue
            kept.append(block)
        out.append(kept)
        if not blocks or blocks[-1].table is None:
            last = None
        elif any(b is blocks[-1] for b in kept):
            last = blocks[-1]
        # else: the whole page went on with `last`, which may go on again
    return out


def _same_columns(a: Cells, b: Cells) -> bool:
    return bool(a and b) and len(a[0]) == len(b[0])


def _glue(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a if b is None else b if a is None else None
    return a + b


def _continues(previous: _Line, line: _Line, left: float, right: float) -> bool:
    """Whether `line` goes on with the paragraph `previous` ended: the previous line filled the
    column to within a few characters (line-breaking rules keep a bracket or a
    quotation mark off a line's end, so a full line may stop short), and this one starts at the margin, not indented."""
    filled = previous.x1 >= right - 5 * previous.size
    at_margin = line.x0 <= left + 0.5 * line.size
    return filled and at_margin and previous.x0 <= left + 3 * previous.size


def _join(text: str, more: str) -> str:
    # Chinese runs on without a space; two Latin words or numbers split by the wrap do not.
    if text and more and text[-1].isascii() and text[-1].isalnum() and more[0].isascii() and more[0].isalnum():
        return f"{text} {more}"
    return text + more
