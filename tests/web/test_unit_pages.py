"""The unit's pages: the worklist home, the measure page, and driving a measure with its forms.

Jiading (003) measure 10 belongs to 区市场监管局 alone; measure 3 is led by it with 区经委 as
co-unit. Wuhan (000), imported here too, names the same 区市场监管局 and has fixed deadlines
in 2024 and 2025, long past, so some of its measures are overdue whatever day the test runs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.workflow_helpers import (
    ADMIN,
    COURT,
    ECONOMY,
    JIADING,
    MARKET,
    MARKET_REVIEWER,
    REVIEWER_A,
    WUHAN,
    actor,
    audit_entries,
    import_seed,
    last_audit,
    measure_id,
    pdf_bytes,
    png_bytes,
    session_of,
    snapshot,
    write_file,
)
from tests.web.conftest import Login, csrf_of
from workflow.bootstrap import App
from workflow.clock import office_today as today
from workflow.domain.states import MeasureState
from workflow.models import Evidence, Measure, MeasureUnit, SelfCheck, Unit
from workflow.services import measure_work, people
from workflow.services.evidence import NewEvidence, add_evidence

S = MeasureState


def page(browser: TestClient, path: str) -> str:
    response = browser.get(path)
    assert response.status_code == 200, response.text
    return response.text


def flash_of(browser: TestClient, response: object) -> str:
    """The notice a redirect after a form carries, as the next page shows it."""
    location = response.headers["location"]  # type: ignore[attr-defined]
    html = page(browser, location)
    match = re.search(r'<div class="flash flash-(\w+)" role="status">(.*?)</div>', html, re.S)
    assert match, "no notice on the page after the form"
    return f"{match.group(1)}:{match.group(2)}"


def rows_of(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'<tr class="[^"]*" data-measure="(\d+)">', html)]


def unit_measure_ids(zc: App, unit: str) -> set[int]:
    """Current measures naming the unit directly (the seeds map no groups)."""
    with session_of(zc) as s:
        return set(
            s.scalars(
                select(Measure.id)
                .join(MeasureUnit, MeasureUnit.measure_id == Measure.id)
                .join(Unit, Unit.id == MeasureUnit.unit_id)
                .where(Unit.name == unit, Measure.retired_at.is_(None))
            )
        )


def add_pdf(zc: App, tmp_path: Path, ref: str, who: str = MARKET) -> None:
    path = write_file(tmp_path / "up", f"{ref}-{who}.pdf", pdf_bytes(f"{ref} {who}"))
    add_evidence(zc.uow(), zc.store, actor(zc, who), measure_id(zc, JIADING, ref), item=1, new=NewEvidence(files=[path]))


@pytest.fixture
def wuhan(zc: App, seeds_dir: Path) -> str:
    assert import_seed(zc, seeds_dir, "000") == WUHAN
    return WUHAN


def test_unit_home_lists_exactly_the_units_measures_overdue_first_then_due_soon(
    login: Login, zc: App, wuhan: str, tmp_path: Path
) -> None:
    # Jiading 10 is returned for rectification due in ten days: due soon, not overdue.
    ten = measure_id(zc, JIADING, "10")
    measure_work.start(zc.uow(), actor(zc, MARKET), ten)
    add_pdf(zc, tmp_path, "10")
    measure_work.set_part(zc.uow(), actor(zc, MARKET), ten)
    measure_work.submit_self_check(zc.uow(), actor(zc, MARKET), ten, statement="已完成")
    soon = today() + dt.timedelta(days=10)
    measure_work.return_for_rectification(
        zc.uow(), actor(zc, REVIEWER_A), ten, comment="请补充材料", due=soon, today=today()
    )

    html = page(login(MARKET), "/unit")
    rows = rows_of(html)
    assert set(rows) == unit_measure_ids(zc, "区市场监管局")
    assert len(rows) == len(set(rows))
    overdue_refs = ["38", "48", "3", "4", "29", "50"]  # due 2024-06-30, then 2025-12-31
    overdue = [measure_id(zc, wuhan, ref) for ref in overdue_refs]
    assert rows[:2] == overdue[:2]  # the longest overdue first
    assert set(rows[: len(overdue)]) == set(overdue)
    assert rows[len(overdue)] == measure_id(zc, JIADING, "10")
    # The overdue rows are marked, with their reasons; the due-soon row has its date.
    for mid in overdue:
        assert f'<tr class="row-overdue" data-measure="{mid}">' in html
    assert html.count('class="row-overdue"') == len(overdue)
    assert "2024-06-30 到期,已逾期" in html
    assert f"临期 {soon.isoformat()}" in html and "整改中" in html
    counts = re.findall(r'<span class="count-num">(\d+)</span><span class="count-label">([^<]+)', html)
    assert ("6", "已逾期") in counts and ("1", "临近期限") in counts
    assert (str(len(rows)), "全部任务") in counts
    # Wuhan 25 is led by 区法院 with 区市场监管局 as co-unit.
    row25 = html.split(f'data-measure="{measure_id(zc, wuhan, "25")}"')[1].split("</tr>")[0]
    assert "配合" in row25 and "牵头" not in row25


def test_other_units_see_only_their_own(login: Login, zc: App) -> None:
    rows = rows_of(page(login(COURT), "/unit"))
    assert set(rows) == unit_measure_ids(zc, "区法院")
    assert measure_id(zc, JIADING, "10") not in rows
    economy = rows_of(page(login(ECONOMY), "/unit"))
    assert economy == [measure_id(zc, JIADING, "3")]


def test_groups_count_for_their_member_units(login: Login, zc: App) -> None:
    """Once the office maps 各成员单位, its measures are on each member unit's list."""
    people.set_group_members(zc.uow(), actor(zc, ADMIN), "区知识产权联席会议各成员单位", add=["区法院", "区经委"])
    group_measures = {measure_id(zc, JIADING, ref) for ref in ("1", "5", "21", "22")}
    html = page(login(COURT), "/unit")
    assert set(rows_of(html)) == unit_measure_ids(zc, "区法院") | group_measures
    # Only the group is named, so each member unit leads its own share.
    row1 = html.split(f'data-measure="{measure_id(zc, JIADING, "1")}"')[1].split("</tr>")[0]
    assert "牵头" in row1
    assert set(rows_of(page(login(ECONOMY), "/unit"))) == {measure_id(zc, JIADING, "3")} | group_measures
    # The member may open such a measure; the unit outside the group still may not.
    assert login(COURT).get(f"/measures/{measure_id(zc, JIADING, '1')}").status_code == 200
    assert login(MARKET).get(f"/measures/{measure_id(zc, JIADING, '1')}").status_code == 403


