"""Benchmark helpers: full size under `make bench`, a small smoke size in `make test`.

`make bench` runs `pytest tests/bench --benchmark-only`; only then do the workflow benchmarks
build their 10,000- and 14,000-measure databases. In the normal test run they build a couple of
plans instead, so they still run once (smoke test) without slowing the suite down.
ZONECHECK_BENCH_FULL=1 forces the full size, ZONECHECK_BENCH_FULL=0 the smoke size.

Figures are collected with the `bench_table` fixture and printed as one table at the end of the
run (pytest captures a test's own output, and `make bench` runs with -q).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.databases import upgrade_from_template
from workflow.bootstrap import App, bootstrap
from workflow.config import Settings

from .synthetic import NOTES, ROWS, BenchTable


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> Iterator[App]:
    """A migrated, empty database (per backend) and the app wired to it."""
    upgrade_from_template(db_url)
    application = bootstrap(Settings(home=tmp_path / "home", db_url=db_url))
    yield application
    application.close()


@pytest.fixture
def bench_table() -> BenchTable:
    return BenchTable()


@pytest.fixture
def full_size(request: pytest.FixtureRequest) -> bool:
    """True under `make bench` (--benchmark-only) or ZONECHECK_BENCH_FULL=1."""
    forced = os.environ.get("ZONECHECK_BENCH_FULL", "").strip()
    if forced in {"0", "1"}:
        return forced == "1"
    return bool(request.config.getoption("benchmark_only", default=False))


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if not ROWS:
        return
    tr = terminalreporter
    tr.write_sep("=", "zonecheck workflow benchmarks")
    head = (
        f"{'benchmark':<50} {'backend':<10} {'measures':>8} {'ops':>6} {'seconds':>9} "
        f"{'per s':>9} {'queries':>8} {'q/op':>6}  note"
    )
    tr.write_line(head)
    tr.write_line("-" * len(head))
    for r in ROWS:
        queries = "" if r.queries is None else str(r.queries)
        per_op = "" if r.queries is None or not r.ops else f"{r.queries / r.ops:.1f}"
        tr.write_line(
            f"{r.what:<50} {r.backend:<10} {r.measures:>8} {r.ops:>6} {r.seconds:>9.4f} "
            f"{r.per_second:>9.1f} {queries:>8} {per_op:>6}  {r.note}"
        )
    for text in NOTES:
        tr.write_line(text)
