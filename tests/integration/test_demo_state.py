"""The demo state of the five seed plans (tests/support/demo_state.py), on both backends.

`build_demo_state` is what report tests and benchmarks start from, so this checks what they rely
on: the counts per state of every plan, evidence on every measure worked on (two files named
alike on Jiading's measure 3), the returns for rectification, the indicator values, the audit
chain and the evidence store intact, and the same result on every run and on either backend.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from support.demo_state import EXPECTED_STATES, PLAN_PREFIXES, build_demo_state

from workflow.bootstrap import App
from workflow.domain.states import MeasureState
from workflow.models import AuditEntry, Evidence, Indicator, Measure, Plan
from workflow.read import history as history_read
from workflow.read import progress
from workflow.services.audit_log import verify_chain
from workflow.services.evidence import verify_store

from .workflow_helpers import (
    make_app,
    measure_of,
    plan_id,
    session_of,
)

JIADING_TODAY = dt.date(2024, 3, 1)


def fingerprint(app: App) -> dict[str, Any]:
    """Everything the demo decides, without row ids and timestamps."""
    with session_of(app) as session:
        measures = session.scalars(
            select(Measure)
            .join(Plan)
            .order_by(Plan.key, Measure.position)
            .options(
                selectinload(Measure.plan),
                selectinload(Measure.evidence).selectinload(Evidence.unit),
                selectinload(Measure.self_checks),
            )
        ).all()
        indicators = session.scalars(
            select(Indicator).join(Plan).order_by(Plan.key, Indicator.position)
        ).all()
        return {
            "measures": [
                (
                    m.plan.key,
                    m.ref,
                    m.state.value,
                    m.rectification_due,
                    [s.statement for s in m.self_checks],
                    sorted(
                        (
                            e.file_name,
                            e.sha256 or "",
                            e.doc_date,
                            e.unit.name if e.unit else "",
                            e.current,
                        )
                        for e in m.evidence
                    ),
                )
                for m in measures
            ],
            "indicators": [
                (i.metric, [(str(r.value), r.as_of) for r in i.reports]) for i in indicators
            ],
            "audit": [
                (e.actor, e.action, e.target, e.from_state, e.to_state, e.refused, e.comment)
                for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))
            ],
        }


@pytest.fixture(scope="module")
def reference(
    tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path
) -> Iterator[dict[str, Any]]:
    """The fingerprint of one build on SQLite, to compare every other build with."""
    home = tmp_path_factory.mktemp("demo-reference")
    app = make_app(f"sqlite:///{home}/zonecheck.db", home / "home")
    try:
        build_demo_state(app, seeds_dir)
        yield fingerprint(app)
    finally:
        app.close()


def test_every_plan_reaches_its_demo_state(
    app: App, seeds_dir: Path, reference: dict[str, Any]
) -> None:
    started = time.monotonic()
    keys = build_demo_state(app, seeds_dir)
    elapsed = time.monotonic() - started
    print(f"\nbuild_demo_state on {app.engine.dialect.name}: {elapsed:.1f} s")  # shown with -s

    assert sorted(keys) == list(PLAN_PREFIXES)
    assert all(key.startswith(f"{prefix}_") for prefix, key in keys.items())
    for prefix, key in keys.items():
        status = progress.plan_status(app.uow(), None, plan_id(app, key), today=JIADING_TODAY).as_dict()
        by_state = status["by_state"]
        assert by_state == EXPECTED_STATES[prefix], prefix
        # Every state is on show: 未启动, 推进中 (not returned), 整改中, 已自查, 已验收.
        assert by_state["in_progress"] > by_state["rectifying"] > 0, prefix
        assert all(by_state[s.value] > 0 for s in MeasureState), prefix
        assert status["total"] == sum(by_state[s.value] for s in MeasureState)

    with session_of(app) as session:
        measures = session.scalars(
            select(Measure).options(selectinload(Measure.plan), selectinload(Measure.evidence))
        ).all()
        for m in measures:
            files = [e for e in m.evidence if e.current and e.kind.value == "file"]
            if m.state in (MeasureState.SELF_CHECKED, MeasureState.ACCEPTED) or m.rectification_due:
                assert files, f"{m.plan.key}/{m.ref} was self-checked without files"
            if m.plan.key == keys["003"] and m.state is not MeasureState.PLANNED:
                assert len(files) >= 2, f"Jiading {m.ref}: {[e.file_name for e in files]}"
            if m.state is MeasureState.PLANNED:
                assert not m.evidence, f"{m.plan.key}/{m.ref}"
        by_plan = {prefix: 0 for prefix in PLAN_PREFIXES}
        for m in measures:
            by_plan[m.plan.key[:3]] += len(m.evidence)
        assert all(n > 0 for n in by_plan.values()), by_plan

        # Jiading 3: two current files named 工作台账.pdf (the lead's and 区经委's revised one)
        # with different contents, and 区经委's first one superseded, not lost.
        [m3] = [m for m in measures if m.plan.key == keys["003"] and m.ref == "3"]
        ledgers = [e for e in m3.evidence if e.file_name == "工作台账.pdf"]
        current = [e for e in ledgers if e.current]
        assert len(current) == 2 and len({e.sha256 for e in current}) == 2
        assert [e.superseded_by_id is not None for e in ledgers].count(True) == 1
        assert m3.state is MeasureState.ACCEPTED
        [m9] = [m for m in measures if m.plan.key == keys["003"] and m.ref == "9"]
        assert (m9.state, m9.rectification_due) == (MeasureState.IN_PROGRESS, dt.date(2024, 4, 15))

        report = verify_chain(session)
        assert report.problems == [] and report.ok
        refused = session.scalars(
            select(AuditEntry).where(AuditEntry.refused.is_(True)).order_by(AuditEntry.seq)
        ).all()
        assert [(e.actor, e.action) for e in refused] == [
            ("张卫东", "submit_self_check"),  # Wuhan 3: 区司法局's part still open
            ("江涛", "submit_self_check"),  # Jiangxi 6: the co-unit may not submit
            ("朱丽", "start"),  # Jiading 10: not 区法院's measure
            ("韩冰", "start"),  # Jinan 3: not 济南海关's measure
        ]

    history = [
        e.action
        for e in history_read.measure_history(app.uow(), None, measure_of(app, f"{keys['003']}/3"))[1]
        if e.action not in ("evidence_add", "part_done")
    ]
    assert history == [
        "start",
        "submit_self_check",
        "return_for_rectification",
        "evidence_replace",
        "submit_self_check",
        "accept",
    ]

    indicators = {
        (prefix, i["metric"]): (i["reported"], i["met"])
        for prefix, key in keys.items()
        for i in progress.plan_status(app.uow(), None, plan_id(app, key)).as_dict()["indicators"]
        if i["reported"] is not None
    }
    assert indicators == {
        ("001", "国家级知识产权保护中心"): (2, False),
        ("002", "有效发明专利拥有量"): (3712, True),
        ("002", "知识产权质押融资额"): (85000000, False),
        ("004", "区县(功能区)全覆盖"): (87.5, False),
    }

    store = verify_store(app.uow(), app.store)
    assert store.ok and store.checked > 100, store

    assert fingerprint(app) == reference  # the same on every run and on either backend
