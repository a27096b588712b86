"""Benchmark: import reading time per format, for the five seeds (as text, site page, A4 PDF and
auto-numbered .docx), the corpus's fourteen pages, a 21-page PDF plan (target: under 2 s), and a
seed saved as .doc converted by LibreOffice when it is installed. Printed figures (CPU seconds of
`read_source`: detect, extract, parse; wall seconds for the conversion, which runs in another
process), never a pass/fail on time."""

from __future__ import annotations

import time
from pathlib import Path

import pdfplumber
import pytest

from checklists.sources.convert import soffice
from tests.support.plan_files import office_copies, plan_docx, plan_html, plan_pdf
from workflow.services.plan_import import read_source

from .synthetic import BenchRow, BenchTable

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"


def _timed(paths: list[Path]) -> tuple[float, int]:
    start = time.process_time()
    measures = sum(len(read_source(p).catalog.measures) for p in paths)
    return time.process_time() - start, measures


def test_bench_import_time_per_format(
    benchmark: pytest.FixtureRequest, seeds_dir: Path, tmp_path: Path, bench_table: BenchTable, full_size: bool
) -> None:
    seeds = sorted(seeds_dir.glob("*.txt"))
    files: dict[str, list[Path]] = {"text": seeds, "html": [], "pdf": [], "docx": []}
    for seed in seeds:
        text = seed.read_text(encoding="utf-8")
        page = tmp_path / f"{seed.stem}.html"
        page.write_bytes(plan_html(text))
        files["html"].append(page)
        files["pdf"].append(plan_pdf(text, tmp_path / f"{seed.stem}.pdf"))
        files["docx"].append(plan_docx(text, tmp_path / f"{seed.stem}.docx"))
    for fmt, paths in files.items():
        seconds, measures = _timed(paths)
        bench_table.add(BenchRow(f"read five seeds as {fmt}", "-", measures, len(paths), seconds))

    corpus = sorted(CORPUS.glob("*.html")) if CORPUS.is_dir() else []
    if corpus:
        seconds, measures = _timed(corpus)
        bench_table.add(BenchRow("read the corpus pages (html)", "-", measures, len(corpus), seconds))

    # A long plan: seed 000 three times over (its numbers repeat; the parser reports them).
    long_text = "\n".join([seeds[0].read_text(encoding="utf-8")] * 3)
    long_pdf = plan_pdf(long_text, tmp_path / "long.pdf")
    with pdfplumber.open(long_pdf) as pdf:
        pages = len(pdf.pages)

    def read_long() -> int:
        return len(read_source(long_pdf).catalog.measures)

    start = time.process_time()
    measures = benchmark.pedantic(read_long, rounds=3, iterations=1)  # type: ignore[attr-defined]
    seconds = (time.process_time() - start) / 3
    bench_table.add(BenchRow(f"read a {pages}-page PDF plan (target < 2 s)", "-", measures, 1, seconds))
    bench_table.note(f"formats: CPU seconds of read_source per file set; the long PDF has {pages} pages")

    # Under `make bench` only: the suite's smoke run already converts files in the unit tests.
    if full_size and (program := soffice()) is not None:
        docx = plan_docx(seeds[0].read_text(encoding="utf-8"), tmp_path / "seed.docx", restart_lists=True)
        (doc,) = office_copies(program, [docx], "doc", tmp_path)
        walls = []
        for _ in range(3):
            start = time.perf_counter()
            measures = len(read_source(doc).catalog.measures)
            walls.append(time.perf_counter() - start)
        bench_table.add(BenchRow("read a seed as .doc (LibreOffice, wall s)", "-", measures, 1, min(walls),
                                 note=f"best of 3, worst {max(walls):.1f} s"))  # fmt: skip
