"""scripts/partial_run.sh end to end: plans 000, 001, 002 and 004 part way through, via the CLI.

A data folder gets the five seed plans the way `make demo` imports them (`db upgrade`, `import`),
the script runs on it with the suite's fork server as `zonecheck` (tests/support/cli_forkserver.py:
a process per call running the real command, without Python's start-up), then the test reads
the folder back: the counts per state of each plan, Jiading left alone, the audit chain and the
evidence store intact, the same work as `tests/support/demo_state.py` does through the
services, and a second run, with the venv's real `zonecheck` executable, refused without
changing anything.

SQLite only, to keep it short: the script's commands are the ones the Jiading full run already
drives on both backends.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from integration.workflow_helpers import make_app
from support.demo_state import EXPECTED_STATES, ZONES, build_demo_state, work_summary

from tests.support.cli_forkserver import CliForkServer
from workflow.bootstrap import bootstrap
from workflow.config import Settings
from workflow.services import accounts

from .test_cli_errors import ok

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "scripts" / "partial_run.sh"
REMINDERS = REPO_ROOT / "scripts" / "demo_reminders.sh"
VENV_BIN = Path(sys.executable).parent
PARTIAL = ("000", "001", "002", "004")


def json_of(*args: str) -> Any:
    return json.loads(ok(*args).stdout)


def run(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args),
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )


def test_four_plans_reach_their_partial_state_through_the_cli(
    tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch, cli_fork_server: CliForkServer
) -> None:
    data = tmp_path / "zonecheck-data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZONECHECK_") and k != "VERBOSE"}
    env["ZONECHECK_HOME"] = str(data)
    # The venv's real `zonecheck` (for the refused second run), and the fork server's.
    real_env = {**env, "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"}
    env["PATH"] = f"{cli_fork_server.bin_dir}{os.pathsep}{env.get('PATH', '')}"
    # As `make demo` leaves it: each seed plan imported into its own zone.
    steps: list[list[str]] = [["db", "upgrade"]]
    made: set[str] = set()
    for prefix, path in sorted(ZONES.items()):
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            if "/".join(parts[:depth]) not in made:
                made.add("/".join(parts[:depth]))
                parent = ["--parent", "/".join(parts[: depth - 1])] if depth > 1 else []
                steps.append(["zone", "add", parts[depth - 1], *parent])
        steps.append(["import", str(next(seeds_dir.glob(f"{prefix}_*.txt"))), "--zone", path])
    for args in steps:
        done = run("zonecheck", *args, env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr

    started = time.monotonic()
    proc = run("bash", str(SCRIPT), str(data), env=env, cwd=tmp_path)
    elapsed = time.monotonic() - started
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    print(f"\npartial_run.sh: {elapsed:.0f} s")  # shown with -s
    assert "四个方案的阶段性进展:完成" in proc.stdout
    assert "按规则拒绝:3 次" in proc.stdout
    assert "哈希链校验通过" in proc.stdout and "均与记录一致" in proc.stdout
    assert "Traceback" not in output
    assert proc.stdout.count("(退出码 1,符合预期)") == 3

    # Read the result back through the CLI.
    monkeypatch.setenv("ZONECHECK_HOME", str(data))
    monkeypatch.delenv("ZONECHECK_DB", raising=False)
    keys = {p["key"][:3]: p["key"] for p in json_of("plans", "--json")}
    for prefix in PARTIAL:
        status = json_of("status", keys[prefix], "--json")
        assert status["by_state"] == EXPECTED_STATES[prefix], prefix
        assert f"$ zonecheck status {keys[prefix]}\n" in proc.stdout  # printed at the end
    jiading = json_of("status", keys["003"], "--json")
    assert jiading["by_state"]["planned"] == jiading["total"] == 26  # the full run's business
    assert "哈希链校验通过" in ok("audit", "verify").stdout

    # The same work as build_demo_state does through the services (files aside: other bytes).
    cli_app = bootstrap(Settings(home=data, db_url=f"sqlite:///{data}/zonecheck.db"))
    reference = make_app(f"sqlite:///{tmp_path}/reference.db", tmp_path / "reference")
    try:
        assert build_demo_state(reference, seeds_dir) == keys
        # Everybody can sign in to the web pages with the demo password.
        for name in ("周主任", "黄志强", "张卫东"):
            assert accounts.sign_in(cli_app.uow(), name, "zonecheck-demo").actor.name == name
        before: dict[str, Any] = {}
        for prefix in PARTIAL:
            before[prefix] = work_summary(cli_app, keys[prefix])
            assert before[prefix] == work_summary(reference, keys[prefix]), prefix

        # Once only: a second run stops at its checks and changes nothing.
        again = run("bash", str(SCRIPT), str(data), env=real_env, cwd=tmp_path)
        assert again.returncode == 1, again.stdout + again.stderr
        assert "已有办理记录" in again.stderr
        assert all(work_summary(cli_app, keys[p]) == before[p] for p in PARTIAL)

        # make demo's last step: the day's reminders reach a mail catcher the script starts and
        # stops; the same day again sends nothing twice and lists what came before.
        for attempt in (1, 2):
            mailed = run("bash", str(REMINDERS), str(data), "2026-12-06", env=env, cwd=tmp_path)
            assert mailed.returncode == 0, mailed.stdout + mailed.stderr
            assert "本地邮件接收器已停止" in mailed.stderr
            assert ("已发送 14 条" if attempt == 1 else "已发送 0 条") in mailed.stdout
            assert "本地邮件接收器收到 14 封督办提醒" in mailed.stdout
            assert "督办提醒(2026-12-06):红6项  → 张卫东(湖北省/武汉市/武汉市某区,区市场监管局)" in mailed.stdout
        assert len(list((data / "邮件" / "2026-12-06" / "new").iterdir())) == 14
    finally:
        cli_app.close()
        reference.close()
