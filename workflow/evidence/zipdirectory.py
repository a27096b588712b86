"""A ZIP's central directory read within bounds, before anything trusts it.

`zipfile.ZipFile` reads the whole central directory into memory and makes one `ZipInfo` per
entry, however many the archive claims: a 201 MB upload listing 3.9 million empty entries took
2.2 GB and 40 s just to open. Here the end-of-central-directory record is read by hand, the
declared entry count is checked against a limit before anything else, and the directory itself
is streamed entry by entry (46-byte header, then the name only when it is short enough to be
wanted), so memory stays flat and the work stops at the limit whatever the archive declares.

The record is located the way zipfile locates it (the last 22 bytes, else the last signature
within the 64 KiB comment area; a ZIP64 record directly before its locator), so an archive
passed here and then to zipfile is read by both from the same directory.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

__all__ = [
    "Directory",
    "TooManyEntries",
    "ZipDirectoryError",
    "count_entries",
    "find_directory",
    "iter_entry_names",
]

_END = struct.Struct("<4s4H2LH")  # end of central directory record
_END_SIGNATURE = b"PK\x05\x06"
_MAX_COMMENT = (1 << 16) - 1
_LOCATOR = struct.Struct("<4sLQL")  # ZIP64 end of central directory locator
_LOCATOR_SIGNATURE = b"PK\x06\x07"
_END64 = struct.Struct("<4sQ2H2L4Q")  # ZIP64 end of central directory record
_END64_SIGNATURE = b"PK\x06\x06"
_ENTRY = struct.Struct("<4s4B4HL2L5H2L")  # one central directory header, before its name
_ENTRY_SIGNATURE = b"PK\x01\x02"


class ZipDirectoryError(ValueError):
    """Not a readable ZIP: no end record, or a central directory that does not parse."""


class TooManyEntries(ZipDirectoryError):
    """More entries than the caller's limit: `count` as the end record declares it, or, when
    `declared` is False, limit + 1, where the streamed scan stopped."""

    def __init__(self, count: int, limit: int, *, declared: bool) -> None:
        super().__init__(f"{count} entries, more than the limit of {limit}")
        self.count = count
        self.limit = limit
        self.declared = declared


@dataclass(frozen=True)
class Directory:
    """Where the central directory is and what the end record declares about it."""

    entries: int  # as declared; the directory may hold more or fewer
    size: int  # bytes
    start: int  # file offset of its first header


def find_directory(fh: BinaryIO) -> Directory:
    """Read the end record(s) of the ZIP open in `fh`: at most 64 KiB + 22 bytes are read."""
    file_size = fh.seek(0, os.SEEK_END)
    if file_size < _END.size:
        raise ZipDirectoryError("file too short for an end of central directory record")
    fh.seek(file_size - _END.size)
    tail = fh.read(_END.size)
    if tail[:4] == _END_SIGNATURE and tail[-2:] == b"\x00\x00":
        end_at, record = file_size - _END.size, tail
    else:
        # A comment follows the record: search back through the largest comment possible.
        start = max(file_size - _MAX_COMMENT - _END.size, 0)
        fh.seek(start)
        window = fh.read()
        found = window.rfind(_END_SIGNATURE)
        if found < 0 or len(window) - found < _END.size:
            raise ZipDirectoryError("no end of central directory record")
        end_at, record = start + found, window[found : found + _END.size]
    _, disk, cd_disk, _, entries, size, _, _ = _END.unpack(record)
    if disk != 0 or cd_disk != 0:
        raise ZipDirectoryError("archives spanning several disks are not supported")
    directory_end = end_at
    zip64 = _read_zip64(fh, end_at)
    if zip64 is not None:
        directory_end, entries, size = zip64
    start = directory_end - size
    if start < 0:
        raise ZipDirectoryError("central directory size points before the start of the file")
    return Directory(entries=entries, size=size, start=start)


def _read_zip64(fh: BinaryIO, end_at: int) -> tuple[int, int, int] | None:
    """(offset of the ZIP64 record, entries, directory size), or None without a locator."""
    if end_at < _LOCATOR.size:
        return None
    fh.seek(end_at - _LOCATOR.size)
    signature, disk, _, disks = _LOCATOR.unpack(fh.read(_LOCATOR.size))
    if signature != _LOCATOR_SIGNATURE:
        return None
    if disk != 0 or disks > 1:
        raise ZipDirectoryError("archives spanning several disks are not supported")
    record_at = end_at - _LOCATOR.size - _END64.size
    if record_at < 0:
        raise ZipDirectoryError("ZIP64 locator without its record")
    fh.seek(record_at)
    data = fh.read(_END64.size)
    if len(data) < _END64.size:
        raise ZipDirectoryError("truncated ZIP64 end record")
    signature, _, _, _, disk, cd_disk, _, entries, size, _ = _END64.unpack(data)
    if signature != _END64_SIGNATURE:
        raise ZipDirectoryError("ZIP64 locator without its record")
    if disk != 0 or cd_disk != 0:
        raise ZipDirectoryError("archives spanning several disks are not supported")
    return record_at, entries, size


def iter_entry_names(
    fh: BinaryIO, directory: Directory, *, max_entries: int, max_name_bytes: int
) -> Iterator[bytes | None]:
    """Each entry's raw name in directory order, or None for a name over `max_name_bytes`.

    Streams the directory; raises TooManyEntries before reading it when the end record declares
    more than `max_entries`, and on entry `max_entries + 1` when it understated the count;
    ZipDirectoryError on a header that does not parse.
    """
    if directory.entries > max_entries:
        raise TooManyEntries(directory.entries, max_entries, declared=True)
    fh.seek(directory.start)
    remaining = directory.size
    count = 0
    while remaining > 0:
        header = fh.read(_ENTRY.size)
        if len(header) < _ENTRY.size or header[:4] != _ENTRY_SIGNATURE:
            raise ZipDirectoryError("bad central directory header")
        count += 1
        if count > max_entries:
            raise TooManyEntries(count, max_entries, declared=False)
        fields = _ENTRY.unpack(header)
        name_len, extra_len, comment_len = fields[12], fields[13], fields[14]
        name: bytes | None = None
        if name_len <= max_name_bytes:
            name = fh.read(name_len)
            if len(name) < name_len:
                raise ZipDirectoryError("truncated central directory")
            fh.seek(extra_len + comment_len, os.SEEK_CUR)
        else:
            fh.seek(name_len + extra_len + comment_len, os.SEEK_CUR)
        remaining -= _ENTRY.size + name_len + extra_len + comment_len
        yield name


def count_entries(fh: BinaryIO, directory: Directory, *, max_entries: int) -> int:
    """How many headers the directory really holds (TooManyEntries past `max_entries`)."""
    return sum(1 for _ in iter_entry_names(fh, directory, max_entries=max_entries, max_name_bytes=0))
