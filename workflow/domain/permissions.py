"""Who may do what to which measure. Plain rules over plain facts, shared by CLI and web.

A unit member acts only on measures their unit is responsible for (directly or as a member of
a group such as 各成员单位); only the lead unit submits or withdraws the self-check; only the
office (reviewers and admins) reviews, returns and reopens; and nobody reviews a measure their
own unit is responsible for. An expert sees only the plans whose panel it sits on (all of
such a plan: every measure, evidence and history), scores them and does nothing else.
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
    # An expert's organisation (上海市知识产权服务中心) and the plans whose panel it sits on:
    # an expert sees those plans and nothing else of its zone.
    organisation: str = ""
    panel_plan_ids: frozenset[int] = frozenset()

    @property
    def is_office(self) -> bool:
        return self.role in (Role.REVIEWER, Role.ADMIN)

    @property
    def is_expert(self) -> bool:
        return self.role is Role.EXPERT

    def describe(self) -> str:
        if self.is_expert:
            return f"{self.name}({self.organisation}专家)" if self.organisation else f"{self.name}(专家)"
        where = self.unit_name or "领导小组办公室"
        return f"{self.name}({where}{ROLE_LABELS[self.role]})"

    def sees(self, plan: PlanZones) -> bool:
        if self.is_expert:
            return plan.plan_id is not None and plan.plan_id in self.panel_plan_ids
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
    SCORE = "score"  # an expert's scores and opinions on a plan of its panel


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
    reason = refused(actor, work, measure, zone_id=zone_id)
    if reason is not None:
        raise reason


def refusal(
    actor: Actor,
    work: Work,
    measure: Responsibility | None = None,
    *,
    zone_id: int | None = None,
) -> str | None:
    """Why `actor` may not do `work`, in words (for a page's "why not"); None: they may."""
    reason = refused(actor, work, measure, zone_id=zone_id)
    return None if reason is None else str(reason)


def refused(
    actor: Actor,
    work: Work,
    measure: Responsibility | None = None,
    *,
    zone_id: int | None = None,
) -> Refused | None:
    """The refusal (message, code and params) for `actor` doing `work`; None: they may."""
    who = actor.describe()
    if work is Work.ADMINISTER:
        if actor.role is not Role.ADMIN:
            return Refused(f"{who}不是管理员,无权进行此项管理操作", code="not_admin")
        if zone_id is not None and zone_id != actor.zone_id:
            return Refused(f"{who}只能管理本辖区的人员、单位与方案", code="other_zone")
        return None
    assert measure is not None, "measure-level work needs the measure's responsibility"
    label = measure.label
    if not actor.sees(measure.zones):
        return Refused(f"{who}不属于{label}所在辖区或其审核辖区,无权查看或办理", code="other_zone")
    if work is Work.SCORE or actor.is_expert:
        return expert_refusal(actor, work, measure.zones, label)
    if work is Work.REVIEW:
        if not actor.is_office:
            return Refused(
                f"{who}不是审核人,只有领导小组办公室的审核人可以审核{label}", code="not_reviewer"
            )
        if actor.unit_id is not None and actor.unit_id in measure.unit_ids:
            return Refused(
                f"{who}所在单位是{label}的责任单位,须回避,不能审核该措施", code="recuse"
            )
        return None
    if actor.is_office:
        if work is Work.VIEW:  # the office sees every measure of the plans it sees
            return None
        return Refused(
            f"{who}是办公室人员,{label}的推进与自查由责任单位成员办理", code="office_no_unit_work"
        )
    groups = list(measure.unmapped_groups)
    unmapped = f"“{'、'.join(groups)}”尚未指定成员单位"
    params = {"label": label, "groups": groups}
    if actor.unit_id not in measure.unit_ids:
        # A unit sees and works on only the measures it is responsible for; where the plan
        # names nobody it can recognise, the reason is the catalog or the group mapping. Not
        # seeing is its own code ("no_view"): there is nothing to do on such a measure.
        viewing = work is Work.VIEW
        if not measure.unit_ids:
            if groups:
                code = "no_view" if viewing else "groups_unmapped"
                return Refused(f"{label}的责任单位{unmapped}", code=code, params=params)
            return Refused(
                f"{label}未写明责任单位,请办公室在方案目录中补充 units 后重新导入",
                code="no_view" if viewing else "no_units",
                params=params,
            )
        hint = f"(如本单位属于其中:{unmapped})" if groups else ""
        if viewing:
            return Refused(
                f"{who}所在单位不是{label}的责任单位,无权查看该措施及其佐证材料{hint}",
                code="no_view",
                params=params,
            )
        return Refused(
            f"{who}所在单位不是{label}的责任单位,不能办理该措施{hint}",
            code="not_responsible",
            params=params,
        )
    if work is Work.SUBMIT and actor.unit_id not in measure.lead_unit_ids:
        return Refused(
            f"{who}所在单位不是{label}的牵头单位,只有牵头单位可以提交或撤回自查", code="not_lead"
        )
    return None


def expert_refusal(actor: Actor, work: Work, plan: PlanZones, label: str) -> Refused | None:
    """An expert reads and scores the plans of its panels, nothing more; only experts score."""
    who = actor.describe()
    if not actor.is_expert:
        if work is Work.SCORE:
            return Refused(f"{who}不是专家,只有该方案专家组的专家可以评分或填写专家意见", code="not_expert")
        return None
    if not actor.sees(plan):
        return Refused(f"{who}不是{label}所属方案专家组的成员,无权查看或评分", code="not_panel")
    if work in (Work.VIEW, Work.SCORE):
        return None
    if work is Work.REVIEW:
        return Refused(f"{who}是专家,不审核措施;专家按评价指标体系评分并填写意见", code="not_reviewer")
    return Refused(f"{who}是专家,{label}的推进与自查由责任单位成员办理", code="expert_no_unit_work")


def level_refusal(
    actor: Actor, zones: PlanZones, label: str, level: int, level_name: str
) -> str | None:
    """A review level belongs to one zone's office: the plan's own, or the one it was assigned to."""
    if zones.level_zone_id(level) == actor.zone_id:
        return None
    return f"{actor.describe()}所在辖区不负责{label}的“{level_name}”,该层级由其他辖区的办公室审核"


def site_check_refused(actor: Actor, zones: PlanZones, plan_label: str) -> Refused | None:
    """Who records and reads a plan's 现场核查: the office (reviewers and admins) of the plan's
    zone and of its review levels' zones, and the experts on the plan's panel, who make the
    visit; None: `actor` may."""
    if actor.is_office and actor.zone_id in zones.office_zone_ids:
        return None
    if actor.is_expert and actor.sees(zones):  # an expert sees only its panels' plans
        return None
    return Refused(
        f"{actor.describe()}不是{plan_label}所在辖区或其审核辖区的办公室人员或该方案的评审专家,无权记录或查看现场核查",
        code="not_site_checker",
    )
