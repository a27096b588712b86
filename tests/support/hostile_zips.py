"""ZIP files built byte by byte, bundles and catalogs, for the hostile-input tests and benchmarks.

zipfile writes honest headers and needs seconds per hundred thousand entries; these helpers
write any header (a size that lies, a symlink mode, millions of entries) in one pass.
"""

from __future__ import annotations

import hashlib
import json
import stat
import struct
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")
_END64 = struct.Struct("<4sQ2H2L4Q")
_LOCATOR = struct.Struct("<4sLQL")
_UTF8 = 0x800
STORED, DEFLATED = 0, 8


@dataclass
class Member:
    """One member as written: `payload` is already compressed when `method` is DEFLATED;
    `crc` and `file_size` are what the headers state (honest unless the test says otherwise)."""

    name: str
    payload: bytes
    method: int
    crc: int
    file_size: int
    mode: int = stat.S_IFREG | 0o644
    flags: int = _UTF8


def stored(name: str, data: bytes, **kw: int) -> Member:
    return Member(name, data, STORED, zlib.crc32(data), len(data), **kw)


def deflated(name: str, data: bytes, **kw: int) -> Member:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    payload = packer.compress(data) + packer.flush()
    return Member(name, payload, DEFLATED, zlib.crc32(data), len(data), **kw)


def deflated_stream(name: str, chunks: Iterable[bytes], **kw: int) -> Member:
    """A deflated member from chunks, so a 1 GiB member never sits in memory inflated."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    crc, size, parts = 0, 0, []
    for chunk in chunks:
        crc = zlib.crc32(chunk, crc)
        size += len(chunk)
        parts.append(packer.compress(chunk))
    parts.append(packer.flush())
    return Member(name, b"".join(parts), DEFLATED, crc, size, **kw)


def repeated(byte: bytes, total: int, chunk: int = 1 << 20) -> Iterator[bytes]:
    block = byte * chunk
    for start in range(0, total, chunk):
        yield block[: min(chunk, total - start)]


def write_zip(path: Path, members: Iterable[Member]) -> Path:
    with open(path, "wb") as out:
        directory = bytearray()
        count = 0
        for m in members:
            offset = out.tell()
            name = m.name.encode("utf-8")
            size32 = min(m.file_size, 0xFFFFFFFF)  # a lie past 4 GiB is capped, like the test wants
            out.write(_LOCAL.pack(b"PK\x03\x04", 20, m.flags, m.method, 0, 0x21, m.crc,
                                  len(m.payload), size32, len(name), 0))  # fmt: skip
            out.write(name)
            out.write(m.payload)
            directory += _CENTRAL.pack(b"PK\x01\x02", (3 << 8) | 20, 20, m.flags, m.method, 0, 0x21,
                                       m.crc, len(m.payload), size32, len(name), 0, 0, 0, 0,
                                       m.mode << 16, offset)  # fmt: skip
            directory += name
            count += 1
        _finish(out, bytes(directory), count, count)
    return path


def _finish(out: BinaryIO, directory: bytes, count: int, declared: int) -> None:
    start = out.tell()
    out.write(directory)
    if declared > 0xFFFF or start > 0xFFFFFFFF:
        end64 = out.tell()
        out.write(_END64.pack(b"PK\x06\x06", 44, 45, 45, 0, 0, declared, declared, len(directory), start))
        out.write(_LOCATOR.pack(b"PK\x06\x07", 0, end64, 1))
        out.write(_END.pack(b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0))
    else:
        out.write(_END.pack(b"PK\x05\x06", 0, 0, declared, declared, len(directory), start, 0))


def zip_of_empty_entries(
    path: Path, count: int, *, declared: int | None = None, last: str | None = None
) -> Path:
    """`count` empty stored entries (`last` names the final one), as fast as Python writes:
    the shape of a 201 MB upload listing 3.9 million entries. `declared` makes the end record
    state another count (16-bit, as an archive that lies about it would)."""
    empty_crc = zlib.crc32(b"")
    with open(path, "wb") as out:
        directory = bytearray()
        batch = bytearray()
        for i in range(count):
            name = (last if last is not None and i == count - 1 else f"{i:07d}.txt").encode()
            offset = out.tell() + len(batch)
            batch += _LOCAL.pack(b"PK\x03\x04", 20, 0, 0, 0, 0x21, empty_crc, 0, 0, len(name), 0)
            batch += name
            directory += _CENTRAL.pack(b"PK\x01\x02", 20, 20, 0, 0, 0, 0x21, empty_crc, 0, 0,
                                       len(name), 0, 0, 0, 0, 0, offset)  # fmt: skip
            directory += name
            if len(batch) > 1 << 22:
                out.write(batch)
                batch.clear()
        out.write(batch)
        if declared is None:
            _finish(out, bytes(directory), count, count)
        else:
            start = out.tell()
            out.write(directory)
            out.write(_END.pack(b"PK\x05\x06", 0, 0, declared, declared, len(directory), start, 0))
    return path


# ------------------------------------------------------------------ bundles and catalogs

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
# Eight levels of nine aliases each: 471 bytes that expand to 9**9 strings.
ALIAS_BOMB = "\n".join(
    ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
)


def listed(data: bytes, media_type: str = "pdf") -> dict[str, Any]:
    """A manifest entry's claims about `data`."""
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "media_type": media_type}


def bundle(path: Path, files: list[tuple[Member, dict[str, Any]]], *, manifest: Member | None = None) -> Path:
    """A bundle of `files` (each a member and its manifest entry) with an index, SHA256SUMS
    and a manifest as the builder writes them, unless `manifest` replaces the manifest."""
    from reports.bundle.layout import checksums

    entries = [{"kind": "file", "path": m.name, **entry} for m, entry in files]
    index = {"kind": "index", "path": "目录.pdf", **listed(PDF)}
    sums = checksums([*entries, index])
    entries += [index, {"kind": "checksums", "path": "SHA256SUMS", **listed(sums)}]
    doc = {"format": "zonecheck-evidence-bundle", "format_version": 1, "entries": entries}
    data = json.dumps(doc, ensure_ascii=False).encode()
    members = [m for m, _ in files] + [stored("目录.pdf", PDF), deflated("SHA256SUMS", sums)]
    return write_zip(path, [*members, manifest or deflated("manifest.json", data)])
