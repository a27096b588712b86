"""The office records a 现场核查 in a real browser, against a real `zonecheck serve`.

The reviewer opens the plan's 现场核查 tab, fills the form (date, place, participants, units
visited, documents, a sample, findings and conclusion), saves it, uploads two photos (a JPEG
and a PNG) on the record's page and sees them as thumbnails the browser really decoded; a PDF
offered as a photo is refused with a notice naming the field. Screenshots of every step.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import LiveServer, Shots
from tests.browser.test_review_cycle import data, flash, open_browser, sign_in  # noqa: F401 (fixtures)
from tests.integration.workflow_helpers import JIADING, REVIEWER_A, pdf_bytes, session_of
from workflow.bootstrap import App
from workflow.models import Plan, SiteCheckPhoto


def photo(path: Path, kind: str, sky: tuple[int, int, int]) -> Path:
    """A small real picture: sky, a building and a door, encoded as `kind`."""
    image = Image.new("RGB", (640, 480), sky)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 360, 640, 480), fill=(90, 140, 70))
    draw.rectangle((180, 160, 460, 380), fill=(200, 190, 170), outline=(60, 60, 60), width=4)
    draw.rectangle((290, 280, 350, 380), fill=(120, 70, 40))
    buffer = io.BytesIO()
    image.save(buffer, kind)
    path.write_bytes(buffer.getvalue())
    return path


def test_the_reviewer_records_a_site_check_with_photos(
    live_server: LiveServer, data: App, open_browser: Any, shots: Shots, tmp_path: Path  # noqa: F811
) -> None:
    with session_of(data) as session:
        pid = session.scalar(select(Plan.id).where(Plan.key == JIADING))
    reviewer = open_browser(REVIEWER_A)
    sign_in(reviewer, shots)
    page = reviewer.page
    page.goto(f"/office/plans/{pid}")
    page.locator("nav.office-tabs").get_by_role("link", name="现场核查").click()
    expect(page.locator("h1")).to_have_text("现场核查")
    form = page.locator("form.site-check-form")
    form.get_by_label("核查日期").fill("2024-04-20")
    form.get_by_label("核查地点").fill("嘉定区政府第一会议室")
    form.get_by_label("核查结论").fill("达标")
    form.get_by_label("参加人员").fill("李教授|组长\n陈研究员|专家\n审核人甲|办公室")
    form.get_by_label("查阅材料").fill("知识产权联席会议纪要\n知识产权保护工作台账")
    form.get_by_label("抽查情况").fill("安亭镇某汽车零部件企业|专利管理制度与台账|已建立,台账完整")
    form.get_by_label("区市场监管局").check()
    form.get_by_label("区法院").check()
    form.get_by_label("核查发现").fill("联席会议机制运转正常,年度工作台账完整。\n抽查企业的专利管理制度已建立。")
    shots.take(page, "site-check-form")
    form.get_by_role("button", name="保存记录").click()
    expect(flash(page)).to_contain_text("已记录现场核查#1")
    expect(page.locator("#site-check")).to_contain_text("李教授(组长)、陈研究员(专家)")

    upload = page.locator("#photos form.upload-form")
    upload.locator('input[name="file"]').set_input_files(str(pdf_to(tmp_path / "会议纪要.pdf")))
    upload.get_by_label("照片说明").fill("不是照片")
    upload.get_by_role("button", name="上传照片").click()
    expect(flash(page)).to_contain_text("现场核查的“现场照片”只接受 JPEG 或 PNG 图片")
    shots.take(page, "photo-refused")
    for name, kind, sky, caption in (
        ("会场.jpg", "JPEG", (150, 190, 230), "听取工作汇报"),
        ("企业.png", "PNG", (230, 200, 150), "抽查企业专利管理台账"),
    ):
        upload = page.locator("#photos form.upload-form")
        upload.locator('input[name="file"]').set_input_files(str(photo(tmp_path / name, kind, sky)))
        upload.get_by_label("照片说明").fill(caption)
        upload.get_by_role("button", name="上传照片").click()
        expect(flash(page)).to_contain_text(f"“{caption}”")
    thumbs = page.locator("figure.photo img")
    expect(thumbs).to_have_count(2)
    for n in range(2):
        thumbs.nth(n).scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth === 640", arg=thumbs.nth(n).element_handle())
    shots.take(page, "site-check-with-photos")

    page.get_by_role("link", name="返回现场核查列表").click()
    expect(page.locator("#site-checks tbody tr")).to_have_count(1)
    expect(page.locator("#site-checks")).to_contain_text("嘉定区政府第一会议室")
    shots.take(page, "site-check-list")
    with session_of(data) as session:
        assert sorted(session.scalars(select(SiteCheckPhoto.media_type))) == ["jpg", "png"]
    assert reviewer.problems == []


def pdf_to(path: Path) -> Path:
    path.write_bytes(pdf_bytes("会议纪要"))
    return path
