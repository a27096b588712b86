"""The formal review (形式审查) of Jiading's plan on SQLite and PostgreSQL: every unit's gaps
from the plan's example index system, one notice each with a deadline in working days across
2026's National Day, supplies on time and late, closing it (self-scores refused after), and
refusals that leave nothing written. The notices' PDFs are read back with pdftotext."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from reports.formal_notices import issue_formal_notices
from reports.render import Renderer
from workflow.bootstrap import App
from workflow.domain.formal_review import GapKind
from workflow.errors import InputError, Refused
from workflow.models import FormalNotice, FormalReview, FormalSupply, IndexSystemRow, IssuedReport
from workflow.read.formal_review import formal_status
from workflow.services import measure_work
from workflow.services.evidence import NewEvidence, add_evidence
from workflow.services.formal_review import close_formal_review, open_formal_review, recheck_gaps
from workflow.services.index_systems import example_index_yaml, load_index, set_self_score

from .test_index_scores import jiading  # noqa: F401 (the fixture: Jiading's plan and people)
from .workflow_helpers import (
    ADMIN,
    COURT,
    JIADING,
    MARKET,
    REVIEWER_A,
    actor,
    audit_entries,
    count,
    measure_id,
    pdf_bytes,
    session_of,
    write_file,
)

D = dt.date
# Issued the Thursday before the 2026 holidays. chinesecalendar's data for 2026: Friday 9.25
# (中秋节) and 10.1-10.7 (国庆节) off, Sunday 9.20 and Saturday 10.10 worked in lieu. Five
# working days after 9.24: 9.28, 9.29, 9.30, 10.8, 10.9.
ISSUED = D(2026, 9, 24)
DEADLINE = D(2026, 10, 9)
IN_PERIOD = D(2024, 1, 15)


@pytest.fixture
def indexed(app: App, jiading: int) -> int:  # noqa: F811 (jiading: the fixture imported above)
    """Jiading's plan and people, with the plan's example index system loaded."""
    text = example_index_yaml(app.uow(), actor(app, ADMIN), jiading)
    load_index(app.uow(), actor(app, ADMIN), jiading, "指标体系.yaml", text.encode("utf-8"))
    return jiading


def supply(app: App, tmp_path: Path, ref: str, today: dt.date, name: str = "台账.pdf", who: str = MARKET) -> None:
    add_evidence(
        app.uow(),
        app.store,
        actor(app, who),
        measure_id(app, JIADING, ref),
        item=1,
        new=NewEvidence(files=[write_file(tmp_path, name, pdf_bytes(name))], doc_date=IN_PERIOD),
        today=today,
    )


def open_review(app: App, plan: int, today: dt.date = ISSUED, who: str = REVIEWER_A) -> None:
    open_formal_review(app.uow(), app.store, actor(app, who), plan, days=5, today=today)


def notices(app: App) -> dict[str, list[dict[str, str]]]:
    with session_of(app) as session:
        return {n.unit_name: n.gaps for n in session.scalars(select(FormalNotice).order_by(FormalNotice.position))}


def test_opening_lists_every_units_gaps_once_with_a_deadline_across_national_day(
    app: App, indexed: int, tmp_path: Path
) -> None:
    plan = indexed
    measure_work.start(app.uow(), actor(app, MARKET), measure_id(app, JIADING, "3"))
    supply(app, tmp_path, "3", D(2026, 9, 1))  # before the review: evidence, not a supply
    opened = open_formal_review(app.uow(), app.store, actor(app, REVIEWER_A), plan, days=5, today=ISSUED)
    assert opened.deadline == DEADLINE and opened.basis == "index"
    told = notices(app)
    # Lead units, a group nobody mapped, and the office for the safeguards without units.
    assert {"区市场监管局", "区法院", "区检察院", "区知识产权联席会议各成员单位", "领导小组办公室"} <= set(told)
    market = told["区市场监管局"]
    subjects = [g["subject"] for g in market if g["kind"] == GapKind.MISSING]
    # measure 3 (指标 1.3) has its PDF; measure 4 (指标 1.4) has nothing yet
    assert not any(s.startswith("指标 1.3 ") for s in subjects) and any(s.startswith("指标 1.4 ") for s in subjects)
    assert any("措施 4 " in g["subject"] and g["message"] == "缺少自查情况说明" for g in market)
    assert [g["kind"] for g in told["区法院"]] == ["missing", "no_statement"]  # measure 13
    with session_of(app) as session:
        review = session.scalar(select(FormalReview))
        assert review is not None and review.deadline == DEADLINE and review.closed_at is None
    assert audit_entries(app)[-1].action == "formal_open"
    # The re-check: what is still missing, beside what was told.
    again = recheck_gaps(app.uow(), app.store, actor(app, REVIEWER_A), plan, unit="区法院")
    [court] = again.units
    assert len(court.issued) == 2 and court.open == court.issued and court.resolved == ()


def test_a_supply_before_the_deadline_is_on_time_and_one_after_it_is_late_and_kept(
    app: App, indexed: int, tmp_path: Path
) -> None:
    plan = indexed
    measure_work.start(app.uow(), actor(app, MARKET), measure_id(app, JIADING, "3"))
    measure_work.start(app.uow(), actor(app, COURT), measure_id(app, JIADING, "13"))
    open_review(app, plan)
    supply(app, tmp_path, "3", DEADLINE, "按期台账.pdf")  # on the deadline day: on time
    supply(app, tmp_path, "13", D(2026, 10, 10), "逾期台账.pdf", who=COURT)  # a make-up Saturday, after it
    status = formal_status(app.uow(), actor(app, REVIEWER_A), plan)
    assert status is not None
    assert [(s.label, s.unit, s.late) for s in status.supplies] == [
        ("按期台账.pdf", "区市场监管局", False),
        ("逾期台账.pdf", "区法院", True),
    ]
    court = next(n for n in status.notices if n.unit == "区法院")
    assert (court.supplies, court.late) == (1, 1)
    # Judged as it stands: the late file fills the court's slot like any other.
    again = recheck_gaps(app.uow(), app.store, actor(app, REVIEWER_A), plan, unit="区法院")
    assert [g.kind for g in again.units[0].open] == [GapKind.NO_STATEMENT]
    assert [g.kind for g in again.units[0].resolved] == [GapKind.MISSING]
    assert audit_entries(app)[-1].detail["supply"] == {"late": True}


def test_closing_makes_self_scores_final_and_marks_later_evidence_late(
    app: App, indexed: int, tmp_path: Path
) -> None:
    plan = indexed
    set_self_score(app.uow(), actor(app, ADMIN), plan, "1.1", Decimal(1), "已部署")
    measure_work.start(app.uow(), actor(app, MARKET), measure_id(app, JIADING, "3"))
    open_review(app, plan)
    close_formal_review(app.uow(), actor(app, REVIEWER_A), plan)
    with session_of(app) as session:
        index = session.scalar(select(IndexSystemRow))
        assert index is not None and index.self_scoring_closed_at is not None
    with pytest.raises(Refused, match="形式审查已于 .* 结束,自评分不能再修改") as refused:
        set_self_score(app.uow(), actor(app, ADMIN), plan, "1.1", Decimal(2), "再改")
    assert refused.value.code == "self_scoring_closed"
    supply(app, tmp_path, "3", D(2026, 9, 28))  # before the deadline, but after the close
    with session_of(app) as session:
        assert [s.late for s in session.scalars(select(FormalSupply))] == [True]
    with pytest.raises(Refused, match="已于 .* 结束") as again:
        close_formal_review(app.uow(), actor(app, REVIEWER_A), plan)
    assert again.value.code == "formal_closed"


@pytest.mark.parametrize(
    ("who", "today", "error", "said"),
    [
        (MARKET, ISSUED, Refused, "不是领导小组办公室人员"),  # a unit's member
        (REVIEWER_A, D(2099, 1, 5), InputError, "不在节假日数据覆盖的年份"),  # a year the calendar does not know
    ],
)
def test_a_refused_open_writes_nothing(
    app: App, indexed: int, who: str, today: dt.date, error: type[Exception], said: str
) -> None:
    plan = indexed
    before = len(audit_entries(app))
    with pytest.raises(error, match=said):
        open_review(app, plan, today, who)
    assert count(app, FormalReview) == 0 and count(app, FormalNotice) == 0
    entries = audit_entries(app)
    if error is Refused:  # the refusal alone is on record
        assert len(entries) == before + 1 and entries[-1].refused
    else:
        assert len(entries) == before


def test_a_window_from_the_eve_of_national_day_ends_on_the_make_up_saturday(app: App, indexed: int) -> None:
    plan = indexed
    opened = open_formal_review(app.uow(), app.store, actor(app, REVIEWER_A), plan, days=3, today=D(2026, 9, 30))
    assert opened.deadline == D(2026, 10, 10)  # 10.8, 10.9 and the Saturday worked in lieu


def test_a_second_open_is_refused_and_the_first_review_stays(app: App, indexed: int) -> None:
    plan = indexed
    open_review(app, plan)
    told = notices(app)
    with pytest.raises(Refused, match="正在进行") as refused:
        open_review(app, plan, D(2026, 11, 2))
    assert refused.value.code == "formal_exists"
    assert count(app, FormalReview) == 1 and notices(app) == told


def test_a_plan_without_an_index_is_judged_by_its_measures_checklists(app: App, jiading: int) -> None:  # noqa: F811
    plan = jiading
    opened = open_formal_review(app.uow(), app.store, actor(app, REVIEWER_A), plan, today=ISSUED)
    assert opened.basis == "measures"
    court = notices(app)["区法院"]
    assert [g["subject"].split(" ")[:2] for g in court] == [["措施", "13"], ["措施", "13"]]
    assert [g["kind"] for g in court] == ["missing", "no_statement"]


def _flat(text: str) -> str:
    """Text without its whitespace and page numbers (— 2 —), which break lines and pages."""
    return re.sub(r"—\d+—", "", re.sub(r"\s+", "", text))


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_each_notice_pdf_lists_every_gap_and_the_deadline_and_is_registered(
    app: App, indexed: int, tmp_path: Path
) -> None:
    plan = indexed
    open_review(app, plan)
    out = tmp_path / "告知书"
    out.mkdir()
    issued = issue_formal_notices(
        app.uow(), Renderer(), actor(app, REVIEWER_A), plan, out, number_prefix="嘉知保办〔2026〕"
    )
    told = notices(app)
    assert [n.unit for n in issued] == list(told)
    for notice in issued:
        text = subprocess.run(["pdftotext", "-layout", str(notice.path), "-"], check=True, capture_output=True, text=True).stdout
        flat = _flat(text)
        assert "一次性告知书" in flat and notice.number in flat and f"{notice.unit}:" in flat
        assert "2026年10月9日前" in flat and "2026年9月24日" in flat and "5个工作日内" in flat
        for n, gap in enumerate(told[notice.unit], start=1):
            assert _flat(f"{n}.") in flat
            assert _flat(gap["message"]) in flat, (notice.unit, gap)
    with session_of(app) as session:
        reports = list(session.scalars(select(IssuedReport).where(IssuedReport.kind == "formal_notice")))
        assert sorted(r.sha256 for r in reports) == sorted(n.sha256 for n in issued)
        assert all(n.report_id is not None for n in session.scalars(select(FormalNotice)))
    status = formal_status(app.uow(), actor(app, REVIEWER_A), plan)
    assert status is not None and all(n.file_name for n in status.notices)
