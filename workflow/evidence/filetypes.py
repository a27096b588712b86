"""What a file is, decided from its content alone (its name is never trusted).

One table of signatures says, for each leading magic number, whether the file is a type the
store takes, a type it refuses (named, so the refusal says what to convert), or a container
(ZIP, OLE2) whose entries decide. Containers are inspected within bounds: a ZIP's directory is
streamed and refused past MAX_ZIP_ENTRIES entries (see zipdirectory), an OLE2 file's directory
chain is measured and refused past MAX_OLE_ENTRIES before olefile reads it (see oledirectory).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import olefile

from workflow.evidence.oledirectory import (
    OleDirectoryError,
    TooManyOleEntries,
    directory_entries,
)
from workflow.evidence.zipdirectory import (
    TooManyEntries,
    ZipDirectoryError,
    find_directory,
    iter_entry_names,
)

__all__ = [
    "ALLOWED_TYPES_TEXT",
    "EXTENSIONS",
    "MAX_OLE_ENTRIES",
    "MAX_ZIP_ENTRIES",
    "MEDIA_LABELS",
    "ContentRefused",
    "Sniffed",
    "detect_type",
    "is_archive",
    "sniff",
]

MEDIA_LABELS: dict[str, str] = {
    "pdf": "PDF",
    "ofd": "OFD",
    "doc": "Word 文档(DOC)",
    "docx": "Word 文档(DOCX)",
    "xls": "Excel 表格(XLS)",
    "xlsx": "Excel 表格(XLSX)",
    "wps": "WPS 文字",
    "jpg": "JPEG 图片",
    "png": "PNG 图片",
    "zip": "ZIP 压缩包",
}
ALLOWED_TYPES_TEXT = "PDF、OFD、DOC/DOCX、XLS/XLSX、WPS、JPG、PNG、ZIP"

# The extensions a stored name may keep for each type, the usual one first (it is the one
# given to a name whose extension does not fit). WPS 文字 files are mostly DOC inside and WPS
# 表格 (.et) files XLS inside, so those extensions fit those types too.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "pdf": (".pdf",),
    "ofd": (".ofd",),
    "doc": (".doc", ".wps"),
    "docx": (".docx",),
    "xls": (".xls", ".et"),
    "xlsx": (".xlsx",),
    "wps": (".wps",),
    "jpg": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "png": (".png",),
    "zip": (".zip",),
}

# A genuine DOCX or XLSX has a few dozen to a few thousand parts (an XLSX with hundreds of
# sheets and images stays well under it); an evidence ZIP of scans a few hundred files. Past
# 10,000 entries an upload is refused rather than listed: a 201 MB ZIP can list 3.9 million.
MAX_ZIP_ENTRIES = 10_000
# A Word or Excel file holds a handful to a few hundred directory entries (streams and
# storages: embedded objects, macros, summaries); the directory of a 200 MB file could list
# 1.6 million, each an object in olefile's memory.
MAX_OLE_ENTRIES = 10_000
# Enough for every signature below and for telling text from binary.
SNIFF_BYTES = 8192

# Marker entries of the ZIP-based formats, compared in lower case; the first found in this
# order decides (a DOCX that also holds an OFD.xml is a DOCX).
_ZIP_MARKERS: tuple[tuple[bytes, str], ...] = (
    (b"word/document.xml", "docx"),
    (b"xl/workbook.xml", "xlsx"),
    (b"ofd.xml", "ofd"),
)
_LONGEST_MARKER = max(len(marker) for marker, _ in _ZIP_MARKERS)


class Sniffed(NamedTuple):
    media_type: str | None  # a MEDIA_LABELS key, or None: refused
    label: str  # what the content looks like, for the refusal


class ContentRefused(ValueError):
    """Content refused for what it holds, not for its type; `reason` completes
    "文件“…”{reason},未保存" (e.g. "是含 3900000 个条目的 ZIP 压缩包,超过上限 10000 个")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class _Signature:
    magic: bytes
    media_type: str | None = None  # accepted as this type
    label: str = ""  # refused, looking like this
    inspect: Callable[[Path], Sniffed] | None = None  # a container: its entries decide
    archive: bool = False  # holds other files (never opened when it comes inside a bundle)


def _sniff_zip(path: Path) -> Sniffed:
    """DOCX, XLSX, OFD or a plain ZIP, by marker entries in a bounded, streamed directory scan."""
    found: set[str] = set()
    try:
        with open(path, "rb") as fh:
            names = iter_entry_names(
                fh, find_directory(fh), max_entries=MAX_ZIP_ENTRIES, max_name_bytes=_LONGEST_MARKER
            )
            for name in names:
                if name is not None:
                    lowered = name.lower()
                    found.update(kind for marker, kind in _ZIP_MARKERS if lowered == marker)
    except TooManyEntries as exc:
        raise ContentRefused(_too_many_entries(exc)) from None
    except ZipDirectoryError:
        return Sniffed(None, "损坏的 ZIP 压缩包")
    for _, kind in _ZIP_MARKERS:
        if kind in found:
            return Sniffed(kind, MEDIA_LABELS[kind])
    return Sniffed("zip", MEDIA_LABELS["zip"])


def _too_many_entries(exc: TooManyEntries) -> str:
    if not exc.declared:  # counted while scanning, which stops past the limit
        return f"是条目超过 {exc.limit} 个的 ZIP 压缩包(上限 {exc.limit} 个)"
    return f"是含 {exc.count} 个条目的 ZIP 压缩包,超过上限 {exc.limit} 个"


