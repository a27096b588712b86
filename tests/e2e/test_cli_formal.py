"""The formal review at the command line: `formal open|gaps|notices|status|close`, with a
supply through `evidence add` and the refusals' hints, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_cli_index_scores import app, run  # noqa: F401 (the fixture: Jiading and its people, on each backend)
from tests.integration.workflow_helpers import (
    ADMIN,
    COURT,
    MARKET,
    REVIEWER_A,
    pdf_bytes,
    write_file,
)


@pytest.mark.usefixtures("app")
def test_the_office_opens_reads_issues_follows_and_closes_a_formal_review(tmp_path: Path) -> None:
    example = tmp_path / "指标体系.yaml"
    example.write_text(run("index", "example", "003").output, encoding="utf-8")
    assert run("--as", ADMIN, "index", "load", "003", str(example)).exit_code == 0

    opened = run("--as", REVIEWER_A, "formal", "open", "003", "--days", "5", "--today", "2026-09-24")
    assert opened.exit_code == 0, opened.output
    assert "补正期限 2026-10-09(5 个工作日)" in opened.output and "区法院:2 项缺漏" in opened.output

    gaps = json.loads(run("--as", REVIEWER_A, "formal", "gaps", "003", "--unit", "区法院", "--json").output)
    assert gaps["deadline"] == "2026-10-09"
    assert [g["kind"] for g in gaps["units"][0]["open"]] == ["missing", "no_statement"]

    out = tmp_path / "告知书"
    issued = run("--as", REVIEWER_A, "formal", "notices", "003", "-o", str(out), "--unit", "区法院")
    assert issued.exit_code == 0, issued.output
    [pdf] = list(out.glob("*.pdf"))
    assert "一次性告知书-区法院-2026-09-24" in pdf.name and pdf.read_bytes().startswith(b"%PDF")
    assert "形审告〔2026〕" in issued.output

    assert run("--as", COURT, "start", "003/13").exit_code == 0
    added = run("--as", COURT, "evidence", "add", "003/13", "--item", "1", str(write_file(tmp_path, "判决书.pdf", pdf_bytes())), "--date", "2024-01-15")
    assert added.exit_code == 0, added.output

    status = json.loads(run("--as", REVIEWER_A, "formal", "status", "003", "--json").output)
    court = next(n for n in status["notices"] if n["unit"] == "区法院")
    assert court["supplies"] == 1 and court["file"] == pdf.name
    # Today (the machine's date) is after 2026-10-09: the supply is late, and kept.
    assert [(s["label"], s["late"]) for s in status["supplies"]] == [("判决书.pdf", True)]
    text = run("--as", REVIEWER_A, "formal", "status", "003")
    assert text.exit_code == 0 and "判决书.pdf" in text.output

    closed = run("--as", REVIEWER_A, "formal", "close", "003")
    assert closed.exit_code == 0 and "自评分不再修改" in closed.output
    refused = run("--as", ADMIN, "score", "self", "003", "1.1", "--points", "1", "--statement", "补评")
    assert refused.exit_code == 1 and "自评分不能再修改" in refused.output


@pytest.mark.usefixtures("app")
def test_refusals_name_the_cause_and_the_next_step() -> None:
    member = run("--as", MARKET, "formal", "open", "003")
    assert member.exit_code == 1 and "不是领导小组办公室人员" in member.output and "--as" in member.output
    unknown = run("--as", REVIEWER_A, "formal", "open", "003", "--today", "2099-01-05")
    assert unknown.exit_code == 2 and "不在节假日数据覆盖的年份" in unknown.output
    not_open = run("--as", REVIEWER_A, "formal", "close", "003")
    assert not_open.exit_code == 1 and "zonecheck formal open" in not_open.output
    assert run("--as", REVIEWER_A, "formal", "open", "003").exit_code == 0
    twice = run("--as", REVIEWER_A, "formal", "open", "003")
    assert twice.exit_code == 1 and "zonecheck formal status" in twice.output
