"""三色督办 on the pages, in a real browser against a real `zonecheck serve` (today's real
date): a plan with dated deadlines (seed 000, 2023–2025) is imported beside Jiading's; the
office's plan page counts 红/黄/蓝, its 督办 page marks each unit's items with 红·情况通报,
and 区市场监管局's member sees the same on the unit's worklist. The colour is written out
on every badge, so none relies on colour alone. Screenshots of every step.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, Shots
from tests.browser.test_review_cycle import data, open_browser, sign_in  # noqa: F401 (fixtures)
from tests.integration.workflow_helpers import MARKET, REVIEWER_A, WUHAN, plan_id, seed_path
from workflow.bootstrap import App


def test_the_office_and_the_unit_see_the_colours_written_out(
    live_server: LiveServer, data: App, open_browser: Any, shots: Shots, seeds_dir: Any  # noqa: F811
) -> None:
    live_server.cli("import", str(seed_path(seeds_dir, WUHAN[:3])))
    pid = plan_id(data, WUHAN)
    reviewer = open_browser(REVIEWER_A)
    sign_in(reviewer, shots)
    page = reviewer.page
    page.goto(f"/office/plans/{pid}")
    stats = page.locator("#stat-escalation")
    expect(stats).to_contain_text("红")
    assert int(stats.locator(".esc-red").inner_text().split()[1]) > 0
    shots.take(page, "plan-escalation")

    page.goto(f"/office/plans/{pid}/overdue")
    market = page.locator("section.card", has_text="区市场监管局")
    expect(market.locator(".esc-red").first).to_have_text("红·情况通报")
    shots.take(page, "overdue-escalation")

    member = open_browser(MARKET)
    sign_in(member, shots)
    own = member.page
    own.goto("/unit")
    row = own.locator("tr", has_text="配合修订并实施《武汉市知识产权促进和保护条例》")
    expect(row.locator(".esc")).to_have_text("红·情况通报")
    shots.take(own, "worklist-escalation")
