"""Queueing messages: one row per person, channel and event, however often the same event is
queued (a reminder run repeated the same day adds nothing).

Every active person has the in-app channel: its copy is stored as already sent, so it is in
their inbox the moment the caller's transaction commits, whatever else is configured."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from workflow.errors import InputError
from workflow.models import OutgoingMessage, Person, utcnow
from workflow.notify.rules import (
    MAX_BODY,
    MAX_EVENT_KEY,
    MAX_EVENT_KIND,
    MAX_SUBJECT,
    Channel,
    MessageStatus,
    link_problem,
)


def channels_of(person: Person) -> list[Channel]:
    """The channels the office set for a person, in the order they are tried, and the in-app
    inbox that every active person has."""
    addresses = {Channel.EMAIL: person.email, Channel.DINGTALK: person.dingtalk_userid, Channel.WECOM: person.wecom_userid}
    configured = [channel for channel, address in addresses.items() if address]
    return [*configured, Channel.INAPP] if person.active else configured


def address_of(person: Person, channel: Channel) -> str:
    """Where `channel` reaches `person` ("" for none); the inbox is the person's own."""
    if channel is Channel.INAPP:
        return person.name
    return {Channel.EMAIL: person.email, Channel.DINGTALK: person.dingtalk_userid, Channel.WECOM: person.wecom_userid}[channel]


def _check(event_kind: str, event_key: str, subject: str, body: str, link: str) -> None:
    if not event_kind or len(event_kind) > MAX_EVENT_KIND:
        raise InputError(f"消息的事件类型应为 1 到 {MAX_EVENT_KIND} 个字符")
    if not event_key or len(event_key) > MAX_EVENT_KEY:
        raise InputError(f"消息的事件标识应为 1 到 {MAX_EVENT_KEY} 个字符")
    if not subject.strip() or len(subject) > MAX_SUBJECT:
        raise InputError(f"消息标题应为 1 到 {MAX_SUBJECT} 个字符")
    if not body.strip() or len(body) > MAX_BODY:
        raise InputError(f"消息正文应为 1 到 {MAX_BODY} 个字符")
    if problem := link_problem(link):
        raise InputError(problem)


def enqueue(
    session: Session,
    person: Person,
    *,
    event_kind: str,
    event_key: str,
    subject: str,
    body: str,
    channels: list[Channel] | None = None,
    link: str = "",
    now: dt.datetime | None = None,
) -> int:
    """Queue a message for `person` on each of their channels (or those of `channels` they
    have), inside the caller's transaction. Returns how many rows were new: an event already
    queued for that person and channel is left as it is (INSERT … ON CONFLICT DO NOTHING, so
    two runs at once cannot both add it either). `link` is the page of the thing it is about;
    the in-app copy counts as sent at `now` (default: the present)."""
    _check(event_kind, event_key, subject, body, link)
    wanted = [c for c in channels_of(person) if channels is None or c in channels]
    added = 0
    for channel in wanted:
        inapp = channel is Channel.INAPP
        values = {
            "person_id": person.id,
            "channel": channel,
            "event_kind": event_kind,
            "event_key": event_key,
            "subject": subject,
            "body": body,
            "status": MessageStatus.SENT if inapp else MessageStatus.QUEUED,
            "sent_at": (now or utcnow()) if inapp else None,
            "attempts": 0,
            "last_error": "",
            "link": link,
        }
        statement = _insert_ignoring_duplicates(session, values).returning(OutgoingMessage.id)
        # RETURNING rather than rowcount, which the ORM's insert does not report on every driver.
        added += session.execute(statement).first() is not None
    return added


def _insert_ignoring_duplicates(session: Session, values: dict[str, object]) -> Insert:
    dialect = session.get_bind().dialect.name
    keys = ["person_id", "channel", "event_key"]
    if dialect == "postgresql":
        return postgresql.insert(OutgoingMessage).values(values).on_conflict_do_nothing(index_elements=keys)
    return sqlite.insert(OutgoingMessage).values(values).on_conflict_do_nothing(index_elements=keys)
