"""The JSON API: tokens, object-level authorization, CSRF, a measure's whole life over HTTP,
and an OpenAPI description that covers every route."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from sqlalchemy import event

from tests.integration.workflow_helpers import (
    JIADING,
    MARKET,
    MARKET_REVIEWER,
    REVIEWER_A,
    XUCHANG,
    audit_entries,
    import_seed,
    measure_id,
    pdf_bytes,
    png_bytes,
)
from tests.support.routes import walk_routes
from tests.web.conftest import PASSWORD, Login, pooled_session
from workflow.bootstrap import App
from workflow.services import accounts
from workflow.web.app import create_app

COURT = "法院赵"

Api = Callable[[str], TestClient]


@pytest.fixture
def api(zc: App, request: pytest.FixtureRequest) -> Iterator[Api]:
    """api(name) → a client that sends a bearer token: one opened when the state was built
    (tests/web/conftest.py), else one it gets through POST /api/v1/session."""
    clients: list[TestClient] = []

    def make(name: str) -> TestClient:
        c = TestClient(create_app(zc=zc), base_url="https://testserver", follow_redirects=False)
        c.__enter__()
        clients.append(c)
        signed = pooled_session(request, name, "api")
        if signed is not None:
            c.headers["Authorization"] = f"Bearer {signed.token}"
            return c
        response = c.post("/api/v1/session", json={"name": name, "password": PASSWORD})
        assert response.status_code == 201, response.text
        c.headers["Authorization"] = f"Bearer {response.json()['token']}"
        return c

    yield make
    for c in clients:
        c.__exit__(None, None, None)


def error_of(response: Any) -> str:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    message: str = body["error"]["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message  # Chinese for people
    assert "--" not in message and "zonecheck " not in message, message  # the CLI's words stay there
    return message


def code_of(response: Any) -> str:
    code: str = response.json()["error"]["code"]
    return code


# ------------------------------------------------------------------------------------ session


def test_a_token_from_the_session_route_signs_requests_and_dies_with_sign_out(
    zc: App, client: TestClient
) -> None:
    response = client.post("/api/v1/session", json={"name": MARKET, "password": PASSWORD})
    assert response.status_code == 201
    body = response.json()
    assert body["person"] == {"name": MARKET, "role": "member", "unit": "区市场监管局"}
    assert body["expires_at"] and len(body["token"]) >= 40
    bearer = {"Authorization": f"Bearer {body['token']}"}

    assert client.get("/api/v1/me").status_code == 401  # no token, no cookie
    me = client.get("/api/v1/me", headers=bearer)
    assert me.status_code == 200 and me.json()["name"] == MARKET
    entry = audit_entries(zc)[-1]
    assert (entry.action, entry.actor, entry.detail["kind"]) == ("login", MARKET, "api")

    assert client.delete("/api/v1/session", headers=bearer).status_code == 204
    assert audit_entries(zc)[-1].action == "logout"
    refused = client.get("/api/v1/me", headers=bearer)
    assert refused.status_code == 401
    assert "登录" in error_of(refused)
    assert refused.headers["WWW-Authenticate"] == "Bearer"


def test_wrong_password_is_401_and_repeated_failures_are_429_with_retry_after(
    zc: App, client: TestClient
) -> None:
    wrong = client.post("/api/v1/session", json={"name": MARKET, "password": "不对的密码-123"})
    assert wrong.status_code == 401
    assert "用户名或密码错误" in error_of(wrong)
    assert "Retry-After" not in wrong.headers
    client.post("/api/v1/session", json={"name": MARKET, "password": "不对的密码-123"})
    third = client.post("/api/v1/session", json={"name": MARKET, "password": "不对的密码-123"})
    assert third.status_code == 429
    assert int(third.headers["Retry-After"]) >= 1
    # Now even the right password must wait: the try is refused unread.
    throttled = client.post("/api/v1/session", json={"name": MARKET, "password": PASSWORD})
    assert throttled.status_code == 429
    assert "秒后再试" in error_of(throttled)
    assert int(throttled.headers["Retry-After"]) >= 1
    assert audit_entries(zc)[-1].refused


def test_a_browser_session_token_is_not_a_bearer_token(login: Login) -> None:
    browser = login(MARKET)
    cookie = browser.cookies.get("zc_session")
    assert cookie
    with TestClient(browser.app, base_url="https://testserver") as other:
        response = other.get("/api/v1/me", headers={"Authorization": f"Bearer {cookie}"})
    assert response.status_code == 401


def test_a_body_that_is_not_the_model_is_a_chinese_422(client: TestClient) -> None:
    response = client.post("/api/v1/session", json={"name": MARKET})
    assert response.status_code == 422
    assert "password" in error_of(response)


# ------------------------------------------------------------------------------ authorization


def test_a_member_sees_only_their_units_measures_and_is_refused_others_with_an_audit(
    zc: App, api: Api
) -> None:
    court = api(COURT)
    plan_id = court.get("/api/v1/plans").json()[0]["id"]
    rows = court.get(f"/api/v1/plans/{plan_id}/measures").json()
    assert rows, "区法院 is responsible for some Jiading measures"
    assert all("区法院" in r["units"] for r in rows)
    market_only = measure_id(zc, JIADING, "10")
    assert market_only not in {r["id"] for r in rows}

    office = api(REVIEWER_A).get(f"/api/v1/plans/{plan_id}/measures").json()
    assert market_only in {r["id"] for r in office} and len(office) > len(rows)

    before = len(audit_entries(zc))
    for method, path in [
        ("GET", f"/api/v1/measures/{market_only}"),
        ("GET", f"/api/v1/measures/{market_only}/history"),
        ("POST", f"/api/v1/measures/{market_only}/start"),
    ]:
        response = court.request(method, path, json={} if method == "POST" else None)
        assert response.status_code == 403, (path, response.text)
        assert "无权查看" in error_of(response)
        assert code_of(response) == "no_view"
    refusals = audit_entries(zc)[before:]
    assert [(e.refused, e.actor, e.target) for e in refusals] == [
        (True, COURT, f"{JIADING}/10")
    ] * 3
    assert [e.action for e in refusals] == ["view", "view_history", "start"]


def test_office_lists_refuse_members_with_an_audit(zc: App, api: Api) -> None:
    market = api(MARKET)
    plan_id = market.get("/api/v1/plans").json()[0]["id"]
    for path, action in [
        (f"/api/v1/plans/{plan_id}/overdue", "view_overdue"),
        ("/api/v1/review-queue", "view_review_queue"),
    ]:
        response = market.get(path)
        assert response.status_code == 403
        assert "领导小组办公室" in error_of(response)
        entry = audit_entries(zc)[-1]
        assert (entry.refused, entry.actor, entry.action) == (True, MARKET, action)
    office = api(REVIEWER_A)
    overdue = office.get(f"/api/v1/plans/{plan_id}/overdue")
    assert overdue.status_code == 200 and overdue.json()["plan"]["key"] == JIADING
    assert office.get("/api/v1/review-queue").json() == []


def test_unknown_and_out_of_range_ids_are_clean_404_and_422(api: Api) -> None:
    office = api(REVIEWER_A)
    missing = office.get("/api/v1/measures/99999")
    assert missing.status_code == 404 and "99999" in error_of(missing)
    assert office.get("/api/v1/plans/99999").status_code == 404
    assert office.get("/api/v1/evidence/99999/file").status_code == 404
    huge = office.get(f"/api/v1/measures/{2**63}")
    assert huge.status_code == 422 and "地址" in error_of(huge)
    assert office.get("/api/v1/measures/0").status_code == 422


# --------------------------------------------------------------------------------------- CSRF


def test_a_cookie_session_needs_the_csrf_header_for_unsafe_methods(
    zc: App, login: Login, api: Api
) -> None:
    browser = login(MARKET)
    mid = measure_id(zc, JIADING, "10")
    assert browser.get("/api/v1/me").json()["name"] == MARKET  # cookie works for reads
    refused = browser.post(f"/api/v1/measures/{mid}/start", json={})
    assert refused.status_code == 403 and "CSRF" in error_of(refused)
    assert api(REVIEWER_A).get(f"/api/v1/measures/{mid}").json()["state"] == "planned"

    # The token the pages embed in their forms; read from the session itself so the test
    # does not depend on any page.
    session = accounts.session_of(zc.uow(), browser.cookies["zc_session"], kind="browser")
    assert session is not None
    token = session.csrf_token
    started = browser.post(
        f"/api/v1/measures/{mid}/start", json={}, headers={"X-CSRF-Token": token}
    )
    assert started.status_code == 200, started.text
    assert started.json()["state"] == "in_progress"


def test_one_api_action_is_one_transaction(zc: App, api: Api) -> None:
    """Reading the token is one transaction; the action with all its checks and its answer
    (new state and version) is the other, refusals included."""
    market, court = api(MARKET), api(COURT)
    mid = measure_id(zc, JIADING, "12")
    seen: list[str] = []

    def begun(conn: Any) -> None:
        seen.append("begin")

    def committed(conn: Any) -> None:
        seen.append("commit")

    event.listen(zc.engine, "begin", begun)
    event.listen(zc.engine, "commit", committed)
    try:
        started = market.post(f"/api/v1/measures/{mid}/start", json={})
        assert started.status_code == 200, started.text
        action, seen[:] = list(seen), []
        refused = court.post(f"/api/v1/measures/{mid}/part", json={"done": True})
        assert refused.status_code == 403 and code_of(refused) == "no_view"
        refusal = list(seen)
    finally:
        event.remove(zc.engine, "begin", begun)
        event.remove(zc.engine, "commit", committed)
    assert action == ["begin", "begin", "commit"]  # the token's read, then the action
    # A refusal: the attempt rolls back, then the refusal alone is written (the audit trail).
    assert refusal == ["begin", "begin", "begin", "commit"]
    assert started.json()["version"] == market.get(f"/api/v1/measures/{mid}").json()["version"]


def test_a_bearer_client_needs_no_csrf_token(zc: App, api: Api) -> None:
    mid = measure_id(zc, JIADING, "12")
    response = api(MARKET).post(f"/api/v1/measures/{mid}/start")  # no body, no CSRF header
    assert response.status_code == 200, response.text
    assert (response.json()["from_state"], response.json()["to_state"]) == (
        "planned",
        "in_progress",
    )


# ---------------------------------------------------------------------------------- the flow


def test_a_measure_goes_through_its_whole_life_over_the_api(zc: App, api: Api) -> None:
    market, reviewer, recused = api(MARKET), api(REVIEWER_A), api(MARKET_REVIEWER)
    mid = measure_id(zc, JIADING, "10")
    detail = market.get(f"/api/v1/measures/{mid}").json()
    assert (detail["state"], detail["ident"], detail["can"]["start"]) == (
        "planned",
        f"{JIADING}/10",
        True,
    )
    version = detail["version"]

    started = market.post(f"/api/v1/measures/{mid}/start", json={"expected_version": version})
    assert started.status_code == 200, started.text
    assert started.json()["version"] > version

    pdf, png = pdf_bytes("工作方案"), png_bytes()
    uploaded = market.post(
        f"/api/v1/measures/{mid}/evidence",
        data={"item": "1", "note": "工作方案与现场照片", "doc_date": "2024-01-10"},
        files=[
            ("files", ("工作方案.pdf", pdf, "application/pdf")),
            ("files", ("现场照片.png", png, "image/png")),
        ],
    )
    assert uploaded.status_code == 201, uploaded.text
    added = uploaded.json()["evidence"]
    assert [(e["file_name"], e["media_type"], e["item"], e["doc_date"]) for e in added] == [
        ("工作方案.pdf", "pdf", 1, "2024-01-10"),
        ("现场照片.png", "png", 1, "2024-01-10"),
    ]
    assert added[0]["sha256"] == hashlib.sha256(pdf).hexdigest()

    # Metadata and the file itself, byte for byte, with a safe Chinese file name.
    meta = reviewer.get(f"/api/v1/evidence/{added[0]['id']}").json()
    assert (meta["measure_id"], meta["person"], meta["size"]) == (mid, MARKET, len(pdf))
    assert dt.datetime.fromisoformat(meta["uploaded_at"]).utcoffset() == dt.timedelta(0)
    download = reviewer.get(meta["download"])
    assert download.status_code == 200 and download.content == pdf
    assert download.headers["content-type"] == "application/pdf"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E5%B7%A5%E4%BD%9C%E6%96%B9%E6%A1%88.pdf" in disposition
    assert reviewer.get(f"/api/v1/evidence/{added[1]['id']}/file").content == png
    # Another unit may not download it; the refusal is audited.
    court_download = api(COURT).get(meta["download"])
    assert court_download.status_code == 403
    assert audit_entries(zc)[-1].action == "evidence_download"

    parted = market.post(f"/api/v1/measures/{mid}/part", json={"done": True})
    assert parted.status_code == 200, parted.text
    assert "所有责任单位均已完成" in parted.json()["message"]

    submitted = market.post(
        f"/api/v1/measures/{mid}/self-check",
        json={"statement": "已按方案完成", "ratings": {"1": "部分完成"}},
    )
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["state"] == "self_checked"
    queue = reviewer.get("/api/v1/review-queue").json()
    assert [(r["measure_id"], r["level"]) for r in queue] == [(mid, 1)]

    returned = reviewer.post(
        f"/api/v1/measures/{mid}/return",
        json={"comment": "请补充执法案例材料", "expected_version": submitted.json()["version"]},
    )
    assert returned.status_code == 200, returned.text
    assert (returned.json()["state"], returned.json()["state_label"]) == ("in_progress", "整改中")
    detail = market.get(f"/api/v1/measures/{mid}").json()
    assert detail["state_label"] == "整改中"
    assert detail["last_return"]["comment"] == "请补充执法案例材料"
    assert detail["self_checks"][0]["ratings"] == {"1": "部分完成"}

    fixed = market.post(
        f"/api/v1/measures/{mid}/evidence",
        data={"item": "1", "note": "执法案例"},
        files={"files": ("执法案例.pdf", pdf_bytes("案例"), "application/pdf")},
    )
    assert fixed.status_code == 201, fixed.text
    resubmitted = market.post(
        f"/api/v1/measures/{mid}/self-check",
        json={"statement": "已补充执法案例", "expected_version": fixed.json()["version"]},
    )
    assert resubmitted.status_code == 200, resubmitted.text

    # The reviewer whose own unit is responsible must recuse: refused and audited.
    before = len(audit_entries(zc))
    refused = recused.post(f"/api/v1/measures/{mid}/accept", json={"score": 90})
    assert refused.status_code == 403 and "回避" in error_of(refused)
    [entry] = audit_entries(zc)[before:]
    assert (entry.refused, entry.actor, entry.action) == (True, MARKET_REVIEWER, "accept")

    accepted = reviewer.post(
        f"/api/v1/measures/{mid}/accept", json={"comment": "材料齐全", "score": 92}
    )
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["from_state"], accepted.json()["state"]) == (
        "self_checked",
        "accepted",
    )
    detail = reviewer.get(f"/api/v1/measures/{mid}").json()
    assert [(r["verdict"], r["score"]) for r in detail["reviews"]] == [
        ("return", None),
        ("pass", 92),
    ]
    assert len(detail["checklist"][0]["evidence"]) == 3

    history = market.get(f"/api/v1/measures/{mid}/history").json()
    # RFC 3339 with the offset on both backends (SQLite hands back naive UTC).
    assert all(dt.datetime.fromisoformat(e["at"]).tzinfo for e in history["entries"])
    assert [e["action"] for e in history["entries"] if not e["refused"]] == [
        "start",
        "evidence_add",
        "part_done",
        "submit_self_check",
        "return_for_rectification",
        "evidence_add",
        "submit_self_check",
        "accept",
    ]
    plan_id = detail["plan"]["id"]
    status = reviewer.get(f"/api/v1/plans/{plan_id}").json()
    assert (status["by_state"]["accepted"], status["average_score"]) == (1, 92.0)
    rows = market.get("/api/v1/worklist").json()
    assert next(r for r in rows if r["measure_id"] == mid)["state"] == "accepted"


def test_a_stale_expected_version_is_a_chinese_409_and_changes_nothing(
    zc: App, api: Api
) -> None:
    market = api(MARKET)
    mid = measure_id(zc, JIADING, "10")
    version = market.get(f"/api/v1/measures/{mid}").json()["version"]
    assert market.post(f"/api/v1/measures/{mid}/start", json={"expected_version": version}).is_success
    stale = market.post(f"/api/v1/measures/{mid}/part", json={"expected_version": version})
    assert stale.status_code == 409
    assert "已被他人修改" in error_of(stale)
    stale_submit = market.post(
        f"/api/v1/measures/{mid}/self-check",
        json={"statement": "已完成", "expected_version": version},
    )
    assert stale_submit.status_code == 409 and "已被他人修改" in error_of(stale_submit)
    detail = market.get(f"/api/v1/measures/{mid}").json()
    assert detail["can"]["part_done"] is False and detail["self_checks"] == []


def test_service_refusals_and_bad_input_answer_in_chinese(zc: App, api: Api) -> None:
    market = api(MARKET)
    mid = measure_id(zc, JIADING, "10")
    not_started = market.post(
        f"/api/v1/measures/{mid}/evidence",
        data={"item": "1"},
        files={"files": ("a.pdf", pdf_bytes(), "application/pdf")},
    )
    assert not_started.status_code == 403 and "尚未启动" in error_of(not_started)
    assert code_of(not_started) == "not_started"  # the refusal's own code
    market.post(f"/api/v1/measures/{mid}/start")
    no_item = market.post(
        f"/api/v1/measures/{mid}/evidence",
        data={"item": "7"},
        files={"files": ("a.pdf", pdf_bytes(), "application/pdf")},
    )
    assert no_item.status_code == 400 and "第 7 项" in error_of(no_item)
    assert code_of(no_item) == "no_item"
    no_statement = market.post(f"/api/v1/measures/{mid}/self-check", json={"statement": " "})
    assert no_statement.status_code == 403 and "缺少自查情况说明" in error_of(no_statement)
    assert code_of(no_statement) == "conditions_unmet"  # several reasons at once
    bad_rating = market.post(
        f"/api/v1/measures/{mid}/self-check", json={"statement": "x", "ratings": {"1": "很好"}}
    )
    assert bad_rating.status_code == 422 and "ratings" in error_of(bad_rating)
    unknown_field = market.post(f"/api/v1/measures/{mid}/start", json={"expected_versoin": 1})
    assert unknown_field.status_code == 422


# ------------------------------------------------------------------------------------ OpenAPI


def all_routes(routes: list[Any]) -> Iterator[tuple[str, str]]:
    """(method, full path) of every route, inside included routers too."""
    for path, route in walk_routes(routes):
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD":
                yield method, path


def test_the_openapi_description_loads_and_covers_every_api_route(zc: App) -> None:
    app = create_app(zc=zc)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    raw = schema.raw_schema
    documented = {
        (method.upper(), path) for path, item in raw["paths"].items() for method in item
    }
    routes = {
        (method, path)
        for method, path in all_routes(app.routes)
        if path.startswith("/api/") and path != "/api/v1/openapi.json"
    }
    assert routes and routes == documented
    for (method, path), operation in [
        ((m, p), raw["paths"][p][m.lower()]) for m, p in documented
    ]:
        assert any("\u4e00" <= c <= "\u9fff" for c in operation["summary"]), (method, path)
        refs = str(operation["responses"].get("422", {}))
        assert "Error" in refs, (method, path)  # the Chinese error shape, not FastAPI's
    # Clients are told how to authenticate: every route but signing in takes the bearer token.
    assert raw["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    for method, path in documented:
        secured = "security" in raw["paths"][path][method.lower()]
        assert secured == ((method, path) != ("POST", "/api/v1/session")), (method, path)
    operations = list(schema.get_all_operations())
    assert len(operations) == len(documented)
    assert all(op.ok() for op in operations)


# --------------------------------------------------------------------------------- indicators


def test_indicator_values_are_reported_with_evidence_and_met_follows_the_target(
    zc: App, api: Api, seeds_dir: Path
) -> None:
    assert import_seed(zc, seeds_dir, "002") == XUCHANG
    office = api(REVIEWER_A)
    plan_id = next(p["id"] for p in office.get("/api/v1/plans").json() if p["key"] == XUCHANG)
    before = office.get(f"/api/v1/plans/{plan_id}/indicators").json()
    first = before[0]
    assert (first["position"], first["metric"], first["target"], first["reported"]) == (
        1,
        "有效发明专利拥有量",
        3600,
        None,
    )

    no_evidence = office.post(
        f"/api/v1/plans/{plan_id}/indicators/1/reports", data={"value": "3700"}
    )
    assert no_evidence.status_code == 400 and "佐证材料" in error_of(no_evidence)
    not_a_number = office.post(
        f"/api/v1/plans/{plan_id}/indicators/1/reports",
        data={"value": "很多", "link": "https://example.gov.cn/stat"},
    )
    assert not_a_number.status_code == 422 and "不是数字" in error_of(not_a_number)

    reported = office.post(
        f"/api/v1/plans/{plan_id}/indicators/1/reports",
        data={"value": "3,700", "as_of": "2024-06-30", "note": "统计公报"},
        files={"files": ("统计公报.pdf", pdf_bytes("3700"), "application/pdf")},
    )
    assert reported.status_code == 201, reported.text
    assert reported.json() == {"metric": "有效发明专利拥有量", "value": 3700, "unit": "件", "met": True}
    after = office.get(f"/api/v1/plans/{plan_id}/indicators").json()[0]
    assert (after["reported"], after["as_of"], after["met"]) == (3700, "2024-06-30", True)
    assert office.get(f"/api/v1/plans/{plan_id}").json()["indicators"][0]["met"] is True

    missing = office.post(
        f"/api/v1/plans/{plan_id}/indicators/99/reports",
        data={"value": "1", "link": "https://example.gov.cn/stat"},
    )
    assert missing.status_code == 404 and "第 99 项" in error_of(missing)


def test_links_and_notes_are_evidence_too_and_have_no_file_to_download(zc: App, api: Api) -> None:
    market = api(MARKET)
    mid = measure_id(zc, JIADING, "10")
    market.post(f"/api/v1/measures/{mid}/start")
    bad_link = market.post(
        f"/api/v1/measures/{mid}/evidence", data={"item": "1", "link": "ftp://x"}
    )
    assert bad_link.status_code == 400 and "不是有效的网址" in error_of(bad_link)
    nothing = market.post(f"/api/v1/measures/{mid}/evidence", data={"item": "1"})
    assert nothing.status_code == 400 and "至少一项" in error_of(nothing)
    future = market.post(
        f"/api/v1/measures/{mid}/evidence",
        data={"item": "1", "link": "https://example.gov.cn/a", "doc_date": "2999-01-01"},
    )
    assert future.status_code == 400 and "晚于今天" in error_of(future)
    # Measure 10's checklist item takes files only (the catalog's evidence_kinds).
    link = market.post(
        f"/api/v1/measures/{mid}/evidence",
        data={"item": "1", "link": "https://example.gov.cn/a"},
    )
    assert link.status_code == 400 and "只接受文件类" in error_of(link)


def test_text_with_a_nul_character_is_a_422_not_a_database_error(
    zc: App, api: Api, client: TestClient
) -> None:
    # PostgreSQL text cannot hold NUL; the API refuses it before any service sees it.
    signin = client.post("/api/v1/session", json={"name": "监管局\x00张", "password": PASSWORD})
    assert signin.status_code == 422 and "name" in error_of(signin)
    market = api(MARKET)
    mid = measure_id(zc, JIADING, "10")
    market.post(f"/api/v1/measures/{mid}/start")
    note = market.post(
        f"/api/v1/measures/{mid}/evidence",
        data={"item": "1", "note": "说明\x00"},
        files={"files": ("a.pdf", pdf_bytes(), "application/pdf")},
    )
    assert note.status_code == 422 and "note" in error_of(note)
    statement = market.post(f"/api/v1/measures/{mid}/self-check", json={"statement": "完成\x00"})
    assert statement.status_code == 422 and "statement" in error_of(statement)
    link = market.post(
        f"/api/v1/measures/{mid}/evidence", data={"item": "1", "link": "https://a.cn/\x00"}
    )
    assert link.status_code == 422 and "link" in error_of(link)


def test_a_self_check_is_withdrawn_before_review_and_the_worklist_is_the_units_own(
    zc: App, api: Api
) -> None:
    market, economy = api(MARKET), api("经委王")
    mid = measure_id(zc, JIADING, "3")  # 区市场监管局 leads, 区经委 co-operates
    market.post(f"/api/v1/measures/{mid}/start")
    market.post(
        f"/api/v1/measures/{mid}/evidence",
        data={"item": "1"},
        files={"files": ("a.pdf", pdf_bytes("3"), "application/pdf")},
    )
    assert market.post(f"/api/v1/measures/{mid}/part", json={}).status_code == 200
    waiting = market.post(f"/api/v1/measures/{mid}/self-check", json={"statement": "完成"})
    assert waiting.status_code == 403 and "区经委" in error_of(waiting)
    assert economy.post(f"/api/v1/measures/{mid}/part", json={"done": True}).status_code == 200
    co_submit = economy.post(f"/api/v1/measures/{mid}/self-check", json={"statement": "完成"})
    assert co_submit.status_code == 403 and "牵头单位" in error_of(co_submit)
    submitted = market.post(f"/api/v1/measures/{mid}/self-check", json={"statement": "完成"})
    assert submitted.json()["state"] == "self_checked"
    withdrawn = market.post(
        f"/api/v1/measures/{mid}/withdraw",
        json={"expected_version": submitted.json()["version"]},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["state"] == "in_progress"
    detail = market.get(f"/api/v1/measures/{mid}").json()
    assert detail["self_checks"][0]["withdrawn_at"] and detail["can"]["submit"]

    worklist = economy.get("/api/v1/worklist").json()
    assert mid in {w["measure_id"] for w in worklist}
    assert all("区经委" in w["units"] for w in worklist)
    assert next(w for w in worklist if w["measure_id"] == mid)["role"] == "co"
    assert api(REVIEWER_A).get("/api/v1/worklist").json() == []  # the office has no unit
