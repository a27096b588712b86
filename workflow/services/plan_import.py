"""Import plan documents and catalogs: read, parse, load into the database, report changes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from checklists import amounts
from checklists.catalog import Catalog, MeasureKind
from checklists.catalog import Measure as CatalogMeasure
from checklists.catalog_yaml import CatalogError, dump_catalog, load_catalog, write_text_atomically
from checklists.corrections import (
    Applied,
    CorrectionError,
    Edit,
    Merge,
    apply_edits,
    describe,
    edit_from_payload,
    edit_payload,
    targets,
)
from checklists.parser import NotAPlanError, PlanTooLarge, iter_warnings, parse_document
from checklists.sources.errors import UnreadableFile
from checklists.sources.limits import MAX_FILE_BYTES
from checklists.sources.reading import read_plan_text, table_only_plan
from checklists.sources.text import decode
from checklists.units import is_group, normalise_unit_name
from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor, Work, authorize
from workflow.errors import Hidden, InputError, Refused
from workflow.evidence.filetypes import ContentRefused, sniff
from workflow.models import (
    ChecklistItem,
    Indicator,
    Measure,
    MeasureUnit,
    Phase,
    Plan,
    PlanCorrection,
    PlanImport,
    Section,
    Unit,
    UnitAlias,
    Zone,
    utcnow,
)
from workflow.notify.assignments import queue_assignments, responsibilities
from workflow.services.acting import record_refusal
from workflow.services.audit_log import AuditChain
from workflow.services.plan_catalog import catalog_from_plan, measure_to_catalog
from workflow.services.zones import default_zone, find_zone, zone_path

CATALOG_SUFFIXES = {".yaml", ".yml"}
# Fields of a measure a revision may change, with the words used to list the change.
MEASURE_FIELDS = {
    "title": "标题",
    "text": "正文",
    "section": "所属章节",
    "units": "责任单位",
    "deadline": "完成时限",
    "checklist": "自查清单",
}
@dataclass
class SourceDocument:
    """A file read and parsed (or a catalog validated), ready to load."""

    path: Path
    catalog: Catalog
    from_catalog_file: bool
    note: str = ""  # e.g. the text was read as GB18030


@dataclass
class ImportResult:
    path: Path
    plan_key: str
    title: str
    status: str  # "new" | "updated" | "unchanged"
    changes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    catalog_path: Path | None = None
    note: str = ""
    catalog: Catalog | None = None  # as read from the file, for a dry run to show

    STATUS_LABELS = {"new": "新导入", "updated": "已更新", "unchanged": "无变化"}

    @property
    def status_label(self) -> str:
        return self.STATUS_LABELS[self.status]


def read_source(path: Path) -> SourceDocument:
    """Read one plan document or one catalog YAML; no database access.

    A document may be text (UTF-8, GB18030 or another encoding detected), a web page, a PDF
    with a text layer, a Word .docx, an Excel or CSV task table, or (converted by LibreOffice
    when installed) .doc and .wps; its type comes from its content, not its name.
    """
    if not path.exists():
        raise InputError(f"文件不存在:{path}")
    if not path.is_file():
        raise InputError(f"不是文件:{path}")
    data = _read_bounded(path)
    if not data.strip():
        raise InputError(f"文件为空:{path}")
    try:
        media_type = sniff(path).media_type
    except ContentRefused as exc:
        raise InputError(f"{path}:{exc.reason}") from None
    except OSError as exc:
        raise InputError(f"无法读取文件 {path}:{exc.strerror}") from None
    if path.suffix.lower() in CATALOG_SUFFIXES and media_type is None:
        text, _ = _decode(data, path)
        try:
            return SourceDocument(path, load_catalog(text, source=str(path)), True)
        except CatalogError as exc:
            raise InputError(str(exc)) from None
    try:
        read = read_plan_text(data, media_type, str(path))
        catalog = _parse(read.text, path)
    except UnreadableFile as exc:
        raise InputError(str(exc)) from None
    return SourceDocument(path, catalog, False, read.note)


def _read_bounded(path: Path) -> bytes:
    """The file's bytes, refused before they are read past the bound (and, should the file
    grow meanwhile, cut off at the bound + 1 byte and refused all the same)."""
    try:
        size = path.stat().st_size
        if size <= MAX_FILE_BYTES:
            with path.open("rb") as fh:
                data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InputError(f"无法读取文件 {path}:{exc.strerror}") from None
    if size > MAX_FILE_BYTES or len(data) > MAX_FILE_BYTES:
        raise InputError(f"{path}:文件过大,超过方案文本 {MAX_FILE_BYTES // (1024 * 1024)} MB 的上限")
    return data


def _parse(text: str, path: Path) -> Catalog:
    try:
        return parse_document(text, source_name=path.name)
    except PlanTooLarge as exc:
        raise InputError(str(exc)) from None
    except NotAPlanError as exc:
        # A document that is only a task table (a title and the table) reads as one.
        as_plan = table_only_plan(text, path.name)
        if as_plan is not None:
            try:
                return parse_document(as_plan, source_name=path.name)
            except (PlanTooLarge, NotAPlanError):
                pass
        raise InputError(f"{path}:不是可识别的方案文件。{exc}") from None


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    try:
        return decode(data, str(path))
    except UnreadableFile as exc:
        raise InputError(str(exc)) from None


def import_documents(
    uow_factory: Callable[[], UnitOfWork],
    paths: Sequence[Path],
    *,
    catalog_dir: Path,
    dry_run: bool = False,
    actor: Actor | None = None,
    zone: str | None = None,
    edits: Sequence[Edit] = (),
) -> list[ImportResult]:
    """Import every file in one transaction: all of them land, or none does.

    `actor` is who imports, for the audit trail (the web's admin, who imports into their own
    zone); the CLI's import names nobody. New plans go to `zone` (a name or path), else the
    actor's, else the only zone there is (an empty deployment gets its 默认辖区).

    A plan imported before gets the office's stored corrections re-applied to the document as
    now parsed (one that no longer applies is listed among the changes). `edits` are new
    corrections, made in the import preview (one document only, by a person): applied after
    those and stored with the plan.
    """
    if edits and (len(paths) != 1 or actor is None):
        raise InputError("导入时的校正只能用于单个方案文件,且须指明操作人")
    sources = [read_source(p) for p in paths]  # fails before anything is written
    keys: dict[str, Path] = {}
    for src in sources:
        other = keys.setdefault(src.catalog.plan.key, src.path)
        if other != src.path:
            raise InputError(f"{other} 与 {src.path} 对应同一个方案编号 {src.catalog.plan.key},请分开导入")

    results: list[ImportResult] = []
    to_write: list[Catalog] = []
    with uow_factory() as uow:
        # Imports queue behind (and are recorded in) the same audit chain as the workflow, so a
        # revision never races a transition on the measures it rewrites.
        chain = None if dry_run else AuditChain(uow.session)
        target = _Target(uow.session, zone, actor)
        for src in sources:
            try:
                result, merged = _load(uow.session, src, target, edits, actor, tell_units=not dry_run)
            except (Refused, Hidden) as exc:
                if not dry_run:
                    record_refusal(uow, actor, "plan_import", src.catalog.plan.key, exc)
                raise
            results.append(result)
            if merged is not None and not src.from_catalog_file:
                to_write.append(merged)
            if chain is not None and result.status != "unchanged":
                chain.append(
                    actor,
                    "plan_import",
                    result.plan_key,
                    comment=f"{result.status_label}:{src.path.name}",
                    detail={"changes": result.changes[:200], "source_sha256": src.catalog.plan.source_sha256},
                )
                for edit in edits:  # the preview's corrections, each on record like a later one
                    where = result.plan_key if isinstance(edit, Merge) else f"{result.plan_key}/{edit.ref}"
                    chain.append(actor, "plan_correct", where, comment=describe(edit), detail={"edit": edit_payload(edit)})
        if dry_run:
            uow.rollback()
            return results
        uow.commit()

    # Catalog files are derived from what was committed; written only after the commit.
    written = {c.plan.key: _write_catalog_file(c, catalog_dir) for c in to_write}
    for result in results:
        result.catalog_path = written.get(result.plan_key)
    return results


def _write_catalog_file(catalog: Catalog, catalog_dir: Path) -> Path:
    """Write the reviewable catalog; an office's differing copy is kept as a backup, not lost."""
    path = catalog_dir / f"{catalog.plan.key}.yaml"
    text = dump_catalog(catalog)
    if path.exists() and path.read_text(encoding="utf-8") != text:
        stamp = utcnow().strftime("%Y%m%dT%H%M%S")
        path.replace(path.with_name(f"{path.name}.{stamp}.bak"))
    write_text_atomically(path, text)
    return path


