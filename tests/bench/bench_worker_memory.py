"""The worker rendering the 700-measure acceptance report: time, pages, size and peak memory.

    python -m tests.bench.bench_worker_memory [--measures 700] [--files 5] [--postgres] [--keep]

Builds a data folder with a plan of --measures measures (seed 000's, repeated: see
synthetic.grow_plan) with a realistic spread of work and --files evidence rows per measure,
asks for its acceptance report as the office does on the web (a render job), and runs a real
`zonecheck worker` (one process worker) until the job is done. Peak memory is each process's
own high-water mark (VmHWM in /proc, read before the worker stops), so nothing is missed
between samples; the figure that matters is the worker process that rendered. Prints the
figures; fails on nothing but a job that did not finish. Named bench_*.py: pytest does not
collect it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.bench.synthetic import (
    ADMIN,
    actor,
    add_bench_people,
    add_files,
    add_work,
    grow_plan,
    import_seed,
    map_groups,
    plan_id,
    settle,
)
from tests.support.workers import finished, start_worker, stop_worker, wait_for
from workflow.bootstrap import App, bootstrap
from workflow.config import Settings
from workflow.db import upgrade
from workflow.jobs.queue import enqueue_render
from workflow.jobs.requests import request_render
from workflow.jobs.rules import JobState

REPO = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 6, 30)
BIG_KEY = "bench-worker-700"


def build_big_plan(app: App, seeds: Path, measures: int, files: int) -> str:
    """Seed 000 and a grown plan of `measures` measures with work and files; its key."""
    key = import_seed(app, seeds)
    add_bench_people(app)
    map_groups(app)
    big = grow_plan(app.engine, key, measures, key=BIG_KEY)
    add_work(app.engine, [big], today=TODAY)
    add_files(app.engine, [big], per_measure=files, today=TODAY)
    settle(app.engine)
    return big


def ask_acceptance(app: App, key: str, *, number: str = "") -> int:
    """The office's click on 验收报告 → 生成: a render job, handed to the worker."""
    asked = request_render(
        app.uow(), actor(app, ADMIN), plan_id(app, key), "acceptance", "pdf", {"number": number},
        today=TODAY, now=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    enqueue_render(app.settings, asked.job_id)
    return asked.job_id


def session_pids(sid: int) -> list[int]:
    """Every process of session `sid` (the worker and the processes it started)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getsid(int(entry.name)) == sid:
                    pids.append(int(entry.name))
            except (ProcessLookupError, PermissionError):
                continue
    return pids


def high_water_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class WorkerRun:
    process: subprocess.Popen[bytes]
    log: Path

    def peaks_mib(self) -> dict[int, float]:
        """Each live process's peak resident memory so far, MiB."""
        return {pid: high_water_kib(pid) / 1024 for pid in session_pids(self.process.pid)}


@contextmanager
def worker(home: Path, db_url: str, work: Path, *args: str) -> Iterator[WorkerRun]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZONECHECK_")}
    env.update(ZONECHECK_HOME=str(home), ZONECHECK_DB=db_url)
    run = WorkerRun(start_worker(env, work / "worker.log", *args), work / "worker.log")
    try:
        yield run
    finally:
        stop_worker(run.process, timeout=600)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--measures", type=int, default=700)
    parser.add_argument("--files", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    seeds = Path(os.environ.get("ZONECHECK_SEEDS") or REPO.parent / "shared" / "seeds")
    work = Path(tempfile.mkdtemp(prefix="zonecheck-worker-bench-"))
    home = work / "zonecheck-data"
    home.mkdir()
    db_url = f"sqlite:///{home / 'zonecheck.db'}"
    os.environ["ZONECHECK_HOME"] = str(home)
    try:
        upgrade(db_url)
        app = bootstrap(Settings(home=home, db_url=db_url))
        started = time.monotonic()
        key = build_big_plan(app, seeds, args.measures, args.files)
        print(f"data: {args.measures} measures, {args.files} files each, built in {time.monotonic() - started:.0f} s", file=sys.stderr)
        with worker(home, db_url, work, "--workers", "1", "--no-periodic") as run:
            time.sleep(2)  # the worker's start-up is not the render's
            idle = run.peaks_mib()
            began = time.monotonic()
            job_id = ask_acceptance(app, key)
            done = wait_for(app, job_id, finished, 1800, run.log)
            seconds = time.monotonic() - began
            peaks = run.peaks_mib()
        if done.state is not JobState.DONE:
            print(f"job failed: {done.error}")
            return 1
        with app.uow() as uow:
            from workflow.models import IssuedReport

            row = uow.session.get(IssuedReport, done.issued_report_id)
            pages = row.pages if row else 0
        app.close()
        render_peak = max(peaks.values())
        print(
            f"worker rendering the {args.measures}-measure acceptance report: {seconds:.1f} s from the click "
            f"to done, {pages} pages, {done.size / 1e6:.1f} MB; peak RSS of the process that rendered "
            f"{render_peak:.0f} MiB (idle worker processes {', '.join(f'{v:.0f}' for v in sorted(idle.values()))} MiB; "
            f"all processes at the end {', '.join(f'{v:.0f}' for v in sorted(peaks.values()))} MiB)"
        )
        return 0
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
