"""The web edge (issue 12): sign-in before a body is read, each kind of session only where it
belongs, every cookie Secure, and text no database can store refused with a 422 on the pages as
on the API (both backends: PostgreSQL's text cannot hold NUL)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.integration.workflow_helpers import (
    JIADING,
    MARKET,
    audit_entries,
    count,
    make_app,
    measure_id,
    pdf_bytes,
    store_files,
)
from tests.web.conftest import PASSWORD, Login, csrf_of, page_csrf
from workflow.bootstrap import App
from workflow.domain.storable import unstorable
from workflow.models import Evidence
from workflow.web.app import create_app
from workflow.web.input_text import MULTILINE_FIELDS

MIB = 1 << 20
TEMPLATES = Path(__file__).parents[2] / "workflow" / "web" / "templates"


class Body:
    """215 MiB sent chunked, counting what the server pulled of it."""

    def __init__(self, mib: int = 215) -> None:
        self.mib = mib
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        chunk = b"x" * MIB
        for _ in range(self.mib):
            self.sent += 1
            yield chunk


MULTIPART = {"Content-Type": "multipart/form-data; boundary=zonecheck"}


def api_token(client: TestClient) -> str:
    response = client.post("/api/v1/session", json={"name": MARKET, "password": PASSWORD})
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    return token


# ------------------------------------------------------------------------ sign-in before body


def test_an_unsigned_huge_upload_is_told_to_sign_in_before_its_body_is_read(
    zc: App, client: TestClient
) -> None:
    mid = measure_id(zc, JIADING, "10")
    api_body = Body()
    api = client.post(f"/api/v1/measures/{mid}/evidence", content=api_body, headers=MULTIPART)
    assert api.status_code == 401 and api.json()["error"]["code"] == "not_signed_in"
    page_body = Body()
    page = client.post(f"/measures/{mid}/evidence", content=page_body, headers=MULTIPART)
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")
    assert (api_body.sent, page_body.sent) == (0, 0)
    # Declared too large: still the sign-in answer, not 413.
    declared = client.post(
        f"/api/v1/measures/{mid}/evidence", content=b"x", headers=MULTIPART | {"Content-Length": str(215 * MIB)}
    )
    assert declared.status_code == 401
    assert store_files(zc.store.root) == []


def test_a_forged_or_expired_token_is_no_sign_in_either(zc: App, client: TestClient) -> None:
    mid = measure_id(zc, JIADING, "10")
    body = Body()
    response = client.post(
        f"/api/v1/measures/{mid}/evidence", content=body, headers=MULTIPART | {"Authorization": "Bearer forged"}
    )
    assert response.status_code == 401 and body.sent == 0


def test_signing_in_itself_needs_no_session(client: TestClient) -> None:
    assert client.post("/api/v1/session", json={"name": MARKET, "password": PASSWORD}).status_code == 201


# ------------------------------------------------------------------ one kind of session each


def test_an_api_token_is_not_a_browser_session(zc: App, client: TestClient) -> None:
    token = api_token(client)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    thief = TestClient(client.app, base_url="https://testserver", follow_redirects=False)
    thief.cookies.set("zc_session", token)  # 30 days, no idle limit: not where it belongs
    assert thief.get("/unit").status_code == 303
    assert thief.get("/api/v1/me").status_code == 401


def test_a_browser_session_is_not_a_bearer_token(login: Login) -> None:
    browser = login(MARKET)
    cookie = browser.cookies["zc_session"]
    other = TestClient(browser.app, base_url="https://testserver", follow_redirects=False)
    assert other.get("/api/v1/me", headers={"Authorization": f"Bearer {cookie}"}).status_code == 401
    assert browser.get("/api/v1/me").status_code == 200  # as the cookie it still works


# --------------------------------------------------------------------------- secure cookies


def cookies_set(response: object) -> list[str]:
    return [v for k, v in response.headers.multi_items() if k == "set-cookie"]  # type: ignore[attr-defined]


def test_every_cookie_is_secure(login: Login, client: TestClient) -> None:
    seen = cookies_set(client.get("/login"))
    browser = login(MARKET)
    logout = browser.post("/logout", data={"csrf_token": page_csrf(browser, "/login")})
    seen += cookies_set(logout)
    names = {c.split("=", 1)[0] for c in seen}
    assert {"zc_login_csrf", "zc_flash", "zc_session"} <= names
    notice = TestClient(browser.app, base_url="https://testserver", follow_redirects=False)
    notice.cookies.set("zc_flash", logout.cookies["zc_flash"])
    seen += cookies_set(notice.get("/login"))  # showing the notice deletes its cookie
    for cookie in seen:
        assert "secure" in [part.strip().lower() for part in cookie.split(";")], cookie


def test_a_plain_http_rig_can_turn_secure_off(zc: App, db_url: str, tmp_path: Path) -> None:
    plain = make_app(db_url, tmp_path / "plain", cookie_secure=False)
    try:
        with TestClient(create_app(zc=plain), base_url="http://testserver") as c:
            for cookie in cookies_set(c.get("/login")):
                assert "secure" not in cookie.lower()
    finally:
        plain.close()


# ------------------------------------------------------------------------ unstorable text


# (A form cannot carry a lone surrogate: Starlette decodes broken UTF-8 as U+FFFD. JSON can.)
@pytest.mark.parametrize("name", ["a\x00b", "a\x01b", "a\nb"])
def test_a_login_name_no_database_can_store_is_a_422_page(zc: App, client: TestClient, name: str) -> None:
    before = len(audit_entries(zc))
    page = client.get("/login")
    response = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": csrf_of(page.text)})
    assert response.status_code == 422, response.text
    assert "表单 name" in response.text and "不能保存" in response.text
    assert len(audit_entries(zc)) == before


def test_the_same_name_through_the_api_is_a_422(client: TestClient) -> None:
    for body in ('{"name": "a\\u0000b", "password": "x"}', '{"name": "a\\ud800b", "password": "x"}'):
        response = client.post("/api/v1/session", content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 422, response.text
        assert "请求内容 name" in response.json()["error"]["message"]


def test_an_evidence_note_with_nul_is_refused_on_the_page_and_nothing_is_stored(zc: App, login: Login) -> None:
    browser = login(MARKET)
    mid = measure_id(zc, JIADING, "10")
    csrf = page_csrf(browser, f"/measures/{mid}")
    response = browser.post(
        f"/measures/{mid}/evidence",
        data={"item": "1", "note": "a\x00b", "csrf_token": csrf},
        files={"files": ("台账.pdf", pdf_bytes(), "application/pdf")},
    )
    assert response.status_code == 422
    assert "表单 note" in response.text and "U+0000" in response.text
    assert count(zc, Evidence) == 0 and store_files(zc.store.root) == []


def test_a_file_name_and_a_query_are_checked_too(zc: App, login: Login) -> None:
    browser = login(MARKET)
    mid = measure_id(zc, JIADING, "10")
    csrf = page_csrf(browser, f"/measures/{mid}")
    # Written out by hand: httpx, like browsers, percent-encodes control characters in names.
    body = b"".join(
        [
            b'--zonecheck\r\nContent-Disposition: form-data; name="item"\r\n\r\n1\r\n',
            b'--zonecheck\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            + csrf.encode() + b"\r\n",
            '--zonecheck\r\nContent-Disposition: form-data; name="files"; filename="台\x07账.pdf"\r\n'.encode()
            + b"Content-Type: application/pdf\r\n\r\n" + pdf_bytes() + b"\r\n",
            b"--zonecheck--\r\n",
        ]
    )
    named = browser.post(f"/measures/{mid}/evidence", content=body, headers=MULTIPART)
    assert named.status_code == 422 and "表单 files" in named.text
    query = browser.get("/unit?x=a%00b")
    assert query.status_code == 422 and "查询参数 x" in query.text


@pytest.mark.parametrize("number", [str(2**31), str(2**63), "9" * 30, "-" + "9" * 30])
def test_an_id_past_the_integer_columns_is_a_422_page_not_a_database_error(
    zc: App, login: Login, number: str
) -> None:
    browser = login(MARKET)
    csrf = page_csrf(browser, "/unit")
    action = browser.post(f"/measures/{number}/start", data={"csrf_token": csrf})
    assert action.status_code == 422 and "地址 measure_id:超出允许范围" in action.text
    page = browser.get(f"/measures/{number}")
    assert page.status_code == 422 and "地址 measure_id" in page.text
    # In range, a missing measure is still the 404 it was.
    assert browser.get(f"/measures/{2**31 - 1}").status_code == 404


def test_line_breaks_are_text_in_multi_line_fields_only(zc: App, login: Login) -> None:
    browser = login(MARKET)
    mid = measure_id(zc, JIADING, "10")
    csrf = page_csrf(browser, f"/measures/{mid}")
    browser.post(f"/measures/{mid}/start", data={"csrf_token": csrf})
    noted = browser.post(
        f"/measures/{mid}/evidence",
        data={"item": "1", "note": "第一行\r\n\t第二行", "csrf_token": csrf},
        files={"files": ("台账.pdf", pdf_bytes(), "application/pdf")},
    )
    assert noted.status_code == 303, noted.text
    assert count(zc, Evidence) == 1
    linked = browser.post(
        f"/measures/{mid}/evidence",
        data={"item": "1", "link": "https://example.gov.cn/a\nb", "csrf_token": csrf},
    )
    assert linked.status_code == 422 and "表单 link" in linked.text and "换行" in linked.text


def test_every_textarea_of_the_pages_is_a_multi_line_field() -> None:
    names = set()
    for template in TEMPLATES.glob("*.html"):
        names |= set(re.findall(r'<textarea name="([a-z_]+)"', template.read_text(encoding="utf-8")))
    assert names and names <= MULTILINE_FIELDS


def test_the_rule_itself() -> None:
    assert unstorable("知识产权 3600 件") is None
    assert unstorable("第一行\n第二行\t", multiline=True) is None
    assert unstorable("a\nb") is not None and "U+000A" in (unstorable("a\nb") or "")
    for char in ("\x00", "\x1b", "\x0b", "\ud800", "\udfff"):
        assert unstorable(f"ab{char}", multiline=True) == unstorable(f"ab{char}")
        assert "第 3 个字符" in (unstorable(f"ab{char}") or "")
