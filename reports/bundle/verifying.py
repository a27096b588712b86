"""Verifying an evidence bundle against its own manifest, trusting nothing the bundle says.

A bundle comes back from outside (mailed, copied, perhaps made up), so every figure in it is a
claim to check within a bound before any work depends on it:

- the central directory is counted by streaming it (at most MAX_ENTRIES entries and
  MAX_DIRECTORY_BYTES) before zipfile, which lists every entry in memory, opens the archive;
- manifest.json: no more than MAX_MANIFEST_BYTES of its inflated stream is read, whatever its
  header says (a 1 MB ZIP can inflate a manifest to 1 GiB);
- each listed member: its header's size must equal the size the manifest declares, it is
  inflated only up to that size (plus one byte, to see that it is larger), and a stated
  compression ratio beyond what DEFLATE can reach marks a forged header;
- in total: the declared sizes add up to at most MAX_TOTAL_BYTES and to at most
  MAX_BUNDLE_RATIO times the ZIP's own size (plus RATIO_SLACK_BYTES), so the time spent
  hashing is bounded by the file on disk, not by what it claims;
- symbolic links and other special files, encrypted members and compression methods the
  builder never uses are refused unread; a member that is itself an archive is accepted only
  where the manifest declares a ZIP-based evidence type (ZIP, DOCX, XLSX, OFD) and is never
  opened, only hashed.

Each refusal is one Chinese sentence naming the bundle and the entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from reports.bundle.layout import (
    BUNDLE_FORMAT,
    CHECKSUMS,
    INDEX,
    MANIFEST,
    MAX_ENTRIES,
    MAX_MANIFEST_BYTES,
    checksums,
)
from workflow.errors import InputError, ZonecheckError
from workflow.evidence.filetypes import is_archive
from workflow.evidence.zipdirectory import (
    TooManyEntries,
    ZipDirectoryError,
    count_entries,
    find_directory,
)

__all__ = ["BundleCheck", "BundleInvalid", "verify_bundle"]

_MIB = 1024 * 1024
_GIB = 1024 * _MIB
# The directory zipfile will read in one piece: real entries take 100-400 bytes (a path of a
# few folders and a name of at most 255 bytes, plus 46 bytes of header and a ZIP64 field).
MAX_DIRECTORY_BYTES = 32 * _MIB
# 500 files at the 200 MB upload limit: more than any plan's evidence, still hours of hashing.
MAX_TOTAL_BYTES = 100 * _GIB
# The builder stores PDF, images and ZIP-based formats as they are and deflates only DOC,
# XLS, WPS and the text files, so a real bundle inflates to little more than its own size.
MAX_BUNDLE_RATIO = 20
RATIO_SLACK_BYTES = 64 * _MIB
# DEFLATE cannot shrink data by more than about 1032:1; a header stating more is forged.
MAX_DEFLATE_RATIO = 1032
_RATIO_CHECKED_FROM = _MIB  # below this a ratio says nothing worth refusing
# Evidence types that are ZIP files inside; only these may be archives in a bundle.
_ZIP_BASED_TYPES = frozenset({"zip", "docx", "xlsx", "ofd"})
_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})  # what the builder writes
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20
_INVALID = "不是有效的佐证材料汇编:"
# What zipfile and zlib raise for a damaged member, besides OSError.
_READ_ERRORS = (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, RuntimeError, zlib.error)


class BundleInvalid(ZonecheckError):
    """A file that is not a readable evidence bundle at all, or one past the verifier's bounds."""


@dataclass
class BundleCheck:
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # not read at all: links, forged headers…
    problems: list[str] = field(default_factory=list)  # one Chinese sentence each, by path

    @property
    def ok(self) -> bool:
        return not self.problems


def _unsafe(name: str) -> bool:
    parts = name.split("/")
    return name.startswith("/") or "\\" in name or ".." in parts or bool(re.match(r"^[A-Za-z]:", name))


def _size_text(n: int) -> str:
    return f"{n / _GIB:.1f} GB" if n >= _GIB else f"{n / _MIB:.1f} MB" if n >= _MIB else f"{n} 字节"


