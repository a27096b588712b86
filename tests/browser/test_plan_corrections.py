"""The office corrects a plan in a real browser, against a real `zonecheck serve`.

The admin uploads Xuchang's plan (002) on the import page, opens measure 1's correction form in
the preview, sets its lead and co-responsible units, confirms the import (the edit is stored
with the plan), then corrects measure 2's deadline on the plan's 校正 page; the measure page
shows the corrected units and the 校正 page lists both corrections. Screenshots of every step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import LiveServer, Shots
from tests.browser.test_review_cycle import data, flash, open_browser, sign_in  # noqa: F401 (fixtures)
from tests.integration.workflow_helpers import ADMIN, seed_path, session_of
from workflow.bootstrap import App
from workflow.models import Measure, Plan, PlanCorrection


def test_the_admin_fixes_units_in_the_preview_and_a_deadline_after_import(
    live_server: LiveServer, data: App, open_browser: Any, shots: Shots, seeds_dir: Path  # noqa: F811
) -> None:
    admin = open_browser(ADMIN)
    sign_in(admin, shots)
    page = admin.page
    seed = seed_path(seeds_dir, "002")
    page.goto("/office/import")
    page.locator("input[type=file][name=file]").set_input_files(str(seed))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.locator("h2")).to_contain_text("导入预览")
    shots.take(page, "preview")

    page.locator("#measure-1").get_by_role("link", name="校正").click()
    form = page.locator("form#edit")
    expect(form.locator("h3")).to_have_text("校正措施 1")
    form.get_by_label("牵头单位").fill("市市场监管局")
    form.get_by_label("配合单位").fill("市公安局、市中级人民法院")
    shots.take(page, "preview-edit-form")
    form.get_by_role("button", name="保存校正").click()
    expect(flash(page)).to_contain_text("已记下校正")
    expect(page.locator("#staged-edits")).to_contain_text("责任单位改为 市市场监管局(牵头)、市公安局、市中级人民法院")
    expect(page.locator("#measure-1")).to_contain_text("市市场监管局")
    shots.take(page, "preview-corrected")

    page.get_by_role("button", name="确认导入").click()
    expect(flash(page)).to_contain_text("新导入")
    with session_of(data) as session:
        plan = session.scalar(select(Plan).where(Plan.key == seed.stem))
        assert plan is not None
        pid = plan.id
    page.goto(f"/office/plans/{pid}/corrections?ref=2#edit")
    form = page.locator("form#edit")
    form.get_by_label("完成时限类型").select_option("fixed")
    form.get_by_label("完成日期").fill("2025-06-30")
    form.get_by_label("时限原文").fill("2025年6月底前")
    shots.take(page, "plan-edit-form")
    form.get_by_role("button", name="保存校正").click()
    expect(flash(page)).to_contain_text("已保存校正")
    expect(page.locator("#measure-2")).to_contain_text("2025年6月底前")
    expect(page.locator("#correction-list tbody tr")).to_have_count(2)
    shots.take(page, "plan-corrected")

    with session_of(data) as session:
        one = session.scalar(select(Measure.id).where(Measure.plan_id == pid, Measure.ref == "1"))
        kinds = list(session.scalars(select(PlanCorrection.kind).where(PlanCorrection.plan_id == pid)))
    assert kinds == ["units", "deadline"]
    page.goto(f"/measures/{one}")
    expect(page.locator("main")).to_contain_text("市市场监管局")
    expect(page.locator("main")).to_contain_text("市中级人民法院")
    shots.take(page, "measure-page")
    assert admin.problems == []
