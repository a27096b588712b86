"""Who is acting, on which measure, and the audited transaction every change runs in."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from checklists.catalog import UnitRole
from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor, Responsibility
from workflow.errors import Conflict, Hidden, InputError, NotFound, Refused
from workflow.models import Measure, MeasureUnit, Person, Unit, UnitGroupMember
from workflow.services.audit_log import AuditChain
from workflow.services.plan_queries import find_plan
from workflow.services.visibility import zones_of

T = TypeVar("T")

NO_ACTOR = "请用 --as 姓名 指定操作人(或设置环境变量 ZONECHECK_USER)"


def find_person(session: Session, name: str | None) -> Person:
    if not name:
        raise InputError(NO_ACTOR)
    person = session.scalar(
        select(Person)
        .where(Person.name == name.strip())
        .options(joinedload(Person.unit), joinedload(Person.zone))
    )
    if person is None:
        raise NotFound(f"找不到人员“{name}”;可用 zonecheck user list 查看,zonecheck user add 添加")
    if not person.active:
        raise Refused(f"人员“{name}”已停用")
    return person


def actor_of(person: Person) -> Actor:
    return Actor(
        id=person.id,
        name=person.name,
        role=person.role,
        unit_id=person.unit_id,
        unit_name=person.unit.name if person.unit else None,
        zone_id=person.zone_id,
        zone_name=person.zone.name,
    )


def split_measure_ident(ident: str) -> tuple[str, str]:
    plan_ident, sep, ref = ident.strip().rpartition("/")
    if not sep or not plan_ident or not ref:
        raise InputError(f"措施应写作 方案/编号,例如 003/5 或 方案键/S1;收到“{ident}”")
    return plan_ident, ref


def find_measure(session: Session, ident: str, viewer: Actor | None) -> Measure:
    """A measure named `PLAN/REF` (PLAN: id, key or document number) of a plan `viewer` sees."""
    plan_ident, ref = split_measure_ident(ident)
    plan = find_plan(session, plan_ident, viewer)
    measure = session.scalar(
        select(Measure)
        .where(Measure.plan_id == plan.id, Measure.ref == ref)
        .options(selectinload(Measure.unit_links).selectinload(MeasureUnit.unit))
    )
    if measure is None:
        raise NotFound(
            f"方案 {plan.key} 中没有编号为“{ref}”的措施;可用 zonecheck measures {plan.key} 查看"
        )
    # The plan is at hand: spare every transition a lazy reload of it.
    set_committed_value(measure, "plan", plan)
    return measure


@dataclass(frozen=True)
class MeasureUnits:
    """A measure's responsible units with groups expanded to the members the office mapped."""

    responsibility: Responsibility
    unit_names: dict[int, str]  # every responsible unit id → name, in the document's order
    unmapped_groups: tuple[str, ...]

    @property
    def lead_names(self) -> list[str]:
        return [name for uid, name in self.unit_names.items() if uid in self.responsibility.lead_unit_ids]

    def names_lead_first(self) -> list[str]:
        """Every responsible unit's name (unmapped groups included), the lead units first."""
        lead = set(self.lead_names)
        names = list(self.unit_names.values()) + list(self.unmapped_groups)
        return sorted(names, key=lambda n: n not in lead)


def group_members(session: Session, group_ids: Iterable[int]) -> dict[int, list[Unit]]:
    ids = list(group_ids)
    members: dict[int, list[Unit]] = {gid: [] for gid in ids}
    if ids:
        rows = session.execute(
            select(UnitGroupMember.group_id, Unit)
            .join(Unit, Unit.id == UnitGroupMember.member_id)
            .where(UnitGroupMember.group_id.in_(ids))
            .order_by(Unit.name)
        )
        for group_id, unit in rows:
            members[group_id].append(unit)
    return members


def members_for(session: Session, measures: Iterable[Measure]) -> dict[int, list[Unit]]:
    """Member units of every group responsible for any of `measures`, in one query."""
    groups = {
        link.unit_id
        for m in measures
        for link in m.unit_links
        if link.unit.is_group or link.role is UnitRole.GROUP
    }
    return group_members(session, groups)


