"""Bytes that are text: the encoding, and what kind of text (a web page, a CSV table, a plan).

The kind is decided from the content, never the file's name: a page saved as `方案.txt` is
still a page, and a CSV exported as `.txt` still a table.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from enum import StrEnum

from charset_normalizer import from_bytes

from checklists.sources.errors import UnreadableFile
from checklists.tasktable import find_task_table

__all__ = ["TextKind", "decode", "declared_charset", "split_csv", "text_kind"]


class TextKind(StrEnum):
    HTML = "html"
    CSV = "csv"
    PLAIN = "plain"


# Elements a page has and a plan's text never does; three of them make a page (a corpus page
# is a template fragment without <html>, so the document's start alone does not tell).
_HTML_TAG = re.compile(
    rb"<(?:html|head|body|div|p|table|tr|td|article|section|span|br|style|script|meta|ul|li|h[1-6])\b[^>]*>",
    re.IGNORECASE,
)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_SNIFF_BYTES = 64 * 1024
_CSV_SNIFF_LINES = 12


def text_kind(data: bytes, text: str) -> TextKind:
    """HTML when the start holds page markup, CSV when its rows have a task table's header."""
    if len(_HTML_TAG.findall(data[:_SNIFF_BYTES], 0)) >= 3:
        return TextKind.HTML
    head = text[:_SNIFF_BYTES].splitlines()[:_CSV_SNIFF_LINES]
    rows = _csv_rows("\n".join(head))
    if rows and max(map(len, rows)) >= 3 and find_task_table(rows) is not None:
        return TextKind.CSV
    return TextKind.PLAIN


def declared_charset(data: bytes) -> str | None:
    """The encoding a page declares in its <meta>, if Python knows it."""
    m = _CHARSET.search(data[:_SNIFF_BYTES])
    if m is None:
        return None
    name = m.group(1).decode("ascii").lower()
    if name in ("gb2312", "gbk"):
        name = "gb18030"  # pages declaring GB2312 use GBK's characters; GB18030 holds both
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode(data: bytes, name: str, *, declared: str | None = None, guess: bool = False) -> tuple[str, str]:
    """(text, note): a BOM, else the declared encoding, else UTF-8, GB18030, else (for a page,
    `guess`) what charset-normalizer finds; the note says when the text was not UTF-8. A plan's
    text is UTF-8 or GB18030: a guess at anything else reads noise as a plan."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), ""
    if b"\x00" in data[:4096]:
        raise UnreadableFile(f"{name}:是二进制文件,不是方案文本")
    tried = [declared] if declared else []
    for encoding in [*tried, "utf-8", "gb18030"]:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        note = "" if encoding in ("utf-8", "utf_8") else f"按 {encoding.upper()} 编码读取"
        if encoding == "gb18030" and not declared:
            note = "非 UTF-8 编码,已按 GB18030 读取"
        return text, note
    best = from_bytes(data[:_SNIFF_BYTES]).best() if guess else None
    if best is not None:
        try:
            return data.decode(best.encoding), f"未声明编码,按检测到的 {best.encoding} 读取"
        except (UnicodeDecodeError, LookupError):
            pass
    raise UnreadableFile(f"{name}:无法识别文本编码(支持 UTF-8、GB18030 及网页声明的编码)")


def _csv_rows(text: str) -> list[list[str]]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        return []
    return [row for row in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in row)]


def split_csv(text: str) -> list[list[str]]:
    """Every non-blank row of a CSV text, cells as written."""
    return _csv_rows(text)
