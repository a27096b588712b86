"""Benchmarks: the PDF acceptance report, its render time, pages and size, and where the time goes.

Plans are seed 000 (70 measures) and plans grown from it with `grow_plan` (one plan of 175, 350
or 700 measures: its sections and measures repeated, renumbered), all with a realistic spread of
work (`add_work`) and 5 evidence files per measure (`add_files`). On SQLite:

1. the acceptance report of plan 000 through `issue_report` (queries, HTML, layout, PDF):
   seconds (median), pages, size and the stages;
2. bare WeasyPrint on the same HTML (`HTML(string=…).write_pdf()` alone): ours / bare, target
   at most 1.2; and bare WeasyPrint with Python's garbage collector paused, which is what
   pausing it during the render would save;
3. the whole command `zonecheck report acceptance KEY -o …` in a fresh process: target < 5 s,
   split into the render (the time the command prints) and the rest (start, imports, exit);
4. the 700-measure plan: the same figures (but the command), target < 10 × the 70-measure time;
5. growth: 70, 175, 350, 700 measures → seconds, pages, seconds per measure;
6. a cProfile of one 700-measure layout and PDF write, grouped coarsely (HTML parsing, CSS,
   boxes, tables, line breaking, Pango, font subsetting).

On PostgreSQL only the queries (`plan_report`) are timed: the rendering does not depend on the
backend. In `make test` (smoke size) the plans are tiny (3 measures; growth 2 and 4) so the
module runs in seconds and still checks the PDFs (pages, text). Nothing fails on time: the
figures and targets are printed at the end of the run. CPU seconds are printed beside the wall
seconds because this machine is shared (a busy neighbour stretches wall time, not CPU time).
"""

from __future__ import annotations

import cProfile
import datetime as dt
import gc
import logging
import os
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reports import data
from reports.documents import Issued, ReportRequest, issue_report
from reports.render import BUILTIN_TEMPLATES, Renderer, harfbuzz_subset_available
from reports.signing import PdfSigner
from workflow.bootstrap import App
from workflow.read.plans import find_plan

from .synthetic import (
    SEED_MEASURES,
    BenchRow,
    BenchTable,
    add_bench_people,
    add_files,
    add_work,
    counting,
    grow_plan,
    import_seed,
    map_groups,
    settle,
)

TODAY = dt.date(2025, 11, 15)  # mid-way through seed 000's period, as in the progress benchmark
FILES_PER_MEASURE = 5
ROUNDS = 3  # renders of the 70-measure report (median)
QUERY_ROUNDS = 5
FULL_GROWTH = (SEED_MEASURES, 175, 350, 700)
SMOKE_GROWTH = (2, 4)
SMOKE_MEASURES = 3  # the "plan 000" test in make test: a 3-measure plan grown from 000

TARGET_VS_BARE = 1.2
TARGET_CLI_SECONDS = 5.0
TARGET_700_VS_70 = 10.0

REPO = Path(__file__).resolve().parents[2]
ZONECHECK = REPO / ".venv" / "bin" / "zonecheck"
if not ZONECHECK.is_file():  # another virtualenv: the script beside this Python
    ZONECHECK = Path(sys.executable).with_name("zonecheck")

# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Render:
    """One report through issue_report: wall and CPU seconds, the stages, pages, size."""

    seconds: float
    cpu: float
    issued: Issued

    def stage(self, name: str) -> float:
        return self.issued.timings.seconds(name)


def build(app: App, seeds_dir: Path, sizes: tuple[int, ...]) -> dict[int, str]:
    """Seed 000 plus one grown plan per size other than 70; work and files on all of them."""
    key = import_seed(app, seeds_dir)
    add_bench_people(app)
    map_groups(app)
    keys = {
        n: key if n == SEED_MEASURES else grow_plan(app.engine, key, n, key=f"bench{n}")
        for n in sizes
    }
    plans = sorted(set(keys.values()))
    add_work(app.engine, plans, today=TODAY)
    add_files(app.engine, plans, per_measure=FILES_PER_MEASURE, today=TODAY)
    settle(app.engine)
    return keys


