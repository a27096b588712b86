"""现场核查 records in the database (services.site_checks, read.site_checks) on SQLite and
PostgreSQL: recorded, edited and deleted by the office of the plan's zone, audited, with
photos in the evidence store; a photo that is not an image or too big, a unit of another zone,
a date out of range, a member or another zone's office, a stale version or an issued
acceptance report is refused with a Chinese message naming the field, and nothing is written."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from workflow.bootstrap import App
from workflow.domain.site_checks import MAX_PHOTO_BYTES, Participant, Sample, SiteCheckDraft
from workflow.domain.states import Role
from workflow.errors import Conflict, InputError, NotFound, Refused
from workflow.models import IssuedReport, Plan, SiteCheck, SiteCheckPhoto, Unit
from workflow.read.site_checks import (
    site_check_view,
    site_checks_of,
    unit_ids_named,
    visitable_units,
)
from workflow.services import people, zones
from workflow.services.evidence import verify_store
from workflow.services.experts import assign_expert
from workflow.services.site_checks import (
    add_site_photo,
    delete_site_check,
    edit_site_check,
    record_site_check,
    remove_site_photo,
)

from .workflow_helpers import (
    ADMIN,
    JIADING,
    JIADING_PEOPLE,
    MARKET,
    REVIEWER_A,
    actor,
    add_people,
    audit_entries,
    count,
    import_seed,
    pdf_bytes,
    plan_id,
    png_bytes,
    session_of,
    store_files,
    write_file,
)

OTHER_ZONE, OTHER_ADMIN, OTHER_UNIT = "外区", "外区管理员", "外区市场监管局"
HELD_ON = dt.date(2024, 4, 20)  # Jiading's plan runs 2023-06-30 to 2024-04-30


@pytest.fixture
def jiading(app: App, seeds_dir: Path) -> int:
    assert import_seed(app, seeds_dir, "003") == JIADING
    add_people(app, JIADING_PEOPLE)
    return plan_id(app, JIADING)


def draft(app: App, plan: int, **changes: object) -> SiteCheckDraft:
    units = unit_ids_named(app.uow(), actor(app, REVIEWER_A), plan, ["区市场监管局", "区法院"])
    base = SiteCheckDraft(
        held_on=HELD_ON,
        place=" 嘉定区政府第一会议室 ",
        participants=(Participant("李教授", "组长"), Participant("陈研究员", "专家"), Participant(REVIEWER_A, "办公室")),
        unit_ids=tuple(units),
        documents=("联席会议纪要", "知识产权保护工作台账"),
        samples=(Sample("安亭镇某企业", "专利管理制度", "已建立"), Sample("区市场监管局", "案件卷宗 10 卷", "规范")),
        findings="工作机制健全,台账完整。",
        conclusion="达标",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def record(app: App, plan: int, who: str = REVIEWER_A, **changes: object) -> int:
    return record_site_check(app.uow(), actor(app, who), plan, draft(app, plan, **changes)).id


def photo(app: App, check: int, data: bytes, name: str = "现场.png", **kw: object) -> int:
    path = write_file(app.settings.home / "uploads", name, data)
    return add_site_photo(app.uow(), app.store, actor(app, REVIEWER_A), check, path, "查阅台账", **kw).id  # type: ignore[arg-type]


def other_zone_unit(app: App) -> int:
    zones.add_zone(app.uow(), None, OTHER_ZONE, parent=None)
    people.add_person(app.uow(), None, OTHER_ADMIN, role=Role.ADMIN, unit=None, zone=OTHER_ZONE)
    people.add_unit(app.uow(), actor(app, OTHER_ADMIN), OTHER_UNIT)
    with session_of(app) as session:
        found = session.scalar(select(Unit.id).where(Unit.name == OTHER_UNIT))
        assert found is not None
        return found


def test_a_recorded_check_reads_back_whole_and_is_audited(app: App, jiading: int) -> None:
    check = record(app, jiading)
    view = site_check_view(app.uow(), actor(app, ADMIN), check)
    assert view.place == "嘉定区政府第一会议室" and view.held_on == HELD_ON and view.round == 1
    assert [p.label() for p in view.participants] == ["李教授(组长)", "陈研究员(专家)", f"{REVIEWER_A}(办公室)"]
    assert [u.name for u in view.units] == ["区市场监管局", "区法院"]
    assert view.samples[0] == Sample("安亭镇某企业", "专利管理制度", "已建立")
    assert view.conclusion == "达标" and view.recorded_by == REVIEWER_A and view.version == 1
    entry = audit_entries(app)[-1]
    assert (entry.action, entry.target, entry.refused) == ("site_check_record", JIADING, False)
    assert entry.detail["place"] == "嘉定区政府第一会议室"
    listed = site_checks_of(app.uow(), actor(app, ADMIN), jiading)
    assert [c.id for c in listed.checks] == [check] and listed.closed_at is None
    assert "区市场监管局" in [u.name for u in visitable_units(app.uow(), actor(app, ADMIN), jiading)]


@pytest.mark.parametrize(
    ("changes", "field", "said"),
    [
        ({"held_on": dt.date(2023, 6, 1)}, "核查日期", "早于方案起始日 2023-06-30"),
        ({"held_on": dt.date(2099, 1, 1)}, "核查日期", "晚于今天"),
        ({"held_on": dt.date(2026, 6, 1)}, "核查日期", "两年以上"),
        ({"place": "  "}, "核查地点", "不能为空"),
        ({"participants": ()}, "参加人员", "至少应有一人"),
        ({"participants": (Participant("李教授"), Participant("李教授"))}, "参加人员", "重复"),
        ({"participants": tuple(Participant(f"专家{n}") for n in range(51))}, "参加人员", "至多 50 项"),
        ({"documents": ("纪要", "x" * 201)}, "查阅材料", "第 2 项过长"),
        ({"samples": (Sample("某企业", "", "已建立"),)}, "抽查情况", "第 1 项不能为空"),
        ({"findings": "发现" * 10_001}, "核查发现", "不能超过 20000 字"),
        ({"unit_ids": (999_999,)}, "走访单位", "不是方案所在辖区的责任单位"),
    ],
)
def test_a_record_out_of_bounds_is_refused_naming_the_field_and_nothing_is_written(
    app: App, jiading: int, changes: dict[str, object], field: str, said: str
) -> None:
    before = len(audit_entries(app))
    with pytest.raises(InputError, match=said) as refused:
        record(app, jiading, **changes)
    assert f"“{field}”" in str(refused.value) and refused.value.code == "site_check_invalid"
    assert count(app, SiteCheck) == 0 and len(audit_entries(app)) == before


def test_a_unit_of_another_zone_is_not_a_unit_the_check_may_visit(app: App, jiading: int) -> None:
    foreign = other_zone_unit(app)
    with pytest.raises(InputError, match="“走访单位”第 1 项") as refused:
        record(app, jiading, unit_ids=(foreign,))
    assert f"单位#{foreign}" in str(refused.value)
    with pytest.raises(InputError, match="走访单位.*找不到责任单位“外区市场监管局”"):
        unit_ids_named(app.uow(), actor(app, ADMIN), jiading, [OTHER_UNIT])
    assert count(app, SiteCheck) == 0


def test_only_the_office_of_the_plan_records_and_reads_checks(app: App, jiading: int) -> None:
    other_zone_unit(app)
    with pytest.raises(Refused, match="无权记录或查看现场核查") as refused:
        record_site_check(app.uow(), actor(app, MARKET), jiading, draft(app, jiading))
    assert refused.value.code == "not_site_checker"
    check = record(app, jiading)
    with pytest.raises(Refused):
        site_check_view(app.uow(), actor(app, MARKET), check)
    # Another zone's office is told what a missing record gets, and the attempt is audited.
    with pytest.raises(NotFound) as hidden:
        site_check_view(app.uow(), actor(app, OTHER_ADMIN), check)
    assert str(hidden.value) == f"找不到编号为 {check} 的现场核查记录"
    with pytest.raises(NotFound):
        site_checks_of(app.uow(), actor(app, OTHER_ADMIN), jiading)
    assert audit_entries(app)[-1].refused and count(app, SiteCheck) == 1


def test_the_experts_of_the_plans_panel_record_and_read_checks_and_no_other_expert_does(
    app: App, jiading: int, seeds_dir: Path
) -> None:
    admin = actor(app, ADMIN)
    people.add_person(app.uow(), admin, "李教授", role=Role.EXPERT, unit=None, organisation="某大学知识产权学院")
    people.add_person(app.uow(), admin, "陈研究员", role=Role.EXPERT, unit=None, organisation="某研究院")
    assign_expert(app.uow(), admin, jiading, "李教授", leader=True)
    # 陈研究员 sits on the panel of another plan of the same zone only.
    other_plan = plan_id(app, import_seed(app, seeds_dir, "000"))
    assign_expert(app.uow(), admin, other_plan, "陈研究员")
    check = record_site_check(app.uow(), actor(app, "李教授"), jiading, draft(app, jiading)).id
    assert site_check_view(app.uow(), actor(app, "李教授"), check).place == "嘉定区政府第一会议室"
    with pytest.raises(NotFound):
        site_check_view(app.uow(), actor(app, "陈研究员"), check)
    with pytest.raises(NotFound):
        record_site_check(app.uow(), actor(app, "陈研究员"), jiading, draft(app, jiading))
    assert count(app, SiteCheck) == 1


def test_an_edit_replaces_the_record_and_a_stale_version_is_refused(app: App, jiading: int) -> None:
    check = record(app, jiading)
    changed = draft(app, jiading, conclusion="基本达标", documents=("联席会议纪要",))
    view = edit_site_check(app.uow(), actor(app, ADMIN), check, changed, expected_version=1)
    assert view.conclusion == "基本达标" and view.documents == ("联席会议纪要",) and view.version == 2
    assert audit_entries(app)[-1].detail["before"]["conclusion"] == "达标"
    with pytest.raises(Conflict, match="版本 1 → 2"):
        edit_site_check(app.uow(), actor(app, ADMIN), check, draft(app, jiading), expected_version=1)
    with pytest.raises(Conflict):
        delete_site_check(app.uow(), actor(app, ADMIN), check, expected_version=1)
    assert site_check_view(app.uow(), None, check).conclusion == "基本达标"


def test_photos_are_stored_verified_and_removed(app: App, jiading: int) -> None:
    check = record(app, jiading)
    first = photo(app, check, png_bytes((10, 200, 10)))
    photo(app, check, png_bytes((10, 10, 200)), "照片2.PNG", taken_on=dt.date(2024, 4, 21))
    view = site_check_view(app.uow(), actor(app, ADMIN), check)
    assert [(p.caption, p.media_type, p.taken_on) for p in view.photos] == [
        ("查阅台账", "png", HELD_ON),
        ("查阅台账", "png", dt.date(2024, 4, 21)),
    ]
    assert app.store.exists(view.photos[0].sha256)
    assert verify_store(app.uow(), app.store).checked == 2
    assert remove_site_photo(app.uow(), actor(app, ADMIN), first) == check
    assert count(app, SiteCheckPhoto) == 1 and audit_entries(app)[-1].action == "site_photo_remove"


@pytest.mark.parametrize(
    ("data", "kw", "said"),
    [
        (pdf_bytes("不是照片"), {}, "只接受 JPEG 或 PNG 图片"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (MAX_PHOTO_BYTES + 1), {}, "超过大小上限 20 MB"),
        (png_bytes(), {"taken_on": dt.date(2099, 1, 1)}, "“拍摄日期” 2099-01-01 晚于今天"),
    ],
)
def test_a_photo_that_is_no_image_too_big_or_misdated_is_refused_and_no_file_is_kept(
    app: App, jiading: int, data: bytes, kw: dict[str, object], said: str
) -> None:
    check = record(app, jiading)
    root = app.settings.evidence_dir
    before = store_files(root)
    with pytest.raises(InputError, match=said) as refused:
        photo(app, check, data, **kw)
    assert "现场核查的“" in str(refused.value)
    assert count(app, SiteCheckPhoto) == 0 and store_files(root) == before


def test_a_photo_of_another_zones_check_is_refused_like_a_missing_check(app: App, jiading: int) -> None:
    check = record(app, jiading)
    other_zone_unit(app)
    path = write_file(app.settings.home / "uploads", "x.png", png_bytes())
    with pytest.raises(NotFound, match=f"找不到编号为 {check} 的现场核查记录"):
        add_site_photo(app.uow(), app.store, actor(app, OTHER_ADMIN), check, path, "照片")
    assert count(app, SiteCheckPhoto) == 0 and store_files(app.settings.evidence_dir / "objects") == []


def test_once_the_acceptance_report_is_issued_the_records_no_longer_change(app: App, jiading: int) -> None:
    check = record(app, jiading)
    kept = photo(app, check, png_bytes())
    with app.uow() as uow:  # the register row the acceptance report's issue writes
        plan = uow.session.get(Plan, jiading)
        assert plan is not None
        uow.session.add(IssuedReport(plan_id=plan.id, kind="acceptance", as_of=HELD_ON, sha256="0" * 64, size=1))
        uow.commit()
    for attempt in (
        lambda: record(app, jiading),
        lambda: edit_site_check(app.uow(), actor(app, ADMIN), check, draft(app, jiading)),
        lambda: delete_site_check(app.uow(), actor(app, ADMIN), check),
        lambda: photo(app, check, png_bytes((1, 2, 3))),
        lambda: remove_site_photo(app.uow(), actor(app, ADMIN), kept),
    ):
        with pytest.raises(Refused, match="验收报告已于 .* 出具,现场核查记录不能再变更"):
            attempt()
    assert count(app, SiteCheck) == 1 and count(app, SiteCheckPhoto) == 1
    assert site_checks_of(app.uow(), None, jiading).closed_at is not None


def test_a_deleted_check_takes_its_photos_records_and_the_audit_keeps_what_it_said(app: App, jiading: int) -> None:
    check = record(app, jiading)
    photo(app, check, png_bytes())
    assert delete_site_check(app.uow(), actor(app, ADMIN), check, expected_version=1).plan_key == JIADING
    assert count(app, SiteCheck) == 0 and count(app, SiteCheckPhoto) == 0
    entry = audit_entries(app)[-1]
    assert entry.action == "site_check_delete" and entry.detail["conclusion"] == "达标" and len(entry.detail["photos"]) == 1
    assert entry.detail["findings"] == "工作机制健全,台账完整。" and entry.detail["samples"][0]["site"] == "安亭镇某企业"
    assert entry.detail["participants"][0] == {"name": "李教授", "role": "组长"}
