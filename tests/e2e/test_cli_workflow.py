"""The workflow commands' contract, against both backends, through click's CliRunner.

Every refusal and bad input is one line on stderr starting with "错误:" that names the cause
(see `error_line`), with exit status 1 for what the rules or the data forbid (unknown measure
or person, wrong state, another unit's measure, missing evidence, a broken audit chain) and 2
for what was typed wrong (no --as, a malformed measure name, a bad file, date or score).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from tests.support.databases import app_with_state
from workflow.bootstrap import App
from workflow.cli import cli

from .test_cli_errors import error_line, ok, run

PLAN = """\
某区知识产权保护示范区建设工作方案

一、重点任务
1.完善知识产权保护制度。制定区级知识产权保护实施办法。建立知识产权侵权纠纷快速处理机制。(区市场监管局牵头,区司法局配合;2025年12月底前完成)
2.加强知识产权行政执法。开展商标侵权专项整治行动。(区市场监管局;持续推进)
3.加强知识产权宣传。开展知识产权宣传周活动。(区知识产权联席会议各成员单位;持续推进)
二、保障措施
(一)加强组织领导。成立领导小组,统筹推进各项工作。
"""
ITEM_1 = "制定区级知识产权保护实施办法"
ITEM_2 = "建立知识产权侵权纠纷快速处理机制"
DOC_DATE = "2024-05-10"  # inside the plan period (it ends with the latest deadline, 2025-12-31)
PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)

ADMIN, REVIEWER, CONFLICTED, LEAD, CO = "王主任", "李四", "钱五", "张三", "赵六"
# Commands that act as somebody, each on the (unknown) measure MEASURE.
ACTING: dict[str, list[str]] = {
    "start": ["start", "{m}"],
    "part-done": ["part", "done", "{m}"],
    "part-undo": ["part", "undo", "{m}"],
    "selfcheck": ["selfcheck", "{m}", "--statement", "已完成"],
    "withdraw": ["withdraw", "{m}"],
    "review-accept": ["review", "accept", "{m}", "--score", "90"],
    "review-return": ["review", "return", "{m}", "--comment", "缺少台账"],
    "review-reopen": ["review", "reopen", "{m}", "--reason", "抽查"],
    "evidence-add": ["evidence", "add", "{m}", "--item", "1", "--note", "已召开会议"],
}
# Commands that only read a measure.
READING: dict[str, list[str]] = {
    "history": ["history", "{m}"],
    "evidence-list": ["evidence", "list", "{m}"],
    "measure": ["measure", "{m}"],
}
# Who may do each acting command on measure 1, so that only the point under test can fail.
ACTOR = {
    "start": LEAD,
    "part-done": LEAD,
    "part-undo": LEAD,
    "selfcheck": LEAD,
    "withdraw": LEAD,
    "review-accept": REVIEWER,
    "review-return": REVIEWER,
    "review-reopen": REVIEWER,
    "evidence-add": LEAD,
}


def args_for(template: list[str], measure: str) -> list[str]:
    return [a.format(m=measure) for a in template]


def as_(person: str, *args: str) -> list[str]:
    return ["--as", person, *args]


def json_of(*args: str) -> Any:
    return json.loads(ok(*args).stdout)


@dataclass
class Office:
    home: Path  # ZONECHECK_HOME
    folder: Path  # the working directory, where the test's files are written
    db_url: str

    def pdf(self, name: str, extra: bytes = b"") -> str:
        path = self.folder / name
        path.write_bytes(PDF + extra)
        return name

    def add_evidence(self, person: str, measure: str, item: int, name: str | None = None) -> None:
        name = name or self.pdf(
            f"{person}-{measure.replace('/', '-')}-{item}.pdf", name_bytes(person, item)
        )
        ok(*as_(person, "evidence", "add", measure, "--item", str(item), name, "--date", DOC_DATE))

    def ready_for_selfcheck(self, measure: str = "plan/1") -> None:
        """Measure 1 started, evidence for both items, both units' parts done."""
        ok(*as_(LEAD, "start", measure))
        self.add_evidence(LEAD, measure, 1)
        self.add_evidence(CO, measure, 2)
        ok(*as_(LEAD, "part", "done", measure))
        ok(*as_(CO, "part", "done", measure))

    def self_checked(self, measure: str = "plan/1") -> None:
        self.ready_for_selfcheck(measure)
        ok(*as_(LEAD, "selfcheck", measure, "--statement", "已制定实施办法并建立快速处理机制"))


