"""现场核查: record, edit and delete a plan's on-site checks, attach and remove their photos.

The office of the plan's zone and of its review levels' zones records them
(`permissions.site_check_refused`). Records stay open until the plan's 验收报告 is issued:
the report then states what the checks found, so from that moment a record, and its photos,
no longer change (`site_check_closed`). Each change is one audited transaction; a record
read at version N is changed only if nobody changed it since.

Photos are JPEG or PNG files of the evidence store (content sniffed, at most
`MAX_PHOTO_BYTES`). As for evidence, the file is streamed into the store before the
transaction and discarded again if the transaction fails, so neither side keeps half a photo.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from workflow.clock import office_today
from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor
from workflow.domain.site_checks import (
    MAX_CHECKS_PER_PLAN,
    MAX_PHOTO_BYTES,
    MAX_ROUND,
    SiteCheckDraft,
    SiteCheckInvalid,
    check_date,
    check_draft,
    check_photo,
)
from workflow.errors import Conflict, InputError, Refused
from workflow.evidence import EvidenceRefused, EvidenceStore, StoredBlob
from workflow.models import Plan, SiteCheck, SiteCheckPhoto, Unit
from workflow.read.site_checks import (
    SiteCheckView,
    SitePhotoView,
    acceptance_issued_at,
    check_by_id,
    check_target,
    photo_by_id,
    plan_for_site_checks,
    view_of,
)
from workflow.services.acting import person_required, plan_target, run_audited
from workflow.services.audit_log import AuditChain
from workflow.services.evidence import Upload, discard_new, store_files
from workflow.services.measure_work import plan_period

T = TypeVar("T")

RECORD_ACTION = "site_check_record"
EDIT_ACTION = "site_check_edit"
DELETE_ACTION = "site_check_delete"
PHOTO_ADD_ACTION = "site_photo_add"
PHOTO_REMOVE_ACTION = "site_photo_remove"


def _invalid(exc: SiteCheckInvalid) -> InputError:
    return InputError(str(exc), code="site_check_invalid", params={"field": exc.field})


def _require_open(session: Session, plan: Plan) -> None:
    issued = acceptance_issued_at(session, plan.id)
    if issued is not None:
        raise Refused(
            f"方案 {plan.key} 的验收报告已于 {issued:%Y-%m-%d} 出具,现场核查记录不能再变更",
            code="site_check_closed",
        )


def _checked(session: Session, plan: Plan, draft: SiteCheckDraft) -> SiteCheckDraft:
    """The draft within every bound, its visited units of the plan's zone (not groups)."""
    try:
        draft = check_draft(draft, plan_period(session, plan), office_today())
    except SiteCheckInvalid as exc:
        raise _invalid(exc) from None
    if draft.unit_ids:
        found = dict(
            session.execute(
                select(Unit.id, Unit.is_group).where(Unit.id.in_(list(draft.unit_ids)), Unit.zone_id == plan.zone_id)
            ).all()
        )
        for n, unit_id in enumerate(draft.unit_ids, start=1):
            if unit_id not in found:
                raise _invalid(SiteCheckInvalid("走访单位", f"第 {n} 项(单位#{unit_id})不是方案所在辖区的责任单位"))
            if found[unit_id]:
                raise _invalid(SiteCheckInvalid("走访单位", f"第 {n} 项(单位#{unit_id})是单位群体,请写出走访的具体单位"))
    return draft


def _fill(check: SiteCheck, draft: SiteCheckDraft) -> None:
    check.held_on = draft.held_on
    check.place = draft.place
    check.participants = [{"name": p.name, "role": p.role} for p in draft.participants]
    check.unit_ids = list(draft.unit_ids)
    check.documents = list(draft.documents)
    check.samples = [{"site": s.site, "what": s.what, "result": s.result} for s in draft.samples]
    check.findings = draft.findings
    check.conclusion = draft.conclusion


