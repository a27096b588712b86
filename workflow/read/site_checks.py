"""A plan's 现场核查 records as typed rows: for the CLI, the office's pages and the reports
(专家评审意见, 验收报告) alike.

Who may read them is the one rule of `domain.permissions.site_check_refused`, asked by
`plan_for_site_checks` and `check_by_id` (the services use the same two): another zone's plan
or record is answered like a missing one, a person of the zone outside its office is refused;
either attempt is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from workflow.clock import local_time
from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor, site_check_refused
from workflow.domain.site_checks import Participant, Sample
from workflow.errors import InputError, NotFound
from workflow.models import IssuedReport, Person, Plan, SiteCheck, SiteCheckPhoto, Unit
from workflow.read.plans import PlanHead, find_unit, plan_by_id, plan_head
from workflow.services.acting import plan_target, run_read
from workflow.services.visibility import require_plan, zones_of

__all__ = [
    "CheckPage",
    "PlanSiteChecks",
    "SiteCheckView",
    "SitePhotoView",
    "VisitedUnit",
    "acceptance_issued_at",
    "check_by_id",
    "check_target",
    "photo_by_id",
    "plan_for_site_checks",
    "site_check_page",
    "site_check_view",
    "site_checks_of",
    "site_photo",
    "unit_ids_named",
    "view_of",
    "visitable_units",
]


def _authorize(actor: Actor | None, plan: Plan) -> None:
    if actor is None:  # the operator, at the command line without --as
        return
    refusal = site_check_refused(actor, zones_of(plan), f"方案 {plan.key}")
    if refusal is not None:
        raise refusal


def plan_for_site_checks(session: Session, actor: Actor | None, plan_id: int) -> Plan:
    """Plan `plan_id`, if `actor` may record and read its on-site checks."""
    plan = plan_by_id(session, actor, plan_id)
    _authorize(actor, plan)
    return plan


def check_by_id(session: Session, actor: Actor | None, check_id: int) -> SiteCheck:
    """On-site check `check_id` with its plan and photos, if `actor` may read it."""
    check = session.get(
        SiteCheck, check_id, options=[selectinload(SiteCheck.plan), selectinload(SiteCheck.photos)]
    )
    missing = NotFound(f"找不到编号为 {check_id} 的现场核查记录", code="site_check_missing")
    if check is None:
        raise missing
    require_plan(actor, check.plan, missing)
    _authorize(actor, check.plan)
    return check


def photo_by_id(session: Session, actor: Actor | None, photo_id: int) -> SiteCheckPhoto:
    """Photo `photo_id` of an on-site check, if `actor` may read the check."""
    photo = session.get(SiteCheckPhoto, photo_id, options=[selectinload(SiteCheckPhoto.site_check)])
    missing = NotFound(f"找不到编号为 {photo_id} 的现场照片", code="site_photo_missing")
    if photo is None:
        raise missing
    require_plan(actor, photo.site_check.plan, missing)
    _authorize(actor, photo.site_check.plan)
    return photo


def check_target(check_id: int) -> Callable[[Session], str]:
    """The audit trail names a check by its plan (the plan's record of its acceptance)."""

    def name(session: Session) -> str:
        check = session.get(SiteCheck, check_id, options=[selectinload(SiteCheck.plan)])
        return check.plan.key if check is not None else f"现场核查#{check_id}"

    return name


def acceptance_issued_at(session: Session, plan_id: int) -> dt.datetime | None:
    """When the plan's 验收报告 was first issued (None: not yet): its on-site checks are then
    what the report says, and no longer change."""
    return session.scalar(
        select(func.min(IssuedReport.issued_at)).where(
            IssuedReport.plan_id == plan_id, IssuedReport.kind == "acceptance"
        )
    )


@dataclass(frozen=True)
class VisitedUnit:
    id: int
    name: str


@dataclass(frozen=True)
class SitePhotoView:
    id: int
    check_id: int
    file_name: str
    media_type: str  # jpg / png, as the store detected it
    size: int
    sha256: str
    caption: str
    taken_on: dt.date
    uploaded_by: str
    uploaded_at: dt.datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "file_name": self.file_name,
            "media_type": self.media_type,
            "size": self.size,
            "sha256": self.sha256,
            "caption": self.caption,
            "taken_on": self.taken_on.isoformat(),
            "uploaded_by": self.uploaded_by,
            "uploaded_at": local_time(self.uploaded_at),
        }


