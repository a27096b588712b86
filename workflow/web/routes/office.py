"""The leading office's pages: plans and their progress, the 督办 list, the measures of a plan.

Every office page takes `OfficeDep`: a unit member is refused (and the refusal audited) before
anything is read. The review pages, administration and reports live in office_review.py,
office_admin.py and office_reports.py; the helpers they share are here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from workflow.bootstrap import App
from workflow.clock import office_today
from workflow.domain.permissions import Work, refusal
from workflow.domain.states import DISPLAY_LABELS, DisplayState, MeasureState
from workflow.errors import Refused
from workflow.read import overdue, progress
from workflow.read import plans as plan_reads
from workflow.services import access, accounts
from workflow.web.security import AppDep, Viewer, ViewerDep
from workflow.web.templating import render

router = APIRouter(include_in_schema=False)

async def require_office(request: Request, zc: AppDep, viewer: ViewerDep) -> Viewer:
    """The signed-in person, if they belong to the leading office (else Refused, audited)."""
    if not viewer.is_office:
        reason = f"{viewer.actor.describe()}不是领导小组办公室人员,无权使用办公室页面"
        await run_in_threadpool(
            accounts.record_refusal, zc.uow(), viewer.actor, "office_page", request.url.path, reason
        )
        raise Refused(reason)
    return viewer


OfficeDep = Annotated[Viewer, Depends(require_office)]


async def require_admin(request: Request, zc: AppDep, viewer: OfficeDep) -> Viewer:
    """An office member with the admin role; reading the people pages is administration too."""
    reason = refusal(viewer.actor, Work.ADMINISTER)
    if reason:
        await run_in_threadpool(
            accounts.record_refusal, zc.uow(), viewer.actor, "admin_page", request.url.path, reason
        )
        raise Refused(reason)
    return viewer


AdminDep = Annotated[Viewer, Depends(require_admin)]


def plan_key_of(zc: App, viewer: Viewer, plan_id: int) -> str:
    """The key of plan number `plan_id`, if the viewer may see it (else NotFound, alike for a
    missing plan and another zone's), for the reports, which name plans by key (never by a
    guessable prefix)."""
    return access.open_plan_id(zc.uow(), viewer.actor, plan_id).key


# ----------------------------------------------------------------------------- progress bars

# The order states are stacked in: from not started to done; 整改中 split from 推进中.
BAR_STATES = [s.value for s in DisplayState]
BAR_LABELS = {s.value: label for s, label in DISPLAY_LABELS.items()}


@dataclass(frozen=True)
class Segment:
    state: str
    label: str
    count: int
    x: float  # percent of the bar's width
    width: float


def segments(by_state: dict[str, int]) -> list[Segment]:
    """Stacked-bar segments from counts by state (with or without a separate 整改中 count)."""
    counts = {s: int(by_state.get(s, 0)) for s in BAR_STATES}
    # plan_status counts 整改中 measures also under 推进中; show them once.
    counts["in_progress"] = max(0, counts["in_progress"] - counts["rectifying"])
    total = sum(counts.values())
    out = []
    x = 0.0
    for state in BAR_STATES:
        n = counts[state]
        if n == 0 or total == 0:
            continue
        width = 100.0 * n / total
        out.append(Segment(state, BAR_LABELS[state], n, round(x, 3), round(width, 3)))
        x += width
    return out


def legend() -> list[tuple[str, str]]:
    return [(s, BAR_LABELS[s]) for s in BAR_STATES]


def bar_context() -> dict[str, Any]:
    return {"segments": segments, "legend": legend()}


# ------------------------------------------------------------------------------------- pages


@router.get("/office")
def office_home(request: Request, zc: AppDep, viewer: OfficeDep) -> Response:
    with zc.uow() as uow:
        plans = plan_reads.plan_summaries(uow.session, viewer.actor)
    return render(request, "office_home.html", viewer, plans=plans, **bar_context())


@router.get("/office/plans/{plan_id}")
def office_plan(request: Request, zc: AppDep, viewer: OfficeDep, plan_id: int) -> Response:
    status = progress.plan_status(zc.uow(), viewer.actor, plan_id, today=office_today())
    return render(
        request,
        "office_plan.html",
        viewer,
        plan_id=plan_id,
        status=status,
        states=[s.value for s in MeasureState],
        state_labels=BAR_LABELS,
        **bar_context(),
    )


@router.get("/office/plans/{plan_id}/measures")
def office_measures(
    request: Request, zc: AppDep, viewer: OfficeDep, plan_id: int, state: str = ""
) -> Response:
    today = office_today()
    plan, rows = progress.plan_measures(zc.uow(), viewer.actor, plan_id, today=today)
    state = state if state in BAR_LABELS else ""  # an unknown filter shows everything
    shown = [r for r in rows if not state or r.display_state == state]
    return render(
        request,
        "office_measures.html",
        viewer,
        plan_id=plan_id,
        title=plan.title,
        rows=shown,
        total=len(rows),
        state=state,
        state_labels=BAR_LABELS,
        today=today,
    )


@router.get("/office/plans/{plan_id}/overdue")
def office_overdue(request: Request, zc: AppDep, viewer: OfficeDep, plan_id: int) -> Response:
    listing = overdue.overdue_list(zc.uow(), viewer.actor, plan_id, today=office_today())
    return render(request, "office_overdue.html", viewer, plan_id=plan_id, listing=listing)
