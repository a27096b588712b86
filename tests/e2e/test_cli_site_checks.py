"""现场核查 at the command line: `site record|photo|list|show|edit|delete`, through the same
services as the pages; bad input is one Chinese line naming the option or field, and
nothing is written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.cli_support import jiading_cli_app, run
from tests.integration.workflow_helpers import (
    ADMIN,
    JIADING,
    MARKET,
    REVIEWER_A,
    count,
    pdf_bytes,
    png_bytes,
    write_file,
)
from workflow.bootstrap import App
from workflow.models import SiteCheck, SiteCheckPhoto


@pytest.fixture
def app(db_url: str, tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    application = jiading_cli_app(db_url, tmp_path / "home", seeds_dir, monkeypatch)
    yield application
    application.close()


RECORD = (
    "site", "record", "003", "--date", "2024-04-20", "--place", "嘉定区政府",
    "--participant", "李教授|组长", "--participant", "陈研究员|专家", "--participant", REVIEWER_A,
    "--visit", "区市场监管局", "--visit", "区法院",
    "--document", "联席会议纪要", "--document", "保护工作台账",
    "--sample", "安亭镇某企业|专利管理制度|已建立",
    "--findings", "机制健全,台账完整", "--conclusion", "达标",
)  # fmt: skip


def test_the_office_records_a_check_adds_a_photo_and_reads_it_back(app: App, tmp_path: Path) -> None:
    recorded = run("--as", REVIEWER_A, *RECORD)
    assert recorded.exit_code == 0, recorded.output
    assert f"已记录方案 {JIADING} 的现场核查#1:2024-04-20 嘉定区政府,参加 3 人,走访 2 个单位,抽查 1 处(版本 1)" in recorded.output
    image = write_file(tmp_path, "现场.png", png_bytes())
    added = run("--as", REVIEWER_A, "site", "photo", "1", str(image), "--caption", "查阅联席会议台账")
    assert added.exit_code == 0, added.output
    assert "已为现场核查#1 添加照片#1“查阅联席会议台账”(现场.png,2024-04-20)" in added.output
    listed = json.loads(run("site", "list", "003", "--json").output)
    [check] = listed["checks"]
    assert check["units_visited"] == ["区市场监管局", "区法院"] and check["conclusion"] == "达标"
    assert check["participants"][0] == {"name": "李教授", "role": "组长"}
    assert check["samples"] == [{"site": "安亭镇某企业", "what": "专利管理制度", "result": "已建立"}]
    assert check["photos"][0]["caption"] == "查阅联席会议台账" and listed["closed_at"] is None
    table = run("--as", ADMIN, "site", "list", "003")
    assert table.exit_code == 0 and "嘉定区政府" in table.output and "达标" in table.output
    shown = run("--as", ADMIN, "site", "show", "1")
    assert shown.exit_code == 0, shown.output
    assert "参加人员:李教授(组长)、陈研究员(专家)" in shown.output and "走访单位:区市场监管局、区法院" in shown.output
    assert "照片#1:查阅联席会议台账" in shown.output
    edited = run("--as", ADMIN, "site", "edit", "1", "--conclusion", "基本达标", "--document", "年度台账", "--version", "1")
    assert edited.exit_code == 0, edited.output
    assert "已修改现场核查#1(版本 2)" in edited.output
    after = json.loads(run("site", "show", "1", "--json").output)
    assert after["conclusion"] == "基本达标" and after["documents"] == ["年度台账"]
    assert after["units_visited"] == ["区市场监管局", "区法院"] and after["findings"] == "机制健全,台账完整"  # kept
    removed = run("--as", ADMIN, "site", "photo-remove", "1")
    assert removed.exit_code == 0 and "已从现场核查#1 撤下照片#1" in removed.output
    deleted = run("--as", ADMIN, "site", "delete", "1", "--version", "2")
    assert deleted.exit_code == 0 and f"已删除方案 {JIADING} 的现场核查#1" in deleted.output
    assert count(app, SiteCheck) == 0


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--date", "2024-13-01"), "--date 应为 YYYY-MM-DD 格式的日期"),
        (("--date", "2099-01-01"), "现场核查的“核查日期” 2099-01-01 晚于今天"),
        (("--visit", "外区法院"), "现场核查的“走访单位”第 3 项:找不到责任单位“外区法院”"),
        (("--sample", "只有地点"), "现场核查的“抽查情况”第 2 项应写作“地点|抽查内容|结果”"),
        (("--participant", "李教授|组长|多余"), "现场核查的“参加人员”第 4 项应写作"),
        (("--place", "x" * 201), "现场核查的“核查地点”过长(201 字)"),
    ],
)
def test_bad_options_are_refused_with_one_chinese_line_and_nothing_is_written(
    app: App, args: tuple[str, ...], said: str
) -> None:
    result = run("--as", REVIEWER_A, *RECORD, *args)
    assert result.exit_code != 0
    assert said in result.output and "Traceback" not in result.output
    assert count(app, SiteCheck) == 0


def test_a_unit_member_and_a_file_that_is_no_photo_are_refused(app: App, tmp_path: Path) -> None:
    refused = run("--as", MARKET, *RECORD)
    assert refused.exit_code == 1 and "无权记录或查看现场核查" in refused.output
    assert run("--as", REVIEWER_A, *RECORD).exit_code == 0
    document = write_file(tmp_path, "现场.pdf", pdf_bytes())
    result = run("--as", REVIEWER_A, "site", "photo", "1", str(document), "--caption", "照片")
    assert result.exit_code == 2 and "现场核查的“现场照片”只接受 JPEG 或 PNG 图片" in result.output
    missing = run("site", "show", "9")
    assert missing.exit_code == 1 and "找不到编号为 9 的现场核查记录;可用 zonecheck site list 方案 查看" in missing.output
    assert count(app, SiteCheckPhoto) == 0