@dataclass(frozen=True)
class SiteCheckView:
    """One on-site check as every reader shows it."""

    id: int
    plan_id: int
    plan_key: str
    round: int
    held_on: dt.date
    place: str
    participants: tuple[Participant, ...]
    units: tuple[VisitedUnit, ...]
    documents: tuple[str, ...]
    samples: tuple[Sample, ...]
    findings: str
    conclusion: str
    recorded_by: str
    recorded_at: dt.datetime
    updated_at: dt.datetime
    version: int
    photos: tuple[SitePhotoView, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "plan": self.plan_key,
            "round": self.round,
            "held_on": self.held_on.isoformat(),
            "place": self.place,
            "participants": [{"name": p.name, "role": p.role} for p in self.participants],
            "units_visited": [u.name for u in self.units],
            "documents": list(self.documents),
            "samples": [{"site": s.site, "what": s.what, "result": s.result} for s in self.samples],
            "findings": self.findings,
            "conclusion": self.conclusion,
            "recorded_by": self.recorded_by,
            "recorded_at": local_time(self.recorded_at),
            "version": self.version,
            "photos": [p.as_dict() for p in self.photos],
        }


@dataclass(frozen=True)
class PlanSiteChecks:
    plan: PlanHead
    checks: tuple[SiteCheckView, ...]
    # When the acceptance report was issued: the records are closed (None: still open).
    closed_at: dt.datetime | None
    units: tuple[VisitedUnit, ...]  # the units a new check may visit


def _names(session: Session, ids: set[int], model: type[Unit] | type[Person]) -> dict[int, str]:
    if not ids:
        return {}
    return {i: n for i, n in session.execute(select(model.id, model.name).where(model.id.in_(ids)))}


def _photo(photo: SiteCheckPhoto, people: dict[int, str]) -> SitePhotoView:
    return SitePhotoView(
        id=photo.id,
        check_id=photo.site_check_id,
        file_name=photo.file_name,
        media_type=photo.media_type,
        size=photo.size,
        sha256=photo.sha256,
        caption=photo.caption,
        taken_on=photo.taken_on,
        uploaded_by=people.get(photo.person_id, ""),
        uploaded_at=photo.uploaded_at,
    )


def views_of(session: Session, checks: list[SiteCheck]) -> list[SiteCheckView]:
    """The checks as views, their units' and people's names read in two queries."""
    units = _names(session, {int(u) for c in checks for u in c.unit_ids}, Unit)
    people = _names(
        session, {c.recorded_by_id for c in checks} | {p.person_id for c in checks for p in c.photos}, Person
    )
    return [
        SiteCheckView(
            id=c.id,
            plan_id=c.plan_id,
            plan_key=c.plan.key,
            round=c.round,
            held_on=c.held_on,
            place=c.place,
            participants=tuple(Participant(str(p["name"]), str(p.get("role", ""))) for p in c.participants),
            units=tuple(VisitedUnit(int(u), units.get(int(u), f"单位#{u}")) for u in c.unit_ids),
            documents=tuple(str(d) for d in c.documents),
            samples=tuple(Sample(str(s["site"]), str(s["what"]), str(s["result"])) for s in c.samples),
            findings=c.findings,
            conclusion=c.conclusion,
            recorded_by=people.get(c.recorded_by_id, ""),
            recorded_at=c.recorded_at,
            updated_at=c.updated_at,
            version=c.version_id,
            photos=tuple(_photo(p, people) for p in c.photos),
        )
        for c in checks
    ]


def view_of(session: Session, check: SiteCheck) -> SiteCheckView:
    [view] = views_of(session, [check])
    return view


