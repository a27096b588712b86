"""Benchmark: the acceptance report unsigned and signed (PAdES B-B), and `report verify`'s check.

Seed 000 (70 measures, 5 files each, as in test_bench_reports.py; 3 measures in `make test`),
on SQLite only (signing does not touch the database). Unsigned and signed renders alternate
(median of 3); the signing stage (the appearance typeset by WeasyPrint, the signature, the
incremental update) is printed apart, and so is the signature check of the signed file.
Nothing fails on time: the figures are printed at the end of the run.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from pathlib import Path
from typing import Any

import pytest

from reports import verify
from reports.signing import office_signer
from tests.support.certs import PASSWORD, make_pki
from workflow.bootstrap import App
from workflow.config import SignConfig

from .synthetic import SEED_MEASURES, BenchRow, BenchTable
from .test_bench_reports import (
    FILES_PER_MEASURE,
    ROUNDS,
    SMOKE_MEASURES,
    Render,
    build,
    machine_note,
    median_render,
    render,
    warm_up,
)


def test_bench_signed_acceptance_report(
    benchmark: Any, app: App, seeds_dir: Path, full_size: bool, bench_table: BenchTable, tmp_path: Path
) -> None:
    if app.engine.dialect.name != "sqlite":
        pytest.skip("signing does not depend on the database: timed on SQLite only")
    size = SEED_MEASURES if full_size else SMOKE_MEASURES
    key = build(app, seeds_dir, (size,))[size]
    pki = make_pki()
    config = SignConfig(p12=pki.p12(tmp_path), password=PASSWORD, trust=pki.trust_pem(tmp_path))
    load_start = time.perf_counter()
    signer = office_signer(config, now=dt.datetime.now(dt.UTC))
    load_seconds = time.perf_counter() - load_start
    assert signer is not None
    warm_up()
    render(app, key, tmp_path / "warm.pdf", signer)  # pyHanko's imports, once
    rounds = ROUNDS if full_size else 1
    plain: list[Render] = []
    signed: list[Render] = []

    def plain_round() -> None:  # pedantic's setup: untimed by pytest-benchmark, alternates
        plain.append(render(app, key, tmp_path / f"plain-{len(plain)}.pdf", None))

    def signed_round() -> None:
        signed.append(render(app, key, tmp_path / f"signed-{len(signed)}.pdf", signer))

    benchmark.pedantic(signed_round, setup=plain_round, rounds=rounds, iterations=1)
    a, b = median_render(plain), median_render(signed)
    # The signed seal box stands clear of the name and date (30 mm taller than the unsigned
    # one, which they overlap), so the sign-off may start a page later.
    assert b.issued.pages - a.issued.pages in (0, 1)

    trust = verify.load_trust(config)
    checks = []
    for r in signed:
        start = time.perf_counter()
        verdict = verify.check_pdf(r.issued.path.read_bytes(), trust).verdict
        checks.append(time.perf_counter() - start)
        assert verdict == verify.VALID

    label = f"acceptance report, {FILES_PER_MEASURE} files/measure"
    sign_stage = statistics.median(r.issued.timings.seconds("sign") for r in signed)
    bench_table.add(
        BenchRow(f"{label}: unsigned", "sqlite", size, 1, a.seconds, None,
                 f"{a.issued.pages} pages, {a.issued.size / 1024:.0f} KB; CPU {a.cpu:.2f} s")
    )
    bench_table.add(
        BenchRow(f"{label}: signed (PAdES B-B)", "sqlite", size, 1, b.seconds, None,
                 f"{b.issued.pages} pages, {b.issued.size / 1024:.0f} KB; signing stage {sign_stage:.2f} s; CPU {b.cpu:.2f} s; "
                 f"{b.seconds / a.seconds - 1:+.0%} vs unsigned")
    )
    bench_table.add(
        BenchRow("report verify: signature check of the signed report", "sqlite", size, 1,
                 statistics.median(checks), None, f"certificate load and check {load_seconds * 1000:.0f} ms, pyHanko import included")
    )
    bench_table.note(f"[signing] median of {rounds} (unsigned and signed alternate); {machine_note()}")
