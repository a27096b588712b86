"""`zonecheck escalation show|set` and the colours in `overdue` and `status`: the admin sets
the zone's rules (a bad value exits 2 naming the field, with the hint to `escalation show`;
a non-admin is refused, exit 1), and the 督办 list writes each item's colour and stage."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from workflow.cli import cli


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_the_admin_sets_the_rules_and_the_lists_write_the_colours(cli_env: Path, seeds_dir: Path) -> None:
    assert run("db", "upgrade").exit_code == 0
    assert run("import", str(next(seeds_dir.glob("000_*.txt")))).exit_code == 0
    assert run("user", "add", "王主任", "--role", "admin").exit_code == 0
    assert run("--as", "王主任", "user", "add", "张三", "--role", "member", "--unit", "区市场监管局").exit_code == 0

    shown = run("--as", "王主任", "escalation", "show")
    assert shown.exit_code == 0 and "blue_days" in shown.output and "临近提醒天数" in shown.output
    bad = run("--as", "王主任", "escalation", "set", "yellow_share=100")
    assert bad.exit_code == 2
    assert "无佐证进度比例(%)(yellow_share)应为 10 到 95 之间的整数" in bad.output
    assert "zonecheck escalation show" in bad.output
    refused = run("--as", "张三", "escalation", "set", "blue_days=20")
    assert refused.exit_code == 1 and "只有本辖区的管理员" in refused.output
    done = run("--as", "王主任", "escalation", "set", "blue_days=20", "report_to_office=否", "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["rules"] == {
        "blue_days": 20, "yellow_days": 5, "yellow_share": 60, "report_to_office": False,
    }

    listing = run("overdue", "000", "--today", "2025-12-20")
    assert "[逾期] 38 配合建设知识产权区块链公共存证平台,运用区块链技术赋能知识产权保护(牵头,未启动,督办 红·情况通报)" in listing.output
    assert "[将到期] 3 配合修订并实施《武汉市知识产权促进和保护条例》(牵头,未启动,督办 黄·到期催办)" in listing.output
    entry = json.loads(run("overdue", "000", "--today", "2025-12-20", "--json").output)["units"][0]["overdue"][0]
    assert (entry["colour"], entry["stage"]) == ("red", "report")
    status = run("status", "000", "--today", "2025-12-20")
    assert "三色督办:红 4 项 · 黄 4 项 · 蓝 0 项" in status.output
