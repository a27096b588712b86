"""Benchmarks: import time of the five seed plans, and the parser on long plans. They print
figures; they never fail on time.

Run alone with `make bench` (or `pytest tests/bench --benchmark-only`); the normal test run
executes each once as a smoke test (`--benchmark-disable` is not set, rounds are few).

Long plans (`tests/support/plan_texts.py`): seed 000 grown to 5,000, 20,000 and 100,000 lines
(its measures repeated, renumbered 1-999, in sections of 20), once as is and once with every
`(units;deadline)` clause made distinct (nothing read once is reused), and three
pathological shapes (one measure over every line; thousands of small sections; a task
table matched to as many paragraphs). `make test` parses the 5,000-line sizes only. CPU
seconds are printed, wall seconds in the note: the machine is shared. Each size starts with
the parser's remembered readings cleared (`checklists.memo.forget`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command

from checklists import memo
from checklists.parser import parse_document
from tests.support import plan_texts
from workflow.bootstrap import bootstrap
from workflow.config import Settings
from workflow.db import alembic_config, upgrade
from workflow.services.plan_import import import_documents

from .synthetic import BenchRow, BenchTable

LONG_PLAN_LINES = (5_000, 20_000, 100_000)
SMOKE_LINES = 5_000


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


def _long_plan(shape: str, seeds_dir: Path) -> Callable[[int], str]:
    if shape.startswith("seed 000"):
        seed = next(seeds_dir.glob("000_*.txt")).read_text(encoding="utf-8")
        distinct = "distinct" in shape
        return lambda lines: plan_texts.renumbered(seed, lines, distinct_clauses=distinct)
    return plan_texts.SHAPES[shape]


@pytest.mark.parametrize(
    "shape",
    [
        "seed 000 renumbered",
        "seed 000 renumbered, distinct clauses",
        "long_paragraph",
        "many_sections",
        "task_table",
    ],
)
def test_bench_parse_a_long_plan(
    benchmark: pytest.FixtureRequest,
    seeds_dir: Path,
    full_size: bool,
    bench_table: BenchTable,
    shape: str,
) -> None:
    """5,000 lines through pytest-benchmark; under `make bench` also 20,000 and 100,000."""
    make = _long_plan(shape, seeds_dir)
    for lines in LONG_PLAN_LINES if full_size else (SMOKE_LINES,):
        text = make(lines)
        assert len(text.splitlines()) == lines
        memo.forget()  # each size read cold, as a process importing one plan would
        cpu: list[float] = []

        def parse(text: str = text, cpu: list[float] = cpu) -> int:
            start = time.process_time()
            catalog = parse_document(text, source_name="long.txt")
            cpu.append(time.process_time() - start)
            return len(catalog.measures) + len(catalog.sections)

        wall = time.perf_counter()
        if lines == SMOKE_LINES:
            parts = benchmark.pedantic(parse, rounds=1, iterations=1)  # type: ignore[attr-defined]
        else:
            parts = parse()
        wall = time.perf_counter() - wall
        assert parts > 0
        size = len(text.encode("utf-8")) / 1e6
        bench_table.add(
            BenchRow(
                what=f"parse {lines:,} lines: {shape}",
                backend="-",
                measures=parts,
                ops=lines,
                seconds=cpu[0],
                note=f"CPU s; wall {wall:.2f} s; {size:.1f} MB; measures column: measures+sections",
            )
        )
