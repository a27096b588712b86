"""Benchmarks of the index-system domain (issue 14): reading, checking and scoring at the bounds.

They print figures (the table at the end of the run); they never fail on time. Sizes:

* the example index system of each seed: built, written as YAML and read back;
* a system at the bound of 1,000 indicators (9 一级 × 10 二级 × 10 三级, 999 indicators)
  read from YAML and from XLSX, then scored (one full sheet, and a panel of 9 experts
  consolidated by trimmed mean);
* 补正 deadlines of 60 working days, and the formal review of 20,000 slots.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import openpyxl

from checklists.catalog import EvidenceKind
from checklists.indexsys.example import example_index
from checklists.indexsys.model import Consolidation, EvidenceSlot, GradeLines, Indicator, Level
from checklists.indexsys.system import IndexSystem
from checklists.indexsys.xlsx_file import load_index_xlsx
from checklists.indexsys.yaml_file import dump_index, load_index_yaml
from tests.support.seed_catalogs import PREFIXES, seed_catalog
from workflow.domain.formal_review import EvidenceFact, SlotDue, formal_review_gaps
from workflow.domain.obligations import PlanPeriod
from workflow.domain.scoring import consolidate, evaluate
from workflow.domain.workdays import deadline_after

from .synthetic import BenchRow, BenchTable

D = Decimal
LEDGER = EvidenceSlot("工作台账")


def best_of(rounds: int, run: Callable[[], Any]) -> tuple[float, Any]:
    """The fastest of `rounds` runs (the machine is shared), with the last result."""
    best, result = float("inf"), None
    for _ in range(rounds):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def largest_system() -> IndexSystem:
    indicators: list[Indicator] = []
    for a in range(1, 10):
        indicators.append(Indicator(f"{a}", f"一级指标{a}", Level.FIRST, D(10)))
        for b in range(1, 11):
            indicators.append(Indicator(f"{a}.{b}", f"二级指标{a}.{b}", Level.SECOND, D(1), parent=f"{a}"))
            for c in range(1, 11):
                indicators.append(
                    Indicator(
                        f"{a}.{b}.{c}",
                        f"三级指标{a}.{b}.{c},评分细则与佐证要求的一段说明文字",
                        Level.THIRD,
                        D("0.1"),
                        parent=f"{a}.{b}",
                        guidance="按完成情况评分," * 10,
                    )
                )
    return IndexSystem("最大规模指标体系", "p", D(90), tuple(indicators), GradeLines.default(D(90)))


def as_workbook(system: IndexSystem) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["编号", "指标名称", "级别", "上级编号", "分值", "评分标准"])
    for i in system.indicators:
        sheet.append([i.code, i.name, int(i.level), i.parent, float(i.points), i.guidance])
    settings = book.create_sheet("设置")
    for row in (["名称", system.name], ["方案", system.plan], ["总分", 90]):
        settings.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_bench_index_systems(bench_table: BenchTable) -> None:
    catalogs = [seed_catalog(p) for p in PREFIXES]
    seconds, count = best_of(3, lambda: sum(len(example_index(c).indicators) for c in catalogs))
    bench_table.add(BenchRow("index: example systems of the 5 seeds", "-", count, 5, seconds))
    texts = [dump_index(example_index(c)) for c in catalogs]
    seconds, _ = best_of(3, lambda: [load_index_yaml(t, source="x", catalog=c) for t, c in zip(texts, catalogs, strict=True)])
    bench_table.add(
        BenchRow("index: read the 5 examples back (YAML)", "-", count, 5, seconds, note=f"{sum(map(len, texts)) // 1024} KB")
    )

    system = largest_system()
    text = dump_index(system)
    seconds, loaded = best_of(3, lambda: load_index_yaml(text, source="x"))
    assert loaded == system
    size = len(text.encode()) // 1024
    bench_table.add(BenchRow("index: read 999 indicators (YAML)", "-", 999, 1, seconds, note=f"{size} KB"))
    data = as_workbook(system)
    seconds, loaded = best_of(3, lambda: load_index_xlsx(data, source="x.xlsx"))
    assert loaded.indicators == system.indicators
    bench_table.add(BenchRow("index: read 999 indicators (XLSX)", "-", 999, 1, seconds, note=f"{len(data) // 1024} KB"))

    marks: dict[str, object] = {leaf.code: D("0.05") for leaf in system.leaves}
    seconds, result = best_of(5, lambda: evaluate(system, marks))
    assert result.total == D(45)
    bench_table.add(BenchRow("score: evaluate 900 marks", "-", 999, 1, seconds))
    experts = [{leaf.code: D(n) / 100 for leaf in system.leaves} for n in range(1, 10)]
    seconds, panel = best_of(3, lambda: consolidate(system, experts, rule=Consolidation.TRIMMED_MEAN))
    assert panel[system.leaves[0].code] == D("0.05")
    bench_table.add(BenchRow("score: consolidate 9 experts (trimmed mean)", "-", 999, 9, seconds))


def test_bench_deadlines_and_formal_review(bench_table: BenchTable) -> None:
    days = [dt.date(2024, 1, 1) + dt.timedelta(n) for n in range(300)]
    seconds, _ = best_of(3, lambda: [deadline_after(d, 60) for d in days])
    bench_table.add(BenchRow("workdays: 60-working-day deadlines", "-", 0, len(days), seconds))

    fact = EvidenceFact("台账.pdf", EvidenceKind.FILE, dt.date(2024, 1, 15), media_type="pdf")
    slots = [
        SlotDue(f"单位{n % 40}", f"指标 {n}", LEDGER, (fact,) if n % 3 else ()) for n in range(20_000)
    ]
    period = PlanPeriod(dt.date(2023, 1, 1), dt.date(2025, 12, 31))
    seconds, result = best_of(3, lambda: formal_review_gaps(slots, (), period=period, accepted_types={"pdf"}))
    assert len(result) == 40
    bench_table.add(BenchRow("formal review: 20,000 slots", "-", 0, len(slots), seconds))

