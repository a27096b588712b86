"""Who may do what to which measure: plain rules over plain facts, no database."""

from __future__ import annotations

import pytest

from workflow.domain.permissions import (
    Actor,
    Responsibility,
    Work,
    authorize,
    level_refusal,
    refusal,
    refused,
)
from workflow.domain.states import Role
from workflow.domain.zones import PlanZones
from workflow.errors import Hidden, Refused

LEAD, CO, OTHER = 1, 2, 3
# 上海市 (1) → 嘉定区 (2); 宝山区 (3) is 嘉定区's sibling.
CITY, DISTRICT, SIBLING = 1, 2, 3
JIADING = PlanZones(zone_id=DISTRICT, level_zone_ids=(DISTRICT, CITY))  # 区级初审 → 市级验收

MEASURE = Responsibility(
    label="措施 003/3",
    lead_unit_ids=frozenset({LEAD}),
    unit_ids=frozenset({LEAD, CO}),
    zones=JIADING,
)
NO_UNITS = Responsibility(
    label="措施 003/S1", lead_unit_ids=frozenset(), unit_ids=frozenset(), zones=JIADING
)
UNMAPPED_GROUP = Responsibility(
    label="措施 003/1",
    lead_unit_ids=frozenset(),
    unit_ids=frozenset(),
    zones=JIADING,
    unmapped_groups=("区知识产权联席会议各成员单位",),
)


def member(
    unit_id: int | None, name: str = "张三", unit_name: str = "区市场监管局", zone: int = DISTRICT
) -> Actor:
    return Actor(id=1, name=name, role=Role.MEMBER, unit_id=unit_id, unit_name=unit_name, zone_id=zone)


def office(
    role: Role = Role.REVIEWER,
    unit_id: int | None = None,
    unit_name: str | None = None,
    zone: int = DISTRICT,
) -> Actor:
    return Actor(id=9, name="李审核", role=role, unit_id=unit_id, unit_name=unit_name, zone_id=zone)


def test_nobody_of_a_sibling_zone_sees_or_acts_on_a_measure_even_with_the_same_unit_id() -> None:
    for person in (member(LEAD, zone=SIBLING), office(zone=SIBLING), office(Role.ADMIN, zone=SIBLING)):
        for work in (Work.VIEW, Work.UNIT_WORK, Work.SUBMIT, Work.REVIEW):
            assert refusal(person, work, MEASURE) is not None
            with pytest.raises(Hidden) as caught:
                authorize(person, work, MEASURE)
            assert str(caught.value) == "找不到措施 003/3"  # what a missing measure would say
            assert "无权查看或办理" in caught.value.reason  # what the audit trail records


def test_the_office_of_a_zone_reviewing_a_level_sees_the_plan_but_does_no_unit_work() -> None:
    city = office(zone=CITY)
    assert refusal(city, Work.VIEW, MEASURE) is None
    assert refusal(city, Work.REVIEW, MEASURE) is None
    assert refusal(city, Work.UNIT_WORK, MEASURE) is not None
    # A city member is not a unit of the district's plan.
    with pytest.raises(Hidden):
        authorize(member(LEAD, zone=CITY), Work.VIEW, MEASURE)


def test_each_review_level_belongs_to_one_zones_office() -> None:
    district, city = office(zone=DISTRICT), office(zone=CITY)
    assert level_refusal(district, JIADING, "措施 003/3", 1, "区级初审") is None
    assert level_refusal(city, JIADING, "措施 003/3", 2, "市级验收") is None
    assert level_refusal(city, JIADING, "措施 003/3", 1, "区级初审") == (
        "李审核(领导小组办公室审核人)所在辖区不负责措施 003/3的“区级初审”,该层级由其他辖区的办公室审核"
    )
    assert level_refusal(district, JIADING, "措施 003/3", 2, "市级验收") is not None


def test_an_admin_administers_their_own_zone_only() -> None:
    admin = office(Role.ADMIN, zone=DISTRICT)
    assert refusal(admin, Work.ADMINISTER, zone_id=DISTRICT) is None
    assert refusal(admin, Work.ADMINISTER, zone_id=CITY) == (
        "李审核(领导小组办公室管理员)只能管理本辖区的人员、单位与方案"
    )


