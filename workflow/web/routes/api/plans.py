"""Plans and the lists over them: progress, measures, the 督办 list, a unit's worklist and the
office's review queue."""

from __future__ import annotations

import dataclasses
from typing import Any

from workflow.clock import office_today
from workflow.read import overdue, progress, review_queue, worklist
from workflow.read.plans import plan_summaries
from workflow.web.api_models import (
    MeasureRowOut,
    OverdueList,
    PlanStatus,
    PlanSummaryOut,
    QueueRowOut,
    WorkItemOut,
    error_responses,
)
from workflow.web.routes.api.common import Id, office_only, signed_in
from workflow.web.security import AppDep, ViewerDep

router = signed_in()


@router.get("/plans", summary="方案列表", response_model=list[PlanSummaryOut])
def plans(viewer: ViewerDep, zc: AppDep) -> Any:
    with zc.uow() as uow:
        return [dataclasses.asdict(s) for s in plan_summaries(uow.session, viewer.actor)]


@router.get(
    "/plans/{plan_id}",
    summary="方案推进情况(按状态、章节、单位统计,验收率、平均分、量化指标)",
    response_model=PlanStatus,
    responses=error_responses(404),
)
def plan_status(plan_id: Id, viewer: ViewerDep, zc: AppDep) -> Any:
    return progress.plan_status(zc.uow(), viewer.actor, plan_id, today=office_today()).as_dict()


@router.get(
    "/plans/{plan_id}/measures",
    summary="方案的措施列表(办公室:全部;单位成员:本单位负责的)",
    response_model=list[MeasureRowOut],
    responses=error_responses(404),
)
def plan_measures(plan_id: Id, viewer: ViewerDep, zc: AppDep) -> Any:
    _plan, rows = progress.plan_measures(zc.uow(), viewer.actor, plan_id, today=office_today())
    return [{**dataclasses.asdict(r), "overdue": [o.as_dict() for o in r.overdue]} for r in rows]


@router.get(
    "/plans/{plan_id}/overdue",
    summary="督办清单:逾期及即将到期的措施(仅办公室)",
    response_model=OverdueList,
    responses=error_responses(403, 404),
)
def plan_overdue(plan_id: Id, viewer: ViewerDep, zc: AppDep) -> Any:
    office_only(zc, viewer, "view_overdue", f"方案#{plan_id}", "督办清单")
    return overdue.overdue_list(zc.uow(), viewer.actor, plan_id, today=office_today()).as_dict()


@router.get(
    "/worklist",
    summary="本单位的待办措施(逾期、即将到期的在前)",
    response_model=list[WorkItemOut],
)
def unit_worklist(viewer: ViewerDep, zc: AppDep) -> Any:
    items = worklist.unit_worklist(zc.uow(), viewer.actor, office_today())
    return [
        {**dataclasses.asdict(i), "overdue": [o.as_dict() for o in i.overdue]} for i in items
    ]


@router.get(
    "/review-queue",
    summary="待审核的自查(仅办公室,提交早的在前)",
    response_model=list[QueueRowOut],
    responses=error_responses(403),
)
def office_review_queue(viewer: ViewerDep, zc: AppDep) -> Any:
    office_only(zc, viewer, "view_review_queue", "review-queue", "待审核清单")
    rows = review_queue.review_queue(zc.uow(), viewer.actor, office_today())
    return [dataclasses.asdict(r) for r in rows]
