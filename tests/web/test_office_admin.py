"""Administration pages: people, passwords, groups, review levels; importing plans."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.integration.workflow_helpers import (
    ADMIN,
    JIADING,
    REVIEWER_A,
    audit_entries,
    seed_path,
    session_of,
)
from tests.support.plan_files import encrypted_pdf, plan_pdf
from tests.web.conftest import Login, csrf_of, sign_in
from tests.web.test_office_support import audit_since, last_seq
from workflow.bootstrap import App
from workflow.models import Person, Plan, PlanImport
from workflow.services import people
from workflow.web.app import create_app

NEW_PASSWORD = "新同事的密码-123"


def plans(app: App) -> list[str]:
    with session_of(app) as session:
        return list(session.scalars(select(Plan.key).order_by(Plan.id)))


def test_admin_adds_a_person_and_sets_the_password_then_they_sign_in(zc: App, login: Login) -> None:
    admin = login(ADMIN)
    page = admin.get("/office/people")
    assert page.status_code == 200
    assert "监管局审核钱" in page.text and "区市场监管局" in page.text
    token = csrf_of(page.text)
    response = admin.post(
        "/office/people/add",
        data={"csrf_token": token, "name": "法院新人", "role": "member", "unit": "区法院"},
    )
    assert response.status_code == 303
    listing = admin.get("/office/people").text
    assert "已添加单位成员“法院新人”(区法院)" in listing
    assert re.search(r"<td>法院新人</td><td>单位成员</td><td>区法院</td>", listing)
    entry = audit_entries(zc)[-1]
    assert (entry.action, entry.target, entry.actor) == ("user_add", "法院新人", ADMIN)

    short = admin.post("/office/people/password", data={"csrf_token": token, "name": "法院新人", "password": "短"})
    assert short.status_code == 303
    assert "密码至少需要 8 个字符" in admin.get("/office/people").text
    response = admin.post(
        "/office/people/password",
        data={"csrf_token": token, "name": "法院新人", "password": NEW_PASSWORD},
    )
    assert response.status_code == 303
    with TestClient(create_app(zc=zc), base_url="https://testserver", follow_redirects=False) as c:
        sign_in(c, "法院新人", NEW_PASSWORD)
        assert c.get("/").headers["location"] == "/unit"


def test_bad_person_input_names_the_field_and_adds_nobody(zc: App, login: Login) -> None:
    admin = login(ADMIN)
    token = csrf_of(admin.get("/office/people").text)
    with session_of(zc) as session:
        before = session.scalar(select(func.count()).select_from(Person))
    admin.post("/office/people/add", data={"csrf_token": token, "name": "某人", "role": "boss"})
    assert "角色:" in admin.get("/office/people").text
    admin.post("/office/people/add", data={"csrf_token": token, "name": "某人", "role": "member"})
    assert "单位成员须" in admin.get("/office/people").text
    with session_of(zc) as session:
        assert session.scalar(select(func.count()).select_from(Person)) == before


def test_admin_sets_group_members_and_review_levels(zc: App, login: Login) -> None:
    admin = login(ADMIN)
    page = admin.get("/office/people").text
    token = csrf_of(page)
    group = "区知识产权联席会议各成员单位"
    assert group in page
    response = admin.post(
        "/office/people/group",
        data={"csrf_token": token, "group": group, "member": ["区法院", "区经委"]},
    )
    assert response.status_code == 303
    [view] = [u for u in people.list_units(zc.uow(), None) if u.name == group]
    assert view.members == sorted(["区法院", "区经委"])
    admin.post("/office/people/group", data={"csrf_token": token, "group": group, "member": ["区法院"]})
    [view] = [u for u in people.list_units(zc.uow(), None) if u.name == group]
    assert view.members == ["区法院"]

    admin.post("/office/people/levels", data={"csrf_token": token, "plan": JIADING, "levels": "初审\r\n专家评审\r\n"})
    with session_of(zc) as session:
        assert session.scalar(select(Plan.review_levels).where(Plan.key == JIADING)) == ["初审", "专家评审"]
    assert "初审 → 专家评审" in admin.get("/office/people").text


def test_a_reviewer_may_not_administer(zc: App, login: Login) -> None:
    reviewer = login(REVIEWER_A)
    seq = last_seq(zc)
    for path in ("/office/people", "/office/import"):
        response = reviewer.get(path)
        assert response.status_code == 403
        assert "不是管理员" in response.text
    token = csrf_of(reviewer.get("/office").text)
    response = reviewer.post(
        "/office/people/password",
        data={"csrf_token": token, "name": ADMIN, "password": "被人改掉的密码-1"},
    )
    assert response.status_code == 403
    entries = audit_since(zc, seq)
    assert len(entries) == 3 and all(e.refused and e.actor == REVIEWER_A for e in entries)
    assert [e.action for e in entries] == ["admin_page", "admin_page", "admin_page"]


# -------------------------------------------------------------------------------------- import


def upload(client: TestClient, name: str, data: bytes) -> str:
    token = csrf_of(client.get("/office/import").text)
    response = client.post(
        "/office/import",
        data={"csrf_token": token},
        files={"file": (name, data, "text/plain")},
    )
    assert response.status_code == 200, response.text
    return response.text


def staging_token(html: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_import_previews_without_saving_then_confirm_imports_that_file(
    zc: App, login: Login, seeds_dir: Path
) -> None:
    admin = login(ADMIN)
    seed = seed_path(seeds_dir, "002")
    before = plans(zc)
    audit_before = len(audit_entries(zc))
    html = upload(admin, seed.name, seed.read_bytes())
    assert "尚未保存" in html and "新导入" in html
    assert "许昌" in html  # the title read from the document
    assert re.search(r"措施 \d+ · 保障措施", html)
    assert "未能读取或存疑的内容" in html
    # Each measure row: ref, title, units, deadline and the checklist count.
    assert re.search(r'<td class="num">1</td>\s*<td>[^<]+</td>', html)
    assert "built-in method" not in html
    assert re.search(r'<td class="num">\d+</td>\s*<td><a href="/office/import/preview\?token=[^"]+&amp;ref=1#edit">校正</a></td>\s*</tr>', html)
    assert plans(zc) == before  # nothing saved
    assert len(audit_entries(zc)) == audit_before
    token = staging_token(html)
    staged = zc.settings.home / "uploads" / "import" / token
    assert (staged / seed.name).read_bytes() == seed.read_bytes()

    response = admin.post("/office/import/confirm", data={"csrf_token": csrf_of(html), "token": token})
    assert response.status_code == 303
    assert plans(zc) == before + ["002_6c8dfd04ca7988e4"]  # the key the CLI gives the same file
    assert not staged.exists()
    assert response.headers["location"].startswith("/office/plans/")
    assert "新导入" in admin.get(response.headers["location"]).text
    # The token is spent.
    again = admin.post("/office/import/confirm", data={"csrf_token": csrf_of(html), "token": token})
    assert again.status_code == 303
    assert "找不到待导入的文件" in admin.get("/office/import").text


def test_import_reads_a_pdf_by_its_content_and_refuses_an_encrypted_one(
    zc: App, login: Login, seeds_dir: Path, tmp_path: Path
) -> None:
    admin = login(ADMIN)
    seed = seed_path(seeds_dir, "002")
    pdf = plan_pdf(seed.read_text(encoding="utf-8"), tmp_path / "plan.pdf")
    html = upload(admin, "许昌方案(扫描版).bin", pdf.read_bytes())
    assert "尚未保存" in html and "许昌" in html and "从 PDF 文字层提取" in html

    before = plans(zc)
    staging = zc.settings.home / "uploads" / "import"
    staged = set(staging.iterdir())
    token = csrf_of(admin.get("/office/import").text)
    response = admin.post(
        "/office/import", data={"csrf_token": token}, files={"file": ("加密.pdf", encrypted_pdf(), "application/pdf")}
    )
    assert response.status_code == 303
    notice = admin.get("/office/import").text
    assert "加密.pdf" in notice and "密码" in notice
    assert plans(zc) == before
    assert set(staging.iterdir()) == staged  # the refused upload is not kept


def test_reimporting_a_revised_plan_lists_the_changes_like_the_cli(
    zc: App, login: Login, seeds_dir: Path
) -> None:
    admin = login(ADMIN)
    seed = seed_path(seeds_dir, "003")
    text = seed.read_text(encoding="utf-8")
    old = "4.运用好行刑衔接,完善"
    assert old in text
    revised = text.replace(old, "4.运用好行刑衔接机制,完善", 1).encode("utf-8")
    unchanged = upload(admin, seed.name, seed.read_bytes())
    assert "无变化" in unchanged
    html = upload(admin, seed.name, revised)
    assert "已更新" in html and "与已导入版本相比的变化" in html
    assert "运用好行刑衔接机制" in html
    with session_of(zc) as session:
        imports = session.scalar(select(func.count()).select_from(PlanImport))
    admin.post("/office/import/confirm", data={"csrf_token": csrf_of(html), "token": staging_token(html)})
    with session_of(zc) as session:
        assert session.scalar(select(func.count()).select_from(PlanImport)) == imports + 1
        assert plans(zc) == [JIADING]
    entry = audit_entries(zc)[-1]
    assert (entry.action, entry.actor, entry.role) == ("plan_import", ADMIN, "admin")


def test_an_unreadable_upload_is_refused_with_the_reason(zc: App, login: Login) -> None:
    admin = login(ADMIN)
    token = csrf_of(admin.get("/office/import").text)
    response = admin.post(
        "/office/import",
        data={"csrf_token": token},
        files={"file": ("方案.pdf", b"%PDF-1.4 not really", "application/pdf")},
    )
    assert response.status_code == 303
    notice = admin.get("/office/import").text
    assert "方案.pdf:PDF 文件已损坏或不完整" in notice  # names the upload, not a server path
    assert str(zc.settings.home) not in notice  # no server paths shown
    root = zc.settings.home / "uploads" / "import"
    assert not any(root.iterdir())


def test_the_staging_token_cannot_name_a_path(zc: App, login: Login, tmp_path: Path) -> None:
    admin = login(ADMIN)
    token = csrf_of(admin.get("/office/import").text)
    outside = zc.settings.home / "uploads" / "x"
    outside.mkdir(parents=True)
    (outside / ".upload.json").write_text('{"file": "a.txt"}', encoding="utf-8")
    before = plans(zc)
    for bad in ["../x", "..%2Fx", "../../uploads/x", "a" * 19, "x/../../x", ""]:
        response = admin.post("/office/import/confirm", data={"csrf_token": token, "token": bad})
        assert response.status_code == 303
        assert "导入凭据无效" in admin.get("/office/import").text, bad
    assert plans(zc) == before
    assert outside.exists()


def test_an_uploaded_name_with_folders_is_kept_to_its_file_name(
    zc: App, login: Login, seeds_dir: Path
) -> None:
    admin = login(ADMIN)
    seed = seed_path(seeds_dir, "002")
    html = upload(admin, "../../" + seed.name, seed.read_bytes())
    token = staging_token(html)
    staged = zc.settings.home / "uploads" / "import" / token
    assert sorted(p.name for p in staged.iterdir()) == [".upload.json", seed.name]
    assert not (zc.settings.home / seed.name).exists()
    assert "002_6c8dfd04ca7988e4" in html
    html = upload(admin, r"C:\Users\office\Desktop\\" + seed.name, seed.read_bytes())
    assert "002_6c8dfd04ca7988e4" in html


def test_admin_sets_the_zones_escalation_rules_and_a_bad_value_names_the_field(zc: App, login: Login) -> None:
    admin = login(ADMIN)
    page = admin.get("/office/people")
    assert "三色督办规则" in page.text and 'name="blue_days" min="1" max="90" value="15"' in page.text
    token = csrf_of(page.text)
    bad = {"csrf_token": token, "blue_days": "10", "yellow_days": "12", "yellow_share": "60", "report_to_office": "是"}
    assert admin.post("/office/people/escalation", data=bad).status_code == 303
    assert "到期催办天数(yellow_days=12)不能大于临近提醒天数" in admin.get("/office/people").text
    assert not [e for e in audit_entries(zc) if e.action == "escalation_set"]
    good = bad | {"yellow_days": "3", "report_to_office": "否"}
    assert admin.post("/office/people/escalation", data=good).status_code == 303
    listing = admin.get("/office/people").text
    assert "已保存督办规则:期限前 10 天为蓝,3 天未自查为黄" in listing
    assert 'name="blue_days" min="1" max="90" value="10"' in listing and '<option value="否" selected>' in listing
    entry = audit_entries(zc)[-1]
    assert (entry.action, entry.actor, entry.detail["new"]["report_to_office"]) == ("escalation_set", ADMIN, False)
    # A reviewer is not the zone's admin: the page itself is closed to them.
    reviewer = login(REVIEWER_A)
    assert reviewer.post("/office/people/escalation", data=good | {"csrf_token": csrf_of(reviewer.get("/office").text)}).status_code == 403