def render(app: App, key: str, out: Path, signer: PdfSigner | None = None) -> Render:
    gc.collect()  # start from a collected heap, as bare_weasyprint does
    start, cpu = time.perf_counter(), time.process_time()
    issued = issue_report(
        app.uow(),
        Renderer(app.settings.home / "templates"),
        ReportRequest(kind="acceptance", plan=key, today=TODAY),
        out,
        signer=signer,
    )
    result = Render(time.perf_counter() - start, time.process_time() - cpu, issued)
    gc.collect()  # the laid-out document's cycles, now, not in the next timed call
    return result


def report_html(app: App, key: str, out: Path) -> str:
    """The HTML that issue_report lays out for this plan (Renderer.html on the same context)."""
    issued = issue_report(
        app.uow(),
        Renderer(app.settings.home / "templates"),
        ReportRequest(kind="acceptance", plan=key, today=TODAY),
        out,
        html=True,
    )
    return issued.path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Bare:
    seconds: float
    cpu: float
    pages: int
    size: int


def bare_weasyprint(html: str, *, gc_paused: bool = False) -> Bare:
    """WeasyPrint alone on `html`: HTML(string=…).write_pdf(), split as HTML.write_pdf does.

    `gc_paused`: with Python's cyclic garbage collector paused for the render (gc.freeze() then
    gc.disable(), undone after). WeasyPrint allocates millions of objects and every full
    collection walks all of them, so the collector's share grows with the document; this
    measures what pausing it would save (not what the command does today).
    """
    import weasyprint  # type: ignore[import-untyped]

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    gc.collect()
    if gc_paused:
        gc.freeze()
        gc.disable()
    try:
        start, cpu = time.perf_counter(), time.process_time()
        document = weasyprint.HTML(string=html, base_url=str(BUILTIN_TEMPLATES)).render()
        pdf = document.write_pdf()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    finally:
        if gc_paused:
            gc.enable()
            gc.unfreeze()
    pages = len(document.pages)
    del document
    gc.collect()  # the document's cycles, now, not in the next timed call
    return Bare(seconds, cpu, pages, len(pdf))


def warm_up() -> None:
    """Import WeasyPrint and load the fonts once, so the first timed render is not the slow one."""
    bare_weasyprint("<p style=\"font-family: 'Noto Serif CJK SC'\">预热 warm-up</p>")


def queries(app: App, key: str) -> Callable[[], data.PlanReport]:
    """What the 'queries' stage of issue_report does for an acceptance report."""

    def run() -> data.PlanReport:
        with app.uow() as uow:
            plan = find_plan(uow.session, key, None)
            return data.plan_report(uow.session, plan, today=TODAY)

    return run


def timed_queries(app: App, key: str) -> tuple[float, float, int, data.PlanReport]:
    """(median, fastest seconds over QUERY_ROUNDS after a warm-up, statements, the context)."""
    run = queries(app, key)
    with counting(app.engine) as counter:
        ctx = run()
    times = []
    for _ in range(QUERY_ROUNDS):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), counter.count, ctx


def pdf_text(path: Path) -> str | None:
    if shutil.which("pdftotext") is None:
        return None
    return subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def check_pdf(path: Path, ctx: data.PlanReport, pages: int) -> None:
    """The report is a PDF with pages that names the first and last measure and a file's hash."""
    content = path.read_bytes()
    assert content.startswith(b"%PDF-")
    assert pages > 0
    text = pdf_text(path)
    if text is None:  # poppler-utils missing: the page count is all we can check
        return
    flat = "".join(text.split())
    measures = ctx.measures
    assert "验收报告" in flat
    for m in (measures[0], measures[-1]):
        assert "".join(m.title.split())[:12] in flat, m.title
    files = [e for m in measures for e in m.evidence_current if e.is_file]
    assert len(files) == FILES_PER_MEASURE * len(measures)
    assert (files[-1].sha256 or "")[:16] in flat


