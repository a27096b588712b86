"""Report downloads from the office: registered PDFs, the evidence bundle and the ledger, each
asked for with a button that answers with the render job's page, rendered by the worker's
function (`run_render`, called here in place of a worker process: tests/integration/
test_render_jobs.py runs real ones) and downloaded from that page."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select

from tests.integration.workflow_helpers import ADMIN, JIADING, REVIEWER_A, session_of
from tests.web.conftest import Login, csrf_of
from tests.web.test_office_support import drive_demo
from workflow.bootstrap import App
from workflow.jobs.renders import run_render
from workflow.models import IssuedReport
from workflow.read.plans import find_plan
from workflow.web.downloads import content_disposition


def plan_id(app: App) -> int:
    with app.uow() as uow:
        return find_plan(uow.session, JIADING, None).id


def issued(app: App) -> list[IssuedReport]:
    with session_of(app) as session:
        return list(session.scalars(select(IssuedReport).order_by(IssuedReport.id)))


def job_of(response: Response) -> str:
    """The job page a report button answered with."""
    assert response.status_code == 303, response.text
    url = response.headers["location"]
    assert url.startswith("/office/jobs/"), url
    return url


def rendered(zc: App, office: TestClient, response: Response) -> Response:
    """Follow a report button: its page says 生成中 until the job is rendered, then links the
    file; the download."""
    url = job_of(response)
    assert "生成中" in office.get(url).text
    run_render(zc, int(url.rsplit("/", 1)[1]))
    page = office.get(url).text
    assert "已完成" in page and f'href="{url}/download"' in page, page
    download = office.get(f"{url}/download")
    assert download.status_code == 200
    return download


def failed(zc: App, office: TestClient, response: Response) -> str:
    """Follow a report button whose render fails: the job's page, saying why."""
    url = job_of(response)
    run_render(zc, int(url.rsplit("/", 1)[1]))
    page = office.get(url).text
    assert "生成失败" in page and "download" not in page
    return page


