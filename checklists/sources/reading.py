"""One entry point: a file's bytes and detected type → the text the plan parser reads."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from checklists.sources.convert import to_docx
from checklists.sources.docx import docx_to_text
from checklists.sources.errors import UnreadableFile
from checklists.sources.html import html_to_text
from checklists.sources.limits import MAX_ZIP_ENTRIES, MAX_ZIP_UNPACKED, megabytes
from checklists.sources.pdf import pdf_to_text
from checklists.sources.sheet import csv_task_table, xlsx_task_table
from checklists.sources.text import TextKind, decode, text_kind
from checklists.tasktable import find_task_table, table_as_plan

__all__ = ["PlanText", "read_plan_text", "table_only_plan"]

# Binary types LibreOffice converts first (evidence.filetypes keys), and those refused.
_CONVERTED = {"doc": "Word 97-2003(.doc)", "wps": "WPS 文字"}
_NAMES = {
    # LibreOffice has no OFD import; the readers offices have export a PDF with its text.
    "ofd": "OFD 版式文件,本系统和 LibreOffice 都无法读取其文字;请用 OFD 阅读器或 WPS 打开后导出为 PDF(或另存为 .docx)再导入",
    "xls": "Excel 97-2003(.xls)表格,请用 Excel 或 WPS 另存为 .xlsx 后导入",
    "zip": "ZIP 压缩包,不是 Word 或 Excel 文档;请解压后导入其中的方案文件",
}


@dataclass(frozen=True)
class PlanText:
    text: str  # the parser's input
    note: str  # how it was read, for the import's summary
    table_only: bool = False  # a task table made into a plan's text


def read_plan_text(data: bytes, media_type: str | None, name: str) -> PlanText:
    """The plan's text from a file of the given content type (None: some kind of text)."""
    if media_type == "pdf":
        return PlanText(pdf_to_text(data, name), "从 PDF 文字层提取")
    if media_type in _CONVERTED:
        converted = to_docx(data, name, _CONVERTED[media_type])
        check_zip(converted, name)
        return PlanText(docx_to_text(converted, name), f"{_CONVERTED[media_type]}文件经 LibreOffice 转换后读取")
    if media_type == "docx":
        check_zip(data, name)
        return PlanText(docx_to_text(data, name), "从 Word 文档读取")
    if media_type == "xlsx":
        check_zip(data, name)
        table = xlsx_task_table(data, name)
        return PlanText(table_as_plan(table, title=_stem(name)), "从 Excel 任务分解表读取", True)
    if media_type is not None:
        raise UnreadableFile(f"{name}:是{_NAMES.get(media_type, media_type)}")
    text, note = decode(data, name)
    kind = text_kind(data, text)
    if kind is TextKind.HTML:
        return PlanText(html_to_text(data, name), "从网页正文提取")
    if kind is TextKind.CSV:
        table = csv_task_table(text, name)
        return PlanText(table_as_plan(table, title=_stem(name)), "从 CSV 任务分解表读取", True)
    return PlanText(text, note)


def table_only_plan(text: str, name: str) -> str | None:
    """For a document that is only a task table (a title and the table): the table as a
    plan's text, or None when the text holds no task table."""
    rows = [line.strip().strip("|").split("|") for line in text.splitlines() if line.rstrip().endswith("|")]
    table = find_task_table([[c.strip() for c in row] for row in rows])
    if table is None or not table.rows:
        return None
    title = next((line.strip() for line in text.splitlines() if line.strip() and "|" not in line), "")
    return table_as_plan(table, title=title or _stem(name))


def check_zip(data: bytes, name: str) -> None:
    """A .docx or .xlsx within bounds before its library inflates any part of it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise UnreadableFile(f"{name}:文件已损坏(不是完整的 ZIP 结构),无法读取({exc})") from None
    if len(infos) > MAX_ZIP_ENTRIES:
        raise UnreadableFile(f"{name}:文档内含 {len(infos)} 个部件,超过 {MAX_ZIP_ENTRIES} 个的上限")
    if any(info.flag_bits & 0x1 for info in infos):
        raise UnreadableFile(f"{name}:文档已加密,无法读取;请先解除密码保护再导入")
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_ZIP_UNPACKED:
        raise UnreadableFile(
            f"{name}:文档解压后 {megabytes(unpacked)},超过 {megabytes(MAX_ZIP_UNPACKED)} 的上限"
        )


def _stem(name: str) -> str:
    return name.rsplit(".", 1)[0] if "." in name else name
