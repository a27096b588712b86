"""The review queue service: what waits for which level, and who must recuse."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import event

from tests.integration.workflow_helpers import (
    ADMIN,
    JIADING,
    MARKET,
    MARKET_REVIEWER,
    REVIEWER_A,
    REVIEWER_B,
    actor,
    ident,
    measure_id,
    plan_id,
)
from tests.web.test_office_support import drive_demo, ready, submit
from workflow.bootstrap import App
from workflow.domain.permissions import Actor
from workflow.read.review_queue import review_queue
from workflow.services import measure_work, people


def test_queue_lists_self_checked_measures_oldest_first_with_recusal(zc: App, tmp_path: Path) -> None:
    drive_demo(zc, tmp_path / "files")
    rows = review_queue(zc.uow(), actor(zc, MARKET_REVIEWER), dt.date(2030, 1, 1))
    assert [r.ref for r in rows] == ["16", "13"]  # 16 was submitted first
    by_ref = {r.ref: r for r in rows}
    assert by_ref["16"].recuse and "须回避" in (by_ref["16"].recuse_reason or "")
    assert not by_ref["13"].recuse and by_ref["13"].recuse_reason is None
    assert by_ref["16"].lead == ["区市场监管局"] and by_ref["13"].lead == ["区法院"]
    assert (by_ref["16"].round, by_ref["16"].level, by_ref["16"].levels) == (1, 1, 1)
    assert by_ref["16"].level_name == "领导小组办公室审核"
    assert by_ref["16"].ident == ident(JIADING, "16")
    assert by_ref["16"].waiting_days == (dt.date(2030, 1, 1) - by_ref["16"].submitted_at.date()).days
    # The office's own reviewers recuse on nothing.
    assert not any(r.recuse for r in review_queue(zc.uow(), actor(zc, REVIEWER_A)))


def test_queue_follows_review_levels_and_rounds(zc: App, tmp_path: Path) -> None:
    people.set_review_levels(zc.uow(), actor(zc, ADMIN), plan_id(zc, JIADING), ["初审", "专家评审"])
    ready(zc, tmp_path, "10")
    submit(zc, "10")
    measure_work.accept(zc.uow(), actor(zc, REVIEWER_A), measure_id(zc, JIADING, "10"))
    [row] = review_queue(zc.uow(), actor(zc, REVIEWER_A))
    assert (row.level, row.level_name, row.levels, row.passed_by_me) == (2, "专家评审", 2, True)
    [other] = review_queue(zc.uow(), actor(zc, REVIEWER_B))
    assert not other.passed_by_me
    measure_work.return_for_rectification(zc.uow(), actor(zc, REVIEWER_B), measure_id(zc, JIADING, "10"), comment="补充")
    assert review_queue(zc.uow(), actor(zc, REVIEWER_A)) == []
    submit(zc, "10")
    [again] = review_queue(zc.uow(), actor(zc, REVIEWER_A))
    assert (again.round, again.level, again.passed_by_me) == (2, 1, False)
    measure_work.withdraw(zc.uow(), actor(zc, MARKET), measure_id(zc, JIADING, "10"))
    assert review_queue(zc.uow(), actor(zc, REVIEWER_A)) == []


def test_queue_reads_in_a_fixed_number_of_queries(zc: App, tmp_path: Path) -> None:
    def queries(reviewer: Actor) -> int:
        seen: list[str] = []

        def count(*args: object) -> None:
            seen.append(str(args[2]))

        event.listen(zc.engine, "before_cursor_execute", count)
        try:
            review_queue(zc.uow(), reviewer)
        finally:
            event.remove(zc.engine, "before_cursor_execute", count)
        return len(seen)

    reviewer = actor(zc, REVIEWER_A)
    ready(zc, tmp_path, "20")
    submit(zc, "20")
    few = queries(reviewer)
    drive_demo(zc, tmp_path / "more")
    assert len(review_queue(zc.uow(), reviewer)) == 3
    assert queries(reviewer) == few
