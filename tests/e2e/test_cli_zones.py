"""Zones at the command line: `--as` someone of zone A, every command that names a plan,
measure, evidence, person or unit of zone B is refused (exit 1, or 2 for a unit that is not
in the acting person's zone), in the words a missing object gets, on the audit trail, and
nothing changes. Without `--as` the operator sees every zone; the zone commands work.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.integration.workflow_helpers import audit_entries, make_app, pdf_bytes, write_file
from tests.support.two_zones import (
    A_ADMIN,
    A_MEMBER,
    A_REVIEWER,
    B_GROUP,
    B_MEMBER,
    B_ONLY_UNIT,
    B_REF,
    JIADING,
    WUHAN,
    XUCHANG,
    ZONE_B,
    World,
    build_world,
    fingerprint,
)
from workflow.cli import cli

from .test_cli_errors import error_line


@pytest.fixture
def world(db_url: str, tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    app = make_app(db_url, tmp_path / "home")
    built = build_world(app, seeds_dir, tmp_path / "up")
    monkeypatch.setenv("ZONECHECK_HOME", str(app.settings.home))
    monkeypatch.setenv("ZONECHECK_DB", db_url)
    monkeypatch.delenv("ZONECHECK_USER", raising=False)
    monkeypatch.chdir(tmp_path)
    yield built
    app.close()


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=stdin)


def commands(world: World, upload: Path) -> dict[str, list[str]]:
    """Every command taking a zone-B object, as `{m}` (measure), `{p}` (plan) etc. filled in."""
    m, p, e, x = f"{WUHAN}/{B_REF}", WUHAN, str(world.evidence_b), XUCHANG
    return {
        "start": ["start", m],
        "part done": ["part", "done", m],
        "part undo": ["part", "undo", m],
        "selfcheck": ["selfcheck", m, "--statement", "完成"],
        "withdraw": ["withdraw", m],
        "review accept": ["review", "accept", m, "--score", "90"],
        "review return": ["review", "return", m, "--comment", "退回"],
        "review reopen": ["review", "reopen", m, "--reason", "抽查"],
        "review levels": ["review", "levels", p, "初审", "复审"],
        "evidence add": ["evidence", "add", m, "--item", "1", str(upload)],
        "evidence replace": ["evidence", "replace", e, str(upload)],
        "evidence remove": ["evidence", "remove", e],
        "evidence list": ["evidence", "list", m],
        "indicator report": ["indicator", "report", x, "1", "5", "--link", "https://example.gov.cn/a"],
        "indicator list": ["indicator", "list", x],
        "status": ["status", p],
        "overdue": ["overdue", p],
        "history": ["history", m],
        "measures": ["measures", p],
        "measure": ["measure", m],
        "export json": ["export", p, "--format", "json"],
        "export yaml": ["export", p, "--format", "yaml"],
        "export xlsx": ["export", p, "--format", "xlsx", "-o", "台账.xlsx"],
        "bundle": ["bundle", p, "-o", "汇编.zip"],
        "report acceptance": ["report", "acceptance", p, "-o", "a.pdf"],
        "report selfcheck": ["report", "selfcheck", p, "-o", "s.pdf"],
        "report stage": ["report", "stage", p, "--as-of", "2025-06-30", "-o", "st.pdf"],
        "report reminders": ["report", "reminders", p, "-o", "r.pdf"],
        "report rectification": ["report", "rectification", p, "-o", "z.pdf"],
    }


def test_nobody_of_zone_a_reaches_zone_b_at_the_command_line(world: World, tmp_path: Path) -> None:
    upload = write_file(tmp_path / "files", "材料.pdf", pdf_bytes("x"))
    before = fingerprint(world.app)
    for who in (A_MEMBER, A_REVIEWER, A_ADMIN):
        for name, args in commands(world, upload).items():
            seen = len(audit_entries(world.app))
            result = run("--as", who, *args)
            line = error_line(result, code=1)
            assert "wuhan-secret" not in result.output and "武汉台账" not in line, (who, name)
            # The words of a missing object: the plan (or evidence) "cannot be found".
            assert "找不到" in line or "不是" in line or "只能" in line, (who, name, line)
            new = audit_entries(world.app)[seen:]
            assert [e.refused for e in new] == [True], (who, name, line)
            assert new[0].actor == who
    assert fingerprint(world.app) == before
    assert not list(tmp_path.glob("*.pdf")) and not list(tmp_path.glob("*.zip"))
    assert not (tmp_path / "台账.xlsx").exists()


def test_a_missing_plan_and_another_zones_plan_read_alike(world: World) -> None:
    hidden = error_line(run("--as", A_REVIEWER, "status", WUHAN), code=1)
    missing = error_line(run("--as", A_REVIEWER, "status", "999_nonexistent"), code=1)
    assert hidden.replace(WUHAN, "X") == missing.replace("999_nonexistent", "X")


def test_another_zones_evidence_reads_like_missing_evidence(world: World) -> None:
    """Not even the number of the measure it belongs to is told."""
    for args in (["evidence", "remove"], ["evidence", "replace"]):
        extra = [] if args[-1] == "remove" else ["--note", "补充"]
        hidden = error_line(run("--as", A_MEMBER, *args, str(world.evidence_b), *extra), code=1)
        missing = error_line(run("--as", A_MEMBER, *args, "999999", *extra), code=1)
        assert hidden.replace(str(world.evidence_b), "N") == missing.replace("999999", "N"), hidden


def test_zone_a_admin_cannot_manage_zone_b_people_units_or_groups(world: World) -> None:
    before = fingerprint(world.app)
    error_line(run("--as", A_ADMIN, "user", "passwd", B_MEMBER, stdin="一个足够长的密码\n"), "只能管理本辖区", code=1)
    error_line(run("--as", A_ADMIN, "user", "add", "新人", "--zone", ZONE_B, "--role", "reviewer"), "只能管理本辖区", code=1)
    error_line(run("--as", A_ADMIN, "user", "add", "新人", "--unit", B_ONLY_UNIT), "中没有单位", code=2)
    error_line(run("--as", A_ADMIN, "unit", "group", B_GROUP, "--add", "区市场监管局"), B_GROUP, code=1)
    assert fingerprint(world.app) == before


def test_lists_at_the_command_line_follow_the_zone(world: World) -> None:
    def keys(*who: str) -> list[str]:
        result = run(*who, "plans", "--json")
        assert result.exit_code == 0, result.output
        return [p["key"] for p in json.loads(result.stdout)]

    assert keys("--as", A_REVIEWER) == [JIADING]
    assert sorted(keys()) == sorted([JIADING, WUHAN, XUCHANG])  # the operator
    people = json.loads(run("--as", A_ADMIN, "user", "list", "--json").stdout)
    assert {p["zone"] for p in people} == {"上海市/嘉定区"}
    units = json.loads(run("--as", A_ADMIN, "unit", "list", "--json").stdout)
    assert B_ONLY_UNIT not in {u["name"] for u in units}
    zones = json.loads(run("--as", A_ADMIN, "zone", "list", "--json").stdout)
    assert [z["path"] for z in zones] == ["上海市", "上海市/嘉定区"]


def test_zone_commands_and_their_errors(world: World, seeds_dir: Path) -> None:
    assert "已添加辖区 上海市/宝山区" in run("zone", "add", "宝山区", "--parent", "上海市").output
    error_line(run("zone", "add", "宝山区", "--parent", "上海市"), "已有辖区“宝山区”", code=2)
    error_line(run("zone", "add", "浦东新区", "--parent", "无此辖区"), "找不到辖区“无此辖区”", code=1)
    error_line(run("--as", A_ADMIN, "zone", "add", "某街道", "--parent", ZONE_B), "只能在本辖区之下", code=1)
    assert "上海市/嘉定区/某镇" in run("--as", A_ADMIN, "zone", "add", "某镇", "--parent", "嘉定区").output
    jiangxi = str(next(seeds_dir.glob("001_*.txt")))
    error_line(run("import", jiangxi, "--zone", "无此辖区"), "找不到辖区“无此辖区”", code=1)
    error_line(run("import", jiangxi), "请用 --zone 指定辖区", code=2)  # several zones, none named
    error_line(run("import", str(next(seeds_dir.glob("003_*.txt"))), "--zone", ZONE_B), "已属于辖区", code=2)
    # Two zones named alike are told apart by their path.
    run("zone", "add", "新区")
    run("zone", "add", "新区", "--parent", "上海市")
    error_line(run("user", "add", "甲", "--zone", "新区", "--role", "admin"), "上海市/新区", code=2)
    assert run("user", "add", "甲", "--zone", "上海市/新区", "--role", "admin").exit_code == 0
