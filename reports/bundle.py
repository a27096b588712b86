"""The evidence bundle (佐证材料汇编): every evidence file of a plan in one ZIP, with an index.

Inside the ZIP (names in UTF-8; zipfile sets the UTF-8 flag for them)::

    <plan key>/<NN 章节>/<措施 REF 标题>/<清单项 N>/<file name>
    <plan key>/<NN 章节>/<措施 REF 标题>/<清单项 N>/已替换/<file name>    with --all
    <plan key>/<NN 章节>/<措施 REF 标题>/<清单项 N>/已撤下/<file name>    with --all
    <plan key>/量化指标/<NN 指标>/<截至 YYYY-MM-DD>/<file name>
    目录.pdf          the index: every file's path, type, size, full SHA-256, who and when
    SHA256SUMS        `sha256sum -c SHA256SUMS` checks an unzipped copy
    manifest.json     every entry (links and notes too), what `evidence verify --bundle` reads

Every file keeps its name; two files that would get the same name in one folder (compared as
Windows and macOS compare names: case and Unicode form ignored) are both kept, the later one
(by evidence number) as `通报 (2).pdf`, and the manifest maps each stored path back to the
original name. A file handed in for two measures is stored in both measures' folders, so each
folder is complete on its own (the ZIP grows by that file's size).

The ZIP is written to a temporary file beside the target and renamed over it only when
complete; every file is streamed from the evidence store and re-hashed on the way, and a
missing or altered file stops the build with nothing written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import time
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from checklists.catalog import EvidenceKind, MeasureKind
from reports.output import atomic_output
from reports.render import Renderer
from workflow.clock import office_zone
from workflow.db import UnitOfWork
from workflow.errors import InputError, ZonecheckError
from workflow.evidence_store import EvidenceStore, sanitise_filename
from workflow.models import (
    Evidence,
    Indicator,
    IndicatorReport,
    Measure,
    Plan,
    Section,
)
from workflow.services.plan_queries import find_plan

__all__ = [
    "BundleCheck",
    "BundleError",
    "BundleInvalid",
    "BundleSummary",
    "build_bundle",
    "default_bundle_name",
    "safe_component",
    "verify_bundle",
]

BUNDLE_FORMAT = "zonecheck-evidence-bundle"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHECKSUMS = "SHA256SUMS"
INDEX = "目录.pdf"
INDEX_TEMPLATE = "bundle_index.html"
INDICATORS_FOLDER = "量化指标"
SUPERSEDED_FOLDER = "已替换"
REMOVED_FOLDER = "已撤下"

CHUNK = 1 << 20
# 255 bytes is NAME_MAX on ext4/XFS/APFS and the component limit of most ZIP tools; Windows
# counts 255 UTF-16 units, which a name of at most 255 UTF-8 bytes never exceeds.
MAX_COMPONENT_BYTES = 255
# Folder names are kept short: Windows Explorer still balks at full paths over 260 characters,
# and the deepest path is key + section + measure + item + 已替换 + the file's own name.
SECTION_CHARS = 24
TITLE_CHARS = 40
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

_KIND_NAMES = {
    MeasureKind.MEASURE: "措施",
    MeasureKind.SAFEGUARD: "保障措施",
    MeasureKind.OUTCOME: "标志性成果",
}
_STATUS_LABELS = {"current": "有效", "superseded": "已替换", "removed": "已撤下"}


class BundleError(ZonecheckError):
    """The bundle could not be built; nothing was written."""


class BundleInvalid(ZonecheckError):
    """A file that is not a readable evidence bundle at all (no ZIP, no manifest)."""


# --------------------------------------------------------------------------- path names

_LAYOUT_CONTROLS = str.maketrans(dict.fromkeys("\t\n\r\v\f", " "))
_ILLEGAL = str.maketrans(dict.fromkeys('<>:"/\\|?*', "_"))
_WHITESPACE_RUN = re.compile(r"\s+")
_EXTENSION = re.compile(r"\.[^.\s]{1,16}$")
_WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"COM{i}" for i in range(1, 10)]
    + [f"LPT{i}" for i in range(1, 10)]
)


def _fit_bytes(text: str, limit: int) -> str:
    """`text` cut (never inside a character) to at most `limit` bytes of UTF-8."""
    while len(text.encode("utf-8")) > limit:
        text = text[:-1]
    return text


def safe_component(text: str, *, max_chars: int = 60, fallback: str = "_") -> str:
    """One path component that every ZIP tool and file system takes: no separators, no
    control or invisible characters, no leading dot (so no `..`), no trailing dot or space
    (Windows drops them), not a reserved Windows device name, at most `max_chars` characters
    (cut with "…") and MAX_COMPONENT_BYTES bytes. Chinese text is kept as it is."""
    text = unicodedata.normalize("NFC", text).translate(_LAYOUT_CONTROLS)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    text = _WHITESPACE_RUN.sub(" ", text.translate(_ILLEGAL)).strip()
    text = text.lstrip(". ")
    if len(text) > max_chars:
        text = text[: max_chars - 1].rstrip() + "…"
    if len(text.encode("utf-8")) > MAX_COMPONENT_BYTES:
        text = _fit_bytes(text, MAX_COMPONENT_BYTES - 3) + "…"
    text = text.rstrip(". ")
    if not text:
        return fallback
    if text.split(".")[0].upper() in _WINDOWS_RESERVED:
        text = "_" + text
    return text


def _safe_file_name(name: str) -> str:
    """The stored name of a file: the upload's sanitised name, checked again (older rows)."""
    cleaned = sanitise_filename(name or "")
    return safe_component(cleaned, max_chars=255, fallback="未命名文件")


