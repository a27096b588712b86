"""Benchmarks of expert panels (issue 14, part 4).

On each backend, for seed 000 (70 measures) with its example index system loaded: a panel of
five experts (the 组长 among them) seated; each expert scoring every leaf, one transaction each
(what the sheet's forms and `score expert` do); then reading the panel (members, marks of all
five, opinions, the consolidated sheet) and the score summary, which consolidates by the 组长.
Figures with statement counts are printed at the end of the run; nothing fails on time.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from checklists.indexsys.example import example_index
from checklists.indexsys.model import IndicatorType
from checklists.indexsys.yaml_file import dump_index
from workflow.bootstrap import App
from workflow.domain.states import Role
from workflow.models import Plan
from workflow.read.panel import expert_panel
from workflow.read.scores import score_summary
from workflow.services.expert_scores import set_expert_score
from workflow.services.experts import assign_expert
from workflow.services.index_systems import load_index
from workflow.services.people import add_person
from workflow.services.plan_catalog import catalog_from_plan

from .synthetic import ADMIN, BenchRow, BenchTable, actor, add_bench_people, import_seed, plan_id
from .test_bench_index_scores import measured

EXPERTS = [f"基准专家{n}" for n in range(1, 6)]


def test_a_panel_of_five_scores_every_leaf_and_is_read(
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
    load_index(app.uow(), admin, plan, "example.yaml", dump_index(example).encode("utf-8"))

    def seat_all() -> None:
        for n, name in enumerate(EXPERTS):
            add_person(app.uow(), admin, name, role=Role.EXPERT, unit=None, organisation="基准评估中心")
            assign_expert(app.uow(), admin, plan, name, leader=n == 0)

    seconds, queries, _ = measured(app, seat_all)
    bench_table.add(BenchRow("expert: add and seat", backend, 70, len(EXPERTS), seconds, queries))

    leaves = example.leaves
    experts = [actor(app, name) for name in EXPERTS]

    def score_all() -> None:
        for n, expert in enumerate(experts):
            share = Decimal(10 - n) / 10  # the 组长 full points, the others a little less each
            for leaf in leaves:
                mark: Decimal | bool = True
                if leaf.type is not IndicatorType.MET:
                    mark = (leaf.points * share).quantize(Decimal("0.01"))
                set_expert_score(app.uow(), expert, plan, leaf.code, mark, "按佐证材料评分")

    seconds, queries, _ = measured(app, score_all)
    note = f"{len(leaves)} leaves x {len(experts)} experts"
    bench_table.add(BenchRow("score expert: one transaction each", backend, 70, len(leaves) * len(experts), seconds, queries, note))

    seconds, queries, panel = measured(app, lambda: expert_panel(app.uow(), admin, plan))
    assert len(panel.marks) == len(EXPERTS) and panel.scores is not None and panel.scores.panel is not None
    assert panel.scores.panel.total == example.total  # the 组长 (expert 1) gave full points
    bench_table.add(BenchRow("expert panel read: 5 experts, every leaf", backend, 70, 1, seconds, queries))
    seconds, queries, summary = measured(app, lambda: score_summary(app.uow(), admin, plan))
    assert summary is not None and summary.grade == "优秀"
    bench_table.add(BenchRow("score summary: with a panel of 5", backend, 70, 1, seconds, queries))
