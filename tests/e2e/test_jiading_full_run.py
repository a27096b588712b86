"""scripts/jiading_full_run.sh end to end, on both backends: Jiading's plan from import to accepted.

The whole run drives the CLI through the suite's fork server (tests/support/cli_forkserver.py:
each of its 492 `zonecheck` calls is a process of its own running the real command, without
Python's start-up); the runs that the script refuses use the venv's real `zonecheck` executable
(PATH is set so that it resolves there). The test then reads the result back through the CLI:
every measure accepted, the audit chain and the evidence store intact, the returned measure's
history and the three refusals on record; then the acceptance review of step 4: scores and
grade, the one notice and its late supply, the panel and its on-site check, the signed report
verified, the Word copies and the 验收汇总表 read back.
"""

from __future__ import annotations

import json
import mailbox
import os
import socket
import subprocess
import sys
import time
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from docx import Document
from docx.oxml.ns import qn

from tests.support.cli_forkserver import CliForkServer

from .test_cli_errors import ok, run

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "scripts" / "jiading_full_run.sh"
PLAN = "003_ae6539458f46096d"
VENV_BIN = Path(sys.executable).parent


def script_env(seeds_dir: Path, db_url: str | None, bin_dir: Path = VENV_BIN) -> dict[str, str]:
    """The script's environment, with `zonecheck` resolving to ``bin_dir``'s."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZONECHECK_") and k != "VERBOSE"}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["ZONECHECK_SEEDS"] = str(seeds_dir)
    if db_url is not None:
        env["ZONECHECK_DB"] = db_url
    return env


def run_script(folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), str(folder)],
        env=env,
        cwd=folder.parent,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )


def backend_db(db_url: str) -> str | None:
    """The database the script is given: PostgreSQL's; for SQLite, the script's own default."""
    return db_url if db_url.startswith("postgresql") else None


def json_of(*args: str) -> Any:
    return json.loads(ok(*args).stdout)


def docx_text(path: Path) -> str:
    """Every piece of text of a Word document's body, in order (paragraphs and table cells)."""
    return "".join(t.text or "" for t in Document(str(path)).element.body.iter(qn("w:t")))


def test_the_venv_provides_zonecheck() -> None:
    assert (VENV_BIN / "zonecheck").exists(), f"no zonecheck beside {sys.executable}"