def name_bytes(person: str, item: int) -> bytes:
    return f"% {person} {item}\n".encode()


@pytest.fixture
def office(cli_env: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> Office:
    """The plan above imported, an admin, an office reviewer (李四), a reviewer of 区市场监管局 (钱五),
    a member of the lead unit (张三, 区市场监管局) and of the co-unit (赵六, 区司法局)."""
    monkeypatch.delenv("ZONECHECK_USER", raising=False)
    (cli_env.parent / "plan.txt").write_text(PLAN, encoding="utf-8")
    # Built through the CLI once per worker and backend, then copied (tests/support/databases.py).
    app, _ = app_with_state(db_url, cli_env, "cli-office", _office_through_the_cli)
    app.close()
    return Office(home=cli_env, folder=cli_env.parent, db_url=db_url)


def _office_through_the_cli(app: App) -> None:
    """`office`'s state: `db upgrade`, `import plan.txt` and `user add` for each person."""
    env: dict[str, str | None] = {
        "ZONECHECK_HOME": str(app.settings.home),
        "ZONECHECK_DB": app.settings.db_url,
        "ZONECHECK_USER": None,
    }
    folder = Path(tempfile.mkdtemp(prefix="zonecheck-office-"))
    (folder / "plan.txt").write_text(PLAN, encoding="utf-8")
    steps = [
        ["db", "upgrade"],
        ["import", "plan.txt"],
        ["user", "add", ADMIN, "--role", "admin"],
        as_(ADMIN, "user", "add", REVIEWER, "--role", "reviewer"),
        as_(ADMIN, "user", "add", CONFLICTED, "--role", "reviewer", "--unit", "区市场监管局"),
        as_(ADMIN, "user", "add", LEAD, "--unit", "区市场监管局"),
        as_(ADMIN, "user", "add", CO, "--unit", "区司法局"),
    ]
    with contextlib.chdir(folder):
        for args in steps:
            result = CliRunner().invoke(cli, args, env=env)
            assert result.exit_code == 0 and result.exception is None, (args, result.output)
    shutil.rmtree(folder)


def stored_files(office: Office) -> list[Path]:
    folder = office.home / "evidence"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def refused_in_history(measure: str) -> list[dict[str, Any]]:
    return [e for e in json_of("history", measure, "--json") if e["refused"]]


# --- who and what: unknown measure, unknown person, no --as, malformed name ----------------------


@pytest.mark.parametrize("command", [*ACTING, *READING])
def test_an_unknown_measure_is_exit_1_naming_plan_and_number(office: Office, command: str) -> None:
    template = ACTING.get(command) or READING[command]
    prefix = as_(ACTOR[command]) if command in ACTING else []
    line = error_line(run(*prefix, *args_for(template, "plan/9")), "plan", "“9”", code=1)
    assert "zonecheck measures plan" in line  # says how to find the right number


@pytest.mark.parametrize("command", ["start", "history", "evidence-add", "review-accept"])
def test_an_unknown_plan_is_exit_1_naming_it(office: Office, command: str) -> None:
    template = ACTING.get(command) or READING[command]
    prefix = as_(ACTOR[command]) if command in ACTING else []
    error_line(
        run(*prefix, *args_for(template, "没有的方案/1")), "找不到方案", "没有的方案", code=1
    )


ADMIN_COMMANDS: dict[str, list[str]] = {
    "user-add": ["user", "add", "孙七", "--unit", "区司法局"],
    "unit-add": ["unit", "add", "区财政局"],
    "unit-group": ["unit", "group", "区知识产权联席会议各成员单位", "--add", "区司法局"],
    "review-levels": ["review", "levels", "plan", "初审", "专家评审"],
    "evidence-replace": ["evidence", "replace", "1", "--note", "修订"],
    "evidence-remove": ["evidence", "remove", "1"],
}


@pytest.mark.parametrize("command", [*ACTING, *ADMIN_COMMANDS])
def test_an_unknown_person_is_exit_1_naming_them(office: Office, command: str) -> None:
    template = ACTING.get(command) or ADMIN_COMMANDS[command]
    line = error_line(
        run(*as_("无名氏", *args_for(template, "plan/1"))), "找不到人员“无名氏”", code=1
    )
    assert "zonecheck user list" in line


@pytest.mark.parametrize("command", [*ACTING, *ADMIN_COMMANDS])
def test_acting_without_as_is_exit_2_saying_how_to_name_the_actor(
    office: Office, command: str
) -> None:
    template = ACTING.get(command) or ADMIN_COMMANDS[command]
    error_line(run(*args_for(template, "plan/1")), "--as", "ZONECHECK_USER", code=2)


@pytest.mark.parametrize(
    ("command", "name"),
    [
        ("start", "plan-1"),
        ("selfcheck", "plan/"),
        ("review-accept", "/1"),
        ("evidence-add", "plan1"),
        ("history", "plan-1"),
        ("history", "/"),
    ],
)
def test_a_malformed_measure_name_is_exit_2_with_the_expected_form(
    office: Office, command: str, name: str
) -> None:
    template = ACTING.get(command) or READING[command]
    prefix = as_(ACTOR[command]) if command in ACTING else []
    error_line(run(*prefix, *args_for(template, name)), "方案/编号", f"“{name}”", code=2)


def test_zonecheck_user_acts_like_as_and_as_wins(
    office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZONECHECK_USER", LEAD)
    assert "未启动 → 推进中" in ok("start", "plan/1").stdout
    monkeypatch.setenv("ZONECHECK_USER", REVIEWER)  # an office reviewer may not do unit work ...
    ok(*as_(LEAD, "start", "plan/2"))  # ... but --as names somebody else
    history = json_of("history", "plan/1", "--json")
    assert [(e["actor"], e["action"]) for e in history] == [(LEAD, "start")]

    monkeypatch.setenv("ZONECHECK_USER", "无名氏")
    error_line(run("start", "plan/3"), "找不到人员“无名氏”", code=1)
    monkeypatch.setenv("ZONECHECK_USER", "  ")  # blank is the same as unset
    error_line(run("start", "plan/3"), "--as", code=2)


# --- the rules: wrong state, another unit, missing evidence -------------------------------------


@pytest.mark.parametrize(
    ("command", "state"),
    [
        ("selfcheck", "未启动"),
        ("part-done", "未启动"),
        ("withdraw", "未启动"),
        ("review-accept", "未启动"),
        ("review-return", "未启动"),
        ("review-reopen", "未启动"),
    ],
)
def test_a_transition_from_the_wrong_state_is_exit_1_naming_the_state(
    office: Office, command: str, state: str
) -> None:
    error_line(
        run(*as_(ACTOR[command], *args_for(ACTING[command], "plan/1"))), f"当前为“{state}”", code=1
    )
    [entry] = refused_in_history("plan/1")
    assert entry["actor"] == ACTOR[command] and f"当前为“{state}”" in entry["comment"]


def test_wrong_state_later_in_the_cycle(office: Office) -> None:
    ok(*as_(LEAD, "start", "plan/1"))
    error_line(run(*as_(LEAD, "start", "plan/1")), "当前为“推进中”", "不能启动", code=1)
    error_line(run(*as_(REVIEWER, "review", "accept", "plan/1")), "当前为“推进中”", code=1)
    error_line(run(*as_(LEAD, "withdraw", "plan/1")), "当前为“推进中”", code=1)
    office.add_evidence(LEAD, "plan/1", 1)
    office.add_evidence(CO, "plan/1", 2)
    ok(*as_(LEAD, "part", "done", "plan/1"))
    error_line(run(*as_(LEAD, "part", "done", "plan/1")), "已标记完成", code=1)
    ok(*as_(CO, "part", "done", "plan/1"))
    ok(*as_(LEAD, "selfcheck", "plan/1", "--statement", "已完成"))
    error_line(
        run(*as_(LEAD, "selfcheck", "plan/1", "--statement", "再交一次")), "当前为“已自查”", code=1
    )
    error_line(
        run(*as_(LEAD, "evidence", "add", "plan/1", "--item", "1", "--note", "补充")),
        "正在审核",
        code=1,
    )
    ok(*as_(REVIEWER, "review", "accept", "plan/1", "--score", "90"))
    error_line(run(*as_(REVIEWER, "review", "accept", "plan/1")), "当前为“已验收”", code=1)
    assert len(refused_in_history("plan/1")) == 7


def test_evidence_for_a_measure_not_started_says_to_start_it(office: Office) -> None:
    office.pdf("a.pdf")
    error_line(
        run(*as_(LEAD, "evidence", "add", "plan/1", "--item", "1", "a.pdf")),
        "尚未启动",
        "zonecheck start plan/1",
        code=1,
    )


def test_another_units_measure_is_exit_1_and_on_record(office: Office) -> None:
    # 区司法局 is not responsible for measure 2 (区市场监管局 alone).
    error_line(
        run(*as_(CO, "start", "plan/2")), CO, "区司法局", "不是措施 plan/2的责任单位", code=1
    )
    ok(*as_(LEAD, "start", "plan/2"))
    office.pdf("b.pdf")
    for args in (["evidence", "add", "plan/2", "--item", "1", "b.pdf"], ["part", "done", "plan/2"]):
        error_line(run(*as_(CO, *args)), "不是措施 plan/2的责任单位", code=1)
    refused = refused_in_history("plan/2")
    assert [(e["actor"], e["action"]) for e in refused] == [
        (CO, "start"),
        (CO, "evidence_add"),
        (CO, "part_done"),
    ]
    assert json_of("evidence", "list", "plan/2", "--json") == []  # nothing stored for the refusal


def test_only_the_lead_submits_only_the_office_reviews_and_nobody_reviews_their_own_unit(
    office: Office,
) -> None:
    office.ready_for_selfcheck()
    error_line(
        run(*as_(CO, "selfcheck", "plan/1", "--statement", "x")),
        "不是措施 plan/1的牵头单位",
        code=1,
    )
    error_line(run(*as_(REVIEWER, "start", "plan/2")), "办公室人员", code=1)
    ok(*as_(LEAD, "selfcheck", "plan/1", "--statement", "已完成"))
    error_line(run(*as_(LEAD, "review", "accept", "plan/1")), "不是审核人", code=1)
    line = error_line(
        run(*as_(CONFLICTED, "review", "accept", "plan/1", "--score", "99")), CONFLICTED, code=1
    )
    assert "区市场监管局" in line and "须回避" in line
    error_line(
        run(*as_(CONFLICTED, "review", "return", "plan/1", "--comment", "x")), "须回避", code=1
    )
    ok(*as_(REVIEWER, "review", "accept", "plan/1", "--score", "90"))
    refused = [(e["actor"], e["action"]) for e in refused_in_history("plan/1")]
    assert refused == [
        (CO, "submit_self_check"),
        (LEAD, "accept"),
        (CONFLICTED, "accept"),
        (CONFLICTED, "return_for_rectification"),
    ]


def test_a_selfcheck_without_evidence_names_every_missing_item_and_pending_unit(
    office: Office,
) -> None:
    ok(*as_(LEAD, "start", "plan/1"))
    line = error_line(run(*as_(LEAD, "selfcheck", "plan/1", "--statement", "已完成")), code=1)
    assert "清单条目缺少佐证材料" in line
    assert f"第 1 项“{ITEM_1}”" in line and f"第 2 项“{ITEM_2}”" in line
    assert "尚未标记完成其负责部分" in line and "区市场监管局" in line and "区司法局" in line

    office.add_evidence(LEAD, "plan/1", 1)
    ok(*as_(LEAD, "part", "done", "plan/1"))
    ok(*as_(CO, "part", "done", "plan/1"))
    line = error_line(
        run(*as_(LEAD, "selfcheck", "plan/1", "--statement", "已完成")),
        f"第 2 项“{ITEM_2}”",
        code=1,
    )
    assert ITEM_1 not in line and "尚未标记完成" not in line
    assert json_of("measures", "plan", "--json")[0]["state"] == "in_progress"


def test_a_group_measure_needs_the_group_mapped_first(office: Office) -> None:
    line = error_line(run(*as_(CO, "start", "plan/3")), "区知识产权联席会议各成员单位", code=1)
    assert "zonecheck unit group" in line
    ok(
        *as_(
            ADMIN,
            "unit",
            "group",
            "区知识产权联席会议各成员单位",
            "--add",
            "区市场监管局",
            "--add",
            "区司法局",
        )
    )
    ok(*as_(CO, "start", "plan/3"))


# --- bad input: files, dates, scores -------------------------------------------------------------


def test_an_empty_file_is_exit_2_and_nothing_is_stored(office: Office) -> None:
    ok(*as_(LEAD, "start", "plan/1"))
    (office.folder / "空.pdf").write_bytes(b"")
    error_line(
        run(*as_(LEAD, "evidence", "add", "plan/1", "--item", "1", "空.pdf")),
        "空.pdf",
        "空文件",
        code=2,
    )
    assert json_of("evidence", "list", "plan/1", "--json") == []


@pytest.mark.parametrize(
    ("name", "content", "detected"),
    [
        ("说明.pdf", "这是一段文字,不是 PDF。\n".encode(), "文本"),
        ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00", "可执行文件"),
        ("图.gif", b"GIF89a\x01\x00\x01\x00", "GIF"),
    ],
    ids=["text", "exe", "gif"],
)
def test_a_refused_file_type_is_exit_2_naming_what_it_is(
    office: Office, name: str, content: bytes, detected: str
) -> None:
    ok(*as_(LEAD, "start", "plan/1"))
    (office.folder / name).write_bytes(content)
    line = error_line(
        run(*as_(LEAD, "evidence", "add", "plan/1", "--item", "1", name)), name, detected, code=2
    )
    assert "PDF" in line  # lists what is allowed
    assert json_of("evidence", "list", "plan/1", "--json") == []
    assert stored_files(office) == []


def test_a_missing_file_is_exit_2_naming_it(office: Office) -> None:
    ok(*as_(LEAD, "start", "plan/1"))
    good = office.pdf("good.pdf")
    error_line(
        run(*as_(LEAD, "evidence", "add", "plan/1", "--item", "1", good, "没有这个文件.pdf")),
        "没有这个文件.pdf",
        "无法读取文件",
        code=2,
    )
    assert json_of("evidence", "list", "plan/1", "--json") == []
    assert stored_files(office) == []  # the good file is not kept either


@pytest.mark.parametrize(
    "args",
    [
        ["evidence", "add", "plan/1", "--item", "1", "x.pdf", "--date", "2024-13-01"],
        ["evidence", "add", "plan/1", "--item", "1", "x.pdf", "--date", "2024/05/01"],
        ["evidence", "add", "plan/1", "--item", "1", "x.pdf", "--date", "明天"],
        ["review", "return", "plan/1", "--comment", "x", "--due", "2024-02-30"],
        ["status", "plan", "--today", "20240501"],
        ["overdue", "plan", "--today", "2024-5-1x"],
        ["selfcheck", "plan/1", "--statement", "x", "--today", "yesterday"],
    ],
    ids=["month-13", "slashes", "words", "feb-30", "status", "overdue", "selfcheck"],
)
def test_a_bad_date_is_exit_2_in_chinese_naming_option_and_value(
    office: Office, args: list[str]
) -> None:
    option = next(a for a in args if a in ("--date", "--due", "--today"))
    value = args[args.index(option) + 1]
    line = error_line(run(*as_(LEAD, *args)), option, "YYYY-MM-DD", f"“{value}”", code=2)
    assert "Invalid" not in line and "Usage" not in line


def test_a_document_date_in_the_future_is_exit_2(office: Office) -> None:
    ok(*as_(LEAD, "start", "plan/1"))
    office.pdf("x.pdf")
    error_line(
        run(
            *as_(LEAD, "evidence", "add", "plan/1", "--item", "1", "x.pdf", "--date", "2099-01-01")
        ),
        "2099-01-01",
        "晚于今天",
        code=2,
    )


@pytest.mark.parametrize(
    ("verdict", "score"),
    [
        ("accept", "101"),
        ("accept", "-1"),
        ("accept", "九十"),
        ("return", "90.5"),
        ("return", "120"),
    ],
)
def test_a_score_out_of_range_is_exit_2_before_anything_happens(
    office: Office, score: str, verdict: str
) -> None:
    office.self_checked()
    extra = ["--comment", "缺少台账"] if verdict == "return" else []
    line = error_line(
        run(*as_(REVIEWER, "review", verdict, "plan/1", "--score", score, *extra)),
        "--score",
        "0 到 100",
        score,
        code=2,
    )
    assert "Invalid" not in line
    assert json_of("measures", "plan", "--json")[0]["state"] == "self_checked"
    assert refused_in_history("plan/1") == []  # a typing error is not an attempt on record


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["start"], ["缺少参数", "方案/编号"]),
        (["selfcheck", "plan/1"], ["缺少选项", "--statement"]),
        (["review", "return", "plan/1"], ["缺少选项", "--comment"]),
        (["evidence", "add", "plan/1", "x.pdf"], ["缺少选项", "--item"]),
        (["evidence", "add", "plan/1", "--item", "0", "x.pdf"], ["--item", "不小于 1"]),
        (["evidence", "replace", "第一份", "x.pdf"], ["材料编号", "整数", "第一份"]),
        (["start", "plan/1", "多余"], ["多余的参数", "多余"]),
        (["start", "--force", "plan/1"], ["没有选项", "--force"]),
        (["stat", "plan"], ["没有命令", "stat"]),
        (["user", "add", "孙七", "--role", "boss"], ["--role", "member", "reviewer", "admin"]),
    ],
    ids=[
        "missing-argument",
        "missing-statement",
        "missing-comment",
        "missing-item",
        "item-zero",
        "evidence-id-not-a-number",
        "extra-argument",
        "unknown-option",
        "unknown-command",
        "bad-choice",
    ],
)
def test_usage_errors_are_one_chinese_line_with_exit_2(
    office: Office, args: list[str], words: list[str]
) -> None:
    line = error_line(run(*as_(LEAD, *args)), *words, code=2)
    assert "--help" in line  # where to read the usage
    assert not any(w in line for w in ("Usage", "Error", "Invalid", "Missing", "No such"))


