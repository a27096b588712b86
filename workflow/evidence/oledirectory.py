"""An OLE2 compound file's directory measured within bounds, before olefile reads it.

`olefile.OleFileIO` reads the whole directory stream into memory on opening (however many
sectors its chain runs through) and then makes an object for every entry reachable from the
root: a 200 MB upload whose directory chain spans the file lists 1.6 million entries. Here the
header is read by hand and the directory's sector chain followed through the FAT, one 4-byte
FAT entry at a time (the FAT sectors are found through the header's DIFAT and, past 109 of
them, the DIFAT sector chain), and the walk stops at the caller's entry limit; the FAT itself
may be no larger than the file can need, so olefile's reading of it stays bounded too.

Sector numbers, the header layout and the special values follow [MS-CFB] 2.2 and 2.3, as
olefile reads them: sector n starts at byte (n + 1) * sector size.
"""

from __future__ import annotations

import os
import struct
from typing import BinaryIO

__all__ = ["OleDirectoryError", "TooManyOleEntries", "directory_entries"]

MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HEADER = struct.Struct("<8s16s5H6s9L")  # up to the DIFAT held in the header
_HEADER_DIFAT = 109  # FAT sector numbers held in the header itself
_ENTRY_SIZE = 128  # bytes per directory entry
_MAX_REGULAR = 0xFFFFFFFA  # sector numbers from here on are markers, not sectors
_END_OF_CHAIN = 0xFFFFFFFE


class OleDirectoryError(ValueError):
    """Not a readable compound file: a bad header, or a chain that leaves the file or loops."""


class TooManyOleEntries(OleDirectoryError):
    """A directory of more entries than the caller's limit (the walk stopped past it)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} directory entries")
        self.limit = limit


class _Reader:
    """Reads single FAT entries of the file open in `fh`, validating every sector number."""

    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh
        file_size = fh.seek(0, os.SEEK_END)
        fh.seek(0)
        header = fh.read(_HEADER.size)
        if len(header) < _HEADER.size:
            raise OleDirectoryError("truncated header")
        (magic, _, _, major, order, shift, _, _, _, fat_sectors, self.first_directory,
         _, _, _, _, first_difat, difat_sectors) = _HEADER.unpack(header)  # fmt: skip
        if magic != MAGIC or order != 0xFFFE or (major, shift) not in ((3, 9), (4, 12)):
            raise OleDirectoryError("not a compound file header")
        self.sector_size: int = 1 << shift
        self.per_sector = self.sector_size // 4
        self.sectors: int = -(-file_size // self.sector_size) - 1  # the header fills sector -1
        # One FAT entry per sector of the file is all a genuine file needs; twice that (and a
        # sector) leaves room for odd writers while keeping olefile's FAT array within bounds.
        needed = -(-self.sectors // self.per_sector)
        if not 0 < fat_sectors <= 2 * needed + 1 or difat_sectors > self.sectors:
            raise OleDirectoryError("FAT larger than the file")
        self.fat_sectors = fat_sectors
        self.difat_sectors = difat_sectors
        self.header_difat = struct.unpack_from(f"<{_HEADER_DIFAT}L", _header_tail(fh))
        self.difat_chain: list[int] = [first_difat] if difat_sectors else []

    def sector(self, number: int) -> int:
        if number >= min(self.sectors, _MAX_REGULAR):
            raise OleDirectoryError(f"sector {number:#x} outside the file")
        return number

    def word(self, sector: int, index: int) -> int:
        self.fh.seek((self.sector(sector) + 1) * self.sector_size + 4 * index)
        data = self.fh.read(4)
        if len(data) < 4:
            raise OleDirectoryError("truncated sector")
        value: int = struct.unpack("<L", data)[0]
        return value

    def fat_sector(self, index: int) -> int:
        """Where the FAT's `index`th sector is: the header's DIFAT, then the DIFAT chain."""
        if index >= self.fat_sectors:
            raise OleDirectoryError("sector beyond the FAT")
        if index < _HEADER_DIFAT:
            return self.sector(self.header_difat[index])
        per_difat = self.per_sector - 1  # each DIFAT sector ends with the next one's number
        block, slot = divmod(index - _HEADER_DIFAT, per_difat)
        if block >= self.difat_sectors:
            raise OleDirectoryError("sector beyond the DIFAT")
        while len(self.difat_chain) <= block:
            self.difat_chain.append(self.word(self.difat_chain[-1], per_difat))
        return self.sector(self.word(self.difat_chain[block], slot))

    def next_sector(self, sector: int) -> int:
        block, slot = divmod(self.sector(sector), self.per_sector)
        return self.word(self.fat_sector(block), slot)


def _header_tail(fh: BinaryIO) -> bytes:
    fh.seek(_HEADER.size)
    tail = fh.read(4 * _HEADER_DIFAT)
    if len(tail) < 4 * _HEADER_DIFAT:
        raise OleDirectoryError("truncated header")
    return tail


def directory_entries(fh: BinaryIO, *, max_entries: int) -> int:
    """How many entry slots the directory of the compound file in `fh` holds.

    Reads at most one FAT entry per directory sector (and the DIFAT sectors leading to them):
    raises TooManyOleEntries once the chain passes `max_entries` entries, OleDirectoryError
    on a malformed header or a chain that leaves the file or comes back on itself.
    """
    reader = _Reader(fh)
    per_sector = reader.sector_size // _ENTRY_SIZE
    max_sectors = -(-max_entries // per_sector)
    seen: set[int] = set()
    sector = reader.first_directory
    while sector != _END_OF_CHAIN:
        if sector in seen:
            raise OleDirectoryError("directory chain loops")
        if len(seen) == max_sectors:
            raise TooManyOleEntries(max_entries)
        seen.add(sector)
        sector = reader.next_sector(sector)
    if not seen:
        raise OleDirectoryError("no directory")
    return len(seen) * per_sector
