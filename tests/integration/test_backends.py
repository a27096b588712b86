"""Self-test of the ``db_url`` fixture: each backend gives a fresh, empty, usable database."""

from __future__ import annotations

import pytest
import sqlalchemy as sa


def test_select_one_on_fresh_database(db_url: str, request: pytest.FixtureRequest) -> None:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1
            assert sa.inspect(conn).get_table_names() == []
        assert engine.dialect.name == request.node.callspec.id
    finally:
        engine.dispose()


def test_database_is_writable_and_utf8(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(50))"))
            conn.execute(sa.text("INSERT INTO t (id, name) VALUES (1, '知识产权保护示范区')"))
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT name FROM t")).scalar_one() == "知识产权保护示范区"
    finally:
        engine.dispose()
