"""Marking in-app messages read: a person marks only their own. No audit entry for one's own
mail (it would put every click on the hash chain and queue readers behind the workflow's
writers); an attempt on another person's message is answered as a missing one and audited."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor
from workflow.errors import Hidden
from workflow.models import OutgoingMessage
from workflow.notify.rules import Channel
from workflow.read.inbox import own_message
from workflow.services.acting import person_required, record_refusal


def mark_read(uow: UnitOfWork, actor: Actor | None, message_id: int, now: dt.datetime) -> bool:
    """Mark one of the actor's messages read at `now`; False if it already was."""
    person = person_required(actor)
    with uow:
        try:
            message = own_message(uow.session, person, message_id)
        except Hidden as exc:
            record_refusal(uow, person, "inbox_read", f"消息 {message_id}", exc)
            raise
        if message.read_at is not None:
            return False
        message.read_at = now
        uow.commit()
        return True


def mark_all_read(uow: UnitOfWork, actor: Actor | None, now: dt.datetime) -> int:
    """Mark every unread message of the actor's read at `now`; how many there were."""
    person = person_required(actor)
    with uow:
        result = uow.session.execute(
            update(OutgoingMessage)
            .where(
                OutgoingMessage.person_id == person.id,
                OutgoingMessage.channel == Channel.INAPP,
                OutgoingMessage.read_at.is_(None),
            )
            .values(read_at=now)
            .execution_options(synchronize_session=False)
        )
        uow.commit()
        return int(result.rowcount)  # type: ignore[attr-defined]
