"""Reports show both dates once an extension (延期) is approved: the ledger's 原定期限 / 延期至 /
延期次数, the 督办通知 and 整改通知, and the 验收报告 in PDF (read back with pdftotext) and Word
(read back with python-docx). Seed 003 (Jiading); measures 10 and 12 get one-off dates."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from sqlalchemy import update

from checklists.kinds import DeadlineKind
from reports.data import stage_report
from reports.documents import ReportRequest, issue_report
from reports.ledger import write_ledger
from reports.render import Renderer
from workflow.bootstrap import App
from workflow.clock import office_today
from workflow.models import Measure
from workflow.read.plans import find_plan
from workflow.services import measure_work
from workflow.services.evidence import NewEvidence, add_evidence
from workflow.services.extensions import decide_extension, request_extension

from .test_ledger import read_sheet
from .workflow_helpers import (
    JIADING_PEOPLE,
    MARKET,
    REVIEWER_A,
    actor,
    add_people,
    import_seed,
    measure_id,
    pdf_bytes,
    plan_id,
    write_file,
)

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")

TODAY = dt.date(2024, 4, 1)  # 10 is due within 30 days, 12's rectification is running


def squash(text: str) -> str:
    return re.sub(r"[\s\u200b]+", "", text)


@pytest.fixture
def plan(app: App, seeds_dir: Path, tmp_path: Path) -> str:
    key = import_seed(app, seeds_dir, "003")
    add_people(app, JIADING_PEOPLE)
    with app.uow() as uow:
        uow.session.execute(
            update(Measure)
            .where(Measure.id.in_([measure_id(app, key, "10"), measure_id(app, key, "12")]))
            .values(deadline_kind=DeadlineKind.FIXED, due_on=dt.date(2024, 3, 31))
        )
        uow.commit()
    market, office = actor(app, MARKET), actor(app, REVIEWER_A)
    m10, m12 = measure_id(app, key, "10"), measure_id(app, key, "12")
    asked = request_extension(app.uow(), market, m10, to=dt.date(2024, 4, 20), reason="数据延后", today=dt.date(2024, 3, 1))
    decide_extension(app.uow(), office, asked.id, approve=True)
    # 12: self-checked, returned until 03-25, that date extended to 04-10.
    measure_work.start(app.uow(), market, m12)
    path = write_file(tmp_path / "up", "台账.pdf", pdf_bytes("台账"))
    add_evidence(app.uow(), app.store, market, m12, item=1, new=NewEvidence(files=[path]))
    measure_work.set_part(app.uow(), market, m12)
    measure_work.submit_self_check(app.uow(), market, m12, statement="已完成", today=dt.date(2024, 3, 1))
    measure_work.return_for_rectification(app.uow(), office, m12, comment="缺少台账", due=dt.date(2024, 3, 25), today=dt.date(2024, 3, 1))
    asked = request_extension(app.uow(), market, m12, to=dt.date(2024, 4, 10), reason="需补充数据", today=dt.date(2024, 3, 20))
    decide_extension(app.uow(), office, asked.id, approve=True)
    return key


def issue(app: App, plan: str, kind: str, out: Path) -> Path:
    request = ReportRequest(kind=kind, plan=plan, today=TODAY, format=out.suffix.lstrip("."))
    issue_report(app.uow(), Renderer(app.settings.home / "templates"), request, out)
    return out


def pdf_text(path: Path) -> str:
    done = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True)
    return squash(done.stdout)


def docx_text(path: Path) -> str:
    return squash("".join(t.text or "" for t in Document(str(path)).element.body.iter(qn("w:t"))))


def test_the_ledger_has_the_original_date_the_new_one_and_the_count(app: App, plan: str, tmp_path: Path) -> None:
    out = tmp_path / "台账.xlsx"
    write_ledger(app.uow(), None, plan_id(app, plan), out, today=TODAY, now=dt.datetime(2024, 4, 1, 2, tzinfo=dt.UTC))
    _, rows = read_sheet(out, "工作台账")
    by_ref = {r["编号"]: r for r in rows}
    assert (by_ref["10"]["原定期限"], by_ref["10"]["延期至"], by_ref["10"]["延期次数"]) == (
        dt.datetime(2024, 3, 31), dt.datetime(2024, 4, 20), 1
    )
    assert (by_ref["12"]["原定期限"], by_ref["12"]["延期至"], by_ref["12"]["整改期限"]) == (
        dt.datetime(2024, 3, 25), dt.datetime(2024, 4, 10), dt.datetime(2024, 4, 10)
    )
    assert (by_ref["3"]["原定期限"], by_ref["3"]["延期次数"]) == (None, 0)


def test_the_notices_show_the_original_date_beside_the_new_one(app: App, plan: str, tmp_path: Path) -> None:
    for suffix, read in ((".pdf", pdf_text), (".docx", docx_text)):
        reminders = read(issue(app, plan, "reminders", tmp_path / f"督办{suffix}"))
        assert "到期日2024-04-20" in reminders and "原定2024-03-31,延期1次" in reminders, suffix
        rectification = read(issue(app, plan, "rectification", tmp_path / f"整改{suffix}"))
        assert "2024-04-10(原定2024-03-25,延期1次)" in rectification, suffix


def test_the_acceptance_report_shows_both_dates_in_pdf_and_word(app: App, plan: str, tmp_path: Path) -> None:
    for suffix, read in ((".pdf", pdf_text), (".docx", docx_text)):
        text = read(issue(app, plan, "acceptance", tmp_path / f"验收{suffix}"))
        assert "截止2024-04-20(原定2024-03-31,延期1次)" in text, suffix
        assert "整改期限2024-04-10(原定2024-03-25,延期1次)" in text, suffix


def test_the_stage_report_judges_a_past_day_by_the_date_then_in_force(app: App, plan: str) -> None:
    # The fixture's decisions are recorded at the real time, so on 2024-04-05 none was approved
    # yet: measure 10 was late against its original date; today it is judged by the new one.
    with app.uow() as uow:
        jiading = find_plan(uow.session, plan, None)
        then = {r.ref: r.overdue for r in stage_report(uow.session, jiading, as_of=dt.date(2024, 4, 5)).late}
        now = {r.ref: r.overdue for r in stage_report(uow.session, jiading, as_of=office_today()).late}
    assert then["10"][0].startswith("2024-03-31 到期,已逾期 5 天")
    assert now["10"][0].startswith("2024-04-20 到期")
    assert any(text.startswith("整改期限 2024-04-10 已过") for text in now["12"])
