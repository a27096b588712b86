"""The office's plan pages: counts as plan_status gives them, access for the office only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from tests.integration.workflow_helpers import (
    ADMIN,
    JIADING,
    MARKET,
    REVIEWER_A,
    measure_id,
)
from tests.web.conftest import Login
from tests.web.test_office_support import audit_since, drive_demo, last_seq
from workflow.bootstrap import App
from workflow.read import overdue, progress
from workflow.read.plans import find_plan
from workflow.web.routes import ROUTERS
from workflow.web.routes.office import require_office


def plan_id(app: App) -> int:
    with app.uow() as uow:
        return find_plan(uow.session, JIADING, None).id


def stat(html: str, name: str) -> str:
    match = re.search(rf'id="stat-{name}">(?:<a [^>]*>)?([^<]+)<', html)
    assert match, f"no stat {name}"
    return match.group(1)


def test_office_home_and_plan_page_show_the_counts_of_plan_status(
    zc: App, login: Login, tmp_path: Path
) -> None:
    drive_demo(zc, tmp_path)
    status = progress.plan_status(zc.uow(), None, plan_id(zc)).as_dict()
    by_state = status["by_state"]
    assert (by_state["self_checked"], by_state["accepted"], by_state["rectifying"]) == (2, 1, 1)
    office = login(REVIEWER_A)
    home = office.get("/office")
    assert home.status_code == 200
    assert status["plan"]["title"] in home.text
    pid = plan_id(zc)
    assert f'href="/office/plans/{pid}"' in home.text
    # The stacked bar: one <rect> per non-empty state, widths from the counts (26 measures).
    assert '<title>已自查 2</title>' in home.text and '<title>已验收 1</title>' in home.text
    assert f'<title>未启动 {by_state["planned"]}</title>' in home.text
    assert 'style="' not in home.text  # CSP style-src 'self' would drop inline styles

    page = office.get(f"/office/plans/{pid}")
    assert page.status_code == 200
    for state in ("planned", "in_progress", "rectifying", "self_checked", "accepted"):
        assert stat(page.text, state) == str(by_state[state])
    assert stat(page.text, "total") == str(status["total"]) == "26"
    assert stat(page.text, "rate") == f"{status['acceptance_rate'] * 100:.1f}%"
    assert stat(page.text, "score") == str(status["average_score"]) == "90.0"
    # Every unit and section of plan_status gets a row with its bar.
    for unit in status["by_unit"]:
        assert unit["unit"] in page.text
    assert "区法院" in page.text
    assert f'href="/office/plans/{pid}/overdue"' in page.text
    assert f'href="/office/plans/{pid}/reports"' in page.text
    assert 'style="' not in page.text


def test_measures_page_links_measure_pages_and_filters_by_state(
    zc: App, login: Login, tmp_path: Path
) -> None:
    drive_demo(zc, tmp_path)
    office = login(REVIEWER_A)
    pid = plan_id(zc)
    page = office.get(f"/office/plans/{pid}/measures")
    assert page.status_code == 200
    assert page.text.count('href="/measures/') == 26
    returned = office.get(f"/office/plans/{pid}/measures?state=rectifying")
    mid = measure_id(zc, JIADING, "19")
    assert f'href="/measures/{mid}"' in returned.text
    assert returned.text.count('href="/measures/') == 1
    assert "整改期限" in returned.text
    unknown = office.get(f"/office/plans/{pid}/measures?state=bogus")
    assert unknown.text.count('href="/measures/') == 26


def test_overdue_page_lists_what_overdue_list_gives(zc: App, login: Login) -> None:
    listing = overdue.overdue_list(zc.uow(), None, plan_id(zc)).as_dict()
    page = login(ADMIN).get(f"/office/plans/{plan_id(zc)}/overdue")
    assert page.status_code == 200
    assert "督办清单" in page.text
    for unit in listing["units"]:
        assert unit["unit"] in page.text
        for m in unit["overdue"]:
            assert m["title"] in page.text
    if not listing["units"]:
        assert "没有逾期" in page.text


def test_unknown_plan_is_404(login: Login) -> None:
    response = login(REVIEWER_A).get("/office/plans/99999")
    assert response.status_code == 404
    assert "找不到编号为 99999 的方案" in response.text


OFFICE_GETS = [
    "/office",
    "/office/plans/{pid}",
    "/office/plans/{pid}/measures",
    "/office/plans/{pid}/overdue",
    "/office/plans/{pid}/reports",
    "/office/review",
    "/office/review/{mid}",
    "/office/people",
    "/office/import",
]
OFFICE_POSTS = [
    "/office/review/{mid}/accept",
    "/office/review/{mid}/return",
    "/office/people/add",
    "/office/people/password",
    "/office/people/group",
    "/office/people/levels",
    "/office/people/unit",
    "/office/import",
    "/office/import/confirm",
    "/office/plans/{pid}/reports/acceptance",
    "/office/plans/{pid}/reports/bundle",
    "/office/plans/{pid}/reports/ledger",
]


def test_a_unit_member_is_refused_every_office_page_and_each_refusal_is_audited(
    zc: App, login: Login
) -> None:
    member = login(MARKET)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', member.get("/unit").text)
    token = csrf.group(1) if csrf else ""
    ids = {"pid": plan_id(zc), "mid": measure_id(zc, JIADING, "10")}
    seq = last_seq(zc)
    for path in OFFICE_GETS:
        response = member.get(path.format(**ids))
        assert response.status_code == 403, path
        assert "不是领导小组办公室人员" in response.text
    for path in OFFICE_POSTS:
        response = member.post(path.format(**ids), data={"csrf_token": token, "version": "1"})
        assert response.status_code == 403, path
    refused = audit_since(zc, seq)
    assert len(refused) == len(OFFICE_GETS) + len(OFFICE_POSTS)
    assert all(e.refused and e.actor == MARKET and e.action == "office_page" for e in refused)
    assert [e.target for e in refused[: len(OFFICE_GETS)]] == [p.format(**ids) for p in OFFICE_GETS]


@pytest.mark.parametrize("path", ["/office", "/office/review"])
def test_anonymous_visitors_are_sent_to_the_login_page(client: object, path: str) -> None:
    response = client.get(path)  # type: ignore[attr-defined]
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_every_office_route_requires_an_office_actor() -> None:
    """A new /office route without the guard fails here, not in production."""
    def guarded(dependant: Dependant) -> bool:
        return any(d.call is require_office or guarded(d) for d in dependant.dependencies)

    routes = [
        r
        for router in ROUTERS
        for r in router.routes
        if isinstance(r, APIRoute) and r.path.startswith("/office")
    ]
    assert len(routes) >= 20
    assert [r.path for r in routes if not guarded(r.dependant)] == []
