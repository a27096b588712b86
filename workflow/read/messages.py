"""Outgoing messages as the office reads them: what was sent, what failed and why, what was
given up. The office (reviewers and admins) sees the messages to the people of its zone;
anybody else only their own (the seed of the in-app inbox); the operator every message."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor
from workflow.models import OutgoingMessage, Person
from workflow.notify.rules import CHANNEL_LABELS, STATUS_LABELS, MessageStatus

MAX_LISTED = 500  # newest first; a listing is for reading, not an export


@dataclass(frozen=True)
class MessageView:
    id: int
    person: str
    channel: str
    channel_label: str
    event_kind: str
    event_key: str
    subject: str
    status: str
    status_label: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str
    created_at: dt.datetime
    sent_at: dt.datetime | None


def list_messages(
    uow: UnitOfWork, viewer: Actor | None, *, statuses: tuple[MessageStatus, ...] = (), limit: int = MAX_LISTED
) -> list[MessageView]:
    """The messages `viewer` may read, newest first, optionally of some statuses only."""
    with uow:
        query = (
            select(OutgoingMessage, Person.name)
            .join(Person, Person.id == OutgoingMessage.person_id)
            .order_by(OutgoingMessage.id.desc())
            .limit(max(1, min(limit, MAX_LISTED)))
        )
        if statuses:
            query = query.where(OutgoingMessage.status.in_(statuses))
        if viewer is not None:
            query = query.where(Person.zone_id == viewer.zone_id if viewer.is_office else Person.id == viewer.id)
        return [
            MessageView(
                id=m.id, person=name, channel=m.channel.value, channel_label=CHANNEL_LABELS[m.channel],
                event_kind=m.event_kind, event_key=m.event_key, subject=m.subject, status=m.status.value,
                status_label=STATUS_LABELS[m.status], attempts=m.attempts, next_attempt_at=m.next_attempt_at,
                last_error=m.last_error, created_at=m.created_at, sent_at=m.sent_at,
            )
            for m, name in uow.session.execute(query)
        ]
