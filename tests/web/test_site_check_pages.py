"""The 现场核查 pages as the office uses them: record a check with the form, open it, upload
a photo and see its thumbnail, edit, remove and delete; bad input comes back to the form as a
Chinese notice naming the field, with nothing written; a unit member is refused."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.integration.workflow_helpers import (
    ADMIN,
    MARKET,
    REVIEWER_A,
    count,
    pdf_bytes,
    plan_id,
    png_bytes,
)
from tests.web.conftest import Login, page_csrf
from workflow.bootstrap import App
from workflow.models import SiteCheck, SiteCheckPhoto, Unit

FORM = {
    "date": "2024-04-20",
    "place": "嘉定区政府第一会议室",
    "participants": "李教授|组长\r\n陈研究员|专家\r\n",
    "documents": "联席会议纪要\r\n保护工作台账",
    "samples": "安亭镇某企业|专利管理制度|已建立",
    "findings": "机制健全。\r\n台账完整。",
    "conclusion": "达标",
}


def units(zc: App, *names: str) -> list[str]:
    with zc.uow() as uow:
        return [str(uow.session.query(Unit.id).filter(Unit.name == n).scalar()) for n in names]


def notice(client: TestClient, response: object) -> str:
    location = response.headers["location"]  # type: ignore[attr-defined]
    return client.get(location).text


def record(zc: App, office: TestClient, **changes: str) -> object:
    plan = plan_id(zc, "003")
    csrf = page_csrf(office, f"/plans/{plan}/site-checks")
    data = {**FORM, **changes, "csrf_token": csrf, "unit": units(zc, "区市场监管局", "区法院")}
    return office.post(f"/plans/{plan}/site-checks", data=data)


def test_the_office_records_a_check_and_adds_a_photo_shown_as_a_thumbnail(zc: App, login: Login) -> None:
    office = login(REVIEWER_A)
    plan = plan_id(zc, "003")
    page = office.get(f"/plans/{plan}/site-checks")
    assert page.status_code == 200 and "记录一次现场核查" in page.text and "区市场监管局" in page.text
    saved = record(zc, office)
    assert saved.status_code == 303, saved.text[:2000]  # type: ignore[attr-defined]
    assert saved.headers["location"] == "/site-checks/1"  # type: ignore[attr-defined]
    shown = notice(office, saved)
    assert "已记录现场核查#1" in shown and "李教授(组长)、陈研究员(专家)" in shown
    assert "区市场监管局、区法院" in shown and "安亭镇某企业" in shown and "机制健全。\n台账完整。" in shown
    csrf = page_csrf(office, "/site-checks/1")
    files = {"file": ("现场.png", png_bytes(), "image/png")}
    added = office.post("/site-checks/1/photos", data={"csrf_token": csrf, "caption": "查阅台账"}, files=files)
    assert "已添加照片#1“查阅台账”" in notice(office, added)
    page = office.get("/site-checks/1").text
    assert re.search(r'<img src="/site-photos/1" alt="查阅台账"', page)
    image = office.get("/site-photos/1")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png" and image.content == png_bytes()
    listed = office.get(f"/plans/{plan}/site-checks").text
    assert "嘉定区政府第一会议室" in listed and 'href="/site-checks/1"' in listed


def test_bad_input_is_a_notice_naming_the_field_and_nothing_is_written(zc: App, login: Login) -> None:
    office = login(REVIEWER_A)
    for changes, said in (
        ({"date": "2099-01-01"}, "现场核查的“核查日期” 2099-01-01 晚于今天"),
        ({"date": "明天"}, "现场核查的“核查日期”应为 YYYY-MM-DD 格式的日期"),
        ({"samples": "只有地点"}, "现场核查的“抽查情况”第 1 项应写作"),
        ({"participants": ""}, "现场核查的“参加人员”至少应有一人"),
    ):
        refused = record(zc, office, **changes)
        assert refused.status_code == 400, changes  # type: ignore[attr-defined]
        page = refused.text  # type: ignore[attr-defined]
        assert said in page and 'value="嘉定区政府第一会议室"' in page, changes  # the form comes back as typed
        assert "陈研究员|专家" in page or changes.get("participants") == "", changes
    assert count(zc, SiteCheck) == 0
    assert record(zc, office).status_code == 303  # type: ignore[attr-defined]
    csrf = page_csrf(office, "/site-checks/1")
    files = {"file": ("现场.pdf", pdf_bytes(), "application/pdf")}
    refused = office.post("/site-checks/1/photos", data={"csrf_token": csrf, "caption": "照片"}, files=files)
    assert "现场核查的“现场照片”只接受 JPEG 或 PNG 图片" in notice(office, refused)
    assert count(zc, SiteCheckPhoto) == 0


def test_edit_remove_and_delete_go_through_the_record_page(zc: App, login: Login) -> None:
    office = login(ADMIN)
    record(zc, office)
    csrf = page_csrf(office, "/site-checks/1")
    data = {**FORM, "conclusion": "基本达标", "version": "1", "csrf_token": csrf}
    edited = office.post("/site-checks/1", data=data)
    assert "已修改现场核查#1" in notice(office, edited)
    stale = office.post("/site-checks/1", data=data)  # version 1 again
    assert "在您查看之后已被他人修改" in notice(office, stale)
    bad = office.post("/site-checks/1", data={**data, "version": "2", "samples": "只有地点"})
    assert bad.status_code == 400 and "现场核查的“抽查情况”第 1 项应写作" in bad.text and "<details open>" in bad.text
    office.post("/site-checks/1/photos", data={"csrf_token": csrf, "caption": "台账"}, files={"file": ("a.png", png_bytes(), "image/png")})
    removed = office.post("/site-photos/1/remove", data={"csrf_token": csrf})
    assert "已撤下照片#1" in notice(office, removed)
    deleted = office.post("/site-checks/1/delete", data={"csrf_token": csrf, "version": "2"})
    assert deleted.headers["location"] == f"/plans/{plan_id(zc, '003')}/site-checks"
    assert count(zc, SiteCheck) == 0


def test_a_unit_member_is_refused_the_pages(zc: App, login: Login) -> None:
    member = login(MARKET)
    page = member.get(f"/plans/{plan_id(zc, '003')}/site-checks")
    assert page.status_code == 403 and "无权记录或查看现场核查" in page.text
