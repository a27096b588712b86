"""A plan's expert panel (专家组): assigning and removing experts, the 组长, and review rounds.

Only an admin of a zone whose office works on the plan (its own, or one reviewing one of its
levels) manages the panel. Like a reviewer's recusal, an expert whose organisation (or unit)
is one of the plan's responsible units may not sit on its panel. The panel's rounds: the
first opens with the first seat; the 组长 finalises a round (`expert_scores.finalise`); the
office may then open the next for a re-review (复审). Scores and opinions stay with their round.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from checklists.unit_names import normalise_unit_name
from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor
from workflow.domain.states import Role
from workflow.errors import Conflict, Hidden, InputError, NotFound, Refused
from workflow.models import (
    ExpertOpinion,
    ExpertRound,
    ExpertScore,
    IndexIndicatorRow,
    IndexSystemRow,
    Measure,
    MeasureUnit,
    PanelScore,
    Person,
    Plan,
    PlanExpert,
    Unit,
    UnitAlias,
    UnitGroupMember,
)
from workflow.read.plans import plan_by_id
from workflow.services.acting import person_required, plan_target, run_audited
from workflow.services.audit_log import AuditChain
from workflow.services.visibility import zones_of

__all__ = ["MAX_PANEL", "PanelChange", "assign_expert", "current_round", "open_round", "remove_expert"]

# A panel is three to nine experts; the bound keeps consolidation's own limit (50) far away.
MAX_PANEL = 30
MAX_ROUNDS = 20  # review rounds of one plan: one or two in practice (index_systems.MAX_ROUND)


@dataclass(frozen=True)
class PanelChange:
    plan_key: str
    expert: str
    organisation: str
    leader: bool
    round: int  # the panel's current round


def may_manage_panel(session: Session, actor: Actor, plan_id: int) -> Plan:
    """The plan, if `actor` is an admin of a zone whose office works on it (another zone's
    plan reads as a missing one)."""
    plan = plan_by_id(session, actor, plan_id)
    who = actor.describe()
    if actor.role is not Role.ADMIN:
        raise Refused(f"{who}不是管理员,无权组织方案 {plan.key} 的专家组", code="not_admin")
    if actor.zone_id not in zones_of(plan).office_zone_ids:
        raise Refused(f"{who}所在辖区不负责方案 {plan.key} 的审核,无权组织其专家组", code="other_zone")
    return plan


def current_round(session: Session, plan_id: int) -> ExpertRound | None:
    """The plan's latest expert review round (None: no panel was ever formed)."""
    return session.scalar(
        select(ExpertRound).where(ExpertRound.plan_id == plan_id).order_by(ExpertRound.round.desc()).limit(1)
    )


def _expert(session: Session, plan: Plan, name: str) -> Person:
    """The expert account `name`, of a zone working on the plan (another's reads as missing)."""
    missing = NotFound(f"找不到人员“{name}”", code="person_missing", params={"name": name})
    person = session.scalar(select(Person).where(Person.name == name.strip()))
    if person is None:
        raise missing
    if person.zone_id not in zones_of(plan).office_zone_ids:
        raise Hidden.like(missing, f"人员“{person.name}”不属于负责方案 {plan.key} 审核的辖区")
    if person.role is not Role.EXPERT:
        raise Refused(
            f"“{person.name}”不是专家账号,只有专家可以进入专家组", code="not_expert_account", params={"name": person.name}
        )
    if not person.active:
        raise Refused(f"人员“{person.name}”已停用", code="inactive")
    return person


def responsible_unit_ids(session: Session, plan: Plan) -> set[int]:
    """Every unit responsible for a measure of the plan, groups' mapped members included."""
    direct = set(
        session.scalars(
            select(MeasureUnit.unit_id).join(Measure, Measure.id == MeasureUnit.measure_id).where(Measure.plan_id == plan.id)
        )
    )
    if not direct:
        return direct
    return direct | set(session.scalars(select(UnitGroupMember.member_id).where(UnitGroupMember.group_id.in_(direct))))


def conflicting_unit(session: Session, plan: Plan, expert: Person) -> str | None:
    """The name of the plan's responsible unit the expert works for (by its organisation or
    unit, named as that unit or one of its aliases in the plan's zone), or None."""
    names = {n for n in (expert.organisation, expert.unit.name if expert.unit else "") if n.strip()}
    if not names:
        return None
    spellings = names | {normalise_unit_name(n) for n in names}
    candidates = session.scalars(
        select(Unit)
        .outerjoin(UnitAlias, UnitAlias.unit_id == Unit.id)
        .where(Unit.zone_id == plan.zone_id, or_(Unit.name.in_(spellings), UnitAlias.alias.in_(spellings)))
    )
    responsible = responsible_unit_ids(session, plan)
    return next((u.name for u in candidates if u.id in responsible), None)


def _ensure_round(session: Session, plan: Plan, actor: Actor) -> ExpertRound:
    found = current_round(session, plan.id)
    if found is not None:
        return found
    first = ExpertRound(plan_id=plan.id, round=1, opened_by_id=actor.id)
    session.add(first)
    return first


