"""Sign-in, sign-out, throttling, CSRF and the headers every answer carries."""

from __future__ import annotations

import contextlib
import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.workflow_helpers import (
    ADMIN,
    MARKET,
    REVIEWER_A,
    actor,
    audit_entries,
    session_of,
)
from tests.web.conftest import PASSWORD, Login, csrf_of, page_csrf, sign_in
from workflow.bootstrap import App
from workflow.models import LoginThrottle, WebSession
from workflow.services import accounts


def test_member_lands_on_unit_home_and_office_on_office_home(login: Login) -> None:
    assert login(MARKET).get("/").headers["location"] == "/unit"
    assert login(REVIEWER_A).get("/").headers["location"] == "/office"


def test_pages_need_a_session(client: TestClient) -> None:
    response = client.get("/?x=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2F%3Fx%3D1"
    api = client.get("/api/v1/me")
    assert api.status_code == 401
    assert api.json()["error"]["message"] == "未登录或登录已过期,请先登录"


def test_session_cookie_is_secure_httponly_and_only_its_hash_is_stored(client: TestClient, zc: App) -> None:
    page = client.get("/login")
    response = client.post("/login", data={"name": MARKET, "password": PASSWORD, "csrf_token": csrf_of(page.text)})
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("zc_session="))
    token = cookie.split(";")[0].split("=", 1)[1]
    attributes = cookie.lower()
    assert "httponly" in attributes and "secure" in attributes and "samesite=lax" in attributes
    with session_of(zc) as s:
        stored = s.scalars(select(WebSession.token_sha256)).all()
    assert token not in stored and accounts.hash_token(token) in stored


def test_wrong_password_is_refused_in_chinese_and_audited(client: TestClient, zc: App) -> None:
    page = client.get("/login")
    response = client.post("/login", data={"name": MARKET, "password": "错的", "csrf_token": csrf_of(page.text)})
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    entry = audit_entries(zc)[-1]
    assert (entry.action, entry.target, entry.refused) == ("login", MARKET, True)


def test_unknown_name_is_refused_the_same_way(client: TestClient) -> None:
    page = client.get("/login")
    response = client.post("/login", data={"name": "无此人", "password": PASSWORD, "csrf_token": csrf_of(page.text)})
    assert response.status_code == 401 and "用户名或密码错误" in response.text


def test_login_form_needs_its_csrf_token(client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"name": MARKET, "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 403
    assert "CSRF" in response.text
    assert "zc_session" not in response.headers.get("set-cookie", "")


def test_failed_logins_slow_down_then_lock(zc: App) -> None:
    now = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)
    waits = []
    for i in range(accounts.LOCK_AFTER):
        at = now + dt.timedelta(minutes=i * 2)  # far enough apart that no wait blocks the try
        try:
            accounts.sign_in(zc.uow(), MARKET, "wrong-password", now=at)
        except accounts.LoginRefused as exc:
            waits.append(exc.retry_after)
    # Free tries first, then 2, 4, 8 … seconds, then the lock.
    assert waits[: accounts.FREE_FAILURES - 1] == [None] * (accounts.FREE_FAILURES - 1)
    assert waits[accounts.FREE_FAILURES - 1 : accounts.FREE_FAILURES + 2] == [2, 4, 8]
    assert waits[-1] == 15 * 60
    locked_at = now + dt.timedelta(minutes=(accounts.LOCK_AFTER - 1) * 2)
    # Even the right password is refused while locked, and says so.
    try:
        accounts.sign_in(zc.uow(), MARKET, PASSWORD, now=locked_at + dt.timedelta(minutes=5))
        raise AssertionError("a locked account signed in")
    except accounts.LoginRefused as exc:
        assert "已被锁定" in str(exc) and "10 分钟" in str(exc)
    # After the lock the right password works and clears the count.
    accounts.sign_in(zc.uow(), MARKET, PASSWORD, now=locked_at + dt.timedelta(minutes=16))
    with session_of(zc) as s:
        assert s.get(LoginThrottle, MARKET) is None