def test_jiading_from_import_to_fully_accepted(
    db_url: str,
    tmp_path: Path,
    seeds_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    cli_fork_server: CliForkServer,
) -> None:
    folder = tmp_path / "run"
    db = backend_db(db_url)
    started = time.monotonic()
    proc = run_script(folder, script_env(seeds_dir, db, cli_fork_server.bin_dir))
    elapsed = time.monotonic() - started
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    print(f"\njiading_full_run.sh on {db_url.split(':')[0]}: {elapsed:.0f} s")  # shown with -s

    assert "嘉定区全流程演示:完成" in proc.stdout
    assert "已验收 26 项,验收率 100.0%" in proc.stdout
    assert "按规则拒绝:4 次" in proc.stdout
    assert "所在单位不是措施" in proc.stdout and "须回避" in proc.stdout  # the refusals, as shown
    assert "所在辖区不负责" in proc.stdout  # the district deciding the city's level
    assert "区市场监管局”是方案" in proc.stdout  # the expert of a responsible unit, refused a seat
    assert "逾期" in proc.stdout and "签章" in proc.stdout
    assert "Traceback" not in output

    # Read the result back through the CLI, against the same data folder and database.
    monkeypatch.setenv("ZONECHECK_HOME", str(folder / "zonecheck-data"))
    if db is None:
        monkeypatch.delenv("ZONECHECK_DB", raising=False)
        assert (folder / "zonecheck-data" / "zonecheck.db").is_file()
    else:
        monkeypatch.setenv("ZONECHECK_DB", db)

    status = json_of("status", PLAN, "--json")
    assert status["total"] == 26
    assert status["by_state"]["accepted"] == 26 and status["by_state"]["rectifying"] == 0
    assert status["acceptance_rate"] == 1.0
    assert status["overdue"] == 0
    assert 85 <= status["average_score"] <= 99

    measures = json_of("measures", PLAN, "--json")
    tasks = [m for m in measures if m["kind"] == "measure"]
    assert [m["ref"] for m in tasks] == [str(n) for n in range(1, 23)]
    assert all(m["state"] == "accepted" for m in measures)
    # Groups were mapped and every member unit did its part.
    for m in tasks:
        for unit in m["units"]:
            parts = unit["members"] if unit["role"] == "group" else [unit]
            assert parts and all(p["part"] == "done" for p in parts), (m["ref"], unit)

    assert "哈希链校验通过" in ok("audit", "verify").stdout
    assert "均与记录一致" in ok("evidence", "verify").stdout

    # Measure 3: returned, fixed by replacing 区经委's evidence, resubmitted, accepted.
    history = ok("history", f"{PLAN}/3").stdout
    assert "退回整改" in history and "整改期限 2024-03-31" in history
    assert "替换佐证材料" in history
    events = json_of("history", f"{PLAN}/3", "--json")
    assert [e["action"] for e in events if e["action"] not in ("evidence_add", "part_done")] == [
        "start",
        "submit_self_check",
        "return_for_rectification",
        "evidence_replace",
        "submit_self_check",
        "review_pass",  # 区级初审
        "accept",  # 市级验收, the last level
    ]
    [export] = [
        m for m in json_of("export", PLAN, "--format", "json")["measures"] if m["ref"] == "3"
    ]
    first, second = export["self_checks"]
    assert [r["verdict"] for r in first["reviews"]] == ["return"]
    assert first["reviews"][0]["rectification_due"] == "2024-03-31"
    # Two levels: the district's 区级初审, then 上海市's 市级验收 with the score.
    assert [(r["level_name"], r["verdict"]) for r in second["reviews"]] == [
        ("区级初审", "pass"),
        ("市级验收", "pass"),
    ]
    assert status["review_levels"] == ["区级初审", "市级验收"]
    zones = {z["path"]: z for z in json_of("zone", "list", "--json")}
    assert set(zones) == {"上海市", "上海市/嘉定区"}
    # Jiading's plan, and the plan with dated deadlines that step 6 runs the reminders on.
    assert zones["上海市/嘉定区"]["plans"] == 2 and zones["上海市"]["admins"] == 1

    # Measure 10: the three refusals are on record, and nothing else was refused anywhere.
    refused = [e for e in json_of("history", f"{PLAN}/10", "--json") if e["refused"]]
    assert [(e["actor"], e["unit"], e["action"]) for e in refused] == [
        ("区法院联络员", "区法院", "start"),
        ("钱审核员", "区市场监管局", "accept"),
        ("周审核员", "", "accept"),
    ]
    assert "不是措施" in refused[0]["comment"] and "须回避" in refused[1]["comment"]
    assert "所在辖区不负责" in refused[2]["comment"] and "市级验收" in refused[2]["comment"]
    assert "[被拒绝] 启动" in ok("history", f"{PLAN}/10").stdout
    check_acceptance_review(folder, monkeypatch)
    check_reminders(folder, proc.stdout)

    for m in measures:
        if m["ref"] != "10":
            assert not any(
                e["refused"] for e in json_of("history", f"{PLAN}/{m['ref']}", "--json")
            ), m["ref"]


def check_reminders(folder: Path, stdout: str) -> None:
    """Step 6: the day's digests reached the mail catcher the script started, and it stopped."""
    box = mailbox.Maildir(folder / "邮件", create=False)
    mails = {str(make_header(decode_header(m["To"]))): m for m in box}
    assert set(mails) == {
        "scjgj@jiading.example.gov.cn", "sfj@jiading.example.gov.cn", "jcy@jiading.example.gov.cn",
        "duban@jiading.example.gov.cn",
    }
    market = mails["scjgj@jiading.example.gov.cn"]
    assert str(make_header(decode_header(market["Subject"]))).startswith("督办提醒(2025-12-20):红")
    body = market.get_payload(decode=True).decode()
    assert "已逾期(情况通报)" in body and "进度滞后(到期催办)" in body
    office = str(make_header(decode_header(mails["duban@jiading.example.gov.cn"]["Subject"])))
    assert office.startswith("督办情况通报(2025-12-20)")
    assert "本地邮件接收器收到 4 封" in stdout and "督办 红·情况通报" in stdout
    port = int((folder / "mail.port").read_text())
    with socket.socket() as sock:  # the catcher is gone: nothing listens on its port any more
        assert sock.connect_ex(("127.0.0.1", port)) != 0
    sent = json.loads(ok("--as", "王主任", "notify", "list", "--json").stdout)
    assert {m["status"] for m in sent if m["channel"] == "email"} == {"sent"}


