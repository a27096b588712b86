"""People, units and unit groups, and plan settings: the office's administration."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from checklists.units import is_group, normalise_unit_name
from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor, Work, authorize
from workflow.domain.states import ROLE_LABELS, Role
from workflow.errors import InputError, Refused
from workflow.models import Person, Unit, UnitGroupMember
from workflow.services.acting import run_audited
from workflow.services.audit_log import AuditChain
from workflow.services.plan_queries import find_plan, find_unit


@dataclass(frozen=True)
class PersonView:
    name: str
    role: str
    role_label: str
    unit: str | None
    active: bool


def _view(person: Person) -> PersonView:
    return PersonView(
        name=person.name,
        role=person.role.value,
        role_label=ROLE_LABELS[person.role],
        unit=person.unit.name if person.unit else None,
        active=person.active,
    )


def add_person(
    uow: UnitOfWork, actor_name: str | None, name: str, *, role: Role, unit: str | None
) -> PersonView:
    """Add a person. The first admin may be added by nobody (setting up); after that, admins only."""
    name = name.strip()
    if not name:
        raise InputError("姓名不能为空")
    if role is Role.MEMBER and not unit:
        raise InputError("单位成员须用 --unit 指明所在单位")
    with uow:
        has_admin = uow.session.scalar(select(exists().where(Person.role == Role.ADMIN)))

    def create(session: Session, chain: AuditChain, actor: Actor | None) -> PersonView:
        if actor is not None:
            authorize(actor, Work.ADMINISTER)
        if session.scalar(select(Person).where(Person.name == name)):
            raise InputError(f"人员“{name}”已存在")
        unit_row = find_unit(session, unit) if unit else None
        if unit_row is not None and unit_row.is_group:
            raise InputError(f"“{unit_row.name}”是单位群体,请指定具体的成员单位")
        person = Person(name=name, role=role, unit=unit_row)
        session.add(person)
        chain.append(
            actor,
            "user_add",
            name,
            detail={"role": role.value, "unit": unit_row.name if unit_row else None},
        )
        return _view(person)

    if has_admin:
        return run_audited(uow, actor_name, "user_add", name, create)
    # Setting up: nobody to act as yet, so the first person must be an admin.
    if role is not Role.ADMIN:
        raise Refused("系统中还没有管理员:请先添加一名管理员(--role admin)")
    with uow:
        chain = AuditChain(uow.session)
        # Checked again under the chain lock: two set-ups at once must not both pass as "first",
        # or an admin added meanwhile would let anybody add people without acting as one.
        if uow.session.scalar(select(exists().where(Person.role == Role.ADMIN))):
            raise Refused("系统中已有管理员:请用 --as 指定一名管理员来添加人员")
        view = create(uow.session, chain, None)
        uow.commit()
        return view


def list_people(uow: UnitOfWork) -> list[PersonView]:
    with uow:
        people = uow.session.scalars(select(Person).order_by(Person.role, Person.name))
        return [_view(p) for p in people]


@dataclass(frozen=True)
class UnitView:
    name: str
    is_group: bool
    members: list[str]
    aliases: list[str]
    people: int


def list_units(uow: UnitOfWork) -> list[UnitView]:
    with uow:
        session = uow.session
        units = list(session.scalars(select(Unit).order_by(Unit.is_group, Unit.name)))
        members = _members(session)
        counts: dict[int, int] = {}
        for unit_id in session.scalars(select(Person.unit_id)):
            if unit_id is not None:
                counts[unit_id] = counts.get(unit_id, 0) + 1
        return [
            UnitView(
                name=u.name,
                is_group=u.is_group,
                members=members.get(u.id, []),
                aliases=sorted(a.alias for a in u.aliases),
                people=counts.get(u.id, 0),
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


def add_unit(uow: UnitOfWork, actor_name: str | None, name: str) -> UnitView:
    """Add a unit not named in any plan (e.g. a reviewer's own department)."""
    normalised = normalise_unit_name(name)
    if not normalised:
        raise InputError("单位名称不能为空")

    def work(session: Session, chain: AuditChain, actor: Actor) -> UnitView:
        authorize(actor, Work.ADMINISTER)
        if session.scalar(select(Unit).where(Unit.name == normalised)):
            raise InputError(f"单位“{normalised}”已存在")
        unit = Unit(name=normalised, is_group=is_group(normalised))
        session.add(unit)
        chain.append(actor, "unit_add", normalised)
        return UnitView(normalised, unit.is_group, [], [], 0)

    return run_audited(uow, actor_name, "unit_add", normalised, work)


def set_group_members(
    uow: UnitOfWork,
    actor_name: str | None,
    group: str,
    *,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
) -> UnitView:
    """Map a group such as 各成员单位 to the member units that share its measures."""

    def work(session: Session, chain: AuditChain, actor: Actor) -> UnitView:
        authorize(actor, Work.ADMINISTER)
        group_unit = find_unit(session, group)
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
            member = find_unit(session, name)
            if member.is_group:
                raise InputError(f"“{member.name}”本身是单位群体,不能作为成员")
            if member.id not in current:
                session.add(UnitGroupMember(group_id=group_unit.id, member_id=member.id))
                current[member.id] = UnitGroupMember()
                added.append(member.name)
        for name in remove:
            member = find_unit(session, name)
            link = current.pop(member.id, None)
            if link is None:
                raise InputError(f"“{member.name}”不是“{group_unit.name}”的成员")
            session.delete(link)
            removed.append(member.name)
        chain.append(
            actor, "unit_group", group_unit.name, detail={"added": added, "removed": removed}
        )
        session.flush()
        return UnitView(
            group_unit.name, True, _members(session).get(group_unit.id, []), [], 0
        )

    return run_audited(uow, actor_name, "unit_group", group, work)


def set_review_levels(
    uow: UnitOfWork, actor_name: str | None, plan_ident: str, levels: Sequence[str]
) -> list[str]:
    """Set a plan's review levels in order (e.g. 初审 专家评审)."""
    names = [level.strip() for level in levels if level.strip()]
    if not names:
        raise InputError("至少需要一个审核层级")
    if len(set(names)) != len(names):
        raise InputError("审核层级名称不能重复")

    def work(session: Session, chain: AuditChain, actor: Actor) -> list[str]:
        authorize(actor, Work.ADMINISTER)
        plan = find_plan(session, plan_ident)
        old = list(plan.review_levels)
        plan.review_levels = names
        chain.append(actor, "review_levels", plan.key, detail={"from": old, "to": names})
        return names

    return run_audited(uow, actor_name, "review_levels", plan_ident, work)
