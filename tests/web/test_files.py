"""Uploading and downloading evidence through the web: types from content, size limits while
reading, the request body limit, hostile file names and the headers of downloads and views."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.workflow_helpers import (
    JIADING,
    MARKET,
    actor,
    count,
    make_app,
    measure_id,
    pdf_bytes,
    png_bytes,
    session_of,
    store_files,
)
from tests.web.conftest import Login, csrf_of, sign_in
from workflow.bootstrap import App
from workflow.models import Evidence
from workflow.services import measure_work
from workflow.web.app import create_app
from workflow.web.downloads import content_disposition

XHR = {"Accept": "application/json", "X-Requested-With": "XMLHttpRequest"}


@pytest.fixture
def started(zc: App) -> int:
    """Jiading 10 (区市场监管局 alone), started: evidence may be added."""
    measure_work.start(zc.uow(), actor(zc, MARKET), measure_id(zc, JIADING, "10"))
    return measure_id(zc, JIADING, "10")


def upload(browser: TestClient, mid: int, *files: tuple[str, bytes], xhr: bool = False) -> object:
    csrf = csrf_of(browser.get(f"/measures/{mid}").text)
    return browser.post(
        f"/measures/{mid}/evidence",
        data={"csrf_token": csrf, "item": "1"},
        files=[("files", (name, data, "application/octet-stream")) for name, data in files],
        headers=XHR if xhr else {},
    )


def evidence_rows(zc: App, mid: int) -> list[Evidence]:
    with session_of(zc) as s:
        return list(s.scalars(select(Evidence).where(Evidence.measure_id == mid).order_by(Evidence.id)))


def notice(browser: TestClient, response: object) -> str:
    html = browser.get(response.headers["location"]).text  # type: ignore[attr-defined]
    match = re.search(r'<div class="flash flash-(\w+)" role="status">(.*?)</div>', html, re.S)
    assert match
    return f"{match.group(1)}:{match.group(2)}"


def test_the_type_comes_from_the_content_not_the_name(login: Login, zc: App, started: int) -> None:
    browser = login(MARKET)
    response = upload(browser, started, ("扫描件.pdf", png_bytes()), xhr=True)
    assert response.status_code == 200  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["ok"] is True and "扫描件.png" in body["message"]  # named after its content
    [row] = evidence_rows(zc, started)
    assert (row.file_name, row.media_type) == ("扫描件.png", "png")
    download = browser.get(f"/evidence/{row.id}/file")
    assert download.status_code == 200
    assert download.headers["content-type"] == "image/png"
    assert download.content == png_bytes()


@pytest.mark.parametrize(
    ("name", "data", "detected"),
    [
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 200, "可执行文件"),
        ("通知.pdf", "这只是一段文字,不是 PDF。\n".encode() * 20, "文本"),
        ("page.pdf", b"<!doctype html><html><script>alert(1)</script></html>", "网页"),
    ],
)
def test_disallowed_content_is_refused_naming_the_file(
    login: Login, zc: App, started: int, name: str, data: bytes, detected: str
) -> None:
    browser = login(MARKET)
    response = upload(browser, started, (name, data), xhr=True)
    assert response.status_code == 400  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["ok"] is False
    assert f"文件“{name}”的类型不在允许范围内" in body["message"] and detected in body["message"]
    assert evidence_rows(zc, started) == []
    assert [p for p in store_files(zc.settings.evidence_dir) if "objects" in p.parts] == []
    # A plain form gets the same reason as a notice on the measure page.
    response = upload(browser, started, (name, data))
    assert response.status_code == 303  # type: ignore[attr-defined]
    text = notice(browser, response)
    assert text.startswith("error:") and name in text


def test_one_bad_file_refuses_the_whole_form_and_keeps_nothing(login: Login, zc: App, started: int) -> None:
    browser = login(MARKET)
    response = upload(browser, started, ("好.pdf", pdf_bytes("good")), ("坏.pdf", b"MZ" + b"\x00" * 64))
    assert "坏.pdf" in notice(browser, response)
    assert evidence_rows(zc, started) == []
    assert store_files(zc.settings.evidence_dir) == []


@pytest.fixture
def small(zc: App, db_url: str, tmp_path: Path) -> Iterator[tuple[App, TestClient]]:
    """The same database served with a 10 KB upload limit; signed in as MARKET."""
    app = make_app(db_url, tmp_path / "small-home", max_upload_bytes=10_000)
    with TestClient(create_app(zc=app), base_url="https://testserver", follow_redirects=False) as c:
        yield app, sign_in(c, MARKET)
    app.close()


def test_an_oversized_file_is_refused_while_reading_and_nothing_is_kept(
    small: tuple[App, TestClient], started: int
) -> None:
    app, browser = small
    big = pdf_bytes() + b"%" * 40_000  # under the body limit, over the file limit
    response = upload(browser, started, ("大文件.pdf", big), xhr=True)
    assert response.status_code == 400  # type: ignore[attr-defined]
    message = response.json()["message"]  # type: ignore[attr-defined]
    assert "文件“大文件.pdf”超过大小上限" in message and "未保存" in message
    assert evidence_rows(app, started) == []
    assert store_files(app.settings.evidence_dir) == []  # no blob and no temporary file
    assert count(app, Evidence) == 0


def test_a_request_over_the_body_limit_gets_413_in_chinese(small: tuple[App, TestClient], started: int) -> None:
    app, browser = small
    huge = pdf_bytes() + b"%" * (1 << 20) + b"%" * 20_000  # over limit + 1 MiB
    response = upload(browser, started, ("巨大.pdf", huge), xhr=True)
    assert response.status_code == 413  # type: ignore[attr-defined]
    assert "请求过大" in response.text and "请分多次上传" in response.text  # type: ignore[attr-defined]
    assert evidence_rows(app, started) == []
    assert store_files(app.settings.evidence_dir) == []


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("../../etc/passwd", "passwd.pdf"),  # the extension of its content
        ("报告 (终稿).pdf", "报告 (终稿).pdf"),
        ('a"b\r\nX-Evil: 1.pdf', None),  # how the client escapes it varies; checked below
    ],
)
def test_hostile_names_are_stored_sanitised_and_downloaded_safely(
    login: Login, zc: App, started: int, sent: str, stored: str | None
) -> None:
    browser = login(MARKET)
    response = upload(browser, started, (sent, pdf_bytes(sent)), xhr=True)
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    [row] = evidence_rows(zc, started)
    name = row.file_name
    if stored is not None:
        assert name == stored
    assert not set(name) & set('"/\\\r\n:'), name
    for path in ("file", "view"):
        answer = browser.get(f"/evidence/{row.id}/{path}")
        assert answer.status_code == 200
        disposition = answer.headers["content-disposition"]
        assert "\r" not in disposition and "\n" not in disposition and disposition.isascii()
        assert disposition.startswith("attachment;" if path == "file" else "inline;")
        exact = re.search(r"filename\*=UTF-8''(\S+)$", disposition)
        assert exact and unquote(exact.group(1)) == name
        fallback = re.search(r'filename="([^"]*)"', disposition)
        assert fallback and fallback.group(1)
        assert "x-evil" not in {k.lower() for k in answer.headers}


def test_content_disposition_never_breaks_the_header() -> None:
    header = content_disposition('a"b\r\nX-Evil: 1;报告\\.pdf')
    assert header.isascii() and "\r" not in header and "\n" not in header
    assert header.startswith('attachment; filename="a_b_X-Evil: 1_')
    assert header.count('"') == 2
    assert unquote(header.split("filename*=UTF-8''")[1]) == 'a"b\r\nX-Evil: 1;报告\\.pdf'
    assert content_disposition("报告.pdf", "inline").startswith('inline; filename="_.pdf"')
    assert content_disposition("résumé.pdf", "inline").startswith('inline; filename="resume.pdf"')


def test_view_and_download_headers(login: Login, zc: App, started: int) -> None:
    browser = login(MARKET)
    upload(browser, started, ("材料.pdf", pdf_bytes()), ("图.png", png_bytes()), xhr=False)
    pdf, png = evidence_rows(zc, started)
    view = browser.get(f"/evidence/{pdf.id}/view")
    assert view.status_code == 200 and view.content == pdf_bytes()
    assert view.headers["content-type"] == "application/pdf"
    policy = view.headers["content-security-policy"]
    assert "sandbox" in policy and "frame-ancestors 'self'" in policy and "default-src 'none'" in policy
    assert view.headers["x-frame-options"] == "SAMEORIGIN"
    assert view.headers["cache-control"] == "private, no-store"
    assert view.headers["x-content-type-options"] == "nosniff"
    assert browser.get(f"/evidence/{png.id}/view").headers["content-type"] == "image/png"
    download = browser.get(f"/evidence/{pdf.id}/file")
    assert download.headers["x-frame-options"] == "DENY"
    assert download.headers["cache-control"] == "private, no-store"
    assert download.headers["content-disposition"].startswith("attachment;")


def test_a_document_that_cannot_be_shown_inline_is_downloaded(login: Login, zc: App, started: int, tmp_path: Path) -> None:
    import zipfile

    archive = tmp_path / "材料.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("readme.txt", "材料")
    browser = login(MARKET)
    upload(browser, started, ("材料.zip", archive.read_bytes()))
    [row] = evidence_rows(zc, started)
    assert row.media_type == "zip"
    view = browser.get(f"/evidence/{row.id}/view")
    assert view.status_code == 303 and view.headers["location"] == f"/evidence/{row.id}/file"
    assert browser.get(f"/evidence/{row.id}/file").headers["content-type"] == "application/zip"


def test_a_missing_file_is_a_chinese_not_found(login: Login, zc: App, started: int) -> None:
    browser = login(MARKET)
    upload(browser, started, ("材料.pdf", pdf_bytes()))
    [row] = evidence_rows(zc, started)
    assert row.sha256
    zc.store.path_of(row.sha256).unlink()
    for path in ("file", "view"):
        response = browser.get(f"/evidence/{row.id}/{path}")
        assert response.status_code == 404
        assert "文件缺失" in response.text and "zonecheck evidence verify" in response.text


def test_the_api_gets_its_413_as_json(small: tuple[App, TestClient], started: int) -> None:
    _app, browser = small
    huge = b"%PDF-1.4\n" + b"%" * ((1 << 20) + 20_000)
    response = browser.post(
        f"/api/v1/measures/{started}/evidence",
        files={"files": ("巨大.pdf", huge, "application/pdf")},
        data={"item": "1"},  # signed in by the cookie: sign-in is checked before the size
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "http_413"
    assert "请求过大" in response.json()["error"]["message"]
