"""The in-app inbox on SQLite and PostgreSQL: every active person gets an in-app copy of each
message, delivered on commit with no channel configured and never picked up by the sender;
the inbox lists a person's own, newest first, paged, with the unread count; a person marks
their own read, one or all; another person's message is answered like a missing one and the
attempt is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from workflow.bootstrap import App
from workflow.domain.states import Role
from workflow.errors import InputError, NotFound
from workflow.models import OutgoingMessage, Person
from workflow.notify.config import smtp_settings
from workflow.notify.outbox import enqueue
from workflow.notify.rules import Channel, MessageStatus
from workflow.notify.sender import send_due
from workflow.notify.smtp import SmtpChannel
from workflow.read.inbox import MAX_PER_PAGE, inbox, inbox_message, unread_count
from workflow.services import people
from workflow.services.inbox import mark_all_read, mark_read

from .workflow_helpers import actor, audit_entries, session_of

ADMIN, ZHANG, LI, OLD = "管理员周", "张三", "李四", "王五"
NOW = dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def staff(app: App) -> App:
    people.add_person(app.uow(), None, ADMIN, role=Role.ADMIN, unit=None)
    admin = actor(app, ADMIN)
    for name in (ZHANG, LI, OLD):
        people.add_person(app.uow(), admin, name, role=Role.REVIEWER, unit=None)
    with app.uow() as uow:
        uow.session.scalars(select(Person).where(Person.name == OLD)).one().active = False
        uow.commit()
    return app


def tell(app: App, name: str, key: str, *, at: dt.datetime = NOW, link: str = "") -> int:
    with app.uow() as uow:
        person = uow.session.scalars(select(Person).where(Person.name == name)).one()
        added = enqueue(
            uow.session, person, event_kind="returned", event_key=key, subject=f"【退回整改】{key}",
            body="审核意见:<script>alert(1)</script>", link=link, now=at,
        )
        uow.commit()
        return added


def test_a_person_with_no_channel_gets_the_in_app_copy_delivered_at_once(staff: App) -> None:
    assert tell(staff, ZHANG, "returned:1") == 1
    assert tell(staff, ZHANG, "returned:1") == 0  # the same event again
    assert tell(staff, OLD, "returned:1") == 0  # an inactive person has no inbox
    with session_of(staff) as session:
        [row] = session.scalars(select(OutgoingMessage))
    assert (row.channel, row.status, row.sent_at, row.read_at, row.attempts) == (
        Channel.INAPP, MessageStatus.SENT, NOW, None, 0
    )
    # A real mail channel to a port nobody listens on: any message it tried would fail.
    settings = smtp_settings({"ZONECHECK_SMTP": "smtp://127.0.0.1:9"})
    assert settings is not None
    mailer = SmtpChannel(settings, timeout=0.5)
    try:
        report = send_due(staff.uow(), NOW + dt.timedelta(days=1), {Channel.EMAIL: mailer, Channel.INAPP: mailer})
    finally:
        mailer.close()
    assert (report.sent, report.failed, report.gave_up) == ([], [], [])
    assert unread_count(staff.uow(), actor(staff, ZHANG)) == 1


def test_a_link_must_be_a_path_on_this_site(staff: App) -> None:
    for bad in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)", "/a b"):
        with pytest.raises(InputError, match="消息链接"):
            tell(staff, ZHANG, "returned:9", link=bad)


def test_the_inbox_lists_own_messages_newest_first_paged_with_the_unread_count(staff: App) -> None:
    for k in range(1, 26):
        tell(staff, ZHANG, f"returned:{k}", at=NOW + dt.timedelta(minutes=k), link=f"/measures/{k}")
    tell(staff, LI, "returned:1")
    zhang = actor(staff, ZHANG)
    first = inbox(staff.uow(), zhang)
    assert (first.total, first.unread, first.pages, len(first.items)) == (25, 25, 2, 20)
    assert [i.subject for i in first.items[:2]] == ["【退回整改】returned:25", "【退回整改】returned:24"]
    second = inbox(staff.uow(), zhang, page=2)
    assert [i.subject for i in second.items] == [f"【退回整改】returned:{k}" for k in range(5, 0, -1)]
    assert inbox(staff.uow(), zhang, per_page=10_000).per_page == MAX_PER_PAGE
    assert inbox(staff.uow(), zhang, page=999).items == []
    assert all(i.kind_label == "退回整改" and i.unread for i in first.items)

    newest = first.items[0]
    message = inbox_message(staff.uow(), zhang, newest.id)
    assert message.body == "审核意见:<script>alert(1)</script>" and message.link == "/measures/25"
    assert mark_read(staff.uow(), zhang, newest.id, NOW) is True
    assert mark_read(staff.uow(), zhang, newest.id, NOW + dt.timedelta(hours=1)) is False
    assert inbox_message(staff.uow(), zhang, newest.id).read_at == NOW
    unread = inbox(staff.uow(), zhang, unread_only=True)
    assert (unread.total, unread.unread) == (24, 24)
    assert mark_all_read(staff.uow(), zhang, NOW) == 24
    assert unread_count(staff.uow(), zhang) == 0
    assert unread_count(staff.uow(), actor(staff, LI)) == 1  # another person's untouched


def test_another_persons_message_is_answered_like_a_missing_one_and_audited(staff: App) -> None:
    tell(staff, LI, "returned:1")
    with session_of(staff) as session:
        theirs = session.scalars(select(OutgoingMessage.id)).one()
    zhang = actor(staff, ZHANG)
    before = len(audit_entries(staff))
    with pytest.raises(NotFound) as missing:
        inbox_message(staff.uow(), zhang, theirs + 1000)
    with pytest.raises(NotFound) as hidden_read:
        inbox_message(staff.uow(), zhang, theirs)
    with pytest.raises(NotFound) as hidden_mark:
        mark_read(staff.uow(), zhang, theirs, NOW)
    assert str(hidden_read.value) == str(missing.value).replace(str(theirs + 1000), str(theirs))
    assert hidden_mark.value.code == missing.value.code == "message_not_found"
    refusals = audit_entries(staff)[before:]
    assert [(e.actor, e.action, e.refused) for e in refusals] == [(ZHANG, "inbox_view", True), (ZHANG, "inbox_read", True)]
    assert inbox(staff.uow(), actor(staff, LI)).unread == 1  # still unread
    assert len(audit_entries(staff)) == before + 2  # nothing audited for the missing one
    with pytest.raises(InputError):
        inbox(staff.uow(), None)  # the operator has no inbox
