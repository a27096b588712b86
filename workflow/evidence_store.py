"""Content-addressed file store for evidence files (佐证材料).

Blobs live at ``root/objects/ab/cd/<sha256>``, read-only, named by the SHA-256 of their content,
so the same file uploaded twice is stored once and any later change to a blob is detectable.
Files are streamed in fixed-size chunks through a temporary file in ``root/tmp`` and only then
linked into place, so memory use does not grow with the file and a reader never sees a partial
blob. This module keeps no records of its own: which blob belongs to which item is the
database's business.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import hashlib
import os
import re
import stat
import tempfile
import time
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import olefile

from workflow.errors import InputError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MEDIA_LABELS",
    "EvidenceRefused",
    "EvidenceStore",
    "StoredBlob",
    "VerifyReport",
    "detect_type",
    "sanitise_filename",
]


class EvidenceRefused(InputError):
    """A file the store will not take; message is one complete Chinese sentence naming the file."""


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
DEFAULT_MAX_BYTES = 200 * 1024 * 1024

_SHA256_RE = re.compile(r"[0-9a-f]{64}")
# Temp names carry a fixed prefix so sweep_temp never deletes a file it did not make.
_TEMP_PREFIX = "put-"
_TEMP_SUFFIX = ".part"
# Enough for every signature below and for telling text from binary.
_SNIFF_BYTES = 8192

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
# Formats people commonly try to upload: named in the refusal so they know what to convert.
_REFUSED_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "可执行文件"),
    (b"\x7fELF", "可执行文件"),
    (b"\xcf\xfa\xed\xfe", "可执行文件"),
    (b"\xca\xfe\xba\xbe", "可执行文件"),
    (b"#!", "可执行文件"),
    (b"Rar!\x1a\x07", "RAR 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"),
    (b"GIF87a", "GIF 图片"),
    (b"GIF89a", "GIF 图片"),
    (b"II*\x00", "TIFF 图片"),
    (b"MM\x00*", "TIFF 图片"),
)

_UNNAMED = "未命名文件"
_MAX_NAME_CHARS = 120
_MAX_NAME_BYTES = 255  # NAME_MAX of common Linux file systems, so an export can use the name
_MAX_EXT_CHARS = 16
_WINDOWS_ILLEGAL = frozenset('<>:"/\\|?*')
_WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"COM{i}" for i in range(1, 10)]
    + [f"LPT{i}" for i in range(1, 10)]
)
_WHITESPACE_RUN = re.compile(r"\s+")
_LAYOUT_CONTROLS = str.maketrans(dict.fromkeys("\t\n\r\v\f", " "))
_EXTENSION = re.compile(rf"\.[^.\s]{{1,{_MAX_EXT_CHARS}}}$")

_KIB = 1024
_MIB = 1024 * 1024


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    media_type: str
    created: bool


@dataclass
class VerifyReport:
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.altered


class EvidenceStore:
    """Streaming, content-addressed store under ``root``; safe for several processes at once."""

    def __init__(
        self, root: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, chunk_size: int = 1 << 20
    ) -> None:
        if max_bytes < 1:
            raise ValueError(f"max_bytes must be positive, got {max_bytes}")
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be positive, got {chunk_size}")
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.chunk_size = chunk_size
        self._objects = self.root / "objects"
        self._tmp = self.root / "tmp"

    # ---------------------------------------------------------------------------------- put

    def put(self, source: BinaryIO, *, name: str) -> StoredBlob:
        """Store what ``source`` yields until EOF; ``name`` only appears in error messages.

        Raises EvidenceRefused for an empty, oversized or disallowed file and for any I/O
        failure; whatever happens, no temporary or partial file is left behind.
        """
        tmp_path: Path | None = None
        fd = -1
        try:
            self._tmp.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=_TEMP_SUFFIX, dir=self._tmp)
            tmp_path = Path(tmp_name)
            sha256, size = self._copy(source, fd, name)
            if size == 0:
                raise EvidenceRefused(f"文件“{name}”是空文件,未保存")
            # Zip and OLE need random access, so the type is decided on the complete file.
            media_type, label = _sniff(tmp_path)
            if media_type is None:
                raise EvidenceRefused(
                    f"文件“{name}”的类型不在允许范围内(检测为:{label}),"
                    f"允许的类型:{ALLOWED_TYPES_TEXT}"
                )
            created = self._commit(fd, tmp_path, self.path_of(sha256), size)
            return StoredBlob(sha256=sha256, size=size, media_type=media_type, created=created)
        except OSError as exc:
            raise _refusal_for_os_error(exc, name) from exc
        finally:
            # Also runs for KeyboardInterrupt; after a link the temp is a second name to drop.
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
            if tmp_path is not None:
                with contextlib.suppress(OSError):
                    tmp_path.unlink(missing_ok=True)

    def put_path(self, path: Path) -> StoredBlob:
        """Store the file at ``path``; an oversized file is refused before a byte is read."""
        path = Path(path)
        shown = str(path)
        try:
            # stat before open: opening a FIFO for reading would block until a writer appears.
            st = os.stat(path)
            if stat.S_ISDIR(st.st_mode):
                raise EvidenceRefused(f"无法读取文件“{shown}”:这是一个文件夹,不是文件")
            if not stat.S_ISREG(st.st_mode):
                raise EvidenceRefused(f"无法读取文件“{shown}”:不是普通文件")
            source = open(path, "rb")  # noqa: SIM115 - closed by the with-block below
        except OSError as exc:
            raise EvidenceRefused(f"无法读取文件“{shown}”:{_describe_os_error(exc)}") from exc
        with source:
            if os.fstat(source.fileno()).st_size > self.max_bytes:
                raise self._too_large(shown)
            return self.put(source, name=shown)

    def _copy(self, source: BinaryIO, fd: int, name: str) -> tuple[str, int]:
        """Stream ``source`` into ``fd``, hashing as it goes; stop one byte past the limit."""
        digest = hashlib.sha256()
        total = 0
        while True:
            # Never ask for more than one byte past the limit, so an endless source stops early.
            want = min(self.chunk_size, self.max_bytes + 1 - total)
            try:
                chunk = source.read(want)
            except OSError as exc:
                raise _refusal_for_os_error(exc, name, reading=True) from exc
            if not chunk:
                return digest.hexdigest(), total
            total += len(chunk)
            if total > self.max_bytes:
                raise self._too_large(name)
            digest.update(chunk)
            view = memoryview(chunk)
            while view:
                written = os.write(fd, view)
                view = view[written:]

    def _commit(self, fd: int, tmp_path: Path, final: Path, size: int) -> bool:
        """Give the finished temp file its final name; False if that content was already there."""
        if _size_or_none(final) == size:
            return False  # a duplicate: skip the fsync, the costliest step for a large file
        os.fsync(fd)
        os.chmod(tmp_path, 0o444)
        final.parent.mkdir(parents=True, exist_ok=True)
        try:
            # link, unlike replace, fails on an existing name, so of two processes storing the
            # same content at once exactly one reports created=True.
            os.link(tmp_path, final)
        except FileExistsError:
            if _size_or_none(final) == size:
                return False
            # Same name, wrong size: the stored copy was damaged; put the good bytes back.
            # Still created=False, since records may already point at this blob and undoing
            # this call must not delete it.
            os.replace(tmp_path, final)
            _fsync_dir(final.parent)
            return False
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
                raise
            # File systems without hard links: a narrow race may then report created=True twice.
            if _size_or_none(final) == size:
                return False
            os.replace(tmp_path, final)
        _fsync_dir(final.parent)
        return True

    def _too_large(self, name: str) -> EvidenceRefused:
        return EvidenceRefused(f"文件“{name}”超过大小上限 {_format_size(self.max_bytes)},未保存")

    # ------------------------------------------------------------------------------- access

    def path_of(self, sha256: str) -> Path:
        """Where the blob named ``sha256`` lives; ValueError for anything but 64 lowercase hex."""
        if not isinstance(sha256, str) or not _SHA256_RE.fullmatch(sha256):
            raise ValueError(f"not a lowercase hex SHA-256 digest: {sha256!r}")
        return self._objects / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        """Open a blob for reading; FileNotFoundError if it is not stored."""
        return open(self.path_of(sha256), "rb")  # noqa: SIM115 - the caller owns the handle

    def discard(self, sha256: str) -> None:
        """Remove a blob: one this process just created whose database record was rolled back.

        Only discard a blob whose put() returned created=True: a created=False blob may be
        referenced by records this process knows nothing about.
        """
        self.path_of(sha256).unlink(missing_ok=True)

    # ---------------------------------------------------------------------------- integrity

    def verify(self, expected: Iterable[tuple[str, int]]) -> VerifyReport:
        """Re-hash each expected blob from disk; a repeated (sha256, size) pair is checked once.

        A malformed digest counts as missing (no blob can have that name) and an unreadable
        file as altered (its content can no longer be vouched for), so one bad record never
        stops the rest of the check.
        """
        report = VerifyReport()
        seen: set[tuple[str, int]] = set()
        for sha256, size in expected:
            if (sha256, size) in seen:
                continue
            seen.add((sha256, size))
            report.checked += 1
            try:
                path = self.path_of(sha256)
            except ValueError:
                report.missing.append(sha256)
                continue
            try:
                intact = self._matches(path, sha256, size)
            except FileNotFoundError:
                report.missing.append(sha256)
                continue
            except OSError:
                intact = False
            if not intact:
                report.altered.append(sha256)
        return report

    def _matches(self, path: Path, sha256: str, size: int) -> bool:
        with open(path, "rb") as fh:
            if os.fstat(fh.fileno()).st_size != size:
                return False  # cheap, and spares hashing a file that cannot match
            digest = hashlib.sha256()
            while chunk := fh.read(self.chunk_size):
                digest.update(chunk)
        return digest.hexdigest() == sha256

    def sweep_temp(self, older_than: datetime.timedelta = datetime.timedelta(hours=1)) -> int:
        """Delete temp files a crashed process left behind, if untouched for ``older_than``.

        A put still in progress keeps its temp file's mtime fresh, so it is not swept.
        """
        cutoff = time.time() - older_than.total_seconds()
        removed = 0
        try:
            entries = list(os.scandir(self._tmp))
        except FileNotFoundError:
            return 0
        for entry in entries:
            if not (entry.name.startswith(_TEMP_PREFIX) and entry.name.endswith(_TEMP_SUFFIX)):
                continue
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                if entry.stat(follow_symlinks=False).st_mtime >= cutoff:
                    continue
                os.unlink(entry.path)
            except FileNotFoundError:
                continue  # another sweeper got there first
            removed += 1
        return removed


# ------------------------------------------------------------------------------ detection


def detect_type(path: Path) -> str | None:
    """The MEDIA_LABELS key for the file's content (its name is ignored), or None."""
    return _sniff(Path(path))[0]