def measure_units(
    session: Session | None, measure: Measure, members: dict[int, list[Unit]] | None = None
) -> MeasureUnits:
    """Expand groups with `members` when given (bulk callers), else query them."""
    links = measure.unit_links
    groups = [link for link in links if link.unit.is_group or link.role is UnitRole.GROUP]
    if members is None:
        assert session is not None, "pass the session or the group members"
        members = group_members(session, (link.unit_id for link in groups))
    names: dict[int, str] = {}
    lead: set[int] = set()
    unmapped: list[str] = []
    for link in links:
        if link in groups:
            continue
        names[link.unit_id] = link.unit.name
        if link.role is UnitRole.LEAD:
            lead.add(link.unit_id)
    for link in groups:
        expanded = [u for u in members.get(link.unit_id, []) if u.id not in names]
        if not members.get(link.unit_id):
            unmapped.append(link.unit.name)
        for unit in expanded:
            names[unit.id] = unit.name
            if link.role is UnitRole.LEAD:
                lead.add(unit.id)
    if not lead and names and not any(link.role is UnitRole.LEAD for link in links):
        # Only groups named (各成员单位): each member leads its own share.
        lead = set(names)
    return MeasureUnits(
        responsibility=Responsibility(
            label=measure.label,
            lead_unit_ids=frozenset(lead),
            unit_ids=frozenset(names),
            zones=zones_of(measure.plan),
            unmapped_groups=tuple(unmapped),
        ),
        unit_names=names,
        unmapped_groups=tuple(unmapped),
    )


def run_audited(
    uow: UnitOfWork,
    actor_name: str | None,
    action: str,
    target: str,
    work: Callable[[Session, AuditChain, Actor], T],
) -> T:
    """Run `work` in one transaction with the audit chain locked; commit, or roll back.

    A refusal rolls everything back, then records the refusal alone and commits that, so
    the attempt is on record and nothing else changed.
    """
    with uow:
        chain = AuditChain(uow.session)
        actor = actor_of(find_person(uow.session, actor_name))
        try:
            result = work(uow.session, chain, actor)
            uow.session.flush()
        except (Refused, Hidden) as exc:
            record_refusal(uow, actor, action, _canonical_target(uow.session, target), exc)
            raise
        except StaleDataError:
            raise Conflict("该措施刚被他人修改,本次操作未生效;请重新查看后再试") from None
        uow.commit()
        return result


def record_refusal(
    uow: UnitOfWork, actor: Actor | None, action: str, target: str, exc: Refused | Hidden
) -> None:
    """Roll back what the attempt did, then put the refusal alone on the audit trail."""
    uow.rollback()
    reason = exc.reason if isinstance(exc, Hidden) else str(exc)
    AuditChain(uow.session).append(actor, action, target, comment=reason, refused=True)
    uow.commit()


def run_read(
    uow: UnitOfWork,
    viewer: Actor | None,
    action: str,
    target: str,
    read: Callable[[Session], T],
) -> T:
    """Run a read in one transaction; a refusal (another unit's or zone's object) is put on
    the audit trail like a refused change, and raised. `viewer` None is the operator."""
    with uow:
        try:
            return read(uow.session)
        except (Refused, Hidden) as exc:
            record_refusal(uow, viewer, action, _canonical_target(uow.session, target), exc)
            raise


def _canonical_target(session: Session, target: str) -> str:
    """`003/5` as typed → `003_ae65…/5`, so a refusal shows in the measure's history."""
    if "/" not in target:
        return target
    try:
        measure = find_measure(session, target, None)  # the log names it whoever asked
    except (InputError, NotFound):
        return target
    return f"{measure.plan.key}/{measure.ref}"


def check_version(measure: Measure, expected: int | None) -> None:
    """A page or script that read version N may only act if nobody changed the measure since."""
    if expected is not None and measure.version_id != expected:
        raise Conflict(
            f"{measure.label}在您查看之后已被他人修改(版本 {expected} → {measure.version_id}),"
            "本次操作未生效;请重新查看后再试"
        )