def catalog_sha(catalog: Catalog) -> str:
    """A fingerprint of what a catalog says (not of its YAML formatting or its warnings)."""
    data = catalog.model_dump(mode="python", exclude={"warnings", "skipped"})
    payload = json.dumps(data, sort_keys=True, ensure_ascii=False, default=_canonical)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _canonical(value: object) -> str:
    if isinstance(value, Decimal):
        return amounts.plain(value)  # 6.8E+4 and 68000 are the same target
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


# --- loading -------------------------------------------------------------------------------


class _Target:
    """The zone new plans go to: the one named, else the actor's, else the only zone (an empty
    deployment gets its 默认辖区). Decided when a new plan needs it, so that re-importing a
    known plan's catalog needs no zone."""

    def __init__(self, session: Session, named: str | None, actor: Actor | None) -> None:
        self.session, self.actor = session, actor
        self.named = find_zone(session, named) if named else None
        self._home: Zone | None = self.named

    def home(self) -> Zone:
        if self._home is None:
            self._home = default_zone(self.session, None, self.actor, create=True)
        return self._home

    def known_zone_id(self) -> int | None:
        """Where to look for a plan by title: the zone new plans would go to, if known now."""
        if self._home is not None:
            return self._home.id
        if self.actor is not None:
            return self.actor.zone_id
        ids = list(self.session.scalars(select(Zone.id).limit(2)))
        return ids[0] if len(ids) == 1 else None

    def check(self, actor_zone_id: int) -> None:
        if self.actor is not None:
            authorize(self.actor, Work.ADMINISTER, zone_id=actor_zone_id)