def test_a_group_without_a_command_still_shows_its_help(office: Office) -> None:
    result = run("review")
    assert result.exit_code == 2
    assert "accept" in result.output and "示例" in result.output


# --- integrity: audit chain and evidence store ---------------------------------------------------


def test_a_tampered_audit_row_fails_audit_verify_naming_the_entry(office: Office) -> None:
    office.self_checked()
    assert "哈希链校验通过" in ok("audit", "verify").stdout
    history = json_of("history", "plan/1", "--json")
    target = next(e for e in history if e["action"] == "submit_self_check")

    engine = create_engine(office.db_url)
    try:
        with engine.begin() as conn:
            changed = conn.execute(
                text("UPDATE audit_log SET comment = :c WHERE seq = :s"),
                {"c": "篡改后的说明", "s": target["seq"]},
            ).rowcount
    finally:
        engine.dispose()
    assert changed == 1

    result = run("audit", "verify")
    line = error_line(result, "审计日志校验未通过", f"第 {target['seq']} 条", "被修改", code=1)
    assert "另有" not in line  # exactly one entry is wrong
    assert f"第 {target['seq']} 条记录内容被修改" in result.stdout


def test_a_changed_evidence_file_fails_evidence_verify_naming_it(office: Office) -> None:
    office.self_checked()
    assert "均与记录一致" in ok("evidence", "verify").stdout
    [first, *_] = json_of("evidence", "list", "plan/1", "--json")
    blob = next(p for p in (office.home / "evidence" / "objects").rglob(first["sha256"]))
    blob.chmod(0o644)
    blob.write_bytes(blob.read_bytes() + b"tampered")

    line = error_line(
        run("evidence", "verify"), "佐证材料校验未通过", f"#{first['id']}", "被改动", code=1
    )
    assert first["file_name"] in line


