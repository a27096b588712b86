"""The CLI's one resolution step: `--as 姓名` to an actor, `PLAN` and `PLAN/REF` to ids.

The services take ids and an actor; only the command line deals in names. A name of another
zone's object is answered like a missing one, and the attempt audited as the command's
action (`access`), before the service runs.
"""

from __future__ import annotations

import click

from workflow.cli.main import get_app, viewer
from workflow.domain.permissions import Actor
from workflow.services import access
from workflow.services.acting import no_actor


def acting(ctx: click.Context) -> Actor:
    """Who acts: the person of --as (or ZONECHECK_USER); a change needs somebody."""
    actor = viewer(ctx)
    if actor is None:
        raise no_actor()
    return actor


def measure_of(ctx: click.Context, who: Actor | None, ident: str, action: str) -> access.MeasureRef:
    """The measure `PLAN/REF` names, among the plans `who` sees."""
    return access.resolve_measure(get_app(ctx).uow(), who, ident, action=action)


def plan_of(ctx: click.Context, who: Actor | None, ident: str, action: str) -> access.PlanRef:
    """The plan `ident` (key, unique key prefix, document number or id) names."""
    return access.open_plan(get_app(ctx).uow(), who, ident, action=action)
