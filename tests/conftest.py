"""Shared fixtures: database backends (SQLite and PostgreSQL), seed plans, CLI environment.

Every test that takes ``db_url`` runs twice, once per backend:

* ``sqlite``: a fresh database file in the test's ``tmp_path``;
* ``postgresql``: a fresh database (``CREATE DATABASE t_<hex>``) on a PostgreSQL server, dropped
  after the test (``module_db_url``: one per module, for tests sharing a live server). The
  server is a throwaway one that this suite starts itself (``initdb`` +
  ``pg_ctl`` in a temporary folder, on a free port of 127.0.0.1, stopped and deleted at the end
  of the session), so a developer's ``pytest`` and CI test the same thing.

Environment:

* ``ZONECHECK_TEST_PG_URL``: use this server instead of starting one, e.g.
  ``postgresql://postgres@127.0.0.1:5432/postgres`` (the URL's database is used for
  CREATE/DROP DATABASE; default ``postgres``).
* ``ZONECHECK_PG_BINDIR``: folder with ``initdb`` and ``pg_ctl`` (default: the newest
  ``/usr/lib/postgresql/*/bin``, else ``pg_config --bindir``, else ``PATH``).
* ``ZONECHECK_REQUIRE_PG=1``: a missing PostgreSQL is an error, not a skip (CI sets it).
* ``ZONECHECK_SEEDS``: folder of seed plans (default ``../shared/seeds`` beside the repo).

In parallel (pytest-xdist, ``scripts/test.sh`` runs ``-n 2 --dist loadgroup``) every worker
starts its own throwaway server: on two cores that costs one more ``initdb`` (a few seconds of a
run of minutes) and needs no cross-process lock or teardown. Database names are random per test.
Tests that share a module-scoped fixture (a demo database, a live server) are kept on one worker
(see ``pytest_collection_modifyitems``), so that fixture is built once.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import URL, make_url

from tests.support import cpu_log, databases
from tests.support.cli_forkserver import CliForkServer

REPO_ROOT = Path(__file__).resolve().parent.parent

ENV_PG_URL = "ZONECHECK_TEST_PG_URL"
ENV_PG_BINDIR = "ZONECHECK_PG_BINDIR"
ENV_REQUIRE_PG = "ZONECHECK_REQUIRE_PG"
ENV_SEEDS = "ZONECHECK_SEEDS"

HOW_TO_ENABLE_PG = (
    "To run them: install PostgreSQL's server binaries (Debian: apt-get install postgresql; "
    "`make test` does this when run as root), or set ZONECHECK_PG_BINDIR to the folder holding "
    "initdb and pg_ctl, or set ZONECHECK_TEST_PG_URL to an existing server "
    "(e.g. postgresql://postgres@127.0.0.1:5432/postgres). "
    "Set ZONECHECK_REQUIRE_PG=1 to make a missing PostgreSQL an error."
)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _require_pg() -> bool:
    return _truthy(os.environ.get(ENV_REQUIRE_PG))


# --------------------------------------------------------------------------------------------
# PostgreSQL server
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PgServer:
    """Where the test PostgreSQL server listens; returned by the ``pg_server`` fixture."""

    host: str
    port: int
    user: str
    password: str | None = None
    admin_db: str = "postgres"
    options: dict[str, str] = field(default_factory=dict)  # extra libpq params (sslmode, ...)

    def url(self, database: str) -> str:
        """SQLAlchemy URL (psycopg 3 driver) of ``database`` on this server."""
        return URL.create(
            "postgresql+psycopg",
            username=self.user,
            password=self.password,
            host=self.host,
            port=self.port,
            database=database,
            query=self.options,
        ).render_as_string(hide_password=False)

    @contextlib.contextmanager
    def fresh_database(self) -> Iterator[str]:
        """The URL of a new, empty database (``t_<hex>``), dropped afterwards."""
        name = f"t_{uuid.uuid4().hex}"
        with self.connect_admin() as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(
                    sql.Identifier(name)
                )
            )
        try:
            yield self.url(name)
        finally:
            with self.connect_admin() as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )

    def connect_admin(self) -> psycopg.Connection[Any]:
        """Autocommit connection to the admin database (for CREATE/DROP DATABASE)."""
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=self.admin_db,
            autocommit=True,
            connect_timeout=10,
            **self.options,
        )


def _server_from_url(raw: str) -> PgServer:
    url = make_url(raw)
    options = {k: v if isinstance(v, str) else v[-1] for k, v in url.query.items()}
    return PgServer(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        admin_db=url.database or "postgres",
        options=options,
    )


def _version_key(bindir: str) -> tuple[int, ...]:
    name = Path(bindir).parent.name  # /usr/lib/postgresql/15/bin -> "15"
    try:
        return tuple(int(part) for part in name.split("."))
    except ValueError:
        return (-1,)


def _has_server_binaries(bindir: Path) -> bool:
    return all(os.access(bindir / exe, os.X_OK) for exe in ("initdb", "pg_ctl", "postgres"))


def find_pg_bindir() -> tuple[Path | None, str]:
    """(bin folder with initdb/pg_ctl/postgres, how it was found) or (None, why not)."""
    override = os.environ.get(ENV_PG_BINDIR)
    if override:
        path = Path(override)
        if _has_server_binaries(path):
            return path, f"{ENV_PG_BINDIR}={override}"
        return None, f"{ENV_PG_BINDIR}={override} does not hold initdb, pg_ctl and postgres"

    for bindir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True):
        if _has_server_binaries(Path(bindir)):
            return Path(bindir), bindir
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=30, check=True
            ).stdout.strip()
            if out and _has_server_binaries(Path(out)):
                return Path(out), f"pg_config --bindir: {out}"
    initdb = shutil.which("initdb")
    if initdb and _has_server_binaries(Path(initdb).parent):
        return Path(initdb).parent, f"PATH: {Path(initdb).parent}"
    return None, (
        "no PostgreSQL server binaries (initdb, pg_ctl, postgres) in /usr/lib/postgresql/*/bin, "
        "pg_config --bindir or PATH"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary folder, listening on 127.0.0.1 only.

    initdb and pg_ctl refuse to run as root, so as root they run as the ``postgres`` user
    (created by the Debian package) and the folder is handed to that user.
    """

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.base: Path | None = None
        self.port: int | None = None
        self._running = False
        self._run_as: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            try:
                self._run_as = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError(
                    "running as root, but there is no 'postgres' user to run initdb/pg_ctl as "
                    "(PostgreSQL refuses to run as root). Install the Debian package 'postgresql', "
                    "or run the tests as a normal user."
                ) from None

    @property
    def data(self) -> Path:
        assert self.base is not None
        return self.base / "data"

    @property
    def log(self) -> Path:
        assert self.base is not None
        return self.base / "server.log"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        kwargs: dict[str, Any] = {}
        if self._run_as is not None:
            env.update(HOME=self._run_as.pw_dir, USER="postgres", LOGNAME="postgres")
            kwargs.update(user=self._run_as.pw_uid, group=self._run_as.pw_gid, extra_groups=[])
        return subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            cwd=self.base,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            **kwargs,
        )

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def start(self) -> PgServer:
        atexit.register(self.stop)  # backstop if the session is torn down abnormally
        tmp_root = "/tmp" if os.path.isdir("/tmp") else None  # short socket path, root-proof
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")  # gw0, gw1, … under xdist
        self.base = Path(tempfile.mkdtemp(prefix=f"zonecheck-pg-{worker}-", dir=tmp_root))
        os.chmod(self.base, 0o755)
        if self._run_as is not None:
            os.chown(self.base, self._run_as.pw_uid, self._run_as.pw_gid)

        res = self._run(
            "initdb",
            "-D", str(self.data),
            "-A", "trust",
            "-U", "postgres",
            "-E", "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )  # fmt: skip
        if res.returncode != 0:
            raise RuntimeError(f"initdb failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")

        last_error = ""
        for _attempt in range(3):  # another process may grab the free port before we do
            port = _free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {port} -k {self.base} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            res = self._run(
                "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                "-o", options, "start",
            )  # fmt: skip
            if res.returncode == 0:
                self.port = port
                self._running = True
                with contextlib.suppress(OSError, ValueError, IndexError):
                    postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
                    cpu_log.watch_pid(postmaster, detached=True)
                return PgServer(host="127.0.0.1", port=port, user="postgres")
            last_error = f"{res.stdout}\n{res.stderr}\n--- server log ---\n{self._log_tail()}"
            if "already in use" not in last_error:
                break
        raise RuntimeError(f"could not start PostgreSQL with pg_ctl:\n{last_error}")

    def stop(self) -> None:
        if self.base is None:
            return
        if self._running or (self.data / "postmaster.pid").exists():
            res = self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")
            if res.returncode != 0:
                self._kill_postmaster()
            self._running = False
        shutil.rmtree(self.base, ignore_errors=True)
        self.base = None

    def _kill_postmaster(self) -> None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int((self.data / "postmaster.pid").read_text().splitlines()[0])
            os.kill(pid, signal.SIGQUIT)  # immediate shutdown, children follow
            for _ in range(50):
                time.sleep(0.1)
                os.kill(pid, 0)  # raises ProcessLookupError (an OSError) once it is gone
            os.kill(pid, signal.SIGKILL)


class _PgStatus:
    """Why the PostgreSQL tests were skipped, for the terminal summary (None: not skipped)."""

    skip_reason: str | None = None


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The PostgreSQL server for this session: ZONECHECK_TEST_PG_URL's, or a throwaway one.

    Skips (loudly, see the terminal summary) when PostgreSQL is not installed, unless
    ZONECHECK_REQUIRE_PG=1, which makes that an error.
    """
    raw_url = os.environ.get(ENV_PG_URL)
    if raw_url:
        external = _server_from_url(raw_url)
        yield external
        with external.connect_admin() as conn:
            databases.drop_pg_templates(conn, external.host, external.port)
        return

    bindir, how = find_pg_bindir()
    if bindir is None:
        message = f"PostgreSQL not available: {how}."
        if _require_pg():
            pytest.fail(f"{message} {ENV_REQUIRE_PG}=1 makes this an error. {HOW_TO_ENABLE_PG}")
        _PgStatus.skip_reason = message
        pytest.skip(f"{message} See the warning at the end of the run for how to enable them.")

    server = ThrowawayPostgres(bindir)
    try:
        yield server.start()
    finally:
        server.stop()


# --------------------------------------------------------------------------------------------
# Per-test databases
# --------------------------------------------------------------------------------------------


BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


def _fresh_database(request: pytest.FixtureRequest, folder: Path) -> contextlib.AbstractContextManager[str]:
    if request.param == "sqlite":
        return contextlib.nullcontext(f"sqlite:///{folder}/zonecheck.db")
    server: PgServer = request.getfixturevalue("pg_server")
    return server.fresh_database()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """SQLAlchemy URL of a fresh, empty database; the test runs once per backend."""
    with _fresh_database(request, tmp_path) as url:
        yield url


@pytest.fixture(scope="module", params=BACKENDS)
def module_db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """As ``db_url``, one database for all of a module's tests (those sharing a live server)."""
    with _fresh_database(request, tmp_path_factory.mktemp(f"db-{request.param}")) as url:
        yield url


# --------------------------------------------------------------------------------------------
# Seed plans and the CLI environment
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """Folder of the seed plans (*.txt): $ZONECHECK_SEEDS, else ../shared/seeds beside the repo."""
    env = os.environ.get(ENV_SEEDS)
    path = Path(env) if env else REPO_ROOT.parent / "shared" / "seeds"
    if not path.is_dir():
        pytest.skip(f"seed plans folder not found: {path} (set {ENV_SEEDS}=/path/to/seeds)")
    if not any(path.glob("*.txt")):
        pytest.skip(f"no seed plans (*.txt) in {path} (set {ENV_SEEDS}=/path/to/seeds)")
    return path.resolve()


@pytest.fixture(autouse=True)
def _isolate_zonecheck_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep a developer's own ZONECHECK_HOME / ZONECHECK_DB out of the tests."""
    monkeypatch.delenv("ZONECHECK_HOME", raising=False)
    monkeypatch.delenv("ZONECHECK_DB", raising=False)
    monkeypatch.delenv("ZONECHECK_REDIS_URL", raising=False)


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Environment for running the CLI against ``db_url`` (so CLI tests cover both backends).

    Sets ZONECHECK_HOME to a fresh folder (returned) and ZONECHECK_DB to ``db_url``, and makes
    ``tmp_path`` the working directory so nothing lands in the repository's ./zonecheck-data.
    """
    home = tmp_path / "zonecheck-home"
    home.mkdir()
    monkeypatch.setenv("ZONECHECK_HOME", str(home))
    monkeypatch.setenv("ZONECHECK_DB", db_url)
    monkeypatch.chdir(tmp_path)
    return home


@pytest.fixture
def zonecheck_home(cli_env: Path) -> Path:
    """Alias of ``cli_env``."""
    return cli_env


@pytest.fixture(scope="session")
def cli_fork_server() -> Iterator[CliForkServer]:
    """A `zonecheck` for the demo scripts without Python's start-up per call (one per worker).

    Put ``cli_fork_server.bin_dir`` first on a script's PATH: each call is still a process of
    its own running the real command (see tests/support/cli_forkserver.py)."""
    server = CliForkServer.start()
    cpu_log.watch_pid(server.proc.pid)
    try:
        yield server
    finally:
        server.stop()


# --------------------------------------------------------------------------------------------
# Hooks
# --------------------------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    cpu_log_path = os.environ.get(cpu_log.ENV_CPU_LOG)
    if cpu_log_path:
        config.pluginmanager.register(cpu_log.CpuLog(Path(cpu_log_path).resolve()), "zonecheck-cpu-log")
    if _require_pg() and not os.environ.get(ENV_PG_URL):
        bindir, how = find_pg_bindir()
        if bindir is None:
            raise pytest.UsageError(
                f"{ENV_REQUIRE_PG}=1 but PostgreSQL is not available: {how}. {HOW_TO_ENABLE_PG}"
            )


def pytest_report_header(config: pytest.Config) -> str:
    raw_url = os.environ.get(ENV_PG_URL)
    if raw_url:
        where = f"{ENV_PG_URL}={make_url(raw_url).render_as_string(hide_password=True)}"
    else:
        bindir, how = find_pg_bindir()
        where = f"throwaway server from {bindir}" if bindir else f"NOT AVAILABLE ({how})"
    required = " [required]" if _require_pg() else ""
    return f"zonecheck PostgreSQL: {where}{required}"


# Test files that drive the CLI through whole scenarios or a browser: minutes each.
SLOW_FIRST = ("tests/e2e/test_jiading_full_run.py", "tests/browser/", "tests/e2e/test_partial_run.py")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the xdist_group marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist, the tests sharing a module-scoped fixture form one group (one per parameter,
    e.g. per backend), which ``--dist loadgroup`` runs on one worker."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # The longest tests first (whole files, so module fixtures stay together): xdist hands
        # out tests in this order, and a 5-minute test handed out last would end the run alone.
        items.sort(key=lambda item: not item.nodeid.startswith(SLOW_FIRST))
    for item in items:
        shared = _module_scoped_fixtures(item)
        if not shared:
            continue
        callspec = getattr(item, "callspec", None)
        params = callspec.params if callspec is not None else {}
        key = ",".join(f"{name}={params[name]}" for name in shared if name in params)
        item.add_marker(pytest.mark.xdist_group(f"{item.nodeid.split('::')[0]}[{key}]"))


def _module_scoped_fixtures(item: pytest.Item) -> list[str]:
    # pytest keeps the resolved fixture definitions of an item in _fixtureinfo (no public API).
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return []
    return sorted(
        name
        for name, defs in info.name2fixturedefs.items()
        if defs and defs[-1].scope in ("module", "class")
    )


def _pg_skip_reason(skipped: list[Any]) -> str | None:
    """Why the PostgreSQL tests were skipped, read from the reports (under xdist the controller
    never ran the ``pg_server`` fixture, the workers did)."""
    for rep in skipped:
        longrepr = rep.longrepr
        if isinstance(longrepr, tuple | list) and len(longrepr) == 3:
            message = str(longrepr[2]).removeprefix("Skipped: ")
            if message.startswith("PostgreSQL not available"):
                return message.split(" See the warning", 1)[0]
    return None


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    _print_figures(terminalreporter)
    _warn_of_skipped_pg(terminalreporter)


FIGURES = "figures"


def _print_figures(tr: Any) -> None:
    """Figures a test measured (``record_property("figures", line)``: peak memory, latency),
    in one section at the end; under xdist the workers' properties travel with their reports."""
    lines = [
        f"{rep.nodeid.split('::', 1)[-1]}: {value}"
        for outcome in ("passed", "failed")
        for rep in tr.stats.get(outcome, [])
        if rep.when == "call"
        for name, value in rep.user_properties
        if name == FIGURES
    ]
    if lines:
        tr.write_sep("-", "figures measured by the tests")
        for line in lines:
            tr.write_line(line)


def _warn_of_skipped_pg(terminalreporter: Any) -> None:
    skipped = [
        rep
        for rep in terminalreporter.stats.get("skipped", [])
        if "postgres" in getattr(rep, "keywords", {})
    ]
    reason = _PgStatus.skip_reason or _pg_skip_reason(skipped)
    if reason is None:
        return
    tr = terminalreporter
    tr.write_sep("!", "PostgreSQL TESTS WERE SKIPPED", red=True, bold=True)
    tr.write_line(f"{len(skipped)} PostgreSQL test(s) did not run. {reason}", red=True)
    tr.write_line(HOW_TO_ENABLE_PG, red=True)
    tr.write_sep("!", red=True, bold=True)
