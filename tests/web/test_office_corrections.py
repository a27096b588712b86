"""The office corrects a plan in the browser: the import preview as an editor, and a plan's
校正 page (admins only, CSRF-checked, errors shown as notices, nothing saved on a bad form)."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select, update

from tests.integration.workflow_helpers import (
    ADMIN,
    JIADING,
    MARKET,
    REVIEWER_A,
    audit_entries,
    count,
    measure_id,
    plan_id,
    seed_path,
    session_of,
)
from tests.web.conftest import Login, csrf_of, password_hash
from tests.web.test_office_admin import staging_token, upload
from workflow.bootstrap import App
from workflow.domain.states import Role
from workflow.models import Measure, Person, Plan, PlanCorrection
from workflow.services import measure_work, people
from workflow.services.plan_catalog import measure_to_catalog
from workflow.services.zones import viewer_of


def units_of(zc: App, plan_key: str, ref: str) -> list[tuple[str, str]]:
    with session_of(zc) as session:
        measure = session.scalar(select(Measure).join(Plan).where(Plan.key == plan_key, Measure.ref == ref))
        assert measure is not None
        return [(u.name, u.role.value) for u in measure_to_catalog(measure).units]


def shown(client, response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 303, response.text[response.text.find("<main"):][:600]
    return str(client.get(response.headers["location"]).text)


def test_the_admin_fixes_a_measures_units_and_lead_on_the_plans_correction_page(zc: App, login: Login) -> None:
    admin = login(ADMIN)
    pid = plan_id(zc, JIADING)
    page = admin.get(f"/office/plans/{pid}/corrections?ref=5")
    assert page.status_code == 200 and 'name="lead"' in page.text and "校正措施 5" in page.text
    form = {"csrf_token": csrf_of(page.text), "ref": "5", "lead": "区市场监管局", "co": "区经委", "group": "",
            "kind": "measure", "deadline_kind": "fixed", "due": "2024-12-31", "deadline_text": "2024年底前", "checklist": "联席会议纪要 | 文件、链接"}
    after = shown(admin, admin.post(f"/office/plans/{pid}/corrections", data=form))
    assert "已保存校正" in after and "责任单位改为 区市场监管局(牵头)、区经委" in after
    assert units_of(zc, JIADING, "5") == [("区市场监管局", "lead"), ("区经委", "co")]
    assert [e.action for e in audit_entries(zc)][-3:] == ["plan_correct"] * 3
    # The measure page shows it to the unit now responsible.
    market = login(MARKET)
    assert "联席会议纪要" in market.get(f"/measures/{measure_id(zc, JIADING, '5')}").text


def test_a_bad_form_is_a_notice_naming_the_field_and_saves_nothing(zc: App, login: Login) -> None:
    admin = login(ADMIN)
    pid = plan_id(zc, JIADING)
    csrf = csrf_of(admin.get(f"/office/plans/{pid}/corrections").text)
    base = {"csrf_token": csrf, "ref": "5", "group": "区知识产权联席会议各成员单位", "kind": "measure", "deadline_kind": "none"}
    cases = [
        ({**base, "deadline_kind": "fixed"}, "期限类型 fixed 需要 due 日期"),
        ({**base, "checklist": "甲 | 视频"}, "自查清单第 1 行:佐证类型“视频”无效"),
        ({**base, "kind": "safeguard", "ref": "1"}, "措施编号"),
    ]
    for fields, words in cases:
        text = shown(admin, admin.post(f"/office/plans/{pid}/corrections", data=fields))
        assert words in text, (fields, text[:2000])
    reshape = shown(admin, admin.post(f"/office/plans/{pid}/corrections/reshape", data={"csrf_token": csrf, "action": "merge", "refs": "6"}))
    assert "合并:请填写至少两项措施的编号" in reshape
    assert count(zc, PlanCorrection) == 0


def test_merging_a_started_measure_is_refused_with_the_reason(zc: App, login: Login) -> None:
    market = viewer_of(zc.uow(), MARKET)
    assert market is not None
    measure_work.start(zc.uow(), market, measure_id(zc, JIADING, "10"))
    admin = login(ADMIN)
    pid = plan_id(zc, JIADING)
    csrf = csrf_of(admin.get(f"/office/plans/{pid}/corrections").text)
    text = shown(admin, admin.post(f"/office/plans/{pid}/corrections/reshape", data={"csrf_token": csrf, "action": "merge", "refs": "9、10"}))
    assert "已有工作记录" in text
    split = shown(admin, admin.post(f"/office/plans/{pid}/corrections/reshape", data={"csrf_token": csrf, "action": "split", "ref": "9", "parts": "甲\n乙"}))
    assert "拆分为 2 项" in split and "9-2" in split
    assert count(zc, PlanCorrection) == 1


def test_only_admins_open_or_post_the_correction_page_and_posts_need_csrf(zc: App, login: Login) -> None:
    pid = plan_id(zc, JIADING)
    for who in (REVIEWER_A, MARKET):
        client = login(who)
        assert client.get(f"/office/plans/{pid}/corrections").status_code == 403
        csrf = csrf_of(client.get("/", follow_redirects=True).text)
        assert client.post(f"/office/plans/{pid}/corrections", data={"csrf_token": csrf, "ref": "5", "lead": "区经委"}).status_code == 403
    admin = login(ADMIN)
    assert admin.post(f"/office/plans/{pid}/corrections", data={"ref": "5", "lead": "区经委"}).status_code == 403
    assert count(zc, PlanCorrection) == 0


def test_the_import_preview_is_an_editor_and_its_edits_are_stored_at_confirm(
    zc: App, login: Login, seeds_dir: Path
) -> None:
    admin = login(ADMIN)
    seed = seed_path(seeds_dir, "002")
    html = upload(admin, seed.name, seed.read_bytes())
    token = staging_token(html)
    page = admin.get(f"/office/import/preview?token={token}&ref=1")
    assert page.status_code == 200 and "校正措施 1" in page.text
    csrf = csrf_of(page.text)
    form = {"csrf_token": csrf, "token": token, "ref": "1", "lead": "市市场监管局", "co": "市公安局", "kind": "measure",
            "deadline_kind": "ongoing", "checklist": "工作方案"}
    after = shown(admin, admin.post("/office/import/edit", data=form))
    assert "已记下校正" in after and "责任单位改为 市市场监管局(牵头)、市公安局" in after
    assert "尚未保存" in after and count(zc, PlanCorrection) == 0
    bad = shown(admin, admin.post("/office/import/reshape", data={"csrf_token": csrf, "token": token, "action": "merge", "refs": "1、999"}))
    assert "没有编号为“999”的措施" in bad
    # Another admin of the zone is told the staged upload is not there.
    people.add_person(zc.uow(), viewer_of(zc.uow(), ADMIN), "管理员二", role=Role.ADMIN, unit=None)
    with zc.uow() as uow:
        uow.session.execute(update(Person).where(Person.name == "管理员二").values(password_hash=password_hash()))
        uow.commit()
    other = login("管理员二")
    assert "找不到待导入的文件" in shown(other, other.get(f"/office/import/preview?token={token}"))
    response = admin.post("/office/import/confirm", data={"csrf_token": csrf, "token": token})
    assert response.status_code == 303
    key = seed.stem
    assert units_of(zc, key, "1") == [("市市场监管局", "lead"), ("市公安局", "co")]
    with session_of(zc) as session:
        assert list(session.scalars(select(PlanCorrection.kind))) == ["units", "deadline", "checklist"]
    page = admin.get(f"/office/plans/{plan_id(zc, key)}/corrections")
    assert re.search(r"责任单位改为 市市场监管局", page.text) and page.text.count("已应用") == 3