def _numbered(name: str, n: int, *, is_file: bool) -> str:
    """`通报.pdf` → `通报 (2).pdf`, shortening the stem if the name would exceed the limit."""
    match = _EXTENSION.search(name) if is_file else None
    stem, ext = (name[: match.start()], match.group(0)) if match else (name, "")
    suffix = f" ({n}){ext}"
    stem = _fit_bytes(stem, MAX_COMPONENT_BYTES - len(suffix.encode("utf-8"))).rstrip(" .")
    return f"{stem or '_'}{suffix}"


class _Names:
    """Names taken in each folder of the ZIP.

    Compared case-folded and in NFC, as Windows and macOS file systems compare them: two names
    that differ only there would overwrite each other when unzipped there.
    """

    def __init__(self) -> None:
        self._taken: dict[str, dict[str, str]] = {}

    @staticmethod
    def _key(name: str) -> str:
        return unicodedata.normalize("NFC", name).casefold()

    def _claim(self, folder: str, name: str, kind: str) -> str:
        taken = self._taken.setdefault(folder, {})
        if taken.get(self._key(name)) == kind == "dir":
            return name  # the same folder again
        candidate, n = name, 1
        while self._key(candidate) in taken:
            n += 1
            candidate = _numbered(name, n, is_file=kind == "file")
        taken[self._key(candidate)] = kind
        return candidate

    def folder(self, parent: str, name: str) -> str:
        """The path of folder `name` in `parent` ("" for the root)."""
        claimed = self._claim(parent, name, "dir")
        return f"{parent}/{claimed}" if parent else claimed

    def file(self, folder: str, name: str) -> str:
        claimed = self._claim(folder, name, "file")
        return f"{folder}/{claimed}" if folder else claimed


# ------------------------------------------------------------------------------ the plan


@dataclass(frozen=True)
class _Evidence:
    """What the bundle needs of an evidence row, read while the transaction is open."""

    id: int
    kind: str
    sha256: str | None
    size: int | None
    media_type: str | None
    file_name: str
    url: str
    note: str
    doc_date: dt.date
    uploaded_at: dt.datetime | None
    person: str
    unit: str | None
    superseded_by_id: int | None
    status: str  # current, superseded, removed

    @classmethod
    def of(cls, e: Evidence) -> _Evidence:
        return cls(
            id=e.id,
            kind=e.kind.value,
            sha256=e.sha256,
            size=e.size,
            media_type=e.media_type,
            file_name=e.file_name,
            url=e.url,
            note=e.note,
            doc_date=e.doc_date,
            uploaded_at=_utc(e.uploaded_at),
            person=e.person.name,
            unit=e.unit.name if e.unit else None,
            superseded_by_id=e.superseded_by_id,
            status=_status(e),
        )


