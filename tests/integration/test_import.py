"""Importing plans into a real database (SQLite and PostgreSQL) through the service layer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from checklists.catalog_yaml import read_catalog, write_catalog
from reports.export import plan_to_dict
from workflow.bootstrap import App
from workflow.models import ChecklistItem, Measure, MeasureState, Plan, PlanImport, Unit
from workflow.read.measures import current_works
from workflow.read.plans import find_plan, load_measures, plan_summaries
from workflow.services.plan_import import import_documents


def run_import(app: App, *paths: Path, dry_run: bool = False):  # type: ignore[no-untyped-def]
    return import_documents(app.uow, list(paths), catalog_dir=app.settings.catalog_dir, dry_run=dry_run)


def seed_path(seeds_dir: Path, prefix: str) -> Path:
    return next(seeds_dir.glob(f"{prefix}_*.txt"))


def export(app: App, ident: str) -> dict[str, Any]:
    with app.uow() as uow:
        plan = find_plan(uow.session, ident, None)
        return plan_to_dict(plan, current_works(uow.session, plan))


def measure(data: dict[str, Any], ref: str) -> dict[str, Any]:
    return next(m for m in data["measures"] if m["ref"] == ref)


def count(app: App, model: type) -> int:
    with app.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_all_five_seeds_import_in_one_transaction(app: App, seeds_dir: Path) -> None:
    results = run_import(app, *sorted(seeds_dir.glob("*.txt")))
    assert [r.status for r in results] == ["new"] * 5
    with app.uow() as uow:
        summaries = {s.key[:3]: s for s in plan_summaries(uow.session, None)}
    counts = {k: (s.measures, s.safeguards, s.outcomes, s.phases) for k, s in summaries.items()}
    assert counts == {
        "000": (70, 0, 0, 0),
        "001": (21, 5, 0, 0),
        "002": (17, 3, 0, 0),
        "003": (22, 4, 0, 3),
        "004": (18, 4, 5, 3),
    }
    assert all(s.states == {"planned": s.measures + s.safeguards + s.outcomes} for s in summaries.values())
    for result in results:
        assert result.catalog_path is not None and result.catalog_path.exists()


def test_wuhan_export_carries_units_roles_and_deadlines(app: App, seeds_dir: Path) -> None:
    run_import(app, seed_path(seeds_dir, "000"))
    data = export(app, "000_53900fa8173cc0f4")
    assert data["plan"]["issued_on"] == "2024-01-31"
    assert len(data["measures"]) == 70
    m3 = measure(data, "3")
    assert [u["name"] for u in m3["units"]] == ["区市场监管局", "区司法局"]
    assert m3["deadline"] == {"kind": "fixed", "text": "2025年12月底前完成", "due": "2025-12-31", "month": None, "day": None}
    assert measure(data, "7")["deadline"]["kind"] == "annual"
    assert measure(data, "7")["deadline"]["month"] == 4
    assert measure(data, "38")["deadline"]["due"] == "2024-06-30"
    assert measure(data, "43")["units"][0]["name"] == "区科经局"
    roles = [(u["name"], u["role"]) for u in measure(data, "69")["units"]]
    assert roles == [
        ("区市场监管局", "lead"),
        ("区委宣传部", "lead"),
        ("区知识产权工作领导小组各成员单位", "group"),
    ]
    assert measure(data, "1")["section"] == "一、高位推进知识产权保护统筹部署"
    assert measure(data, "1")["state"] == "planned"
    assert measure(data, "1")["checklist"][0]["text"]


def test_xuchang_export_carries_normalised_indicators(app: App, seeds_dir: Path) -> None:
    run_import(app, seed_path(seeds_dir, "002"))
    data = export(app, "许政〔2023〕34号")  # a plan can be named by its document number
    values = {(i["value"], i["comparator"], i["unit"]) for i in data["indicators"]}
    assert {
        (3600, "=", "件"),
        (8.2, "=", "件"),
        (68000, "=", "件"),
        (100000000, "=", "元"),
        (3500000000, "=", "元"),
        (3000000, ">=", "元"),
    } <= values
    ranges = {(i["value"], i["value_max"], i["unit"]) for i in data["indicators"] if i["comparator"] == "range"}
    assert {(3, 5, "家"), (2, 3, "家")} <= ranges
    group = measure(data, "3")["units"][-1]
    assert (group["name"], group["role"]) == ("各县(市、区)政府(管委会)", "group")
    assert group["name_as_written"] == "各县〔市、区〕政府〔管委会〕"


def test_jiading_and_jinan_phases_are_stored(app: App, seeds_dir: Path) -> None:
    run_import(app, seed_path(seeds_dir, "003"), seed_path(seeds_dir, "004"))
    jiading = export(app, "嘉府发〔2023〕18号")
    assert [(p["start"], p["end"], p["acceptance"]) for p in jiading["phases"]][-1] == (
        "2023-09-01",
        "2024-04-30",
        True,
    )
    assert [u["name"] for u in measure(jiading, "4")["units"]][-1] == "区知识产权联席会议其他成员单位"
    jinan = export(app, "济政字〔2024〕45号")
    assert jinan["phases"][-1]["end"] == "2026-02-28"
    assert [m["ref"] for m in jinan["measures"] if m["kind"] == "outcome"] == ["O1", "O2", "O3", "O4", "O5"]


def test_the_same_unit_in_many_measures_is_one_unit_row(app: App, seeds_dir: Path) -> None:
    run_import(app, seed_path(seeds_dir, "000"))
    with app.uow() as uow:
        names = uow.session.scalars(select(Unit.name)).all()
    assert names.count("区市场监管局") == 1
    assert "区知识产权工作领导小组各成员单位" in names


def test_reimporting_the_same_document_changes_nothing(app: App, seeds_dir: Path) -> None:
    path = seed_path(seeds_dir, "000")
    run_import(app, path)
    before = (count(app, Measure), count(app, ChecklistItem), count(app, PlanImport), count(app, Unit))
    with app.uow() as uow:
        stamp = uow.session.scalar(select(Plan.updated_at))
    results = run_import(app, path)
    assert results[0].status == "unchanged" and results[0].changes == []
    assert (count(app, Measure), count(app, ChecklistItem), count(app, PlanImport), count(app, Unit)) == before
    with app.uow() as uow:
        assert uow.session.scalar(select(Plan.updated_at)) == stamp


def _revise(original: Path, target: Path) -> Path:
    text = original.read_text(encoding="utf-8")
    text = text.replace("(区市场监管局、区司法局按职责分工负责;2025年12月底前完成)\n4.", "(区市场监管局、区司法局按职责分工负责;2026年6月底前完成)\n4.", 1)
    text = text.replace("5.持续将知识产权保护绩效纳入各部门绩效考核评价体系。", "5.持续将知识产权保护绩效纳入全区各部门绩效考核评价体系。", 1)
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("70."))
    lines[at] = "71.新增一项知识产权保护宣传措施。(区委宣传部;持续推进)"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def test_a_revised_document_updates_the_plan_and_lists_what_changed(
    app: App, seeds_dir: Path, tmp_path: Path
) -> None:
    original = seed_path(seeds_dir, "000")
    run_import(app, original)
    revised = _revise(original, tmp_path / original.name)
    [result] = run_import(app, revised)
    assert result.status == "updated"
    changes = "\n".join(result.changes)
    assert "措施 3 修改了" in changes and "完成时限" in changes
    assert "措施 5 修改了" in changes and "正文" in changes
    assert "新增措施 71" in changes
    assert "删除措施 70" in changes
    data = export(app, "000_53900fa8173cc0f4")
    assert measure(data, "3")["deadline"]["due"] == "2026-06-30"
    assert [m["ref"] for m in data["measures"]][-1] == "71"
    assert count(app, Plan) == 1
    with app.uow() as uow:
        plan = find_plan(uow.session, "000_53900fa8173cc0f4", None)
        assert [len(i.changes) for i in plan.imports] == [0, len(result.changes)]


def test_a_revision_never_deletes_a_measure_with_recorded_work(
    app: App, seeds_dir: Path, tmp_path: Path
) -> None:
    original = seed_path(seeds_dir, "000")
    run_import(app, original)
    with app.uow() as uow:
        m70 = uow.session.scalar(select(Measure).where(Measure.ref == "70"))
        assert m70 is not None
        m70.state = MeasureState.IN_PROGRESS  # stands in for work recorded by the workflow
        uow.commit()
    [result] = run_import(app, _revise(original, tmp_path / original.name))
    assert any("措施 70 已不在新版方案中" in c for c in result.changes)
    with app.uow() as uow:
        kept = uow.session.scalar(select(Measure).where(Measure.ref == "70"))
        assert kept is not None and kept.retired_at is not None
        assert kept.state is MeasureState.IN_PROGRESS
        listed = [m.ref for m in load_measures(uow.session, find_plan(uow.session, "1", None))]
    assert "70" not in listed  # retired measures leave the working list but keep their record
    # The original document puts it back.
    [again] = run_import(app, original)
    assert any("措施 70 重新列入方案" in c for c in again.changes)


def test_an_office_edit_of_the_catalog_is_loaded_and_survives_reimporting_the_document(
    app: App, seeds_dir: Path
) -> None:
    path = seed_path(seeds_dir, "001")
    [first] = run_import(app, path)
    assert first.catalog_path is not None
    catalog = read_catalog(first.catalog_path)
    m1 = catalog.measure("1")
    m1.checklist.append(m1.checklist[0].model_copy(update={"text": "提供法规规章文本及发布链接", "min_evidence": 2}))
    m1.units = [m1.units[0]] if m1.units else []
    write_catalog(catalog, first.catalog_path)
    [edited] = run_import(app, first.catalog_path)
    assert edited.status == "updated"
    assert any("自查清单" in c for c in edited.changes)
    assert [r.status for r in run_import(app, path)] == ["unchanged"]
    data = export(app, "001_a8b2bd9c5020cfb9")
    assert measure(data, "1")["checklist"][-1]["text"] == "提供法规规章文本及发布链接"
    assert measure(data, "1")["checklist"][-1]["min_evidence"] == 2


def test_a_dry_run_writes_nothing(app: App, seeds_dir: Path) -> None:
    results = run_import(app, seed_path(seeds_dir, "002"), dry_run=True)
    assert results[0].status == "new" and results[0].counts["measures"] == 17
    assert count(app, Plan) == 0 and count(app, Unit) == 0
    assert not app.settings.catalog_dir.exists()


def test_a_revision_under_another_file_name_updates_the_same_plan(
    app: App, seeds_dir: Path, tmp_path: Path
) -> None:
    original = seed_path(seeds_dir, "000")
    run_import(app, original)
    [result] = run_import(app, _revise(original, tmp_path / "wuhan-2024-revised.txt"))
    assert result.status == "updated" and result.plan_key == "000_53900fa8173cc0f4"
    assert count(app, Plan) == 1


def test_plans_of_different_issuers_sharing_a_title_stay_apart(app: App, tmp_path: Path) -> None:
    def plan(name: str, issuer: str) -> Path:
        path = tmp_path / name
        path.write_text(
            f"{issuer}\n2024年1月1日\n知识产权保护工作方案\n一、重点任务\n"
            "1.加强保护。开展行动。(区市场监管局;持续推进)\n",
            encoding="utf-8",
        )
        return path

    results = run_import(app, plan("a.txt", "甲区人民政府"), plan("b.txt", "乙区人民政府"))
    assert [r.status for r in results] == ["new", "new"]
    assert count(app, Plan) == 2


def test_an_import_that_changes_a_plan_is_on_the_audit_chain(app: App, seeds_dir: Path) -> None:
    from workflow.models import AuditEntry
    from workflow.services.audit_log import verify_chain

    run_import(app, seed_path(seeds_dir, "003"))
    run_import(app, seed_path(seeds_dir, "003"))  # unchanged: nothing to record
    run_import(app, seed_path(seeds_dir, "002"), dry_run=True)  # a dry run records nothing
    with app.uow() as uow:
        entries = list(uow.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        assert [(e.actor, e.action, e.target) for e in entries] == [
            ("系统", "plan_import", "003_ae6539458f46096d")
        ]
        assert entries[0].comment.endswith("003_ae6539458f46096d.txt")
        assert verify_chain(uow.session).ok
