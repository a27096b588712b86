"""The message record and the sender on SQLite and PostgreSQL, with real servers on loopback:
an event queued twice is one row per person and channel; `send_due` sends each due message
once, records a failure with its error and next attempt (exponential backoff), gives up after
MAX_ATTEMPTS or on a refusal for good, leaves unconfigured channels waiting, and never sends
a message whose run was interrupted a second time. People's channel addresses are set by the
office or by themselves, checked, audited; migration 0011 gives existing people empty ones."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pytest
from sqlalchemy import select, text

from tests.support.notify_servers import (
    CorpApi,
    MailCatcher,
    corp_api_server,
    silent_server,
    smtp_server,
)
from workflow.bootstrap import App
from workflow.db import make_engine, upgrade
from workflow.domain.states import Role
from workflow.errors import InputError, Refused
from workflow.models import OutgoingMessage, Person
from workflow.notify import sender as sender_module
from workflow.notify.channels import Sender
from workflow.notify.config import smtp_settings
from workflow.notify.http import make_client
from workflow.notify.outbox import enqueue
from workflow.notify.rules import CLAIM_LEASE, FIRST_DELAY, MAX_ATTEMPTS, Channel, MessageStatus
from workflow.notify.sender import SendReport, send_due
from workflow.notify.smtp import SmtpChannel
from workflow.notify.wecom import WeComChannel
from workflow.read.messages import list_messages
from workflow.services import people
from workflow.services.contacts import Contacts, set_contacts

from .workflow_helpers import actor, audit_entries, session_of

ADMIN, ZHANG, LI = "管理员周", "张三", "李四"
NOW = dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai
SUBJECT = "【督办提醒】措施 003/5 将于 3 日后到期"
BODY = "区市场监管局:\n“建立知识产权纠纷快速处理机制”将于 2024-04-30 到期,请及时提交佐证材料。"


@pytest.fixture
def staff(app: App) -> App:
    people.add_person(app.uow(), None, ADMIN, role=Role.ADMIN, unit=None, contacts=Contacts(email="zhou@jiading.gov.cn"))
    admin = actor(app, ADMIN)
    people.add_person(
        app.uow(), admin, ZHANG, role=Role.REVIEWER, unit=None,
        contacts=Contacts(email="zhangsan@jiading.gov.cn", wecom="zhangsan"),
    )
    people.add_person(app.uow(), admin, LI, role=Role.REVIEWER, unit=None)  # no channel at all
    return app


# The outside channels this file is about; every active person's in-app copy (sent when
# queued) is tested in test_inbox.py.
OUTSIDE = [Channel.EMAIL, Channel.DINGTALK, Channel.WECOM]


def queue(app: App, name: str, key: str, **kwargs: object) -> int:
    kwargs.setdefault("channels", OUTSIDE)
    with app.uow() as uow:
        person = uow.session.scalars(select(Person).where(Person.name == name)).one()
        added = enqueue(
            uow.session, person, event_kind="due_soon", event_key=key, subject=SUBJECT, body=BODY,
            **kwargs,  # type: ignore[arg-type]
        )
        uow.commit()
        return added


def messages(app: App) -> list[OutgoingMessage]:
    with session_of(app) as session:
        return list(
            session.scalars(
                select(OutgoingMessage).where(OutgoingMessage.channel != Channel.INAPP).order_by(OutgoingMessage.id)
            )
        )


def run(app: App, now: dt.datetime, senders: Mapping[Channel, Sender]) -> SendReport:
    """One run of the sender, its connections closed afterwards (as the configured run does)."""
    try:
        return send_due(app.uow(), now, senders)
    finally:
        for sender in senders.values():
            sender.close()


def mail(port: int) -> SmtpChannel:
    settings = smtp_settings({"ZONECHECK_SMTP": f"smtp://127.0.0.1:{port}", "ZONECHECK_SMTP_FROM": "duban@jiading.gov.cn"})
    assert settings is not None
    return SmtpChannel(settings, timeout=0.5)


@dataclass
class Servers:
    catcher: MailCatcher
    api: CorpApi
    smtp_port: int
    api_base: str

    def senders(self) -> dict[Channel, Sender]:
        wecom = WeComChannel(make_client(), corpid="ww1", corpsecret="s", agent_id=1000002, base_url=self.api_base)
        return {Channel.EMAIL: mail(self.smtp_port), Channel.WECOM: wecom}


@pytest.fixture
def servers() -> Iterator[Servers]:
    catcher, api = MailCatcher(), CorpApi("ww1", "s")
    with smtp_server(catcher) as port, corp_api_server(api) as base:
        yield Servers(catcher, api, port, base)


def test_an_event_queued_twice_is_one_message_per_person_and_channel(staff: App) -> None:
    assert queue(staff, ZHANG, "due_soon:5:2026-12-07") == 2  # e-mail and WeCom
    assert queue(staff, ZHANG, "due_soon:5:2026-12-07") == 0  # the reminder run repeated
    assert queue(staff, ADMIN, "due_soon:5:2026-12-07") == 1  # the same event, another person
    assert queue(staff, LI, "due_soon:5:2026-12-07") == 0  # nowhere to send it
    assert queue(staff, ZHANG, "due_soon:5:2026-12-07", channels=[Channel.WECOM]) == 0
    rows = messages(staff)
    assert [(m.channel, m.status, m.attempts) for m in rows] == [
        (Channel.EMAIL, MessageStatus.QUEUED, 0), (Channel.WECOM, MessageStatus.QUEUED, 0),
        (Channel.EMAIL, MessageStatus.QUEUED, 0),
    ]
    with pytest.raises(InputError, match="消息标题"):
        _queue_bad_subject(staff)


def _queue_bad_subject(app: App) -> None:
    with app.uow() as uow:
        person = uow.session.scalars(select(Person).where(Person.name == ZHANG)).one()
        enqueue(uow.session, person, event_kind="due_soon", event_key="k2", subject="长" * 201, body=BODY)


def test_due_messages_are_sent_once_each_and_recorded(staff: App, servers: Servers) -> None:
    queue(staff, ZHANG, "due_soon:5:2026-12-07")
    queue(staff, ADMIN, "due_soon:5:2026-12-07")
    report = run(staff, NOW, servers.senders())
    again = run(staff, NOW + dt.timedelta(hours=1), servers.senders())
    assert (len(report.sent), report.failed, report.gave_up) == (3, [], [])
    assert again.sent == []
    assert sorted(r[0] for r in servers.catcher.recipients) == ["zhangsan@jiading.gov.cn", "zhou@jiading.gov.cn"]
    assert all(m["Subject"] == SUBJECT and m.get_content().rstrip("\n") == BODY for m in servers.catcher.received)
    [wecom] = servers.api.accepted
    assert wecom["touser"] == "zhangsan" and BODY in wecom["text"]["content"]
    assert all((m.status, m.attempts, m.sent_at, m.last_error) == (MessageStatus.SENT, 1, NOW, "") for m in messages(staff))


def test_a_refusing_mail_server_fails_the_message_and_it_is_sent_after_the_backoff(staff: App) -> None:
    queue(staff, ADMIN, "overdue:5:2026-12-07")
    catcher = MailCatcher(refuse_rcpt="451 4.7.1 请稍后再试")
    with smtp_server(catcher) as port:
        report = run(staff, NOW, {Channel.EMAIL: mail(port)})
        [message] = messages(staff)
        assert report.failed == [message.id]
        assert (message.status, message.attempts) == (MessageStatus.FAILED, 1)
        assert message.next_attempt_at == NOW + FIRST_DELAY
        assert "451" in message.last_error
        # Not due yet: nothing is tried.
        assert run(staff, NOW + dt.timedelta(minutes=1), {Channel.EMAIL: mail(port)}).failed == []
        catcher.refuse_rcpt = None  # the server accepts mail again
        later = run(staff, NOW + FIRST_DELAY, {Channel.EMAIL: mail(port)})
    [message] = messages(staff)
    assert later.sent == [message.id]
    assert (message.status, message.attempts, message.sent_at) == (MessageStatus.SENT, 2, NOW + FIRST_DELAY)
    assert len(catcher.received) == 1


def test_a_timing_out_server_is_tried_with_growing_waits_then_given_up(staff: App) -> None:
    queue(staff, ADMIN, "overdue:5:2026-12-07")
    waits = []
    now = NOW
    with silent_server() as port:
        for _ in range(MAX_ATTEMPTS):
            run(staff, now, {Channel.EMAIL: mail(port)})
            [message] = messages(staff)
            if message.next_attempt_at is None:
                break
            waits.append(message.next_attempt_at - now)
            now = message.next_attempt_at
    assert (message.status, message.attempts) == (MessageStatus.GAVE_UP, MAX_ATTEMPTS)
    assert "超时" in message.last_error
    assert waits == [FIRST_DELAY * 2**i for i in range(MAX_ATTEMPTS - 1)]


def test_a_refusal_for_good_and_a_missing_address_give_up_at_once(staff: App, servers: Servers) -> None:
    queue(staff, ZHANG, "returned:5:1")
    servers.api.invalid_users.add("zhangsan")
    set_contacts(staff.uow(), actor(staff, ADMIN), ZHANG, Contacts(email=""))  # cleared after queueing
    report = run(staff, NOW, servers.senders())
    email, wecom = messages(staff)
    assert sorted(report.gave_up) == [email.id, wecom.id]
    assert email.status == wecom.status == MessageStatus.GAVE_UP
    assert "未设置电子邮件" in email.last_error
    assert "zhangsan" in wecom.last_error


def test_messages_of_a_channel_not_configured_wait(staff: App, servers: Servers) -> None:
    queue(staff, ZHANG, "due_soon:5:2026-12-07")
    report = run(staff, NOW, {Channel.EMAIL: mail(servers.smtp_port)})
    email, wecom = messages(staff)
    assert report.sent == [email.id]
    assert (wecom.status, wecom.attempts) == (MessageStatus.QUEUED, 0)
    assert run(staff, NOW, {}).sent == []


def test_a_message_whose_run_was_interrupted_is_never_sent_twice(staff: App, servers: Servers) -> None:
    queue(staff, ADMIN, "overdue:5:2026-12-07")
    [message] = messages(staff)
    # The run claims the message (committed), then dies before recording the outcome.
    assert sender_module._claim(staff.uow(), message.id, NOW) is not None
    during = run(staff, NOW + dt.timedelta(minutes=1), servers.senders())
    assert during.sent == during.interrupted == []  # another run leaves a live claim alone
    after = run(staff, NOW + CLAIM_LEASE, servers.senders())
    [message] = messages(staff)
    assert after.interrupted == [message.id] and after.sent == []
    assert message.status == MessageStatus.GAVE_UP
    assert "中断" in message.last_error
    assert servers.catcher.received == []


def test_channel_addresses_are_set_by_the_office_or_the_person_checked_and_audited(staff: App) -> None:
    zhang = actor(staff, ZHANG)
    assert set_contacts(staff.uow(), zhang, ZHANG, Contacts(dingtalk="zhangsan01")) == {"dingtalk_userid": "zhangsan01"}
    with pytest.raises(Refused):
        set_contacts(staff.uow(), zhang, LI, Contacts(email="li@jiading.gov.cn"))
    for bad in (Contacts(email="li at jiading"), Contacts(wecom="li|wang"), Contacts(dingtalk="x" * 65)):
        with pytest.raises(InputError):
            set_contacts(staff.uow(), actor(staff, ADMIN), LI, bad)
    set_contacts(staff.uow(), actor(staff, ADMIN), LI, Contacts(email=" li@jiading.gov.cn "))
    with session_of(staff) as session:
        li = session.scalars(select(Person).where(Person.name == LI)).one()
        assert (li.email, li.dingtalk_userid, li.wecom_userid) == ("li@jiading.gov.cn", "", "")
    actions = [(e.action, e.target) for e in audit_entries(staff) if e.action == "user_contacts"]
    assert actions == [("user_contacts", ZHANG), ("user_contacts", LI), ("user_contacts", LI)]  # the refusal too


def test_migration_0011_gives_existing_people_empty_channels(db_url: str) -> None:
    upgrade(db_url, "0010")
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO zones (id, name, created_at) VALUES (1, '嘉定区', :t)"), {"t": NOW})
            conn.execute(
                text(
                    "INSERT INTO people (name, role, zone_id, active, created_at, organisation)"
                    " VALUES ('王主任', 'admin', 1, :a, :t, '')"
                ),
                {"a": True, "t": NOW},
            )
        upgrade(db_url)
        with engine.connect() as conn:
            row = conn.execute(text("SELECT email, dingtalk_userid, wecom_userid FROM people")).one()
            assert tuple(row) == ("", "", "")
            assert conn.execute(text("SELECT count(*) FROM outgoing_messages")).scalar() == 0
    finally:
        engine.dispose()


def test_without_senders_the_run_uses_the_channels_of_the_environment(
    staff: App, servers: Servers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `zonecheck notify run` and the scheduler will call: ZONECHECK_SMTP and the WeCom
    settings (a privately hosted 政务微信 at its own base URL) read when the run starts."""
    monkeypatch.setenv("ZONECHECK_SMTP", f"smtp://127.0.0.1:{servers.smtp_port}")
    monkeypatch.setenv("ZONECHECK_SMTP_FROM", "督办 <duban@jiading.gov.cn>")
    for name, value in (("CORPID", "ww1"), ("CORPSECRET", "s"), ("AGENTID", "1000002"), ("URL", servers.api_base)):
        monkeypatch.setenv(f"ZONECHECK_WECOM_{name}", value)
    for name in ("APPKEY", "APPSECRET", "AGENTID", "URL"):
        monkeypatch.delenv(f"ZONECHECK_DINGTALK_{name}", raising=False)
    queue(staff, ZHANG, "assigned:5")
    report = send_due(staff.uow(), NOW)
    assert len(report.sent) == 2
    [received] = servers.catcher.received
    assert received["From"].addresses[0].display_name == "督办"
    assert servers.api.accepted[0]["touser"] == "zhangsan"


def test_the_office_reads_its_zones_messages_and_a_member_only_their_own(staff: App) -> None:
    admin = actor(staff, ADMIN)
    people.add_unit(staff.uow(), admin, "区市场监管局")
    people.add_person(
        staff.uow(), admin, "王五", role=Role.MEMBER, unit="区市场监管局", contacts=Contacts(email="wangwu@jiading.gov.cn")
    )
    for name in (ADMIN, ZHANG, "王五"):
        queue(staff, name, "assigned:5")
    office = list_messages(staff.uow(), admin)
    assert sorted(v.person for v in office) == sorted([ADMIN, ZHANG, ZHANG, "王五"])
    [own] = list_messages(staff.uow(), actor(staff, "王五"))
    assert (own.person, own.channel_label, own.status_label) == ("王五", "电子邮件", "待发送")
    assert list_messages(staff.uow(), admin, statuses=(MessageStatus.GAVE_UP,)) == []
    assert len(list_messages(staff.uow(), None)) == 4
