"""Plan corrections at the command line: `plan correct`, `plan merge`, `plan split` and
`plan corrections`, through the same service as the web (one audited transaction each)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.cli_support import jiading_cli_app, run
from tests.integration.workflow_helpers import (
    ADMIN,
    REVIEWER_A,
)
from workflow.bootstrap import App


@pytest.fixture
def app(db_url: str, tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    application = jiading_cli_app(db_url, tmp_path / "home", seeds_dir, monkeypatch)
    yield application
    application.close()


def test_the_office_corrects_merges_splits_and_lists(app: App) -> None:
    done = run("--as", ADMIN, "plan", "correct", "003/5", "--lead", "区市场监管局", "--co", "区经委", "--deadline", "2024-12-31")
    assert done.exit_code == 0, done.output
    assert "责任单位改为 区市场监管局(牵头)、区经委" in done.output and "完成时限改为 2024-12-31 前完成" in done.output
    shown = run("measure", "003/5", "--json")
    assert shown.exit_code == 0 and "区经委" in shown.output
    assert run("--as", ADMIN, "plan", "merge", "003", "6", "7").exit_code == 0
    split = run("--as", ADMIN, "plan", "split", "003/8", "--part", "开展专项行动", "--part", "加强精准监管")
    assert split.exit_code == 0, split.output
    listed = run("--as", ADMIN, "plan", "corrections", "003", "--json")
    assert [c["kind"] for c in json.loads(listed.output)] == ["units", "deadline", "merge", "split"]


def test_bad_input_and_non_admins_are_refused_with_one_chinese_line(app: App) -> None:
    bad = run("--as", ADMIN, "plan", "correct", "003/5", "--deadline-kind", "annual")
    assert bad.exit_code == 2 and "期限类型 annual 需要 month" in bad.output
    nothing = run("--as", ADMIN, "plan", "correct", "003/5")
    assert nothing.exit_code == 2 and "请指明要校正的内容" in nothing.output
    refused = run("--as", REVIEWER_A, "plan", "correct", "003/5", "--lead", "区经委")
    assert refused.exit_code == 1 and "不是管理员" in refused.output
    missing = run("--as", ADMIN, "plan", "correct", "003/99", "--lead", "区经委")
    assert missing.exit_code == 2 and "没有编号为“99”的措施" in missing.output
    assert json.loads(run("--as", ADMIN, "plan", "corrections", "003", "--json").output) == []
