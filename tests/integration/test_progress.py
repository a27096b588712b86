"""Status, the overdue (督办) list and indicators on both backends, with an injected `today`.

Seed 000 (Wuhan) has the deadlines: measure 3 (区市场监管局 leads, 区司法局 co-operates) is due
2025年12月底前完成, measure 7 (区知识产权工作领导小组办公室) 每年4月底前完成; the plan was issued
2024-01-31 and its period ends with its latest fixed due date, 2025-12-31. Seed 002 (Xuchang)
has the numeric targets, seed 003 (Jiading) the review work.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from workflow.bootstrap import App
from workflow.domain.states import Role
from workflow.errors import InputError, Refused
from workflow.models import Evidence, Indicator, IndicatorReport
from workflow.read import overdue, progress
from workflow.services import measure_work, people
from workflow.services.evidence import NewEvidence, add_evidence
from workflow.services.indicators import report_value
from workflow.services.plan_import import import_documents

from .workflow_helpers import (
    ADMIN,
    JIADING_PEOPLE,
    MARKET,
    REVIEWER_A,
    REVIEWER_B,
    actor,
    add_people,
    count,
    import_seed,
    last_audit,
    measure_id,
    pdf_bytes,
    plan_id,
    seed_path,
    session_of,
    write_file,
)

OFFICE_MEMBER = "领导小组办公室钱"  # 区知识产权工作领导小组办公室 (Wuhan measure 7)
WUHAN_MARKET = "武汉监管局孙"  # 区市场监管局 (Wuhan measure 3)
XUCHANG_MARKET = "许昌监管局李"  # 市市场监督管理局 (lead of Xuchang measure 4)



@pytest.fixture
def wuhan(app: App, seeds_dir: Path) -> str:
    key = import_seed(app, seeds_dir, "000")
    add_people(
        app,
        [
            (OFFICE_MEMBER, Role.MEMBER, "区知识产权工作领导小组办公室"),
            (WUHAN_MARKET, Role.MEMBER, "区市场监管局"),
        ],
    )
    return key


def overdue_refs(listing: dict[str, Any], unit: str, kind: str = "overdue") -> dict[str, Any]:
    entry = next((u for u in listing["units"] if u["unit"] == unit), None)
    return {e["ref"]: e for e in entry[kind]} if entry else {}


def pdf(tmp_path: Path, name: str) -> Path:
    return write_file(tmp_path / "uploads", name, pdf_bytes(name.encode().hex()))


# -------------------------------------------------------------------------------- overdue


def test_a_fixed_deadline_is_overdue_after_its_day_and_due_soon_before(
    app: App, wuhan: str
) -> None:
    late = overdue.overdue_list(app.uow(), None, plan_id(app, wuhan), today=dt.date(2026, 1, 15)).as_dict()
    market = overdue_refs(late, "区市场监管局")
    assert market["3"]["reasons"] == [
        {
            "kind": "deadline",
            "due": "2025-12-31",
            "days_late": 15,
            "year": None,
            "text": "2025-12-31 到期,已逾期 15 天",
        }
    ]
    assert market["3"]["role"] == "lead" and market["3"]["deadline"] == "2025年12月底前完成"
    assert overdue_refs(late, "区司法局")["3"]["role"] == "co"
    assert "2" not in market  # 持续推进: never late

    early = overdue.overdue_list(app.uow(), None, plan_id(app, wuhan), today=dt.date(2025, 12, 1)).as_dict()
    assert "3" not in overdue_refs(early, "区市场监管局")
    assert overdue_refs(early, "区市场监管局", "due_soon")["3"]["due"] == "2025-12-31"
    on_the_day = overdue.overdue_list(app.uow(), None, plan_id(app, wuhan), today=dt.date(2025, 12, 31)).as_dict()
    assert "3" not in overdue_refs(on_the_day, "区市场监管局")


def test_a_self_checked_fixed_deadline_measure_is_no_longer_overdue(
    app: App, wuhan: str, tmp_path: Path
) -> None:
    m3 = measure_id(app, wuhan, "3")
    measure_work.start(app.uow(), actor(app, WUHAN_MARKET), m3)
    add_evidence(
        app.uow(), app.store, actor(app, WUHAN_MARKET), m3, item=1,
        new=NewEvidence(files=[pdf(tmp_path, "办法.pdf")], doc_date=dt.date(2025, 11, 1)),
    )  # fmt: skip
    assert "3" in overdue_refs(
        overdue.overdue_list(app.uow(), None, plan_id(app, wuhan), today=dt.date(2026, 1, 15)).as_dict(), "区市场监管局"
    )
    people.add_person(app.uow(), actor(app, ADMIN), "司法局周", role=Role.MEMBER, unit="区司法局")
    measure_work.set_part(app.uow(), actor(app, WUHAN_MARKET), m3)
    measure_work.set_part(app.uow(), actor(app, "司法局周"), m3)
    measure_work.submit_self_check(
        app.uow(), actor(app, WUHAN_MARKET), m3, statement="已完成", today=dt.date(2026, 1, 15)
    )
    listing = overdue.overdue_list(app.uow(), None, plan_id(app, wuhan), today=dt.date(2026, 1, 15)).as_dict()
    assert "3" not in overdue_refs(listing, "区市场监管局")


def test_an_annual_measure_lists_each_year_without_evidence(
    app: App, wuhan: str, tmp_path: Path
) -> None:
    today = dt.date(2026, 1, 15)
    unit = "区知识产权工作领导小组办公室"
    reasons = overdue_refs(overdue.overdue_list(app.uow(), None, plan_id(app, wuhan), today=today).as_dict(), unit)["7"][
        "reasons"
    ]
    assert [(r["kind"], r["year"], r["due"]) for r in reasons] == [
        ("annual", 2024, "2024-04-30"),
        ("annual", 2025, "2025-04-30"),
    ]
    assert reasons[1]["text"] == "2025年度(每年4月底前)未提交佐证材料,已逾期 260 天"

    m7 = measure_id(app, wuhan, "7")
    measure_work.start(app.uow(), actor(app, OFFICE_MEMBER), m7)
    add_evidence(
        app.uow(), app.store, actor(app, OFFICE_MEMBER), m7, item=1,
        new=NewEvidence(files=[pdf(tmp_path, "2024白皮书.pdf")], doc_date=dt.date(2024, 4, 20)),
        today=today,
    )  # fmt: skip
    reasons = overdue_refs(overdue.overdue_list(app.uow(), None, plan_id(app, wuhan), today=today).as_dict(), unit)["7"][
        "reasons"
    ]
    assert [r["year"] for r in reasons] == [2025]

    # The self-check needs that year too.
    measure_work.set_part(app.uow(), actor(app, OFFICE_MEMBER), m7)
    with pytest.raises(Refused, match="每年须有当年的佐证材料,缺少 2025年度 的材料"):
        measure_work.submit_self_check(
            app.uow(), actor(app, OFFICE_MEMBER), m7, statement="已宣传", today=today
        )
    add_evidence(
        app.uow(), app.store, actor(app, OFFICE_MEMBER), m7, item=1,
        new=NewEvidence(files=[pdf(tmp_path, "2025白皮书.pdf")], doc_date=dt.date(2025, 4, 25)),
        today=today,
    )  # fmt: skip
    assert "7" not in overdue_refs(overdue.overdue_list(app.uow(), None, plan_id(app, wuhan), today=today).as_dict(), unit)
    measure_work.submit_self_check(app.uow(), actor(app, OFFICE_MEMBER), m7, statement="已宣传", today=today)


@pytest.fixture
def jiading(app: App, seeds_dir: Path) -> str:
    key = import_seed(app, seeds_dir, "003")
    add_people(app, JIADING_PEOPLE)
    return key


def ready(app: App, tmp_path: Path, plan: str, ref: str) -> None:
    """A Jiading measure of 区市场监管局 alone, self-checked."""
    measure_work.start(app.uow(), actor(app, MARKET), measure_id(app, plan, ref))
    add_evidence(
        app.uow(),
        app.store,
        actor(app, MARKET),
        measure_id(app, plan, ref),
        item=1,
        new=NewEvidence(files=[pdf(tmp_path, f"{ref}.pdf")]),
    )
    measure_work.set_part(app.uow(), actor(app, MARKET), measure_id(app, plan, ref))
    measure_work.submit_self_check(
        app.uow(), actor(app, MARKET), measure_id(app, plan, ref), statement="已完成", today=dt.date(2024, 3, 1)
    )


def test_a_rectification_past_its_due_date_is_overdue(
    app: App, jiading: str, tmp_path: Path
) -> None:
    ready(app, tmp_path, jiading, "10")
    measure_work.return_for_rectification(
        app.uow(),
        actor(app, REVIEWER_A),
        measure_id(app, jiading, "10"),
        comment="补充材料",
        due=dt.date(2024, 3, 15),
        today=dt.date(2024, 3, 1),
    )
    on_the_day = overdue.overdue_list(app.uow(), None, plan_id(app, jiading), today=dt.date(2024, 3, 15)).as_dict()
    assert overdue_refs(on_the_day, "区市场监管局") == {}
    late = overdue.overdue_list(app.uow(), None, plan_id(app, jiading), today=dt.date(2024, 3, 20)).as_dict()
    entry = overdue_refs(late, "区市场监管局")["10"]
    assert entry["state_label"] == "整改中"
    assert entry["reasons"] == [
        {
            "kind": "rectification",
            "due": "2024-03-15",
            "days_late": 5,
            "year": None,
            "text": "整改期限 2024-03-15 已过 5 天",
        }
    ]
    assert late["overdue_measures"] == 1
    # Resubmitted: no longer the unit's lateness.
    measure_work.submit_self_check(
        app.uow(), actor(app, MARKET), measure_id(app, jiading, "10"), statement="已补充", today=dt.date(2024, 3, 20)
    )
    assert (
        overdue.overdue_list(app.uow(), None, plan_id(app, jiading), today=dt.date(2024, 3, 20)).as_dict()["overdue_measures"]
        == 0
    )


# --------------------------------------------------------------------------------- status


def test_status_counts_by_state_section_and_unit_with_acceptance_rate_and_average_score(
    app: App, jiading: str, tmp_path: Path
) -> None:
    ready(app, tmp_path, jiading, "10")
    measure_work.accept(app.uow(), actor(app, REVIEWER_A), measure_id(app, jiading, "10"), score=90)
    ready(app, tmp_path, jiading, "12")
    measure_work.accept(app.uow(), actor(app, REVIEWER_B), measure_id(app, jiading, "12"), score=81)
    ready(app, tmp_path, jiading, "17")
    measure_work.return_for_rectification(
        app.uow(),
        actor(app, REVIEWER_A),
        measure_id(app, jiading, "17"),
        comment="补充",
        score=40,
        today=dt.date(2024, 3, 1),
    )
    ready(app, tmp_path, jiading, "19")
    measure_work.start(app.uow(), actor(app, MARKET), measure_id(app, jiading, "3"))

    status = progress.plan_status(app.uow(), None, plan_id(app, jiading), today=dt.date(2024, 3, 1)).as_dict()
    assert status["total"] == 26  # 22 tasks and 4 safeguards
    assert status["by_state"] == {
        "planned": 21,
        "in_progress": 2,
        "self_checked": 1,
        "accepted": 2,
        "rectifying": 1,
    }
    assert status["acceptance_rate"] == round(2 / 26, 4)
    assert (
        status["average_score"] == 85.5
    )  # passes only: the return's 40 is not an acceptance score
    assert status["review_levels"] == ["领导小组办公室审核"]

    market = next(u for u in status["by_unit"] if u["unit"] == "区市场监管局")
    assert market["total"] == 15
    assert market["by_state"] == {
        "planned": 10,
        "in_progress": 2,
        "self_checked": 1,
        "accepted": 2,
        "rectifying": 1,
    }
    assert market["returned"] == ["17"]
    economy = next(u for u in status["by_unit"] if u["unit"] == "区经委")
    assert (economy["total"], economy["by_state"]["in_progress"]) == (1, 1)  # measure 3, co-unit
    unassigned = next(u for u in status["by_unit"] if u["unit"] == "(未写明责任单位)")
    assert unassigned["total"] == 4
    group = next(u for u in status["by_unit"] if u["unit"] == "区知识产权联席会议各成员单位")
    assert group["total"] == 4  # unmapped, so listed under its own name
    assert status["by_unit"][0]["unit"] == "区市场监管局"  # busiest unit first

    assert sum(s["total"] for s in status["by_section"]) == 26
    assert sum(s["by_state"]["accepted"] for s in status["by_section"]) == 2
    assert len(status["by_section"]) >= 2


# ----------------------------------------------------------------------------- indicators


@pytest.fixture
def xuchang(app: App, seeds_dir: Path) -> str:
    key = import_seed(app, seeds_dir, "002")
    add_people(app, [(XUCHANG_MARKET, Role.MEMBER, "市市场监督管理局")])
    return key


def indicators_of(app: App, plan: str) -> dict[str, dict[str, Any]]:
    return {i["metric"]: i for i in progress.plan_status(app.uow(), None, plan_id(app, plan)).as_dict()["indicators"]}


def report(
    app: App,
    plan: str,
    number: int,
    value: str,
    *,
    link: str = "https://example.gov.cn/tj/2024.html",
    **kw: Any,
) -> Any:
    evidence = NewEvidence(links=[link] if link else [], **kw)
    return report_value(
        app.uow(), app.store, actor(app, XUCHANG_MARKET), plan_id(app, plan), number, value, evidence=evidence
    )


def test_a_reported_indicator_value_is_met_or_not_by_its_comparator(
    app: App, xuchang: str, tmp_path: Path
) -> None:
    # 1: 有效发明专利拥有量达到3600件 (a level to reach)
    assert report(app, xuchang, 1, "3500")["met"] is False
    assert indicators_of(app, xuchang)["有效发明专利拥有量"]["met"] is False
    assert report(app, xuchang, 1, "3,600")["met"] is True
    assert report(app, xuchang, 1, "3700")["met"] is True
    shown = indicators_of(app, xuchang)["有效发明专利拥有量"]
    assert (shown["target"], shown["reported"], shown["met"], shown["unit"]) == (
        3600,
        3700,
        True,
        "件",
    )

    # 8: 国家、省扶持资金300万元以上 (>=), reported in 万
    assert report(app, xuchang, 8, "300万")["met"] is True
    assert report(app, xuchang, 8, "299.9万")["met"] is False
    # 9: 新增各级知识产权强企3-5家 (range), part of measure 4, led by 市市场监督管理局
    assert report(app, xuchang, 9, "6")["met"] is True  # beyond the range still meets it
    assert report(app, xuchang, 9, "4")["met"] is True
    assert report(app, xuchang, 9, "2")["met"] is False

    entry = last_audit(app)
    assert (entry.action, entry.target, entry.detail["value"], entry.detail["met"]) == (
        "indicator_report",
        f"{xuchang}#指标9",
        "2",
        False,
    )
    assert count(app, IndicatorReport) == 8
    # Each report carries its evidence.
    with session_of(app) as session:
        linked = session.scalars(
            select(Evidence.url).where(Evidence.indicator_report_id.is_not(None))
        ).all()
    assert linked == ["https://example.gov.cn/tj/2024.html"] * 8


def test_an_indicator_value_needs_evidence(app: App, xuchang: str, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="填报指标须附佐证材料"):
        report(app, xuchang, 1, "3700", link="")
    with pytest.raises(InputError, match="不是数字"):
        report(app, xuchang, 1, "三千")
    assert count(app, IndicatorReport) == 0 and count(app, Evidence) == 0
    # A file works as well as a link.
    result = report_value(
        app.uow(), app.store, actor(app, XUCHANG_MARKET), plan_id(app, xuchang), 2, "21",
        evidence=NewEvidence(files=[pdf(tmp_path, "统计公报.pdf")]),
    )  # fmt: skip
    assert result["met"] is True
    with session_of(app) as session:
        [row] = session.scalars(select(Evidence)).all()
    assert row.indicator_report_id is not None and row.media_type == "pdf"


def test_a_unit_not_responsible_for_an_indicators_measure_cannot_report_it(
    app: App, xuchang: str
) -> None:
    people.add_person(app.uow(), actor(app, ADMIN), "法院员", role=Role.MEMBER, unit="市中级人民法院")
    with pytest.raises(Refused, match="不是措施 002_6c8dfd04ca7988e4/4的责任单位"):
        report_value(
            app.uow(), app.store, actor(app, "法院员"), plan_id(app, xuchang), 9, "4",
            evidence=NewEvidence(links=["https://example.gov.cn/a"]),
        )  # fmt: skip
    assert count(app, IndicatorReport) == 0
    assert last_audit(app).refused


def test_a_revised_import_keeps_the_reported_values(
    app: App, xuchang: str, seeds_dir: Path, tmp_path: Path
) -> None:
    report(app, xuchang, 1, "3700")
    report(app, xuchang, 9, "4")
    with session_of(app) as session:
        before = {i.metric: i.id for i in session.scalars(select(Indicator))}

    original = seed_path(seeds_dir, "002")
    revised = tmp_path / original.name
    text = original.read_text(encoding="utf-8")
    assert "有效发明专利拥有量达到3600件" in text
    revised.write_text(
        text.replace("有效发明专利拥有量达到3600件", "有效发明专利拥有量达到3800件", 1),
        encoding="utf-8",
    )
    [result] = import_documents(app.uow, [revised], catalog_dir=app.settings.catalog_dir)
    assert result.status == "updated"

    with session_of(app) as session:
        indicators = {i.metric: i for i in session.scalars(select(Indicator))}
        reports = {(r.indicator_id, str(r.value)) for r in session.scalars(select(IndicatorReport))}
    patents = indicators["有效发明专利拥有量"]
    assert patents.id == before["有效发明专利拥有量"] and patents.value == 3800
    assert reports == {(patents.id, "3700"), (before["各级知识产权强企"], "4")}
    shown = indicators_of(app, xuchang)["有效发明专利拥有量"]
    assert (shown["target"], shown["reported"], shown["met"]) == (3800, 3700, False)
