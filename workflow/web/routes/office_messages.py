"""The office's view of deliveries (消息记录): the zone's messages with their status, channel,
attempts and error, the failed ones on their own; and an admin setting a person's e-mail,
DingTalk and WeCom userids. Thin routes over read.messages and services.contacts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from workflow.errors import Refused, ZonecheckError
from workflow.notify.rules import MAX_EMAIL, MAX_USERID, MessageStatus
from workflow.read.messages import list_messages
from workflow.services.contacts import Contacts, set_contacts
from workflow.web.routes.office import AdminDep, OfficeDep
from workflow.web.security import AppDep
from workflow.web.templating import redirect, render

router = APIRouter(include_in_schema=False)

MESSAGES = "/office/messages"
PEOPLE = "/office/people"
FAILED = (MessageStatus.FAILED, MessageStatus.GAVE_UP)


@router.get(MESSAGES)
def messages_page(
    request: Request, zc: AppDep, viewer: OfficeDep, failed: Annotated[int, Query(ge=0, le=1)] = 0
) -> Response:
    views = list_messages(zc.uow(), viewer.actor, statuses=FAILED if failed else ())
    return render(request, "office_messages.html", viewer, messages=views, failed_only=bool(failed))


@router.post(f"{PEOPLE}/contacts")
def person_contacts(
    zc: AppDep,
    viewer: AdminDep,
    name: Annotated[str, Form(max_length=100)] = "",
    email: Annotated[str, Form(max_length=MAX_EMAIL)] = "",
    dingtalk: Annotated[str, Form(max_length=MAX_USERID)] = "",
    wecom: Annotated[str, Form(max_length=MAX_USERID)] = "",
) -> Response:
    if not name.strip():
        return redirect(PEOPLE, "姓名:请选择要设置通知渠道的人员", kind="error")
    try:
        changed = set_contacts(zc.uow(), viewer.actor, name, Contacts(email, dingtalk, wecom))
    except ZonecheckError as exc:
        if isinstance(exc, Refused):
            raise  # audited by the service; the 403 page, as for the other people forms
        return redirect(PEOPLE, str(exc), kind="error")
    what = "已保存" if changed else "没有变化"
    return redirect(PEOPLE, f"“{name.strip()}”的通知渠道{what}", kind="ok" if changed else "warn")
