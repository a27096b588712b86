"""Content-addressed file store for evidence files (佐证材料).

Blobs live at ``root/objects/ab/cd/<sha256>``, read-only, named by the SHA-256 of their content,
so the same file uploaded twice is stored once and any later change to a blob is detectable.
Files are streamed in fixed-size chunks through a temporary file in ``root/tmp`` and only then
linked into place, so memory use does not grow with the file and a reader never sees a partial
blob. This module keeps no records of its own: which blob belongs to which item is the
database's business. What a file is comes from filetypes, what it is called from filenames.
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
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from workflow.errors import InputError
from workflow.evidence.filenames import sanitise_filename, stored_name
from workflow.evidence.filetypes import ALLOWED_TYPES_TEXT, ContentRefused, sniff

__all__ = [
    "DEFAULT_MAX_BYTES",
    "EvidenceRefused",
    "EvidenceStore",
    "StoredBlob",
    "VerifyReport",
]


class EvidenceRefused(InputError):
    """A file the store will not take; message is one complete Chinese sentence naming the file."""


DEFAULT_MAX_BYTES = 200 * 1024 * 1024

_SHA256_RE = re.compile(r"[0-9a-f]{64}")
# Temp names carry a fixed prefix so sweep_temp never deletes a file it did not make.
_TEMP_PREFIX = "put-"
_TEMP_SUFFIX = ".part"

_KIB = 1024
_MIB = 1024 * 1024


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    media_type: str
    created: bool
    # The name to record: cleaned, no executable extension, an extension that fits the
    # detected type. The name as handed in (cleaned only) is kept beside it, so a renamed
    # file can be traced back to its upload (the evidence service puts it in the audit log).
    name: str
    original_name: str

    @property
    def renamed(self) -> bool:
        return self.name != self.original_name


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
        """Store what ``source`` yields until EOF; ``name`` appears in error messages and,
        its last component cleaned and fitted to the detected type, as the blob's name.

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
            try:
                media_type, label = sniff(tmp_path)
            except ContentRefused as exc:
                raise EvidenceRefused(f"文件“{name}”{exc.reason},未保存") from None
            if media_type is None:
                raise EvidenceRefused(
                    f"文件“{name}”的类型不在允许范围内(检测为:{label}),"
                    f"允许的类型:{ALLOWED_TYPES_TEXT}"
                )
            created = self._commit(fd, tmp_path, self.path_of(sha256), size)
            return StoredBlob(
                sha256=sha256,
                size=size,
                media_type=media_type,
                created=created,
                name=stored_name(name, media_type),
                original_name=sanitise_filename(name),
            )
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
