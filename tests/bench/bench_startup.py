"""Start-up time and peak memory of the `zonecheck` command, and of a whole CLI-driven run.

    python tests/bench/bench_startup.py [--runs 7] [--seeds DIR] [--jiading] [--jiading-jobs N]

Imports the five seed plans into a temporary data folder (SQLite), then runs each command below
--runs times as a child process of its own and prints, for each, the median, fastest and slowest
wall time, the median CPU time (user + system: less disturbed than wall time by other load on a
shared machine) and the peak RSS. Peak RSS is read per child with os.wait4 (RUSAGE_CHILDREN would
give the largest child of the whole benchmark). `python -c pass` is the floor of any Python
command; `alembic --version` from the same venv is the reference issue 11 compares with.

--jiading also times scripts/jiading_full_run.sh (some 320 CLI calls) once, on SQLite.

Figures only: nothing here passes or fails on time (the machine is shared; compare runs on the
same machine). Named bench_*.py so pytest does not collect it; `make bench` runs it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
ZONECHECK = VENV_BIN / "zonecheck"


@dataclass(frozen=True)
class Sample:
    seconds: float
    cpu_seconds: float  # user + system: less disturbed than wall time by others' load
    peak_rss_kib: int


def run_once(argv: list[str], env: dict[str, str], cwd: Path) -> Sample:
    """One child process: wall time from spawn to reaped, and its own peak RSS."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )
        # wait4 reaps the child itself and returns that child's rusage; Popen must not reap it.
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            out.seek(0)
            raise SystemExit(
                f"{' '.join(argv)} exited {proc.returncode}:\n{out.read().decode(errors='replace')}"
            )
    return Sample(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)  # KiB on Linux


def measure(argv: list[str], env: dict[str, str], cwd: Path, runs: int) -> list[Sample]:
    run_once(argv, env, cwd)  # warm the page cache and .pyc files; not counted
    return [run_once(argv, env, cwd) for _ in range(runs)]


def row(label: str, samples: list[Sample]) -> str:
    times = [s.seconds for s in samples]
    cpu = [s.cpu_seconds for s in samples]
    rss = [s.peak_rss_kib / 1024 for s in samples]
    return (
        f"{label:<34} {statistics.median(times):>8.3f} {min(times):>8.3f} {max(times):>8.3f}"
        f" {statistics.median(cpu):>8.3f} {statistics.median(rss):>10.1f} {max(rss):>10.1f}"
    )


def setup_data(home: Path, env: dict[str, str], seeds: Path) -> None:
    plans = sorted(seeds.glob("*.txt"))
    if not plans:
        raise SystemExit(f"no seed plans (*.txt) in {seeds}")
    for argv in ([str(ZONECHECK), "db", "upgrade"], [str(ZONECHECK), "import", *map(str, plans)]):
        done = subprocess.run(
            argv, env=env, cwd=home.parent, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed:\n{done.stdout}{done.stderr}")


def jiading_run(env: dict[str, str], seeds: Path, jobs: int | None) -> float:
    run_env = {k: v for k, v in env.items() if not k.startswith("ZONECHECK_")}
    run_env["PATH"] = f"{VENV_BIN}{os.pathsep}{run_env.get('PATH', '')}"
    run_env["ZONECHECK_SEEDS"] = str(seeds)
    if jobs is not None:
        run_env["JOBS"] = str(jobs)
    with tempfile.TemporaryDirectory(prefix="zonecheck-bench-jiading-") as tmp:
        start = time.perf_counter()
        done = subprocess.run(
            ["bash", str(REPO / "scripts" / "jiading_full_run.sh"), str(Path(tmp) / "run")],
            env=run_env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"jiading_full_run.sh failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=7, help="timed runs per command (after one warm-up)"
    )
    parser.add_argument(
        "--seeds",
        type=Path,
        default=Path(os.environ.get("ZONECHECK_SEEDS") or REPO.parent / "shared" / "seeds"),
    )
    parser.add_argument(
        "--jiading", action="store_true", help="also time scripts/jiading_full_run.sh once"
    )
    parser.add_argument(
        "--jiading-jobs", type=int, default=None, help="JOBS for the full run (default: its own)"
    )
    args = parser.parse_args()
    if not 1 <= args.runs <= 1000:
        parser.error("--runs must be between 1 and 1000")

    with tempfile.TemporaryDirectory(prefix="zonecheck-bench-startup-") as tmp:
        home = Path(tmp) / "zonecheck-data"
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZONECHECK_")}
        env["ZONECHECK_HOME"] = str(home)
        setup_data(home, env, args.seeds)
        cwd = Path(tmp)
        commands = [
            ("python -c pass", [sys.executable, "-c", "pass"]),
            ("alembic --version", [str(VENV_BIN / "alembic"), "--version"]),
            ("zonecheck --version", [str(ZONECHECK), "--version"]),
            ("zonecheck --help", [str(ZONECHECK), "--help"]),
            ("zonecheck plans (5 seed plans)", [str(ZONECHECK), "plans"]),
            ("zonecheck measures 003 --json", [str(ZONECHECK), "measures", "003", "--json"]),
        ]
        load = os.getloadavg()[0]
        print(
            f"zonecheck start-up, {args.runs} runs each after a warm-up, {os.cpu_count()} CPUs, load average {load:.2f}"
        )
        print(
            f"{'command':<34} {'median s':>8} {'min s':>8} {'max s':>8} {'CPU s':>8}"
            f" {'RSS MiB':>10} {'max MiB':>10}"
        )
        for label, argv in commands:
            print(row(label, measure(argv, env, cwd, args.runs)), flush=True)

    if args.jiading:
        seconds = jiading_run(env, args.seeds, args.jiading_jobs)
        jobs = args.jiading_jobs or "default"
        print(
            f"scripts/jiading_full_run.sh (SQLite, JOBS={jobs}): {seconds:.1f} s, load average {os.getloadavg()[0]:.2f}"
        )


if __name__ == "__main__":
    main()
