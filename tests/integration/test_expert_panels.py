"""Expert panels on SQLite and PostgreSQL (services.experts, expert_scores, opinions; read.panel):
an admin seats experts and one 组长 on a plan's panel, never an expert of one of the plan's
responsible units; an expert reads that plan only, scores its leaves within their points while
the round is open, the 组长 consolidates and finalises; opinions are bounded. Every refusal
changes nothing but the audit trail."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from workflow.bootstrap import App
from workflow.domain.states import Role
from workflow.errors import Conflict, InputError, NotFound, Refused
from workflow.models import ExpertOpinion, ExpertRound, ExpertScore, PanelScore, PlanExpert
from workflow.read.panel import expert_panel
from workflow.read.plans import plan_summaries
from workflow.read.scores import score_summary
from workflow.services import measure_work, people
from workflow.services.expert_scores import finalise_round, set_expert_score, set_panel_score
from workflow.services.experts import assign_expert, open_round, remove_expert
from workflow.services.index_systems import load_index
from workflow.services.opinions import MAX_OPINION_CHARS, write_opinion

from .workflow_helpers import (
    ADMIN,
    JIADING,
    JIADING_PEOPLE,
    MARKET,
    REVIEWER_A,
    WUHAN,
    actor,
    add_people,
    audit_entries,
    count,
    import_seed,
    measure_id,
    plan_id,
    session_of,
)

LEADER, EXPERT, THIRD = "赵组长", "钱专家", "孙专家"
CONFLICTED = "李专家"  # works for 区市场监管局, a responsible unit of Jiading's plan
ORG = "上海市知识产权服务中心"

INDEX = f"""\
name: 嘉定区示范区建设评价指标体系
plan: {JIADING}
total: 100
grades: {{优秀: 90, 良好: 80, 合格: 60}}
consolidation: RULE
indicators:
  - {{code: '1', name: 统筹协调, level: 1, points: 60}}
  - {{code: '1.1', name: 建立工作机制, level: 2, parent: '1', points: 40, measures: ['1', '3']}}
  - {{code: '1.2', name: 定期会商, level: 2, parent: '1', points: 20}}
  - {{code: '2', name: 依法保护, level: 1, points: 40}}
  - {{code: '3', name: 加分项, level: 1, points: 5, bonus: true}}
  - {{code: '4', name: 无重大知识产权事件, level: 1, points: 0, type: met, veto: true}}
