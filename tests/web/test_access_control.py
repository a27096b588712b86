"""Object-level authorisation: a unit opens, downloads and changes only its own measures.

区法院 (COURT) is no responsible unit of Jiading measure 10 (区市场监管局 alone). Every page,
file and form of that measure, by its number, must refuse it with the reason in Chinese and
put the attempt on the audit trail, and must change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.workflow_helpers import (
    COURT,
    JIADING,
    MARKET,
    MARKET_REVIEWER,
    REVIEWER_A,
    actor,
    audit_entries,
    measure_id,
    pdf_bytes,
    session_of,
    snapshot,
    write_file,
)
from tests.web.conftest import Login, csrf_of, page_csrf
from workflow.bootstrap import App
from workflow.models import Evidence
from workflow.services import measure_work
from workflow.services.evidence import NewEvidence, add_evidence

REF = "10"
XHR = {"Accept": "application/json", "X-Requested-With": "XMLHttpRequest"}


@pytest.fixture
def evidenced(zc: App, tmp_path: Path) -> tuple[int, int]:
    """Measure 10 started with one PDF from 区市场监管局: (measure id, evidence id)."""
    measure_work.start(zc.uow(), actor(zc, MARKET), measure_id(zc, JIADING, REF))
    path = write_file(tmp_path / "up", "报告.pdf", pdf_bytes("secret"))
    add_evidence(zc.uow(), zc.store, actor(zc, MARKET), measure_id(zc, JIADING, REF), item=1, new=NewEvidence(files=[path]))
    with session_of(zc) as s:
        eid = s.scalars(select(Evidence.id).where(Evidence.measure_id == measure_id(zc, JIADING, REF))).one()
    return measure_id(zc, JIADING, REF), eid


def attempts(mid: int, eid: int, csrf: str) -> list[tuple[str, Callable[[TestClient], Any]]]:
    pdf = ("files", ("x.pdf", pdf_bytes("x"), "application/pdf"))
    return [
        ("view", lambda c: c.get(f"/measures/{mid}")),
        ("evidence_download", lambda c: c.get(f"/evidence/{eid}/file")),
        ("evidence_view", lambda c: c.get(f"/evidence/{eid}/view")),
        ("start", lambda c: c.post(f"/measures/{mid}/start", data={"csrf_token": csrf})),
        (
            "evidence_add",
            lambda c: c.post(f"/measures/{mid}/evidence", data={"csrf_token": csrf, "item": "1"}, files=[pdf]),
        ),
        ("part_done", lambda c: c.post(f"/measures/{mid}/part", data={"csrf_token": csrf, "done": "1"})),
        (
            "submit_self_check",
            lambda c: c.post(f"/measures/{mid}/self-check", data={"csrf_token": csrf, "statement": "完成"}),
        ),
        ("withdraw", lambda c: c.post(f"/measures/{mid}/withdraw", data={"csrf_token": csrf})),
        (
            "evidence_replace",
            lambda c: c.post(
                f"/evidence/{eid}/replace",
                data={"csrf_token": csrf},
                files={"file": ("y.pdf", pdf_bytes("y"), "application/pdf")},
            ),
        ),
        ("evidence_remove", lambda c: c.post(f"/evidence/{eid}/remove", data={"csrf_token": csrf})),
    ]


def test_another_unit_is_refused_everything_by_id_and_each_try_is_audited(
    login: Login, zc: App, evidenced: tuple[int, int]
) -> None:
    mid, eid = evidenced
    court = login(COURT)
    csrf = page_csrf(court, "/unit")
    before = snapshot(zc, JIADING, REF)
    for action, call in attempts(mid, eid, csrf):
        seen = len(audit_entries(zc))
        response = call(court)
        assert response.status_code == 403, (action, response.status_code, response.text[:200])
        assert "法院赵(区法院单位成员)所在单位不是措施" in response.text, action
        assert "无权查看该措施及其佐证材料" in response.text, action
        assert "secret" not in response.text
        new = audit_entries(zc)[seen:]
        assert [(e.action, e.actor, e.refused) for e in new] == [(action, COURT, True)], action
        assert new[0].target == f"{JIADING}/{REF}"
    assert snapshot(zc, JIADING, REF) == before


def test_the_uploader_gets_the_refusal_as_json(login: Login, zc: App, evidenced: tuple[int, int]) -> None:
    mid, _ = evidenced
    court = login(COURT)
    response = court.post(
        f"/measures/{mid}/evidence",
        data={"csrf_token": page_csrf(court, "/unit"), "item": "1"},
        files=[("files", ("x.pdf", pdf_bytes("x"), "application/pdf"))],
        headers=XHR,
    )
    assert response.status_code == 403
    body = response.json()
    assert body["ok"] is False and "无权查看该措施" in body["message"]


def test_nonexistent_ids_are_not_found(login: Login, zc: App, evidenced: tuple[int, int]) -> None:
    court = login(COURT)
    csrf = page_csrf(court, "/unit")
    for call in (
        lambda: court.get("/measures/999999"),
        lambda: court.get("/evidence/999999/file"),
        lambda: court.get("/evidence/999999/view"),
        lambda: court.post("/measures/999999/start", data={"csrf_token": csrf}),
        lambda: court.post("/evidence/999999/remove", data={"csrf_token": csrf}),
    ):
        response = call()
        assert response.status_code == 404
        assert "找不到编号为 999999 的" in response.text


def test_evidence_of_another_units_measure_by_id(login: Login, zc: App, evidenced: tuple[int, int]) -> None:
    """The court's own measure (13) does not open the door to evidence of measure 10."""
    _, eid = evidenced
    measure_work.start(zc.uow(), actor(zc, COURT), measure_id(zc, JIADING, "13"))
    court = login(COURT)
    own = court.get(f"/measures/{measure_id(zc, JIADING, '13')}")
    assert own.status_code == 200
    assert court.get(f"/evidence/{eid}/file").status_code == 403
    assert MARKET in login(MARKET).get(f"/measures/{measure_id(zc, JIADING, REF)}").text


