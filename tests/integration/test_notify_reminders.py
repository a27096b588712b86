"""The day's 三色督办 run on SQLite and PostgreSQL, on the Wuhan seed plan (fixed and annual
deadlines): colour changes recorded once with an audit entry each, a co-responsible unit red
while the lead that did its share is clear, one digest per person with something to do (and
the office's 情况通报), nothing new on a second run the same day, the zone's rules applied,
and the same digest delivered over e-mail, DingTalk and WeCom by loopback servers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from tests.support.notify_servers import CorpApi, MailCatcher, corp_api_server, smtp_server
from workflow.bootstrap import App
from workflow.domain.escalation import Colour, EscalationRules
from workflow.domain.states import Role
from workflow.errors import InputError, Refused
from workflow.models import AuditEntry, EscalationMark, Measure, OutgoingMessage
from workflow.notify.channels import Sender
from workflow.notify.config import smtp_settings
from workflow.notify.daily import run_notifications
from workflow.notify.dingtalk import DingTalkChannel
from workflow.notify.http import make_client
from workflow.notify.reminders import run_reminders
from workflow.notify.rules import Channel, MessageStatus
from workflow.notify.smtp import SmtpChannel
from workflow.notify.wecom import WeComChannel
from workflow.read import history
from workflow.services import measure_work, people
from workflow.services.contacts import Contacts
from workflow.services.escalation import set_rules, show_rules

from .workflow_helpers import WUHAN, actor, audit_entries, import_seed, measure_id, session_of

ADMIN, REVIEWER, MARKET, JUSTICE, IDLE = "管理员周", "审核人甲", "监管局张", "司法局李", "宣传部王"
# Wuhan measures 3, 4, 29 and 50 are due 2025-12-31 (3 and 4: 区市场监管局 leads, 区司法局
# co-responsible); 38 and 48 (区市场监管局) were due 2024-06-30.
BEFORE = dt.date(2025, 12, 20)  # 11 days before: yellow (no self-check, no evidence)
AFTER = dt.date(2026, 1, 5)  # five days after: red
NOW = dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def wuhan(app: App, seeds_dir: Path) -> str:
    key = import_seed(app, seeds_dir, WUHAN[:3])
    people.add_person(app.uow(), None, ADMIN, role=Role.ADMIN, unit=None)
    admin = actor(app, ADMIN)
    for name, role, unit, contacts in [
        (REVIEWER, Role.REVIEWER, None, Contacts(email="shen@wuhan.gov.cn")),
        (MARKET, Role.MEMBER, "区市场监管局", Contacts(email="zhang@wuhan.gov.cn", dingtalk="ding-zhang", wecom="wx-zhang")),
        (JUSTICE, Role.MEMBER, "区司法局", Contacts(email="li@wuhan.gov.cn")),
        (IDLE, Role.MEMBER, "区委宣传部", Contacts(email="wang@wuhan.gov.cn")),
    ]:
        people.add_person(app.uow(), admin, name, role=role, unit=unit, contacts=contacts)
    return key


def emails(app: App) -> dict[str, OutgoingMessage]:
    """The queued e-mails by recipient (other channels, such as an in-app inbox, left aside)."""
    with session_of(app) as session:
        rows = session.scalars(select(OutgoingMessage).where(OutgoingMessage.channel == Channel.EMAIL))
        return {m.person.name: m for m in rows}


def escalations(app: App) -> list[AuditEntry]:
    return [e for e in audit_entries(app) if e.action == "escalation"]


def marks(app: App, key: str, ref: str) -> dict[int | None, Colour]:
    mid = measure_id(app, key, ref)
    with session_of(app) as session:
        return {m.unit_id: m.colour for m in session.scalars(select(EscalationMark).where(EscalationMark.measure_id == mid))}


def test_colour_changes_are_recorded_and_audited_once_and_a_second_run_writes_nothing(app: App, wuhan: str) -> None:
    first = run_reminders(app.uow(), BEFORE)
    entries = escalations(app)
    assert first.changes == len(entries) > 0
    three = [e for e in entries if e.target == f"{wuhan}/3"]
    # The measure itself and each responsible unit's part: none → yellow, stage 到期催办.
    assert {(e.detail["unit"], e.detail["from"], e.detail["to"], e.detail["stage"]) for e in three} == {
        ("", "none", "yellow", "due"), ("区市场监管局", "none", "yellow", "due"), ("区司法局", "none", "yellow", "due"),
    }
    assert "区司法局督办等级 — → 黄(到期催办)" in {e.comment for e in three}
    _, lines = history.measure_history(app.uow(), None, measure_id(app, wuhan, "3"))
    assert {line.comment for line in lines if line.action == "escalation"} == {e.comment for e in three}
    again = run_reminders(app.uow(), BEFORE)
    assert (again.changes, again.queued, len(escalations(app))) == (0, 0, len(entries))

    later = run_reminders(app.uow(), AFTER)
    reds = [e for e in escalations(app)[len(entries):] if e.target == f"{wuhan}/3"]
    assert {(e.detail["from"], e.detail["to"], e.detail["stage"], e.detail["days_left"]) for e in reds} == {
        ("yellow", "red", "report", -5)
    }
    assert later.changes >= 3


def test_a_co_unit_is_red_while_the_lead_that_did_its_share_is_clear(app: App, wuhan: str) -> None:
    three = measure_id(app, wuhan, "3")
    market = actor(app, MARKET)
    measure_work.start(app.uow(), market, three)
    measure_work.set_part(app.uow(), market, three, done=True)
    run_reminders(app.uow(), AFTER)
    colours = marks(app, wuhan, "3")
    assert colours[None] is Colour.RED
    by_name = {e.detail["unit"]: e.detail["to"] for e in escalations(app) if e.target == f"{wuhan}/3"}
    assert by_name == {"": "red", "区司法局": "red"}  # the market's part stayed clear: no change, no row
    assert len(colours) == 2


def test_an_extension_that_moves_the_due_date_turns_the_red_back_and_says_so(app: App, wuhan: str) -> None:
    run_reminders(app.uow(), AFTER)
    with app.uow() as uow:  # what an approved extension does to the measure's current date
        uow.session.execute(update(Measure).where(Measure.id == measure_id(app, wuhan, "4")).values(due_on=dt.date(2026, 6, 30)))
        uow.commit()
    run_reminders(app.uow(), AFTER)
    # Not overdue any more, but most of the time since the plan began is gone with no
    # evidence: behind schedule (黄), no longer 红.
    assert set(marks(app, wuhan, "4").values()) == {Colour.YELLOW}
    changed = [e for e in escalations(app) if e.target == f"{wuhan}/4" and e.detail["from"] == "red"]
    assert {(e.detail["to"], e.detail["due"]) for e in changed} == {("yellow", "2026-06-30")} and len(changed) == 3


def test_each_person_with_something_to_do_gets_one_digest_and_a_second_run_queues_nothing(app: App, wuhan: str) -> None:
    run_reminders(app.uow(), BEFORE)
    mails = emails(app)
    assert set(mails) == {MARKET, JUSTICE, REVIEWER}  # 宣传部 has nothing due: no message
    market = mails[MARKET]
    assert market.event_key.startswith("digest:") and market.event_key.endswith(":2025-12-20")
    assert market.subject == "督办提醒(2025-12-20):红2项、黄4项"
    assert "已逾期(情况通报) 2 项:" in market.body and "进度滞后(到期催办) 4 项:" in market.body
    assert "第3项 配合修订并实施《武汉市知识产权促进和保护条例》:期限 2025-12-31,还剩 11 天" in market.body
    assert "第38项" in market.body and "已逾期 538 天" in market.body
    assert "第3项" in mails[JUSTICE].body and "第38项" not in mails[JUSTICE].body
    office = mails[REVIEWER]
    assert office.subject.startswith("督办情况通报(2025-12-20)")
    assert "【区市场监管局】" in office.body and "第3项" not in office.body  # red items only
    assert run_reminders(app.uow(), BEFORE).queued == 0
    assert {k: m.id for k, m in emails(app).items()} == {k: m.id for k, m in mails.items()}


def test_the_zones_rules_decide_the_colours_and_whether_the_office_is_told(app: App, wuhan: str) -> None:
    admin = actor(app, ADMIN)
    with pytest.raises(Refused, match="只有本辖区的管理员"):
        set_rules(app.uow(), actor(app, MARKET), ["blue_days=30"])
    with pytest.raises(InputError, match=r"到期催办天数\(yellow_days=40\)不能大于临近提醒天数"):
        set_rules(app.uow(), admin, ["yellow_days=40"])
    rules = set_rules(app.uow(), admin, ["yellow_days=3", "yellow_share=95", "report_to_office=否"])
    assert rules == EscalationRules(blue_days=15, yellow_days=3, yellow_share=95, report_to_office=False)
    assert show_rules(app.uow(), actor(app, MARKET))[1] == rules
    entry = [e for e in audit_entries(app) if e.action == "escalation_set"][-1]
    assert (entry.actor, entry.detail["old"]["yellow_days"], entry.detail["new"]["yellow_days"]) == (ADMIN, 5, 3)
    run_reminders(app.uow(), BEFORE)
    mails = emails(app)
    assert REVIEWER not in mails  # 情况通报 not copied to the office
    assert MARKET in mails


def test_the_share_of_time_gone_without_evidence_is_the_zones_to_set(app: App, wuhan: str) -> None:
    september = dt.date(2025, 9, 1)  # about 90 % of the plan period gone, nothing uploaded
    run_reminders(app.uow(), september)
    assert marks(app, wuhan, "3")[None] is Colour.YELLOW
    set_rules(app.uow(), actor(app, ADMIN), ["yellow_share=95"])
    run_reminders(app.uow(), september)
    assert marks(app, wuhan, "3")[None] is Colour.NONE


@pytest.fixture
def api() -> Iterator[tuple[CorpApi, CorpApi, str, str]]:
    ding, wx = CorpApi("dingkey", "dingsecret"), CorpApi("ww1", "wxsecret")
    with corp_api_server(ding) as ding_base, corp_api_server(wx) as wx_base:
        yield ding, wx, ding_base, wx_base


def test_the_same_digest_arrives_by_e_mail_dingtalk_and_wecom(app: App, wuhan: str, api: tuple[CorpApi, CorpApi, str, str]) -> None:
    ding, wx, ding_base, wx_base = api
    catcher = MailCatcher()
    with smtp_server(catcher) as port:
        settings = smtp_settings({"ZONECHECK_SMTP": f"smtp://127.0.0.1:{port}", "ZONECHECK_SMTP_FROM": "duban@wuhan.gov.cn"})
        assert settings is not None
        senders: dict[Channel, Sender] = {
            Channel.EMAIL: SmtpChannel(settings, timeout=5),
            Channel.DINGTALK: DingTalkChannel(make_client(), appkey="dingkey", appsecret="dingsecret", agent_id=2887, base_url=ding_base),
            Channel.WECOM: WeComChannel(make_client(), corpid="ww1", corpsecret="wxsecret", agent_id=1000002, base_url=wx_base),
        }
        try:
            report = run_notifications(app.uow(), BEFORE, NOW, senders)
        finally:
            for sender in senders.values():
                sender.close()
    assert report.reminders.queued >= 5
    [mail] = [m for m in catcher.received if m["To"] == "zhang@wuhan.gov.cn"]
    subject, body = str(mail["Subject"]), mail.get_content().strip()
    [ding_sent] = ding.accepted
    [wx_sent] = wx.accepted
    assert ding_sent["userid_list"] == "ding-zhang" and wx_sent["touser"] == "wx-zhang"
    expected = f"【{subject}】\n{body}"
    assert len(expected.encode()) < 2048  # within both APIs' limits: nothing cut
    assert ding_sent["msg"]["text"]["content"] == expected == wx_sent["text"]["content"]
    assert "第3项" in body and "[红]" in body
    with session_of(app) as session:
        statuses = {m.channel: m.status for m in session.scalars(select(OutgoingMessage).where(OutgoingMessage.person.has(name=MARKET)))}
    assert {statuses[c] for c in (Channel.EMAIL, Channel.DINGTALK, Channel.WECOM)} == {MessageStatus.SENT}