"""

# Each expert's sheet: 1.1, 1.2, 2, 3 (bonus), 4 (met, veto).
SHEETS: dict[str, dict[str, Decimal | bool]] = {
    LEADER: {"1.1": Decimal(36), "1.2": Decimal(18), "2": Decimal(30), "3": Decimal(2), "4": True},
    EXPERT: {"1.1": Decimal(30), "1.2": Decimal(15), "2": Decimal(33), "3": Decimal(3), "4": True},
    THIRD: {"1.1": Decimal(39), "1.2": Decimal(20), "2": Decimal(38), "3": Decimal(5), "4": False},
}


@pytest.fixture
def plans(app: App, seeds_dir: Path) -> tuple[int, int]:
    """Jiading's and Wuhan's plans in one zone, its office, units and three experts."""
    assert import_seed(app, seeds_dir, "003") == JIADING
    assert import_seed(app, seeds_dir, "000") == WUHAN
    add_people(app, JIADING_PEOPLE)
    admin = actor(app, ADMIN)
    for name in (LEADER, EXPERT, THIRD):
        people.add_person(app.uow(), admin, name, role=Role.EXPERT, unit=None, organisation=ORG)
    people.add_person(app.uow(), admin, CONFLICTED, role=Role.EXPERT, unit=None, organisation="区市场监管局")
    return plan_id(app, JIADING), plan_id(app, WUHAN)


def load(app: App, plan: int, rule: str = "leader") -> None:
    load_index(app.uow(), actor(app, ADMIN), plan, "指标体系.yaml", INDEX.replace("RULE", rule).encode())


def seat(app: App, plan: int, *names: str, leader: str | None = LEADER) -> None:
    if leader is not None:
        assign_expert(app.uow(), actor(app, ADMIN), plan, leader, leader=True)
    for name in names:
        assign_expert(app.uow(), actor(app, ADMIN), plan, name)


def mark(app: App, plan: int, who: str, code: str, value: Decimal | bool, **kw: object) -> int:
    return set_expert_score(app.uow(), actor(app, who), plan, code, value, "依据现场核查", **kw).version  # type: ignore[arg-type]


def score_all(app: App, plan: int, *names: str) -> None:
    for name in names:
        for code, value in SHEETS[name].items():
            mark(app, plan, name, code, value)


def test_an_admin_seats_experts_and_a_leader_and_each_sees_that_plan_alone(app: App, plans: tuple[int, int]) -> None:
    jiading, wuhan = plans
    seat(app, jiading, EXPERT)
    with session_of(app) as session:
        seats = {s.person.name: s.is_leader for s in session.query(PlanExpert)}
        assert seats == {LEADER: True, EXPERT: False}
        assert [r.round for r in session.query(ExpertRound)] == [1]
    assert [e.action for e in audit_entries(app)[-2:]] == ["expert_assign", "expert_assign"]
    expert = actor(app, EXPERT)
    assert expert.panel_plan_ids == frozenset({jiading})
    with session_of(app) as session:
        assert {s.key for s in plan_summaries(session, expert)} == {JIADING}
    # Wuhan's plan, of the same zone, reads as a missing plan; the attempt is audited.
    with pytest.raises(NotFound) as hidden:
        score_summary(app.uow(), expert, wuhan)
    with pytest.raises(NotFound) as missing:
        score_summary(app.uow(), expert, 999_999)
    assert str(hidden.value).replace(str(wuhan), "N") == str(missing.value).replace("999999", "N")
    assert audit_entries(app)[-1].refused and audit_entries(app)[-1].actor == EXPERT
    with pytest.raises(Refused, match="不能查看人员与单位名单"):
        people.list_people(app.uow(), expert)


def test_an_expert_of_a_responsible_unit_is_refused_naming_the_unit(app: App, plans: tuple[int, int]) -> None:
    jiading, wuhan = plans
    with pytest.raises(Refused, match="区市场监管局”是方案 .* 的责任单位,须回避") as refused:
        assign_expert(app.uow(), actor(app, ADMIN), jiading, CONFLICTED)
    assert refused.value.code == "expert_conflict" and refused.value.params["unit"] == "区市场监管局"
    assert count(app, PlanExpert) == 0 and count(app, ExpertRound) == 0
    assert audit_entries(app)[-1].refused
    # Wuhan's 区市场监管局 is another plan's unit of the same zone: responsible there too.
    with pytest.raises(Refused, match="须回避"):
        assign_expert(app.uow(), actor(app, ADMIN), wuhan, CONFLICTED)


def test_only_an_admin_seats_experts_one_leader_a_plan_and_only_expert_accounts(
    app: App, plans: tuple[int, int]
) -> None:
    jiading, _ = plans
    with pytest.raises(Refused) as not_admin:
        assign_expert(app.uow(), actor(app, REVIEWER_A), jiading, EXPERT)
    assert not_admin.value.code == "not_admin"
    with pytest.raises(Refused) as not_expert:
        assign_expert(app.uow(), actor(app, ADMIN), jiading, MARKET)
    assert not_expert.value.code == "not_expert_account"
    seat(app, jiading)
    with pytest.raises(Refused, match=f"已有组长{LEADER}") as taken:
        assign_expert(app.uow(), actor(app, ADMIN), jiading, EXPERT, leader=True)
    assert taken.value.code == "leader_taken"
    with pytest.raises(Refused) as again:
        assign_expert(app.uow(), actor(app, ADMIN), jiading, LEADER)
    assert again.value.code == "already_assigned"
    assert count(app, PlanExpert) == 1


def test_an_expert_neither_works_on_measures_nor_reviews_them(app: App, plans: tuple[int, int]) -> None:
    jiading, _ = plans
    seat(app, jiading)
    measure = measure_id(app, JIADING, "1")
    with pytest.raises(Refused) as work:
        measure_work.start(app.uow(), actor(app, LEADER), measure)
    assert work.value.code == "expert_no_unit_work"
    with pytest.raises(Refused) as review:
        measure_work.accept(app.uow(), actor(app, LEADER), measure)
    assert review.value.code == "not_reviewer"


def test_scores_are_refused_for_another_plan_above_the_points_and_from_non_experts(
    app: App, plans: tuple[int, int]
) -> None:
    jiading, wuhan = plans
    load(app, jiading)
    seat(app, jiading)
    with pytest.raises(NotFound):  # an expert of Jiading's panel scoring Wuhan's plan
        mark(app, wuhan, LEADER, "1.1", Decimal(30))
    assert audit_entries(app)[-1].refused
    with pytest.raises(Refused, match="超过该指标分值 40 分") as above:
        mark(app, jiading, LEADER, "1.1", Decimal("40.5"))
    assert above.value.code == "score_invalid"
    with pytest.raises(Refused, match="有下级指标"):
        mark(app, jiading, LEADER, "1", Decimal(30))
    with pytest.raises(Refused) as office:
        set_expert_score(app.uow(), actor(app, ADMIN), jiading, "1.1", Decimal(30))
    assert office.value.code == "not_expert"
    with pytest.raises(NotFound):  # an expert, but not on this panel: as a missing plan
        mark(app, jiading, THIRD, "1.1", Decimal(30))
    assert count(app, ExpertScore) == 0


def test_a_stale_version_is_refused_as_a_conflict(app: App, plans: tuple[int, int]) -> None:
    jiading, _ = plans
    load(app, jiading)
    seat(app, jiading)
    first = mark(app, jiading, LEADER, "1.1", Decimal(30))
    mark(app, jiading, LEADER, "1.1", Decimal(31), expected_version=first)
    with pytest.raises(Conflict):
        mark(app, jiading, LEADER, "1.1", Decimal(32), expected_version=first)
    with session_of(app) as session:
        assert session.query(ExpertScore).one().points == Decimal(31)


def test_two_experts_and_the_leaders_consolidation_give_the_total_and_grade(app: App, plans: tuple[int, int]) -> None:
    jiading, _ = plans
    load(app, jiading)
    seat(app, jiading, EXPERT)
    score_all(app, jiading, LEADER, EXPERT)
    summary = score_summary(app.uow(), actor(app, ADMIN), jiading)
    assert summary is not None and summary.panel is not None
    # The 组长's sheet: 36 + 18 + 30 = 84, bonus 2: 86, 良好.
    assert (summary.panel.base, summary.panel.bonus, summary.panel.grade) == (Decimal(84), Decimal(2), "良好")
    set_panel_score(app.uow(), actor(app, LEADER), jiading, "2", Decimal(35), "综合两位专家意见")
    summary = score_summary(app.uow(), actor(app, ADMIN), jiading)
    assert summary is not None and summary.panel is not None
    assert (summary.panel.total, summary.panel.grade) == (Decimal(91), "优秀")
    assert summary.brief() == {"self": 0, "expert": 91, "grade": "优秀"}
    with pytest.raises(Refused) as member:  # only the 组长 consolidates
        set_panel_score(app.uow(), actor(app, EXPERT), jiading, "2", Decimal(20))
    assert member.value.code == "not_leader"
    with session_of(app) as session:
        assert session.query(PanelScore).one().points == Decimal(35)


@pytest.mark.parametrize(
    ("rule", "base", "bonus", "grade"),
    [
        # mean: 1.1 (36+30+39)/3 = 35, 1.2 53/3 = 17.67, 2 101/3 = 33.67; bonus 10/3 = 3.33;
        # 4: met by two of three.
        ("mean", Decimal("86.34"), Decimal("3.33"), "良好"),
        # trimmed: the middle mark of three: 36, 18, 33; bonus 3: exactly 90.
        ("trimmed_mean", Decimal(87), Decimal(3), "优秀"),
    ],
)
def test_three_experts_by_the_mean_rules(
    app: App, plans: tuple[int, int], rule: str, base: Decimal, bonus: Decimal, grade: str
) -> None:
    jiading, _ = plans
    load(app, jiading, rule)
    seat(app, jiading, EXPERT, THIRD)
    score_all(app, jiading, LEADER, EXPERT, THIRD)
    summary = score_summary(app.uow(), actor(app, ADMIN), jiading)
    assert summary is not None and summary.panel is not None
    assert (summary.panel.base, summary.panel.bonus, summary.panel.grade) == (base, bonus, grade)
    with pytest.raises(Refused) as no_final:  # nothing for the 组长 to consolidate by hand
        set_panel_score(app.uow(), actor(app, LEADER), jiading, "2", Decimal(35))
    assert no_final.value.code == "not_leader_rule"


def test_the_leader_finalises_a_complete_round_with_the_panels_opinion_and_it_is_locked(
    app: App, plans: tuple[int, int]
) -> None:
    jiading, _ = plans
    load(app, jiading)
    seat(app, jiading, EXPERT)
    mark(app, jiading, LEADER, "1.1", Decimal(36))
    with pytest.raises(Refused, match="还有 4 项指标没有专家组评分") as incomplete:
        finalise_round(app.uow(), actor(app, LEADER), jiading)
    assert incomplete.value.code == "panel_incomplete"
    score_all(app, jiading, LEADER, EXPERT)
    with pytest.raises(Refused) as no_opinion:
        finalise_round(app.uow(), actor(app, LEADER), jiading)
    assert no_opinion.value.code == "panel_opinion_missing"
    write_opinion(app.uow(), actor(app, EXPERT), jiading, "机制健全,统计数据需补充。")
    with pytest.raises(Refused) as not_leader:
        write_opinion(app.uow(), actor(app, EXPERT), jiading, "专家组认为……", panel=True)
    assert not_leader.value.code == "not_leader"
    write_opinion(app.uow(), actor(app, LEADER), jiading, "专家组一致认为达到良好等次。", panel=True)
    with pytest.raises(Refused):
        finalise_round(app.uow(), actor(app, EXPERT), jiading)
    done = finalise_round(app.uow(), actor(app, LEADER), jiading)
    assert (done.round, done.total, done.grade) == (1, Decimal(86), "良好")
    with pytest.raises(Refused, match="已由组长于 .* 确认") as closed:
        mark(app, jiading, EXPERT, "1.1", Decimal(40))
    assert closed.value.code == "round_closed"
    with pytest.raises(Refused):
        write_opinion(app.uow(), actor(app, EXPERT), jiading, "改写")
    with pytest.raises(Refused):
        remove_expert(app.uow(), actor(app, ADMIN), jiading, EXPERT)  # has scored: kept
    # The office opens a re-review; round 1 is kept and read as it was.
    assert open_round(app.uow(), actor(app, ADMIN), jiading) == 2
    with pytest.raises(Refused) as twice:
        open_round(app.uow(), actor(app, ADMIN), jiading)
    assert twice.value.code == "round_open"
    mark(app, jiading, LEADER, "1.1", Decimal(40))
    panel = expert_panel(app.uow(), actor(app, ADMIN), jiading)
    assert panel.round == 2 and not panel.finalised and panel.opinions == ()
    assert [m.code for m in panel.marks[LEADER]] == ["1.1"]
    first = expert_panel(app.uow(), actor(app, EXPERT), jiading, round=1)
    assert first.finalised and first.leader is not None and first.leader.name == LEADER
    assert first.panel_opinion is not None and "良好" in first.panel_opinion.text
    assert first.scores is not None and first.scores.panel is not None and first.scores.panel.total == 86
    assert [o.author for o in first.opinions] == [EXPERT, LEADER]


def test_opinions_are_bounded_and_a_unit_member_may_not_read_the_panel(app: App, plans: tuple[int, int]) -> None:
    jiading, _ = plans
    seat(app, jiading)
    with pytest.raises(InputError, match=f"不能超过 {MAX_OPINION_CHARS} 字"):
        write_opinion(app.uow(), actor(app, LEADER), jiading, "意" * (MAX_OPINION_CHARS + 1))
    with pytest.raises(InputError):
        write_opinion(app.uow(), actor(app, LEADER), jiading, "   ")
    written = write_opinion(app.uow(), actor(app, LEADER), jiading, "第一稿")
    again = write_opinion(app.uow(), actor(app, LEADER), jiading, "第二稿", expected_version=written.version)
    with pytest.raises(Conflict):
        write_opinion(app.uow(), actor(app, LEADER), jiading, "第三稿", expected_version=written.version)
    with session_of(app) as session:
        assert [(o.text, o.version_id) for o in session.query(ExpertOpinion)] == [("第二稿", again.version)]
    assert audit_entries(app)[-2].action == "opinion_write"
    with pytest.raises(Refused) as member:
        expert_panel(app.uow(), actor(app, MARKET), jiading)
    assert member.value.code == "no_view" and audit_entries(app)[-1].refused


def test_an_expert_without_work_is_removed_from_the_panel(app: App, plans: tuple[int, int]) -> None:
    jiading, _ = plans
    seat(app, jiading, EXPERT)
    remove_expert(app.uow(), actor(app, ADMIN), jiading, EXPERT)
    assert actor(app, EXPERT).panel_plan_ids == frozenset()
    with pytest.raises(Refused) as gone:
        remove_expert(app.uow(), actor(app, ADMIN), jiading, EXPERT)
    assert gone.value.code == "not_panel"


def test_the_leaders_consolidated_score_alone_keeps_the_index_system_from_being_replaced(
    app: App, plans: tuple[int, int]
) -> None:
    jiading, _ = plans
    load(app, jiading)
    seat(app, jiading)
    set_panel_score(app.uow(), actor(app, LEADER), jiading, "2", Decimal(35))
    with pytest.raises(Refused) as scored:
        load(app, jiading)
    assert scored.value.code == "index_scored"
