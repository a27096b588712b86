"""Zones: nobody of one zone reaches another zone's plans, measures, evidence, people or units.

Two zones hold a unit named 区市场监管局 each: 嘉定区 (Jiading's plan, zone A) and 武汉市某区
(Wuhan's plan and Xuchang's targets, zone B). A member, a reviewer and an admin of zone A try
every page and API route that takes an id, with zone B's objects: each answer is exactly what
a missing object gets (404, the same words), the attempt is on the audit trail, and nothing in
the database changes. Zone A's expert, seated on Jiading's panel, is refused alike. A walk over
the routers fails when a route taking an id is missing here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.integration.workflow_helpers import (
    actor,
    audit_entries,
    measure_id,
    pdf_bytes,
    plan_id,
    png_bytes,
    write_file,
)
from tests.support.two_zones import (
    A_ADMIN,
    A_MEMBER,
    A_REVIEWER,
    B_GROUP,
    B_MEMBER,
    B_ONLY_UNIT,
    B_REF,
    B_REVIEWER,
    JIADING,
    MISSING,
    WUHAN,
    World,
    copied_world,
    fingerprint,
)
from tests.web.conftest import PASSWORD, password_hash, sign_in
from workflow.bootstrap import App
from workflow.domain.states import Role
from workflow.models import OutgoingMessage, Person
from workflow.notify.outbox import enqueue
from workflow.notify.rules import Channel
from workflow.services import measure_work, people
from workflow.services.evidence import NewEvidence, add_evidence
from workflow.services.experts import assign_expert
from workflow.web.app import create_app

A_EXPERT = "嘉定评审专家"


@pytest.fixture
def world(db_url: str, tmp_path: Path, seeds_dir: Path) -> Iterator[World]:
    """The two zones, everybody signing in with PASSWORD."""
    built = copied_world(db_url, tmp_path / "home", seeds_dir, "two-zones-passwords-expert", _expert_and_passwords)
    yield built
    built.app.close()


def _expert_and_passwords(app: App) -> None:
    # Zone A's expert, on the panel of Jiading's plan: it sees that plan and nothing of zone B.
    admin = actor(app, A_ADMIN)
    people.add_person(app.uow(), admin, A_EXPERT, role=Role.EXPERT, unit=None, organisation="上海市知识产权服务中心")
    assign_expert(app.uow(), admin, plan_id(app, JIADING), A_EXPERT, leader=True)
    with app.uow() as uow:
        uow.session.execute(update(Person).values(password_hash=password_hash()))
        uow.commit()


Call = Callable[[TestClient, dict[str, int], str], Any]


def _form(csrf: str, **fields: str) -> dict[str, str]:
    return {"csrf_token": csrf, **fields}


PDF = [("files", ("x.pdf", pdf_bytes("x"), "application/pdf"))]
SITE_CHECK = {"date": "2025-06-30", "place": "核查现场", "participants": "专家|组长"}

# (method, route as registered, how to call it with ids) — every route that takes an id.
PAGE_ROUTES: list[tuple[str, str, Call]] = [
    ("GET", "/measures/{measure_id}", lambda c, i, t: c.get(f"/measures/{i['m']}")),
    ("POST", "/measures/{measure_id}/start", lambda c, i, t: c.post(f"/measures/{i['m']}/start", data=_form(t))),
    ("POST", "/measures/{measure_id}/part", lambda c, i, t: c.post(f"/measures/{i['m']}/part", data=_form(t, done="1"))),
    ("POST", "/measures/{measure_id}/self-check", lambda c, i, t: c.post(f"/measures/{i['m']}/self-check", data=_form(t, statement="完成"))),
    ("POST", "/measures/{measure_id}/withdraw", lambda c, i, t: c.post(f"/measures/{i['m']}/withdraw", data=_form(t))),
    ("POST", "/measures/{measure_id}/evidence", lambda c, i, t: c.post(f"/measures/{i['m']}/evidence", data=_form(t, item="1"), files=PDF)),
    ("GET", "/evidence/{evidence_id}/file", lambda c, i, t: c.get(f"/evidence/{i['e']}/file")),
    ("GET", "/evidence/{evidence_id}/view", lambda c, i, t: c.get(f"/evidence/{i['e']}/view")),
    ("POST", "/evidence/{evidence_id}/replace", lambda c, i, t: c.post(f"/evidence/{i['e']}/replace", data=_form(t), files={"file": ("y.pdf", pdf_bytes("y"), "application/pdf")})),
    ("POST", "/evidence/{evidence_id}/remove", lambda c, i, t: c.post(f"/evidence/{i['e']}/remove", data=_form(t))),
    ("GET", "/office/plans/{plan_id}", lambda c, i, t: c.get(f"/office/plans/{i['p']}")),
    ("GET", "/office/plans/{plan_id}/measures", lambda c, i, t: c.get(f"/office/plans/{i['p']}/measures")),
    ("GET", "/office/jobs/{job_id}", lambda c, i, t: c.get(f"/office/jobs/{i['j']}")),
    ("GET", "/office/jobs/{job_id}/download", lambda c, i, t: c.get(f"/office/jobs/{i['j']}/download")),
    ("GET", "/office/plans/{plan_id}/overdue", lambda c, i, t: c.get(f"/office/plans/{i['p']}/overdue")),
    ("GET", "/office/plans/{plan_id}/reports", lambda c, i, t: c.get(f"/office/plans/{i['p']}/reports")),
    ("POST", "/office/plans/{plan_id}/reports/bundle", lambda c, i, t: c.post(f"/office/plans/{i['p']}/reports/bundle", data=_form(t))),
    ("POST", "/office/plans/{plan_id}/reports/ledger", lambda c, i, t: c.post(f"/office/plans/{i['p']}/reports/ledger", data=_form(t))),
    ("POST", "/office/plans/{plan_id}/reports/{kind}", lambda c, i, t: c.post(f"/office/plans/{i['p']}/reports/acceptance", data=_form(t))),
    ("GET", "/office/plans/{plan_id}/formal", lambda c, i, t: c.get(f"/office/plans/{i['p']}/formal")),
    ("POST", "/office/plans/{plan_id}/formal/open", lambda c, i, t: c.post(f"/office/plans/{i['p']}/formal/open", data=_form(t, days="5", today="2026-09-24"))),
    ("POST", "/office/plans/{plan_id}/formal/notice", lambda c, i, t: c.post(f"/office/plans/{i['p']}/formal/notice", data=_form(t, unit="区市场监管局"))),
    ("POST", "/office/plans/{plan_id}/formal/close", lambda c, i, t: c.post(f"/office/plans/{i['p']}/formal/close", data=_form(t))),
    ("POST", "/measures/{measure_id}/extension", lambda c, i, t: c.post(f"/measures/{i['m']}/extension", data=_form(t, due="2099-01-01", reason="延期"))),
    ("POST", "/measures/{measure_id}/extension/withdraw", lambda c, i, t: c.post(f"/measures/{i['m']}/extension/withdraw", data=_form(t, extension="1"))),
    ("POST", "/measures/{measure_id}/appeal", lambda c, i, t: c.post(f"/measures/{i['m']}/appeal", data=_form(t, ground="wording", reason="申诉"))),
    ("GET", "/office/plans/{plan_id}/extensions", lambda c, i, t: c.get(f"/office/plans/{i['p']}/extensions")),
    ("POST", "/office/plans/{plan_id}/extensions/decide", lambda c, i, t: c.post(f"/office/plans/{i['p']}/extensions/decide", data=_form(t, extension="1", decision="approve"))),
    ("POST", "/office/plans/{plan_id}/appeals/answer", lambda c, i, t: c.post(f"/office/plans/{i['p']}/appeals/answer", data=_form(t, appeal="1", decision="dismiss", note="答复"))),
    ("GET", "/office/plans/{plan_id}/index", lambda c, i, t: c.get(f"/office/plans/{i['p']}/index")),
    ("GET", "/office/plans/{plan_id}/index/example", lambda c, i, t: c.get(f"/office/plans/{i['p']}/index/example")),
    ("POST", "/office/plans/{plan_id}/index", lambda c, i, t: c.post(f"/office/plans/{i['p']}/index", data=_form(t), files={"file": ("指标体系.yaml", b"name: x\n", "text/yaml")})),
    ("POST", "/office/plans/{plan_id}/index/self-score", lambda c, i, t: c.post(f"/office/plans/{i['p']}/index/self-score", data=_form(t, code="1", points="1", statement="说明"))),
    ("GET", "/office/plans/{plan_id}/panel", lambda c, i, t: c.get(f"/office/plans/{i['p']}/panel")),
    ("POST", "/office/plans/{plan_id}/panel/assign", lambda c, i, t: c.post(f"/office/plans/{i['p']}/panel/assign", data=_form(t, name=A_EXPERT, leader="yes"))),
    ("POST", "/office/plans/{plan_id}/panel/remove", lambda c, i, t: c.post(f"/office/plans/{i['p']}/panel/remove", data=_form(t, name=A_EXPERT))),
    ("POST", "/office/plans/{plan_id}/panel/round", lambda c, i, t: c.post(f"/office/plans/{i['p']}/panel/round", data=_form(t))),
    ("GET", "/office/plans/{plan_id}/corrections", lambda c, i, t: c.get(f"/office/plans/{i['p']}/corrections")),
    ("POST", "/office/plans/{plan_id}/corrections", lambda c, i, t: c.post(f"/office/plans/{i['p']}/corrections", data=_form(t, ref="1", lead="区市场监管局"))),
    ("POST", "/office/plans/{plan_id}/corrections/reshape", lambda c, i, t: c.post(f"/office/plans/{i['p']}/corrections/reshape", data=_form(t, action="merge", refs="1、2"))),
    ("GET", "/expert/plans/{plan_id}", lambda c, i, t: c.get(f"/expert/plans/{i['p']}")),
    ("POST", "/expert/plans/{plan_id}/score", lambda c, i, t: c.post(f"/expert/plans/{i['p']}/score", data=_form(t, code="1", points="1"))),
    ("POST", "/expert/plans/{plan_id}/final", lambda c, i, t: c.post(f"/expert/plans/{i['p']}/final", data=_form(t, code="1", points="1"))),
    ("POST", "/expert/plans/{plan_id}/opinion", lambda c, i, t: c.post(f"/expert/plans/{i['p']}/opinion", data=_form(t, text="意见"))),
    ("POST", "/expert/plans/{plan_id}/finalise", lambda c, i, t: c.post(f"/expert/plans/{i['p']}/finalise", data=_form(t))),
    ("GET", "/plans/{plan_id}/site-checks", lambda c, i, t: c.get(f"/plans/{i['p']}/site-checks")),
    ("POST", "/plans/{plan_id}/site-checks", lambda c, i, t: c.post(f"/plans/{i['p']}/site-checks", data=_form(t, **SITE_CHECK))),
    ("GET", "/site-checks/{check_id}", lambda c, i, t: c.get(f"/site-checks/{i['s']}")),
    ("POST", "/site-checks/{check_id}", lambda c, i, t: c.post(f"/site-checks/{i['s']}", data=_form(t, **SITE_CHECK))),
    ("POST", "/site-checks/{check_id}/delete", lambda c, i, t: c.post(f"/site-checks/{i['s']}/delete", data=_form(t))),
    ("POST", "/site-checks/{check_id}/photos", lambda c, i, t: c.post(f"/site-checks/{i['s']}/photos", data=_form(t, caption="照片"), files={"file": ("x.png", png_bytes(), "image/png")})),
    ("GET", "/site-photos/{photo_id}", lambda c, i, t: c.get(f"/site-photos/{i['f']}")),
    ("POST", "/site-photos/{photo_id}/remove", lambda c, i, t: c.post(f"/site-photos/{i['f']}/remove", data=_form(t))),
    ("GET", "/inbox/{message_id}", lambda c, i, t: c.get(f"/inbox/{i['n']}")),
    ("GET", "/office/review/{measure_id}", lambda c, i, t: c.get(f"/office/review/{i['m']}")),
    ("POST", "/office/review/{measure_id}/accept", lambda c, i, t: c.post(f"/office/review/{i['m']}/accept", data=_form(t, version="1"))),
    ("POST", "/office/review/{measure_id}/return", lambda c, i, t: c.post(f"/office/review/{i['m']}/return", data=_form(t, version="1", comment="退回"))),
]
API_ROUTES: list[tuple[str, str, Call]] = [
    ("GET", "/api/v1/plans/{plan_id}", lambda c, i, t: c.get(f"/api/v1/plans/{i['p']}")),
    ("GET", "/api/v1/plans/{plan_id}/measures", lambda c, i, t: c.get(f"/api/v1/plans/{i['p']}/measures")),
    ("GET", "/api/v1/plans/{plan_id}/overdue", lambda c, i, t: c.get(f"/api/v1/plans/{i['p']}/overdue")),
    ("GET", "/api/v1/plans/{plan_id}/indicators", lambda c, i, t: c.get(f"/api/v1/plans/{i['x']}/indicators")),
    ("POST", "/api/v1/plans/{plan_id}/indicators/{number}/reports", lambda c, i, t: c.post(f"/api/v1/plans/{i['x']}/indicators/1/reports", data={"value": "1", "link": "https://example.gov.cn/a"})),
    ("GET", "/api/v1/measures/{measure_id}", lambda c, i, t: c.get(f"/api/v1/measures/{i['m']}")),
    ("GET", "/api/v1/measures/{measure_id}/history", lambda c, i, t: c.get(f"/api/v1/measures/{i['m']}/history")),
    ("POST", "/api/v1/measures/{measure_id}/start", lambda c, i, t: c.post(f"/api/v1/measures/{i['m']}/start", json={})),
    ("POST", "/api/v1/measures/{measure_id}/part", lambda c, i, t: c.post(f"/api/v1/measures/{i['m']}/part", json={"done": True})),
    ("POST", "/api/v1/measures/{measure_id}/self-check", lambda c, i, t: c.post(f"/api/v1/measures/{i['m']}/self-check", json={"statement": "完成"})),
    ("POST", "/api/v1/measures/{measure_id}/withdraw", lambda c, i, t: c.post(f"/api/v1/measures/{i['m']}/withdraw", json={})),
    ("POST", "/api/v1/measures/{measure_id}/accept", lambda c, i, t: c.post(f"/api/v1/measures/{i['m']}/accept", json={"score": 90})),
    ("POST", "/api/v1/measures/{measure_id}/return", lambda c, i, t: c.post(f"/api/v1/measures/{i['m']}/return", json={"comment": "退回"})),
    ("POST", "/api/v1/measures/{measure_id}/evidence", lambda c, i, t: c.post(f"/api/v1/measures/{i['m']}/evidence", data={"item": "1"}, files=PDF)),
    ("GET", "/api/v1/evidence/{evidence_id}", lambda c, i, t: c.get(f"/api/v1/evidence/{i['e']}")),
    ("GET", "/api/v1/evidence/{evidence_id}/file", lambda c, i, t: c.get(f"/api/v1/evidence/{i['e']}/file")),
]


def _message_b(world: World) -> int:
    """An in-app message of zone B's member (a return told them of), its id."""
    with world.app.uow() as uow:
        person = uow.session.scalars(select(Person).where(Person.name == B_MEMBER)).one()
        enqueue(uow.session, person, event_kind="returned", event_key="returned:b", subject="【退回整改】武汉", body="wuhan-secret")
        found = uow.session.scalars(
            select(OutgoingMessage.id).where(OutgoingMessage.person_id == person.id, OutgoingMessage.channel == Channel.INAPP)
        ).first()
        uow.commit()
    assert found is not None
    return found


