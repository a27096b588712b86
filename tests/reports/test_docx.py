"""Every report also as Word (.docx), the 自评报告 and the 验收汇总表 (XLSX), read back as a
person would: the PDF with pdftotext, the .docx with python-docx, the workbook with openpyxl.

Jiading (003) in its demo state gets the example index system of its plan, a self-score on
every leaf and one expert's marks, so the score tables have all three columns (its example has
no 达标 indicator: Xuchang's, which has, checks 达标/不达标). The facts compared are those a reader checks: title, every measure's ref,
state and units, the indicators with their points and scores, totals and grade.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from integration.workflow_helpers import actor
from openpyxl import load_workbook
from sqlalchemy import select

from checklists.indexsys.model import IndicatorType
from reports.documents import ReportRequest, issue_report
from reports.score_data import ReportScores, report_scores
from reports.summary_xlsx import ABOUT_SHEET, MEASURE_HEADERS, MEASURE_SHEET, SCORE_SHEET
from workflow.errors import InputError
from workflow.models import (
    AuditEntry,
    Evidence,
    ExpertScore,
    IndexSystemRow,
    IssuedReport,
    Measure,
    Person,
)
from workflow.read.plans import find_plan
from workflow.read.progress import plan_progress
from workflow.services.index_systems import example_index_yaml, load_index, set_self_score

from .conftest import Demo
from .test_reports import TODAY, pdf_text, squash

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")

ADMIN = "王主任"  # Jiading's admin in the demo state
EXPERT = "黄志强"  # a reviewer of the demo, standing in for an expert until experts exist
STATEMENT = "已建立工作机制,见会议纪要与台账"
KINDS = ("acceptance", "selfcheck", "selfassessment", "stage", "reminders", "rectification")


def docx_text(path: Path) -> str:
    """Every piece of text of the document body, in order (paragraphs and table cells)."""
    body = Document(str(path)).element.body
    return "".join(t.text or "" for t in body.iter(qn("w:t")))


def share(points: Decimal, part: str) -> Decimal:
    return (points * Decimal(part)).quantize(Decimal("0.01"), ROUND_DOWN)


def issue(demo: Demo, kind: str, out: Path, **kwargs: object) -> Path:
    request = ReportRequest(kind=kind, plan=demo.keys["003"], today=kwargs.pop("today", TODAY), **kwargs)  # type: ignore[arg-type]
    issued = issue_report(demo.app.uow(), demo.renderer, request, out)
    assert issued.path == out and out.exists()
    return out


@dataclass(frozen=True)
class Leaf:
    id: int
    code: str
    kind: IndicatorType
    points: Decimal


def load_example(demo: Demo, admin_name: str, plan_id: int) -> list[Leaf]:
    """The plan's example index system, loaded by its admin; returns its leaves."""
    admin = actor(demo.app, admin_name)
    yaml_text = example_index_yaml(demo.app.uow(), admin, plan_id)
    load_index(demo.app.uow(), admin, plan_id, "示例指标体系.yaml", yaml_text.encode("utf-8"))
    with demo.app.uow() as uow:
        row = uow.session.scalar(select(IndexSystemRow).where(IndexSystemRow.plan_id == plan_id))
        assert row is not None
        parents = {i.parent_code for i in row.indicators if i.parent_code}
        return [Leaf(i.id, i.code, IndicatorType(i.type), i.points) for i in row.indicators if i.code not in parents]


def add_expert_marks(demo: Demo, expert_name: str, marks: dict[int, Decimal | bool]) -> None:
    """One expert's marks by indicator id (experts have no service yet: issue 14, part 4)."""
    with demo.app.uow() as uow:
        expert = uow.session.scalar(select(Person).where(Person.name == expert_name))
        assert expert is not None
        for indicator_id, mark in marks.items():
            met, points = (mark, None) if isinstance(mark, bool) else (None, mark)
            uow.session.add(ExpertScore(indicator_id=indicator_id, round=1, expert_id=expert.id, met=met, points=points))
        uow.commit()


