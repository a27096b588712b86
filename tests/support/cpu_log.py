"""Per-test CPU accounting, to find where the suite's time goes (issue 11: ``make test`` on 2 cores).

Enabled by ``ZONECHECK_TEST_CPU_LOG=FILE`` (tests/conftest.py loads this plugin then). Each test
appends one JSON line to FILE (every xdist worker appends its own lines; a line is short enough
to be written atomically):

    {"nodeid": ..., "worker": "gw0", "self": s, "children": s, "pg": s, "wall": s}

* ``self``: this process's user + system CPU over the test's set-up, call and tear-down (a
  module- or session-scoped fixture counts for the test that built it);
* ``children``: CPU of the child processes reaped meanwhile (CLI subprocesses, live servers,
  Chromium, LibreOffice, pdftotext);
* ``pg``: CPU of the throwaway PostgreSQL server of this worker (its postmaster and every backend
  it reaped, and its live ones), which ``pg_ctl`` detaches, so it is not among the children (once
  stopped, its last figure stands); and of the session's
  CLI fork server (tests/support/cli_forkserver.py) and the calls it forked, while it runs (once
  stopped and reaped, its total moves to ``children``, and the difference stays right).

Wall time is recorded for reference only: on a shared machine compare CPU, not wall time.
``python -m tests.support.cpu_log FILE`` sums the lines per file and prints the largest.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Generator
from pathlib import Path

import pytest

ENV_CPU_LOG = "ZONECHECK_TEST_CPU_LOG"

# The long-lived servers this process started (tests/conftest.py registers them): pid → whether
# it is detached (never reaped by us: its last figure stands once it is gone).
_watched: dict[int, bool] = {}
_last_seen: dict[int, float] = {}


def watch_pid(pid: int, detached: bool = False) -> None:
    """Count ``pid``'s CPU (and its children's) in the ``pg`` column."""
    _watched[pid] = detached


def _watched_cpu() -> float:
    total = 0.0
    for pid, detached in _watched.items():
        now = _proc_cpu(pid)
        if now == 0.0 and detached:
            now = _last_seen.get(pid, 0.0)  # stopped: its CPU went nowhere we can read
        _last_seen[pid] = now
        total += now
    return total


def _ticks(pid: int, reaped: bool) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat.rsplit(")", 1)[1].split()
    # fields[0] is the state (field 3 of proc(5)); utime..cstime are fields 14-17.
    return sum(int(value) for value in fields[11 : 15 if reaped else 13])


def _proc_cpu(pid: int) -> float:
    """CPU seconds of ``pid``, of the children it reaped, and of its live children (PostgreSQL's
    checkpointer, WAL writer and open backends), 0 once it is gone."""
    ticks = _ticks(pid, reaped=True)
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                ticks += _ticks(int(child), reaped=False)
    return ticks / os.sysconf("SC_CLK_TCK")


def _sample() -> tuple[float, float, float, float]:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    pg = _watched_cpu()
    return (
        me.ru_utime + me.ru_stime,
        kids.ru_utime + kids.ru_stime,
        pg,
        time.monotonic(),
    )


class CpuLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.worker = os.environ.get("PYTEST_XDIST_WORKER", "main")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, None, None]:
        before = _sample()
        yield
        after = _sample()
        line = {
            "nodeid": item.nodeid,
            "worker": self.worker,
            **{
                key: round(b - a, 3)
                for key, a, b in zip(("self", "children", "pg", "wall"), before, after, strict=True)
            },
        }
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")


def summarize(path: Path, top: int = 40) -> str:
    """Totals and the files taking the most CPU, from a log written by :class:`CpuLog`."""
    per_file: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0, 0])
    for raw in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(raw)
        acc = per_file[row["nodeid"].split("::", 1)[0]]
        acc[0] += row["self"]
        acc[1] += row["children"]
        acc[2] += row["pg"]
        acc[3] += row["wall"]
        acc[4] += 1
    total = [sum(acc[i] for acc in per_file.values()) for i in range(5)]
    lines = [
        f"{'file':60} {'tests':>5} {'self':>8} {'child':>8} {'pg':>7} {'cpu':>8}",
    ]
    ranked = sorted(per_file.items(), key=lambda kv: -(kv[1][0] + kv[1][1] + kv[1][2]))
    for name, acc in ranked[:top]:
        lines.append(
            f"{name:60} {acc[4]:5d} {acc[0]:8.1f} {acc[1]:8.1f} {acc[2]:7.1f} "
            f"{acc[0] + acc[1] + acc[2]:8.1f}"
        )
    lines.append(
        f"{'TOTAL':60} {total[4]:5.0f} {total[0]:8.1f} {total[1]:8.1f} {total[2]:7.1f} "
        f"{total[0] + total[1] + total[2]:8.1f}  (CPU seconds)"
    )
    return "\n".join(lines)


def summarize_tests(path: Path, top: int = 40) -> str:
    """The single tests taking the most CPU."""
    rows = [json.loads(raw) for raw in path.read_text(encoding="utf-8").splitlines()]
    rows.sort(key=lambda r: -(r["self"] + r["children"] + r["pg"]))
    return "\n".join(
        f"{r['self'] + r['children'] + r['pg']:7.1f}  {r['nodeid']}" for r in rows[:top]
    )


if __name__ == "__main__":
    log = Path(sys.argv[1])
    print(summarize(log))
    print()
    print(summarize_tests(log))
