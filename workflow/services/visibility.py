"""The one visibility rule: which plans, units and people a person may see, as queries.

Every lookup by name or number and every listing asks here. `viewer` is the acting person,
or None for the deployment's operator at the command line without `--as` (who holds the
database anyway: imports, upgrades, whole-deployment reports). The rule itself (zone, office
role, unit; for an expert the plans of its panels, carried by its `Actor`) is plain code in
`workflow.domain.zones` and `workflow.domain.permissions`.

An object of a zone the viewer may not see is answered exactly like a missing one
(`Hidden`, a `NotFound`), so numbers and names cannot be probed across zones; the service
that catches it records the attempt on the audit trail.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.domain.permissions import Actor
from workflow.domain.zones import PlanZones, plan_zones
from workflow.errors import Hidden, NotFound
from workflow.models import Plan


def zones_of(plan: Plan) -> PlanZones:
    return plan_zones(plan.zone_id, list(plan.review_levels), dict(plan.level_zones or {}), plan_id=plan.id)


def sees(viewer: Actor | None, plan: Plan) -> bool:
    return viewer is None or viewer.sees(zones_of(plan))


def visible_plan_ids(session: Session, viewer: Actor | None) -> set[int] | None:
    """Ids of the plans `viewer` may see; None: every plan (the operator).

    Computed in Python over three small columns: the level assignments are JSON, which the
    two backends query differently, and a deployment holds hundreds of plans, not millions.
    """
    if viewer is None:
        return None
    rows = session.execute(select(Plan.id, Plan.zone_id, Plan.review_levels, Plan.level_zones))
    return {
        plan_id
        for plan_id, zone_id, levels, level_zones in rows
        if viewer.sees(plan_zones(zone_id, list(levels), dict(level_zones or {}), plan_id=plan_id))
    }


def require_plan(viewer: Actor | None, plan: Plan, missing: NotFound) -> Plan:
    """`plan`, or `Hidden` if not visible: worded and coded as `missing`, the not-found answer."""
    if not sees(viewer, plan):
        assert viewer is not None
        raise Hidden.like(
            missing, f"{viewer.describe()}不属于方案 {plan.key} 所在辖区或其审核辖区,无权查看或办理"
        )
    return plan


def zone_of_viewer(viewer: Actor | None) -> int | None:
    """The zone a viewer's unit and people lookups are confined to (None: any)."""
    return None if viewer is None else viewer.zone_id