@dataclass
class _Entry:
    """One piece of evidence as it goes into the bundle (a file, or a link or note without one)."""

    number: int
    evidence: _Evidence
    where: str  # "措施 003_…/5 清单第 1 项", for messages
    path: str | None = None  # files only: where it is stored in the ZIP
    folder: str = ""  # the measure's or indicator's folder, for the index's relative paths
    measure_ref: str | None = None
    item: int | None = None
    indicator: int | None = None
    report: dict[str, str] | None = None  # an indicator report's value and date

    @property
    def is_file(self) -> bool:
        return self.evidence.kind == EvidenceKind.FILE.value

    @property
    def status(self) -> str:
        return self.evidence.status

    @property
    def relative(self) -> str:
        assert self.path is not None
        return self.path[len(self.folder) + 1 :]


@dataclass
class _Layout:
    plan: dict[str, Any]
    entries: list[_Entry] = field(default_factory=list)
    sections: list[dict[str, Any]] = field(default_factory=list)
    indicators: list[dict[str, Any]] = field(default_factory=list)

    @property
    def files(self) -> list[_Entry]:
        return [e for e in self.entries if e.is_file]


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _iso(value: dt.datetime | None) -> str | None:
    utc = _utc(value)
    return utc.isoformat(timespec="seconds") if utc else None


def _status(e: Evidence) -> str:
    if e.superseded_by_id is not None:
        return "superseded"
    return "removed" if e.removed_at is not None else "current"


def _section_name(section: Section) -> str:
    return f"{section.number}{'、' if section.parent is None else ''}{section.title}"


def _measure_label(m: Measure) -> str:
    return f"{_KIND_NAMES.get(m.kind, '措施')} {m.ref}"