def _client(world: World, name: str, *, api: bool) -> TestClient:
    c = TestClient(create_app(zc=world.app), base_url="https://testserver", follow_redirects=False)
    c.__enter__()
    if api:
        response = c.post("/api/v1/session", json={"name": name, "password": PASSWORD})
        assert response.status_code == 201, response.text
        c.headers["Authorization"] = f"Bearer {response.json()['token']}"
        return c
    return sign_in(c, name)


def _csrf(client: TestClient) -> str:
    page = client.get("/", follow_redirects=True).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


def _same(text: str, ids: dict[str, int]) -> str:
    """A response with the ids it was asked about blanked, to compare real with missing ones."""
    for value in sorted({str(v) for v in ids.values()}, key=len, reverse=True):
        text = re.sub(rf"(编号为 |/|#|“){value}(?!\d)", r"\1ID", text)
    return re.sub(r"参考编号[::]\s*\w+", "参考编号", text)


@pytest.mark.parametrize("who", [A_MEMBER, A_REVIEWER, A_ADMIN, A_EXPERT])
@pytest.mark.parametrize("kind", ["pages", "api"])
def test_nobody_of_zone_a_reaches_zone_b_by_id(world: World, who: str, kind: str) -> None:
    api = kind == "api"
    client = _client(world, who, api=api)
    csrf = "" if api else _csrf(client)
    real = {
        "p": world.plan_b, "x": world.xuchang, "m": world.measure_b, "e": world.evidence_b,
        "s": world.site_check_b, "f": world.site_photo_b, "n": _message_b(world), "j": world.render_job_b,
    }  # fmt: skip
    missing = dict.fromkeys(real, MISSING)
    before = fingerprint(world.app)
    for method, route, call in API_ROUTES if api else PAGE_ROUTES:
        targets = [real] if "{evidence_id}" not in route else [real, {**real, "e": world.indicator_evidence_b}]
        for ids in targets:
            seen = len(audit_entries(world.app))
            got = call(client, ids, csrf)
            refused = audit_entries(world.app)[seen:]
            absent = call(client, missing, csrf)
            where = (who, method, route, ids)
            assert got.status_code in (403, 404), (*where, got.status_code, got.text[:300])
            assert got.status_code == absent.status_code == 404 or (
                got.status_code == 403 and absent.status_code == 403  # a role refusal comes first
            ), (*where, got.status_code, absent.status_code)
            assert _same(got.text, ids) == _same(absent.text, missing), where
            assert "wuhan-secret" not in got.text and "武汉台账" not in got.text, where
            if got.status_code == 404:
                assert [e.refused for e in refused] == [True], where  # the attempt is on record
    assert fingerprint(world.app) == before
    client.__exit__(None, None, None)