# --- views: status, overdue, history ------------------------------------------------------------


STATES = {"planned", "in_progress", "self_checked", "accepted", "rectifying"}


def test_status_json_shape_and_figures(office: Office) -> None:
    empty = json_of("status", "plan", "--json", "--today", "2025-06-01")
    assert set(empty) >= {
        "plan",
        "today",
        "review_levels",
        "total",
        "by_state",
        "acceptance_rate",
        "average_score",
        "overdue",
        "by_section",
        "by_unit",
        "indicators",
    }
    assert empty["plan"]["key"] == "plan" and empty["today"] == "2025-06-01"
    assert empty["total"] == 4 and set(empty["by_state"]) == STATES
    assert empty["by_state"]["planned"] == 4 and empty["acceptance_rate"] == 0
    assert empty["average_score"] is None

    office.self_checked()
    ok(*as_(REVIEWER, "review", "accept", "plan/1", "--score", "88"))
    ok(*as_(LEAD, "start", "plan/2"))
    office.add_evidence(LEAD, "plan/2", 1)
    ok(*as_(LEAD, "part", "done", "plan/2"))
    ok(*as_(LEAD, "selfcheck", "plan/2", "--statement", "已开展专项整治"))
    ok(
        *as_(REVIEWER, "review", "return", "plan/2", "--comment", "缺少案件台账", "--score", "60"),
        "--today", "2025-06-01", "--due", "2025-06-30",
    )  # fmt: skip

    data = json_of("status", "plan", "--json", "--today", "2025-07-01")
    assert data["by_state"] == {
        "planned": 2,
        "in_progress": 1,
        "self_checked": 0,
        "accepted": 1,
        "rectifying": 1,
    }
    assert data["acceptance_rate"] == 0.25
    assert data["average_score"] == 88  # a return's score is not a pass's
    assert data["overdue"] == 1  # measure 2: its rectification was due 2025-06-30
    units = {u["unit"]: u for u in data["by_unit"]}
    assert set(units["区市场监管局"]) == {"unit", "total", "by_state", "overdue", "returned"}
    assert units["区市场监管局"]["total"] == 2
    assert units["区市场监管局"]["returned"] == ["2"] and units["区市场监管局"]["overdue"] == ["2"]
    assert units["区司法局"]["by_state"]["accepted"] == 1
    assert sum(s["total"] for s in data["by_section"]) == 4
    assert all(set(s) == {"section", "total", "by_state"} for s in data["by_section"])

    shown = ok("status", "plan", "--today", "2025-07-01").stdout
    assert "验收率 25.0%" in shown and "整改中 1" in shown


