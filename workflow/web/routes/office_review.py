"""The review queue and the review page: the office accepts a self-check or returns it.

The verdicts are `measure_work.accept` and `return_for_rectification`, which check the
reviewer (may they open the measure at all, recusal, a second level by someone else), the
state and the version, and audit a refusal. A refused or conflicting verdict comes back to the
review page as a notice; a measure that is missing or another zone's gets the 404 page.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from workflow.clock import office_today
from workflow.errors import Conflict, InputError, Refused
from workflow.read.review_queue import review_detail, review_queue
from workflow.services import measure_work
from workflow.web.routes.office import OfficeDep
from workflow.web.security import AppDep
from workflow.web.templating import redirect, render

router = APIRouter(include_in_schema=False)

MAX_COMMENT = 5000
# What a verdict may be refused for and the reviewer should read on the review page.
VERDICT_ERRORS = (Refused, InputError, Conflict)


@router.get("/office/review")
def queue_page(request: Request, zc: AppDep, viewer: OfficeDep) -> Response:
    rows = review_queue(zc.uow(), viewer.actor, office_today())
    return render(request, "office_review_queue.html", viewer, rows=rows)


@router.get("/office/review/{measure_id}")
def review_page(request: Request, zc: AppDep, viewer: OfficeDep, measure_id: int) -> Response:
    detail = review_detail(zc.uow(), viewer.actor, measure_id)
    return render(
        request,
        "office_review.html",
        viewer,
        d=detail,
        m=detail.measure,
        default_due=office_today() + dt.timedelta(days=detail.rectification_days),
        today=office_today(),
    )


def _score(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or not 0 <= int(text) <= 100:
        raise ValueError
    return int(text)


def _back(measure_id: int, message: str) -> Response:
    return redirect(f"/office/review/{measure_id}", message, kind="error")


@router.post("/office/review/{measure_id}/accept")
def accept(
    zc: AppDep,
    viewer: OfficeDep,
    measure_id: int,
    version: Annotated[int, Form()],
    comment: Annotated[str, Form(max_length=MAX_COMMENT)] = "",
    score: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    try:
        points = _score(score)
    except ValueError:
        return _back(measure_id, f"评分:应为 0 到 100 之间的整数,收到“{score}”")
    try:
        outcome = measure_work.accept(
            zc.uow(), viewer.actor, measure_id, score=points, comment=comment, expected_version=version
        )
    except VERDICT_ERRORS as exc:  # refused (audited by the service), conflict, bad input
        return _back(measure_id, str(exc))
    return redirect("/office/review", outcome.message)


@router.post("/office/review/{measure_id}/return")
def return_for_rectification(
    zc: AppDep,
    viewer: OfficeDep,
    measure_id: int,
    version: Annotated[int, Form()],
    comment: Annotated[str, Form(max_length=MAX_COMMENT)] = "",
    due: Annotated[str, Form(max_length=20)] = "",
    score: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    if not comment.strip():
        return _back(measure_id, "审核意见:退回整改须写明整改意见")
    try:
        deadline = dt.date.fromisoformat(due.strip()) if due.strip() else None
    except ValueError:
        return _back(measure_id, f"整改期限:应为 YYYY-MM-DD 格式的日期,收到“{due}”")
    try:
        points = _score(score)
    except ValueError:
        return _back(measure_id, f"评分:应为 0 到 100 之间的整数,收到“{score}”")
    try:
        outcome = measure_work.return_for_rectification(
            zc.uow(),
            viewer.actor,
            measure_id,
            comment=comment,
            due=deadline,
            score=points,
            today=office_today(),
            expected_version=version,
        )
    except VERDICT_ERRORS as exc:
        return _back(measure_id, str(exc))
    return redirect("/office/review", outcome.message)