def _summary(check: SiteCheck) -> dict[str, object]:
    """What the audit trail keeps of a record (a deleted one is known from it)."""
    return {
        "check": check.id,
        "round": check.round,
        "held_on": check.held_on.isoformat(),
        "place": check.place,
        "participants": len(check.participants),
        "units": list(check.unit_ids),
        "documents": len(check.documents),
        "samples": len(check.samples),
        "conclusion": check.conclusion,
        "findings": check.findings[:200],
    }


def _record(check: SiteCheck) -> dict[str, object]:
    """All a record says, for the audit trail of an edit or a delete: what it said before is
    never lost, though the row changes or goes."""
    return {
        **_summary(check),
        "participants": list(check.participants),
        "documents": list(check.documents),
        "samples": list(check.samples),
        "findings": check.findings,
        "photos": [{"sha256": p.sha256, "caption": p.caption, "taken_on": p.taken_on.isoformat()} for p in check.photos],
    }


def _check_version(check: SiteCheck, expected: int | None) -> None:
    if expected is not None and check.version_id != expected:
        raise Conflict(
            f"现场核查记录#{check.id} 在您查看之后已被他人修改(版本 {expected} → {check.version_id}),"
            "本次操作未生效;请重新查看后再试"
        )


def _flush(session: Session, check_id: int) -> None:
    try:
        session.flush()
    except StaleDataError:  # changed or deleted by someone else since this transaction read it
        raise Conflict(f"现场核查记录#{check_id} 刚被他人修改或删除,本次操作未生效;请重新查看后再试") from None


def record_site_check(
    uow: UnitOfWork, actor: Actor | None, plan_id: int, draft: SiteCheckDraft, *, round: int = 1
) -> SiteCheckView:
    """Record one on-site check of plan `plan_id` in review round `round`."""
    person = person_required(actor)
    if not 1 <= round <= MAX_ROUND:
        raise InputError(f"评审轮次应为 1 到 {MAX_ROUND},收到 {round}", code="site_check_invalid")

    def work(session: Session, chain: AuditChain) -> SiteCheckView:
        plan = plan_for_site_checks(session, person, plan_id)
        _require_open(session, plan)
        checked = _checked(session, plan, draft)
        existing = session.scalar(select(func.count()).where(SiteCheck.plan_id == plan.id)) or 0
        if existing >= MAX_CHECKS_PER_PLAN:
            raise InputError(
                f"方案 {plan.key} 已有 {existing} 条现场核查记录,至多 {MAX_CHECKS_PER_PLAN} 条", code="site_check_invalid"
            )
        check = SiteCheck(plan_id=plan.id, round=round, recorded_by_id=person.id, plan=plan)
        _fill(check, checked)
        session.add(check)
        session.flush()
        chain.append(
            person,
            RECORD_ACTION,
            plan.key,
            comment=f"记录现场核查#{check.id}:{check.held_on.isoformat()} {check.place}(第 {round} 轮)",
            detail=_summary(check),
        )
        return view_of(session, check)

    return run_audited(uow, person, RECORD_ACTION, plan_target(plan_id), work)


def edit_site_check(
    uow: UnitOfWork, actor: Actor | None, check_id: int, draft: SiteCheckDraft, *, expected_version: int | None = None
) -> SiteCheckView:
    """Replace what on-site check `check_id` says with `draft` (its round and author stay)."""
    person = person_required(actor)

    def work(session: Session, chain: AuditChain) -> SiteCheckView:
        check = check_by_id(session, person, check_id)
        _require_open(session, check.plan)
        _check_version(check, expected_version)
        checked = _checked(session, check.plan, draft)
        before = _record(check)
        _fill(check, checked)
        _flush(session, check_id)
        chain.append(
            person,
            EDIT_ACTION,
            check.plan.key,
            comment=f"修改现场核查#{check.id}:{check.held_on.isoformat()} {check.place}",
            detail={"before": before, "after": _summary(check)},
        )
        return view_of(session, check)

    return run_audited(uow, person, EDIT_ACTION, check_target(check_id), work)


@dataclass(frozen=True)
class DeletedCheck:
    plan_id: int
    plan_key: str


