"""Who may do what to which measure. Plain rules over plain facts, shared by CLI and web.

A unit member acts only on measures their unit is responsible for (directly or as a member of
a group such as 各成员单位); only the lead unit submits or withdraws the self-check; only the
office (reviewers and admins) reviews, returns and reopens; and nobody reviews a measure their
own unit is responsible for.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from workflow.domain.states import ROLE_LABELS, Role
from workflow.domain.zones import PlanZones, sees_plan
from workflow.errors import Hidden, Refused


@dataclass(frozen=True)
class Actor:
    id: int
    name: str
    role: Role
    unit_id: int | None
    unit_name: str | None
    zone_id: int
    zone_name: str = ""

    @property
    def is_office(self) -> bool:
        return self.role in (Role.REVIEWER, Role.ADMIN)

    def describe(self) -> str:
        where = self.unit_name or "领导小组办公室"
        return f"{self.name}({where}{ROLE_LABELS[self.role]})"

    def sees(self, plan: PlanZones) -> bool:
        return sees_plan(self.zone_id, self.is_office, plan)


@dataclass(frozen=True)
class Responsibility:
    """A measure's responsible units, with groups already expanded to their member units."""

    label: str  # how messages name the measure, e.g. 措施 003/5
    lead_unit_ids: frozenset[int]
    unit_ids: frozenset[int]  # every responsible unit, lead included
    # The zones of the measure's plan: a person of another zone may not even see it.
    zones: PlanZones
    # Groups (各成员单位) the office has not mapped to member units yet: their members cannot
    # be recognised, so a refusal must point at the mapping rather than at the catalog.
    unmapped_groups: tuple[str, ...] = ()


class Work(StrEnum):
    UNIT_WORK = "unit_work"  # start, evidence, part done
    SUBMIT = "submit"  # submit or withdraw the self-check
    REVIEW = "review"  # accept, return, reopen
    ADMINISTER = "administer"  # people, groups, review levels
    VIEW = "view"  # open the measure, its evidence and its history


def authorize(
    actor: Actor,
    work: Work,
    measure: Responsibility | None = None,
    *,
    zone_id: int | None = None,
) -> None:
    """Raise `Refused` with the reason when `actor` may not do `work` (on `measure`, or for
    ADMINISTER in `zone_id`); `Hidden` when the measure is another zone's."""
    if measure is not None and not actor.sees(measure.zones):
        raise Hidden(
            f"找不到{measure.label}",
            f"{actor.describe()}不属于{measure.label}所在辖区或其审核辖区,无权查看或办理",
        )
    reason = refusal(actor, work, measure, zone_id=zone_id)
    if reason:
        raise Refused(reason)


def refusal(
    actor: Actor,
    work: Work,
    measure: Responsibility | None = None,
    *,
    zone_id: int | None = None,
) -> str | None:
    who = actor.describe()
    if work is Work.ADMINISTER:
        if actor.role is not Role.ADMIN:
            return f"{who}不是管理员,无权进行此项管理操作"
        if zone_id is not None and zone_id != actor.zone_id:
            return f"{who}只能管理本辖区的人员、单位与方案"
        return None
    assert measure is not None, "measure-level work needs the measure's responsibility"
    if not actor.sees(measure.zones):
        return f"{who}不属于{measure.label}所在辖区或其审核辖区,无权查看或办理"
    if work is Work.VIEW:
        # The office sees every measure; a unit sees only those it is responsible for.
        if actor.is_office or actor.unit_id in measure.unit_ids:
            return None
        return f"{who}所在单位不是{measure.label}的责任单位,无权查看该措施及其佐证材料"
    if work is Work.REVIEW:
        if not actor.is_office:
            return f"{who}不是审核人,只有领导小组办公室的审核人可以审核{measure.label}"
        if actor.unit_id is not None and actor.unit_id in measure.unit_ids:
            return f"{who}所在单位是{measure.label}的责任单位,须回避,不能审核该措施"
        return None
    if actor.role is not Role.MEMBER:
        return f"{who}是办公室人员,{measure.label}的推进与自查由责任单位成员办理"
    groups = "、".join(measure.unmapped_groups)
    mapping = f"“{groups}”尚未指定成员单位,请办公室先运行 zonecheck unit group"
    if not measure.unit_ids:
        if groups:
            return f"{measure.label}的责任单位{mapping}"
        return f"{measure.label}未写明责任单位,请办公室在方案目录中补充 units 后重新导入"
    if actor.unit_id not in measure.unit_ids:
        hint = f"(如本单位属于其中:{mapping})" if groups else ""
        return f"{who}所在单位不是{measure.label}的责任单位,不能办理该措施{hint}"
    if work is Work.SUBMIT and actor.unit_id not in measure.lead_unit_ids:
        return f"{who}所在单位不是{measure.label}的牵头单位,只有牵头单位可以提交或撤回自查"
    return None


def level_refusal(
    actor: Actor, zones: PlanZones, label: str, level: int, level_name: str
) -> str | None:
    """A review level belongs to one zone's office: the plan's own, or the one it was assigned to."""
    if zones.level_zone_id(level) == actor.zone_id:
        return None
    return f"{actor.describe()}所在辖区不负责{label}的“{level_name}”,该层级由其他辖区的办公室审核"
