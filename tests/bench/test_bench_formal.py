"""Benchmarks of the formal review (形式审查, issue 14 part 3).

On each backend, seed 000 (70 measures) and, under `make bench`, a plan grown from it to 700
measures, each with its example index system loaded and 5 evidence files a measure (every file
in the store, so each is checked for readability): opening the review (gathering every slot,
statement and piece of evidence, the gaps, the notices written), the re-check, and issuing
every unit's one-time notice (PDF render, register) with pages. Figures are printed at the end
of the run; nothing fails on time.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select, update

from checklists.indexsys.example import example_index
from checklists.indexsys.yaml_file import dump_index
from reports.formal_notices import issue_formal_notices
from reports.render import Renderer
from workflow.bootstrap import App
from workflow.domain.permissions import Actor
from workflow.models import Evidence, Measure, Plan
from workflow.services.formal_review import open_formal_review, recheck_gaps
from workflow.services.index_systems import load_index
from workflow.services.plan_catalog import catalog_from_plan

from .synthetic import (
    ADMIN,
    SEED_MEASURES,
    BenchRow,
    BenchTable,
    actor,
    add_bench_people,
    add_files,
    grow_plan,
    import_seed,
    plan_id,
    settle,
)
from .test_bench_index_scores import measured

TODAY = dt.date(2026, 11, 30)
ISSUED = dt.date(2026, 9, 24)
FILES_PER_MEASURE = 5


def store_every_file(app: App, plan_ids: list[int]) -> int:
    """Put a small blob in the store for every evidence file of the plans, and record its size,
    so that the readability check finds each one (`add_files` writes rows only)."""
    with app.engine.begin() as conn:
        rows = conn.execute(
            select(Evidence.id, Evidence.sha256)
            .join(Measure, Measure.id == Evidence.measure_id)
            .where(Measure.plan_id.in_(plan_ids), Evidence.sha256.is_not(None))
        ).all()
        for eid, sha in rows:
            path = app.store.path_of(sha)
            path.parent.mkdir(parents=True, exist_ok=True)
            data = sha.encode()
            path.write_bytes(data)
            conn.execute(update(Evidence).where(Evidence.id == eid).values(size=len(data)))
    return len(rows)


def test_open_recheck_and_issue_the_notices_of_a_formal_review(
    app: App, seeds_dir: Path, db_url: str, bench_table: BenchTable, full_size: bool, tmp_path: Path
) -> None:
    backend = db_url.split(":", 1)[0].split("+", 1)[0]
    key = import_seed(app, seeds_dir)
    add_bench_people(app)
    sizes = (SEED_MEASURES, 700) if full_size else (SEED_MEASURES,)
    keys = {n: key if n == SEED_MEASURES else grow_plan(app.engine, key, n, key=f"formal{n}") for n in sizes}
    add_files(app.engine, sorted(set(keys.values())), per_measure=FILES_PER_MEASURE, today=TODAY)
    settle(app.engine)
    admin = actor(app, ADMIN)
    for n, plan_key in keys.items():
        bench_plan(app, admin, plan_id(app, plan_key), n, backend, bench_table, tmp_path / f"notices-{n}")


def bench_plan(app: App, admin: Actor, plan: int, n: int, backend: str, bench_table: BenchTable, out: Path) -> None:
    """Load the example index of plan `plan` (of `n` measures), open, re-check and issue."""
    stored = store_every_file(app, [plan])
    with app.uow() as uow:
        found = uow.session.get(Plan, plan)
        assert found is not None
        text = dump_index(example_index(catalog_from_plan(uow.session, found)))
    load_index(app.uow(), admin, plan, "example.yaml", text.encode("utf-8"))

    seconds, queries, opened = measured(
        app, lambda: open_formal_review(app.uow(), app.store, admin, plan, days=5, today=ISSUED)
    )
    gaps = sum(len(u.gaps) for u in opened.units)
    note = f"{stored} files, {len(opened.units)} units, {gaps} gaps"
    bench_table.add(BenchRow("formal review: open (gather, gaps, notices)", backend, n, 1, seconds, queries, note))

    seconds, queries, _ = measured(app, lambda: recheck_gaps(app.uow(), app.store, admin, plan))
    bench_table.add(BenchRow("formal review: re-check", backend, n, 1, seconds, queries))

    out.mkdir()
    seconds, queries, issued = measured(app, lambda: issue_formal_notices(app.uow(), Renderer(), admin, plan, out))
    pages = sum(i.pages for i in issued)
    note = f"{pages} pages, largest {max(i.pages for i in issued)} ({max(i.gaps for i in issued)} gaps)"
    bench_table.add(BenchRow("formal review: issue every notice (PDF)", backend, n, len(issued), seconds, queries, note))
