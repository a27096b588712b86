"""Benchmark of the day's 三色督办 run (issue 15): 200 plans × 70 measures under `make bench`,
3 plans in the normal test run.

Seed plan 000 (fixed and annual deadlines) copied, three plans in four carrying work; every
unit of the zone has a member with an e-mail address, the office's admin one too. Timed on
each backend: the first run of `run_reminders` for a day (every coloured measure and unit part
recorded with its audit entry, one digest per person), and the same day's second run (nothing
changed, nothing queued). Figures: time, colour changes, messages queued, SQL statements (an
event listener counts them; the run reads per plan in a fixed number of queries, never per
measure). Nothing fails on time.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from sqlalchemy import insert, select, update

from workflow.bootstrap import App
from workflow.domain.states import Role
from workflow.models import Person, Plan, Unit
from workflow.notify.reminders import ReminderReport, run_reminders

from .synthetic import (
    ADMIN,
    SEED_MEASURES,
    BenchRow,
    BenchTable,
    add_bench_people,
    add_work,
    copy_plan,
    counting,
    import_seed,
    map_groups,
    settle,
)

TODAY = dt.date(2025, 12, 20)  # items of seed 000 overdue (红) and due in 11 days (黄)
FULL_PLANS = 200
SMOKE_PLANS = 3


def give_every_unit_a_mailbox(app: App) -> int:
    """One member with an e-mail address per ordinary unit of the plans' zone, bulk-inserted."""
    with app.engine.begin() as conn:
        zone = conn.execute(select(Plan.zone_id).limit(1)).scalar_one()
        units = conn.execute(select(Unit.id).where(Unit.zone_id == zone, Unit.is_group.is_(False))).scalars().all()
        conn.execute(
            insert(Person),
            [
                {"name": f"督办联络员{u}", "role": Role.MEMBER, "zone_id": zone, "unit_id": u, "active": True,
                 "email": f"u{u}@bench.gov.cn", "organisation": ""}
                for u in units
            ],
        )
        conn.execute(update(Person).where(Person.name == ADMIN).values(email="office@bench.gov.cn"))
    return len(units)


def measured(app: App, day: dt.date) -> tuple[float, int, ReminderReport]:
    with counting(app.engine) as counter:
        start = time.perf_counter()
        report = run_reminders(app.uow(), day)
        seconds = time.perf_counter() - start
    return seconds, counter.count, report


def test_bench_the_days_reminder_run(app: App, seeds_dir: Path, full_size: bool, bench_table: BenchTable) -> None:
    backend = app.engine.dialect.name
    key = import_seed(app, seeds_dir)
    add_bench_people(app)
    map_groups(app)
    plans = FULL_PLANS if full_size else SMOKE_PLANS
    copies = copy_plan(app.engine, key, plans - 1)
    worked = [k for i, k in enumerate([key, *copies]) if i % 4 != 3]
    add_work(app.engine, worked, today=TODAY)
    units = give_every_unit_a_mailbox(app)
    settle(app.engine)
    measures = plans * SEED_MEASURES

    seconds, queries, first = measured(app, TODAY)
    assert first.changes > 0 and first.queued > 0
    bench_table.add(BenchRow(
        "reminder run: first run of the day", backend, measures, plans, seconds, queries,
        f"{first.changes} colour changes audited, {first.queued} digests queued, {units} units",
    ))
    seconds, queries, again = measured(app, TODAY)
    assert (again.changes, again.queued) == (0, 0)
    bench_table.add(BenchRow(
        "reminder run: the same day again", backend, measures, plans, seconds, queries, "nothing changed or queued",
    ))
    bench_table.note(
        f"[{backend}] reminder run: {plans} plans × {SEED_MEASURES} measures on {TODAY}; "
        f"ops = plans; queries per plan ≈ {queries / plans:.1f} on the second run"
    )
