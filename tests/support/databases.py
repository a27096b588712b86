"""Migrated (and seeded) databases for the tests, copied from templates built once per worker.

Running Alembic's migrations into every test's fresh database cost each test ~0.2-0.4 s of CPU
(client and server), hundreds of times per backend. The schema is the same every time, so each
pytest process migrates one template per backend, once, and a test's empty database becomes a
copy of it: the SQLite file is copied, a PostgreSQL database is re-created
``TEMPLATE`` the template database (a file-level copy inside the server). ``upgrade`` then
runs on the copy as before and finds it at head, so a template that lags behind the migrations
would still be upgraded, never silently used.

Only databases that are empty are copied into: tests of the migrations themselves
(tests/integration/test_migrations.py, test_zones_migration.py) call ``workflow.db.upgrade``
on their own databases, and CLI tests run ``zonecheck db upgrade`` on an empty one.

``app_with_state`` does the same for a state built through the services (e.g. the web tests'
Jiading plan with its people, ~1 s per test): built once per worker and backend into a
template database and data folder, then copied (database and folder) for each test.
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL, make_url

from workflow.bootstrap import App, bootstrap
from workflow.config import Settings
from workflow.db import upgrade


@dataclass(frozen=True)
class _Template:
    url: str  # the template database
    home: Path  # its data folder (catalog files the build wrote)
    built: Any = None  # what the build returned (e.g. tokens of sessions it opened)


# (what was built, which server) → the template; "sqlite" stands for this process's files.
_templates: dict[tuple[str, str], _Template] = {}
MIGRATED = "migrated"
T = TypeVar("T")


def upgrade_from_template(db_url: str) -> None:
    """Migrate ``db_url`` to head: by copying the migrated template into it while it is empty."""
    url = make_url(db_url)
    if _is_empty(url):
        _copy_database(_template(url, MIGRATED, None), url)
    upgrade(db_url)


def app_with_state(
    db_url: str, home: Path, key: str, build: Callable[[App], T], **settings: Any
) -> tuple[App, T]:
    """An app on ``db_url`` (empty) and ``home`` holding what ``build`` makes from a migrated,
    empty database: built once per process and backend under ``key``, then copied. Also
    returns what ``build`` returned (the same object for every copy: do not change it)."""
    url = make_url(db_url)
    if not _is_empty(url):
        raise ValueError(f"{url.database} is not empty: a state is copied into an empty database")
    template = _template(url, key, build)
    _copy_database(template, url)
    if template.home.exists():
        shutil.copytree(template.home, home, dirs_exist_ok=True)
    upgrade(db_url)
    return bootstrap(Settings(home=home, db_url=db_url, **settings)), template.built


def _server_key(url: URL) -> str:
    if url.get_backend_name() == "sqlite":
        return "sqlite"
    return f"{url.host}:{url.port or 5432}"


def _template(url: URL, key: str, build: Callable[[App], Any] | None) -> _Template:
    found = _templates.get((key, _server_key(url)))
    if found is not None:
        return found
    folder = Path(tempfile.mkdtemp(prefix=f"zonecheck-template-{key}-"))
    atexit.register(shutil.rmtree, folder, True)
    if url.get_backend_name() == "sqlite":
        template_url = f"sqlite:///{folder}/template.db"
    else:
        name = f"zc_template_{uuid.uuid4().hex}"
        with _admin_connect(url) as admin:
            admin.execute(
                sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(
                    sql.Identifier(name)
                )
            )
        template_url = url.set(database=name).render_as_string(hide_password=False)
    upgrade(template_url)
    built = None
    if build is not None:
        app = bootstrap(Settings(home=folder / "home", db_url=template_url))
        try:
            built = build(app)
        finally:
            app.close()  # no connection may stay open on a PostgreSQL template
    if url.get_backend_name() == "sqlite":
        # One self-contained file (no -wal beside it); make_engine turns WAL on at connect.
        with contextlib.closing(sqlite3.connect(folder / "template.db")) as conn:
            conn.execute("PRAGMA journal_mode=DELETE")
    made = _Template(template_url, folder / "home", built)
    _templates[(key, _server_key(url))] = made
    return made


def _copy_database(template: _Template, url: URL) -> None:
    if url.get_backend_name() == "sqlite":
        target = Path(url.database or "")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(make_url(template.url).database or "", target)
        return
    # The test's database was created empty by the db_url fixture: make it a copy instead.
    with _admin_connect(url) as admin:
        name = sql.Identifier(url.database or "")
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(name))
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                name, sql.Identifier(make_url(template.url).database or "")
            )
        )


def _is_empty(url: URL) -> bool:
    if url.get_backend_name() == "sqlite":
        return (
            bool(url.database)
            and url.database != ":memory:"
            and not Path(url.database or "").exists()
        )
    return _is_empty_pg(url)


def _admin_connect(url: URL) -> psycopg.Connection[Any]:
    return psycopg.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        dbname="postgres",
        autocommit=True,
        connect_timeout=10,
        **{k: v if isinstance(v, str) else v[-1] for k, v in url.query.items()},
    )


def _is_empty_pg(url: URL) -> bool:
    with psycopg.connect(
        host=url.host, port=url.port, user=url.username, password=url.password,
        dbname=url.database, connect_timeout=10,
    ) as conn:  # fmt: skip
        found = conn.execute(
            "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'public'"
        ).fetchone()
    return found is not None and found[0] == 0


def drop_pg_templates(admin: psycopg.Connection[Any], host: str, port: int) -> None:
    """Drop the templates made on this server (a server of ZONECHECK_TEST_PG_URL outlives us)."""
    for key, template in list(_templates.items()):
        if key[1] == f"{host}:{port}":
            del _templates[key]
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(make_url(template.url).database or "")
                )
            )
