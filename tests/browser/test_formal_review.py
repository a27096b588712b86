"""The formal review (形式审查) in a real browser, against a real `zonecheck serve`.

The reviewer opens the review of Jiading's plan on its 形式审查 page (five working days from
2026-09-24: the deadline is 2026-10-09, across the holidays), reads the units' gaps, downloads
区市场监管局's one-time notice (a registered PDF); the unit's member reads the notice on its
own page; the reviewer closes the review. Screenshots of every step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import LiveServer, Shots
from tests.browser.test_review_cycle import data, flash, open_browser, sign_in  # noqa: F401 (fixtures)
from tests.integration.workflow_helpers import JIADING, MARKET, REVIEWER_A, plan_id, session_of
from workflow.bootstrap import App
from workflow.models import FormalReview, IssuedReport


def test_the_office_runs_a_formal_review_and_the_unit_reads_its_notice(
    live_server: LiveServer, data: App, open_browser: Any, shots: Shots, tmp_path: Path  # noqa: F811
) -> None:
    pid = plan_id(data, JIADING)
    reviewer = open_browser(REVIEWER_A)
    sign_in(reviewer, shots)
    page = reviewer.page
    page.goto(f"/office/plans/{pid}")
    page.get_by_role("navigation", name="方案页面").get_by_role("link", name="形式审查").click()
    expect(page.locator("h1")).to_have_text("形式审查")
    shots.take(page, "formal-before")
    page.get_by_label("补正期限(工作日)").fill("5")
    page.get_by_label("告知日期").fill("2026-09-24")
    page.get_by_role("button", name="开始形式审查").click()
    expect(flash(page)).to_contain_text("补正期限 2026-10-09")
    expect(page.locator("#formal-deadline")).to_have_text("2026-10-09")
    row = page.locator("#formal-notices tbody tr", has_text="区市场监管局")
    expect(row).to_contain_text("未发")
    shots.take(page, "formal-opened")

    with page.expect_download(timeout=180_000) as download_info:
        row.get_by_role("button", name="生成并下载").click()
    pdf = tmp_path / (download_info.value.suggested_filename or "告知书.pdf")
    download_info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-") and "一次性告知书" in pdf.name
    page.reload()
    expect(page.locator("#formal-notices tbody tr", has_text="区市场监管局")).to_contain_text(pdf.name)
    shots.take(page, "formal-notice-issued")

    member = open_browser(MARKET)
    sign_in(member, shots)
    own = member.page
    own.goto("/unit")
    own.get_by_role("link", name="形式审查告知").click()
    expect(own.locator("h1")).to_contain_text("形式审查告知")
    expect(own.locator("main")).to_contain_text("缺少自查情况说明")
    expect(own.locator("main")).to_contain_text("2026-10-09")
    shots.take(own, "unit-notice")

    page.get_by_role("button", name="结束形式审查").click()
    expect(flash(page)).to_contain_text("形式审查已结束")
    shots.take(page, "formal-closed")
    with session_of(data) as session:
        review = session.scalar(select(FormalReview))
        assert review is not None and review.closed_at is not None
        assert session.scalar(select(IssuedReport.file_name).where(IssuedReport.kind == "formal_notice")) == pdf.name
    assert reviewer.problems == [] and member.problems == []