class _Builder:
    """Turns the plan's rows into entries with paths and the index's context, in document order."""

    def __init__(self, plan: Plan, include_old: bool) -> None:
        self.plan = plan
        self.include_old = include_old
        self.names = _Names()
        self.root = self.names.folder("", safe_component(plan.key, fallback="方案"))
        # The generated files at the root: an evidence folder can never take their names.
        for name in (INDEX, CHECKSUMS, MANIFEST):
            self.names.file("", name)
        self.layout = _Layout(
            plan={
                "key": plan.key,
                "title": plan.title,
                "doc_number": plan.doc_number,
                "issuer": plan.issuer,
                "office": plan.issuer,
                "root": self.root,
            }
        )

    def _wanted(self, evidence: list[Evidence]) -> list[Evidence]:
        return [e for e in evidence if e.current or self.include_old]

    def _add(self, entry: _Entry, folder: str) -> dict[str, Any]:
        """Give a file its path in `folder` (or its 已替换/已撤下 subfolder); the index row."""
        e = entry.evidence
        if entry.is_file:
            if entry.status != "current":
                sub = SUPERSEDED_FOLDER if entry.status == "superseded" else REMOVED_FOLDER
                folder = self.names.folder(folder, sub)
            entry.path = self.names.file(folder, _safe_file_name(e.file_name))
        self.layout.entries.append(entry)
        return _row(entry)

    def measures(self, measures: list[Measure]) -> None:
        # Folders are numbered by the sections that hold measures, in document order, so the
        # numbers do not change when a measure first gets evidence.
        sections: dict[int | None, Section | None] = {}
        for m in sorted(measures, key=lambda m: (m.section.position if m.section else 1 << 30)):
            sections.setdefault(m.section_id, m.section)
        for number, (section_id, section) in enumerate(sections.items(), start=1):
            title = _section_name(section) if section else "未归入章节的措施"
            folder_name = safe_component(f"{number:02d} {title}", max_chars=SECTION_CHARS + 3)
            in_section = [m for m in measures if m.section_id == section_id]
            block: dict[str, Any] = {
                "number": number,
                "title": section.path_title() if section else title,
                "measures": [],
                "without_evidence": [],
            }
            for m in in_section:
                evidence = self._wanted(m.evidence)
                if not evidence:
                    if m.retired_at is None:
                        block["without_evidence"].append(_measure_label(m))
                    continue
                section_folder = self.names.folder(self.root, folder_name)
                block["measures"].append(self._measure(m, evidence, section_folder))
            if block["measures"] or block["without_evidence"]:
                self.layout.sections.append(block)

    def _measure(self, m: Measure, evidence: list[Evidence], parent: str) -> dict[str, Any]:
        retired = " (已撤销)" if m.retired_at is not None else ""
        title = m.title if len(m.title) <= TITLE_CHARS else m.title[: TITLE_CHARS - 1] + "…"
        name = safe_component(f"{_measure_label(m)} {title}{retired}", max_chars=TITLE_CHARS + 20)
        folder = self.names.folder(parent, name)
        items = {i.id: i for i in m.checklist}
        groups: list[dict[str, Any]] = []
        by_item: dict[int | None, list[Evidence]] = {}
        for e in evidence:
            by_item.setdefault(e.item_id, []).append(e)
        ordered = sorted(by_item, key=lambda i: items[i].position if i in items else 1 << 30)
        for item_id in ordered:
            item = items.get(item_id) if item_id is not None else None
            item_folder = self.names.folder(
                folder, f"清单项 {item.position}" if item else "未对应清单项"
            )
            rows = []
            # Current evidence first, then what it replaced (--all), each in the order handed in.
            for e in sorted(by_item[item_id], key=lambda e: (not e.current, e.id)):
                where = f"措施 {self.plan.key}/{m.ref}" + (f" 清单第 {item.position} 项" if item else "")
                entry = _Entry(
                    number=len(self.layout.entries) + 1,
                    evidence=_Evidence.of(e),
                    where=where,
                    folder=folder,
                    measure_ref=m.ref,
                    item=item.position if item else None,
                )
                rows.append(self._add(entry, item_folder))
            groups.append(
                {
                    "number": item.position if item else None,
                    "text": item.text if item else "(清单项已不存在)",
                    "rows": rows,
                }
            )
        return {
            "label": _measure_label(m),
            "ref": m.ref,
            "title": m.title,
            "retired": m.retired_at is not None,
            "folder": folder,
            "groups": groups,
        }

    def indicators(self, indicators: list[Indicator]) -> None:
        for indicator in indicators:
            number = indicator.position + 1
            reports = [(r, self._wanted(r.evidence)) for r in indicator.reports]
            reports = [(r, ev) for r, ev in reports if ev]
            if not reports:
                continue
            parent = self.names.folder(self.root, INDICATORS_FOLDER)
            retired = " (已撤销)" if indicator.retired_at is not None else ""
            text = indicator.text
            text = text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1] + "…"
            folder = self.names.folder(
                parent, safe_component(f"{number:02d} {text}{retired}", max_chars=TITLE_CHARS + 12)
            )
            groups = []
            for report, evidence in reports:
                report_folder = self.names.folder(folder, f"截至 {report.as_of.isoformat()}")
                rows = []
                for e in evidence:
                    entry = _Entry(
                        number=len(self.layout.entries) + 1,
                        evidence=_Evidence.of(e),
                        where=f"方案 {self.plan.key} 第 {number} 项量化指标(截至 {report.as_of})",
                        folder=folder,
                        indicator=number,
                        report={
                            "value": format(report.value.normalize(), "f"),
                            "as_of": report.as_of.isoformat(),
                        },
                    )
                    rows.append(self._add(entry, report_folder))
                groups.append(
                    {
                        "as_of": report.as_of.isoformat(),
                        "value": report.value,
                        "unit": indicator.unit,
                        "who": report.person.name,
                        "rows": rows,
                    }
                )
            self.layout.indicators.append(
                {
                    "number": number,
                    "text": indicator.text,
                    "retired": indicator.retired_at is not None,
                    "folder": folder,
                    "groups": groups,
                }
            )


