"""Index systems and self-scores in the database (services.index_systems, read.scores) on
SQLite and PostgreSQL: a load is checked against the plan's catalog and written whole or not
at all; a scored system is never replaced; a score above the points, on a parent, after the
formal review closed, by a non-admin or from another zone is refused and changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from workflow.bootstrap import App
from workflow.domain.states import Role
from workflow.errors import Conflict, InputError, NotFound, Refused
from workflow.models import IndexIndicatorRow, IndexSystemRow, SelfScore
from workflow.read.scores import score_summary
from workflow.services import measure_work, people, zones
from workflow.services.evidence import NewEvidence, add_evidence
from workflow.services.index_systems import example_index_yaml, load_index, set_self_score

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
    measure_id,
    pdf_bytes,
    plan_id,
    session_of,
    write_file,
)

INDEX = f"""\
name: 嘉定区示范区建设评价指标体系
plan: {JIADING}
total: 100
grades: {{优秀: 90, 良好: 80, 合格: 60}}
indicators:
  - {{code: '1', name: 统筹协调, level: 1, points: 60}}
  - {{code: '1.1', name: 建立工作机制, level: 2, parent: '1', points: 40, measures: ['1']}}
  - {{code: '1.2', name: 定期会商, level: 2, parent: '1', points: 20}}
  - {{code: '2', name: 依法保护, level: 1, points: 40}}
  - {{code: '3', name: 加分项, level: 1, points: 5, bonus: true}}
  - {{code: '4', name: 无重大知识产权事件, level: 1, points: 0, type: met, veto: true}}