def stages(r: Render) -> str:
    return " / ".join(
        f"{name} {r.stage(name):.2f}" for name in ("queries", "html", "layout", "pdf")
    )


def median_render(renders: list[Render]) -> Render:
    return sorted(renders, key=lambda r: r.seconds)[len(renders) // 2]


def cli_report(app: App, key: str, out: Path) -> tuple[float, str]:
    """Wall seconds of `zonecheck report acceptance KEY -o out` in a fresh process, and its output.

    ZONECHECK_HOME is the folder of the bench's SQLite database (zonecheck.db, the default name),
    so the command finds it as an office's installation would.
    """
    database = Path(app.engine.url.database or "")
    assert database.name == "zonecheck.db" and database.is_file(), database
    env = {k: v for k, v in os.environ.items() if k not in ("ZONECHECK_DB", "ZONECHECK_USER")}
    env["ZONECHECK_HOME"] = str(database.parent)
    start = time.perf_counter()
    done = subprocess.run(
        [str(ZONECHECK), "report", "acceptance", key, "-o", str(out), "--today", TODAY.isoformat()],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    assert done.returncode == 0, done.stderr
    return seconds, done.stdout


def machine_note() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs, load average {load}"


# --------------------------------------------------------------------------------------------
# Where the time goes: a cProfile grouped coarsely
# --------------------------------------------------------------------------------------------

# (label, [(path fragment, function name)]): cumulative time of those functions. The groups
# nest (tables contain line breaking) and are printed as an indented list, not summed.
PROFILE_GROUPS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("", "HTML parsing (tinyhtml5)", [("tinyhtml5/parser.py", "main_loop")]),
    (
        "",
        "CSS: cascade and computed styles",
        [("weasyprint/css/__init__.py", "get_all_computed_styles")],
    ),
    (
        "",
        "box tree (formatting structure)",
        [("formatting_structure/build.py", "build_formatting_structure")],
    ),
    ("", "layout (pages)", [("weasyprint/layout/__init__.py", "layout_document")]),
    ("  ", "tables (table_layout)", [("weasyprint/layout/table.py", "table_layout")]),
    (
        "  ",
        "line breaking (inline layout: get_next_linebox)",
        [("weasyprint/layout/inline.py", "get_next_linebox")],
    ),
    (
        "    ",
        "Pango line splitting (split_first_line)",
        [("weasyprint/text/line_break.py", "split_first_line")],
    ),
    (
        "  ",
        "percentages (resolve_percentages)",
        [("weasyprint/layout/percent.py", "resolve_percentages")],
    ),
    ("  ", "backgrounds and borders", [("weasyprint/layout/background.py", "layout_backgrounds")]),
    ("", "PDF write (write_pdf)", [("weasyprint/document.py", "write_pdf")]),
    ("  ", "drawing pages (Page.paint)", [("weasyprint/document.py", "paint")]),
    (
        "  ",
        "fonts (build_fonts_dictionary)",
        [("weasyprint/pdf/fonts.py", "build_fonts_dictionary")],
    ),
    ("    ", "font subsetting (Font.subset)", [("weasyprint/pdf/fonts.py", "subset")]),
    ("  ", "serialising (pydyf PDF.write, zlib)", [("pydyf/__init__.py", "write")]),
]


def _cumulative(stats: pstats.Stats, fragment: str, name: str) -> float:
    raw: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    return float(sum(v[3] for (path, _line, func), v in raw.items() if func == name and fragment in path))


def _own(stats: pstats.Stats, fragment: str) -> float:
    """Own time of the functions in files whose path has `fragment`.

    cffi calls (into Pango, HarfBuzz, GLib) are not profiled as functions of their own: their
    time is the own time of the Python function that makes them.
    """
    raw: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    return float(sum(v[2] for (path, _line, _func), v in raw.items() if fragment in path))


def profile_report(html: str) -> list[str]:
    """Lines describing one profiled layout + PDF write of `html`."""
    import weasyprint

    profiler = cProfile.Profile()
    profiler.enable()
    weasyprint.HTML(string=html, base_url=str(BUILTIN_TEMPLATES)).render().write_pdf()
    profiler.disable()
    stats = pstats.Stats(profiler)
    total: float = stats.total_tt  # type: ignore[attr-defined]
    calls: int = stats.total_calls  # type: ignore[attr-defined]
    lines = [
        f"  profiled: {total:.1f} s in all, {calls / 1e6:.1f} M Python calls (share of the whole; "
        "cProfile charges every call, so code made of many tiny calls, like HTML parsing, "
        "looks bigger than it is)"
    ]
    for indent, label, keys in PROFILE_GROUPS:
        seconds = sum(_cumulative(stats, fragment, name) for fragment, name in keys)
        if seconds:
            lines.append(
                f"  {indent}{label:<50}{'':{6 - len(indent)}} {seconds:7.2f} s {seconds / total:6.1%}"
            )
    pango = _own(stats, "weasyprint/text/")
    label = "own time in weasyprint/text/ (mostly cffi calls into Pango)"
    lines.append(f"  {label:<56} {pango:7.2f} s {pango / total:6.1%}")
    lines.append("  top functions by own time:")
    raw: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    top = sorted(raw.items(), key=lambda kv: kv[1][2], reverse=True)[:8]
    for (path, line, func), v in top:
        where = func if path == "~" else f"{path.split('site-packages/')[-1]}:{line} {func}"
        lines.append(f"    {v[2]:6.2f} s own, {v[1]:>8} calls  {where}")
    return lines


# --------------------------------------------------------------------------------------------
# 1-3. Plan 000: issue_report, bare WeasyPrint, the CLI
# --------------------------------------------------------------------------------------------


def test_bench_acceptance_report_plan_000(
    benchmark: Any,
    app: App,
    seeds_dir: Path,
    full_size: bool,
    bench_table: BenchTable,
    tmp_path: Path,
) -> None:
    backend = app.engine.dialect.name
    size = SEED_MEASURES if full_size else SMOKE_MEASURES
    key = build(app, seeds_dir, (size,))[size]
    label = f"acceptance report, {FILES_PER_MEASURE} files/measure"

    q_median, q_fastest, statements, ctx = timed_queries(app, key)
    assert len(ctx.measures) == size
    assert ctx.evidence_count >= FILES_PER_MEASURE * size
    q_row = BenchRow(
        f"{label}: queries (plan_report)",
        backend,
        size,
        1,
        q_median,
        statements,
        f"fastest {q_fastest * 1000:.0f} ms, {ctx.evidence_count} evidence",
    )
    if backend != "sqlite":  # the rendering does not depend on the backend: queries only
        benchmark.pedantic(queries(app, key), rounds=QUERY_ROUNDS, iterations=1, warmup_rounds=1)
        bench_table.add(q_row)
        return

    html = report_html(app, key, tmp_path / "report.html")
    warm_up()
    rounds = ROUNDS if full_size else 1
    ours: list[Render] = []
    bare: list[Bare] = []
    paused: list[Bare] = []

    def bare_round() -> None:  # pedantic's setup: untimed by pytest-benchmark, alternates with ours
        bare.append(bare_weasyprint(html))
        paused.append(bare_weasyprint(html, gc_paused=True))

    def ours_round() -> None:
        ours.append(render(app, key, tmp_path / f"report-{len(ours)}.pdf"))

    benchmark.pedantic(ours_round, setup=bare_round, rounds=rounds, iterations=1)
    mid = median_render(ours)
    check_pdf(mid.issued.path, ctx, mid.issued.pages)
    assert {b.pages for b in bare} == {mid.issued.pages}  # the same HTML, the same document
    bare_wall = statistics.median(b.seconds for b in bare)
    bare_cpu = statistics.median(b.cpu for b in bare)
    ours_cpu = statistics.median(r.cpu for r in ours)
    paused_wall = statistics.median(b.seconds for b in paused)
    paused_cpu = statistics.median(b.cpu for b in paused)

    cli_runs = [cli_report(app, key, tmp_path / f"cli-{n}.pdf") for n in range(rounds)]
    cli = statistics.median(s for s, _ in cli_runs)
    assert "已生成验收报告" in cli_runs[0][1]
    assert f"{mid.issued.pages} 页" in cli_runs[0][1]
    # The command prints its own render time (queries to PDF): the rest is starting Python,
    # importing, and exiting (which frees the laid-out document).
    own = [float(m.group(1)) for _, out in cli_runs if (m := re.search(r"用时 ([0-9.]+) 秒", out))]
    split = ""
    if own:
        split = (
            f" (render {statistics.median(own):.1f} s by its own count, "
            f"start/imports/exit {cli - statistics.median(own):.1f} s)"
        )

    ratio = mid.seconds / bare_wall
    ratio_cpu = ours_cpu / bare_cpu
    bench_table.add(q_row)
    bench_table.add(
        BenchRow(
            f"{label}: issue_report",
            backend,
            size,
            1,
            mid.seconds,
            None,
            f"{mid.issued.pages} pages, {mid.issued.size / 1024:.0f} KB; {stages(mid)}; CPU {ours_cpu:.2f} s",
        )
    )
    bench_table.add(
        BenchRow(
            f"{label}: bare WeasyPrint, same HTML",
            backend,
            size,
            1,
            bare_wall,
            None,
            f"CPU {bare_cpu:.2f} s; ours/bare {ratio:.2f} wall, {ratio_cpu:.2f} CPU "
            f"(target <= {TARGET_VS_BARE}: {'met' if ratio <= TARGET_VS_BARE else 'MISSED'})",
        )
    )
    bench_table.add(
        BenchRow(
            f"{label}: bare WeasyPrint, GC paused",
            backend,
            size,
            1,
            paused_wall,
            None,
            f"CPU {paused_cpu:.2f} s; {paused_wall / bare_wall - 1:+.0%} vs GC on (what pausing it saves)",
        )
    )
    bench_table.add(
        BenchRow(
            f"{label}: zonecheck report acceptance (CLI)",
            backend,
            size,
            1,
            cli,
            None,
            f"new process, wall; {cli - mid.seconds:+.2f} s vs in-process{split}; "
            f"target < {TARGET_CLI_SECONDS:.0f} s: {'met' if cli < TARGET_CLI_SECONDS else 'MISSED'}",
        )
    )
    bench_table.note(
        f"[{backend}] plan of {size} measures: {ctx.evidence_count} pieces of evidence listed, "
        f"{len(html) / 1024:.0f} KB of HTML; seconds = median of {rounds} (report and bare alternate); "
        f"libharfbuzz-subset in use: {harfbuzz_subset_available()}; {machine_note()}"
    )


# --------------------------------------------------------------------------------------------
# 4-6. Growth with measures, the 700-measure plan, the profile
# --------------------------------------------------------------------------------------------


def test_bench_acceptance_report_growth(
    benchmark: Any,
    app: App,
    seeds_dir: Path,
    full_size: bool,
    bench_table: BenchTable,
    tmp_path: Path,
) -> None:
    backend = app.engine.dialect.name
    sizes = FULL_GROWTH if full_size else SMOKE_GROWTH
    keys = build(app, seeds_dir, sizes)
    largest = sizes[-1]

    contexts: dict[int, data.PlanReport] = {}
    for n in sizes:
        q_median, q_fastest, statements, ctx = timed_queries(app, keys[n])
        assert len(ctx.measures) == n
        contexts[n] = ctx
        bench_table.add(
            BenchRow(
                "growth: queries (plan_report)",
                backend,
                n,
                1,
                q_median,
                statements,
                f"fastest {q_fastest * 1000:.0f} ms, {ctx.evidence_count} evidence",
            )
        )
    if backend != "sqlite":
        benchmark.pedantic(queries(app, keys[largest]), rounds=3, iterations=1, warmup_rounds=1)
        return

    warm_up()
    renders: dict[int, Render] = {}
    for n in sizes[:-1]:
        renders[n] = render(app, keys[n], tmp_path / f"report-{n}.pdf")
    # pytest-benchmark's own figure: the largest plan, once.
    benchmark.pedantic(
        lambda: renders.__setitem__(
            largest, render(app, keys[largest], tmp_path / f"report-{largest}.pdf")
        ),
        rounds=1,
        iterations=1,
    )
    for n in sizes:
        check_pdf(renders[n].issued.path, contexts[n], renders[n].issued.pages)
    pages = [renders[n].issued.pages for n in sizes]
    assert pages == sorted(pages) and pages[0] < pages[-1], pages

    html = report_html(app, keys[largest], tmp_path / f"report-{largest}.html")
    plain = bare_weasyprint(html)
    assert plain.pages == renders[largest].issued.pages
    bare_wall, bare_cpu = plain.seconds, plain.cpu
    # The growth with the collector paused, smallest to largest (bare WeasyPrint both).
    paused_first = bare_weasyprint(
        report_html(app, keys[sizes[0]], tmp_path / "first.html"), gc_paused=True
    )
    paused_big = bare_weasyprint(html, gc_paused=True)

    first = sizes[0]
    previous: Render | None = None
    previous_n = 0
    for n in sizes:
        r = renders[n]
        per = r.seconds / n * 1000
        marginal = (
            ""
            if previous is None
            else f", +{(r.seconds - previous.seconds) / (n - previous_n) * 1000:.0f} ms per added measure"
        )
        vs = (
            ""
            if n == first
            else f", x {r.seconds / renders[first].seconds:.1f} vs {first} (CPU x {r.cpu / renders[first].cpu:.1f})"
        )
        bench_table.add(
            BenchRow(
                "growth: acceptance report (issue_report)",
                backend,
                n,
                1,
                r.seconds,
                None,
                f"{r.issued.pages} pages, {r.issued.size / 1024:.0f} KB, {per:.0f} ms/measure{marginal}{vs}; "
                f"{stages(r)}; CPU {r.cpu:.2f} s",
            )
        )
        previous, previous_n = r, n
    big = renders[largest]
    times_70 = big.seconds / renders[first].seconds
    bench_table.add(
        BenchRow(
            f"{largest} measures: bare WeasyPrint, same HTML",
            backend,
            largest,
            1,
            bare_wall,
            None,
            f"CPU {bare_cpu:.2f} s; ours/bare {big.seconds / bare_wall:.2f} wall, {big.cpu / bare_cpu:.2f} CPU "
            f"(target <= {TARGET_VS_BARE})",
        )
    )
    paused_times = paused_big.seconds / paused_first.seconds
    bench_table.add(
        BenchRow(
            f"{largest} measures: bare WeasyPrint, GC paused",
            backend,
            largest,
            1,
            paused_big.seconds,
            None,
            f"CPU {paused_big.cpu:.2f} s; {paused_big.seconds / bare_wall - 1:+.0%} vs GC on; "
            f"x {paused_times:.1f} the {sizes[0]}-measure one paused too "
            f"({paused_first.seconds:.2f} s, CPU x {paused_big.cpu / paused_first.cpu:.1f})",
        )
    )
    bench_table.note(
        f"[{backend}] {largest}-measure report: {big.seconds:.1f} s = x {times_70:.1f} the {first}-measure one "
        f"(target < x {TARGET_700_VS_70:.0f}: {'met' if times_70 < TARGET_700_VS_70 else 'MISSED'}); "
        f"{machine_note()}"
    )
    bench_table.note(
        f"[{backend}] where the time goes, {largest} measures (cProfile of one layout + PDF write):"
    )
    for line in profile_report(html):
        bench_table.note(line)
