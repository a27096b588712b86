"""Benchmarks of the office's 评价指标体系 and 专家组 tabs (issue 14, the acceptance pages).

On each backend, for seed 000 (70 measures): the 评价指标体系 page (read, scores, indicator
rows with their measures' evidence, one self-score form a leaf) with the plan's example index
system before and after every leaf is self-scored, and with an index at the bound (1,000
indicators, the most a file may hold); the 专家组 page with a panel of five. Each page is
fetched five times through the real application (in process, signed in); the figures
(median, statements, page size) are printed at the end of the run; nothing fails on time.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import update

from checklists.indexsys.example import example_index
from checklists.indexsys.model import IndicatorType
from checklists.indexsys.yaml_file import dump_index
from tests.web.conftest import sign_in
from workflow.bootstrap import App
from workflow.domain.states import Role
from workflow.models import Person, Plan
from workflow.services import accounts
from workflow.services.experts import assign_expert
from workflow.services.index_systems import load_index, set_self_score
from workflow.services.people import add_person
from workflow.services.plan_catalog import catalog_from_plan
from workflow.web.app import create_app

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

PASSWORD = "bench-password-1"
FETCHES = 5


def fetched(app: App, client: TestClient, path: str) -> tuple[float, int, int]:
    """Median seconds, statements per fetch and bytes of `path`, fetched FETCHES times."""
    times = []
    with counting(app.engine) as counter:
        for _ in range(FETCHES):
            start = time.perf_counter()
            page = client.get(path)
            times.append(time.perf_counter() - start)
            assert page.status_code == 200, page.text[:300]
    return statistics.median(times), counter.count // FETCHES, len(page.content)


def test_the_index_and_panel_pages_of_a_70_measure_plan(
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
        uow.session.execute(update(Person).where(Person.name == ADMIN).values(password_hash=accounts.hash_password(PASSWORD)))
        uow.commit()
    client = TestClient(create_app(zc=app), base_url="https://testserver", follow_redirects=False)

    def add(what: str, path: str, note: Callable[[int], str]) -> None:
        seconds, queries, size = fetched(app, client, path)
        bench_table.add(BenchRow(what, backend, 70, 1, seconds, queries, note(size)))

    with client:
        sign_in(client, ADMIN, PASSWORD)
        index = f"/office/plans/{plan}/index"
        leaves = example.leaves
        # The bound first: an unscored system is replaced by the next load.
        largest = dataclasses.replace(largest_system(), plan=key)
        load_index(app.uow(), admin, plan, "largest.yaml", dump_index(largest).encode("utf-8"))
        add("page: 评价指标体系 at the bound", index, lambda size: f"{len(largest.indicators)} indicators, {size // 1024} KB")
        load_index(app.uow(), admin, plan, "example.yaml", dump_index(example).encode("utf-8"))
        add("page: 评价指标体系, unscored", index, lambda size: f"{len(example.indicators)} indicators, {size // 1024} KB")
        for ind in leaves:
            mark: Decimal | bool = True if ind.type is IndicatorType.MET else ind.points
            set_self_score(app.uow(), admin, plan, ind.code, mark, "已完成")
        add("page: 评价指标体系, self-scored", index, lambda size: f"{len(leaves)} leaves scored, {size // 1024} KB")

        for n in range(5):
            name = f"基准专家{n + 1}"
            add_person(app.uow(), admin, name, role=Role.EXPERT, unit=None, organisation="基准评估中心")
            assign_expert(app.uow(), admin, plan, name, leader=n == 0)
        add("page: 专家组, five experts", f"/office/plans/{plan}/panel", lambda size: f"{size // 1024} KB")
