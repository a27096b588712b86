"""The plan's 专家组 tab: the office reads the panel (members, 组长, rounds, each expert's
progress and opinions, the consolidated score); an admin of a zone working on the plan seats
and removes experts, names the 组长 and opens a re-review round (复审).

Thin routes over `workflow.services.experts` and `workflow.read.panel`, with the same rules
as the CLI (`expert assign/remove`, `score round --open`): every refusal is the service's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from workflow.errors import NotFound, ZonecheckError
from workflow.read.panel import panel_seats
from workflow.services.experts import assign_expert, open_round, remove_expert
from workflow.web.routes.office import OfficeDep
from workflow.web.security import AppDep
from workflow.web.templating import redirect, render

router = APIRouter(include_in_schema=False)

NameField = Annotated[str, Form(max_length=100)]


def panel_url(plan_id: int) -> str:
    return f"/office/plans/{plan_id}/panel"


def _act(plan_id: int, command: Callable[[], str]) -> Response:
    try:
        message = command()
    except NotFound as exc:
        if exc.code == "person_missing":
            return redirect(panel_url(plan_id), str(exc), kind="error")
        raise  # a missing plan, or another zone's: the error page, as for any page
    except ZonecheckError as exc:
        return redirect(panel_url(plan_id), str(exc), kind="error")
    return redirect(panel_url(plan_id), message)


@router.get("/office/plans/{plan_id}/panel")
def panel_page(request: Request, zc: AppDep, viewer: OfficeDep, plan_id: int) -> Response:
    seats = panel_seats(zc.uow(), viewer.actor, plan_id)
    return render(request, "office_panel.html", viewer, plan_id=plan_id, seats=seats, panel=seats.panel)


@router.post("/office/plans/{plan_id}/panel/assign")
def assign(
    zc: AppDep, viewer: OfficeDep, plan_id: int, name: NameField = "", leader: Annotated[str, Form(max_length=5)] = ""
) -> Response:
    def command() -> str:
        done = assign_expert(zc.uow(), viewer.actor, plan_id, name, leader=leader == "yes")
        role = "组长" if done.leader else "成员"
        return f"已将专家 {done.expert}({done.organisation or '未填机构'})加入专家组,任{role}"

    return _act(plan_id, command)


@router.post("/office/plans/{plan_id}/panel/remove")
def remove(zc: AppDep, viewer: OfficeDep, plan_id: int, name: NameField = "") -> Response:
    def command() -> str:
        done = remove_expert(zc.uow(), viewer.actor, plan_id, name)
        return f"已将专家 {done.expert} 移出专家组"

    return _act(plan_id, command)


@router.post("/office/plans/{plan_id}/panel/round")
def new_round(zc: AppDep, viewer: OfficeDep, plan_id: int) -> Response:
    def command() -> str:
        return f"已开启第 {open_round(zc.uow(), viewer.actor, plan_id)} 轮专家评审(复审)"

    return _act(plan_id, command)
