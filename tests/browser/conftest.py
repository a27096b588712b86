"""Browser tests: a real `zonecheck serve` process driven by Debian's Chromium via Playwright.

The server is set up the way an office would do it, with the CLI: `db upgrade`, `import` of
Jiading's plan (003), `user add`, and `user passwd` fed on standard input (so that command is
tested too). Those commands run in this process through click's CliRunner (the same commands,
without a Python start-up each; the real process and its start-up are tested by the server
itself and by tests/e2e). The server listens on a free port of 127.0.0.1 and runs once per module
and backend (SQLite, and a database on the suite's throwaway PostgreSQL server).

Environment:

* ``ZONECHECK_CHROMIUM``: the browser (default ``/usr/bin/chromium``, Debian's ``chromium``;
  Playwright's own browser download is never used).
* ``ZONECHECK_REQUIRE_BROWSER=1``: a missing browser is an error, not a skip (CI sets it).
* ``ZONECHECK_SCREENSHOTS``: folder for the full-page screenshot of every step (default: the
  test's ``tmp_path``); the folder is printed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from psycopg import sql

from tests.conftest import PgServer
from tests.integration.workflow_helpers import ADMIN, ECONOMY, MARKET, REVIEWER_A, seed_path
from workflow.cli import cli as zonecheck_cli

CHROMIUM = Path(os.environ.get("ZONECHECK_CHROMIUM") or "/usr/bin/chromium")
ENV_REQUIRE_BROWSER = "ZONECHECK_REQUIRE_BROWSER"
ZONECHECK = Path(sys.executable).with_name("zonecheck")

PASSWORD = "浏览器里的密码-2026"
PEOPLE: list[tuple[str, str, str | None]] = [
    (REVIEWER_A, "reviewer", None),
    (MARKET, "member", "区市场监管局"),
    (ECONOMY, "member", "区经委"),
]
# Small, so that the browser meets the upload limit with a file of a few MB.
MAX_UPLOAD_MB = 1

CHROMIUM_ARGS = [
    "--no-sandbox",  # root in a container has no user namespaces for the sandbox
    "--disable-gpu",
    "--disable-background-networking",  # no calls home: the test talks to 127.0.0.1 only
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZONECHECK_")}
    env.update(extra)
    return env


@dataclass
class LiveServer:
    """A running `zonecheck serve` and the data it serves."""

    url: str
    home: Path
    db_url: str
    log: Path
    backend: str
    env: dict[str, str] = field(repr=False)
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    # The worker beside it (as `make serve` runs them): the office's reports render there.
    worker: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def cli(self, *args: str, stdin: str | None = None) -> Result:
        """Run a zonecheck command on the server's data, in this process; fails the test with
        its output."""
        # The server's ZONECHECK_* settings, and none of this process's own for the invocation.
        env: dict[str, str | None] = {k: v for k, v in self.env.items() if k.startswith("ZONECHECK_")}
        env.update({k: None for k in os.environ if k.startswith("ZONECHECK_") and k not in env})
        done = CliRunner().invoke(zonecheck_cli, list(args), input=stdin or "", env=env)
        if done.exit_code != 0:
            crash = done.exception if not isinstance(done.exception, SystemExit) else None
            trace = "".join(traceback.format_exception(crash)) if crash else ""
            pytest.fail(
                f"zonecheck {' '.join(args)} exited {done.exit_code}:\n{done.stdout}\n{done.stderr}{trace}"
            )
        return done

    def log_tail(self, lines: int = 80) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def start(self) -> None:
        for _attempt in range(3):  # another process may take the free port first
            port = _free_port()
            self.url = f"http://127.0.0.1:{port}"
            with self.log.open("ab") as log:
                self.proc = subprocess.Popen(
                    [str(ZONECHECK), "serve", "--host", "127.0.0.1", "--port", str(port)],
                    env=self.env,
                    cwd=self.home.parent,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            if self._wait_ready():
                self._start_worker()
                return
            if "address already in use" not in self.log_tail().lower():
                break
        pytest.fail(f"zonecheck serve did not start:\n{self.log_tail()}")

    def _wait_ready(self, timeout: float = 60) -> bool:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            with (
                contextlib.suppress(urllib.error.URLError, OSError),
                urllib.request.urlopen(self.url + "/login", timeout=5) as response,
            ):
                if response.status == 200:
                    return True
            time.sleep(0.2)
        self.stop()
        return False

    def _start_worker(self) -> None:
        with self.log.open("ab") as log:
            self.worker = subprocess.Popen(
                [str(ZONECHECK), "worker"], env=self.env, cwd=self.home.parent, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def stop(self) -> None:
        if self.worker is not None and self.worker.poll() is None:
            self.worker.send_signal(signal.SIGTERM)  # the render in hand finishes, then it exits
            try:
                self.worker.wait(timeout=120)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.worker.pid, signal.SIGKILL)
                self.worker.wait(timeout=10)
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # uvicorn finishes open requests, then exits
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


def _prepare(server: LiveServer, seeds_dir: Path) -> None:
    """What an office does on a new machine, with the CLI."""
    server.cli("db", "upgrade")
    server.cli("import", str(seed_path(seeds_dir, "003")))
    server.cli("user", "add", ADMIN, "--role", "admin")
    for name, role, unit in PEOPLE:
        server.cli("--as", ADMIN, "user", "add", name, "--role", role, *(["--unit", unit] if unit else []))
    for name in [ADMIN] + [p[0] for p in PEOPLE]:
        done = server.cli("--as", ADMIN, "user", "passwd", name, stdin=PASSWORD + "\n")
        assert f"已设置 {name} 的登录密码" in done.stdout


def empty_database(request: pytest.FixtureRequest, sqlite_file: Path) -> tuple[str, Callable[[], None] | None]:
    """The URL of a new, empty database for the module's backend (``request.param``): a SQLite
    file, or a database on the suite's PostgreSQL server; and what drops it afterwards."""
    if request.param == "sqlite":
        return f"sqlite:///{sqlite_file}", None
    pg: PgServer = request.getfixturevalue("pg_server")
    name = f"t_{uuid.uuid4().hex}"
    with pg.connect_admin() as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(sql.Identifier(name))
        )

    def drop() -> None:
        with pg.connect_admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    return pg.url(name), drop


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ],
)
def live_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path
) -> Iterator[LiveServer]:
    """`zonecheck serve` on 127.0.0.1 with Jiading's plan and people with passwords."""
    base = tmp_path_factory.mktemp(f"live-{request.param}")
    home = base / "zonecheck-data"
    home.mkdir()
    db_url, drop = empty_database(request, home / "zonecheck.db")
    # Unbuffered: a failed test shows the server's log up to the failing request.
    env = _clean_env(
        ZONECHECK_HOME=str(home),
        ZONECHECK_DB=db_url,
        ZONECHECK_MAX_UPLOAD_MB=str(MAX_UPLOAD_MB),
        PYTHONUNBUFFERED="1",
    )
    server = LiveServer(
        url="", home=home, db_url=db_url, log=base / "server.log", backend=request.param, env=env
    )
    try:
        _prepare(server, seeds_dir)
        server.start()
        yield server
    finally:
        server.stop()
        if drop is not None:
            drop()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(autouse=True)
