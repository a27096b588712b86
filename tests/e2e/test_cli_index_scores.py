"""Index systems and self-scores at the command line: `index example|load|show`, `score self`
and the `score` of `status --json`, through the same services as everything else."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from tests.e2e.cli_support import jiading_cli_app, run
from tests.integration.test_index_scores import INDEX
from tests.integration.workflow_helpers import (
    ADMIN,
    JIADING,
    REVIEWER_A,
)
from workflow.bootstrap import App


@pytest.fixture
def app(db_url: str, tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    application = jiading_cli_app(db_url, tmp_path / "home", seeds_dir, monkeypatch)
    yield application
    application.close()


def test_the_office_starts_from_the_example_loads_it_scores_and_reads_the_totals(app: App, tmp_path: Path) -> None:
    example = run("index", "example", "003")
    assert example.exit_code == 0 and f"plan: {JIADING}" in example.output
    path = tmp_path / "指标体系.yaml"
    path.write_text(example.output, encoding="utf-8")
    loaded = run("--as", ADMIN, "index", "load", "003", str(path))
    assert loaded.exit_code == 0, loaded.output
    assert "已载入方案" in loaded.output and "项计分" in loaded.output
    scored = run("--as", ADMIN, "score", "self", "003", "1.1", "--points", "3.5", "--statement", "已建立工作机制")
    assert scored.exit_code == 0, scored.output
    assert "3.5 分(第 1 轮,版本 1)" in scored.output
    shown = json.loads(run("index", "show", "003", "--json").output)
    line = next(i for i in shown["indicators"] if i["code"] == "1.1")
    assert line["self"] == 3.5 and line["scored_by"] == ADMIN and shown["self"]["total"] == 3.5
    text = run("index", "show", "003")
    assert text.exit_code == 0 and "自评合计 3.5" in text.output
    status = json.loads(run("status", "003", "--json").output)
    assert status["score"] == {"self": 3.5, "expert": None, "grade": None}


def test_an_xlsx_index_loads_like_the_yaml(app: App, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["编号", "指标名称", "级别", "分值", "上级编号", "对应措施"])
    sheet.append(["1", "统筹协调", "一级", 100, None, None])
    sheet.append(["1.1", "建立工作机制", "二级", 100, "1", "1、2"])
    path = tmp_path / "指标体系.xlsx"
    book.save(path)
    loaded = run("--as", ADMIN, "index", "load", "003", str(path))
    assert loaded.exit_code == 0, loaded.output
    assert "2 项指标,其中 1 项计分" in loaded.output


def test_bad_files_and_scores_are_refused_with_one_chinese_line(app: App, tmp_path: Path) -> None:
    status = json.loads(run("status", "003", "--json").output)
    assert status["score"] is None
    before = run("--as", ADMIN, "score", "self", "003", "1.1", "--points", "1", "--statement", "x")
    assert before.exit_code == 1 and "尚未载入评价指标体系" in before.output and "zonecheck index load" in before.output
    broken = tmp_path / "坏指标体系.yaml"
    broken.write_text(INDEX.replace("points: 20}", "points: 25}"), encoding="utf-8")
    bad = run("--as", ADMIN, "index", "load", "003", str(broken))
    assert bad.exit_code == 2 and "坏指标体系.yaml" in bad.output and "第 " in bad.output
    good = tmp_path / "指标体系.yaml"
    good.write_text(INDEX, encoding="utf-8")
    assert run("--as", ADMIN, "index", "load", "003", str(good)).exit_code == 0
    above = run("--as", ADMIN, "score", "self", "003", "1.1", "--points", "41", "--statement", "x")
    assert above.exit_code == 1 and "超过该指标分值 40 分" in above.output
    both = run("--as", ADMIN, "score", "self", "003", "4", "--points", "1", "--met", "--statement", "x")
    assert both.exit_code == 2 and "二者选一" in both.output
    assert run("--as", ADMIN, "score", "self", "003", "4", "--met", "--statement", "无重大事件").exit_code == 0
    member = run("--as", REVIEWER_A, "score", "self", "003", "1.1", "--points", "1", "--statement", "x")
    assert member.exit_code == 1 and "不是管理员" in member.output
    missing = run("--as", ADMIN, "score", "self", "003", "7.7", "--points", "1", "--statement", "x")
    assert missing.exit_code == 1 and "zonecheck index show" in missing.output
