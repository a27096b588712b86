"""The CLI on bad input, against both backends: one Chinese line, a non-zero exit, nothing written.

Every error case checks the same contract (see `error_line`): the exit code is non-zero, stderr
holds exactly one line starting with "错误:" that names the cause, there is no traceback, and
(`assert_nothing_imported`) no plan reached the database and no catalog file was written.
"""

from __future__ import annotations

import json
import re
import traceback
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from checklists.catalog_yaml import dump_catalog
from checklists.parser import parse_document
from workflow.cli import cli

TINY_PLAN = """\
{title}

一、重点任务
1.完善知识产权保护制度。制定区级知识产权保护实施办法。(区市场监管局牵头,区司法局配合;2025年12月底前完成)
2.加强知识产权行政执法。开展商标侵权专项整治行动。(区市场监管局;持续推进)
二、保障措施
(一)加强组织领导。成立领导小组,统筹推进各项工作。
"""
TINY_TITLE = "某区知识产权保护示范区建设工作方案"
NOT_A_PLAN = "关于召开知识产权工作会议的通知\n请各单位于下周一上午九点准时参加会议。\n"
UNREACHABLE_DB = "postgresql+psycopg://postgres@127.0.0.1:1/none"


# --- helpers ---------------------------------------------------------------------------------


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def ok(*args: str) -> Result:
    result = run(*args)
    assert result.exception is None, _crash(result)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


def _crash(result: Result) -> str:
    exc = result.exception
    if exc is None or isinstance(exc, SystemExit):
        return f"exit {result.exit_code}\n{result.output}"
    return "".join(traceback.format_exception(exc))


def error_line(result: Result, *names: str, code: int | None = None) -> str:
    """The one-line Chinese error of a failed command, checked against the CLI's contract."""
    assert result.exit_code != 0, result.output
    if code is not None:
        assert result.exit_code == code, result.output
    # Anything but click's own SystemExit means an exception escaped the error handling:
    # the real CLI would print a traceback.
    assert isinstance(result.exception, SystemExit), _crash(result)
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one error line on stderr, got:\n{result.stderr}"
    line = lines[0]
    assert line.startswith("错误:"), line
    assert re.search(r"[\u4e00-\u9fff]", line[3:]), line
    for name in names:
        assert name in line, f"{name!r} not in {line!r}"
    return line


def plans_json() -> list[dict[str, object]]:
    data = json.loads(ok("plans", "--json").stdout)
    assert isinstance(data, list)
    return data


def catalog_files(home: Path) -> list[Path]:
    folder = home / "catalogs"
    return sorted(folder.iterdir()) if folder.exists() else []


def assert_nothing_imported(home: Path) -> None:
    assert plans_json() == []
    assert catalog_files(home) == []


def write_plan(path: Path, title: str = TINY_TITLE, encoding: str = "utf-8") -> Path:
    path.write_text(TINY_PLAN.format(title=title), encoding=encoding)
    return path


def tiny_catalog_lines(source_name: str = "tiny.txt") -> list[str]:
    catalog = parse_document(TINY_PLAN.format(title=TINY_TITLE), source_name=source_name)
    return dump_catalog(catalog).splitlines()


@pytest.fixture
def home(cli_env: Path) -> Path:
    """A migrated database (sqlite or postgresql) and an empty data folder; cwd is its parent."""
    result = ok("db", "upgrade")
    assert "数据库已升级到版本" in result.stdout
    return cli_env


@pytest.fixture
def tiny(home: Path) -> Path:
    """The tiny plan as tiny.txt in the working directory."""
    return write_plan(home.parent / "tiny.txt")


# --- unreadable or unrecognised input --------------------------------------------------------


def test_importing_a_missing_file_names_it_and_imports_nothing(home: Path) -> None:
    error_line(run("import", "没有这个方案.txt"), "没有这个方案.txt", "不存在", code=2)
    assert_nothing_imported(home)


def test_importing_a_directory_says_it_is_not_a_file(home: Path) -> None:
    (home.parent / "方案文件夹").mkdir()
    error_line(run("import", "方案文件夹"), "方案文件夹", "不是文件", code=2)
    assert_nothing_imported(home)


@pytest.mark.parametrize("content", [b"", b"  \r\n\n\t\n"], ids=["empty", "blank-lines"])
def test_importing_an_empty_file_says_it_is_empty(home: Path, content: bytes) -> None:
    (home.parent / "空.txt").write_bytes(content)
    error_line(run("import", "空.txt"), "空.txt", "为空", code=2)
    assert_nothing_imported(home)


