"""The PDF reports read back as a person reads them: text (pdftotext), fonts (pdffonts), pages.

Every report is rendered from the five seed plans in their demo state (tests/support), on
SQLite and PostgreSQL. Text is compared with all whitespace removed, since table cells wrap
anywhere in a line.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from reports.data import zone_of
from reports.documents import ReportRequest, issue_report
from reports.render import Renderer, harfbuzz_subset_available
from workflow.clock import office_today
from workflow.errors import InputError, NotFound
from workflow.models import AuditEntry, IssuedReport
from workflow.read.plans import find_plan, load_measures
from workflow.read.progress import plan_progress

from .conftest import Demo

TODAY = dt.date(2026, 3, 1)  # after the demo's work: some deadlines have passed

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


def squash(text: str) -> str:
    return re.sub(r"[\s\u200b]+", "", text)


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True).stdout


def issue(demo: Demo, kind: str, prefix: str, out: Path, **kwargs: object) -> Path:
    request = ReportRequest(kind=kind, plan=demo.keys[prefix], today=kwargs.pop("today", TODAY), **kwargs)  # type: ignore[arg-type]
    issued = issue_report(demo.app.uow(), demo.renderer, request, out, html=out.suffix == ".html")
    assert issued.path == out and out.exists()
    return out


@pytest.fixture(scope="module")
def jiading_acceptance(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("acc") / "acceptance.pdf"
    issue(demo, "acceptance", "003", out, number="嘉知保办〔2026〕1号", opinion="同意通过验收。\n望持续推进。")
    return out, pdf_text(out)


def test_acceptance_report_names_every_measure_unit_state_and_evidence_hash(demo: Demo, jiading_acceptance: tuple[Path, str]) -> None:
    _, text = jiading_acceptance
    flat = squash(text)
    with demo.app.uow() as uow:
        plan = find_plan(uow.session, demo.keys["003"], None)
        measures = load_measures(uow.session, plan, with_work=True)
        rows = {r.ref: r for r in plan_progress(uow.session, plan, TODAY).rows}
        assert len(measures) == 26
        for m in measures:
            assert squash(m.title) in flat, m.title
            for unit in rows[m.ref].units:
                assert squash(unit) in flat, unit
            assert rows[m.ref].state_label in flat
            for e in m.evidence:
                if e.current and e.sha256:
                    assert e.sha256[:16] in flat, (m.ref, e.file_name)
                    assert squash(e.file_name) in flat, e.file_name
        for indicator in plan.indicators:
            for report in indicator.reports:
                assert f"{report.value.normalize():f}" in flat
    for fact in ("嘉府发〔2023〕18号", "上海市嘉定区人民政府", "嘉知保办〔2026〕1号", "同意通过验收。", "审核人(签字)", "目录"):
        assert squash(fact) in flat, fact
    # The states the demo left: 16 accepted, one returned and still rectifying.
    assert "已验收16项" in flat and "整改中1项" in flat


def test_acceptance_report_is_a4_with_page_numbers_and_embedded_cjk_subsets(jiading_acceptance: tuple[Path, str]) -> None:
    path, text = jiading_acceptance
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
    assert pages > 10
    # GB/T 9704 page numbers: "— 2 —" (the cover carries none).
    assert "—2—" in squash(text) and f"—{pages}—" in squash(text) and "—1—" not in squash(text)
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line or "UKai" in line]
    assert cjk, fonts
    for line in cjk:
        name, *_rest = line.split()
        assert re.match(r"[A-Z]{6}\+", name), f"not a subset: {line}"
        assert " yes yes yes " in f" {' '.join(line.split()[-5:-2])} ", f"not embedded: {line}"


def test_issued_pdf_is_registered_and_audited(demo: Demo, jiading_acceptance: tuple[Path, str]) -> None:
    import hashlib

    path, _ = jiading_acceptance
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with demo.app.uow() as uow:
        row = uow.session.scalar(select(IssuedReport).where(IssuedReport.sha256 == digest))
        assert row is not None and row.kind == "acceptance" and row.pages > 10 and row.file_name == path.name
        issued = [e for e in uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "report_issue")) if e.detail["sha256"] == digest]
        assert len(issued) == 1, "the issued PDF has exactly one audit entry"
        assert issued[0].detail["kind"] == "acceptance" and issued[0].target == demo.keys["003"]
        assert issued[0].detail["pages"] == row.pages and path.name in issued[0].comment


def test_html_is_written_without_registering(demo: Demo, tmp_path: Path) -> None:
    with demo.app.uow() as uow:
        before = len(list(uow.session.scalars(select(IssuedReport))))
    out = issue(demo, "selfcheck", "003", tmp_path / "selfcheck.html", unit="区法院")
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "区法院" in html and "自查报告" in html
    # A self-check report is limited to self-check data: no verdicts, no sign-off.
    assert "审核意见" not in html and "审核人(签字)" not in html
    with demo.app.uow() as uow:
        assert len(list(uow.session.scalars(select(IssuedReport)))) == before


def test_selfcheck_for_one_unit_lists_only_its_measures(demo: Demo, tmp_path: Path) -> None:
    out = issue(demo, "selfcheck", "003", tmp_path / "court.pdf", unit="区法院")
    flat = squash(pdf_text(out))
    with demo.app.uow() as uow:
        plan = find_plan(uow.session, demo.keys["003"], None)
        rows = plan_progress(uow.session, plan, TODAY).rows
    mine = [r for r in rows if "区法院" in r.units]
    others = [r for r in rows if "区法院" not in r.units]
    assert mine and others
    for r in mine:
        assert squash(r.title) in flat
    for r in others:
        assert squash(r.title) not in flat, r.title


def test_stage_report_starts_where_the_previous_one_ended(demo: Demo, tmp_path: Path) -> None:
    today = office_today()  # the audit trail holds real times: the demo was built today
    first = issue(demo, "stage", "002", tmp_path / "stage-1.pdf", as_of=today - dt.timedelta(days=1))
    flat = squash(pdf_text(first))
    assert "本期无措施状态变化" in flat  # nothing had happened yet the day before
    second = issue(demo, "stage", "002", tmp_path / "stage-2.pdf", as_of=today)
    flat = squash(pdf_text(second))
    assert "上一期阶段性报告截至日期" in flat
    assert "启动:未启动→推进中" in flat and "退回整改:已自查→整改中" in flat


def test_stage_report_needs_since_before_as_of(demo: Demo, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="应早于"):
        issue(demo, "stage", "002", tmp_path / "x.pdf", as_of=dt.date(2025, 1, 1), since=dt.date(2025, 2, 1))
    assert not (tmp_path / "x.pdf").exists()


def test_reminders_list_each_units_overdue_measures(demo: Demo, tmp_path: Path) -> None:
    out = issue(demo, "reminders", "003", tmp_path / "reminders.pdf", today=dt.date(2027, 6, 1), reply_by=dt.date(2027, 6, 10))
    flat = squash(pdf_text(out))
    with demo.app.uow() as uow:
        plan = find_plan(uow.session, demo.keys["003"], None)
        late = [r for r in plan_progress(uow.session, plan, dt.date(2027, 6, 1)).rows if r.overdue]
    assert late
    for r in late:
        assert squash(r.title) in flat
        for unit in r.units:
            assert f"{unit}:" in flat
    assert "督办通知" in flat and "2027年6月10日前" in flat


def test_rectification_notice_carries_the_return_comment_and_deadline(demo: Demo, tmp_path: Path) -> None:
    out = issue(demo, "rectification", "003", tmp_path / "rect.pdf")
    flat = squash(pdf_text(out))
    with demo.app.uow() as uow:
        plan = find_plan(uow.session, demo.keys["003"], None)
        returned = [m for m in load_measures(uow.session, plan, with_work=True) if m.rectification_due and m.state.value == "in_progress"]
        assert returned
        for m in returned:
            review = [r for sc in m.self_checks for r in sc.reviews][-1]
            assert squash(m.title) in flat and squash(review.comment) in flat
            assert m.rectification_due.isoformat() in flat  # type: ignore[union-attr]


def test_notices_with_nothing_to_say_are_refused(demo: Demo, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="无需发督办通知"):
        issue(demo, "reminders", "003", tmp_path / "r.pdf", today=dt.date(2023, 7, 1), unit="区法院")
    assert not (tmp_path / "r.pdf").exists()


def test_unknown_unit_is_named(demo: Demo, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="不存在的局"):
        issue(demo, "selfcheck", "003", tmp_path / "r.pdf", unit="不存在的局")


def test_office_template_overrides_the_builtin_one(demo: Demo, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "_notice_head.html").write_text(
        '<p class="flush">嘉定区知识产权局(印章位置)</p><h1>{{ notice_title }}</h1><p class="addressee">{{ notice.unit }}:</p>',
        encoding="utf-8",
    )
    renderer = Renderer(templates)
    request = ReportRequest(kind="rectification", plan=demo.keys["003"], today=TODAY)
    issue_report(demo.app.uow(), renderer, request, tmp_path / "r.html", html=True)
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "嘉定区知识产权局(印章位置)" in html and "整改通知" in html
    # A broken override names the file and line.
    (templates / "_notice_head.html").write_text("<h1>{{ notice_title }</h1>\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"_notice_head\.html 第 1 行"):
        issue_report(demo.app.uow(), Renderer(templates), request, tmp_path / "r2.html", html=True)
    assert not (tmp_path / "r2.html").exists()


@pytest.mark.parametrize("prefix", ["000", "001", "002", "004"])
def test_every_seed_plan_renders(demo: Demo, tmp_path: Path, prefix: str) -> None:
    if demo.backend != "sqlite" and prefix != "002":
        pytest.skip("the other plans render the same way on PostgreSQL; 002 stands for them")
    out = issue(demo, "acceptance", prefix, tmp_path / f"{prefix}.pdf")
    flat = squash(pdf_text(out))
    with demo.app.uow() as uow:
        plan = find_plan(uow.session, demo.keys[prefix], None)
        titles = [m.title for m in load_measures(uow.session, plan)]
        assert squash(plan.title) in flat
    assert all(squash(t) in flat for t in titles)


def test_indicator_values_and_verdicts_are_printed(demo: Demo, tmp_path: Path) -> None:
    out = issue(demo, "acceptance", "002", tmp_path / "xuchang.pdf")
    flat = squash(pdf_text(out))
    with demo.app.uow() as uow:
        plan = find_plan(uow.session, demo.keys["002"], None)
        reported = [(i, i.reports[-1]) for i in plan.indicators if i.reports]
        assert reported
        for indicator, report in reported:
            assert squash(indicator.text) in flat
            assert f"{report.value.normalize():f}{indicator.unit}" in flat
    assert "达标" in flat


def test_harfbuzz_subset_is_available_here() -> None:
    # Without it WeasyPrint falls back to fontTools (7x slower); setup installs it.
    assert harfbuzz_subset_available()


@pytest.mark.parametrize(
    ("issuer", "zone"),
    [
        ("上海市嘉定区人民政府", "上海市嘉定区"),
        ("中共江西省委办公厅 江西省人民政府办公厅", "江西省"),
        ("济南市人民政府", "济南市"),
        ("果博东方(中国)官方网站 知识产权工作领导小组办公室", ""),
        ("", ""),
    ],
)
def test_zone_of_issuer(issuer: str, zone: str) -> None:
    assert zone_of(issuer) == zone