@pytest.fixture(scope="module")
def scored(demo: Demo) -> ReportScores:
    """Jiading with the example index, every leaf self-scored (the first 达标 leaf, if any, not
    met; the first leaf citing a piece of evidence), and one expert's marks on every leaf."""
    app = demo.app
    admin = actor(app, ADMIN)
    with app.uow() as uow:
        plan = find_plan(uow.session, demo.keys["003"], None)
        plan_id = plan.id
        evidence = uow.session.scalars(
            select(Evidence.id)
            .join(Measure, Evidence.measure_id == Measure.id)
            .where(Measure.plan_id == plan_id, Evidence.removed_at.is_(None), Evidence.superseded_by_id.is_(None))
        ).first()
    leaves = load_example(demo, ADMIN, plan_id)
    first_met = next((leaf.code for leaf in leaves if leaf.kind is IndicatorType.MET), None)
    for n, leaf in enumerate(leaves):
        mark: Decimal | bool = leaf.code != first_met if leaf.kind is IndicatorType.MET else share(leaf.points, "0.9")
        set_self_score(app.uow(), admin, plan_id, leaf.code, mark, STATEMENT, [evidence] if n == 0 and evidence else [])
    add_expert_marks(demo, EXPERT, {leaf.id: True if leaf.kind is IndicatorType.MET else share(leaf.points, "0.8") for leaf in leaves})
    with app.uow() as uow:
        scores = report_scores(uow.session, find_plan(uow.session, demo.keys["003"], None))
    assert scores is not None and scores.panel is not None and scores.own.unscored == 0
    return scores


@pytest.fixture(scope="module")
def acceptance_pair(demo: Demo, scored: ReportScores, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    folder = tmp_path_factory.mktemp("pair")
    args = {"number": "嘉知保办〔2026〕2号", "opinion": "同意通过验收。"}
    pdf = issue(demo, "acceptance", folder / "验收报告.pdf", **args)
    docx = issue(demo, "acceptance", folder / "验收报告.docx", format="docx", **args)
    return squash(pdf_text(pdf)), squash(docx_text(docx))


def test_the_acceptance_report_says_the_same_in_pdf_and_word(demo: Demo, scored: ReportScores, acceptance_pair: tuple[str, str]) -> None:
    pdf, docx = acceptance_pair
    with demo.app.uow() as uow:
        plan = find_plan(uow.session, demo.keys["003"], None)
        rows = plan_progress(uow.session, plan, TODAY).rows
        facts = [plan.title, plan.doc_number, "嘉知保办〔2026〕2号", "同意通过验收。", "验收报告", "审核人(签字)"]
    for r in rows:
        facts += [f"{r.ref}{r.title}", r.state_label, *r.units]
    for line in scored.lines:
        # A long name wraps in its cell and pdftotext interleaves the lines of a row: its start
        # is what reads whole.
        facts.append(line.name[:12])
        facts += [line.points, line.self_score, line.panel_score]
    facts += [f"自评总分{scored.own.total}分", f"专家合议总分{scored.panel.total}分", f"等次:{scored.grade}"]  # type: ignore[union-attr]
    for fact in facts:
        assert squash(fact) in pdf, f"PDF lacks {fact}"
        assert squash(fact) in docx, f"Word lacks {fact}"
    # The score section comes third, so the later headings move down one.
    for text in (pdf, docx):
        assert "三、评价指标评分情况" in text and "四、逐项验收情况" in text and "六、审核意见" in text
    assert "专家组评审意见" not in pdf and "专家组评审意见" not in docx  # no panel opinion yet


@pytest.mark.parametrize("kind", KINDS)
def test_every_report_is_written_in_both_formats_with_the_same_facts(demo: Demo, scored: ReportScores, tmp_path: Path, kind: str) -> None:
    if demo.backend != "sqlite" and kind not in ("selfassessment", "reminders"):
        pytest.skip("the formats do not depend on the database; two kinds stand for the rest on PostgreSQL")
    args: dict[str, object] = {}
    if kind == "stage":
        args["as_of"] = TODAY
    if kind == "reminders":
        args["today"] = dt.date(2027, 6, 1)
    pdf = squash(pdf_text(issue(demo, kind, tmp_path / f"{kind}.pdf", **args)))
    docx_path = issue(demo, kind, tmp_path / f"{kind}.docx", format="docx", **args)
    docx = squash(docx_text(docx_path))
    with demo.app.uow() as uow:
        plan = find_plan(uow.session, demo.keys["003"], None)
        title = plan.title
        rows = plan_progress(uow.session, plan, args.get("today", TODAY)).rows  # type: ignore[arg-type]
    facts = [title]
    if kind in ("acceptance", "selfcheck"):
        facts += [f"{r.ref}{r.title}" for r in rows] + [r.state_label for r in rows]
    if kind == "selfassessment":
        # A long name wraps beside the statement column: its start is what a table row shows whole.
        facts += [line.name[:12] for line in scored.lines]
        facts += [f"自评总分{scored.own.total}分", f"自评等次:{scored.own.grade}", STATEMENT]
        facts += [line.self_score for line in scored.lines] + [line.self_met for line in scored.lines]
        facts += [" ".join(e for e in line.evidence) for line in scored.lines if line.evidence]
    if kind == "reminders":
        facts += [r.title for r in rows if r.overdue]
    if kind == "rectification":
        facts += [r.title for r in rows if r.display_state.value == "rectifying"]
    if kind == "stage":
        facts += ["阶段性推进情况报告", "本期进展明细"]
    for fact in facts:
        assert squash(fact) in pdf, f"PDF lacks {fact}"
        assert squash(fact) in docx, f"Word lacks {fact}"
    # No tag of the template is left in the document.
    assert "{{" not in docx and "{%" not in docx
    with zipfile.ZipFile(docx_path) as archive:
        assert "word/document.xml" in archive.namelist()


def test_a_word_report_is_registered_with_its_format_in_the_name(demo: Demo, scored: ReportScores, tmp_path: Path) -> None:
    out = issue(demo, "selfassessment", tmp_path / "自评报告.docx", format="docx")
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    # The same report issued twice within a second is the same bytes (docxtpl is deterministic):
    # the row is found by its name too.
    with demo.app.uow() as uow:
        row = uow.session.scalar(select(IssuedReport).where(IssuedReport.sha256 == digest, IssuedReport.file_name == out.name))
        assert row is not None and row.kind == "selfassessment" and row.pages == 0
        entry = [
            e
            for e in uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "report_issue"))
            if e.detail["sha256"] == digest and out.name in e.comment
        ]
        assert len(entry) == 1 and entry[0].detail["format"] == "docx" and entry[0].detail["kind"] == "selfassessment"


