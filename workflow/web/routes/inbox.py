"""Every signed-in person's own pages: the in-app inbox (站内消息) and the profile where they set
where notices reach them. Thin routes over read.inbox, services.inbox and services.contacts."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from workflow.errors import ZonecheckError
from workflow.notify.rules import MAX_EMAIL, MAX_USERID
from workflow.read import inbox as inbox_read
from workflow.services import inbox as inbox_service
from workflow.services.contacts import Contacts, own_contacts, set_contacts
from workflow.web.security import AppDep, ViewerDep
from workflow.web.templating import redirect, render

router = APIRouter(include_in_schema=False)

INBOX = "/inbox"
PROFILE = "/profile"


@router.get(INBOX)
def inbox_page(
    request: Request,
    zc: AppDep,
    viewer: ViewerDep,
    unread: Annotated[int, Query(ge=0, le=1)] = 0,
    page: Annotated[int, Query(ge=1, le=inbox_read.MAX_PAGE)] = 1,
) -> Response:
    listing = inbox_read.inbox(zc.uow(), viewer.actor, unread_only=bool(unread), page=page)
    return render(request, "inbox.html", viewer, listing=listing, unread_only=bool(unread))


@router.get(f"{INBOX}/{{message_id}}")
def message_page(request: Request, zc: AppDep, viewer: ViewerDep, message_id: int) -> Response:
    # Opening a message is reading it, as in any mail client; the read shows it as it was
    # (unread), so the page can still say it was new.
    message = inbox_read.inbox_message(zc.uow(), viewer.actor, message_id)
    inbox_service.mark_read(zc.uow(), viewer.actor, message_id, dt.datetime.now(dt.UTC))
    return render(request, "inbox_message.html", viewer, m=message)


@router.post(f"{INBOX}/read-all")
def read_all(zc: AppDep, viewer: ViewerDep) -> Response:
    count = inbox_service.mark_all_read(zc.uow(), viewer.actor, dt.datetime.now(dt.UTC))
    return redirect(INBOX, f"已把 {count} 条消息标为已读" if count else "没有未读消息", kind="ok" if count else "warn")


@router.get(PROFILE)
def profile_page(request: Request, zc: AppDep, viewer: ViewerDep) -> Response:
    contacts = own_contacts(zc.uow(), viewer.actor)
    return render(request, "profile.html", viewer, contacts=contacts, max_email=MAX_EMAIL, max_userid=MAX_USERID)


@router.post(f"{PROFILE}/contacts")
def save_own_contacts(
    zc: AppDep,
    viewer: ViewerDep,
    email: Annotated[str, Form(max_length=MAX_EMAIL)] = "",
    dingtalk: Annotated[str, Form(max_length=MAX_USERID)] = "",
    wecom: Annotated[str, Form(max_length=MAX_USERID)] = "",
) -> Response:
    try:
        changed = set_contacts(zc.uow(), viewer.actor, viewer.name, Contacts(email, dingtalk, wecom))
    except ZonecheckError as exc:
        return redirect(PROFILE, str(exc), kind="error")
    return redirect(PROFILE, "已保存通知渠道" if changed else "通知渠道没有变化", kind="ok" if changed else "warn")
