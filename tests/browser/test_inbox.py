"""The in-app inbox in a real browser, against a real `zonecheck serve`: a member of
区市场监管局 sees no badge; the office returns the unit's self-check; on the next page the
header shows one unread message; the member opens the inbox, reads the message (the reviewer's
comment and the rectification date, markup shown as text) and follows its link to the
measure; the badge is gone. The admin sets a person's e-mail on the people page and reads the
zone's deliveries on 消息记录. Screenshots of every step."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, Shots
from tests.browser.test_review_cycle import data, open_browser, sign_in  # noqa: F401 (fixtures)
from tests.integration.test_ledger import self_checked
from tests.integration.workflow_helpers import (
    ADMIN,
    ECONOMY,
    JIADING,
    MARKET,
    REVIEWER_A,
    actor,
    measure_id,
)
from workflow.bootstrap import App
from workflow.services import measure_work

REF = "12"  # 区市场监管局 alone
COMMENT = "执法台账缺少第四季度数据,请补充<b>签字页</b>后重新提交"


def test_a_member_sees_the_unread_badge_after_a_return_and_reads_the_message(
    live_server: LiveServer, data: App, open_browser: Any, shots: Shots, tmp_path: Path  # noqa: F811
) -> None:
    self_checked(data, tmp_path, JIADING, REF)
    mid = measure_id(data, JIADING, REF)
    member = open_browser(MARKET)
    sign_in(member, shots)
    page = member.page
    badge = page.locator("header .unread-badge")
    expect(page.locator("header a.inbox-link")).to_have_text("消息")
    expect(badge).to_have_count(0)

    # The office's decision (the same service the review page's form calls).
    measure_work.return_for_rectification(
        data.uow(), actor(data, REVIEWER_A), mid, comment=COMMENT, due=dt.date(2030, 6, 30), today=dt.date(2024, 3, 1)
    )
    page.reload()
    expect(badge).to_have_text("1")
    shots.take(page, "inbox-badge")

    page.locator("header a.inbox-link").click()
    expect(page).to_have_url(re.compile(r"/inbox$"))
    row = page.locator("table.inbox tr.unread")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("退回整改")
    shots.take(page, "inbox-list")

    row.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/inbox/\d+$"))
    body = page.locator(".message-body")
    expect(body).to_contain_text("审核意见:执法台账缺少第四季度数据,请补充<b>签字页</b>后重新提交")
    expect(body).to_contain_text("整改期限:2030-06-30")
    expect(page.locator("h1")).to_contain_text("2030-06-30")
    expect(badge).to_have_count(0)  # read by opening it
    shots.take(page, "inbox-message")

    page.get_by_role("link", name="查看相关页面").click()
    expect(page).to_have_url(re.compile(rf"/measures/{mid}$"))
    expect(page.locator("h1 .badge").first).to_have_text("整改中")
    page.locator("header a.inbox-link").click()
    expect(page.locator("table.inbox tr.unread")).to_have_count(0)
    shots.take(page, "inbox-read")
    assert member.problems == []


def test_the_admin_sets_a_persons_e_mail_and_sees_the_deliveries(
    live_server: LiveServer, data: App, open_browser: Any, shots: Shots, tmp_path: Path  # noqa: F811
) -> None:
    self_checked(data, tmp_path, JIADING, "10")
    measure_work.return_for_rectification(
        data.uow(), actor(data, REVIEWER_A), measure_id(data, JIADING, "10"), comment="缺少台账",
        due=dt.date(2030, 6, 30), today=dt.date(2024, 3, 1),
    )  # fmt: skip
    admin = open_browser(ADMIN)
    sign_in(admin, shots)
    page = admin.page
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="人员与单位").click()
    form = page.locator("form.contacts-form")
    form.get_by_label("人员").select_option(ECONOMY)
    form.get_by_label("电子邮件").fill("wang@jiading.gov.cn")
    form.get_by_role("button", name="保存通知渠道").click()
    expect(page.locator("main > .flash")).to_contain_text(f"“{ECONOMY}”的通知渠道已保存")
    expect(page.locator("table.people")).to_contain_text("邮件 wang@jiading.gov.cn")
    shots.take(page, "people-channels")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="消息记录").click()
    expect(page.locator("h1")).to_have_text("消息记录")
    row = page.locator("table.messages tr", has_text="措施 003_ae6539458f46096d/10")
    expect(row).to_contain_text(MARKET)
    expect(row).to_contain_text("站内消息")
    expect(row).to_contain_text("已发送")
    shots.take(page, "office-messages")
    page.get_by_role("link", name="发送失败").click()
    expect(page.locator("main")).to_contain_text("没有发送失败的消息")
    assert admin.problems == []