def test_office_people_are_sent_to_the_office_home(login: Login) -> None:
    for name in (REVIEWER_A, ADMIN, MARKET_REVIEWER):
        response = login(name).get("/unit")
        assert response.status_code == 303 and response.headers["location"] == "/office"


def test_unit_home_has_the_logout_form(login: Login) -> None:
    browser = login(MARKET)
    html = page(browser, "/unit")
    assert 'action="/logout"' in html and csrf_of(html)


def test_measure_page_shows_text_units_checklist_and_history(login: Login, zc: App) -> None:
    mid = measure_id(zc, JIADING, "3")
    measure_work.start(zc.uow(), actor(zc, MARKET), measure_id(zc, JIADING, "3"))
    with session_of(zc) as s:
        measure = s.get(Measure, mid)
        assert measure is not None
        text, title, item = measure.text, measure.title, measure.checklist[0].text
    html = page(login(ECONOMY), f"/measures/{mid}")
    assert title in html and text in html and item in html
    assert "区市场监管局" in html and "区经委" in html
    lead_row = html.split("<td>区市场监管局</td>")[1].split("</tr>")[0]
    assert "牵头" in lead_row and "未完成" in lead_row
    assert "推进中" in html
    # History: the start, in Beijing time.
    history = html.split('id="h-history"')[1]
    assert "监管局张" in history and "启动" in history and "未启动 → 推进中" in history
    # A co-unit may add evidence and mark its part, but not submit the self-check.
    assert f'action="/measures/{mid}/evidence"' in html
    assert f'action="/measures/{mid}/part"' in html
    assert f'action="/measures/{mid}/self-check"' not in html
    assert "只有牵头单位可以提交或撤回自查" in html


def test_office_viewers_read_the_measure_without_forms(login: Login, zc: App) -> None:
    mid = measure_id(zc, JIADING, "10")
    html = page(login(REVIEWER_A), f"/measures/{mid}")
    assert "办公室人员在此只读查看" in html
    assert f'action="/measures/{mid}/start"' not in html
    assert 'enctype="multipart/form-data"' not in html