@pytest.mark.parametrize("name", ["x.pdf", "x.txt"])
def test_importing_a_pdf_says_it_is_a_pdf_whatever_its_extension(home: Path, name: str) -> None:
    (home.parent / name).write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    line = error_line(run("import", name), name, "PDF", code=2)
    assert "损坏" in line  # says what is wrong with it
    assert_nothing_imported(home)


def test_importing_a_binary_file_says_it_is_binary(home: Path) -> None:
    (home.parent / "data.txt").write_bytes(b"\x01\x02\x00\x00\x03binary\x00payload")
    error_line(run("import", "data.txt"), "data.txt", "二进制", code=2)
    assert_nothing_imported(home)


def test_importing_text_in_neither_utf8_nor_gb18030_names_the_encodings(home: Path) -> None:
    (home.parent / "乱码.txt").write_bytes(b"\xff\xfe\xff\xfe plan \xff")
    error_line(run("import", "乱码.txt"), "乱码.txt", "UTF-8", "GB18030", code=2)
    assert_nothing_imported(home)


def test_importing_utf8_text_that_is_not_a_plan_says_it_is_not_recognised(home: Path) -> None:
    (home.parent / "通知.txt").write_text(NOT_A_PLAN, encoding="utf-8")
    error_line(run("import", "通知.txt"), "通知.txt", "不是可识别的方案文件", code=2)
    assert_nothing_imported(home)


def test_a_gb18030_copy_of_a_seed_imports_with_a_note_about_the_encoding(
    home: Path, seeds_dir: Path
) -> None:
    seed = sorted(seeds_dir.glob("004_*.txt"))[0]
    copy = home.parent / "济南方案-gbk.txt"
    copy.write_bytes(seed.read_text(encoding="utf-8").encode("gb18030"))
    with pytest.raises(UnicodeDecodeError):
        copy.read_bytes().decode("utf-8")  # the copy really is not UTF-8

    result = ok("import", copy.name)
    assert "[新导入]" in result.stdout
    assert re.search(r"注意:.*GB18030", result.stdout), result.stdout
    assert result.stderr == ""
    [plan] = plans_json()
    assert plan["title"] == parse_document(seed.read_text(encoding="utf-8"), source_name=seed.name).plan.title
    assert plan["measures"] == 18
    assert [p.name for p in catalog_files(home)] == [f"{plan['key']}.yaml"]


# --- atomicity ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["not-a-plan", "missing", "pdf"])
def test_when_the_last_of_several_files_is_bad_none_is_imported(home: Path, bad: str) -> None:
    first = write_plan(home.parent / "a.txt", title="甲区知识产权保护工作方案")
    second = write_plan(home.parent / "b.txt", title="乙区知识产权保护工作方案")
    last = home.parent / "c.txt"
    if bad == "not-a-plan":
        last.write_text(NOT_A_PLAN, encoding="utf-8")
    elif bad == "pdf":
        last.write_bytes(b"%PDF-1.7\n")
    error_line(run("import", first.name, second.name, last.name), "c.txt", code=2)
    assert_nothing_imported(home)

    # The good files alone do import, so the test above failed only because of the last one.
    ok("import", first.name, second.name)
    assert [p["title"] for p in plans_json()] == ["甲区知识产权保护工作方案", "乙区知识产权保护工作方案"]


def test_two_files_for_the_same_plan_key_are_refused_before_anything_is_written(home: Path) -> None:
    (home.parent / "sub").mkdir()
    write_plan(home.parent / "tiny.txt")
    write_plan(home.parent / "sub" / "tiny.txt", title="另一个知识产权保护工作方案")
    error_line(run("import", "tiny.txt", "sub/tiny.txt"), "tiny", "同一个方案编号", code=2)
    assert_nothing_imported(home)


# --- catalog YAML -------------------------------------------------------------------------------