def check_acceptance_review(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Step 4 of the run, read back: index and scores, the formal review with its one notice
    and late supply, the panel and its on-site check, the signed acceptance report."""
    status = json_of("status", PLAN, "--json")
    score = status["score"]
    assert float(score["self"]) > 85 and float(score["expert"]) > 80
    assert score["grade"] in ("优秀", "良好")
    index = json_of("index", "show", PLAN, "--json")
    leaves = [i for i in index["indicators"] if i["leaf"]]
    assert len(leaves) == 26 and index["self"]["unscored"] == 0
    assert all(i["self"] is not None and i["expert"] is not None and i["experts"] == 2 for i in leaves)
    assert all(i["statement"] and i["evidence"] for i in leaves)

    # The formal review: issued on the fixed day, one notice (区文化旅游局's), its supply late.
    formal = json_of("--as", "李审核员", "formal", "status", PLAN, "--json")
    assert (formal["opened_on"], formal["deadline"]) == ("2024-05-06", "2024-05-11")
    assert formal["closed_at"] is not None
    [notice] = formal["notices"]
    assert notice["unit"] == "区文化旅游局" and notice["gaps"] >= 1 and notice["late"] >= 1
    assert formal["supplies"] and all(s["late"] and s["unit"] == "区文化旅游局" for s in formal["supplies"])
    [pdf] = (folder / "一次性告知书").iterdir()
    assert pdf.read_bytes().startswith(b"%PDF") and notice["file"] == pdf.name
    events = json_of("history", f"{PLAN}/5", "--json")
    actions = [e["action"] for e in events if e["action"] not in ("evidence_add", "part_done")]
    assert actions[-5:] == ["accept", "reopen", "submit_self_check", "review_pass", "accept"]

    # The panel: two experts of the third party, the 组长 first; the conflicted one is not seated.
    panel = json_of("--as", "王主任", "expert", "list", PLAN, "--json")
    assert [(m["name"], m["organisation"], m["leader"], m["scored"], m["opinion"]) for m in panel["members"]] == [
        ("赵专家", "上海市知识产权服务中心", True, 26, True),
        ("孙专家", "上海市知识产权服务中心", False, 26, True),
    ]
    assert panel["finalised"] and panel["panel_opinion"]
    [site] = json_of("site", "list", PLAN, "--json")["checks"]
    assert site["held_on"] == "2024-05-20" and len(site["participants"]) == 3
    assert site["units_visited"] == ["区市场监管局", "区法院", "区文化旅游局"]
    assert site["documents"] and len(site["samples"]) == 2 and site["findings"] and site["conclusion"] == "达标"
    [photo] = site["photos"]
    assert photo["media_type"] == "png" and photo["caption"] == "听取嘉定区工作汇报"

    # The signed acceptance report verifies against the demo CA; the unsigned one is registered too.
    reports = folder / "报告"
    monkeypatch.setenv("ZONECHECK_SIGN_TRUST", str(folder / "演示用证书" / "演示用根证书.pem"))
    verified = ok("--as", "王主任", "report", "verify", str(reports / "验收报告(签章).pdf")).stdout
    assert "有效" in verified and "登记一致" in verified and "演示用,不具法律效力" in verified
    unsigned = run("--as", "王主任", "report", "verify", str(reports / "验收报告(未签章).pdf"))
    assert unsigned.exit_code == 1 and "未签名" in unsigned.output and "登记一致" in unsigned.output
    monkeypatch.delenv("ZONECHECK_SIGN_TRUST")

    # The Word copies read back: the acceptance report carries the grade and the panel's opinion,
    # the 自评报告 the office's statements; the 验收汇总表 lists every leaf.
    acceptance = docx_text(reports / "验收报告.docx")
    assert "验收报告" in acceptance and score["grade"] in acceptance and "同意通过验收" in acceptance
    assert "已完成并经区级初审、市级验收" in docx_text(reports / "自评报告.docx")
    assert (reports / "自评报告.pdf").read_bytes().startswith(b"%PDF")
    rows = list(openpyxl.load_workbook(reports / "验收汇总表.xlsx")["指标评分"].iter_rows(values_only=True))
    assert {r[0] for r in rows[1:]} >= {i["code"] for i in leaves}


def test_the_script_refuses_a_folder_that_is_not_empty(tmp_path: Path, seeds_dir: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "重要.txt").write_text("别动", encoding="utf-8")
    proc = run_script(folder, script_env(seeds_dir, None))
    assert proc.returncode == 1
    assert "不是空的" in proc.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["重要.txt"]


def test_the_script_refuses_a_database_that_is_not_empty(
    db_url: str, tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZONECHECK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ZONECHECK_DB", db_url)
    ok("db", "upgrade")
    proc = run_script(tmp_path / "run", script_env(seeds_dir, db_url))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "数据库不是空的" in proc.stderr
    assert "数据库已升级" not in proc.stdout and "新导入" not in proc.stdout