class _Verifier:
    def __init__(self, path: Path, archive: zipfile.ZipFile, zip_size: int) -> None:
        self.path = path
        self.archive = archive
        self.zip_size = zip_size
        self.check = BundleCheck()

    # ------------------------------------------------------------------------- messages

    def _invalid(self, why: str) -> BundleInvalid:
        return BundleInvalid(f"{_INVALID}{self.path} {why}")

    def _refuse(self, name: str, why: str) -> None:
        self.check.refused.append(name)
        self.check.problems.append(f"拒绝:汇编 {self.path.name} 中的 {name} {why},未读取")

    def _why_unreadable(self, info: zipfile.ZipInfo) -> str | None:
        """Why a member is refused before a byte of it is read, or None."""
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind == stat.S_IFLNK:
            return "是符号链接(汇编中只应有普通文件)"
        if kind not in (0, stat.S_IFREG):
            return "是特殊文件(目录、设备、管道或套接字;汇编中只应有普通文件)"
        if info.flag_bits & 0x1:
            return "已加密"
        if info.compress_type not in _METHODS:
            return f"使用了 zonecheck 不使用的压缩方式(编号 {info.compress_type})"
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            return "的头信息自相矛盾(未压缩,却声明了不同的压缩前后大小)"
        if (
            info.file_size > _RATIO_CHECKED_FROM
            and info.file_size > MAX_DEFLATE_RATIO * max(info.compress_size, 1)
        ):
            ratio = info.file_size // max(info.compress_size, 1)
            return f"声明的压缩比 {ratio}:1 超过 DEFLATE 所能达到的 {MAX_DEFLATE_RATIO}:1,头信息是伪造的"
        return None

    # ------------------------------------------------------------------------- reading

    def _read_bounded(self, info: zipfile.ZipInfo, limit: int) -> bytes:
        """At most `limit` + 1 bytes of a member's inflated stream."""
        parts: list[bytes] = []
        got = 0
        with self.archive.open(info) as member:
            while got <= limit and (chunk := member.read(min(_CHUNK, limit + 1 - got))):
                parts.append(chunk)
                got += len(chunk)
        return b"".join(parts)

    def _hash_bounded(self, member: IO[bytes], limit: int) -> tuple[str, int, bytes]:
        """(sha256, bytes read, first bytes) reading at most `limit` + 1 bytes."""
        digest = hashlib.sha256()
        size = 0
        head = b""
        while size <= limit and (chunk := member.read(min(_CHUNK, limit + 1 - size))):
            if not head:
                head = chunk[:16]
            digest.update(chunk)
            size += len(chunk)
        return digest.hexdigest(), size, head

    def manifest(self) -> dict[str, Any]:
        try:
            info = self.archive.getinfo(MANIFEST)
        except KeyError:
            raise BundleInvalid(f"{_INVALID}缺少 {MANIFEST}") from None
        why = self._why_unreadable(info)
        if why:
            raise self._invalid(f"中的 {MANIFEST} {why}")
        limit_text = f"{MAX_MANIFEST_BYTES // _MIB} MB"
        if info.file_size > MAX_MANIFEST_BYTES:
            raise self._invalid(
                f"中的 {MANIFEST} 声明解压后为 {_size_text(info.file_size)},超过上限 {limit_text},不予校验"
            )
        try:
            raw = self._read_bounded(info, MAX_MANIFEST_BYTES)
        except (OSError, *_READ_ERRORS) as exc:
            raise self._invalid(f"中的 {MANIFEST} 无法读取({exc})") from None
        if len(raw) > MAX_MANIFEST_BYTES:
            raise self._invalid(f"中的 {MANIFEST} 解压后超过上限 {limit_text},不予校验")
        try:
            manifest = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            line = f"(第 {exc.lineno} 行)" if isinstance(exc, json.JSONDecodeError) else ""
            raise BundleInvalid(f"{_INVALID}{MANIFEST} 无法解析{line}") from None
        if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT:
            raise BundleInvalid(f"{_INVALID}{MANIFEST} 不是 zonecheck 佐证材料汇编的清单")
        entries = manifest.get("entries")
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise BundleInvalid(f"{_INVALID}{MANIFEST} 中没有条目列表(entries)")
        if len(entries) > MAX_ENTRIES:
            raise self._invalid(f"的 {MANIFEST} 列出 {len(entries)} 个条目,超过上限 {MAX_ENTRIES} 个,不予校验")
        return manifest

    def listed(self, manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """Entries with a path, each with a size and sha256 that can be checked."""
        listed: dict[str, dict[str, Any]] = {}
        for entry in manifest["entries"]:
            if not entry.get("path"):
                continue  # links and notes
            name = str(entry["path"])
            size, sha256 = entry.get("size"), entry.get("sha256")
            if type(size) is not int or size < 0 or not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
                raise self._invalid(f"的 {MANIFEST} 中 {name} 的大小或 sha256 无效")
            listed[name] = entry
        for generated in (INDEX, CHECKSUMS):
            if generated not in listed:
                raise BundleInvalid(f"{_INVALID}{MANIFEST} 中没有 {generated}")
        total = sum(int(e["size"]) for e in listed.values())
        bound = min(MAX_TOTAL_BYTES, MAX_BUNDLE_RATIO * self.zip_size + RATIO_SLACK_BYTES)
        if total > bound:
            raise self._invalid(
                f"的 {MANIFEST} 声明的文件共 {_size_text(total)},超过按汇编大小"
                f"({_size_text(self.zip_size)})所能容纳的 {_size_text(bound)},不予校验"
            )
        return listed

    def member(self, name: str, entry: dict[str, Any], info: zipfile.ZipInfo) -> None:
        check = self.check
        why = self._why_unreadable(info)
        if why:
            self._refuse(name, why)
            return
        declared = int(entry["size"])
        if info.file_size != declared:
            check.altered.append(name)
            check.problems.append(f"被改动:{name}(大小 {info.file_size} 字节,清单中为 {declared} 字节)")
            return
        try:
            with self.archive.open(info) as member:
                sha256, size, head = self._hash_bounded(member, declared)
        except (OSError, *_READ_ERRORS) as exc:
            check.altered.append(name)
            check.problems.append(f"被改动或损坏:{name}(无法读取:{exc})")
            return
        if size != declared:
            check.altered.append(name)
            more = "大于" if size > declared else "小于"
            check.problems.append(f"被改动:{name}(解压后{more}清单中的 {declared} 字节)")
        elif sha256 != entry.get("sha256"):
            check.altered.append(name)
            check.problems.append(f"被改动:{name}(sha256 与清单不符)")
        elif is_archive(head) and entry.get("media_type") not in _ZIP_BASED_TYPES:
            # Hashed but never opened; the builder puts archives only where the store took one.
            check.refused.append(name)
            check.problems.append(
                f"拒绝:汇编 {self.path.name} 中的 {name} 是嵌套的压缩包,而清单中记为"
                f"“{entry.get('media_type') or entry.get('kind')}”"
            )

    def run(self) -> BundleCheck:
        check = self.check
        manifest = self.manifest()
        listed = self.listed(manifest)
        members: dict[str, list[zipfile.ZipInfo]] = {}
        for info in self.archive.infolist():
            members.setdefault(info.filename, []).append(info)
        for name, infos in members.items():
            if len(infos) > 1:
                check.problems.append(f"重名:{name} 在压缩包中出现 {len(infos)} 次")
            if _unsafe(name):
                check.problems.append(f"路径不安全:{name}(解压时可能写到汇编文件夹之外)")
        for name, entry in listed.items():
            check.checked += 1
            found = members.get(name)
            if not found:
                check.missing.append(name)
                check.problems.append(f"缺失:{name}(清单中有,压缩包中没有)")
                continue
            self.member(name, entry, found[-1])
        for name, infos in members.items():
            if name == MANIFEST or name in listed:
                continue
            if name.endswith("/") and all(i.file_size == 0 for i in infos):
                continue  # folder entries some tools add are not files
            check.extra.append(name)
            check.problems.append(f"多出:{name}(压缩包中有,清单中没有)")
        if CHECKSUMS not in check.missing + check.altered + check.refused:
            # Its bytes matched the manifest's sha256 above, so comparing hashes is enough.
            expected = checksums([e for e in manifest["entries"] if e.get("kind") != "checksums"])
            if hashlib.sha256(expected).hexdigest() != listed[CHECKSUMS]["sha256"]:
                check.problems.append(f"{CHECKSUMS} 与 {MANIFEST} 不一致")
        return check


def verify_bundle(path: Path) -> BundleCheck:
    """Check a bundle against its own manifest: every listed file present with its size and
    sha256 (streamed, bounded by what the manifest declares), nothing unlisted, names safe to
    unzip, SHA256SUMS matching; BundleInvalid for a file that is no bundle or is past bounds."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"找不到文件:{path}" if not path.exists() else f"不是文件:{path}")
    corrupt = f"{_INVALID}{path} 不是 ZIP 文件或已损坏"
    with open(path, "rb") as fh:
        try:
            directory = find_directory(fh)
            if directory.size > MAX_DIRECTORY_BYTES:
                raise BundleInvalid(
                    f"{_INVALID}{path} 的目录区为 {_size_text(directory.size)},"
                    f"超过上限 {MAX_DIRECTORY_BYTES // _MIB} MB,不予校验"
                )
            count_entries(fh, directory, max_entries=MAX_ENTRIES)
        except TooManyEntries as exc:
            count = f"{exc.count} 个条目" if exc.declared else f"超过 {exc.limit} 个条目"
            raise BundleInvalid(f"{_INVALID}{path} 含{count},超过上限 {MAX_ENTRIES} 个,不予校验") from None
        except ZipDirectoryError:
            raise BundleInvalid(corrupt) from None
        try:
            archive = zipfile.ZipFile(fh)
        except Exception:  # whatever zipfile raises for a damaged directory
            raise BundleInvalid(corrupt) from None
        with archive:
            return _Verifier(path, archive, os.fstat(fh.fileno()).st_size).run()
