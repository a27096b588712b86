"""Sending what is due: each message is claimed, sent and its outcome recorded, one message at a
time and one transaction for each step, with no database lock held while a channel talks to
its server (a slow mail server never makes a page wait).

Interrupted between the send and the record (the process killed), a message stays claimed;
the next run finds its claim expired and, not knowing whether it reached the person, gives it
up with that said instead of sending it a second time. The office sees it among the failures.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import or_, select, update

from workflow.db import UnitOfWork
from workflow.models import OutgoingMessage, Person
from workflow.notify.channels import Notice, Sender, SendFailed
from workflow.notify.config import configured_senders
from workflow.notify.outbox import address_of
from workflow.notify.rules import (
    CHANNEL_LABELS,
    CLAIM_LEASE,
    MAX_PER_RUN,
    Channel,
    MessageStatus,
    after_failure,
    short_error,
)

DUE = (MessageStatus.QUEUED, MessageStatus.FAILED)


@dataclass
class SendReport:
    """What a run did, by outcome (message ids)."""

    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)  # to be tried again
    gave_up: list[int] = field(default_factory=list)
    interrupted: list[int] = field(default_factory=list)  # claimed by a run that died

    def summary(self) -> str:
        return (
            f"已发送 {len(self.sent)} 条,失败待重试 {len(self.failed)} 条,已放弃 {len(self.gave_up)} 条"
            + (f",中断 {len(self.interrupted)} 条" if self.interrupted else "")
        )


def send_due(
    uow: UnitOfWork,
    now: dt.datetime,
    senders: Mapping[Channel, Sender] | None = None,
    *,
    limit: int = MAX_PER_RUN,
) -> SendReport:
    """Send every queued message, and every failed one whose next attempt is due by `now`,
    over the channels configured (`senders`, default those of the environment; messages of
    other channels wait); at most `limit` a run."""
    if senders is None:
        configured = configured_senders(os.environ)
        try:
            return send_due(uow, now, configured, limit=limit)
        finally:
            for sender in configured.values():
                sender.close()
    report = SendReport()
    report.interrupted = _give_up_interrupted(uow, now)
    if not senders:
        return report
    with uow:
        ids = list(
            uow.session.scalars(
                select(OutgoingMessage.id)
                .where(
                    OutgoingMessage.status.in_(DUE),
                    OutgoingMessage.channel.in_(list(senders)),
                    or_(OutgoingMessage.next_attempt_at.is_(None), OutgoingMessage.next_attempt_at <= now),
                )
                .order_by(OutgoingMessage.id)
                .limit(max(0, min(limit, MAX_PER_RUN)))
            )
        )
    for message_id in ids:
        claimed = _claim(uow, message_id, now)
        if claimed is None:
            continue  # another run took it, or it changed since the list was read
        channel, notice, attempts = claimed
        try:
            if notice is None:
                raise SendFailed(f"该人员未设置{CHANNEL_LABELS[channel]}地址或已停用", permanent=True)
            senders[channel].send(notice)
        except SendFailed as exc:
            status = _record_failure(uow, message_id, attempts, now, exc)
            (report.gave_up if status is MessageStatus.GAVE_UP else report.failed).append(message_id)
        else:
            _record(uow, message_id, status=MessageStatus.SENT, sent_at=now, next_attempt_at=None, last_error="")
            report.sent.append(message_id)
    return report


def _give_up_interrupted(uow: UnitOfWork, now: dt.datetime) -> list[int]:
    with uow:
        stale = (
            OutgoingMessage.status == MessageStatus.SENDING,
            OutgoingMessage.next_attempt_at <= now,
        )
        ids = list(uow.session.scalars(select(OutgoingMessage.id).where(*stale)))
        if ids:
            uow.session.execute(
                update(OutgoingMessage)
                .where(OutgoingMessage.id.in_(ids), *stale)
                .values(
                    status=MessageStatus.GAVE_UP,
                    next_attempt_at=None,
                    last_error="发送过程中断,无法确定是否已送达;为免重复发送,请核实后重新发送",
                )
            )
            uow.commit()
        return ids


def _claim(uow: UnitOfWork, message_id: int, now: dt.datetime) -> tuple[Channel, Notice | None, int] | None:
    """Mark the message as being sent (if it is still due) and read what to send: one
    transaction, committed before the send. A conditional UPDATE, so of two runs at once only
    one claims it."""
    with uow:
        claimed = uow.session.execute(
            update(OutgoingMessage)
            .where(
                OutgoingMessage.id == message_id,
                OutgoingMessage.status.in_(DUE),
                or_(OutgoingMessage.next_attempt_at.is_(None), OutgoingMessage.next_attempt_at <= now),
            )
            .values(
                status=MessageStatus.SENDING,
                attempts=OutgoingMessage.attempts + 1,
                next_attempt_at=now + CLAIM_LEASE,
            )
            .execution_options(synchronize_session=False)
        )
        if not claimed.rowcount:  # type: ignore[attr-defined]
            return None
        message = uow.session.get_one(OutgoingMessage, message_id)
        person = uow.session.get_one(Person, message.person_id)
        address = address_of(person, message.channel)
        notice = Notice(address, message.subject, message.body) if address and person.active else None
        result = (message.channel, notice, message.attempts)
        uow.commit()
        return result


def _record_failure(
    uow: UnitOfWork, message_id: int, attempts: int, now: dt.datetime, exc: SendFailed
) -> MessageStatus:
    status, next_at = after_failure(attempts, now, permanent=exc.permanent, hint=exc.retry_after)
    _record(uow, message_id, status=status, next_attempt_at=next_at, last_error=short_error(str(exc)))
    return status


def _record(uow: UnitOfWork, message_id: int, **values: object) -> None:
    with uow:
        uow.session.execute(
            update(OutgoingMessage)
            .where(OutgoingMessage.id == message_id, OutgoingMessage.status == MessageStatus.SENDING)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        uow.commit()