def _row(entry: _Entry) -> dict[str, Any]:
    """One line of the index."""
    e = entry.evidence
    return {
        "number": entry.number,
        "id": e.id,
        "kind": e.kind,
        "item": entry.item,
        "indicator": entry.indicator,
        "path": entry.path,
        "relative": entry.relative if entry.path else None,
        "name": e.file_name,
        "renamed": entry.path is not None and entry.path.rsplit("/", 1)[-1] != e.file_name,
        "type": e.media_type,
        "size": e.size,
        "sha256": e.sha256,
        "url": e.url,
        "note": e.note,
        "doc_date": e.doc_date.isoformat(),
        "who": e.person,
        "unit": e.unit,
        "when": _iso(e.uploaded_at),
        "status": entry.status,
        "status_label": _STATUS_LABELS[entry.status],
        "superseded_by": e.superseded_by_id,
    }


def _load(session: Session, plan_ident: str, include_old: bool) -> _Layout:
    # The CLI and the pages have checked that the viewer may see the plan (find_plan with them).
    plan = find_plan(session, plan_ident, None)
    evidence_options = (
        selectinload(Evidence.person),
        selectinload(Evidence.unit),
    )
    # Retired measures and indicators too: the work recorded on them is still evidence.
    measures = list(
        session.scalars(
            select(Measure)
            .where(Measure.plan_id == plan.id)
            .order_by(Measure.position)
            .options(
                selectinload(Measure.section).selectinload(Section.parent),
                selectinload(Measure.checklist),
                selectinload(Measure.evidence).options(*evidence_options),
            )
        )
    )
    indicators = list(
        session.scalars(
            select(Indicator)
            .where(Indicator.plan_id == plan.id)
            .order_by(Indicator.position, Indicator.id)
            .options(
                selectinload(Indicator.reports).options(
                    selectinload(IndicatorReport.person),
                    selectinload(IndicatorReport.evidence).options(*evidence_options),
                )
            )
        )
    )
    builder = _Builder(plan, include_old)
    builder.measures(measures)
    builder.indicators(indicators)
    for entry in builder.layout.files:
        e = entry.evidence
        if not e.sha256 or e.size is None:
            raise BundleError(
                f"佐证材料#{e.id}“{e.file_name}”({entry.where})的记录缺少 sha256 或大小,"
                "无法生成汇编"
            )
    return builder.layout


# ----------------------------------------------------------------------------- building


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
    utc = _utc(value) or dt.datetime.now(dt.UTC)
    local = utc.astimezone(office_zone())
    if local.year < 1980:
        return (1980, 1, 1, 0, 0, 0)
    return (local.year, local.month, local.day, local.hour, local.minute, local.second)


def _member(path: str, when: dt.datetime | None, *, stored: bool, size: int = 0) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, _zip_time(when))
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16  # rw-r--r-- when unzipped on Linux or macOS
    info.file_size = size
    return info


def _problem(entry: _Entry, what: str) -> BundleError:
    e = entry.evidence
    return BundleError(
        f"佐证材料#{e.id}“{e.file_name}”({entry.where})的文件{what},未生成汇编;"
        "可运行 zonecheck evidence verify 检查材料库"
    )


def _check_present(store: EvidenceStore, files: list[_Entry]) -> None:
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


def _copy_file(archive: zipfile.ZipFile, store: EvidenceStore, entry: _Entry) -> None:
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


def _file_entry(entry: _Entry) -> dict[str, Any]:
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
        "uploaded_at": _iso(e.uploaded_at),
        "superseded": entry.status == "superseded",
        "superseded_by": e.superseded_by_id,
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


