"""Benchmark: parse time per plan, for each of the five seeds and the fourteen corpus documents
(their text: `parse_document` alone, no file reading or format extraction; that is
test_bench_formats.py). Printed figures, never a pass/fail on time: CPU seconds per parse, the
best of a few rounds (so a neighbour's load on a shared machine counts less), each round cold
(`memo.forget`: what the first import in a process pays), and the warm figure beside it (a
server that has read other plans remembers their unit names and deadline phrases)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from checklists.memo import forget
from checklists.parser import parse_document

from .synthetic import BenchRow, BenchTable

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
ROUNDS = 5


def _best_parse(text: str, name: str, *, cold: bool) -> tuple[float, int]:
    """(best CPU seconds of ROUNDS parses, measures found); `cold`: nothing remembered."""
    best = float("inf")
    measures = 0
    for _ in range(ROUNDS):
        if cold:
            forget()
        start = time.process_time()
        measures = len(parse_document(text, source_name=name).measures)
        best = min(best, time.process_time() - start)
    return best, measures


def test_bench_parse_time_per_plan(
    benchmark: pytest.FixtureRequest, seeds_dir: Path, bench_table: BenchTable
) -> None:
    plans = [("seed", p) for p in sorted(seeds_dir.glob("*.txt"))]
    plans += [("corpus", p) for p in (sorted(CORPUS.glob("*.txt")) if CORPUS.is_dir() else [])]
    texts = {path: path.read_text(encoding="utf-8") for _, path in plans}

    def parse_all() -> int:
        return sum(len(parse_document(text, source_name=path.name).measures) for path, text in texts.items())

    # pytest-benchmark's own figure: every plan once per round (so --benchmark-only runs this).
    benchmark.pedantic(parse_all, rounds=3, iterations=1)  # type: ignore[attr-defined]
    total = warm_total = 0.0
    for kind, path in plans:
        seconds, measures = _best_parse(texts[path], path.name, cold=True)
        warm, _ = _best_parse(texts[path], path.name, cold=False)
        total, warm_total = total + seconds, warm_total + warm
        note = f"{len(texts[path])} chars, warm {warm * 1000:.1f} ms"
        bench_table.add(BenchRow(f"parse {kind} {path.stem[:28]}", "-", measures, 1, seconds, note=note))
    bench_table.add(
        BenchRow(f"parse all {len(plans)} plans (sum)", "-", 0, len(plans), total, note=f"warm {warm_total:.3f} s")
    )
    bench_table.note(f"parse: CPU seconds of parse_document on the plan's text, best of {ROUNDS} cold rounds")