def _load(
    session: Session,
    src: SourceDocument,
    target: _Target,
    edits: Sequence[Edit] = (),
    actor: Actor | None = None,
    *,
    tell_units: bool = False,
) -> tuple[ImportResult, Catalog | None]:
    """Load one catalog; returns the result and, unless nothing changed, the merged catalog.
    A plan already imported stays in its zone; a new one goes to `target`'s. With
    `tell_units`, the people of units newly responsible for measures get their 任务分派."""
    catalog = src.catalog
    plan = _find_existing(session, catalog, target.known_zone_id())
    responsible_before = responsibilities(session, plan.id) if plan is not None else {}
    stored = stored_corrections(session, plan) if plan is not None and not src.from_catalog_file else []
    applied = _corrected(src, catalog, stored, edits)
    catalog = applied.catalog
    sha = catalog_sha(catalog)
    result = ImportResult(
        path=src.path,
        plan_key=catalog.plan.key,
        title=catalog.plan.title,
        status="new",
        warnings=list(iter_warnings(catalog)),
        counts=_counts(catalog),
        note=src.note,
        catalog=catalog,
    )
    if plan is not None and target.named is not None and plan.zone_id != target.named.id:
        raise InputError(
            f"{src.path}:方案 {plan.key} 已属于辖区“{zone_path(plan.zone)}”,"
            f"不能再导入到“{zone_path(target.named)}”"
        )
    target.check(plan.zone_id if plan is not None else target.home().id)
    same_document = (
        plan is not None
        and not src.from_catalog_file
        and plan.source_sha256 == catalog.plan.source_sha256
    )
    if plan is not None and not edits and (plan.catalog_sha256 == sha or same_document):
        # The same document again, or the catalog as loaded: nothing to do. A document the
        # office has since refined through its catalog does not undo those edits either.
        result.status = "unchanged"
        result.plan_key = plan.key
        return result, None
    if plan is None:
        home = target.home()
        plan = Plan(key=catalog.plan.key, title=catalog.plan.title, zone=home, zone_id=home.id)
        session.add(plan)
    else:
        result.status = "updated"
        result.plan_key = plan.key
    for correction, stale in zip(stored, _stale_reasons(applied, len(stored)), strict=True):
        correction.stale_reason = stale
        if stale:
            result.changes.append(f"校正第 {correction.position} 项未能应用:{stale}")
    loader = _Loader(
        session,
        plan,
        catalog,
        keep_office_edits=not src.from_catalog_file,
        renamed=applied.renamed,
        edited=corrected_refs(edits, applied.renamed),
    )
    result.changes += loader.apply(track=result.status == "updated")
    session.flush()
    if edits:
        assert actor is not None
        store_corrections(session, plan, actor, edits)
    merged = catalog_from_plan(session, plan).model_copy(
        update={"warnings": catalog.warnings, "skipped": catalog.skipped}
    )
    plan.catalog_sha256 = catalog_sha(merged)
    plan.imports.append(
        PlanImport(
            source_file=catalog.plan.source_file or src.path.name,
            source_sha256=catalog.plan.source_sha256,
            catalog_sha256=plan.catalog_sha256,
            changes=result.changes,
            warnings=[w.model_dump(mode="json") for w in catalog.warnings],
        )
    )
    session.flush()
    if tell_units:
        queue_assignments(session, plan, responsible_before)
    return result, merged


