"""Correcting an imported plan (services.plan_corrections) on SQLite and PostgreSQL: the
measures change in one transaction with the correction and its audit entry; a failing edit
leaves nothing; reshaping a measure with work is refused; a re-import keeps the corrections."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from checklists.catalog import Measure as CatalogMeasure
from checklists.catalog import MeasureKind, UnitRole
from checklists.correction_text import parse_deadline, parse_items, parse_parts, parse_units
from checklists.corrections import Merge, SetChecklist, SetDeadline, SetKind, SetUnits, Split
from workflow.bootstrap import App
from workflow.domain.states import Role
from workflow.errors import InputError, NotFound, Refused
from workflow.models import Measure, Plan, PlanCorrection
from workflow.services import measure_work, people, zones
from workflow.services.plan_catalog import measure_to_catalog
from workflow.services.plan_corrections import correct_plan, correction_page, list_corrections
from workflow.services.plan_import import import_documents

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
    plan_id,
    seed_path,
    session_of,
)


@pytest.fixture
def jiading(app: App, seeds_dir: Path) -> int:
    assert import_seed(app, seeds_dir, "003") == JIADING
    add_people(app, JIADING_PEOPLE)
    return plan_id(app, JIADING)


def spec(app: App, ref: str) -> CatalogMeasure:
    with session_of(app) as session:
        measure = session.scalar(select(Measure).join(Plan).where(Plan.key == JIADING, Measure.ref == ref))
        assert measure is not None, ref
        return measure_to_catalog(measure)


def refs(app: App) -> list[str]:
    with session_of(app) as session:
        return list(
            session.scalars(
                select(Measure.ref).join(Plan).where(Plan.key == JIADING, Measure.retired_at.is_(None)).order_by(Measure.position)
            )
        )


def test_units_and_lead_deadline_and_checklist_change_the_measure_with_a_record_and_an_audit_entry(
    app: App, jiading: int
) -> None:
    result = correct_plan(
        app.uow(),
        actor(app, ADMIN),
        jiading,
        [
            SetUnits(ref="5", units=parse_units("区市场监管局", "区经委")),
            SetDeadline(ref="5", deadline=parse_deadline("fixed", due="2024-12-31")),
            SetChecklist(ref="5", items=parse_items("联席会议纪要 | 文件、链接")),
        ],
    )
    assert result.applied[0] == "措施 5:责任单位改为 区市场监管局(牵头)、区经委"
    five = spec(app, "5")
    assert [(u.name, u.role) for u in five.units] == [("区市场监管局", UnitRole.LEAD), ("区经委", UnitRole.CO)]
    assert five.deadline.due == dt.date(2024, 12, 31)
    assert [i.text for i in five.checklist] == ["联席会议纪要"]
    views = list_corrections(app.uow(), actor(app, ADMIN), jiading)
    assert [(v.position, v.kind, v.author) for v in views] == [(1, "units", ADMIN), (2, "deadline", ADMIN), (3, "checklist", ADMIN)]
    entries = [e for e in audit_entries(app) if e.action == "plan_correct"]
    assert [e.target for e in entries] == [f"{JIADING}/5"] * 3 and not any(e.refused for e in entries)
    # A unit member of the new lead unit now works on it.
    measure_work.start(app.uow(), actor(app, MARKET), _measure_id(app, "5"))


def _measure_id(app: App, ref: str) -> int:
    with session_of(app) as session:
        found = session.scalar(select(Measure.id).join(Plan).where(Plan.key == JIADING, Measure.ref == ref))
        assert found is not None
        return found


def test_a_failing_edit_leaves_nothing_behind(app: App, jiading: int) -> None:
    before = (spec(app, "5"), refs(app), len(audit_entries(app)))
    with pytest.raises(InputError, match="措施 S1:类别改为措施:措施 1 字段 number: 措施编号 1 重复"):
        correct_plan(
            app.uow(),
            actor(app, ADMIN),
            jiading,
            [SetUnits(ref="5", units=parse_units("区经委")), Merge(refs=["6", "7"]), SetKind(ref="S1", kind=MeasureKind.MEASURE)],
        )
    with pytest.raises(InputError, match="方案中没有编号为“99”的措施"):
        correct_plan(app.uow(), actor(app, ADMIN), jiading, [SetUnits(ref="99", units=parse_units("区经委"))])
    assert (spec(app, "5"), refs(app), len(audit_entries(app))) == before
    assert count(app, PlanCorrection) == 0


def test_merge_split_and_kind_reshape_measures_nobody_worked_on(app: App, jiading: int) -> None:
    correct_plan(
        app.uow(),
        actor(app, ADMIN),
        jiading,
        [Merge(refs=["6", "7"]), Split(ref="8", parts=parse_parts("专项行动。\n精准监管")), SetKind(ref="22", kind=MeasureKind.OUTCOME)],
    )
    now = refs(app)
    assert "7" not in now and now[5:8] == ["6", "8", "8-2"] and "O22" in now and "22" not in now
    assert spec(app, "8-2").text == "精准监管"


def test_reshaping_a_measure_with_work_is_refused_and_audited(app: App, jiading: int) -> None:
    measure_work.start(app.uow(), actor(app, MARKET), _measure_id(app, "10"))
    before = refs(app)
    for edit in (Merge(refs=["9", "10"]), Split(ref="10", parts=parse_parts("甲\n乙")), SetKind(ref="10", kind=MeasureKind.OUTCOME)):
        with pytest.raises(Refused, match="已有工作记录") as refused:
            correct_plan(app.uow(), actor(app, ADMIN), jiading, [edit])
        assert refused.value.code == "measure_has_work"
    assert refs(app) == before and count(app, PlanCorrection) == 0
    assert [e.refused for e in audit_entries(app) if e.action == "plan_correct"] == [True, True, True]
    # Its units, deadline and checklist may still be fixed.
    correct_plan(app.uow(), actor(app, ADMIN), jiading, [SetDeadline(ref="10", deadline=parse_deadline("ongoing"))])


def test_only_the_admins_of_the_plans_zone_correct_it(app: App, jiading: int) -> None:
    edit = [SetUnits(ref="5", units=parse_units("区经委"))]
    with pytest.raises(Refused, match="不是管理员"):
        correct_plan(app.uow(), actor(app, REVIEWER_A), jiading, edit)
    zones.add_zone(app.uow(), None, "外区", parent=None)
    people.add_person(app.uow(), None, "外区管理员", role=Role.ADMIN, unit=None, zone="外区")
    with pytest.raises(NotFound, match=f"找不到编号为 {jiading} 的方案") as hidden:
        correct_plan(app.uow(), actor(app, "外区管理员"), jiading, edit)
    with pytest.raises(NotFound) as missing:
        correct_plan(app.uow(), actor(app, "外区管理员"), 999_999, edit)
    assert str(hidden.value).replace(str(jiading), "N") == str(missing.value).replace("999999", "N")
    with pytest.raises(NotFound):
        correction_page(app.uow(), actor(app, "外区管理员"), jiading)
    assert count(app, PlanCorrection) == 0


def _revised(seeds_dir: Path, tmp_path: Path) -> Path:
    """Jiading's plan with measure 10 reworded and measure 14 dropped (same file name: same key)."""
    original = seed_path(seeds_dir, "003")
    lines = original.read_text(encoding="utf-8").splitlines()
    lines = [
        line.replace("10.推荐符合条件的企业", "10.积极推荐符合条件的企业", 1)
        for line in lines
        if not line.startswith("14.")
    ]
    target = tmp_path / "revised" / original.name
    target.parent.mkdir(exist_ok=True)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def test_a_reimport_of_the_document_keeps_the_corrections_and_reports_the_stale_one(
    app: App, jiading: int, seeds_dir: Path, tmp_path: Path
) -> None:
    correct_plan(
        app.uow(),
        actor(app, ADMIN),
        jiading,
        [
            SetUnits(ref="5", units=parse_units("区市场监管局", "区经委")),
            Merge(refs=["6", "7"]),
            SetKind(ref="22", kind=MeasureKind.OUTCOME),
            SetDeadline(ref="10", deadline=parse_deadline("annual", month="6")),
            SetDeadline(ref="14", deadline=parse_deadline("ongoing")),
        ],
    )
    corrected = (spec(app, "5"), spec(app, "6"), refs(app))
    [result] = import_documents(app.uow, [_revised(seeds_dir, tmp_path)], catalog_dir=app.settings.catalog_dir)
    assert result.status == "updated"
    assert any(c.startswith("校正第 5 项未能应用") and "“14”" in c for c in result.changes), result.changes
    assert (spec(app, "5"), spec(app, "6")) == corrected[:2]
    assert refs(app) == [r for r in corrected[2] if r != "14"]
    assert spec(app, "10").deadline.month == 6
    with session_of(app) as session:
        stale = dict(session.execute(select(PlanCorrection.position, PlanCorrection.stale_reason)).all())
    assert [p for p, reason in stale.items() if reason] == [5]
    # The same revised document again: nothing to do.
    [again] = import_documents(app.uow, [_revised(seeds_dir, tmp_path)], catalog_dir=app.settings.catalog_dir)
    assert again.status == "unchanged"


