"""An expert's pages: its panels' plans, one plan's scoring sheet with a score form per leaf
indicator and the opinion form, and for the 组长 the consolidation and the finalising.

Thin routes over the services the CLI uses (`expert_scores`, `opinions`), with the signed-in
expert and the plan's number; every refusal comes back to the sheet as a Chinese notice (the
service has put it on the audit trail), a plan the expert may not see as the error page.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from checklists.indexsys.model import MAX_CODE_CHARS
from workflow.bootstrap import App
from workflow.errors import Conflict, InputError, Refused
from workflow.read.expert_sheet import expert_sheet, panel_plans
from workflow.services import accounts
from workflow.services.expert_scores import (
    MAX_COMMENT_CHARS,
    ExpertScoreSet,
    finalise_round,
    set_expert_score,
    set_panel_score,
)
from workflow.services.opinions import MAX_OPINION_CHARS, write_opinion
from workflow.web.marks import POINTS_CHARS, form_mark
from workflow.web.security import AppDep, Viewer, ViewerDep
from workflow.web.templating import redirect, render

router = APIRouter(include_in_schema=False)

# Errors the expert can fix or should just read, shown on the sheet; the rest is the error page.
SHEET_ERRORS = (Refused, InputError, Conflict)
VersionField = Annotated[int | None, Form(ge=1)]
CodeField = Annotated[str, Form(max_length=MAX_CODE_CHARS)]
PointsField = Annotated[str, Form(max_length=POINTS_CHARS)]
MetField = Annotated[str, Form(max_length=5)]
CommentField = Annotated[str, Form(max_length=MAX_COMMENT_CHARS)]


async def require_expert(request: Request, zc: AppDep, viewer: ViewerDep) -> Viewer:
    """The signed-in person, if an expert (else Refused, audited)."""
    if not viewer.actor.is_expert:
        reason = f"{viewer.actor.describe()}不是专家,无权使用专家评审页面"
        await run_in_threadpool(accounts.record_refusal, zc.uow(), viewer.actor, "expert_page", request.url.path, reason)
        raise Refused(reason)
    return viewer


ExpertDep = Annotated[Viewer, Depends(require_expert)]


def sheet_url(plan_id: int) -> str:
    return f"/expert/plans/{plan_id}"


def _act(plan_id: int, command: Callable[[], str]) -> Response:
    try:
        message = command()
    except SHEET_ERRORS as exc:
        if exc.code == "no_view":
            raise
        return redirect(sheet_url(plan_id), str(exc), kind="error")
    return redirect(sheet_url(plan_id), message)


def _said(points: Decimal) -> str:
    return format(points.normalize(), "f")


@router.get("/expert")
def expert_home(request: Request, zc: AppDep, viewer: ExpertDep) -> Response:
    return render(request, "expert_home.html", viewer, plans=panel_plans(zc.uow(), viewer.actor))


@router.get("/expert/plans/{plan_id}")
def expert_plan(request: Request, zc: AppDep, viewer: ExpertDep, plan_id: int) -> Response:
    sheet = expert_sheet(zc.uow(), viewer.actor, plan_id)
    return render(request, "expert_plan.html", viewer, sheet=sheet, max_opinion=MAX_OPINION_CHARS)


def _give(
    setter: Callable[..., ExpertScoreSet], verb: str, zc: App, viewer: Viewer, plan_id: int,
    code: str, points: str, met: str, comment: str, version: int | None,
) -> Response:  # fmt: skip
    """One mark from the sheet: the expert's own (`set_expert_score`) or the 组长's consolidated one."""

    def command() -> str:
        done = setter(zc.uow(), viewer.actor, plan_id, code, form_mark(points, met), comment, expected_version=version)
        return f"{verb} 指标 {done.label}:{_said(done.points)} 分(第 {done.round} 轮)"

    return _act(plan_id, command)


@router.post("/expert/plans/{plan_id}/score")
def score(
    zc: AppDep,
    viewer: ExpertDep,
    plan_id: int,
    code: CodeField = "",
    points: PointsField = "",
    met: MetField = "",
    comment: CommentField = "",
    version: VersionField = None,
) -> Response:
    return _give(set_expert_score, "已评分", zc, viewer, plan_id, code, points, met, comment, version)


@router.post("/expert/plans/{plan_id}/final")
def final(
    zc: AppDep,
    viewer: ExpertDep,
    plan_id: int,
    code: CodeField = "",
    points: PointsField = "",
    met: MetField = "",
    comment: CommentField = "",
    version: VersionField = None,
) -> Response:
    return _give(set_panel_score, "已汇总", zc, viewer, plan_id, code, points, met, comment, version)


@router.post("/expert/plans/{plan_id}/opinion")
def opinion(
    zc: AppDep,
    viewer: ExpertDep,
    plan_id: int,
    text: Annotated[str, Form(max_length=MAX_OPINION_CHARS + 1000)] = "",
    panel: Annotated[str, Form(max_length=5)] = "",
    version: VersionField = None,
) -> Response:
    def command() -> str:
        done = write_opinion(zc.uow(), viewer.actor, plan_id, text, panel=panel == "yes", expected_version=version)
        return f"已保存{'专家组意见' if done.panel else '专家意见'}({done.chars} 字)"

    return _act(plan_id, command)


@router.post("/expert/plans/{plan_id}/finalise")
def finalise(zc: AppDep, viewer: ExpertDep, plan_id: int) -> Response:
    def command() -> str:
        done = finalise_round(zc.uow(), viewer.actor, plan_id)
        return f"已确认第 {done.round} 轮专家评审:{_said(done.total)} 分,等次 {done.grade or '-'}"

    return _act(plan_id, command)