def stored_corrections(session: Session, plan: Plan) -> list[PlanCorrection]:
    """A plan's corrections in the order they were made."""
    return list(
        session.scalars(
            select(PlanCorrection).where(PlanCorrection.plan_id == plan.id).order_by(PlanCorrection.position)
        )
    )


def store_corrections(session: Session, plan: Plan, actor: Actor, edits: Sequence[Edit]) -> list[PlanCorrection]:
    """Append `edits` to the plan's corrections (already applied and validated)."""
    last = session.scalar(
        select(PlanCorrection.position).where(PlanCorrection.plan_id == plan.id).order_by(PlanCorrection.position.desc()).limit(1)
    )
    rows = [
        PlanCorrection(
            plan_id=plan.id,
            position=(last or 0) + k,
            kind=edit.op,
            payload=edit_payload(edit),
            person_id=actor.id,
        )
        for k, edit in enumerate(edits, start=1)
    ]
    session.add_all(rows)
    return rows


def _corrected(
    src: SourceDocument, catalog: Catalog, stored: Sequence[PlanCorrection], edits: Sequence[Edit]
) -> Applied:
    """The document's catalog with the stored corrections (leniently: a revision may have
    dropped their measures) and then the new edits (strictly) applied."""
    if not stored and not edits:
        return Applied(catalog)
    try:
        old = [edit_from_payload(c.payload) for c in stored]
    except CorrectionError as exc:  # written by this program: a broken row is a bug, said plainly
        raise InputError(f"已保存的校正无法读取:{exc}") from None
    applied = apply_edits(catalog, [*old, *edits], strict=False)
    new = [s for s in applied.stale if s.index >= len(old)]
    if new:
        raise InputError(f"{src.path.name}:{new[0].reason}", code="correction_invalid")
    return applied


def _stale_reasons(applied: Applied, count: int) -> list[str]:
    reasons = {s.index: s.reason for s in applied.stale}
    return [reasons.get(k, "") for k in range(count)]


def corrected_refs(edits: Sequence[Edit], renamed: dict[str, str]) -> set[str]:
    """Refs whose units, deadline and checklist the edits set: a re-import keeps office edits
    of unchanged measures, but not over a correction made in the same step."""
    refs = {ref for edit in edits for ref in targets(edit)}
    return refs | {renamed.get(ref, ref) for ref in refs}


