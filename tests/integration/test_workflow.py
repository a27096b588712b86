"""The measure workflow on a real database (SQLite and PostgreSQL), through the services.

Seed 003 (Jiading) gives the measures: 3 is led by 区市场监管局 with 区经委 as co-unit, 10 and 12
belong to 区市场监管局 alone, 1 to the group 区知识产权联席会议各成员单位, 4 to named units plus
the group 区知识产权联席会议其他成员单位, S1 (a safeguard) to nobody.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import object_session
from sqlalchemy.orm.exc import StaleDataError

from workflow.bootstrap import App
from workflow.domain.lifecycle import Request, fire
from workflow.domain.states import Action, MeasureState, Rating, Role, Verdict
from workflow.errors import Conflict, InputError, NotFound, Refused
from workflow.models import AuditEntry, AuditHead, Measure, Person, Review, SelfCheck, Zone
from workflow.read import overdue, progress
from workflow.services import measure_work, people
from workflow.services.audit_log import verify_chain
from workflow.services.evidence import NewEvidence, add_evidence

from .workflow_helpers import (
    ADMIN,
    COURT,
    ECONOMY,
    JIADING_PEOPLE,
    MARKET,
    MARKET_REVIEWER,
    REVIEWER_A,
    REVIEWER_B,
    actor,
    add_people,
    audit_entries,
    count,
    import_seed,
    last_audit,
    measure_id,
    pdf_bytes,
    plan_id,
    png_bytes,
    session_of,
    snapshot,
    write_file,
)

TODAY = dt.date(2024, 3, 1)  # inside Jiading's self-check phase (2023-09-01 … 2024-04-30)
S = MeasureState



@pytest.fixture
def plan(app: App, seeds_dir: Path) -> str:
    """Seed 003 imported, the office and three units' staff added; the plan's key."""
    key = import_seed(app, seeds_dir, "003")
    add_people(app, JIADING_PEOPLE)
    return key


def evidence(
    app: App, tmp_path: Path, plan: str, ref: str, *, item: int = 1, who: str = MARKET
) -> None:
    path = write_file(
        tmp_path / "uploads", f"{ref}-{item}-{who}.pdf", pdf_bytes(f"{ref} {item} {who}")
    )
    add_evidence(
        app.uow(), app.store, actor(app, who), measure_id(app, plan, ref), item=item, new=NewEvidence(files=[path])
    )


def submit(
    app: App, plan: str, ref: str, who: str = MARKET, statement: str = "已按方案完成"
) -> Any:
    return measure_work.submit_self_check(
        app.uow(), actor(app, who), measure_id(app, plan, ref), statement=statement, today=TODAY
    )


def ready_alone(app: App, tmp_path: Path, plan: str, ref: str) -> None:
    """A measure of 区市场监管局 alone, started, evidenced and its part done (ready to submit)."""
    measure_work.start(app.uow(), actor(app, MARKET), measure_id(app, plan, ref))
    evidence(app, tmp_path, plan, ref)
    measure_work.set_part(app.uow(), actor(app, MARKET), measure_id(app, plan, ref))


def state_of(app: App, plan: str, ref: str) -> MeasureState:
    return snapshot(app, plan, ref)["state"]  # type: ignore[no-any-return]


def reviews_of(app: App, plan: str, ref: str) -> list[Review]:
    mid = measure_id(app, plan, ref)
    with session_of(app) as session:
        return list(
            session.scalars(
                select(Review)
                .join(SelfCheck)
                .where(SelfCheck.measure_id == mid)
                .order_by(Review.id)
            )
        )


def self_checks_of(app: App, plan: str, ref: str) -> list[SelfCheck]:
    mid = measure_id(app, plan, ref)
    with session_of(app) as session:
        return list(
            session.scalars(
                select(SelfCheck).where(SelfCheck.measure_id == mid).order_by(SelfCheck.round)
            )
        )


def assert_refused_and_audited(
    app: App, call: Any, match: str, *, action: str, actor: str, code: str | None = None
) -> AuditEntry:
    """`call` is refused with `match` (and `code`); the refusal is the one new audit entry."""
    before = len(audit_entries(app))
    with pytest.raises(Refused) as caught:
        call()
    assert match in str(caught.value)
    assert code is None or caught.value.code == code
    entries = audit_entries(app)
    assert len(entries) == before + 1
    entry = entries[-1]
    assert (entry.refused, entry.action, entry.actor) == (True, action, actor)
    assert entry.comment == str(caught.value)
    return entry


# ---------------------------------------------------------------------------------- people


def test_the_first_person_must_be_an_admin_and_then_only_admins_add_people(
    app: App, seeds_dir: Path
) -> None:
    import_seed(app, seeds_dir, "003")
    [imported] = audit_entries(app)
    assert imported.action == "plan_import"
    with pytest.raises(InputError, match="只能为尚无管理员的辖区添加第一名管理员"):
        people.add_person(app.uow(), None, MARKET, role=Role.MEMBER, unit="区市场监管局")
    assert count(app, Person) == 0 and [e.seq for e in audit_entries(app)] == [imported.seq]

    people.add_person(app.uow(), None, ADMIN, role=Role.ADMIN, unit=None)
    [_, first] = audit_entries(app)
    assert (first.actor, first.action, first.target, first.refused) == (
        "系统",
        "user_add",
        ADMIN,
        False,
    )
    assert first.detail == {"role": "admin", "unit": None, "zone": "默认辖区"}

    with pytest.raises(Refused, match="辖区“默认辖区”已有管理员,须由该辖区的一名管理员添加人员") as taken:
        people.add_person(app.uow(), None, "无名氏", role=Role.ADMIN, unit=None)
    assert taken.value.code == "zone_has_admin"  # the CLI says how to act as one (--as)

    people.add_person(app.uow(), actor(app, ADMIN), REVIEWER_A, role=Role.REVIEWER, unit=None)
    added = people.add_person(app.uow(), actor(app, ADMIN), MARKET, role=Role.MEMBER, unit="区市场监管局")
    assert (added.role, added.unit) == ("member", "区市场监管局")
    assert [e.target for e in audit_entries(app)][1:] == [ADMIN, REVIEWER_A, MARKET]
    assert last_audit(app).actor == ADMIN

    for non_admin in (REVIEWER_A, MARKET):
        entry = assert_refused_and_audited(
            app,
            lambda who=non_admin: people.add_person(
                app.uow(), actor(app, who), "新人", role=Role.ADMIN, unit=None
            ),
            "不是管理员,无权进行此项管理操作",
            action="user_add",
            actor=non_admin,
        )
        assert entry.target == "新人"
    assert count(app, Person) == 3

    with pytest.raises(InputError, match="是单位群体"):
        people.add_person(
            app.uow(), actor(app, ADMIN), "群体成员", role=Role.MEMBER, unit="区知识产权联席会议各成员单位"
        )
    with pytest.raises(NotFound, match="找不到人员“路人”"):
        people.add_person(app.uow(), actor(app, "路人"), "新人", role=Role.ADMIN, unit=None)
    assert verify_chain_ok(app)


def verify_chain_ok(app: App) -> bool:
    with session_of(app) as session:
        report = verify_chain(session)
    assert report.problems == []
    return report.ok


# ------------------------------------------------------------------------------ full cycle


def test_a_measure_goes_from_start_through_return_to_acceptance(
    app: App, plan: str, tmp_path: Path
) -> None:
    m3 = measure_id(app, plan, "3")
    outcome = measure_work.start(app.uow(), actor(app, MARKET), m3)
    assert (outcome.from_state, outcome.to_state) == (S.PLANNED, S.IN_PROGRESS)

    # Real files: a PDF and a PNG for the one checklist item, dated by the unit.
    pdf = write_file(tmp_path / "up", "工作方案.pdf", pdf_bytes("plan"))
    png = write_file(tmp_path / "up", "现场照片.png", png_bytes())
    views = add_evidence(
        app.uow(),
        app.store,
        actor(app, MARKET),
        m3,
        item=1,
        new=NewEvidence(files=[pdf, png], note="工作方案与现场照片", doc_date=dt.date(2024, 1, 10)),
        today=TODAY,
    )
    assert [(v.kind, v.media_type, v.file_name, v.doc_date) for v in views] == [
        ("file", "pdf", "工作方案.pdf", dt.date(2024, 1, 10)),
        ("file", "png", "现场照片.png", dt.date(2024, 1, 10)),
    ]
    assert all(app.store.exists(v.sha256 or "") for v in views)

    # Both responsible units mark their part; the co-unit cannot submit, the lead can.
    measure_work.set_part(app.uow(), actor(app, MARKET), m3)
    done = measure_work.set_part(app.uow(), actor(app, ECONOMY), m3)
    assert done.message.endswith("所有责任单位均已完成")
    assert_refused_and_audited(
        app,
        lambda: submit(app, plan, "3", who=ECONOMY),
        "只有牵头单位可以提交或撤回自查",
        action="submit_self_check",
        actor=ECONOMY,
    )
    outcome = measure_work.submit_self_check(
        app.uow(),
        actor(app, MARKET),
        m3,
        statement="已完成产业链保护工作",
        ratings={1: Rating.PARTIAL},
        today=TODAY,
    )
    assert outcome.to_state is S.SELF_CHECKED
    [first_round] = self_checks_of(app, plan, "3")
    assert (first_round.round, first_round.ratings, first_round.statement) == (
        1,
        {"1": "partial"},
        "已完成产业链保护工作",
    )

    # Returned with a comment and a deadline: in progress, shown as 整改中.
    due = dt.date(2024, 3, 20)
    outcome = measure_work.return_for_rectification(
        app.uow(), actor(app, REVIEWER_A), m3, comment="请补充执法案例材料", due=due, today=TODAY
    )
    assert outcome.to_state is S.IN_PROGRESS and "整改期限 2024-03-20" in outcome.message
    assert snapshot(app, plan, "3")["rectification_due"] == due
    status = progress.plan_status(app.uow(), None, plan_id(app, plan), today=TODAY).as_dict()
    assert status["by_state"]["rectifying"] == 1 and status["by_state"]["in_progress"] == 1
    market = next(u for u in status["by_unit"] if u["unit"] == "区市场监管局")
    assert market["returned"] == ["3"]
    listed = overdue.overdue_list(app.uow(), None, plan_id(app, plan), today=TODAY).as_dict()
    soon = next(u for u in listed["units"] if u["unit"] == "区市场监管局")["due_soon"]
    assert [(e["ref"], e["state_label"], e["due"]) for e in soon] == [("3", "整改中", "2024-03-20")]

    # Resubmitted (the parts stay done) and accepted with a score.
    outcome = submit(app, plan, "3", statement="已补充执法案例")
    assert outcome.to_state is S.SELF_CHECKED
    assert snapshot(app, plan, "3")["rectification_due"] is None
    outcome = measure_work.accept(app.uow(), actor(app, REVIEWER_B), m3, score=92, comment="材料齐全")
    assert (outcome.from_state, outcome.to_state) == (S.SELF_CHECKED, S.ACCEPTED)

    assert [
        (r.level, r.verdict, r.comment, r.score, r.rectification_due)
        for r in reviews_of(app, plan, "3")
    ] == [
        (1, Verdict.RETURN, "请补充执法案例材料", None, due),
        (1, Verdict.PASS, "材料齐全", 92, None),
    ]
    assert [s.round for s in self_checks_of(app, plan, "3")] == [1, 2]
    history = [
        (e.action, e.from_state, e.to_state, e.refused)
        for e in audit_entries(app)
        if e.target == f"{plan}/3"
    ]
    assert history == [
        ("start", "planned", "in_progress", False),
        ("evidence_add", "", "", False),
        ("part_done", "", "", False),
        ("part_done", "", "", False),
        ("submit_self_check", "", "", True),
        ("submit_self_check", "in_progress", "self_checked", False),
        ("return_for_rectification", "self_checked", "in_progress", False),
        ("submit_self_check", "in_progress", "self_checked", False),
        ("accept", "self_checked", "accepted", False),
    ]
    status = progress.plan_status(app.uow(), None, plan_id(app, plan), today=TODAY).as_dict()
    assert status["by_state"]["accepted"] == 1 and status["by_state"]["rectifying"] == 0
    assert status["average_score"] == 92.0
    assert verify_chain_ok(app)


def test_a_self_check_is_refused_until_every_part_is_done_and_every_item_evidenced(
    app: App, plan: str, tmp_path: Path
) -> None:
    measure_work.start(app.uow(), actor(app, MARKET), measure_id(app, plan, "9"))  # 2 checklist items; 3 units
    evidence(app, tmp_path, plan, "9", item=1)
    measure_work.set_part(app.uow(), actor(app, MARKET), measure_id(app, plan, "9"))
    before = snapshot(app, plan, "9")

    entry = assert_refused_and_audited(
        app,
        lambda: submit(app, plan, "9"),
        "以下责任单位尚未标记完成其负责部分:嘉定海关、区法院",
        action="submit_self_check",
        actor=MARKET,
    )
    # Every reason at once, and on the measure's own history.
    assert "清单条目缺少佐证材料:第 2 项" in entry.comment and "需 1 份、已有 0 份" in entry.comment
    assert entry.target == f"{plan}/9"
    assert snapshot(app, plan, "9") == before  # state, version, parts, self-checks unchanged
    assert self_checks_of(app, plan, "9") == []

    # An empty statement is a reason too, even when everything else is in order.
    with pytest.raises(Refused, match="缺少自查情况说明"):
        submit(app, plan, "9", statement=" ")
    assert snapshot(app, plan, "9") == before


def test_a_self_check_from_a_measure_not_started_names_its_state(app: App, plan: str) -> None:
    entry = assert_refused_and_audited(
        app,
        lambda: submit(app, plan, "10"),
        "当前为“未启动”,不能提交自查(只有“推进中”的措施可以提交自查)",
        action="submit_self_check",
        actor=MARKET,
    )
    assert entry.target == f"{plan}/10"
    assert state_of(app, plan, "10") is S.PLANNED


# --------------------------------------------------------------------- withdraw and levels


def test_withdraw_is_allowed_before_review_and_refused_after_a_level_passed(
    app: App, plan: str, tmp_path: Path
) -> None:
    people.set_review_levels(app.uow(), actor(app, ADMIN), plan_id(app, plan), ["初审", "专家评审"])
    ready_alone(app, tmp_path, plan, "10")
    submit(app, plan, "10")
    outcome = measure_work.withdraw(app.uow(), actor(app, MARKET), measure_id(app, plan, "10"))
    assert (outcome.from_state, outcome.to_state) == (S.SELF_CHECKED, S.IN_PROGRESS)
    [withdrawn] = self_checks_of(app, plan, "10")
    assert withdrawn.withdrawn_at is not None

    submit(app, plan, "10")
    measure_work.accept(app.uow(), actor(app, REVIEWER_A), measure_id(app, plan, "10"))
    before = snapshot(app, plan, "10")
    assert_refused_and_audited(
        app,
        lambda: measure_work.withdraw(app.uow(), actor(app, MARKET), measure_id(app, plan, "10")),
        "审核已开始,不能撤回",
        action="withdraw",
        actor=MARKET,
    )
    assert snapshot(app, plan, "10") == before
    assert [(s.round, s.withdrawn_at is None) for s in self_checks_of(app, plan, "10")] == [
        (1, False),
        (2, True),
    ]


def test_two_review_levels_need_two_different_reviewers(
    app: App, plan: str, tmp_path: Path
) -> None:
    assert people.set_review_levels(app.uow(), actor(app, ADMIN), plan_id(app, plan), ["初审", "专家评审"]) == [
        "初审",
        "专家评审",
    ]
    assert last_audit(app).detail == {"from": ["领导小组办公室审核"], "to": ["初审", "专家评审"], "zones": {}}
    ready_alone(app, tmp_path, plan, "10")
    submit(app, plan, "10")

    outcome = measure_work.accept(app.uow(), actor(app, REVIEWER_A), measure_id(app, plan, "10"), score=80)
    assert (outcome.action, outcome.to_state) == ("review_pass", S.SELF_CHECKED)
    assert "初审通过(第 1/2 级),待专家评审" in outcome.message
    assert state_of(app, plan, "10") is S.SELF_CHECKED
    entry = last_audit(app)
    assert (entry.action, entry.from_state, entry.to_state) == (
        "review_pass",
        "self_checked",
        "self_checked",
    )
    assert entry.detail == {"level": 1, "level_name": "初审", "score": 80}

    before = snapshot(app, plan, "10")
    assert_refused_and_audited(
        app,
        lambda: measure_work.accept(app.uow(), actor(app, REVIEWER_A), measure_id(app, plan, "10")),
        "下一级审核须由其他审核人进行",
        action="accept",
        actor=REVIEWER_A,
    )
    assert snapshot(app, plan, "10") == before

    outcome = measure_work.accept(app.uow(), actor(app, REVIEWER_B), measure_id(app, plan, "10"), score=90)
    assert (outcome.from_state, outcome.to_state) == (S.SELF_CHECKED, S.ACCEPTED)
    assert [(r.level, r.level_name, r.verdict, r.score) for r in reviews_of(app, plan, "10")] == [
        (1, "初审", Verdict.PASS, 80),
        (2, "专家评审", Verdict.PASS, 90),
    ]
    assert last_audit(app).detail == {"level": 2, "level_name": "专家评审", "score": 90}


def test_a_return_at_level_two_sends_the_measure_back_with_that_levels_comment(
    app: App, plan: str, tmp_path: Path
) -> None:
    people.set_review_levels(app.uow(), actor(app, ADMIN), plan_id(app, plan), ["初审", "专家评审"])
    ready_alone(app, tmp_path, plan, "12")
    submit(app, plan, "12")
    measure_work.accept(app.uow(), actor(app, REVIEWER_A), measure_id(app, plan, "12"))
    outcome = measure_work.return_for_rectification(
        app.uow(), actor(app, REVIEWER_B), measure_id(app, plan, "12"), comment="专家意见:缺少成效数据", today=TODAY
    )
    assert (outcome.from_state, outcome.to_state) == (S.SELF_CHECKED, S.IN_PROGRESS)
    due = TODAY + dt.timedelta(days=15)  # the plan's default rectification period
    assert [
        (r.level, r.level_name, r.verdict, r.comment, r.rectification_due)
        for r in reviews_of(app, plan, "12")
    ] == [
        (1, "初审", Verdict.PASS, "", None),
        (2, "专家评审", Verdict.RETURN, "专家意见:缺少成效数据", due),
    ]
    entry = last_audit(app)
    assert entry.comment == "专家意见:缺少成效数据"
    assert entry.detail == {
        "level": 2,
        "level_name": "专家评审",
        "rectification_due": due.isoformat(),
        "score": None,
    }
    assert snapshot(app, plan, "12")["rectification_due"] == due

    # The next round starts again at the first level.
    submit(app, plan, "12")
    outcome = measure_work.accept(app.uow(), actor(app, REVIEWER_B), measure_id(app, plan, "12"))
    assert outcome.action == "review_pass" and "初审通过(第 1/2 级)" in outcome.message


def test_a_return_needs_a_comment(app: App, plan: str, tmp_path: Path) -> None:
    ready_alone(app, tmp_path, plan, "10")
    submit(app, plan, "10")
    before = snapshot(app, plan, "10")
    assert_refused_and_audited(
        app,
        lambda: measure_work.return_for_rectification(
            app.uow(), actor(app, REVIEWER_A), measure_id(app, plan, "10"), comment="", today=TODAY
        ),
        "退回整改须填写整改意见",
        action="return_for_rectification",
        actor=REVIEWER_A,
    )
    assert snapshot(app, plan, "10") == before


def test_reopening_an_accepted_measure_needs_a_reason_and_the_office(
    app: App, plan: str, tmp_path: Path
) -> None:
    ready_alone(app, tmp_path, plan, "10")
    submit(app, plan, "10")
    measure_work.accept(app.uow(), actor(app, REVIEWER_A), measure_id(app, plan, "10"), score=85)
    before = snapshot(app, plan, "10")
    assert_refused_and_audited(
        app,
        lambda: measure_work.reopen(app.uow(), actor(app, MARKET), measure_id(app, plan, "10"), reason="自己想改"),
        "不是审核人",
        action="reopen",
        actor=MARKET,
    )
    assert_refused_and_audited(
        app,
        lambda: measure_work.reopen(app.uow(), actor(app, REVIEWER_B), measure_id(app, plan, "10"), reason="  "),
        "重新打开须说明原因",
        action="reopen",
        actor=REVIEWER_B,
    )
    assert snapshot(app, plan, "10") == before
    outcome = measure_work.reopen(app.uow(), actor(app, ADMIN), measure_id(app, plan, "10"), reason="抽查发现材料不实")
    assert (outcome.from_state, outcome.to_state) == (S.ACCEPTED, S.IN_PROGRESS)
    assert last_audit(app).comment == "抽查发现材料不实"


def test_a_reviewer_whose_unit_is_responsible_must_recuse(
    app: App, plan: str, tmp_path: Path
) -> None:
    ready_alone(app, tmp_path, plan, "10")
    submit(app, plan, "10")
    before = snapshot(app, plan, "10")
    assert_refused_and_audited(
        app,
        lambda: measure_work.accept(app.uow(), actor(app, MARKET_REVIEWER), measure_id(app, plan, "10"), score=100),
        "须回避,不能审核该措施",
        action="accept",
        actor=MARKET_REVIEWER,
    )
    assert snapshot(app, plan, "10") == before


def test_unit_work_by_the_wrong_people_is_refused_and_audited(app: App, plan: str) -> None:
    assert_refused_and_audited(
        app,
        lambda: measure_work.start(app.uow(), actor(app, COURT), measure_id(app, plan, "10")),
        "所在单位不是措施 003_ae6539458f46096d/10的责任单位",
        action="start",
        actor=COURT,
    )
    assert_refused_and_audited(
        app,
        lambda: measure_work.start(app.uow(), actor(app, REVIEWER_A), measure_id(app, plan, "10")),
        "是办公室人员",
        action="start",
        actor=REVIEWER_A,
    )
    assert_refused_and_audited(
        app,
        lambda: measure_work.start(app.uow(), actor(app, MARKET), measure_id(app, plan, "S1")),
        "未写明责任单位",
        action="start",
        actor=MARKET,
    )
    assert state_of(app, plan, "10") is S.PLANNED and state_of(app, plan, "S1") is S.PLANNED


# ------------------------------------------------------------------------------ unit groups


def test_a_group_measure_waits_for_the_mapping_then_needs_every_members_part(
    app: App, plan: str, tmp_path: Path
) -> None:
    m1 = measure_id(app, plan, "1")  # 区知识产权联席会议各成员单位 only
    assert_refused_and_audited(
        app,
        lambda: measure_work.start(app.uow(), actor(app, MARKET), m1),
        "“区知识产权联席会议各成员单位”尚未指定成员单位",
        action="start",
        actor=MARKET,
        code="no_view",  # nobody is its unit yet: no unit may open it
    )
    with pytest.raises(Refused, match="不是管理员"):
        people.set_group_members(
            app.uow(), actor(app, REVIEWER_A), "区知识产权联席会议各成员单位", add=["区市场监管局"]
        )

    view = people.set_group_members(
        app.uow(), actor(app, ADMIN), "区知识产权联席会议各成员单位", add=["区市场监管局", "区法院"]
    )
    assert sorted(view.members) == ["区市场监管局", "区法院"]
    assert last_audit(app).detail == {"added": ["区市场监管局", "区法院"], "removed": []}

    measure_work.start(app.uow(), actor(app, COURT), m1)
    evidence(app, tmp_path, plan, "1", who=COURT)
    measure_work.set_part(app.uow(), actor(app, MARKET), m1)
    assert_refused_and_audited(
        app,
        lambda: submit(app, plan, "1"),
        "以下责任单位尚未标记完成其负责部分:区法院",
        action="submit_self_check",
        actor=MARKET,
    )
    measure_work.set_part(app.uow(), actor(app, COURT), m1)
    assert submit(app, plan, "1").to_state is S.SELF_CHECKED  # each member leads its own share


def test_an_unmapped_group_beside_named_units_blocks_the_self_check(
    app: App, plan: str, tmp_path: Path
) -> None:
    # Measure 4: 区市场监管局 leads, 公安嘉定分局/区法院/区检察院 co-operate, plus 其他成员单位.
    for name, unit in (("公安孙", "公安嘉定分局"), ("检察吴", "区检察院")):
        people.add_person(app.uow(), actor(app, ADMIN), name, role=Role.MEMBER, unit=unit)
    m4 = measure_id(app, plan, "4")
    measure_work.start(app.uow(), actor(app, MARKET), m4)
    evidence(app, tmp_path, plan, "4")
    for who in (MARKET, COURT, "公安孙", "检察吴"):
        measure_work.set_part(app.uow(), actor(app, who), m4)
    entry = assert_refused_and_audited(
        app,
        lambda: submit(app, plan, "4"),
        "“区知识产权联席会议其他成员单位”尚未指定成员单位",
        action="submit_self_check",
        actor=MARKET,
        code="groups_unmapped",
    )
    assert "尚未标记完成" not in entry.comment

    people.set_group_members(app.uow(), actor(app, ADMIN), "区知识产权联席会议其他成员单位", add=["区经委"])
    assert_refused_and_audited(
        app,
        lambda: submit(app, plan, "4"),
        "以下责任单位尚未标记完成其负责部分:区经委",
        action="submit_self_check",
        actor=MARKET,
    )
    with pytest.raises(Refused, match="只有牵头单位"):  # a mapped member is a co-unit here
        submit(app, plan, "4", who=ECONOMY)
    measure_work.set_part(app.uow(), actor(app, ECONOMY), m4)
    assert submit(app, plan, "4").to_state is S.SELF_CHECKED


# ------------------------------------------------------------------------ optimistic locking


def test_an_outdated_expected_version_is_a_conflict_and_changes_nothing(
    app: App, plan: str
) -> None:
    version = snapshot(app, plan, "10")["version"]
    measure_work.start(app.uow(), actor(app, MARKET), measure_id(app, plan, "10"), expected_version=version)
    after_start = snapshot(app, plan, "10")
    assert after_start["version"] == version + 1
    entries = len(audit_entries(app))

    # Somebody read version N, the measure moved on: their action must not apply.
    with pytest.raises(Conflict, match=rf"版本 {version} → {version + 1}"):
        measure_work.withdraw(app.uow(), actor(app, MARKET), measure_id(app, plan, "10"), expected_version=version)
    with pytest.raises(Conflict):
        measure_work.submit_self_check(
            app.uow(),
            actor(app, MARKET),
            measure_id(app, plan, "10"),
            statement="说明",
            today=TODAY,
            expected_version=version,
        )
    assert snapshot(app, plan, "10") == after_start
    assert len(audit_entries(app)) == entries


def test_two_sessions_holding_the_same_measure_cannot_both_apply_a_transition(
    app: App, plan: str
) -> None:
    mid = measure_id(app, plan, "10")
    with session_of(app) as first, session_of(app) as second:
        mine, theirs = first.get(Measure, mid), second.get(Measure, mid)
        assert mine is not None and theirs is not None
        assert mine.version_id == theirs.version_id == 1
        fire(mine, Action.START, Request())
        first.commit()
        # The second session still sees 未启动, so the machine lets it start again …
        fire(theirs, Action.START, Request())
        # … but the version column stops the stale write.
        with pytest.raises(StaleDataError):
            second.flush()
    row = snapshot(app, plan, "10")
    assert (row["state"], row["version"]) == (S.IN_PROGRESS, 2)


def test_a_change_committed_between_read_and_write_makes_the_action_a_conflict(
    app: App, plan: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(app, plan, "10")
    entries = len(audit_entries(app))

    def changed_meanwhile(measure: Measure, expected: int | None) -> None:
        # Another writer moves the row on after this transaction read it (same connection, so
        # neither backend's lock gets in the way); the ORM still holds the old version.
        session = object_session(measure)
        assert session is not None
        session.execute(
            update(Measure.__table__)
            .where(Measure.__table__.c.id == measure.id)
            .values(state="in_progress", version_id=measure.version_id + 1)
        )

    monkeypatch.setattr(measure_work, "check_version", changed_meanwhile)
    with pytest.raises(Conflict, match="该措施刚被他人修改,本次操作未生效"):
        measure_work.start(app.uow(), actor(app, MARKET), measure_id(app, plan, "10"))
    assert snapshot(app, plan, "10") == before
    assert len(audit_entries(app)) == entries


def test_two_concurrent_starts_are_serialised_and_apply_once(
    app: App, plan: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first_inside, let_go = threading.Event(), threading.Event()
    real_authorize = measure_work.authorize
    calls: list[str] = []

    def authorize_slowly(*args: Any, **kwargs: Any) -> None:
        calls.append(threading.current_thread().name)
        if len(calls) == 1:  # the first transaction holds the chain lock and waits here
            first_inside.set()
            let_go.wait(20)
        real_authorize(*args, **kwargs)

    monkeypatch.setattr(measure_work, "authorize", authorize_slowly)
    results: dict[str, object] = {}

    def start(name: str) -> None:
        try:
            results[name] = measure_work.start(app.uow(), actor(app, MARKET), measure_id(app, plan, "10"))
        except Exception as exc:  # collected for the assertions below
            results[name] = exc

    one = threading.Thread(target=start, args=("one",), name="one")
    two = threading.Thread(target=start, args=("two",), name="two")
    one.start()
    assert first_inside.wait(20)
    two.start()
    time.sleep(0.5)
    assert two.is_alive() and calls == ["one"]  # waiting for the chain lock, not past it
    let_go.set()
    one.join(30)
    two.join(30)
    assert not one.is_alive() and not two.is_alive()

    assert isinstance(results["one"], measure_work.Outcome)
    refusal = results["two"]
    assert isinstance(refusal, Refused)
    assert "当前为“推进中”,不能启动" in str(refusal)
    row = snapshot(app, plan, "10")
    assert (row["state"], row["version"]) == (S.IN_PROGRESS, 2)
    starts = [(e.action, e.refused) for e in audit_entries(app) if e.target == f"{plan}/10"]
    assert starts == [("start", False), ("start", True)]
    assert verify_chain_ok(app)


# ------------------------------------------------------------------------------ audit chain


def _edit(session: Any, seq: int) -> None:
    session.execute(update(AuditEntry).where(AuditEntry.seq == seq).values(comment="事后改写"))


def _delete(session: Any, seq: int) -> None:
    session.execute(delete(AuditEntry).where(AuditEntry.seq == seq))


def _swap(session: Any, seq: int) -> None:
    table = AuditEntry.__table__
    session.execute(text(f"UPDATE {table.name} SET seq = -1 WHERE seq = {seq}"))
    session.execute(text(f"UPDATE {table.name} SET seq = {seq} WHERE seq = {seq + 1}"))
    session.execute(text(f"UPDATE {table.name} SET seq = {seq + 1} WHERE seq = -1"))


TAMPERING = {
    "edited": (lambda s, last: _edit(s, 3), ["第 3 条记录内容被修改(哈希不符)"]),
    "deleted": (
        lambda s, last: _delete(s, 3),
        ["第 3 条记录缺失(被删除)", "第 4 条记录与前一条的链接不符(记录被删除、插入或调换顺序)"],
    ),
    "swapped": (
        lambda s, last: _swap(s, 3),
        [
            "第 3 条记录与前一条的链接不符(记录被删除、插入或调换顺序)",
            "第 3 条记录内容被修改(哈希不符)",
            "第 4 条记录与前一条的链接不符(记录被删除、插入或调换顺序)",
            "第 4 条记录内容被修改(哈希不符)",
            "第 5 条记录与前一条的链接不符(记录被删除、插入或调换顺序)",
        ],
    ),
    "truncated": (
        lambda s, last: _delete(s, last),
        ["审计链末尾不符:链头记录为第 LAST 条,实际最后一条为第 PREV 条(末尾记录被删除或修改)"],
    ),
}


@pytest.mark.parametrize("how", list(TAMPERING))
def test_audit_verify_passes_a_clean_chain_and_catches_tampering(
    app: App, plan: str, how: str
) -> None:
    measure_work.start(app.uow(), actor(app, MARKET), measure_id(app, plan, "10"))
    with pytest.raises(Refused):
        measure_work.start(app.uow(), actor(app, MARKET), measure_id(app, plan, "10"))
    with session_of(app) as session:
        clean = verify_chain(session)
    last = len(audit_entries(app))
    # The import, the admin and the people, one start and one refusal.
    assert clean.ok and clean.entries == last == 1 + 1 + len(JIADING_PEOPLE) + 2

    tamper, expected = TAMPERING[how]
    with session_of(app) as session:
        tamper(session, last)
        session.commit()
    with session_of(app) as session:
        report = verify_chain(session)
    assert not report.ok
    assert report.problems == [
        p.replace("LAST", str(last)).replace("PREV", str(last - 1)) for p in expected
    ]


def test_every_audit_entry_links_to_the_one_before(app: App, plan: str) -> None:
    entries = audit_entries(app)
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))
    with session_of(app) as session:
        head = session.get(AuditHead, 1)
        assert head is not None and (head.seq, head.hash) == (entries[-1].seq, entries[-1].hash)


def test_review_levels_cut_back_mid_review_let_the_next_pass_accept(
    app: App, plan: str, tmp_path: Path
) -> None:
    people.set_review_levels(app.uow(), actor(app, ADMIN), plan_id(app, plan), ["初审", "专家评审"])
    ready_alone(app, tmp_path, plan, "10")
    ready_alone(app, tmp_path, plan, "12")
    submit(app, plan, "10")
    submit(app, plan, "12")
    measure_work.accept(app.uow(), actor(app, REVIEWER_A), measure_id(app, plan, "10"))
    measure_work.accept(app.uow(), actor(app, REVIEWER_A), measure_id(app, plan, "12"))
    # The office drops the expert review while both measures wait for it.
    people.set_review_levels(app.uow(), actor(app, ADMIN), plan_id(app, plan), ["初审"])

    outcome = measure_work.accept(app.uow(), actor(app, REVIEWER_B), measure_id(app, plan, "10"), score=88)
    assert (outcome.from_state, outcome.to_state) == (S.SELF_CHECKED, S.ACCEPTED)
    assert [(r.level, r.level_name) for r in reviews_of(app, plan, "10")] == [
        (1, "初审"),
        (2, "第 2 级审核"),
    ]

    outcome = measure_work.return_for_rectification(
        app.uow(), actor(app, REVIEWER_B), measure_id(app, plan, "12"), comment="补充", today=TODAY
    )
    assert outcome.to_state is S.IN_PROGRESS
    assert [(r.level, r.level_name, r.verdict) for r in reviews_of(app, plan, "12")][-1] == (
        2,
        "第 2 级审核",
        Verdict.RETURN,
    )


def test_setting_up_refuses_a_second_first_admin_added_meanwhile(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_chain = people.AuditChain

    def someone_else_was_faster(session: Any) -> Any:
        # Between this call's "no admin yet" and its lock, another set-up commits an admin.
        with session_of(app) as other:
            other.add(Person(name="先到的管理员", role=Role.ADMIN, zone=Zone(name="默认辖区")))
            other.commit()
        return real_chain(session)

    monkeypatch.setattr(people, "AuditChain", someone_else_was_faster)
    with pytest.raises(Refused, match="辖区“默认辖区”已有管理员"):
        people.add_person(app.uow(), None, ADMIN, role=Role.ADMIN, unit=None)
    with session_of(app) as session:
        assert session.scalars(select(Person.name)).all() == ["先到的管理员"]
    assert audit_entries(app) == []
