"""Jiading's whole acceptance cycle in a real browser, against a real `zonecheck serve`.

The server's database is the demo state (tests/support/demo_state.py, the template the report
tests use): Jiading's measures worked through, 16 of 22 accepted, 6 (区委宣传部's) in progress.
Then, each step by its page:

1. the district's admin downloads the plan's example index on the 评价指标体系 tab, loads it,
   and self-scores two leaves with the form (one with a piece of evidence ticked); the other
   leaves are self-scored by service calls (twenty-odd forms would only repeat the first two);
2. a reviewer opens the formal review (形式审查) and downloads 区委宣传部's one-time notice;
   the unit's member reads it and supplies a file on measure 6, after the deadline: late;
3. the reviewer closes the review (the self-scores are final);
4. the admin seats two experts on the 专家组 tab, one as 组长;
5. the reviewer records a 现场核查 with a photo;
6. the second expert scores a leaf and writes an opinion on the sheet; the 组长 scores two
   leaves on the sheet (the rest by service calls, as in 1), writes the 专家组意见 and
   finalises the round, which names the score and grade;
7. the admin downloads the 验收报告 from 报告与导出 as a PDF and as a Word document; the
   text of each (pdftotext, python-docx) gives the grade, the PDF also the 专家组意见.

Screenshots of every step (folder printed; ZONECHECK_SCREENSHOTS to choose it).
"""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from playwright.sync_api import Page, expect
from sqlalchemy import select, update
from support.demo_state import ADMINS, JIADING_MEMBERS, JIADING_REVIEWERS, build_demo_state

from tests.browser.conftest import (
    PASSWORD,
    LiveServer,
    Shots,
    _clean_env,
    empty_database,
    rendered_report,
)
from tests.browser.test_review_cycle import data, flash, open_browser, sign_in  # noqa: F401 (fixtures)
from tests.browser.test_site_checks import photo
from tests.integration.workflow_helpers import JIADING, actor, measure_id, plan_id, session_of
from tests.support.databases import app_with_state
from workflow.bootstrap import App
from workflow.domain.states import Role
from workflow.models import FormalReview, FormalSupply, Person
from workflow.read.scores import score_summary
from workflow.services import accounts, people
from workflow.services.expert_scores import set_expert_score
from workflow.services.index_systems import set_self_score

ADMIN = ADMINS["003"]  # 王主任, admin of 上海市/嘉定区
REVIEWER = JIADING_REVIEWERS[0]
PUBLICITY = JIADING_MEMBERS["区委宣传部"]  # measure 6, in progress
LEADER, SECOND = "李组长", "陈专家"
ORG = "上海市知识产权服务中心"


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ],
)
def live_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path
) -> Iterator[LiveServer]:
    """`zonecheck serve` on the demo state, with two expert accounts; everybody signs in
    with PASSWORD (one hash for all: hashing is what `user passwd` and its tests are for)."""
    base = tmp_path_factory.mktemp(f"cycle-{request.param}")
    home = base / "zonecheck-data"
    db_url, drop = empty_database(request, base / "zonecheck.db")
    app, _keys = app_with_state(db_url, home, "demo", functools.partial(build_demo_state, seeds_dir=seeds_dir))
    try:
        for expert in (LEADER, SECOND):
            people.add_person(app.uow(), actor(app, ADMIN), expert, role=Role.EXPERT, unit=None, organisation=ORG)
        with app.uow() as uow:
            uow.session.execute(update(Person).values(password_hash=accounts.hash_password(PASSWORD)))
            uow.commit()
    finally:
        app.close()
    env = _clean_env(ZONECHECK_HOME=str(home), ZONECHECK_DB=db_url, PYTHONUNBUFFERED="1")
    server = LiveServer(url="", home=home, db_url=db_url, log=base / "server.log", backend=request.param, env=env)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        if drop is not None:
            drop()


def download(page: Page, click: Callable[[], None], folder: Path) -> Path:
    with page.expect_download(timeout=180_000) as info:
        click()
    path = folder / (info.value.suggested_filename or "download")
    info.value.save_as(path)
    return path


def leaves(app: App, who: str) -> dict[str, tuple[str, Decimal]]:
    """The plan's leaves: code → (type, points)."""
    summary = score_summary(app.uow(), actor(app, who), plan_id(app, JIADING))
    assert summary is not None
    return {line.code: (line.type, line.points) for line in summary.lines if line.leaf}