def test_a_measure_driven_through_its_forms(login: Login, zc: App) -> None:
    ref = "10"
    mid = measure_id(zc, JIADING, ref)
    browser = login(MARKET)
    html = page(browser, f"/measures/{mid}")
    csrf = csrf_of(html)
    version = snapshot(zc, JIADING, ref)["version"]
    assert f'name="version" value="{version}"' in html

    response = browser.post(f"/measures/{mid}/start", data={"csrf_token": csrf, "version": version})
    assert response.status_code == 303 and response.headers["location"] == f"/measures/{mid}"
    assert snapshot(zc, JIADING, ref)["state"] is S.IN_PROGRESS
    entry = last_audit(zc)
    assert (entry.action, entry.actor, entry.refused) == ("start", MARKET, False)
    assert flash_of(browser, response).startswith("ok:")

    response = browser.post(
        f"/measures/{mid}/evidence",
        data={"csrf_token": csrf, "item": "1", "note": "年度报告与现场照片", "doc_date": "2024-02-01"},
        files=[
            ("files", ("工作报告.pdf", pdf_bytes("report"), "application/pdf")),
            ("files", ("现场照片.png", png_bytes(), "image/png")),
        ],
    )
    assert response.status_code == 303
    assert "已提交 2 份佐证材料" in flash_of(browser, response)
    with session_of(zc) as s:
        rows = list(s.scalars(select(Evidence).where(Evidence.measure_id == mid).order_by(Evidence.id)))
    assert [(e.file_name, e.media_type, e.doc_date) for e in rows] == [
        ("工作报告.pdf", "pdf", dt.date(2024, 2, 1)),
        ("现场照片.png", "png", dt.date(2024, 2, 1)),
    ]
    assert all(zc.store.exists(e.sha256 or "") for e in rows)
    assert last_audit(zc).action == "evidence_add"
    html = page(browser, f"/measures/{mid}")
    for e in rows:
        assert f'href="/evidence/{e.id}/file"' in html and f'href="/evidence/{e.id}/view"' in html
        assert f'action="/evidence/{e.id}/remove"' in html
    assert "2024-02-01" in html and "年度报告与现场照片" in html

    response = browser.post(f"/measures/{mid}/part", data={"csrf_token": csrf, "done": "1"})
    assert response.status_code == 303
    assert snapshot(zc, JIADING, ref)["parts"] == [(unit_id_of(zc, "区市场监管局"), True)]
    assert last_audit(zc).action == "part_done"
    assert "所有责任单位均已完成" in flash_of(browser, response)

    version = snapshot(zc, JIADING, ref)["version"]
    response = browser.post(
        f"/measures/{mid}/self-check",
        data={"csrf_token": csrf, "version": version, "statement": "已建成快速维权机制", "rating_1": "部分完成"},
    )
    assert response.status_code == 303
    after = snapshot(zc, JIADING, ref)
    assert after["state"] is S.SELF_CHECKED and after["self_checks"] == [(1, False)]
    with session_of(zc) as s:
        check = s.scalars(select(SelfCheck).where(SelfCheck.measure_id == mid)).one()
        assert (check.statement, check.ratings) == ("已建成快速维权机制", {"1": "partial"})
    entry = last_audit(zc)
    assert (entry.action, entry.comment, entry.refused) == ("submit_self_check", "已建成快速维权机制", False)
    html = page(browser, f"/measures/{mid}")
    assert "第 1 轮自查" in html and "自评:部分完成" in html
    assert f'action="/evidence/{rows[0].id}/remove"' not in html  # under review: no changes

    version = snapshot(zc, JIADING, ref)["version"]
    response = browser.post(f"/measures/{mid}/withdraw", data={"csrf_token": csrf, "version": version})
    assert response.status_code == 303
    after = snapshot(zc, JIADING, ref)
    assert after["state"] is S.IN_PROGRESS and after["self_checks"] == [(1, True)]
    assert last_audit(zc).action == "withdraw"
    history = page(browser, f"/measures/{mid}").split('id="h-history"')[1]
    for label in ("启动", "提交佐证材料", "单位部分完成", "提交自查", "撤回自查"):
        assert label in history


def unit_id_of(zc: App, name: str) -> int:
    with session_of(zc) as s:
        found = s.scalar(select(Unit.id).where(Unit.name == name))
        assert found is not None
        return found


