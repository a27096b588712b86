"""The office's acceptance pages: the 评价指标体系 tab (load an index, download the example, the
indicator tree and score summary, self-scores with evidence and version locking, refused after
the formal review closed) and the 专家组 tab (seat and remove experts, name the 组长, a
conflicted expert refused with the service's reason, a re-review round). Both backends."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from tests.integration.test_expert_panels import CONFLICTED, EXPERT, INDEX, LEADER, ORG, SHEETS
from tests.integration.workflow_helpers import (
    ADMIN,
    COURT,
    JIADING,
    MARKET,
    REVIEWER_A,
    actor,
    audit_entries,
    measure_id,
    pdf_bytes,
    plan_id,
    session_of,
    write_file,
)
from tests.unit.test_indexsys_files import ROWS as XLSX_ROWS
from tests.unit.test_indexsys_files import _workbook as workbook
from tests.web.conftest import Login, csrf_of
from workflow.bootstrap import App
from workflow.domain.states import Role
from workflow.models import ExpertRound, PlanExpert, SelfScore
from workflow.services import measure_work, people
from workflow.services.evidence import NewEvidence, add_evidence
from workflow.services.expert_scores import finalise_round, set_expert_score
from workflow.services.formal_review import close_formal_review, open_formal_review
from workflow.services.index_systems import load_index
from workflow.services.opinions import write_opinion

# The experts' index, its 1.1 mapped to measure 13 (区法院's), whose evidence the form offers.
COURT_INDEX = INDEX.replace("RULE", "leader").replace("measures: ['1', '3']", "measures: ['13']")


def flash_of(client: object, response: object) -> str:
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    return client.get(response.headers["location"]).text  # type: ignore[attr-defined]


def court_evidence(zc: App, tmp_path: Path) -> int:
    measure_work.start(zc.uow(), actor(zc, COURT), measure_id(zc, JIADING, "13"))
    added = add_evidence(
        zc.uow(), zc.store, actor(zc, COURT), measure_id(zc, JIADING, "13"), item=1,
        new=NewEvidence(files=[write_file(tmp_path, "判决书.pdf", pdf_bytes())]),
    )  # fmt: skip
    return added[0].id


def test_the_office_loads_the_example_and_an_index_with_errors_named_by_line(zc: App, login: Login) -> None:
    pid = plan_id(zc, JIADING)
    admin = login(ADMIN)
    page = admin.get(f"/office/plans/{pid}/index")
    assert page.status_code == 200 and "尚未载入评价指标体系" in page.text and "评价指标体系</a>" in page.text
    example = admin.get(f"/office/plans/{pid}/index/example")
    assert example.status_code == 200 and example.headers["content-type"].startswith("application/yaml")
    assert f"plan: {JIADING}" in example.text and "attachment" in example.headers["content-disposition"]

    broken = example.text.replace("total: 100", "total: 90", 1)
    csrf = csrf_of(page.text)
    refused = admin.post(f"/office/plans/{pid}/index", data={"csrf_token": csrf}, files={"file": ("坏的.yaml", broken.encode(), "text/yaml")})
    text = flash_of(admin, refused)
    assert "坏的.yaml" in text and "90" in text and "尚未载入评价指标体系" in text

    loaded = admin.post(f"/office/plans/{pid}/index", data={"csrf_token": csrf}, files={"file": ("指标体系.yaml", example.text.encode(), "text/yaml")})
    text = flash_of(admin, loaded)
    assert "已载入评价指标体系" in text and 'id="indicators"' in text and "注重统筹协调,完善知识产权保护体系" in text
    assert text.count("自评打分</summary>") > 5  # a form on every leaf for the zone's admin
    assert "1 级指标合计" in text and 'id="self-total">0<' in text


def test_an_admin_self_scores_with_evidence_a_stale_version_is_a_conflict(zc: App, login: Login, tmp_path: Path) -> None:
    pid = plan_id(zc, JIADING)
    evidence = court_evidence(zc, tmp_path)
    load_index(zc.uow(), actor(zc, ADMIN), pid, "指标体系.yaml", COURT_INDEX.encode())
    admin = login(ADMIN)
    page = admin.get(f"/office/plans/{pid}/index")
    assert f'name="evidence" value="{evidence}"' in page.text  # 1.1 offers measure 13's file
    csrf = csrf_of(page.text)
    form = {"csrf_token": csrf, "code": "1.1", "points": "36", "statement": "已建立联席会议机制", "evidence": str(evidence)}
    text = flash_of(admin, admin.post(f"/office/plans/{pid}/index/self-score", data=form))
    assert "已自评 指标 1.1 建立工作机制:36 分(版本 1)" in text and f"/evidence/{evidence}/view" in text

    again = {**form, "points": "38", "version": "1"}
    assert "版本 2" in flash_of(admin, admin.post(f"/office/plans/{pid}/index/self-score", data=again))
    stale = flash_of(admin, admin.post(f"/office/plans/{pid}/index/self-score", data={**again, "points": "30"}))
    assert "已被他人修改(版本 1 → 2)" in stale
    over = flash_of(admin, admin.post(f"/office/plans/{pid}/index/self-score", data={**form, "code": "1.2", "points": "25"}))
    assert "1.2" in over and "20" in over  # above the points: the service's words
    typed = flash_of(admin, admin.post(f"/office/plans/{pid}/index/self-score", data={**form, "evidence": "", "other": "12、x"}))
    assert "其他材料编号:应为材料编号(数字),收到“x”" in typed
    unknown = flash_of(admin, admin.post(f"/office/plans/{pid}/index/self-score", data={**form, "evidence": "", "other": "999999"}))
    assert "没有编号为 999999 的佐证材料" in unknown
    met = flash_of(admin, admin.post(f"/office/plans/{pid}/index/self-score", data={"csrf_token": csrf, "code": "4", "met": "yes", "statement": "无重大事件"}))
    assert "已自评 指标 4" in met
    with session_of(zc) as session:
        scores = {s.indicator.code: (s.points, s.met, s.version_id, list(s.evidence_ids)) for s in session.scalars(select(SelfScore))}
    assert scores["1.1"][0] == 38 and scores["1.1"][2:] == (2, [evidence]) and scores["4"][1] is True


def test_a_reviewer_reads_but_may_not_score_and_nobody_scores_after_the_formal_review(
    zc: App, login: Login
) -> None:
    pid = plan_id(zc, JIADING)
    load_index(zc.uow(), actor(zc, ADMIN), pid, "指标体系.yaml", COURT_INDEX.encode())
    reviewer = login(REVIEWER_A)
    page = reviewer.get(f"/office/plans/{pid}/index")
    assert page.status_code == 200 and "自评打分</summary>" not in page.text and 'id="self-refusal"' in page.text
    form = {"csrf_token": csrf_of(page.text), "code": "1.2", "points": "10", "statement": "说明"}
    assert "不是管理员,无权进行此项管理操作" in flash_of(reviewer, reviewer.post(f"/office/plans/{pid}/index/self-score", data=form))
    assert audit_entries(zc)[-1].refused and audit_entries(zc)[-1].action == "score_self"
    assert login(MARKET).get(f"/office/plans/{pid}/index").status_code == 403

    open_formal_review(zc.uow(), zc.store, actor(zc, REVIEWER_A), pid, days=5)
    close_formal_review(zc.uow(), actor(zc, REVIEWER_A), pid)
    admin = login(ADMIN)
    page = admin.get(f"/office/plans/{pid}/index")
    assert 'id="self-closed"' in page.text and "自评打分</summary>" not in page.text
    form["csrf_token"] = csrf_of(page.text)
    text = flash_of(admin, admin.post(f"/office/plans/{pid}/index/self-score", data=form))
    assert "形式审查已于" in text and "自评分不能再修改" in text


def test_an_admin_seats_experts_names_the_leader_and_a_conflicted_expert_is_refused(zc: App, login: Login) -> None:
    pid = plan_id(zc, JIADING)
    admin_actor = actor(zc, ADMIN)
    load_index(zc.uow(), admin_actor, pid, "指标体系.yaml", COURT_INDEX.encode())
    for name in (LEADER, EXPERT):
        people.add_person(zc.uow(), admin_actor, name, role=Role.EXPERT, unit=None, organisation=ORG)
    people.add_person(zc.uow(), admin_actor, CONFLICTED, role=Role.EXPERT, unit=None, organisation="区市场监管局")
    admin = login(ADMIN)
    page = admin.get(f"/office/plans/{pid}/panel")
    assert page.status_code == 200 and "尚未组建专家组" in page.text and f'<option value="{LEADER}">' in page.text
    csrf = csrf_of(page.text)
    post = lambda path, **data: flash_of(admin, admin.post(f"/office/plans/{pid}/panel/{path}", data={"csrf_token": csrf, **data}))  # noqa: E731

    assert "须回避" in post("assign", name=CONFLICTED) and "区市场监管局" in post("assign", name=CONFLICTED)
    assert f"已将专家 {EXPERT}" in post("assign", name=EXPERT)
    assert "任成员" in post("assign", name=LEADER)
    text = post("assign", name=LEADER, leader="yes")
    assert "任组长" in text and "找不到人员" in post("assign", name="没有这个人")
    assert "已将专家 " + EXPERT + " 移出专家组" in post("remove", name=EXPERT)
    assert "尚未由组长确认" in post("round")
    with session_of(zc) as session:
        assert {s.person.name: s.is_leader for s in session.scalars(select(PlanExpert))} == {LEADER: True}

    leader = actor(zc, LEADER)
    for code, value in SHEETS[LEADER].items():
        set_expert_score(zc.uow(), leader, pid, code, value, "依据现场核查")
    write_opinion(zc.uow(), leader, pid, "专家组一致认为工作机制健全。", panel=True)
    finalise_round(zc.uow(), leader, pid)
    page = admin.get(f"/office/plans/{pid}/panel")
    assert "已由组长确认" in page.text and "专家组一致认为工作机制健全。" in page.text and 'id="panel-score"' in page.text
    assert "已评分或填写意见" in page.text and "不能移出" in post("remove", name=LEADER)
    assert "已开启第 2 轮专家评审" in post("round")
    with session_of(zc) as session:
        assert sorted(r.round for r in session.scalars(select(ExpertRound))) == [1, 2]

    reviewer = login(REVIEWER_A)
    page = reviewer.get(f"/office/plans/{pid}/panel")
    assert page.status_code == 200 and 'id="manage-refusal"' in page.text and "加入专家组" not in page.text
    assert login(MARKET).get(f"/office/plans/{pid}/panel").status_code == 403


def test_an_xlsx_index_is_loaded_and_its_errors_name_sheet_row_and_column(zc: App, login: Login) -> None:
    pid = plan_id(zc, JIADING)
    rows = [list(r) for r in XLSX_ROWS]
    rows[3][12] = None  # Jiading reports no 有效发明专利拥有量
    admin = login(ADMIN)
    csrf = csrf_of(admin.get(f"/office/plans/{pid}/index").text)
    wrong = [list(r) for r in rows]
    wrong[1][4] = 45.5
    book = ("指标.xlsx", workbook(wrong, settings=[["名称", "嘉定测试体系"]]), "application/octet-stream")
    text = flash_of(admin, admin.post(f"/office/plans/{pid}/index", data={"csrf_token": csrf}, files={"file": book}))
    assert "指标.xlsx 工作表“指标体系”第 3 行 指标 1“分值”列" in text and "尚未载入评价指标体系" in text
    book = ("指标.xlsx", workbook(rows, settings=[["名称", "嘉定测试体系"]]), "application/octet-stream")
    text = flash_of(admin, admin.post(f"/office/plans/{pid}/index", data={"csrf_token": csrf}, files={"file": book}))
    assert "已载入评价指标体系“嘉定测试体系”:4 项指标,其中 3 项计分" in text and 'id="ind-1.2"' in text
