"""Writing the evidence bundle (佐证材料汇编): every evidence file of a plan in one ZIP.

The ZIP is written to a temporary file beside the target and renamed over it only when
complete; every file is streamed from the evidence store and re-hashed on the way, and a
missing or altered file stops the build with nothing written. What goes where is layout's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from checklists.kinds import EvidenceKind
from reports.bundle.layout import (
    BUNDLE_FORMAT,
    CHECKSUMS,
    FORMAT_VERSION,
    INDEX,
    MANIFEST,
    MAX_MANIFEST_BYTES,
    BundleError,
    Entry,
    checksums,
    iso,
    load_layout,
    utc,
)
from reports.output import atomic_output
from reports.render import Renderer
from workflow.clock import office_zone
from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor
from workflow.errors import InputError
from workflow.evidence import EvidenceStore
from workflow.services.access import open_plan

__all__ = ["BundleSummary", "build_bundle", "default_bundle_name"]

INDEX_TEMPLATE = "bundle_index.html"
CHUNK = 1 << 20
# zipfile switches to ZIP64 itself when the declared size is within 5% of 2 GiB - 1; forcing it
# a little earlier costs 20 bytes of header and never fails a file that grows past the limit.
ZIP64_FROM = 1 << 30

# Compression per media type, measured with zlib level 6 (what ZIP_DEFLATED uses). Single
# files: scanned pages as JPEG-in-PDF saved 0.3-0.6%, a 2400x1800 photo as JPEG 0.3% and as
# PNG 0.5%, PDFs from office software and WeasyPrint 1.5-14%, an XLSX 17% of 0.2 MB (DOCX,
# XLSX and OFD are deflated ZIPs already), at 15-50 MB/s on one core. A Jiading bundle of 49
# such files (48.4 MB: scans, photos, office PDFs, XLSX, PNG): storing them gave 48.9 MB in
# 0.17 s besides the index, deflating everything 48.0 MB (-1.9%) in 1.50 s (9x slower). So
# the compressed formats are stored; DOC, XLS and WPS (OLE2, which deflate well) and the
# text files at the root are deflated.
STORED_TYPES = frozenset({"pdf", "ofd", "jpg", "png", "zip", "docx", "xlsx"})


@dataclass(frozen=True)
class BundleSummary:
    path: Path
    plan_key: str
    files: int  # evidence files (the index, SHA256SUMS and manifest.json not counted)
    total_size: int  # of those files, uncompressed
    links: int
    notes: int
    zip_size: int
    sha256: str  # of the ZIP
    index_pages: int
    seconds: float
    entries: int  # everything in the manifest: files, links, notes, index and checksums


def default_bundle_name(plan_key: str, day: dt.date) -> str:
    return f"{plan_key}-佐证材料汇编-{day.isoformat()}.zip"


def _zip_time(value: dt.datetime | None) -> tuple[int, int, int, int, int, int]:
    """A ZIP timestamp (local time, no zone, 1980 at the earliest) in the office's time zone."""
    moment = utc(value) or dt.datetime.now(dt.UTC)
    local = moment.astimezone(office_zone())
    if local.year < 1980:
        return (1980, 1, 1, 0, 0, 0)
    return (local.year, local.month, local.day, local.hour, local.minute, local.second)


def _member(path: str, when: dt.datetime | None, *, stored: bool, size: int = 0) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, _zip_time(when))
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16  # rw-r--r-- when unzipped on Linux or macOS
    info.file_size = size
    return info


def _problem(entry: Entry, what: str) -> BundleError:
    e = entry.evidence
    return BundleError(
        f"佐证材料#{e.id}“{e.file_name}”({entry.where})的文件{what},未生成汇编;"
        "可运行 zonecheck evidence verify 检查材料库"
    )


def _check_present(store: EvidenceStore, files: list[Entry]) -> None:
    """Fail before any work when a blob is missing or has the wrong size (cheap: one stat)."""
    for entry in files:
        assert entry.evidence.sha256 is not None
        try:
            size = store.path_of(entry.evidence.sha256).stat().st_size
        except FileNotFoundError:
            raise _problem(entry, "在材料库中缺失") from None
        except OSError as exc:
            raise _problem(entry, f"无法读取({exc.strerror})") from None
        if size != entry.evidence.size:
            raise _problem(entry, f"已被改动(大小 {size} 字节,记录为 {entry.evidence.size} 字节)")


def _copy_file(archive: zipfile.ZipFile, store: EvidenceStore, entry: Entry) -> None:
    """Stream one blob into the ZIP, re-hashing it: a changed blob never goes out as evidence."""
    e = entry.evidence
    assert entry.path is not None and e.sha256 is not None and e.size is not None
    info = _member(entry.path, e.uploaded_at, stored=e.media_type in STORED_TYPES, size=e.size)
    digest = hashlib.sha256()
    copied = 0
    try:
        source = store.open(e.sha256)
    except FileNotFoundError:
        raise _problem(entry, "在材料库中缺失") from None
    except OSError as exc:
        raise _problem(entry, f"无法读取({exc.strerror})") from None
    with source, archive.open(info, "w", force_zip64=e.size >= ZIP64_FROM) as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            copied += len(chunk)
            out.write(chunk)
    if copied != e.size or digest.hexdigest() != e.sha256:
        raise _problem(entry, "已被改动(sha256 与记录不符)")


