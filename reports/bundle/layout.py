"""What goes where in the evidence bundle (佐证材料汇编), and under what name.

Inside the ZIP (names in UTF-8; zipfile sets the UTF-8 flag for them)::

    <plan key>/<NN 章节>/<措施 REF 标题>/<清单项 N>/<file name>
    <plan key>/<NN 章节>/<措施 REF 标题>/<清单项 N>/已替换/<file name>    with --all
    <plan key>/<NN 章节>/<措施 REF 标题>/<清单项 N>/已撤下/<file name>    with --all
    <plan key>/量化指标/<NN 指标>/<截至 YYYY-MM-DD>/<file name>
    目录.pdf          the index: every file's path, type, size, full SHA-256, who and when
    SHA256SUMS        `sha256sum -c SHA256SUMS` checks an unzipped copy
    manifest.json     every entry (links and notes too), what `evidence verify --bundle` reads

Every file keeps its stored name (cleaned, with an extension that fits its type); two files
that would get the same name in one folder (compared as Windows and macOS compare names: case
and Unicode form ignored) are both kept, the later one (by evidence number) as `通报 (2).pdf`,
and the manifest maps each stored path back to the original name. A file handed in for two
measures is stored in both measures' folders, so each folder is complete on its own (the ZIP
grows by that file's size).

The limits here bound both sides: the builder refuses a plan past them, and the verifier
refuses a bundle past them before trusting anything in it.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from checklists import amounts
from checklists.kinds import EvidenceKind, MeasureKind
from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor
from workflow.errors import ZonecheckError
from workflow.evidence.filenames import (
    MAX_COMPONENT_BYTES,
    fit_bytes,
    safe_component,
    sanitise_filename,
    split_extension,
    stored_name,
)
from workflow.evidence.filetypes import EXTENSIONS
from workflow.read.evidence import EvidenceRow
from workflow.read.plan_evidence import (
    IndicatorEvidence,
    MeasureEvidence,
    PlanEvidence,
    SectionHead,
    plan_evidence,
)
from workflow.read.plans import PlanHead

__all__ = [
    "BUNDLE_FORMAT",
    "BundleError",
    "CHECKSUMS",
    "FORMAT_VERSION",
    "INDEX",
    "MANIFEST",
    "MAX_COMPONENT_BYTES",
    "MAX_ENTRIES",
    "MAX_MANIFEST_BYTES",
    "Entry",
    "Layout",
    "Names",
    "checksums",
    "iso",
    "load_layout",
    "safe_component",
    "utc",
]

BUNDLE_FORMAT = "zonecheck-evidence-bundle"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHECKSUMS = "SHA256SUMS"
INDEX = "目录.pdf"
INDICATORS_FOLDER = "量化指标"
SUPERSEDED_FOLDER = "已替换"
REMOVED_FOLDER = "已撤下"

# At most this many entries in the manifest (files, links, notes, the index and SHA256SUMS)
# and members in the ZIP. The largest seed plan has 70 measures; at 50 files each and every
# one replaced once (--all) that is 7,000, so 20,000 leaves room while keeping the verifier's
# directory (zipfile holds one ZipInfo per member) and manifest in a few tens of MB.
MAX_ENTRIES = 20_000
# manifest.json takes about 700 bytes per entry (indented, Chinese kept), 14 MB at
# MAX_ENTRIES; the verifier reads no more than this of it, the builder never writes more.
MAX_MANIFEST_BYTES = 16 * 1024 * 1024

# Folder names are kept short: Windows Explorer still balks at full paths over 260 characters,
# and the deepest path is key + section + measure + item + 已替换 + the file's own name.
SECTION_CHARS = 24
TITLE_CHARS = 40

_KIND_NAMES = {
    MeasureKind.MEASURE.value: "措施",
    MeasureKind.SAFEGUARD.value: "保障措施",
    MeasureKind.OUTCOME.value: "标志性成果",
}
_STATUS_LABELS = {"current": "有效", "superseded": "已替换", "removed": "已撤下"}


class BundleError(ZonecheckError):
    """The bundle could not be built; nothing was written."""


def _safe_file_name(name: str, media_type: str | None) -> str:
    """A file's name in the bundle: its stored name, the rule applied again for older rows
    (stored before names were fitted to their type)."""
    if media_type in EXTENSIONS:
        return stored_name(name or "", media_type)
    return sanitise_filename(name or "")


def _numbered(name: str, n: int, *, is_file: bool) -> str:
    """`通报.pdf` → `通报 (2).pdf`, shortening the stem if the name would exceed the limit."""
    stem, ext = split_extension(name) if is_file else (name, "")
    suffix = f" ({n}){ext}"
    stem = fit_bytes(stem, MAX_COMPONENT_BYTES - len(suffix.encode("utf-8"))).rstrip(" .")
    return f"{stem or '_'}{suffix}"


class Names:
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


@dataclass
class Entry:
    """One piece of evidence as it goes into the bundle (a file, or a link or note without one)."""

    number: int
    evidence: EvidenceRow
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
class Layout:
    plan: dict[str, Any]
    entries: list[Entry] = field(default_factory=list)
    sections: list[dict[str, Any]] = field(default_factory=list)
    indicators: list[dict[str, Any]] = field(default_factory=list)

    @property
    def files(self) -> list[Entry]:
        return [e for e in self.entries if e.is_file]


def utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def iso(value: dt.datetime | None) -> str | None:
    moment = utc(value)
    return moment.isoformat(timespec="seconds") if moment else None


def _section_name(section: SectionHead) -> str:
    return f"{section.number}{'、' if section.top_level else ''}{section.title}"


def _measure_label(m: MeasureEvidence) -> str:
    return f"{_KIND_NAMES.get(m.kind, '措施')} {m.ref}"


class _Builder:
    """Turns the plan's rows into entries with paths and the index's context, in document order."""

    def __init__(self, plan: PlanHead, include_old: bool) -> None:
        self.plan = plan
        self.include_old = include_old
        self.names = Names()
        self.root = self.names.folder("", safe_component(plan.key, fallback="方案"))
        # The generated files at the root: an evidence folder can never take their names.
        for name in (INDEX, CHECKSUMS, MANIFEST):
            self.names.file("", name)
        self.layout = Layout(
            plan={
                "key": plan.key,
                "title": plan.title,
                "doc_number": plan.doc_number,
                "issuer": plan.issuer,
                "office": plan.issuer,
                "root": self.root,
            }
        )

    def _wanted(self, evidence: Iterable[EvidenceRow]) -> list[EvidenceRow]:
        return [e for e in evidence if e.current or self.include_old]

    def _add(self, entry: Entry, folder: str) -> dict[str, Any]:
        """Give a file its path in `folder` (or its 已替换/已撤下 subfolder); the index row."""
        e = entry.evidence
        if entry.is_file:
            if entry.status != "current":
                sub = SUPERSEDED_FOLDER if entry.status == "superseded" else REMOVED_FOLDER
                folder = self.names.folder(folder, sub)
            entry.path = self.names.file(folder, _safe_file_name(e.file_name, e.media_type))
        self.layout.entries.append(entry)
        return _row(entry)

    def measures(self, measures: list[MeasureEvidence]) -> None:
        # Folders are numbered by the sections that hold measures, in document order, so the
        # numbers do not change when a measure first gets evidence.
        sections: dict[int | None, SectionHead | None] = {}
        for m in sorted(measures, key=lambda m: (m.section.position if m.section else 1 << 30)):
            sections.setdefault(m.section.id if m.section else None, m.section)
        for number, (section_id, section) in enumerate(sections.items(), start=1):
            title = _section_name(section) if section else "未归入章节的措施"
            folder_name = safe_component(f"{number:02d} {title}", max_chars=SECTION_CHARS + 3)
            in_section = [m for m in measures if (m.section.id if m.section else None) == section_id]
            block: dict[str, Any] = {
                "number": number,
                "title": section.path_title if section else title,
                "measures": [],
                "without_evidence": [],
            }
            for m in in_section:
                evidence = self._wanted(m.evidence)
                if not evidence:
                    if not m.retired:
                        block["without_evidence"].append(_measure_label(m))
                    continue
                section_folder = self.names.folder(self.root, folder_name)
                block["measures"].append(self._measure(m, evidence, section_folder))
            if block["measures"] or block["without_evidence"]:
                self.layout.sections.append(block)

    def _measure(self, m: MeasureEvidence, evidence: list[EvidenceRow], parent: str) -> dict[str, Any]:
        retired = " (已撤销)" if m.retired else ""
        title = m.title if len(m.title) <= TITLE_CHARS else m.title[: TITLE_CHARS - 1] + "…"
        name = safe_component(f"{_measure_label(m)} {title}{retired}", max_chars=TITLE_CHARS + 20)
        folder = self.names.folder(parent, name)
        groups: list[dict[str, Any]] = []
        by_item: dict[int | None, list[EvidenceRow]] = {}
        for e in evidence:
            by_item.setdefault(e.item if e.item in m.items else None, []).append(e)
        for item in sorted(by_item, key=lambda n: n if n is not None else 1 << 30):
            item_folder = self.names.folder(folder, f"清单项 {item}" if item is not None else "未对应清单项")
            rows = []
            # Current evidence first, then what it replaced (--all), each in the order handed in.
            for e in sorted(by_item[item], key=lambda e: (not e.current, e.id)):
                where = f"措施 {self.plan.key}/{m.ref}" + (f" 清单第 {item} 项" if item is not None else "")
                entry = Entry(
                    number=len(self.layout.entries) + 1,
                    evidence=e,
                    where=where,
                    folder=folder,
                    measure_ref=m.ref,
                    item=item,
                )
                rows.append(self._add(entry, item_folder))
            groups.append(
                {
                    "number": item,
                    "text": m.items[item] if item is not None else "(清单项已不存在)",
                    "rows": rows,
                }
            )
        return {
            "label": _measure_label(m),
            "ref": m.ref,
            "title": m.title,
            "retired": m.retired,
            "folder": folder,
            "groups": groups,
        }

    def indicators(self, indicators: list[IndicatorEvidence]) -> None:
        for indicator in indicators:
            number = indicator.number
            reports = [(r, self._wanted(r.evidence)) for r in indicator.reports]
            reports = [(r, ev) for r, ev in reports if ev]
            if not reports:
                continue
            parent = self.names.folder(self.root, INDICATORS_FOLDER)
            retired = " (已撤销)" if indicator.retired else ""
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
                    entry = Entry(
                        number=len(self.layout.entries) + 1,
                        evidence=e,
                        where=f"方案 {self.plan.key} 第 {number} 项量化指标(截至 {report.as_of})",
                        folder=folder,
                        indicator=number,
                        report={
                            "value": amounts.plain(report.value),
                            "as_of": report.as_of.isoformat(),
                        },
                    )
                    rows.append(self._add(entry, report_folder))
                groups.append(
                    {
                        "as_of": report.as_of.isoformat(),
                        "value": report.value,
                        "unit": indicator.unit,
                        "who": report.person,
                        "rows": rows,
                    }
                )
            self.layout.indicators.append(
                {
                    "number": number,
                    "text": indicator.text,
                    "retired": indicator.retired,
                    "folder": folder,
                    "groups": groups,
                }
            )


def _row(entry: Entry) -> dict[str, Any]:
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
        "when": iso(e.uploaded_at),
        "status": entry.status,
        "status_label": _STATUS_LABELS[entry.status],
        "superseded_by": e.superseded_by,
    }


def load_layout(uow: UnitOfWork, viewer: Actor | None, plan_id: int, include_old: bool) -> Layout:
    """Where each piece of plan `plan_id`'s evidence goes (only current evidence unless
    `include_old`), if `viewer` may see the plan (else NotFound, audited)."""
    found: PlanEvidence = plan_evidence(uow, viewer, plan_id)
    plan = found.plan
    builder = _Builder(plan, include_old)
    builder.measures(found.measures)
    builder.indicators(found.indicators)
    for entry in builder.layout.files:
        e = entry.evidence
        if not e.sha256 or e.size is None:
            raise BundleError(
                f"佐证材料#{e.id}“{e.file_name}”({entry.where})的记录缺少 sha256 或大小,"
                "无法生成汇编"
            )
    # The index and SHA256SUMS are entries too.
    if len(builder.layout.entries) + 2 > MAX_ENTRIES:
        raise BundleError(
            f"方案 {plan.key} 的佐证材料共 {len(builder.layout.entries)} 条,"
            f"超过一份汇编的上限 {MAX_ENTRIES - 2} 条,未生成汇编"
        )
    return builder.layout


def checksums(entries: list[dict[str, Any]]) -> bytes:
    """sha256sum's own format (two spaces, then the path); paths hold no newline or backslash."""
    lines = [f"{e['sha256']}  {e['path']}\n" for e in entries if e.get("path")]
    return "".join(lines).encode("utf-8")