def test_every_route_taking_an_id_is_in_the_matrix(world: World) -> None:
    app = create_app(zc=world.app)
    covered = {(m, r) for m, r, _ in PAGE_ROUTES + API_ROUTES}
    taking_ids = {
        (method, route.path)
        for route in app.routes
        if "{" in getattr(route, "path", "") and not route.path.startswith("/static")
        for method in getattr(route, "methods", set()) - {"HEAD"}
    }
    assert taking_ids - covered == set()


def test_lists_show_only_the_viewers_zone(world: World) -> None:
    for who in (A_MEMBER, A_REVIEWER, A_ADMIN):
        api = _client(world, who, api=True)
        assert [p["key"] for p in api.get("/api/v1/plans").json()] == [JIADING]
        assert api.get("/api/v1/review-queue").status_code in (200, 403)
        if api.get("/api/v1/review-queue").status_code == 200:
            assert api.get("/api/v1/review-queue").json() == []  # Wuhan's 13 awaits zone B
        assert all(item["plan_key"] == JIADING for item in api.get("/api/v1/worklist").json())
        api.__exit__(None, None, None)
    pages = _client(world, A_ADMIN, api=False)
    for path in ("/office", "/office/review", "/office/people", "/office/import"):
        text = pages.get(path).text
        assert WUHAN not in text and B_MEMBER not in text and "许昌" not in text, path
    b_reviewer = _client(world, B_REVIEWER, api=True)
    assert [r["ident"] for r in b_reviewer.get("/api/v1/review-queue").json()] == [f"{WUHAN}/{B_REF}"]
    b_reviewer.__exit__(None, None, None)


