"""Benchmarks of 现场核查 records (issue 14, part 4).

On each backend, for seed 000 (70 measures): recording the plan's bound of 200 checks, each at
the bound of every list (50 participants, every unit of the zone up to 50, 100 documents, 100
samples, 20,000 characters of findings), one audited transaction each; listing them all; one
check's view; attaching 50 photos to one check (a 1 MB PNG each, streamed into the evidence
store) and removing one. Figures with statement counts are printed at the end of the run;
nothing fails on time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import struct
import zlib
from pathlib import Path

from workflow.bootstrap import App
from workflow.domain.site_checks import (
    MAX_CHECKS_PER_PLAN,
    MAX_DOCUMENTS,
    MAX_FINDINGS,
    MAX_PARTICIPANTS,
    MAX_PHOTOS,
    MAX_SAMPLES,
    MAX_UNITS_VISITED,
    Participant,
    Sample,
    SiteCheckDraft,
)
from workflow.read.site_checks import site_check_view, site_checks_of, visitable_units
from workflow.services.site_checks import add_site_photo, record_site_check, remove_site_photo

from .synthetic import (
    ADMIN,
    SEED_MEASURES,
    BenchRow,
    BenchTable,
    actor,
    add_bench_people,
    import_seed,
    plan_id,
)
from .test_bench_index_scores import measured


def big_png(n: int, side: int = 600) -> bytes:
    """A real PNG of about 1 MB (noise compresses badly), distinct for each `n`."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    noise = random.Random(n)
    rows = b"".join(b"\x00" + noise.randbytes(side * 3) for _ in range(side))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows, 1))
        + chunk(b"IEND", b"")
    )


def test_record_list_and_photograph_site_checks_at_their_bounds(
    app: App, seeds_dir: Path, db_url: str, bench_table: BenchTable, tmp_path: Path
) -> None:
    backend = db_url.split(":", 1)[0].split("+", 1)[0]
    key = import_seed(app, seeds_dir)
    add_bench_people(app)
    admin = actor(app, ADMIN)
    plan = plan_id(app, key)
    units = [u.id for u in visitable_units(app.uow(), admin, plan)][:MAX_UNITS_VISITED]
    full = SiteCheckDraft(
        held_on=dt.date(2025, 6, 30),
        place="区政府第一会议室",
        participants=tuple(Participant(f"专家{n:02d}", "组员") for n in range(MAX_PARTICIPANTS)),
        unit_ids=tuple(units),
        documents=tuple(f"第 {n} 份材料:知识产权保护工作台账" for n in range(MAX_DOCUMENTS)),
        samples=tuple(Sample(f"抽查企业{n}", "专利管理制度与台账", "已建立,台账完整") for n in range(MAX_SAMPLES)),
        findings="机制健全,台账完整。" * (MAX_FINDINGS // 10),
        conclusion="达标",
    )

    def record_all() -> list[int]:
        return [
            record_site_check(app.uow(), admin, plan, dataclasses.replace(full, place=f"核查地点{n}")).id
            for n in range(MAX_CHECKS_PER_PLAN)
        ]

    seconds, queries, ids = measured(app, record_all)
    note = f"{len(units)} units, {MAX_DOCUMENTS} documents, {MAX_SAMPLES} samples each"
    bench_table.add(BenchRow("site record: checks at every bound", backend, SEED_MEASURES, len(ids), seconds, queries, note))

    seconds, queries, listed = measured(app, lambda: site_checks_of(app.uow(), admin, plan))
    assert len(listed.checks) == MAX_CHECKS_PER_PLAN
    bench_table.add(BenchRow("site list: 200 full checks", backend, SEED_MEASURES, 1, seconds, queries))

    files = []
    for n in range(MAX_PHOTOS):
        path = tmp_path / f"照片{n}.png"
        path.write_bytes(big_png(n))
        files.append(path)
    size = sum(f.stat().st_size for f in files) / len(files)

    def photograph() -> list[int]:
        return [add_site_photo(app.uow(), app.store, admin, ids[0], f, f"现场照片{n}").id for n, f in enumerate(files)]

    seconds, queries, photos = measured(app, photograph)
    note = f"{size / 1_000_000:.2f} MB PNG each"
    bench_table.add(BenchRow("site photo: a check's bound", backend, SEED_MEASURES, len(photos), seconds, queries, note))

    seconds, queries, view = measured(app, lambda: site_check_view(app.uow(), admin, ids[0]))
    assert len(view.photos) == MAX_PHOTOS
    bench_table.add(BenchRow("site show: a full check with 50 photos", backend, SEED_MEASURES, 1, seconds, queries))

    seconds, queries, _ = measured(app, lambda: remove_site_photo(app.uow(), admin, photos[-1]))
    bench_table.add(BenchRow("site photo remove", backend, SEED_MEASURES, 1, seconds, queries))