def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(
    login: Login, zc: App, evidenced: tuple[int, int]
) -> None:
    mid, eid = evidenced
    market = login(MARKET)
    before = snapshot(zc, JIADING, REF)
    for response in (
        market.post(f"/measures/{mid}/part", data={"done": "1"}),
        market.post(f"/measures/{mid}/part", data={"done": "1", "csrf_token": "forged"}),
        market.post(f"/evidence/{eid}/remove", data={}),
        market.post(
            f"/measures/{mid}/evidence",
            data={"item": "1"},
            files=[("files", ("x.pdf", pdf_bytes("x"), "application/pdf"))],
        ),
    ):
        assert response.status_code == 403
        assert "CSRF" in response.text
    assert snapshot(zc, JIADING, REF) == before
    # With the token the same form works: the refusals above were the token's doing.
    csrf = csrf_of(market.get(f"/measures/{mid}").text)
    assert market.post(f"/measures/{mid}/part", data={"done": "1", "csrf_token": csrf}).status_code == 303
    assert snapshot(zc, JIADING, REF)["parts"] != before["parts"]


def test_anonymous_visitors_are_sent_to_the_login(client: TestClient, zc: App, evidenced: tuple[int, int]) -> None:
    mid, eid = evidenced
    for path in (f"/measures/{mid}", f"/evidence/{eid}/file", "/unit"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
    assert client.post(f"/measures/{mid}/start").status_code == 303
    assert snapshot(zc, JIADING, REF)["state"].value == "in_progress"


def test_reviewers_read_any_measure_but_do_no_unit_work(login: Login, zc: App, evidenced: tuple[int, int]) -> None:
    """MARKET_REVIEWER is office staff working in 区市场监管局: a reviewer, not a unit member."""
    mid, eid = evidenced
    for name in (REVIEWER_A, MARKET_REVIEWER):
        office = login(name)
        page = office.get(f"/measures/{mid}")
        assert page.status_code == 200 and "办公室人员在此只读查看" in page.text
        assert office.get(f"/evidence/{eid}/view").status_code == 200
        before = snapshot(zc, JIADING, REF)
        response = office.post(f"/measures/{mid}/part", data={"csrf_token": csrf_of(page.text), "done": "1"})
        html = office.get(response.headers["location"]).text
        assert "是办公室人员" in html and "由责任单位成员办理" in html
        assert snapshot(zc, JIADING, REF) == before
        entry = audit_entries(zc)[-1]
        assert (entry.action, entry.actor, entry.refused) == ("part_done", name, True)