def load_corrected(session: Session, plan: Plan, applied: Applied, edits: Sequence[Edit]) -> list[str]:
    """Bring a plan's rows in line with its catalog as corrected; the changes, in words."""
    loader = _Loader(
        session, plan, applied.catalog, keep_office_edits=False, renamed=applied.renamed,
        edited=corrected_refs(edits, applied.renamed),
    )
    changes = loader.apply(track=True)
    session.flush()
    merged = catalog_from_plan(session, plan).model_copy(
        update={"warnings": applied.catalog.warnings, "skipped": applied.catalog.skipped}
    )
    plan.catalog_sha256 = catalog_sha(merged)
    return changes


def _counts(catalog: Catalog) -> dict[str, int]:
    by_kind = {k: sum(1 for m in catalog.measures if m.kind is k) for k in MeasureKind}
    return {
        "measures": by_kind[MeasureKind.MEASURE],
        "safeguards": by_kind[MeasureKind.SAFEGUARD],
        "outcomes": by_kind[MeasureKind.OUTCOME],
        "phases": len(catalog.phases),
        "indicators": len(catalog.indicators),
        "warnings": len(catalog.warnings),
        "without_units": sum(1 for m in catalog.measures if not m.units),
    }


def _find_existing(session: Session, catalog: Catalog, zone_id: int | None) -> Plan | None:
    """The same plan: by key, else by title in the same zone when issuer and document number
    do not disagree (a revision keeps its title; two cities' plans may share a generic one)."""
    info = catalog.plan
    plan = session.scalar(select(Plan).where(Plan.key == info.key))
    if plan is not None:
        return plan

    def agree(a: str, b: str) -> bool:
        return not a or not b or a == b

    if zone_id is None:
        return None  # several zones and none named: only the key identifies a plan
    for candidate in session.scalars(
        select(Plan).where(Plan.title == info.title, Plan.zone_id == zone_id)
    ):
        if agree(candidate.doc_number, info.doc_number) and agree(candidate.issuer, info.issuer):
            return candidate
    return None


