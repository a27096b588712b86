"""Benchmarks: `progress.plan_status` and `progress.overdue_list` for one plan of 70 measures.

The plan is seed 000 with a realistic spread of work (states, parts, evidence, self-checks,
reviews; groups mapped to member units), bulk-inserted. It is timed twice:

* in a small database: that plan alone;
* in a large one: the same plan after 199 copies of it were added, three in four of them with
  work too (200 plans, 14,000 measures). The plan's own rows are the same, so a per-plan time
  that grows with the database means a query that reads more than the plan (a missing index).

Query counts come from a `before_cursor_execute` counter. In `make test` the large database
has 2 plans (smoke test). Figures are printed at the end of the run; nothing fails on time.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from workflow.bootstrap import App
from workflow.models import Measure
from workflow.read import overdue as overdue_read
from workflow.read import progress

from .synthetic import (
    SEED_MEASURES,
    BenchRow,
    BenchTable,
    add_bench_people,
    add_work,
    copy_plan,
    counting,
    import_seed,
    map_groups,
    plan_id,
    settle,
)

FULL_PLANS = 200  # 200 × 70 = 14,000 measures
SMOKE_PLANS = 2
ROUNDS = 9
# Mid-way through seed 000's period (2024-01-31 … 2025-12-31): some deadlines passed, some near.
TODAY = dt.date(2025, 11, 15)


def measure_count(app: App) -> int:
    with app.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Measure)) or 0)


def timed(app: App, call: Callable[[], Any]) -> tuple[float, float, int]:
    """(median and fastest seconds of ROUNDS calls after a warm-up, statements per call).

    The fastest call is the steadier figure on a busy 2-core machine (a garbage collection or
    an autovacuum can double one call); growth with the database is judged on it.
    """
    with counting(app.engine) as queries:
        call()
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), queries.count


def test_bench_plan_status_and_overdue(
    benchmark: pytest.FixtureRequest,
    app: App,
    seeds_dir: Path,
    full_size: bool,
    bench_table: BenchTable,
) -> None:
    backend = app.engine.dialect.name
    key = import_seed(app, seeds_dir)
    add_bench_people(app)
    map_groups(app)
    add_work(app.engine, [key], today=TODAY)
    settle(app.engine)

    def status(plan_key: str) -> Callable[[], Any]:
        number = plan_id(app, plan_key)  # resolved as the CLI does, before the clock
        return lambda: progress.plan_status(app.uow(), None, number, today=TODAY).as_dict()

    def overdue(plan_key: str) -> Callable[[], Any]:
        number = plan_id(app, plan_key)
        return lambda: overdue_read.overdue_list(app.uow(), None, number, today=TODAY).as_dict()

    small = {"status": timed(app, status(key)), "overdue": timed(app, overdue(key))}
    small_measures = measure_count(app)
    report = progress.plan_status(app.uow(), None, plan_id(app, key), today=TODAY).as_dict()
    assert report["total"] == SEED_MEASURES

    plans = FULL_PLANS if full_size else SMOKE_PLANS
    copies = copy_plan(app.engine, key, plans - 1)
    # Three plans in four carry work; the rest are untouched (all planned).
    worked = [k for i, k in enumerate(copies, start=1) if i % 4 != 3]
    add_work(app.engine, worked, today=TODAY)
    settle(app.engine)
    large_measures = measure_count(app)
    assert large_measures == plans * SEED_MEASURES

    # pytest-benchmark's own figure: plan_status on the large database.
    result = benchmark.pedantic(status(key), rounds=ROUNDS, iterations=1, warmup_rounds=1)  # type: ignore[attr-defined]
    assert result == report  # the other plans change nothing in this plan's figures

    large = {"status": timed(app, status(key)), "overdue": timed(app, overdue(key))}
    other = worked[-1]
    large_other = {"status": timed(app, status(other)), "overdue": timed(app, overdue(other))}

    by_state = ", ".join(f"{k} {v}" for k, v in report["by_state"].items() if v)
    for name, label in (("status", "plan_status"), ("overdue", "overdue_list")):
        for where, measures, figures in (
            ("small DB, plan 000", small_measures, small),
            ("large DB, plan 000", large_measures, large),
            (f"large DB, plan {other}", large_measures, large_other),
        ):
            seconds, fastest, queries = figures[name]
            note = f"fastest {fastest * 1000:.1f} ms"
            if figures is not small:
                note += f", × {fastest / small[name][1]:.2f} vs small DB"
            bench_table.add(
                BenchRow(f"{label} 1 plan, {where}", backend, measures, 1, seconds, queries, note)
            )
    bench_table.note(
        f"[{backend}] plan 000 as timed: {report['total']} measures ({by_state}), "
        f"{report['overdue']} overdue; seconds = median of {ROUNDS} calls after a warm-up"
    )
