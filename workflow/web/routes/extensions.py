"""Extension (延期) and appeal (申诉) pages: a unit asks and appeals from its measure's page,
the office decides and answers on the plan's 延期与申诉 tab. Thin routes over
`workflow.services.extensions` and `workflow.services.appeals`, with the CLI's rules."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from workflow.clock import office_today
from workflow.domain.appeals import GROUND_LABELS, parse_ground
from workflow.domain.extensions import MAX_REASON
from workflow.errors import InputError
from workflow.read.extensions_appeals import plan_requests
from workflow.services import access
from workflow.services.appeals import answer_appeal, file_appeal
from workflow.services.extensions import decide_extension, request_extension, withdraw_extension
from workflow.web.routes.office import OfficeDep
from workflow.web.routes.office_reports import _date  # the reports' own, for alike forms
from workflow.web.routes.unit import act, measure_url
from workflow.web.security import AppDep, ViewerDep
from workflow.web.templating import render

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=MAX_REASON)]
ShortText = Annotated[str, Form(max_length=20)]
Number = Annotated[int, Form(ge=1, le=2**31 - 1)]


def tab_url(plan_id: int) -> str:
    return f"/office/plans/{plan_id}/extensions"


def _choice(text: str, field: str, yes: str, no: str) -> bool:
    if text not in (yes, no):
        raise InputError(f"{field}:请选择")
    return text == yes


# ------------------------------------------------------------------------- the unit's forms


@router.post("/measures/{measure_id}/extension")
def request_form(
    request: Request, zc: AppDep, viewer: ViewerDep, measure_id: int, due: ShortText = "", reason: Text = ""
) -> Response:
    def command() -> str:
        wanted = _date(due, "申请延期至")
        if wanted is None:
            raise InputError("申请延期至:请填写日期(YYYY-MM-DD)")
        return request_extension(zc.uow(), viewer.actor, measure_id, to=wanted, reason=reason, today=office_today()).message

    return act(request, measure_url(measure_id), command)


@router.post("/measures/{measure_id}/extension/withdraw")
def withdraw_form(request: Request, zc: AppDep, viewer: ViewerDep, measure_id: int, extension: Number) -> Response:
    return act(
        request,
        measure_url(measure_id),
        lambda: withdraw_extension(zc.uow(), viewer.actor, extension, measure_id=measure_id).message,
    )


@router.post("/measures/{measure_id}/appeal")
def appeal_form(
    request: Request, zc: AppDep, viewer: ViewerDep, measure_id: int, ground: ShortText = "", reason: Text = ""
) -> Response:
    def command() -> str:
        try:
            chosen = parse_ground(ground)
        except ValueError:
            raise InputError(f"申诉类别:应为 {'、'.join(GROUND_LABELS.values())} 之一") from None
        return file_appeal(zc.uow(), viewer.actor, measure_id, ground=chosen, reason=reason).message

    return act(request, measure_url(measure_id), command)


# ------------------------------------------------------------------------ the office's tab


@router.get("/office/plans/{plan_id}/extensions")
def extensions_page(request: Request, zc: AppDep, viewer: OfficeDep, plan_id: int) -> Response:
    plan = access.open_plan_id(zc.uow(), viewer.actor, plan_id, action="extensions")
    found = plan_requests(zc.uow(), viewer.actor, plan_id)
    return render(
        request,
        "office_extensions.html",
        viewer,
        plan_id=plan_id,
        plan=plan,
        pending=[e for e in found.extensions if e.open],
        decided=[e for e in found.extensions if not e.open],
        open_appeals=[a for a in found.appeals if a.open],
        answered=[a for a in found.appeals if not a.open],
        follow_up="follow_up",
    )


@router.post("/office/plans/{plan_id}/extensions/decide")
def decide_form(
    request: Request,
    zc: AppDep,
    viewer: OfficeDep,
    plan_id: int,
    extension: Number,
    decision: ShortText = "",
    due: ShortText = "",
    note: Text = "",
) -> Response:
    def command() -> str:
        approve = _choice(decision, "审批", "approve", "reject")
        to = _date(due, "批准延至") if approve else None
        return decide_extension(zc.uow(), viewer.actor, extension, approve=approve, note=note, to=to, plan_id=plan_id).message

    return act(request, tab_url(plan_id), command)


@router.post("/office/plans/{plan_id}/appeals/answer")
def answer_form(
    request: Request,
    zc: AppDep,
    viewer: OfficeDep,
    plan_id: int,
    appeal: Number,
    decision: ShortText = "",
    due: ShortText = "",
    note: Text = "",
) -> Response:
    def command() -> str:
        uphold = _choice(decision, "答复", "uphold", "dismiss")
        return answer_appeal(
            zc.uow(), viewer.actor, appeal, uphold=uphold, note=note, new_due=_date(due, "新的整改期限"), plan_id=plan_id
        ).message

    return act(request, tab_url(plan_id), command)