def assign_expert(uow: UnitOfWork, actor: Actor | None, plan_id: int, name: str, *, leader: bool = False) -> PanelChange:
    """Seat expert `name` on plan `plan_id`'s panel (as its 组长 with `leader`; a seated
    expert is made 组长 so), unless its organisation is one of the plan's responsible units."""
    person = person_required(actor)
    if not name.strip() or len(name) > 100:
        raise InputError("专家姓名应为 1-100 个字符")

    def work(session: Session, chain: AuditChain) -> PanelChange:
        plan = may_manage_panel(session, person, plan_id)
        expert = _expert(session, plan, name)
        seat = session.scalar(select(PlanExpert).where(PlanExpert.plan_id == plan.id, PlanExpert.person_id == expert.id))
        if seat is not None and (seat.is_leader or not leader):
            raise Refused(f"{expert.name}已是方案 {plan.key} 专家组的成员", code="already_assigned")
        if seat is None:
            unit = conflicting_unit(session, plan, expert)
            if unit is not None:
                raise Refused(
                    f"专家{expert.name}所在的“{unit}”是方案 {plan.key} 的责任单位,须回避,不能进入该方案的专家组",
                    code="expert_conflict",
                    params={"unit": unit, "name": expert.name, "plan": plan.key},
                )
            seats = session.scalar(select(func.count()).where(PlanExpert.plan_id == plan.id)) or 0
            if seats >= MAX_PANEL:
                raise Refused(f"方案 {plan.key} 的专家组已有 {seats} 人,至多 {MAX_PANEL} 人", code="panel_full")
        if leader:
            other = session.scalar(
                select(Person).join(PlanExpert, PlanExpert.person_id == Person.id).where(
                    PlanExpert.plan_id == plan.id, PlanExpert.is_leader.is_(True)
                )
            )
            if other is not None:
                raise Refused(
                    f"方案 {plan.key} 的专家组已有组长{other.name},一个专家组只有一名组长",
                    code="leader_taken",
                    params={"plan": plan.key, "name": other.name},
                )
        if seat is None:
            seat = PlanExpert(plan_id=plan.id, person_id=expert.id, assigned_by_id=person.id, is_leader=leader)
            session.add(seat)
        else:
            seat.is_leader = True
        current = _ensure_round(session, plan, person)
        try:
            session.flush()
        except IntegrityError:  # the same expert, or another 组长, seated at the same moment
            raise Conflict(f"方案 {plan.key} 的专家组刚被他人修改,本次操作未生效;请重新查看后再试") from None
        role = "组长" if leader else "成员"
        chain.append(
            person,
            "expert_assign",
            plan.key,
            comment=f"{expert.name}({expert.organisation or '未填机构'})为专家组{role}",
            detail={"expert": expert.name, "organisation": expert.organisation, "leader": leader},
        )
        return PanelChange(plan.key, expert.name, expert.organisation, leader, current.round)

    return run_audited(uow, person, "expert_assign", plan_target(plan_id), work)


def remove_expert(uow: UnitOfWork, actor: Actor | None, plan_id: int, name: str) -> PanelChange:
    """Take expert `name` off the plan's panel, while it has neither scored nor written."""
    person = person_required(actor)

    def work(session: Session, chain: AuditChain) -> PanelChange:
        plan = may_manage_panel(session, person, plan_id)
        expert = _expert(session, plan, name)
        seat = session.scalar(select(PlanExpert).where(PlanExpert.plan_id == plan.id, PlanExpert.person_id == expert.id))
        if seat is None:
            raise Refused(f"{expert.name}不是方案 {plan.key} 专家组的成员", code="not_panel")
        if _has_work(session, plan, expert):
            raise Refused(
                f"{expert.name}已为方案 {plan.key} 评分或填写意见,不能移出专家组(其评分与意见须保留)",
                code="expert_has_work",
            )
        session.delete(seat)
        current = current_round(session, plan.id)
        chain.append(person, "expert_remove", plan.key, comment=f"{expert.name}移出专家组", detail={"expert": expert.name})
        return PanelChange(plan.key, expert.name, expert.organisation, seat.is_leader, current.round if current else 1)

    return run_audited(uow, person, "expert_remove", plan_target(plan_id), work)


def _has_work(session: Session, plan: Plan, expert: Person) -> bool:
    indicators = (
        select(IndexIndicatorRow.id)
        .join(IndexSystemRow, IndexSystemRow.id == IndexIndicatorRow.system_id)
        .where(IndexSystemRow.plan_id == plan.id)
    )
    return bool(
        session.scalar(
            select(
                exists().where(ExpertScore.expert_id == expert.id, ExpertScore.indicator_id.in_(indicators))
                | exists().where(PanelScore.person_id == expert.id, PanelScore.indicator_id.in_(indicators))
                | exists().where(ExpertOpinion.person_id == expert.id, ExpertOpinion.plan_id == plan.id)
            )
        )
    )


def open_round(uow: UnitOfWork, actor: Actor | None, plan_id: int) -> int:
    """Open the next expert review round (复审) once the 组长 finalised the current one."""
    person = person_required(actor)

    def work(session: Session, chain: AuditChain) -> int:
        plan = may_manage_panel(session, person, plan_id)
        current = current_round(session, plan.id)
        if current is None:
            raise Refused(f"方案 {plan.key} 尚未组建专家组,没有评审轮次", code="no_panel", params={"plan": plan.key})
        if current.finalised_at is None:
            raise Refused(
                f"方案 {plan.key} 第 {current.round} 轮专家评审尚未由组长确认,不能开启新一轮",
                code="round_open",
                params={"plan": plan.key},
            )
        if current.round >= MAX_ROUNDS:
            raise Refused(f"方案 {plan.key} 已进行 {current.round} 轮专家评审,至多 {MAX_ROUNDS} 轮", code="too_many_rounds")
        nxt = ExpertRound(plan_id=plan.id, round=current.round + 1, opened_by_id=person.id, opened_at=dt.datetime.now(dt.UTC))
        session.add(nxt)
        chain.append(person, "expert_round_open", plan.key, comment=f"开启第 {nxt.round} 轮专家评审", detail={"round": nxt.round})
        return nxt.round

    return run_audited(uow, person, "expert_round_open", plan_target(plan_id), work)