def test_the_office_experts_and_a_unit_walk_the_acceptance_cycle(
    live_server: LiveServer, data: App, open_browser: Any, shots: Shots, tmp_path: Path  # noqa: F811
) -> None:
    pid = plan_id(data, JIADING)

    # 1. The index system and the self-assessment.
    admin = open_browser(ADMIN)
    sign_in(admin, shots)
    page = admin.page
    page.goto(f"/office/plans/{pid}")
    page.locator("nav.office-tabs").get_by_role("link", name="评价指标体系").click()
    expect(page.locator("h1")).to_have_text("评价指标体系")
    expect(page.locator("#no-index")).to_be_visible()
    shots.take(page, "index-empty")
    example = download(page, lambda: page.get_by_role("link", name="下载本方案的示例指标体系(YAML)").click(), tmp_path)
    assert f"plan: {JIADING}" in example.read_text(encoding="utf-8")
    page.locator("#index-load input[type=file]").set_input_files(str(example))
    page.locator("#index-load").get_by_role("button", name="载入").click()
    expect(flash(page)).to_contain_text("已载入评价指标体系")
    shots.take(page, "index-loaded")

    marks = leaves(data, ADMIN)
    scored = [code for code, (kind, _) in marks.items() if kind == "scored"]
    for code in scored[:2]:
        row = page.locator(f'[id="ind-{code}"]')
        details = row.locator("details.self-score")
        if details.get_attribute("open") is None:
            details.locator("summary").click()
        row.get_by_label(f"{code} 得分").fill(str(marks[code][1]))
        row.get_by_label(f"{code} 自评说明").fill("已按方案要求完成,台账齐全")
        boxes = row.locator('input[name="evidence"]')
        if boxes.count():
            boxes.first.check()
        row.get_by_role("button", name="保存自评").click()
        expect(flash(page)).to_contain_text(f"已自评 指标 {code}")
    shots.take(page, "self-scored-by-form")
    # The other leaves by the service the form calls (the same rules; only quicker to write).
    for code, (kind, points) in marks.items():
        if code in scored[:2]:
            continue
        mark: Decimal | bool = True if kind == "met" else points * Decimal("0.9")
        set_self_score(data.uow(), actor(data, ADMIN), pid, code, mark.quantize(Decimal("0.01")) if isinstance(mark, Decimal) else mark, "已完成")
    page.reload()
    expect(page.locator("#grade")).not_to_have_text("—")
    shots.take(page, "self-assessment-complete")

    # 2. The formal review: a one-time notice, read by the unit, which supplies late.
    reviewer = open_browser(REVIEWER)
    sign_in(reviewer, shots)
    office = reviewer.page
    office.goto(f"/office/plans/{pid}/formal")
    office.get_by_label("补正期限(工作日)").fill("5")
    office.get_by_label("告知日期").fill("2026-09-24")
    office.get_by_role("button", name="开始形式审查").click()
    expect(flash(office)).to_contain_text("补正期限 2026-10-09")
    row = office.locator("#formal-notices tbody tr", has_text="区委宣传部")
    notice = download(office, lambda: row.get_by_role("button", name="生成并下载").click(), tmp_path)
    assert notice.read_bytes().startswith(b"%PDF-")
    office.reload()
    shots.take(office, "formal-notice-issued")

    unit = open_browser(PUBLICITY)
    sign_in(unit, shots)
    own = unit.page
    own.goto("/unit/formal")
    expect(own.locator("main")).to_contain_text("2026-10-09")
    shots.take(own, "unit-notice")
    own.goto(f"/measures/{measure_id(data, JIADING, '6')}")
    supply = tmp_path / "补正材料.png"
    photo(supply, "PNG", (210, 220, 240))
    form = own.locator("#item-1 form.upload-form")
    form.locator('input[name="files"]').set_input_files(str(supply))
    form.get_by_role("button", name="提交佐证材料").click()
    expect(own.locator("#item-1 table.evidence")).to_contain_text("补正材料.png", timeout=60_000)
    own.goto("/unit/formal")
    expect(own.locator("main")).to_contain_text("补正材料.png")
    expect(own.locator("main")).to_contain_text("逾期")
    shots.take(own, "unit-supplied-late")

    # 3. The reviewer closes the review: the self-scores are final.
    office.reload()
    office.get_by_role("button", name="结束形式审查").click()
    expect(flash(office)).to_contain_text("形式审查已结束,自评分不再修改")
    shots.take(office, "formal-closed")
    page.reload()
    expect(page.locator("#self-closed")).to_contain_text("自评分不能再修改")
    expect(page.locator("details.self-score")).to_have_count(0)

    # 4. The panel: two experts, one of them 组长.
    page.locator("nav.office-tabs").get_by_role("link", name="专家组").click()
    expect(page.locator("h1")).to_have_text("专家组")
    seat = page.locator("#panel-assign")
    seat.get_by_label("专家").select_option(LEADER)
    seat.get_by_label("任组长").check()
    seat.get_by_role("button", name="加入专家组").click()
    expect(flash(page)).to_contain_text(f"已将专家 {LEADER}")
    page.locator("#panel-assign").get_by_label("专家").select_option(SECOND)
    page.locator("#panel-assign").get_by_role("button", name="加入专家组").click()
    expect(flash(page)).to_contain_text("任成员")
    expect(page.locator("#panel-members tbody tr")).to_have_count(2)
    shots.take(page, "panel-seated")

    # 5. The 现场核查, with a photo.
    office.goto(f"/plans/{pid}/site-checks")
    site = office.locator("form.site-check-form")
    site.get_by_label("核查日期").fill("2024-04-20")
    site.get_by_label("核查地点").fill("嘉定区政府第一会议室")
    site.get_by_label("核查结论").fill("达标")
    site.get_by_label("参加人员").fill(f"{LEADER}|组长\n{SECOND}|专家\n{REVIEWER}|办公室")
    site.get_by_label("核查发现").fill("联席会议机制运转正常,年度工作台账完整。")
    site.get_by_role("button", name="保存记录").click()
    expect(flash(office)).to_contain_text("已记录现场核查")
    upload = office.locator("#photos form.upload-form")
    upload.locator('input[name="file"]').set_input_files(str(photo(tmp_path / "会场.jpg", "JPEG", (150, 190, 230))))
    upload.get_by_label("照片说明").fill("听取工作汇报")
    upload.get_by_role("button", name="上传照片").click()
    expect(office.locator("figure.photo img")).to_have_count(1)
    shots.take(office, "site-check")

    # 6. The experts score; the 组长 consolidates and finalises.
    first = scored[0]
    second = open_browser(SECOND)
    sign_in(second, shots)
    sheet = second.page
    sheet.goto(f"/expert/plans/{pid}")
    row = sheet.locator(f'[id="ind-{first}"]')
    row.get_by_label(f"{first} 得分").fill(str(marks[first][1]))
    row.get_by_label(f"{first} 评分理由").fill("材料齐全")
    row.get_by_role("button", name="评分").click()
    expect(flash(sheet)).to_contain_text(f"已评分 指标 {first}")
    sheet.locator("#opinion").get_by_label("本人意见(至多 20000 字)").fill("工作机制健全,建议加强数据统计。")
    sheet.locator("#opinion").get_by_role("button", name="保存意见").click()
    expect(flash(sheet)).to_contain_text("已保存专家意见")
    shots.take(sheet, "second-expert-sheet")

    leader = open_browser(LEADER)
    sign_in(leader, shots)
    own_sheet = leader.page
    own_sheet.goto(f"/expert/plans/{pid}")
    for code in scored[:2]:
        row = own_sheet.locator(f'[id="ind-{code}"]')
        row.get_by_label(f"{code} 得分").fill(str(marks[code][1]))
        row.get_by_label(f"{code} 评分理由").fill("现场核查属实")
        row.get_by_role("button", name="评分").click()
        expect(flash(own_sheet)).to_contain_text(f"已评分 指标 {code}")
    # The 组长's other leaves by the service the sheet calls (as for the self-scores).
    for code, (kind, points) in marks.items():
        if code not in scored[:2]:
            set_expert_score(data.uow(), actor(data, LEADER), pid, code, True if kind == "met" else points, "现场核查属实")
    own_sheet.reload()
    panel = own_sheet.locator("#panel")
    panel.get_by_label("专家组意见").fill("专家组一致认为:嘉定区知识产权保护示范区建设任务全面完成,同意通过验收。")
    panel.get_by_role("button", name="保存专家组意见").click()
    expect(flash(own_sheet)).to_contain_text("已保存专家组意见")
    own_sheet.get_by_role("button", name="确认本轮专家评审").click()
    expect(flash(own_sheet)).to_contain_text("已确认第 1 轮专家评审:100 分,等次 优秀")
    shots.take(own_sheet, "finalised")

    page.reload()
    expect(page.locator("#round-state")).to_have_text("已由组长确认")
    expect(page.locator("#panel-opinions")).to_contain_text("同意通过验收")
    shots.take(page, "panel-finalised")
    page.goto(f"/office/plans/{pid}/index")
    expect(page.locator("#panel-total")).to_have_text("100")
    expect(page.locator("#grade")).to_have_text("优秀")
    shots.take(page, "index-with-panel-score")

    # 7. The acceptance report, as a PDF and as a Word document: both give the grade.
    page.locator("nav.office-tabs").get_by_role("link", name="报告与导出").click()
    form = page.locator('form[action$="/reports/acceptance"]')
    form.get_by_label("格式").select_option("pdf")
    report = rendered_report(page, form.get_by_role("button", name="生成"), tmp_path, shots, "acceptance-pdf")
    assert report.suffix == ".pdf"
    text = subprocess.run(["pdftotext", "-layout", str(report), "-"], capture_output=True, text=True, check=True).stdout
    assert "等次:优秀" in "".join(text.split()) and "同意通过验收" in "".join(text.split())
    page.goto(f"/office/plans/{pid}/reports")
    form.get_by_label("格式").select_option("docx")
    word = rendered_report(page, form.get_by_role("button", name="生成"), tmp_path)
    assert word.suffix == ".docx"
    document = Document(str(word))
    paragraphs = [p.text for p in document.paragraphs] + [c.text for t in document.tables for r in t.rows for c in r.cells]
    assert any("等次:优秀" in p for p in paragraphs), paragraphs[:40]
    shots.take(page, "reports")

    with session_of(data) as session:
        review = session.scalar(select(FormalReview))
        assert review is not None and review.closed_at is not None
        assert [s.late for s in session.scalars(select(FormalSupply))] == [True]
    for person in (admin, reviewer, unit, second, leader):
        assert person.problems == [], (person.name, person.problems)