def test_an_admin_of_zone_a_cannot_touch_zone_b_people_groups_units_or_plans(world: World) -> None:
    admin = _client(world, A_ADMIN, api=False)
    csrf = _csrf(admin)
    before = fingerprint(world.app)
    attempts = [
        ("/office/people/password", {"name": B_MEMBER, "password": "新的密码-12345"}, "只能管理本辖区"),
        ("/office/people/levels", {"plan": WUHAN, "levels": "初审\n复审"}, f"找不到方案“{WUHAN}”"),
        ("/office/people/levels", {"plan": str(world.plan_b), "levels": "初审"}, f"找不到方案“{world.plan_b}”"),
        ("/office/people/group", {"group": B_GROUP, "member": "区市场监管局"}, f"找不到“{B_GROUP}”"),
        ("/office/people/add", {"name": "新人", "role": "member", "unit": B_ONLY_UNIT}, "中没有单位"),
    ]
    for path, fields, words in attempts:
        response = admin.post(path, data=_form(csrf, **fields))
        shown = admin.get(response.headers["location"]).text if response.status_code == 303 else response.text
        assert words in shown, (path, fields, shown[:500])
    assert fingerprint(world.app) == before
    refused = [e for e in audit_entries(world.app) if e.refused and e.actor == A_ADMIN]
    assert {e.action for e in refused} >= {"password_set", "review_levels"}
    admin.__exit__(None, None, None)