def test_a_try_during_the_wait_is_refused_without_checking_the_password(zc: App) -> None:
    now = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)
    for i in range(accounts.FREE_FAILURES):
        with contextlib.suppress(accounts.LoginRefused):
            accounts.sign_in(zc.uow(), MARKET, "wrong-password", now=now + dt.timedelta(minutes=i))
    last = now + dt.timedelta(minutes=accounts.FREE_FAILURES - 1)
    try:
        accounts.sign_in(zc.uow(), MARKET, PASSWORD, now=last + dt.timedelta(seconds=1))
        raise AssertionError("signed in during the wait")
    except accounts.LoginRefused as exc:
        assert exc.retry_after == 1 and "秒后再试" in str(exc)


def test_throttled_login_page_says_when_to_retry(client: TestClient) -> None:
    for _ in range(accounts.FREE_FAILURES):
        page = client.get("/login")
        response = client.post("/login", data={"name": MARKET, "password": "wrong-pass", "csrf_token": csrf_of(page.text)})
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"
    assert "秒后再试" in response.text


def test_logout_ends_the_session_server_side(login: Login, zc: App) -> None:
    browser = login(MARKET)
    token = browser.cookies.get("zc_session")
    csrf = page_csrf(browser, "/login")  # a signed-in visit to /login redirects home
    response = browser.post("/logout", data={"csrf_token": csrf})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    # Even a copy of the old cookie no longer works.
    thief = TestClient(browser.app, base_url="https://testserver", follow_redirects=False)
    thief.cookies.set("zc_session", token)
    assert thief.get("/api/v1/me").status_code == 401
    assert browser.get("/api/v1/me").status_code == 401


def test_forms_without_the_csrf_token_change_nothing(login: Login) -> None:
    browser = login(MARKET)
    response = browser.post("/logout", data={})
    assert response.status_code == 403
    assert browser.get("/").status_code == 303 and browser.get("/").headers["location"] == "/unit"
    cross = browser.post("/logout", data={"csrf_token": page_csrf(browser, "/login")}, headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403


def test_login_does_not_redirect_off_site(client: TestClient) -> None:
    page = client.get("/login?next=//evil.example/x")
    response = client.post(
        "/login", data={"name": MARKET, "password": PASSWORD, "next": "//evil.example/x", "csrf_token": csrf_of(page.text)}
    )
    assert response.headers["location"] == "/unit"


def test_security_headers_on_pages_errors_and_api(client: TestClient) -> None:
    for response in (client.get("/login"), client.get("/no-such-page"), client.get("/api/v1/me")):
        headers = response.headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "找不到该页面" in missing.text


def test_set_password_rules_and_rights(zc: App) -> None:
    import pytest

    from workflow.errors import InputError, Refused

    with pytest.raises(InputError, match="至少需要 8 个字符"):
        accounts.set_password(zc.uow(), actor(zc, ADMIN), MARKET, "short")
    with pytest.raises(Refused, match="不是管理员"):
        accounts.set_password(zc.uow(), actor(zc, MARKET), REVIEWER_A, "another-password")
    accounts.set_password(zc.uow(), actor(zc, MARKET), MARKET, "my-own-new-password")  # one's own: allowed


def test_changing_the_password_ends_open_sessions(login: Login, zc: App) -> None:
    browser = login(MARKET)
    accounts.set_password(zc.uow(), actor(zc, ADMIN), MARKET, "a-brand-new-password")
    assert browser.get("/api/v1/me").status_code == 401
    sign_in(TestClient(browser.app, base_url="https://testserver", follow_redirects=False), MARKET, "a-brand-new-password")


def test_a_missing_page_keeps_the_signed_in_header(login: Login) -> None:
    response = login(MARKET).get("/no-such-page")
    assert response.status_code == 404
    assert "找不到该页面" in response.text and "退出登录" in response.text and MARKET in response.text
