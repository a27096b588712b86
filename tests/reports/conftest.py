"""A demo data folder per backend, built once per module: the reports only read it.

Building the five seed plans' demo state takes seconds and rendering a report about as long,
so the report tests share one database per backend and module instead of one per test.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from psycopg import sql
from support.demo_state import build_demo_state

from reports.render import Renderer
from tests.support.databases import app_with_state
from workflow.bootstrap import App


@dataclass
class Demo:
    app: App
    keys: dict[str, str]  # plan prefix → plan key
    home: Path
    backend: str

    @property
    def renderer(self) -> Renderer:
        return Renderer(self.app.settings.home / "templates")


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ],
)
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp(f"demo-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{folder}/zonecheck.db"
        cleanup = None
    else:
        server = request.getfixturevalue("pg_server")
        name = f"t_{uuid.uuid4().hex}"
        with server.connect_admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(sql.Identifier(name)))
        url = server.url(name)

        def cleanup() -> None:
            with server.connect_admin() as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    # Built once per worker and backend, copied for each module (tests/support/databases.py).
    app, keys = app_with_state(url, folder / "home", "demo", functools.partial(build_demo_state, seeds_dir=seeds_dir))
    keys = dict(keys)
    try:
        yield Demo(app, keys, folder / "home", request.param)
    finally:
        app.close()
        if cleanup:
            cleanup()
