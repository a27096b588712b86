"""People, units and unit groups, and plan settings: the office's administration."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from checklists.units import is_group, normalise_unit_name
from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor, Work, authorize
from workflow.domain.states import ROLE_LABELS, Role
from workflow.errors import InputError, NotFound, Refused
from workflow.models import Person, Unit, UnitGroupMember, Zone
from workflow.read.plans import find_unit, plan_by_id
from workflow.services.acting import person_required, plan_target, run_audited
from workflow.services.audit_log import AuditChain
from workflow.services.contacts import Contacts
from workflow.services.zones import ancestors, default_zone, find_zone, zone_path


@dataclass(frozen=True)
class PersonView:
    name: str
    role: str
    role_label: str
    unit: str | None
    active: bool
    zone: str
    organisation: str = ""  # an expert's
    email: str = ""
    dingtalk_userid: str = ""
    wecom_userid: str = ""


MAX_ORGANISATION = 200


def _view(person: Person) -> PersonView:
    return PersonView(
        name=person.name,
        role=person.role.value,
        role_label=ROLE_LABELS[person.role],
        unit=person.unit.name if person.unit else None,
        active=person.active,
        zone=zone_path(person.zone),
        organisation=person.organisation,
        email=person.email,
        dingtalk_userid=person.dingtalk_userid,
        wecom_userid=person.wecom_userid,
    )


def _check_organisation(role: Role, unit: str | None, organisation: str) -> str:
    """An expert has an organisation (possibly a third party's) and no unit; nobody else has one."""
    organisation = " ".join(organisation.split())
    if len(organisation) > MAX_ORGANISATION:
        raise InputError(f"所在机构名称过长(不超过 {MAX_ORGANISATION} 个字符)")
    if role is Role.EXPERT and unit:
        raise InputError("专家不属于责任单位;所在机构请填写为专家的机构", code="expert_with_unit")
    if organisation and role is not Role.EXPERT:
        raise InputError("只有专家需要填写所在机构;单位成员与办公室人员填写所在单位", code="organisation_not_expert")
    return organisation


def add_person(
    uow: UnitOfWork,
    actor: Actor | None,
    name: str,
    *,
    role: Role,
    unit: str | None,
    zone: str | None = None,
    organisation: str = "",
    contacts: Contacts | None = None,
) -> PersonView:
    """Add a person to a zone (default: the admin's own, or the only one); an expert with
    its organisation, belonging to the zone for administration only; with the addresses
    notices reach them at (`contacts`).

    The first admin of a zone may be added by nobody (`actor` None: the operator, setting up);
    after that, that zone's admins add its people, and only to units of that zone.
    """
    name = name.strip()
    if not name:
        raise InputError("姓名不能为空")
    if len(name) > 100:
        raise InputError("姓名过长(不超过 100 个字符)")
    if role is Role.MEMBER and not unit:
        raise InputError("单位成员须指明所在单位", code="member_without_unit")
    organisation = _check_organisation(role, unit, organisation)
    contacts = (contacts or Contacts()).checked()

    def create(session: Session, chain: AuditChain) -> PersonView:
        home = default_zone(session, zone, actor, create=actor is None)
        if actor is not None:
            authorize(actor, Work.ADMINISTER, zone_id=home.id)
        if session.scalar(select(Person).where(Person.name == name)):
            raise InputError(f"人员“{name}”已存在")
        try:
            unit_row = find_unit(session, unit, home.id) if unit else None
        except NotFound:
            raise InputError(
                f"辖区“{zone_path(home)}”中没有单位“{unit}”;单位须属于该人员所在辖区",
                code="unit_missing",
                params={"unit": unit},
            ) from None
        if unit_row is not None and unit_row.is_group:
            raise InputError(f"“{unit_row.name}”是单位群体,请指定具体的成员单位")
        person = Person(name=name, role=role, unit=unit_row, zone=home, organisation=organisation)
        channels = contacts.apply(person)
        session.add(person)
        detail = {"role": role.value, "unit": unit_row.name if unit_row else None, "zone": zone_path(home)}
        detail |= {"organisation": organisation} if organisation else {}
        chain.append(actor, "user_add", name, detail=detail | channels)
        return _view(person)

    if actor is not None:
        return run_audited(uow, actor, "user_add", name, create)
    # Setting up a zone: nobody to act as yet, so its first person must be an admin.
    if role is not Role.ADMIN:
        raise InputError(
            "未指定操作人;不指定操作人时只能为尚无管理员的辖区添加第一名管理员", code="first_person_not_admin"
        )
    with uow:
        chain = AuditChain(uow.session)
        # Checked under the chain lock: two set-ups at once must not both pass as "first",
        # or an admin added meanwhile would let anybody add people without acting as one.
        home = default_zone(uow.session, zone, None, create=True)
        if uow.session.scalar(
            select(exists().where(Person.role == Role.ADMIN, Person.zone_id == home.id))
        ):
            raise Refused(
                f"辖区“{zone_path(home)}”已有管理员,须由该辖区的一名管理员添加人员", code="zone_has_admin"
            )
        view = create(uow.session, chain)
        uow.commit()
        return view


def list_people(uow: UnitOfWork, viewer: Actor | None) -> list[PersonView]:
    """The people of the viewer's zone (every zone's for the operator); not an expert's."""
    _no_expert_lists(viewer)
    with uow:
        query = select(Person).order_by(Person.role, Person.name).options(
            selectinload(Person.unit), selectinload(Person.zone).selectinload(Zone.parent)
        )
        if viewer is not None:
            query = query.where(Person.zone_id == viewer.zone_id)
        return [_view(p) for p in uow.session.scalars(query)]


def _no_expert_lists(viewer: Actor | None) -> None:
    # An expert reads the plans of its panels, not the zone's administration.
    if viewer is not None and viewer.is_expert:
        raise Refused(f"{viewer.describe()}是专家,只能查看所评审的方案,不能查看人员与单位名单", code="expert_no_lists")


@dataclass(frozen=True)
class UnitView:
    name: str
    is_group: bool
    members: list[str]
    aliases: list[str]
    people: int
    zone: str


def list_units(uow: UnitOfWork, viewer: Actor | None) -> list[UnitView]:
    """The units of the viewer's zone (every zone's for the operator); not an expert's."""
    _no_expert_lists(viewer)
    with uow:
        session = uow.session
        query = select(Unit).order_by(Unit.zone_id, Unit.is_group, Unit.name).options(
            selectinload(Unit.aliases), selectinload(Unit.zone).selectinload(Zone.parent)
        )
        people_units = select(Person.unit_id)
        if viewer is not None:
            query = query.where(Unit.zone_id == viewer.zone_id)
            people_units = people_units.where(Person.zone_id == viewer.zone_id)
        units = list(session.scalars(query))
        members = _members(session)
        counts: dict[int, int] = {}
        for unit_id in session.scalars(people_units):
            if unit_id is not None:
                counts[unit_id] = counts.get(unit_id, 0) + 1
        return [
            UnitView(
                name=u.name,
                is_group=u.is_group,
                members=members.get(u.id, []),
                aliases=sorted(a.alias for a in u.aliases),
                people=counts.get(u.id, 0),
                zone=zone_path(u.zone),
            )
            for u in units
        ]


def _members(session: Session) -> dict[int, list[str]]:
    rows = session.execute(
        select(UnitGroupMember.group_id, Unit.name)
        .join(Unit, Unit.id == UnitGroupMember.member_id)
        .order_by(Unit.name)
    )
    result: dict[int, list[str]] = {}
    for group_id, name in rows:
        result.setdefault(group_id, []).append(name)
    return result


def add_unit(uow: UnitOfWork, actor: Actor | None, name: str) -> UnitView:
    """Add a unit not named in any plan (e.g. a reviewer's own department)."""
    person = person_required(actor)
    normalised = normalise_unit_name(name)
    if not normalised:
        raise InputError("单位名称不能为空")

    def work(session: Session, chain: AuditChain) -> UnitView:
        authorize(person, Work.ADMINISTER)
        zone = session.get(Zone, person.zone_id)
        assert zone is not None
        if session.scalar(select(Unit).where(Unit.name == normalised, Unit.zone_id == zone.id)):
            raise InputError(f"辖区“{zone_path(zone)}”中已有单位“{normalised}”")
        unit = Unit(name=normalised, is_group=is_group(normalised), zone=zone)
        session.add(unit)
        chain.append(person, "unit_add", normalised, detail={"zone": zone_path(zone)})
        return UnitView(normalised, unit.is_group, [], [], 0, zone_path(zone))

    return run_audited(uow, person, "unit_add", normalised, work)


def set_group_members(
    uow: UnitOfWork,
    actor: Actor | None,
    group: str,
    *,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
) -> UnitView:
    """Map a group such as 各成员单位 to the member units that share its measures (units are
    named: a name is a unit's identity within its zone)."""
    person = person_required(actor)

    def work(session: Session, chain: AuditChain) -> UnitView:
        authorize(person, Work.ADMINISTER)
        group_unit = find_unit(session, group, person.zone_id)
        if not group_unit.is_group:
            group_unit.is_group = True  # the office knows better than the name
        current = {
            m.member_id: m
            for m in session.scalars(
                select(UnitGroupMember).where(UnitGroupMember.group_id == group_unit.id)
            )
        }
        added, removed = [], []
        for name in add:
            member = find_unit(session, name, person.zone_id)
            if member.is_group:
                raise InputError(f"“{member.name}”本身是单位群体,不能作为成员")
            if member.id not in current:
                session.add(UnitGroupMember(group_id=group_unit.id, member_id=member.id))
                current[member.id] = UnitGroupMember()
                added.append(member.name)
        for name in remove:
            member = find_unit(session, name, person.zone_id)
            link = current.pop(member.id, None)
            if link is None:
                raise InputError(f"“{member.name}”不是“{group_unit.name}”的成员")
            session.delete(link)
            removed.append(member.name)
        chain.append(
            person, "unit_group", group_unit.name, detail={"added": added, "removed": removed}
        )
        session.flush()
        return UnitView(
            group_unit.name, True, _members(session).get(group_unit.id, []), [], 0, person.zone_name
        )

    return run_audited(uow, person, "unit_group", group, work)


MAX_REVIEW_LEVELS = 10


def set_review_levels(
    uow: UnitOfWork,
    actor: Actor | None,
    plan_id: int,
    levels: Sequence[str],
    *,
    level_zones: Mapping[str, str] | None = None,
) -> list[str]:
    """Set a plan's review levels in order (e.g. 初审 专家评审), and which levels the office of
    an enclosing zone reviews (`{"专家评审": "上海市"}`; the others are the plan's zone's)."""
    person = person_required(actor)
    names = [level.strip() for level in levels if level.strip()]
    if not names:
        raise InputError("至少需要一个审核层级")
    if len(names) > MAX_REVIEW_LEVELS or any(len(n) > 100 for n in names):
        raise InputError(f"审核层级至多 {MAX_REVIEW_LEVELS} 个,每个名称不超过 100 个字符")
    if len(set(names)) != len(names):
        raise InputError("审核层级名称不能重复")
    unknown = sorted(set(level_zones or {}) - set(names))
    if unknown:
        raise InputError(f"指定了辖区的审核层级“{'、'.join(unknown)}”不在所列层级之中")

    def work(session: Session, chain: AuditChain) -> list[str]:
        plan = plan_by_id(session, person, plan_id)
        authorize(person, Work.ADMINISTER, zone_id=plan.zone_id)
        enclosing = {plan.zone_id: plan.zone, **{z.id: z for z in ancestors(plan.zone)}}
        assigned: dict[str, int] = {}
        for level, zone_name in (level_zones or {}).items():
            zone = find_zone(session, zone_name)
            if zone.id not in enclosing:
                raise InputError(
                    f"审核层级“{level}”只能由方案所在辖区“{zone_path(plan.zone)}”或其上级辖区审核,"
                    f"“{zone_path(zone)}”不是"
                )
            if zone.id != plan.zone_id:
                assigned[level] = zone.id
        old = {"levels": list(plan.review_levels), "zones": dict(plan.level_zones or {})}
        plan.review_levels = names
        plan.level_zones = assigned
        chain.append(
            person,
            "review_levels",
            plan.key,
            detail={
                "from": old["levels"],
                "to": names,
                "zones": {level: zone_path(enclosing[z]) for level, z in assigned.items()},
            },
        )
        return names

    return run_audited(uow, person, "review_levels", plan_target(plan_id), work)
