"""Benchmarks of index systems and self-scores in the database (issue 14, part 2).

On each backend, for seed 000 (70 measures): loading a system at the bound of 1,000
indicators (999) through the service and reading its summary; replacing it (nothing scored
yet) by the plan's example; self-scoring every leaf of the example, one transaction each;
and reading the summary of the fully scored plan. Figures with statement counts are printed
at the end of the run; nothing fails on time.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from checklists.indexsys.example import example_index
from checklists.indexsys.model import IndicatorType
from checklists.indexsys.yaml_file import dump_index
from workflow.bootstrap import App
from workflow.models import Plan
from workflow.read.scores import score_summary
from workflow.services.index_systems import load_index, set_self_score
from workflow.services.plan_catalog import catalog_from_plan

from .synthetic import (
    ADMIN,
    BenchRow,
    BenchTable,
    actor,
    add_bench_people,
    counting,
    import_seed,
    plan_id,
)
from .test_bench_indexsys import largest_system


def measured(app: App, run: Callable[[], Any]) -> tuple[float, int, Any]:
    with counting(app.engine) as counter:
        start = time.perf_counter()
        result = run()
        seconds = time.perf_counter() - start
    return seconds, counter.count, result


def test_load_score_and_summarise_an_index_system(
    app: App, seeds_dir: Path, db_url: str, bench_table: BenchTable
) -> None:
    backend = db_url.split(":", 1)[0].split("+", 1)[0]
    key = import_seed(app, seeds_dir)
    add_bench_people(app)
    admin = actor(app, ADMIN)
    plan = plan_id(app, key)
    with app.uow() as uow:
        found = uow.session.get(Plan, plan)
        assert found is not None
        example = example_index(catalog_from_plan(uow.session, found))
    largest = dataclasses.replace(largest_system(), plan=key)
    big = dump_index(largest).encode("utf-8")

    seconds, queries, _ = measured(app, lambda: load_index(app.uow(), admin, plan, "largest.yaml", big))
    note = f"{len(largest.indicators)} indicators, {len(big) // 1024} KB YAML"
    bench_table.add(BenchRow("index load: at the bound", backend, 70, 1, seconds, queries, note))
    seconds, queries, _ = measured(app, lambda: score_summary(app.uow(), admin, plan))
    bench_table.add(BenchRow("score summary: 999 indicators, unscored", backend, 70, 1, seconds, queries))

    data = dump_index(example).encode("utf-8")
    seconds, queries, _ = measured(app, lambda: load_index(app.uow(), admin, plan, "example.yaml", data))
    note = f"{len(example.indicators)} indicators, replacing 999"
    bench_table.add(BenchRow("index load: example of seed 000", backend, 70, 1, seconds, queries, note))

    leaves = example.leaves

    def score_all() -> None:
        for leaf in leaves:
            mark: Decimal | bool = True if leaf.type is IndicatorType.MET else leaf.points
            set_self_score(app.uow(), admin, plan, leaf.code, mark, "按佐证材料评分")

    seconds, queries, _ = measured(app, score_all)
    bench_table.add(BenchRow("score self: every leaf, one transaction each", backend, 70, len(leaves), seconds, queries))

    seconds, queries, summary = measured(app, lambda: score_summary(app.uow(), admin, plan))
    assert summary is not None and summary.own.total == example.total and summary.grade == "优秀"
    bench_table.add(BenchRow("score summary: seed 000 fully scored", backend, 70, 1, seconds, queries))
