"""Evidence (佐证材料): add files, links and notes to checklist items; replace, remove, verify.

Files go to the content-addressed store before the database transaction, outside the audit
lock (a 200 MB upload must not hold up everyone else); the rows and the audit entry are then
written in one transaction that re-checks everything. If that transaction fails, the blobs
this call created are discarded again, so neither side keeps half of an upload.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from checklists.kinds import EvidenceKind
from workflow.clock import office_today
from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor, Work, authorize
from workflow.domain.states import MeasureState
from workflow.errors import InputError, NotFound, Refused
from workflow.evidence import MEDIA_LABELS, EvidenceStore, StoredBlob, sanitise_filename
from workflow.models import (
    ChecklistItem,
    Evidence,
    Indicator,
    IndicatorReport,
    Measure,
    SiteCheckPhoto,
    utcnow,
)
from workflow.read.evidence import EvidenceRow, evidence_row
from workflow.services.acting import (
    evidence_target,
    measure_target,
    measure_units,
    open_measure_by_id,
    person_required,
    run_audited,
    target_of,
)
from workflow.services.audit_log import AuditChain
from workflow.services.formal_supplies import mark_supplies
from workflow.services.visibility import require_plan

T = TypeVar("T")

KIND_LABELS = {EvidenceKind.FILE: "文件", EvidenceKind.LINK: "链接", EvidenceKind.NOTE: "说明"}


@dataclass(frozen=True)
class Upload:
    """A file arriving as a stream (a web upload) rather than a path on this machine."""

    name: str  # the name the sender gave; sanitised before it is stored
    stream: BinaryIO


@dataclass(frozen=True)
class NewEvidence:
    """What the unit hands in for one checklist item."""

    files: Sequence[Path | Upload] = ()
    links: Sequence[str] = ()
    note: str = ""  # a description of the files/links, or a note on its own
    doc_date: dt.date | None = None  # 成文日期; the upload date when not given

    def kinds(self) -> list[EvidenceKind]:
        kinds = []
        if self.files:
            kinds.append(EvidenceKind.FILE)
        if self.links:
            kinds.append(EvidenceKind.LINK)
        if not self.files and not self.links and self.note.strip():
            kinds.append(EvidenceKind.NOTE)
        return kinds


def _check_links(links: Sequence[str]) -> None:
    for link in links:
        if not link.startswith(("http://", "https://")) or len(link) > 2000 or any(
            c.isspace() for c in link
        ):
            raise InputError(f"链接“{link}”不是有效的网址(应以 http:// 或 https:// 开头,不含空格)")


def check_writable(session: Session, actor: Actor, measure: Measure) -> None:
    authorize(actor, Work.UNIT_WORK, measure_units(session, measure).responsibility)
    if measure.retired_at is not None:
        raise Refused(f"{measure.label}已不在现行方案中(已撤销),不能再提交材料", code="retired")
    if measure.state is MeasureState.PLANNED:
        raise Refused(f"{measure.label}尚未启动", code="not_started", params={"measure": target_of(measure)})
    if measure.state is MeasureState.SELF_CHECKED:
        raise Refused(
            f"{measure.label}已提交自查、正在审核,不能变更佐证材料;如需补充请牵头单位先撤回自查",
            code="under_review",
        )
    if measure.state is MeasureState.ACCEPTED:
        raise Refused(f"{measure.label}已验收,不能变更佐证材料", code="accepted")


def check_own_evidence(session: Session, actor: Actor, evidence: Evidence) -> None:
    """A unit changes only the evidence it handed in; the lead unit may tidy any of it."""
    assert evidence.measure is not None
    if evidence.unit_id == actor.unit_id:
        return
    lead = measure_units(session, evidence.measure).responsibility.lead_unit_ids
    if actor.unit_id not in lead:
        owner = evidence.unit.name if evidence.unit else "办公室"
        raise Refused(
            f"佐证材料#{evidence.id} 由{owner}提交,{actor.describe()}不能替换或撤下(牵头单位除外)",
            code="not_own_evidence",
        )


def _item(measure: Measure, position: int, kinds: Sequence[EvidenceKind]) -> ChecklistItem:
    item = next((i for i in measure.checklist if i.position == position), None)
    if item is None:
        raise InputError(
            f"{measure.label}没有清单第 {position} 项(共 {len(measure.checklist)} 项)",
            code="no_item",
            params={"measure": target_of(measure)},
        )
    allowed = [EvidenceKind(k) for k in item.evidence_kinds]
    refused = [k for k in kinds if k not in allowed]
    if refused:
        raise InputError(
            f"{measure.label}清单第 {position} 项只接受"
            f"{'、'.join(KIND_LABELS[k] for k in allowed)}类佐证材料,"
            f"不接受{'、'.join(KIND_LABELS[k] for k in refused)}(可在方案目录中修改 evidence_kinds)"
        )
    return item


def _doc_date(given: dt.date | None, today: dt.date) -> dt.date:
    if given is not None and given > today:
        raise InputError(f"成文日期 {given.isoformat()} 晚于今天 {today.isoformat()}")
    return given or today


def store_files(store: EvidenceStore, files: Sequence[Path | Upload]) -> list[StoredBlob]:
    """Stream every file into the store; on a refusal, undo the blobs this call created."""
    blobs: list[StoredBlob] = []
    try:
        for file in files:
            if isinstance(file, Upload):
                # The store applies the size limit while it reads the stream.
                blobs.append(store.put(file.stream, name=sanitise_filename(file.name)))
            else:
                blobs.append(store.put_path(file))
    except BaseException:
        discard_new(store, blobs, None)
        raise
    return blobs


def discard_new(store: EvidenceStore, blobs: Sequence[StoredBlob], uow: UnitOfWork | None) -> None:
    """Remove blobs this call created, unless some committed row (another upload) uses them."""
    created = {b.sha256 for b in blobs if b.created}
    if not created:
        return
    if uow is not None:
        with uow:
            created -= set(
                uow.session.scalars(select(Evidence.sha256).where(Evidence.sha256.in_(created)))
            )
            # On-site check photos share the store (same content, same blob).
            created -= set(
                uow.session.scalars(select(SiteCheckPhoto.sha256).where(SiteCheckPhoto.sha256.in_(created)))
            )
    for sha256 in created:
        store.discard(sha256)


def with_blobs(
    uow: UnitOfWork,
    store: EvidenceStore,
    files: Sequence[Path | Upload],
    write: Callable[[list[StoredBlob]], T],
) -> T:
    blobs = store_files(store, files)
    try:
        return write(blobs)
    except BaseException:
        discard_new(store, blobs, uow)
        raise


def _rows(
    new: NewEvidence,
    blobs: Sequence[StoredBlob],
    *,
    actor: Actor,
    doc_date: dt.date,
    **owner: object,
) -> list[Evidence]:
    common = {"person_id": actor.id, "unit_id": actor.unit_id, "doc_date": doc_date, **owner}
    rows = [
        Evidence(
            kind=EvidenceKind.FILE,
            sha256=blob.sha256,
            size=blob.size,
            media_type=blob.media_type,
            file_name=blob.name,  # cleaned, with an extension that fits the detected type
            note=new.note.strip(),
            **common,
        )
        for path, blob in zip(new.files, blobs, strict=True)
    ]
    rows += [Evidence(kind=EvidenceKind.LINK, url=link, note=new.note.strip(), **common) for link in new.links]
    if EvidenceKind.NOTE in new.kinds():
        rows.append(Evidence(kind=EvidenceKind.NOTE, note=new.note.strip(), **common))
    return rows


def _audit_detail(
    rows: Sequence[Evidence], item: ChecklistItem | None, blobs: Sequence[StoredBlob] = ()
) -> dict[str, object]:
    # File rows come first, one per blob (_rows); a renamed file keeps its upload name here.
    renamed = {id(r): b.original_name for r, b in zip(rows, blobs, strict=False) if b.renamed}
    return {
        "item": item.position if item else None,
        "evidence": [
            {
                "id": r.id,
                "kind": r.kind.value,
                "name": r.file_name or r.url or r.note[:50],
                "sha256": r.sha256,
                "size": r.size,
                "type": r.media_type,
                "doc_date": r.doc_date.isoformat(),
            }
            | ({"original_name": renamed[id(r)]} if id(r) in renamed else {})
            for r in rows
        ],
    }


def _supply(
    session: Session, measure: Measure, person: Actor, rows: Sequence[Evidence], today: dt.date
) -> dict[str, object]:
    """Evidence arriving during or after the plan's formal review is a supply (补正), and
    says whether it is late in its audit entry."""
    late = mark_supplies(session, measure.plan_id, person.unit_id, rows, utcnow(), today)
    return {} if late is None else {"supply": {"late": late}}


def _measure_to_write(session: Session, actor: Actor, measure_id: int) -> Measure:
    measure, _ = open_measure_by_id(session, actor, measure_id)
    check_writable(session, actor, measure)
    return measure


def add_evidence(
    uow: UnitOfWork,
    store: EvidenceStore,
    actor: Actor | None,
    measure_id: int,
    *,
    item: int,
    new: NewEvidence,
    today: dt.date | None = None,
) -> list[EvidenceRow]:
    """A responsible unit adds evidence to one checklist item of a measure in progress."""
    person = person_required(actor)
    today = today or office_today()
    kinds = new.kinds()
    if not kinds:
        raise InputError("请给出佐证文件、链接或说明中的至少一项", code="no_evidence")
    _check_links(new.links)
    doc_date = _doc_date(new.doc_date, today)
    target = measure_target(measure_id)

    def check(session: Session, chain: AuditChain) -> None:
        _item(_measure_to_write(session, person, measure_id), item, kinds)

    # Refuse before streaming anything (audited like every refusal).
    run_audited(uow, person, "evidence_add", target, check)

    def write(blobs: list[StoredBlob]) -> list[EvidenceRow]:
        def work(session: Session, chain: AuditChain) -> list[EvidenceRow]:
            measure = _measure_to_write(session, person, measure_id)
            checklist_item = _item(measure, item, kinds)
            rows = _rows(new, blobs, actor=person, doc_date=doc_date, measure=measure, item=checklist_item)
            session.add_all(rows)
            measure.updated_at = utcnow()
            session.flush()
            name = target_of(measure)
            detail = _audit_detail(rows, checklist_item, blobs) | _supply(session, measure, person, rows, today)
            chain.append(person, "evidence_add", name, comment=new.note, detail=detail)
            return [evidence_row(r) for r in rows]

        return run_audited(uow, person, "evidence_add", target, work)

    return with_blobs(uow, store, new.files, write)


def _find_evidence(session: Session, evidence_id: int, actor: Actor) -> Evidence:
    """A measure's evidence, if `actor` may open the measure; another zone's evidence (an
    indicator's too) is answered as missing, and audited by the caller."""
    evidence = session.get(
        Evidence,
        evidence_id,
        options=[
            selectinload(Evidence.measure).selectinload(Measure.plan),
            selectinload(Evidence.indicator_report)
            .selectinload(IndicatorReport.indicator)
            .selectinload(Indicator.plan),
        ],
    )
    missing = NotFound(f"找不到编号为 {evidence_id} 的措施佐证材料", code="evidence_missing")
    if evidence is None:
        raise missing
    if evidence.measure is None:
        assert evidence.indicator_report is not None
        require_plan(actor, evidence.indicator_report.indicator.plan, missing)
        raise missing  # an indicator's evidence is not replaced or removed on its own
    # In the words of missing evidence: not even the measure's number is another zone's to learn.
    require_plan(actor, evidence.measure.plan, missing)
    authorize(actor, Work.VIEW, measure_units(session, evidence.measure).responsibility)
    return evidence


def replace_evidence(
    uow: UnitOfWork,
    store: EvidenceStore,
    actor: Actor | None,
    evidence_id: int,
    *,
    new: NewEvidence,
    today: dt.date | None = None,
) -> list[EvidenceRow]:
    """Supersede a piece of evidence with a new one; both stay on record."""
    person = person_required(actor)
    today = today or office_today()
    kinds = new.kinds()
    if not kinds:
        raise InputError("请给出替换用的佐证文件、链接或说明", code="no_evidence")
    _check_links(new.links)
    doc_date = _doc_date(new.doc_date, today)
    target = evidence_target(evidence_id)

    def check(session: Session, chain: AuditChain) -> Evidence:
        old = _find_evidence(session, evidence_id, person)
        assert old.measure is not None
        check_writable(session, person, old.measure)
        check_own_evidence(session, person, old)
        if not old.current:
            raise Refused(f"佐证材料#{evidence_id} 已被替换或删除,不能再替换", code="evidence_gone")
        if old.item is not None:
            _item(old.measure, old.item.position, kinds)
        return old

    run_audited(uow, person, "evidence_replace", target, check)

    def write(blobs: list[StoredBlob]) -> list[EvidenceRow]:
        def work(session: Session, chain: AuditChain) -> list[EvidenceRow]:
            old = check(session, chain)
            measure = old.measure
            assert measure is not None
            rows = _rows(new, blobs, actor=person, doc_date=doc_date, measure=measure, item=old.item)
            session.add_all(rows)
            session.flush()
            old.superseded_by_id = rows[0].id
            measure.updated_at = utcnow()
            name = target_of(measure)
            detail = _audit_detail(rows, old.item, blobs) | {"replaces": evidence_id}
            detail |= _supply(session, measure, person, rows, today)
            chain.append(person, "evidence_replace", name, comment=new.note, detail=detail)
            return [evidence_row(r) for r in rows]

        return run_audited(uow, person, "evidence_replace", target, work)

    return with_blobs(uow, store, new.files, write)


def remove_evidence(uow: UnitOfWork, actor: Actor | None, evidence_id: int) -> EvidenceRow:
    """Take back evidence added by mistake; only before the measure's first self-check."""
    person = person_required(actor)

    def work(session: Session, chain: AuditChain) -> EvidenceRow:
        evidence = _find_evidence(session, evidence_id, person)
        measure = evidence.measure
        assert measure is not None
        check_writable(session, person, measure)
        check_own_evidence(session, person, evidence)
        if measure.self_checks:
            raise Refused(
                f"{measure.label}已提交过自查,佐证材料不能删除,只能替换",
                code="evidence_locked",
                params={"evidence": evidence_id},
            )
        if not evidence.current:
            raise Refused(f"佐证材料#{evidence_id} 已被替换或删除", code="evidence_gone")
        evidence.removed_at = utcnow()
        measure.updated_at = utcnow()
        name = target_of(measure)
        chain.append(person, "evidence_remove", name, detail=_audit_detail([evidence], evidence.item))
        return evidence_row(evidence)

    return run_audited(uow, person, "evidence_remove", evidence_target(evidence_id), work)


@dataclass(frozen=True)
class StoreCheck:
    checked: int
    problems: list[str]
    swept: int = 0  # temp files an interrupted upload (a killed process) left behind

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_store(uow: UnitOfWork, store: EvidenceStore) -> StoreCheck:
    """Re-hash every stored file and name the evidence whose file is missing or altered."""
    with uow:
        rows = uow.session.execute(
            select(Evidence.id, Evidence.sha256, Evidence.size, Evidence.file_name)
            .where(Evidence.sha256.is_not(None))
            .order_by(Evidence.id)
        ).all()
        photos = uow.session.execute(
            select(SiteCheckPhoto.id, SiteCheckPhoto.sha256, SiteCheckPhoto.size, SiteCheckPhoto.file_name)
            .order_by(SiteCheckPhoto.id)
        ).all()
    blobs: dict[str, int] = {}
    for _id, sha256, size, _name in [*rows, *photos]:
        if sha256:
            blobs[sha256] = size or 0
    swept = store.sweep_temp()
    report = store.verify(blobs.items())
    problems = []
    for what, listed in (("佐证材料", rows), ("现场照片", photos)):
        for _id, sha256, _size, name in listed:
            if sha256 in report.missing:
                problems.append(f"缺失:{what}#{_id}“{name}”(sha256 {sha256[:12]}…)")
            elif sha256 in report.altered:
                problems.append(f"被改动:{what}#{_id}“{name}”(sha256 {sha256[:12]}…)")
    return StoreCheck(checked=report.checked, problems=problems, swept=swept)


def media_label(media_type: str | None) -> str:
    return MEDIA_LABELS.get(media_type or "", media_type or "")