def test_a_lead_unit_member_may_do_unit_work_and_submit() -> None:
    assert refusal(member(LEAD), Work.UNIT_WORK, MEASURE) is None
    assert refusal(member(LEAD), Work.SUBMIT, MEASURE) is None
    authorize(member(LEAD), Work.SUBMIT, MEASURE)  # does not raise


def test_a_co_unit_member_may_do_unit_work_but_not_submit() -> None:
    co = member(CO, "王五", "区经委")
    assert refusal(co, Work.UNIT_WORK, MEASURE) is None
    assert refusal(co, Work.SUBMIT, MEASURE) == (
        "王五(区经委单位成员)所在单位不是措施 003/3的牵头单位,只有牵头单位可以提交或撤回自查"
    )
    with pytest.raises(Refused, match="只有牵头单位可以提交或撤回自查"):
        authorize(co, Work.SUBMIT, MEASURE)


@pytest.mark.parametrize("work", [Work.UNIT_WORK, Work.SUBMIT])
def test_a_member_of_another_unit_is_refused(work: Work) -> None:
    other = member(OTHER, "赵六", "区法院")
    assert refusal(other, work, MEASURE) == (
        "赵六(区法院单位成员)所在单位不是措施 003/3的责任单位,不能办理该措施"
    )


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.ADMIN])
@pytest.mark.parametrize("work", [Work.UNIT_WORK, Work.SUBMIT])
def test_an_office_person_cannot_do_unit_work(role: Role, work: Work) -> None:
    # Even an office person recorded under the lead unit does not act for it.
    for unit_id in (None, LEAD):
        reason = refusal(office(role, unit_id, "区市场监管局" if unit_id else None), work, MEASURE)
        assert reason is not None
        assert reason.endswith("是办公室人员,措施 003/3的推进与自查由责任单位成员办理")


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.ADMIN])
def test_the_office_may_review(role: Role) -> None:
    assert refusal(office(role), Work.REVIEW, MEASURE) is None
    assert refusal(office(role, OTHER, "区法院"), Work.REVIEW, MEASURE) is None


@pytest.mark.parametrize("unit_id", [LEAD, CO])
def test_a_reviewer_whose_unit_is_responsible_must_recuse(unit_id: int) -> None:
    reviewer = office(Role.REVIEWER, unit_id, "区市场监管局")
    assert refusal(reviewer, Work.REVIEW, MEASURE) == (
        "李审核(区市场监管局审核人)所在单位是措施 003/3的责任单位,须回避,不能审核该措施"
    )


def test_a_unit_member_cannot_review_even_their_own_measure() -> None:
    assert refusal(member(LEAD), Work.REVIEW, MEASURE) == (
        "张三(区市场监管局单位成员)不是审核人,只有领导小组办公室的审核人可以审核措施 003/3"
    )


def test_a_measure_without_units_is_refused_for_unit_work() -> None:
    assert refusal(member(LEAD), Work.UNIT_WORK, NO_UNITS) == (
        "措施 003/S1未写明责任单位,请办公室在方案目录中补充 units 后重新导入"
    )
    assert refusal(member(LEAD), Work.SUBMIT, NO_UNITS) is not None


def test_a_measure_of_an_unmapped_group_points_at_the_group_mapping() -> None:
    reason = refused(member(LEAD), Work.UNIT_WORK, UNMAPPED_GROUP)
    assert reason is not None
    assert str(reason) == "措施 003/1的责任单位“区知识产权联席会议各成员单位”尚未指定成员单位"
    # The CLI and the pages say how to map it, from the code and the groups named.
    assert (reason.code, reason.params["groups"]) == ("groups_unmapped", ["区知识产权联席会议各成员单位"])


def test_a_unit_outside_the_measure_may_not_even_open_it_and_hears_why() -> None:
    other = member(OTHER, "赵六", "区法院")
    reason = refused(other, Work.VIEW, MEASURE)
    assert reason is not None and reason.code == "no_view"
    assert str(reason) == "赵六(区法院单位成员)所在单位不是措施 003/3的责任单位,无权查看该措施及其佐证材料"
    # Where nobody it can recognise is named, opening is refused for the same reason as work.
    for measure, words in ((UNMAPPED_GROUP, "尚未指定成员单位"), (NO_UNITS, "未写明责任单位")):
        unopened = refused(member(LEAD), Work.VIEW, measure)
        assert unopened is not None and unopened.code == "no_view" and words in str(unopened)


