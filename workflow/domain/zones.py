"""Zones (示范区/辖区): the jurisdictions one deployment holds, and who sees which plan.

Plain rules over plain facts. A plan belongs to one zone; its review levels are reviewed by
that zone's office unless a level is assigned to another zone's (district self-check → city
review → province acceptance). Reviewers and admins see the plans whose levels their zone's
office reviews; unit members see their own zone's plans (and of those, their unit's measures:
see `permissions`). Nobody sees a sibling zone's plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The zone an embedded, single-jurisdiction deployment gets when nobody names one.
DEFAULT_ZONE_NAME = "默认辖区"
MAX_ZONE_NAME = 100
MAX_ZONE_DEPTH = 8  # country → province → city → district → street is 5; room to spare

_HAN = r"[\u4e00-\u9fff]"
# 江西省 / 广西壮族自治区, then 上海市 / 恩施土家族苗族自治州, then 嘉定区 / 长兴县 / 义乌市.
_REGION = re.compile(
    rf"(?P<province>{_HAN}{{2,8}}?(?:省|自治区))?"
    rf"(?P<city>{_HAN}{{2,10}}?(?:市|自治州|地区|盟))?"
    rf"(?P<county>{_HAN}{{1,8}}?(?:区|县|自治县|旗|市))?"
)
_PARTY_PREFIX = re.compile(r"^中共|^中国共产党")


def zone_path_from_issuer(issuer: str) -> list[str]:
    """The jurisdiction named at the start of an issuer, outermost first.

    `上海市嘉定区人民政府` → [上海市, 嘉定区]; `中共江西省委办公厅 江西省人民政府办公厅` → [江西省];
    `许昌市人民政府` → [许昌市]; an issuer naming no region (a web site's spam) → [].
    """
    for part in issuer.split():
        text = _PARTY_PREFIX.sub("", part.strip())
        match = _REGION.match(text)
        if match is None:
            continue
        path = [g for g in (match["province"], match["city"], match["county"]) if g]
        if path:
            return path
    return []


@dataclass(frozen=True)
class PlanZones:
    """Which zones' offices work on a plan: its own, and the one reviewing each level."""

    zone_id: int
    level_zone_ids: tuple[int, ...] = ()  # per review level, in order
    # The plan itself, for those who see single plans rather than zones (an expert panel's
    # members); None where only the zones matter.
    plan_id: int | None = None

    @property
    def office_zone_ids(self) -> frozenset[int]:
        return frozenset((self.zone_id, *self.level_zone_ids))

    def level_zone_id(self, level: int) -> int:
        """The zone whose office reviews 1-based `level`."""
        if 1 <= level <= len(self.level_zone_ids):
            return self.level_zone_ids[level - 1]
        return self.zone_id


def plan_zones(
    zone_id: int, review_levels: list[str], level_zones: dict[str, int], *, plan_id: int | None = None
) -> PlanZones:
    return PlanZones(zone_id, tuple(int(level_zones.get(name, zone_id)) for name in review_levels), plan_id)


def sees_plan(zone_id: int, is_office: bool, plan: PlanZones) -> bool:
    """Whether someone of `zone_id` (office staff or not) may see the plan at all."""
    if is_office:
        return zone_id in plan.office_zone_ids
    return zone_id == plan.zone_id