def test_a_refused_action_comes_back_as_a_notice_and_is_audited(login: Login, zc: App, tmp_path: Path) -> None:
    mid = measure_id(zc, JIADING, "3")
    measure_work.start(zc.uow(), actor(zc, MARKET), measure_id(zc, JIADING, "3"))
    browser = login(ECONOMY)  # the co-unit may not submit
    csrf = csrf_of(page(browser, f"/measures/{mid}"))
    before = snapshot(zc, JIADING, "3")
    response = browser.post(f"/measures/{mid}/self-check", data={"csrf_token": csrf, "statement": "完成"})
    assert response.status_code == 303 and response.headers["location"] == f"/measures/{mid}"
    notice = flash_of(browser, response)
    assert notice.startswith("error:") and "不是措施" in notice and "牵头单位" in notice
    assert snapshot(zc, JIADING, "3") == before
    entry = last_audit(zc)
    assert (entry.action, entry.actor, entry.refused) == ("submit_self_check", ECONOMY, True)

    # The lead submits too early: the guards' reasons, every one of them.
    lead = login(MARKET)
    response = lead.post(f"/measures/{mid}/self-check", data={"csrf_token": csrf_of(page(lead, f"/measures/{mid}")), "statement": "完成"})
    notice = flash_of(lead, response)
    assert "区经委" in notice and "清单条目缺少佐证材料" in notice
    assert snapshot(zc, JIADING, "3") == before


def test_a_stale_version_is_a_conflict_and_changes_nothing(login: Login, zc: App) -> None:
    mid = measure_id(zc, JIADING, "12")
    browser = login(MARKET)
    csrf = csrf_of(page(browser, f"/measures/{mid}"))
    stale = snapshot(zc, JIADING, "12")["version"]
    measure_work.start(zc.uow(), actor(zc, MARKET), measure_id(zc, JIADING, "12"))
    before = snapshot(zc, JIADING, "12")
    response = browser.post(f"/measures/{mid}/withdraw", data={"csrf_token": csrf, "version": stale})
    assert "已被他人修改" in flash_of(browser, response)
    assert snapshot(zc, JIADING, "12") == before


def test_bad_ratings_and_dates_are_named_in_chinese(login: Login, zc: App) -> None:
    mid = measure_id(zc, JIADING, "12")
    measure_work.start(zc.uow(), actor(zc, MARKET), measure_id(zc, JIADING, "12"))
    browser = login(MARKET)
    csrf = csrf_of(page(browser, f"/measures/{mid}"))
    before = snapshot(zc, JIADING, "12")
    response = browser.post(
        f"/measures/{mid}/self-check", data={"csrf_token": csrf, "statement": "x", "rating_1": "很好"}
    )
    notice = flash_of(browser, response)
    assert notice.startswith("error:") and "rating_1" in notice and "第 1 项的自评" in notice
    assert "完成/部分完成/未完成" in notice and "很好" in notice
    response = browser.post(
        f"/measures/{mid}/evidence",
        data={"csrf_token": csrf, "item": "1", "doc_date": "2024/13/01"},
        files=[("files", ("a.pdf", pdf_bytes(), "application/pdf"))],
    )
    assert "成文日期应为 YYYY-MM-DD" in flash_of(browser, response)
    response = browser.post(
        f"/measures/{mid}/evidence",
        data={"csrf_token": csrf, "item": "7"},
        files=[("files", ("a.pdf", pdf_bytes(), "application/pdf"))],
    )
    assert "没有清单第 7 项" in flash_of(browser, response)
    assert snapshot(zc, JIADING, "12") == before
    assert [e for e in audit_entries(zc) if e.action == "evidence_add" and not e.refused] == []


