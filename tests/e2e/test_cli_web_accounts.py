"""`zonecheck user passwd` (scripts feed the password on stdin) and `zonecheck serve`'s early checks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import create_engine, text

from workflow.bootstrap import bootstrap
from workflow.cli import cli
from workflow.services import accounts

from .test_cli_errors import error_line, ok


def _setup() -> None:
    ok("db", "upgrade")
    ok("user", "add", "王主任", "--role", "admin")
    ok("--as", "王主任", "unit", "add", "区市场监管局")
    ok("--as", "王主任", "user", "add", "张三", "--unit", "区市场监管局")


def _stored_hash(db_url: str, name: str) -> str | None:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT password_hash FROM people WHERE name = :n"), {"n": name}).scalar()
    finally:
        engine.dispose()


def test_passwd_reads_stdin_and_stores_an_argon2_hash(cli_env: Path, db_url: str) -> None:
    _setup()
    result = CliRunner().invoke(cli, ["--as", "王主任", "user", "passwd", "张三"], input="一个足够长的密码\n")
    assert result.exit_code == 0, result.output
    assert "已设置 张三 的登录密码" in result.output
    stored = _stored_hash(db_url, "张三")
    assert stored is not None and stored.startswith("$argon2id$") and "一个足够长的密码" not in stored
    app = bootstrap()
    try:
        signed = accounts.sign_in(app.uow(), "张三", "一个足够长的密码")
        assert signed.actor.name == "张三"
    finally:
        app.close()


def test_passwd_refuses_short_passwords_and_other_peoples_accounts(cli_env: Path, db_url: str) -> None:
    _setup()
    short = CliRunner().invoke(cli, ["--as", "王主任", "user", "passwd", "张三"], input="short\n")
    error_line(short, "至少需要 8 个字符", code=2)
    other = CliRunner().invoke(cli, ["--as", "张三", "user", "passwd", "王主任"], input="long-enough-pw\n")
    error_line(other, "不是管理员", code=1)
    assert _stored_hash(db_url, "王主任") is None
    unknown = CliRunner().invoke(cli, ["--as", "王主任", "user", "passwd", "无此人"], input="long-enough-pw\n")
    error_line(unknown, "无此人")


def test_serve_refuses_an_unmigrated_database_in_chinese(cli_env: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--port", "8999"])
    error_line(result, "zonecheck db upgrade", code=3)


def test_serve_rejects_a_bad_port(cli_env: Path) -> None:
    error_line(CliRunner().invoke(cli, ["serve", "--port", "99999"]), "--port", code=2)


def test_passwd_in_a_real_process_with_piped_stdin(cli_env: Path) -> None:
    _setup()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "zonecheck"), "--as", "王主任", "user", "passwd", "张三"],
        input="piped-password-1\n", capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "已设置" in done.stdout
