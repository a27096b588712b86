"""The inbox and delivery pages, on both backends: a unit member sees the unread count in every
page's header after a return, reads the message (text escaped, a link to the measure), and it
is read; another person's message is answered like a missing one and audited; everybody has
an inbox and a profile for their own channels; the office lists the zone's deliveries and the
failed ones, and an admin sets a person's channels."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from sqlalchemy import select, update

from tests.integration.test_ledger import self_checked
from tests.integration.workflow_helpers import (
    ADMIN,
    COURT,
    JIADING,
    MARKET,
    REVIEWER_A,
    actor,
    audit_entries,
    measure_id,
    session_of,
)
from tests.web.conftest import Login, csrf_of
from workflow.bootstrap import App
from workflow.models import OutgoingMessage, Person
from workflow.notify.rules import Channel, MessageStatus
from workflow.services import measure_work

COMMENT = "缺少<script>alert('台账')</script>"


def returned(zc: App, tmp_path: Path, ref: str = "17") -> int:
    self_checked(zc, tmp_path, JIADING, ref)
    m = measure_id(zc, JIADING, ref)
    measure_work.return_for_rectification(
        zc.uow(), actor(zc, REVIEWER_A), m, comment=COMMENT, due=dt.date(2030, 3, 15), today=dt.date(2024, 3, 1)
    )
    return m


def badge(html: str) -> str | None:
    found = re.search(r'class="badge unread-badge"[^>]*>([^<]+)<', html)
    return found.group(1) if found else None


def inapp_ids(zc: App, name: str) -> list[int]:
    with session_of(zc) as session:
        return list(
            session.scalars(
                select(OutgoingMessage.id)
                .join(Person)
                .where(Person.name == name, OutgoingMessage.channel == Channel.INAPP)
                .order_by(OutgoingMessage.id)
            )
        )


def test_a_member_sees_the_unread_badge_after_a_return_and_reads_the_message(zc: App, login: Login, tmp_path: Path) -> None:
    member = login(MARKET)
    assert badge(member.get("/unit").text) is None
    m = returned(zc, tmp_path)
    home = member.get("/unit").text
    assert badge(home) == "1" and 'href="/inbox"' in home
    listing = member.get("/inbox").text
    [message_id] = inapp_ids(zc, MARKET)
    assert f'href="/inbox/{message_id}"' in listing and "退回整改" in listing and 'class="unread"' in listing
    page = member.get(f"/inbox/{message_id}")
    assert page.status_code == 200
    assert "&lt;script&gt;" in page.text and "<script>alert" not in page.text  # shown as text
    assert "2030-03-15" in page.text and f'href="/measures/{m}"' in page.text
    assert badge(page.text) is None  # opening it read it
    with session_of(zc) as session:
        assert session.get_one(OutgoingMessage, message_id).read_at is not None
    assert 'class="unread"' not in member.get("/inbox").text
    assert "没有未读消息" in member.get("/inbox?unread=1").text


def test_another_persons_message_reads_as_missing_and_is_audited(zc: App, login: Login, tmp_path: Path) -> None:
    returned(zc, tmp_path)
    [theirs] = inapp_ids(zc, MARKET)
    court = login(COURT)
    seen = len(audit_entries(zc))
    hidden = court.get(f"/inbox/{theirs}")
    missing = court.get(f"/inbox/{theirs + 1000}")
    assert hidden.status_code == missing.status_code == 404
    assert f"找不到编号为 {theirs} 的消息" in hidden.text
    assert re.sub(r"编号为 \d+ ", "", hidden.text) == re.sub(r"编号为 \d+ ", "", missing.text)
    refused = audit_entries(zc)[seen:]
    assert [(e.actor, e.action, e.refused) for e in refused] == [(COURT, "inbox_view", True)]
    with session_of(zc) as session:
        assert session.get_one(OutgoingMessage, theirs).read_at is None
    assert court.get("/inbox?page=0").status_code == 422 and court.get("/inbox?unread=7").status_code == 422


def test_every_role_has_an_inbox_marks_all_read_and_sets_its_own_channels(zc: App, login: Login, tmp_path: Path) -> None:
    returned(zc, tmp_path, "17")
    returned(zc, tmp_path, "10")
    member = login(MARKET)
    assert badge(member.get("/unit").text) == "2"
    token = csrf_of(member.get("/inbox").text)
    done = member.post("/inbox/read-all", data={"csrf_token": token})
    assert done.status_code == 303 and done.headers["location"] == "/inbox"
    assert "已把 2 条消息标为已读" in member.get("/inbox").text
    assert badge(member.get("/unit").text) is None
    assert member.post("/inbox/read-all", data={}).status_code == 403  # no CSRF token

    bad = member.post("/profile/contacts", data={"csrf_token": token, "email": "not-an-address"})
    assert "电子邮件地址“not-an-address”格式不正确" in member.get(bad.headers["location"]).text
    member.post("/profile/contacts", data={"csrf_token": token, "email": "zhang@jiading.gov.cn", "wecom": "zhangsan"})
    profile = member.get("/profile").text
    assert 'value="zhang@jiading.gov.cn"' in profile and 'value="zhangsan"' in profile
    for name in (ADMIN, REVIEWER_A):
        page = login(name).get("/inbox")
        assert page.status_code == 200 and "还没有消息" in page.text


def test_the_office_lists_the_zones_deliveries_and_the_failed_ones_and_sets_channels(
    zc: App, login: Login, tmp_path: Path
) -> None:
    admin = login(ADMIN)
    token = csrf_of(admin.get("/office/people").text)
    response = admin.post(
        "/office/people/contacts", data={"csrf_token": token, "name": MARKET, "email": "zhang@jiading.gov.cn"}
    )
    assert response.status_code == 303
    people_page = admin.get("/office/people").text
    assert "“监管局张”的通知渠道已保存" in people_page and "邮件 zhang@jiading.gov.cn" in people_page
    assert audit_entries(zc)[-1].action == "user_contacts"
    returned(zc, tmp_path)
    with zc.uow() as uow:
        uow.session.execute(
            update(OutgoingMessage)
            .where(OutgoingMessage.channel == Channel.EMAIL)
            .values(status=MessageStatus.GAVE_UP, attempts=6, last_error="550 5.1.1 用户不存在")
        )
        uow.commit()
    listing = admin.get("/office/messages").text
    assert listing.count("<tr data-message=") == 2 and "站内消息" in listing and "电子邮件" in listing
    failed = admin.get("/office/messages?failed=1").text
    assert failed.count("<tr data-message=") == 1 and "550 5.1.1 用户不存在" in failed and "发送失败,已放弃" in failed
    assert login(MARKET).get("/office/messages").status_code == 403
    assert login(REVIEWER_A).get("/office/messages").status_code == 200
    bad = admin.post("/office/people/contacts", data={"csrf_token": token, "name": COURT, "dingtalk": "有 空格"})
    assert "钉钉的用户 ID" in admin.get(bad.headers["location"]).text