def test_replace_and_remove_evidence(login: Login, zc: App, tmp_path: Path) -> None:
    mid = measure_id(zc, JIADING, "3")
    measure_work.start(zc.uow(), actor(zc, MARKET), measure_id(zc, JIADING, "3"))
    add_pdf(zc, tmp_path, "3", MARKET)
    add_pdf(zc, tmp_path, "3", ECONOMY)
    with session_of(zc) as s:
        mine, theirs = s.scalars(select(Evidence.id).where(Evidence.measure_id == mid).order_by(Evidence.id))
    co = login(ECONOMY)
    html = page(co, f"/measures/{mid}")
    # The co-unit changes only what it handed in; the lead may tidy everything.
    assert f'action="/evidence/{theirs}/replace"' in html and f'action="/evidence/{mine}/replace"' not in html
    lead_html = page(login(MARKET), f"/measures/{mid}")
    assert f'action="/evidence/{theirs}/remove"' in lead_html and f'action="/evidence/{mine}/remove"' in lead_html

    csrf = csrf_of(html)
    response = co.post(
        f"/evidence/{theirs}/replace",
        data={"csrf_token": csrf},
        files={"file": ("新版.png", png_bytes((1, 2, 3)), "image/png")},
    )
    assert response.status_code == 303 and response.headers["location"] == f"/measures/{mid}"
    assert "已替换为“新版.png”" in flash_of(co, response)
    evidence = snapshot(zc, JIADING, "3")["evidence"]
    new_id = evidence[-1][0]
    assert evidence == [(mine, None, False), (theirs, new_id, False), (new_id, None, False)]
    assert last_audit(zc).action == "evidence_replace"

    response = co.post(f"/evidence/{mine}/remove", data={"csrf_token": csrf})
    assert flash_of(co, response).startswith("error:")
    entry = last_audit(zc)
    assert (entry.action, entry.actor, entry.refused) == ("evidence_remove", ECONOMY, True)

    response = co.post(f"/evidence/{new_id}/remove", data={"csrf_token": csrf})
    assert "已撤下" in flash_of(co, response)
    assert snapshot(zc, JIADING, "3")["evidence"][-1] == (new_id, None, True)


def test_what_the_page_offers_agrees_with_what_the_services_accept(zc: App, tmp_path: Path) -> None:
    """`can` comes from the services' own rules: every False is refused, every True goes through."""
    from workflow.errors import Refused
    from workflow.read.worklist import measure_detail, unit_worklist
    from workflow.services.acting import actor_of, find_person
    from workflow.services.evidence import remove_evidence

    three = measure_id(zc, JIADING, "3")
    mid = measure_id(zc, JIADING, "3")
    measure_work.start(zc.uow(), actor(zc, MARKET), three)
    add_pdf(zc, tmp_path, "3", MARKET)
    add_pdf(zc, tmp_path, "3", ECONOMY)
    with session_of(zc) as s:
        mine, theirs = s.scalars(select(Evidence.id).where(Evidence.measure_id == mid).order_by(Evidence.id))
        actors = {n: actor_of(find_person(s, n)) for n in (MARKET, ECONOMY, REVIEWER_A, MARKET_REVIEWER)}

    def can(name: str) -> dict[str, object]:
        return dataclasses.asdict(measure_detail(zc.uow(), actors[name], mid, today()).can)

    refusals = {
        "start": lambda who: measure_work.start(zc.uow(), actor(zc, who), three),
        "submit": lambda who: measure_work.submit_self_check(zc.uow(), actor(zc, who), three, statement="完成"),
        "withdraw": lambda who: measure_work.withdraw(zc.uow(), actor(zc, who), three),
        "mark_part": lambda who: measure_work.set_part(zc.uow(), actor(zc, who), three),
    }
    before = snapshot(zc, JIADING, "3")
    for name in (ECONOMY, REVIEWER_A, MARKET_REVIEWER):
        offered = can(name)
        for key, call in refusals.items():
            if offered[key]:
                continue
            with pytest.raises(Refused):
                call(name)
        if theirs not in offered["remove"] and mine not in offered["remove"]:
            with pytest.raises(Refused):
                remove_evidence(zc.uow(), actor(zc, name), mine)
    assert snapshot(zc, JIADING, "3") == before
    economy = can(ECONOMY)
    assert (economy["submit"], economy["start"], economy["mark_part"]) == (False, False, True)
    assert economy["remove"] == (theirs,) and economy["replace"] == (theirs,)
    assert not any(v for k, v in can(REVIEWER_A).items() if k != "part_done")
    with pytest.raises(Refused):
        remove_evidence(zc.uow(), actor(zc, ECONOMY), mine)
    # And what is offered goes through.
    measure_work.set_part(zc.uow(), actor(zc, ECONOMY), three)
    assert can(ECONOMY)["part_done"] is True
    assert set(can(MARKET)["remove"]) == {mine, theirs}  # type: ignore[arg-type]
    remove_evidence(zc.uow(), actor(zc, MARKET), theirs)
    assert unit_worklist(zc.uow(), actors[MARKET_REVIEWER], today()) == []