def _sniff_ole(path: Path) -> Sniffed:
    """Tell apart the OLE2 compound files by their top-level stream names.

    Kingsoft WPS 文字 .wps files extend the DOC format and carry a WordDocument stream, so most
    are recorded as "doc" (fine: the same programs open both). WPS Office's own secured
    container keeps the document in a WpsContent stream; that is what is recorded as "wps".
    """
    try:
        with open(path, "rb") as fh:
            directory_entries(fh, max_entries=MAX_OLE_ENTRIES)
    except TooManyOleEntries as exc:
        raise ContentRefused(f"是目录条目超过 {exc.limit} 个的 Office 文档(上限 {exc.limit} 个)") from None
    except OleDirectoryError:
        return Sniffed(None, "损坏的 Office 文档")
    try:
        ole = olefile.OleFileIO(str(path))
    except Exception:  # olefile raises assorted errors for malformed input
        return Sniffed(None, "损坏的 Office 文档")
    try:
        has = {n.casefold() for n in (e[0] for e in ole.listdir(streams=True, storages=True))}
    except Exception:
        return Sniffed(None, "损坏的 Office 文档")
    finally:
        ole.close()
    if "wpscontent" in has:
        return Sniffed("wps", MEDIA_LABELS["wps"])
    if "worddocument" in has:
        return Sniffed("doc", MEDIA_LABELS["doc"])
    if "workbook" in has or "book" in has:
        return Sniffed("xls", MEDIA_LABELS["xls"])
    if "encryptedpackage" in has:
        # Password-protected DOCX/XLSX are OLE wrappers; their content cannot be checked.
        return Sniffed(None, "加密的 Office 文档")
    if "powerpoint document" in has:
        return Sniffed(None, "PowerPoint 演示文稿")
    return Sniffed(None, "无法识别的 Office 文档")


_EXECUTABLE = "可执行文件"
# The one magic table, checked in order. Refused formats are the ones people commonly try to
# upload, named so they know what to convert.
_SIGNATURES: tuple[_Signature, ...] = (
    _Signature(b"%PDF-", media_type="pdf"),
    _Signature(b"\x89PNG\r\n\x1a\n", media_type="png"),
    _Signature(b"\xff\xd8\xff", media_type="jpg"),
    _Signature(b"PK\x03\x04", inspect=_sniff_zip, archive=True),
    _Signature(b"PK\x05\x06", inspect=_sniff_zip, archive=True),  # an empty ZIP
    _Signature(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", inspect=_sniff_ole),
    _Signature(b"MZ", label=_EXECUTABLE),
    _Signature(b"\x7fELF", label=_EXECUTABLE),
    _Signature(b"\xcf\xfa\xed\xfe", label=_EXECUTABLE),
    _Signature(b"\xca\xfe\xba\xbe", label=_EXECUTABLE),
    _Signature(b"#!", label=_EXECUTABLE),
    _Signature(b"Rar!\x1a\x07", label="RAR 压缩包", archive=True),
    _Signature(b"7z\xbc\xaf\x27\x1c", label="7z 压缩包", archive=True),
    _Signature(b"\x1f\x8b", label="gzip 压缩包", archive=True),
    _Signature(b"BZh", label="bzip2 压缩包", archive=True),
    _Signature(b"\xfd7zXZ\x00", label="xz 压缩包", archive=True),
    _Signature(b"GIF87a", label="GIF 图片"),
    _Signature(b"GIF89a", label="GIF 图片"),
    _Signature(b"II*\x00", label="TIFF 图片"),
    _Signature(b"MM\x00*", label="TIFF 图片"),
)


def detect_type(path: Path) -> str | None:
    """The MEDIA_LABELS key for the file's content (its name is ignored), or None."""
    return sniff(Path(path)).media_type


def sniff(path: Path) -> Sniffed:
    """(media type, label) where the label says what a refused file looks like instead.

    Raises ContentRefused for a container beyond its bounds (a ZIP of too many entries, an
    Office file of too many directory entries).
    """
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    for signature in _SIGNATURES:
        if not head.startswith(signature.magic):
            continue
        if signature.inspect is not None:
            return signature.inspect(path)
        if signature.media_type is not None:
            return Sniffed(signature.media_type, MEDIA_LABELS[signature.media_type])
        return Sniffed(None, signature.label)
    return Sniffed(None, _text_or_unknown(head))


def is_archive(head: bytes) -> bool:
    """Whether `head` (a file's first bytes) starts like an archive of other files."""
    return any(s.archive and head.startswith(s.magic) for s in _SIGNATURES)


def _text_or_unknown(head: bytes) -> str:
    if head[:2] == b"BM" and head[6:10] == b"\x00\x00\x00\x00":
        return "BMP 图片"  # checked here, not by prefix alone: plenty of text starts with "BM"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "文本"  # UTF-16 with a BOM, where NUL bytes are expected
    if not head or b"\x00" in head:
        return "未知"
    truncated = len(head) == SNIFF_BYTES
    for encoding in ("utf-8", "gb18030"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError as exc:
            # A head cut from a longer file may end inside a multi-byte character.
            if not (truncated and exc.start >= len(head) - 3):
                continue
            text = head[: exc.start].decode(encoding)
        if text.lstrip("\ufeff \t\r\n").casefold().startswith(("<!doctype html", "<html")):
            return "网页(HTML)"
        return "文本"
    return "未知"