def pdf_text(data: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_acceptance_report_is_a_registered_pdf_with_the_measures(
    zc: App, login: Login, tmp_path: Path
) -> None:
    drive_demo(zc, tmp_path / "files")
    office = login(REVIEWER_A)
    pid = plan_id(zc)
    page = office.get(f"/office/plans/{pid}/reports")
    assert page.status_code == 200 and "尚未生成过报告" in page.text
    response = rendered(zc, office, office.post(
        f"/office/plans/{pid}/reports/acceptance",
        data={"csrf_token": csrf_of(page.text), "number": "嘉知保办〔2024〕3号"},
    ))
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="')
    name = unquote(disposition.split("filename*=UTF-8''")[1])
    assert name.startswith(f"{JIADING}-验收报告-") and name.endswith(".pdf")
    text = pdf_text(response.content, tmp_path)
    assert "开展知识产权代理行业" in text.replace(" ", "")  # measure 12, accepted
    [row] = issued(zc)
    assert (row.kind, row.file_name, row.size) == ("acceptance", name, len(response.content))
    register = office.get(f"/office/plans/{pid}/reports").text
    assert name in register and row.sha256[:16] in register and REVIEWER_A in register


def test_selfcheck_report_for_one_unit(zc: App, login: Login, tmp_path: Path) -> None:
    drive_demo(zc, tmp_path / "files")
    office = login(REVIEWER_A)
    pid = plan_id(zc)
    token = csrf_of(office.get(f"/office/plans/{pid}/reports").text)
    response = rendered(zc, office, office.post(
        f"/office/plans/{pid}/reports/selfcheck", data={"csrf_token": token, "unit": "区法院"}
    ))
    assert response.content.startswith(b"%PDF")
    assert "区法院" in unquote(response.headers["content-disposition"])
    [row] = issued(zc)
    assert row.kind == "selfcheck" and row.unit_id is not None


def test_a_report_as_word_is_a_registered_docx(zc: App, login: Login, tmp_path: Path) -> None:
    from docx import Document

    drive_demo(zc, tmp_path / "files")
    office = login(REVIEWER_A)
    pid = plan_id(zc)
    page = office.get(f"/office/plans/{pid}/reports").text
    assert 'value="docx"' in page and "自评报告" in page and "验收汇总表" in page
    response = rendered(zc, office, office.post(
        f"/office/plans/{pid}/reports/acceptance", data={"csrf_token": csrf_of(page), "format": "docx"}
    ))
    assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert ".docx" in unquote(response.headers["content-disposition"])
    text = "".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "验收报告" in text
    [row] = issued(zc)
    assert row.kind == "acceptance" and row.file_name.endswith(".docx") and row.pages == 0


def test_the_summary_and_self_assessment_need_an_index_and_a_wrong_format_is_refused(zc: App, login: Login) -> None:
    office = login(REVIEWER_A)
    pid = plan_id(zc)
    token = csrf_of(office.get(f"/office/plans/{pid}/reports").text)
    for kind, fmt in (("summary", "xlsx"), ("selfassessment", "docx")):
        # Known only once the data is read: the render job fails, and its page says why.
        response = office.post(f"/office/plans/{pid}/reports/{kind}", data={"csrf_token": token, "format": fmt})
        assert "尚未载入评价指标体系" in failed(zc, office, response), (kind, fmt)
    for kind, fmt, said in (("summary", "pdf", "只能生成为 Excel"), ("acceptance", "exe", "只能生成为 PDF")):
        # Refused before any job is made.
        response = office.post(f"/office/plans/{pid}/reports/{kind}", data={"csrf_token": token, "format": fmt})
        assert response.status_code == 303 and response.headers["location"] == f"/office/plans/{pid}/reports"
        assert said in office.get(f"/office/plans/{pid}/reports").text, (kind, fmt)
    assert issued(zc) == []


def test_a_notice_with_nothing_to_notify_is_refused_with_the_reason(
    zc: App, login: Login, tmp_path: Path
) -> None:
    office = login(REVIEWER_A)
    pid = plan_id(zc)
    token = csrf_of(office.get(f"/office/plans/{pid}/reports").text)
    response = office.post(f"/office/plans/{pid}/reports/rectification", data={"csrf_token": token})
    page = failed(zc, office, response)
    assert "没有退回整改未完成的措施,无需发整改通知" in page and "flash-error" in page
    assert issued(zc) == []


def test_rectification_notice_for_a_returned_measure(zc: App, login: Login, tmp_path: Path) -> None:
    drive_demo(zc, tmp_path / "files")
    office = login(ADMIN)
    pid = plan_id(zc)
    token = csrf_of(office.get(f"/office/plans/{pid}/reports").text)
    response = rendered(zc, office, office.post(f"/office/plans/{pid}/reports/rectification", data={"csrf_token": token}))
    assert response.content.startswith(b"%PDF")
    assert "请补充执法台账" in pdf_text(response.content, tmp_path).replace(" ", "").replace(",", ",")


def test_stage_report_needs_its_date(zc: App, login: Login, tmp_path: Path) -> None:
    office = login(REVIEWER_A)
    pid = plan_id(zc)
    token = csrf_of(office.get(f"/office/plans/{pid}/reports").text)
    response = office.post(f"/office/plans/{pid}/reports/stage", data={"csrf_token": token, "as_of": "x"})
    assert response.status_code == 303
    assert "截至日期:应为 YYYY-MM-DD" in office.get(f"/office/plans/{pid}/reports").text
    response = rendered(zc, office, office.post(
        f"/office/plans/{pid}/reports/stage", data={"csrf_token": token, "as_of": "2024-06-30"}
    ))
    assert response.content.startswith(b"%PDF")
    assert issued(zc)[-1].kind == "stage"


def test_bundle_is_a_zip_with_its_manifest(zc: App, login: Login, tmp_path: Path) -> None:
    drive_demo(zc, tmp_path / "files")
    office = login(REVIEWER_A)
    pid = plan_id(zc)
    token = csrf_of(office.get(f"/office/plans/{pid}/reports").text)
    response = rendered(zc, office, office.post(f"/office/plans/{pid}/reports/bundle", data={"csrf_token": token}))
    assert response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
    assert "SHA256SUMS" in names
    assert any(n.endswith("执法台账.pdf") for n in names)
    assert manifest


def test_bundle_of_a_plan_without_evidence_is_refused(zc: App, login: Login) -> None:
    office = login(REVIEWER_A)
    pid = plan_id(zc)
    token = csrf_of(office.get(f"/office/plans/{pid}/reports").text)
    response = office.post(f"/office/plans/{pid}/reports/bundle", data={"csrf_token": token})
    assert "尚无有效的佐证材料" in failed(zc, office, response)


def test_ledger_opens_in_openpyxl(
    zc: App, login: Login, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drive_demo(zc, tmp_path / "files")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    office = login(REVIEWER_A)
    pid = plan_id(zc)
    token = csrf_of(office.get(f"/office/plans/{pid}/reports").text)
    response = rendered(zc, office, office.post(f"/office/plans/{pid}/reports/ledger", data={"csrf_token": token}))
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    cells = [str(c.value) for row in book.worksheets[0].iter_rows() for c in row if c.value]
    assert any("开展知识产权代理行业" in c for c in cells)
    assert list(scratch.iterdir()) == []  # rendered in the job's own folder, renamed into place


def test_report_posts_need_the_csrf_token(zc: App, login: Login) -> None:
    office = login(REVIEWER_A)
    pid = plan_id(zc)
    for kind in ("acceptance", "bundle", "ledger"):
        response = office.post(f"/office/plans/{pid}/reports/{kind}", data={})
        assert response.status_code == 403
    assert issued(zc) == []


def test_content_disposition_has_an_ascii_fallback_and_the_utf8_name() -> None:
    header = content_disposition("003_ae65-验收报告-区法院-2024-03-01.pdf")
    assert header.isascii()
    assert header.startswith('attachment; filename="003_ae65-_-_-2024-03-01.pdf"; ')
    assert unquote(header.split("filename*=UTF-8''")[1]) == "003_ae65-验收报告-区法院-2024-03-01.pdf"
    odd = content_disposition('a"b\r\n.pdf')
    assert odd.startswith('attachment; filename="a_b_.pdf"; ') and "\r" not in odd and "\n" not in odd