def _checksums(entries: list[dict[str, Any]]) -> bytes:
    """sha256sum's own format (two spaces, then the path); paths hold no newline or backslash."""
    lines = [f"{e['sha256']}  {e['path']}\n" for e in entries if e.get("path")]
    return "".join(lines).encode("utf-8")


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
    include_superseded: bool = False,
    on_file: Callable[[int, int, str], None] | None = None,
    generated_at: dt.datetime | None = None,
) -> BundleSummary:
    """Write the plan's evidence bundle to `out_path` (whole or not at all).

    `include_superseded` also takes replaced and withdrawn evidence (in 已替换/ and 已撤下/
    beside the current files). `on_file(done, total, path)` is called after each file.
    """
    started = time.perf_counter()
    generated_at = _utc(generated_at) or dt.datetime.now(dt.UTC)
    out_path = Path(out_path)
    with uow:
        # Everything is read into the layout here: the files are then copied with no
        # transaction open, however long that takes.
        layout = _load(uow.session, plan_ident, include_superseded)
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
            sums = _checksums(entries)
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


# ---------------------------------------------------------------------------- verifying


@dataclass
class BundleCheck:
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # one Chinese sentence each, by path

    @property
    def ok(self) -> bool:
        return not self.problems


def _unsafe(name: str) -> bool:
    parts = name.split("/")
    return name.startswith("/") or "\\" in name or ".." in parts or bool(re.match(r"^[A-Za-z]:", name))


def _read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    invalid = "不是有效的佐证材料汇编:"
    try:
        raw = archive.read(MANIFEST)
    except KeyError:
        raise BundleInvalid(f"{invalid}缺少 {MANIFEST}") from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise BundleInvalid(f"{invalid}{MANIFEST} 无法读取({exc})") from None
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = f"(第 {exc.lineno} 行)" if isinstance(exc, json.JSONDecodeError) else ""
        raise BundleInvalid(f"{invalid}{MANIFEST} 无法解析{line}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT:
        raise BundleInvalid(f"{invalid}{MANIFEST} 不是 zonecheck 佐证材料汇编的清单")
    entries = manifest.get("entries")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise BundleInvalid(f"{invalid}{MANIFEST} 中没有条目列表(entries)")
    return manifest


def _hash_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with archive.open(info) as member:
        while chunk := member.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def verify_bundle(path: Path) -> BundleCheck:
    """Check a bundle against its own manifest: every listed file present with its size and
    sha256 (streamed), nothing unlisted, names safe to unzip, SHA256SUMS matching."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"找不到文件:{path}" if not path.exists() else f"不是文件:{path}")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise BundleInvalid(f"不是有效的佐证材料汇编:{path} 不是 ZIP 文件或已损坏") from None
    check = BundleCheck()
    with archive:
        manifest = _read_manifest(archive)
        members: dict[str, list[zipfile.ZipInfo]] = {}
        for info in archive.infolist():
            members.setdefault(info.filename, []).append(info)
        listed: dict[str, dict[str, Any]] = {}
        for entry in manifest["entries"]:
            if entry.get("path"):
                listed[str(entry["path"])] = entry
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
            try:
                sha256, size = _hash_member(archive, found[-1])
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
                check.altered.append(name)
                check.problems.append(f"被改动或损坏:{name}(无法读取:{exc})")
                continue
            if size != entry.get("size"):
                check.altered.append(name)
                check.problems.append(
                    f"被改动:{name}(大小 {size} 字节,清单中为 {entry.get('size')} 字节)"
                )
            elif sha256 != entry.get("sha256"):
                check.altered.append(name)
                check.problems.append(f"被改动:{name}(sha256 与清单不符)")
        for name in members:
            if name == MANIFEST or name.endswith("/") or name in listed:
                continue  # folder entries some tools add are not files
            check.extra.append(name)
            check.problems.append(f"多出:{name}(压缩包中有,清单中没有)")
        if CHECKSUMS in listed and CHECKSUMS not in check.missing + check.altered:
            expected = _checksums([e for e in manifest["entries"] if e.get("kind") != "checksums"])
            if archive.read(CHECKSUMS) != expected:
                check.problems.append(f"{CHECKSUMS} 与 {MANIFEST} 不一致")
    return check
