"""The rules of a 现场核查 record, without a database: dates against the plan's period and
today, every list and text bounded, refusals naming the field; and who may record one."""

from __future__ import annotations

import datetime as dt

import pytest

from workflow.domain.obligations import PlanPeriod
from workflow.domain.permissions import Actor, site_check_refused
from workflow.domain.site_checks import (
    MAX_PHOTOS,
    Participant,
    Sample,
    SiteCheckDraft,
    SiteCheckInvalid,
    check_date,
    check_draft,
    check_photo,
)
from workflow.domain.states import Role
from workflow.domain.zones import PlanZones

PERIOD = PlanPeriod(dt.date(2023, 6, 30), dt.date(2024, 4, 30))
TODAY = dt.date(2024, 12, 1)


def draft(**changes: object) -> SiteCheckDraft:
    fields: dict[str, object] = {
        "held_on": dt.date(2024, 4, 20),
        "place": " 区政府 ",
        "participants": (Participant(" 李教授 ", "组长"),),
        "documents": ("纪要",),
        "samples": (Sample("某企业", "制度", "已建立"),),
        **changes,
    }
    return SiteCheckDraft(**fields)  # type: ignore[arg-type]


def test_a_good_draft_comes_back_trimmed() -> None:
    checked = check_draft(draft(), PERIOD, TODAY)
    assert checked.place == "区政府" and checked.participants == (Participant("李教授", "组长"),)


@pytest.mark.parametrize(
    ("day", "said"),
    [
        (dt.date(2023, 6, 29), "早于方案起始日 2023-06-30"),
        (dt.date(2024, 12, 2), "晚于今天 2024-12-01"),
    ],
)
def test_a_date_before_the_plan_or_in_the_future_is_refused(day: dt.date, said: str) -> None:
    with pytest.raises(SiteCheckInvalid, match=said) as refused:
        check_date("核查日期", day, PERIOD, TODAY)
    assert refused.value.field == "核查日期"


def test_a_visit_may_follow_the_plans_end_by_two_years_but_not_more() -> None:
    later = dt.date(2030, 1, 1)
    assert check_date("核查日期", dt.date(2026, 4, 30), PERIOD, later) == dt.date(2026, 4, 30)
    with pytest.raises(SiteCheckInvalid, match="两年以上"):
        check_date("核查日期", dt.date(2026, 5, 1), PERIOD, later)
    open_period = PlanPeriod(None, None)
    assert check_date("核查日期", dt.date(2000, 1, 1), open_period, later) == dt.date(2000, 1, 1)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"place": "一\n二"}, "核查地点"),
        ({"participants": (Participant("李教授", "x" * 51),)}, "参加人员"),
        ({"unit_ids": (3, 3)}, "走访单位"),
        ({"unit_ids": (2**63,)}, "走访单位"),
        ({"unit_ids": tuple(range(51))}, "走访单位"),
        ({"documents": tuple(str(n) for n in range(101))}, "查阅材料"),
        ({"samples": (Sample("某企业", "制度", "x" * 501),)}, "抽查情况"),
        ({"conclusion": "达" * 101}, "核查结论"),
    ],
)
def test_each_bound_is_refused_naming_its_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(SiteCheckInvalid) as refused:
        check_draft(draft(**changes), PERIOD, TODAY)
    assert refused.value.field == field and str(refused.value).startswith(f"现场核查的“{field}”")


def test_a_photo_is_a_jpeg_or_png_with_a_caption_and_a_check_holds_a_bounded_number() -> None:
    assert check_photo(" 台账 ", "jpg", 0) == "台账"
    with pytest.raises(SiteCheckInvalid, match="只接受 JPEG 或 PNG"):
        check_photo("台账", "pdf", 0)
    with pytest.raises(SiteCheckInvalid, match=f"至多 {MAX_PHOTOS} 张"):
        check_photo("台账", "png", MAX_PHOTOS)
    with pytest.raises(SiteCheckInvalid, match="“照片说明”不能为空"):
        check_photo(" ", "png", 0)


def person(role: Role, zone: int) -> Actor:
    return Actor(id=1, name="某人", role=role, unit_id=None, unit_name=None, zone_id=zone)


def test_the_office_of_the_plans_zone_and_of_its_review_levels_records_checks() -> None:
    zones = PlanZones(zone_id=2, level_zone_ids=(2, 1))  # the district's plan, 市级验收 by the city
    assert site_check_refused(person(Role.REVIEWER, 2), zones, "方案 003") is None
    assert site_check_refused(person(Role.ADMIN, 1), zones, "方案 003") is None
    refused = site_check_refused(person(Role.MEMBER, 2), zones, "方案 003")
    assert refused is not None and refused.code == "not_site_checker"
    assert site_check_refused(person(Role.ADMIN, 3), zones, "方案 003") is not None
