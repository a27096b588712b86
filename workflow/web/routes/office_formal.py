"""The formal review pages (形式审查): the office opens a plan's review, reads every unit's gaps,
downloads each unit's one-time notice, follows the supplies and closes it; a unit reads its
own notice. Thin routes over `workflow.services.formal_review`, `reports.formal_notices` and
`workflow.read.formal_review`, with the same rules as the CLI."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from reports.formal_notices import issue_formal_notices
from reports.render import Renderer
from workflow.clock import office_today
from workflow.domain.workdays import MAX_WORKING_DAYS
from workflow.errors import InputError, NotFound, ZonecheckError
from workflow.read.formal_review import formal_status, unit_notices
from workflow.services import access
from workflow.services.formal_review import (
    DEFAULT_WORKING_DAYS,
    close_formal_review,
    open_formal_review,
    recheck_gaps,
)
from workflow.web.routes.office import OfficeDep
from workflow.web.routes.office_reports import _date  # the reports' own, for alike forms
from workflow.web.routes.office_reports import _send as send_file
from workflow.web.security import AppDep, ViewerDep
from workflow.web.templating import redirect, render

router = APIRouter(include_in_schema=False)


def _page(plan_id: int) -> str:
    return f"/office/plans/{plan_id}/formal"


@router.get("/office/plans/{plan_id}/formal")
def formal_page(request: Request, zc: AppDep, viewer: OfficeDep, plan_id: int) -> Response:
    plan = access.open_plan_id(zc.uow(), viewer.actor, plan_id, action="formal_status")
    status = formal_status(zc.uow(), viewer.actor, plan_id)
    recheck = recheck_gaps(zc.uow(), zc.store, viewer.actor, plan_id)
    return render(
        request,
        "office_formal.html",
        viewer,
        plan_id=plan_id,
        plan=plan,
        status=status,
        recheck=recheck,
        still_open={u.unit: len(u.open) for u in recheck.units},
        today=office_today(),
        default_days=DEFAULT_WORKING_DAYS,
        max_days=MAX_WORKING_DAYS,
    )


def _days(text: str) -> int:
    try:
        days = int(text.strip() or DEFAULT_WORKING_DAYS)
    except ValueError:
        raise InputError(f"补正期限:应为 1 至 {MAX_WORKING_DAYS} 的整数(工作日),收到“{text[:20]}”") from None
    return days


@router.post("/office/plans/{plan_id}/formal/open")
def open_review(
    zc: AppDep,
    viewer: OfficeDep,
    plan_id: int,
    days: Annotated[str, Form(max_length=10)] = "",
    today: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    try:
        opened = open_formal_review(zc.uow(), zc.store, viewer.actor, plan_id, days=_days(days), today=_date(today, "告知日期"))
    except NotFound:
        raise  # a missing plan, or another zone's: the error page, as for any page
    except ZonecheckError as exc:
        return redirect(_page(plan_id), str(exc), kind="error")
    told = sum(len(u.gaps) for u in opened.units)
    return redirect(
        _page(plan_id),
        f"已开始形式审查:{len(opened.units)} 个单位共 {told} 项缺漏,补正期限 {opened.deadline.isoformat()}",
    )


@router.post("/office/plans/{plan_id}/formal/notice")
def download_notice(
    zc: AppDep,
    viewer: OfficeDep,
    plan_id: int,
    unit: Annotated[str, Form(max_length=200)] = "",
    number: Annotated[str, Form(max_length=60)] = "",
    office: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    folder = Path(tempfile.mkdtemp(prefix="zc-notice-"))
    try:
        if not unit.strip():
            raise InputError("单位:请选择要发告知书的单位")
        [issued] = issue_formal_notices(
            zc.uow(),
            Renderer(zc.settings.home / "templates"),
            viewer.actor,
            plan_id,
            folder,
            office=office.strip() or None,
            number_prefix=number.strip() or None,
            unit=unit.strip(),
        )
    except ZonecheckError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        if isinstance(exc, NotFound):
            raise
        return redirect(_page(plan_id), str(exc), kind="error")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return send_file(issued.path, folder)


@router.post("/office/plans/{plan_id}/formal/close")
def close_review(zc: AppDep, viewer: OfficeDep, plan_id: int) -> Response:
    try:
        closed = close_formal_review(zc.uow(), viewer.actor, plan_id)
    except NotFound:
        raise  # a missing plan, or another zone's: the error page, as for any page
    except ZonecheckError as exc:
        return redirect(_page(plan_id), str(exc), kind="error")
    tail = ",自评分不再修改" if closed.self_scoring_closed else ""
    return redirect(_page(plan_id), f"形式审查已结束{tail};此后提交的材料将标记为逾期")


@router.get("/unit/formal")
def unit_formal_page(request: Request, zc: AppDep, viewer: ViewerDep) -> Response:
    if viewer.is_office:
        return redirect("/office")
    return render(
        request, "unit_formal.html", viewer, notices=unit_notices(zc.uow(), viewer.actor), today=office_today()
    )