class _Loader:
    """Brings one plan's rows in line with a catalog, listing what changed."""

    def __init__(
        self,
        session: Session,
        plan: Plan,
        catalog: Catalog,
        *,
        keep_office_edits: bool,
        renamed: dict[str, str] | None = None,
        edited: set[str] | None = None,
    ) -> None:
        self.session = session
        self.plan = plan
        self.catalog = catalog
        # Measures whose kind a correction changed, and with it their ref (22 → O22): the
        # stored row follows under its new ref rather than being replaced.
        self.renamed = renamed or {}
        self.edited = edited or set()
        # A revised document replaces what it changed; measures whose text it left alone keep
        # the units, deadline and checklist the office may have refined in the catalog.
        self.keep_office_edits = keep_office_edits
        self.changes: list[str] = []
        # The plan's zone's units up front: one query instead of one (and an autoflush) per
        # unit named. Names resolve in the plan's zone only: every district has its 区市场监管局.
        self._units: dict[str, Unit] = {}
        for unit in session.scalars(
            select(Unit).where(Unit.zone_id == plan.zone_id).options(selectinload(Unit.aliases))
        ):
            self._units[unit.name] = unit
            for alias in unit.aliases:
                self._units.setdefault(alias.alias, unit)

    def apply(self, *, track: bool) -> list[str]:
        self._plan_fields(track)
        sections = self._sections()
        self.session.flush()
        measures = self._measures(sections, track)
        self._phases(track)
        self._indicators(measures, track)
        return self.changes

    def _note(self, message: str) -> None:
        self.changes.append(message)

    def _plan_fields(self, track: bool) -> None:
        info = self.catalog.plan
        labels = {
            "title": "方案标题",
            "issuer": "发文单位",
            "doc_number": "文号",
            "issued_on": "发文日期",
            "preamble": "方案引言",
            "source_file": "来源文件",
            "source_sha256": "来源文件指纹",
        }
        for attr, label in labels.items():
            new = getattr(info, attr)
            old = getattr(self.plan, attr)
            if old != new:
                if track and attr != "source_sha256":
                    self._note(f"{label}:{old or '(空)'} → {new or '(空)'}")
                setattr(self.plan, attr, new)

    def _sections(self) -> dict[str, Section]:
        existing = {s.ref: s for s in self.plan.sections}
        result: dict[str, Section] = {}
        for position, spec in enumerate(self.catalog.sections):
            section = existing.pop(spec.ref, None)
            if section is None:
                section = Section(ref=spec.ref, position=position, title=spec.title)
                self.plan.sections.append(section)
            section.number = spec.number
            section.title = spec.title
            section.text = spec.text
            section.position = position
            section.source_line = spec.line
            result[spec.ref] = section
        for spec in self.catalog.sections:
            result[spec.ref].parent = result[spec.parent] if spec.parent else None
        for stale in existing.values():
            self.plan.sections.remove(stale)
        return result

    def _measures(self, sections: dict[str, Section], track: bool) -> dict[str, Measure]:
        existing = {m.ref: m for m in self.plan.measures}
        for old, new in self.renamed.items():
            if old in existing and new not in existing and old != new:
                moved = existing.pop(old)
                moved.ref = new
                existing[new] = moved
                if track:
                    self._note(f"措施 {old} 改为 {new}")
        result: dict[str, Measure] = {}
        for position, spec in enumerate(self.catalog.measures):
            measure = existing.pop(spec.ref, None)
            if measure is None:
                measure = Measure(ref=spec.ref, kind=spec.kind, number=spec.number, position=position)
                self.plan.measures.append(measure)
                if track:
                    self._note(f"新增措施 {spec.ref}:{spec.title}")
            else:
                if self.keep_office_edits and spec.ref not in self.edited and self._same_text(measure, spec):
                    spec = self._with_office_edits(measure, spec)
                what = self._measure_diff(measure, spec)
                if track and what:
                    self._note(f"措施 {spec.ref} 修改了{'、'.join(what)}")
                if measure.retired_at is not None:
                    measure.retired_at = None
                    if track:
                        self._note(f"措施 {spec.ref} 重新列入方案")
            self._fill_measure(measure, spec, sections, position)
            result[spec.ref] = measure
        for ref, stale in existing.items():
            if stale.has_recorded_work():
                if stale.retired_at is None:
                    stale.retired_at = utcnow()
                    if track:
                        self._note(f"措施 {ref} 已不在新版方案中,因已有工作记录予以保留并标记为撤销")
            else:
                self.plan.measures.remove(stale)
                if track:
                    self._note(f"删除措施 {ref}:{stale.title}")
        return result

    @staticmethod
    def _same_text(measure: Measure, spec: CatalogMeasure) -> bool:
        return (measure.title, measure.text, measure.units_text) == (
            spec.title,
            spec.text,
            spec.units_text,
        )

    @staticmethod
    def _with_office_edits(measure: Measure, spec: CatalogMeasure) -> CatalogMeasure:
        current = measure_to_catalog(measure)
        return spec.model_copy(
            update={"units": current.units, "deadline": current.deadline, "checklist": current.checklist}
        )

    @staticmethod
    def _measure_diff(measure: Measure, spec: CatalogMeasure) -> list[str]:
        """What a catalog entry changes in a stored measure, as the office reads it."""
        current = measure_to_catalog(measure)
        return [label for name, label in MEASURE_FIELDS.items() if getattr(current, name) != getattr(spec, name)]

    def _fill_measure(
        self, measure: Measure, spec: CatalogMeasure, sections: dict[str, Section], position: int
    ) -> None:
        measure.kind = spec.kind
        measure.number = spec.number
        measure.position = position
        measure.title = spec.title
        measure.text = spec.text
        measure.units_text = spec.units_text
        measure.section = sections[spec.section] if spec.section else None
        measure.deadline_kind = spec.deadline.kind
        measure.deadline_text = spec.deadline.text
        measure.due_on = spec.deadline.due
        measure.due_month = spec.deadline.month
        measure.due_day = spec.deadline.day
        measure.source_lines = list(spec.lines)

        links = {link.unit.name: link for link in measure.unit_links}
        wanted: list[MeasureUnit] = []
        for position_, ref in enumerate(spec.units):
            unit = self._unit(ref.name)
            link = links.pop(unit.name, None)
            if link is None:
                link = MeasureUnit(unit=unit, role=ref.role, name_as_written=ref.name, position=position_)
            if any(w.unit is unit for w in wanted):
                continue  # the same unit named twice in one clause
            link.role, link.name_as_written, link.position = ref.role, ref.name, position_
            wanted.append(link)
        measure.unit_links = wanted

        items = list(measure.checklist)
        for position_, spec_item in enumerate(spec.checklist, start=1):
            if position_ <= len(items):
                item = items[position_ - 1]
            else:
                item = ChecklistItem(position=position_, text=spec_item.text)
                measure.checklist.append(item)
            item.text = spec_item.text
            item.evidence_kinds = [k.value for k in spec_item.evidence_kinds]
            item.min_evidence = spec_item.min_evidence
        for stale in items[len(spec.checklist) :]:
            if stale.evidence:
                # Evidence is never thrown away: the item stays, after the revised list.
                self._note(f"措施 {spec.ref} 清单第 {stale.position} 项已有佐证材料,予以保留")
                continue
            measure.checklist.remove(stale)

    def _unit(self, written: str) -> Unit:
        name = normalise_unit_name(written)
        unit = self._units.get(name) or self._units.get(written)
        if unit is None:
            unit = Unit(name=name, is_group=is_group(name), zone_id=self.plan.zone_id)
            self.session.add(unit)
            self._units[name] = unit
        if written != unit.name and written not in self._units:
            unit.aliases.append(UnitAlias(alias=written, zone_id=self.plan.zone_id))
            self._units[written] = unit
        return unit

    def _phases(self, track: bool) -> None:
        old = [(p.name, p.start_on, p.end_on) for p in self.plan.phases]
        new = [(p.name, p.start, p.end) for p in self.catalog.phases]
        if track and old != new:
            self._note("进度安排有变化")
        self.plan.phases = [
            Phase(
                position=i,
                name=p.name,
                text=p.text,
                start_on=p.start,
                end_on=p.end,
                acceptance=p.acceptance,
                source_line=p.line,
            )
            for i, p in enumerate(self.catalog.phases)
        ]

    def _indicators(self, measures: dict[str, Measure], track: bool) -> None:
        """Match targets by metric (then by text) so reported values stay attached."""
        old = [(i.metric, i.comparator, i.value, i.value_max, i.due_on) for i in self.plan.indicators if i.retired_at is None]
        new = [(i.metric, i.comparator, i.value, i.value_max, i.due) for i in self.catalog.indicators]
        if track and old != new:
            self._note("量化指标有变化")
        unmatched = list(self.plan.indicators)
        kept: list[Indicator] = []
        for position, spec in enumerate(self.catalog.indicators):
            indicator = next((i for i in unmatched if i.metric == spec.metric), None) or next(
                (i for i in unmatched if i.text == spec.text), None
            )
            if indicator is None:
                indicator = Indicator(position=position, text=spec.text, metric=spec.metric)
            else:
                unmatched.remove(indicator)
            indicator.position = position
            indicator.text = spec.text
            indicator.metric = spec.metric
            indicator.comparator = spec.comparator
            indicator.value = spec.value
            indicator.value_max = spec.value_max
            indicator.unit = spec.unit
            indicator.due_on = spec.due
            indicator.measure = measures[spec.measure] if spec.measure else None
            indicator.source_line = spec.line
            indicator.retired_at = None
            kept.append(indicator)
        for stale in unmatched:
            if stale.reports:
                if stale.retired_at is None:
                    stale.retired_at = utcnow()
                    if track:
                        self._note(f"指标“{stale.metric}”已不在新版方案中,因已有填报记录予以保留并标记为撤销")
                kept.append(stale)
        self.plan.indicators = kept
