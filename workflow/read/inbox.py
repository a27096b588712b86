"""The in-app inbox (站内消息): a person's own in-app messages, newest first, a page at a
time, and how many are unread (for every page's header). Nobody reads another person's
inbox, office included: the office sees deliveries in read.messages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor
from workflow.errors import Hidden, NotFound
from workflow.models import OutgoingMessage
from workflow.notify.rules import Channel
from workflow.services.acting import person_required, run_read

PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 10_000  # 200,000 messages back: far beyond any person's inbox

KIND_LABELS = {
    "assigned": "任务分派",
    "returned": "退回整改",
    "accepted": "审核通过",
    "due_soon": "临近提醒",
    "overdue": "到期催办",
    "digest": "督办提醒",
    "extension": "延期",
    "appeal": "申诉",
    "report": "报告",
}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, KIND_LABELS.get(kind.split("_")[0], "通知"))


@dataclass(frozen=True)
class InboxItem:
    id: int
    kind: str
    kind_label: str
    subject: str
    link: str
    at: dt.datetime  # when it was delivered
    read_at: dt.datetime | None

    @property
    def unread(self) -> bool:
        return self.read_at is None


@dataclass(frozen=True)
class InboxMessage(InboxItem):
    body: str


@dataclass(frozen=True)
class InboxPage:
    items: list[InboxItem]
    total: int  # of the listing (unread only, or all)
    unread: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _own(viewer: Actor) -> list[ColumnElement[bool]]:
    return [OutgoingMessage.person_id == viewer.id, OutgoingMessage.channel == Channel.INAPP]


def _count_unread(session: Session, viewer: Actor) -> int:
    query = select(func.count()).select_from(OutgoingMessage).where(*_own(viewer), OutgoingMessage.read_at.is_(None))
    return int(session.scalar(query) or 0)


def _item(m: OutgoingMessage) -> InboxItem:
    return InboxItem(
        id=m.id, kind=m.event_kind, kind_label=kind_label(m.event_kind), subject=m.subject, link=m.link,
        at=m.sent_at or m.created_at, read_at=m.read_at,
    )


def inbox(
    uow: UnitOfWork, viewer: Actor | None, *, unread_only: bool = False, page: int = 1, per_page: int = PER_PAGE
) -> InboxPage:
    """The viewer's in-app messages, newest first: page `page` of `per_page` (both bounded)."""
    person = person_required(viewer)
    page = max(1, min(page, MAX_PAGE))
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    with uow:
        where = _own(person)
        if unread_only:
            where.append(OutgoingMessage.read_at.is_(None))
        total = int(uow.session.scalar(select(func.count()).select_from(OutgoingMessage).where(*where)) or 0)
        rows = uow.session.scalars(
            select(OutgoingMessage)
            .where(*where)
            .order_by(OutgoingMessage.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
        items = [_item(m) for m in rows]
        return InboxPage(items, total, _count_unread(uow.session, person), page, per_page)


def unread_count(uow: UnitOfWork, viewer: Actor | None) -> int:
    """How many of the viewer's in-app messages are unread (0 for the operator, who has none)."""
    if viewer is None:
        return 0
    with uow:
        return _count_unread(uow.session, viewer)


def missing_message(message_id: int) -> NotFound:
    return NotFound(f"找不到编号为 {message_id} 的消息", code="message_not_found", params={"id": message_id})


def own_message(session: Session, viewer: Actor, message_id: int) -> OutgoingMessage:
    """The viewer's in-app message `message_id`; another person's is answered as a missing
    one (Hidden, so the attempt is audited)."""
    message = session.get(OutgoingMessage, message_id)
    if message is None or message.channel is not Channel.INAPP:
        raise missing_message(message_id)
    if message.person_id != viewer.id:
        raise Hidden.like(missing_message(message_id), f"消息 {message_id} 属于他人")
    return message


def inbox_message(uow: UnitOfWork, viewer: Actor | None, message_id: int) -> InboxMessage:
    """One of the viewer's in-app messages, with its body."""
    person = person_required(viewer)

    def read(session: Session) -> InboxMessage:
        m = own_message(session, person, message_id)
        return InboxMessage(**_item(m).__dict__, body=m.body)

    return run_read(uow, person, "inbox_view", f"消息 {message_id}", read)
