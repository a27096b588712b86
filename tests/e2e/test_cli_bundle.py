"""`zonecheck bundle` and `zonecheck evidence verify --bundle` through the CLI, on both backends."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from workflow.clock import office_today

from .test_cli_errors import UNREACHABLE_DB, error_line, ok, run
from .test_cli_workflow import PDF, PLAN

LEAD = "张三"


@pytest.fixture
def plan_home(cli_env: Path, tmp_path: Path) -> Path:
    """The small plan, measure 1 started, three files on item 1: two of them named 通报.pdf."""
    (tmp_path / "plan.txt").write_text(PLAN, encoding="utf-8")
    ok("db", "upgrade")
    ok("import", str(tmp_path / "plan.txt"))
    ok("user", "add", "王主任", "--role", "admin")
    ok("--as", "王主任", "user", "add", LEAD, "--unit", "区市场监管局")
    ok("--as", LEAD, "start", "plan/1")
    for folder, extra in (("甲", b"% a\n"), ("乙", b"% b\n")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "通报.pdf").write_bytes(PDF + extra)
    (tmp_path / "台账.pdf").write_bytes(PDF + b"% ledger\n")
    ok("--as", LEAD, "evidence", "add", "plan/1", "--item", "1", "甲/通报.pdf", "乙/通报.pdf", "台账.pdf")
    return cli_env


def names_in(bundle: Path) -> list[str]:
    with zipfile.ZipFile(bundle) as archive:
        return archive.namelist()


def test_bundle_writes_the_zip_and_prints_what_is_in_it(plan_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "汇编.zip"
    result = ok("bundle", "plan", "-o", str(out))
    lines = result.stdout.splitlines()
    assert lines[0] == f"已生成佐证材料汇编:{out}"
    assert lines[1].startswith("  文件 3 个,合计 ") and "压缩包 " in lines[1] and "用时 " in lines[1]
    assert lines[2] == f"  sha256 {hashlib.sha256(out.read_bytes()).hexdigest()}"
    names = names_in(out)
    folder = "plan/01 一、重点任务/措施 1 完善知识产权保护制度/清单项 1"
    assert {f"{folder}/通报.pdf", f"{folder}/通报 (2).pdf", f"{folder}/台账.pdf"} <= set(names)
    assert {"目录.pdf", "SHA256SUMS", "manifest.json"} <= set(names)


def test_verify_bundle_passes_a_fresh_bundle_and_fails_a_tampered_one(plan_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "汇编.zip"
    ok("bundle", "plan", "-o", str(out))
    assert ok("evidence", "verify", "--bundle", str(out)).stdout == "汇编完整:5 个文件与清单一致\n"

    tampered = tmp_path / "改过.zip"
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(tampered, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, data + b"%" if info.filename.endswith("通报 (2).pdf") else data)
    result = run("evidence", "verify", "--bundle", str(tampered))
    line = error_line(result, "汇编校验未通过", "被改动", "通报 (2).pdf", code=1)
    assert "(大小 147 字节,清单中为 146 字节)" in line
    assert result.stdout.startswith("汇编校验未通过:") and "  被改动:plan/01 一、重点任务/" in result.stdout


def test_verify_bundle_needs_no_database(plan_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "汇编.zip"
    ok("bundle", "plan", "-o", str(out))
    # The receiving side has the ZIP and zonecheck, not the office's database.
    monkeypatch.setenv("ZONECHECK_DB", UNREACHABLE_DB)
    assert "汇编完整" in ok("evidence", "verify", "--bundle", str(out)).stdout


def test_verify_bundle_on_something_that_is_not_a_bundle_is_one_line(plan_home: Path, tmp_path: Path) -> None:
    fake = tmp_path / "假的.zip"
    fake.write_bytes(PDF)
    error_line(run("evidence", "verify", "--bundle", str(fake)), "不是有效的佐证材料汇编", "不是 ZIP 文件", code=1)
    no_manifest = tmp_path / "空的.zip"
    with zipfile.ZipFile(no_manifest, "w") as archive:
        archive.writestr("a.txt", "x")
    error_line(run("evidence", "verify", "--bundle", str(no_manifest)), "不是有效的佐证材料汇编:缺少 manifest.json", code=1)
    error_line(run("evidence", "verify", "--bundle", str(tmp_path / "没有.zip")), "找不到文件", "没有.zip", code=2)


def test_the_default_name_is_plan_key_and_date_in_the_current_folder(
    plan_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    ok("bundle", "plan")
    assert [p.name for p in here.iterdir()] == [f"plan-佐证材料汇编-{office_today().isoformat()}.zip"]


def test_bundle_all_takes_replaced_files_in_their_own_folder(plan_home: Path, tmp_path: Path) -> None:
    (tmp_path / "台账-修订.pdf").write_bytes(PDF + b"% ledger v2\n")
    ok("--as", LEAD, "evidence", "replace", "3", "台账-修订.pdf")
    current, everything = tmp_path / "现行.zip", tmp_path / "全部.zip"
    ok("bundle", "plan", "-o", str(current))
    ok("bundle", "plan", "--all", "-o", str(everything))
    assert not any("/已替换/" in n for n in names_in(current))
    assert any(n.endswith("/清单项 1/已替换/台账.pdf") for n in names_in(everything))
    with zipfile.ZipFile(everything) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["include_superseded"] is True and manifest["files"] == 4


def test_bundle_errors_are_one_chinese_line_and_write_nothing(plan_home: Path, tmp_path: Path) -> None:
    error_line(run("bundle", "没有的方案", "-o", str(tmp_path / "x.zip")), "找不到方案", "没有的方案", code=1)
    error_line(run("bundle", "plan", "-o", str(tmp_path / "没有的文件夹" / "x.zip")), "输出文件夹不存在", code=2)
    # A stored file that changed after it was handed in: named, and no ZIP.
    [blob] = [p for p in (plan_home / "evidence" / "objects").rglob("*") if p.is_file() and p.read_bytes().endswith(b"% b\n")]
    blob.chmod(0o644)
    blob.write_bytes(blob.read_bytes()[:-2] + b"c\n")
    line = error_line(run("bundle", "plan", "-o", str(tmp_path / "y.zip")), "佐证材料#2", "通报.pdf", "plan/1", code=1)
    assert "sha256 与记录不符" in line
    assert not list(tmp_path.glob("*.zip")) and not list(tmp_path.glob(".*.part"))
