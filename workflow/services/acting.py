"""Who is acting, on which measure, and the audited transaction every change runs in."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeAlias, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from checklists.kinds import UnitRole
from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor, Responsibility, Work, authorize
from workflow.domain.states import Role
from workflow.errors import Conflict, Hidden, InputError, NotFound, Refused
from workflow.models import Evidence, Measure, MeasureUnit, Person, Plan, Unit, UnitGroupMember
from workflow.read.plans import find_plan
from workflow.services.audit_log import AuditChain
from workflow.services.visibility import require_plan, zones_of

T = TypeVar("T")
# What an audited attempt is about, for the log: a name, or how to name it once the attempt's
# own reads are rolled back (a measure by number is logged as PLAN_KEY/REF, in its history).
Target: TypeAlias = str | Callable[[Session], str]


def no_actor() -> InputError:
    return InputError("未指定操作人", code="no_actor")


def person_required(actor: Actor | None) -> Actor:
    """The acting person; changes other than setting a deployment up need somebody."""
    if actor is None:
        raise no_actor()
    return actor


def find_person(session: Session, name: str | None) -> Person:
    if not name or not name.strip():
        raise no_actor()
    person = session.scalar(
        select(Person)
        .where(Person.name == name.strip())
        .options(joinedload(Person.unit), joinedload(Person.zone))
    )
    if person is None:
        raise NotFound(f"找不到人员“{name}”", code="person_missing", params={"name": name})
    if not person.active:
        raise Refused(f"人员“{name}”已停用", code="inactive")
    return person


def actor_of(person: Person) -> Actor:
    """The person as the rules see them (inside the session that loaded `person`: an
    expert's panel seats are read here, once per command or request)."""
    expert = person.role is Role.EXPERT
    return Actor(
        id=person.id,
        name=person.name,
        role=person.role,
        unit_id=person.unit_id,
        unit_name=person.unit.name if person.unit else None,
        zone_id=person.zone_id,
        zone_name=person.zone.name,
        organisation=person.organisation,
        panel_plan_ids=frozenset(seat.plan_id for seat in person.panel_seats) if expert else frozenset(),
    )


def resolve_actor(uow: UnitOfWork, name: str | None) -> Actor | None:
    """The person named at the command line (None: nobody named, the operator)."""
    if not name or not name.strip():
        return None
    with uow:
        return actor_of(find_person(uow.session, name))


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
            f"方案 {plan.key} 中没有编号为“{ref}”的措施", code="measure_missing", params={"plan": plan.key}
        )
    # The plan is at hand: spare every transition a lazy reload of it.
    set_committed_value(measure, "plan", plan)
    return measure


def measure_by_id(session: Session, viewer: Actor | None, measure_id: int) -> Measure:
    """Measure number `measure_id`, of a plan `viewer` sees (None: the operator, any plan).

    A missing number is NotFound; another zone's measure is Hidden in the very same words
    (the caller's audited transaction records the attempt). Whether the viewer's unit may
    open it is `open_measure_by_id`'s question.
    """
    measure = session.get(
        Measure,
        measure_id,
        options=[selectinload(Measure.unit_links).selectinload(MeasureUnit.unit), selectinload(Measure.plan)],
    )
    missing = NotFound(f"找不到编号为 {measure_id} 的措施")
    if measure is None:
        raise missing
    require_plan(viewer, measure.plan, missing)
    return measure


def open_measure_by_id(
    session: Session, viewer: Actor | None, measure_id: int
) -> tuple[Measure, MeasureUnits]:
    """Measure number `measure_id` with its units, if `viewer` may open it: the office of a
    zone that sees the plan, or a responsible unit (else Refused, code "no_view")."""
    measure = measure_by_id(session, viewer, measure_id)
    units = measure_units(session, measure)
    if viewer is not None:
        authorize(viewer, Work.VIEW, units.responsibility)
    return measure, units


def target_of(measure: Measure) -> str:
    """How the audit trail names a measure (its history is every entry with this target)."""
    return f"{measure.plan.key}/{measure.ref}"


def measure_target(measure_id: int) -> Callable[[Session], str]:
    def name(session: Session) -> str:
        measure = session.get(Measure, measure_id, options=[selectinload(Measure.plan)])
        return target_of(measure) if measure is not None else f"措施#{measure_id}"

    return name


def plan_target(plan_id: int) -> Callable[[Session], str]:
    def name(session: Session) -> str:
        plan = session.get(Plan, plan_id)
        return plan.key if plan is not None else f"方案#{plan_id}"

    return name


def evidence_target(evidence_id: int) -> Callable[[Session], str]:
    """A measure's evidence is logged under the measure (it shows in its history)."""

    def name(session: Session) -> str:
        evidence = session.get(Evidence, evidence_id, options=[selectinload(Evidence.measure)])
        if evidence is not None and evidence.measure is not None:
            return target_of(evidence.measure)
        return f"佐证材料#{evidence_id}"

    return name


def ident_target(ident: str) -> Callable[[Session], str]:
    """`003/5` as typed → `003_ae65…/5`, so a refusal shows in the measure's history."""

    def name(session: Session) -> str:
        try:
            measure = find_measure(session, ident, None)  # the log names it whoever asked
        except (InputError, NotFound):
            return ident
        return target_of(measure)

    return name


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
    actor: Actor | None,
    action: str,
    target: Target,
    work: Callable[[Session, AuditChain], T],
) -> T:
    """Run `work` in one transaction with the audit chain locked; commit, or roll back.

    `actor` is who acts (None: the operator, setting a deployment up). A refusal rolls
    everything back, then records the refusal alone and commits that, so the attempt is on
    record and nothing else changed.
    """
    with uow:
        chain = AuditChain(uow.session)
        try:
            result = work(uow.session, chain)
            uow.session.flush()
        except (Refused, Hidden) as exc:
            record_refusal(uow, actor, action, target, exc)
            raise
        except StaleDataError:
            raise Conflict("该措施刚被他人修改,本次操作未生效;请重新查看后再试") from None
        uow.commit()
        return result


def record_refusal(
    uow: UnitOfWork, actor: Actor | None, action: str, target: Target, exc: Refused | Hidden
) -> None:
    """Roll back what the attempt did, then put the refusal alone on the audit trail."""
    uow.rollback()
    reason = exc.reason if isinstance(exc, Hidden) else str(exc)
    name = target if isinstance(target, str) else target(uow.session)
    AuditChain(uow.session).append(actor, action, name, comment=reason, refused=True)
    uow.commit()


def run_read(
    uow: UnitOfWork,
    viewer: Actor | None,
    action: str,
    target: Target,
    read: Callable[[Session], T],
) -> T:
    """Run a read in one transaction; a refusal (another unit's or zone's object) is put on
    the audit trail like a refused change, and raised. `viewer` None is the operator."""
    with uow:
        try:
            return read(uow.session)
        except (Refused, Hidden) as exc:
            record_refusal(uow, viewer, action, target, exc)
            raise


def check_version(measure: Measure, expected: int | None) -> None:
    """A page or script that read version N may only act if nobody changed the measure since."""
    if expected is not None and measure.version_id != expected:
        raise Conflict(
            f"{measure.label}在您查看之后已被他人修改(版本 {expected} → {measure.version_id}),"
            "本次操作未生效;请重新查看后再试"
        )
