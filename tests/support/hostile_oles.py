"""OLE2 compound files (legacy DOC/XLS/WPS) built byte by byte, honest or hostile.

olefile cannot create files, so these write the format directly ([MS-CFB], version 3, 512-byte
sectors; sector n starts at byte (n + 1) * 512). `directory_of` writes a valid file whose
directory chain runs through any number of sectors, in one pass and mostly as a sparse file: the
shape of an upload whose directory lists millions of entries.
"""

from __future__ import annotations

import struct
from array import array
from pathlib import Path

SECTOR = 512
PER_SECTOR = SECTOR // 4  # FAT entries per sector
ENTRIES_PER_SECTOR = SECTOR // 128
HEADER_DIFAT = 109
END_OF_CHAIN, FREE, FAT_SECTOR, DIFAT_SECTOR, NO_STREAM = (
    0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFC, 0xFFFFFFFF,
)  # fmt: skip
MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def header(*, fat_sectors: int, first_directory: int, first_difat: int, difat_sectors: int,
           difat: list[int]) -> bytes:  # fmt: skip
    data = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        MAGIC, b"\x00" * 16, 0x3E, 3, 0xFFFE, 9, 6, b"\x00" * 6,
        0, fat_sectors, first_directory, 0, 4096, END_OF_CHAIN, 0, first_difat, difat_sectors,
    )  # fmt: skip
    data += struct.pack(f"<{HEADER_DIFAT}I", *(difat + [FREE] * (HEADER_DIFAT - len(difat))))
    assert len(data) == SECTOR
    return data


def entry(name: str, kind: int, right: int, child: int, start: int, size: int) -> bytes:
    """One 128-byte directory entry (kind 5: the root, 2: a stream, 0: unused)."""
    raw = name.encode("utf-16-le") + b"\x00\x00" if name else b""
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        raw, len(raw), kind, 1, NO_STREAM, right, child, b"\x00" * 16, 0, 0, 0, start, size,
    )  # fmt: skip


def cfb_bytes(streams: dict[str, bytes]) -> bytes:
    """A minimal but valid compound file with top-level streams: header, one FAT sector, one
    directory sector, then the streams. Each stream is padded to the 4096-byte mini-stream
    cutoff so it lives in ordinary sectors and no mini FAT is needed.
    """
    # Siblings are chained to the right, so they must be in the format's order: length, then
    # upper-cased name.
    names = sorted(streams, key=lambda n: (len(n), n.upper()))
    assert len(names) <= 3, "one directory sector holds the root and three streams"
    data = [streams[n].ljust(4096, b"\x00") for n in names]

    fat = [FAT_SECTOR, END_OF_CHAIN]  # sector 0 is the FAT, sector 1 the directory
    starts = []
    for blob in data:
        count = -(-len(blob) // SECTOR)
        starts.append(len(fat))
        fat.extend(range(len(fat) + 1, len(fat) + count))
        fat.append(END_OF_CHAIN)
    assert len(fat) <= PER_SECTOR
    fat += [FREE] * (PER_SECTOR - len(fat))

    directory = entry("Root Entry", 5, NO_STREAM, 1 if names else NO_STREAM, END_OF_CHAIN, 0)
    for i, (start, blob) in enumerate(zip(starts, data, strict=True), start=1):
        right = i + 1 if i < len(names) else NO_STREAM
        directory += entry(names[i - 1], 2, right, NO_STREAM, start, len(blob))
    while len(directory) < SECTOR:
        directory += entry("", 0, NO_STREAM, NO_STREAM, 0, 0)

    head = header(fat_sectors=1, first_directory=1, first_difat=END_OF_CHAIN, difat_sectors=0, difat=[0])
    return head + struct.pack(f"<{PER_SECTOR}I", *fat) + directory + b"".join(data)


def directory_of(path: Path, entries: int) -> Path:
    """A valid compound file whose directory chain holds `entries` entry slots (rounded up to
    whole sectors): a root entry with no streams, then unused entries, written sparse.

    Sectors: the DIFAT sectors, then the FAT sectors, then the directory, so a large directory
    needs the DIFAT chain to find its FAT, as a large genuine file would. 1 million entries make
    a 128 MB file (a few MB on disk) in well under a second.
    """
    directory = -(-entries // ENTRIES_PER_SECTOR)
    fat = difat = 0
    while True:  # the FAT must also describe its own sectors and the DIFAT's
        total = difat + fat + directory
        need_fat = -(-total // PER_SECTOR)
        need_difat = -(-max(0, need_fat - HEADER_DIFAT) // (PER_SECTOR - 1))
        if (need_fat, need_difat) == (fat, difat):
            break
        fat, difat = need_fat, need_difat
    first_fat, first_directory = difat, difat + fat
    table = array("I", [DIFAT_SECTOR] * difat + [FAT_SECTOR] * fat)
    table.extend(range(first_directory + 1, total))
    table.append(END_OF_CHAIN)
    table.extend([FREE] * (fat * PER_SECTOR - len(table)))

    fat_numbers = list(range(first_fat, first_fat + fat))
    difat_blocks = bytearray()
    rest = fat_numbers[HEADER_DIFAT:]
    for i in range(difat):
        block = rest[i * (PER_SECTOR - 1) : (i + 1) * (PER_SECTOR - 1)]
        block += [FREE] * (PER_SECTOR - 1 - len(block))
        block.append(i + 1 if i + 1 < difat else END_OF_CHAIN)
        difat_blocks += struct.pack(f"<{PER_SECTOR}I", *block)

    with open(path, "wb") as out:
        out.write(
            header(
                fat_sectors=fat,
                first_directory=first_directory,
                first_difat=0 if difat else END_OF_CHAIN,
                difat_sectors=difat,
                difat=fat_numbers[:HEADER_DIFAT],
            )
        )
        out.write(difat_blocks)
        out.write(table.tobytes())
        out.write(entry("Root Entry", 5, NO_STREAM, NO_STREAM, END_OF_CHAIN, 0))
        out.truncate((total + 1) * SECTOR)  # the unused entries: zeros, never written
    return path
