"""Migrations: an empty database upgrades to head, and the models have no drift from them."""

from __future__ import annotations

import datetime as dt
import json

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from workflow.db import alembic_config, make_engine, schema_status, upgrade
from workflow.models import Base


def test_an_empty_database_upgrades_to_head_with_every_table(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        current, head = schema_status(engine)
        assert current == head is not None
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
    finally:
        engine.dispose()


def test_models_and_migrations_do_not_drift(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": True}
            )
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
    # The same check as the developers' `alembic check`, through Alembic's own command.
    command.check(alembic_config(db_url))


def test_upgrading_twice_changes_nothing(db_url: str) -> None:
    upgrade(db_url)
    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        assert schema_status(engine)[0] == schema_status(engine)[1]
    finally:
        engine.dispose()


def test_downgrade_to_base_removes_every_table(db_url: str) -> None:
    upgrade(db_url)
    command.downgrade(alembic_config(db_url), "base")
    engine = make_engine(db_url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrading_a_0001_database_with_plans_gives_them_the_workflow_defaults(db_url: str) -> None:
    upgrade(db_url, "0001")
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO plans (key, title, issuer, doc_number, preamble, source_file,"
                    " source_sha256, catalog_sha256, created_at, updated_at)"
                    " VALUES ('k', '方案', '', '', '', '', '', '', :t, :t)"
                ),
                {"t": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)},
            )
        upgrade(db_url)
        with engine.connect() as conn:
            levels, days = conn.execute(text("SELECT review_levels, rectification_days FROM plans")).one()
            head = conn.execute(text("SELECT seq, hash FROM audit_head")).one()
        assert (json.loads(levels) if isinstance(levels, str) else levels) == ["领导小组办公室审核"]
        assert days == 15
        assert tuple(head) == (0, "0" * 64)
    finally:
        engine.dispose()


def test_the_head_the_cli_checks_against_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    import migrations

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert script.get_current_head() == migrations.HEAD