def test_a_unit_outside_a_partly_mapped_measure_hears_about_the_unmapped_group() -> None:
    mixed = Responsibility(
        label="措施 003/4",
        lead_unit_ids=frozenset({LEAD}),
        unit_ids=frozenset({LEAD}),
        zones=JIADING,
        unmapped_groups=("区知识产权联席会议其他成员单位",),
    )
    reason = refusal(member(OTHER, "赵六", "区法院"), Work.UNIT_WORK, mixed)
    assert reason is not None
    assert reason.startswith("赵六(区法院单位成员)所在单位不是措施 003/4的责任单位")
    assert "“区知识产权联席会议其他成员单位”尚未指定成员单位" in reason
    assert refusal(member(LEAD), Work.UNIT_WORK, mixed) is None


def test_only_an_admin_may_administer() -> None:
    assert refusal(office(Role.ADMIN), Work.ADMINISTER) is None
    assert refusal(office(Role.REVIEWER), Work.ADMINISTER) == (
        "李审核(领导小组办公室审核人)不是管理员,无权进行此项管理操作"
    )
    assert refusal(member(LEAD), Work.ADMINISTER) == (
        "张三(区市场监管局单位成员)不是管理员,无权进行此项管理操作"
    )
    with pytest.raises(Refused):
        authorize(member(LEAD), Work.ADMINISTER)


PANEL_PLAN, OTHER_PLAN = 7, 8
ON_PANEL = Responsibility(
    label="措施 003/3",
    lead_unit_ids=frozenset({LEAD}),
    unit_ids=frozenset({LEAD, CO}),
    zones=PlanZones(DISTRICT, (DISTRICT, CITY), plan_id=PANEL_PLAN),
)
ANOTHER_PLAN = Responsibility(
    label="措施 000/13",
    lead_unit_ids=frozenset({LEAD}),
    unit_ids=frozenset({LEAD}),
    zones=PlanZones(DISTRICT, (DISTRICT,), plan_id=OTHER_PLAN),
)


def expert(plans: frozenset[int] = frozenset({PANEL_PLAN})) -> Actor:
    return Actor(
        id=20, name="赵专家", role=Role.EXPERT, unit_id=None, unit_name=None, zone_id=DISTRICT,
        organisation="上海市知识产权服务中心", panel_plan_ids=plans,
    )  # fmt: skip


def test_an_expert_sees_and_scores_its_panels_plan_and_nothing_else_of_its_zone() -> None:
    assert refusal(expert(), Work.VIEW, ON_PANEL) is None
    assert refusal(expert(), Work.SCORE, ON_PANEL) is None
    with pytest.raises(Hidden) as caught:  # a plan of the same zone, not its panel's
        authorize(expert(), Work.VIEW, ANOTHER_PLAN)
    assert str(caught.value) == "找不到措施 000/13"
    with pytest.raises(Hidden):  # a panel taken away: nothing left to see
        authorize(expert(frozenset()), Work.VIEW, ON_PANEL)
    assert expert().describe() == "赵专家(上海市知识产权服务中心专家)"


def test_an_expert_neither_does_unit_work_nor_reviews_and_only_experts_score() -> None:
    codes = {work: refused(expert(), work, ON_PANEL) for work in (Work.UNIT_WORK, Work.SUBMIT, Work.REVIEW)}
    assert {w: r.code for w, r in codes.items() if r} == {
        Work.UNIT_WORK: "expert_no_unit_work", Work.SUBMIT: "expert_no_unit_work", Work.REVIEW: "not_reviewer",
    }  # fmt: skip
    for person in (office(), office(Role.ADMIN), member(LEAD)):
        found = refused(person, Work.SCORE, ON_PANEL)
        assert found is not None and found.code == "not_expert"
    # Everyone else's rules are as they were: the office still reviews, the unit still works.
    assert refusal(office(), Work.REVIEW, ON_PANEL) is None and refusal(member(LEAD), Work.UNIT_WORK, ON_PANEL) is None
