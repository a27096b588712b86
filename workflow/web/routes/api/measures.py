"""One measure: its detail and history, and the actions that move it along.

Each action is one service call with the signed-in actor and the measure's number: the
service checks in its one transaction that the person may open the measure and do this, and
answers the measure's new state and version (what the next action's `expected_version` is).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from workflow.clock import office_today
from workflow.domain.states import Rating, display_label, parse_rating
from workflow.read import history, worklist
from workflow.services import measure_work
from workflow.services.measure_work import Outcome
from workflow.web.api_models import (
    AcceptRequest,
    ActionRequest,
    ActionResult,
    HistoryEntry,
    MeasureDetail,
    MeasureHistory,
    PartRequest,
    ReturnRequest,
    SelfCheckRequest,
)
from workflow.web.routes.api.common import ACTION_ERRORS, OBJECT_ERRORS, Id, signed_in
from workflow.web.security import AppDep, ViewerDep

router = signed_in()


@router.get(
    "/measures/{measure_id}",
    summary="措施详情(清单、佐证材料、自查轮次、版本号)",
    response_model=MeasureDetail,
    responses=OBJECT_ERRORS,
)
def measure(measure_id: Id, viewer: ViewerDep, zc: AppDep) -> Any:
    return MeasureDetail.of(worklist.measure_detail(zc.uow(), viewer.actor, measure_id, office_today()))


@router.get(
    "/measures/{measure_id}/history",
    summary="措施的办理记录(审计日志,含被拒绝的操作)",
    response_model=MeasureHistory,
    responses=OBJECT_ERRORS,
)
def measure_history(measure_id: Id, viewer: ViewerDep, zc: AppDep) -> Any:
    title, lines = history.measure_history(zc.uow(), viewer.actor, measure_id, action="view_history")
    return MeasureHistory(
        id=measure_id,
        measure=title,
        entries=[HistoryEntry.model_validate(dataclasses.asdict(line)) for line in lines],
    )


def _result(outcome: Outcome) -> ActionResult:
    """The action and the measure as it is after it (state, label, version), read together."""
    return ActionResult(
        id=outcome.measure_id,
        ident=outcome.target,
        action=outcome.action,
        from_state=outcome.from_state.value,
        to_state=outcome.to_state.value,
        state=outcome.to_state.value,
        state_label=display_label(outcome.to_state, outcome.rectification_due),
        version=outcome.version,
        message=outcome.message,
    )


@router.post(
    "/measures/{measure_id}/start",
    summary="启动措施",
    response_model=ActionResult,
    responses=ACTION_ERRORS,
)
def start(measure_id: Id, viewer: ViewerDep, zc: AppDep, body: ActionRequest | None = None) -> Any:
    version = body.expected_version if body else None
    return _result(measure_work.start(zc.uow(), viewer.actor, measure_id, expected_version=version))


@router.post(
    "/measures/{measure_id}/part",
    summary="标记(或取消)本单位部分完成",
    response_model=ActionResult,
    responses=ACTION_ERRORS,
)
def part(measure_id: Id, body: PartRequest, viewer: ViewerDep, zc: AppDep) -> Any:
    return _result(
        measure_work.set_part(
            zc.uow(), viewer.actor, measure_id, done=body.done, expected_version=body.expected_version
        )
    )


def _ratings(given: dict[int, str]) -> dict[int, Rating]:
    return {number: parse_rating(text) for number, text in given.items()}


@router.post(
    "/measures/{measure_id}/self-check",
    summary="提交自查(牵头单位)",
    response_model=ActionResult,
    responses=ACTION_ERRORS,
)
def self_check(measure_id: Id, body: SelfCheckRequest, viewer: ViewerDep, zc: AppDep) -> Any:
    return _result(
        measure_work.submit_self_check(
            zc.uow(),
            viewer.actor,
            measure_id,
            statement=body.statement,
            ratings=_ratings(dict(body.ratings)),
            expected_version=body.expected_version,
        )
    )


@router.post(
    "/measures/{measure_id}/withdraw",
    summary="撤回自查(审核前,牵头单位)",
    response_model=ActionResult,
    responses=ACTION_ERRORS,
)
def withdraw(
    measure_id: Id, viewer: ViewerDep, zc: AppDep, body: ActionRequest | None = None
) -> Any:
    version = body.expected_version if body else None
    return _result(measure_work.withdraw(zc.uow(), viewer.actor, measure_id, expected_version=version))


@router.post(
    "/measures/{measure_id}/accept",
    summary="审核通过(最后一级通过即验收)",
    response_model=ActionResult,
    responses=ACTION_ERRORS,
)
def accept(measure_id: Id, body: AcceptRequest, viewer: ViewerDep, zc: AppDep) -> Any:
    return _result(
        measure_work.accept(
            zc.uow(),
            viewer.actor,
            measure_id,
            score=body.score,
            comment=body.comment,
            expected_version=body.expected_version,
        )
    )


@router.post(
    "/measures/{measure_id}/return",
    summary="退回整改(须写明意见)",
    response_model=ActionResult,
    responses=ACTION_ERRORS,
)
def return_for_rectification(
    measure_id: Id, body: ReturnRequest, viewer: ViewerDep, zc: AppDep
) -> Any:
    return _result(
        measure_work.return_for_rectification(
            zc.uow(),
            viewer.actor,
            measure_id,
            comment=body.comment,
            due=body.due,
            score=body.score,
            expected_version=body.expected_version,
        )
    )
