"""Benchmarks: import time of the five seed plans. They print figures; they never fail on time.

Run alone with `make bench` (or `pytest tests/bench --benchmark-only`); the normal test run
executes each once as a smoke test (`--benchmark-disable` is not set, rounds are few).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command

from checklists.parser import parse_document
from workflow.bootstrap import bootstrap
from workflow.config import Settings
from workflow.db import alembic_config, upgrade
from workflow.services.plan_import import import_documents


def test_bench_parse_all_five_seeds(benchmark: pytest.FixtureRequest, seeds_dir: Path) -> None:
    texts = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(seeds_dir.glob("*.txt"))]

    def parse_all() -> int:
        return sum(len(parse_document(text, source_name=name).measures) for name, text in texts)

    measures = benchmark.pedantic(parse_all, rounds=10, iterations=1, warmup_rounds=1)  # type: ignore[attr-defined]
    assert measures == 70 + 26 + 20 + 26 + 27


def test_bench_import_all_five_seeds(
    benchmark: pytest.FixtureRequest, seeds_dir: Path, db_url: str, tmp_path: Path
) -> None:
    """Parse, load and commit the five seeds into an empty database, as `zonecheck import` does."""
    paths = sorted(seeds_dir.glob("*.txt"))
    cfg = alembic_config(db_url)
    upgrade(db_url)
    app = bootstrap(Settings(home=tmp_path / "home", db_url=db_url))

    def empty_database() -> None:
        app.engine.dispose()
        command.downgrade(cfg, "base")
        command.upgrade(cfg, "head")

    def import_all() -> list[str]:
        results = import_documents(app.uow, paths, catalog_dir=app.settings.catalog_dir)
        return [r.status for r in results]

    try:
        statuses = benchmark.pedantic(import_all, setup=empty_database, rounds=5, iterations=1)  # type: ignore[attr-defined]
    finally:
        app.close()
    assert statuses == ["new"] * 5