def test_overdue_json_shape_lists_units_with_reasons(office: Office) -> None:
    ok(*as_(LEAD, "start", "plan/1"))
    soon = json_of("overdue", "plan", "--json", "--today", "2025-12-15")
    assert set(soon) == {"plan", "today", "overdue_measures", "units"}
    assert soon["today"] == "2025-12-15" and soon["overdue_measures"] == 0
    by_unit = {u["unit"]: u for u in soon["units"]}
    assert set(by_unit) == {"区市场监管局", "区司法局"}
    [entry] = by_unit["区司法局"]["due_soon"]
    assert entry["ref"] == "1" and entry["due"] == "2025-12-31" and entry["role"] == "co"
    assert by_unit["区市场监管局"]["due_soon"][0]["role"] == "lead"

    late = json_of("overdue", "plan", "--json", "--today", "2026-01-10")
    assert late["overdue_measures"] == 1
    by_unit = {u["unit"]: u for u in late["units"]}
    [entry] = by_unit["区市场监管局"]["overdue"]
    assert {"ref", "title", "state", "state_label", "deadline", "lead", "role", "reasons"} <= set(
        entry
    )
    assert entry["state"] == "in_progress" and entry["lead"] == ["区市场监管局"]
    [reason] = entry["reasons"]
    assert reason == {
        "kind": "deadline",
        "due": "2025-12-31",
        "days_late": 10,
        "year": None,
        "text": reason["text"],
    }
    assert "已逾期 10 天" in reason["text"]
    assert by_unit["区司法局"]["overdue"][0]["role"] == "co"

    shown = ok("overdue", "plan", "--today", "2026-01-10").stdout
    assert "[逾期] 1" in shown and "已逾期 10 天" in shown


