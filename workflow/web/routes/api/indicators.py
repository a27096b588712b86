"""A plan's indicators (量化指标) and the values units report for them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Form

from checklists import amounts
from workflow.read.indicators import plan_indicators as read_indicators
from workflow.services import indicators
from workflow.services.evidence import NewEvidence
from workflow.web.api_models import AmountText, IndicatorOut, IndicatorReported, error_responses
from workflow.web.routes.api.common import Files, Id, ItemNumber, Links, Note, signed_in, uploads
from workflow.web.security import AppDep, ViewerDep

router = signed_in()


@router.get(
    "/plans/{plan_id}/indicators",
    summary="方案的量化指标及最近填报值",
    response_model=list[IndicatorOut],
    responses=error_responses(404),
)
def plan_indicators(plan_id: Id, viewer: ViewerDep, zc: AppDep) -> Any:
    return [i.as_dict() for i in read_indicators(zc.uow(), viewer.actor, plan_id)]


@router.post(
    "/plans/{plan_id}/indicators/{number}/reports",
    summary="填报量化指标的实际值(须附文件或链接)",
    status_code=201,
    response_model=IndicatorReported,
    responses=error_responses(400, 403, 404, 413),
)
def report_indicator(
    plan_id: Id,
    number: ItemNumber,
    value: Annotated[
        AmountText,
        Form(
            min_length=1,
            max_length=amounts.MAX_TEXT_LENGTH,
            description=(
                f"数值,如 3600、8.2、6.8万;整数部分最多 {amounts.MAX_INTEGER_DIGITS} 位,"
                f"小数最多 {amounts.MAX_FRACTION_DIGITS} 位,有效数字最多 {amounts.MAX_SIGNIFICANT_DIGITS} 位"
            ),
        ),
    ],
    viewer: ViewerDep,
    zc: AppDep,
    as_of: Annotated[dt.date | None, Form(description="统计日期;不填为今天")] = None,
    files: Files = None,
    note: Note = "",
    link: Links = None,
) -> Any:
    result = indicators.report_value(
        zc.uow(),
        zc.store,
        viewer.actor,
        plan_id,
        number,
        value,
        as_of=as_of,
        evidence=NewEvidence(files=uploads(files), links=list(link or []), note=note),
    )
    reported = result["value"]
    assert isinstance(reported, Decimal)
    return IndicatorReported(
        metric=str(result["metric"]),
        value=amounts.as_number(reported),
        unit=str(result["unit"]),
        met=bool(result["met"]),
    )