def test_the_summary_workbook_has_every_indicator_the_totals_and_every_measure(demo: Demo, scored: ReportScores, tmp_path: Path) -> None:
    out = issue(demo, "summary", tmp_path / "验收汇总表.xlsx")
    book = load_workbook(out)
    assert book.sheetnames == [SCORE_SHEET, MEASURE_SHEET, ABOUT_SHEET]
    rows = list(book[SCORE_SHEET].iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:7] == ["编号", "指标名称", "级别", "类型", "分值", "自评分", "自评达标"]
    assert header[7:] == [f"专家:{EXPERT}", "专家合议分", "合议达标"]
    by_code = {r[0]: r for r in rows[1 : 1 + len(scored.lines)]}
    for line in scored.lines:
        row = by_code[line.code]
        assert row[1].startswith(line.name) and row[2] == line.level_name  # type: ignore[union-attr]
        assert Decimal(str(row[4])) == line.points_value
        assert Decimal(str(row[5])) == line.self_value
        assert row[6] == line.self_met
        if line.leaf:
            assert str(row[7]) == line.expert_marks[EXPERT] or Decimal(str(row[7])) == Decimal(line.expert_marks[EXPERT])
        assert Decimal(str(row[8])) == line.panel_value
    totals = {r[1]: r for r in rows[1 + len(scored.lines) :] if r and r[1]}
    assert Decimal(str(totals["总分"][5])) == Decimal(scored.own.total)
    assert Decimal(str(totals["总分"][8])) == Decimal(scored.panel.total)  # type: ignore[union-attr]
    assert totals["等次"][5] == scored.own.grade and totals["一级指标合计"]
    measures = list(book[MEASURE_SHEET].iter_rows(values_only=True))
    assert tuple(measures[0]) == MEASURE_HEADERS
    with demo.app.uow() as uow:
        progress = {r.ref: r for r in plan_progress(uow.session, find_plan(uow.session, demo.keys["003"], None), TODAY).rows}
    assert {r[0] for r in measures[1:]} == set(progress)
    for r in measures[1:]:
        assert r[4] == progress[r[0]].state_label
        assert isinstance(r[6], int)


