"""延期与申诉 on the pages: the unit asks for an extension and appeals a return from its measure's
page, the office decides and answers on the plan's tab, and the measure's page then shows both
dates. Jiading (003) measure 10 belongs to 区市场监管局 alone; the fixture gives it a one-off
due date ten days ahead and moves the plan's acceptance phase past it (the pages use today)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from checklists.kinds import DeadlineKind
from tests.integration.workflow_helpers import (
    JIADING,
    MARKET,
    REVIEWER_A,
    actor,
    measure_id,
    pdf_bytes,
    plan_id,
    write_file,
)
from tests.web.conftest import Login, csrf_of
from workflow.bootstrap import App
from workflow.clock import office_today
from workflow.models import Measure, Phase
from workflow.services import measure_work
from workflow.services.evidence import NewEvidence, add_evidence

TODAY = office_today()
DUE = TODAY + dt.timedelta(days=10)


@pytest.fixture
def ten(zc: App) -> int:
    mid = measure_id(zc, JIADING, "10")
    with zc.uow() as uow:
        uow.session.execute(update(Measure).where(Measure.id == mid).values(deadline_kind=DeadlineKind.FIXED, due_on=DUE))
        uow.session.execute(update(Phase).where(Phase.acceptance.is_(True)).values(end_on=TODAY + dt.timedelta(days=200)))
        uow.commit()
    return mid


def page(browser: TestClient, path: str) -> str:
    response = browser.get(path)
    assert response.status_code == 200, response.text[:500]
    return response.text


def post(browser: TestClient, path: str, back: str, **fields: str) -> str:
    """Send a form of the page `back`; the notice the next page shows."""
    response = browser.post(path, data={"csrf_token": csrf_of(page(browser, back)), **fields})
    assert response.status_code == 303, response.text[:500]
    html = page(browser, response.headers["location"])
    match = re.search(r'<div class="flash flash-(\w+)" role="status">(.*?)</div>', html, re.S)
    assert match, "no notice"
    return f"{match.group(1)}:{match.group(2)}"


def test_a_unit_asks_the_office_approves_an_earlier_date_and_the_page_shows_both(login: Login, zc: App, ten: int) -> None:
    unit, office = login(MARKET), login(REVIEWER_A)
    mine = f"/measures/{ten}"
    html = page(unit, mine)
    assert "申请延期" in html and f"完成期限现为 {DUE}" in html
    said = post(unit, f"{mine}/extension", mine, due=(DUE + dt.timedelta(days=20)).isoformat(), reason="统计数据延后发布")
    assert said.startswith("ok:") and f"由 {DUE} 延至" in said
    html = page(unit, mine)
    assert "申请中" in html and "不能申请延期" in html and "已有一份申请中的延期" in html

    tab = f"/office/plans/{plan_id(zc, JIADING)}/extensions"
    html = page(office, tab)
    assert "待审批的延期申请(1)" in html and "统计数据延后发布" in html
    number = re.search(r'name="extension" value="(\d+)"', html)
    assert number
    approved = DUE + dt.timedelta(days=15)
    said = post(office, f"{tab}/decide", tab, extension=number.group(1), decision="approve", due=approved.isoformat())
    assert said.startswith("ok:") and "已批准" in said
    html = page(unit, mine)
    assert f"到期日 {approved}(原定 {DUE},延期 1 次)" in html
    assert page(office, tab).count("已批准") >= 1


def test_a_late_request_is_explained_and_refused(login: Login, zc: App, ten: int) -> None:
    with zc.uow() as uow:
        uow.session.execute(update(Measure).where(Measure.id == ten).values(due_on=TODAY - dt.timedelta(days=1)))
        uow.commit()
    unit = login(MARKET)
    mine = f"/measures/{ten}"
    html = page(unit, mine)
    assert "不能申请延期" in html and "已过" in html and f'action="/measures/{ten}/extension"' not in html
    said = post(unit, f"{mine}/extension", mine, due=(TODAY + dt.timedelta(days=5)).isoformat(), reason="迟了")
    assert said.startswith("error:") and "期限届满前申请" in said


def test_a_member_is_refused_the_office_tab(login: Login, zc: App, ten: int) -> None:
    response = login(MARKET).get(f"/office/plans/{plan_id(zc, JIADING)}/extensions")
    assert response.status_code == 403


def test_a_unit_appeals_a_return_and_an_upheld_follow_up_moves_the_rectification_date(
    login: Login, zc: App, ten: int, tmp_path: Path
) -> None:
    market = actor(zc, MARKET)
    measure_work.start(zc.uow(), market, ten)
    path = write_file(tmp_path / "up", "台账.pdf", pdf_bytes("台账"))
    add_evidence(zc.uow(), zc.store, market, ten, item=1, new=NewEvidence(files=[path]))
    measure_work.set_part(zc.uow(), market, ten)
    measure_work.submit_self_check(zc.uow(), market, ten, statement="已完成", today=TODAY)
    rectify_by = TODAY + dt.timedelta(days=5)
    measure_work.return_for_rectification(zc.uow(), actor(zc, REVIEWER_A), ten, comment="缺少台账", due=rectify_by, today=TODAY)

    unit, office = login(MARKET), login(REVIEWER_A)
    mine = f"/measures/{ten}"
    assert "对退回整改提出申诉" in page(unit, mine)
    said = post(unit, f"{mine}/appeal", mine, ground="follow_up", reason="需跨部门协调")
    assert said.startswith("ok:") and "暂无法解决需持续跟进" in said
    assert "对退回整改提出申诉" not in page(unit, mine)  # one appeal waiting at a time

    tab = f"/office/plans/{plan_id(zc, JIADING)}/extensions"
    html = page(office, tab)
    number = re.search(r'name="appeal" value="(\d+)"', html)
    assert number and "新的整改期限" in html
    later = rectify_by + dt.timedelta(days=30)
    said = post(office, f"/office/plans/{plan_id(zc, JIADING)}/appeals/answer", tab, appeal=number.group(1), decision="uphold", note="同意持续跟进", due=later.isoformat())
    assert said.startswith("ok:") and "采纳" in said
    html = page(unit, mine)
    assert f"{later}(原定 {rectify_by},延期 1 次)" in html and "同意持续跟进" in html
