"""Benchmark: API actions per second over HTTP, with the transactions and queries each costs.

Seed 000 (70 measures; the bench unit leads them all, as in test_bench_workflow) behind the
real FastAPI application in-process (TestClient, no network): the bench member signs in once
with a bearer token, then starts every measure and marks its part done, one POST each. Every
action is one service call in one transaction (plus the read of the token), answering the
measure's new version; the figures say what that costs per request.

`make bench` repeats it on 5 plans (350 measures, 700 actions). Nothing fails on time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select, update

from workflow.bootstrap import App
from workflow.models import Measure, Person
from workflow.services import accounts
from workflow.web.app import create_app

from .synthetic import (
    MEMBER,
    BenchRow,
    BenchTable,
    Stopwatch,
    add_bench_people,
    copy_plan,
    counting,
    import_seed,
    make_bench_unit_lead_everywhere,
    settle,
)

PASSWORD = "bench-password-1"
FULL_PLANS = 5
SMOKE_PLANS = 1


@contextmanager
def transactions(engine: Engine) -> Iterator[list[int]]:
    """Counts the transactions begun on `engine` (one list item, incremented)."""
    begun = [0]

    def begin(conn: Any) -> None:
        begun[0] += 1

    event.listen(engine, "begin", begin)
    try:
        yield begun
    finally:
        event.remove(engine, "begin", begin)


def test_bench_api_actions(
    benchmark: pytest.FixtureRequest,
    app: App,
    seeds_dir: Path,
    full_size: bool,
    bench_table: BenchTable,
) -> None:
    key = import_seed(app, seeds_dir)
    add_bench_people(app)
    copy_plan(app.engine, key, (FULL_PLANS if full_size else SMOKE_PLANS) - 1)
    make_bench_unit_lead_everywhere(app.engine)
    settle(app.engine)
    with app.uow() as uow:
        uow.session.execute(update(Person).values(password_hash=accounts.hash_password(PASSWORD)))
        uow.commit()
        ids = list(uow.session.scalars(select(Measure.id).order_by(Measure.id)))
    client = TestClient(create_app(zc=app), base_url="https://testserver")
    with client:
        token = client.post("/api/v1/session", json={"name": MEMBER, "password": PASSWORD}).json()["token"]
        client.headers["Authorization"] = f"Bearer {token}"
        watch = Stopwatch()

        def act_on_all() -> None:
            with watch.running():
                for measure_id in ids:
                    started = client.post(f"/api/v1/measures/{measure_id}/start", json={})
                    assert started.status_code == 200, started.text
                    version = started.json()["version"]
                    marked = client.post(
                        f"/api/v1/measures/{measure_id}/part",
                        json={"done": True, "expected_version": version},
                    )
                    assert marked.status_code == 200, marked.text

        with counting(app.engine) as queries, transactions(app.engine) as begun:
            benchmark.pedantic(act_on_all, rounds=1, iterations=1)  # type: ignore[attr-defined]
    actions = 2 * len(ids)
    bench_table.add(
        BenchRow(
            "API start + part done over HTTP (actions/s)",
            app.engine.dialect.name,
            len(ids),
            actions,
            watch.seconds,
            queries.count,
            f"{begun[0] / actions:.1f} transactions per action (the token's read included)",
        )
    )
