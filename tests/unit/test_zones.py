"""Zones: the jurisdiction an issuer names, and who sees a plan (plain rules, no database)."""

from __future__ import annotations

import pytest

from workflow.domain.zones import PlanZones, plan_zones, sees_plan, zone_path_from_issuer


@pytest.mark.parametrize(
    ("issuer", "path"),
    [
        ("上海市嘉定区人民政府", ["上海市", "嘉定区"]),
        ("中共江西省委办公厅 江西省人民政府办公厅", ["江西省"]),
        ("许昌市人民政府", ["许昌市"]),
        ("济南市人民政府", ["济南市"]),
        ("广西壮族自治区人民政府办公厅", ["广西壮族自治区"]),
        ("湖北省武汉市江岸区知识产权局", ["湖北省", "武汉市", "江岸区"]),
        ("浙江省长兴县人民政府", ["浙江省", "长兴县"]),
        ("果博东方(中国)官方网站 知识产权工作领导小组办公室", []),
        ("国务院办公厅", []),
        ("", []),
    ],
)
def test_the_zone_an_issuer_names_outermost_first(issuer: str, path: list[str]) -> None:
    assert zone_path_from_issuer(issuer) == path


def test_a_plan_is_seen_by_its_zone_and_by_the_offices_reviewing_its_levels() -> None:
    zones = plan_zones(2, ["区级初审", "市级验收"], {"市级验收": 1})
    assert zones == PlanZones(2, (2, 1))
    assert zones.level_zone_id(1) == 2 and zones.level_zone_id(2) == 1
    assert zones.level_zone_id(3) == 2  # a level beyond the list: the plan's own office
    assert sees_plan(2, is_office=True, plan=zones) and sees_plan(2, is_office=False, plan=zones)
    assert sees_plan(1, is_office=True, plan=zones)  # the city office reviews a level
    assert not sees_plan(1, is_office=False, plan=zones)  # city units have no part in it
    assert not sees_plan(3, is_office=True, plan=zones)  # a sibling district's office
