"""An expert's pages: the home lists its panels' plans; the plan's sheet shows every indicator
with the evidence of the measures it maps to, takes a score per leaf and the opinion, and lets
the 组长 consolidate and finalise; the same rules as the CLI, refusals as notices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from tests.integration.test_expert_panels import INDEX, LEADER, ORG
from tests.integration.workflow_helpers import (
    ADMIN,
    JIADING,
    MARKET,
    actor,
    measure_id,
    pdf_bytes,
    plan_id,
    write_file,
)
from tests.web.conftest import PASSWORD, Login, page_csrf, password_hash
from workflow.bootstrap import App
from workflow.domain.states import Role
from workflow.models import ExpertScore, Person
from workflow.services import measure_work, people
from workflow.services.evidence import NewEvidence, add_evidence
from workflow.services.experts import assign_expert
from workflow.services.index_systems import load_index

MEMBER = "钱专家"


@pytest.fixture
def panel(zc: App) -> int:
    """Jiading's plan with its index system, a piece of evidence on measure 1, a 组长 and a member."""
    jiading = plan_id(zc, JIADING)
    admin = actor(zc, ADMIN)
    load_index(zc.uow(), admin, jiading, "指标体系.yaml", INDEX.replace("RULE", "leader").encode())
    for name in (LEADER, MEMBER):
        people.add_person(zc.uow(), admin, name, role=Role.EXPERT, unit=None, organisation=ORG)
    assign_expert(zc.uow(), admin, jiading, LEADER, leader=True)
    assign_expert(zc.uow(), admin, jiading, MEMBER)
    one = measure_id(zc, JIADING, "3")
    measure_work.start(zc.uow(), actor(zc, MARKET), one)
    upload = write_file(zc.settings.home / "up", "联席会议纪要.pdf", pdf_bytes("minutes"))
    add_evidence(zc.uow(), zc.store, actor(zc, MARKET), one, item=1, new=NewEvidence(files=[upload], doc_date=dt.date(2024, 3, 1)))
    with zc.uow() as uow:
        uow.session.query(Person).filter(Person.role == Role.EXPERT).update({"password_hash": password_hash()})
        uow.commit()
    return jiading


def post(client: TestClient, path: str, **fields: str) -> str:
    """Post a form; the notice shown on the page it sends back to."""
    response = client.post(path, data={"csrf_token": page_csrf(client, "/expert"), **fields})
    assert response.status_code == 303, response.text
    return client.get(response.headers["location"]).text


def test_an_expert_lands_on_its_plans_and_scores_on_the_sheet(zc: App, login: Login, panel: int) -> None:
    member = login(MEMBER)
    assert member.get("/").headers["location"] == "/expert"
    home = member.get("/expert").text
    assert f"/expert/plans/{panel}" in home and "成员" in home
    sheet = member.get(f"/expert/plans/{panel}").text
    for words in ("建立工作机制", "无重大知识产权事件", "措施 3", "联席会议纪要.pdf", "保存意见"):
        assert words in sheet, words
    assert "确认本轮专家评审" not in sheet  # the 组长's alone
    shown = post(member, f"/expert/plans/{panel}/score", code="1.1", points="36", comment="机制健全")
    assert "已评分 指标 1.1 建立工作机制:36 分" in shown
    above = post(member, f"/expert/plans/{panel}/score", code="1.1", points="41")
    assert "超过该指标分值 40 分" in above
    not_number = post(member, f"/expert/plans/{panel}/score", code="1.2", points="很多")
    assert "分数:应为数字" in not_number
    with zc.uow() as uow:
        assert [s.points for s in uow.session.query(ExpertScore)] == [Decimal(36)]
    assert "已保存专家意见" in post(member, f"/expert/plans/{panel}/opinion", text="建议补充统计数据。")
    refused = post(member, f"/expert/plans/{panel}/opinion", text="……", panel="yes")
    assert "专家组意见由组长填写" in refused


def test_the_leader_consolidates_writes_the_panels_opinion_and_finalises(zc: App, login: Login, panel: int) -> None:
    leader = login(LEADER)
    for code, points in (("1.1", "36"), ("1.2", "18"), ("2", "30"), ("3", "2")):
        post(leader, f"/expert/plans/{panel}/score", code=code, points=points)
    post(leader, f"/expert/plans/{panel}/score", code="4", met="yes")
    assert "已汇总 指标 2 依法保护:35 分" in post(leader, f"/expert/plans/{panel}/final", code="2", points="35")
    early = post(leader, f"/expert/plans/{panel}/finalise")
    assert "尚无专家组意见" in early
    post(leader, f"/expert/plans/{panel}/opinion", text="专家组一致认为达到优秀等次。", panel="yes")
    done = post(leader, f"/expert/plans/{panel}/finalise")
    assert "已确认第 1 轮专家评审:91 分,等次 优秀" in done
    assert "已由组长确认" in done and f'action="/expert/plans/{panel}/score"' not in done


def test_others_are_kept_out_of_the_expert_pages(zc: App, login: Login, panel: int) -> None:
    unit = login(MARKET)
    assert unit.get("/expert").status_code == 403
    assert unit.get(f"/expert/plans/{panel}").status_code == 403
    member = login(MEMBER)
    assert member.get("/office").status_code == 403
    assert member.get("/unit").headers["location"] == "/expert"
    # Another plan (of the same zone, not on the expert's panel) is a missing one.
    assert member.get(f"/expert/plans/{panel + 1000}").status_code == 404
    measure = measure_id(zc, JIADING, "1")
    assert member.get(f"/measures/{measure}").status_code == 200  # every measure of its plan


def test_an_admin_adds_an_expert_with_its_organisation_on_the_people_page(zc: App, login: Login) -> None:
    admin = login(ADMIN)
    csrf = page_csrf(admin, "/office/people")
    fields = {"csrf_token": csrf, "name": "孙专家", "role": "expert", "organisation": "同济大学知识产权学院"}
    response = admin.post("/office/people/add", data=fields)
    assert "已添加专家“孙专家”(同济大学知识产权学院)" in admin.get(response.headers["location"]).text
    with_unit = admin.post("/office/people/add", data={**fields, "name": "周专家", "unit": "区法院"})
    assert "专家不属于责任单位" in admin.get(with_unit.headers["location"]).text
    with zc.uow() as uow:
        assert uow.session.query(Person).filter(Person.name == "孙专家").one().organisation == "同济大学知识产权学院"


def test_the_api_answers_an_expert_with_its_plan_alone(zc: App, client: TestClient, panel: int) -> None:
    token = client.post("/api/v1/session", json={"name": MEMBER, "password": PASSWORD}).json()["token"]
    client.headers["Authorization"] = f"Bearer {token}"
    assert [p["key"] for p in client.get("/api/v1/plans").json()] == [JIADING]
    assert client.get(f"/api/v1/plans/{panel}/measures").status_code == 200
    assert client.get("/api/v1/worklist").json() == []
    queue = client.get("/api/v1/review-queue")
    assert queue.status_code == 403 or queue.json() == []
    start = client.post(f"/api/v1/measures/{measure_id(zc, JIADING, '3')}/start", json={})
    assert start.status_code == 403 and "专家" in start.text