"""


@pytest.fixture
def jiading(app: App, seeds_dir: Path) -> int:
    assert import_seed(app, seeds_dir, "003") == JIADING
    add_people(app, JIADING_PEOPLE)
    return plan_id(app, JIADING)


def load(app: App, plan: int, text: str = INDEX, who: str = ADMIN) -> None:
    load_index(app.uow(), actor(app, who), plan, "指标体系.yaml", text.encode("utf-8"))


def score(app: App, plan: int, code: str, mark: Decimal | bool, who: str = ADMIN, **kw: object) -> None:
    set_self_score(app.uow(), actor(app, who), plan, code, mark, "依据会议纪要", **kw)  # type: ignore[arg-type]


def test_a_loaded_index_system_is_stored_with_its_indicators_and_audited(app: App, jiading: int) -> None:
    load(app, jiading)
    with session_of(app) as session:
        row = session.scalar(select(IndexSystemRow))
        assert row is not None and row.name == "嘉定区示范区建设评价指标体系"
        assert [i.code for i in row.indicators] == ["1", "1.1", "1.2", "2", "3", "4"]
        assert row.indicators[1].measure_refs == ["1"] and row.indicators[1].points == Decimal(40)
    assert audit_entries(app)[-1].action == "index_load"
    summary = score_summary(app.uow(), actor(app, ADMIN), jiading)
    assert summary is not None and summary.own.total == 0 and summary.own.grade is None


def test_the_example_of_the_plan_loads_as_it_is(app: App, jiading: int) -> None:
    text = example_index_yaml(app.uow(), actor(app, ADMIN), jiading)
    load(app, jiading, text)
    with session_of(app) as session:
        row = session.scalar(select(IndexSystemRow))
        assert row is not None and "示例" in row.name and len(row.indicators) > 20


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (("points: 20}}", "points: 25}}"), "指标体系.yaml"),  # 1.1 + 1.2 no longer make 1's 60
        (("measures: ['1']", "measures: ['99']"), "99"),  # a measure the plan does not have
        (("code: '1.2'", "code: '1.1'"), "1.1"),  # a duplicate code
    ],
)
def test_a_broken_index_is_refused_naming_the_file_and_nothing_is_written(
    app: App, jiading: int, change: tuple[str, str], said: str
) -> None:
    text = INDEX.replace(change[0].replace("}}", "}"), change[1].replace("}}", "}"), 1)
    assert text != INDEX
    with pytest.raises(InputError, match=said) as refused:
        load(app, jiading, text)
    assert "指标体系.yaml" in str(refused.value)
    assert count(app, IndexSystemRow) == 0 and count(app, IndexIndicatorRow) == 0


def test_a_reload_replaces_an_unscored_system_but_a_scored_one_is_kept(app: App, jiading: int) -> None:
    load(app, jiading)
    load(app, jiading, INDEX.replace("嘉定区示范区建设评价指标体系", "第二版"))
    assert count(app, IndexSystemRow) == 1
    score(app, jiading, "1.1", Decimal("35.5"))
    with pytest.raises(Refused, match="已有 1 项评分,不能再替换"):
        load(app, jiading, INDEX.replace("嘉定区示范区建设评价指标体系", "第三版"))
    with session_of(app) as session:
        assert session.scalar(select(IndexSystemRow.name)) == "第二版"
    assert audit_entries(app)[-1].refused


def test_self_scores_add_up_by_level_with_bonus_and_veto_to_a_grade(app: App, jiading: int) -> None:
    load(app, jiading)
    for code, mark in (("1.1", Decimal("38")), ("1.2", Decimal("18.5")), ("2", Decimal(36)), ("3", Decimal(2))):
        score(app, jiading, code, mark)
    score(app, jiading, "4", True)
    summary = score_summary(app.uow(), actor(app, REVIEWER_A), jiading)
    assert summary is not None
    assert summary.own.base == Decimal("92.5") and summary.own.bonus == 2 and summary.own.total == Decimal("94.5")
    assert summary.own.by_level == {1: Decimal("94.5"), 2: Decimal("56.5")}
    assert summary.own.grade == "优秀" and summary.brief() == {"self": 94.5, "expert": None, "grade": "优秀"}
    score(app, jiading, "4", False)  # a veto indicator not met fails the grade whatever the score
    summary = score_summary(app.uow(), actor(app, ADMIN), jiading)
    assert summary is not None and summary.own.grade == "不合格" and summary.own.vetoed == ("4",)
    line = next(li for li in summary.lines if li.code == "4")
    assert line.version == 2 and line.scored_by == ADMIN


@pytest.mark.parametrize(
    ("code", "mark", "error", "said"),
    [
        ("1.1", Decimal("40.5"), Refused, "超过该指标分值 40 分"),
        ("1", Decimal(10), Refused, "有下级指标"),
        ("4", Decimal(0), Refused, "达标类"),
        ("9.9", Decimal(1), NotFound, "没有编号为“9.9”的指标"),
    ],
)
def test_a_score_the_index_does_not_allow_is_refused_and_nothing_is_written(
    app: App, jiading: int, code: str, mark: Decimal, error: type[Exception], said: str
) -> None:
    load(app, jiading)
    with pytest.raises(error, match=said):
        score(app, jiading, code, mark)
    assert count(app, SelfScore) == 0
    assert audit_entries(app)[-1].refused is (error is Refused)  # a missing code is no refusal


def test_no_self_score_after_the_formal_review_closed(app: App, jiading: int) -> None:
    load(app, jiading)
    score(app, jiading, "1.1", Decimal(30))
    with session_of(app) as session:
        row = session.scalar(select(IndexSystemRow))
        assert row is not None
        row.self_scoring_closed_at = dt.datetime(2024, 6, 30, tzinfo=dt.UTC)
        session.commit()
    with pytest.raises(Refused, match="形式审查已于 2024-06-30 结束"):
        score(app, jiading, "1.1", Decimal(40))
    with session_of(app) as session:
        assert session.scalar(select(SelfScore.points)) == 30


def test_a_self_score_links_the_plans_evidence(app: App, jiading: int, tmp_path: Path) -> None:
    load(app, jiading)
    measure = measure_id(app, JIADING, "10")
    measure_work.start(app.uow(), actor(app, MARKET), measure)
    [row] = add_evidence(
        app.uow(), app.store, actor(app, MARKET), measure, item=1, new=NewEvidence(files=[write_file(tmp_path, "台账.pdf", pdf_bytes())])
    )
    score(app, jiading, "1.1", Decimal(40), evidence_ids=[row.id])
    summary = score_summary(app.uow(), actor(app, ADMIN), jiading)
    assert summary is not None
    assert next(li for li in summary.lines if li.code == "1.1").evidence_ids == (row.id,)


def test_a_stale_version_and_unknown_evidence_are_refused(app: App, jiading: int) -> None:
    load(app, jiading)
    score(app, jiading, "1.1", Decimal(30))
    score(app, jiading, "1.1", Decimal(31), expected_version=1)
    with pytest.raises(Conflict, match="版本 1 → 2"):
        score(app, jiading, "1.1", Decimal(32), expected_version=1)
    with pytest.raises(NotFound, match="没有编号为 424242 的佐证材料"):
        score(app, jiading, "1.1", Decimal(33), evidence_ids=[424242])
    with pytest.raises(InputError, match="自评说明"):
        set_self_score(app.uow(), actor(app, ADMIN), jiading, "1.1", Decimal(1), "  ")
    with session_of(app) as session:
        assert session.scalar(select(SelfScore.points)) == 31


def test_only_admins_of_the_plans_zone_load_and_score(app: App, jiading: int) -> None:
    with pytest.raises(Refused, match="不是管理员"):
        load(app, jiading, who=REVIEWER_A)
    load(app, jiading)
    with pytest.raises(Refused, match="不是管理员"):
        score(app, jiading, "1.1", Decimal(1), who=REVIEWER_A)
    zones.add_zone(app.uow(), None, "外区", parent=None)
    people.add_person(app.uow(), None, "外区管理员", role=Role.ADMIN, unit=None, zone="外区")
    with pytest.raises(NotFound, match=f"找不到编号为 {jiading} 的方案"):
        score(app, jiading, "1.1", Decimal(1), who="外区管理员")
    with pytest.raises(NotFound, match=f"找不到编号为 {jiading} 的方案"):
        load(app, jiading, who="外区管理员")
    with pytest.raises(NotFound):
        score_summary(app.uow(), actor(app, "外区管理员"), jiading)
    assert count(app, SelfScore) == 0