def test_history_lists_every_event_with_refusals(office: Office) -> None:
    error_line(run(*as_(CO, "start", "plan/2")), code=1)
    ok(*as_(LEAD, "start", "plan/2"))
    office.add_evidence(LEAD, "plan/2", 1)
    ok(*as_(LEAD, "part", "done", "plan/2"))
    ok(*as_(LEAD, "selfcheck", "plan/2", "--statement", "已开展专项整治"))
    error_line(run(*as_(CONFLICTED, "review", "accept", "plan/2")), code=1)
    ok(
        *as_(
            REVIEWER,
            "review",
            "return",
            "plan/2",
            "--comment",
            "缺少案件台账",
            "--due",
            "2099-12-31",
        )
    )

    events = json_of("history", "plan/2", "--json")
    assert [(e["actor"], e["action"], e["refused"]) for e in events] == [
        (CO, "start", True),
        (LEAD, "start", False),
        (LEAD, "evidence_add", False),
        (LEAD, "part_done", False),
        (LEAD, "submit_self_check", False),
        (CONFLICTED, "accept", True),
        (REVIEWER, "return_for_rectification", False),
    ]
    assert {
        "at",
        "actor",
        "role",
        "unit",
        "action",
        "from_state",
        "to_state",
        "comment",
        "detail",
        "refused",
        "seq",
    } <= set(events[0])
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)

    shown = ok("history", "plan/2").stdout.splitlines()
    assert shown[0].startswith("措施 plan/2")
    assert any("[被拒绝] 启动" in line and CO in line for line in shown)
    assert any("[被拒绝] 验收通过" in line and "须回避" in line for line in shown)
    assert any(
        "退回整改" in line and "缺少案件台账" in line and "整改期限 2099-12-31" in line
        for line in shown
    )
    assert any("提交佐证材料" in line and "sha256:" in line for line in shown)


def test_history_of_a_measure_without_events(office: Office) -> None:
    shown = ok("history", "plan/S1").stdout
    assert "尚无记录" in shown
    assert json_of("history", "plan/S1", "--json") == []
