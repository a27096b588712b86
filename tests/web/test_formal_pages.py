"""The formal review in the browser: the office opens it, reads every unit's gaps, downloads a
unit's one-time notice (registered) and closes it; the unit reads its own notice and sees its
supply marked; a unit member cannot use the office's page."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from tests.integration.workflow_helpers import (
    COURT,
    JIADING,
    REVIEWER_A,
    actor,
    measure_id,
    pdf_bytes,
    plan_id,
    session_of,
    write_file,
)
from tests.web.conftest import Login, csrf_of
from workflow.bootstrap import App
from workflow.models import FormalReview, IssuedReport
from workflow.services import measure_work
from workflow.services.evidence import NewEvidence, add_evidence


def test_the_office_opens_downloads_a_notice_and_closes_the_unit_reads_its_own(
    zc: App, login: Login, tmp_path: Path
) -> None:
    pid = plan_id(zc, JIADING)
    office = login(REVIEWER_A)
    page = office.get(f"/office/plans/{pid}/formal")
    assert page.status_code == 200 and "开始形式审查" in page.text and "现在审查将发现的缺漏" in page.text
    opened = office.post(
        f"/office/plans/{pid}/formal/open", data={"csrf_token": csrf_of(page.text), "days": "5", "today": "2026-09-24"}
    )
    assert opened.status_code == 303
    page = office.get(f"/office/plans/{pid}/formal")
    assert "2026-10-09" in page.text
    assert "区法院" in page.text and "未发" in page.text

    notice = office.post(f"/office/plans/{pid}/formal/notice", data={"csrf_token": csrf_of(page.text), "unit": "区法院"})
    assert notice.status_code == 200 and notice.headers["content-type"] == "application/pdf"
    assert notice.content.startswith(b"%PDF")
    with session_of(zc) as session:
        [report] = session.scalars(select(IssuedReport).where(IssuedReport.kind == "formal_notice"))
        assert report.unit is not None and report.unit.name == "区法院"

    measure_work.start(zc.uow(), actor(zc, COURT), measure_id(zc, JIADING, "13"))
    add_evidence(
        zc.uow(), zc.store, actor(zc, COURT), measure_id(zc, JIADING, "13"), item=1,
        new=NewEvidence(files=[write_file(tmp_path, "判决书.pdf", pdf_bytes())]),
    )  # fmt: skip
    court = login(COURT)
    own = court.get("/unit/formal")
    assert own.status_code == 200
    assert "缺少自查情况说明" in own.text and "2026-10-09" in own.text and "判决书.pdf" in own.text
    assert "逾期" in own.text  # today is after 2026-10-09
    assert court.get(f"/office/plans/{pid}/formal").status_code == 403

    page = office.get(f"/office/plans/{pid}/formal")
    assert "判决书.pdf" in page.text and "重新下载" in page.text
    closed = office.post(f"/office/plans/{pid}/formal/close", data={"csrf_token": csrf_of(page.text)})
    assert closed.status_code == 303
    with session_of(zc) as session:
        review = session.scalar(select(FormalReview))
        assert review is not None and review.closed_at is not None
    again = office.post(f"/office/plans/{pid}/formal/close", data={"csrf_token": csrf_of(page.text)})
    assert again.status_code == 303
    assert "已于" in office.get(again.headers["location"]).text