def test_edits_made_in_the_import_preview_are_stored_with_the_new_plan(app: App, seeds_dir: Path) -> None:
    people.add_person(app.uow(), None, ADMIN, role=Role.ADMIN, unit=None)
    path = seed_path(seeds_dir, "003")
    edits = [SetUnits(ref="5", units=parse_units("区市场监管局")), SetKind(ref="22", kind=MeasureKind.OUTCOME)]
    [preview] = import_documents(app.uow, [path], catalog_dir=app.settings.catalog_dir, dry_run=True, actor=actor(app, ADMIN), edits=edits)
    assert preview.catalog is not None and preview.catalog.measure("5").units[0].name == "区市场监管局"
    assert count(app, Plan) == 0 and count(app, PlanCorrection) == 0
    import_documents(app.uow, [path], catalog_dir=app.settings.catalog_dir, actor=actor(app, ADMIN), edits=edits)
    assert spec(app, "5").units[0].name == "区市场监管局"
    assert "O22" in refs(app)
    assert [v.kind for v in list_corrections(app.uow(), None, plan_id(app, JIADING))] == ["units", "kind"]
    with pytest.raises(InputError, match="方案中没有编号为“99”的措施"):
        import_documents(app.uow, [path], catalog_dir=app.settings.catalog_dir, actor=actor(app, ADMIN), edits=[SetDeadline(ref="99", deadline=parse_deadline("ongoing"))])
    assert count(app, PlanCorrection) == 2
    assert [(e.action, e.target) for e in audit_entries(app)][-3:] == [
        ("plan_import", JIADING),
        ("plan_correct", f"{JIADING}/5"),
        ("plan_correct", f"{JIADING}/22"),
    ]
