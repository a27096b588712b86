"""An expert panel's 组长 scores, consolidates and finalises in a real browser, against a real
`zonecheck serve` (set up with the CLI: the index system, the expert and the seat).

The 组长 signs in and lands on the list of its panels' plans, opens Jiading's sheet (every
indicator with the evidence of the measures it maps to), scores each leaf with the row's form,
gives the panel's consolidated score of one, writes the 专家组意见 and finalises the round: the
sheet then shows no form and the grade. Screenshots of every step.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, LiveServer, Shots
from tests.browser.test_review_cycle import data, flash, open_browser, sign_in  # noqa: F401 (fixtures)
from tests.integration.test_expert_panels import INDEX, LEADER, ORG
from tests.integration.workflow_helpers import ADMIN, JIADING

MARKS = {"1.1": "36", "1.2": "18", "2": "30", "3": "2"}


def test_the_leader_scores_consolidates_and_finalises_on_the_sheet(
    live_server: LiveServer, open_browser: Any, shots: Shots  # noqa: F811
) -> None:
    index = live_server.home.parent / "指标体系.yaml"
    index.write_text(INDEX.replace("RULE", "leader"), encoding="utf-8")
    live_server.cli("--as", ADMIN, "index", "load", "003", str(index))
    live_server.cli("--as", ADMIN, "user", "add", LEADER, "--role", "expert", "--org", ORG)
    live_server.cli("--as", ADMIN, "user", "passwd", LEADER, stdin=PASSWORD + "\n")
    live_server.cli("--as", ADMIN, "expert", "assign", "003", LEADER, "--leader")

    leader = open_browser(LEADER)
    sign_in(leader, shots)
    page = leader.page
    expect(page.locator("h1")).to_contain_text("评审方案")
    shots.take(page, "expert-home")
    page.get_by_role("link", name="嘉定区").click()
    expect(page.locator("p.muted")).to_contain_text(JIADING)
    expect(page.locator('[id="ind-1.1"]')).to_contain_text("措施 3")
    shots.take(page, "sheet")

    for code, points in MARKS.items():
        row = page.locator(f'[id="ind-{code}"]')
        row.get_by_label(f"{code} 得分").fill(points)
        row.get_by_label(f"{code} 评分理由").fill("现场核查")
        row.get_by_role("button", name="评分").click()
        expect(flash(page)).to_contain_text(f"已评分 指标 {code}")
    met = page.locator('[id="ind-4"]')
    met.get_by_label("4 是否达标").select_option("yes")
    met.get_by_role("button", name="评分").click()
    expect(flash(page)).to_contain_text("已评分 指标 4")
    shots.take(page, "sheet-scored")

    panel = page.locator("#panel")
    panel.get_by_label("指标").select_option("2")
    panel.get_by_label("汇总分数").fill("35")
    panel.get_by_role("button", name="保存汇总评分").click()
    expect(flash(page)).to_contain_text("已汇总 指标 2")
    page.locator("#panel").get_by_label("专家组意见").fill("专家组一致认为:工作机制健全,达到优秀等次。")
    page.locator("#panel").get_by_role("button", name="保存专家组意见").click()
    expect(flash(page)).to_contain_text("已保存专家组意见")
    shots.take(page, "panel-before-finalise")
    page.get_by_role("button", name="确认本轮专家评审").click()
    expect(flash(page)).to_contain_text("已确认第 1 轮专家评审:91 分,等次 优秀")
    expect(page.locator("form.score-form")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("已由组长确认")
    shots.take(page, "finalised")