def delete_site_check(
    uow: UnitOfWork, actor: Actor | None, check_id: int, *, expected_version: int | None = None
) -> DeletedCheck:
    """Delete on-site check `check_id` with its photos' records (their files stay in the
    store, which only ever grows); the audit trail keeps what it said."""
    person = person_required(actor)

    def work(session: Session, chain: AuditChain) -> DeletedCheck:
        check = check_by_id(session, person, check_id)
        _require_open(session, check.plan)
        _check_version(check, expected_version)
        gone = DeletedCheck(check.plan_id, check.plan.key)
        detail = _record(check)
        comment = f"删除现场核查#{check.id}:{check.held_on.isoformat()} {check.place}"
        session.delete(check)
        _flush(session, check_id)
        chain.append(person, DELETE_ACTION, gone.plan_key, comment=comment, detail=detail)
        return gone

    return run_audited(uow, person, DELETE_ACTION, check_target(check_id), work)


def _photo_store(store: EvidenceStore) -> EvidenceStore:
    """The evidence store, bounded to a photo's size."""
    return EvidenceStore(store.root, max_bytes=min(store.max_bytes, MAX_PHOTO_BYTES), chunk_size=store.chunk_size)


def add_site_photo(
    uow: UnitOfWork,
    store: EvidenceStore,
    actor: Actor | None,
    check_id: int,
    file: Path | Upload,
    caption: str,
    taken_on: dt.date | None = None,
) -> SitePhotoView:
    """Attach a photo (JPEG or PNG) to on-site check `check_id`, taken on `taken_on` (the
    check's date when not given)."""
    person = person_required(actor)
    try:
        [blob] = store_files(_photo_store(store), [file])
    except EvidenceRefused as exc:
        raise InputError(f"现场核查的“现场照片”:{exc}", code="site_check_invalid", params={"field": "现场照片"}) from None

    def work(session: Session, chain: AuditChain) -> SitePhotoView:
        check = check_by_id(session, person, check_id)
        _require_open(session, check.plan)
        try:
            text = check_photo(caption, blob.media_type, len(check.photos))
            day = check_date("拍摄日期", taken_on or check.held_on, plan_period(session, check.plan), office_today())
        except SiteCheckInvalid as exc:
            raise _invalid(exc) from None
        photo = SiteCheckPhoto(
            sha256=blob.sha256,
            size=blob.size,
            media_type=blob.media_type,
            file_name=blob.name,
            caption=text,
            taken_on=day,
            person_id=person.id,
        )
        check.photos.append(photo)
        session.flush()
        chain.append(
            person,
            PHOTO_ADD_ACTION,
            check.plan.key,
            comment=f"现场核查#{check.id} 添加照片“{text}”({blob.name})",
            detail={"check": check.id, "photo": photo.id, "sha256": blob.sha256, "size": blob.size, "name": blob.original_name},
        )
        return view_of(session, check).photos[-1]

    return _discarding(uow, store, blob, lambda: run_audited(uow, person, PHOTO_ADD_ACTION, check_target(check_id), work))


def _discarding(uow: UnitOfWork, store: EvidenceStore, blob: StoredBlob, write: Callable[[], T]) -> T:
    try:
        return write()
    except BaseException:
        discard_new(store, [blob], uow)
        raise


def remove_site_photo(uow: UnitOfWork, actor: Actor | None, photo_id: int) -> int:
    """Remove photo `photo_id` from its check (its file stays in the store). Returns the
    check's number."""
    person = person_required(actor)

    def work(session: Session, chain: AuditChain) -> int:
        photo = photo_by_id(session, person, photo_id)
        check = photo.site_check
        _require_open(session, check.plan)
        chain.append(
            person,
            PHOTO_REMOVE_ACTION,
            check.plan.key,
            comment=f"现场核查#{check.id} 撤下照片“{photo.caption}”({photo.file_name})",
            detail={"check": check.id, "photo": photo.id, "sha256": photo.sha256},
        )
        session.delete(photo)
        return check.id

    def target(session: Session) -> str:
        photo = session.get(SiteCheckPhoto, photo_id)
        return check_target(photo.site_check_id)(session) if photo is not None else f"现场照片#{photo_id}"

    return run_audited(uow, person, PHOTO_REMOVE_ACTION, target, work)
