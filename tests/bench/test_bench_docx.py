"""Render times of the Word reports beside the PDF (issue 14, part 5).

Seed 000 (70 measures, five files per measure, its example index system with every leaf
self-scored; a 3-measure plan in the smoke run of `make test`) on SQLite: the acceptance
report through `issue_report` as PDF and as .docx (median of three renders each, under
`make bench`), the 自评报告 in both formats and the 验收汇总表. Figures are printed with the
other benchmarks at the end of the run; nothing fails on time.
"""

from __future__ import annotations

import gc
import statistics
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from checklists.indexsys.model import IndicatorType
from reports.documents import Issued, ReportRequest, issue_report
from reports.render import Renderer
from workflow.bootstrap import App
from workflow.read.scores import score_summary
from workflow.services.index_systems import example_index_yaml, load_index, set_self_score

from .synthetic import ADMIN, SEED_MEASURES, BenchRow, BenchTable, actor, plan_id
from .test_bench_reports import SMOKE_MEASURES, TODAY, build

ROUNDS = 3


def _score_everything(app: App, key: str) -> int:
    """The plan's example index, loaded and every leaf self-scored; returns the leaves."""
    admin = actor(app, ADMIN)
    plan = plan_id(app, key)
    load_index(app.uow(), admin, plan, "example.yaml", example_index_yaml(app.uow(), admin, plan).encode("utf-8"))
    summary = score_summary(app.uow(), admin, plan)
    assert summary is not None
    leaves = [line for line in summary.lines if line.leaf]
    for line in leaves:
        mark: Decimal | bool = True if line.type == IndicatorType.MET.value else line.points
        set_self_score(app.uow(), admin, plan, line.code, mark, "按佐证材料评分")
    return len(leaves)


def _issue(app: App, kind: str, key: str, out: Path, fmt: str) -> tuple[float, Issued]:
    gc.collect()
    start = time.perf_counter()
    issued = issue_report(
        app.uow(),
        Renderer(app.settings.home / "templates"),
        ReportRequest(kind=kind, plan=key, today=TODAY, format=fmt),
        out,
    )
    seconds = time.perf_counter() - start
    gc.collect()
    return seconds, issued


def test_bench_word_reports_beside_the_pdf(
    benchmark: Any, app: App, seeds_dir: Path, full_size: bool, bench_table: BenchTable, tmp_path: Path
) -> None:
    backend = app.engine.dialect.name
    if backend != "sqlite":  # a skipped test's unused benchmark fixture does not warn
        pytest.skip("rendering does not depend on the backend; test_bench_reports times the queries")
    size = SEED_MEASURES if full_size else SMOKE_MEASURES
    key = build(app, seeds_dir, (size,))[size]
    leaves = _score_everything(app, key)
    rounds = ROUNDS if full_size else 1
    times: dict[str, list[float]] = {"pdf": [], "docx": []}
    sizes: dict[str, Issued] = {}

    def one_round() -> None:
        for fmt in ("pdf", "docx"):
            seconds, issued = _issue(app, "acceptance", key, tmp_path / f"acceptance-{len(times[fmt])}.{fmt}", fmt)
            times[fmt].append(seconds)
            sizes[fmt] = issued

    benchmark.pedantic(one_round, rounds=rounds, iterations=1)
    for fmt in ("pdf", "docx"):
        issued = sizes[fmt]
        note = f"{issued.pages} pages, " if fmt == "pdf" else f"{issued.timings.seconds('docx'):.2f} s in docxtpl, "
        bench_table.add(
            BenchRow(
                f"acceptance report as {fmt.upper()} (issue_report)",
                backend,
                size,
                1,
                statistics.median(times[fmt]),
                None,
                f"{note}{issued.size // 1024} KB, median of {rounds}",
            )
        )
    pdf, docx = statistics.median(times["pdf"]), statistics.median(times["docx"])
    bench_table.note(f"acceptance report, {size} measures: DOCX {docx:.2f} s beside PDF {pdf:.2f} s ({pdf / docx:.1f}x faster)")
    for kind, fmt in (("selfassessment", "pdf"), ("selfassessment", "docx"), ("summary", "xlsx")):
        seconds, issued = _issue(app, kind, key, tmp_path / f"{kind}.{fmt}", fmt)
        bench_table.add(
            BenchRow(f"{kind} as {fmt.upper()} (issue_report)", backend, size, 1, seconds, None, f"{leaves} indicators scored, {issued.size // 1024} KB")
        )
