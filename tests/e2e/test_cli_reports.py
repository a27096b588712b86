"""The report commands' contract through the CLI, on both backends."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from workflow.clock import office_today

from .test_cli_errors import error_line, ok, run
from .test_cli_workflow import PLAN

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


@pytest.fixture
def plan_home(cli_env: Path, tmp_path: Path) -> Path:
    source = tmp_path / "plan.txt"
    source.write_text(PLAN, encoding="utf-8")
    ok("db", "upgrade")
    ok("import", str(source))
    ok("user", "add", "王主任", "--role", "admin")
    ok("--as", "王主任", "user", "add", "张三", "--unit", "区市场监管局")
    ok("--as", "张三", "start", "plan/1")
    return cli_env


def text_of(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], check=True, capture_output=True, text=True)
    return "".join(out.stdout.split())


def test_acceptance_report_pdf_and_html(plan_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "验收报告.pdf"
    result = ok("--as", "王主任", "report", "acceptance", "plan", "-o", str(out), "--number", "某知保办〔2026〕2号")
    assert f"已生成验收报告:{out}" in result.stdout and "sha256" in result.stdout and "已登记" in result.stdout
    text = text_of(out)
    assert "完善知识产权保护制度" in text and "区市场监管局(牵头)" in text and "推进中" in text
    assert "某知保办〔2026〕2号" in text
    html = tmp_path / "验收报告.html"
    result = ok("report", "acceptance", "plan", "--html", "-o", str(html))
    assert "(HTML)" in result.stdout and html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    # The issued PDF is in the audit trail, the HTML check is not.
    history = ok("audit", "verify")
    assert "完整" in history.stdout or "通过" in history.stdout


def test_default_file_name_in_the_current_folder(plan_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    ok("report", "selfcheck", "plan", "--unit", "区市场监管局", "--today", "2025-01-02")
    [made] = list(tmp_path.glob("*.pdf"))
    assert made.name.endswith("-自查报告-区市场监管局-2025-01-02.pdf")


def test_stage_report_needs_as_of(plan_home: Path) -> None:
    error_line(run("report", "stage", "plan"), "--as-of", code=2)


def test_reminders_for_a_unit(plan_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "督办.pdf"
    ok("report", "reminders", "plan", "--unit", "区市场监管局", "--today", "2026-02-01", "-o", str(out))
    text = text_of(out)
    assert "区市场监管局:" in text and "完善知识产权保护制度" in text and "已逾期" in text


def test_errors_are_one_chinese_line(plan_home: Path, tmp_path: Path) -> None:
    error_line(run("report", "acceptance", "没有的方案", "-o", str(tmp_path / "x.pdf")), "没有的方案")
    error_line(run("report", "acceptance", "plan", "-o", str(tmp_path / "no-such-dir" / "x.pdf")), "no-such-dir")
    error_line(run("report", "rectification", "plan", "-o", str(tmp_path / "r.pdf")), "整改通知")
    error_line(run("--as", "没有的人", "report", "acceptance", "plan", "-o", str(tmp_path / "y.pdf")), "没有的人")
    assert not list(tmp_path.glob("*.pdf"))


def test_stage_report_as_of_today(plan_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "stage.pdf"
    ok("report", "stage", "plan", "--as-of", office_today().isoformat(), "-o", str(out))
    assert "启动:未启动→推进中" in text_of(out)


def docx_words(path: Path) -> str:
    from docx import Document
    from docx.oxml.ns import qn

    return "".join(t.text or "" for t in Document(str(path)).element.body.iter(qn("w:t")))


def test_the_suffix_of_the_output_chooses_word_and_a_contradiction_is_refused(plan_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "验收报告.docx"
    result = ok("--as", "王主任", "report", "acceptance", "plan", "-o", str(out), "--number", "某知保办〔2026〕3号")
    assert f"已生成验收报告(Word):{out}" in result.stdout and "已登记" in result.stdout
    words = docx_words(out)
    assert "完善知识产权保护制度" in words and "区市场监管局(牵头)" in words and "某知保办〔2026〕3号" in words
    ok("report", "selfcheck", "plan", "--format", "docx", "-o", str(tmp_path / "自查报告.docx"))
    assert "自查报告" in docx_words(tmp_path / "自查报告.docx")
    error_line(run("report", "acceptance", "plan", "--format", "docx", "-o", str(tmp_path / "x.pdf")), "--format docx", "x.pdf", code=2)
    error_line(run("report", "acceptance", "plan", "--format", "docx", "--html", "-o", str(tmp_path / "x.html")), "HTML", "Word")
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "x.html").exists()


def test_selfassessment_and_summary_need_an_index_system(plan_home: Path, tmp_path: Path) -> None:
    line = error_line(run("report", "selfassessment", "plan", "-o", str(tmp_path / "自评.pdf")), "尚未载入评价指标体系", "zonecheck index load")
    assert "index example" in line
    error_line(run("report", "summary", "plan", "-o", str(tmp_path / "汇总.xlsx")), "尚未载入评价指标体系")
    error_line(run("report", "summary", "plan", "-o", str(tmp_path / "汇总.pdf")), "只能生成为 Excel")
    assert not list(tmp_path.glob("自评*")) and not list(tmp_path.glob("汇总*"))


def test_selfassessment_in_word_and_the_summary_workbook_after_self_scoring(plan_home: Path, tmp_path: Path) -> None:
    import openpyxl

    example = ok("index", "example", "plan").stdout
    index = tmp_path / "指标体系.yaml"
    index.write_text(example, encoding="utf-8")
    ok("--as", "王主任", "index", "load", "plan", str(index))
    shown = ok("index", "show", "plan", "--json").stdout
    import json

    leaves = [i for i in json.loads(shown)["indicators"] if i["leaf"]]
    first = leaves[0]
    mark = ["--met"] if first["type"] == "met" else ["--points", str(first["points"])]
    ok("--as", "王主任", "score", "self", "plan", first["code"], *mark, "--statement", "已建立工作机制")
    out = tmp_path / "自评报告.docx"
    ok("--as", "王主任", "report", "selfassessment", "plan", "-o", str(out))
    words = docx_words(out)
    assert "自评报告" in words and first["name"] in words and "已建立工作机制" in words
    pdf = tmp_path / "自评报告.pdf"
    ok("report", "selfassessment", "plan", "-o", str(pdf))
    assert first["name"][:8] in text_of(pdf)
    book = tmp_path / "验收汇总表.xlsx"
    result = ok("report", "summary", "plan", "-o", str(book))
    assert "已生成验收汇总表(Excel)" in result.stdout
    rows = list(openpyxl.load_workbook(book)["指标评分"].iter_rows(values_only=True))
    assert rows[0][0] == "编号" and any(r[0] == first["code"] for r in rows[1:])