def test_a_parent_zone_office_reviews_only_the_level_assigned_to_it(world: World, seeds_dir: Path) -> None:
    """上海市's reviewer sees Jiading's plan once 市级验收 is theirs, and decides only that level."""
    app = world.app
    people.add_person(app.uow(), None, "上海市管理员", role=Role.ADMIN, unit=None, zone="上海市")
    people.add_person(app.uow(), actor(app, "上海市管理员"), "上海市审核人", role=Role.REVIEWER, unit=None)
    city_before = _client_plans(world, "上海市审核人")
    assert city_before == []  # no level of the district's plan is the city's yet
    people.set_review_levels(app.uow(), actor(app, A_ADMIN), plan_id(app, JIADING), ["区级初审", "市级验收"], level_zones={"市级验收": "上海市"})
    with app.uow() as uow:
        uow.session.execute(update(Person).values(password_hash=password_hash()))
        uow.commit()
    assert _client_plans(world, "上海市审核人") == [JIADING]
    ten = measure_id(app, JIADING, "10")
    member, city = actor(app, A_MEMBER), actor(app, "上海市审核人")
    measure_work.start(app.uow(), member, ten)
    upload = write_file(app.settings.home / "up", "台账.pdf", pdf_bytes("jiading"))
    add_evidence(
        app.uow(), app.store, member, ten, item=1,
        new=NewEvidence(files=[upload], doc_date=dt.date(2023, 10, 15)),
    )
    measure_work.set_part(app.uow(), member, ten)
    measure_work.submit_self_check(app.uow(), member, ten, statement="完成", today=dt.date(2024, 3, 1))
    from workflow.errors import Refused

    with pytest.raises(Refused, match="不负责.*“区级初审”"):
        measure_work.accept(app.uow(), city, ten)
    measure_work.accept(app.uow(), actor(app, A_REVIEWER), ten)
    with pytest.raises(Refused, match="不负责.*“市级验收”"):
        measure_work.accept(app.uow(), actor(app, A_ADMIN), ten)
    outcome = measure_work.accept(app.uow(), city, ten, score=90)
    assert outcome.to_state.value == "accepted"


def _client_plans(world: World, name: str) -> list[str]:
    with world.app.uow() as uow:
        uow.session.execute(update(Person).values(password_hash=password_hash()))
        uow.commit()
    c = _client(world, name, api=True)
    try:
        return [p["key"] for p in c.get("/api/v1/plans").json()]
    finally:
        c.__exit__(None, None, None)