def test_a_plan_without_an_index_system_has_no_selfassessment_or_summary(demo: Demo, tmp_path: Path) -> None:
    for kind, name in (("selfassessment", "x.pdf"), ("summary", "x.xlsx")):
        request = ReportRequest(kind=kind, plan=demo.keys["002"], today=TODAY)
        with pytest.raises(InputError, match="尚未载入评价指标体系") as refused:
            issue_report(demo.app.uow(), demo.renderer, request, tmp_path / name)
        assert refused.value.code == "no_index"
        assert not (tmp_path / name).exists()


@pytest.mark.parametrize(("kind", "fmt"), [("summary", "pdf"), ("acceptance", "xlsx"), ("stage", "odt")])
def test_a_format_the_report_does_not_have_is_refused(demo: Demo, tmp_path: Path, kind: str, fmt: str) -> None:
    request = ReportRequest(kind=kind, plan=demo.keys["003"], today=TODAY, as_of=TODAY, format=fmt)
    with pytest.raises(InputError, match="只能生成为"):
        issue_report(demo.app.uow(), demo.renderer, request, tmp_path / f"x.{fmt}")


def test_an_office_word_template_overrides_the_builtin_one_and_a_broken_one_is_named(demo: Demo, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    (templates / "docx").mkdir(parents=True)
    own = Document()
    own.add_paragraph("嘉定区知识产权局整改通知(印章位置)")
    own.add_paragraph("{%p for notice in notices %}")
    own.add_paragraph("{{ notice.unit }}:请于 {{ reply_by | chinese_date }}前整改。")
    own.add_paragraph("{%p endfor %}")
    own.save(str(templates / "docx" / "rectification.docx"))
    request = ReportRequest(kind="rectification", plan=demo.keys["003"], today=TODAY, format="docx")
    from reports.render import Renderer

    issue_report(demo.app.uow(), Renderer(templates), request, tmp_path / "r.docx")
    text = docx_text(tmp_path / "r.docx")
    assert "嘉定区知识产权局整改通知(印章位置)" in text and "请于" in text
    assert "区市场监管局" in text or "区" in text  # a unit addressed
    # The built-in acceptance template is still used for the kinds the office left alone.
    path = templates / "docx" / "rectification.docx"
    broken = [
        (b"not a zip at all", "不是有效的 .docx 文件"),
        (_docx_with("{% if notice.unit %}未结束的条件"), "有语法错误"),
        (_docx_with("{{ notice.no_such_field }}"), "引用了不存在的内容"),
    ]
    for data, said in broken:
        path.write_bytes(data)
        with pytest.raises(InputError, match=said) as refused:
            issue_report(demo.app.uow(), Renderer(templates), request, tmp_path / "r2.docx")
        assert str(path) in str(refused.value)
        assert not (tmp_path / "r2.docx").exists()


def _docx_with(text: str) -> bytes:
    doc = Document()
    doc.add_paragraph("{%p for notice in notices %}")
    doc.add_paragraph(text)
    doc.add_paragraph("{%p endfor %}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_the_shipped_word_templates_are_what_the_script_builds(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    subprocess.run(
        [str(root / ".venv" / "bin" / "python") if (root / ".venv").is_dir() else "python", str(root / "scripts" / "build_docx_templates.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for built in sorted(tmp_path.glob("*.docx")):
        shipped = root / "reports" / "templates" / "docx" / built.name
        with zipfile.ZipFile(built) as a, zipfile.ZipFile(shipped) as b:
            for part in ("word/document.xml", "word/styles.xml", "word/footer1.xml"):
                names = set(a.namelist())
                if part in names:
                    assert a.read(part) == b.read(part), f"{built.name}: {part} differs; run scripts/build_docx_templates.py"
    assert len(list(tmp_path.glob("*.docx"))) == 6


def test_met_indicators_read_met_or_not_met_in_word_and_excel(demo: Demo, tmp_path: Path) -> None:
    """Xuchang's example has 达标 indicators (its numeric targets): one judged not met reads
    不达标 in the 自评报告 and the 验收汇总表, the others 达标."""
    app = demo.app
    admin = "许文博"  # Xuchang's admin in the demo state
    with app.uow() as uow:
        plan_id = find_plan(uow.session, demo.keys["002"], None).id
    leaves = load_example(demo, admin, plan_id)
    met = [leaf.code for leaf in leaves if leaf.kind is IndicatorType.MET]
    assert len(met) >= 2
    missed, doubted = met[0], met[1]
    for leaf in leaves:
        mark: Decimal | bool = leaf.code != missed if leaf.kind is IndicatorType.MET else leaf.points
        set_self_score(app.uow(), actor(app, admin), plan_id, leaf.code, mark, STATEMENT)
    # One expert (a one-expert panel is its own 组长) finds the second 达标 indicator not met.
    add_expert_marks(
        demo, "孙海涛", {leaf.id: leaf.code != doubted if leaf.kind is IndicatorType.MET else leaf.points for leaf in leaves}
    )
    request = ReportRequest(kind="summary", plan=demo.keys["002"], today=TODAY)
    issue_report(app.uow(), demo.renderer, request, tmp_path / "汇总.xlsx")
    rows = {r[0]: r for r in load_workbook(tmp_path / "汇总.xlsx")[SCORE_SHEET].iter_rows(values_only=True)}
    assert rows[missed][3] == "达标" and rows[missed][6] == "不达标" and rows[missed][5] == 0
    assert all(rows[code][6] == "达标" for code in met[1:])
    assert rows[doubted][7] == "不达标" and rows[doubted][9] == "不达标" and rows[missed][9] == "达标"
    request = ReportRequest(kind="selfassessment", plan=demo.keys["002"], today=TODAY, format="docx")
    issue_report(app.uow(), demo.renderer, request, tmp_path / "自评.docx")
    [table] = [t for t in Document(str(tmp_path / "自评.docx")).tables if t.rows[0].cells[1].text == "指标"]
    cells = {r.cells[0].text: [c.text for c in r.cells] for r in table.rows}
    assert cells[missed][5] == "不达标" and cells[doubted][5] == "达标"


def test_the_panel_opinion_is_printed_in_both_formats_once_the_leader_wrote_it(demo: Demo, tmp_path: Path) -> None:
    from workflow.domain.states import Role
    from workflow.services.experts import assign_expert
    from workflow.services.opinions import write_opinion
    from workflow.services.people import add_person

    app = demo.app
    admin = actor(app, "孟庆国")  # Jinan's admin in the demo state
    with app.uow() as uow:
        plan_id = find_plan(uow.session, demo.keys["004"], None).id
    before = squash(docx_text(issue_report_for(demo, "004", tmp_path / "before.docx")))
    assert "专家组评审意见" not in before and "五、审核意见" in before
    add_person(app.uow(), admin, "专家王教授", role=Role.EXPERT, unit=None, organisation="山东大学")
    assign_expert(app.uow(), admin, plan_id, "专家王教授", leader=True)
    write_opinion(app.uow(), actor(app, "专家王教授"), plan_id, "材料齐全,同意通过验收。\n建议加强宣传。", panel=True)
    for name in ("after.pdf", "after.docx"):
        out = issue_report_for(demo, "004", tmp_path / name)
        text = squash(pdf_text(out) if name.endswith(".pdf") else docx_text(out))
        for fact in ("五、专家组评审意见", "材料齐全,同意通过验收。", "建议加强宣传。", "专家组组长:专家王教授", "六、审核意见"):
            assert squash(fact) in text, (name, fact)


def issue_report_for(demo: Demo, prefix: str, out: Path) -> Path:
    request = ReportRequest(kind="acceptance", plan=demo.keys[prefix], today=TODAY, format=out.suffix[1:])
    issue_report(demo.app.uow(), demo.renderer, request, out)
    return out