def test_importing_a_catalog_with_a_schema_error_names_file_line_and_field(home: Path) -> None:
    lines = tiny_catalog_lines()
    i = lines.index("        role: lead")
    lines[i] = "        role: boss"
    (home.parent / "bad.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    line = error_line(run("import", "bad.yaml"), "bad.yaml", f"第 {i + 1} 行", code=2)
    assert "measures.0.units.0.role" in line and "boss" in line
    assert_nothing_imported(home)


def test_importing_a_catalog_with_broken_yaml_names_file_and_line(home: Path) -> None:
    lines = tiny_catalog_lines()
    i = lines.index("    number: '2'")
    lines[i] = "   number: '2'"
    (home.parent / "broken.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    error_line(run("import", "broken.yaml"), "broken.yaml", "YAML 格式错误", f"第 {i + 1} 行", code=2)
    assert_nothing_imported(home)


def test_importing_a_yaml_list_says_it_is_not_a_catalog(home: Path) -> None:
    (home.parent / "list.yml").write_text("- 甲\n- 乙\n", encoding="utf-8")
    error_line(run("import", "list.yml"), "list.yml", "不是方案目录文件", code=2)
    assert_nothing_imported(home)


def test_importing_a_catalog_with_an_impossible_date_names_file_line_and_field(home: Path) -> None:
    lines = tiny_catalog_lines()
    i = lines.index("      due: 2025-12-31")
    lines[i] = "      due: 2025-13-45"
    (home.parent / "date.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    error_line(run("import", "date.yaml"), "date.yaml", f"第 {i + 1} 行", "measures.0.deadline.due")
    assert_nothing_imported(home)


# --- dry run ------------------------------------------------------------------------------------


def test_a_dry_run_prints_the_measures_but_writes_nothing(home: Path, tiny: Path) -> None:
    result = ok("import", "--dry-run", tiny.name)
    out = result.stdout
    assert "[新导入] tiny" in out
    for title in ("完善知识产权保护制度", "加强知识产权行政执法", "加强组织领导"):
        assert title in out
    assert "区市场监管局(牵头)" in out
    assert "试运行" in out
    assert "方案目录:" not in out  # no catalog path announced
    assert_nothing_imported(home)


# --- database state -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["plans"],
        ["plans", "--json"],
        ["import", "tiny.txt"],
        ["measures", "1"],
        ["export", "1", "--format", "yaml"],
    ],
    ids=lambda args: "-".join(args),
)
def test_a_command_before_db_upgrade_says_to_run_db_upgrade(cli_env: Path, args: list[str]) -> None:
    write_plan(cli_env.parent / "tiny.txt")
    error_line(run(*args), "zonecheck db upgrade", code=3)
    assert catalog_files(cli_env) == []

    ok("db", "upgrade")
    assert_nothing_imported(cli_env)


def test_db_status_before_upgrade_tells_to_run_db_upgrade(cli_env: Path) -> None:
    result = ok("db", "status")
    assert "空库" in result.stdout and "zonecheck db upgrade" in result.stdout


@pytest.mark.parametrize(
    "args",
    [["plans"], ["import", "tiny.txt"], ["db", "status"], ["db", "upgrade"], ["measures", "1"]],
    ids=lambda args: "-".join(args),
)
def test_an_unreachable_database_is_one_line_and_exit_code_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("ZONECHECK_HOME", str(home))
    monkeypatch.setenv("ZONECHECK_DB", UNREACHABLE_DB)
    monkeypatch.chdir(tmp_path)
    write_plan(tmp_path / "tiny.txt")

    line = error_line(run(*args), "无法连接数据库", "127.0.0.1", code=3)
    assert "postgresql+psycopg://postgres@127.0.0.1:1/none" in line
    assert catalog_files(home) == []


@pytest.mark.parametrize(
    ("db", "words"),
    [
        ("mysql://user@host/db", ["不支持的数据库地址", "mysql://user@host/db"]),
        ("not a url", ["无法使用数据库地址", "not a url"]),
        ("postgresql+psycopg://u:secret@127.0.0.1:1/x", ["无法连接数据库", "***"]),
    ],
    ids=["other-backend", "garbage", "password-hidden"],
)
def test_a_bad_database_address_is_one_line_without_its_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: str, words: list[str]
) -> None:
    monkeypatch.setenv("ZONECHECK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ZONECHECK_DB", db)
    monkeypatch.chdir(tmp_path)
    for args in (["plans"], ["db", "upgrade"]):
        line = error_line(run(*args), *words, code=3)
        assert "secret" not in line