def _server_log_on_failure(request: pytest.FixtureRequest) -> Iterator[None]:
    """A failed browser test shows the end of the server's log (tracebacks are only there)."""
    yield
    report = getattr(request.node, "report_call", None)
    server = request.node.funcargs.get("live_server")
    if report is not None and report.failed and isinstance(server, LiveServer):
        print(f"\n----- zonecheck serve log ({server.log}) -----\n{server.log_tail(200)}")


# ---------------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not os.access(CHROMIUM, os.X_OK):
        message = (
            f"no browser at {CHROMIUM}: install Debian's chromium (scripts/setup.sh --test does "
            "as root) or set ZONECHECK_CHROMIUM"
        )
        if os.environ.get(ENV_REQUIRE_BROWSER, "").strip().lower() in {"1", "true", "yes", "on"}:
            pytest.fail(f"{message}; {ENV_REQUIRE_BROWSER}=1 makes this an error")
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="module")
def browser(chromium_path: Path) -> Iterator[Any]:
    """Headless Chromium; every person gets a context of their own (cookies, downloads).

    `launch` gives the browser a fresh temporary profile of its own and deletes it afterwards
    (Playwright refuses a --user-data-dir argument there), so nothing is read from or left in
    the home folder's profile.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


class Shots:
    """Full-page screenshots, numbered in the order of the scenario's steps."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        folder.mkdir(parents=True, exist_ok=True)

    def take(self, page: Any, label: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


def rendered_report(page: Any, button: Any, folder: Path, shots: Shots | None = None, label: str = "report") -> Path:
    """Click a report's button: the job's page says 生成中 at once and the worker renders the
    report; the office learns it is ready from the inbox (the header's link, reloaded until the
    message comes), opens the message, follows it to the job's page and downloads the file."""
    import re
    import time

    from playwright.sync_api import expect

    button.click()
    expect(page).to_have_url(re.compile(r"/office/jobs/\d+$"))
    job_page = page.url
    expect(page.locator("main")).to_contain_text(re.compile("生成中|已完成"))
    if shots is not None:
        shots.take(page, f"{label}-pending")
    page.locator("header a.inbox-link").click()
    ready = page.locator("table.inbox tr.unread", has_text="报告已生成")
    deadline = time.monotonic() + 180
    while ready.count() == 0:
        assert time.monotonic() < deadline, "the inbox never said the report was ready"
        page.wait_for_timeout(1000)
        page.reload()
    if shots is not None:
        shots.take(page, f"{label}-inbox")
    ready.first.get_by_role("link").click()
    expect(page.locator(".message-body")).to_contain_text("已生成")
    page.get_by_role("link", name="查看相关页面").click()
    expect(page).to_have_url(job_page)
    link = page.get_by_role("link", name=re.compile("^下载 "))
    expect(link).to_be_visible()
    if shots is not None:
        shots.take(page, f"{label}-ready")
    with page.expect_download(timeout=60_000) as info:
        link.click()
    path = folder / (info.value.suggested_filename or "download")
    info.value.save_as(path)
    return path


@pytest.fixture
def shots(request: pytest.FixtureRequest, tmp_path: Path) -> Shots:
    root = os.environ.get("ZONECHECK_SCREENSHOTS")
    folder = Path(root) / request.node.name if root else tmp_path / "screenshots"
    print(f"\nscreenshots: {folder}")
    return Shots(folder)