def site_checks_of(uow: UnitOfWork, viewer: Actor | None, plan_id: int) -> PlanSiteChecks:
    """Every on-site check of plan `plan_id`, by date, with their photos."""

    def read(session: Session) -> PlanSiteChecks:
        plan = plan_for_site_checks(session, viewer, plan_id)
        checks = list(
            session.scalars(
                select(SiteCheck)
                .where(SiteCheck.plan_id == plan.id)
                .order_by(SiteCheck.round, SiteCheck.held_on, SiteCheck.id)
                .options(selectinload(SiteCheck.photos))
            )
        )
        return PlanSiteChecks(
            plan_head(plan), tuple(views_of(session, checks)), acceptance_issued_at(session, plan.id), _visitable(session, plan)
        )

    return run_read(uow, viewer, "site_list", plan_target(plan_id), read)


def site_check_view(uow: UnitOfWork, viewer: Actor | None, check_id: int) -> SiteCheckView:
    """On-site check `check_id` with its photos."""

    def read(session: Session) -> SiteCheckView:
        return view_of(session, check_by_id(session, viewer, check_id))

    return run_read(uow, viewer, "site_show", check_target(check_id), read)


def site_photo(uow: UnitOfWork, viewer: Actor | None, photo_id: int) -> SitePhotoView:
    """Photo `photo_id` (for its file), if `viewer` may read its check."""

    def read(session: Session) -> SitePhotoView:
        photo = photo_by_id(session, viewer, photo_id)
        return _photo(photo, _names(session, {photo.person_id}, Person))

    def target(session: Session) -> str:
        photo = session.get(SiteCheckPhoto, photo_id)
        return check_target(photo.site_check_id)(session) if photo is not None else f"现场照片#{photo_id}"

    return run_read(uow, viewer, "site_photo_view", target, read)


def _visitable(session: Session, plan: Plan) -> tuple[VisitedUnit, ...]:
    rows = session.execute(
        select(Unit.id, Unit.name).where(Unit.zone_id == plan.zone_id, Unit.is_group.is_(False)).order_by(Unit.name)
    )
    return tuple(VisitedUnit(uid, name) for uid, name in rows)


def visitable_units(uow: UnitOfWork, viewer: Actor | None, plan_id: int) -> list[VisitedUnit]:
    """The units a check of plan `plan_id` may visit: its zone's units (not groups), by name."""

    def read(session: Session) -> list[VisitedUnit]:
        return list(_visitable(session, plan_for_site_checks(session, viewer, plan_id)))

    return run_read(uow, viewer, "site_list", plan_target(plan_id), read)


@dataclass(frozen=True)
class CheckPage:
    """One check with what its page shows around it, read in one transaction."""

    check: SiteCheckView
    plan: PlanHead
    closed_at: dt.datetime | None
    units: tuple[VisitedUnit, ...]  # what its edit form offers


def site_check_page(uow: UnitOfWork, viewer: Actor | None, check_id: int) -> CheckPage:
    """On-site check `check_id` with its plan, whether its records are closed, and the units
    its form may name."""

    def read(session: Session) -> CheckPage:
        check = check_by_id(session, viewer, check_id)
        plan = check.plan
        return CheckPage(view_of(session, check), plan_head(plan), acceptance_issued_at(session, plan.id), _visitable(session, plan))

    return run_read(uow, viewer, "site_show", check_target(check_id), read)


def unit_ids_named(uow: UnitOfWork, viewer: Actor | None, plan_id: int, names: Sequence[str]) -> list[int]:
    """The units `names` (names or aliases) of plan `plan_id`'s zone, as the command line
    names the units a check visited; InputError naming the entry that is no such unit."""

    def read(session: Session) -> list[int]:
        plan = plan_for_site_checks(session, viewer, plan_id)
        ids = []
        for n, name in enumerate(names, start=1):
            try:
                ids.append(find_unit(session, name, plan.zone_id).id)
            except NotFound as exc:
                raise InputError(
                    f"现场核查的“走访单位”第 {n} 项:{exc}(方案 {plan.key} 所在辖区)",
                    code="site_unit_missing",
                    params={"field": "走访单位"},
                ) from None
        return ids

    return run_read(uow, viewer, "site_record", plan_target(plan_id), read)
