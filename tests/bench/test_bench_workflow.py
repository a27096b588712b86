"""Benchmarks: measure transitions per second, with their audit entries, and verifying the chain.

`make bench` builds 143 plans of 70 measures (10,010 measures: seed 000 imported, then copied
with SQLAlchemy Core; every measure also gets one lead unit, 基准测试局, whose member acts) and
starts every measure through `measure_work.start`, one transaction and one audit entry each, as
the CLI does (minus the CLI's process start-up: the engine and its pool are reused). A second
benchmark starts the same measures in one transaction per plan (a batch, which no command does
today) to show what the per-transaction overhead costs. Both then verify the audit chain.

In `make test` the same code runs on one plan (70 measures) as a smoke test.
Figures are printed at the end of the run; nothing fails on time.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow.bootstrap import App
from workflow.domain.lifecycle import Request
from workflow.domain.permissions import Actor, Work, authorize
from workflow.domain.states import Action, MeasureState
from workflow.models import AuditHead, Measure, Plan
from workflow.services import measure_work
from workflow.services.acting import find_measure, measure_units, run_audited
from workflow.services.audit_log import AuditChain, verify_chain

from .synthetic import (
    MEMBER,
    SEED_MEASURES,
    BenchRow,
    BenchTable,
    Stopwatch,
    actor,
    add_bench_people,
    copy_plan,
    counting,
    import_seed,
    make_bench_unit_lead_everywhere,
    measure_ids,
    settle,
)

FULL_PLANS = 143  # 143 × 70 = 10,010 measures
SMOKE_PLANS = 1


def backend(app: App) -> str:
    return app.engine.dialect.name


def build(app: App, seeds_dir: Path, plans: int) -> dict[str, list[str]]:
    """plans × 70 measures, all startable by MEMBER; returns {plan key: refs in order}."""
    key = import_seed(app, seeds_dir)
    add_bench_people(app)
    keys = [key, *copy_plan(app.engine, key, plans - 1)]
    make_bench_unit_lead_everywhere(app.engine)
    settle(app.engine)
    with app.uow() as uow:
        refs = list(
            uow.session.scalars(
                select(Measure.ref).join(Plan).where(Plan.key == key).order_by(Measure.position)
            )
        )
    assert len(refs) == SEED_MEASURES
    return {k: refs for k in keys}


def head_seq(app: App) -> int:
    with app.uow() as uow:
        return uow.session.get_one(AuditHead, 1).seq


def check_all_started(app: App, expected: int) -> None:
    with app.uow() as uow:
        states = dict(
            uow.session.execute(select(Measure.state, func.count()).group_by(Measure.state)).all()
        )
    assert states == {MeasureState.IN_PROGRESS: expected}


def time_verify_chain(app: App, table: BenchTable, measures: int, expected_entries: int) -> None:
    with app.uow() as uow, counting(app.engine) as queries:
        start = time.perf_counter()
        report = verify_chain(uow.session)
        seconds = time.perf_counter() - start
    assert report.ok, report.problems[:5]
    assert report.entries == expected_entries
    table.add(
        BenchRow(
            "audit verify_chain (entries/s)",
            backend(app),
            measures,
            report.entries,
            seconds,
            queries.count,
        )
    )


def test_bench_start_one_transaction_each(
    benchmark: pytest.FixtureRequest,
    app: App,
    seeds_dir: Path,
    full_size: bool,
    bench_table: BenchTable,
) -> None:
    """`measure_work.start` on every measure: one transaction, one audit entry each (as the CLI)."""
    plans = build(app, seeds_dir, FULL_PLANS if full_size else SMOKE_PLANS)
    idents = [f"{key}/{ref}" for key, refs in plans.items() for ref in refs]
    # What the CLI resolves before each command (--as, PLAN/REF), resolved once, outside the clock.
    member = actor(app, MEMBER)
    ids = measure_ids(app, idents)
    seq_before = head_seq(app)
    watch = Stopwatch()
    tenth = max(1, len(idents) // 10)
    marks: list[float] = []  # time at every tenth of the run: does it slow down as data grows?

    def start_all() -> None:
        with watch.running():
            begin = time.perf_counter()
            for n, measure_id in enumerate(ids, start=1):
                measure_work.start(app.uow(), member, measure_id)
                if n % tenth == 0:
                    marks.append(time.perf_counter() - begin)

    with counting(app.engine) as queries:
        benchmark.pedantic(start_all, rounds=1, iterations=1)  # type: ignore[attr-defined]

    check_all_started(app, len(idents))
    bench_table.add(
        BenchRow(
            "start, 1 transaction each (transitions/s)",
            backend(app),
            len(idents),
            len(idents),
            watch.seconds,
            queries.count,
            f"each with its audit entry; per tenth of the run: {_tenths(marks, tenth)} per s",
        )
    )
    time_verify_chain(app, bench_table, len(idents), seq_before + len(idents))


def _tenths(marks: list[float], size: int) -> str:
    """Rate of each tenth of the run, e.g. `first 262, min 166, max 270, last 170`."""
    spans = [b - a for a, b in zip([0.0, *marks], marks, strict=False)]
    rates = [size / s for s in spans if s > 0]
    if not rates:
        return "n/a"
    return f"first {rates[0]:.0f}, min {min(rates):.0f}, max {max(rates):.0f}, last {rates[-1]:.0f}"


def _start_plan_in_one_transaction(app: App, member: Actor, key: str, refs: list[str]) -> None:
    """What `start` does per measure, for a whole plan inside one `run_audited` transaction."""

    def work(session: Session, chain: AuditChain) -> None:
        for ref in refs:
            measure = find_measure(session, f"{key}/{ref}", None)
            authorize(member, Work.UNIT_WORK, measure_units(session, measure).responsibility)
            measure_work._transition(chain, member, measure, Action.START, Request())

    run_audited(app.uow(), member, Action.START.value, key, work)


def test_bench_start_batched_per_plan(
    benchmark: pytest.FixtureRequest,
    app: App,
    seeds_dir: Path,
    full_size: bool,
    bench_table: BenchTable,
) -> None:
    """BATCH variant (no command does this): the same starts, one transaction per plan of 70."""
    plans = build(app, seeds_dir, FULL_PLANS if full_size else SMOKE_PLANS)
    total = sum(len(refs) for refs in plans.values())
    member = actor(app, MEMBER)
    seq_before = head_seq(app)
    watch = Stopwatch()

    def start_all() -> None:
        with watch.running():
            for key, refs in plans.items():
                _start_plan_in_one_transaction(app, member, key, refs)

    with counting(app.engine) as queries:
        benchmark.pedantic(start_all, rounds=1, iterations=1)  # type: ignore[attr-defined]

    check_all_started(app, total)
    bench_table.add(
        BenchRow(
            "start, BATCH 1 transaction/plan (trans./s)",
            backend(app),
            total,
            total,
            watch.seconds,
            queries.count,
            f"{len(plans)} transactions of {SEED_MEASURES}",
        )
    )
    time_verify_chain(app, bench_table, total, seq_before + total)