def test_a_data_folder_that_cannot_be_created_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("ZONECHECK_HOME", str(blocker / "home"))
    monkeypatch.delenv("ZONECHECK_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    error_line(run("db", "upgrade"), "无法创建数据目录", str(blocker / "home"), code=3)


def test_a_read_only_command_on_a_new_data_folder_creates_no_database_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("ZONECHECK_HOME", str(home))
    monkeypatch.delenv("ZONECHECK_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    error_line(run("plans"), "zonecheck db upgrade")
    assert not (home / "zonecheck.db").exists()


# --- unknown plan or unit -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["measures", "没有的方案"],
        ["measures", "999"],
        ["measures", "没有的方案", "--json"],
        ["export", "没有的方案"],
        ["export", "999", "--format", "yaml", "-o", "out.yaml"],
    ],
    ids=lambda args: "-".join(args),
)
def test_an_unknown_plan_is_reported_by_name(home: Path, args: list[str]) -> None:
    ok("import", write_plan(home.parent / "tiny.txt").name)  # some plan exists, just not this one
    error_line(run(*args), "找不到方案", args[1])
    assert not (home.parent / "out.yaml").exists()


def test_an_unknown_unit_for_measures_is_reported_by_name(home: Path, tiny: Path) -> None:
    ok("import", tiny.name)
    # The known unit works, so the error below is about the unit, not the plan.
    known = json.loads(ok("measures", "tiny", "--unit", "区市场监管局", "--json").stdout)
    assert [m["ref"] for m in known] == ["1", "2"]

    for extra in ([], ["--json"]):
        error_line(run("measures", "tiny", "--unit", "区不存在局", *extra), "找不到责任单位", "区不存在局")


# --- export, edit, import -----------------------------------------------------------------------


def test_an_exported_catalog_edited_and_imported_updates_only_that_measure(home: Path, tiny: Path) -> None:
    ok("import", tiny.name)
    exported = home.parent / "tiny-export.yaml"
    result = ok("export", "tiny", "--format", "yaml", "-o", exported.name)
    assert "已导出到" in result.stdout
    text = exported.read_text(encoding="utf-8")

    unchanged = ok("import", exported.name)  # the export itself says exactly what the db holds
    assert "[无变化] tiny" in unchanged.stdout, unchanged.stdout
    assert "变化:" not in unchanged.stdout

    assert text.count("title: 完善知识产权保护制度\n") == 1
    exported.write_text(
        text.replace("title: 完善知识产权保护制度\n", "title: 完善区级知识产权保护制度\n"), encoding="utf-8"
    )
    updated = ok("import", exported.name)
    assert "[已更新] tiny" in updated.stdout, updated.stdout
    changes = [line.strip() for line in updated.stdout.splitlines() if line.strip().startswith("变化:")]
    assert changes == ["变化:措施 1 修改了标题"], updated.stdout
    measures = json.loads(ok("measures", "tiny", "--json").stdout)
    assert [m["title"] for m in measures] == ["完善区级知识产权保护制度", "加强知识产权行政执法", "加强组织领导"]
    assert [m["state"] for m in measures] == [measures[0]["state"]] * 3

    again = ok("import", exported.name)
    assert "[无变化] tiny" in again.stdout, again.stdout
    assert "变化:" not in again.stdout
    assert len(plans_json()) == 1


# --- help ---------------------------------------------------------------------------------------


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield prefix
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # the root group imports its commands on demand
        command = group.get_command(ctx, name)
        assert command is not None, name
        if isinstance(command, click.Group):
            yield from _command_paths(command, (*prefix, name))
        else:
            yield (*prefix, name)


def test_the_help_walk_finds_every_command() -> None:
    paths = {" ".join(p) for p in _command_paths(cli)}
    assert {"", "db", "db upgrade", "db status", "import", "plans", "measures", "export"} <= paths
    # The workflow commands (the walk is what the example test below runs over).
    assert {
        "measure",
        "start",
        "part done",
        "part undo",
        "selfcheck",
        "withdraw",
        "review accept",
        "review return",
        "review reopen",
        "review levels",
        "status",
        "overdue",
        "history",
        "audit verify",
        "evidence add",
        "evidence replace",
        "evidence remove",
        "evidence list",
        "evidence verify",
        "indicator list",
        "indicator report",
        "user add",
        "user list",
        "unit list",
        "unit add",
        "unit group",
    } <= paths


@pytest.mark.parametrize("path", list(_command_paths(cli)), ids=lambda p: " ".join(p) or "zonecheck")
def test_every_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    for flag in ("--help", "-h"):
        result = ok(*path, flag)
        assert "Usage:" in result.stdout
        assert "示例" in result.stdout, result.stdout
        assert "zonecheck" in result.stdout.split("示例", 1)[1]