def _file_entry(entry: Entry) -> dict[str, Any]:
    e = entry.evidence
    return {
        "kind": e.kind,
        "number": entry.number,
        "path": entry.path,
        "sha256": e.sha256,
        "size": e.size,
        "evidence_id": e.id,
        "measure": entry.measure_ref,
        "item": entry.item,
        "indicator": entry.indicator,
        "indicator_report": entry.report,
        "original_name": e.file_name or None,
        "media_type": e.media_type,
        "url": e.url or None,
        "note": e.note or None,
        "doc_date": e.doc_date.isoformat(),
        "uploaded_by": e.person,
        "unit": e.unit,
        "uploaded_at": iso(e.uploaded_at),
        "superseded": entry.status == "superseded",
        "superseded_by": e.superseded_by,
        "removed": entry.status == "removed",
    }


def _generated(kind: str, path: str, data: bytes, **extra: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "path": path,
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        **extra,
    }


def _version() -> str:
    try:
        return metadata.version("zonecheck")
    except metadata.PackageNotFoundError:
        return "unknown"


def build_bundle(
    uow: UnitOfWork,
    store: EvidenceStore,
    renderer: Renderer,
    plan_ident: str,
    out_path: Path,
    *,
    viewer: Actor | None = None,
    include_superseded: bool = False,
    on_file: Callable[[int, int, str], None] | None = None,
    generated_at: dt.datetime | None = None,
) -> BundleSummary:
    """Write the evidence bundle of the plan named `plan_ident` to `out_path` (whole or not at
    all), if `viewer` (None: the operator) may see the plan; another zone's plan is refused
    like a missing one (audited).

    `include_superseded` also takes replaced and withdrawn evidence (in 已替换/ and 已撤下/
    beside the current files). `on_file(done, total, path)` is called after each file.
    """
    started = time.perf_counter()
    generated_at = utc(generated_at) or dt.datetime.now(dt.UTC)
    out_path = Path(out_path)
    plan = open_plan(uow, viewer, plan_ident, action="bundle")
    # Everything is read into the layout in one transaction: the files are then copied with
    # no transaction open, however long that takes.
    layout = load_layout(uow, viewer, plan.id, include_superseded)
    files = layout.files
    if not layout.entries:
        raise InputError(
            f"方案 {layout.plan['key']} 尚无{'' if include_superseded else '有效的'}佐证材料,未生成汇编"
        )
    _check_present(store, files)
    entries = [_file_entry(e) for e in layout.entries]
    total_size = sum(e.evidence.size or 0 for e in files)
    counts = {kind: sum(1 for e in layout.entries if e.evidence.kind == kind.value) for kind in EvidenceKind}
    context = {
        "plan": layout.plan,
        "generated_at": generated_at.isoformat(timespec="seconds"),
        "include_superseded": include_superseded,
        "sections": layout.sections,
        "indicators": layout.indicators,
        "summary": {
            "files": len(files),
            "total_size": total_size,
            "links": counts[EvidenceKind.LINK],
            "notes": counts[EvidenceKind.NOTE],
            "old": sum(1 for e in layout.entries if e.status != "current"),
        },
        "index_name": INDEX,
        "manifest_name": MANIFEST,
        "checksums_name": CHECKSUMS,
    }
    with atomic_output(out_path) as fh:
        with zipfile.ZipFile(fh, "w", allowZip64=True) as archive:
            for done, entry in enumerate(files, start=1):
                _copy_file(archive, store, entry)
                if on_file:
                    on_file(done, len(files), entry.path or "")
            # Rendered after the copy, so it only ever lists files that went in intact.
            index = renderer.pdf(INDEX_TEMPLATE, context)
            entries.append(_generated("index", INDEX, index.data, pages=index.pages))
            archive.writestr(_member(INDEX, generated_at, stored=True), index.data)
            sums = checksums(entries)
            entries.append(_generated("checksums", CHECKSUMS, sums))
            archive.writestr(_member(CHECKSUMS, generated_at, stored=False), sums)
            manifest = {
                "format": BUNDLE_FORMAT,
                "format_version": FORMAT_VERSION,
                "generator": "zonecheck",
                "generator_version": _version(),
                "generated_at": context["generated_at"],
                "plan": {k: layout.plan[k] for k in ("key", "title", "doc_number")},
                "include_superseded": include_superseded,
                "files": len(files),
                "total_size": total_size,
                "entries": entries,
            }
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
            if len(data) > MAX_MANIFEST_BYTES:
                raise BundleError(
                    f"方案 {layout.plan['key']} 的汇编清单 {MANIFEST} 超过 "
                    f"{MAX_MANIFEST_BYTES // (1024 * 1024)} MB 上限,未生成汇编"
                )
            archive.writestr(_member(MANIFEST, generated_at, stored=False), data)
        zip_size = fh.seek(0, os.SEEK_END)
        fh.seek(0)
        digest = hashlib.sha256()
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return BundleSummary(
        path=out_path,
        plan_key=layout.plan["key"],
        files=len(files),
        total_size=total_size,
        links=counts[EvidenceKind.LINK],
        notes=counts[EvidenceKind.NOTE],
        zip_size=zip_size,
        sha256=digest.hexdigest(),
        index_pages=index.pages,
        seconds=time.perf_counter() - started,
        entries=len(entries),
    )