def _sniff(path: Path) -> tuple[str | None, str]:
    """(media type, label) where the label says what a refused file looks like instead."""
    with open(path, "rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if head.startswith(b"%PDF-"):
        return "pdf", MEDIA_LABELS["pdf"]
    if head.startswith(_PNG_MAGIC):
        return "png", MEDIA_LABELS["png"]
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg", MEDIA_LABELS["jpg"]
    if head.startswith(_ZIP_MAGICS):
        return _sniff_zip(path)
    if head.startswith(_OLE_MAGIC):
        return _sniff_ole(path)
    for magic, label in _REFUSED_SIGNATURES:
        if head.startswith(magic):
            return None, label
    return None, _text_or_unknown(head)


def _sniff_zip(path: Path) -> tuple[str | None, str]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = {info.filename.casefold() for info in archive.infolist()}
    except Exception:  # any malformed archive, whatever the zipfile module raises for it
        return None, "损坏的 ZIP 压缩包"
    if "word/document.xml" in names:
        return "docx", MEDIA_LABELS["docx"]
    if "xl/workbook.xml" in names:
        return "xlsx", MEDIA_LABELS["xlsx"]
    if "ofd.xml" in names:
        return "ofd", MEDIA_LABELS["ofd"]
    return "zip", MEDIA_LABELS["zip"]


def _sniff_ole(path: Path) -> tuple[str | None, str]:
    """Tell apart the OLE2 compound files by their top-level stream names.

    Kingsoft WPS 文字 .wps files extend the DOC format and carry a WordDocument stream, so most
    are recorded as "doc" (fine: the same programs open both). WPS Office's own secured
    container keeps the document in a WpsContent stream; that is what is recorded as "wps".
    """
    try:
        ole = olefile.OleFileIO(str(path))
    except Exception:  # olefile raises assorted errors for malformed input
        return None, "损坏的 Office 文档"
    try:
        has = {n.casefold() for n in (e[0] for e in ole.listdir(streams=True, storages=True))}
    except Exception:
        return None, "损坏的 Office 文档"
    finally:
        ole.close()
    if "wpscontent" in has:
        return "wps", MEDIA_LABELS["wps"]
    if "worddocument" in has:
        return "doc", MEDIA_LABELS["doc"]
    if "workbook" in has or "book" in has:
        return "xls", MEDIA_LABELS["xls"]
    if "encryptedpackage" in has:
        # Password-protected DOCX/XLSX are OLE wrappers; their content cannot be checked.
        return None, "加密的 Office 文档"
    if "powerpoint document" in has:
        return None, "PowerPoint 演示文稿"
    return None, "无法识别的 Office 文档"


def _text_or_unknown(head: bytes) -> str:
    if head[:2] == b"BM" and head[6:10] == b"\x00\x00\x00\x00":
        return "BMP 图片"  # checked here, not by prefix alone: plenty of text starts with "BM"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "文本"  # UTF-16 with a BOM, where NUL bytes are expected
    if not head or b"\x00" in head:
        return "未知"
    truncated = len(head) == _SNIFF_BYTES
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


# ---------------------------------------------------------------------------- file names


def sanitise_filename(name: str) -> str:
    """A display/export name safe on Windows and Linux, keeping Chinese text and the extension."""
    base = next((p for p in reversed(re.split(r"[/\\]", name)) if p), "")
    base = unicodedata.normalize("NFC", base)
    # Tabs and line breaks become spaces rather than vanishing like other control characters.
    base = base.translate(_LAYOUT_CONTROLS)
    base = "".join(
        ch
        for ch in base
        if ch not in _WINDOWS_ILLEGAL and unicodedata.category(ch) not in ("Cc", "Cf", "Cs")
    )
    base = _WHITESPACE_RUN.sub(" ", base)

    match = _EXTENSION.search(base)
    stem, ext = (base[: match.start()], match.group(0)) if match else (base, "")
    stem = stem.strip(" .")
    if not stem:
        return _UNNAMED + ext if ext else _UNNAMED
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = "_" + stem

    room = _MAX_NAME_CHARS - len(ext)
    ext_bytes = len(ext.encode("utf-8"))
    while len(stem) > room or len(stem.encode("utf-8")) + ext_bytes > _MAX_NAME_BYTES:
        stem = stem[: min(room, len(stem) - 1)]
    return (stem.rstrip(" .") or _UNNAMED) + ext


# ------------------------------------------------------------------------------- helpers


def _refusal_for_os_error(exc: OSError, name: str, *, reading: bool = False) -> EvidenceRefused:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return EvidenceRefused(f"磁盘空间不足,文件“{name}”未保存")
    if reading:
        return EvidenceRefused(f"无法读取文件“{name}”:{_describe_os_error(exc)}")
    return EvidenceRefused(f"无法保存文件“{name}”:{_describe_os_error(exc)}")


_ERRNO_TEXT = {
    errno.ENOENT: "文件不存在",
    errno.EACCES: "没有访问权限",
    errno.EPERM: "没有访问权限",
    errno.EISDIR: "这是一个文件夹,不是文件",
    errno.EROFS: "存储位置是只读的",
    errno.EIO: "读写出错",
}


def _describe_os_error(exc: OSError) -> str:
    if exc.errno in _ERRNO_TEXT:
        return _ERRNO_TEXT[exc.errno]
    return exc.strerror or str(exc)


def _format_size(n: int) -> str:
    if n >= _MIB:
        return f"{n // _MIB} MB" if n % _MIB == 0 else f"{n / _MIB:.1f} MB"
    if n >= _KIB:
        return f"{n // _KIB} KB" if n % _KIB == 0 else f"{n / _KIB:.1f} KB"
    return f"{n} 字节"


def _size_or_none(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return None


def _fsync_dir(path: Path) -> None:
    """Make a new directory entry durable; best effort, as not every platform allows it."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
