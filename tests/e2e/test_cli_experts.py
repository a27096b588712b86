"""Expert panels at the command line: `user add --role expert --org`, `expert assign|remove|list`,
`score expert|final|finalise|round`, `opinion write|show`, and the experts' score in
`status --json`, through the same services as everything else."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.cli_support import jiading_cli_app, run
from tests.integration.test_expert_panels import INDEX
from tests.integration.workflow_helpers import (
    ADMIN,
    JIADING,
    MARKET,
    import_seed,
)
from workflow.bootstrap import App

LEADER, EXPERT = "赵组长", "钱专家"


@pytest.fixture
def app(db_url: str, tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    application = jiading_cli_app(db_url, tmp_path / "home", seeds_dir, monkeypatch)
    import_seed(application, seeds_dir, "000")
    index = tmp_path / "指标体系.yaml"
    index.write_text(INDEX.replace("RULE", "leader"), encoding="utf-8")
    assert run("--as", ADMIN, "index", "load", "003", str(index)).exit_code == 0
    yield application
    application.close()


def ok(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_panel_scores_consolidates_writes_its_opinion_and_finalises(app: App, tmp_path: Path) -> None:
    added = ok("--as", ADMIN, "user", "add", LEADER, "--role", "expert", "--org", "上海市知识产权服务中心")
    assert "上海市知识产权服务中心,专家" in added
    ok("--as", ADMIN, "user", "add", EXPERT, "--role", "expert", "--org", "同济大学知识产权学院")
    assert "任组长" in ok("--as", ADMIN, "expert", "assign", "003", LEADER, "--leader")
    ok("--as", ADMIN, "expert", "assign", "003", EXPERT)
    for who, marks in ((LEADER, ["36", "18", "30", "2"]), (EXPERT, ["30", "15", "33", "3"])):
        for code, points in zip(["1.1", "1.2", "2", "3"], marks, strict=True):
            out = ok("--as", who, "score", "expert", "003", code, "--points", points, "--comment", "现场核查")
            assert "(第 1 轮,版本 1)" in out
        ok("--as", who, "score", "expert", "003", "4", "--met")
    assert "已汇总" in ok("--as", LEADER, "score", "final", "003", "2", "--points", "35", "--comment", "综合意见")
    listed = json.loads(ok("expert", "list", "003", "--json"))
    assert [(m["name"], m["leader"], m["scored"]) for m in listed["members"]] == [(LEADER, True, 5), (EXPERT, False, 5)]
    assert listed["expert"]["total"] == 91 and listed["expert"]["grade"] == "优秀"
    assert "同济大学知识产权学院" in ok("--as", LEADER, "expert", "list", "003")

    refused = run("--as", LEADER, "score", "finalise", "003")
    assert refused.exit_code == 1
    assert "尚无专家组意见" in refused.output and "zonecheck opinion write 003" in refused.output
    opinion = tmp_path / "专家组意见.txt"
    opinion.write_text("专家组一致认为:工作机制健全,达到优秀等次。\n", encoding="utf-8")
    assert "专家组意见" in ok("--as", LEADER, "opinion", "write", "003", "--file", str(opinion), "--panel")
    ok("--as", EXPERT, "opinion", "write", "003", "--text", "建议加强数据统计。")
    shown = ok("--as", EXPERT, "opinion", "show", "003")
    assert shown.index("建议加强数据统计") < shown.index("达到优秀等次")
    assert "已确认方案" in ok("--as", LEADER, "score", "finalise", "003")
    status = json.loads(ok("status", "003", "--json"))
    assert status["score"] == {"self": 0, "expert": 91, "grade": "优秀"}

    closed = run("--as", EXPERT, "score", "expert", "003", "1.1", "--points", "40")
    assert closed.exit_code == 1 and "zonecheck score round" in closed.output
    assert "第 2 轮" in ok("--as", ADMIN, "score", "round", "003", "--open")
    assert "(第 2 轮,版本 1)" in ok("--as", EXPERT, "score", "expert", "003", "1.1", "--points", "40")


def test_refusals_are_one_chinese_line_with_what_to_type_next(app: App, tmp_path: Path) -> None:
    ok("--as", ADMIN, "user", "add", LEADER, "--role", "expert", "--org", "区市场监管局")
    conflict = run("--as", ADMIN, "expert", "assign", "003", LEADER, "--leader")
    assert conflict.exit_code == 1 and conflict.output.count("\n") == 1
    assert "“区市场监管局”是方案" in conflict.output and "须回避" in conflict.output
    ok("--as", ADMIN, "user", "add", EXPERT, "--role", "expert", "--org", "上海市知识产权服务中心")
    ok("--as", ADMIN, "expert", "assign", "003", EXPERT, "--leader")
    # Wuhan's plan reads to Jiading's expert as a plan that does not exist.
    other = run("--as", EXPERT, "score", "expert", "000", "1.1", "--points", "1")
    assert other.exit_code == 1 and "找不到方案“000”" in other.output
    above = run("--as", EXPERT, "score", "expert", "003", "1.1", "--points", "41")
    assert above.exit_code == 1 and "超过该指标分值 40 分" in above.output
    both = run("--as", EXPERT, "score", "expert", "003", "4", "--met", "--points", "1")
    assert both.exit_code == 2 and "二者选一" in both.output
    with_unit = run("--as", ADMIN, "user", "add", "孙专家", "--role", "expert", "--unit", "区经委")
    assert with_unit.exit_code == 2 and "所在机构用 --org" in with_unit.output
    people = run("--as", EXPERT, "user", "list")
    assert people.exit_code == 1 and "不能查看人员与单位名单" in people.output
    member = run("--as", MARKET, "opinion", "show", "003")
    assert member.exit_code == 1 and "无权查看" in member.output
    big = tmp_path / "意见.txt"
    big.write_text("意" * 20_001, encoding="utf-8")
    too_long = run("--as", EXPERT, "opinion", "write", "003", "--file", str(big))
    assert too_long.exit_code == 2 and "不能超过 20000 字" in too_long.output
    assert JIADING in ok("--as", EXPERT, "plans")
    assert "000_" not in ok("--as", EXPERT, "plans")
